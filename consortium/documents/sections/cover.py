"""The cover (``templates/bid/cover.html``): who bids for what, the headline figures and the eligibility verdict."""

from __future__ import annotations

from dataclasses import dataclass

from consortium.documents.charts import truncate
from consortium.documents.sections.facts import Facts, Figure, headline
from consortium.words import date_text, datetime_text

LONG_TITLE = 90  # characters: a longer title is set smaller on the cover and shortened in the page header


@dataclass(frozen=True)
class CoverContext:
    network_name: str
    title: str
    long_title: bool
    programme: str
    funder_name: str
    funder_org_id: str
    status: str  # the bid's status in words
    is_final: bool  # locked or submitted: no "may still change" note
    eligible: bool
    verdict: str  # the eligibility verdict, without the detail the eligibility statement gives
    headline: tuple[Figure, ...]
    deadline: str
    prepared: str  # "26 June 2026, version 3 (locked)"
    snapshot_sha256: str


def short_verdict(verdict: str) -> str:
    """The verdict's first clause: 'Not yet eligible: 2 of 6 rules are not met.' (the rest names each gap)."""
    head, dash, _ = verdict.partition(" — ")
    return head.rstrip(".") + "." if dash else verdict


def build(facts: Facts) -> CoverContext:
    snapshot = facts.snapshot
    bid, eligibility = snapshot.bid, snapshot.eligibility
    verdict = short_verdict(eligibility.verdict)
    if not eligibility.eligible and eligibility.rules:
        verdict += " The eligibility statement (section 3) gives each rule and what is missing."
    return CoverContext(
        network_name=bid.network_name,
        title=bid.title,
        long_title=len(bid.title) > LONG_TITLE,
        programme=bid.programme,
        funder_name=bid.funder_name,
        funder_org_id=bid.funder_org_id or "",
        status=facts.status,
        is_final=bid.status in ("locked", "submitted"),
        eligible=eligibility.eligible,
        verdict=verdict,
        headline=headline(facts),
        deadline=datetime_text(bid.deadline),
        prepared=f"{date_text(snapshot.generated_at)}, version {snapshot.document_version} ({facts.status.lower()})",
        snapshot_sha256=facts.sha256,
    )


def running_title(title: str) -> str:
    """The title as the page header shows it."""
    return truncate(title, LONG_TITLE)
