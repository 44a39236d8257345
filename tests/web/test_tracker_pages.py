"""The member tracker page: a plain GET form and sort links that work without JavaScript, an HTMX fragment of the
rows, cards on a phone, convenors only, and no draft's amount or words in the page, the fragment or a download."""

from __future__ import annotations

import re

from tests.bids.test_tracker import ALL, DRAFT_TEXTS, TrackerBid, build_tracker_bid
from tests.factories import Client
from tests.web.helpers import sign_in, text_of
from tests.web.seed import seed_large_bid

PASSWORD = "a long convenor password"
CARD = 'class="tracker-card tracker-card--'


def row_names(html: str) -> list[str]:
    return re.findall(r'<th scope="row" class="table__name tracker-card__name">([^<]*)</th>', html)


def assert_no_draft(text: str) -> None:
    for needle in DRAFT_TEXTS:
        assert needle not in text, needle


async def test_the_page_works_with_a_plain_get(client: Client) -> None:
    t: TrackerBid = await build_tracker_bid(client)
    page = await client.get(f"/bids/{t.bid_id}/tracker", headers=t.conv)
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert html.lstrip().lower().startswith("<!doctype html")
    assert row_names(html) == ALL
    words = text_of(html)
    assert "Track members" in words and "From invitation to eligible" in words
    # The funnel: invited 8 -> joined 5 -> pledged 3 -> submitted 2 -> eligible 1.
    counts = re.findall(r'<span class="tracker-funnel__count">([\d,]+)</span>', html)
    assert counts == ["8", "5", "3", "2", "1"]
    # No JavaScript needed: a GET form of filters and links that sort; nothing inline for the CSP to block.
    assert f'<form method="get" action="/bids/{t.bid_id}/tracker"' in html
    assert f'href="/bids/{t.bid_id}/tracker?sort=pledged"' in html
    assert f'href="/bids/{t.bid_id}/tracker?order=desc"' in html  # by name, the other way
    assert ' style="' not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert_no_draft(html)
    assert "Draft, not submitted" in words and "1 draft pledge not submitted yet" in words

    filtered = await client.get(f"/bids/{t.bid_id}/tracker?stage=submitted&sort=pledged&order=desc", headers=t.conv)
    assert row_names(filtered.text) == ["Eligible Homes", "Short Homes"]
    assert 'aria-sort="descending"' in filtered.text
    assert "Showing 2 of 8 organisations" in text_of(filtered.text)
    # The downloads carry the same query.
    assert f'href="/bids/{t.bid_id}/tracker.csv?stage=submitted&amp;sort=pledged&amp;order=desc"' in filtered.text
    searched = await client.get(f"/bids/{t.bid_id}/tracker?q=PULLED", headers=t.conv)
    assert row_names(searched.text) == ["Pulled Homes"]
    assert "Withdrawn after submitting (not counted)" in text_of(searched.text)
    failing = await client.get(f"/bids/{t.bid_id}/tracker?rule=min_pledge&sort=name&order=desc", headers=t.conv)
    assert row_names(failing.text) == ["Short Homes", "Pulled Homes", "Idle Homes", "Drafty Homes"]

    bad = await client.get(f"/bids/{t.bid_id}/tracker?stage=everyone", headers=t.conv)
    assert bad.status_code == 422 and "stage" in text_of(bad.text)

    # The dashboard links to it.
    dashboard = await client.get(f"/bids/{t.bid_id}", headers=t.conv)
    assert f'href="/bids/{t.bid_id}/tracker"' in dashboard.text


async def test_htmx_gets_only_the_rows(client: Client) -> None:
    t = await build_tracker_bid(client)
    fragment = await client.get(f"/bids/{t.bid_id}/tracker?stage=draft", headers={**t.conv, "HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text.lower() and "<form" not in fragment.text
    assert row_names(fragment.text) == ["Drafty Homes"]
    assert_no_draft(fragment.text)
    page = await client.get(f"/bids/{t.bid_id}/tracker", headers=t.conv)
    assert 'hx-get="/bids/' in page.text and 'hx-target="#tracker-rows"' in page.text


async def test_convenors_only_on_every_address(client: Client) -> None:
    t = await build_tracker_bid(client)
    for suffix in ("", ".csv", ".xlsx"):
        path = f"/bids/{t.bid_id}/tracker{suffix}?stage=draft"
        assert (await client.get(path, headers=t.member)).status_code == 403, suffix
        assert (await client.get(path, headers=t.stranger)).status_code == 404, suffix
        anonymous = await client.get(path)
        assert anonymous.status_code in {302, 303} and "/sign-in" in anonymous.headers["location"], suffix
        download = await client.get(path, headers=t.conv)
        assert download.status_code == 200
        if suffix == ".csv":
            text = download.content.decode("utf-8-sig")
            assert "Drafty Homes" in text and "Draft, not submitted" in text
            assert_no_draft(text)


async def test_41_members_are_cards_on_a_phone(client: Client) -> None:
    _, bid_id, email = await seed_large_bid(41, password=PASSWORD)
    await sign_in(client, email, PASSWORD)
    page = await client.get(f"/bids/{bid_id}/tracker")
    assert page.status_code == 200
    html = page.text
    # One table whose rows are cards below 640px (table--stack and tracker-card in site.css), not a wide table.
    assert html.count('<table class="table tracker-table table--stack"') == 1
    assert html.count(CARD) == 41 and len(row_names(html)) == 41
    assert html.count('data-label="') == 41 * 7  # every cell labelled on its card
    css = await client.get(re.search(r'href="(/static/site[^"]*\.css[^"]*)"', html).group(1))  # type: ignore[union-attr]
    assert css.status_code == 200
    phone = css.text.split("/* --- member tracker", 1)[1]
    assert "@media (max-width: 640px)" in phone and ".tracker-card {" in phone
    assert (await client.get(f"/bids/{bid_id}/tracker.xlsx")).status_code == 200
