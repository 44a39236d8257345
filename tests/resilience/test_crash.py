"""Crash consistency: a server killed with SIGKILL in the middle of a multi-row change leaves the database as it
was before the change or as it is after it, never in between, and the next start serves normally.

How we hit "the middle" without a test-only hook in production code: each change is made big (a coverage
replacement of 300 districts, an invitation batch of 300 addresses - 600 statements in one transaction). In each of
several attempts we time one uninterrupted run of the same change on the running server, then send the change again
and SIGKILL the real uvicorn process after a random fraction of that time, stratified over 0.2-1.4 of it (seeded;
CONSORTIUM_CRASH_SEED repeats a run, and the seed and outcomes are printed). Some kills land while the transaction
is open, some after it commits; every attempt must find exactly the old state or exactly the new one - rows, and the
audit event written in the same transaction. The database file is then reopened the way the next start would (WAL
recovery), and the server is started again and must read and write normally.

A document render is killed the same way, just after its snapshot is committed and while WeasyPrint works in its
thread: the row is left "rendering", and the next start re-renders it from the stored snapshot
(resume_unfinished_renders) to a PDF that matches its recorded digest."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import random
import sqlite3
import time
from typing import Any

import asyncpg
import httpx

from consortium.reference.districts import districts
from tests.resilience.server import Server, bid_with_member, free_port

ATTEMPTS = 3
SIZE = 300
SEED = int(os.environ.get("CONSORTIUM_CRASH_SEED", str(random.SystemRandom().randrange(1_000_000))))


async def query(server: Server, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the database after the kill from a connection of our own: the SQLite file as the next start would open it
    (only committed WAL frames are replayed), or PostgreSQL once the killed server's transaction is gone."""
    if server.database_url.startswith("sqlite:"):
        path = server.database_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path)) as connection:
            return list(connection.execute(sql, params).fetchall())
    numbered = sql
    for n in range(1, len(params) + 1):
        numbered = numbered.replace("?", f"${n}", 1)
    connection = await asyncpg.connect(server.database_url)
    try:
        return [tuple(row) for row in await connection.fetch(numbered, *params)]
    finally:
        await connection.close()


async def timed(server: Server, method: str, url: str, **kwargs: Any) -> float:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        started = time.perf_counter()
        response = await client.request(method, url, **kwargs)
        assert response.status_code < 300, response.text
        return time.perf_counter() - started


async def kill_during(server: Server, delay: float, method: str, url: str, **kwargs: Any) -> int | None:
    """Send the request, SIGKILL the server after ``delay`` seconds; the status if a response came first."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        request = asyncio.create_task(client.request(method, url, **kwargs))
        await asyncio.sleep(delay)
        server.kill()
        try:
            return (await request).status_code
        except httpx.TransportError:
            return None


async def restart_and_check(server: Server, setup: dict[str, Any]) -> None:
    server.port = free_port()
    server.start()
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        bid = await client.get(f"/api/v1/bids/{setup['bid_id']}", headers=setup["convenor"])
        assert bid.status_code == 200, bid.text
        wrote = await client.post(
            f"/api/v1/bids/{setup['bid_id']}/pledges",
            json={"amount_pence": 100, "board_approved": True, "submit": False},
            headers=setup["member"],
        )
        assert wrote.status_code == 201, wrote.text


async def prepared(server: Server) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        return await bid_with_member(client, "convenor@example.org")


def fractions() -> list[float]:
    """When to kill, as a fraction of an uninterrupted run just before: stratified over 0.2-1.4 of it, so some kills
    fall before the commit and some after, whatever the seed."""
    rng = random.Random(SEED)
    # Each attempt restarts the server (seconds each): three per change keeps the suite quick.
    span = 1.2 / ATTEMPTS
    return [0.2 + span * (k + rng.random()) for k in range(ATTEMPTS)]


async def test_killed_coverage_replacement_is_all_or_nothing(server: Server) -> None:
    setup = await prepared(server)
    org = setup["organisation_id"]
    codes = sorted(districts())[:SIZE]
    url = f"/api/v1/organisations/{org}/coverage"

    def body(homes: int) -> dict[str, Any]:
        return {"districts": [{"district_code": c, "homes": homes} for c in codes]}

    async def coverage() -> set[tuple[str, int]]:
        return set(await query(server, "SELECT district_code, homes FROM coverage WHERE organisation = ?", org))

    async def audited() -> int:
        return len(await query(server, "SELECT id FROM audit_event WHERE action = 'coverage.replace'"))

    outcomes = []
    for attempt, fraction in enumerate(fractions()):
        # A full run first, on the (re)started server: it serves normally, and it times the change.
        duration = await timed(server, "PUT", url, json=body(1), headers=setup["member"])
        before, after = await coverage(), {(c, attempt + 2) for c in codes}
        events = await audited()
        status = await kill_during(
            server, fraction * duration, "PUT", url, json=body(attempt + 2), headers=setup["member"]
        )
        now = await coverage()
        assert now in (before, after), f"seed {SEED}, attempt {attempt}: {len(now & after)} of {SIZE} rows landed"
        landed = now == after
        assert await audited() == events + landed, "the audit event commits with the rows, or not at all"
        if status is not None:
            assert status == 200 and landed, "a 200 means the change is durable"
        outcomes.append(f"{fraction:.2f}x{duration * 1000:.0f}ms:{'after' if landed else 'before'}")
        await restart_and_check(server, setup)
    print(f"\n[crash coverage x{SIZE}] seed {SEED}, kills {outcomes}")


async def test_killed_invitation_batch_is_all_or_nothing(server: Server) -> None:
    setup = await prepared(server)
    url = f"/api/v1/bids/{setup['bid_id']}/invitations"

    def emails(batch: str) -> list[str]:
        return [f"{batch}-{i}@example.org" for i in range(SIZE)]

    async def invited(batch: str) -> int:
        return int((await query(server, "SELECT count(*) FROM invitation WHERE email LIKE ?", f"{batch}-%"))[0][0])

    async def audited() -> int:
        return len(await query(server, "SELECT id FROM audit_event WHERE action = 'invitation.create'"))

    outcomes = []
    for attempt, fraction in enumerate(fractions()):
        warm = {"emails": emails(f"warm{attempt}")}
        duration = await timed(server, "POST", url, json=warm, headers=setup["convenor"])
        batch = f"crash{attempt}"
        events = await audited()
        status = await kill_during(
            server, fraction * duration, "POST", url, json={"emails": emails(batch)}, headers=setup["convenor"]
        )
        count = await invited(batch)
        assert count in (0, SIZE), f"seed {SEED}, attempt {attempt}: {count} of {SIZE} invitations landed"
        assert await audited() == events + (count == SIZE)
        if status is not None:
            assert status == 201 and count == SIZE
        outcomes.append(f"{fraction:.2f}x{duration * 1000:.0f}ms:{'after' if count else 'before'}")
        await restart_and_check(server, setup)
    print(f"\n[crash invitations x{SIZE}] seed {SEED}, kills {outcomes}")


async def test_render_killed_midway_is_rendered_again_on_restart(server: Server) -> None:
    setup = await prepared(server)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        made = await client.post(f"/api/v1/bids/{setup['bid_id']}/documents", json={}, headers=setup["convenor"])
        assert made.status_code == 202, made.text
        server.kill()  # WeasyPrint is still at work in its thread
    document_id = made.json()["id"]
    row = await query(server, "SELECT state, pdf, snapshot_sha256 FROM document WHERE id = ?", document_id)
    assert row and row[0][0] == "rendering" and row[0][1] is None, "killed before the render finished"

    server.port = free_port()
    server.start()
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        url = f"/api/v1/documents/{document_id}"
        deadline = time.monotonic() + 90
        while True:
            document = (await client.get(url, headers=setup["convenor"])).json()
            if document["state"] != "rendering" or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        assert document["state"] == "ready", document
        assert document["snapshot_sha256"] == row[0][2], "re-rendered from the snapshot stored before the kill"
        pdf = await client.get(document["pdf_url"], headers=setup["convenor"])
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert hashlib.sha256(pdf.content).hexdigest() == document["pdf_sha256"]
        listed = (await client.get(f"/api/v1/bids/{setup['bid_id']}/documents", headers=setup["convenor"])).json()
        assert [d["version"] for d in listed] == [1], "the restart re-renders; it does not make a second version"
