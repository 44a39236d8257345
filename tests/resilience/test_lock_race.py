"""Two members and the convenor at once: members pledge, re-version their pledges and replace their coverage while
the convenor locks the bid. No accepted write is lost, and nothing lands after the lock: every write the server
accepted is in the data and the audit trail before the lock, and every write sent after the lock got 409."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from consortium.audit.tables import AuditEvent
from consortium.bids.profiles import member_profiles
from consortium.organisations.tables import Coverage
from consortium.pledges.tables import Pledge
from consortium.reference.districts import districts
from tests.factories import Client, convenor, join, open_bid, organisation, pledge
from tests.resilience.test_concurrency import recomputed_pledged

ROUNDS = 25


@dataclass
class Log:
    """Every write a member sent: what, when it was sent, and what came back."""

    writes: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, sent: float, status: int, body: Any, payload: Any) -> None:
        self.writes.append({"kind": kind, "sent": sent, "status": status, "body": body, "payload": payload})


async def member_at_work(
    client: Client, headers: dict[str, str], bid_id: int, org_id: int, seed: int, log: Log
) -> None:
    codes = sorted(districts())
    amounts = itertools.count(seed * 1_000_000)
    mine: dict[int, int] = {}  # pledge id -> version we hold
    for i in range(ROUNDS):
        sent = time.perf_counter()
        if i % 3 == 0:
            amount = next(amounts)
            response = await client.post(
                f"/api/v1/bids/{bid_id}/pledges",
                json={"amount_pence": amount, "board_approved": True, "submit": True},
                headers=headers,
            )
            if response.status_code == 201:
                mine[response.json()["id"]] = 1
            log.add("pledge.create", sent, response.status_code, response.json(), amount)
        elif i % 3 == 1 and mine:
            pledge_id = max(mine)
            amount = next(amounts)
            response = await client.patch(
                f"/api/v1/pledges/{pledge_id}",
                json={"amount_pence": amount},
                headers=headers | {"If-Match": str(mine[pledge_id])},
            )
            if response.status_code == 200:
                mine[pledge_id] = response.json()["version"]
            log.add("pledge.update", sent, response.status_code, response.json(), amount)
        else:
            chosen = codes[(seed * 7 + i) % 300 : (seed * 7 + i) % 300 + 40]
            payload = sorted((c, seed * 1000 + i) for c in chosen)
            response = await client.put(
                f"/api/v1/organisations/{org_id}/coverage",
                json={"districts": [{"district_code": c, "homes": h} for c, h in payload]},
                headers=headers,
            )
            log.add("coverage.replace", sent, response.status_code, response.json(), payload)
        await asyncio.sleep(0)


async def test_members_and_convenor_at_once_nothing_lost_nothing_after_the_lock(client: Client) -> None:
    network_id, convenor_headers = await convenor()
    bid = await open_bid(client, convenor_headers, network_id)
    members = [await join(client, convenor_headers, bid["id"], organisation(name)) for name in ("Ashbrook", "Calder")]
    await pledge(client, members[0][1], bid["id"], 1_000_00)
    logs = [Log(), Log()]
    lock_times: dict[str, float] = {}

    async def convenor_locks() -> int:
        await asyncio.sleep(0.15)
        lock_times["sent"] = time.perf_counter()
        response = await client.post(f"/api/v1/bids/{bid['id']}/lock", headers=convenor_headers)
        lock_times["done"] = time.perf_counter()
        return response.status_code

    *_, lock_status = await asyncio.gather(
        *(member_at_work(client, h, bid["id"], o, n + 1, logs[n]) for n, (o, h) in enumerate(members)),
        convenor_locks(),
    )
    assert lock_status == 200

    writes = [w for log in logs for w in log.writes]
    statuses = Counter((w["kind"], w["status"]) for w in writes)
    # Every write either landed or was refused for the lock (or, for a stale If-Match, for its version).
    assert {s for _, s in statuses} <= {200, 201, 409, 412}, statuses
    late = [w for w in writes if w["sent"] > lock_times["done"]]
    late_pledges = [w for w in late if w["kind"].startswith("pledge.")]
    assert late_pledges and all(w["status"] == 409 for w in late_pledges), "every pledge sent after the lock is refused"
    # Districts belong to the organisation and may change after the lock; the locked bid keeps its copy (below).
    assert all(w["status"] == 200 for w in late if w["kind"] == "coverage.replace")
    assert any(w["status"] in (200, 201) for w in writes), "some writes landed before the lock"

    # Nothing lands after the lock: every change's audit event precedes the lock's.
    events = (
        await AuditEvent.select(AuditEvent.id, AuditEvent.action, AuditEvent.entity_id, AuditEvent.after)
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )
    lock_event = next(e for e in events if e["action"] == "bid.lock")
    changes = [e for e in events if e["action"] in {"pledge.create", "pledge.update", "coverage.replace"}]
    pledge_changes = [e for e in changes if e["action"] != "coverage.replace"]
    assert all(e["id"] < lock_event["id"] for e in pledge_changes), "a pledge change was recorded after the lock"
    # The locked bid reads each member's districts as the last change before the lock left them.
    profiles = await member_profiles(bid["id"])
    for org_id, _ in members:
        before_lock = [
            e
            for e in changes
            if e["action"] == "coverage.replace" and e["entity_id"] == org_id and e["id"] < lock_event["id"]
        ]
        expected = sorted(
            (d["district_code"], d["homes"]) for d in (before_lock[-1]["after"]["districts"] if before_lock else [])
        )
        assert sorted((c.district_code, c.homes) for c in profiles[org_id].coverage) == expected

    # No accepted write is lost: one audit event per 2xx, and the data equals the last accepted write.
    accepted = Counter(w["kind"] for w in writes if w["status"] in (200, 201))
    recorded = Counter(e["action"] for e in changes)
    recorded["pledge.create"] -= 1  # the set-up pledge
    assert recorded == accepted
    for (org_id, _), log in zip(members, logs, strict=True):
        landed = [w for w in log.writes if w["kind"] == "coverage.replace" and w["status"] == 200]
        rows = await Coverage.select(Coverage.district_code, Coverage.homes).where(Coverage.organisation == org_id)
        stored = sorted((r["district_code"], r["homes"]) for r in rows)
        assert stored == (landed[-1]["payload"] if landed else [])
        for w in log.writes:
            if w["kind"].startswith("pledge.") and w["status"] in (200, 201):
                row = (
                    await Pledge.select(Pledge.amount_pence, Pledge.version).where(Pledge.id == w["body"]["id"]).first()
                )
                assert row is not None
                newest = max(
                    (x for x in log.writes if x["status"] in (200, 201) and x["body"].get("id") == w["body"]["id"]),
                    key=lambda x: x["body"]["version"],
                )
                assert row == {"amount_pence": newest["payload"], "version": newest["body"]["version"]}

    totals = (await client.get(f"/api/v1/bids/{bid['id']}/totals", headers=convenor_headers)).json()
    assert totals["pledged_pence"] == await recomputed_pledged(bid["id"])
    print(f"\n[lock race] {dict(statuses)}")


async def _write_held_open_across_the_lock(
    client: Client, monkeypatch: Any, module: Any, check: str, write: Any, convenor_headers: dict[str, str], bid_id: int
) -> tuple[int, float, float]:
    """Hold a member's write open just after it checked the bid is open, lock the bid meanwhile, then let the write
    go on. Returns the write's status, when it finished and when the lock finished."""
    reached, proceed = asyncio.Event(), asyncio.Event()
    original = getattr(module, check)

    async def checked_then_held(*args: Any) -> Any:
        result = await original(*args)
        reached.set()
        await proceed.wait()
        return result

    monkeypatch.setattr(module, check, checked_then_held)
    done: dict[str, float] = {}

    async def run_write() -> int:
        status = int((await write()).status_code)
        done["write"] = time.perf_counter()
        return status

    async def run_lock() -> int:
        await reached.wait()
        status = (await client.post(f"/api/v1/bids/{bid_id}/lock", headers=convenor_headers)).status_code
        done["lock"] = time.perf_counter()
        return status

    async def release() -> None:
        await reached.wait()
        await asyncio.sleep(0.3)  # long enough for an unblocked lock to commit
        proceed.set()

    write_status, lock_status, _ = await asyncio.gather(run_write(), run_lock(), release())
    assert lock_status == 200
    return write_status, done["write"], done["lock"]


async def test_a_write_in_flight_cannot_commit_after_the_lock(client: Client, monkeypatch: Any) -> None:
    """The lock and a member's write race. A pledge races on the bid row: either the write commits first (and the
    lock waits for it) or the lock commits first and the write is refused; never a write committed after the lock.
    An organisation's districts may change at any time, but the locked bid keeps the copy it took at the lock: the
    new districts if the change committed first, the old ones otherwise."""
    from consortium.organisations import services as organisation_services
    from consortium.pledges import services as pledge_services

    network_id, convenor_headers = await convenor()
    cases = [
        (pledge_services, "bid_for_write", "pledge"),
        (organisation_services, "_keep_locked_bids_as_they_are", "coverage"),
    ]
    for module, check, what in cases:
        bid = await open_bid(client, convenor_headers, network_id)
        org_id, member = await join(client, convenor_headers, bid["id"], organisation(f"Ashbrook {what}"))
        made = await pledge(client, member, bid["id"], 1_000_00)

        def write(what: str = what, org_id: int = org_id, made: dict[str, Any] = made, member: Any = member) -> Any:
            if what == "pledge":
                return client.patch(
                    f"/api/v1/pledges/{made['id']}", json={"amount_pence": 2_000_00}, headers=member | {"If-Match": "1"}
                )
            return client.put(
                f"/api/v1/organisations/{org_id}/coverage",
                json={"districts": [{"district_code": "E08000003", "homes": 5}]},
                headers=member,
            )

        with monkeypatch.context() as patched:
            status, write_done, lock_done = await _write_held_open_across_the_lock(
                client, patched, module, check, write, convenor_headers, bid["id"]
            )
        if what == "coverage":
            assert status == 200
            frozen = (await member_profiles(bid["id"]))[org_id]
            assert frozen.frozen_at is not None
            expected = ["E08000003"] if write_done < lock_done else []
            assert [c.district_code for c in frozen.coverage] == expected
        elif status == 200:
            assert write_done < lock_done, f"{what}: the write committed after the lock had"
        else:
            assert status == 409, what
        events = (
            await AuditEvent.select(AuditEvent.action).where(AuditEvent.bid_id == bid["id"]).order_by(AuditEvent.id)
        )
        print(f"\n[lock vs in-flight {what}] write {status}; trail {[e['action'] for e in events][-2:]}")


async def test_concurrent_transitions_move_the_bid_once(client: Client) -> None:
    """Ten lock requests at once (two convenor tabs, a retrying script): one moves the bid, the rest are told it is
    already locked, and the trail holds one lock, not ten."""
    network_id, convenor_headers = await convenor()
    bid = await open_bid(client, convenor_headers, network_id)
    responses = await asyncio.gather(
        *(client.post(f"/api/v1/bids/{bid['id']}/lock", headers=convenor_headers) for _ in range(10))
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({200: 1, 409: 9}), statuses
    refused = next(r for r in responses if r.status_code == 409)
    assert "Only an open bid can be locked; this one is locked." in refused.text
    locks = await AuditEvent.count().where((AuditEvent.bid_id == bid["id"]) & (AuditEvent.action == "bid.lock"))
    assert locks == 1
