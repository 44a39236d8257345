"""The member tracker's service and API on a real bid with a member at every stage: filters, sort, search and the
funnel, the CSV and XLSX holding exactly the rows shown, and no draft's amount or words anywhere."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import polars as pl
import pytest

from tests.factories import Client, convenor, invitation_token, join, open_bid, organisation, pledge

RULES = [{"key": "min_pledge", "amount_pence": 10_000_00}, {"key": "board_approval_required"}]
DRAFT_PURPOSE = "SECRET-DRAFT-PURPOSE"
DRAFT_PENCE = 7_777_77  # £7,777.77: in no answer, page, fragment or file
DRAFT_TEXTS = (DRAFT_PURPOSE, "7,777.77", "7777.77", "777777", "7,777")


@dataclass(frozen=True)
class TrackerBid:
    bid_id: int
    conv: dict[str, str]
    member: dict[str, str]  # Eligible Homes' person
    stranger: dict[str, str]  # another network's convenor
    orgs: dict[str, int]


async def build_tracker_bid(client: Client) -> TrackerBid:
    """An open bid with: Eligible Homes (submitted £20,000), Short Homes (submitted £5,000: under the minimum),
    Drafty Homes (a draft only), Idle Homes (joined, nothing), Pulled Homes (submitted then withdrew its pledge),
    Gone Homes (submitted, then withdrew from the bid), Xavier Homes (waiting for approval) and an invitation
    nobody has used (waiting@example.org)."""
    network_id, conv = await convenor()
    bid = await open_bid(client, conv, network_id, rules=RULES)
    bid_id = int(bid["id"])
    orgs: dict[str, int] = {}
    people: dict[str, dict[str, str]] = {}
    for name in ("Eligible Homes", "Short Homes", "Drafty Homes", "Idle Homes", "Pulled Homes", "Gone Homes"):
        orgs[name], people[name] = await join(client, conv, bid_id, organisation(name, homes=1000 + len(orgs)))
    await pledge(client, people["Eligible Homes"], bid_id, 20_000_00)
    await pledge(client, people["Short Homes"], bid_id, 5_000_00)
    await pledge(client, people["Drafty Homes"], bid_id, DRAFT_PENCE, submit=False, purpose=DRAFT_PURPOSE)
    pulled = await pledge(client, people["Pulled Homes"], bid_id, 15_000_00)
    withdrawn = await client.post(
        f"/api/v1/pledges/{pulled['id']}/withdraw",
        headers={**people["Pulled Homes"], "If-Match": str(pulled["version"])},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await pledge(client, people["Gone Homes"], bid_id, 30_000_00)
    left = await client.post(f"/api/v1/bids/{bid_id}/members/{orgs['Gone Homes']}/withdraw", headers=conv)
    assert left.status_code == 200, left.text
    # Xavier Homes, already in another bid of the network, uses a link sent to someone else: it waits.
    earlier = await open_bid(client, conv, network_id, title="Earlier call")
    orgs["Xavier Homes"], person_x = await join(client, conv, earlier["id"], organisation("Xavier Homes"))
    token = await invitation_token(client, conv, bid_id, "finance@elsewhere.example.org")
    accepted = await client.post(
        f"/api/v1/invitations/{token}/accept", json={"organisation_id": orgs["Xavier Homes"]}, headers=person_x
    )
    assert accepted.status_code == 201 and accepted.json()["status"] == "pending", accepted.text
    await invitation_token(client, conv, bid_id, "waiting@example.org")
    _, stranger = await convenor(name="Another Network")
    client.cookies.clear()
    return TrackerBid(bid_id, conv, people["Eligible Homes"], stranger, orgs)


@pytest.fixture
async def tracked(client: Client) -> TrackerBid:
    return await build_tracker_bid(client)


async def api(client: Client, t: TrackerBid, query: str = "", headers: dict[str, str] | None = None) -> Any:
    answer = await client.get(f"/api/v1/bids/{t.bid_id}/tracker{query}", headers=headers or t.conv)
    assert answer.status_code == 200, answer.text
    return answer.json()


def names(body: Any) -> list[str]:
    return [row["name"] for row in body["rows"]]


ALL = [
    "Drafty Homes",
    "Eligible Homes",
    "Gone Homes",
    "Idle Homes",
    "Pulled Homes",
    "Short Homes",
    "waiting@example.org",
    "Xavier Homes",
]


async def test_every_stage_filters_to_exactly_its_members(client: Client, tracked: TrackerBid) -> None:
    body = await api(client, tracked)
    assert names(body) == ALL and body["total"] == 8
    expected = {
        "invited": ["waiting@example.org"],
        "pending": ["Xavier Homes"],
        "joined": ["Drafty Homes", "Eligible Homes", "Idle Homes", "Pulled Homes", "Short Homes"],
        "withdrawn": ["Gone Homes"],
        "no_pledge": ["Idle Homes", "Pulled Homes"],
        "draft": ["Drafty Homes"],
        "submitted": ["Eligible Homes", "Short Homes"],
        "eligible": ["Eligible Homes"],
        "failing": ["Drafty Homes", "Idle Homes", "Pulled Homes", "Short Homes"],
    }
    for stage, wanted in expected.items():
        assert names(await api(client, tracked, f"?stage={stage}")) == wanted, stage
    assert {s["key"]: s["count"] for s in body["stages"]} == {k: len(v) for k, v in expected.items()}
    # Failing one rule, chosen from the bid's rules, and combined with a stage.
    assert [r["key"] for r in body["rules"]] == ["min_pledge", "board_approval_required"]
    short = await api(client, tracked, "?rule=min_pledge&stage=submitted")
    assert names(short) == ["Short Homes"]
    assert "short" in short["rows"][0]["missing"][0] and "£10,000" in short["rows"][0]["missing"][0]


async def test_rows_read_the_dashboards_figures(client: Client, tracked: TrackerBid) -> None:
    rows = {r["name"]: r for r in (await api(client, tracked))["rows"]}
    assert rows["Eligible Homes"]["pledged_pence"] == rows["Eligible Homes"]["eligible_pence"] == 20_000_00
    assert rows["Eligible Homes"]["eligible"] is True and rows["Eligible Homes"]["missing"] == []
    assert rows["Short Homes"]["pledged_pence"] == 5_000_00 and rows["Short Homes"]["eligible_pence"] == 0
    # A withdrawn pledge is marked withdrawn and not counted; a withdrawn member's pledge is not counted.
    assert rows["Pulled Homes"]["pledge"] == "withdrawn" and rows["Pulled Homes"]["pledged_pence"] == 0
    assert rows["Gone Homes"]["status"] == "withdrawn" and rows["Gone Homes"]["pledged_pence"] == 0
    # A draft: that it exists, nothing more.
    assert rows["Drafty Homes"]["pledge"] == "draft" and rows["Drafty Homes"]["pledged_pence"] == 0
    assert rows["Drafty Homes"]["missing"][0] == "1 draft pledge not submitted yet"
    assert rows["waiting@example.org"]["missing"] == ["Has not joined the bid yet"]
    assert rows["Xavier Homes"]["status_label"] == "Waiting for your approval"
    totals = (await client.get(f"/api/v1/bids/{tracked.bid_id}/totals", headers=tracked.conv)).json()
    joined = [r for r in rows.values() if r["status"] == "joined"]
    assert sum(r["pledged_pence"] for r in joined) == totals["pledged_pence"]
    assert sum(r["eligible_pence"] for r in joined) == totals["eligible_pence"]
    assert sum(r["homes"] for r in joined) == totals["homes_covered"]


async def test_the_funnel_counts_each_step(client: Client, tracked: TrackerBid) -> None:
    funnel = (await api(client, tracked, "?stage=eligible&q=zzz"))["funnel"]  # the funnel ignores the filters
    assert [(s["key"], s["count"]) for s in funnel] == [
        ("invited", 8),
        ("joined", 5),
        ("pledged", 3),
        ("submitted", 2),
        ("eligible", 1),
    ]


async def test_sort_by_every_column_both_ways_and_search(client: Client, tracked: TrackerBid) -> None:
    by_pledged = names(await api(client, tracked, "?sort=pledged&order=desc"))
    assert by_pledged[:2] == ["Eligible Homes", "Short Homes"]
    assert names(await api(client, tracked, "?sort=pledged&order=asc"))[-2:] == ["Short Homes", "Eligible Homes"]
    assert names(await api(client, tracked, "?sort=name&order=desc")) == sorted(ALL, key=str.casefold, reverse=True)
    homes = names(await api(client, tracked, "?sort=homes&order=desc"))
    assert homes[-1] == "waiting@example.org"  # homes not known: last either way
    assert names(await api(client, tracked, "?sort=homes&order=asc"))[-1] == "waiting@example.org"
    status = names(await api(client, tracked, "?sort=status"))
    assert status[0] == "waiting@example.org" and status[1] == "Xavier Homes" and status[-1] == "Gone Homes"
    for column in ("eligible", "last_change", "pledge", "missing"):
        for order in ("asc", "desc"):
            assert sorted(names(await api(client, tracked, f"?sort={column}&order={order}"))) == sorted(ALL)
    assert names(await api(client, tracked, "?q=  hOMES  ")) == [n for n in ALL if "Homes" in n]
    assert names(await api(client, tracked, "?q=dRaFtY")) == ["Drafty Homes"]
    assert names(await api(client, tracked, "?q=waiting")) == ["waiting@example.org"]
    assert names(await api(client, tracked, "?q=nobody-by-this-name")) == []


async def test_bad_filters_are_refused_in_words(client: Client, tracked: TrackerBid) -> None:
    for query, word in (
        ("?stage=everyone", "stage"),
        ("?sort=colour", "sort"),
        ("?order=sideways", "order"),
        ("?rule=max_members", "rule"),
    ):
        answer = await client.get(f"/api/v1/bids/{tracked.bid_id}/tracker{query}", headers=tracked.conv)
        assert answer.status_code == 422, (query, answer.text)
        assert word in answer.json()["message"]


async def test_convenors_only(client: Client, tracked: TrackerBid) -> None:
    path = f"/api/v1/bids/{tracked.bid_id}/tracker"
    assert (await client.get(path, headers=tracked.member)).status_code == 403
    assert (await client.get(path, headers=tracked.stranger)).status_code == 404
    assert (await client.get(path)).status_code == 401
    assert (await client.get("/api/v1/bids/987654/tracker", headers=tracked.conv)).status_code == 404


def assert_no_draft(text: str) -> None:
    for needle in DRAFT_TEXTS:
        assert needle not in text, needle


async def test_no_draft_amount_or_words_in_the_api(client: Client, tracked: TrackerBid) -> None:
    for query in ("", "?stage=draft", "?sort=pledged&order=desc"):
        answer = await client.get(f"/api/v1/bids/{tracked.bid_id}/tracker{query}", headers=tracked.conv)
        assert_no_draft(answer.text)


async def test_csv_and_xlsx_hold_exactly_the_rows_shown(client: Client, tracked: TrackerBid) -> None:
    query = "?stage=joined&q=homes&sort=pledged&order=desc"
    shown = await api(client, tracked, query)
    assert len(shown["rows"]) == 5
    csv_answer = await client.get(f"/bids/{tracked.bid_id}/tracker.csv{query}", headers=tracked.conv)
    assert csv_answer.status_code == 200, csv_answer.text
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_answer.headers["content-disposition"]
    frame = pl.read_csv(io.BytesIO(csv_answer.content.removeprefix(b"\xef\xbb\xbf")), infer_schema=False)
    assert frame.columns == [
        "Organisation",
        "Status",
        "Pledge",
        "Homes",
        "Pledged",
        "Eligible",
        "What is missing",
        "Last change",
    ]
    assert frame["Organisation"].to_list() == names(shown)
    assert frame["Pledged"].to_list()[:2] == ["20000.00", "5000.00"]
    assert_no_draft(csv_answer.content.decode("utf-8-sig"))

    xlsx_answer = await client.get(f"/bids/{tracked.bid_id}/tracker.xlsx{query}", headers=tracked.conv)
    assert xlsx_answer.status_code == 200, xlsx_answer.text
    assert xlsx_answer.content[:2] == b"PK"
    sheet = pl.read_excel(io.BytesIO(xlsx_answer.content), sheet_name="Members")
    assert sheet.columns == frame.columns
    assert sheet["Organisation"].to_list() == names(shown)
    assert sheet["Pledged"].to_list()[:2] == [20_000.0, 5_000.0]  # numbers with a £ format, not text
    assert_no_draft(" ".join(str(v) for row in sheet.rows() for v in row))
    import zipfile

    with zipfile.ZipFile(io.BytesIO(xlsx_answer.content)) as book:
        assert_no_draft(" ".join(book.read(n).decode("utf-8", "replace") for n in book.namelist()))

    # Other filters, other rows; an unknown format is not found.
    only = await client.get(f"/bids/{tracked.bid_id}/tracker.csv?stage=invited", headers=tracked.conv)
    assert pl.read_csv(io.BytesIO(only.content.removeprefix(b"\xef\xbb\xbf")))["Organisation"].to_list() == [
        "waiting@example.org"
    ]
    assert (await client.get(f"/bids/{tracked.bid_id}/tracker.pdf", headers=tracked.conv)).status_code == 404
