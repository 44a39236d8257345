"""Two versions of a bid's document compared, and a stored version rendered again to check it gives the same bytes.

``compare_versions`` answers the convenors' compare page and API from the two stored snapshots
(``consortium.documents.changes``). ``reproduce`` renders a ready version's stored snapshot again, with the variant it
was made in, in the render process pool (as ``documents.services.render_document`` does), and reports whether the
new PDF's SHA-256 is the one stored: anyone holding the version (its convenors, a funder's share link) can check
that the document is reproducible, not only the tests. A re-render is a few seconds of CPU, so each process checks
one version at a time and at most ``MAX_CHECKS_AT_ONCE`` versions at once; a caller asking beyond that is told to try
again in a minute (429). (The app's only rate limit counts failed sign-ins in the database: not one for this.)
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

from consortium.accounts.principal import Principal
from consortium.bids.access import bid_access
from consortium.documents import changes
from consortium.documents.render_process import render_in_this_process
from consortium.documents.snapshot import FigureChange, MemberChange, Snapshot, TermChange, snapshot_from_json
from consortium.documents.tables import Document
from consortium.errors import BadInput, Conflict, NotFound, TooManyAttempts
from consortium.jobs.processes import run_in_process

MAX_CHECKS_AT_ONCE = 2  # re-renders one process runs at once (each holds a render process for seconds)
BUSY = "This version is already being checked. Try again in a minute."
ALL_BUSY = "Other versions are being checked right now. Try again in a minute."

_checking: set[int] = set()  # documents being re-rendered by this process


class Figure(msgspec.Struct, frozen=True, kw_only=True):
    """A headline figure before and after, as a number (pence for money) and as people read it."""

    key: str
    label: str
    before: int
    after: int
    before_text: str
    after_text: str
    changed: bool


class VersionComparison(msgspec.Struct, frozen=True, kw_only=True):
    bid_id: int
    from_version: int
    to_version: int
    nothing_changed: bool
    summary: list[str]  # the comparison in a few sentences, what changed first
    terms: list[TermChange]
    members: list[MemberChange]  # only members whose row differs, by name
    figures: list[Figure]  # every headline figure, changed or not


class Reproduction(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    stored_pdf_sha256: str
    rendered_pdf_sha256: str
    identical: bool
    seconds: float
    message: str


def comparison_out(found: changes.VersionChanges) -> VersionComparison:
    return VersionComparison(
        bid_id=found.bid_id,
        from_version=found.from_version,
        to_version=found.to_version,
        nothing_changed=found.nothing_changed,
        summary=changes.summary_lines(found),
        terms=found.terms,
        members=found.members,
        figures=[_figure(f) for f in found.figures],
    )


def _figure(figure: FigureChange) -> Figure:
    return Figure(
        key=figure.key,
        label=figure.label,
        before=figure.before,
        after=figure.after,
        before_text=changes.figure_text(figure, figure.before),
        after_text=changes.figure_text(figure, figure.after),
        changed=figure.before != figure.after,
    )


def version_number(text: str | None, which: str) -> int:
    """A version number from a query (``from`` or ``to``), or a plain 422."""
    words = {"from": "the earlier version", "to": "the later version"}[which]
    if text is None or not text.strip():
        raise BadInput(f"Say which versions to compare: {words} is missing (for example ?from=3&to=4).", field=which)
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= 1_000_000:
        raise BadInput(f"{words.capitalize()} must be a version number, like 3 (not {value[:20]!r}).", field=which)
    return int(value)


async def _snapshot_of(bid_id: int, version: int) -> Snapshot:
    row = (
        await Document.select(Document.snapshot_json)
        .where((Document.bid == bid_id) & (Document.version == version))
        .first()
    )
    if row is None:
        raise NotFound(f"This bid's document has no version {version}. The documents page lists every version.")
    return snapshot_from_json(row["snapshot_json"])


async def compare_versions(
    principal: Principal, bid_id: int, from_text: str | None, to_text: str | None
) -> VersionComparison:
    """What changed from version ``from`` to version ``to`` of the bid's document (its convenors). The same version
    twice is allowed: nothing changed."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    first, second = version_number(from_text, "from"), version_number(to_text, "to")
    before, after = await _snapshot_of(bid_id, first), await _snapshot_of(bid_id, second)
    return comparison_out(changes.compare(before, after))


async def compare_stored(bid_id: int, from_version: int, to_version: int) -> VersionComparison:
    """For code that has checked access itself (a share link's page): two stored versions compared."""
    before, after = await _snapshot_of(bid_id, from_version), await _snapshot_of(bid_id, to_version)
    return comparison_out(changes.compare(before, after))


# --- re-rendering a stored version --------------------------------------------------------------------------------


async def _reproduce(row: dict[str, Any]) -> Reproduction:
    version = int(row["version"])
    if row["state"] != "ready" or not row["pdf_sha256"]:
        state = "still being made" if row["state"] == "rendering" else "one that could not be made"
        raise Conflict(f"Version {version} is {state}: only a ready version can be rendered again to check it.")
    document_id = int(row["id"])
    if document_id in _checking:
        raise TooManyAttempts(BUSY)
    if len(_checking) >= MAX_CHECKS_AT_ONCE:
        raise TooManyAttempts(ALL_BUSY)
    _checking.add(document_id)  # no await since the test above: no other request can slip in between
    try:
        started = time.perf_counter()
        _, rendered_sha256, _, _ = await run_in_process(
            render_in_this_process, row["snapshot_json"].encode(), row["variant"]
        )
        seconds = round(time.perf_counter() - started, 3)
    finally:
        _checking.discard(document_id)
    identical = rendered_sha256 == row["pdf_sha256"]
    message = (
        f"Version {version} was rendered again from its stored data and gave exactly the same PDF, byte for byte."
        if identical
        else f"Version {version} rendered again from its stored data gave a different PDF from the one stored: "
        "the stored PDF's fingerprint does not match. Tell the consortium's convenor."
    )
    return Reproduction(
        version=version,
        stored_pdf_sha256=row["pdf_sha256"],
        rendered_pdf_sha256=rendered_sha256,
        identical=identical,
        seconds=seconds,
        message=message,
    )


_COLUMNS = (
    Document.id,
    Document.bid,
    Document.version,
    Document.state,
    Document.variant,
    Document.pdf_sha256,
    Document.snapshot_json,
)


async def reproduce(principal: Principal, bid_id: int, version: int) -> Reproduction:
    """Render a version of the bid's document again (its convenors) and say whether it is the same bytes."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    row = await Document.select(*_COLUMNS).where((Document.bid == bid_id) & (Document.version == version)).first()
    if row is None:
        raise NotFound(f"This bid's document has no version {version}. The documents page lists every version.")
    return await _reproduce(row)


async def reproduce_document(document_id: int) -> Reproduction:
    """For code that has checked access itself (a working share link): its version rendered again."""
    row = await Document.select(*_COLUMNS).where(Document.id == document_id).first()
    if row is None:
        raise NotFound("There is no such document.")
    return await _reproduce(row)
