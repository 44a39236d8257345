"""What a member signs off: its own row as a version states it and the bid's terms, fingerprinted by row_sha256."""

from __future__ import annotations

import importlib.util
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import msgspec
import pytest

from consortium.documents.snapshot import Snapshot
from consortium.signoffs.rows import own_row, row_sha256


def _document_factories() -> ModuleType:
    name = "consortium_document_factories"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "documents" / "factories.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    made: Snapshot = _document_factories().make_snapshot(5, clean=True)
    return made


def _with_member(snapshot: Snapshot, index: int, **changes: object) -> Snapshot:
    members = list(snapshot.members)
    members[index] = msgspec.structs.replace(members[index], **changes)
    return msgspec.structs.replace(snapshot, members=members)


def test_the_fingerprint_ignores_what_no_member_signs(snapshot: Snapshot) -> None:
    first, second = snapshot.members[0], snapshot.members[1]
    fingerprint = row_sha256(snapshot, first.organisation_id)
    assert len(fingerprint) == 64
    later = msgspec.structs.replace(
        snapshot,
        generated_at=snapshot.generated_at + timedelta(days=1),
        document_version=snapshot.document_version + 1,
        bid=msgspec.structs.replace(snapshot.bid, status="submitted"),
    )
    # Another member's pledges, this member's description and its pledges' version numbers are not its row.
    later = _with_member(later, 1, pledges=[])
    later = _with_member(
        later,
        0,
        description="Rewritten",
        pledges=[
            msgspec.structs.replace(p, version=p.version + 3, updated_at=p.updated_at + timedelta(hours=1))
            for p in first.pledges
        ],
    )
    assert row_sha256(later, first.organisation_id) == fingerprint
    assert row_sha256(later, second.organisation_id) != row_sha256(snapshot, second.organisation_id)


def test_its_own_pledge_or_the_terms_change_the_fingerprint(snapshot: Snapshot) -> None:
    first = snapshot.members[0]
    fingerprint = row_sha256(snapshot, first.organisation_id)
    pledge = first.pledges[0]
    bigger = _with_member(snapshot, 0, pledges=[msgspec.structs.replace(pledge, amount_pence=pledge.amount_pence + 1)])
    assert row_sha256(bigger, first.organisation_id) != fingerprint
    moved = msgspec.structs.replace(
        snapshot, bid=msgspec.structs.replace(snapshot.bid, deadline=snapshot.bid.deadline + timedelta(days=1))
    )
    assert row_sha256(moved, first.organisation_id) != fingerprint
    no_rules = msgspec.structs.replace(snapshot, rules=[])
    assert row_sha256(no_rules, first.organisation_id) != fingerprint


def test_the_row_states_the_submitted_pledges_and_where_it_works(snapshot: Snapshot) -> None:
    first = snapshot.members[0]
    row = own_row(snapshot, first.organisation_id)
    assert row is not None and row.name == first.name
    assert row.pledged_pence == sum(p.amount_pence for p in first.pledges if p.status == "submitted")
    assert row.coverage == first.coverage
    assert own_row(snapshot, 10**6) is None
