"""The development mail page: what was written to the mail folder, newest first, each message's text and its HTML
shown safely; only without an SMTP URL and outside production, and only to people signed in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from litestar import Litestar

from consortium.app import create_app
from consortium.mail.delivery import deliver_messages
from consortium.mail.tables import OutboxMessage
from consortium.settings import Settings
from consortium.timeutil import utc_now
from tests.factories import convenor, open_bid
from tests.mail.rows import queue
from tests.web.helpers import text_of

HOSTILE_NAME = '<script>alert("x")</script> Homes'


@pytest.fixture
def app(file_settings: Settings) -> Litestar:
    return create_app(file_settings)


@pytest.fixture
async def network(client: httpx.AsyncClient) -> tuple[int, dict[str, str]]:
    return await convenor(email="jo@example.org")


@pytest.fixture
def signed_in(network: tuple[int, dict[str, str]]) -> dict[str, str]:
    return network[1]


@pytest.fixture
async def bid_id(client: httpx.AsyncClient, network: tuple[int, dict[str, str]]) -> int:
    """A bid of the signed-in convenor's network: its messages are theirs to read here."""
    return int((await open_bid(client, network[1], network[0]))["id"])


async def other_app_client(settings: Settings) -> httpx.AsyncClient:
    """The same database behind an app with other settings (the test's own client keeps the engine running)."""
    transport = httpx.ASGITransport(app=create_app(settings), client=("127.0.0.1", 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


@pytest.fixture
async def two_messages(file_settings: Settings, bid_id: int) -> AsyncIterator[tuple[int, int]]:
    older = await queue(
        file_settings, "ana@example.org", to_name="Ana Ashbrook", subject="Welcome to the bid", bid_id=bid_id
    )
    await OutboxMessage.update({OutboxMessage.created_at: utc_now() - timedelta(minutes=5)}).where(
        OutboxMessage.id == older
    )
    newer = await queue(
        file_settings,
        "ben@example.org",
        to_name=HOSTILE_NAME,
        kind="reminder",
        subject="3 days left",
        bid_id=bid_id,
        html=f"<p>Dear {HOSTILE_NAME.replace('<', '&lt;')}</p><script>alert(1)</script>",
    )
    await deliver_messages([newer], settings=file_settings)
    yield older, newer


async def test_the_list_shows_each_message_newest_first_with_its_kind_and_state(
    client: httpx.AsyncClient, signed_in: dict[str, str], two_messages: tuple[int, int], file_settings: Settings
) -> None:
    page = await client.get("/dev/mail", headers=signed_in)

    assert page.status_code == 200
    words = text_of(page.text)
    assert "if you run a network, every message about its bids" in words
    assert file_settings.mail_dir in words
    newer_at, older_at = words.index("3 days left"), words.index("Welcome to the bid")
    assert newer_at < older_at
    assert "Deadline reminder" in words and "Welcome after joining" not in words  # kinds by their names
    assert "Invitation to join a bid" in words
    assert "Written to the mail folder" in words and "Waiting to go" in words
    assert "<script>alert" not in page.text  # the member's name is shown as text, never as markup
    assert HOSTILE_NAME in words
    older, newer = two_messages
    assert re.findall(r'href="/dev/mail/(\d+)"', page.text) == [str(newer), str(older)]


async def test_a_message_page_shows_its_headers_text_and_html_in_a_sandbox(
    client: httpx.AsyncClient, signed_in: dict[str, str], two_messages: tuple[int, int], file_settings: Settings
) -> None:
    _, newer = two_messages
    page = await client.get(f"/dev/mail/{newer}", headers=signed_in)

    assert page.status_code == 200
    words = text_of(page.text)
    stored = await OutboxMessage.objects().where(OutboxMessage.id == newer).first()
    assert stored is not None
    assert stored.message_id in words
    assert "Reply-To Jo Convenor <jo@example.org>" in words
    assert "Hello, Please join the bid." in words
    assert "Deadline reminder" in words
    assert file_settings.mail_dir in words  # the .eml file it was written to
    assert f'<iframe src="/dev/mail/{newer}/html" sandbox=""' in page.text
    assert "<script>alert" not in page.text

    framed = await client.get(f"/dev/mail/{newer}/html", headers=signed_in)
    assert framed.status_code == 200
    assert framed.text.startswith("<p>Dear &lt;script")
    policy = framed.headers["content-security-policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert "script-src" not in policy  # so scripts fall under default-src 'none'
    assert framed.headers["x-frame-options"] == "SAMEORIGIN"


async def test_a_message_still_queued_is_shown_as_it_will_be_written(
    client: httpx.AsyncClient, signed_in: dict[str, str], two_messages: tuple[int, int]
) -> None:
    older, _ = two_messages
    page = await client.get(f"/dev/mail/{older}", headers=signed_in)
    assert page.status_code == 200
    assert "Not written yet" in text_of(page.text)
    assert (await client.get("/dev/mail/999999", headers=signed_in)).status_code == 404


async def test_only_people_signed_in_see_it(client: httpx.AsyncClient, two_messages: tuple[int, int]) -> None:
    for path in ("/dev/mail", f"/dev/mail/{two_messages[1]}", f"/dev/mail/{two_messages[1]}/html"):
        answer = await client.get(path, headers={"accept": "text/html"})
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in")


@pytest.mark.parametrize(
    "changes",
    [{"smtp_url": "smtp://127.0.0.1:2525"}, {"environment": "production"}],
    ids=["with an SMTP URL", "in production"],
)
async def test_the_page_does_not_exist_with_a_mail_server_or_in_production(
    client: httpx.AsyncClient,
    signed_in: dict[str, str],
    two_messages: tuple[int, int],
    file_settings: Settings,
    changes: dict[str, str],
) -> None:
    async with await other_app_client(file_settings.with_changes(**changes)) as other:
        for path in ("/dev/mail", f"/dev/mail/{two_messages[1]}", f"/dev/mail/{two_messages[1]}/html"):
            assert (await other.get(path, headers=signed_in)).status_code == 404


async def test_the_footer_links_to_it_only_in_development(
    client: httpx.AsyncClient, signed_in: dict[str, str], file_settings: Settings
) -> None:
    link = '<a href="/dev/mail">Mail sent in development</a>'
    async with await other_app_client(file_settings.with_changes(environment="development")) as development:
        assert link in (await development.get("/bids", headers=signed_in)).text
    async with await other_app_client(
        file_settings.with_changes(environment="development", smtp_url="smtp://127.0.0.1:2525")
    ) as with_server:
        assert link not in (await with_server.get("/bids", headers=signed_in)).text
    async with await other_app_client(file_settings.with_changes(environment="production")) as production:
        assert link not in (await production.get("/bids", headers=signed_in)).text
    assert link not in (await client.get("/bids", headers=signed_in)).text  # the test environment


async def test_each_person_sees_only_their_own_messages_and_a_convenor_those_of_their_bids(
    client: httpx.AsyncClient, two_messages: tuple[int, int], file_settings: Settings
) -> None:
    _, elsewhere = await convenor(name="Another Network", email="ana@example.org")
    own = await client.get("/dev/mail", headers=elsewhere)
    assert own.status_code == 200
    assert "Welcome to the bid" in own.text  # sent to ana@example.org
    assert "3 days left" not in own.text  # to ben@example.org, about a bid of another network
    older, newer = two_messages
    assert (await client.get(f"/dev/mail/{older}", headers=elsewhere)).status_code == 200
    for path in (f"/dev/mail/{newer}", f"/dev/mail/{newer}/html"):
        assert (await client.get(path, headers=elsewhere)).status_code == 404
