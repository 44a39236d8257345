"""One set of field rules for every way in. Hostile text (a NUL byte, a bell, a right-to-left override) and text
longer than its field allows are refused with 422 and a message at the field, whether they come through an HTML
form, the JSON API, an upload or a direct call of the service (as the command line makes), and nothing saved
changes. Every test here runs on SQLite and again on PostgreSQL, where a NUL or an over-long value that slipped
through would answer 500 instead."""

from __future__ import annotations

import re
from typing import Any

import pytest

from consortium.accounts.services import authenticate, create_user
from consortium.documents.tables import Document
from consortium.errors import BadInput
from consortium.networks.services import create_network
from consortium.organisations import schemas as organisation_schemas
from consortium.organisations import services as organisations
from consortium.piccolo_app import TABLES
from tests.factories import PASSWORD, Client, invitation_token
from tests.web import conftest as web
from tests.web.conftest import ANA, BEN, CONVENOR, Scene
from tests.web.helpers import error_links, post_form, sign_in, text_of


@pytest.fixture
async def scene(client: Client) -> Scene:
    """The page tests' bid (tests/web/conftest.py): a convenor, two joined members, Ashbrook's submitted pledge."""
    built: Scene = await web.scene.__wrapped__(client)  # type: ignore[attr-defined]  # the fixture's function
    return built


NUL, BEL, OVERRIDE = "\x00", "\x07", "\u202e"
HOSTILE = [
    pytest.param(f"Ashbrook{NUL}Homes", "a NUL byte", id="nul"),
    pytest.param(f"Ashbrook{BEL}Homes", "U+0007", id="bell"),
    pytest.param(f"Ashbrook {OVERRIDE}semoH", "U+202E", id="rtl-override"),
]


# The worker in the web process delivers the scene's mail while a test runs; its progress is not the test's doing.
DELIVERY_PROGRESS = {"state", "attempts", "last_error", "next_attempt_at", "claimed_until", "sent_at"}


async def everything() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but the sessions (signing in to post a form makes one), in a stable order; of the
    outbox, what each message says and to whom, not how far its delivery has got."""
    rows = {
        table._meta.tablename: await table.select().order_by(table._meta.primary_key)
        for table in TABLES
        if table._meta.tablename != "user_session"
    }
    rows["outbox_message"] = [
        {column: value for column, value in message.items() if column not in DELIVERY_PROGRESS}
        for message in rows["outbox_message"]
    ]
    return rows


async def ready_document(bid_id: int) -> int:
    """A document row in the state a finished render leaves it (rendering a PDF here would only slow the test)."""
    rows = await Document.insert(
        Document(bid=bid_id, version=1, state="ready", snapshot_json="{}", snapshot_sha256="0" * 64, pdf=b"%PDF-1.7")
    ).returning(Document.id)
    return int(rows[0]["id"])


def assert_refused_at(answer: Any, field_id: str, *words: str) -> None:
    assert answer.status_code == 422, (answer.status_code, answer.text[:2000])
    assert field_id in error_links(answer.text), (field_id, error_links(answer.text))
    said = text_of(answer.text)
    for word in words:
        assert word in said, (word, said[:3000])


# --- HTML forms -------------------------------------------------------------------------------------------------------

BID_FORM = {
    "title": "Warm Homes Match 2027",
    "funder_name": "Energy Trust",
    "programme": "",
    "funder_org_id": "",
    "deadline_date": "2030-07-01",
    "deadline_time": "17:30",
    "match_consortium_part": "1",
    "match_funder_part": "1",
    "match_cap": "",
    "themes": "Warmth",
}


def form_cases(scene: Scene, bad: str) -> list[tuple[str, str, str, dict[str, Any], str]]:
    """(who, page with the form, address it posts to, fields, the field id the problem belongs to)."""
    bid, org, pledge = scene.bid_id, scene.ana_org, scene.ana_pledge
    new_bid = {**BID_FORM, "network_id": str(scene.network_id)}
    profile = {"name": "Ashbrook Homes", "org_type": "housing_association", "homes": "1000"}
    pledge_form = {"amount": "2500", "board_approved": "on", "themes": ["Food security"], "version": "1"}
    return [
        (CONVENOR, "/bids/new", "/bids/new", {**new_bid, "title": bad}, "title"),
        (CONVENOR, "/bids/new", "/bids/new", {**new_bid, "funder_name": bad}, "funder_name"),
        (CONVENOR, "/bids/new", "/bids/new", {**new_bid, "programme": bad}, "programme"),
        (CONVENOR, "/bids/new", "/bids/new", {**new_bid, "themes": f"Warmth\n{bad}"}, "themes"),
        (CONVENOR, f"/bids/{bid}/edit", f"/bids/{bid}/edit", {**new_bid, "title": bad}, "title"),
        (ANA, f"/organisations/{org}", f"/organisations/{org}", {**profile, "name": bad}, "name"),
        (ANA, f"/organisations/{org}", f"/organisations/{org}", {**profile, "contact_name": bad}, "contact_name"),
        (ANA, f"/organisations/{org}", f"/organisations/{org}", {**profile, "description": bad}, "description"),
        (ANA, f"/organisations/{org}/coverage", f"/organisations/{org}/coverage", {"paste": f"Leeds\n{bad}"}, "paste"),
        (ANA, f"/pledges/{pledge}", f"/pledges/{pledge}", {**pledge_form, "purpose": bad}, "purpose"),
        (ANA, f"/pledges/{pledge}", f"/pledges/{pledge}", {**pledge_form, "conditions": bad}, "conditions"),
        (BEN, f"/bids/{bid}/pledge", f"/bids/{bid}/pledge", {**pledge_form, "purpose": bad}, "purpose"),
        (BEN, f"/bids/{bid}/pledge", f"/bids/{bid}/pledge", {**pledge_form, "other_areas": bad}, "areas"),
        (CONVENOR, f"/bids/{bid}/invitations", f"/bids/{bid}/invitations", {"emails": f"a{bad}@example.org"}, "emails"),
        (ANA, "/account", "/account/tokens", {"token_name": bad, "token_days": "30"}, "token_name"),
    ]


@pytest.mark.parametrize(("bad", "words"), HOSTILE)
async def test_forms_refuse_control_characters_at_the_field(client: Client, scene: Scene, bad: str, words: str) -> None:
    for who, page, path, fields, field_id in form_cases(scene, bad):
        await sign_in(client, who)
        before = await everything()
        answer = await post_form(client, path, fields, page=page)
        if field_id == "emails":  # each address is checked and named, invisible characters shown as �
            assert_refused_at(answer, field_id, "is not an email address")
        else:
            assert_refused_at(answer, field_id, words, "not allowed")
        assert await everything() == before, path


async def test_forms_refuse_text_longer_than_its_field(client: Client, scene: Scene) -> None:
    too_long = "x" * 301  # names, titles and labels are 300 characters at most (consortium.schemas)
    for who, page, path, fields, field_id in form_cases(scene, too_long):
        if field_id in {"description", "purpose", "conditions", "paste", "areas", "emails"}:
            continue  # long texts, and lists read line by line: below
        await sign_in(client, who)
        before = await everything()
        answer = await post_form(client, path, fields, page=page)
        # 300; a theme 100. Every page says it in the services' words ("at most 300 characters long; it has 301").
        assert_refused_at(answer, field_id, "characters long; it has")
        assert await everything() == before, path
    await sign_in(client, ANA)
    before = await everything()
    long_text = "x" * 20_001
    answer = await post_form(
        client,
        f"/pledges/{scene.ana_pledge}",
        {"amount": "2500", "board_approved": "on", "version": "1", "purpose": long_text},
    )
    assert_refused_at(answer, "purpose", "at most 20,000 characters long; it has 20,001")
    profile = {"name": "Ashbrook Homes", "org_type": "housing_association", "description": long_text}
    answer = await post_form(client, f"/organisations/{scene.ana_org}", profile)
    assert_refused_at(answer, "description", "at most 20,000 characters long; it has 20,001")
    assert await everything() == before


async def test_a_300_character_contact_name_and_share_label_are_stored(client: Client, scene: Scene) -> None:
    """The values that broke Varchar(200) columns on PostgreSQL: at the limit they are kept, whole."""
    longest = "Ŵ" + "x" * 299
    await sign_in(client, ANA)
    profile = {"name": "Ashbrook Homes", "org_type": "housing_association", "contact_name": longest}
    saved = await post_form(client, f"/organisations/{scene.ana_org}", profile)
    assert saved.status_code == 303, saved.text[:2000]
    read = await client.get(f"/api/v1/organisations/{scene.ana_org}", headers=scene.ana_headers)
    assert read.json()["contact_name"] == longest
    document_id = await ready_document(scene.bid_id)
    await sign_in(client, CONVENOR)
    page = f"/bids/{scene.bid_id}/documents"
    shared = await post_form(
        client, f"/documents/{document_id}/share-links", {"label": longest, "days": "7"}, page=page
    )
    assert shared.status_code == 201, shared.text[:2000]
    links = await client.get(f"/api/v1/documents/{document_id}/share-links", headers=scene.convenor_headers)
    assert [link["label"] for link in links.json()] == [longest]


@pytest.mark.parametrize(("bad", "words"), HOSTILE)
async def test_share_link_labels_are_checked_on_the_form(client: Client, scene: Scene, bad: str, words: str) -> None:
    document_id = await ready_document(scene.bid_id)
    await sign_in(client, CONVENOR)
    page = f"/bids/{scene.bid_id}/documents"
    before = await everything()
    for label, expected in ((bad, words), ("x" * 301, "at most 300 characters long; it has 301")):
        answer = await post_form(
            client, f"/documents/{document_id}/share-links", {"label": label, "days": "7"}, page=page
        )
        assert answer.status_code == 422, answer.text[:2000]
        assert expected in text_of(answer.text)
    assert await everything() == before


@pytest.mark.parametrize(("bad", "words"), HOSTILE)
async def test_joining_refuses_control_characters_at_the_field(
    client: Client, scene: Scene, bad: str, words: str
) -> None:
    token = await invitation_token(client, scene.convenor_headers, scene.bid_id, "ivy@example.org")
    link = f"/invitations/{token}"
    typed = {"name": "Ivy", "password": PASSWORD, "org_name": "Ivy Homes", "org_type": "charity", "choice": "new"}
    client.cookies.clear()
    before = await everything()
    for field_id in ("name", "org_name"):
        answer = await post_form(client, link, {**typed, field_id: bad})
        assert_refused_at(answer, field_id, words, "not allowed")
    answer = await post_form(client, link, {**typed, "name": "x" * 301})
    assert_refused_at(answer, "name", "at most 300 characters long; it has 301")
    assert await everything() == before


@pytest.mark.parametrize(("bad", "words"), HOSTILE)
async def test_sign_in_refuses_control_characters_and_records_nothing(
    client: Client, scene: Scene, bad: str, words: str
) -> None:
    client.cookies.clear()
    before = await everything()
    answer = await post_form(client, "/sign-in", {"email": f"ana{bad}@example.org", "password": PASSWORD})
    assert_refused_at(answer, "email", words)
    answer = await post_form(client, "/sign-in", {"email": ANA, "password": PASSWORD + bad})
    assert_refused_at(answer, "password", words)
    assert await everything() == before  # not even a failed attempt: the text never reached the database


async def test_sign_in_with_an_email_longer_once_lowered_is_refused(client: Client, scene: Scene) -> None:
    """ "İ" lowers to two characters: 200 of them fit the 320 allowed, but not the column once lowered."""
    client.cookies.clear()
    before = await everything()
    answer = await client.post("/api/v1/auth/sign-in", json={"email": "İ" * 200 + "@example.org", "password": "x"})
    assert answer.status_code == 422, answer.text
    assert "320 characters" in answer.json()["message"]
    assert await everything() == before


async def test_rules_json_with_a_hidden_character_is_refused_at_the_field(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    before = await everything()
    hostile = '[{"key": "min_members", "count": 2, "note\\u202e": 1}]'
    answer = await post_form(
        client, f"/bids/{scene.bid_id}/rules/json", {"rules_json": hostile}, page=f"/bids/{scene.bid_id}/rules"
    )
    assert_refused_at(answer, "rules_json", "U+202E", "not allowed")
    huge = "[" + ", ".join(['{"key": "min_members", "count": 2}'] * 51) + "]"
    answer = await post_form(
        client, f"/bids/{scene.bid_id}/rules/json", {"rules_json": huge}, page=f"/bids/{scene.bid_id}/rules"
    )
    assert_refused_at(answer, "rules_json", "at most 50")
    assert await everything() == before


async def test_a_csv_upload_with_hidden_characters_names_the_address(client: Client, scene: Scene) -> None:
    await sign_in(client, CONVENOR)
    before = await everything()
    data = f"name,email\nIvy,ivy@example.org\nEve,eve{OVERRIDE}@example.org\n".encode()
    answer = await post_form(
        client,
        f"/bids/{scene.bid_id}/invitations",
        {"emails": ""},
        files={"csv": ("members.csv", data, "text/csv")},
    )
    assert_refused_at(answer, "emails", "eve\ufffd@example.org", "is not an email address")
    assert await everything() == before


# --- the JSON API -----------------------------------------------------------------------------------------------------


def api_cases(scene: Scene, document_id: int, bad: str) -> list[tuple[str, str, dict[str, Any], dict[str, str], str]]:
    """(method, address, body, who, the field the problem is on) for every API route that takes text."""
    bid, org, pledge = scene.bid_id, scene.ana_org, scene.ana_pledge
    conv, ana = scene.convenor_headers, scene.ana_headers
    new_bid = {"network_id": scene.network_id, "title": "T", "funder_name": "F", "deadline": "2030-01-01T12:00:00Z"}
    return [
        ("POST", "/api/v1/bids", {**new_bid, "title": bad}, conv, "title"),
        ("POST", "/api/v1/bids", {**new_bid, "programme": bad}, conv, "programme"),
        ("PATCH", f"/api/v1/bids/{bid}", {"funder_name": bad}, conv, "funder_name"),
        ("PATCH", f"/api/v1/bids/{bid}", {"themes": ["ok", bad]}, conv, "themes"),
        ("PATCH", f"/api/v1/organisations/{org}", {"name": bad}, ana, "name"),
        ("PATCH", f"/api/v1/organisations/{org}", {"contact_name": bad}, ana, "contact_name"),
        ("PATCH", f"/api/v1/organisations/{org}", {"description": bad * 70}, ana, "description"),
        ("PUT", f"/api/v1/organisations/{org}/coverage", {"districts": [{"district_code": bad}]}, ana, "districts"),
        ("POST", f"/api/v1/bids/{bid}/pledges", {"amount_pence": 100, "purpose": bad * 70}, ana, "purpose"),
        ("PATCH", f"/api/v1/pledges/{pledge}", {"conditions": bad * 70}, ana | {"If-Match": "1"}, "conditions"),
        ("POST", f"/api/v1/documents/{document_id}/share-links", {"label": bad}, conv, "label"),
        ("POST", "/api/v1/auth/tokens", {"name": bad}, ana, "name"),
    ]


@pytest.mark.parametrize(("bad", "words"), [*HOSTILE, pytest.param("x" * 301, "300", id="over-long")])
async def test_every_api_route_that_takes_text_refuses_hostile_text(
    client: Client, scene: Scene, bad: str, words: str
) -> None:
    document_id = await ready_document(scene.bid_id)
    before = await everything()
    for method, path, body, who, field in api_cases(scene, document_id, bad):
        answer = await client.request(method, path, json=body, headers=who)
        # A body the decoder refuses (too long for its schema) is a 400, as every decoding problem is; the rest 422.
        assert answer.status_code == (400 if answer.json().get("errors") else 422), (path, answer.text[:500])
        said = answer.json()["message"]
        assert field in said and (words in said or "characters" in said), (path, said)
    assert await everything() == before
    token = await invitation_token(client, scene.convenor_headers, scene.bid_id, "ivy@example.org")
    before = await everything()
    organisation = {"name": "Ivy Homes", "org_type": "charity"}
    for body in (
        {"name": bad, "password": PASSWORD, "organisation": organisation},
        {"name": "Ivy", "password": PASSWORD, "organisation": {**organisation, "name": bad}},
    ):
        answer = await client.post(f"/api/v1/invitations/{token}/accept", json=body)
        assert answer.status_code in (400, 422) and "name" in answer.json()["message"], answer.text
    assert await everything() == before


async def test_the_api_keeps_300_characters_whole_on_both_databases(client: Client, scene: Scene) -> None:
    longest = "Ŵ" + "x" * 299
    changed = await client.patch(
        f"/api/v1/organisations/{scene.ana_org}", json={"contact_name": longest}, headers=scene.ana_headers
    )
    assert changed.status_code == 200, changed.text
    document_id = await ready_document(scene.bid_id)
    made = await client.post(
        f"/api/v1/documents/{document_id}/share-links", json={"label": longest}, headers=scene.convenor_headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["label"] == longest and changed.json()["contact_name"] == longest


# --- the services, as the command line and pages call them -----------------------------------------------------------


@pytest.mark.parametrize(("bad", "words"), HOSTILE)
async def test_services_refuse_what_a_script_or_page_builds_itself(
    client: Client, scene: Scene, bad: str, words: str
) -> None:
    """No HTTP at all: the struct is built directly, so only the service's own check stands in the way."""
    from consortium.accounts.services import load_principal
    from consortium.organisations.tables import OrganisationUser

    before = await everything()
    with pytest.raises(BadInput, match=re.escape(words)) as refused:
        await create_network(f"Network {bad}", "new@example.org", "New Convenor", PASSWORD)
    assert refused.value.field == "name"
    with pytest.raises(BadInput, match=re.escape(words)):
        await create_user("new@example.org", f"New {bad}", PASSWORD)
    with pytest.raises(BadInput, match=re.escape(words)):
        await authenticate(client_settings(), f"ana{bad}@example.org", PASSWORD, "127.0.0.1")
    member = await OrganisationUser.select(OrganisationUser.user).where(OrganisationUser.organisation == scene.ana_org)
    principal = await load_principal(int(member[0]["user"]))
    with pytest.raises(BadInput) as long_name:
        await organisations.update_organisation(
            principal, scene.ana_org, organisation_schemas.OrganisationUpdate(contact_name="x" * 301)
        )
    assert long_name.value.field == "contact_name" and "300" in long_name.value.message
    with pytest.raises(BadInput, match=re.escape(words)) as coverage:
        await organisations.replace_coverage(
            principal,
            scene.ana_org,
            organisation_schemas.CoverageReplace(districts=[organisation_schemas.CoverageRowIn(f"Leeds{bad}")]),
        )
    assert coverage.value.field == "districts"
    assert await everything() == before


def client_settings() -> Any:
    from consortium.settings import Settings

    return Settings.from_env().with_changes(environment="test")
