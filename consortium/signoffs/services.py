"""Sign-off of exact document versions.

The convenor asks the members to sign off one ready version (the latest); each member organisation's signatory signs
it off as a named person in a role, or declines with a reason. A decision is never changed (a unique index on the
version and the organisation makes a second one a conflict). When a newer version states a member's own row and the
bid's terms exactly as a version it signed did (the same ``row_sha256``), its sign-off carries over: a row of its own,
marked with the version it came from. Where the bid requires it, submission waits until every joined member has
signed off the latest version, and that version still matches the bid."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from consortium.accounts.principal import Principal
from consortium.audit import services as audit
from consortium.bids.access import BidAccess, bid_access
from consortium.bids.tables import Bid, BidMember
from consortium.db import update_locked, write_transaction
from consortium.documents import changes as compared
from consortium.documents.builder import build_snapshot
from consortium.documents.snapshot import Snapshot, snapshot_from_json
from consortium.documents.tables import Document
from consortium.errors import BadInput, Conflict, Forbidden, NotFound, is_unique_violation
from consortium.mail import notices
from consortium.organisations.services import who_may
from consortium.organisations.tables import Organisation
from consortium.settings import Settings
from consortium.signoffs import schemas
from consortium.signoffs.rows import OwnRow, own_row, row_sha256
from consortium.signoffs.tables import SignOff, SignOffRequest
from consortium.teams.roles import ROLE_BY_KEY, Permission
from consortium.timeutil import uk_time_text, utc_now
from consortium.validation import checked

logger = logging.getLogger("consortium.signoffs")

NO_VERSION = "There is no version with that number of this bid's document."
SIGNED, CARRIED, DECLINED, WAITING, NOT_IN_VERSION = "signed", "carried_over", "declined", "waiting", "not_in_version"


# --- reading ---------------------------------------------------------------------------------------------------


async def _document(bid_id: int, version: int) -> dict[str, Any]:
    row = (
        await Document.select(
            Document.id, Document.version, Document.state, Document.pdf_sha256, Document.snapshot_json
        )
        .where((Document.bid == bid_id) & (Document.version == version))
        .first()
    )
    if row is None:
        raise NotFound(NO_VERSION)
    return row


async def _snapshot_of(document_id: int) -> Snapshot:
    row = await Document.select(Document.snapshot_json).where(Document.id == document_id).first()
    assert row is not None
    return snapshot_from_json(row["snapshot_json"])


async def _latest_ready(bid_id: int) -> dict[str, Any] | None:
    return (
        await Document.select(Document.id, Document.version, Document.pdf_sha256)
        .where((Document.bid == bid_id) & (Document.state == "ready"))
        .order_by(Document.version, ascending=False)
        .first()
    )


async def _latest_requested(bid_id: int) -> dict[str, Any] | None:
    """The latest version the members were asked to sign off: the only one they can decide on."""
    return (
        await SignOffRequest.select(
            SignOffRequest.id,
            SignOffRequest.document.as_alias("document_id"),
            SignOffRequest.document.version.as_alias("version"),
            SignOffRequest.message,
            SignOffRequest.requested_at,
        )
        .where(SignOffRequest.document.bid == bid_id)
        .order_by(SignOffRequest.document.version, ascending=False)
        .first()
    )


async def _request_of(document_id: int) -> dict[str, Any] | None:
    return (
        await SignOffRequest.select(
            SignOffRequest.message,
            SignOffRequest.requested_at,
            SignOffRequest.requested_by.name.as_alias("requested_by_name"),
        )
        .where(SignOffRequest.document == document_id)
        .first()
    )


async def _joined(bid_id: int) -> list[tuple[int, str]]:
    rows = (
        await BidMember.select(BidMember.organisation, BidMember.organisation.name.as_alias("name"))
        .where((BidMember.bid == bid_id) & (BidMember.status == "joined"))
        .order_by(BidMember.id)
    )
    return [(int(r["organisation"]), str(r["name"])) for r in rows]


async def _decisions(document_id: int) -> dict[int, dict[str, Any]]:
    rows = await SignOff.select().where(SignOff.document == document_id)
    return {int(r["organisation"]): r for r in rows}


def _in_version(snapshot: Snapshot, organisation_id: int) -> bool:
    return any(m.organisation_id == organisation_id and m.member_status == "joined" for m in snapshot.members)


def _role_label(role: str | None) -> str:
    found = ROLE_BY_KEY.get(role or "")
    return found.label if found else (role or "")


def _member_out(
    organisation_id: int, name: str, decision: dict[str, Any] | None, in_version: bool
) -> schemas.MemberSignOff:
    if decision is None:
        return schemas.MemberSignOff(organisation_id, name, WAITING if in_version else NOT_IN_VERSION)
    if decision["decision"] == "declined":
        status = DECLINED
    else:
        status = CARRIED if decision["carried_from_version"] is not None else SIGNED
    return schemas.MemberSignOff(
        organisation_id=organisation_id,
        organisation_name=name,
        status=status,
        reason=decision["reason"],
        person_name=decision["person_name"],
        person_email=decision["person_email"],
        person_role=_role_label(decision["person_role"]),
        decided_at=decision["created_at"],
        carried_from_version=decision["carried_from_version"],
        pdf_sha256=decision["pdf_sha256"],
        row_sha256=decision["row_sha256"],
    )


async def _status(access: BidAccess, version: int) -> schemas.SignOffStatus:
    bid_id = access.bid_id
    document = await _document(bid_id, version)
    request = await _request_of(int(document["id"]))
    latest = await _latest_requested(bid_id)
    snapshot = snapshot_from_json(document["snapshot_json"])
    decisions = await _decisions(int(document["id"]))
    joined = await _joined(bid_id)
    if access.role != "convenor":
        joined = [(org, name) for org, name in joined if org in access.organisation_ids]
    members = [_member_out(org, name, decisions.get(org), _in_version(snapshot, org)) for org, name in joined]
    signed = sum(m.status in {SIGNED, CARRIED} for m in members)
    declined = sum(m.status == DECLINED for m in members)
    return schemas.SignOffStatus(
        bid_id=bid_id,
        version=version,
        document_id=int(document["id"]),
        pdf_sha256=document["pdf_sha256"],
        requested=request is not None,
        requested_at=request["requested_at"] if request else None,
        requested_by=request["requested_by_name"] if request else None,
        message=request["message"] if request else "",
        latest_requested_version=int(latest["version"]) if latest else None,
        members=members,
        signed=signed,
        declined=declined,
        waiting=len(members) - signed - declined,
        everyone_signed=bool(members) and signed == len(members),
    )


async def sign_off_status(principal: Principal, bid_id: int, version: int) -> schemas.SignOffStatus:
    """A version's sign-off: every joined member for the convenor; a member's own organisation only. Anyone else
    (a withdrawn or pending member, a stranger) is told there is no such bid (404)."""
    access = await bid_access(principal, bid_id)
    if access.role not in {"convenor", "member"}:
        raise NotFound(NO_VERSION)
    return await _status(access, version)


async def tracker(principal: Principal, bid_id: int) -> schemas.SignOffStatus | None:
    """For the convenor's dashboard: the sign-off of the latest version asked for, if any."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    latest = await _latest_requested(bid_id)
    return None if latest is None else await _status(access, int(latest["version"]))


async def card(principal: Principal, bid_id: int, document_id: int, version: int) -> dict[str, Any]:
    """For a version's card on the documents page: whether it was asked for, its counts, and whether it can be."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    requested = await SignOffRequest.exists().where(SignOffRequest.document == document_id)
    latest = await _latest_ready(bid_id)
    can_ask = not requested and latest is not None and int(latest["id"]) == document_id
    return {
        "status": await _status(access, version) if requested else None,
        "can_ask": can_ask and access.bid.status != "submitted",
    }


async def signed_off(document_id: int) -> list[schemas.SignedOff]:
    """Who signed off this exact version (carried over or not), for the funder who holds it."""
    rows = (
        await SignOff.select(
            SignOff.organisation.name.as_alias("organisation_name"),
            SignOff.person_name,
            SignOff.person_role,
            SignOff.created_at,
            SignOff.carried_from_version,
        )
        .where((SignOff.document == document_id) & (SignOff.decision == "signed"))
        .order_by(SignOff.organisation.name)
    )
    return [
        schemas.SignedOff(
            organisation_name=r["organisation_name"],
            person_name=r["person_name"],
            person_role=_role_label(r["person_role"]),
            signed_at=r["created_at"],
            carried_from_version=r["carried_from_version"],
        )
        for r in rows
    ]


# --- what changed since a member's last sign-off ------------------------------------------------------------------


async def _last_signed(bid_id: int, organisation_id: int, before_version: int) -> dict[str, Any] | None:
    """The member's latest signed sign-off on a version before ``before_version``, unless it declined a version
    after it (then its last word was no, and nothing carries over)."""
    rows = (
        await SignOff.select(
            SignOff.decision,
            SignOff.row_sha256,
            SignOff.carried_from_version,
            SignOff.user,
            SignOff.person_name,
            SignOff.person_email,
            SignOff.person_role,
            SignOff.created_at,
            SignOff.document.as_alias("document_id"),
            SignOff.document.version.as_alias("version"),
        )
        .where(
            (SignOff.organisation == organisation_id)
            & (SignOff.document.bid == bid_id)
            & (SignOff.document.version < before_version)
        )
        .order_by(SignOff.document.version, ascending=False)
        .first()
    )
    return rows if rows is not None and rows["decision"] == "signed" else None


def _changes(before: Snapshot, after: Snapshot, organisation_id: int) -> compared.VersionChanges | None:
    """What changed for this member (its own row and the terms), or None if the comparison is not available."""
    try:
        return compared.for_member(compared.compare(before, after), organisation_id)
    except NotImplementedError:
        logger.warning("Versions cannot be compared yet (consortium.documents.changes.compare)")
        return None


def change_lines(changes: compared.VersionChanges | None) -> list[str]:
    """The changes in plain sentences, for a message or a page."""
    if changes is None:
        return []
    lines = [f"{t.label}: {t.before or '(none)'} → {t.after or '(none)'}" for t in changes.terms]
    for member in changes.members:
        lines.extend(member.lines)
    return lines


# --- asking -------------------------------------------------------------------------------------------------------


async def request_sign_off(
    settings: Settings, principal: Principal, bid_id: int, version: int, message: str = ""
) -> schemas.SignOffStatus:
    """Ask every joined member to sign off ``version`` (the latest ready one). In the same transaction, every member
    whose last sign-off stated the same row and terms has it carried over, and each member's signatories are told."""
    message = checked(schemas.SignOffRequestCreate(message=message)).message.strip()
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    if access.bid.status == "submitted":
        raise Conflict("This bid has been submitted to the funder, so there is nothing left to sign off.")
    message_ids: list[int | None] = []
    try:
        async with write_transaction():
            # The bid's row locked first: asking and deciding run one after the other (a decision on version N never
            # lands after version N+1 was asked for).
            await update_locked(Bid.select(Bid.id).where(Bid.id == bid_id))
            document = await _document(bid_id, version)
            if document["state"] != "ready":
                raise Conflict(
                    f"Version {version} is not ready yet ({document['state']}). Ask members to sign it off once it "
                    "is ready."
                )
            latest = await _latest_ready(bid_id)
            if latest is not None and int(latest["version"]) != version:
                raise Conflict(
                    f"Version {latest['version']} is newer. Ask members to sign off the latest version, which is "
                    "the one you would submit."
                )
            document_id = int(document["id"])
            if await SignOffRequest.exists().where(SignOffRequest.document == document_id):
                raise Conflict(f"You have already asked members to sign off version {version}.")
            await SignOffRequest.insert(
                SignOffRequest(document=document_id, message=message, requested_by=principal.user_id or None)
            )
            snapshot = snapshot_from_json(document["snapshot_json"])
            asked = await _carry_over(principal, bid_id, document, snapshot)
            await audit.record(
                principal,
                "sign_off.request",
                "document",
                document_id,
                bid_id=bid_id,
                after={
                    "version": version,
                    "message": message,
                    "carried_over": [a.organisation_id for a in asked if a.carried_from_version is not None],
                },
            )
            message_ids = await notices.sign_off_requested(
                settings, principal, bid_id, version, str(document["pdf_sha256"] or ""), message, asked
            )
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(f"You have already asked members to sign off version {version}.") from error
        raise
    await notices.deliver(message_ids)
    return await _status(access, version)


async def _carry_over(
    principal: Principal, bid_id: int, document: dict[str, Any], snapshot: Snapshot
) -> list[notices.SignOffAsk]:
    version, document_id = int(document["version"]), int(document["id"])
    asked = []
    earlier: dict[int, Snapshot] = {}
    for organisation_id, name in await _joined(bid_id):
        if not _in_version(snapshot, organisation_id):
            continue  # joined after this version was made: it is not in the document
        fingerprint = row_sha256(snapshot, organisation_id)
        last = await _last_signed(bid_id, organisation_id, version)
        if last is not None and last["row_sha256"] == fingerprint:
            source = last["carried_from_version"] or int(last["version"])
            await SignOff.insert(
                SignOff(
                    document=document_id,
                    organisation=organisation_id,
                    decision="signed",
                    reason="",
                    user=last["user"],
                    person_name=last["person_name"],
                    person_email=last["person_email"],
                    person_role=last["person_role"],
                    pdf_sha256=str(document["pdf_sha256"] or ""),
                    row_sha256=fingerprint,
                    carried_from_version=source,
                )
            )
            await audit.record(
                principal,
                "sign_off.carry_over",
                "organisation",
                organisation_id,
                bid_id=bid_id,
                after={"version": version, "carried_from_version": source},
            )
            asked.append(notices.SignOffAsk(organisation_id, name, carried_from_version=source))
            continue
        lines: list[str] | None = None
        if last is not None:
            before_id = int(last["document_id"])
            if before_id not in earlier:
                earlier[before_id] = await _snapshot_of(before_id)
            found = _changes(earlier[before_id], snapshot, organisation_id)
            lines = None if found is None else change_lines(found)
        asked.append(
            notices.SignOffAsk(
                organisation_id, name, last_signed_version=None if last is None else int(last["version"]), changes=lines
            )
        )
    return asked


# --- deciding -------------------------------------------------------------------------------------------------------


async def decide(
    principal: Principal, bid_id: int, version: int, organisation_id: int, decision: str, reason: str = ""
) -> schemas.MemberSignOff:
    """A member organisation's signatory signs off ``version`` or declines it (with a reason): once, for good."""
    if decision not in {"signed", "declined"}:
        raise BadInput("Choose to sign off (signed) or to decline (declined).", field="decision")
    reason = checked(schemas.SignOffDecision(organisation_id, "signed", reason)).reason.strip()
    access = await bid_access(principal, bid_id)
    name = await _require_signatory(principal, access, organisation_id)
    if decision == "declined" and not reason:
        raise BadInput(
            "Say why your organisation declines to sign off this version: the convenor reads it.", field="reason"
        )
    if decision == "signed":
        reason = ""
    try:
        async with write_transaction():
            await update_locked(Bid.select(Bid.id).where(Bid.id == bid_id))
            document = await _document(bid_id, version)
            document_id = int(document["id"])
            latest = await _latest_requested(bid_id)
            if not await SignOffRequest.exists().where(SignOffRequest.document == document_id):
                raise Conflict(f"The convenor has not asked members to sign off version {version}.")
            assert latest is not None
            if int(latest["version"]) != version:
                raise Conflict(
                    f"Version {latest['version']} replaces this one: sign off version {latest['version']} instead."
                )
            snapshot = snapshot_from_json(document["snapshot_json"])
            if not _in_version(snapshot, organisation_id):
                raise Conflict(
                    f"{name} is not in version {version} of the document (it joined after the version was made). "
                    "Ask the convenor to make a new version and ask for sign-off again."
                )
            existing = await SignOff.select().where(
                (SignOff.document == document_id) & (SignOff.organisation == organisation_id)
            )
            if existing:
                raise Conflict(_already(name, version, existing[0]))
            rows = await SignOff.insert(
                SignOff(
                    document=document_id,
                    organisation=organisation_id,
                    decision=decision,
                    reason=reason,
                    user=principal.user_id or None,
                    person_name=principal.name,
                    person_email=principal.email,
                    person_role=principal.role_in(organisation_id) or "",
                    pdf_sha256=str(document["pdf_sha256"] or ""),
                    row_sha256=row_sha256(snapshot, organisation_id),
                )
            ).returning(SignOff.id)
            await audit.record(
                principal,
                f"sign_off.{'sign' if decision == 'signed' else 'decline'}",
                "sign_off",
                int(rows[0]["id"]),
                bid_id=bid_id,
                organisation_id=organisation_id,
                after={"version": version, "decision": decision, "reason": reason},
            )
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(
                f"{name} has already decided on version {version}: someone else did it at the same moment. Reload "
                "to see the decision."
            ) from error
        raise
    row = (
        await SignOff.select()
        .where((SignOff.document == document_id) & (SignOff.organisation == organisation_id))
        .first()
    )
    return _member_out(organisation_id, name, row, True)


def _already(name: str, version: int, row: dict[str, Any]) -> str:
    if row["carried_from_version"] is not None:
        return (
            f"{name}'s sign-off of version {row['carried_from_version']} carried over to version {version}: nothing "
            "in its row or the bid's terms changed. It cannot be changed."
        )
    done = "signed off" if row["decision"] == "signed" else "declined"
    return (
        f"{name} has already {done} version {version} ({row['person_name']}, {uk_time_text(row['created_at'])}). "
        "A decision cannot be changed."
    )


async def may_sign_for(principal: Principal, bid_id: int, organisation_id: int) -> str:
    """The organisation's name if the caller may sign off (or decline) for it in this bid; else 404 or 403, as
    ``decide`` answers (for a page that asks before it acts)."""
    return await _require_signatory(principal, await bid_access(principal, bid_id), organisation_id)


async def _require_signatory(principal: Principal, access: BidAccess, organisation_id: int) -> str:
    """The organisation's name, if the caller may sign off for it: its own people only (anyone else: 404, as its
    membership is private; a convenor: 403), in a role that signs (403 naming who can), and a joined member."""
    if not principal.acts_for(organisation_id):
        if access.role == "convenor":
            raise Forbidden("Only a member organisation's own signatories can sign off for it.")
        raise NotFound("There is no member organisation with that number that you act for in this bid.")
    if organisation_id not in access.organisation_ids:
        raise Conflict("Only an organisation that has joined this bid signs off its document.")
    name = await _organisation_name(organisation_id)
    if not principal.may(organisation_id, Permission.SIGN):
        names = await who_may(principal, organisation_id, Permission.SIGN)
        ask = f" Ask {_names(names)}." if names else ""
        raise Forbidden(f"Only a signatory can sign off or decline for {name}.{ask}")
    return name


async def _organisation_name(organisation_id: int) -> str:
    row = await Organisation.select(Organisation.name).where(Organisation.id == organisation_id).first()
    return str(row["name"]) if row else ""


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# --- the member's page --------------------------------------------------------------------------------------------


@dataclass
class OwnSignOff:
    """One of the caller's organisations, on the version it is asked to sign off."""

    organisation_id: int
    name: str
    row: OwnRow | None
    decision: schemas.MemberSignOff
    may_sign: bool
    who_may_sign: list[str]
    last_signed_version: int | None = None  # the version it last signed off, when asked again
    changes: list[str] = field(default_factory=list)
    changes_known: bool = True  # False when the comparison could not be made


@dataclass
class MemberView:
    bid_id: int
    version: int
    document_id: int
    pdf_sha256: str | None
    requested_at: datetime
    message: str
    organisations: list[OwnSignOff]

    @property
    def waiting(self) -> list[OwnSignOff]:
        return [o for o in self.organisations if o.decision.status == WAITING]


async def member_view(principal: Principal, bid_id: int) -> MemberView | None:
    """The latest version the caller's organisations are asked to sign off (None when none is)."""
    access = await bid_access(principal, bid_id)
    if access.role != "member":
        raise NotFound("There is no bid with that number that you can see.")
    latest = await _latest_requested(bid_id)
    if latest is None:
        return None
    version, document_id = int(latest["version"]), int(latest["document_id"])
    document = await _document(bid_id, version)
    snapshot = snapshot_from_json(document["snapshot_json"])
    decisions = await _decisions(document_id)
    out = []
    for organisation_id, name in await _joined(bid_id):
        if organisation_id not in access.organisation_ids:
            continue
        decision = _member_out(
            organisation_id, name, decisions.get(organisation_id), _in_version(snapshot, organisation_id)
        )
        may_sign = principal.may(organisation_id, Permission.SIGN)
        entry = OwnSignOff(
            organisation_id=organisation_id,
            name=name,
            row=own_row(snapshot, organisation_id),
            decision=decision,
            may_sign=may_sign,
            who_may_sign=await who_may(principal, organisation_id, Permission.SIGN),
        )
        last = await _last_signed(bid_id, organisation_id, version)
        if last is not None and decision.status != CARRIED:
            entry.last_signed_version = int(last["version"])
            found = _changes(await _snapshot_of(int(last["document_id"])), snapshot, organisation_id)
            entry.changes_known = found is not None
            entry.changes = change_lines(found)
        out.append(entry)
    return MemberView(
        bid_id=bid_id,
        version=version,
        document_id=document_id,
        pdf_sha256=document["pdf_sha256"],
        requested_at=latest["requested_at"],
        message=latest["message"],
        organisations=out,
    )


async def member_pdf(principal: Principal, bid_id: int, version: int) -> tuple[bytes, str]:
    """A version members were asked to sign off, as a PDF, for a member of the bid: only when the convenor shows
    members the figures (the PDF holds every member's pledge); otherwise there is no such file (404)."""
    access = await bid_access(principal, bid_id)
    missing = NotFound("There is no document for you to download here.")
    if access.role != "member" or access.bid.member_figures != "figures":
        raise missing
    document = await _document(bid_id, version)
    if not await SignOffRequest.exists().where(SignOffRequest.document == int(document["id"])):
        raise missing
    row = await Document.select(Document.pdf).where(Document.id == int(document["id"])).first()
    if row is None or row["pdf"] is None:
        raise missing
    return bytes(row["pdf"]), access.bid.title


async def waiting_for(principal: Principal, bid_id: int) -> MemberView | None:
    """For the member's bid page: the version waiting for one of the caller's organisations to sign off, if any."""
    view = await member_view(principal, bid_id)
    return view if view is not None and view.waiting else None


# --- submission -----------------------------------------------------------------------------------------------------


async def require_every_sign_off(bid_id: int) -> None:
    """Refuse (409) to submit a bid that requires sign-off unless every joined member has signed off (or carried
    over) the latest ready version and that version still states each member's row and the terms as the bid does
    now. Called inside the submission's transaction."""
    latest = await _latest_ready(bid_id)
    if latest is None:
        raise Conflict(
            "This bid needs every member's sign-off before it is submitted. Make the bid document, then ask "
            "members to sign it off."
        )
    version, document_id = int(latest["version"]), int(latest["id"])
    if not await SignOffRequest.exists().where(SignOffRequest.document == document_id):
        raise Conflict(
            f"This bid needs every member's sign-off before it is submitted. Ask members to sign off version "
            f"{version}, the latest."
        )
    decisions = await _decisions(document_id)
    joined = await _joined(bid_id)
    still = [name for org, name in joined if org not in decisions]
    declined = [name for org, name in joined if org in decisions and decisions[org]["decision"] != "signed"]
    if still or declined:
        parts = []
        if still:
            parts.append(f"still to sign off: {', '.join(still)}")
        if declined:
            parts.append(f"declined: {', '.join(declined)}")
        raise Conflict(
            f"Every member must sign off version {version} before the bid is submitted ({'; '.join(parts)})."
        )
    now = await build_snapshot(bid_id, version=version, generated_by="", generated_at=utc_now())
    changed = [name for org, name in joined if row_sha256(now, org) != decisions[org]["row_sha256"]]
    if changed:
        raise Conflict(
            f"The bid has changed since members signed off version {version} (for {', '.join(changed)}). Make a "
            "new version and ask members to sign it off."
        )
