"""Hostile and unusual input: markup, scripts, remote URLs, very long names and many scripts render safely."""

from __future__ import annotations

import io
import re
import socket
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any, cast

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from consortium.documents.render import AssetFetcher, RenderedDocument, layout_document, render_pdf
from consortium.documents.snapshot import Snapshot, snapshot_from_json

WELSH = "Cymdeithas Tai Gŵyr a'r Fro: tŷ i bawb"
POLISH = "Spółdzielnia Mieszkaniowa Łódź — żółć"
ARABIC = "جمعية الإسكان الخيرية"
EMOJI = "Homes for All 🏠🌈"
LONG = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 45  # one 2,025-character word


class Listener:
    """A local TCP server that records every connection: none must arrive while the PDF renders."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.connections: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                connection, address = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(address)
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.socket.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def hostile_snapshot(factories: ModuleType, listener: Listener) -> Snapshot:
    url = f"http://127.0.0.1:{listener.port}"
    markup = (
        f'<img src="{url}/img.png"><script>alert("x")</script><link rel="stylesheet" href="{url}/s.css">'
        f"<style>@import url({url}/i.css);</style><iframe src='{url}/frame'></iframe>"
    )
    snapshot: Snapshot = factories.make_snapshot(
        8,
        title=f"<script>alert('title')</script> {EMOJI} bid",
        network_name=f"<b>Network</b> {WELSH}",
        overrides={
            0: {"name": "<script>alert('x')</script> Homes", "description": markup, "website": f"{url}/site"},
            1: {"name": LONG, "description": LONG, "contact_email": "x" * 300 + "@example.org"},
            2: {"name": WELSH, "description": f"{WELSH}. Mae ŵ ac ŷ yn llythrennau Cymraeg."},
            3: {"name": POLISH, "description": f"{POLISH}: zażółć gęślą jaźń."},
            4: {"name": ARABIC, "description": f"{ARABIC} تعمل في {WELSH}"},
            5: {"name": EMOJI, "description": "We 💚 our tenants 🏘️", "pledge_purpose": "Heat pumps 🔥➡️❄️"},
            6: {"pledge_conditions": f'"]]></x> {markup}', "identifier": "=1+1"},
        },
    )
    return snapshot


@pytest.fixture(scope="module")
def hostile_rendered(hostile_snapshot: Snapshot, listener: Listener) -> RenderedDocument:
    rendered = render_pdf(hostile_snapshot)
    return rendered


@pytest.fixture(scope="module")
def hostile_text(hostile_rendered: RenderedDocument) -> str:
    reader = PdfReader(io.BytesIO(hostile_rendered.pdf))
    return " ".join(page.extract_text() for page in reader.pages)


def test_nothing_is_fetched(hostile_rendered: RenderedDocument, listener: Listener) -> None:
    assert hostile_rendered.refused_urls == ()  # escaped: WeasyPrint never even saw a URL
    assert listener.connections == []


def test_characters_without_a_font_are_left_out(hostile_rendered: RenderedDocument) -> None:
    """No .notdef glyphs (PDF/UA forbids them): emoji that no installed font has are dropped from the PDF text."""
    reader = PdfReader(io.BytesIO(hostile_rendered.pdf))
    encodings = {
        str(font.get_object()["/Encoding"])
        for page in reader.pages
        for font in cast(Any, page["/Resources"]).get_object().get("/Font", {}).values()
    }
    assert encodings == {"/Identity-H"}  # WeasyPrint writes its own CMap for a font with .notdef glyphs
    # Only emoji can be missing (which depends on the fonts installed), never letters.
    assert set(hostile_rendered.dropped_characters) <= set("🏠🌈💚🏘️🔥➡️❄️")


def test_markup_is_shown_as_text(hostile_text: str) -> None:
    flat = re.sub(r"\s+", " ", hostile_text)
    assert "<script>alert('x')</script> Homes" in flat
    assert "<script>alert('title')</script>" in flat
    assert "<b>Network</b>" in flat
    assert '<img src="http://127.0.0.1:' in flat


def test_languages_and_symbols_survive(hostile_snapshot: Snapshot, hostile_rendered: RenderedDocument) -> None:
    reader = PdfReader(io.BytesIO(hostile_rendered.pdf))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert WELSH in text and "ŵ ac ŷ" in text
    assert POLISH in text and "zażółć gęślą jaźń" in text
    assert any("\u0600" <= char <= "\u06ff" or "\ufb50" <= char <= "\ufeff" for char in text)  # Arabic glyphs
    (data,) = reader.attachments["snapshot.json"]
    assert snapshot_from_json(data) == hostile_snapshot  # every character kept exactly in the attachment
    assert ARABIC in data.decode() and "🏠" in data.decode()


def test_long_names_wrap_inside_the_page(hostile_snapshot: Snapshot) -> None:
    document = layout_document(hostile_snapshot)
    width = document.pages[0].width
    overflowing = []
    for number, page in enumerate(document.pages, start=1):
        for box in page._page_box.descendants():
            right = box.position_x + box.margin_width()
            if right > width + 0.5:
                overflowing.append((number, type(box).__name__, round(right - width, 1)))
    assert overflowing == []


def test_the_fetcher_is_a_second_wall(listener: Listener) -> None:
    """Even raw markup (as if escaping had failed) cannot make WeasyPrint reach the network."""
    url = f"http://127.0.0.1:{listener.port}"
    fetcher = AssetFetcher()
    html = (
        f'<html lang="en-GB"><head><link rel="stylesheet" href="{url}/s.css">'
        f"<style>@import url({url}/i.css); p {{ background: url({url}/bg.png) }}</style></head>"
        f'<body><p>x</p><img src="{url}/img.png" alt="x"><img src="file:///etc/hostname" alt="y"></body></html>'
    )
    HTML(string=html, url_fetcher=fetcher).render()
    assert listener.connections == []
    assert f"{url}/img.png" in fetcher.refused and "file:///etc/hostname" in fetcher.refused
    assert any(u.endswith("/s.css") for u in fetcher.refused)
