"""The rendered PDF, read back with pypdf: text, figures, attachments, structure, metadata and determinism."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import re
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import msgspec
import pytest
from pypdf import PdfReader

from consortium.documents.render import (
    ASSETS_DIR,
    DEFAULT_VARIANT,
    AssetFetcher,
    RefusedURL,
    RenderedDocument,
    css_string,
    paused_garbage_collection,
    pledges_csv,
    render_pdf,
    use_fast_compression,
    use_fast_page_references,
)
from consortium.documents.snapshot import Snapshot, snapshot_from_json, snapshot_sha256, snapshot_to_json
from consortium.money import format_pence


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_basic_facts(demo_snapshot: Snapshot, demo_rendered: RenderedDocument, demo_reader: PdfReader) -> None:
    assert demo_rendered.pdf.startswith(b"%PDF-1.7")
    assert demo_rendered.variant == DEFAULT_VARIANT == "pdf/ua-1"
    assert demo_rendered.page_count == len(demo_reader.pages) >= 20
    assert demo_rendered.snapshot_sha256 == snapshot_sha256(demo_snapshot)
    assert demo_rendered.refused_urls == ()
    for page in demo_reader.pages:
        assert [round(float(v)) for v in page.mediabox] == [0, 0, 595, 842]  # A4


def test_every_member_is_named(demo_snapshot: Snapshot, demo_text: str) -> None:
    for member in demo_snapshot.members:
        assert member.name in demo_text, member.name


def test_exact_totals_are_printed(demo_snapshot: Snapshot, demo_text: str) -> None:
    totals = demo_snapshot.totals
    for pence in (
        totals.pledged_pence,
        totals.eligible_pence,
        totals.match_requested_pence,
        totals.eligible_pence + totals.match_requested_pence,
        totals.pledged_pence - totals.eligible_pence,
    ):
        assert format_pence(pence) in demo_text
    assert "£5,799,564.23" in demo_text  # the demo's pledged total, to the penny
    assert f"{totals.homes_covered:,}" in demo_text


def test_eligibility_verdicts(demo_snapshot: Snapshot, demo_text: str) -> None:
    assert flat(demo_snapshot.eligibility.verdict) in demo_text
    for rule in demo_snapshot.eligibility.rules:
        assert flat(rule.description) in demo_text
    assert demo_text.count("Not met") >= sum(not r.passed for r in demo_snapshot.eligibility.rules)
    assert "Met" in demo_text
    for result in demo_snapshot.eligibility.members:
        for failure in result.failures:
            if result.member_status == "joined":
                assert flat(failure.message) in demo_text


def test_running_header_footer_and_contents(demo_snapshot: Snapshot, demo_reader: PdfReader) -> None:
    pages = [flat(p.extract_text()) for p in demo_reader.pages]
    total = len(pages)
    short = snapshot_sha256(demo_snapshot)[:12]
    assert f"Page 1 of {total}" not in pages[0]  # the cover has no header or footer
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {total}" in text
        assert f"Snapshot {short}" in text
        assert demo_snapshot.bid.title in text
    contents = pages[1]
    assert "Contents" in contents
    # Each chapter is listed with the page it starts on.
    for title in ("Executive summary", "The match calculation", "Partner schedule", "Declarations and provenance"):
        match = re.search(re.escape(title) + r" (\d+)", contents)
        assert match, title
        start = int(match.group(1))
        assert title in pages[start - 1]


def test_attachments(demo_snapshot: Snapshot, demo_reader: PdfReader) -> None:
    attachments = demo_reader.attachments
    assert sorted(attachments) == ["pledges.csv", "snapshot.json"]
    (snapshot_json,) = attachments["snapshot.json"]
    assert snapshot_json == snapshot_to_json(demo_snapshot)
    assert snapshot_from_json(snapshot_json) == demo_snapshot
    (data,) = attachments["pledges.csv"]
    assert data == pledges_csv(demo_snapshot)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    # A snapshot made before drafts were left out may hold them: the CSV still has only the submitted pledges.
    pledges = [(m, p) for m in demo_snapshot.members for p in m.pledges if p.status == "submitted"]
    assert any(p.status != "submitted" for m in demo_snapshot.members for p in m.pledges)
    assert len(rows) == len(pledges)
    by_id = {int(r["pledge_id"]): r for r in rows}
    for member, pledge in pledges:
        row = by_id[pledge.id]
        assert row["organisation"] == member.name
        assert row["identifier"] == (member.identifier or "")
        assert row["status"] == pledge.status
        assert int(row["amount_pence"]) == pledge.amount_pence
        assert row["amount_pounds"] == f"{pledge.amount_pence // 100}.{pledge.amount_pence % 100:02d}"
        assert row["board_approved"] == ("yes" if pledge.board_approved else "no")
        assert row["themes"] == "; ".join(pledge.themes)
        for area in pledge.areas:
            assert area.district_code in row["districts"]


def test_csv_neutralises_formulas(factories: ModuleType) -> None:
    snapshot = factories.make_snapshot(
        4,
        overrides={
            0: {"name": '=HYPERLINK("http://evil")', "pledge_purpose": "+SUM(A1)", "pledge_conditions": "-1"},
            1: {"name": "@cmd", "identifier": "\tGB-X", "pledge_purpose": "\rnew"},
        },
    )
    rows = list(csv.reader(io.StringIO(pledges_csv(snapshot).decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil")' in cells and "'+SUM(A1)" in cells and "'-1" in cells
    assert "'@cmd" in cells and "'\tGB-X" in cells and "'\rnew" in cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)


def test_structure_and_metadata(demo_snapshot: Snapshot, demo_reader: PdfReader) -> None:
    root: Any = demo_reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    metadata = demo_reader.metadata
    assert metadata is not None
    assert metadata.title == demo_snapshot.bid.title
    assert metadata.author == demo_snapshot.bid.network_name
    assert metadata["/CreationDate"] == metadata["/ModDate"] == "D:20260626153000Z"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp
    # Figures carry alternate text (from the SVG titles).
    tree = root["/StructTreeRoot"].get_object()
    figures = []

    def walk(node: object, depth: int = 0) -> None:
        if depth > 60:
            return
        node = getattr(node, "get_object", lambda: node)()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                figures.append(node)
            for kid in node.get("/K", []) if isinstance(node.get("/K"), list) else [node.get("/K")]:
                walk(kid, depth + 1)

    walk(tree)
    assert len(figures) >= 4  # map, regions, themes, organisation types
    assert all(str(f.get("/Alt", "")).strip() for f in figures)
    # The file identifier names the snapshot.
    identifier: Any = demo_reader.trailer["/ID"]
    assert str(identifier[0]) == snapshot_sha256(demo_snapshot)[:32]


def test_bookmarks(demo_reader: PdfReader) -> None:
    titles = []

    def walk(items: Sequence[object]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(flat(item.title))  # type: ignore[attr-defined]

    walk(demo_reader.outline)
    assert "1 Executive summary" in titles and "6 Partner schedule" in titles
    assert "8 Declarations and provenance" in titles


def test_rendering_is_byte_identical(demo_snapshot: Snapshot, demo_rendered: RenderedDocument) -> None:
    again = render_pdf(snapshot_from_json(snapshot_to_json(demo_snapshot)))
    assert again.pdf == demo_rendered.pdf
    assert again.sha256 == demo_rendered.sha256


def rendered_without(speed_up: Callable[[bool], None], snapshot: Snapshot) -> RenderedDocument:
    """The document rendered with one of render.py's speed-ups switched off (and on again afterwards)."""
    speed_up(False)
    try:
        return render_pdf(snapshot)
    finally:
        speed_up(True)


def test_memoised_page_references_change_nothing(factories: ModuleType) -> None:
    snapshot = factories.make_snapshot(6)
    fast = render_pdf(snapshot)
    slow = rendered_without(use_fast_page_references, snapshot)
    assert fast.pdf == slow.pdf


def test_stream_compression_level_changes_only_the_compression(factories: ModuleType) -> None:
    snapshot = factories.make_snapshot(6)
    fast = render_pdf(snapshot)
    slow = rendered_without(use_fast_compression, snapshot)
    assert fast.pdf != slow.pdf
    assert render_pdf(snapshot).pdf == fast.pdf  # still deterministic
    fast_reader, slow_reader = PdfReader(io.BytesIO(fast.pdf)), PdfReader(io.BytesIO(slow.pdf))
    assert len(fast_reader.pages) == len(slow_reader.pages) == fast.page_count
    for fast_page, slow_page in zip(fast_reader.pages, slow_reader.pages, strict=True):
        assert fast_page.get_contents().get_data() == slow_page.get_contents().get_data()  # type: ignore[union-attr]


def test_garbage_collection_is_paused_while_rendering_and_restored(factories: ModuleType) -> None:
    assert gc.isenabled()
    seen: list[bool] = []
    with paused_garbage_collection():
        seen.append(gc.isenabled())
        with paused_garbage_collection():  # nested, as two renders in two worker threads
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
    assert seen == [False, False, False] and gc.isenabled()
    render_pdf(factories.make_snapshot(2))
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_garbage_collection():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), paused_garbage_collection():
        raise RuntimeError("render failed")
    assert gc.isenabled()


@pytest.mark.parametrize("variant", ["pdf/a-3a", "pdf/a-3b"])
def test_archival_variants_keep_attachments(factories: ModuleType, variant: str) -> None:
    snapshot = factories.make_snapshot(3)
    rendered = render_pdf(snapshot, variant=variant)  # type: ignore[arg-type]
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert sorted(reader.attachments) == ["pledges.csv", "snapshot.json"]
    root: Any = reader.trailer["/Root"]
    assert "/AF" in root and "/OutputIntents" in root
    assert ("/StructTreeRoot" in root) == (variant == "pdf/a-3a")
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    relationships = {str(spec.get_object()["/F"]): spec.get_object()["/AFRelationship"] for spec in root["/AF"]}
    assert relationships == {"snapshot.json": "/Source", "pledges.csv": "/Data"}
    assert render_pdf(snapshot, variant=variant).pdf == rendered.pdf  # type: ignore[arg-type]


def test_unknown_variant_is_refused(demo_snapshot: Snapshot) -> None:
    with pytest.raises(ValueError, match="Unknown PDF variant"):
        render_pdf(demo_snapshot, variant="pdf/x-4")  # type: ignore[arg-type]


def test_a_bid_with_no_members_renders(factories: ModuleType) -> None:
    rendered = render_pdf(factories.make_snapshot(0))
    reader = PdfReader(io.BytesIO(rendered.pdf))
    text = flat(" ".join(p.extract_text() for p in reader.pages))
    assert "Not yet eligible" in text and "£0" in text


def test_fetcher_serves_only_our_assets(tmp_path: object) -> None:
    fetcher = AssetFetcher()
    css = fetcher.fetch((ASSETS_DIR / "document.css").as_uri())
    assert b"@page" in css.read()
    assert b"@page" in fetcher.fetch("consortium:document.css").read()
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"
    for url in (
        "http://127.0.0.1:9/x.png",
        "https://example.com/font.woff2",
        "ftp://example.com/x",
        "file:///etc/passwd",
        (ASSETS_DIR / ".." / "render.py").as_uri(),
        "consortium:../render.py",
        "file://evil.example/share/x.css",
        "javascript:alert(1)",
        "x",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 9


def test_css_strings_cannot_escape() -> None:
    text = 'a"; } @page { content: url(http://x) } /* \\ \n é ŵ 😀'
    literal = css_string(text)
    assert literal.startswith('"') and literal.endswith('"')
    inner = literal[1:-1]
    assert '"' not in inner and "\n" not in inner and "}" not in inner and "{" not in inner
    assert "\\000022" in inner and "\\01f600" in inner


def test_snapshot_attachment_matches_footer_hash(demo_reader: PdfReader) -> None:
    (data,) = demo_reader.attachments["snapshot.json"]
    digest = snapshot_sha256(msgspec.json.decode(data, type=Snapshot))
    assert f"Snapshot {digest[:12]}" in flat(demo_reader.pages[2].extract_text())
    assert json.loads(data)["schema_version"] == 1


def test_a_snapshot_stored_by_an_earlier_release_keeps_its_digest(factories: ModuleType) -> None:
    """A document queued before an upgrade renders after it (renders resume at start-up). Fields added since have
    defaults, so re-encoding the snapshot would change its bytes and digest; the stored bytes are used as they are."""
    snapshot = factories.make_snapshot(3)
    older = json.loads(snapshot_to_json(snapshot))
    for field in ("eligible_pence", "what_if"):
        older["eligibility"].pop(field, None)
    for field in ("money_districts", "money_regions", "what_if"):
        older["totals"].pop(field, None)
    stored = json.dumps(older, sort_keys=True, separators=(",", ":")).encode()
    read_back = snapshot_from_json(stored)
    assert snapshot_to_json(read_back) != stored  # the premise: this release writes the same snapshot differently

    rendered = render_pdf(read_back, snapshot_json=stored)
    digest = hashlib.sha256(stored).hexdigest()
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert rendered.snapshot_sha256 == digest
    assert reader.attachments["snapshot.json"] == [stored]
    assert digest[:12] in reader.pages[0].extract_text() + reader.pages[-1].extract_text()
