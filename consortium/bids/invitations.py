"""Invitations: convenors invite organisations by email; a person accepts from the link."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import msgspec

from consortium.accounts import services as accounts
from consortium.accounts.passwords import check_new_password
from consortium.accounts.principal import Principal
from consortium.accounts.schemas import NewToken
from consortium.accounts.security import new_token, token_digest
from consortium.audit import services as audit
from consortium.audit.tables import AuditEvent
from consortium.bids import schemas
from consortium.bids import services as bids
from consortium.bids.access import bid_access, forget_access, require_permission
from consortium.bids.services import BidState, bid_for_write, effective_status
from consortium.bids.tables import Bid, BidMember, Invitation
from consortium.db import update_locked, write_transaction
from consortium.errors import SAME_CHANGE_AT_ONCE, BadInput, Conflict, Gone, NotFound, NotSignedIn, is_unique_violation
from consortium.mail import notices
from consortium.mail.notices import NewLink
from consortium.mail.tables import OutboxMessage
from consortium.organisations import services as organisations
from consortium.pledges.tables import Pledge
from consortium.schemas import MAX_INVITATIONS, Password, ShortText
from consortium.settings import Settings
from consortium.teams.roles import FIRST_ROLE, Permission
from consortium.timeutil import as_utc, uk_time_text, utc_now
from consortium.validation import CONTROL, Invalid, Problems, check_each

MAX_BATCH = MAX_INVITATIONS
EMAIL_LENGTH = 320  # consortium.schemas.Email


def accept_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/invitations/{token}"


def _shown(raw: str) -> str:
    """An address as typed, for a message: at most 80 characters, invisible controls made visible."""
    return CONTROL.sub("\ufffd", raw if len(raw) <= 80 else raw[:77] + "...")


def _clean_emails(emails: list[str]) -> list[str]:
    """The addresses to invite, each normalised and listed once, in the order given.

    Limits come before work, and the work is linear: the distinct entries are counted first (so 24,000 pasted
    addresses are refused at once, not checked one by one), then each is checked once, and repeats are found with
    a dict rather than by searching the list so far."""
    distinct: dict[str, str] = {}
    for raw in emails:
        entry = raw.strip()
        if entry:
            distinct.setdefault(entry.lower(), entry)
    if len(distinct) > MAX_BATCH:
        raise BadInput(
            f"Invite at most {MAX_BATCH} addresses at a time; this list has {len(distinct):,}. Split it into smaller "
            "lists.",
            field="emails",
        )
    cleaned: dict[str, None] = {}
    problems = []
    for entry in distinct.values():
        try:
            if len(entry) > EMAIL_LENGTH or CONTROL.search(entry):
                raise BadInput(accounts.EMAIL_PROBLEM, field="emails")
            email = accounts.normalise_email(entry, field="emails")
        except BadInput:
            problems.append(f"'{_shown(entry)}' is not an email address like name@example.org.")
            continue
        cleaned.setdefault(email)
    if problems:
        raise BadInput(
            f"{len(problems)} of the addresses could not be used, so no invitations were sent. " + " ".join(problems),
            field="emails",
            extra={"problems": problems},
        )
    if not cleaned:
        raise BadInput("Enter at least one email address.", field="emails")
    return list(cleaned)


async def create_invitations(
    settings: Settings, principal: Principal, bid_id: int, emails: list[str]
) -> list[schemas.Invitation]:
    """All of a batch is created, or none of it. Addresses already invited and still pending are re-sent."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    require_open_to_invitations(access.bid)
    cleaned = _clean_emails(emails)
    async with write_transaction():
        await lock_for_inviting(bid_id)
        made = await write_invitations(settings, principal, bid_id, cleaned)
    return await deliver_invitations(settings, principal, bid_id, made)


def require_open_to_invitations(bid: BidState) -> None:
    """A locked or submitted bid invites no one new (409)."""
    if effective_status(bid) in {"locked", "submitted"}:
        raise Conflict("This bid is locked, so no one new can be invited. Unlock it first.")


async def lock_for_inviting(bid_id: int) -> None:
    """Inside the write transaction, before anything about the bid's invitations is read: the bid locked exclusively
    (two batches naming one address at once would otherwise both find no pending invitation and both insert one on
    PostgreSQL; one after the other, the second re-sends the first's), and refused when it was locked a moment ago."""
    if effective_status(await bid_for_write(bid_id, exclusive=True)) in {"locked", "submitted"}:
        raise Conflict("This bid was locked a moment ago, so no one new can be invited. Unlock it first.")


@dataclass(frozen=True)
class Made:
    """Invitations written in a transaction: each one's new token (shown once) and the messages to deliver after."""

    tokens: dict[int, str]
    message_ids: list[int]


async def write_invitations(
    settings: Settings,
    principal: Principal,
    bid_id: int,
    cleaned: list[str],
    *,
    prefills: Mapping[str, dict[str, Any]] | None = None,
    audit_extra: dict[str, Any] | None = None,
) -> Made:
    """The invitation use case's writes, inside the caller's write transaction after ``lock_for_inviting``: each
    address (normalised, listed once, at most ``MAX_BATCH``) invited, or its pending invitation given a new link;
    one audit event; each message in the outbox. ``prefills`` gives a new invitation the organisation's details
    from the convenor's member list (``Invitation.prefill``), for the person to confirm."""
    if len(cleaned) > MAX_BATCH:
        raise BadInput(f"Invite at most {MAX_BATCH} addresses at a time; split the list into smaller ones.")
    now = utc_now()
    expires = now + timedelta(days=settings.invitation_days)
    tokens: dict[int, str] = {}
    links: list[NewLink] = []
    # Every pending invitation of the batch in one query, not one query per address.
    pending = {
        row["email"]: int(row["id"])
        for row in await Invitation.select(Invitation.id, Invitation.email).where(
            (Invitation.bid == bid_id)
            & Invitation.email.is_in(cleaned)
            & Invitation.accepted_at.is_null()
            & Invitation.revoked_at.is_null()
        )
    }
    for email in cleaned:
        token = new_token()
        if email in pending:
            await Invitation.update(
                {
                    Invitation.token_hash: token_digest(token),
                    Invitation.expires_at: expires,
                    Invitation.last_sent_at: now,
                }
            ).where(Invitation.id == pending[email])
            await _record_replaced_link(principal, bid_id, pending[email])
            tokens[pending[email]] = token
            links.append(NewLink(pending[email], email, accept_url(settings, token), replaced=True))
            continue
        rows = await Invitation.insert(
            Invitation(
                bid=bid_id,
                email=email,
                token_hash=token_digest(token),
                created_by=principal.user_id,
                expires_at=expires,
                last_sent_at=now,
                prefill=(prefills or {}).get(email),
            )
        ).returning(Invitation.id)
        tokens[int(rows[0]["id"])] = token
        links.append(NewLink(int(rows[0]["id"]), email, accept_url(settings, token), replaced=False))
    after: dict[str, Any] = {"emails": cleaned, **(audit_extra or {})}
    await audit.record(principal, "invitation.create", "bid", bid_id, bid_id=bid_id, after=after)
    # In this transaction: every invitation is written with its message, or neither is.
    message_ids = await notices.invitations_made(settings, principal, bid_id, links, expires)
    return Made(tokens, [message_id for message_id in message_ids if message_id is not None])


async def deliver_invitations(
    settings: Settings, principal: Principal, bid_id: int, made: Made
) -> list[schemas.Invitation]:
    """After the transaction: the messages handed to the mail worker, and the invitations made, each with its link."""
    await notices.deliver(list(made.message_ids))
    listed = await list_invitations(principal, bid_id)
    return [
        _with_url(settings, invitation, made.tokens[invitation.id])
        for invitation in listed
        if invitation.id in made.tokens
    ]


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
    """A new link for an invitation not yet used, replacing the old one (which stops working), sent to the address
    invited (the convenor may also copy it from the answer)."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    row = (
        await Invitation.select(Invitation.id, Invitation.email, Invitation.accepted_at)
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
    expires = now + timedelta(days=settings.invitation_days)
    async with write_transaction():
        await Invitation.update(
            {
                Invitation.token_hash: token_digest(token),
                Invitation.expires_at: expires,
                Invitation.last_sent_at: now,
                Invitation.revoked_at: None,
            }
        ).where(Invitation.id == invitation_id)
        await _record_replaced_link(principal, bid_id, invitation_id)
        link = NewLink(invitation_id, str(row["email"]), accept_url(settings, token), replaced=True)
        message_ids = await notices.invitations_made(settings, principal, bid_id, [link], expires)
    await notices.deliver(message_ids)
    listed = await list_invitations(principal, bid_id)
    return _with_url(settings, next(i for i in listed if i.id == invitation_id), token)


def _status(row: dict[str, Any], member_status: str | None, pledge_statuses: set[str]) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    if row["accepted_at"] is None:
        return "expired" if as_utc(row["expires_at"]) <= utc_now() else "invited"
    if member_status == "withdrawn":
        return "withdrawn"
    if member_status == "pending":
        return "pending"
    if member_status is None:  # the convenor refused it, or the organisation has since been deleted
        return "revoked"
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
    # Who used each accepted link (the address it was sent to may not be theirs): the convenor decides on a
    # pending membership from this.
    accepted_by = {
        int((e["after"] or {}).get("organisation_id") or 0): audit.actor_parts(e["actor_label"]).email
        or e["actor_label"]
        for e in await AuditEvent.select(AuditEvent.actor_label, AuditEvent.after)
        .where((AuditEvent.bid_id == bid_id) & AuditEvent.action.is_in(list(JOIN_ACTIONS)))
        .order_by(AuditEvent.id)
        .output(load_json=True)
    }
    pledges: dict[int, set[str]] = {}
    activity: dict[int, Any] = {}
    for p in await Pledge.select(Pledge.organisation, Pledge.status, Pledge.updated_at).where(Pledge.bid == bid_id):
        org = int(p["organisation"])
        pledges.setdefault(org, set()).add(p["status"])
        activity[org] = max(activity.get(org, p["updated_at"]), p["updated_at"])
    deliveries = await _latest_deliveries(bid_id)
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
                accepted_by=accepted_by.get(org) if org and r["accepted_at"] is not None else None,
                delivery=deliveries.get(r["id"]),
            )
        )
    return out


async def _latest_deliveries(bid_id: int) -> dict[int, schemas.Delivery]:
    """Each invitation's latest email and where it has got to."""
    messages = (
        await OutboxMessage.select(
            OutboxMessage.invitation,
            OutboxMessage.state,
            OutboxMessage.sent_at,
            OutboxMessage.last_error,
            OutboxMessage.next_attempt_at,
            OutboxMessage.attempts,
        )
        .where((OutboxMessage.bid == bid_id) & OutboxMessage.invitation.is_not_null())
        .order_by(OutboxMessage.id)
    )
    latest: dict[int, schemas.Delivery] = {}
    for m in messages:  # in order, so the newest of each invitation is the one kept
        retrying = m["state"] in {"queued", "sending"} and m["attempts"] > 0
        latest[int(m["invitation"])] = schemas.Delivery(
            state=m["state"],
            sent_at=m["sent_at"] if m["state"] == "sent" else None,
            last_error=m["last_error"] or "",
            next_attempt_at=m["next_attempt_at"] if retrying else None,
            attempts=m["attempts"],
        )
    return latest


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


def _require_open_to_newcomers(bid: BidState) -> None:
    status = effective_status(bid)
    if status == "submitted":
        raise Conflict("This bid has already been submitted to the funder, so no one new can join it.")
    if status == "locked":
        raise Conflict(
            "The convenor has locked this bid, so no one new can join it now. Ask them to unlock it, then open "
            "this link again (it still works until it expires)."
        )


class Prefill(msgspec.Struct):
    """What the convenor's member list said of the invited organisation, offered to confirm or change on joining."""

    name: str | None = None
    contact_email: str | None = None
    org_id: str | None = None
    homes: int | None = None


class YourOrganisation(msgspec.Struct):
    """An organisation the signed-in person acts for, offered for joining as it stands (its profile and districts),
    so a member of an earlier bid confirms rather than retypes. ``may_join`` is false for a viewer (joining commits
    the organisation: editors and signatories may)."""

    id: int
    name: str
    org_type_name: str
    org_id: str | None
    homes: int | None
    contact_email: str | None
    districts: int
    district_homes: int
    district_names: list[str]
    in_this_network: bool  # a member (or waiting to be) of another bid of the network that invites
    may_join: bool
    role: str | None


class InvitationDetails(schemas.InvitationInfo):
    """``InvitationInfo`` with what the invited person starts from: the member list's details of the organisation
    (``prefill``, null when invited by address alone) and, when signed in, the organisations they act for."""

    prefill: Prefill | None = None
    your_organisations: list[YourOrganisation] = msgspec.field(default_factory=list)


def _prefill_of(value: Any) -> Prefill | None:
    if not value:
        return None
    data = msgspec.json.decode(value) if isinstance(value, str | bytes) else value
    try:
        return msgspec.convert(data, Prefill)
    except msgspec.ValidationError:
        return None


async def your_organisations(principal: Principal | None, network_id: int) -> list[YourOrganisation]:
    """The signed-in person's organisations with their profile and coverage, those already in this network's bids
    first."""
    if principal is None or not principal.organisation_ids:
        return []
    ids = sorted(principal.organisation_ids)
    in_network = {
        int(r["organisation"])
        for r in await BidMember.select(BidMember.organisation).where(
            BidMember.organisation.is_in(ids)
            & (BidMember.bid.network == network_id)
            & BidMember.status.is_in(organisations.HOLDING_STATUSES)
        )
    }
    out = []
    for organisation_id in ids:
        profile = await organisations.read_organisation(principal, organisation_id)
        coverage = await organisations.read_coverage(principal, organisation_id)
        out.append(
            YourOrganisation(
                id=organisation_id,
                name=profile.name,
                org_type_name=profile.org_type_name,
                org_id=profile.org_id,
                homes=profile.homes,
                contact_email=profile.contact_email,
                districts=len(coverage.districts),
                district_homes=coverage.homes_total,
                district_names=[row.district_name for row in coverage.districts],
                in_this_network=organisation_id in in_network,
                may_join=principal.may(organisation_id, Permission.EDIT),
                role=principal.role_in(organisation_id),
            )
        )
    out.sort(key=lambda o: (not o.in_this_network, not o.may_join, o.name.lower()))
    return out


async def invitation_info(token: str, principal: Principal | None = None) -> InvitationDetails:
    row = await _usable_invitation(token)
    bid = (
        await Bid.select(
            Bid.id, Bid.title, Bid.funder_name, Bid.deadline, Bid.network, Bid.network.name.as_alias("network_name")
        )
        .where(Bid.id == row["bid"])
        .first()
    )
    assert bid is not None
    return InvitationDetails(
        bid_id=bid["id"],
        bid_title=bid["title"],
        network_name=bid["network_name"],
        funder_name=bid["funder_name"],
        deadline=bid["deadline"],
        deadline_uk=uk_time_text(bid["deadline"]),
        email=row["email"],
        expires_at=row["expires_at"],
        prefill=_prefill_of(row.get("prefill")),
        your_organisations=await your_organisations(principal, int(bid["network"])),
    )


JOIN_ACTIONS = ("membership.join", "membership.request")
DIFFERENT_ADDRESS = (
    "This invitation was sent to {invited}, and you are signed in as {you}, so the convenor must approve your "
    "organisation before it joins. You will see the bid once they have."
)


class _NewPerson(msgspec.Struct):
    """The person's own fields of ``AcceptInvitation``, checked on their own (``check_each``)."""

    name: ShortText
    password: Password


PERSON_LABELS = {"name": "your name", "password": "your password"}


async def _acceptance_problems(principal: Principal | None, invited: str, data: schemas.AcceptInvitation) -> Problems:
    """Every problem with what was sent to accept an invitation to ``invited``: a new person's name and password
    (as ``accounts.create_user`` checks them) and a new organisation's fields (as ``create_organisation`` checks
    them, each on "organisation.<field>"), so one answer lists them all."""
    problems = Problems()
    if principal is None:
        check_each(_NewPerson(name=data.name, password=data.password), problems, PERSON_LABELS)
        if not problems.on("name") and not data.name.strip():
            problems.add("name", "Enter your name.")
        if not problems.on("password"):
            with problems.collecting():
                await check_new_password(data.password, email=invited, name=data.name.strip())
    if data.organisation_id is None and data.organisation is None:
        problems.add("organisation", "Tell us about your organisation, or choose one you already act for.")
    elif data.organisation_id is None and data.organisation is not None:
        try:
            organisations.check_profile(data.organisation)
        except Invalid as error:
            for path, message in error.problems:
                problems.add(f"organisation.{path}" if path else "organisation", message)
    return problems


async def check_acceptance(principal: Principal | None, token: str, data: schemas.AcceptInvitation) -> None:
    """Every problem ``accept_invitation`` would find with ``data`` before it writes (``Invalid``), without joining:
    for a form some of whose fields could not be read, so the rest are reported in the same round."""
    found = await _usable_invitation(token)
    (await _acceptance_problems(principal, str(found["email"]), data)).refuse()


async def accept_invitation(
    settings: Settings, principal: Principal | None, token: str, data: schemas.AcceptInvitation
) -> tuple[schemas.Accepted, Principal]:
    """Join the bid: as the signed-in person, or as a new person created here, with a new organisation or one
    the person already acts for. Everything happens in one transaction. Someone signed in under another address
    than the one invited joins "pending": the convenor approves (or refuses) before they see anything of the bid.

    Every problem with the person's name and password and the new organisation's fields is reported at once
    (``Invalid``: "name", "password", "organisation" or "organisation.<field>"), before anything is written."""
    found = await _usable_invitation(token)  # 404 or 410 before anything is locked
    (await _acceptance_problems(principal, str(found["email"]), data)).refuse()
    try:
        return await _accept(settings, principal, token, found, data)
    except Exception as error:
        if not is_unique_violation(error):
            raise
        # A race the locks do not cover: two links to one address (in different networks) accepted at the same
        # moment, each creating the account. The loser is told what the winner made.
        if principal is None and await accounts.user_id_by_email(found["email"]) is not None:
            raise Conflict(
                f"An account for {found['email']} was made a moment ago. Sign in with it, then open the link again."
            ) from error
        raise Conflict(SAME_CHANGE_AT_ONCE) from error


async def _accept(
    settings: Settings, principal: Principal | None, token: str, found: dict[str, Any], data: schemas.AcceptInvitation
) -> tuple[schemas.Accepted, Principal]:
    bid_id = int(found["bid"])
    network = await Bid.select(Bid.network).where(Bid.id == bid_id).first()
    if network is None:
        raise NotFound(NOT_VALID)
    network_id = int(network["network"])
    async with write_transaction():
        # Locks in the order every writer takes them: the network (so an identifier is checked against its members
        # and the join lands before anyone else's check; and so two joins of one organisation, or two uses of one
        # link, run one after the other), then the bid (so a lock landing first is seen).
        await organisations.lock_networks({network_id})
        # Checked inside the transaction, before anyone or anything is created: a locked bid takes no one new.
        _require_open_to_newcomers(await bid_for_write(bid_id))
        invitation = await _usable_invitation(token)  # again: a use of the same link a moment ago is seen now
        invited = str(invitation["email"])
        if principal is None:
            if await accounts.user_id_by_email(invited) is not None:
                raise NotSignedIn(
                    f"There is already an account for {invited}. Sign in first, then open the link again."
                )
            user_id = await accounts.create_user(invited, data.name, data.password)
            principal = await accounts.load_principal(user_id)
        if data.organisation_id is not None:
            if not principal.acts_for(data.organisation_id):
                raise NotFound("You do not act for an organisation with that number.")
            # Joining a bid commits the organisation: its editors and signatories may, a viewer may not (403).
            require_permission(principal, data.organisation_id, Permission.EDIT)
            organisation_id = data.organisation_id
        else:
            assert data.organisation is not None
            organisation_id = await organisations.create_organisation(principal, data.organisation)
        if await BidMember.exists().where((BidMember.bid == bid_id) & (BidMember.organisation == organisation_id)):
            raise Conflict("Your organisation is already a member of this bid.")
        await organisations.require_identifier_free(organisation_id, {network_id})
        pending = principal.email.lower() != invited.lower()
        status = "pending" if pending else "joined"
        now = utc_now()
        rows = await BidMember.insert(
            BidMember(bid=bid_id, organisation=organisation_id, status=status, joined_at=None if pending else now)
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
            "membership.request" if pending else "membership.join",
            "bid_member",
            int(rows[0]["id"]),
            bid_id=bid_id,
            after={"organisation_id": organisation_id, "status": status, "invited_email": invited},
            organisation_id=organisation_id,
            # A new organisation's first person is its signatory (made a moment ago, in this transaction).
            role=None if data.organisation_id is not None else FIRST_ROLE,
        )
        issued = None
        if data.api_token:  # in the same transaction: joined with a token, or not joined at all
            issued = await accounts.issue_api_token(principal.user_id, f"Made on joining {found['network_name']}")
        # A pending organisation is told nothing of the bid until the convenor approves it: no welcome yet.
        message_ids = [] if pending else await notices.joined(settings, principal, bid_id, organisation_id)
    await notices.deliver(message_ids)
    forget_access(bid_id)  # a new membership: the bid is read again for the answer
    principal = await accounts.load_principal(
        principal.user_id, session_id=principal.session_id, csrf_token=principal.csrf_token
    )
    accepted = schemas.Accepted(
        bid_id=bid_id,
        organisation_id=organisation_id,
        user_id=principal.user_id,
        status=status,
        message=DIFFERENT_ADDRESS.format(invited=invited, you=principal.email)
        if pending
        else "You have joined the bid. Next, check your organisation's districts and enter your pledge.",
        # A pending organisation sees nothing of the bid until the convenor approves it.
        bid=None if pending else await bids.read_bid(principal, bid_id),
        api_token=None
        if issued is None
        else NewToken(id=issued.id, name=issued.name, token=issued.token, expires_at=issued.expires_at),
    )
    return accepted, principal


class Waiting(msgspec.Struct):
    organisation_name: str
    bid_title: str
    network_name: str


async def waiting_for_approval(principal: Principal) -> list[Waiting]:
    """The caller's organisations waiting for a convenor's approval to join a bid: only the names they saw on the
    invitation, nothing more of the bid."""
    if not principal.organisation_ids:
        return []
    rows = await BidMember.select(
        BidMember.organisation.name.as_alias("organisation_name"),
        BidMember.bid.title.as_alias("bid_title"),
        BidMember.bid._.network._.name.as_alias("network_name"),
    ).where(BidMember.organisation.is_in(sorted(principal.organisation_ids)) & (BidMember.status == "pending"))
    return [Waiting(**row) for row in rows]


async def _pending_membership(bid_id: int, organisation_id: int) -> dict[str, Any]:
    """The membership row, locked for this transaction (so an approval and a refusal at once see each other)."""
    row = await update_locked(
        BidMember.select(BidMember.id, BidMember.status)
        .where((BidMember.bid == bid_id) & (BidMember.organisation == organisation_id))
        .first()
    )
    if row is None:
        raise NotFound("That organisation has not asked to join this bid.")
    return dict(row)


async def approve_member(
    settings: Settings, principal: Principal, bid_id: int, organisation_id: int
) -> schemas.BidMember:
    """The convenor lets in an organisation that joined through a link sent to another address; its people get the
    welcome that was held back while it waited."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    async with write_transaction():
        network_id = access.bid.network
        await organisations.lock_networks({network_id})
        _require_open_to_newcomers(await bid_for_write(bid_id))
        row = await _pending_membership(bid_id, organisation_id)
        if row["status"] == "joined":  # approved a moment ago (a double click): nothing more to record
            return await bids.membership(bid_id, organisation_id)
        if row["status"] != "pending":
            raise Conflict(f"Only an organisation waiting for approval can be approved; this one has {row['status']}.")
        await organisations.require_identifier_free(organisation_id, {network_id})
        now = utc_now()
        await BidMember.update({BidMember.status: "joined", BidMember.joined_at: now, BidMember.updated_at: now}).where(
            BidMember.id == row["id"]
        )
        await audit.record(
            principal,
            "membership.approve",
            "bid_member",
            int(row["id"]),
            bid_id=bid_id,
            before={"organisation_id": organisation_id, "status": "pending"},
            after={"organisation_id": organisation_id, "status": "joined"},
        )
        message_ids = await notices.approved(settings, bid_id, organisation_id)
    await notices.deliver(message_ids)
    return await bids.membership(bid_id, organisation_id)


async def refuse_member(principal: Principal, bid_id: int, organisation_id: int) -> str:
    """The convenor turns away an organisation waiting for approval: its membership is removed and the link it
    used is cancelled (a new link can be made for the right person)."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    async with write_transaction():
        row = await _pending_membership(bid_id, organisation_id)
        if row["status"] != "pending":
            raise Conflict(
                f"Only an organisation waiting for approval can be refused; this one has {row['status']}. "
                "To take a member out of the bid, withdraw it."
            )
        await BidMember.delete().where(BidMember.id == row["id"])
        await Invitation.update(
            {Invitation.accepted_at: None, Invitation.organisation: None, Invitation.revoked_at: utc_now()}
        ).where((Invitation.bid == bid_id) & (Invitation.organisation == organisation_id))
        await audit.record(
            principal,
            "membership.refuse",
            "bid_member",
            int(row["id"]),
            bid_id=bid_id,
            before={"organisation_id": organisation_id, "status": "pending"},
        )
    return "The organisation was refused and does not join the bid. Its link no longer works; make a new one if needed."
