"""The words of every message (consortium.mail.compose): both bodies render, names members typed are escaped in the
HTML and kept as typed in the text, subjects are one line, times are UK time, links are absolute."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from consortium.mail import compose
from consortium.mail.compose import BidFacts
from consortium.mail.outbox import MESSAGE_KINDS, Composed
from consortium.settings import Settings

SETTINGS = Settings(base_url="https://bids.example.org")
HOSTILE = '<script>alert("x")</script> & <b>Homes</b>'
DEADLINE = datetime(2026, 7, 3, 11, 0, tzinfo=UTC)  # 12:00 noon BST
EXPIRES = datetime(2026, 12, 18, 15, 30, tzinfo=UTC)  # 15:30 GMT


def facts(name: str = "Ashbrook Homes Network", title: str = "Community Match Fund 2026") -> BidFacts:
    return BidFacts(
        title=title,
        network_name=name,
        funder_name="Department for Communities",
        programme="Community Match Challenge",
        deadline=DEADLINE,
    )


def every_message(bid: BidFacts, organisation: str) -> dict[str, Composed]:
    """One of every kind this module writes (reminders are written elsewhere), with ``organisation`` as the name."""
    url = f"{SETTINGS.base_url}/bids/7"
    return {
        "invitation": compose.invitation(
            SETTINGS, bid=bid, inviter_name=organisation, url=f"{SETTINGS.base_url}/invitations/tok", expires_at=EXPIRES
        ),
        "invitation_replaced": compose.invitation(
            SETTINGS,
            bid=bid,
            inviter_name=organisation,
            url=f"{SETTINGS.base_url}/invitations/tok",
            expires_at=EXPIRES,
            replaced=True,
        ),
        "welcome": compose.welcome(
            SETTINGS,
            bid=bid,
            person_name=organisation,
            organisation_name=organisation,
            bid_url=url,
            organisation_url=f"{SETTINGS.base_url}/organisations/3",
        ),
        "pledge_submitted": compose.pledge_submitted(
            SETTINGS, bid=bid, organisation_name=organisation, amount_pence=1_234_567, url=url, for_convenor=True
        ),
        "pledge_withdrawn": compose.pledge_withdrawn(
            SETTINGS, bid=bid, organisation_name=organisation, amount_pence=1_234_567, url=url, for_convenor=False
        ),
        "bid_locked": compose.bid_locked(SETTINGS, bid=bid, organisation_name=organisation, url=url),
        "document_ready": compose.document_ready(
            SETTINGS, bid=bid, version=2, url=url, for_convenor=False, organisation_name=organisation
        ),
        "share_link": compose.share_link(
            SETTINGS,
            bid=bid,
            sender_name=organisation,
            version=2,
            url=f"{SETTINGS.base_url}/shared/tok",
            expires_at=EXPIRES,
            pdf_sha256="ab" * 32,
            verify_url=f"{SETTINGS.base_url}/api/v1/documents/verify?sha256={'ab' * 32}",
        ),
        "sign_off_request": compose.sign_off_request(
            SETTINGS,
            bid=bid,
            version=2,
            pdf_sha256="ab" * 32,
            organisation_name=organisation,
            url=f"{url}/sign-off",
            message=organisation,
            last_signed_version=1,
            changes=[f"{organisation}: pledge changed"],
        ),
    }


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [value or "" for name, value in attrs if name == "href"]


def parsed(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def test_every_kind_is_written_and_each_is_a_known_kind() -> None:
    messages = every_message(facts(), "Ashbrook Homes")
    # Reminders are written elsewhere; a team invitation is about no bid (tests/teams/test_services.py).
    assert set(messages) | {"reminder", "team_invitation"} == set(MESSAGE_KINDS)
    for kind, message in messages.items():
        assert message.subject and "\n" not in message.subject, kind
        assert message.text.strip() and "<" not in message.text, kind  # plain text, no markup
        assert message.html.lstrip().startswith("<!DOCTYPE html>") and "</html>" in message.html, kind
        assert "Reply to this message to reach the convenor" in message.text, kind


@pytest.mark.parametrize("where", ["organisation", "network", "title"])
def test_names_members_type_are_escaped_in_html_and_kept_in_text(where: str) -> None:
    bid = facts(
        name=HOSTILE if where == "network" else "Ashbrook Homes Network",
        title=HOSTILE if where == "title" else "Community Match Fund 2026",
    )
    messages = every_message(bid, HOSTILE if where == "organisation" else "Ashbrook Homes")
    for kind, message in messages.items():
        assert "<script>" not in message.html and "<b>Homes</b>" not in message.html, kind
        assert "script" not in parsed(message.html).tags and "b" not in parsed(message.html).tags, kind
        if HOSTILE in message.text:  # where the name appears, it appears escaped in the HTML
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;Homes&lt;/b&gt;" in message.html, (
                kind
            )
    # Every message names the bid, and most name the organisation or the person acting: the name is really there.
    assert sum(HOSTILE in m.text for m in messages.values()) >= 6


def test_a_name_with_a_line_break_cannot_start_a_header_of_its_own() -> None:
    message = compose.bid_locked(
        SETTINGS, bid=facts(title="Fund\r\nBcc: everyone@example.org"), organisation_name="A", url="https://x"
    )
    assert message.subject == "Fund Bcc: everyone@example.org is locked: no more changes"


def test_the_invitation_says_who_what_by_when_and_until_when_in_uk_time() -> None:
    message = every_message(facts(), "Casey Convenor")["invitation"]
    assert message.subject == "Ashbrook Homes Network invites you to join a bid: Community Match Fund 2026"
    for body in (message.text, message.html):
        assert "Casey Convenor of Ashbrook Homes Network invites your organisation" in body
        assert "Department for Communities (Community Match Challenge)" in body
        assert "Friday 3 July 2026 at 12:00 BST" in body  # the deadline, in UK summer time
        assert "Friday 18 December 2026 at 15:30 GMT" in body  # the link's expiry, in UK winter time
    assert "https://bids.example.org/invitations/tok" in message.text
    assert "https://bids.example.org/invitations/tok" in parsed(message.html).hrefs
    replaced = every_message(facts(), "Casey Convenor")["invitation_replaced"]
    assert replaced.subject == "New invitation link: Community Match Fund 2026"
    assert "The link you were sent before no longer works" in replaced.text


def test_a_member_is_told_only_of_its_own_pledge_and_a_convenor_of_the_member() -> None:
    own = compose.pledge_submitted(
        SETTINGS, bid=facts(), organisation_name="Ashbrook Homes", amount_pence=1_234_567, url="u", for_convenor=False
    )
    assert own.subject == "Your pledge is submitted: Community Match Fund 2026"
    assert "Your pledge of £12,345.67 from Ashbrook Homes" in own.text
    told = compose.pledge_withdrawn(
        SETTINGS, bid=facts(), organisation_name="Ashbrook Homes", amount_pence=500_000, url="u", for_convenor=True
    )
    assert told.subject == "Ashbrook Homes withdrew its pledge: Community Match Fund 2026"
    assert "Ashbrook Homes has withdrawn its pledge of £5,000" in told.text


def test_every_link_in_every_html_body_is_absolute() -> None:
    for kind, message in every_message(facts(), "Ashbrook Homes").items():
        hrefs = parsed(message.html).hrefs
        assert hrefs, kind
        assert all(href.startswith("https://bids.example.org/") for href in hrefs), (kind, hrefs)


def test_the_share_link_carries_the_version_its_fingerprint_and_how_to_check_it() -> None:
    message = every_message(facts(), "Casey Convenor")["share_link"]
    assert message.subject == (
        "Ashbrook Homes Network has shared its bid with you: Community Match Fund 2026 (version 2)"
    )
    assert "ab" * 32 in message.text and "ab" * 32 in message.html
    assert "certutil -hashfile bid.pdf SHA256" in message.text and "shasum -a 256 bid.pdf" in message.text
    assert f"https://bids.example.org/api/v1/documents/verify?sha256={'ab' * 32}" in message.text
