"""A member's own pages: the bid overview, profile, coverage editor and map, the pledge form and its history."""

from __future__ import annotations

import re

from tests.factories import Client
from tests.web.conftest import ANA, BEN, CONVENOR, Scene
from tests.web.helpers import error_links, form_token, post_form, sign_in, text_of

LEEDS = "E08000035"
BRADFORD = "E08000032"


async def test_member_overview_shows_what_to_change_and_no_one_elses_pledge(client: Client, scene: Scene) -> None:
    await client.post(
        f"/api/v1/bids/{scene.bid_id}/pledges",
        json={"amount_pence": 777_700, "board_approved": True, "submit": True},
        headers=scene.ben_headers,
    )
    await sign_in(client, ANA)
    page = await client.get(f"/bids/{scene.bid_id}")
    words = text_of(page.text)
    assert "Ashbrook Homes: your part" in words
    assert "Pledge is £2,500" not in words  # £2,500 meets the £1,000 minimum
    assert "Yes: your organisation meets every rule" in words
    assert "Pennine Housing" not in words and "7,777" not in words  # another member's name and pledge
    await sign_in(client, BEN)
    await client.post(
        f"/api/v1/bids/{scene.bid_id}/pledges", json={"amount_pence": 50_000, "submit": True}, headers=scene.ben_headers
    )
    ben_page = text_of((await client.get(f"/bids/{scene.bid_id}")).text)
    assert "Tick board approval on your pledge" in ben_page
    assert "Ashbrook" not in ben_page


async def test_pages_of_other_organisations_and_pledges_are_not_found(client: Client, scene: Scene) -> None:
    await sign_in(client, BEN)
    for path in [
        f"/pledges/{scene.ana_pledge}",
        f"/pledges/{scene.ana_pledge}/history",
        f"/organisations/{scene.ana_org}",
        f"/organisations/{scene.ana_org}/coverage",
        f"/organisations/{scene.ana_org}/coverage/search?q=Leeds",
    ]:
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert "Ashbrook" not in answer.text
    withdraw = await post_form(client, f"/pledges/{scene.ana_pledge}/withdraw", {"version": "1"}, page="/bids")
    assert withdraw.status_code == 404
    await sign_in(client, CONVENOR)
    assert (await client.get(f"/bids/{scene.bid_id}/pledge")).status_code == 404  # member pages
    readonly = await client.get(f"/pledges/{scene.ana_pledge}")
    assert readonly.status_code == 200 and "only its organisation can change it" in readonly.text


async def test_coverage_search_add_homes_and_map(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    base = f"/organisations/{scene.ana_org}/coverage"
    found = await client.get(f"{base}/search?q=leed")
    assert found.status_code == 200 and "<html" not in found.text
    assert f'name="add" value="{LEEDS}"' in found.text and 'form="coverage-form"' in found.text
    no_js = await client.get(f"{base}?q=leed")  # the same results without JavaScript
    assert f'value="{LEEDS}"' in no_js.text
    added = await post_form(client, base, {"add": LEEDS})
    assert added.status_code == 303
    page = await client.get(base)
    assert "covers 1 district" in page.text and f'id="homes-{LEEDS}"' in page.text
    assert "Map of your organisation's 1 district" in text_of(page.text)
    saved = await post_form(client, base, {"code": LEEDS, f"homes-{LEEDS}": "1,250", "add": BRADFORD})
    assert saved.status_code == 303
    coverage = (await client.get(f"/api/v1/organisations/{scene.ana_org}/coverage", headers=scene.ana_headers)).json()
    assert {(d["district_code"], d["homes"]) for d in coverage["districts"]} == {(LEEDS, 1250), (BRADFORD, None)}
    already = await client.get(f"{base}/search?q=leeds")
    assert "Already added" in already.text


async def test_coverage_paste_errors_suggest_and_keep_the_list(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    base = f"/organisations/{scene.ana_org}/coverage"
    answer = await post_form(client, base, {"paste": "Leeds, 1200\nManchster 300", "paste_mode": "add"})
    assert answer.status_code == 422 and error_links(answer.text) == ["paste"]
    assert "Did you mean Manchester" in text_of(answer.text)
    assert ">Leeds, 1200\nManchster 300</textarea>" in answer.text
    misplaced = await post_form(client, base, {"paste": "Leeds, 10,00\nBradford, 1,200,000", "paste_mode": "add"})
    assert misplaced.status_code == 422 and error_links(misplaced.text) == ["paste"]
    assert "Homes for Leeds: 10,00 is not a number we can read" in text_of(misplaced.text)
    assert "Homes for Bradford" not in text_of(misplaced.text)  # 1,200,000 is grouped right
    bad_homes = await post_form(client, base, {"add": LEEDS})
    bad_homes = await post_form(client, base, {"code": LEEDS, f"homes-{LEEDS}": "many"})
    assert bad_homes.status_code == 422 and error_links(bad_homes.text) == [f"homes-{LEEDS}"]
    assert 'value="many"' in bad_homes.text
    replaced = await post_form(
        client, base, {"code": LEEDS, "paste": "Bristol, City of\nCardiff, 40", "paste_mode": "replace"}
    )
    assert replaced.status_code == 303
    coverage = (await client.get(f"/api/v1/organisations/{scene.ana_org}/coverage", headers=scene.ana_headers)).json()
    assert sorted(d["district_name"] for d in coverage["districts"]) == ["Bristol, City of", "Cardiff"]


async def test_profile_form_explains_identifiers_and_keeps_values(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    path = f"/organisations/{scene.ana_org}"
    page = await client.get(path)
    assert page.status_code == 200 and 'value="Ashbrook Homes"' in page.text and "GB-COH-01234567" in page.text
    values = {"name": "Ashbrook Homes", "org_type": "housing_association", "org_id": "GB-XYZ-1", "homes": "1,000"}
    bad = await post_form(client, path, values)
    assert bad.status_code == 422 and error_links(bad.text) == ["org_id"]
    assert "We don't support the prefix GB-XYZ" in text_of(bad.text) and 'value="GB-XYZ-1"' in bad.text
    both = await post_form(client, path, {**values, "name": "", "homes": "many"})
    assert error_links(both.text) == ["name", "org_id", "homes"]  # every problem at once
    contact = {"website": "javascript:alert(1)", "contact_name": "x" * 301, "contact_email": "nobody"}
    all_of_them = await post_form(client, path, {**values, "name": "", "homes": "many", **contact})
    assert all_of_them.status_code == 422
    assert error_links(all_of_them.text) == ["name", "org_id", "homes", "website", "contact_name", "contact_email"]
    said = text_of(all_of_them.text)
    assert "The contact's name must be at most 300 characters long; it has 301." in said
    assert 'value="javascript:alert(1)"' in all_of_them.text and 'value="many"' in all_of_them.text
    good = await post_form(client, path, {**values, "org_id": "GB-SHPE-L0123", "contact_name": "Ana"})
    assert good.status_code == 303
    read = (await client.get(f"/api/v1/organisations/{scene.ana_org}", headers=scene.ana_headers)).json()
    assert read["org_id"] == "GB-SHPE-L0123" and read["homes"] == 1000 and read["contact_name"] == "Ana"


async def test_pledge_form_draft_then_submit(client: Client, scene: Scene) -> None:
    await sign_in(client, BEN)
    start = await client.get(f"/bids/{scene.bid_id}/pledge")
    assert start.status_code == 200 and "Make your pledge" in start.text
    assert 'name="themes" type="checkbox" value="Food security"' in start.text
    typed = {"amount": "", "themes": ["Tackling loneliness"], "conditions": "Subject to our March board"}
    problems = await post_form(client, f"/bids/{scene.bid_id}/pledge", {**typed, "action": "draft"})
    assert problems.status_code == 422 and error_links(problems.text) == ["amount"]
    assert "Subject to our March board" in problems.text
    assert 'value="Tackling loneliness" checked' in problems.text
    bad_amount = await post_form(
        client, f"/bids/{scene.bid_id}/pledge", {**typed, "amount": "12.345", "action": "draft"}
    )
    assert "Enter the amount you pledge with a comma between thousands, like 12,345" in text_of(bad_amount.text)
    assert 'value="12.345"' in bad_amount.text
    draft = await post_form(
        client, f"/bids/{scene.bid_id}/pledge", {**typed, "amount": "£12,500.50", "action": "draft"}
    )
    assert draft.status_code == 303
    pledge_path = draft.headers["location"]
    page = await client.get(pledge_path)
    assert "saved as a draft" in page.text and 'value="12500.50"' in page.text and "Draft" in page.text
    assert (await client.get(f"/bids/{scene.bid_id}/pledge", follow_redirects=False)).headers["location"] == pledge_path
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    submitted = await post_form(
        client,
        pledge_path,
        {**typed, "amount": "12500.50", "board_approved": "yes", "version": version, "action": "submit"},
    )
    assert submitted.status_code == 303
    pledge_id = int(pledge_path.rsplit("/", 1)[1])
    read = (await client.get(f"/api/v1/pledges/{pledge_id}", headers=scene.ben_headers)).json()
    assert read["status"] == "submitted" and read["amount_pence"] == 1_250_050 and read["board_approved"] is True
    history = await client.get(f"{pledge_path}/history")
    words = text_of(history.text)
    assert "Pledge made" in words and "Submitted" in words and "£12,500.50" in words


async def test_a_stale_form_shows_the_412_message_and_keeps_what_was_typed(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    path = f"/pledges/{scene.ana_pledge}"
    token = await form_token(client, path)  # the form as loaded: version 1
    await client.patch(
        f"/api/v1/pledges/{scene.ana_pledge}",
        json={"amount_pence": 300_000},
        headers={**scene.ana_headers, "If-Match": "1"},
    )  # a colleague changes it meanwhile
    stale = await client.post(
        path,
        data={"csrf_token": token, "version": "1", "amount": "9,999", "action": "save", "conditions": "mine"},
        follow_redirects=False,
    )
    assert stale.status_code == 422
    words = text_of(stale.text)
    assert "changed by someone else" in words and "Reload the latest version" in words
    assert 'value="9,999"' in stale.text and ">mine</textarea>" in stale.text
    assert 'name="version" value="1"' in stale.text  # still the old one: saving again is refused again
    withdraw = await client.post(
        f"{path}/withdraw", data={"csrf_token": token, "version": "1", "confirm": "yes"}, follow_redirects=False
    )
    assert withdraw.status_code == 412 and "changed by someone else" in withdraw.text
    read = (await client.get(f"/api/v1/pledges/{scene.ana_pledge}", headers=scene.ana_headers)).json()
    assert read["amount_pence"] == 300_000 and read["status"] == "submitted"


async def test_withdraw_and_submit_again(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    path = f"/pledges/{scene.ana_pledge}"
    withdrawn = await post_form(client, f"{path}/withdraw", {"version": "1", "confirm": "yes"}, page=path)
    assert withdrawn.status_code == 303
    page = await client.get(path)
    assert "Your pledge is withdrawn" in page.text and "Submit it again" in page.text
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    again = await post_form(client, path, {"amount": "2,600", "version": version, "action": "submit"})
    assert again.status_code == 303
    read = (await client.get(f"/api/v1/pledges/{scene.ana_pledge}", headers=scene.ana_headers)).json()
    assert read["status"] == "submitted" and read["amount_pence"] == 260_000


async def test_locked_bid_shows_the_pledge_read_only(client: Client, scene: Scene) -> None:
    await client.post(f"/api/v1/bids/{scene.bid_id}/lock", headers=scene.convenor_headers)
    await sign_in(client, ANA)
    page = await client.get(f"/pledges/{scene.ana_pledge}")
    assert "This bid is locked" in page.text and '<fieldset class="fieldset fieldset--plain" disabled>' in page.text
    refused = await post_form(client, f"/pledges/{scene.ana_pledge}", {"amount": "1", "version": "1", "action": "save"})
    assert refused.status_code == 422 and "locked" in text_of(refused.text)


async def test_pledge_amount_problems_say_what_to_type(client: Client, scene: Scene) -> None:
    await sign_in(client, BEN)
    for typed, expected in [
        ("£1.234", "Enter the amount you pledge with a comma between thousands, like 1,234, or without one."),
        ("-500", "Enter the amount you pledge without a minus sign, for example 25000."),
        ("five hundred", "Enter the amount you pledge as a number of pounds, like 25000 or 25,000.50."),
        ("0", "The amount you pledge must be at least £0.01."),
    ]:
        answer = await post_form(client, f"/bids/{scene.bid_id}/pledge", {"amount": typed, "action": "submit"})
        assert answer.status_code == 422 and error_links(answer.text) == ["amount"], typed
        assert expected in text_of(answer.text), typed
        assert f'value="{typed}"' in answer.text  # kept, to correct


async def test_submitting_says_whether_the_pledge_counts(client: Client, scene: Scene) -> None:
    await sign_in(client, BEN)
    submitted = await post_form(client, f"/bids/{scene.bid_id}/pledge", {"amount": "5,000", "action": "submit"})
    assert submitted.status_code == 303
    words = text_of((await client.get(submitted.headers["location"])).text)
    # The bid needs board approval: submitted, but it does not count yet, and the member is told why.
    assert "Your pledge is submitted, but it does not count towards the bid yet" in words
    assert "no board approval" in words and "It now counts towards the bid" not in words
    page = await client.get(submitted.headers["location"])
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    approved = await post_form(
        client,
        submitted.headers["location"],
        {"amount": "5,000", "board_approved": "yes", "version": version, "action": "save"},
    )
    assert approved.status_code == 303
    assert "Your changes are saved" in text_of((await client.get(approved.headers["location"])).text)


async def test_submitting_a_pledge_that_meets_every_rule(client: Client, scene: Scene) -> None:
    await sign_in(client, BEN)
    submitted = await post_form(
        client, f"/bids/{scene.bid_id}/pledge", {"amount": "5,000", "board_approved": "yes", "action": "submit"}
    )
    assert submitted.status_code == 303
    words = text_of((await client.get(submitted.headers["location"])).text)
    assert "Your pledge is submitted. It now counts towards the bid." in words


async def test_member_without_a_pledge_is_asked_to_make_one(client: Client, scene: Scene) -> None:
    await sign_in(client, BEN)
    html = (await client.get(f"/bids/{scene.bid_id}")).text
    words = text_of(html)
    fixes = html.split('class="fix-list"', 1)[1].split("</ul>", 1)[0]
    assert "No pledge submitted yet" in fixes and f'<a href="/bids/{scene.bid_id}/pledge">Make your pledge</a>' in fixes
    assert "Change the amount of your pledge" not in words
    # With nothing submitted, the member rules are not shown as met.
    assert "Every pledge has board approval : not checked yet" in words
    assert "Every pledge has board approval : met" not in words
