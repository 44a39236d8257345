"""Invitations: convenors invite organisations by email; a person accepts from the link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from consortium.accounts import services as accounts
from consortium.accounts.principal import Principal
from consortium.accounts.security import new_token, token_digest
from consortium.audit import services as audit
from consortium.bids import schemas
from consortium.bids.access import bid_access
from consortium.bids.services import bid_for_write, effective_status
from consortium.bids.tables import Bid, BidMember, Invitation
from consortium.db import write_transaction
from consortium.errors import BadInput, Conflict, Gone, NotFound, NotSignedIn
from consortium.organisations import services as organisations
from consortium.pledges.tables import Pledge
from consortium.settings import Settings
from consortium.timeutil import as_utc, uk_time_text, utc_now

MAX_BATCH = 500


def accept_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/invitations/{token}"


def _clean_emails(emails: list[str]) -> list[str]:
    cleaned: list[str] = []
    problems = []
    for raw in emails:
        if not raw.strip():
            continue
        try:
            email = accounts.normalise_email(raw, field="emails")
        except BadInput:
            shown = raw.strip() if len(raw.strip()) <= 80 else raw.strip()[:77] + "..."
            problems.append(f"'{shown}' is not an email address like name@example.org.")
            continue
        if email not in cleaned:
            cleaned.append(email)
    if problems:
        raise BadInput(
            f"{len(problems)} of the addresses could not be used, so no invitations were sent. " + " ".join(problems),
            field="emails",
            extra={"problems": problems},
        )
    if not cleaned:
        raise BadInput("Enter at least one email address.", field="emails")
    if len(cleaned) > MAX_BATCH:
        raise BadInput(f"Invite at most {MAX_BATCH} addresses at a time; this list has {len(cleaned)}.", field="emails")
    return cleaned


async def create_invitations(
    settings: Settings, principal: Principal, bid_id: int, emails: list[str]
) -> list[schemas.Invitation]:
    """All of a batch is created, or none of it. Addresses already invited and still pending are re-sent."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    if effective_status(access.bid) in {"locked", "submitted"}:
        raise Conflict("This bid is locked, so no one new can be invited. Unlock it first.")
    cleaned = _clean_emails(emails)
    now = utc_now()
    expires = now + timedelta(days=settings.invitation_days)
    tokens: dict[int, str] = {}
    async with write_transaction():
        if effective_status(await bid_for_write(bid_id)) in {"locked", "submitted"}:
            raise Conflict("This bid was locked a moment ago, so no one new can be invited. Unlock it first.")
        for email in cleaned:
            token = new_token()
            pending = (
                await Invitation.select(Invitation.id)
                .where(
                    (Invitation.bid == bid_id)
                    & (Invitation.email == email)
                    & Invitation.accepted_at.is_null()
                    & Invitation.revoked_at.is_null()
                )
                .first()
            )
            if pending:
                await Invitation.update(
                    {
                        Invitation.token_hash: token_digest(token),
                        Invitation.expires_at: expires,
                        Invitation.last_sent_at: now,
                    }
                ).where(Invitation.id == pending["id"])
                await _record_replaced_link(principal, bid_id, int(pending["id"]))
                tokens[int(pending["id"])] = token
                continue
            rows = await Invitation.insert(
                Invitation(
                    bid=bid_id,
                    email=email,
                    token_hash=token_digest(token),
                    created_by=principal.user_id,
                    expires_at=expires,
                    last_sent_at=now,
                )
            ).returning(Invitation.id)
            tokens[int(rows[0]["id"])] = token
        await audit.record(principal, "invitation.create", "bid", bid_id, bid_id=bid_id, after={"emails": cleaned})
    listed = await list_invitations(principal, bid_id)
    return [_with_url(settings, invitation, tokens[invitation.id]) for invitation in listed if invitation.id in tokens]


def _with_url(settings: Settings, invitation: schemas.Invitation, token: str) -> schemas.Invitation:
    data = {f: getattr(invitation, f) for f in invitation.__struct_fields__}
    data["accept_url"] = accept_url(settings, token)
    return schemas.Invitation(**data)


REPLACED_LINK = "invitation.new_link"


async def _record_replaced_link(principal: Principal, bid_id: int, invitation_id: int) -> None:
    await audit.record(principal, REPLACED_LINK, "invitation", invitation_id, bid_id=bid_id)


async def resend_invitation(
    settings: Settings, principal: Principal, bid_id: int, invitation_id: int
) -> schemas.Invitation:
    """A new link for an invitation not yet used, replacing the old one (which stops working). Nothing is sent:
    the convenor copies the link and sends it themselves."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    row = (
        await Invitation.select(Invitation.id, Invitation.accepted_at)
        .where((Invitation.id == invitation_id) & (Invitation.bid == bid_id))
        .first()
    )
    if row is None:
        raise NotFound("There is no such invitation for this bid.")
    if row["accepted_at"] is not None:
        raise Conflict("This invitation has already been used, so it needs no new link.")
    if effective_status(access.bid) in {"locked", "submitted"}:
        raise Conflict("This bid is locked, so no one new can join it. Unlock it first, then make a new link.")
    token = new_token()
    now = utc_now()
    async with write_transaction():
        await Invitation.update(
            {
                Invitation.token_hash: token_digest(token),
                Invitation.expires_at: now + timedelta(days=settings.invitation_days),
                Invitation.last_sent_at: now,
                Invitation.revoked_at: None,
            }
        ).where(Invitation.id == invitation_id)
        await _record_replaced_link(principal, bid_id, invitation_id)
    listed = await list_invitations(principal, bid_id)
    return _with_url(settings, next(i for i in listed if i.id == invitation_id), token)


def _status(row: dict[str, Any], member_status: str | None, pledge_statuses: set[str]) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    if row["accepted_at"] is None:
        return "expired" if as_utc(row["expires_at"]) <= utc_now() else "invited"
    if member_status == "withdrawn":
        return "withdrawn"
    if "submitted" in pledge_statuses:
        return "submitted"
    if "draft" in pledge_statuses:
        return "pledged"
    return "joined"


async def list_invitations(principal: Principal, bid_id: int) -> list[schemas.Invitation]:
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    rows = (
        await Invitation.select(*Invitation.all_columns(), Invitation.organisation.name.as_alias("organisation_name"))
        .where(Invitation.bid == bid_id)
        .order_by(Invitation.id)
    )
    members = {
        int(r["organisation"]): r["status"]
        for r in await BidMember.select(BidMember.organisation, BidMember.status).where(BidMember.bid == bid_id)
    }
    pledges: dict[int, set[str]] = {}
    activity: dict[int, Any] = {}
    for p in await Pledge.select(Pledge.organisation, Pledge.status, Pledge.updated_at).where(Pledge.bid == bid_id):
        org = int(p["organisation"])
        pledges.setdefault(org, set()).add(p["status"])
        activity[org] = max(activity.get(org, p["updated_at"]), p["updated_at"])
    out = []
    for r in rows:
        org = r["organisation"]
        out.append(
            schemas.Invitation(
                id=r["id"],
                email=r["email"],
                status=_status(r, members.get(org) if org else None, pledges.get(org, set()) if org else set()),
                created_at=r["created_at"],
                expires_at=r["expires_at"],
                last_sent_at=r["last_sent_at"],
                accepted_at=r["accepted_at"],
                organisation_id=org,
                organisation_name=r["organisation_name"],
                last_activity_at=activity.get(org) if org else r["accepted_at"],
            )
        )
    return out


NOT_VALID = (
    "This invitation link is not valid. Check you copied all of it. If the convenor made a new link for you, only "
    "the newest one works: ask them for it."
)


def _invitation_query() -> Any:
    return Invitation.select(*Invitation.all_columns(), Invitation.bid._.network._.name.as_alias("network_name"))


async def _usable_invitation(token: str) -> dict[str, Any]:
    """The invitation this link is for, or why it cannot be used: used, cancelled or expired (410), or not a link
    we made or one a newer link replaced (404)."""
    row = await _invitation_query().where(Invitation.token_hash == token_digest(token)).first()
    if row is None:
        # A replaced link's digest is not kept (looking old digests up would cost every stranger's guess a scan),
        # so the message names replacement as one of the likely reasons.
        raise NotFound(NOT_VALID)
    network = row["network_name"]
    if row["accepted_at"] is not None:
        raise Gone(
            f"This invitation has already been used, on {uk_time_text(row['accepted_at'])}. Sign in to carry on, "
            f"or ask {network} for a new link."
        )
    if row["revoked_at"] is not None:
        raise Gone(f"This invitation was cancelled by {network}. Ask them for a new one if you need it.")
    if as_utc(row["expires_at"]) <= utc_now():
        raise Gone(f"This invitation expired on {uk_time_text(row['expires_at'])}. Ask {network} for a new link.")
    return row


def _require_open_to_newcomers(bid: dict[str, Any]) -> None:
    status = effective_status(bid)
    if status == "submitted":
        raise Conflict("This bid has already been submitted to the funder, so no one new can join it.")
    if status == "locked":
        raise Conflict(
            "The convenor has locked this bid, so no one new can join it now. Ask them to unlock it, then open "
            "this link again (it still works until it expires)."
        )


async def invitation_info(token: str) -> schemas.InvitationInfo:
    row = await _usable_invitation(token)
    bid = (
        await Bid.select(Bid.id, Bid.title, Bid.funder_name, Bid.deadline, Bid.network.name.as_alias("network_name"))
        .where(Bid.id == row["bid"])
        .first()
    )
    assert bid is not None
    return schemas.InvitationInfo(
        bid_id=bid["id"],
        bid_title=bid["title"],
        network_name=bid["network_name"],
        funder_name=bid["funder_name"],
        deadline=bid["deadline"],
        deadline_uk=uk_time_text(bid["deadline"]),
        email=row["email"],
        expires_at=row["expires_at"],
    )


async def accept_invitation(
    principal: Principal | None, token: str, data: schemas.AcceptInvitation
) -> tuple[schemas.Accepted, Principal]:
    """Join the bid: as the signed-in person, or as a new person created here, with a new organisation or one
    the person already acts for. Everything happens in one transaction."""
    if data.organisation is None and data.organisation_id is None:
        raise BadInput("Tell us about your organisation, or choose one you already act for.", field="organisation")
    async with write_transaction():
        invitation = await _usable_invitation(token)
        bid_id = int(invitation["bid"])
        # Checked inside the transaction, before anyone or anything is created: a locked bid takes no one new.
        _require_open_to_newcomers(await bid_for_write(bid_id))
        if principal is None:
            if await accounts.user_id_by_email(invitation["email"]) is not None:
                raise NotSignedIn(
                    f"There is already an account for {invitation['email']}. Sign in first, then open the link again."
                )
            user_id = await accounts.create_user(invitation["email"], data.name, data.password)
            principal = await accounts.load_principal(user_id)
        if data.organisation_id is not None:
            if not principal.acts_for(data.organisation_id):
                raise NotFound("You do not act for an organisation with that number.")
            organisation_id = data.organisation_id
        else:
            assert data.organisation is not None
            organisation_id = await organisations.create_organisation(principal, data.organisation)
        if await BidMember.exists().where((BidMember.bid == bid_id) & (BidMember.organisation == organisation_id)):
            raise Conflict("Your organisation is already a member of this bid.")
        now = utc_now()
        rows = await BidMember.insert(
            BidMember(bid=bid_id, organisation=organisation_id, status="joined", joined_at=now)
        ).returning(BidMember.id)
        claimed = (
            await Invitation.update({Invitation.accepted_at: now, Invitation.organisation: organisation_id})
            .where((Invitation.id == invitation["id"]) & Invitation.accepted_at.is_null())
            .returning(Invitation.id)
        )
        if not claimed:  # someone used the same link a moment ago
            raise Gone("This invitation has already been used. Sign in to carry on.")
        await audit.record(
            principal,
            "membership.join",
            "bid_member",
            int(rows[0]["id"]),
            bid_id=bid_id,
            after={"organisation_id": organisation_id, "status": "joined"},
        )
    principal = await accounts.load_principal(
        principal.user_id, session_id=principal.session_id, csrf_token=principal.csrf_token
    )
    accepted = schemas.Accepted(
        bid_id=bid_id,
        organisation_id=organisation_id,
        user_id=principal.user_id,
        message="You have joined the bid. Next, check your organisation's districts and enter your pledge.",
    )
    return accepted, principal
