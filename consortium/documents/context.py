"""Everything the bid document's templates show, worked out and formatted for people.

``build_context(snapshot)`` turns a ``Snapshot`` into one frozen ``BidContext``: one context per section, each
built by the module of ``consortium.documents.sections`` named after its template in ``templates/bid/`` (the cover
by ``sections.cover`` for ``bid/cover.html`` ...), plus what the document as a whole needs (its title for the PDF
metadata and page headers). The renderer passes each section to the templates under its own name (``cover``,
``coverage`` ...), so a template reads only its section; templates only loop and branch, never compute or format.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from consortium.documents.sections import appendix as appendix_section
from consortium.documents.sections import changes as changes_section
from consortium.documents.sections import contents as contents_section
from consortium.documents.sections import cover as cover_section
from consortium.documents.sections import coverage as coverage_section
from consortium.documents.sections import declarations as declarations_section
from consortium.documents.sections import eligibility as eligibility_section
from consortium.documents.sections import match as match_section
from consortium.documents.sections import partners as partners_section
from consortium.documents.sections import summary as summary_section
from consortium.documents.sections import themes as themes_section
from consortium.documents.sections.appendix import AppendixContext
from consortium.documents.sections.changes import ChangesContext
from consortium.documents.sections.contents import ContentsContext
from consortium.documents.sections.cover import CoverContext
from consortium.documents.sections.coverage import CoverageContext
from consortium.documents.sections.declarations import DeclarationsContext
from consortium.documents.sections.eligibility import EligibilityContext
from consortium.documents.sections.facts import facts_of
from consortium.documents.sections.match import MatchContext
from consortium.documents.sections.partners import PartnersContext
from consortium.documents.sections.summary import SummaryContext
from consortium.documents.sections.themes import ThemesContext
from consortium.documents.snapshot import Snapshot
from consortium.timeutil import as_utc


@dataclass(frozen=True)
class DocumentContext:
    """The document as a whole: ``bid/document.html``'s metadata and every page's header and footer."""

    title: str
    running_title: str  # shortened for the page header
    network_name: str
    programme: str
    funder_name: str
    snapshot_ref: str  # first 12 characters of the snapshot's SHA-256, printed in every page footer
    generated_at_iso: str  # for the PDF metadata


@dataclass(frozen=True)
class BidContext:
    document: DocumentContext
    cover: CoverContext
    contents: ContentsContext
    changes: ChangesContext  # since the previous version (none in a first version)
    summary: SummaryContext
    match: MatchContext
    eligibility: EligibilityContext
    coverage: CoverageContext
    themes: ThemesContext
    partners: PartnersContext
    appendix: AppendixContext
    declarations: DeclarationsContext

    def sections(self) -> dict[str, Any]:
        """Each part under its own name, as the templates read them."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def build_context(snapshot: Snapshot, sha256: str | None = None) -> BidContext:
    """Work out and format everything the bid document shows. ``sha256``: of the stored snapshot.json."""
    facts = facts_of(snapshot, sha256)
    bid = snapshot.bid
    return BidContext(
        document=DocumentContext(
            title=bid.title,
            running_title=cover_section.running_title(bid.title),
            network_name=bid.network_name,
            programme=bid.programme,
            funder_name=bid.funder_name,
            snapshot_ref=facts.sha256[:12],
            generated_at_iso=as_utc(snapshot.generated_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        ),
        cover=cover_section.build(facts),
        contents=contents_section.build(facts),
        changes=changes_section.build(facts),
        summary=summary_section.build(facts),
        match=match_section.build(facts),
        eligibility=eligibility_section.build(facts),
        coverage=coverage_section.build(facts),
        themes=themes_section.build(facts),
        partners=partners_section.build(facts),
        appendix=appendix_section.build(facts),
        declarations=declarations_section.build(facts),
    )
