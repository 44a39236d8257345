"""A draft pledge on the HTML side: the convenor's pages and HTMX fragments, and another member's pages, carry
nothing a draft says (at most that there is one); its own member still reads and keeps it."""

from __future__ import annotations

from tests.factories import Client
from tests.pledges.drafts_scene import (
    ANA_EMAIL,
    BEN_EMAIL,
    CONVENOR_EMAIL,
    DRAFT_PURPOSE,
    EARLIER_DRAFT_PURPOSE,
    SUBMITTED_A_PURPOSE,
    WITHDRAWN_DRAFT_PURPOSE,
    leaks,
    plant_drafts,
)
from tests.web.helpers import post_form, sign_in, text_of


async def _read(client: Client, path: str) -> str:
    answer = await client.get(path, follow_redirects=True)
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return answer.text


async def test_the_convenors_pages_and_fragments_show_no_draft(client: Client) -> None:
    scene = await plant_drafts(client)
    bid = scene.bid_id
    await sign_in(client, CONVENOR_EMAIL)
    pages = [
        "/bids",
        f"/bids/{bid}",
        f"/bids/{bid}?without={scene.ana_org}",
        f"/bids/{bid}/live/figures",
        f"/bids/{bid}/live/members",
        f"/bids/{bid}/what-if?without={scene.ana_org}",
        f"/bids/{bid}/what-if",
        f"/bids/{bid}/documents",
        f"/bids/{bid}/invitations",
        f"/bids/{bid}/rules",
        f"/organisations/{scene.ana_org}",
        f"/organisations/{scene.ana_org}/coverage",
        f"/pledges/{scene.submitted_a_id}",
        f"/pledges/{scene.submitted_a_id}/history",
    ]
    for path in pages:
        assert leaks(await _read(client, path)) == [], path
    # All the convenor learns: that there is a draft.
    figures = text_of(await _read(client, f"/bids/{bid}/live/figures"))
    assert "2 submitted pledges, 1 in draft" in figures
    assert SUBMITTED_A_PURPOSE in await _read(client, f"/pledges/{scene.submitted_a_id}")
    history = text_of(await _read(client, f"/pledges/{scene.submitted_a_id}/history"))
    assert history.count("Made while the pledge was a draft: what it said then is seen only by its organisation.") == 2
    assert "Submitted" in history and SUBMITTED_A_PURPOSE not in history  # submitted as it stood: nothing changed
    for path in (
        f"/pledges/{scene.draft_id}",
        f"/pledges/{scene.draft_id}/history",
        f"/pledges/{scene.withdrawn_draft_id}",
        f"/pledges/{scene.withdrawn_draft_id}/history",
    ):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert leaks(answer.text) == [], path


async def test_another_members_pages_show_no_draft(client: Client) -> None:
    scene = await plant_drafts(client)
    await sign_in(client, BEN_EMAIL)
    for path in (
        "/bids",
        f"/bids/{scene.bid_id}",
        f"/bids/{scene.bid_id}/pledge",
        f"/pledges/{scene.submitted_b_id}",
        f"/pledges/{scene.submitted_b_id}/history",
        f"/organisations/{scene.ben_org}",
    ):
        assert leaks(await _read(client, path)) == [], path
    for path in (
        f"/pledges/{scene.draft_id}",
        f"/pledges/{scene.draft_id}/history",
        f"/pledges/{scene.submitted_a_id}",
    ):
        answer = await client.get(path)
        assert answer.status_code == 404 and leaks(answer.text) == [], path


async def test_the_member_keeps_its_drafts_and_is_told_who_sees_them(client: Client) -> None:
    scene = await plant_drafts(client)
    await sign_in(client, ANA_EMAIL)
    overview = text_of(await _read(client, f"/bids/{scene.bid_id}"))
    assert "Your pledge of £12,345.67" in overview
    assert DRAFT_PURPOSE in await _read(client, f"/pledges/{scene.draft_id}")
    own_history = text_of(await _read(client, f"/pledges/{scene.submitted_a_id}/history"))
    assert EARLIER_DRAFT_PURPOSE in own_history and "Made while the pledge was a draft" not in own_history
    assert WITHDRAWN_DRAFT_PURPOSE in await _read(client, f"/pledges/{scene.withdrawn_draft_id}")
    saved = await post_form(
        client,
        f"/bids/{scene.bid_id}/pledge",
        {"amount": "250", "purpose": "ANOTHER-DRAFT", "action": "draft"},
        page=f"/bids/{scene.bid_id}/pledge?new=1",
    )
    assert saved.status_code == 303, saved.text[:500]
    page = text_of(await _read(client, saved.headers["location"]))
    assert "saved as a draft, which only your organisation can see" in page
    assert "The convenor sees it once you submit it" in page
    # ... and the promise holds: the convenor does not read it.
    pledge_id = int(saved.headers["location"].rsplit("/", 1)[-1])
    await sign_in(client, CONVENOR_EMAIL)
    assert (await client.get(f"/pledges/{pledge_id}")).status_code == 404
    listed = await client.get(f"/api/v1/bids/{scene.bid_id}/pledges", headers=scene.convenor)
    assert "ANOTHER-DRAFT" not in listed.text
