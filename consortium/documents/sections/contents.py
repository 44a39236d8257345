"""The contents page (``templates/bid/contents.html``): the chapters are fixed; the snapshot's digest is not."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from consortium.documents.sections.facts import Facts


@dataclass(frozen=True)
class ContentsContext:
    snapshot_ref: str  # the first 12 characters of the snapshot's SHA-256, as every page footer prints it
    changes_heading: str = ""  # "Changes since version 3" when the document lists them (sections.changes)


def build(facts: Facts) -> ContentsContext:
    changes = facts.snapshot.changes_since
    heading = "" if changes is msgspec.UNSET else f"Changes since version {changes.from_version}"
    return ContentsContext(snapshot_ref=facts.sha256[:12], changes_heading=heading)
