"""The share page's checker: is the file a funder holds exactly the document shared through this link?

``check(token, sha256)`` classifies a SHA-256 (of a PDF or of a snapshot.json, uploaded or pasted) against the
link's document:

* ``this``: exactly this link's document (its PDF, or its data);
* ``older`` / ``newer``: another version of the same bid, with what changed between that version and this link's
  (``consortium.documents.changes``, from the stored snapshots);
* ``other_bid``: a document Consortium made for another bid, said plainly to be NOT the document shared through
  this link, with no more of that bid than the public verify answer gives (``documents.services.verify``);
* ``unknown``: not a document Consortium made, or changed since.

``changes_since_download(token)`` is the share page's "what changed since you downloaded": when an earlier version
of the same bid was downloaded through any share link, the changes from the latest such version to this one.
"""

from __future__ import annotations

from typing import Any

import msgspec

from consortium.documents import services as documents
from consortium.documents.tables import Document, ShareDownload
from consortium.documents.versions import VersionComparison, compare_stored
from consortium.errors import BadInput

Kind = str  # this | older | newer | other_bid | unknown


class CheckResult(msgspec.Struct, frozen=True, kw_only=True):
    kind: Kind
    is_this_document: bool
    headline: str  # one line for the panel's heading
    message: str  # what it is, in plain words
    sha256: str
    matches: str | None = None  # "pdf" or "snapshot": which of the document's files the SHA-256 is of
    version: int | None = None  # the version the file is (same bid only)
    link_version: int  # the version shared through this link
    changes: VersionComparison | None = None  # older or newer: from the earlier of the two to the later


def clean_sha256(sha256: str) -> str:
    """A SHA-256 as typed or pasted (spaces and capitals allowed), or a plain 422 (``verify``'s wording)."""
    digest = "".join(sha256.split()).lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise BadInput(
            "A SHA-256 is 64 characters of 0-9 and a-f. Copy it from the document's footer or a checksum tool.",
            field="sha256",
        )
    return digest


async def _link_document(token: str) -> dict[str, Any]:
    link = await documents._usable_link(token)
    row = (
        await Document.select(
            Document.id, Document.bid, Document.version, Document.pdf_sha256, Document.snapshot_sha256
        )
        .where(Document.id == link["document"])
        .first()
    )
    assert row is not None
    return row


async def check(token: str, sha256: str) -> CheckResult:
    shared = await _link_document(token)
    digest = clean_sha256(sha256)
    link_version = int(shared["version"])
    if digest in (shared["pdf_sha256"], shared["snapshot_sha256"]):
        matches = "pdf" if digest == shared["pdf_sha256"] else "snapshot"
        what = "PDF" if matches == "pdf" else "data (snapshot.json)"
        return CheckResult(
            kind="this",
            is_this_document=True,
            headline="This is exactly the document shared through this link",
            message=f"The file is the {what} of version {link_version}, the version shared through this link, "
            "unchanged.",
            matches=matches,
            version=link_version,
            sha256=digest,
            link_version=link_version,
        )
    found = (
        await Document.select(Document.bid, Document.version, Document.pdf_sha256)
        .where((Document.pdf_sha256 == digest) | (Document.snapshot_sha256 == digest))
        .first()
    )
    if found is not None and found["bid"] == shared["bid"]:
        version = int(found["version"])
        matches = "pdf" if found["pdf_sha256"] == digest else "snapshot"
        older = version < link_version
        first, second = (version, link_version) if older else (link_version, version)
        comparison = await compare_stored(int(shared["bid"]), first, second)
        relation = "an earlier" if older else "a later"
        return CheckResult(
            kind="older" if older else "newer",
            is_this_document=False,
            headline=f"This is version {version}, not version {link_version} shared through this link",
            message=f"The file is {relation} version of the same bid: version {version}, where this link shares "
            f"version {link_version}. What changed from version {first} to version {second} is listed below.",
            matches=matches,
            version=version,
            changes=comparison,
            sha256=digest,
            link_version=link_version,
        )
    verification = await documents.verify(digest)
    if verification.known:
        return CheckResult(
            kind="other_bid",
            is_this_document=False,
            headline="This is NOT the document shared through this link",
            message="The file is a document Consortium made, but for another bid: it is NOT the document shared "
            f"through this link. {verification.message}",
            matches=verification.matches,
            sha256=digest,
            link_version=link_version,
        )
    return CheckResult(
        kind="unknown",
        is_this_document=False,
        headline="We do not recognise this file",
        message=verification.message,
        sha256=digest,
        link_version=link_version,
    )


class SinceDownload(msgspec.Struct, frozen=True, kw_only=True):
    downloaded_version: int
    changes: VersionComparison


async def changes_since_download(token: str) -> SinceDownload | None:
    """The changes from the latest earlier version of this link's bid that anyone downloaded (its PDF or data,
    through any share link) to this link's version; None when no earlier version was downloaded."""
    shared = await _link_document(token)
    downloaded = (
        await ShareDownload.select(ShareDownload.link._.document._.version.as_alias("version"))
        .where(
            (ShareDownload.what != "page")
            & (ShareDownload.link._.document._.bid == shared["bid"])
            & (ShareDownload.link._.document._.version < shared["version"])
        )
        .order_by(ShareDownload.link._.document._.version, ascending=False)
        .first()
    )
    if downloaded is None:
        return None
    version = int(downloaded["version"])
    return SinceDownload(
        downloaded_version=version,
        changes=await compare_stored(int(shared["bid"]), version, int(shared["version"])),
    )
