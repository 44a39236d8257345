"""Access follows a person's role in the organisation the data belongs to, on the API and the pages alike: a viewer
reads, an editor changes the profile, districts and pledges and may withdraw the organisation from a bid, and only a
signatory sets or clears a pledge's board approval. A refusal is 403 with a plain message and leaves every stored
row as it was; every change records the person's name and role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from consortium.accounts.services import create_api_token, create_user
from consortium.audit.tables import AuditEvent
from consortium.bids.tables import BidMember
from consortium.organisations.tables import Coverage, Organisation, OrganisationUser
from consortium.pledges.tables import Pledge
from consortium.words import READ_ONLY_ROLE, SIGNATORY_ONLY_BOARD_APPROVAL
from tests.factories import (
    PASSWORD,
    Client,
    bearer,
    convenor,
    invitation_token,
    join,
    open_bid,
    organisation,
    pledge,
)
from tests.web.helpers import post_form, sign_in, text_of

ROLES = ("viewer", "editor", "signatory")
NAMES = {"viewer": "Val Viewer", "editor": "Eddie Editor", "signatory": "Sian Signatory"}


@dataclass
class Scene:
    bid_id: int
    convenor: dict[str, str]
    org_a: int
    org_b: int
    founder_a: dict[str, str]
    pledge_a: int  # a draft of A's, not board approved
    approved_a: int  # a submitted pledge of A's, board approved
    pledge_b: int  # a draft of B's


async def _person(name: str, email: str, *roles: tuple[int, str]) -> tuple[int, dict[str, str]]:
    user_id = await create_user(email, name, PASSWORD)
    for organisation_id, role in roles:
        await OrganisationUser.insert(OrganisationUser(organisation=organisation_id, user=user_id, role=role))
    _, token = await create_api_token(user_id, "tests")
    return user_id, bearer(token)


async def _scene(client: Client) -> Scene:
    network_id, convenor_headers = await convenor()
    bid = await open_bid(client, convenor_headers, network_id)
    org_a, founder_a = await join(client, convenor_headers, bid["id"], organisation("Ashbrook Homes"))
    org_b, founder_b = await join(client, convenor_headers, bid["id"], organisation("Brookside Housing"))
    draft = await pledge(client, founder_a, bid["id"], 10_000_00, submit=False, board_approved=False)
    approved = await pledge(client, founder_a, bid["id"], 20_000_00, submit=True, board_approved=True)
    theirs = await pledge(client, founder_b, bid["id"], 30_000_00, submit=False, board_approved=False)
    return Scene(bid["id"], convenor_headers, org_a, org_b, founder_a, draft["id"], approved["id"], theirs["id"])


async def _stored() -> dict[str, Any]:
    """Every row a refused change could have touched."""
    return {
        "pledges": await Pledge.select().order_by(Pledge.id),
        "organisations": await Organisation.select().order_by(Organisation.id),
        "coverage": await Coverage.select(Coverage.organisation, Coverage.district_code, Coverage.homes).order_by(
            Coverage.id
        ),
        "members": await BidMember.select(BidMember.organisation, BidMember.status).order_by(BidMember.id),
        "audit": await AuditEvent.count(),
    }


async def _version(pledge_id: int) -> str:
    row = await Pledge.select(Pledge.version).where(Pledge.id == pledge_id).first()
    assert row is not None
    return str(row["version"])


async def _board_approved(pledge_id: int) -> bool:
    row = await Pledge.select(Pledge.board_approved).where(Pledge.id == pledge_id).first()
    assert row is not None
    return bool(row["board_approved"])


class Expect:
    """Send each change; a refusal must be 403 with its message and leave every stored row as it was."""

    def __init__(self, client: Client) -> None:
        self.client = client

    async def __call__(self, send: Any, status: int, message: str | None = None) -> Any:
        before = await _stored()
        answer = await send()
        assert answer.status_code == status, answer.text[:800]
        if status == 403:
            assert message is not None
            json = answer.headers["content-type"].startswith("application/json")
            assert message in (answer.json()["message"] if json else text_of(answer.text))
            assert await _stored() == before
        return answer


@pytest.mark.parametrize("role", ROLES)
async def test_every_api_write_follows_the_role(client: Client, role: str) -> None:
    scene = await _scene(client)
    user_id, person = await _person(NAMES[role], f"{role}@example.org", (scene.org_a, role))
    may_edit, may_sign = role != "viewer", role == "signatory"
    edit = 0 if may_edit else 403
    expect = Expect(client)
    board_refusal = SIGNATORY_ONLY_BOARD_APPROVAL if may_edit else READ_ONLY_ROLE
    pledges_url = f"/api/v1/bids/{scene.bid_id}/pledges"
    a = f"/api/v1/pledges/{scene.pledge_a}"

    def patch(url: str, pledge_id: int, body: dict[str, Any], version: str) -> Any:
        return lambda: client.patch(url, json=body, headers=person | {"If-Match": version})

    # Make a pledge: editors and signatories; declared board approved, signatories only.
    new = {"amount_pence": 5_000_00, "submit": False, "organisation_id": scene.org_a}
    await expect(lambda: client.post(pledges_url, json=new, headers=person), edit or 201, READ_ONLY_ROLE)
    approved_new = new | {"board_approved": True}
    await expect(
        lambda: client.post(pledges_url, json=approved_new, headers=person), 201 if may_sign else 403, board_refusal
    )
    # Change one: the content, then its board approval (keeping it as it is is no change of approval).
    version = await _version(scene.pledge_a)
    await expect(patch(a, scene.pledge_a, {"amount_pence": 12_000_00}, version), edit or 200, READ_ONLY_ROLE)
    version = await _version(scene.pledge_a)
    same = {"purpose": "Warm spaces", "board_approved": False}
    await expect(patch(a, scene.pledge_a, same, version), edit or 200, READ_ONLY_ROLE)
    version = await _version(scene.pledge_a)
    await expect(patch(a, scene.pledge_a, {"board_approved": True}, version), 200 if may_sign else 403, board_refusal)
    assert await _board_approved(scene.pledge_a) is may_sign
    # An approved pledge: an editor changes its amount (approval kept) but cannot clear its approval.
    approved = f"/api/v1/pledges/{scene.approved_a}"
    version = await _version(scene.approved_a)
    await expect(patch(approved, scene.approved_a, {"amount_pence": 21_000_00}, version), edit or 200, READ_ONLY_ROLE)
    version = await _version(scene.approved_a)
    await expect(
        patch(approved, scene.approved_a, {"board_approved": False}, version), 200 if may_sign else 403, board_refusal
    )
    # Submit and withdraw.
    version = await _version(scene.pledge_a)
    await expect(
        lambda: client.post(f"{a}/submit", headers=person | {"If-Match": version}), edit or 200, READ_ONLY_ROLE
    )
    version = await _version(scene.pledge_a)
    await expect(
        lambda: client.post(f"{a}/withdraw", headers=person | {"If-Match": version}), edit or 200, READ_ONLY_ROLE
    )
    # The profile and the districts.
    profile = f"/api/v1/organisations/{scene.org_a}"
    await expect(lambda: client.patch(profile, json={"homes": 1234}, headers=person), edit or 200, READ_ONLY_ROLE)
    districts = {"districts": [{"district_code": "Leeds", "homes": 300}]}
    await expect(lambda: client.put(f"{profile}/coverage", json=districts, headers=person), edit or 200, READ_ONLY_ROLE)
    # Everyone reads.
    assert (await client.get(a, headers=person)).status_code == 200
    assert (await client.get(f"{a}/history", headers=person)).status_code == 200
    assert (await client.get(profile, headers=person)).status_code == 200
    # Withdrawing the organisation from the bid, last.
    withdraw = f"/api/v1/bids/{scene.bid_id}/members/{scene.org_a}/withdraw"
    await expect(lambda: client.post(withdraw, headers=person), edit or 200, READ_ONLY_ROLE)
    if may_edit:
        # Every change names the person and their role in the organisation.
        labels = await AuditEvent.select(AuditEvent.actor_label).where(AuditEvent.actor == user_id)
        assert labels and {row["actor_label"] for row in labels} == {f"{NAMES[role]} ({role}) <{role}@example.org>"}


async def test_a_person_with_two_organisations_acts_in_each_by_its_role(client: Client) -> None:
    scene = await _scene(client)
    _, dual = await _person("Dana Dual", "dana@example.org", (scene.org_a, "signatory"), (scene.org_b, "viewer"))
    expect = Expect(client)
    pledges_url = f"/api/v1/bids/{scene.bid_id}/pledges"
    mine = {"amount_pence": 1_000_00, "board_approved": True, "submit": False}
    await expect(lambda: client.post(pledges_url, json=mine | {"organisation_id": scene.org_a}, headers=dual), 201)
    await expect(
        lambda: client.post(pledges_url, json=mine | {"organisation_id": scene.org_b}, headers=dual),
        403,
        READ_ONLY_ROLE,
    )
    for pledge_id, status in ((scene.pledge_a, 200), (scene.pledge_b, 403)):
        version = await _version(pledge_id)
        await expect(
            lambda pledge_id=pledge_id, version=version: client.patch(
                f"/api/v1/pledges/{pledge_id}", json={"board_approved": True}, headers=dual | {"If-Match": version}
            ),
            status,
            READ_ONLY_ROLE,
        )
    for org, status in ((scene.org_a, 200), (scene.org_b, 403)):
        await expect(
            lambda org=org: client.patch(f"/api/v1/organisations/{org}", json={"homes": 77}, headers=dual),
            status,
            READ_ONLY_ROLE,
        )
    # Both pledges are read; only A's organisation is withdrawn.
    assert (await client.get(f"/api/v1/pledges/{scene.pledge_b}", headers=dual)).status_code == 200
    for org, status in ((scene.org_b, 403), (scene.org_a, 200)):
        await expect(
            lambda org=org: client.post(f"/api/v1/bids/{scene.bid_id}/members/{org}/withdraw", headers=dual),
            status,
            READ_ONLY_ROLE,
        )


async def test_joining_another_bid_for_an_existing_organisation_needs_edit_there(client: Client) -> None:
    scene = await _scene(client)
    network = await client.get(f"/api/v1/bids/{scene.bid_id}", headers=scene.convenor)
    second = await open_bid(client, scene.convenor, network.json()["network_id"], title="Second fund")
    _, dual = await _person("Dana Dual", "dana@example.org", (scene.org_a, "editor"), (scene.org_b, "viewer"))
    token = await invitation_token(client, scene.convenor, second["id"], "dana@example.org")
    accept = f"/api/v1/invitations/{token}/accept"
    expect = Expect(client)
    await expect(lambda: client.post(accept, json={"organisation_id": scene.org_b}, headers=dual), 403, READ_ONLY_ROLE)
    joined = await expect(lambda: client.post(accept, json={"organisation_id": scene.org_a}, headers=dual), 201)
    assert joined.json()["organisation_id"] == scene.org_a


async def test_an_organisations_first_person_is_its_signatory_added_by_themselves(client: Client) -> None:
    scene = await _scene(client)
    rows = await OrganisationUser.select(OrganisationUser.user, OrganisationUser.role, OrganisationUser.added_by).where(
        OrganisationUser.organisation == scene.org_a
    )
    assert len(rows) == 1 and rows[0]["role"] == "signatory" and rows[0]["added_by"] == rows[0]["user"]
    created = await AuditEvent.select(AuditEvent.actor_label).where(AuditEvent.action == "organisation.create")
    assert all(" (signatory) <" in row["actor_label"] for row in created)


async def test_the_history_shows_each_persons_name_and_role(client: Client) -> None:
    scene = await _scene(client)
    _, editor = await _person("Eddie Editor", "eddie@example.org", (scene.org_a, "editor"))
    version = await _version(scene.pledge_a)
    changed = await client.patch(
        f"/api/v1/pledges/{scene.pledge_a}", json={"amount_pence": 11_000_00}, headers=editor | {"If-Match": version}
    )
    assert changed.status_code == 200, changed.text
    events = (await client.get(f"/api/v1/pledges/{scene.pledge_a}/history", headers=editor)).json()
    assert [(e["action"], e["by_name"], e["by_role"]) for e in events] == [
        ("pledge.create", "Morgan Member", "signatory"),
        ("pledge.update", "Eddie Editor", "editor"),
    ]
    assert events[-1]["by"] == "Eddie Editor (editor)"
    await sign_in(client, "eddie@example.org")
    page = text_of((await client.get(f"/pledges/{scene.pledge_a}/history")).text)
    assert "by Eddie Editor (editor)" in page and "by Morgan Member (signatory)" in page


def _pledge_form(amount: str, version: str, **extra: str) -> dict[str, str]:
    return {"amount": amount, "purpose": "", "conditions": "", "version": version, "action": "save", **extra}


@pytest.mark.parametrize("role", ROLES)
async def test_every_form_follows_the_role(client: Client, role: str) -> None:
    scene = await _scene(client)
    await _person(NAMES[role], f"{role}@example.org", (scene.org_a, role))
    await sign_in(client, f"{role}@example.org")
    may_edit, may_sign = role != "viewer", role == "signatory"
    edit = 0 if may_edit else 403
    expect = Expect(client)
    board_refusal = SIGNATORY_ONLY_BOARD_APPROVAL if may_edit else READ_ONLY_ROLE
    page = f"/pledges/{scene.pledge_a}"

    # What the page offers.
    shown = await client.get(page)
    assert shown.status_code == 200
    if not may_edit:
        assert "Save draft" not in shown.text and "Withdraw pledge" not in shown.text
        assert "You can read this pledge but not change it" in text_of(shown.text)
    elif not may_sign:
        assert 'value="yes" disabled' in shown.text
        assert "Only a signatory of your organisation can confirm board approval" in text_of(shown.text)
    else:
        assert 'value="yes" disabled' not in shown.text
    profile_page = await client.get(f"/organisations/{scene.org_a}")
    coverage_page = await client.get(f"/organisations/{scene.org_a}/coverage")
    fragment = await client.get(f"/organisations/{scene.org_a}/coverage/search?q=Leeds", headers={"HX-Request": "1"})
    for answer in (profile_page, coverage_page, fragment):
        assert answer.status_code == 200
    assert ("Save details" in profile_page.text) is may_edit
    assert ('id="coverage-form"' in coverage_page.text) is may_edit
    assert ('name="add"' in fragment.text) is may_edit
    if not may_edit:
        for answer in (profile_page, coverage_page):
            assert "You can read this organisation's details but not change them" in text_of(answer.text)
            assert "Morgan Member" in text_of(answer.text)  # whom to ask

    # Saving the pledge without touching board approval (a disabled box sends nothing).
    version = await _version(scene.pledge_a)
    await expect(lambda: post_form(client, page, _pledge_form("12000", version)), edit or 303, READ_ONLY_ROLE)
    # Ticking board approval.
    version = await _version(scene.pledge_a)
    ticked = _pledge_form("12000", version, board_approved="yes")
    await expect(lambda: post_form(client, page, ticked), 303 if may_sign else 403, board_refusal)
    assert await _board_approved(scene.pledge_a) is may_sign
    # An approved pledge saved by an editor keeps its approval.
    approved_page = f"/pledges/{scene.approved_a}"
    version = await _version(scene.approved_a)
    kept = _pledge_form("20500", version) | ({"board_approved": "yes"} if may_sign else {})
    await expect(lambda: post_form(client, approved_page, kept), edit or 303, READ_ONLY_ROLE)
    assert await _board_approved(scene.approved_a) is True
    # A new pledge.
    new_form = _pledge_form("3000", "", organisation_id=str(scene.org_a), action="draft")
    await expect(
        lambda: post_form(client, f"/bids/{scene.bid_id}/pledge", new_form, page=f"/bids/{scene.bid_id}/pledge?new=1"),
        edit or 303,
        READ_ONLY_ROLE,
    )
    # Withdrawing it.
    version = await _version(scene.pledge_a)
    await expect(
        lambda: post_form(client, f"{page}/withdraw", {"version": version, "confirm": "yes"}, page=page),
        edit or 303,
        READ_ONLY_ROLE,
    )
    # The profile and the districts (a form with a mistake in it is refused by role first).
    profile = f"/organisations/{scene.org_a}"
    fields = {"name": "Ashbrook Homes", "org_type": "housing_association", "homes": "1500", "description": ""}
    await expect(lambda: post_form(client, profile, fields), edit or 303, READ_ONLY_ROLE)
    if not may_edit:
        await expect(lambda: post_form(client, profile, fields | {"homes": "many"}), 403, READ_ONLY_ROLE)
    coverage = f"/organisations/{scene.org_a}/coverage"
    await expect(
        lambda: post_form(client, coverage, {"paste": "Leeds, 300", "paste_mode": "add"}), edit or 303, READ_ONLY_ROLE
    )
