"""A bid document holds only submitted pledges: no draft and no withdrawn pledge in its snapshot.json (for the
convenor or through a funder's share link), its PDF text, or its attachments."""

from __future__ import annotations

import csv
import io
from types import ModuleType
from urllib.parse import urlparse

import msgspec
from pypdf import PdfReader

from consortium.documents.context import build_context
from consortium.documents.render import pledges_csv, render_pdf
from consortium.documents.services import wait_for_renders
from consortium.documents.snapshot import Snapshot, SnapshotArea, SnapshotPledge, snapshot_from_json
from tests.factories import Client
from tests.pledges.drafts_scene import (
    DRAFT_CONDITIONS,
    DRAFT_MARKERS,
    DRAFT_PENCE,
    DRAFT_PURPOSE,
    SUBMITTED_A_PURPOSE,
    SUBMITTED_B_PURPOSE,
    WITHDRAWN_B_PENCE,
    WITHDRAWN_B_PURPOSE,
    WITHDRAWN_MARKERS,
    DraftScene,
    leaks,
    plant_drafts,
)


def squeezed(text: str) -> str:
    """Text without any whitespace: a marker broken over two lines of a PDF is still found."""
    return "".join(text.split())


def pdf_leaks(text: str, markers: tuple[str, ...]) -> list[str]:
    return [marker for marker in markers if squeezed(marker) in squeezed(text)]


def pdf_text(pdf: bytes) -> tuple[str, dict[str, bytes]]:
    reader = PdfReader(io.BytesIO(pdf))
    attachments = {name: data for name, (data, *_) in reader.attachments.items()}
    return " ".join(page.extract_text() for page in reader.pages), attachments


async def _document(client: Client, scene: DraftScene) -> tuple[dict[str, object], str]:
    """The bid's document, made by the convenor, and a funder's share-link token for it."""
    made = await client.post(f"/api/v1/bids/{scene.bid_id}/documents", headers=scene.convenor)
    assert made.status_code == 202, made.text
    await wait_for_renders()
    document = (await client.get(f"/api/v1/documents/{made.json()['id']}", headers=scene.convenor)).json()
    assert document["state"] == "ready", document
    link = await client.post(
        f"/api/v1/documents/{document['id']}/share-links", json={"label": "Funder"}, headers=scene.convenor
    )
    assert link.status_code == 201, link.text
    return document, urlparse(link.json()["url"]).path.rsplit("/", 1)[-1]


async def test_no_draft_or_withdrawn_pledge_reaches_the_document_or_the_funder(client: Client) -> None:
    scene = await plant_drafts(client)
    document, token = await _document(client, scene)
    everything_hidden = (*DRAFT_MARKERS, *WITHDRAWN_MARKERS)

    # snapshot.json: the convenor's copy and the funder's are one file.
    convenor_json = await client.get(document["snapshot_url"], headers=scene.convenor)
    funder_json = await client.get(f"/shared/{token}/snapshot.json")
    for answer in (convenor_json, funder_json):
        assert answer.status_code == 200
        assert answer.content == convenor_json.content
        assert leaks(answer.text, everything_hidden) == []
    snapshot = snapshot_from_json(convenor_json.content)
    pledges = {p.id: p.status for m in snapshot.members for p in m.pledges}
    assert pledges == {scene.submitted_a_id: "submitted", scene.submitted_b_id: "submitted"}
    assert snapshot.totals.pledges_by_status == {"draft": 0, "submitted": 2, "withdrawn": 0}
    assert snapshot.totals.pledged_pence == snapshot.totals.eligible_pence > 0

    # The PDF, as the convenor and the funder download it: its text and both attachments.
    convenor_pdf = await client.get(document["pdf_url"], headers=scene.convenor)
    funder_pdf = await client.get(f"/shared/{token}/bid.pdf")
    for answer in (funder_pdf,):
        assert answer.status_code == 200 and answer.content == convenor_pdf.content
    text, attachments = pdf_text(convenor_pdf.content)
    assert squeezed(SUBMITTED_A_PURPOSE) in squeezed(text) and squeezed(SUBMITTED_B_PURPOSE) in squeezed(text)
    assert pdf_leaks(text, everything_hidden) == []
    assert "draft pledge" not in text.lower()
    assert sorted(attachments) == ["pledges.csv", "snapshot.json"]
    assert attachments["snapshot.json"] == convenor_json.content
    table = attachments["pledges.csv"].decode("utf-8-sig")
    assert leaks(table, everything_hidden) == []
    rows = list(csv.DictReader(io.StringIO(table)))
    assert sorted(int(r["pledge_id"]) for r in rows) == sorted([scene.submitted_a_id, scene.submitted_b_id])

    # The funder's page says nothing of them either.
    page = await client.get(f"/shared/{token}")
    assert page.status_code == 200 and leaks(page.text, everything_hidden) == []
    shared = await client.get(f"/api/v1/shared/{token}")
    assert shared.status_code == 200 and leaks(shared.text, everything_hidden) == []


def _with_unsubmitted_pledges(snapshot: Snapshot) -> Snapshot:
    """A snapshot as made before drafts were left out: the first member also has a draft and a withdrawn pledge."""
    first = snapshot.members[0]
    area = SnapshotArea(district_code="E06000053", district_name="Isles of Scilly", amount_pence=None)
    updated_at = snapshot.generated_at
    extra = [
        SnapshotPledge(
            id=990_001,
            amount_pence=DRAFT_PENCE,
            purpose=DRAFT_PURPOSE,
            themes=[],
            areas=[area],
            board_approved=False,
            conditions=DRAFT_CONDITIONS,
            status="draft",
            version=1,
            updated_at=updated_at,
        ),
        SnapshotPledge(
            id=990_002,
            amount_pence=WITHDRAWN_B_PENCE,
            purpose=WITHDRAWN_B_PURPOSE,
            themes=[],
            areas=[],
            board_approved=True,
            conditions="",
            status="withdrawn",
            version=3,
            updated_at=updated_at,
        ),
    ]
    members = [msgspec.structs.replace(first, pledges=[*first.pledges, *extra]), *snapshot.members[1:]]
    return msgspec.structs.replace(snapshot, members=members)


def test_an_older_snapshot_holding_drafts_renders_without_them(factories: ModuleType) -> None:
    """Documents made before snapshots left drafts out are rendered again after a restart: the PDF's text and its
    pledges.csv still show only submitted pledges (the snapshot.json attachment is the stored snapshot itself)."""
    snapshot = _with_unsubmitted_pledges(factories.make_snapshot(4, clean=True))
    markers = (DRAFT_PURPOSE, DRAFT_CONDITIONS, "£12,345.67", WITHDRAWN_B_PURPOSE, "£4,444.44")
    context = build_context(snapshot)
    assert [len(p.pledges) for p in context.appendix.profiles] == [
        sum(1 for p in m.pledges if p.status == "submitted")
        for m in sorted(snapshot.members, key=lambda m: (m.name.casefold(), m.organisation_id))
    ]
    table = pledges_csv(snapshot).decode("utf-8-sig")
    assert leaks(table, markers) == []
    assert {r["status"] for r in csv.DictReader(io.StringIO(table))} == {"submitted"}
    text, attachments = pdf_text(render_pdf(snapshot).pdf)
    assert pdf_leaks(text, markers) == [] and "draft pledge" not in text.lower()
    assert attachments["pledges.csv"] == pledges_csv(snapshot)
