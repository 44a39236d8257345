"""Render a bid snapshot to a tagged, accessible PDF with WeasyPrint.

``render_pdf(snapshot)`` is synchronous and CPU-bound (the API runs it in a worker); it needs no database or network:

* HTML comes from ``templates/bid/document.html`` (Jinja2, autoescaping on, ``StrictUndefined``) over the
  ``BidContext`` built from the snapshot; CSS from ``consortium/documents/assets/document.css``.
* The only URLs WeasyPrint may open are our own assets and ``data:`` URLs (``AssetFetcher``); everything else is
  refused, a second wall behind escaping every piece of user text.
* The PDF carries two attachments: ``snapshot.json`` (the canonical snapshot, whose SHA-256 is printed in every page
  footer) and ``pledges.csv`` (one row per submitted pledge, cells neutralised against formula injection).
* Output is deterministic: creation and modification dates come from ``snapshot.generated_at`` and the PDF file
  identifier from the snapshot digest, so the same snapshot always renders to the same bytes.
* Speed: the cyclic garbage collector is paused during a render (``paused_garbage_collection``), pydyf compresses
  streams at zlib level 6 rather than 9 (``use_fast_compression``) and looks up page references once
  (``use_fast_page_references``); see benchmarks/bench_render.py for where the time goes.

PDF variant. WeasyPrint 70 writes one variant at a time (``pdf/a-*``, ``pdf/ua-1``, ``pdf/ua-2``, ``pdf/x-*``); it has
no combined "PDF/A-3 + PDF/UA" mode. The default is ``pdf/ua-1``: the document goes to public funders, who must be
able to read it with assistive technology, and PDF/UA-1 gives a tagged structure tree, ``/MarkInfo``, ``/Lang``,
``DisplayDocTitle`` and the PDF/UA identification in the XMP metadata, while keeping our attachments (PDF/UA allows
embedded files; PDF/A-1 and PDF/A-2 would drop them, WeasyPrint removes non-PDF attachments for those).
``pdf/a-3a`` is offered for archiving: it is tagged too (level A) and keeps the attachments with an
``AFRelationship`` (``Source`` for the snapshot, ``Data`` for the CSV) but is not marked PDF/UA. ``pdf/a-3b`` is the
archival variant without the accessibility level (untagged), kept for funders' portals that ask for exactly it.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import logging
import mimetypes
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
import pydyf
from weasyprint import CSS, HTML, Attachment, Document
from weasyprint.css import ColorProfile
from weasyprint.urls import URLFetcher, URLFetcherResponse

from consortium.documents.context import BidContext, build_context
from consortium.documents.snapshot import Snapshot, snapshot_to_json
from consortium.exports.tables import DOCUMENT_PLEDGES, document_pledge_rows
from consortium.exports.writers import csv_bytes
from consortium.timeutil import as_utc
from consortium.words import DEFAULT_VARIANT, VARIANTS, Variant

ASSETS_DIR = (Path(__file__).parent / "assets").resolve()
TEMPLATES_DIR = (Path(__file__).resolve().parents[2] / "templates").resolve()
STYLESHEET = ASSETS_DIR / "document.css"
ASSET_SCHEME = "consortium"  # consortium:document.css -> assets/document.css

CSV_COLUMNS = DOCUMENT_PLEDGES.headings  # pledges.csv's heading row


class _PageReferences:
    """A memoised ``pydyf.PDF.page_references``.

    pydyf 0.13 rebuilds the tuple of every page's reference on each access, and WeasyPrint reads it once per tagged
    structure element, so writing a tagged PDF takes time proportional to pages x elements (for the 716-page
    document of a 2,000-member network, writing took 18.7 s of CPU instead of 13.8 s). This returns the same tuple,
    rebuilt only when the page list has grown: the output is byte-for-byte the same (a test renders with and
    without it).
    """

    def __get__(self, pdf: Any, owner: type | None = None) -> tuple[bytes, ...]:
        kids = pdf.pages["Kids"]
        cached = pdf.__dict__.get("_consortium_page_references")
        if cached is None or cached[0] != len(kids):
            cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
            pdf.__dict__["_consortium_page_references"] = cached
        return cached[1]


_ORIGINAL_PAGE_REFERENCES = pydyf.PDF.__dict__.get("page_references")


def use_fast_page_references(enabled: bool = True) -> None:
    """Install (or remove) the memoised page references; installed on import."""
    if enabled:
        pydyf.PDF.page_references = _PageReferences()
    elif _ORIGINAL_PAGE_REFERENCES is not None:
        pydyf.PDF.page_references = _ORIGINAL_PAGE_REFERENCES


use_fast_page_references()


class _Zlib:
    """``zlib`` as pydyf sees it, with its content streams compressed at level 6 instead of 9.

    pydyf 0.13 compresses every stream with ``zlib.compressobj(level=9)``. On our pages (about 100 kB of drawing
    operators each) level 9 is 4.6 times slower than level 6 for 5% smaller streams: 1.1 s against 0.24 s of CPU
    for the 166 pages of a 400-member network, output about 5% larger. The output stays deterministic. Everything
    but ``compressobj`` is the real module.
    """

    def __init__(self, level: int) -> None:
        self.level = level

    def compressobj(self, level: int = zlib.Z_DEFAULT_COMPRESSION, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(min(level, self.level), *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)


STREAM_COMPRESSION_LEVEL = 6


def use_fast_compression(enabled: bool = True) -> None:
    """Have pydyf compress streams at ``STREAM_COMPRESSION_LEVEL`` (or, disabled, at its own level 9)."""
    pydyf.zlib = _Zlib(STREAM_COMPRESSION_LEVEL) if enabled else zlib


use_fast_compression()

_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


@contextmanager
def paused_garbage_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while rendering, then restore it.

    WeasyPrint builds close to a million objects for a 400-member document (boxes, styles, PDF objects), all alive
    until the PDF is written, so the collector's passes during a render find nothing to free yet walk an ever
    larger heap: about 18% of the render's CPU time (400 members: 12.6 s -> 10.4 s). Peak memory is unchanged
    (967 MB -> 988 MB at 2,000 members): the document is garbage only at the end, and nearly all of it is
    cyclic, so the first collection after the pause frees it (0.8 s at 400 members, counted in the render).
    Renders run in worker threads, so the pause is counted: the collector comes back when the last render in
    flight ends, and only if it was on when the first began; while any render runs, other threads' cyclic
    garbage waits too.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


class RefusedURL(ValueError):
    """WeasyPrint asked for a URL that is not one of our assets."""


class AssetFetcher(URLFetcher):
    """Serve only files inside ``consortium/documents/assets`` (as ``file:`` or ``consortium:`` URLs) and ``data:``
    URLs; refuse everything else by raising. Refused URLs are kept in ``refused`` for tests and logs."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data", "file", ASSET_SCHEME), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        path: Path | None = None
        if scheme == "file":
            parts = urlsplit(url)
            if parts.netloc in ("", "localhost"):
                path = Path(url2pathname(unquote(parts.path)))
        elif scheme == ASSET_SCHEME:
            path = ASSETS_DIR / unquote(urlsplit(url).path).lstrip("/")
        if path is not None:
            resolved = path.resolve()
            if resolved.is_relative_to(ASSETS_DIR) and resolved.is_file():
                content_type = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=resolved.read_bytes(), headers={"Content-Type": content_type})
        self.refused.append(url)
        raise RefusedURL(f"The bid document may only use its own assets, not {url[:200]!r}")


@dataclass(frozen=True)
class RenderedDocument:
    pdf: bytes
    sha256: str  # of the PDF bytes
    page_count: int
    variant: str
    snapshot_sha256: str  # of snapshot.json, attached to the PDF and printed in its footers
    refused_urls: tuple[str, ...] = ()  # URLs the fetcher refused (always empty for our templates)
    dropped_characters: tuple[str, ...] = ()  # characters no installed font could draw, left out of the text


@cache
def template_environment() -> jinja2.Environment:
    """Jinja2 for the bid templates: autoescape everywhere, undefined variables are errors."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
    )


def render_html(ctx: BidContext, template: str = "bid/document.html") -> str:
    """The document (or one partial) as HTML: each section under its own name (``cover``, ``coverage`` ...)."""
    return template_environment().get_template(template).render(**ctx.sections())


def css_string(text: str) -> str:
    """A CSS string literal for any text: everything but letters, digits, spaces and simple punctuation is written
    as a six-digit hex escape, so no text can end the string or the rule."""
    out = []
    for char in text:
        if char.isascii() and (char.isalnum() or char in " ,.:;!?()'-_/&"):
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return '"' + "".join(out) + '"'


def page_stylesheet(ctx: BidContext) -> str:
    """The running header and footer text of this document (the rest of the page style is in document.css)."""
    return (
        f"@page {{ @top-left {{ content: {css_string(ctx.document.running_title)}; }} "
        f"@bottom-left {{ content: {css_string('Snapshot ' + ctx.document.snapshot_ref)}; }} }}"
        "@page cover { @top-left { content: none; } @bottom-left { content: none; } }"
    )


def pledges_csv(snapshot: Snapshot) -> bytes:
    """One row per submitted pledge of every member (UTF-8 with a byte order mark, so spreadsheets read it as UTF-8):
    the table ``DOCUMENT_PLEDGES`` by the one export writer, the same bytes for the same snapshot in every release.

    Only submitted pledges: a draft is its member's alone and never reaches a funder, even from a snapshot made
    before snapshots left drafts out."""
    return csv_bytes(DOCUMENT_PLEDGES, document_pledge_rows(snapshot))


def _attachments(snapshot: Snapshot, snapshot_json: bytes, when: datetime) -> list[Attachment]:
    """Fresh Attachment objects: each one reads its source once, so they cannot be reused between renders."""
    return [
        Attachment(
            string=snapshot_json,
            name="snapshot.json",
            description="The bid snapshot this document was rendered from (canonical JSON; its SHA-256 is printed "
            "in every page footer)",
            created=when,
            modified=when,
            relationship="Source",
        ),
        Attachment(
            string=pledges_csv(snapshot),
            name="pledges.csv",
            description="Every submitted pledge, one row each",
            created=when,
            modified=when,
            relationship="Data",
        ),
    ]


def _srgb_profile() -> ColorProfile:
    with (resources.files("weasyprint.pdf") / "sRGB2014.icc").open("rb") as icc:
        return ColorProfile(icc, "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"]))


def layout_document(
    snapshot: Snapshot, fetcher: AssetFetcher | None = None, *, drop: str = "", sha256: str | None = None
) -> Document:
    """The laid-out WeasyPrint document (pages and boxes), before it is written as PDF.

    ``drop`` lists characters to leave out of the text: those no installed font can draw (see ``render_pdf``).
    """
    fetcher = fetcher or AssetFetcher()
    ctx = build_context(snapshot, sha256)
    table = dict.fromkeys(map(ord, drop))
    if table:
        running_title = ctx.document.running_title.translate(table)
        ctx = dataclasses.replace(ctx, document=dataclasses.replace(ctx.document, running_title=running_title))
    stylesheets = [
        CSS(filename=str(STYLESHEET), url_fetcher=fetcher),
        CSS(string=page_stylesheet(ctx), url_fetcher=fetcher),
    ]
    source = render_html(ctx).translate(table)
    html = HTML(string=source, base_url=ASSETS_DIR.as_uri() + "/", url_fetcher=fetcher)
    return html.render(stylesheets=stylesheets)


class _MissingGlyphs(logging.Handler):
    """Collects the characters WeasyPrint had to draw as .notdef (no installed font has them)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.characters: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith(".notdef glyph") and isinstance(record.args, tuple) and record.args:
            character = record.args[0]
            if isinstance(character, str) and len(character) == 1:
                self.characters.add(character)


def _write(document: Document, snapshot: Snapshot, snapshot_json: bytes, variant: Variant) -> tuple[bytes, set[str]]:
    """Write the PDF; also return the characters that came out as .notdef."""
    digest = hashlib.sha256(snapshot_json).hexdigest()
    # WeasyPrint writes attachment dates with a literal "Z": give it the UTC time without a timezone.
    when = as_utc(snapshot.generated_at).replace(tzinfo=None)
    extra: dict[str, Any] = {}
    if variant.startswith("pdf/a"):
        # PDF/A needs an sRGB output intent. WeasyPrint 70 opens its ICC file for that and never closes it (a
        # ResourceWarning); give it the same profile, read from a file we close, under a name it does not reopen.
        document.color_profiles["srgb"] = _srgb_profile()
        extra["output_intent"] = "consortium-srgb"
    missing = _MissingGlyphs()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(missing)
    try:
        pdf = document.write_pdf(
            pdf_variant=variant,
            attachments=_attachments(snapshot, snapshot_json, when),
            # A fixed file identifier (WeasyPrint would otherwise leave it out, or hash the output for PDF/A):
            # the first half of the snapshot digest, so the PDF's /ID names the snapshot it shows.
            pdf_identifier=digest[:32].encode("ascii"),
            custom_metadata=False,
            uncompressed_pdf=False,
            **extra,
        )
    finally:
        logger.removeHandler(missing)
    assert isinstance(pdf, bytes)
    return pdf, missing.characters


def render_pdf(
    snapshot: Snapshot, *, variant: Variant = DEFAULT_VARIANT, snapshot_json: bytes | None = None
) -> RenderedDocument:
    """Render the bid document for ``snapshot``. The same snapshot and variant always give the same bytes.

    Characters that no installed font can draw (emoji, without an emoji font) would come out as .notdef boxes,
    which PDF/UA forbids; when there are any, the document is rendered a second time without them and they are
    listed in ``RenderedDocument.dropped_characters``. snapshot.json keeps every character.

    ``snapshot_json``: the stored bytes the snapshot was read from. They are attached and their digest printed as
    they are, so a snapshot stored by an earlier release (which re-encoding would change, as new fields with
    defaults appear) still renders with the digest that verifies it.
    """
    if variant not in VARIANTS:
        raise ValueError(f"Unknown PDF variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    snapshot_json = snapshot_json or snapshot_to_json(snapshot)
    digest = hashlib.sha256(snapshot_json).hexdigest()
    fetcher = AssetFetcher()
    with paused_garbage_collection():
        document = layout_document(snapshot, fetcher, sha256=digest)
        pdf, missing = _write(document, snapshot, snapshot_json, variant)
        dropped = ""
        if missing:
            dropped = "".join(sorted(missing))
            document = layout_document(snapshot, fetcher, drop=dropped, sha256=digest)
            pdf, _ = _write(document, snapshot, snapshot_json, variant)
        page_count = len(document.pages)
        del document
    return RenderedDocument(
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        page_count=page_count,
        variant=variant,
        snapshot_sha256=digest,
        refused_urls=tuple(fetcher.refused),
        dropped_characters=tuple(dropped),
    )
