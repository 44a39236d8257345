"""Sign-off of exact document versions, through the API: asking, carrying over, deciding once, who may, the
submission gate, and what the funder's verify answer and share page say."""

from __future__ import annotations

import asyncio

from consortium.documents.tables import Document
from consortium.mail.tables import OutboxMessage
from consortium.signoffs.tables import SignOff
from tests.factories import Client, add_colleague, convenor, join, open_bid, organisation, pledge
from tests.signoffs.helpers import ask, decide, make_version, statuses, two_members


async def test_an_unchanged_row_carries_over_and_a_changed_pledge_is_asked_again(client: Client) -> None:
    bid = await two_members(client)
    v1 = await make_version(client, bid)
    asked = await ask(client, bid, 1, "Board papers go out on Friday.")
    assert asked.status_code == 201, asked.text
    assert {m["status"] for m in asked.json()["members"]} == {"waiting"}
    assert (await decide(client, bid.member_a, bid, 1, bid.org_a)).status_code == 201
    assert (await decide(client, bid.member_b, bid, 1, bid.org_b)).status_code == 201

    # Brightwater adds a pledge: its row changes, Ashbrook's does not.
    await pledge(client, bid.member_b, bid.id, 5_000_00, purpose="Extra for Bradford")
    v2 = await make_version(client, bid)
    asked = await ask(client, bid, 2)
    assert asked.status_code == 201, asked.text
    members = {m["organisation_name"]: m for m in asked.json()["members"]}
    assert members["Ashbrook Homes"]["status"] == "carried_over"
    assert members["Ashbrook Homes"]["carried_from_version"] == 1
    assert members["Ashbrook Homes"]["pdf_sha256"] == v2["pdf_sha256"] != v1["pdf_sha256"]
    assert members["Brightwater Housing"]["status"] == "waiting"

    carried = await SignOff.select().where(SignOff.carried_from_version == 1)
    assert len(carried) == 1 and carried[0]["person_name"] == "Morgan Member"

    # Brightwater's signatory is asked again and told what changed; Ashbrook's is told its sign-off carried over.
    to_b = await OutboxMessage.select().where(
        (OutboxMessage.kind == "sign_off_request") & (OutboxMessage.to_address == bid.email_b)
    )
    to_a = await OutboxMessage.select().where(
        (OutboxMessage.kind == "sign_off_request") & (OutboxMessage.to_address == bid.email_a)
    )
    assert len(to_b) == 2 and len(to_a) == 2
    again = max(to_b, key=lambda m: m["id"])
    assert "You signed off version 1" in again["text_body"]
    assert "Board papers go out on Friday." in min(to_b, key=lambda m: m["id"])["text_body"]
    assert "carries over to version 2" in max(to_a, key=lambda m: m["id"])["text_body"]
    # Neither is told the other's pledge.
    assert "25,000" not in max(to_a, key=lambda m: m["id"])["text_body"]
    assert "40,000" not in again["text_body"]


async def test_changed_terms_ask_everyone_again(client: Client) -> None:
    bid = await two_members(client)
    await make_version(client, bid)
    await ask(client, bid, 1)
    await decide(client, bid.member_a, bid, 1, bid.org_a)
    await decide(client, bid.member_b, bid, 1, bid.org_b)
    changed = await client.patch(
        f"/api/v1/bids/{bid.id}", json={"programme": "Warm Homes Challenge"}, headers=bid.convenor
    )
    assert changed.status_code == 200, changed.text
    await make_version(client, bid)
    asked = await ask(client, bid, 2)
    assert {m["status"] for m in asked.json()["members"]} == {"waiting"}


async def test_asking_needs_the_latest_ready_version_once(client: Client) -> None:
    bid = await two_members(client)
    await make_version(client, bid)
    await make_version(client, bid)
    older = await ask(client, bid, 1)
    assert older.status_code == 409 and "Version 2 is newer" in older.json()["message"]
    assert (await ask(client, bid, 3)).status_code == 404
    assert (await ask(client, bid, 2)).status_code == 201
    again = await ask(client, bid, 2)
    assert again.status_code == 409 and "already asked" in again.json()["message"]
    # Members cannot ask.
    assert (
        await client.post(f"/api/v1/bids/{bid.id}/documents/2/sign-off-request", json={}, headers=bid.member_a)
    ).status_code == 403
    # A version still being made cannot be asked for.
    await make_version(client, bid)
    await Document.update({Document.state: "rendering"}).where((Document.bid == bid.id) & (Document.version == 3))
    rendering = await ask(client, bid, 3)
    assert rendering.status_code == 409 and "not ready" in rendering.json()["message"]
    await Document.update({Document.state: "ready"}).where((Document.bid == bid.id) & (Document.version == 3))


async def test_only_the_latest_requested_version_can_be_decided(client: Client) -> None:
    bid = await two_members(client)
    await make_version(client, bid)
    not_asked = await decide(client, bid.member_a, bid, 1, bid.org_a)
    assert not_asked.status_code == 409 and "has not asked" in not_asked.json()["message"]
    await ask(client, bid, 1)
    await make_version(client, bid)
    await ask(client, bid, 2)
    replaced = await decide(client, bid.member_a, bid, 1, bid.org_a)
    assert replaced.status_code == 409
    assert replaced.json()["message"].startswith("Version 2 replaces this one")
    assert (await decide(client, bid.member_a, bid, 2, bid.org_a)).status_code == 201


async def test_who_may_decide(client: Client) -> None:
    bid = await two_members(client)
    await make_version(client, bid)
    await ask(client, bid, 1)
    _, editor = await add_colleague(bid.org_a, "editor")
    _, viewer = await add_colleague(bid.org_a, "viewer")
    for colleague in (editor, viewer):
        refused = await decide(client, colleague, bid, 1, bid.org_a)
        assert refused.status_code == 403, refused.text
        assert "Only a signatory" in refused.json()["message"] and "Morgan Member" in refused.json()["message"]
    # Another member, a convenor, a stranger.
    assert (await decide(client, bid.member_b, bid, 1, bid.org_a)).status_code == 404
    assert (await decide(client, bid.convenor, bid, 1, bid.org_a)).status_code == 403
    other_network, other_convenor = await convenor()
    other = await open_bid(client, other_convenor, other_network)
    _, stranger = await join(client, other_convenor, other["id"], organisation("Elsewhere Homes"))
    assert (await decide(client, stranger, bid, 1, bid.org_a)).status_code == 404
    assert (await client.get(f"/api/v1/bids/{bid.id}/documents/1/sign-offs", headers=stranger)).status_code == 404
    assert await SignOff.count() == 0

    # The convenor reads every member; a member its own only (the viewer of A too).
    assert set(await statuses(client, bid.convenor, bid, 1)) == {"Ashbrook Homes", "Brightwater Housing"}
    assert set(await statuses(client, bid.member_b, bid, 1)) == {"Brightwater Housing"}
    assert set(await statuses(client, viewer, bid, 1)) == {"Ashbrook Homes"}


async def test_declining_needs_a_reason_and_a_decision_stands(client: Client) -> None:
    bid = await two_members(client)
    await make_version(client, bid)
    await ask(client, bid, 1)
    no_reason = await decide(client, bid.member_b, bid, 1, bid.org_b, "declined", "   ")
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason", no_reason.text
    assert (await decide(client, bid.member_b, bid, 1, bid.org_b, "maybe")).status_code in {400, 422}
    declined = await decide(client, bid.member_b, bid, 1, bid.org_b, "declined", "Our board approved £20,000.")
    assert declined.status_code == 201, declined.text
    again = await decide(client, bid.member_b, bid, 1, bid.org_b, "signed")
    assert again.status_code == 409 and "cannot be changed" in again.json()["message"]
    convenors = await client.get(f"/api/v1/bids/{bid.id}/documents/1/sign-offs", headers=bid.convenor)
    declined_row = next(m for m in convenors.json()["members"] if m["status"] == "declined")
    assert declined_row["reason"] == "Our board approved £20,000."
    assert convenors.json()["declined"] == 1 and convenors.json()["waiting"] == 1


async def test_two_decisions_at_once_one_stands_the_other_is_a_conflict(client: Client) -> None:
    bid = await two_members(client)
    _, second_signatory = await add_colleague(bid.org_a, "signatory")
    await make_version(client, bid)
    await ask(client, bid, 1)
    answers = await asyncio.gather(
        decide(client, bid.member_a, bid, 1, bid.org_a, "signed"),
        decide(client, second_signatory, bid, 1, bid.org_a, "declined", "Not agreed by our board."),
    )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert await SignOff.count().where(SignOff.organisation == bid.org_a) == 1


async def test_sign_off_requests_go_to_signatories_only(client: Client) -> None:
    bid = await two_members(client)
    await add_colleague(bid.org_a, "editor", "editor-a@example.org")
    await add_colleague(bid.org_a, "viewer", "viewer-a@example.org")
    await add_colleague(bid.org_a, "signatory", "second-signatory-a@example.org")
    await make_version(client, bid)
    before = await OutboxMessage.count().where(OutboxMessage.kind == "sign_off_request")
    await ask(client, bid, 1)
    sent = await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.organisation).where(
        OutboxMessage.kind == "sign_off_request"
    )
    assert before == 0
    assert sorted(m["to_address"] for m in sent) == sorted([bid.email_a, "second-signatory-a@example.org", bid.email_b])


async def test_submission_waits_for_every_sign_off_of_the_bid_as_it_is(client: Client) -> None:
    bid = await two_members(client, require_sign_off=True)
    assert (await client.post(f"/api/v1/bids/{bid.id}/lock", headers=bid.convenor)).status_code == 200

    async def submit() -> tuple[int, str]:
        answer = await client.post(f"/api/v1/bids/{bid.id}/submit", headers=bid.convenor)
        return answer.status_code, answer.json().get("message", "")

    status, said = await submit()
    assert status == 409 and "Make the bid document" in said
    await make_version(client, bid)
    status, said = await submit()
    assert status == 409 and "Ask members to sign off version 1" in said
    await ask(client, bid, 1)
    await decide(client, bid.member_a, bid, 1, bid.org_a)
    status, said = await submit()
    assert status == 409 and "still to sign off: Brightwater Housing" in said and "Ashbrook" not in said
    await decide(client, bid.member_b, bid, 1, bid.org_b)

    # The bid changes after the sign-off: submission notices.
    await client.post(f"/api/v1/bids/{bid.id}/unlock", headers=bid.convenor)
    await pledge(client, bid.member_b, bid.id, 1_000_00)
    await client.post(f"/api/v1/bids/{bid.id}/lock", headers=bid.convenor)
    status, said = await submit()
    assert status == 409 and "changed since members signed off version 1" in said and "Brightwater" in said

    await make_version(client, bid)
    asked = await ask(client, bid, 2)
    assert {m["organisation_name"]: m["status"] for m in asked.json()["members"]} == {
        "Ashbrook Homes": "carried_over",
        "Brightwater Housing": "waiting",
    }
    await decide(client, bid.member_b, bid, 2, bid.org_b)
    status, said = await submit()
    assert status == 200, said


async def test_a_bid_not_requiring_sign_off_submits_without_it(client: Client) -> None:
    bid = await two_members(client)
    assert (await client.post(f"/api/v1/bids/{bid.id}/lock", headers=bid.convenor)).status_code == 200
    assert (await client.post(f"/api/v1/bids/{bid.id}/submit", headers=bid.convenor)).status_code == 200


async def test_the_verify_answer_and_the_share_page_say_who_signed_off_this_version(client: Client) -> None:
    bid = await two_members(client)
    v1 = await make_version(client, bid)
    await ask(client, bid, 1)
    await decide(client, bid.member_a, bid, 1, bid.org_a)
    await decide(client, bid.member_b, bid, 1, bid.org_b, "declined", "Wrong figure")
    verified = await client.get("/api/v1/documents/verify", params={"sha256": v1["pdf_sha256"]})
    assert [(s["organisation_name"], s["person_role"]) for s in verified.json()["signed_off"]] == [
        ("Ashbrook Homes", "Signatory")
    ]

    await pledge(client, bid.member_b, bid.id, 2_000_00)
    v2 = await make_version(client, bid)
    await ask(client, bid, 2)
    link = await client.post(
        f"/api/v1/documents/{v2['id']}/share-links", json={"label": "Funder"}, headers=bid.convenor
    )
    token = link.json()["url"].rsplit("/", 1)[-1]
    shared = await client.get(f"/api/v1/shared/{token}")
    assert [(s["organisation_name"], s["carried_from_version"]) for s in shared.json()["signed_off"]] == [
        ("Ashbrook Homes", 1)
    ]
    page = await client.get(f"/shared/{token}")
    assert page.status_code == 200
    assert "Members who signed off this version" in page.text and "carried over from version 1" in page.text
    assert "Brightwater" not in page.text.split("Members who signed off", 1)[1].split("</section>", 1)[0]


async def test_a_hostile_or_overlong_reason_is_refused_and_nothing_is_saved(client: Client) -> None:
    bid = await two_members(client)
    await make_version(client, bid)
    await ask(client, bid, 1)
    for reason in ("Wrong\x00figure", "Wrong \u202efigure", "x" * 5_001):
        refused = await decide(client, bid.member_b, bid, 1, bid.org_b, "declined", reason)
        # The API's decoder refuses an over-long field (400) before the service does (422), as everywhere.
        assert refused.status_code in {400, 422} and "reason" in refused.text, refused.text
    assert await SignOff.count() == 0
