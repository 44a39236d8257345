"""A bid's live figures: its data read in a handful of queries, then analysed in one pass with Polars."""

from __future__ import annotations

from typing import Any

import msgspec

from consortium.accounts.principal import Principal
from consortium.analysis.eligibility import evaluate, prepare_bid, verdict
from consortium.analysis.frames import BidFrames, MatchTerms
from consortium.analysis.results import Eligibility, RuleResult, Totals
from consortium.analysis.rules import RULE_KINDS
from consortium.analysis.totals import compute_totals
from consortium.bids.access import BidAccess, bid_access
from consortium.bids.profiles import analysis_rows
from consortium.bids.services import rules_from_stored
from consortium.bids.tables import BidMember
from consortium.errors import BadInput, NotFound
from consortium.organisations.tables import Organisation
from consortium.pledges.tables import Pledge

LARGEST_ID = 2**63 - 1  # ids are 64-bit integers in the database


async def load_frames(bid_id: int) -> BidFrames:
    """The bid's data for the analysis. Members and their districts are read through ``analysis_rows``: live while
    the bid is open, the copy frozen at the lock once it is locked or submitted."""
    members, coverage = await analysis_rows(bid_id)
    pledge_rows = (
        await Pledge.select(
            Pledge.id.as_alias("pledge_id"),
            Pledge.organisation.as_alias("organisation_id"),
            Pledge.amount_pence,
            Pledge.board_approved,
            Pledge.status,
            Pledge.themes,
            Pledge.areas,
        )
        .where(Pledge.bid == bid_id)
        .output(load_json=True)
    )
    areas = [
        {"pledge_id": p["pledge_id"], "district_code": a["district_code"], "amount_pence": a.get("amount_pence")}
        for p in pledge_rows
        for a in p.pop("areas") or []
    ]
    return BidFrames.from_rows(members, pledge_rows, areas, coverage)


def terms_of(bid: dict[str, Any]) -> MatchTerms:
    return MatchTerms(
        funder_part=int(bid["match_funder_part"]),
        consortium_part=int(bid["match_consortium_part"]),
        cap_pence=bid["match_cap_pence"],
    )


class HeadlineTotals(msgspec.Struct):
    """What every member of a bid may see: the consortium's figures, nobody's individual pledge."""

    pledged_pence: int
    eligible_pence: int
    match_requested_pence: int
    match_capped: bool
    members_by_status: dict[str, int]
    homes_covered: int
    districts_covered: int
    regions_covered: int


async def bid_totals(principal: Principal, bid_id: int) -> Totals | HeadlineTotals:
    access = await bid_access(principal, bid_id)
    frames = await load_frames(bid_id)
    totals = compute_totals(frames, rules_from_stored(access.bid["rules"] or []), terms_of(access.bid))
    if access.role == "convenor":
        return totals
    return HeadlineTotals(**{f: getattr(totals, f) for f in HeadlineTotals.__struct_fields__})


async def _what_if_member(access: BidAccess, without: int | None) -> None:
    if without is None:
        return
    if access.role != "convenor" and without not in access.organisation_ids:
        raise NotFound("You can ask 'what if' only for your own organisation.")
    if not 0 < without <= LARGEST_ID:
        raise BadInput(
            f"'without' must be the number of a member organisation of this bid; {without} is not one.",
            field="without",
        )
    if not await BidMember.exists().where((BidMember.bid == access.bid_id) & (BidMember.organisation == without)):
        exists = await Organisation.exists().where(Organisation.id == without)
        raise BadInput(
            "That organisation is not a member of this bid." if exists else "There is no organisation with that number."
        )


async def bid_eligibility(principal: Principal, bid_id: int, without: int | None = None) -> Eligibility:
    access = await bid_access(principal, bid_id)
    await _what_if_member(access, without)
    frames = await load_frames(bid_id)
    result = evaluate(
        frames, rules_from_stored(access.bid["rules"] or []), terms_of(access.bid), without_organisation_id=without
    )
    if access.role == "convenor":
        return result
    return _member_view(result, access.organisation_ids)


# Consortium rules whose measured figure is one member's: the largest member's share, with the eligible total every
# member sees, gives that member's pledge to the pound. Members read such a rule's verdict and limit, not its figure.
ONE_MEMBERS_FIGURE = frozenset({"max_member_share"})
FIGURE_NOT_SHOWN = "Not shown to members: it is one member's share of the total"


def _member_view(result: Eligibility, own: frozenset[int]) -> Eligibility:
    """A member sees every rule's verdict, but only its own organisation's details: another member's name or
    share never reaches it, in a rule's figure, in its gap or in the verdict sentence built from the gaps."""

    def redact(rule: RuleResult) -> RuleResult:
        mine = [o for o in rule.failing_organisation_ids if o in own]
        others = len(rule.failing_organisation_ids) - len(mine)
        gap = rule.gap
        if others:
            # A consortium rule's gap may name the members over a limit ("Acme holds 31%"): count them instead.
            gap = f"{others} other member{'s do' if others != 1 else ' does'} not meet this yet"
            if mine:
                gap = "Your organisation does not meet this yet; " + gap
        if rule.key not in ONE_MEMBERS_FIGURE:
            return msgspec.structs.replace(rule, failing_organisation_ids=mine, gap=gap)
        # The gap stays when it names only the member itself ("Acme holds 31% ...": its own share).
        return msgspec.structs.replace(
            rule, failing_organisation_ids=mine, gap=gap, actual=None, actual_text=FIGURE_NOT_SHOWN
        )

    rules = [redact(r) for r in result.rules]
    # Member-scope clauses only count failing members, so they stay as they were; consortium ones use the
    # redacted gap.
    failed = [
        (RULE_KINDS[full.key], full if full.scope == "member" else shown)
        for full, shown in zip(result.rules, rules, strict=True)
        if not full.passed
    ]
    return msgspec.structs.replace(
        result,
        verdict=verdict(len(rules), failed),
        rules=rules,
        members=[m for m in result.members if m.organisation_id in own],
    )


class DashboardFigures(msgspec.Struct):
    totals: Totals | HeadlineTotals
    eligibility: Eligibility
    without: Eligibility | None = None  # the "what if this member withdrew" eligibility, when asked


async def dashboard_figures(principal: Principal, bid_id: int, without: int | None = None) -> DashboardFigures:
    """Totals, eligibility and (with ``without``) the "what if" together, from one read of the bid's data and one
    allocation of its money: what a dashboard shows, for the cost of one. Members get the redacted views."""
    access = await bid_access(principal, bid_id)
    await _what_if_member(access, without)
    frames = await load_frames(bid_id)
    rules = rules_from_stored(access.bid["rules"] or [])
    terms = terms_of(access.bid)
    prepared = prepare_bid(frames)
    totals = compute_totals(frames, rules, terms, prepared=prepared)
    eligibility = evaluate(frames, rules, terms, prepared=prepared)
    what_if = None
    if without is not None:
        what_if = evaluate(frames, rules, terms, without_organisation_id=without, prepared=prepared)
    if access.role == "convenor":
        return DashboardFigures(totals, eligibility, what_if)
    return DashboardFigures(
        HeadlineTotals(**{f: getattr(totals, f) for f in HeadlineTotals.__struct_fields__}),
        _member_view(eligibility, access.organisation_ids),
        _member_view(what_if, access.organisation_ids) if what_if is not None else None,
    )
