"""The pledge form's edges: how amounts are typed, where each problem is shown, what Enter does, saving nothing new,
and long text on the history page."""

from __future__ import annotations

import re

from consortium.audit.tables import AuditEvent
from tests.factories import Client
from tests.web.conftest import ANA, BEN, Scene
from tests.web.helpers import error_links, post_form, sign_in, text_of

LEEDS = "E08000035"
BRADFORD = "E08000032"


async def _ana_covers_leeds_and_bradford(client: Client, scene: Scene) -> str:
    """Ana's pledge page, once Ashbrook Homes lists Leeds and Bradford (so they can be ticked on the form)."""
    covered = await client.put(
        f"/api/v1/organisations/{scene.ana_org}/coverage",
        json={"districts": [{"district_code": LEEDS, "homes": 600}, {"district_code": BRADFORD, "homes": 400}]},
        headers=scene.ana_headers,
    )
    assert covered.status_code == 200, covered.text
    await sign_in(client, ANA)
    return f"/pledges/{scene.ana_pledge}"


async def _read(client: Client, scene: Scene) -> dict:  # type: ignore[type-arg]
    return dict((await client.get(f"/api/v1/pledges/{scene.ana_pledge}", headers=scene.ana_headers)).json())


def _field_error(html: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return text_of(found.group(1)) if found else ""


async def test_a_comma_only_counts_between_thousands(client: Client, scene: Scene) -> None:
    await sign_in(client, BEN)
    for typed in ("10,00", "1,0000"):
        answer = await post_form(client, f"/bids/{scene.bid_id}/pledge", {"amount": typed, "action": "draft"})
        assert answer.status_code == 422 and error_links(answer.text) == ["amount"], typed
        expected = "Write the amount you pledge in pounds, like 1,500 or 1500.50. A comma only goes between thousands."
        assert expected in text_of(answer.text) and expected in _field_error(answer.text, "amount"), typed
        assert f'value="{typed}"' in answer.text  # kept, to correct
    made = await post_form(client, f"/bids/{scene.bid_id}/pledge", {"amount": "12,345.67", "action": "draft"})
    assert made.status_code == 303
    pledges = (await client.get(f"/api/v1/bids/{scene.bid_id}/pledges", headers=scene.ben_headers)).json()
    assert [p["amount_pence"] for p in pledges] == [1_234_567]


async def test_an_amount_above_the_limit_is_explained_on_the_field(client: Client, scene: Scene) -> None:
    await sign_in(client, BEN)
    answer = await post_form(client, f"/bids/{scene.bid_id}/pledge", {"amount": "1000000000000000", "action": "draft"})
    assert answer.status_code == 422 and error_links(answer.text) == ["amount"]
    words = text_of(answer.text)
    assert "The amount you pledge must be at most £10,000,000,000." in words
    assert _field_error(answer.text, "amount") == "Error: The amount you pledge must be at most £10,000,000,000."
    assert "Expected" not in words and "amount_pence" not in answer.text
    path = await _ana_covers_leeds_and_bradford(client, scene)
    district = await post_form(
        client,
        path,
        {
            "amount": "2,500",
            "areas": LEEDS,
            f"area-amount-{LEEDS}": "1000000000000000",
            "version": "1",
            "action": "save",
        },
    )
    assert district.status_code == 422 and error_links(district.text) == ["areas"]
    assert "The amount for a district must be at most £10,000,000,000." in _field_error(district.text, "areas")


async def test_amounts_for_every_ticked_district_must_make_up_the_pledge(client: Client, scene: Scene) -> None:
    path = await _ana_covers_leeds_and_bradford(client, scene)
    typed = {"amount": "75,000", "areas": LEEDS, f"area-amount-{LEEDS}": "1,000", "version": "1", "action": "save"}
    short = await post_form(client, path, typed)
    assert short.status_code == 422 and error_links(short.text) == ["areas"]
    expected = (
        "You set an amount for every district you chose, and they add up to £1,000 of this £75,000 pledge. "
        "Make them add up to £75,000, or leave one district's amount blank so the rest goes there."
    )
    assert expected in _field_error(short.text, "areas")
    assert (await _read(client, scene))["version"] == 1
    # Leaving Bradford's amount blank sends the other £74,000 there.
    saved = await post_form(client, path, {**typed, "areas": [LEEDS, BRADFORD]})
    assert saved.status_code == 303
    read = await _read(client, scene)
    assert read["amount_pence"] == 7_500_000
    assert [(a["district_code"], a["amount_pence"]) for a in read["areas"]] == [(LEEDS, 100_000), (BRADFORD, None)]
    assert "If you set an amount for every ticked district, they must add up to the whole pledge." in text_of(
        (await client.get(path)).text
    )


async def test_an_amount_beside_an_unticked_district_is_an_error_there(client: Client, scene: Scene) -> None:
    path = await _ana_covers_leeds_and_bradford(client, scene)
    answer = await post_form(
        client,
        path,
        {"amount": "2,500", f"area-amount-{LEEDS}": "1,000", f"area-amount-{BRADFORD}": "", "version": "1"},
    )
    assert answer.status_code == 422 and error_links(answer.text) == [f"area-amount-{LEEDS}"]
    message = "You gave an amount for Leeds but did not tick it; tick it or clear the amount."
    assert message in text_of(answer.text) and message in _field_error(answer.text, f"area-amount-{LEEDS}")
    assert f'id="area-amount-{LEEDS}" name="area-amount-{LEEDS}" type="text" inputmode="decimal" value="1,000"' in (
        answer.text
    )
    assert (await _read(client, scene))["version"] == 1


async def test_district_amounts_over_the_pledge_link_to_the_districts(client: Client, scene: Scene) -> None:
    path = await _ana_covers_leeds_and_bradford(client, scene)
    over = await post_form(
        client, path, {"amount": "1,000", "areas": LEEDS, f"area-amount-{LEEDS}": "5,000", "version": "1"}
    )
    assert over.status_code == 422 and error_links(over.text) == ["areas"]
    assert '<fieldset class="fieldset" id="areas"' in over.text
    assert "add up to £5,000, more than the pledge of £1,000" in _field_error(over.text, "areas")
    assert _field_error(over.text, "other_areas") == ""
    # A district that is not recognised was typed under "Other districts": that is where it is shown.
    unknown = await post_form(client, path, {"amount": "1,000", "other_areas": "Nowhereshire", "version": "1"})
    assert unknown.status_code == 422 and error_links(unknown.text) == ["other_areas"]


def _form_buttons(html: str) -> list[str]:
    form = html.split('id="pledge-form"', 1)[1].split("</form>", 1)[0]
    return re.findall(r'<button type="submit" name="action" value="(\w+)"', form)


async def test_enter_in_a_field_saves_rather_than_submits(client: Client, scene: Scene) -> None:
    """Browsers send a form's first submit button when Enter is pressed in a field: that must be saving."""
    await sign_in(client, BEN)
    start = await client.get(f"/bids/{scene.bid_id}/pledge")
    assert _form_buttons(start.text) == ["draft", "submit"]
    draft = await post_form(client, f"/bids/{scene.bid_id}/pledge", {"amount": "5,000", "action": "draft"})
    page = await client.get(draft.headers["location"])
    assert _form_buttons(page.text) == ["save", "submit"]
    assert ">Save draft</button>" in page.text and ">Submit pledge</button>" in page.text


async def test_saving_without_a_change_makes_no_new_version(client: Client, scene: Scene) -> None:
    await sign_in(client, ANA)
    path = f"/pledges/{scene.ana_pledge}"
    events = await AuditEvent.count()
    same = {"amount": "2,500", "themes": "Food security", "board_approved": "yes", "version": "1", "action": "save"}
    saved = await post_form(client, path, same)
    assert saved.status_code == 303
    assert "Nothing had changed, so the pledge is as it was." in text_of((await client.get(path)).text)
    assert (await _read(client, scene))["version"] == 1 and await AuditEvent.count() == events
    history = text_of((await client.get(f"{path}/history")).text)
    assert "Pledge made" in history and "Changed" not in history
    changed = await post_form(client, path, {**same, "conditions": "Subject to our board"})
    assert changed.status_code == 303 and "Your changes are saved." in text_of((await client.get(path)).text)
    assert (await _read(client, scene))["version"] == 2 and await AuditEvent.count() == events + 1


async def test_long_unbroken_text_wraps_on_the_history_page(client: Client, scene: Scene) -> None:
    long_text = "x" * 3000
    changed = await client.patch(
        f"/api/v1/pledges/{scene.ana_pledge}",
        json={"purpose": long_text, "conditions": long_text},
        headers={**scene.ana_headers, "If-Match": "1"},
    )
    assert changed.status_code == 200
    await sign_in(client, ANA)
    page = await client.get(f"/pledges/{scene.ana_pledge}/history")
    timeline = page.text.split('<ol class="timeline text-wrap"', 1)
    assert len(timeline) == 2 and long_text in timeline[1]  # the long text sits inside the wrapping list
    css = (await client.get("/static/site.css")).text
    assert re.search(r"\.text-wrap \{ overflow-wrap: anywhere; \}", css)
