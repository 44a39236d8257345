"""The team pages, driven as a browser would with real forms and CSRF tokens: a network's convenors, an
organisation's people and their roles, and joining a team from an invitation link (with a new account or as the
person signed in)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from consortium.teams.roles import ROLE_BY_KEY
from tests.factories import PASSWORD, Client
from tests.web.conftest import ANA, BEN, CONVENOR, Scene
from tests.web.helpers import error_links, post_form, sign_in, text_of

VIEWER_REFUSED = "You can read this organisation's details but not change them."


def link_in(html: str) -> str:
    """The path of the one invitation link a page shows (the copy box after sending an invitation)."""
    found = re.findall(r'value="http://testserver\.local(/team-invitations/[^"]+)"', html)
    assert len(found) == 1, found
    return found[0]


def team_forms(html: str) -> list[str]:
    """The actions of the page's forms other than the header's sign-out button."""
    return [action for action in re.findall(r'<form[^>]*action="([^"]+)"', html) if action != "/sign-out"]


def radio_values(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" type="radio" value="([^"]+)"', html)


def cookies_of(client: Client) -> httpx.Cookies:
    return httpx.Cookies(client.cookies)


def use_cookies(client: Client, cookies: httpx.Cookies) -> None:
    client.cookies.clear()
    client.cookies.update(cookies)


async def sign_up_through(client: Client, link: str, name: str, **typed: str) -> Any:
    """Open an invitation link signed out and create the account on its page."""
    client.cookies.clear()
    form = {"name": name, "password": PASSWORD, "password_again": PASSWORD, **typed}
    return await post_form(client, link, form)


async def invite_colleague(client: Client, organisation_id: int, email: str, role: str) -> Any:
    team = f"/organisations/{organisation_id}/team"
    return await post_form(client, f"{team}/invitations", {"email": email, "role": role}, page=team)


async def test_a_convenor_invites_a_co_convenor_who_signs_up_and_sees_the_bid(client: Client, scene: Scene) -> None:
    team = f"/networks/{scene.network_id}/team"
    await sign_in(client, CONVENOR)
    page = await client.get(team)
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Casey Convenor (you)" in words and CONVENOR in words and "Leave this network" in words
    assert f'href="{team}"' in (await client.get(f"/bids/{scene.bid_id}")).text  # reached from the dashboard

    empty = await post_form(client, f"{team}/invitations", {"email": ""}, page=team)
    assert empty.status_code == 422 and error_links(empty.text) == ["email"]
    assert "Enter the email address of the person to invite." in text_of(empty.text)
    wrong = await post_form(client, f"{team}/invitations", {"email": "kim at example"}, page=team)
    assert wrong.status_code == 422 and error_links(wrong.text) == ["email"]
    assert 'value="kim at example"' in wrong.text  # what was typed is kept

    sent = await post_form(client, f"{team}/invitations", {"email": "kim@example.org"}, page=team)
    assert sent.status_code == 201, sent.text
    said = text_of(sent.text)
    assert "Invitation ready for kim@example.org" in said
    assert "We are emailing them the link" in said or "We have not emailed it" in said
    link = link_in(sent.text)
    listed = await client.get(team)
    assert "/team-invitations/" + link.rsplit("/", 1)[-1] not in listed.text  # the link is shown once only
    assert "kim@example.org" in text_of(listed.text) and "Cancel invitation" in text_of(listed.text)

    client.cookies.clear()
    opened = await client.get(link)
    assert opened.status_code == 200
    words = text_of(opened.text)
    assert "Join " in words and "invited you to be a convenor" in words and "kim@example.org" in words
    assert "Create your account" in words and "Casey Convenor" in words  # who invited them
    mismatch = await post_form(client, link, {"name": "Kim Lee", "password": PASSWORD, "password_again": "other"})
    assert mismatch.status_code == 422 and error_links(mismatch.text) == ["password_again"]
    assert 'value="Kim Lee"' in mismatch.text and PASSWORD not in mismatch.text

    joined = await sign_up_through(client, link, "Kim Lee")
    assert joined.status_code == 303, joined.text
    assert joined.headers["location"] == team
    welcome = await client.get(team)  # signed in as the new account, now a convenor
    assert welcome.status_code == 200
    words = text_of(welcome.text)
    assert "You are now a convenor of" in words and "Kim Lee (you)" in words and "Casey Convenor" in words
    bid = await client.get(f"/bids/{scene.bid_id}")
    assert bid.status_code == 200 and "Community Match Fund 2026" in bid.text

    used = await client.get(link)
    assert used.status_code == 410 and "already been used" in text_of(used.text)


async def test_removing_a_convenor_signs_them_out_and_the_last_cannot_leave(client: Client, scene: Scene) -> None:
    team = f"/networks/{scene.network_id}/team"
    await sign_in(client, CONVENOR)
    me = re.search(rf'action="{team}/(\d+)/remove"', (await client.get(team)).text)
    assert me is not None
    last = await post_form(client, f"{team}/{me.group(1)}/remove", {"confirm": "yes"}, page=team)
    assert last.status_code == 409
    assert "A network must keep at least one convenor" in text_of(last.text)
    assert "Casey Convenor (you)" in text_of(last.text)  # said on the team page itself

    link = link_in((await post_form(client, f"{team}/invitations", {"email": "kim@example.org"}, page=team)).text)
    await sign_up_through(client, link, "Kim Lee")
    kim = cookies_of(client)
    await sign_in(client, CONVENOR)
    page = (await client.get(team)).text
    kim_id = re.search(rf'action="{team}/(\d+)/remove"[^>]*>\s*<input[^>]*>\s*<button[^>]*>Remove<span', page)
    assert kim_id is not None
    removed = await post_form(client, f"{team}/{kim_id.group(1)}/remove", {"confirm": "yes"}, page=team)
    assert removed.status_code == 303
    after = await client.get(team)
    assert "Kim Lee is no longer a convenor" in text_of(after.text)
    assert f"{team}/{kim_id.group(1)}/remove" not in after.text

    use_cookies(client, kim)
    gone = await client.get(f"/bids/{scene.bid_id}", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/sign-in")


async def test_strangers_do_not_find_the_team_pages(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    assert (await client.get(f"/networks/{scene.network_id}/team")).status_code == 404
    assert (await client.get(f"/organisations/{scene.ben_org}/team")).status_code == 404
    token_page = f"/organisations/{scene.ana_org}/team"
    refused = await post_form(
        client,
        f"/organisations/{scene.ben_org}/team/invitations",
        {"email": "x@example.org", "role": "viewer"},
        page=token_page,
    )
    assert refused.status_code == 404
    await sign_in(client, CONVENOR)
    assert (await client.get(f"/organisations/{scene.ana_org}/team")).status_code == 404
    client.cookies.clear()
    signed_out = await client.get(f"/organisations/{scene.ana_org}/team", follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/sign-in")


async def test_a_signatory_invites_an_editor_and_a_viewer(client: Client, scene: Scene) -> None:
    team = f"/organisations/{scene.ana_org}/team"
    await sign_in(client, ANA)
    profile = await client.get(f"/organisations/{scene.ana_org}")
    assert f'href="{team}">People</a>' in profile.text
    page = await client.get(team)
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Morgan Member (you)" in words and "Signatory" in words and ROLE_BY_KEY["signatory"].description in words
    assert radio_values(page.text, "role") == ["signatory", "editor", "viewer"]  # a signatory may give any role
    assert ROLE_BY_KEY["viewer"].description in words

    no_role = await invite_colleague(client, scene.ana_org, "", "")
    assert no_role.status_code == 422 and error_links(no_role.text) == ["email", "role"]

    editor_link = link_in((await invite_colleague(client, scene.ana_org, "ed@example.org", "editor")).text)
    sent = await invite_colleague(client, scene.ana_org, "vi@example.org", "viewer")
    assert sent.status_code == 201 and "Role: Viewer." in text_of(sent.text)
    viewer_link = link_in(sent.text)

    opened = await client.get(editor_link)  # signed in as Ana: the invitation is for someone else
    words = text_of(opened.text)
    assert opened.status_code == 200 and "This invitation is for someone else" in words
    assert f"You are signed in as Morgan Member ({ANA})" in words and "sign out first" in words
    assert team_forms(opened.text) == []  # no Join button for the wrong person
    refused = await post_form(client, editor_link, {})
    assert refused.status_code == 409 and "This invitation is for ed@example.org" in text_of(refused.text)

    client.cookies.clear()
    described = text_of((await client.get(viewer_link)).text)
    assert "invited you to act for Ashbrook Homes as a viewer" in described
    assert ROLE_BY_KEY["viewer"].description in described
    joined = await sign_up_through(client, editor_link, "Eddie Editor")
    assert joined.status_code == 303 and joined.headers["location"] == f"/organisations/{scene.ana_org}"
    assert "You now act for Ashbrook Homes as an editor" in text_of((await client.get(joined.headers["location"])).text)
    editor_page = await client.get(team)
    assert radio_values(editor_page.text, "role") == ["editor", "viewer"]  # only a signatory makes a signatory
    assert "Only a signatory can change a signatory's role." in text_of(editor_page.text)

    assert (await sign_up_through(client, viewer_link, "Vic Viewer")).status_code == 303
    viewer_page = await client.get(team)
    assert viewer_page.status_code == 200
    words = text_of(viewer_page.text)
    assert "Eddie Editor" in words and "Vic Viewer (you)" in words and "Morgan Member" in words
    # Read only: no invitation, role or remove forms; only leaving, for themselves.
    forms = team_forms(viewer_page.text)
    assert len(forms) == 1 and re.fullmatch(rf"{team}/\d+/remove", forms[0]), forms
    assert "Invite a colleague" not in words and "Cancel invitation" not in words

    invite = await invite_colleague(client, scene.ana_org, "more@example.org", "viewer")
    assert invite.status_code == 403 and VIEWER_REFUSED in text_of(invite.text)
    assert error_links(invite.text) == [] and "There is a problem" in text_of(invite.text)  # on the page, in words
    viewer = cookies_of(client)
    await sign_in(client, ANA)
    ids = person_ids((await client.get(team)).text)
    assert set(ids) == {"Eddie Editor", "Vic Viewer", "Morgan Member"}
    use_cookies(client, viewer)
    removal = await post_form(client, f"{team}/{ids['Eddie Editor']}/remove", {}, page=team)
    assert removal.status_code == 403 and VIEWER_REFUSED in text_of(removal.text)
    promote = await post_form(client, f"{team}/{ids['Vic Viewer']}/role", {"role": "editor"}, page=team)
    assert promote.status_code == 403 and VIEWER_REFUSED in text_of(promote.text)
    assert "Vic Viewer (you)" in text_of(promote.text) and len(team_forms(promote.text)) == 1
    # A viewer may still leave (themselves): signed out at once, and gone from the list.
    leave = team_forms(promote.text)[0]
    left = await post_form(client, leave, {"confirm": "yes"}, page=team)
    assert left.status_code == 303, left.text
    after = await client.get(team)
    assert after.status_code in {302, 303} and after.headers["location"].startswith("/sign-in"), after.status_code
    await sign_in(client, ANA)
    assert "Vic Viewer" not in person_ids((await client.get(team)).text)


async def add_colleagues(client: Client, scene: Scene, *people: tuple[str, str, str]) -> dict[str, httpx.Cookies]:
    """Ana (the organisation's signatory) invites each (email, name, role), who signs up through the page; returns
    each new person's signed-in cookies by name."""
    signed_in: dict[str, httpx.Cookies] = {}
    for email, name, role in people:
        await sign_in(client, ANA)
        link = link_in((await invite_colleague(client, scene.ana_org, email, role)).text)
        joined = await sign_up_through(client, link, name)
        assert joined.status_code == 303, joined.text
        signed_in[name] = cookies_of(client)
    return signed_in


async def test_removing_a_colleague_signs_them_out_at_once(client: Client, scene: Scene) -> None:
    team = f"/organisations/{scene.ana_org}/team"
    sessions = await add_colleagues(client, scene, ("ed@example.org", "Eddie Editor", "editor"))
    use_cookies(client, sessions["Eddie Editor"])
    assert (await client.get(f"/organisations/{scene.ana_org}")).status_code == 200
    await sign_in(client, ANA)
    ids = person_ids((await client.get(team)).text)
    removed = await post_form(client, f"{team}/{ids['Eddie Editor']}/remove", {"confirm": "yes"}, page=team)
    assert removed.status_code == 303 and removed.headers["location"] == team
    words = text_of((await client.get(team)).text)
    assert "Eddie Editor no longer acts for Ashbrook Homes. They have been signed out everywhere" in words
    assert "Eddie Editor" not in person_ids((await client.get(team)).text)

    use_cookies(client, sessions["Eddie Editor"])
    after = await client.get(f"/organisations/{scene.ana_org}", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/sign-in")


async def test_the_last_signatory_cannot_leave_but_others_can(client: Client, scene: Scene) -> None:
    team = f"/organisations/{scene.ana_org}/team"
    sessions = await add_colleagues(client, scene, ("ed@example.org", "Eddie Editor", "editor"))
    await sign_in(client, ANA)
    page = (await client.get(team)).text
    ids = person_ids(page)
    assert "Leave this organisation" in text_of(page)
    leave = await post_form(client, f"{team}/{ids['Morgan Member']}/remove", {"confirm": "yes"}, page=team)
    assert leave.status_code == 409
    words = text_of(leave.text)
    assert "An organisation must keep at least one signatory. Make someone else a signatory first" in words
    assert "Morgan Member (you)" in words  # still in, on the team page
    demote = await post_form(client, f"{team}/{ids['Morgan Member']}/role", {"role": "editor"}, page=team)
    assert demote.status_code == 409 and "Make someone else a signatory first" in text_of(demote.text)

    promoted = await post_form(client, f"{team}/{ids['Eddie Editor']}/role", {"role": "signatory"}, page=team)
    assert promoted.status_code == 303
    assert "Eddie Editor is now a signatory." in text_of((await client.get(team)).text)
    left = await post_form(client, f"{team}/{ids['Morgan Member']}/remove", {"confirm": "yes"}, page=team)
    assert left.status_code == 303 and left.headers["location"] == "/sign-in"
    assert "You have left Ashbrook Homes" in text_of((await client.get("/sign-in")).text)
    assert (await client.get(team, follow_redirects=False)).status_code == 303  # signed out

    use_cookies(client, sessions["Eddie Editor"])
    assert "Morgan Member" not in person_ids((await client.get(team)).text)


async def test_cancelled_and_unknown_invitations(client: Client, scene: Scene) -> None:
    team = f"/organisations/{scene.ana_org}/team"
    await sign_in(client, ANA)
    link = link_in((await invite_colleague(client, scene.ana_org, "vi@example.org", "viewer")).text)
    page = await client.get(team)
    revoke = re.search(r'action="(/team-invitations/\d+/revoke)"', page.text)
    assert revoke is not None
    cancelled = await post_form(client, revoke.group(1), {"back": team, "confirm": "yes"}, page=team)
    assert cancelled.status_code == 303 and cancelled.headers["location"] == team
    after = text_of((await client.get(team)).text)
    assert "The invitation is cancelled: its link no longer works." in after and "vi@example.org" not in after

    client.cookies.clear()
    gone = await client.get(link)
    assert gone.status_code == 410
    assert "This invitation no longer works" in text_of(gone.text) and "cancelled" in text_of(gone.text)
    assert team_forms(gone.text) == []
    refused = await post_form(
        client, link, {"name": "Vic", "password": PASSWORD, "password_again": PASSWORD}, page="/sign-in"
    )
    assert refused.status_code == 410
    unknown = await client.get(link[:-4] + "abcd")
    assert unknown.status_code == 404 and "not valid" in text_of(unknown.text)

    await sign_in(client, ANA)
    again = link_in((await invite_colleague(client, scene.ana_org, "vi@example.org", "viewer")).text)
    assert again != link
    revoke = re.search(r'action="(/team-invitations/\d+/revoke)"', (await client.get(team)).text)
    assert revoke is not None
    await sign_in(client, BEN)  # someone of another organisation cannot cancel Ashbrook's invitations
    stranger = await post_form(client, revoke.group(1), {"back": team}, page=f"/organisations/{scene.ben_org}/team")
    assert stranger.status_code == 404


async def test_an_editor_is_told_in_words_what_only_a_signatory_may_do(client: Client, scene: Scene) -> None:
    team = f"/organisations/{scene.ana_org}/team"
    sessions = await add_colleagues(client, scene, ("ed@example.org", "Eddie Editor", "editor"))
    await sign_in(client, ANA)
    await invite_colleague(client, scene.ana_org, "sig@example.org", "signatory")
    use_cookies(client, sessions["Eddie Editor"])
    page = await client.get(team)
    revoke = re.search(r'action="(/team-invitations/\d+/revoke)"', page.text)
    assert revoke is not None and "sig@example.org" in text_of(page.text)
    refused = await post_form(client, revoke.group(1), {"back": team}, page=team)
    assert refused.status_code == 403
    words = text_of(refused.text)
    assert "There is a problem" in words and "Only a signatory can cancel the invitation of a signatory" in words
    assert "sig@example.org" in words  # still waiting, on the same page
    raise_self = await invite_colleague(client, scene.ana_org, "sig2@example.org", "signatory")
    assert raise_self.status_code == 403 and "Only a signatory can invite a signatory" in text_of(raise_self.text)
    assert 'value="sig2@example.org"' in raise_self.text  # what was typed is kept


def person_ids(html: str) -> dict[str, int]:
    """Each person's user id, by name, from the team table's change and remove forms."""
    found: dict[str, int] = {}
    for row in re.findall(r'<tr role="row">(.*?)</tr>', html, re.S):
        name = re.search(r'class="table__name">([^<]+?)(?: \(you\))?</th>', row)
        action = re.search(r'/team/(\d+)/(?:role|remove)"', row)
        if name and action:
            found[name.group(1)] = int(action.group(1))
    return found
