"""Versions compared: the comparison of two snapshots, the "Changes since version N" section of the document, the
snapshot's digest kept for snapshots without it, and the compare API and page."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pypdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.documents.changes import compare, for_member, member_row
from consortium.documents.render import render_pdf
from consortium.documents.snapshot import (
    Snapshot,
    SnapshotMember,
    snapshot_from_json,
    snapshot_sha256,
    snapshot_to_json,
)
from consortium.documents.tables import Document
from tests.documents.conftest import _load_factories, flat
from tests.documents.versions_scene import two_versions
from tests.factories import Client

FACTORIES = _load_factories()
STORED = Path(__file__).resolve().parents[1] / "exports" / "data" / "snapshot.json"


def base(count: int = 6, seed: int = 7, **kwargs: Any) -> Snapshot:
    snapshot: Snapshot = FACTORIES.make_snapshot(count, seed=seed, **kwargs)
    return snapshot


def version(snapshot: Snapshot, number: int, **changes: Any) -> Snapshot:
    return msgspec.structs.replace(snapshot, document_version=number, **changes)


def with_member(snapshot: Snapshot, index: int, **changes: Any) -> Snapshot:
    members = list(snapshot.members)
    members[index] = msgspec.structs.replace(members[index], **changes)
    return msgspec.structs.replace(snapshot, members=members)


# --- the comparison ------------------------------------------------------------------------------------------------


def test_the_same_snapshot_changes_nothing() -> None:
    snapshot = base()
    found = compare(snapshot, snapshot)
    assert found.nothing_changed and not found.terms and not found.members
    assert [f.key for f in found.figures][:3] == ["pledged_pence", "eligible_pence", "match_requested_pence"]
    assert all(f.before == f.after for f in found.figures)


def test_a_pledge_amount_and_the_terms() -> None:
    before = version(base(), 3)
    member = before.members[0]
    pledge = member.pledges[0]
    raised = msgspec.structs.replace(pledge, amount_pence=pledge.amount_pence + 250_000, version=pledge.version + 1)
    after = with_member(version(before, 4), 0, pledges=[raised, *member.pledges[1:]])
    after = msgspec.structs.replace(
        after,
        bid=msgspec.structs.replace(before.bid, deadline=before.bid.deadline + timedelta(days=7), match_cap_pence=None),
        rules=before.rules[1:],
    )
    found = compare(before, after)
    assert (found.bid_id, found.from_version, found.to_version) == (42, 3, 4)
    assert [m.organisation_id for m in found.members] == [member.organisation_id]
    row = found.members[0]
    assert row.change == "changed" and row.pledged_after_pence == (row.pledged_before_pence or 0) + 250_000
    assert any(line.startswith("Pledge 1's amount: £") and "-> £" in line for line in row.lines), row.lines
    labels = [t.label for t in found.terms]
    assert labels[:2] == ["The deadline", "The match cap"] and labels[2].startswith("Rule: ")
    cap = found.terms[1]
    assert (cap.before, cap.after) == ("£5,000,000", "no cap")
    assert found.terms[2].after == "" and found.terms[2].before == before.rules[0].description
    assert not found.nothing_changed
    # A member reads its own row and the terms, nothing of another member and no figure.
    own = for_member(found, member.organisation_id)
    assert own.members == found.members and own.figures == [] and own.terms == found.terms
    assert for_member(found, -1).members == []


def test_joined_and_left() -> None:
    before = version(base(6), 1)
    after = version(base(8), 2)  # the same seed: the first members alike, two more
    after = msgspec.structs.replace(after, members=[m for m in after.members if m.organisation_id != 100])
    found = compare(before, after)
    kinds = {m.organisation_id: m.change for m in found.members}
    assert kinds[100] == "left" and found.members[[m.organisation_id for m in found.members].index(100)].lines == [
        "No longer listed (was joined)"
    ]
    added = {m.organisation_id for m in after.members} - {m.organisation_id for m in before.members}
    assert added and all(kinds[i] in {"joined", "changed"} for i in added)
    assert [m.pledged_before_pence for m in found.members if m.organisation_id in added] == [None] * len(added)
    # Sorted by name, whatever order the snapshots list members in: the same answer for the same versions.
    names = [m.name.casefold() for m in found.members]
    assert names == sorted(names)
    shuffled = msgspec.structs.replace(after, members=list(reversed(after.members)))
    assert compare(before, shuffled) == found


def _plain(member: SnapshotMember) -> Any:
    """A member's row by a second, independent reading: everything but its pledges' version and save time."""
    row = msgspec.to_builtins(member)
    for pledge in row["pledges"]:
        del pledge["version"], pledge["updated_at"]
    row["pledges"].sort(key=lambda p: p["id"])
    row["coverage"].sort(key=lambda c: c["district_code"])
    return row


MUTATIONS = ("keep", "keep", "amount", "resave", "rename", "status", "drop_district", "remove")


def _mutated(snapshot: Snapshot, actions: list[str], extra: Snapshot) -> Snapshot:
    members = []
    for member, action in zip(snapshot.members, actions, strict=False):
        if action == "remove":
            continue
        if action == "amount" and member.pledges:
            first = member.pledges[0]
            member = msgspec.structs.replace(
                member,
                pledges=[msgspec.structs.replace(first, amount_pence=first.amount_pence + 1), *member.pledges[1:]],
            )
        elif action == "resave" and member.pledges:  # saved again unchanged: not a change anyone can read
            first = member.pledges[0]
            resaved = msgspec.structs.replace(
                first, version=first.version + 1, updated_at=first.updated_at + timedelta(hours=1)
            )
            member = msgspec.structs.replace(member, pledges=[resaved, *member.pledges[1:]])
        elif action == "rename":
            member = msgspec.structs.replace(member, name=member.name + " Group")
        elif action == "status":
            member = msgspec.structs.replace(
                member, member_status="withdrawn" if member.member_status == "joined" else "joined"
            )
        elif action == "drop_district" and member.coverage:
            member = msgspec.structs.replace(member, coverage=member.coverage[1:])
        members.append(member)
    newcomers = [msgspec.structs.replace(m, organisation_id=m.organisation_id + 1000) for m in extra.members]
    return msgspec.structs.replace(
        snapshot, members=members + newcomers, document_version=snapshot.document_version + 1
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(min_value=0, max_value=7),
    seed=st.integers(min_value=1, max_value=5),
    actions=st.lists(st.sampled_from(MUTATIONS), min_size=7, max_size=7),
    newcomers=st.integers(min_value=0, max_value=2),
)
def test_compare_lists_exactly_the_members_whose_rows_differ(
    count: int, seed: int, actions: list[str], newcomers: int
) -> None:
    before = base(count, seed)
    assert compare(before, before).nothing_changed
    after = _mutated(before, actions, base(newcomers, seed + 10))
    assert compare(after, after).nothing_changed
    found = compare(before, after)
    old = {m.organisation_id: _plain(m) for m in before.members}
    new = {m.organisation_id: _plain(m) for m in after.members}
    differ = {i for i in old.keys() | new.keys() if old.get(i) != new.get(i)}
    assert {m.organisation_id for m in found.members} == differ
    assert len(found.members) == len(differ)  # each once
    assert all(m.lines for m in found.members)
    # The module's own reading of a row agrees with the independent one.
    assert {i for i in old.keys() & new.keys() if i in differ} == {
        m.organisation_id
        for m in before.members
        if m.organisation_id in new
        and member_row(m) != member_row(next(n for n in after.members if n.organisation_id == m.organisation_id))
    }
    assert compare(before, after) == found  # deterministic
    if not differ:
        assert found.nothing_changed


# --- the snapshot keeps its bytes ----------------------------------------------------------------------------------


def test_a_stored_snapshot_keeps_its_bytes_and_digest() -> None:
    stored = STORED.read_bytes().strip()
    snapshot = snapshot_from_json(stored)
    assert snapshot.changes_since is msgspec.UNSET
    assert snapshot_to_json(snapshot) == stored
    assert snapshot_sha256(snapshot) == hashlib.sha256(stored).hexdigest()
    assert b"changes_since" not in snapshot_to_json(base())


def test_a_snapshot_with_its_changes_round_trips() -> None:
    before = version(base(), 1)
    after = version(base(7), 2)
    final = msgspec.structs.replace(after, changes_since=compare(before, after))
    encoded = snapshot_to_json(final)
    assert b'"changes_since"' in encoded
    assert snapshot_from_json(encoded) == final
    assert snapshot_sha256(final) != snapshot_sha256(after)


# --- the section in the document -----------------------------------------------------------------------------------


def _pages(pdf: bytes) -> list[str]:
    return [flat(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_the_document_lists_the_changes_briefly() -> None:
    before = version(base(20), 1)
    after = version(base(20, seed=8), 2)  # other members altogether: many rows changed
    after = msgspec.structs.replace(after, bid=msgspec.structs.replace(after.bid, match_cap_pence=300_000_000))
    changes = compare(before, after)
    assert len(changes.members) > 12
    pages = _pages(render_pdf(msgspec.structs.replace(after, changes_since=changes)).pdf)
    on = [i for i, text in enumerate(pages) if "Changes since version 1" in text]
    assert on[0] == 1  # the contents page lists it ...
    assert len(on) == 2 and "Executive summary" in pages[on[1] + 1]  # ... and it takes one page
    section = pages[on[1]]
    more = len(changes.members) - 6
    assert f"and {more} more members' rows changed: see the partner schedule" in section
    assert "The match cap £5,000,000 £3,000,000" in section
    assert "Pledged by members" in section


def test_a_first_version_has_no_changes_section(demo_text: str) -> None:
    assert "Changes since version" not in demo_text


# --- made by the service, and through the API and the pages -------------------------------------------------------


async def test_a_new_version_states_what_changed_since_the_last(client: Client) -> None:
    scene = await two_versions(client)
    rows = await Document.select(Document.version, Document.snapshot_json, Document.snapshot_sha256).where(
        Document.bid == scene.bid_id
    )
    stored = {row["version"]: row for row in rows}
    first, second = (snapshot_from_json(stored[n]["snapshot_json"]) for n in (1, 2))
    assert first.changes_since is msgspec.UNSET
    assert second.changes_since is not msgspec.UNSET
    assert second.changes_since == compare(first, msgspec.structs.replace(second, changes_since=msgspec.UNSET))
    assert [(m.name, m.change) for m in second.changes_since.members] == [("Brightwater Housing", "joined")]
    assert [t.label for t in second.changes_since.terms] == ["The match cap"]
    # The digest stored is of the final snapshot, its changes included.
    assert stored[2]["snapshot_sha256"] == hashlib.sha256(stored[2]["snapshot_json"].encode()).hexdigest()
    pdf = await client.get(scene.second["pdf_url"], headers=scene.convenor)
    text = " ".join(_pages(pdf.content))
    assert "Changes since version 1" in text and "Brightwater Housing (Joined)" in text


async def test_the_compare_api(client: Client) -> None:
    scene = await two_versions(client)
    url = f"/api/v1/bids/{scene.bid_id}/documents/compare"
    answer = await client.get(url, params={"from": 1, "to": 2}, headers=scene.convenor)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["from_version"], body["to_version"], body["nothing_changed"]) == (1, 2, False)
    assert (
        body["members"][0]["name"] == "Brightwater Housing" and body["members"][0]["pledged_after_pence"] == 20_000_00
    )
    pledged = next(f for f in body["figures"] if f["key"] == "pledged_pence")
    assert (pledged["before"], pledged["after"], pledged["after_text"]) == (12_345_67, 32_345_67, "£32,345.67")
    assert body["terms"] == [{"label": "The match cap", "before": "£1,000,000", "after": "£900,000"}]
    same = (await client.get(url, params={"from": 2, "to": 2}, headers=scene.convenor)).json()
    assert same["nothing_changed"] and same["summary"] == ["Nothing changed between version 2 and version 2."]
    missing = await client.get(url, params={"from": 1}, headers=scene.convenor)
    assert missing.status_code == 422 and "the later version is missing" in missing.json()["message"]
    bad = await client.get(url, params={"from": "one", "to": 2}, headers=scene.convenor)
    assert bad.status_code == 422 and "version number" in bad.json()["message"]
    absent = await client.get(url, params={"from": 1, "to": 9}, headers=scene.convenor)
    assert absent.status_code == 404 and "no version 9" in absent.json()["message"]
    assert (await client.get(url, params={"from": 1, "to": 2}, headers=scene.member)).status_code == 403


def test_factories_module_is_the_session_one(factories: ModuleType) -> None:
    assert factories is FACTORIES
