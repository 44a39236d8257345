"""Inviting members (pasted addresses, CSV files), seeing where each invitation has got to, and accepting one."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from tests.factories import PASSWORD, Client
from tests.web.conftest import ANA, CONVENOR, Scene
from tests.web.helpers import error_links, post_form, sign_in, text_of


def accept_form(**typed: str) -> dict[str, str]:
    """The accept page's form for a new person and organisation, every field empty but what the test types."""
    fields = ("name", "password", "org_name", "org_type", "org_id", "homes", "website")
    return {**dict.fromkeys(fields, ""), "choice": "new", **typed}


def links_in(html: str) -> list[str]:
    return re.findall(r'value="(http://testserver\.local/invitations/[^"]+)"', html)


async def invite(client: Client, scene: Scene, emails: str = "", files: object = None) -> Any:
    return await post_form(client, f"/bids/{scene.bid_id}/invitations", {"emails": emails}, files=files)


async def test_pasted_addresses_make_links_shown_once(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    answer = await invite(client, scene, emails="Cara <cara@example.org>, dev@example.org\neve@example.org")
    assert answer.status_code == 201
    html = answer.text
    assert "3 invitation links ready" in text_of(html)
    assert len(links_in(html)) == 3
    listed = await client.get(f"/bids/{scene.bid_id}/invitations")
    assert links_in(listed.text) == []  # the links are not kept
    words = text_of(listed.text)
    assert "cara@example.org" in words and "Ashbrook Homes" in words
    assert "Submitted" in words and "Joined" in words and "Invited" in words  # Ashbrook, Pennine, the new ones


async def test_bad_addresses_are_explained_and_kept(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    answer = await invite(client, scene, emails="good@example.org, not-an-address")
    assert answer.status_code == 422
    html = answer.text
    assert error_links(html)[0] == "emails"
    assert "not-an-address" in text_of(html) and "no invitations were sent" in text_of(html)
    assert ">good@example.org, not-an-address</textarea>" in html
    empty = await invite(client, scene)
    assert "Enter at least one email address" in text_of(empty.text)


async def test_a_csv_file_of_addresses(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    csv = b"\xef\xbb\xbfOrganisation,Contact email\nFern Homes,fern@example.org\nGlen Housing,glen@example.org\n"
    answer = await invite(client, scene, files={"csv": ("members.csv", csv, "text/csv")})
    assert answer.status_code == 201, answer.text
    assert len(links_in(answer.text)) == 2
    wrong_type = await invite(client, scene, files={"csv": ("members.xlsx", b"PK\x03\x04...", "application/zip")})
    assert wrong_type.status_code == 422 and error_links(wrong_type.text) == ["csv"]
    assert "must be a CSV file" in text_of(wrong_type.text)
    too_big = await invite(client, scene, files={"csv": ("big.csv", b"a@example.org," * 14_100, "text/csv")})
    assert too_big.status_code == 422 and error_links(too_big.text) == ["csv"]
    assert "This file is 198 KB; the most we accept is 100 KB. Split the list into smaller files." in text_of(
        too_big.text
    )
    just_over = await invite(client, scene, files={"csv": ("big.csv", b"a" * 100_001, "text/csv")})
    assert "This file is 101 KB; the most we accept is 100 KB" in text_of(just_over.text)
    no_addresses = await invite(client, scene, files={"csv": ("names.csv", b"Name\nFern\n", "text/csv")})
    assert "found no email addresses" in text_of(no_addresses.text)


async def test_new_link_replaces_the_old_one_which_then_says_so(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    first = links_in((await invite(client, scene, emails="hal@example.org")).text)[0]
    page = await client.get(f"/bids/{scene.bid_id}/invitations")
    words = text_of(page.text)
    assert "Re-send" not in words and "New link for hal@example.org" in words  # a new link, not the old one again
    assert "‘New link’ makes a fresh link, emails it to them and stops the old one working." in words
    resend_path = re.findall(r'action="(/bids/\d+/invitations/\d+/resend)"', page.text)[-1]
    again = await post_form(client, resend_path, {}, page=f"/bids/{scene.bid_id}/invitations")
    said = text_of(again.text)
    assert again.status_code == 200 and "New link made" in said
    assert "We are emailing it to hal@example.org; the old link no longer works." in said
    second = links_in(again.text)[0]
    assert second != first
    client.cookies.clear()
    old = await client.get(urlparse(first).path)
    assert old.status_code == 404
    assert "If the convenor made a new link for you, only the newest one works" in text_of(old.text)
    assert (await client.get(urlparse(second).path)).status_code == 200
    unknown = await client.get(urlparse(first).path[:-4] + "abcd")
    assert unknown.status_code == 404 and "Check you copied all of it" in text_of(unknown.text)


async def test_addresses_with_markup_are_not_emails(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    answer = await invite(client, scene, emails="<script>alert(1)</script>@x.org\nbob@")
    assert answer.status_code == 422 and set(error_links(answer.text)) == {"emails"}
    words = text_of(answer.text)
    assert "2 of the addresses could not be used" in words
    assert "'bob@' is not an email address like name@example.org." in words
    assert "<script>alert" not in answer.text and "&lt;script&gt;alert(1)" in answer.text  # escaped when shown back
    assert links_in(answer.text) == []


async def test_accepting_as_a_new_person_with_a_new_organisation(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    link = urlparse(links_in((await invite(client, scene, emails="ivy@example.org")).text)[0]).path
    client.cookies.clear()
    page = await client.get(link)
    assert page.status_code == 200
    assert "Join ‘Community Match Fund 2026’" in page.text and "ivy@example.org" in page.text
    assert "GB-SHPE" in page.text  # the identifier prefixes are explained
    typed = accept_form(name="", password="short", org_name="Ivy Homes", homes="lots")
    problems = await post_form(client, link, typed)
    assert problems.status_code == 422
    assert error_links(problems.text) == ["name", "password", "org_type", "homes"]
    assert 'value="Ivy Homes"' in problems.text and 'value="lots"' in problems.text
    assert "short" not in re.findall(r'id="password"[^>]*value="([^"]*)"', problems.text)
    bad_id = await post_form(
        client,
        link,
        {**typed, "name": "Ivy", "password": PASSWORD, "org_type": "charity", "homes": "", "org_id": "GB-CHC-12"},
    )
    assert bad_id.status_code == 422 and error_links(bad_id.text) == ["org_id"]
    assert "6 to 8 digits" in text_of(bad_id.text) and 'value="GB-CHC-12"' in bad_id.text
    assert "For your security, type it again" in text_of(bad_id.text)  # why the password field is empty
    together = await post_form(client, link, {**typed, "org_id": "GB-CHC-12"})
    assert error_links(together.text) == ["name", "password", "org_type", "org_id", "homes"]  # all at once
    joined = await post_form(
        client,
        link,
        {
            **typed,
            "name": "Ivy",
            "password": PASSWORD,
            "org_type": "charity",
            "homes": "900",
            "org_id": "gb-chc 1234567",
        },
    )
    assert joined.status_code == 303 and joined.headers["location"] == f"/bids/{scene.bid_id}"
    overview = await client.get(joined.headers["location"])
    assert "You have joined" in overview.text and "Ivy Homes: your part" in overview.text
    used = await client.get(link)
    assert used.status_code == 410 and "already been used" in used.text


async def test_existing_account_is_asked_to_sign_in_then_joins_as_itself(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    link = urlparse(links_in((await invite(client, scene, emails=ANA)).text)[0]).path
    client.cookies.clear()
    page = await client.get(link)
    assert "You already have an account" in page.text and "Sign in to join" in page.text
    await sign_in(client, ANA)
    signed_in = await client.get(link)
    assert "Which organisation is joining?" in signed_in.text and "Ashbrook Homes" in signed_in.text
    assert "not to you" not in text_of(signed_in.text)  # their own invitation: no warning
    again = await post_form(client, link, {"choice": str(scene.ana_org)})
    assert again.status_code == 422 and "already a member of this bid" in text_of(again.text)
    second_org = await post_form(client, link, {"choice": "new", "org_name": "Ashbrook Two", "org_type": "cooperative"})
    assert second_org.status_code == 303


async def test_someone_else_signed_in_is_told_the_invitation_was_not_for_them(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    link = urlparse(links_in((await invite(client, scene, emails="hal@example.org")).text)[0]).path
    client.cookies.clear()
    await sign_in(client, ANA)
    said = text_of((await client.get(link)).text)
    assert "This invitation was sent to hal@example.org, not to you. If you go on, your organisation waits for" in said


async def test_every_problem_on_the_accept_page_is_shown_at_its_field_with_what_was_typed(
    client: Client, scene: Scene
) -> None:
    """One round shows what the form could not read (homes) with everything the service found wrong with the rest,
    each problem at its own field, in the form's order, and every typed value kept but the password."""
    await sign_in(client, CONVENOR)
    link = urlparse(links_in((await invite(client, scene, emails="ivy@example.org")).text)[0]).path
    client.cookies.clear()
    typed = accept_form(
        name="Ivy\x07",
        password="qwertyuiopasdfgh",
        org_name=" ",
        org_type="castle",
        org_id="GB-CHC-12",
        homes="about 900",
        website="javascript:alert(1)",
    )
    answer = await post_form(client, link, typed)
    assert answer.status_code == 422
    assert error_links(answer.text) == ["name", "password", "org_name", "org_type", "org_id", "homes", "website"]
    at_field = dict(re.findall(r'<p class="field-error" id="([^"]+)-error">(.*?)</p>', answer.text, re.S))
    assert "Your name contains the control character U+0007" in at_field["name"]
    assert "too easy to guess" in at_field["password"]
    assert "Enter the organisation's name." in text_of(at_field["org_name"])
    assert "Choose the type of organisation: housing association" in text_of(at_field["org_type"])
    assert "6 to 8 digits" in at_field["org_id"]
    assert "whole number" in at_field["homes"]
    assert "Enter the website address" in at_field["website"]
    for kept in ('value="GB-CHC-12"', 'value="about 900"', 'value="javascript:alert(1)"'):
        assert kept in answer.text
    assert "qwertyuiopasdfgh" not in answer.text
    assert (await client.get(link)).status_code == 200  # nothing was used up
