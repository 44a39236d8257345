"""The convenor's pages: bids, the bid form, rules, the dashboard and its live parts, lock and unlock."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from consortium.analysis import measures
from tests.factories import Client, convenor, open_bid
from tests.web.conftest import ANA, CONVENOR, RULES, Scene
from tests.web.helpers import error_links, form_token, post_form, sign_in, text_of

BID_FORM = {
    "network_id": "",
    "title": "Warm Homes Match 2027",
    "funder_name": "Energy Trust",
    "programme": "",
    "funder_org_id": "",
    "deadline_date": "2030-07-01",
    "deadline_time": "17:30",
    "match_consortium_part": "1",
    "match_funder_part": "2",
    "match_cap": "1,500,000",
    "themes": "Warmth\nBills",
}


async def test_convenor_creates_a_bid_and_the_uk_deadline_is_stored_in_utc(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    answer = await post_form(client, "/bids/new", {**BID_FORM, "network_id": str(scene.network_id)})
    assert answer.status_code == 303
    bid_id = int(re.search(r"/bids/(\d+)/rules", answer.headers["location"]).group(1))  # type: ignore[union-attr]
    bid = (await client.get(f"/api/v1/bids/{bid_id}", headers=scene.convenor_headers)).json()
    # 17:30 on 1 July is British Summer Time: 16:30 UTC.
    assert datetime.fromisoformat(bid["deadline"]) == datetime(2030, 7, 1, 16, 30, tzinfo=UTC)
    assert bid["match_cap_pence"] == 150_000_000 and bid["match_funder_part"] == 2
    assert bid["themes"] == ["Warmth", "Bills"] and bid["status"] == "draft"
    listed = await client.get("/bids")
    assert "Warm Homes Match 2027" in listed.text and "Start a new bid" in listed.text


async def test_bid_form_shows_every_problem_and_keeps_what_was_typed(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    typed = {
        **BID_FORM,
        "network_id": str(scene.network_id),
        "title": "",
        "deadline_date": "2020-01-01",
        "match_cap": "12.345",
        "match_funder_part": "0",
    }
    answer = await post_form(client, "/bids/new", typed)
    assert answer.status_code == 422
    # Every problem at once, the past deadline too (the service would only have said so on the next try).
    assert error_links(answer.text) == ["title", "deadline_date", "match_funder_part", "match_cap"]
    assert 'value="Energy Trust"' in answer.text and 'value="12.345"' in answer.text
    assert ">Warmth\nBills</textarea>" in answer.text
    past = await post_form(client, "/bids/new", {**typed, "title": "T", "match_cap": "", "match_funder_part": "1"})
    assert past.status_code == 422 and error_links(past.text) == ["deadline_date"]
    assert "in the past" in text_of(past.text)
    long_title = await post_form(
        client, "/bids/new", {**BID_FORM, "network_id": str(scene.network_id), "title": "x" * 301}
    )
    assert "The bid's title must be at most 300 characters long; it has 301." in text_of(long_title.text)


async def test_convenor_pages_answer_403_to_members_and_404_to_other_networks(client: Client, scene: Scene) -> None:
    bid = scene.bid_id
    convenor_pages = [
        f"/bids/{bid}/edit",
        f"/bids/{bid}/rules",
        f"/bids/{bid}/invitations",
        f"/bids/{bid}/documents",
        f"/bids/{bid}/live/figures",
        f"/bids/{bid}/what-if?without={scene.ana_org}",
        "/bids/new",
    ]
    await sign_in(client, ANA)
    for path in convenor_pages:
        answer = await client.get(path)
        # A member can see the bid, so they are told the page is the convenors', as the API answers them (403).
        expected = 404 if path == "/bids/new" else 403
        assert answer.status_code == expected, path
        assert "text/html" in answer.headers["content-type"]
        if expected == 403:
            assert "This page is for the network's convenors" in text_of(answer.text), path
    member_view = await client.get(f"/bids/{bid}")
    assert member_view.status_code == 200 and "your part" in member_view.text
    lock = await post_form(client, f"/bids/{bid}/status/lock", {}, page=f"/bids/{bid}")
    assert lock.status_code == 403
    await convenor(name="Elsewhere Network", email="other@example.org")
    await sign_in(client, "other@example.org")
    for path in [f"/bids/{bid}", *convenor_pages[:-1]]:
        assert (await client.get(path)).status_code == 404, path


async def test_dashboard_shows_totals_gaps_members_and_the_map(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    page = await client.get(f"/bids/{scene.bid_id}")
    assert page.status_code == 200
    words = text_of(page.text)
    assert f"{measures.PLEDGED.label} £2,500" in words  # labelled as the API, document and CLI label it
    assert "The bid does not meet every rule yet" in words
    assert "Each member pledges at least £1,000" in words
    assert "Ashbrook Homes" in words and "Pennine Housing" in words
    assert "No pledge submitted yet" in words  # Pennine's gap, in the member table
    assert 'class="chart"' in page.text and "Money by region" in words
    assert re.search(r"\d+ days? \d+ hours? left", words)
    assert 'hx-trigger="every 5s"' in page.text


async def test_live_figures_answer_204_until_something_changes(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    page = await client.get(f"/bids/{scene.bid_id}")
    url = re.search(r'hx-get="(/bids/\d+/live/figures\?seen=[0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    unchanged = await client.get(url)
    assert unchanged.status_code == 204
    await client.post(
        f"/api/v1/bids/{scene.bid_id}/pledges",
        json={"amount_pence": 400_000, "board_approved": True, "submit": True},
        headers=scene.ben_headers,
    )
    changed = await client.get(url)
    assert changed.status_code == 200 and "£6,500" in text_of(changed.text)
    assert 'id="live-figures"' in changed.text
    assert (await client.get(f"/bids/{scene.bid_id}/live/nonsense")).status_code == 404


async def test_what_if_a_member_withdraws(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    fragment = await client.get(f"/bids/{scene.bid_id}/what-if?without={scene.ana_org}")
    assert fragment.status_code == 200
    assert "If Ashbrook Homes withdrew" in fragment.text and "<html" not in fragment.text
    whole = await client.get(f"/bids/{scene.bid_id}?without={scene.ana_org}")  # without JavaScript
    assert "If Ashbrook Homes withdrew" in whole.text
    assert f'data-what-if-member="{scene.ana_org}"' in fragment.text  # app.js keeps the chooser in step with it
    nobody = await client.get(f"/bids/{scene.bid_id}/what-if?without=999999")
    assert nobody.status_code == 200 and "withdrew" not in nobody.text


@pytest.mark.parametrize("without", ["", " ", "abc", "-1", "0", "²", "99999999999999999999999"])
async def test_what_if_with_no_member_chosen_shows_no_comparison(client: Client, scene: Scene, without: str) -> None:
    """ "Show what would change" with "Choose a member" still selected sends without=; that is no comparison."""
    await sign_in(client, CONVENOR)
    fragment = await client.get(f"/bids/{scene.bid_id}/what-if", params={"without": without})
    assert fragment.status_code == 200 and "withdrew" not in fragment.text
    whole = await client.get(f"/bids/{scene.bid_id}", params={"without": without})  # without JavaScript
    assert whole.status_code == 200 and "What if a member withdraws?" in whole.text
    assert "If Ashbrook Homes withdrew" not in whole.text


async def test_lock_and_unlock_from_the_dashboard(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    locked = await post_form(
        client, f"/bids/{scene.bid_id}/status/lock", {"confirm": "yes"}, page=f"/bids/{scene.bid_id}"
    )
    assert locked.status_code == 303
    page = await client.get(locked.headers["location"])
    assert "The bid is locked" in page.text and "Unlock" in page.text
    again = await post_form(client, f"/bids/{scene.bid_id}/status/lock", {}, page=f"/bids/{scene.bid_id}")
    refused = await client.get(again.headers["location"])
    assert "Only an open bid can be locked" in refused.text  # the service's refusal, as an error banner
    await post_form(client, f"/bids/{scene.bid_id}/status/unlock", {}, page=f"/bids/{scene.bid_id}")
    assert (await client.get(f"/api/v1/bids/{scene.bid_id}", headers=scene.convenor_headers)).json()["status"] == "open"


async def test_editing_a_bid_keeps_its_values(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    form = await client.get(f"/bids/{scene.bid_id}/edit")
    assert 'value="Community Match Fund 2026"' in form.text
    assert ">Food security\nTackling loneliness</textarea>" in form.text
    answer = await post_form(
        client,
        f"/bids/{scene.bid_id}/edit",
        {**BID_FORM, "title": "Renamed bid", "deadline_date": "2031-01-10", "deadline_time": "09:00"},
    )
    assert answer.status_code == 303
    bid = (await client.get(f"/api/v1/bids/{scene.bid_id}", headers=scene.convenor_headers)).json()
    assert bid["title"] == "Renamed bid"
    assert datetime.fromisoformat(bid["deadline"]) == datetime(2031, 1, 10, 9, 0, tzinfo=UTC)  # GMT in January


async def test_rules_form_one_kind_at_a_time(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    page = await client.get(f"/bids/{scene.bid_id}/rules")
    assert page.status_code == 200
    assert 'id="rule-min_pledge" name="rule-min_pledge" type="checkbox" value="on" checked' in page.text
    assert 'value="1000"' in page.text  # £1,000 shown in pounds
    assert "Each member pledges at least £1,000" in page.text
    saved = await post_form(
        client,
        f"/bids/{scene.bid_id}/rules",
        {
            "rule-min_total": "on",
            "rule-min_total-amount_pence": "£250,000",
            "rule-allowed_org_types": "on",
            "rule-allowed_org_types-org_types": ["housing_association", "charity"],
            "rule-min_pledge-amount_pence": "999",  # not ticked: ignored
        },
    )
    assert saved.status_code == 303
    rules = (await client.get(f"/api/v1/bids/{scene.bid_id}/rules", headers=scene.convenor_headers)).json()
    assert {r["key"]: r["params"] for r in rules} == {
        "min_total": {"amount_pence": 25_000_000},
        "allowed_org_types": {"org_types": ["housing_association", "charity"]},
    }


async def test_rules_form_errors_point_at_the_field_and_keep_values(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    answer = await post_form(
        client,
        f"/bids/{scene.bid_id}/rules",
        {
            "rule-min_members": "on",
            "rule-min_members-count": "three",
            "rule-max_member_share": "on",
            "rule-max_member_share-percent": "140",
            "rule-allowed_areas": "on",
        },
    )
    assert answer.status_code == 422
    assert error_links(answer.text) == [
        "rule-allowed_areas-area_codes",
        "rule-min_members-count",
        "rule-max_member_share-percent",
    ]
    assert 'value="three"' in answer.text and 'value="140"' in answer.text
    contradictory = await post_form(
        client,
        f"/bids/{scene.bid_id}/rules",
        {
            "rule-min_pledge": "on",
            "rule-min_pledge-amount_pence": "5000",
            "rule-max_pledge": "on",
            "rule-max_pledge-amount_pence": "100",
        },
    )
    said = text_of(contradictory.text)
    assert contradictory.status_code == 422
    # The services' words, at the smallest (the rule to lower, or the largest to raise).
    assert "The minimum pledge (£5,000) is above the maximum pledge (£100); lower the minimum or raise" in said
    assert error_links(contradictory.text) == ["rule-min_pledge-amount_pence"]


async def test_rule_preview_and_raw_json(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    preview = await client.get("/rule-preview/min_homes?rule-min_homes=on&rule-min_homes-homes=12000")
    assert preview.text.strip() == "Members manage at least 12,000 homes between them"
    unfinished = await client.get("/rule-preview/min_homes?rule-min_homes-homes=")
    assert "Fill in the details" in unfinished.text
    # A value that cannot be used says what is wrong, as the form would when saved.
    cases = {
        "/rule-preview/min_homes?rule-min_homes-homes=-5": "Enter the fewest homes without a minus sign, like 12.",
        "/rule-preview/min_members?rule-min_members-count=10,00": "as a whole number, like 12 or 1,200.",
        "/rule-preview/min_pledge?rule-min_pledge-amount_pence=1.234": "Enter the smallest pledge",
        "/rule-preview/max_member_share?rule-max_member_share-percent=150": "100",
    }
    for url, expected in cases.items():
        said = text_of((await client.get(url)).text)
        assert expected in said and "Fill in the details" not in said, (url, said)
    assert (await client.get("/rule-preview/no_such_rule")).status_code == 404
    bad = await post_form(
        client, f"/bids/{scene.bid_id}/rules/json", {"rules_json": "[{"}, page=f"/bids/{scene.bid_id}/rules"
    )
    assert bad.status_code == 422 and error_links(bad.text) == ["rules_json"]
    assert "[{</textarea>" in bad.text and " open>" in bad.text  # the advanced view stays open with the text
    unknown = await post_form(
        client,
        f"/bids/{scene.bid_id}/rules/json",
        {"rules_json": '[{"key": "make_it_rain"}]'},
        page=f"/bids/{scene.bid_id}/rules",
    )
    assert unknown.status_code == 422 and "valid keys are" in text_of(unknown.text)
    good = await post_form(
        client,
        f"/bids/{scene.bid_id}/rules/json",
        {"rules_json": '[{"key": "min_regions", "count": 2}]'},
        page=f"/bids/{scene.bid_id}/rules",
    )
    assert good.status_code == 303
    assert "Eligible money reaches at least 2 regions" in (await client.get(f"/bids/{scene.bid_id}/rules")).text


async def test_csrf_token_is_the_sessions_own(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    mine = await form_token(client, "/bids")
    await sign_in(client, ANA)
    theirs = await form_token(client, "/bids")
    assert mine != theirs
    stolen = await client.post(
        f"/pledges/{scene.ana_pledge}/withdraw", data={"csrf_token": mine, "version": "1"}, follow_redirects=False
    )
    assert stolen.status_code == 403


async def test_bid_form_lists_a_bad_funder_identifier_with_the_other_problems(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    typed = {**BID_FORM, "network_id": str(scene.network_id), "funder_name": "", "funder_org_id": "GB-CHC-12"}
    answer = await post_form(client, "/bids/new", typed)
    assert answer.status_code == 422
    assert error_links(answer.text) == ["funder_name", "funder_org_id"]
    assert "6 to 8 digits" in text_of(answer.text) and 'value="GB-CHC-12"' in answer.text


async def test_bid_form_lists_length_and_range_problems_with_the_rest(client: Client, scene: Scene) -> None:
    """A title that is too long and a cap beyond the limit are listed in the same round as a missing funder."""
    await sign_in(client, CONVENOR)
    typed = {**BID_FORM, "title": "T" * 3000, "funder_name": "", "match_cap": "99999999999999999999999"}
    answer = await post_form(client, f"/bids/{scene.bid_id}/edit", typed)
    assert answer.status_code == 422
    assert error_links(answer.text) == ["title", "funder_name", "match_cap"]
    said = text_of(answer.text)
    assert "The bid's title must be at most 300 characters long; it has 3,000." in said
    assert "The most the funder will add must be at most £10,000,000,000." in said
    assert "Expected" not in said and "pence" not in said
    bid = (await client.get(f"/api/v1/bids/{scene.bid_id}", headers=scene.convenor_headers)).json()
    assert bid["title"] == "Community Match Fund 2026"  # nothing saved
    many = await post_form(
        client, f"/bids/{scene.bid_id}/edit", {**BID_FORM, "themes": "\n".join(f"Theme {n}" for n in range(60))}
    )
    assert many.status_code == 422 and error_links(many.text) == ["themes"]
    assert "The themes may list at most 50 items; it has 60." in text_of(many.text)


async def test_a_deadline_in_the_hour_the_clocks_skip_is_refused(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    typed = {**BID_FORM, "deadline_date": "2027-03-28", "deadline_time": "01:30"}
    answer = await post_form(client, f"/bids/{scene.bid_id}/edit", typed)
    assert answer.status_code == 422 and error_links(answer.text) == ["deadline_date"]
    assert "01:30 on 28 March 2027 does not happen in the UK" in text_of(answer.text)
    kept = await post_form(client, f"/bids/{scene.bid_id}/edit", {**typed, "deadline_time": "02:30"})
    assert kept.status_code == 303
    bid = (await client.get(f"/api/v1/bids/{scene.bid_id}", headers=scene.convenor_headers)).json()
    assert datetime.fromisoformat(bid["deadline"]) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 02:30 BST


async def test_money_problems_say_what_to_type(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    for typed, expected in [
        ("£1.234", "Enter the most the funder will add with a comma between thousands, like 1,234, or without one."),
        ("1,000.999", "Enter the most the funder will add with at most 2 figures after the point, like 25000.50."),
        ("-5", "Enter the most the funder will add without a minus sign, for example 25000."),
        ("lots", "Enter the most the funder will add as a number of pounds, like 25000 or 25,000.50."),
    ]:
        answer = await post_form(
            client, "/bids/new", {**BID_FORM, "network_id": str(scene.network_id), "match_cap": typed}
        )
        assert answer.status_code == 422 and error_links(answer.text) == ["match_cap"], typed
        assert expected in text_of(answer.text), (typed, text_of(answer.text))


async def test_dashboard_of_a_bid_nobody_has_joined_yet(client: Client, scene: Scene) -> None:
    bid = await open_bid(client, scene.convenor_headers, scene.network_id, rules=RULES, title="Empty Bid")
    client.cookies.clear()
    await sign_in(client, CONVENOR)
    words = text_of((await client.get(f"/bids/{bid['id']}")).text)
    # Member rules are not "met by every member" when there are no members: they are waiting for members.
    assert "Every member meets this" not in words
    assert "Each member pledges at least £1,000 : not checked yet Checked for each member once members join" in words
    assert "No organisation has joined yet" in words and "Invite your members" in words
    assert "No money yet. Each region appears here once a member submits a pledge." in words


async def test_dashboard_money_by_region_is_a_table_and_members_stack_on_phones(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    html = (await client.get(f"/bids/{scene.bid_id}")).text
    regions = html.split('id="regions-title"', 1)[1].split("</section>", 1)[0]
    assert "<table" in regions and "Money allocated" in text_of(regions) and "£2,500" in text_of(regions)
    assert 'class="table table--members table--stack"' in html
    assert 'data-label="Missing"' in html and 'role="table"' in html
    assert "shaded by the pledged money" in html  # the map says what it shows
    invitations = (await client.get(f"/bids/{scene.bid_id}/invitations")).text
    assert 'class="table table--stack"' in invitations and 'data-label="Status"' in invitations


async def test_rule_problems_name_the_figure(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    answer = await post_form(
        client,
        f"/bids/{scene.bid_id}/rules",
        {
            "rule-min_members": "on",
            "rule-min_members-count": "two",
            "rule-min_pledge": "on",
            "rule-min_pledge-amount_pence": "1k",
        },
    )
    assert answer.status_code == 422
    words = text_of(answer.text)
    assert "Enter the fewest members as a whole number, like 12 or 1,200." in words
    assert "Enter the smallest pledge as a number of pounds, like 25000 or 25,000.50." in words
