"""The whole journey in a real browser: a convenor sets up a bid, two members join and pledge (one by keyboard
alone), the convenor watches the figures change and makes the document, and a funder downloads and checks it.

Screenshots of every main page go to test-artifacts/screenshots/ (desktop and phone widths)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.server import CONVENOR_EMAIL, CONVENOR_PASSWORD, Server

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MEMBER_PASSWORD = "member password 2026"


def shot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def watch_console(page: Any, problems: list[str]) -> None:
    """Collect console errors (a CSP violation shows up here), script errors and failed requests for our own
    static files. Pages answering 4xx on purpose (a wrong password, a stranger's pledge) are not problems."""

    def console(message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def response(answer: Any) -> None:
        if "/static/" in answer.url and answer.status >= 400:
            problems.append(f"{answer.status} {answer.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", response)


def new_page(browser: Any, problems: list[str], viewport: dict[str, int] = DESKTOP) -> Any:
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)  # room for a busy test machine; HTMX answers in well under a second
    context = browser.new_context(viewport=viewport, accept_downloads=True, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch_console(page, problems)
    return page


def tab_to(page: Any, predicate: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches ``predicate`` (a JS expression over ``el``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({predicate}); }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def convenor_sets_up_the_bid(page: Any, server: Server, screenshots: Path) -> tuple[int, list[str]]:
    from playwright.sync_api import expect

    page.goto(server.base_url + "/")
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    shot(page, screenshots, "01-sign-in")
    page.get_by_label("Email address").fill(CONVENOR_EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error-summary")).to_contain_text("do not match")
    expect(page.get_by_label("Email address")).to_have_value(CONVENOR_EMAIL)  # kept after the error
    page.get_by_label("Password").fill(CONVENOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Bids", level=1)).to_be_visible()

    page.get_by_role("link", name="Start a new bid").click()
    page.get_by_label("Title of the bid").fill("Community Match Fund 2026")
    page.get_by_label("Funder", exact=True).fill("Department for Communities")
    page.get_by_label("Programme or funding call (optional)").fill("Community Match Challenge")
    page.get_by_label("Date", exact=True).fill((date.today() + timedelta(days=12)).isoformat())
    page.get_by_label("Time (24-hour clock)").fill("17:00")
    page.get_by_label("The most the funder will add (optional)").fill("2,000,000")
    page.get_by_label("Themes (optional)").fill("Tackling loneliness\nFood security\nDigital inclusion")
    shot(page, screenshots, "02-new-bid")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Eligibility rules")).to_be_visible()
    bid_id = int(re.search(r"/bids/(\d+)/rules", page.url).group(1))  # type: ignore[union-attr]

    page.get_by_label("Minimum pledge").check()
    page.get_by_label("Smallest pledge a member can make").fill("1,000")
    expect(page.locator("#preview-min_pledge")).to_contain_text("Each member pledges at least £1,000")  # live, HTMX
    page.get_by_label("Board approval").check()
    page.get_by_label("Where the money goes").check()
    page.get_by_label("England (all of it)").check()
    expect(page.locator("#preview-allowed_areas")).to_contain_text("Pledges only in England")
    page.get_by_label("Minimum members").check()
    page.get_by_label("Fewest members").fill("2")
    page.get_by_label("Minimum total").check()
    page.get_by_label("Smallest total of eligible pledges").fill("10000")
    expect(page.locator("#preview-min_total")).to_contain_text("at least £10,000")
    shot(page, screenshots, "03-rules")
    page.get_by_role("button", name="Save rules").click()
    expect(page.locator(".banner")).to_contain_text("Rules saved: 5 in use")

    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.get_by_role("button", name="Open for pledges").click()
    expect(page.locator(".banner")).to_contain_text("The bid is open")

    page.get_by_role("link", name="Invitations").click()
    page.get_by_label("Email addresses").fill("ana@ashbrook.example.org, ben@pennine.example.org")
    page.get_by_role("button", name="Create invitation links").click()
    expect(page.get_by_role("heading", name="2 invitation links ready")).to_be_visible()
    links = [field.input_value() for field in page.locator(".copy-box__input").all()]
    assert len(links) == 2 and all("/invitations/" in link for link in links)
    shot(page, screenshots, "04-invitations")
    return bid_id, links


def member_joins(
    page: Any, server: Server, link: str, name: str, organisation: str, district: str, screenshots: Path | None = None
) -> int:
    from playwright.sync_api import expect

    page.goto(link)
    expect(page.get_by_role("heading", name="Join ‘Community Match Fund 2026’")).to_be_visible()
    if screenshots:
        shot(page, screenshots, "04b-accept-invitation")
    page.get_by_label("Your full name").fill(name)
    page.get_by_label("Choose a password").fill(MEMBER_PASSWORD)
    page.get_by_label("Organisation name").fill(organisation)
    page.get_by_label("Housing association").check()
    page.get_by_label("Homes you manage (optional)").fill("2400")
    page.get_by_role("button", name="Join the bid").click()
    expect(page.locator(".banner")).to_contain_text("You have joined")
    bid_id = int(re.search(r"/bids/(\d+)$", page.url).group(1))  # type: ignore[union-attr]

    page.get_by_role("link", name="Say where you work").click()
    page.get_by_label("Find a district to add").fill(district[:5])
    add = page.get_by_role("button", name=f"Add {district}", exact=True)
    expect(add).to_be_visible()  # HTMX search results as they type
    add.click()
    expect(page.locator(".banner")).to_contain_text("covers 1 district")
    page.get_by_label(f"Homes in {district}").fill("1,200")
    page.get_by_role("button", name="Save districts and homes").click()
    expect(page.locator(".banner")).to_contain_text("Saved")
    expect(page.get_by_label(f"Homes in {district}")).to_have_value("1200")
    return bid_id


def test_the_whole_journey(server: Server, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    problems: list[str] = []
    convenor = new_page(browser, problems)
    bid_id, links = convenor_sets_up_the_bid(convenor, server, screenshots)

    # --- the first member joins, maps its coverage and pledges with the mouse -------------------------------------
    ana = new_page(browser, problems)
    member_joins(ana, server, links[0], "Ana Ashbrook", "Ashbrook Homes", "Leeds", screenshots)
    shot(ana, screenshots, "05-coverage")
    ana.goto(f"{server.base_url}/bids/{bid_id}")
    shot(ana, screenshots, "06-member-bid-before-pledge")
    ana.locator(".task-list").get_by_role("link", name="Make your pledge").click()
    ana.get_by_label("How much does your organisation pledge?").fill("500")
    ana.get_by_label("Tackling loneliness").check()
    ana.get_by_role("button", name="Submit pledge").click()
    expect(ana.locator(".banner")).to_contain_text("submitted")
    ana_pledge = int(re.search(r"/pledges/(\d+)$", ana.url).group(1))  # type: ignore[union-attr]
    ana.goto(f"{server.base_url}/bids/{bid_id}")
    # Below the £1,000 minimum and without board approval: the member sees what to change.
    expect(ana.locator(".fix-list")).to_contain_text("the minimum is £1,000")
    expect(ana.locator(".fix-list")).to_contain_text("no board approval")
    shot(ana, screenshots, "07-member-bid-what-to-change")
    ana.goto(f"{server.base_url}/pledges/{ana_pledge}")
    ana.get_by_label("How much does your organisation pledge?").fill("6,000")
    ana.get_by_label("Our board (or whoever signs off spending) has approved this pledge").check()
    ana.get_by_role("button", name="Save changes").click()
    expect(ana.locator(".banner")).to_contain_text("Your changes are saved")
    shot(ana, screenshots, "08-pledge")

    # --- the convenor's dashboard is open while the second member pledges ----------------------------------------
    convenor.goto(f"{server.base_url}/bids/{bid_id}")
    expect(convenor.locator("#live-figures")).to_contain_text("£6,000")

    ben = new_page(browser, problems)
    member_joins(ben, server, links[1], "Ben Pennine", "Pennine Housing", "Bradford")
    ben.goto(f"{server.base_url}/bids/{bid_id}/pledge")
    # By keyboard alone: Tab to each field, type, Space for checkboxes, Enter on the button.
    tab_to(ben, "el.id === 'amount'")
    outline = ben.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused field must show where focus is"
    ben.keyboard.type("7,500")
    tab_to(ben, "el.name === 'themes'")
    ben.keyboard.press("Space")
    tab_to(ben, "el.id === 'board_approved'")
    ben.keyboard.press("Space")
    tab_to(ben, "el.tagName === 'BUTTON' && el.textContent.includes('Submit pledge')")
    ben.keyboard.press("Enter")
    expect(ben.locator(".banner")).to_contain_text("submitted")
    ben_pledge = int(re.search(r"/pledges/(\d+)$", ben.url).group(1))  # type: ignore[union-attr]

    # The convenor's figures update by themselves (HTMX polling), no reload.
    expect(convenor.locator("#live-figures")).to_contain_text("£13,500", timeout=20_000)
    expect(convenor.locator("#live-figures")).to_contain_text("The bid meets every rule")
    expect(convenor.locator("#live-members")).to_contain_text("Pennine Housing", timeout=30_000)
    shot(convenor, screenshots, "09-dashboard")

    # "What if this member withdraws?" from the (live) member table, then from the form after a reload.
    convenor.get_by_role("link", name="What if they withdraw? (Pennine Housing)").click()
    expect(convenor.locator("#what-if-result")).to_contain_text("If Pennine Housing withdrew")
    expect(convenor.locator("#what-if-result")).to_contain_text("no longer meet every rule")
    expect(convenor.locator("#what-if-heading")).to_be_focused()
    convenor.reload()
    convenor.get_by_label("Choose a member to see how the bid would change without them").select_option(
        label="Ashbrook Homes"
    )
    convenor.get_by_role("button", name="Show what would change").click()
    expect(convenor.locator("#what-if-result")).to_contain_text("If Ashbrook Homes withdrew")
    convenor.locator("#what-if").scroll_into_view_if_needed()
    shot(convenor, screenshots, "10-dashboard-what-if")

    # A member cannot open another member's pledge by its address.
    response = ana.goto(f"{server.base_url}/pledges/{ben_pledge}")
    assert response is not None and response.status == 404
    expect(ana.get_by_role("heading", name="We could not find that")).to_be_visible()
    expect(ana.locator("main")).not_to_contain_text("7,500")
    shot(ana, screenshots, "11-not-found")

    # --- the document, a share link, and the funder --------------------------------------------------------------
    convenor.get_by_role("link", name="Bid document").click()
    convenor.get_by_role("button", name="Make the bid document").click()
    try:
        expect(convenor.get_by_role("link", name=re.compile("Download the PDF"))).to_be_visible(timeout=90_000)
    except AssertionError:
        print(convenor.locator("main").inner_text(), server.log()[-5000:])
        raise
    convenor.get_by_label("Who is it for? (optional)").fill("Grants team")
    convenor.get_by_role("button", name=re.compile("Create a share link")).click()
    share_url = convenor.locator("#share-link-url").input_value()
    assert "/shared/" in share_url
    shot(convenor, screenshots, "12-documents")

    funder = new_page(browser, problems)
    funder.goto(share_url)
    expect(funder.get_by_role("heading", name="Community Match Fund 2026")).to_be_visible()
    with funder.expect_download() as download_info:
        funder.get_by_role("link", name="Download the PDF").click()
    pdf_path = Path(download_info.value.path())
    assert pdf_path.read_bytes().startswith(b"%PDF")
    funder.set_input_files("#pdf", str(pdf_path))
    funder.get_by_role("button", name="Check the file").click()
    expect(funder.locator("#check")).to_contain_text("This is exactly the document shared through this link")
    shot(funder, screenshots, "13-funder")

    # --- lock and unlock ------------------------------------------------------------------------------------------
    convenor.get_by_role("link", name="Dashboard", exact=True).click()
    convenor.get_by_role("button", name="Lock the bid").click()
    # It asks first, saying what will happen (issue 12); Cancel would go back to the dashboard.
    expect(convenor.locator("h1")).to_contain_text("Lock ‘")
    expect(convenor.get_by_role("link", name="Cancel")).to_have_attribute("href", f"/bids/{bid_id}")
    shot(convenor, screenshots, "13b-confirm-lock")
    convenor.get_by_role("button", name="Lock the bid").click()
    expect(convenor.locator(".banner")).to_contain_text("locked")
    convenor.get_by_role("button", name="Unlock").click()
    expect(convenor.locator(".banner")).to_contain_text("open again")

    # --- phone width ----------------------------------------------------------------------------------------------
    for page, path, name in [
        (convenor, f"/bids/{bid_id}", "14-phone-dashboard"),
        (ben, f"/pledges/{ben_pledge}", "15-phone-pledge"),
        (ana, f"/bids/{bid_id}", "16-phone-member-bid"),
    ]:
        page.set_viewport_size(PHONE)
        page.goto(server.base_url + path)
        shot(page, screenshots, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"{path} scrolls sideways on a phone ({width}px)"
    # On a phone the member table is a list of cards: what each member is missing is on screen, not scrolled away.
    missing = convenor.locator("#live-members td[data-label='Missing']").first
    box = missing.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"], box

    blocked = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert not blocked, blocked
    assert not problems, problems
