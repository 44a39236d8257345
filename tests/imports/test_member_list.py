"""The convenor's member list (issue 11): organisations invited from the convenor's own spreadsheet, every bad row
reported by row and column, nothing half-sent, and the invited person confirming the details instead of typing them.
Through the real app, on SQLite and PostgreSQL, with real XLSX files written by Polars."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlparse

import polars as pl

from consortium.audit.tables import AuditEvent
from consortium.bids.tables import BidMember, Invitation
from consortium.mail.tables import OutboxMessage
from consortium.organisations.tables import Organisation
from tests.factories import PASSWORD, Client, add_colleague, convenor, join, open_bid, organisation
from tests.web.helpers import post_form, sign_in, text_of

CONVENOR = "casey@example.org"


def xlsx(rows: list[dict[str, Any]]) -> bytes:
    out = io.BytesIO()
    pl.DataFrame(rows).write_excel(out)
    return out.getvalue()


def member_rows(count: int, start: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "Organisation name": f"Member Homes {n}",
            "Contact email": f"Contact{n}@Member{n}.example.org",
            "Identifier": f"GB-COH-{12_340_000 + n:08d}",
            "Homes": 100 * n,
        }
        for n in range(start, start + count)
    ]


async def upload(
    client: Client, headers: dict[str, str], bid_id: int, content: bytes, mode: str, name: str = "members.xlsx"
) -> Any:
    return await client.post(
        f"/api/v1/bids/{bid_id}/invitations/import",
        params={"mode": mode},
        files={"file": (name, content, "application/octet-stream")},
        headers=headers,
    )


def token_of(url: str) -> str:
    return urlparse(url).path.rsplit("/", 1)[-1]


async def counts(bid_id: int) -> tuple[int, int, int]:
    invitations = await Invitation.count().where(Invitation.bid == bid_id)
    messages = await OutboxMessage.count().where(OutboxMessage.bid == bid_id)
    events = await AuditEvent.count().where(AuditEvent.bid_id == bid_id)
    return invitations, messages, events


async def test_39_organisations_invited_from_one_xlsx(client: Client) -> None:
    network_id, headers = await convenor(email=CONVENOR)
    bid = await open_bid(client, headers, network_id)
    content = xlsx(member_rows(39))

    checked = await upload(client, headers, bid["id"], content, "check")
    assert checked.status_code == 200, checked.text
    report = checked.json()
    assert report["problems"] == [] and len(report["good_rows"]) == 39 and report["invited"] == 0
    assert report["good_rows"][0] == {
        "row": 2,
        "contact_email": "contact1@member1.example.org",
        "name": "Member Homes 1",
        "org_id": "GB-COH-12340001",
        "homes": 100,
    }
    assert (await counts(bid["id"]))[0] == 0  # a check changes nothing

    invited = await upload(client, headers, bid["id"], content, "invite")
    assert invited.status_code == 201, invited.text
    made = invited.json()
    assert made["invited"] == 39 and len(made["invitations"]) == 39
    assert all(i["accept_url"].startswith("http://testserver.local/invitations/") for i in made["invitations"])
    assert "39 invitations made" in made["message"]
    rows = (
        await Invitation.select(Invitation.email, Invitation.prefill)
        .where(Invitation.bid == bid["id"])
        .output(load_json=True)
    )
    prefills = {r["email"]: r["prefill"] for r in rows}
    assert len(prefills) == 39
    assert prefills["contact39@member39.example.org"] == {
        "name": "Member Homes 39",
        "contact_email": "contact39@member39.example.org",
        "org_id": "GB-COH-12340039",
        "homes": 3900,
    }
    # The invitation use case's own mail and audit: one message per invitation, one event for the batch.
    assert await OutboxMessage.count().where(OutboxMessage.invitation.is_not_null()) == 39
    event = (
        await AuditEvent.select(AuditEvent.after).where(AuditEvent.action == "invitation.create").output(load_json=True)
    )
    assert len(event) == 1 and len(event[0]["after"]["emails"]) == 39 and event[0]["after"]["rows"] == 39
    listed = await client.get(f"/api/v1/bids/{bid['id']}/invitations", headers=headers)
    assert len(listed.json()) == 39 and all(i["status"] == "invited" for i in listed.json())

    again = await upload(client, headers, bid["id"], content, "check")
    assert len(again.json()["problems"]) == 39  # each one now already invited
    assert "already invited to this bid" in again.json()["problems"][0]["message"]


async def test_every_bad_row_is_reported_and_invite_changes_nothing(client: Client) -> None:
    network_id, headers = await convenor(email=CONVENOR)
    bid = await open_bid(client, headers, network_id)
    await join(client, headers, bid["id"], organisation("Ashbrook Homes"), email="ana@example.org")
    pending = await client.post(
        f"/api/v1/bids/{bid['id']}/invitations", json={"emails": ["waiting@example.org"]}, headers=headers
    )
    assert pending.status_code == 201
    rows = [
        {
            "Organisation": "Good Homes",
            "Email address": "good@example.org",
            "Org ID": "GB-CHC-1234567",
            "Homes": "1,234",
        },
        {"Organisation": "No Email Homes", "Email address": "", "Org ID": "", "Homes": ""},  # row 3
        {"Organisation": "Typo Homes", "Email address": "typo@example", "Org ID": "", "Homes": ""},  # row 4
        {"Organisation": "Twice Homes", "Email address": "GOOD@example.org", "Org ID": "", "Homes": ""},  # row 5
        {"Organisation": "Waiting Homes", "Email address": "waiting@example.org", "Org ID": "", "Homes": ""},  # 6
        {"Organisation": "Ashbrook Homes", "Email address": "ana@example.org", "Org ID": "", "Homes": ""},  # row 7
        {"Organisation": "Fraction Homes", "Email address": "f@example.org", "Org ID": "", "Homes": "12.5"},  # 8
        {"Organisation": "Words Homes", "Email address": "w@example.org", "Org ID": "", "Homes": "lots"},  # row 9
        {"Organisation": "Bad Id Homes", "Email address": "id@example.org", "Org ID": "GB-XYZ-1", "Homes": ""},  # 10
        {"Organisation": "N" * 301, "Email address": "long@example.org", "Org ID": "", "Homes": ""},  # row 11
        {"Organisation": "Second Good", "Email address": "second@example.org", "Org ID": "", "Homes": "0"},  # 12
    ]
    content = xlsx(rows)
    before = await counts(bid["id"])

    refused = await upload(client, headers, bid["id"], content, "invite")
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert "no invitations were sent" in body["message"] and body["good_rows"] == 2
    where = {(p["row"], p["column"]): p["message"] for p in body["problems"]}
    assert set(where) == {
        (3, "Email address"),
        (4, "Email address"),
        (5, "Email address"),
        (6, "Email address"),
        (7, "Email address"),
        (8, "Homes"),
        (9, "Homes"),
        (10, "Org ID"),
        (11, "Organisation"),
    }
    assert "Enter the contact email" in where[(3, "Email address")]
    assert "typo@example" in where[(4, "Email address")] and "name@example.org" in where[(4, "Email address")]
    assert "also on row 2" in where[(5, "Email address")]
    assert "already invited to this bid" in where[(6, "Email address")]
    assert "already a member of this bid, for Ashbrook Homes" in where[(7, "Email address")]
    assert "whole number" in where[(8, "Homes")] and "lots" in where[(9, "Homes")]
    assert "prefix" in where[(10, "Org ID")]
    assert "300" in where[(11, "Organisation")]
    assert [p["row"] for p in body["problems"]] == sorted(p["row"] for p in body["problems"])
    assert await counts(bid["id"]) == before  # nothing sent, saved or recorded

    checked = await upload(client, headers, bid["id"], content, "check")
    assert checked.status_code == 200 and checked.json()["problems"] == body["problems"]
    assert [r["row"] for r in checked.json()["good_rows"]] == [2, 12]
    assert await counts(bid["id"]) == before

    good_only = await upload(client, headers, bid["id"], content, "invite_good")
    assert good_only.status_code == 201, good_only.text
    report = good_only.json()
    assert sorted(i["email"] for i in report["invitations"]) == ["good@example.org", "second@example.org"]
    assert report["problems"] == body["problems"] and "were not invited" in report["message"]
    assert (await counts(bid["id"]))[1] == before[1] + 2  # their two invitation emails
    all_bad = await upload(client, headers, bid["id"], content, "invite_good")  # the good two are invited now
    assert all_bad.status_code == 422 and "None of its rows can be invited" in all_bad.json()["message"]
    prefill = (
        await Invitation.select(Invitation.prefill)
        .where(Invitation.email == "good@example.org")
        .output(load_json=True)
        .first()
    )
    assert prefill is not None and prefill["prefill"]["homes"] == 1234


async def test_bad_files_and_who_may_import(client: Client) -> None:
    network_id, headers = await convenor(email=CONVENOR)
    bid = await open_bid(client, headers, network_id)
    _, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    _, stranger = await convenor(email="other@example.org")
    content = xlsx(member_rows(2))
    assert (await upload(client, member, bid["id"], content, "check")).status_code == 403
    assert (await upload(client, stranger, bid["id"], content, "check")).status_code == 404
    no_email = xlsx([{"Organisation name": "A", "Phone": "0123"}])
    missing = await upload(client, headers, bid["id"], no_email, "check")
    assert missing.status_code == 422 and "contact email column" in missing.json()["message"]
    not_a_sheet = await upload(client, headers, bid["id"], b"%PDF-1.7 a letter", "check", name="members.pdf")
    assert not_a_sheet.status_code in {413, 422} and not_a_sheet.json()["message"]
    no_file = await client.post(f"/api/v1/bids/{bid['id']}/invitations/import", headers=headers)
    assert no_file.status_code == 422 and "file" in no_file.json()["message"]
    wrong_mode = await upload(client, headers, bid["id"], content, "everything")
    assert wrong_mode.status_code == 422 and wrong_mode.json()["field"] == "mode"
    csv = '\ufeffOrganisation name,Contact email,Homes\r\nCSV Homes,csv@example.org,"2,500"\r\n'.encode()
    from_csv = await upload(client, headers, bid["id"], csv, "invite", name="members.csv")
    assert from_csv.status_code == 201 and from_csv.json()["invitations"][0]["email"] == "csv@example.org"
    for stage in ("lock", "submit"):
        assert (await client.post(f"/api/v1/bids/{bid['id']}/{stage}", headers=headers)).status_code == 200
        closed = await upload(client, headers, bid["id"], content, "invite")
        assert closed.status_code == 409, closed.text
    assert await Invitation.count().where(Invitation.bid == bid["id"]) == 2  # Ashbrook's and the CSV's


async def test_the_page_previews_then_sends_and_links_are_shown_once(client: Client) -> None:
    network_id, headers = await convenor(email=CONVENOR)
    bid = await open_bid(client, headers, network_id)
    page = f"/bids/{bid['id']}/invitations"
    await sign_in(client, CONVENOR)
    assert "Invite from your member list (CSV or Excel)" in text_of((await client.get(page)).text)
    rows = [*member_rows(3), {"Organisation name": "Odd", "Contact email": "odd", "Identifier": "", "Homes": 5}]
    files = {"member_list": ("our members.xlsx", xlsx(rows), "application/octet-stream")}
    preview = await post_form(client, f"{page}/import", {"mode": "check"}, page=page, files=files)
    assert preview.status_code == 200, preview.text[:2000]
    words = text_of(preview.text)
    assert "3 organisations ready to invite" in words and "Member Homes 2" in words and "GB-COH-12340003" in words
    assert "Row 5 Email address" not in words and "Row 5 Contact email" in words and "odd" in words
    assert "Send the 3 invitations" in words and "Fix the file and upload again" in words
    assert await Invitation.count() == 0
    send_form = preview.text.split('id="member-list-preview"', 1)[1].split("</form>", 1)[0]
    carried = dict(re.findall(r'name="(member_list_(?:name|data)|mode)" value="([^"]*)"', send_form))
    assert carried["mode"] == "invite_good" and carried["member_list_name"] == "our members.xlsx"
    sent = await post_form(client, f"{page}/import", carried, page=page)
    assert sent.status_code == 201, sent.text[:2000]
    links = re.findall(r'value="(http://testserver\.local/invitations/[^"]+)"', sent.text)
    assert len(links) == 3 and "3 invitation links ready" in text_of(sent.text)
    assert "1 row was not invited" in text_of(sent.text)
    assert not re.findall(r'value="(http://testserver\.local/invitations/[^"]+)"', (await client.get(page)).text)
    assert await Invitation.count() == 3
    nothing = await post_form(client, f"{page}/import", {"mode": "check"}, page=page)
    assert nothing.status_code == 422 and "Choose your member list" in text_of(nothing.text)


async def test_the_invited_person_confirms_the_prefilled_details(client: Client) -> None:
    network_id, headers = await convenor(email=CONVENOR)
    bid = await open_bid(client, headers, network_id)
    made = await upload(client, headers, bid["id"], xlsx(member_rows(1, start=7)), "invite")
    token = token_of(made.json()["invitations"][0]["accept_url"])

    info = await client.get(f"/api/v1/invitations/{token}")
    assert info.json()["prefill"] == {
        "name": "Member Homes 7",
        "contact_email": "contact7@member7.example.org",
        "org_id": "GB-COH-12340007",
        "homes": 700,
    }
    page = await client.get(f"/invitations/{token}")
    assert page.status_code == 200
    html = page.text
    assert 'id="org_name" name="org_name" type="text" value="Member Homes 7"' in html
    assert 'value="GB-COH-12340007"' in html and 'value="700"' in html
    assert 'value="contact7@member7.example.org"' in html
    assert "filled in your organisation's details from their member list" in text_of(html)
    assert await Organisation.count() == 0  # nothing is created until they submit

    # They confirm, correcting the homes and choosing the type.
    form = {
        "name": "Mo Member",
        "password": PASSWORD,
        "choice": "new",
        "org_name": "Member Homes 7",
        "org_type": "housing_association",
        "org_id": "GB-COH-12340007",
        "homes": "750",
        "contact_email": "contact7@member7.example.org",
        "website": "",
    }
    joined = await post_form(client, f"/invitations/{token}", form)
    assert joined.status_code == 303, text_of(joined.text)[:1000]
    stored = await Organisation.select().first()
    assert stored is not None
    assert (stored["name"], stored["org_id"], stored["homes"], stored["contact_email"]) == (
        "Member Homes 7",
        "GB-COH-12340007",
        750,
        "contact7@member7.example.org",
    )
    assert await BidMember.count().where((BidMember.bid == bid["id"]) & (BidMember.status == "joined")) == 1


async def test_a_member_of_an_earlier_bid_confirms_its_organisation(client: Client) -> None:
    network_id, headers = await convenor(email=CONVENOR)
    first = await open_bid(client, headers, network_id)
    org_id, member = await join(
        client, headers, first["id"], organisation("Ashbrook Homes", org_id="GB-COH-01234567"), email="ana@example.org"
    )
    coverage = await client.put(
        f"/api/v1/organisations/{org_id}/coverage",
        json={"districts": [{"district_code": "E08000037", "homes": 300}]},
        headers=member,
    )
    assert coverage.status_code == 200, coverage.text
    _, viewer = await add_colleague(org_id, "viewer", email="viewer@example.org")
    second = await open_bid(client, headers, network_id, title="Second round")
    rows = [
        {"Organisation name": "Ashbrook Homes", "Contact email": "ana@example.org", "Homes": 1000},
        {"Organisation name": "Ashbrook Homes", "Contact email": "viewer@example.org", "Homes": 1000},
    ]
    made = await upload(client, headers, second["id"], xlsx(rows), "invite")
    assert made.status_code == 201, made.text
    tokens = {i["email"]: token_of(i["accept_url"]) for i in made.json()["invitations"]}

    await sign_in(client, "ana@example.org")
    page = await client.get(f"/invitations/{tokens['ana@example.org']}")
    words = text_of(page.text)
    assert f'name="choice" type="radio" value="{org_id}" checked' in page.text  # offered, and chosen
    assert "GB-COH-01234567" in words and "1 district (Gateshead)" in words
    assert "Already a member of" in words and "nothing to type again" in words
    info = await client.get(f"/api/v1/invitations/{tokens['ana@example.org']}")
    offered = info.json()["your_organisations"]
    assert [(o["id"], o["in_this_network"], o["may_join"], o["districts"]) for o in offered] == [
        (org_id, True, True, 1)
    ]
    joined = await post_form(client, f"/invitations/{tokens['ana@example.org']}", {"choice": str(org_id)})
    assert joined.status_code == 303, text_of(joined.text)[:1000]
    assert await Organisation.count() == 1  # the same organisation, not a second one
    member_row = await BidMember.select(BidMember.organisation).where(BidMember.bid == second["id"]).first()
    assert member_row is not None and member_row["organisation"] == org_id

    # A viewer of the organisation is not offered it, and may not join it (Permission.EDIT).
    await sign_in(client, "viewer@example.org")
    viewer_page = await client.get(f"/invitations/{tokens['viewer@example.org']}")
    assert f'value="{org_id}"' not in viewer_page.text
    assert "can read Ashbrook Homes's details but not join it" in text_of(viewer_page.text)
    refused = await client.post(
        f"/api/v1/invitations/{tokens['viewer@example.org']}/accept", json={"organisation_id": org_id}, headers=viewer
    )
    assert refused.status_code == 403
