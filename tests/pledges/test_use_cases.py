"""Each use case is one service call in one transaction that checks everything first: every problem is answered
at once (one 422 listing them all, by field), and a use case refused part-way leaves nothing changed."""

from __future__ import annotations

from consortium.audit.tables import AuditEvent
from consortium.pledges.tables import Pledge
from tests.factories import Client, convenor, join, open_bid, organisation, pledge
from tests.web.helpers import error_links, post_form, sign_in, text_of

EMAIL = "ana@example.org"


async def _bid_with_member(client: Client) -> tuple[int, dict[str, str]]:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id, themes=["Food security", "Digital inclusion"])
    _, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes"), email=EMAIL)
    return int(bid["id"]), member


async def test_every_problem_with_a_pledge_is_answered_at_once(client: Client) -> None:
    bid_id, member = await _bid_with_member(client)
    body = {
        "amount_pence": 1_000_00,
        "themes": ["Food security", "Weather control"],
        "areas": [{"district_code": "Nowhereshire"}, {"district_code": "Leeds", "amount_pence": 500_00}],
        "submit": True,
    }
    refused = await client.post(f"/api/v1/bids/{bid_id}/pledges", json=body, headers=member)
    assert refused.status_code == 422, refused.text
    answer = refused.json()
    # Two fields at fault: the districts (one not recognised) and the themes (one not the bid's).
    assert set(answer["fields"]) == {"areas", "themes"} and "field" not in answer  # not one field
    assert any("Nowhereshire" in message for message in answer["fields"]["areas"])
    assert "Weather control" in " ".join(answer["fields"]["themes"])
    assert answer["errors"] == [*answer["fields"]["areas"], *answer["fields"]["themes"]]
    assert all(message in answer["message"] for message in answer["errors"])
    assert await Pledge.count() == 0
    # A change is checked the same way: districts' amounts beyond the pledge and an unknown theme, together.
    made = await pledge(client, member, bid_id, 1_000_00, themes=["Food security"])
    changed = await client.patch(
        f"/api/v1/pledges/{made['id']}",
        json={"themes": ["Rain"], "areas": [{"district_code": "Leeds", "amount_pence": 5_000_00}]},
        headers=member | {"If-Match": "1"},
    )
    assert changed.status_code == 422 and set(changed.json()["fields"]) == {"areas", "themes"}
    assert "more than the pledge of £1,000" in changed.json()["message"]
    # One problem is answered as before: on its field.
    alone = await client.patch(
        f"/api/v1/pledges/{made['id']}", json={"themes": ["Rain"]}, headers=member | {"If-Match": "1"}
    )
    assert alone.status_code == 422 and alone.json()["field"] == "themes"
    assert (await Pledge.select(Pledge.version).first())["version"] == 1  # type: ignore[index]


async def test_a_form_lists_what_it_could_not_read_with_the_services_problems(client: Client) -> None:
    bid_id, _ = await _bid_with_member(client)
    await sign_in(client, EMAIL)
    typed = {"amount": "10,00", "themes": "Food security", "other_areas": "Nowhereshire", "action": "submit"}
    answer = await post_form(client, f"/bids/{bid_id}/pledge", typed)
    # The amount could not be read (the page's words), the district was not recognised (the services'): both now.
    assert answer.status_code == 422 and error_links(answer.text) == ["amount", "other_areas"]
    assert "A comma only goes between thousands" in text_of(answer.text)
    assert "Nowhereshire" in text_of(answer.text)


async def test_submitting_a_withdrawn_pledge_with_a_bad_change_changes_nothing(client: Client) -> None:
    """Submit again and change, in one transaction: refused as a whole, the pledge stays withdrawn (saving, then
    submitting, in separate steps would have left it submitted with its old content)."""
    bid_id, member = await _bid_with_member(client)
    made = await pledge(client, member, bid_id, 2_500_00, themes=["Food security"])
    url = f"/api/v1/pledges/{made['id']}"
    assert (await client.post(f"{url}/withdraw", headers=member | {"If-Match": "1"})).status_code == 200
    events = await AuditEvent.count()
    await sign_in(client, EMAIL)
    path = f"/pledges/{made['id']}"
    bad = {"amount": "3,000", "themes": "Food security", "other_areas": "Nowhereshire", "version": "2"}
    refused = await post_form(client, path, {**bad, "action": "submit"})
    assert refused.status_code == 422 and error_links(refused.text) == ["other_areas"]
    read = (await client.get(url, headers=member)).json()
    assert (read["status"], read["version"], read["amount_pence"]) == ("withdrawn", 2, 2_500_00)
    assert await AuditEvent.count() == events
    # Put right, the same button submits it again and saves the change: two steps of its history, one request.
    done = await post_form(client, path, {**bad, "other_areas": "", "action": "submit"})
    assert done.status_code == 303
    read = (await client.get(url, headers=member)).json()
    assert (read["status"], read["version"], read["amount_pence"]) == ("submitted", 4, 3_000_00)
    history = (await client.get(f"{url}/history", headers=member)).json()
    assert [e["action"] for e in history][-2:] == ["pledge.submit", "pledge.update"]


async def test_saving_and_submitting_a_draft_is_one_request_with_each_step_in_the_history(client: Client) -> None:
    bid_id, member = await _bid_with_member(client)
    draft = await pledge(client, member, bid_id, 1_000_00, submit=False)
    await sign_in(client, EMAIL)
    path = f"/pledges/{draft['id']}"
    saved = await post_form(client, path, {"amount": "1,500", "version": "1", "action": "submit"})
    assert saved.status_code == 303
    read = (await client.get(f"/api/v1/pledges/{draft['id']}", headers=member)).json()
    assert (read["status"], read["version"], read["amount_pence"]) == ("submitted", 3, 1_500_00)
    history = (await client.get(f"/api/v1/pledges/{draft['id']}/history", headers=member)).json()
    assert [e["action"] for e in history] == ["pledge.create", "pledge.update", "pledge.submit"]
    # Submitting it again, unchanged, makes no new version.
    again = await post_form(client, path, {"amount": "1,500", "version": "3", "action": "submit"})
    assert again.status_code == 303
    assert (await client.get(f"/api/v1/pledges/{draft['id']}", headers=member)).json()["version"] == 3
