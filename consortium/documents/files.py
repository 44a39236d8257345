"""The files of a bid document version, in one table: each file's name (the last part of its address, and for the
data the name of the PDF's attachment), media type, words for a link to it, and how it is made from the stored
version. Convenors download them at ``/bids/{bid}/documents/{version}/{file}``, funders at ``/shared/{token}/{file}``
(``consortium.documents.controllers``); the API's answers and the pages list them from here, so a new file is one row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio.to_thread

from consortium.documents import schemas
from consortium.documents.render import pledges_csv
from consortium.documents.snapshot import snapshot_from_json
from consortium.documents.tables import Document
from consortium.errors import Conflict, NotFound
from consortium.exports.formats import XLSX_MEDIA_TYPE


@dataclass(frozen=True)
class FileDownload:
    content: bytes
    file_name: str  # on the reader's disk
    media_type: str


async def _pdf(document_id: int) -> bytes:
    row = await Document.select(Document.pdf, Document.state).where(Document.id == document_id).first()
    if row is None:
        raise NotFound("There is no such document.")
    if row["state"] == "rendering":
        raise Conflict("This document is still being made. Try again in a few seconds.")
    if row["state"] == "failed" or row["pdf"] is None:
        raise Conflict("This document could not be made. Generate a new version.")
    return bytes(row["pdf"])


async def _snapshot_json(document_id: int) -> bytes:
    """The frozen snapshot, ready as soon as the version is made (before its PDF is)."""
    row = await Document.select(Document.snapshot_json).where(Document.id == document_id).first()
    if row is None:
        raise NotFound("There is no such document.")
    return str(row["snapshot_json"]).encode()


async def _pledges_csv(document_id: int) -> bytes:
    """The PDF's pledges.csv attachment, byte for byte: made from the same snapshot by the same function."""
    return pledges_csv(snapshot_from_json(await _snapshot_json(document_id)))


async def _workbook(document_id: int) -> bytes:
    """The bid workbook, made from the stored snapshot (so its figures are the PDF's) in a worker thread."""
    from consortium.exports.workbook import bid_workbook

    row = await Document.select(Document.snapshot_json, Document.version).where(Document.id == document_id).first()
    if row is None:
        raise NotFound("There is no such document.")
    stored = str(row["snapshot_json"]).encode()
    snapshot = snapshot_from_json(stored)
    digest = hashlib.sha256(stored).hexdigest()
    return await anyio.to_thread.run_sync(lambda: bid_workbook(snapshot, sha256=digest, version=int(row["version"])))


@dataclass(frozen=True)
class DocumentFile:
    name: str
    media_type: str
    link_text: str  # a link to it says this
    suffix: str  # the downloaded file is named "<bid title>-v<version><suffix>"
    logged_as: str  # a funder's download of it, in the share link's log (ShareDownload.what)
    produce: Callable[[int], Awaitable[bytes]]  # from the document's id, once the caller's access is checked


PDF = "bid.pdf"
SNAPSHOT = "snapshot.json"  # also the name of the PDF's attachment, and the file the footer's digest is of
FILES: tuple[DocumentFile, ...] = (
    DocumentFile(PDF, "application/pdf", "Download the PDF", ".pdf", "pdf", _pdf),
    DocumentFile(SNAPSHOT, "application/json", "Download its data (JSON)", ".json", "snapshot", _snapshot_json),
    DocumentFile("pledges.csv", "text/csv", "Download its pledges (CSV)", "-pledges.csv", "pledges", _pledges_csv),
    DocumentFile("bid.xlsx", XLSX_MEDIA_TYPE, "Download the workbook (Excel)", ".xlsx", "workbook", _workbook),
)
FILE_NAMES = tuple(f.name for f in FILES)
_BY_NAME = {f.name: f for f in FILES}


def file_named(name: str) -> DocumentFile:
    found = _BY_NAME.get(name)
    if found is None:
        raise NotFound(f"A document version has these files: {', '.join(FILE_NAMES)}. Ask for one of them.")
    return found


def download_name(title: str, version: int, file: DocumentFile) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    slug = "-".join(part for part in slug.split("-") if part)[:60] or "bid"
    return f"{slug}-v{version}{file.suffix}"


def file_links(base: str) -> list[schemas.FileLink]:
    """Every file of a version, addressed under ``base`` (the version's address for this audience)."""
    return [
        schemas.FileLink(name=f.name, media_type=f.media_type, label=f.link_text, url=f"{base}/{f.name}") for f in FILES
    ]
