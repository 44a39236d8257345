"""bid.xlsx through the real app: the convenor from the version's address, a funder from a share link (logged as
"workbook"), a member not at all (404)."""

from __future__ import annotations

import io
from urllib.parse import urlparse

import polars as pl

from consortium.analysis import measures
from consortium.documents.services import wait_for_renders
from consortium.documents.tables import ShareDownload
from consortium.exports.formats import XLSX_MEDIA_TYPE
from tests.factories import Client, convenor, join, open_bid, organisation, pledge


def summary(content: bytes) -> dict[str, dict[str, object]]:
    frame = pl.read_excel(io.BytesIO(content), sheet_name="Summary", engine="calamine")
    return {row["Figure"]: row for row in frame.iter_rows(named=True)}


async def test_convenor_and_funder_download_the_workbook_and_a_member_cannot(client: Client) -> None:
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id, title="Warm Homes 2026")
    _, member = await join(client, headers, bid["id"], organisation("Ashbrook Homes", homes=5000))
    await pledge(client, member, bid["id"], 12_345_67, purpose="=SUM(A1:A9)")
    await pledge(client, member, bid["id"], 1_000_00, purpose="DRAFT-ONLY", submit=False)
    created = await client.post(f"/api/v1/bids/{bid['id']}/documents", headers=headers)
    assert created.status_code == 202, created.text
    await wait_for_renders()
    document = (await client.get(f"/api/v1/documents/{created.json()['id']}", headers=headers)).json()
    assert [f["name"] for f in document["files"]][-1] == "bid.xlsx"

    address = f"/bids/{bid['id']}/documents/1/bid.xlsx"
    answer = await client.get(address, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX_MEDIA_TYPE
    assert answer.headers["content-disposition"] == 'attachment; filename="warm-homes-2026-v1.xlsx"'
    figures = summary(answer.content)
    assert figures[measures.PLEDGED.label]["Amount"] == 12_345.67
    totals = (await client.get(f"/api/v1/bids/{bid['id']}/totals", headers=headers)).json()
    assert round(float(figures[measures.PLEDGED.label]["Amount"]) * 100) == totals["pledged_pence"]  # type: ignore[arg-type]
    pledges = pl.read_excel(io.BytesIO(answer.content), sheet_name="Pledges", engine="calamine")
    assert pledges["purpose"].to_list() == ["'=SUM(A1:A9)"]  # the draft is not there; the formula is text

    assert (await client.get(address, headers=member)).status_code == 404

    made = await client.post(
        f"/api/v1/documents/{document['id']}/share-links", json={"label": "Funder"}, headers=headers
    )
    assert made.status_code == 201, made.text
    token_path = urlparse(made.json()["url"]).path
    shared = await client.get(f"{token_path}/bid.xlsx")
    assert shared.status_code == 200 and shared.content == answer.content
    assert await ShareDownload.count().where(ShareDownload.what == "workbook") == 1
