"""Renders go through the job queue (task documents.render, key render:<id>) to the worker inside the web process,
which renders in a separate OS process: the web process's event loop keeps answering while a large document renders.
The sweep re-queues what a lost enqueue left behind, and never queues a render twice."""

from __future__ import annotations

import logging
import os

import pytest

from consortium.documents.services import resume_unfinished_renders, wait_for_renders
from consortium.documents.tables import Document
from consortium.jobs.enqueue import _current_queue, enqueue
from tests.factories import Client, convenor, open_bid
from tests.web.seed import seed_large_bid

PASSWORD = "a long convenor password"


async def _bearer(client: Client, email: str, password: str) -> dict[str, str]:
    signed = await client.post("/api/v1/auth/sign-in", json={"email": email, "password": password})
    assert signed.status_code == 200, signed.text
    made = await client.post(
        "/api/v1/auth/tokens", json={"name": "renders"}, headers={"X-CSRF-Token": signed.json()["csrf_token"]}
    )
    assert made.status_code in (200, 201), made.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {made.json()['token']}"}


def _rendered_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "consortium.documents" and r.msg.startswith("Rendered document")]


async def test_a_render_is_a_queued_job_run_in_another_process(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="consortium.documents")
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    made = await client.post(f"/api/v1/bids/{bid['id']}/documents", json={}, headers=headers)
    assert made.status_code == 202 and made.json()["state"] == "rendering", made.text
    document_id = made.json()["id"]

    await wait_for_renders()
    document = (await client.get(f"/api/v1/documents/{document_id}", headers=headers)).json()
    assert document["state"] == "ready" and document["page_count"] > 0, document
    [record] = _rendered_records(caplog)
    assert record.args is not None
    logged_id, _pages, pid = record.args
    assert logged_id == document_id
    assert pid != os.getpid(), "rendered in a separate OS process, not in the web process"
    job = await (await _current_queue()).job(f"render:{document_id}")
    assert job is not None and job.function == "documents.render" and job.status == "complete"
    assert job.kwargs == {"document_id": document_id} and job.attempts == 1


async def test_the_web_process_answers_while_a_large_document_renders(client: Client) -> None:
    _, bid_id, email = await seed_large_bid(400, password=PASSWORD)
    headers = await _bearer(client, email, PASSWORD)
    made = await client.post(f"/api/v1/bids/{bid_id}/documents", json={}, headers=headers)
    assert made.status_code == 202, made.text
    document_url = f"/api/v1/documents/{made.json()['id']}"

    answered_while_rendering = 0
    while (await client.get(document_url, headers=headers)).json()["state"] == "rendering":
        health = await client.get("/health")
        assert health.status_code == 200
        answered_while_rendering += 1
    # The render takes seconds; a render holding this process's event loop would let none through, and one in a
    # thread here would let them through only between its slices of the GIL.
    assert answered_while_rendering >= 20, answered_while_rendering
    assert (await client.get(document_url, headers=headers)).json()["state"] == "ready"


async def test_the_sweep_queues_a_lost_render_once(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    made = await client.post(f"/api/v1/bids/{bid['id']}/documents", json={}, headers=headers)
    document_id = made.json()["id"]
    await wait_for_renders()
    # As if the render had been lost (its enqueue failed, or a worker died before the job was stored): the document
    # is rendering again and its job is gone.
    await Document.update({Document.state: "rendering", Document.pdf: None}).where(Document.id == document_id)
    queue = await _current_queue()
    await _delete_job(f"render:{document_id}")

    assert await resume_unfinished_renders() == 1
    assert await resume_unfinished_renders() == 1  # the second sweep finds the job already queued: not doubled
    await wait_for_renders()
    document = (await client.get(f"/api/v1/documents/{document_id}", headers=headers)).json()
    assert document["state"] == "ready"
    job = await queue.job(f"render:{document_id}")
    assert job is not None and job.attempts == 1


async def test_a_document_rendering_for_an_hour_is_given_up(client: Client) -> None:
    from datetime import timedelta

    from consortium.timeutil import utc_now

    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    document_id = (await client.post(f"/api/v1/bids/{bid['id']}/documents", json={}, headers=headers)).json()["id"]
    await wait_for_renders()
    await Document.update({Document.state: "rendering", Document.created_at: utc_now() - timedelta(hours=2)}).where(
        Document.id == document_id
    )
    assert await resume_unfinished_renders() == 0
    document = (await client.get(f"/api/v1/documents/{document_id}", headers=headers)).json()
    assert document["state"] == "failed" and "Try making it again" in document["error"]


async def test_enqueue_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="consortium.jobs"):
        await enqueue("no.such.task", key="x")
    assert "Could not queue no.such.task" in caplog.text


async def _delete_job(key: str) -> None:
    from consortium.db import engine

    await engine().run_ddl(f"DELETE FROM saq_jobs WHERE key = '{key}'")  # a key this test made
