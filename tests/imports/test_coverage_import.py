"""A member's coverage from its spreadsheet, through the API and the page, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from consortium.audit.tables import AuditEvent
from consortium.organisations.tables import Coverage
from tests.factories import Client, add_colleague, convenor, join, open_bid, organisation
from tests.imports.sheets import csv_bytes, xlsx, zip_bomb
from tests.web.helpers import post_form, sign_in, text_of

MEMBER = "coverage-member@example.org"
SHEET = [
    ["Local authority", "Number of homes"],
    ["Gateshead", "1,200"],
    ["Salford", 800],
    ["Gateshed", 5],
    ["Leeds", "1.234"],
    ["salford", 10],
    ["E09000007", "-3"],
]


async def _member(client: Client) -> tuple[int, dict[str, str]]:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    return await join(client, headers, bid["id"], organisation("Ashbrook Homes"), email=MEMBER)


async def _coverage() -> dict[str, Any]:
    return {r["district_code"]: r["homes"] for r in await Coverage.select(Coverage.district_code, Coverage.homes)}


def _upload(content: bytes, name: str = "coverage.xlsx") -> dict[str, Any]:
    return {"file": (name, content, "application/octet-stream")}


async def test_check_reports_every_bad_row_and_changes_nothing(client: Client) -> None:
    org_id, member = await _member(client)
    url = f"/api/v1/organisations/{org_id}/coverage/import"
    checked = await client.post(url, params={"mode": "check"}, files=_upload(xlsx(SHEET)), headers=member)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert [(r["district_name"], r["homes"]) for r in body["good_rows"]] == [("Gateshead", 1200), ("Salford", 800)]
    problems = {(p["row"], p["column"]): p["message"] for p in body["problems"]}
    assert problems[(4, "Local authority")].endswith("Did you mean Gateshead?")
    assert "write 1234 or 1,234" in problems[(5, "Number of homes")]
    assert "also in row 3" in problems[(6, "Local authority")]
    assert "below zero" in problems[(7, "Number of homes")]
    assert len(problems) == 4 and body["imported"] == 0
    assert await _coverage() == {}


async def test_replace_refuses_a_file_with_problems_then_takes_a_clean_one(client: Client) -> None:
    org_id, member = await _member(client)
    url = f"/api/v1/organisations/{org_id}/coverage/import"
    await client.put(
        f"/api/v1/organisations/{org_id}/coverage", json={"districts": [{"district_code": "Leeds"}]}, headers=member
    )
    refused = await client.post(url, params={"mode": "replace"}, files=_upload(xlsx(SHEET)), headers=member)
    assert refused.status_code == 422
    assert len(refused.json()["problems"]) == 4 and "Nothing was imported" in refused.json()["message"]
    assert await _coverage() == {"E08000035": None}
    clean = csv_bytes([["LAD23CD", "Units"], ["E08000037", "1,200"], ["Salford", "800"]], bom=True)
    done = await client.post(url, params={"mode": "replace"}, files=_upload(clean, "c.csv"), headers=member)
    assert done.status_code == 200, done.text
    assert done.json()["imported"] == 2
    assert await _coverage() == {"E08000037": 1200, "E08000006": 800}
    event = await AuditEvent.select().where(AuditEvent.action == "coverage.import").first()
    assert event is not None and event["entity_id"] == org_id


async def test_add_good_imports_the_good_rows_and_updates_a_district_already_listed(client: Client) -> None:
    org_id, member = await _member(client)
    url = f"/api/v1/organisations/{org_id}/coverage/import"
    await client.put(
        f"/api/v1/organisations/{org_id}/coverage",
        json={"districts": [{"district_code": "Salford", "homes": 1}, {"district_code": "Leeds", "homes": 7}]},
        headers=member,
    )
    added = await client.post(url, params={"mode": "add_good"}, files=_upload(xlsx(SHEET)), headers=member)
    assert added.status_code == 200, added.text
    body = added.json()
    assert body["imported"] == 2 and len(body["problems"]) == 4
    assert any("already lists Salford" in n["message"] for n in body["notes"])
    assert await _coverage() == {"E08000037": 1200, "E08000006": 800, "E08000035": 7}


async def test_bad_files_are_refused_whole_and_change_nothing(client: Client) -> None:
    org_id, member = await _member(client)
    url = f"/api/v1/organisations/{org_id}/coverage/import"
    for content, name, status, words in [
        (b"%PDF-1.4", "c.pdf", 422, "save it as .xlsx or .csv"),
        (zip_bomb(), "c.xlsx", 413, "unpacks to"),
        (csv_bytes([["District", "Homes"], *[["Leeds", "1"]] * 20_001]), "c.csv", 413, "the most is 20,000"),
        (xlsx([["District", None, "Homes"], ["Leeds", "x", 1]]), "c.xlsx", 422, "Column B has no heading"),
        (xlsx([["Name", "Value"], ["Leeds", 1]]), "c.xlsx", 422, "Choose the columns"),
    ]:
        answer = await client.post(url, params={"mode": "add_good"}, files=_upload(content, name), headers=member)
        assert answer.status_code == status, (name, answer.text)
        assert words.lower() in answer.json()["message"].lower()
    assert await _coverage() == {}


async def test_columns_named_by_the_caller(client: Client) -> None:
    org_id, member = await _member(client)
    url = f"/api/v1/organisations/{org_id}/coverage/import"
    content = xlsx([["Name", "Value"], ["Ynys Môn", 40], ["Wrecsam", 2]])
    answer = await client.post(
        url,
        params={"mode": "replace", "district_column": "Name", "homes_column": "B"},
        files=_upload(content),
        headers=member,
    )
    assert answer.status_code == 200, answer.text
    assert await _coverage() == {"W06000001": 40, "W06000006": 2}


async def test_a_viewer_may_not_import_and_a_stranger_is_not_told_it_exists(client: Client) -> None:
    org_id, _ = await _member(client)
    _, viewer = await add_colleague(org_id, "viewer")
    url = f"/api/v1/organisations/{org_id}/coverage/import"
    assert (await client.post(url, files=_upload(xlsx(SHEET)), headers=viewer)).status_code == 403
    _, stranger = await convenor("Another Network")
    assert (await client.post(url, files=_upload(xlsx(SHEET)), headers=stranger)).status_code == 404
    assert await _coverage() == {}


async def test_the_page_previews_then_imports_the_good_rows(client: Client) -> None:
    org_id, _ = await _member(client)
    await sign_in(client, MEMBER)
    page = f"/organisations/{org_id}/coverage"
    assert "Load your districts from a spreadsheet" in (await client.get(page)).text
    preview = await post_form(client, f"{page}/import", {"step": "check"}, page=page, files=_upload(xlsx(SHEET)))
    assert preview.status_code == 200, preview.text[:2000]
    words = text_of(preview.text)
    assert "Did you mean Gateshead?" in words and "Import the 2 good rows" in words
    assert "Fix the file and upload again" in words and await _coverage() == {}
    rows = preview.text.split('name="rows" value="', 1)[1].split('"', 1)[0]
    done = await post_form(
        client, f"{page}/import", {"step": "add_good", "rows": rows.replace("&#10;", "\n")}, page=page
    )
    assert done.status_code == 303, done.text[:2000]
    assert await _coverage() == {"E08000037": 1200, "E08000006": 800}


async def test_the_page_asks_for_the_columns_and_refuses_a_bad_file(client: Client) -> None:
    org_id, _ = await _member(client)
    await sign_in(client, MEMBER)
    page = f"/organisations/{org_id}/coverage"
    asked = await post_form(
        client, f"{page}/import", {"step": "check"}, page=page, files=_upload(xlsx([["Name", "Value"], ["Leeds", 3]]))
    )
    assert asked.status_code == 422 and "Tell us which column" in text_of(asked.text)
    carried = asked.text.split('name="content" value="', 1)[1].split('"', 1)[0]
    chosen = await post_form(
        client,
        f"{page}/import",
        {"step": "check", "content": carried, "filename": "c.xlsx", "district_column": "Name", "homes_column": "Value"},
        page=page,
    )
    assert chosen.status_code == 200 and "Import the 1 good row" in text_of(chosen.text)
    refused = await post_form(client, f"{page}/import", {"step": "check"}, page=page, files=_upload(b"%PDF-1", "c.pdf"))
    assert refused.status_code == 422 and "save it as .xlsx or .csv" in text_of(refused.text).lower()
    assert await _coverage() == {}


async def test_suggestions_offer_did_you_mean(client: Client) -> None:
    org_id, _ = await _member(client)
    await sign_in(client, MEMBER)
    answer = await client.get(f"/organisations/{org_id}/coverage/suggest", params={"q": "Gateshed"})
    assert answer.status_code == 200
    assert "Did you mean Gateshead?" in text_of(answer.text) and 'value="E08000037"' in answer.text
