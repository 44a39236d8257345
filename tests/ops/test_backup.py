"""`consortium backup` and `consortium restore`: a round trip gives back every row of every table exactly, on
SQLite and on PostgreSQL, and restore will not overwrite anything unless told --yes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from consortium.documents.services import wait_for_renders
from consortium.mail.tables import OutboxMessage
from consortium.piccolo_app import TABLES
from tests.factories import Client, convenor, join, open_bid, organisation, pledge

CONSORTIUM = str(Path(sys.executable).parent / "consortium")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    # The test database is the one in DATABASE_URL (set by conftest), SQLite file or PostgreSQL.
    return subprocess.run(
        [CONSORTIUM, *args], env=dict(os.environ), capture_output=True, text=True, timeout=120, check=False
    )


async def every_row() -> dict[str, list[dict[str, Any]]]:
    return {table._meta.tablename: await table.select().order_by(table._meta.primary_key) for table in TABLES}


async def populate(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id, themes=["Food security"])
    org_a, member_a = await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    _, member_b = await join(client, headers, bid["id"], organisation("Calder Valley Housing"))
    await pledge(
        client,
        member_a,
        bid["id"],
        25_000_00,
        themes=["Food security"],
        areas=[{"district_code": "Manchester", "amount_pence": 5_000_00}, {"district_code": "Stockport"}],
        conditions="Subject to board — “quoted” text, ünïcödé",
    )
    await pledge(client, member_b, bid["id"], 7_500_00, submit=False)
    coverage = await client.put(
        f"/api/v1/organisations/{org_a}/coverage",
        json={"districts": [{"district_code": "E08000003", "homes": 1200}, {"district_code": "E08000007"}]},
        headers=member_a,
    )
    assert coverage.status_code == 200, coverage.text
    invited = await client.post(
        f"/api/v1/bids/{bid['id']}/invitations", json={"emails": ["later@example.org"]}, headers=headers
    )
    assert invited.status_code == 201
    made = await client.post(f"/api/v1/bids/{bid['id']}/documents", json={}, headers=headers)
    assert made.status_code == 202, made.text
    await wait_for_renders()
    await mail_settled()


async def mail_settled() -> None:
    """Wait until the worker in the web process has sent every message these changes queued: the round trip
    compares every row, and a message going from "sending" to "sent" between the backup and the comparison is the
    worker's doing, not the backup's."""
    for _ in range(200):
        if not await OutboxMessage.exists().where(OutboxMessage.state.is_in(["queued", "sending"])):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox was still sending after 10 s")


async def test_backup_and_restore_round_trip_every_table(client: Client, tmp_path: Path) -> None:
    await populate(client)
    before = await every_row()
    assert all(before[name] for name in ("pledge", "coverage", "invitation", "document", "audit_event"))

    path = tmp_path / "nested" / "consortium.backup"
    made = cli("backup", str(path))
    assert made.returncode == 0, made.stderr
    assert "Backed up the database" in made.stdout and path.stat().st_size > 0

    # Change the data after the backup: a new pledge, a deleted coverage row, an edited bid.
    network_id, headers = await convenor(name="Later Network")
    await open_bid(client, headers, network_id, title="Made after the backup")
    from consortium.organisations.tables import Coverage

    await Coverage.delete().where(Coverage.district_code == "E08000007")
    assert await every_row() != before

    refused = cli("restore", str(path))
    assert refused.returncode == 1
    assert "--yes" in refused.stderr and "replaces everything" in refused.stderr
    assert (await every_row())["bid"] != before["bid"], "a refused restore changes nothing"

    restored = cli("restore", str(path), "--yes")
    assert restored.returncode == 0, restored.stderr
    after = await every_row()
    for name in before:
        assert after[name] == before[name], f"table {name} differs after the round trip"

    # Sequences came back too: the next row gets the next id, not one already used.
    network_id, headers = await convenor(name="After Restore Network")
    again = await open_bid(client, headers, network_id)
    assert again["id"] == max(row["id"] for row in before["bid"]) + 1


async def test_restore_refuses_files_that_are_not_backups(db: None, tmp_path: Path) -> None:
    missing = cli("restore", str(tmp_path / "nope.backup"), "--yes")
    assert missing.returncode == 1 and "no backup file" in missing.stderr
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)
    refused = cli("restore", str(junk), "--yes")
    assert refused.returncode == 1 and "Error:" in refused.stderr
