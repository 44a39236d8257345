from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from consortium.audit.tables import AuditEvent
from consortium.bids.tables import Bid, Invitation
from tests.factories import PASSWORD, Client, convenor, future, invitation_token, join, open_bid, organisation, pledge


async def test_convenor_creates_and_reads_a_bid_with_its_rules_described(client: Client) -> None:
    network_id, headers = await convenor()
    rules = [{"key": "min_total", "amount_pence": 100_000_000}, {"key": "min_pledge", "amount_pence": 1_000_000}]
    bid = await open_bid(client, headers, network_id, rules=rules, match_cap_pence=50_000_000_00)
    assert bid["status"] == "open" and bid["your_role"] == "convenor"
    assert [r["key"] for r in bid["rules"]] == ["min_total", "min_pledge"]
    assert all(r["description"] for r in bid["rules"])
    assert {r["scope"] for r in bid["rules"]} == {"consortium", "member"}
    listed = await client.get("/api/v1/bids", headers=headers)
    assert [b["id"] for b in listed.json()] == [bid["id"]]
    assert await AuditEvent.count().where(AuditEvent.entity_type == "bid") == 2  # create, open


async def test_bad_bid_input_gets_a_clear_message_and_saves_nothing(client: Client) -> None:
    network_id, headers = await convenor()
    past = {"network_id": network_id, "title": "T", "funder_name": "F", "deadline": "2020-07-01T12:00:00Z"}
    response = await client.post("/api/v1/bids", json=past, headers=headers)
    assert response.status_code == 422
    assert "past" in response.json()["message"]
    naive = dict(past, deadline="2099-07-01T12:00:00")
    assert (await client.post("/api/v1/bids", json=naive, headers=headers)).status_code == 400
    unknown_rule = dict(past, deadline=future(), rules=[{"key": "make_it_rain"}])
    response = await client.post("/api/v1/bids", json=unknown_rule, headers=headers)
    assert response.status_code == 422
    assert "min_total" in response.json()["message"]  # lists the rules that do exist
    for far in ("9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59Z", "2200-01-01T12:00:00Z"):
        response = await client.post("/api/v1/bids", json=dict(past, deadline=far), headers=headers)
        assert response.status_code == 422, (far, response.text)
        assert response.json()["message"] == "The deadline must be within the next 10 years. Check the year."
    response = await client.post("/api/v1/bids", json=dict(past, deadline="0001-01-01T00:00:00+14:00"), headers=headers)
    assert response.status_code == 422 and "past" in response.json()["message"]
    assert await Bid.count() == 0


async def test_a_deadline_years_away_is_refused_when_changed_and_nothing_is_saved(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    for far in ("9999-12-31T23:59:59-05:00", "2200-01-01T12:00:00Z"):
        response = await client.patch(f"/api/v1/bids/{bid['id']}", json={"deadline": far}, headers=headers)
        assert response.status_code == 422, (far, response.text)
        assert "within the next 10 years" in response.json()["message"]
    again = (await client.get(f"/api/v1/bids/{bid['id']}", headers=headers)).json()
    assert again["deadline"] == bid["deadline"]


async def test_another_networks_convenor_cannot_see_or_change_the_bid(client: Client) -> None:
    network_id, headers = await convenor()
    _, stranger = await convenor(name="Elsewhere Network")
    bid = await open_bid(client, headers, network_id)
    for method, path in [
        ("GET", f"/api/v1/bids/{bid['id']}"),
        ("PATCH", f"/api/v1/bids/{bid['id']}"),
        ("POST", f"/api/v1/bids/{bid['id']}/lock"),
        ("GET", f"/api/v1/bids/{bid['id']}/totals"),
        ("GET", f"/api/v1/bids/{bid['id']}/invitations"),
    ]:
        response = await client.request(method, path, headers=stranger, json={} if method == "PATCH" else None)
        assert response.status_code == 404, (method, path, response.text)


async def test_life_cycle_open_lock_unlock_submit(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    base = f"/api/v1/bids/{bid['id']}"
    assert (await client.post(f"{base}/open", headers=headers)).status_code == 409
    assert (await client.post(f"{base}/lock", headers=headers)).json()["status"] == "locked"
    assert (await client.post(f"{base}/unlock", headers=headers)).json()["status"] == "open"
    await client.post(f"{base}/lock", headers=headers)
    submitted = await client.post(f"{base}/submit", headers=headers)
    assert submitted.json()["status"] == "submitted"
    refused = await client.patch(base, json={"title": "New"}, headers=headers)
    assert refused.status_code == 409


async def test_bid_past_its_deadline_is_locked_by_the_server_clock(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    _, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    await Bid.update({Bid.deadline: datetime.now(UTC) - timedelta(minutes=1)}).where(Bid.id == bid["id"])
    read = await client.get(f"/api/v1/bids/{bid['id']}", headers=headers)
    assert read.json()["status"] == "locked" and read.json()["accepting_changes"] is False
    refused = await client.post(f"/api/v1/bids/{bid['id']}/pledges", json={"amount_pence": 100}, headers=member)
    assert refused.status_code == 409
    assert "deadline" in refused.json()["message"]
    assert "GMT" in refused.json()["message"] or "BST" in refused.json()["message"]


async def test_invitations_in_bulk_single_use_and_tracked(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    base = f"/api/v1/bids/{bid['id']}/invitations"
    bad = await client.post(base, json={"emails": ["a@example.org", "not an email"]}, headers=headers)
    assert bad.status_code == 422 and "not an email" in bad.json()["message"]
    assert await Invitation.count() == 0  # all or nothing
    made = await client.post(
        base, json={"emails": ["a@example.org", "B@example.org", "a@example.org"]}, headers=headers
    )
    assert made.status_code == 201
    assert made.json()["bid"] == (await client.get(f"/api/v1/bids/{bid['id']}", headers=headers)).json()
    assert [i["email"] for i in made.json()["invitations"]] == ["a@example.org", "b@example.org"]
    token = urlparse(made.json()["invitations"][0]["accept_url"]).path.rsplit("/", 1)[-1]
    assert not await Invitation.exists().where(Invitation.token_hash == token)  # stored hashed
    info = await client.get(f"/api/v1/invitations/{token}")
    assert info.json()["bid_title"] == bid["title"]
    accept = {
        "name": "Ada",
        "password": PASSWORD,
        "organisation": organisation("Ashbrook Homes", org_id="GB-SHPE-L0001"),
    }
    assert (await client.post(f"/api/v1/invitations/{token}/accept", json=accept)).status_code == 201
    client.cookies.clear()
    again = await client.post(f"/api/v1/invitations/{token}/accept", json=accept)
    assert again.status_code == 410
    listed = {i["email"]: i["status"] for i in (await client.get(base, headers=headers)).json()}
    assert listed == {"a@example.org": "joined", "b@example.org": "invited"}


async def test_expired_invitation_says_so(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    token = await invitation_token(client, headers, bid["id"], "a@example.org")
    await Invitation.update({Invitation.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Invitation.email == "a@example.org"
    )
    response = await client.get(f"/api/v1/invitations/{token}")
    assert response.status_code == 410 and "expired" in response.json()["message"]


async def test_invalid_identifier_on_accept_explains_the_format(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    token = await invitation_token(client, headers, bid["id"], "a@example.org")
    accept = {"name": "Ada", "password": PASSWORD, "organisation": organisation("Ashbrook", org_id="GB-CHC-12")}
    response = await client.post(f"/api/v1/invitations/{token}/accept", json=accept)
    assert response.status_code == 422
    assert "GB-CHC" in response.json()["message"]
    assert (await client.get(f"/api/v1/invitations/{token}")).status_code == 200  # still usable


async def test_member_sees_headline_totals_but_not_other_members(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    a, member_a = await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    b, member_b = await join(client, headers, bid["id"], organisation("Calder Valley Housing"))
    await pledge(client, member_a, bid["id"], 10_000_00)
    await pledge(client, member_b, bid["id"], 30_000_00)
    totals = (await client.get(f"/api/v1/bids/{bid['id']}/totals", headers=member_a)).json()
    # The default: a range (£40,000 less its own £10,000 would be the other member's pledge).
    assert totals["pledged_pence"] is None and totals["pledged_band"] == "£25,000 to £50,000"
    assert "members" not in totals and "by_region" not in totals
    full = (await client.get(f"/api/v1/bids/{bid['id']}/totals", headers=headers)).json()
    assert {m["organisation_id"]: m["pledged_pence"] for m in full["members"]} == {a: 10_000_00, b: 30_000_00}
    members = (await client.get(f"/api/v1/bids/{bid['id']}/members", headers=member_a)).json()
    assert [m["organisation_id"] for m in members] == [a]
    assert (await client.get(f"/api/v1/organisations/{b}", headers=member_a)).status_code == 404
    assert (await client.get(f"/api/v1/organisations/{b}", headers=headers)).status_code == 200


async def test_withdrawing_a_member_twice_records_it_once(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    org_id, _ = await join(client, headers, bid["id"], organisation("Ashbrook Homes"))
    path = f"/api/v1/bids/{bid['id']}/members/{org_id}/withdraw"
    first, second = [await client.post(path, headers=headers) for _ in range(2)]
    assert first.status_code == second.status_code == 200
    assert first.json()["member"]["status"] == second.json()["member"]["status"] == "withdrawn"
    assert first.json()["bid"]["id"] == bid["id"] and "Ashbrook Homes has withdrawn" in first.json()["message"]
    withdrawals = await AuditEvent.count().where(
        (AuditEvent.bid_id == bid["id"]) & (AuditEvent.action == "membership.withdraw")
    )
    assert withdrawals == 1


async def test_rules_read_from_one_bid_can_be_sent_to_another_unchanged(client: Client) -> None:
    network_id, headers = await convenor()
    rules = [{"key": "min_total", "amount_pence": 100_000_000}, {"key": "allowed_areas", "area_codes": ["E92000001"]}]
    source = await open_bid(client, headers, network_id, rules=rules)
    target = await open_bid(client, headers, network_id, title="Second bid")
    read = (await client.get(f"/api/v1/bids/{source['id']}/rules", headers=headers)).json()
    assert read and all(set(rule) >= {"key", "scope", "description", "params"} for rule in read)
    sent = await client.put(f"/api/v1/bids/{target['id']}/rules", json={"rules": read}, headers=headers)
    assert sent.status_code == 200, sent.text
    assert sent.json()["rules"] == read  # the bid, its rules as GET .../rules reads them
    assert sent.json() == (await client.get(f"/api/v1/bids/{target['id']}", headers=headers)).json()


async def test_a_bid_lists_at_most_fifty_themes(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    many = await client.patch(
        f"/api/v1/bids/{bid['id']}", json={"themes": [f"Theme {n}" for n in range(10_000)]}, headers=headers
    )
    assert many.status_code in {400, 422} and "themes" in many.json()["message"], many.text
    assert (await client.get(f"/api/v1/bids/{bid['id']}", headers=headers)).json()["themes"] == bid["themes"]


async def test_every_bid_write_answers_the_bid_as_get_reads_it(client: Client) -> None:
    """Terms, rules and life cycle answer the bid itself; membership and invitation writes answer {bid, ...} with
    what they changed beside it. A script never needs a second read to see the bid as it now stands."""
    network_id, conv = await convenor()
    created = await client.post(
        "/api/v1/bids",
        json={"network_id": network_id, "title": "Warm Homes", "funder_name": "Funder", "deadline": future()},
        headers=conv,
    )
    assert created.status_code == 201
    base = f"/api/v1/bids/{created.json()['id']}"

    async def as_read() -> dict[str, Any]:
        return dict((await client.get(base, headers=conv)).json())

    assert created.json() == await as_read()
    rules = {"rules": [{"key": "min_pledge", "amount_pence": 1_000_00}]}
    for method, path, body in [
        ("POST", "/open", None),
        ("PATCH", "", {"title": "Warm Homes 2027"}),
        ("PUT", "/rules", rules),
        ("POST", "/lock", None),
        ("POST", "/unlock", None),
    ]:
        answer = await client.request(method, base + path, json=body, headers=conv)
        assert answer.status_code == 200, (method, path, answer.text)
        assert answer.json() == await as_read(), (method, path)
    bid = await as_read()
    assert bid["title"] == "Warm Homes 2027" and [r["key"] for r in bid["rules"]] == ["min_pledge"]

    invited = await client.post(f"{base}/invitations", json={"emails": ["x@example.org"]}, headers=conv)
    assert invited.status_code == 201 and invited.json()["bid"] == await as_read()
    [invitation] = invited.json()["invitations"]
    resent = await client.post(f"{base}/invitations/{invitation['id']}/resend", headers=conv)
    assert resent.json()["bid"] == await as_read() and resent.json()["invitations"][0]["accept_url"]

    # Two organisations from another bid use links sent to other addresses: they wait for the convenor.
    earlier = await open_bid(client, conv, network_id, title="Earlier call")
    waiting = {}
    for name in ("Xavier Homes", "Yew Tree Housing"):
        org, person = await join(client, conv, earlier["id"], organisation(name))
        token = await invitation_token(client, conv, bid["id"], f"{name.split()[0].lower()}@example.org")
        used = await client.post(f"/api/v1/invitations/{token}/accept", json={"organisation_id": org}, headers=person)
        assert used.status_code == 201 and used.json()["status"] == "pending" and used.json()["bid"] is None
        waiting[name] = org
    approved = await client.post(f"{base}/members/{waiting['Xavier Homes']}/approve", headers=conv)
    assert approved.json()["bid"] == await as_read()
    assert (
        approved.json()["member"]["status"] == "joined"
        and approved.json()["message"] == "Xavier Homes has joined the bid."
    )
    refused = await client.post(f"{base}/members/{waiting['Yew Tree Housing']}/refuse", headers=conv)
    assert refused.json()["bid"] == await as_read() and refused.json()["member"] is None
    assert "does not join" in refused.json()["message"]

    ash, _ = await join(client, conv, bid["id"], organisation("Ashbrook Homes"))
    brook, brook_headers = await join(client, conv, bid["id"], organisation("Brook Homes"))
    by_convenor = await client.post(f"{base}/members/{ash}/withdraw", headers=conv)
    assert by_convenor.json()["bid"] == await as_read() and by_convenor.json()["member"]["status"] == "withdrawn"
    # A member that withdraws itself no longer sees the bid: the answer says so with a null bid.
    by_itself = await client.post(f"{base}/members/{brook}/withdraw", headers=brook_headers)
    assert by_itself.status_code == 200 and by_itself.json()["bid"] is None
    member = by_itself.json()["member"]
    assert (member["organisation_id"], member["status"]) == (brook, "withdrawn")
    assert (await client.get(base, headers=brook_headers)).status_code == 404

    for action in ("lock", "submit"):
        answer = await client.post(f"{base}/{action}", headers=conv)
        assert answer.status_code == 200 and answer.json() == await as_read()
    assert (await as_read())["status"] == "submitted"


async def test_eligibility_reports_the_eligible_total_as_the_totals_do(client: Client) -> None:
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id, rules=[{"key": "min_pledge", "amount_pence": 20_000_00}])
    _, small = await join(client, conv, bid["id"], organisation("Ashbrook Homes"))
    _, large = await join(client, conv, bid["id"], organisation("Calder Valley Housing"))
    await pledge(client, small, bid["id"], 10_000_00)
    await pledge(client, large, bid["id"], 30_000_00)
    for headers in (conv, small):
        eligibility = (await client.get(f"/api/v1/bids/{bid['id']}/eligibility", headers=headers)).json()
        totals = (await client.get(f"/api/v1/bids/{bid['id']}/totals", headers=headers)).json()
        if headers is conv:
            assert eligibility["eligible_pence"] == totals["eligible_pence"] == 30_000_00
            assert totals["pledged_pence"] == 40_000_00 and eligibility["eligible"] is False
        else:  # a member, in the default: the same total, as a range
            assert eligibility["eligible_pence"] is None and totals["eligible_pence"] is None
            assert eligibility["eligible_band"] == totals["eligible_band"] == "£25,000 to £50,000"
            assert eligibility["eligible"] is False
