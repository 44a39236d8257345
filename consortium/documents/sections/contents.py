"""The contents page (``templates/bid/contents.html``): the chapters are fixed; the snapshot's digest is not."""

from __future__ import annotations

from dataclasses import dataclass

from consortium.documents.sections.facts import Facts


@dataclass(frozen=True)
class ContentsContext:
    snapshot_ref: str  # the first 12 characters of the snapshot's SHA-256, as every page footer prints it


def build(facts: Facts) -> ContentsContext:
    return ContentsContext(snapshot_ref=facts.sha256[:12])
