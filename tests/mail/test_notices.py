"""Each use case writes exactly its messages, in its own transaction, to the right people: through the API and pages,
on a real database. A refused change writes none. No message to one member names another member or its amount."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from consortium.db import write_transaction
from consortium.documents.tables import Document, ShareLink
from consortium.mail import notices
from consortium.mail.delivery import deliver_messages
from consortium.mail.tables import OutboxMessage
from consortium.settings import Settings
from consortium.timeutil import UK, utc_now
from tests.factories import Client, convenor, join, open_bid, organisation, pledge
from tests.smtp import SmtpSink
from tests.web.helpers import post_form, sign_in, text_of

HOSTILE = '<script>alert("x")</script> & Sons'


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """No worker in the web process: what these tests write stays queued until a test delivers it itself."""
    return settings.with_changes(jobs_in_web="no", mail_dir=str(tmp_path / "mail"))


@pytest.fixture(autouse=True)
async def handed_on(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[int]]:
    """The ids each use case hands to delivery after its commit (delivery itself is tests/mail/test_delivery.py's)."""
    seen: list[int] = []

    async def recording(message_ids: Any) -> None:
        seen.extend(int(i) for i in message_ids if i is not None)

    monkeypatch.setattr(notices, "deliver_soon", recording)
    yield seen


async def outbox(**where: Any) -> list[dict[str, Any]]:
    query = OutboxMessage.select().order_by(OutboxMessage.id)
    for column, value in where.items():
        query = query.where(getattr(OutboxMessage, column) == value)
    return list(await query)


async def me(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    return dict((await client.get("/api/v1/auth/me", headers=headers)).json())


class Scene:
    """A bid with two joined members, each with a person of its own and a submitted pledge."""

    bid: dict[str, Any]
    convenor: dict[str, str]
    convenor_email: str
    a_headers: dict[str, str]
    b_headers: dict[str, str]
    a_pledge: dict[str, Any]
    b_pledge: dict[str, Any]


A_NAME, A_EMAIL, A_AMOUNT = "Ashbrook Homes", "ana@ashbrook.example.org", "£12,345.67"
B_NAME, B_EMAIL, B_AMOUNT = "Birchwood Housing", "ben@birchwood.example.org", "£98,765.43"


async def scene(client: Client) -> Scene:
    s = Scene()
    network_id, s.convenor = await convenor()
    s.convenor_email = (await me(client, s.convenor))["email"]
    s.bid = await open_bid(client, s.convenor, network_id)
    _, s.a_headers = await join(client, s.convenor, s.bid["id"], organisation(A_NAME), email=A_EMAIL)
    _, s.b_headers = await join(client, s.convenor, s.bid["id"], organisation(B_NAME), email=B_EMAIL)
    s.a_pledge = await pledge(client, s.a_headers, s.bid["id"], 12_345_67)
    s.b_pledge = await pledge(client, s.b_headers, s.bid["id"], 98_765_43)
    return s


def bodies(message: dict[str, Any]) -> str:
    return f"{message['subject']}\n{message['text_body']}\n{message['html_body']}"


def assert_private(message: dict[str, Any], forbidden: list[str]) -> None:
    for word in forbidden:
        assert word not in bodies(message), (word, message["to_address"], message["kind"])


async def test_inviting_writes_one_message_per_address_whose_link_opens_the_invitation(
    client: Client, handed_on: list[int]
) -> None:
    network_id, headers = await convenor()
    convenor_email = (await me(client, headers))["email"]
    bid = await open_bid(client, headers, network_id)
    made = await client.post(
        f"/api/v1/bids/{bid['id']}/invitations",
        json={"emails": ["Ana@Ashbrook.example.org", "ben@birchwood.example.org"]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    answered = {i["email"]: i for i in made.json()["invitations"]}
    written = await outbox()
    assert [(m["kind"], m["to_address"]) for m in written] == [
        ("invitation", "ana@ashbrook.example.org"),
        ("invitation", "ben@birchwood.example.org"),
    ]
    assert handed_on == [m["id"] for m in written]  # handed to delivery once committed
    for message in written:
        invitation = answered[message["to_address"]]
        assert message["invitation"] == invitation["id"] and message["bid"] == bid["id"]
        assert message["reply_to"] == convenor_email and message["state"] == "queued"
        assert invitation["delivery"]["state"] == "queued"
        # The link the message carries is the one the answer shows, and it opens the invitation.
        link = re.search(r"https?://\S+/invitations/\S+", message["text_body"])
        assert link is not None and link.group(0) == invitation["accept_url"]
        assert f'href="{invitation["accept_url"]}"' in message["html_body"]
        page = await client.get(urlparse(link.group(0)).path)
        assert page.status_code == 200 and bid["title"] in page.text and message["to_address"] in page.text
    # Inviting an address again makes a new link: the message says the old one stopped working.
    again = await client.post(
        f"/api/v1/bids/{bid['id']}/invitations", json={"emails": ["ana@ashbrook.example.org"]}, headers=headers
    )
    new_link = again.json()["invitations"][0]["accept_url"]
    replaced = (await outbox())[2:]
    assert [(m["kind"], m["to_address"]) for m in replaced] == [("invitation_replaced", "ana@ashbrook.example.org")]
    assert new_link in replaced[0]["text_body"] and "no longer works" in replaced[0]["text_body"]
    old_path = urlparse(answered["ana@ashbrook.example.org"]["accept_url"]).path
    assert (await client.get(old_path)).status_code == 404
    # "New link" on one invitation: one message, to that address only.
    ben = answered["ben@birchwood.example.org"]["id"]
    resent = await client.post(f"/api/v1/bids/{bid['id']}/invitations/{ben}/resend", headers=headers)
    assert resent.status_code in {200, 201}, resent.text
    last = (await outbox())[3:]
    assert [(m["kind"], m["to_address"], m["invitation"]) for m in last] == [
        ("invitation_replaced", "ben@birchwood.example.org", ben)
    ]
    assert resent.json()["invitations"][0]["accept_url"] in last[0]["text_body"]


async def test_a_refused_invitation_writes_no_message(client: Client, handed_on: list[int]) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    bad = await client.post(
        f"/api/v1/bids/{bid['id']}/invitations", json={"emails": ["ok@example.org", "not an address"]}, headers=headers
    )
    assert bad.status_code == 422
    assert await client.post(f"/api/v1/bids/{bid['id']}/lock", headers=headers)
    locked = await client.post(
        f"/api/v1/bids/{bid['id']}/invitations", json={"emails": ["ok@example.org"]}, headers=headers
    )
    assert locked.status_code == 409
    assert await outbox(kind="invitation") == [] and await outbox(kind="invitation_replaced") == []


async def test_joining_welcomes_the_person_who_joined(client: Client, handed_on: list[int]) -> None:
    network_id, headers = await convenor()
    convenor_email = (await me(client, headers))["email"]
    bid = await open_bid(client, headers, network_id)
    organisation_id, _ = await join(client, headers, bid["id"], organisation(HOSTILE), email="ana@ashbrook.example.org")
    welcome = await outbox(kind="welcome")
    assert len(welcome) == 1
    message = welcome[0]
    assert (message["to_address"], message["to_name"]) == ("ana@ashbrook.example.org", "Morgan Member")
    assert message["reply_to"] == convenor_email and message["organisation"] == organisation_id
    assert f"http://testserver.local/bids/{bid['id']}" in message["text_body"]
    assert f"http://testserver.local/organisations/{organisation_id}" in message["text_body"]
    assert HOSTILE in message["text_body"]  # the name as typed, in plain text
    assert "<script>" not in message["html_body"]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons" in message["html_body"]
    assert message["id"] in handed_on


async def test_joining_under_another_address_waits_for_approval_without_a_welcome(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    _, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes"), email="ana@ashbrook.example.org")
    other = await open_bid(client, headers, network_id, title="Another bid")
    invited = await client.post(
        f"/api/v1/bids/{other['id']}/invitations", json={"emails": ["someone.else@example.org"]}, headers=headers
    )
    token = urlparse(invited.json()["invitations"][0]["accept_url"]).path.rsplit("/", 1)[-1]
    organisation_id = (await me(client, member))["organisations"][0]
    # Ana uses a link sent to someone else: her organisation waits for the convenor's approval.
    pending = await client.post(
        f"/api/v1/invitations/{token}/accept", json={"organisation_id": organisation_id}, headers=member
    )
    assert pending.status_code == 201 and pending.json()["status"] == "pending", pending.text
    assert [m["bid"] for m in await outbox(kind="welcome")] == [bid["id"]]  # the first join only


async def test_submitting_and_withdrawing_tell_the_member_of_its_own_and_the_convenor_of_the_member(
    client: Client, handed_on: list[int]
) -> None:
    s = await scene(client)
    submitted = await outbox(kind="pledge_submitted")
    assert sorted((m["to_address"], m["organisation"] is not None) for m in submitted) == sorted(
        [(A_EMAIL, True), (s.convenor_email, False), (B_EMAIL, True), (s.convenor_email, False)]
    )
    for message in submitted:
        if message["to_address"] == A_EMAIL:
            assert A_AMOUNT in message["text_body"] and A_NAME in message["text_body"]
            assert_private(message, [B_NAME, B_AMOUNT])
        elif message["to_address"] == B_EMAIL:
            assert B_AMOUNT in message["text_body"]
            assert_private(message, [A_NAME, A_AMOUNT])
        else:  # a convenor's message names the one member, and only that one
            named = [name for name in (A_NAME, B_NAME) if name in bodies(message)]
            assert len(named) == 1
            amount = A_AMOUNT if named == [A_NAME] else B_AMOUNT
            assert amount in message["text_body"]
            assert_private(message, [B_AMOUNT if amount == A_AMOUNT else A_AMOUNT])
    before = len(await outbox())
    withdrawn = await client.post(
        f"/api/v1/pledges/{s.a_pledge['id']}/withdraw",
        headers={**s.a_headers, "If-Match": f'"{s.a_pledge["version"]}"'},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    after = (await outbox())[before:]
    assert sorted((m["kind"], m["to_address"]) for m in after) == sorted(
        [("pledge_withdrawn", A_EMAIL), ("pledge_withdrawn", s.convenor_email)]
    )
    for message in after:
        assert_private(message, [B_NAME, B_AMOUNT])
        assert "withdrawn" in message["text_body"] and A_AMOUNT in message["text_body"]
    # Submitting it again through the API's own submit: the same two messages, "submitted".
    again = await client.post(
        f"/api/v1/pledges/{s.a_pledge['id']}/submit",
        headers={**s.a_headers, "If-Match": f'"{withdrawn.json()["version"]}"'},
    )
    assert again.status_code == 200, again.text
    last = (await outbox())[before + 2 :]
    assert sorted((m["kind"], m["to_address"]) for m in last) == sorted(
        [("pledge_submitted", A_EMAIL), ("pledge_submitted", s.convenor_email)]
    )
    pledge_messages = await outbox(kind="pledge_submitted") + await outbox(kind="pledge_withdrawn")
    assert {m["id"] for m in pledge_messages} <= set(handed_on)


async def test_a_draft_tells_no_one_and_its_withdrawal_only_its_own_people(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    _, member = await join(client, headers, bid["id"], organisation(A_NAME), email=A_EMAIL)
    draft = await pledge(client, member, bid["id"], 12_345_67, submit=False)
    assert await outbox(kind="pledge_submitted") == []
    withdrawn = await client.post(
        f"/api/v1/pledges/{draft['id']}/withdraw", headers={**member, "If-Match": f'"{draft["version"]}"'}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    told = await outbox(kind="pledge_withdrawn")
    assert [m["to_address"] for m in told] == [A_EMAIL]  # convenors never see a draft, so hear nothing of it


async def test_locking_tells_every_joined_member_and_later_changes_are_refused_without_a_message(
    client: Client, handed_on: list[int]
) -> None:
    s = await scene(client)
    before = len(await outbox())
    locked = await client.post(f"/api/v1/bids/{s.bid['id']}/lock", headers=s.convenor)
    assert locked.status_code == 200, locked.text
    told = (await outbox())[before:]
    assert sorted((m["kind"], m["to_address"]) for m in told) == [("bid_locked", A_EMAIL), ("bid_locked", B_EMAIL)]
    for message in told:
        assert message["reply_to"] == s.convenor_email and message["id"] in handed_on
        own, other = (A_NAME, B_NAME) if message["to_address"] == A_EMAIL else (B_NAME, A_NAME)
        assert own in message["text_body"] and "What happens next" in message["text_body"]
        assert_private(message, [other, A_AMOUNT, B_AMOUNT])
    count = len(await outbox())
    # Refused: a second lock, a withdrawal and a submission after the lock write nothing.
    assert (await client.post(f"/api/v1/bids/{s.bid['id']}/lock", headers=s.convenor)).status_code == 409
    refused = await client.post(
        f"/api/v1/pledges/{s.a_pledge['id']}/withdraw",
        headers={**s.a_headers, "If-Match": f'"{s.a_pledge["version"]}"'},
    )
    assert refused.status_code == 409
    new = await client.post(
        f"/api/v1/bids/{s.bid['id']}/pledges", json={"amount_pence": 100, "submit": True}, headers=s.b_headers
    )
    assert new.status_code == 409
    assert len(await outbox()) == count
    # Unlocking tells no one; locking again tells them again.
    assert (await client.post(f"/api/v1/bids/{s.bid['id']}/unlock", headers=s.convenor)).status_code == 200
    assert len(await outbox()) == count
    assert (await client.post(f"/api/v1/bids/{s.bid['id']}/lock", headers=s.convenor)).status_code == 200
    assert len(await outbox(kind="bid_locked")) == 4


async def test_a_hostile_organisation_name_is_escaped_in_every_html_body(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    _, member = await join(client, headers, bid["id"], organisation(HOSTILE), email=A_EMAIL)
    await pledge(client, member, bid["id"], 12_345_67)
    assert (await client.post(f"/api/v1/bids/{bid['id']}/lock", headers=headers)).status_code == 200
    written = [m for m in await outbox() if m["kind"] in {"welcome", "pledge_submitted", "bid_locked"}]
    assert len(written) == 4  # welcome, submitted (member and convenor), locked
    for message in written:
        assert HOSTILE in message["text_body"] or HOSTILE in message["subject"], message["kind"]
        assert "<script>" not in message["html_body"], message["kind"]
        assert "&lt;script&gt;" in message["html_body"], message["kind"]


async def _ready_document(bid_id: int, creator: int | None) -> int:
    rows = await Document.insert(
        Document(
            bid=bid_id,
            version=3,
            state="ready",
            snapshot_sha256="cd" * 32,
            pdf_sha256="ab" * 32,
            pdf=b"%PDF-1.7 test",
            created_by=creator,
            finished_at=utc_now(),
        )
    ).returning(Document.id)
    return int(rows[0]["id"])


async def test_a_share_link_is_emailed_to_the_funder_address_typed(
    client: Client, settings: Settings, handed_on: list[int]
) -> None:
    s = await scene(client)
    document_id = await _ready_document(s.bid["id"], None)
    made = await client.post(
        f"/api/v1/documents/{document_id}/share-links",
        json={"label": "Grants team", "send_to": " Grants@Funder.example.org "},
        headers=s.convenor,
    )
    assert made.status_code == 201, made.text
    link = made.json()
    assert link["sent_to"] == "grants@funder.example.org"
    [message] = await outbox(kind="share_link")
    assert message["to_address"] == "grants@funder.example.org" and message["reply_to"] == s.convenor_email
    assert message["id"] in handed_on
    text = message["text_body"]
    assert link["url"] in text and s.bid["title"] in text and "version 3" in text and "ab" * 32 in text
    assert "http://testserver.local/api/v1/documents/verify?sha256=" + "ab" * 32 in text
    assert f'href="{link["url"]}"' in message["html_body"]
    page = await client.get(urlparse(link["url"]).path)
    assert page.status_code == 200
    # A bad address is refused before anything is made; no address: a link, and no message.
    links = await ShareLink.count()
    bad = await client.post(
        f"/api/v1/documents/{document_id}/share-links", json={"send_to": "grants at funder"}, headers=s.convenor
    )
    assert bad.status_code in {400, 422} and "send_to" in bad.text and await ShareLink.count() == links
    plain = await client.post(f"/api/v1/documents/{document_id}/share-links", json={}, headers=s.convenor)
    assert plain.status_code == 201 and plain.json()["sent_to"] is None
    assert len(await outbox(kind="share_link")) == 1


async def test_the_share_link_form_takes_the_funder_address(client: Client) -> None:
    s = await scene(client)
    document_id = await _ready_document(s.bid["id"], None)
    await sign_in(client, s.convenor_email)
    documents = f"/bids/{s.bid['id']}/documents"
    page = await client.get(documents)
    assert page.status_code == 200 and 'name="send_to"' in page.text
    form = {"label": "", "days": "30", "send_to": "not an address"}
    refused = await post_form(client, f"/documents/{document_id}/share-links", form, page=documents)
    assert refused.status_code == 422 and f'href="#send-to-{document_id}"' in refused.text
    assert await outbox(kind="share_link") == []
    form["send_to"] = "grants@funder.example.org"
    sent = await post_form(client, f"/documents/{document_id}/share-links", form, page=documents)
    assert sent.status_code == 201 and "We are emailing it to grants@funder.example.org" in text_of(sent.text)
    assert [m["to_address"] for m in await outbox(kind="share_link")] == ["grants@funder.example.org"]


async def test_a_ready_document_tells_its_convenor_and_each_member_once(client: Client, settings: Settings) -> None:
    s = await scene(client)
    creator = (await me(client, s.convenor))["user_id"]
    document_id = await _ready_document(s.bid["id"], creator)
    async with write_transaction():
        first = await notices.document_ready(settings, document_id)
    async with write_transaction():
        second = await notices.document_ready(settings, document_id)  # a render job run twice
    assert all(first) and not any(second)
    told = await outbox(kind="document_ready")
    assert sorted(m["to_address"] for m in told) == sorted([s.convenor_email, A_EMAIL, B_EMAIL])
    for message in told:
        assert_private(message, [A_AMOUNT, B_AMOUNT])
        if message["to_address"] == A_EMAIL:
            assert A_NAME in message["text_body"]
            assert_private(message, [B_NAME])
        if message["to_address"] == s.convenor_email:
            assert f"http://testserver.local/bids/{s.bid['id']}/documents" in message["text_body"]


async def test_a_rolled_back_change_leaves_no_message(client: Client, settings: Settings) -> None:
    s = await scene(client)
    before = len(await outbox())
    with pytest.raises(RuntimeError):
        async with write_transaction():
            assert all(await notices.pledge_changed(settings, int(s.a_pledge["id"]), "submit"))
            raise RuntimeError("the change failed after its messages were written")
    assert len(await outbox()) == before


async def test_the_invitations_page_says_sent_only_once_the_server_accepted_it(
    client: Client, settings: Settings, smtp_sink: SmtpSink
) -> None:
    network_id, headers = await convenor()
    convenor_email = (await me(client, headers))["email"]
    bid = await open_bid(client, headers, network_id)
    made = await client.post(
        f"/api/v1/bids/{bid['id']}/invitations",
        json={"emails": ["ana@ashbrook.example.org", "ben@birchwood.example.org"]},
        headers=headers,
    )
    assert made.status_code == 201
    await sign_in(client, convenor_email)
    page = await client.get(f"/bids/{bid['id']}/invitations")
    assert page.status_code == 200
    assert page.text.count(">Queued<") == 2 and "Sent " not in page.text
    ana, ben = await outbox(kind="invitation")
    # Ana's goes to a real SMTP server, which accepts it; Ben's address is refused.
    smtp_sink.refuse("ben@birchwood.example.org")
    sending = settings.with_changes(smtp_url=smtp_sink.url)
    await deliver_messages([ana["id"], ben["id"]], settings=sending)
    [received] = smtp_sink.wait_for(1)
    assert received.rcpt_tos == ("ana@ashbrook.example.org",)
    assert received.message["Reply-To"] == convenor_email
    text = received.message.get_body(("plain",))
    assert text is not None
    link = re.search(r"https?://\S+/invitations/\S+", text.get_content())
    assert link is not None and (await client.get(urlparse(link.group(0)).path)).status_code == 200
    sent = await OutboxMessage.select(OutboxMessage.sent_at).where(OutboxMessage.id == ana["id"]).first()
    assert sent is not None and sent["sent_at"] is not None
    page = await client.get(f"/bids/{bid['id']}/invitations")
    clock = sent["sent_at"].astimezone(UK).strftime("%H:%M")
    assert f">Sent {clock}<" in page.text
    failed = re.search(r">Failed: ([^<]+)<", page.text)
    assert failed is not None and "550" in failed.group(1)
    listed = (await client.get(f"/api/v1/bids/{bid['id']}/invitations", headers=headers)).json()
    states = {i["email"]: i["delivery"] for i in listed}
    assert states["ana@ashbrook.example.org"]["state"] == "sent"
    assert states["ben@birchwood.example.org"]["state"] == "failed"
    assert "550" in states["ben@birchwood.example.org"]["last_error"]
    # A message that failed for now and waits to be tried again says when.
    retry_at = utc_now() + timedelta(minutes=5)
    await OutboxMessage.update(
        {
            OutboxMessage.state: "queued",
            OutboxMessage.attempts: 1,
            OutboxMessage.next_attempt_at: retry_at,
            OutboxMessage.last_error: "421 Try later",
        }
    ).where(OutboxMessage.id == ben["id"])
    page = await client.get(f"/bids/{bid['id']}/invitations")
    assert f">Trying again at {retry_at.astimezone(UK):%H:%M}<" in page.text
