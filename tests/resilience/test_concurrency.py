"""Fifty people changing one pledge at once: optimistic concurrency must let exactly one write through per
version, refuse the rest with 412 and the current version, keep one audit event per accepted change, and leave
the bid's totals equal to a recomputation from the rows themselves.

The in-process ASGI client interleaves requests on one event loop; the last test repeats the race against a real
uvicorn server in a subprocess, with fifty sockets at once."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from typing import Any

import httpx

from consortium.audit.tables import AuditEvent
from consortium.bids.tables import BidMember
from consortium.pledges.tables import Pledge
from tests.factories import Client, convenor, join, open_bid, organisation, pledge
from tests.resilience.server import Server, bid_with_member

WRITERS = 50


async def race_one_version(client: httpx.AsyncClient, url: str, headers: dict[str, str], version: int) -> list[Any]:
    """Every writer sends the same If-Match; each asks for a different amount so we can tell whose write won."""

    async def write(i: int) -> httpx.Response:
        return await client.patch(
            url, json={"amount_pence": 1_000_00 + i}, headers=headers | {"If-Match": str(version)}
        )

    return list(await asyncio.gather(*(write(i) for i in range(WRITERS))))


async def chained(client: httpx.AsyncClient, url: str, headers: dict[str, str], version: int) -> list[dict[str, Any]]:
    """Every writer retries with the current_version a 412 hands back, until its own change lands."""

    async def write(i: int) -> dict[str, Any]:
        expected = version
        refusals = 0
        while True:
            response = await client.patch(
                url, json={"amount_pence": 2_000_00 + i}, headers=headers | {"If-Match": str(expected)}
            )
            if response.status_code == 200:
                body = response.json()
                # The answer is the pledge as this writer left it, not as a later writer's commit made it.
                assert body["amount_pence"] == 2_000_00 + i, body
                return {"writer": i, "body": body, "refusals": refusals}
            assert response.status_code == 412, response.text
            current = response.json()["current_version"]
            assert current > expected, "a refusal must name a newer version than the one sent"
            expected = current
            refusals += 1

    return list(await asyncio.gather(*(write(i) for i in range(WRITERS))))


def check_single_winner(responses: list[httpx.Response], version: int) -> dict[str, Any]:
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 412: WRITERS - 1}, statuses
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert winner["version"] == version + 1
    for refused in (r for r in responses if r.status_code == 412):
        assert refused.json()["current_version"] == version + 1, refused.text
    return dict(winner)


async def recomputed_pledged(bid_id: int) -> int:
    """The totals' definition, computed from the rows without the analysis code: submitted pledges of joined members."""
    joined = {
        int(r["organisation"])
        for r in await BidMember.select(BidMember.organisation).where(
            (BidMember.bid == bid_id) & (BidMember.status == "joined")
        )
    }
    rows = await Pledge.select(Pledge.organisation, Pledge.amount_pence, Pledge.status).where(Pledge.bid == bid_id)
    return sum(r["amount_pence"] for r in rows if r["status"] == "submitted" and int(r["organisation"]) in joined)


async def test_fifty_concurrent_updates_one_winner_per_version(client: Client) -> None:
    network_id, convenor_headers = await convenor()
    bid = await open_bid(client, convenor_headers, network_id)
    _, member = await join(client, convenor_headers, bid["id"], organisation("Ashbrook Homes"))
    _, other = await join(client, convenor_headers, bid["id"], organisation("Calder Valley Housing"))
    await pledge(client, other, bid["id"], 7_500_00)
    await pledge(client, other, bid["id"], 1_234_00, submit=False)
    target = await pledge(client, member, bid["id"], 10_000_00)
    url = f"/api/v1/pledges/{target['id']}"

    started = time.perf_counter()
    responses = await race_one_version(client, url, member, 1)
    race_seconds = time.perf_counter() - started
    winner = check_single_winner(responses, 1)

    started = time.perf_counter()
    results = await chained(client, url, member, 2)
    chain_seconds = time.perf_counter() - started
    versions = sorted(r["body"]["version"] for r in results)
    assert versions == list(range(3, 3 + WRITERS)), "each version is granted to exactly one writer"
    last = max(results, key=lambda r: r["body"]["version"])

    row = await Pledge.select(Pledge.amount_pence, Pledge.version).where(Pledge.id == target["id"]).first()
    assert row == {"amount_pence": last["body"]["amount_pence"], "version": 2 + WRITERS}

    events = (
        await AuditEvent.select(AuditEvent.before, AuditEvent.after)
        .where((AuditEvent.action == "pledge.update") & (AuditEvent.entity_id == target["id"]))
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )
    assert len(events) == 1 + WRITERS, "one audit event per accepted change, none for refusals"
    assert [e["after"]["version"] for e in events] == list(range(2, 3 + WRITERS))
    assert events[0]["after"]["amount_pence"] == winner["amount_pence"]
    accepted = {r["body"]["version"]: r["body"]["amount_pence"] for r in results}
    for event in events[1:]:
        assert event["after"]["amount_pence"] == accepted[event["after"]["version"]]
    for previous, event in itertools.pairwise(events):
        # The trail chains: each change starts from what the previous one left.
        assert event["before"]["version"] == previous["after"]["version"]
        assert event["before"]["amount_pence"] == previous["after"]["amount_pence"]

    totals = (await client.get(f"/api/v1/bids/{bid['id']}/totals", headers=convenor_headers)).json()
    assert totals["pledged_pence"] == await recomputed_pledged(bid["id"]) == 7_500_00 + row["amount_pence"]
    refusals = sum(r["refusals"] for r in results)
    print(
        f"\n[concurrency in-process] race: 1x200 {WRITERS - 1}x412 in {race_seconds:.2f}s; "
        f"chained: {WRITERS}x200 {refusals}x412 in {chain_seconds:.2f}s"
    )


async def test_fifty_concurrent_updates_against_a_real_server(server: Server) -> None:
    """Fifty sockets at once to uvicorn: no lost update, no 5xx, no 'database is locked'."""
    limits = httpx.Limits(max_connections=WRITERS, max_keepalive_connections=WRITERS)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60, limits=limits) as client:
        setup = await bid_with_member(client, "convenor@example.org")
        created = await client.post(
            f"/api/v1/bids/{setup['bid_id']}/pledges",
            json={"amount_pence": 10_000_00, "board_approved": True, "submit": True},
            headers=setup["member"],
        )
        assert created.status_code == 201, created.text
        url = f"/api/v1/pledges/{created.json()['id']}"

        started = time.perf_counter()
        responses = await race_one_version(client, url, setup["member"], 1)
        race_seconds = time.perf_counter() - started
        check_single_winner(responses, 1)

        started = time.perf_counter()
        results = await chained(client, url, setup["member"], 2)
        chain_seconds = time.perf_counter() - started
        assert sorted(r["body"]["version"] for r in results) == list(range(3, 3 + WRITERS))
        last = max(results, key=lambda r: r["body"]["version"])

        final = (await client.get(url, headers=setup["member"])).json()
        assert final["version"] == 2 + WRITERS and final["amount_pence"] == last["body"]["amount_pence"]
        history = (await client.get(f"{url}/history", headers=setup["member"])).json()
        updates = [e for e in history if e["action"] == "pledge.update"]
        assert [e["after"]["version"] for e in updates] == list(range(2, 3 + WRITERS))
        totals = (await client.get(f"/api/v1/bids/{setup['bid_id']}/totals", headers=setup["convenor"])).json()
        assert totals["pledged_pence"] == final["amount_pence"]
    refusals = sum(r["refusals"] for r in results)
    print(
        f"\n[concurrency real server, {server.database_url.split(':')[0]}] "
        f"race: 1x200 {WRITERS - 1}x412 in {race_seconds:.2f}s; "
        f"chained: {WRITERS}x200 {refusals}x412 in {chain_seconds:.2f}s"
    )
