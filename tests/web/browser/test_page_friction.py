"""Friction a person hits on the pages, in a real browser: a convenor whose browser speaks US English (and sits in
New York) types the deadline as a UK date and 24-hour time; typing a rule's figure ticks the rule; a member on a phone
reads the member rules before the Submit button; the live dashboard says when it has lost the connection, and clears
that when the connection is back."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.web.browser.server import CONVENOR_EMAIL, CONVENOR_PASSWORD, Server
from tests.web.browser.test_journey import DESKTOP, PHONE, new_page, shot, watch_console

pytestmark = pytest.mark.browser

TITLE = "Warm Homes Match 2027"
UK = ZoneInfo("Europe/London")
LIVE_POLL = re.compile(r"/bids/\d+/live/")
LOST = re.compile(r"^Lost connection at (\d\d):(\d\d) — these figures may be out of date\. Retrying…$")


def us_page(browser: Any, problems: list[str]) -> Any:
    """A page in a browser set to US English in New York: its own date and time inputs would read 06/26/2026 and
    05:00 PM, and its clock is five hours behind the UK's."""
    context = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="America/New_York")
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch_console(page, problems)
    return page


def convenor_makes_a_bid(page: Any, server: Server, screenshots: Path) -> tuple[int, date]:
    from playwright.sync_api import expect

    page.goto(server.base_url + "/sign-in")
    page.get_by_label("Email address").fill(CONVENOR_EMAIL)
    page.get_by_label("Password").fill(CONVENOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(server.base_url + "/bids/new")
    page.get_by_label("Title of the bid").fill(TITLE)
    page.get_by_label("Funder", exact=True).fill("Energy Trust")
    day, at = page.get_by_label("Date", exact=True), page.get_by_label("Time (24-hour clock)")
    # Plain text fields, so the US browser shows neither its month-first date nor its 12-hour clock.
    expect(day).to_have_attribute("type", "text")
    expect(at).to_have_attribute("type", "text")
    deadline = date.today() + timedelta(days=20)
    day.fill(deadline.strftime("%d/%m/%Y"))
    at.fill("17:00")
    reads = f"That is {deadline:%A} {deadline.day} {deadline:%B %Y} at 17:00, UK time."
    expect(page.locator("#deadline-reads")).to_have_text(reads)  # said back in words as it is typed
    shot(page, screenshots, "20-us-browser-deadline")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Eligibility rules")).to_be_visible()
    bid_id = int(re.search(r"/bids/(\d+)/rules", page.url).group(1))  # type: ignore[union-attr]

    # Typing a figure (or choosing an option) ticks its rule; the rule is then shown in words as in use.
    page.get_by_label("Fewest members").fill("1")
    expect(page.get_by_label("Minimum members")).to_be_checked()
    expect(page.locator("#preview-min_members")).to_have_text(
        "At least 1 member has joined and meets every member rule"
    )
    page.get_by_label("Smallest pledge a member can make").fill("1,000")
    expect(page.get_by_label("Minimum pledge")).to_be_checked()
    expect(page.locator("#preview-min_pledge")).not_to_contain_text("not in use yet")
    page.locator("#rule-allowed_org_types-org_types").check()  # Housing association
    expect(page.get_by_label("Types of organisation")).to_be_checked()
    # Unticking stays the convenor's choice: typing again does not fight it once the figure is there.
    page.get_by_label("Minimum members").uncheck()
    expect(page.locator("#preview-min_members")).to_contain_text("not in use yet", timeout=10_000)
    page.get_by_label("Minimum members").check()
    expect(page.locator("#preview-min_members")).not_to_contain_text("not in use yet")
    shot(page, screenshots, "21-rules-ticked-by-typing")
    page.get_by_role("button", name="Save rules").click()
    expect(page.locator(".banner")).to_contain_text("Rules saved: 3 in use")

    page.get_by_role("link", name="Bid details").click()
    expect(page.get_by_label("Date", exact=True)).to_have_value(deadline.strftime("%d/%m/%Y"))
    expect(page.get_by_label("Time (24-hour clock)")).to_have_value("17:00")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.get_by_role("button", name="Open for pledges").click()
    expect(page.locator(".action-bar")).to_contain_text(f"{deadline.day} {deadline:%B %Y} at 17:00")
    return bid_id, deadline


def member_joins(page: Any, link: str) -> None:
    from playwright.sync_api import expect

    page.goto(link)
    expect(page.get_by_role("heading", name=f"Join ‘{TITLE}’")).to_be_visible()
    page.get_by_label("Your full name").fill("Cara Calder")
    page.get_by_label("Choose a password").fill("member password 2026")
    page.get_by_label("Organisation name").fill("Calder Valley Homes")
    page.get_by_label("Housing association").check()
    page.get_by_role("button", name="Join the bid").click()
    expect(page.locator(".banner")).to_contain_text("You have joined")


def test_pages_a_person_does_not_trip_over(server: Server, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    problems: list[str] = []
    convenor = us_page(browser, problems)
    bid_id, _ = convenor_makes_a_bid(convenor, server, screenshots)
    convenor.get_by_role("link", name="Invitations").click()
    convenor.get_by_label("Email addresses").fill("cara@calder.example.org")
    convenor.get_by_role("button", name="Create invitation links").click()
    link = convenor.locator(".copy-box__input").first.input_value()

    # --- a member on a phone reads the member rules before the Submit button ---------------------------------------
    member = new_page(browser, problems, PHONE)
    member_joins(member, link)
    member.goto(f"{server.base_url}/bids/{bid_id}/pledge")
    rules = member.locator(".aside-box")
    expect(rules).to_contain_text("Each member pledges at least £1,000")
    submit = member.get_by_role("button", name="Submit pledge")
    rules_box, submit_box = rules.bounding_box(), submit.bounding_box()
    assert rules_box and submit_box and rules_box["y"] + rules_box["height"] <= submit_box["y"], (rules_box, submit_box)
    assert member.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot(member, screenshots, "22-phone-pledge-rules-first")
    member.set_viewport_size(DESKTOP)  # on a wide screen the rules sit on the right of the form
    rules_box, amount_box = rules.bounding_box(), member.locator("#amount").bounding_box()
    assert rules_box and amount_box and rules_box["x"] > amount_box["x"] + amount_box["width"], (rules_box, amount_box)

    # --- the live dashboard loses its connection, says so, and clears that when it is back ------------------------
    convenor.goto(f"{server.base_url}/bids/{bid_id}")
    status, figures = convenor.locator("#live-status"), convenor.locator("#live-figures")
    expect(status).to_have_text("")
    before_the_cut = len(problems)
    convenor.route(LIVE_POLL, lambda route: route.abort("internetdisconnected"))
    expect(status).to_have_text(LOST, timeout=20_000)
    said = LOST.match(status.inner_text())
    assert said
    # The time is UK time, though this browser's clock is New York's.
    lost_at = datetime.now(UK).replace(hour=int(said.group(1)), minute=int(said.group(2)), second=0, microsecond=0)
    assert abs((datetime.now(UK) - lost_at).total_seconds()) < 180, (said.group(0), datetime.now(UK))
    expect(figures).to_have_class(re.compile(r"live-region--stale"))
    shot(convenor, screenshots, "23-dashboard-lost-connection")

    member.get_by_label("How much does your organisation pledge?").fill("2,500")
    member.get_by_role("button", name="Submit pledge").click()
    expect(member.locator(".banner")).to_contain_text("submitted")
    expect(figures).not_to_contain_text("£2,500")  # still cut off: the notice is what tells the convenor

    convenor.unroute(LIVE_POLL)
    expect(figures).to_contain_text("£2,500", timeout=20_000)
    expect(status).to_have_text("")
    expect(convenor.locator("#live-figures")).not_to_have_class(re.compile(r"live-region--stale"))
    # While cut off, HTMX logs each failed poll to the console: expected then, and only then.
    cut_off = problems[before_the_cut:]
    del problems[before_the_cut:]
    assert cut_off and all(p.startswith(("htmx:sendError", "htmx:afterRequest")) for p in cut_off), cut_off

    assert not problems, problems
