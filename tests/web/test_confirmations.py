"""Issue 12: no irreversible page action happens on one click. Each one's button first answers with a page saying
what will happen (the thing's real name, amount, version) and changes nothing; the page's own form, sent back as it
is (confirm=yes, the session's CSRF token), acts; its Cancel link goes back where the person came from. An HTMX
request gets the same step. Every check of "nothing changed" reads the database."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from consortium.accounts.tables import ApiToken
from consortium.audit.tables import AuditEvent
from consortium.bids.tables import Bid, BidMember
from consortium.documents.services import wait_for_renders
from consortium.organisations.tables import OrganisationUser
from consortium.pledges.tables import Pledge
from consortium.teams.tables import TeamInvitation
from tests.factories import Client, pledge
from tests.web.conftest import ANA, BEN, CONVENOR, Scene
from tests.web.helpers import post_form, sign_in, text_of
from tests.web.test_pending_member_pages import _ana_uses_hals_link, _form_actions
from tests.web.test_team_pages import invite_colleague, person_ids, sign_up_through


def confirmation_form(html: str) -> tuple[str, dict[str, str], str]:
    """The confirmation page's form: where it posts, its hidden fields, and where its Cancel link goes."""
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*data-confirm-form>(.*?)</form>', html, re.S)
    assert form is not None, "no confirmation form on the page"
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2))
    }
    cancel = re.search(r'<a href="([^"]+)"[^>]*data-confirm-cancel>', form.group(2))
    assert cancel is not None
    return unescape(form.group(1)), fields, unescape(cancel.group(1))


async def asked(client: Client, path: str, data: dict[str, str], page: str, *says: str) -> tuple[str, dict[str, str]]:
    """The action's button, pressed once: a 200 page saying ``says``, its form posting back to ``path`` with
    confirm=yes and the session's token; its Cancel link works. Returns the form's action and fields."""
    answer = await post_form(client, path, data, page=page)
    assert answer.status_code == 200, (answer.status_code, answer.text[:500])
    words = text_of(answer.text)
    for said in says:
        assert said in words, (said, words[:1500])
    action, fields, cancel = confirmation_form(answer.text)
    assert action == path and fields["confirm"] == "yes" and fields["csrf_token"]
    assert {k: v for k, v in fields.items() if k not in {"confirm", "csrf_token"}} == data
    assert cancel == page.split("#")[0] and (await client.get(cancel)).status_code == 200
    return action, fields


async def confirm(client: Client, action: str, fields: dict[str, str]) -> Any:
    """Press the confirmation page's button: its form, sent as it is."""
    return await client.post(action, data=fields, follow_redirects=False)


async def status_of_bid(bid_id: int) -> str:
    row = await Bid.select(Bid.status).where(Bid.id == bid_id).first()
    assert row is not None
    return str(row["status"])


async def test_locking_and_submitting_a_bid_ask_first(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    dashboard = f"/bids/{scene.bid_id}"
    action, fields = await asked(
        client,
        f"{dashboard}/status/lock",
        {},
        dashboard,
        "Lock ‘Community Match Fund 2026’?",
        "Nobody can change pledges until you unlock it.",
        "The people of its 2 members are told by email that the bid is locked.",
    )
    assert await status_of_bid(scene.bid_id) == "open"
    assert await AuditEvent.count().where(AuditEvent.action == "bid.lock") == 0
    locked = await confirm(client, action, fields)
    assert locked.status_code == 303 and await status_of_bid(scene.bid_id) == "locked"

    action, fields = await asked(
        client,
        f"{dashboard}/status/submit",
        {},
        dashboard,
        "Mark ‘Community Match Fund 2026’ as submitted to",
        "This cannot be undone",
        "No bid document has been made for this bid yet.",
    )
    assert await status_of_bid(scene.bid_id) == "locked"
    submitted = await confirm(client, action, fields)
    assert submitted.status_code == 303 and await status_of_bid(scene.bid_id) == "submitted"
    # Unlocking asks nothing (it undoes a lock); a move the bid cannot make is refused at once, as before.
    refused = await post_form(client, f"{dashboard}/status/lock", {}, page=dashboard)
    assert refused.status_code == 303 and await status_of_bid(scene.bid_id) == "submitted"


async def test_a_fragment_post_gets_the_same_step(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    dashboard = f"/bids/{scene.bid_id}"
    page = await client.get(dashboard)
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', unescape(page.text))
    assert token is not None
    answer = await client.post(
        f"{dashboard}/status/lock",
        headers={"HX-Request": "true", "X-CSRF-Token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 200 and answer.headers["HX-Retarget"] == "body"
    assert "Lock ‘Community Match Fund 2026’?" in text_of(answer.text)
    assert await status_of_bid(scene.bid_id) == "open"


async def test_withdrawing_a_submitted_pledge_asks_first(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    page = f"/pledges/{scene.ana_pledge}"
    assert "Withdraw pledge" in text_of((await client.get(page)).text)
    action, fields = await asked(
        client,
        f"{page}/withdraw",
        {"version": "1"},
        page,
        "Withdraw your pledge of £2,500?",
        "Ashbrook Homes’s pledge of £2,500 stops counting towards ‘Community Match Fund 2026’.",
    )
    row = await Pledge.select(Pledge.status, Pledge.version).where(Pledge.id == scene.ana_pledge).first()
    assert row == {"status": "submitted", "version": 1}
    withdrawn = await confirm(client, action, fields)
    assert withdrawn.status_code == 303 and withdrawn.headers["location"] == page
    row = await Pledge.select(Pledge.status).where(Pledge.id == scene.ana_pledge).first()
    assert row == {"status": "withdrawn"}


async def test_a_draft_is_deleted_not_withdrawn(client: Client, scene: Scene) -> None:
    draft = await pledge(client, scene.ben_headers, scene.bid_id, 123_45, submit=False)
    await sign_in(client, BEN)
    page = f"/pledges/{draft['id']}"
    words = text_of((await client.get(page)).text)
    assert "Delete this draft" in words and "Delete draft" in words and "Withdraw pledge" not in words
    action, fields = await asked(
        client,
        f"{page}/withdraw",
        {"version": "1"},
        page,
        "Delete your draft pledge of £123.45?",
        "It was never submitted, so nobody outside your organisation has seen it.",
        "A deleted draft cannot be brought back.",
        "Delete draft",
    )
    assert (await Pledge.select(Pledge.status).where(Pledge.id == draft["id"]).first()) == {"status": "draft"}
    deleted = await confirm(client, action, fields)
    assert deleted.status_code == 303 and deleted.headers["location"] == f"/bids/{scene.bid_id}"
    bid_page = text_of((await client.get(f"/bids/{scene.bid_id}")).text)
    assert "Your draft pledge is deleted." in bid_page
    assert "£123.45" not in bid_page and "Make your pledge" in bid_page  # no longer its pledge
    # Its own page says so and offers nothing to do with it; its history says what happened in the same words.
    shown = text_of((await client.get(page)).text)
    assert "This draft was deleted." in shown and "Submit it again" not in shown and "Delete draft" not in shown
    assert "Draft deleted" in text_of((await client.get(f"{page}/history")).text)
    # Starting a pledge starts a new one, rather than opening the deleted draft.
    assert (await client.get(f"/bids/{scene.bid_id}/pledge", follow_redirects=False)).status_code == 200


async def test_an_organisation_withdraws_itself_after_confirming(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    bid_page = f"/bids/{scene.bid_id}"
    path = f"{bid_page}/members/{scene.ana_org}/withdraw"
    assert f'href="{path}"' in (await client.get(bid_page)).text
    shown = await client.get(path)  # the link opens the same confirmation
    assert shown.status_code == 200
    assert "its submitted pledges (£2,500) stop counting towards the bid" in text_of(shown.text)
    action, fields = await asked(
        client, path, {}, bid_page, "Withdraw Ashbrook Homes from ‘Community Match Fund 2026’?"
    )
    row = await BidMember.select(BidMember.status).where(BidMember.organisation == scene.ana_org).first()
    assert row == {"status": "joined"}
    left = await confirm(client, action, fields)
    assert left.status_code == 303 and left.headers["location"] == "/bids"
    row = await BidMember.select(BidMember.status).where(BidMember.organisation == scene.ana_org).first()
    assert row == {"status": "withdrawn"}
    assert "Ashbrook Homes has withdrawn from the bid" in text_of((await client.get("/bids")).text)


async def test_the_convenor_withdraws_a_member_after_confirming(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    dashboard = f"/bids/{scene.bid_id}"
    path = f"{dashboard}/members/{scene.ben_org}/withdraw"
    assert f'href="{path}"' in (await client.get(dashboard)).text  # in the live member table: a plain link
    action, fields = await asked(
        client,
        path,
        {},
        dashboard,
        "Withdraw Pennine Housing from ‘Community Match Fund 2026’?",
        "it has no submitted pledge, so the bid's totals do not change",
        "Withdraw Pennine Housing",
    )
    row = await BidMember.select(BidMember.status).where(BidMember.organisation == scene.ben_org).first()
    assert row == {"status": "joined"}
    withdrawn = await confirm(client, action, fields)
    assert withdrawn.status_code == 303 and withdrawn.headers["location"] == dashboard
    row = await BidMember.select(BidMember.status).where(BidMember.organisation == scene.ben_org).first()
    assert row == {"status": "withdrawn"}
    # Asked again once it has gone: said in words, nothing more recorded.
    again = await client.get(path)
    assert again.status_code == 409 and "Pennine Housing has already withdrawn" in text_of(again.text)
    assert await AuditEvent.count().where(AuditEvent.action == "membership.withdraw") == 1
    # Once the bid is locked, nobody is asked: the bid takes no changes.
    await post_form(client, f"{dashboard}/status/lock", {"confirm": "yes"}, page=dashboard)
    locked = await client.get(f"{dashboard}/members/{scene.ana_org}/withdraw")
    assert locked.status_code == 409


async def test_refusing_a_waiting_organisation_asks_first(client: Client, scene: Scene) -> None:
    page = await _ana_uses_hals_link(client, scene)
    await sign_in(client, CONVENOR)
    refuse = next(path for path in _form_actions((await client.get(page)).text) if path.endswith("/refuse"))
    action, fields = await asked(
        client,
        refuse,
        {},
        page,
        "Refuse Ashbrook Lettings?",
        "Ashbrook Lettings does not join ‘Second call’, and the link sent to hal@example.org stops working.",
    )
    assert await BidMember.count().where(BidMember.status == "pending") == 1
    refused = await confirm(client, action, fields)
    assert refused.status_code == 303 and await BidMember.count().where(BidMember.status == "pending") == 0


async def test_revoking_a_share_link_asks_first(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    documents = f"/bids/{scene.bid_id}/documents"
    await post_form(client, documents, {}, page=documents)
    await wait_for_renders()
    listed = await client.get(documents)
    document_id = re.search(r'action="/documents/(\d+)/share-links"', listed.text).group(1)  # type: ignore[union-attr]
    made = await post_form(
        client, f"/documents/{document_id}/share-links", {"days": "7", "label": "Funder"}, page=documents
    )
    assert made.status_code == 201
    revoke = re.search(r'action="(/share-links/\d+/revoke)"', made.text).group(1)  # type: ignore[union-attr]
    action, fields = await asked(
        client,
        revoke,
        {},
        documents,
        "Revoke the share link ‘Funder’?",
        "Whoever has the link ‘Funder’ to version 1 of the bid document can no longer open it",
        "A revoked link cannot work again",
    )
    assert await AuditEvent.count().where(AuditEvent.action == "share_link.revoke") == 0
    revoked = await confirm(client, action, fields)
    assert revoked.status_code == 303
    assert await AuditEvent.count().where(AuditEvent.action == "share_link.revoke") == 1


async def test_cancelling_a_team_invitation_and_removing_a_colleague_ask_first(client: Client, scene: Scene) -> None:
    team = f"/organisations/{scene.ana_org}/team"
    await sign_in(client, ANA)
    await invite_colleague(client, scene.ana_org, "vi@example.org", "viewer")
    revoke = re.search(r'action="(/team-invitations/\d+/revoke)"', (await client.get(team)).text)
    assert revoke is not None
    action, fields = await asked(
        client,
        revoke.group(1),
        {"back": team},
        team,
        "Cancel the invitation to vi@example.org?",
        "The link sent to vi@example.org to join Ashbrook Homes as a viewer stops working.",
        "Keep the invitation",
    )
    assert await TeamInvitation.count().where(TeamInvitation.revoked_at.is_null()) == 1
    cancelled = await confirm(client, action, fields)
    assert cancelled.status_code == 303 and cancelled.headers["location"] == team
    assert await TeamInvitation.count().where(TeamInvitation.revoked_at.is_null()) == 0

    link = re.search(
        r'value="http://testserver\.local(/team-invitations/[^"]+)"',
        (await invite_colleague(client, scene.ana_org, "ed@example.org", "editor")).text,
    )
    assert link is not None
    await sign_up_through(client, link.group(1), "Eddie Editor")
    await sign_in(client, ANA)
    eddie = person_ids((await client.get(team)).text)["Eddie Editor"]
    action, fields = await asked(
        client,
        f"{team}/{eddie}/remove",
        {},
        team,
        "Remove Eddie Editor from Ashbrook Homes?",
        "They are signed out everywhere at once",
    )
    assert await OrganisationUser.count().where(OrganisationUser.user == eddie) == 1
    removed = await confirm(client, action, fields)
    assert removed.status_code == 303 and await OrganisationUser.count().where(OrganisationUser.user == eddie) == 0
    me = person_ids((await client.get(team)).text)["Morgan Member"]
    await asked(client, f"{team}/{me}/remove", {}, team, "Leave Ashbrook Homes?", "You are signed out at once")


async def test_revoking_a_token_and_signing_out_everywhere_ask_first(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    made = await post_form(client, "/account/tokens", {"token_name": "budget", "token_days": "30"}, page="/account")
    assert made.status_code == 201
    token = await ApiToken.select(ApiToken.id).where(ApiToken.name == "budget").first()
    assert token is not None
    action, fields = await asked(
        client,
        f"/account/tokens/{token['id']}/revoke",
        {},
        "/account",
        "Revoke the API token ‘budget’?",
        "Scripts using ‘budget’ are refused from now on.",
    )
    assert await ApiToken.count().where((ApiToken.name == "budget") & ApiToken.revoked_at.is_null()) == 1
    assert (await confirm(client, action, fields)).status_code == 303
    assert await ApiToken.count().where((ApiToken.name == "budget") & ApiToken.revoked_at.is_null()) == 0

    action, fields = await asked(
        client,
        "/account/sign-out-everywhere",
        {},
        "/account",
        "Sign out everywhere?",
        "Every browser and device signed in as you is signed out, this one too.",
        "Your API token stops working.",  # the one the scene's factory made
    )
    assert (await client.get("/account", follow_redirects=False)).status_code == 200  # still signed in
    assert (await client.get("/api/v1/auth/me", headers=scene.ana_headers)).status_code == 200
    out = await confirm(client, action, fields)
    assert out.status_code == 303 and out.headers["location"] == "/sign-in"
    assert (await client.get("/api/v1/auth/me", headers=scene.ana_headers)).status_code == 401
