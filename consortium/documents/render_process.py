"""What a render process runs (consortium.jobs.processes): a stored snapshot in, its PDF out.

It imports nothing heavy at the top, so a render process loads WeasyPrint and the snapshot code, never the database
or the web application."""

from __future__ import annotations

import os

RENDER = "documents.render"  # the task's name (consortium.documents.tasks)


def render_key(document_id: int) -> str:
    """One render job per document at a time: a sweep or a retry never queues a second one beside it."""
    return f"render:{document_id}"


def render_in_this_process(snapshot_json: bytes, variant: str) -> tuple[bytes, str, int, int]:
    """In a render process: (PDF, its SHA-256, pages, this process's id) for a stored snapshot."""
    from consortium.documents.render import render_pdf
    from consortium.documents.snapshot import snapshot_from_json
    from consortium.words import DEFAULT_VARIANT, VARIANTS

    chosen = next((known for known in VARIANTS if known == variant), DEFAULT_VARIANT)
    rendered = render_pdf(snapshot_from_json(snapshot_json), variant=chosen, snapshot_json=snapshot_json)
    return rendered.pdf, rendered.sha256, rendered.page_count, os.getpid()
