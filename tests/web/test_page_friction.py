"""Friction a person hits on the pages, without JavaScript: a rule's figure typed but its box left unticked, the
deadline typed as a UK date and 24-hour time, the member rules before the Submit button, the live dashboard's
place for "lost connection", and homes per district that disagree with the profile's homes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.factories import Client
from tests.web.conftest import ANA, CONVENOR, Scene
from tests.web.helpers import error_links, post_form, sign_in, text_of

LEEDS = "E08000035"
BRADFORD = "E08000032"


async def rules_of(client: Client, scene: Scene) -> dict[str, dict[str, object]]:
    rules = (await client.get(f"/api/v1/bids/{scene.bid_id}/rules", headers=scene.convenor_headers)).json()
    return {rule["key"]: rule["params"] for rule in rules}


async def test_a_figure_typed_for_an_unticked_rule_is_asked_about_not_dropped(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    before = await rules_of(client, scene)
    in_use = {"rule-min_pledge": "on", "rule-min_pledge-amount_pence": "1000", "rule-board_approval_required": "on"}
    forgot = await post_form(
        client,
        f"/bids/{scene.bid_id}/rules",
        {
            **in_use,
            "rule-min_members": "on",
            "rule-min_members-count": "2",
            "rule-min_homes-homes": "12,000",  # typed, box not ticked, not in use before
            "rule-allowed_areas-area_codes": ["E12000003"],  # an option chosen, box not ticked
        },
    )
    assert forgot.status_code == 422
    assert error_links(forgot.text) == ["rule-allowed_areas-area_codes", "rule-min_homes-homes"]
    words = text_of(forgot.text)
    assert (
        "You filled in the fewest homes but did not tick “Minimum homes”. Tick “Minimum homes” to use this rule, or "
        "empty the box to leave it out."
    ) in words
    assert (
        "You chose regions but did not tick “Where the money goes”. Tick “Where the money goes” to use this rule, or "
        "untick the regions to leave it out."
    ) in words
    assert 'value="12,000"' in forgot.text  # what was typed is kept
    assert await rules_of(client, scene) == before  # nothing saved

    ticked = await post_form(
        client,
        f"/bids/{scene.bid_id}/rules",
        {**in_use, "rule-min_homes": "on", "rule-min_homes-homes": "12,000", "rule-min_members-count": "2"},
    )
    # Unticking a rule in use takes it out, though its figure is still in the box (min_members).
    assert ticked.status_code == 303
    assert await rules_of(client, scene) == {
        "min_pledge": {"amount_pence": 100_000},
        "board_approval_required": {},
        "min_homes": {"homes": 12_000},
    }
    page = (await client.get(f"/bids/{scene.bid_id}/rules")).text
    # The page carries what the script needs to tick a rule as its figure is typed.
    assert 'class="rule-card' in page and 'class="checkboxes__item rule-card__toggle"' in page


async def test_the_deadline_is_typed_and_shown_as_uk_date_and_24_hour_time(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    edit = f"/bids/{scene.bid_id}/edit"
    page = (await client.get(edit)).text
    # Text fields: a browser's own date and time inputs would show month-first, 12-hour AM/PM in US English.
    assert re.search(r'id="deadline_date" name="deadline_date" type="text" value="\d\d/\d\d/\d{4}"', page)
    assert re.search(r'id="deadline_time" name="deadline_time" type="text" value="\d\d:\d\d"', page)
    assert "For example 26/06/2026" in page and "For example 17:00" in page
    bid = (await client.get(f"/api/v1/bids/{scene.bid_id}", headers=scene.convenor_headers)).json()
    typed = {
        "title": bid["title"],
        "funder_name": bid["funder_name"],
        "programme": "",
        "funder_org_id": "",
        "match_consortium_part": "1",
        "match_funder_part": "1",
        "match_cap": "",
        "themes": "Food security\nTackling loneliness",
    }
    saved = await post_form(client, edit, {**typed, "deadline_date": "26/06/2030", "deadline_time": "17:00"})
    assert saved.status_code == 303
    bid = (await client.get(f"/api/v1/bids/{scene.bid_id}", headers=scene.convenor_headers)).json()
    assert datetime.fromisoformat(bid["deadline"]) == datetime(2030, 6, 26, 16, 0, tzinfo=UTC)  # 17:00 BST
    again = (await client.get(edit)).text
    assert 'value="26/06/2030"' in again and 'value="17:00"' in again  # prefilled as typed

    twice = await post_form(client, edit, {**typed, "deadline_date": "27/10/2030", "deadline_time": "01:30"})
    assert twice.status_code == 422 and error_links(twice.text) == ["deadline_date"]
    assert "01:30 on 27 October 2030 happens twice in the UK" in text_of(twice.text)
    assert 'value="27/10/2030"' in twice.text and 'value="01:30"' in twice.text
    us_style = await post_form(client, edit, {**typed, "deadline_date": "06/26/2030", "deadline_time": "5:00 PM"})
    assert us_style.status_code == 422
    assert "There is no month 26" in text_of(us_style.text)


async def test_the_member_rules_come_before_the_submit_button(client: Client, scene: Scene) -> None:
    await sign_in(client, "ben@example.org")
    page = (await client.get(f"/bids/{scene.bid_id}/pledge")).text
    rules = page.index('id="rules-aside"')
    assert "Each member pledges at least £1,000" in page[rules : page.index("</aside>")]
    assert rules < page.index(">Submit pledge</button>") and rules < page.index('id="amount"')
    assert 'class="grid__one-third grid__side-first"' in page  # on a wide screen, CSS still puts it on the right


async def test_the_dashboard_has_a_place_to_say_it_lost_the_connection(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    page = (await client.get(f"/bids/{scene.bid_id}")).text
    status = re.search(r'<div class="live-status" id="live-status" role="status" data-live-status>(.*?)</div>', page)
    assert status and status.group(1) == ""  # empty until a refresh fails (filled by app.js)
    assert page.index("data-live-status") < page.index('id="live-figures"')
    # A poll that hangs counts as lost too: without a timeout a stuck request would never say so.
    assert page.count("""hx-request='{"timeout": 15000}'""") == 2


async def test_homes_per_district_that_disagree_with_the_profile_get_a_warning(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    org = scene.ana_org
    profile = {"name": "Ashbrook Homes", "org_type": "housing_association", "homes": "13,000"}
    assert (await post_form(client, f"/organisations/{org}", profile)).status_code == 303
    no_homes_yet = await post_form(client, f"/organisations/{org}/coverage", {"paste": "Leeds\nBradford"})
    assert no_homes_yet.status_code == 303
    assert "Check your homes" not in (await client.get(f"/organisations/{org}/coverage")).text  # nothing to compare

    partly = await post_form(client, f"/organisations/{org}/coverage", {"paste": "Leeds, 12,400\nBradford"})
    assert partly.status_code == 303
    expected = "Your districts add up to 12,400 homes but your profile says 13,000. The bid uses 13,000; check both."
    coverage = text_of((await client.get(f"/organisations/{org}/coverage")).text)
    assert expected + " 1 district has no homes filled in." in coverage
    assert "Change the homes in your profile" in coverage
    profile_page = text_of((await client.get(f"/organisations/{org}")).text)
    assert expected in profile_page and "Check the homes in each district" in profile_page
    # What the warning says the bid uses is what the bid uses.
    totals = (await client.get(f"/api/v1/bids/{scene.bid_id}/totals", headers=scene.convenor_headers)).json()
    assert {m["name"]: m["homes"] for m in totals["members"]}["Ashbrook Homes"] == 13_000

    agreeing = await post_form(
        client,
        f"/organisations/{org}/coverage",
        {"code": [LEEDS, BRADFORD], f"homes-{LEEDS}": "12,400", f"homes-{BRADFORD}": "600"},
    )
    assert agreeing.status_code == 303
    assert "Check your homes" not in (await client.get(f"/organisations/{org}/coverage")).text
    assert "Check your homes" not in (await client.get(f"/organisations/{org}")).text
    # A convenor reading the profile is not told "your districts".
    assert (await post_form(client, f"/organisations/{org}", {**profile, "homes": "9,000"})).status_code == 303
    assert "Check your homes" in (await client.get(f"/organisations/{org}")).text
    await sign_in(client, CONVENOR)
    convenor_view = await client.get(f"/organisations/{org}")
    assert convenor_view.status_code == 200 and "Check your homes" not in convenor_view.text
