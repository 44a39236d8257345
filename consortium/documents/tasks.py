"""The document's background work: rendering a version's PDF (in a render process, see consortium.jobs.processes
and consortium.documents.render_process) and the sweep that re-queues renders a lost enqueue or a dead worker left
behind."""

from __future__ import annotations

from consortium.documents.render_process import RENDER
from consortium.documents.services import render_document, resume_unfinished_renders
from consortium.jobs.registry import cron, task
from consortium.settings import Settings

SWEEP_RENDERS = "documents.sweep_renders"
# A 2,000-member bid renders in well under a minute; a run taking a quarter of an hour is stuck, and is retried.
RENDER_TIMEOUT_S = 900


@task(RENDER, timeout_s=RENDER_TIMEOUT_S, retries=3)
async def render(settings: Settings, document_id: int) -> None:
    await render_document(settings, document_id)


@cron(SWEEP_RENDERS, "* * * * *")
async def sweep_renders() -> int:
    return await resume_unfinished_renders()
