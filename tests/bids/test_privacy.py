"""What members may see of others: the red-team proof that, in "bands" mode (the default), no member can work out
another member's pledge from anything it can reach, and that in "figures" mode the exact totals are there.

How a member attacks (``infer``): it knows its own pledge and eligibility, reads every band, every rule's verdict
and threshold, and what would change if it withdrew; it is even told how many other members are eligible. From
those it narrows the eligible total E, the others' sum S = E - own, and the largest other member L, which lies
between S / k (k other eligible members) and S, within the share limit ("at most p% of E" when the rule is met,
"more than p% of E" when another member breaks it), and at least the minimum pledge.

The width asserted (``least_width``): the bands put every threshold a verdict reveals on a band edge, and every
band spans a factor of at least 1.5 (privacy.CLEARANCE), so E is known only within E_hi - E_lo >= E_hi / 3 > E / 3.
L's interval then keeps at least min(p, 1/k) of that: met, its ends are S_lo / k and min(S_hi, p E_hi), which are
apart by at least (E - E_lo) / k + p (E_hi - E) >= min(p, 1/k) (E_hi - E_lo); broken, they are p E_lo and S_hi,
apart by at least p (E_hi - E_lo). So the largest other member is never known closer than min(p, 1/k) E / 3: with
a 40% limit and four others, a twelfth of the whole eligible total. Today, with exact figures, it is a penny.
"""

from __future__ import annotations

from datetime import datetime
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from consortium.analysis.frames import MatchTerms
from consortium.analysis.rules import parse_rules
from consortium.bids import privacy
from consortium.mail.tables import OutboxMessage
from tests.factories import Client, convenor, join, open_bid, organisation, pledge
from tests.security.privacy_attack import (
    Scenario,
    examples,
    infer,
    leaked,
    least_width,
    money_forms,
    reached,
    scenarios,
    secrets,
    seen,
    share_forms,
)
from tests.web.helpers import post_form, sign_in, text_of

# --- the proof --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", examples(scenarios()), ids=lambda s: f"{len(s.amounts)}m-{s.observer}")
def test_in_bands_no_member_can_work_out_another_members_pledge(scenario: Scenario) -> None:
    full, view = seen(scenario, privacy.BANDS)
    text = reached(view)
    assert leaked(text, secrets(full, scenario)) == []
    assert view.totals.eligible_pence is None and view.eligibility.eligible_pence is None
    assert view.then_totals is not None and view.then_totals.eligible_pence is None
    for rule in [*view.eligibility.rules, *(view.then_eligibility.rules if view.then_eligibility else [])]:
        if rule.scope == "consortium" and rule.key != "min_members":
            assert rule.actual is None, rule

    eligible = [m for m in full.eligibility.members if m.passed and m.organisation_id != scenario.observer]
    others = len(eligible)
    assert others >= 2, "the scenarios have several members, each eligible"
    largest = max(m.pledged_pence for m in eligible)
    low, high = infer(view, scenario, others)
    assert low <= largest <= high, "the attacker's reasoning is sound: the truth lies within what it infers"
    assert high - low >= least_width(full, scenario, others), (low, high, largest)


@pytest.mark.parametrize("scenario", examples(scenarios(), 30), ids=lambda s: f"{len(s.amounts)}m-{s.observer}")
def test_with_figures_the_exact_totals_are_there(scenario: Scenario) -> None:
    full, view = seen(scenario, privacy.FIGURES)
    text = reached(view)
    found = secrets(full, scenario)
    assert leaked(text, {k: found[k] for k in ("the pledged total", "the eligible total")})
    assert view.totals.eligible_pence == full.totals.eligible_pence and view.totals.eligible_band is None
    own = scenario.amounts[scenario.observer - 1]
    assert view.then_totals is not None and view.then_totals.pledged_pence == full.totals.pledged_pence - own
    # Still never another member's own row or share.
    assert [m.organisation_id for m in view.eligibility.members] == [scenario.observer]
    share = next(r for r in view.eligibility.rules if r.key == "max_member_share")
    assert share.actual is None and share.actual_text == privacy.FIGURE_NOT_SHOWN


def test_every_threshold_is_a_band_edge_and_bands_stay_wide() -> None:
    rules = parse_rules(
        [{"key": "min_total", "amount_pence": 2_400_000_00}, {"key": "max_total", "amount_pence": 9_000_000_00}]
    )
    setting = privacy.Setting(privacy.BANDS, tuple(rules), MatchTerms(1, 1, 1_000_000_00))
    edges = setting.money()
    assert 2_400_000_00 in edges.values and 9_000_000_01 in edges.values and 1_000_000_01 in edges.values
    assert 2_500_000_00 not in edges.values  # too close to the minimum: dropped
    for low, high in zip(edges.values, edges.values[1:], strict=False):
        assert high >= low * 3 // 2 or {low, high} <= {2_400_000_00, 9_000_000_01, 1_000_000_01}, (low, high)
    assert privacy.band_of(2_450_000_00, edges, privacy.money_text).text == "£2,400,000 to £5,000,000"
    assert privacy.band_of(9_500_000_00, edges, privacy.money_text).text == "more than £9,000,000 to £25,000,000"
    assert privacy.band_of(5_000_00, edges, privacy.money_text).text == "under £10,000"
    assert privacy.band_of(2_000_000_000_00, edges, privacy.money_text).text == "£1,000,000,000 or more"


# --- every way in, end to end -----------------------------------------------------------------------------------


async def _bid_of(client: Client, scenario: Scenario) -> dict[str, Any]:
    """The scenario as a real bid on the real database: the observer signs in with a password for the pages."""
    network_id, conv = await convenor()
    bid = await open_bid(
        client,
        conv,
        network_id,
        rules=scenario.rules,
        match_funder_part=scenario.funder_part,
        match_cap_pence=scenario.cap,
    )
    organisations: dict[int, int] = {}
    headers: dict[int, dict[str, str]] = {}
    for i, amount in enumerate(scenario.amounts, start=1):
        email = OBSERVER_EMAIL.format(bid=bid["id"]) if i == scenario.observer else None
        organisations[i], headers[i] = await join(client, conv, bid["id"], organisation(f"Member {i}"), email=email)
        await pledge(client, headers[i], bid["id"], amount)
    client.cookies.clear()
    return {
        "id": bid["id"],
        "convenor": conv,
        "own": organisations[scenario.observer],
        "me": headers[scenario.observer],
    }


OBSERVER_EMAIL = "observer-{bid}@example.org"


async def everything_reached(client: Client, bid: dict[str, Any]) -> str:
    """Every answer the observer can reach about the bid: the API (figures, what if it withdrew, the bid, its
    members, its own pledges), the bid page, and the mail sent to it."""
    base, me, own = f"/api/v1/bids/{bid['id']}", bid["me"], bid["own"]
    texts = []
    for url in (
        base,
        f"{base}/totals",
        f"{base}/eligibility",
        f"{base}/totals?without={own}",
        f"{base}/eligibility?without={own}",
        f"{base}/members",
        f"{base}/rules",
        f"{base}/pledges",
    ):
        answer = await client.get(url, headers=me)
        assert answer.status_code == 200, (url, answer.text)
        texts.append(answer.text)
    await sign_in(client, OBSERVER_EMAIL.format(bid=bid["id"]))
    page = await client.get(f"/bids/{bid['id']}")
    assert page.status_code == 200
    texts += [page.text, unescape(page.text)]
    client.cookies.clear()
    mail = await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.text_body, OutboxMessage.html_body).where(
        OutboxMessage.organisation == own
    )
    texts += [" ".join(message.values()) for message in mail]
    return "\n".join(texts)


@pytest.mark.parametrize("scenario", examples(scenarios(), 3), ids=lambda s: f"{len(s.amounts)}m-{s.observer}")
async def test_on_every_way_in_a_member_sees_bands_unless_the_convenor_shows_figures(
    client: Client, scenario: Scenario
) -> None:
    bid = await _bid_of(client, scenario)
    full_totals = (await client.get(f"/api/v1/bids/{bid['id']}/totals", headers=bid["convenor"])).json()
    own = scenario.amounts[scenario.observer - 1]
    secret = {
        "the pledged total": money_forms(full_totals["pledged_pence"]),
        "the eligible total": money_forms(full_totals["eligible_pence"]),
        "the others' pledges added up": money_forms(full_totals["pledged_pence"] - own),
        **{
            f"member {i}'s pledge": money_forms(amount)
            for i, amount in enumerate(scenario.amounts, start=1)
            if i != scenario.observer
        },
        **{
            f"member {i}'s share": share_forms(amount, full_totals["eligible_pence"], scenario.share_limit)
            for i, amount in enumerate(scenario.amounts, start=1)
            if i != scenario.observer
        },
    }
    text = await everything_reached(client, bid)
    assert leaked(text, secret) == []
    totals = (await client.get(f"/api/v1/bids/{bid['id']}/totals", headers=bid["me"])).json()
    assert totals["figures"] == "bands" and totals["eligible_pence"] is None and totals["eligible_band"]
    assert totals["eligible_band"] in text_of(text)  # the page shows the same range

    # The convenor chooses to show figures: now they are there, exactly (and the test above could fail).
    changed = await client.patch(
        f"/api/v1/bids/{bid['id']}", json={"member_figures": "figures"}, headers=bid["convenor"]
    )
    assert changed.status_code == 200, changed.text
    text = await everything_reached(client, bid)
    assert leaked(text, {k: secret[k] for k in ("the pledged total", "the eligible total")})
    totals = (await client.get(f"/api/v1/bids/{bid['id']}/totals", headers=bid["me"])).json()
    assert totals["figures"] == "figures" and totals["eligible_pence"] == full_totals["eligible_pence"]


async def test_the_bid_form_sets_what_members_see_and_sign_off(client: Client) -> None:
    network_id, conv = await convenor(email="form-convenor@example.org")
    bid = await open_bid(client, conv, network_id)
    assert bid["member_figures"] == "bands" and bid["require_sign_off"] is False
    await sign_in(client, "form-convenor@example.org")
    form = await client.get(f"/bids/{bid['id']}/edit")
    words = text_of(form.text)
    assert "What members see of the consortium's figures" in words
    assert "Ranges and pass or fail (recommended)" in words and "Exact figures" in words
    assert "Require every member to sign off the latest document version" in words
    assert 'value="bands" checked' in form.text
    fields = {"title": bid["title"], "funder_name": bid["funder_name"], "deadline_date": "", "deadline_time": "12:00"}
    current = await client.get(f"/api/v1/bids/{bid['id']}", headers=conv)
    deadline = datetime.fromisoformat(current.json()["deadline"]).astimezone(ZoneInfo("Europe/London"))
    fields.update(
        deadline_date=deadline.strftime("%d/%m/%Y"),
        deadline_time=deadline.strftime("%H:%M"),
        match_consortium_part="1",
        match_funder_part="1",
        reminder_days="7, 3, 1",
    )
    saved = await post_form(
        client, f"/bids/{bid['id']}/edit", {**fields, "member_figures": "figures", "require_sign_off": "yes"}
    )
    assert saved.status_code == 303, saved.text[:2000]
    after = (await client.get(f"/api/v1/bids/{bid['id']}", headers=conv)).json()
    assert after["member_figures"] == "figures" and after["require_sign_off"] is True
    # A choice no form offers: said beside the field, nothing saved.
    refused = await post_form(client, f"/bids/{bid['id']}/edit", {**fields, "member_figures": "everything"})
    assert refused.status_code == 422
    assert "Choose what members see" in text_of(refused.text)
    assert (await client.get(f"/api/v1/bids/{bid['id']}", headers=conv)).json()["member_figures"] == "figures"
    # Unticked, the box clears the requirement; the choice goes back to ranges.
    await post_form(client, f"/bids/{bid['id']}/edit", {**fields, "member_figures": "bands"})
    after = (await client.get(f"/api/v1/bids/{bid['id']}", headers=conv)).json()
    assert after["member_figures"] == "bands" and after["require_sign_off"] is False


async def test_the_api_description_says_what_the_bands_are(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    found = {
        name: part["properties"]
        for name, part in schema["components"]["schemas"].items()
        if "properties" in part and ("eligible_band" in part["properties"] or "actual_band" in part["properties"])
    }
    described = {
        field: text
        for properties in found.values()
        for field, spec in properties.items()
        if field.endswith("_band") and (text := str(spec.get("description", "")))
    }
    assert {"pledged_band", "eligible_band", "match_requested_band", "homes_band", "actual_band"} <= described.keys()
    assert "range" in described["eligible_band"]
    eligibility = schema["paths"]["/api/v1/bids/{bid_id}/eligibility"]["get"]["responses"]["200"]
    assert "EligibilityView" in str(eligibility)
