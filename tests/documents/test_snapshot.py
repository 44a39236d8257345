"""The snapshot: frozen, canonical JSON that round-trips, with a stable SHA-256."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from types import ModuleType

import msgspec
import pytest

from consortium.documents.snapshot import (
    SCHEMA_VERSION,
    Snapshot,
    SnapshotBid,
    snapshot_from_json,
    snapshot_sha256,
    snapshot_to_json,
)


def test_round_trip_is_lossless(demo_snapshot: Snapshot) -> None:
    data = snapshot_to_json(demo_snapshot)
    again = snapshot_from_json(data)
    assert again == demo_snapshot
    assert snapshot_to_json(again) == data
    assert again.schema_version == SCHEMA_VERSION == 1


def test_json_is_canonical_with_sorted_keys(demo_snapshot: Snapshot) -> None:
    data = snapshot_to_json(demo_snapshot)
    decoded = json.loads(data)
    assert list(decoded) == sorted(decoded)
    assert list(decoded["bid"]) == sorted(decoded["bid"])
    assert list(decoded["totals"]) == sorted(decoded["totals"])
    # Re-encoding the plain JSON with sorted keys and no spaces gives the same bytes.
    assert json.dumps(decoded, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() == data


def test_equal_snapshots_give_equal_bytes_and_hash(factories: ModuleType) -> None:
    first = factories.make_snapshot(5)
    second = factories.make_snapshot(5)
    assert first is not second
    assert snapshot_to_json(first) == snapshot_to_json(second)
    assert snapshot_sha256(first) == snapshot_sha256(second) == hashlib.sha256(snapshot_to_json(first)).hexdigest()
    changed = msgspec.structs.replace(first, document_version=first.document_version + 1)
    assert snapshot_sha256(changed) != snapshot_sha256(first)


def test_datetimes_are_utc(demo_snapshot: Snapshot) -> None:
    decoded = json.loads(snapshot_to_json(demo_snapshot))
    assert decoded["generated_at"].endswith("Z")
    assert decoded["bid"]["deadline"] == "2026-07-03T11:00:00Z"
    assert snapshot_from_json(snapshot_to_json(demo_snapshot)).bid.deadline.tzinfo is not None


def _bid(deadline: datetime) -> SnapshotBid:
    return SnapshotBid(
        id=1,
        title="A bid",
        network_name="A network",
        funder_name="A funder",
        funder_org_id=None,
        programme="A programme",
        deadline=deadline,
        status="open",
        match_funder_part=1,
        match_consortium_part=1,
        match_cap_pence=None,
        themes=[],
    )


def test_naive_and_non_utc_datetimes_are_refused() -> None:
    assert _bid(datetime(2026, 7, 3, 11, tzinfo=UTC)).deadline.utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="UTC"):
        _bid(datetime(2026, 7, 3, 11))
    with pytest.raises(ValueError, match="UTC"):
        _bid(datetime(2026, 7, 3, 12, tzinfo=timezone(timedelta(hours=1))))


def test_decoding_refuses_bad_data(demo_snapshot: Snapshot) -> None:
    data = snapshot_to_json(demo_snapshot)
    with pytest.raises(msgspec.ValidationError):
        snapshot_from_json(data.replace(b'"2026-07-03T11:00:00Z"', b'"2026-07-03T12:00:00+01:00"'))
    with pytest.raises(msgspec.ValidationError):
        snapshot_from_json(data.replace(b'"2026-07-03T11:00:00Z"', b'"2026-07-03T11:00:00"'))
    with pytest.raises(msgspec.ValidationError):
        snapshot_from_json(b"{}")


def test_snapshots_are_frozen(demo_snapshot: Snapshot) -> None:
    with pytest.raises(AttributeError):
        demo_snapshot.document_version = 4  # type: ignore[misc]
