"""The sign-off pages, driven as a browser would: the convenor asks from the documents page and follows the
decisions; a member's signatory reads its own row, signs off, or declines through a confirmation page."""

from __future__ import annotations

import io

import pypdf

from consortium.signoffs.tables import SignOff
from tests.factories import Client, add_colleague, pledge
from tests.signoffs.helpers import Bid, ask, decide, make_version, two_members
from tests.web.helpers import post_form, sign_in, text_of


async def _convenor_email(client: Client, bid: Bid) -> str:
    return str((await client.get("/api/v1/auth/me", headers=bid.convenor)).json()["email"])


async def test_the_convenor_asks_from_the_documents_page_and_follows_each_member(client: Client) -> None:
    bid = await two_members(client)
    await make_version(client, bid)
    await sign_in(client, await _convenor_email(client, bid))
    documents = await client.get(f"/bids/{bid.id}/documents")
    assert "Ask members to sign off" in documents.text
    asked = await post_form(
        client,
        f"/bids/{bid.id}/sign-offs/1/request",
        {"message": "Please sign by Friday"},
        page=f"/bids/{bid.id}/documents",
    )
    assert asked.status_code == 303 and asked.headers["location"] == f"/bids/{bid.id}/sign-offs/1"
    again = await post_form(client, f"/bids/{bid.id}/sign-offs/1/request", {}, page=f"/bids/{bid.id}/documents")
    assert again.status_code == 303 and again.headers["location"] == f"/bids/{bid.id}/documents"

    await decide(client, bid.member_b, bid, 1, bid.org_b, "declined", "Our board approved less")
    status = text_of((await client.get(f"/bids/{bid.id}/sign-offs/1")).text)
    assert "Ashbrook Homes Waiting" in status
    assert "Brightwater Housing Declined" in status and "Our board approved less" in status
    dashboard = text_of((await client.get(f"/bids/{bid.id}")).text)
    assert "Sign-off of version 1" in dashboard and "0 of 2 members signed off, 1 declined, 1 waiting" in dashboard
    card = text_of((await client.get(f"/bids/{bid.id}/documents")).text)
    assert "0 signed off · 1 declined · 1 waiting" in card


async def test_a_signatory_reads_its_own_row_and_signs_off(client: Client) -> None:
    bid = await two_members(client)
    v1 = await make_version(client, bid)
    await ask(client, bid, 1)
    await sign_in(client, bid.email_a)
    overview = text_of((await client.get(f"/bids/{bid.id}")).text)
    assert "Sign off version 1 of the bid document" in overview

    page = await client.get(f"/bids/{bid.id}/sign-off")
    words = text_of(page.text)
    assert v1["pdf_sha256"] in words and "Version 1" in words
    assert "£40,000" in words and "Retrofit in Leeds" in words
    assert "£25,000" not in words and "Brightwater" not in words and "Damp repairs" not in words
    assert "Sign off version 1" in words
    # In bands mode (the default) the PDF, which holds every member's pledge, is not a member's to download.
    assert (await client.get(f"/bids/{bid.id}/sign-off/1/bid.pdf")).status_code == 404

    signed = await post_form(client, f"/bids/{bid.id}/sign-off", {"version": "1", "organisation_id": str(bid.org_a)})
    assert signed.status_code == 303
    after = text_of((await client.get(f"/bids/{bid.id}/sign-off")).text)
    assert "Signed off by Morgan Member (Signatory)" in after
    assert "Sign off version 1" not in after
    row = await SignOff.select().where(SignOff.organisation == bid.org_a).first()
    assert row is not None and row["pdf_sha256"] == v1["pdf_sha256"] and row["person_email"] == bid.email_a
    assert "Sign off version 1 of the bid document" not in text_of((await client.get(f"/bids/{bid.id}")).text)


async def test_declining_is_confirmed_with_a_reason(client: Client) -> None:
    bid = await two_members(client)
    await make_version(client, bid)
    await ask(client, bid, 1)
    await sign_in(client, bid.email_b)
    confirm = text_of((await client.get(f"/bids/{bid.id}/sign-off/decline")).text)
    assert "It cannot be changed for this version" in confirm and "The convenor sees your reason" in confirm
    path = f"/bids/{bid.id}/sign-off/decline"
    empty = await post_form(client, path, {"version": "1", "organisation_id": str(bid.org_b), "reason": " "})
    assert empty.status_code == 422 and "Say why" in empty.text
    assert await SignOff.count() == 0
    declined = await post_form(
        client, path, {"version": "1", "organisation_id": str(bid.org_b), "reason": "Wrong amount"}
    )
    assert declined.status_code == 303
    assert "Your reason, which the convenor reads: Wrong amount" in text_of(
        (await client.get(f"/bids/{bid.id}/sign-off")).text
    )


async def test_an_editor_sees_who_may_sign_and_cannot(client: Client) -> None:
    bid = await two_members(client)
    await make_version(client, bid)
    await ask(client, bid, 1)
    await add_colleague(bid.org_a, "editor", "editor-of-a@example.org")
    await sign_in(client, "editor-of-a@example.org")
    page = text_of((await client.get(f"/bids/{bid.id}/sign-off")).text)
    assert "Only a signatory can sign off or decline for Ashbrook Homes. Ask Morgan Member." in page
    assert (await client.get(f"/bids/{bid.id}/sign-off/decline")).status_code == 403
    refused = await post_form(
        client,
        f"/bids/{bid.id}/sign-off",
        {"version": "1", "organisation_id": str(bid.org_a)},
        page=f"/bids/{bid.id}/sign-off",
    )
    assert refused.status_code == 403
    assert await SignOff.count() == 0


async def test_asked_again_a_member_is_told_what_changed_and_may_download_when_figures_are_shown(
    client: Client,
) -> None:
    bid = await two_members(client, member_figures="figures")
    await make_version(client, bid)
    await ask(client, bid, 1)
    await decide(client, bid.member_a, bid, 1, bid.org_a)
    await pledge(client, bid.member_a, bid.id, 7_500_00, purpose="Solar panels")
    await make_version(client, bid)
    await ask(client, bid, 2)
    await sign_in(client, bid.email_a)
    page = text_of((await client.get(f"/bids/{bid.id}/sign-off")).text)
    assert "What changed for you since version 1, which you signed off" in page
    assert "Solar panels" in page or "7,500" in page
    pdf = await client.get(f"/bids/{bid.id}/sign-off/2/bid.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert len(pypdf.PdfReader(io.BytesIO(pdf.content)).pages) > 0
    # A version never put to the members is not theirs to download.
    await make_version(client, bid)
    assert (await client.get(f"/bids/{bid.id}/sign-off/3/bid.pdf")).status_code == 404
