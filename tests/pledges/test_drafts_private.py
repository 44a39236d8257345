"""A draft pledge is its member's alone on every API path: the convenor's list, one pledge, its history and the CSV
export; another member's reads; and what the member itself still sees."""

from __future__ import annotations

import csv
import io

from tests.factories import Client
from tests.pledges.drafts_scene import (
    DRAFT_CONDITIONS,
    DRAFT_PURPOSE,
    EARLIER_DRAFT_PENCE,
    EARLIER_DRAFT_PURPOSE,
    SUBMITTED_A_PURPOSE,
    WITHDRAWN_B_PURPOSE,
    WITHDRAWN_DRAFT_PURPOSE,
    DraftScene,
    leaks,
    plant_drafts,
)


async def test_the_convenor_lists_submitted_and_withdrawn_pledges_but_no_draft(client: Client) -> None:
    scene = await plant_drafts(client)
    answer = await client.get(f"/api/v1/bids/{scene.bid_id}/pledges", headers=scene.convenor)
    assert answer.status_code == 200
    assert leaks(answer.text) == []
    listed = {p["id"]: p["status"] for p in answer.json()}
    assert listed == {
        scene.submitted_a_id: "submitted",
        scene.submitted_b_id: "submitted",
        scene.withdrawn_b_id: "withdrawn",
    }
    assert SUBMITTED_A_PURPOSE in answer.text and WITHDRAWN_B_PURPOSE in answer.text


async def test_a_draft_by_its_number_is_not_found_for_anyone_but_its_member(client: Client) -> None:
    scene = await plant_drafts(client)
    for pledge_id in (scene.draft_id, scene.withdrawn_draft_id):
        for path in (f"/api/v1/pledges/{pledge_id}", f"/api/v1/pledges/{pledge_id}/history"):
            for reader in (scene.convenor, scene.ben):
                answer = await client.get(path, headers=reader)
                assert answer.status_code == 404, (path, answer.text)
                assert answer.json()["message"] == "There is no pledge with that number that you can see."
                assert leaks(answer.text) == []
            assert (await client.get(path, headers=scene.ana)).status_code == 200
    # The convenor still reads submitted pledges, and one withdrawn after it was submitted.
    for pledge_id in (scene.submitted_a_id, scene.withdrawn_b_id):
        assert (await client.get(f"/api/v1/pledges/{pledge_id}", headers=scene.convenor)).status_code == 200


async def test_the_convenor_reads_a_pledges_history_without_what_its_draft_said(client: Client) -> None:
    scene = await plant_drafts(client)
    path = f"/api/v1/pledges/{scene.submitted_a_id}/history"
    theirs = await client.get(path, headers=scene.convenor)
    assert theirs.status_code == 200
    assert leaks(theirs.text) == []
    events = theirs.json()
    assert [e["action"] for e in events] == ["pledge.create", "pledge.update", "pledge.submit"]
    # Before submission: only that it was a draft, and its versions.
    assert events[0]["after"] == {"status": "draft", "version": 1} and events[0]["before"] is None
    assert events[1]["before"] == {"version": 1} and events[1]["after"] == {"version": 2}
    assert events[2]["after"]["status"] == "submitted"
    # The member reads its own history in full.
    own = (await client.get(path, headers=scene.ana)).json()
    assert own[0]["after"]["purpose"] == EARLIER_DRAFT_PURPOSE
    assert own[1]["before"]["amount_pence"] == EARLIER_DRAFT_PENCE


async def test_changes_after_submission_stay_in_the_convenors_history(client: Client) -> None:
    scene = await plant_drafts(client)
    current = (await client.get(f"/api/v1/pledges/{scene.submitted_a_id}", headers=scene.ana)).json()
    changed = await client.patch(
        f"/api/v1/pledges/{scene.submitted_a_id}",
        json={"purpose": "CHANGED-AFTER-SUBMISSION"},
        headers=scene.ana | {"If-Match": str(current["version"])},
    )
    assert changed.status_code == 200, changed.text
    events = (await client.get(f"/api/v1/pledges/{scene.submitted_a_id}/history", headers=scene.convenor)).json()
    assert events[-1]["before"]["purpose"] == SUBMITTED_A_PURPOSE
    assert events[-1]["after"]["purpose"] == "CHANGED-AFTER-SUBMISSION"


async def test_the_csv_export_holds_no_draft(client: Client) -> None:
    scene = await plant_drafts(client)
    answer = await client.get(f"/api/v1/bids/{scene.bid_id}/pledges.csv", headers=scene.convenor)
    assert answer.status_code == 200
    text = answer.content.decode("utf-8-sig")
    assert leaks(text) == []
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted((int(r["pledge_id"]), r["status"]) for r in rows) == sorted(
        [(scene.submitted_a_id, "submitted"), (scene.submitted_b_id, "submitted"), (scene.withdrawn_b_id, "withdrawn")]
    )
    assert "draft" not in {r["status"] for r in rows}


async def test_another_member_reads_nothing_of_a_draft(client: Client) -> None:
    scene = await plant_drafts(client)
    for path in (
        f"/api/v1/bids/{scene.bid_id}/pledges",
        f"/api/v1/bids/{scene.bid_id}/totals",
        f"/api/v1/bids/{scene.bid_id}/eligibility",
        f"/api/v1/bids/{scene.bid_id}",
        f"/api/v1/bids/{scene.bid_id}/members",
    ):
        answer = await client.get(path, headers=scene.ben)
        assert answer.status_code == 200, (path, answer.text)
        assert leaks(answer.text) == [], path
    assert (await client.get(f"/api/v1/bids/{scene.bid_id}/pledges.csv", headers=scene.ben)).status_code == 403


async def test_the_convenors_figures_count_drafts_without_their_contents(client: Client) -> None:
    scene = await plant_drafts(client)
    for path in (
        f"/api/v1/bids/{scene.bid_id}/totals",
        f"/api/v1/bids/{scene.bid_id}/eligibility",
        f"/api/v1/bids/{scene.bid_id}/eligibility?without={scene.ana_org}",
        f"/api/v1/bids/{scene.bid_id}",
        f"/api/v1/bids/{scene.bid_id}/members",
    ):
        answer = await client.get(path, headers=scene.convenor)
        assert answer.status_code == 200, (path, answer.text)
        assert leaks(answer.text) == [], path
    totals = (await client.get(f"/api/v1/bids/{scene.bid_id}/totals", headers=scene.convenor)).json()
    # That a member has drafts is all the convenor learns of them.
    assert totals["pledges_by_status"] == {"draft": 1, "submitted": 2, "withdrawn": 2}


async def test_the_member_still_reads_its_own_drafts(client: Client) -> None:
    scene: DraftScene = await plant_drafts(client)
    own = await client.get(f"/api/v1/bids/{scene.bid_id}/pledges", headers=scene.ana)
    assert {p["id"] for p in own.json()} == {scene.submitted_a_id, scene.draft_id, scene.withdrawn_draft_id}
    assert DRAFT_PURPOSE in own.text and WITHDRAWN_DRAFT_PURPOSE in own.text
    draft = await client.get(f"/api/v1/pledges/{scene.draft_id}", headers=scene.ana)
    assert draft.status_code == 200 and draft.json()["conditions"] == DRAFT_CONDITIONS
