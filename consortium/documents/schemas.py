from __future__ import annotations

from datetime import datetime

import msgspec

from consortium.schemas import Email, ShortText
from consortium.signoffs.schemas import SignedOff


class FileLink(msgspec.Struct):
    """One file of a document version (``consortium.documents.files``): bid.pdf, snapshot.json or pledges.csv."""

    name: str
    media_type: str
    label: str
    url: str


class Document(msgspec.Struct):
    id: int
    bid_id: int
    version: int
    state: str  # rendering | ready | failed
    snapshot_sha256: str
    pdf_sha256: str | None
    page_count: int | None
    error: str
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None
    pdf_url: str
    snapshot_url: str
    files: list[FileLink]  # every file of this version, the PDF and the snapshot included


class ShareLinkCreate(msgspec.Struct, forbid_unknown_fields=True):
    label: ShortText = ""
    expires_in_days: int | None = msgspec.field(default=None)
    # The funder's email address: the link is emailed there (with the PDF's SHA-256 and how to check it). Optional:
    # without it, copy the link from the answer and send it yourself.
    send_to: Email | None = None


class ShareLink(msgspec.Struct):
    id: int
    document_id: int
    label: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    downloads: int  # of the PDF and of its data
    page_views: int  # openings of the link's page
    status: str  # active | expired | revoked
    url: str | None = None  # only when created: the token is not stored
    sent_to: str | None = None  # only when created with send_to: the address the link was emailed to


class SharedDocument(msgspec.Struct):
    """What a funder's link opens: which document this is, and where to download it."""

    bid_title: str
    network_name: str
    funder_name: str
    version: int
    generated_at: datetime
    pdf_sha256: str | None
    snapshot_sha256: str
    page_count: int | None
    expires_at: datetime
    pdf_url: str
    snapshot_url: str
    files: list[FileLink]  # every file of this version, the PDF and the snapshot included
    # The member organisations that signed off this exact version (consortium.signoffs), carried over or not.
    signed_off: list[SignedOff] = msgspec.field(default_factory=list)


class Verification(msgspec.Struct):
    known: bool
    message: str
    matches: str | None = None  # "pdf" or "snapshot"
    bid_title: str | None = None
    network_name: str | None = None
    version: int | None = None
    generated_at: datetime | None = None
    latest_version: int | None = None
    # The member organisations that signed off the version this file is (consortium.signoffs).
    signed_off: list[SignedOff] = msgspec.field(default_factory=list)
