"""Bid documents: numbered versions frozen as snapshots, rendered off the event loop, shared and verified."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Coroutine
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from typing import Any

import msgspec

from consortium.accounts.principal import Principal
from consortium.accounts.security import new_token, token_digest
from consortium.accounts.services import normalise_email
from consortium.audit import services as audit
from consortium.bids.access import bid_access
from consortium.bids.tables import Bid
from consortium.db import update_locked, write_transaction
from consortium.documents import changes, files, schemas
from consortium.documents.builder import build_snapshot
from consortium.documents.render_process import RENDER, render_in_this_process, render_key
from consortium.documents.snapshot import Snapshot, snapshot_from_json, snapshot_sha256, snapshot_to_json
from consortium.documents.tables import Document, ShareDownload, ShareLink
from consortium.errors import BadInput, Conflict, Gone, NotFound
from consortium.jobs.enqueue import enqueue
from consortium.jobs.processes import run_in_process
from consortium.mail import notices
from consortium.settings import Settings
from consortium.signoffs import services as signoffs
from consortium.timeutil import as_utc, uk_time_text, utc_now
from consortium.validation import checked
from consortium.words import DEFAULT_VARIANT, VARIANTS

logger = logging.getLogger("consortium.documents")

NOT_FOUND = "There is no document with that number that you can see."

# A document still rendering this long after it was made has failed for good (its render kept dying, or kept
# timing out); it is marked failed so that the sweep stops queueing it.
RENDER_GIVE_UP_AFTER = timedelta(hours=1)


def document_out(row: dict[str, Any]) -> schemas.Document:
    base = f"/bids/{row['bid']}/documents/{row['version']}"
    return schemas.Document(
        id=row["id"],
        bid_id=row["bid"],
        version=row["version"],
        state=row["state"],
        snapshot_sha256=row["snapshot_sha256"],
        pdf_sha256=row["pdf_sha256"],
        page_count=row["page_count"],
        error=row["error"],
        created_by=row.get("created_by_email"),
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        pdf_url=f"{base}/{files.PDF}",
        snapshot_url=f"{base}/{files.SNAPSHOT}",
        files=files.file_links(base),
    )


def _columns() -> list[Any]:
    return [
        Document.id,
        Document.bid,
        Document.version,
        Document.state,
        Document.snapshot_sha256,
        Document.pdf_sha256,
        Document.page_count,
        Document.error,
        Document.created_at,
        Document.finished_at,
        Document.created_by.email.as_alias("created_by_email"),
    ]


async def create_document(principal: Principal, bid_id: int, variant: str = DEFAULT_VARIANT) -> schemas.Document:
    """Freeze a snapshot now and render it in the background; poll the document for its state."""
    if variant not in VARIANTS:
        raise BadInput(f"Choose a PDF variant from: {', '.join(VARIANTS)}.", field="variant")
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    async with write_transaction():
        # The bid's row locked first, so two requests at once number their versions one after the other (the
        # unique index on bid and version is the backstop).
        await update_locked(Bid.select(Bid.id).where(Bid.id == bid_id))
        latest = (
            await Document.select(Document.version)
            .where(Document.bid == bid_id)
            .order_by(Document.version, ascending=False)
            .first()
        )
        version = (latest["version"] if latest else 0) + 1
        snapshot = await build_snapshot(
            bid_id, version=version, generated_by=f"{principal.name} <{principal.email}>", generated_at=utc_now()
        )
        # The new snapshot first, then what changed since the previous version, then that set on it: the stored
        # digest is of the final snapshot, its "Changes since version N" included.
        previous = await previous_snapshot(bid_id, version)
        if previous is not None:
            snapshot = msgspec.structs.replace(snapshot, changes_since=changes.compare(previous, snapshot))
        rows = await Document.insert(
            Document(
                bid=bid_id,
                version=version,
                state="rendering",
                snapshot_json=snapshot_to_json(snapshot).decode(),
                snapshot_sha256=snapshot_sha256(snapshot),
                created_by=principal.user_id or None,  # the command line acts as no one's account
                variant=variant,
            )
        ).returning(Document.id)
        document_id = int(rows[0]["id"])
        await audit.record(
            principal, "document.create", "document", document_id, bid_id=bid_id, after={"version": version}
        )
    queued = start_render(document_id)
    if queued is not None:
        await queued  # the job is queued before the answer says "rendering"
    return await read_document(principal, document_id)


async def previous_snapshot(bid_id: int, version: int) -> Snapshot | None:
    """The stored snapshot of the latest version before ``version`` that did not fail (None: there is none, or it
    cannot be read back)."""
    row = (
        await Document.select(Document.snapshot_json)
        .where((Document.bid == bid_id) & (Document.version < version) & (Document.state != "failed"))
        .order_by(Document.version, ascending=False)
        .first()
    )
    if row is None:
        return None
    try:
        return snapshot_from_json(row["snapshot_json"])
    except (msgspec.DecodeError, ValueError):
        logger.warning("The snapshot before version %s of bid %s cannot be read back", version, bid_id)
        return None


def start_render(document_id: int) -> Coroutine[Any, Any, None] | None:
    """Queue the render of a document whose row is committed (a worker renders it; see documents.tasks)."""
    return enqueue(RENDER, key=render_key(document_id), document_id=document_id)


async def wait_for_renders(timeout_s: float = 120) -> None:
    """For commands and tests: wait until no document is rendering (a worker, in this process or another, renders
    them), or ``timeout_s`` has passed."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while await Document.exists().where(Document.state == "rendering"):
        if asyncio.get_running_loop().time() > deadline:
            logger.warning("Documents are still rendering after %s seconds", timeout_s)
            return
        await asyncio.sleep(0.05)


class RenderLost(RuntimeError):
    """The render process died under a render (killed, out of memory): the job is retried."""


async def render_document(settings: Settings, document_id: int) -> None:
    """Render a document left rendering from its stored snapshot, in a render process so that this process's event
    loop and GIL stay free. Safe to run twice: a document already ready or failed is left as it is, and the PDF of
    one snapshot is always the same bytes."""
    row = (
        await Document.select(Document.snapshot_json, Document.variant)
        .where((Document.id == document_id) & (Document.state == "rendering"))
        .first()
    )
    if row is None:
        return
    try:
        pdf, pdf_sha256, page_count, pid = await run_in_process(
            render_in_this_process, row["snapshot_json"].encode(), row["variant"]
        )
    except BrokenProcessPool as lost:
        raise RenderLost(f"The render process stopped while rendering document {document_id}") from lost
    except Exception as error:
        logger.exception("Rendering document %s failed", document_id)
        await Document.update(
            {
                Document.state: "failed",
                Document.error: f"The document could not be made: {error}",
                Document.finished_at: utc_now(),
            }
        ).where((Document.id == document_id) & (Document.state == "rendering"))
        return
    async with write_transaction():
        made_ready = await (
            Document.update(
                {
                    Document.state: "ready",
                    Document.pdf: pdf,
                    Document.pdf_sha256: pdf_sha256,
                    Document.page_count: page_count,
                    Document.error: "",
                    Document.finished_at: utc_now(),
                }
            )
            .where((Document.id == document_id) & (Document.state == "rendering"))
            .returning(Document.id)
        )
        # The convenor and the members hear of it in the same transaction: a render that lands twice (a retry after
        # a lost answer) tells no one twice, as only the first finds the document still rendering.
        told = await notices.document_ready(settings, document_id) if made_ready else []
    await notices.deliver(told)
    logger.info("Rendered document %s (%s pages) in process %s", document_id, page_count, pid)


async def resume_unfinished_renders() -> int:
    """The sweep: every document left rendering is queued again (a same-key job already waiting or running stands,
    so this never doubles a render); one rendering for too long is marked failed instead."""
    given_up = utc_now() - RENDER_GIVE_UP_AFTER
    await Document.update(
        {
            Document.state: "failed",
            Document.error: "The document could not be made: rendering it kept failing. Try making it again.",
            Document.finished_at: utc_now(),
        }
    ).where((Document.state == "rendering") & (Document.created_at < given_up))
    rows = await Document.select(Document.id).where(Document.state == "rendering")
    for row in rows:
        queued = start_render(int(row["id"]))
        if queued is not None:
            await queued
    return len(rows)


async def _document_row(principal: Principal, document_id: int) -> dict[str, Any]:
    return await _visible(principal, await Document.select(*_columns()).where(Document.id == document_id).first())


async def _version_row(principal: Principal, bid_id: int, version: int) -> dict[str, Any]:
    condition = (Document.bid == bid_id) & (Document.version == version)
    row = await Document.select(*_columns(), Document.bid.title.as_alias("title")).where(condition).first()
    return await _visible(principal, row)


async def _visible(principal: Principal, row: dict[str, Any] | None) -> dict[str, Any]:
    """The document's row, for its bid's convenors (and viewers); anyone else is told there is none."""
    if row is None:
        raise NotFound(NOT_FOUND)
    try:
        access = await bid_access(principal, int(row["bid"]))
    except NotFound:
        raise NotFound(NOT_FOUND) from None
    if access.role != "convenor" and int(row["bid"]) not in principal.viewer_bid_ids:
        raise NotFound(NOT_FOUND)
    return row


async def read_document(principal: Principal, document_id: int) -> schemas.Document:
    return document_out(await _document_row(principal, document_id))


async def list_documents(principal: Principal, bid_id: int) -> list[schemas.Document]:
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    rows = await Document.select(*_columns()).where(Document.bid == bid_id).order_by(Document.version, ascending=False)
    return [document_out(r) for r in rows]


async def document_file(principal: Principal, bid_id: int, version: int, name: str) -> files.FileDownload:
    """A file of a version of the bid's document (``files.FILES``), for the bid's convenors."""
    row = await _version_row(principal, bid_id, version)
    file = files.file_named(name)
    content = await file.produce(int(row["id"]))
    return files.FileDownload(content, files.download_name(row["title"], version, file), file.media_type)


class _SentBid(msgspec.Struct):
    title: str
    network_name: str
    funder_name: str


class _Sent(msgspec.Struct):
    bid: _SentBid


def _names_as_sent(row: dict[str, Any]) -> dict[str, str]:
    """The bid's title, network and funder as the document states them (its snapshot), not as they are now: a
    funder checking a PDF must read the names printed on it, even if the bid was renamed since."""
    try:
        sent = msgspec.json.decode(row.pop("snapshot_json") or b"{}", type=_Sent).bid
    except msgspec.DecodeError:
        return {}
    return {"title": sent.title, "network_name": sent.network_name, "funder_name": sent.funder_name}


async def verify(sha256: str) -> schemas.Verification:
    digest = sha256.strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise BadInput(
            "A SHA-256 is 64 characters of 0-9 and a-f. Copy it from the document's footer or a checksum tool."
        )
    row = (
        await Document.select(
            Document.id,
            Document.bid,
            Document.version,
            Document.created_at,
            Document.pdf_sha256,
            Document.snapshot_json,
            Document.bid.title.as_alias("title"),
            Document.bid._.network._.name.as_alias("network_name"),
        )
        .where((Document.pdf_sha256 == digest) | (Document.snapshot_sha256 == digest))
        .first()
    )
    if row is not None:
        row |= _names_as_sent(row)
    if row is None:
        return schemas.Verification(
            known=False,
            message="This is not a document Consortium made, or it has been changed since. Ask the consortium "
            "for the version they sent you.",
        )
    latest = (
        await Document.select(Document.version)
        .where((Document.bid == row["bid"]) & (Document.state == "ready"))
        .order_by(Document.version, ascending=False)
        .first()
    )
    latest_version = int(latest["version"]) if latest else int(row["version"])
    matches = "pdf" if row["pdf_sha256"] == digest else "snapshot"
    newer = f" A newer version ({latest_version}) exists." if latest_version > row["version"] else ""
    return schemas.Verification(
        known=True,
        matches=matches,
        message=f"This is version {row['version']} of '{row['title']}' by {row['network_name']}, made "
        f"{uk_time_text(row['created_at'])}.{newer}",
        bid_title=row["title"],
        network_name=row["network_name"],
        version=row["version"],
        generated_at=row["created_at"],
        latest_version=latest_version,
        signed_off=await signoffs.signed_off(int(row["id"])),
    )


def pdf_digest(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()


# --- Share links for funders ---------------------------------------------------------------------------------


def _link_status(row: dict[str, Any]) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    if as_utc(row["expires_at"]) <= utc_now():
        return "expired"
    return "active"


async def _link_out(row: dict[str, Any], url: str | None = None) -> schemas.ShareLink:
    # Opening the link's page is a visit, not a download: only the PDF and its data count as downloads.
    page_views = await ShareDownload.count().where((ShareDownload.link == row["id"]) & (ShareDownload.what == "page"))
    downloads = await ShareDownload.count().where((ShareDownload.link == row["id"]) & (ShareDownload.what != "page"))
    return schemas.ShareLink(
        id=row["id"],
        document_id=row["document"],
        label=row["label"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        downloads=downloads,
        page_views=page_views,
        status=_link_status(row),
        url=url,
    )


async def create_share_link(
    settings: Settings, principal: Principal, document_id: int, data: schemas.ShareLinkCreate
) -> schemas.ShareLink:
    data = checked(data)
    row = await _document_row(principal, document_id)
    (await bid_access(principal, int(row["bid"]))).require_convenor()
    if row["state"] != "ready":
        raise Conflict("Share a document once it is ready.")
    days = data.expires_in_days if data.expires_in_days is not None else settings.share_link_days
    if not 1 <= days <= 365:
        raise BadInput("A share link can last from 1 to 365 days.", field="expires_in_days")
    send_to = None
    if data.send_to is not None and data.send_to.strip():
        send_to = normalise_email(data.send_to, field="send_to")
    token = new_token()
    url = f"{settings.base_url}/shared/{token}"
    async with write_transaction():
        rows = await ShareLink.insert(
            ShareLink(
                document=document_id,
                token_hash=token_digest(token),
                label=data.label.strip(),
                created_by=principal.user_id or None,
                expires_at=utc_now() + timedelta(days=days),
            )
        ).returning(ShareLink.id)
        link_id = int(rows[0]["id"])
        await audit.record(
            principal,
            "share_link.create",
            "share_link",
            link_id,
            bid_id=int(row["bid"]),
            after={"document_id": document_id, "days": days, "label": data.label, "sent_to": send_to},
        )
        # In this transaction: the link is made with its message to the funder, or neither is.
        message_ids = []
        if send_to is not None:
            message_ids = await notices.share_link_made(settings, principal, link_id, send_to, url)
    await notices.deliver(message_ids)
    link = await ShareLink.select().where(ShareLink.id == link_id).first()
    assert link is not None
    return msgspec.structs.replace(await _link_out(link, url=url), sent_to=send_to)


async def list_share_links(principal: Principal, document_id: int) -> list[schemas.ShareLink]:
    row = await _document_row(principal, document_id)
    (await bid_access(principal, int(row["bid"]))).require_convenor()
    links = await ShareLink.select().where(ShareLink.document == document_id).order_by(ShareLink.id)
    return [await _link_out(link) for link in links]


async def _convened_link(principal: Principal, link_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A share link and its document's row, for a convenor of its bid; 'not found' for anyone else."""
    missing = "There is no such share link among the bids you convene."
    link = await ShareLink.select().where(ShareLink.id == link_id).first()
    if link is None:
        raise NotFound(missing)
    try:
        row = await _document_row(principal, int(link["document"]))
    except NotFound:
        raise NotFound(missing) from None  # the same answer as for no link, so ids cannot be probed
    (await bid_access(principal, int(row["bid"]))).require_convenor()
    return link, row


async def read_share_link(principal: Principal, link_id: int) -> tuple[schemas.ShareLink, schemas.Document]:
    """One share link and the document version it opens (what revoking it would stop), for a convenor of its bid."""
    link, row = await _convened_link(principal, link_id)
    return await _link_out(link), document_out(row)


async def revoke_share_link(principal: Principal, link_id: int) -> schemas.ShareLink:
    _, row = await _convened_link(principal, link_id)
    async with write_transaction():
        # Revoking a revoked link changes nothing: the first time it was revoked stays, and is audited once.
        revoked = await (
            ShareLink.update({ShareLink.revoked_at: utc_now()})
            .where((ShareLink.id == link_id) & ShareLink.revoked_at.is_null())
            .returning(ShareLink.id)
        )
        if revoked:
            await audit.record(principal, "share_link.revoke", "share_link", link_id, bid_id=int(row["bid"]))
    fresh = await ShareLink.select().where(ShareLink.id == link_id).first()
    assert fresh is not None
    return await _link_out(fresh)


async def _usable_link(token: str) -> dict[str, Any]:
    link = await ShareLink.select().where(ShareLink.token_hash == token_digest(token)).first()
    if link is None:
        raise NotFound("This link is not valid. Check you copied all of it, or ask the consortium for a new one.")
    if link["revoked_at"] is not None:
        raise Gone("The consortium has withdrawn this link. Ask them for a new one if you still need the document.")
    if as_utc(link["expires_at"]) <= utc_now():
        raise Gone(f"This link expired on {uk_time_text(link['expires_at'])}. Ask the consortium for a new one.")
    return link


async def _log(link_id: int, what: str, address: str, user_agent: str) -> None:
    await ShareDownload.insert(
        ShareDownload(link=link_id, what=what, address=address[:100], user_agent=user_agent[:300])
    )


async def shared_document(token: str, address: str, user_agent: str) -> schemas.SharedDocument:
    link = await _usable_link(token)
    row = (
        await Document.select(
            Document.version,
            Document.created_at,
            Document.pdf_sha256,
            Document.snapshot_sha256,
            Document.page_count,
            Document.snapshot_json,
            Document.bid.title.as_alias("title"),
            Document.bid.funder_name.as_alias("funder_name"),
            Document.bid._.network._.name.as_alias("network_name"),
        )
        .where(Document.id == link["document"])
        .first()
    )
    assert row is not None
    row |= _names_as_sent(row)
    await _log(int(link["id"]), "page", address, user_agent)
    return schemas.SharedDocument(
        bid_title=row["title"],
        network_name=row["network_name"],
        funder_name=row["funder_name"],
        version=row["version"],
        generated_at=row["created_at"],
        pdf_sha256=row["pdf_sha256"],
        snapshot_sha256=row["snapshot_sha256"],
        page_count=row["page_count"],
        expires_at=link["expires_at"],
        pdf_url=f"/shared/{token}/{files.PDF}",
        snapshot_url=f"/shared/{token}/{files.SNAPSHOT}",
        files=files.file_links(f"/shared/{token}"),
        signed_off=await signoffs.signed_off(int(link["document"])),
    )


async def shared_file(token: str, name: str, address: str, user_agent: str) -> files.FileDownload:
    """A file of the shared version, for whoever holds a working link; each download is logged."""
    link = await _usable_link(token)
    file = files.file_named(name)
    row = (
        await Document.select(Document.version, Document.bid.title.as_alias("title"))
        .where(Document.id == link["document"])
        .first()
    )
    assert row is not None
    content = await file.produce(int(link["document"]))
    await _log(int(link["id"]), file.logged_as, address, user_agent)
    return files.FileDownload(content, files.download_name(row["title"], row["version"], file), file.media_type)


async def bid_exists(bid_id: int) -> bool:
    return bool(await Bid.exists().where(Bid.id == bid_id))
