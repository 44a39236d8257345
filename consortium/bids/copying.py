"""Starting a bid from a previous one: its terms and rules, and (if the convenor asks) its members invited again.

The new bid is made by the create use case (``services.create_bid``: the same checks of its title and deadline as a
bid started from nothing) and its members are invited by the invitation use case's writes (``invitations.
write_invitations``: the usual mailed invitation), all in one transaction: the bid, its invitations and their
messages are written together, or none of them is; the messages are handed to the mail worker once it commits.

Who is invited: every organisation that had joined the previous bid (not withdrawn, not waiting for approval, not
refused) is invited through the people who may commit it to a bid (its signatories and editors: a viewer cannot
accept for it). Each of them, signed in, opens the link and chooses the organisation they already act for: its
profile and districts come with it as they are, nothing is typed again. Invitations of the previous bid that were
never used are not copied; pledges never are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import msgspec

from consortium.accounts.principal import Principal
from consortium.audit import services as audit
from consortium.bids import invitations, schemas
from consortium.bids import services as bids
from consortium.bids.access import BidRow, bid_access
from consortium.bids.tables import BidMember, Invitation
from consortium.db import write_transaction
from consortium.mail import notices
from consortium.organisations.tables import OrganisationUser
from consortium.schemas import UtcDateTime
from consortium.settings import Settings
from consortium.teams.roles import ORGANISATION_ROLES, Permission

# The roles whose people may accept an invitation for their organisation (joining commits it: Permission.EDIT).
JOINING_ROLES = tuple(role.key for role in ORGANISATION_ROLES if Permission.EDIT in role.permissions)


class BidCopy(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/v1/bids/{id}/copy. The title is checked by the create use case (an empty or overlong one is a 422
    naming the field, as when a bid is started from nothing)."""

    title: Annotated[str, msgspec.Meta(description="The new bid's title.")]
    deadline: UtcDateTime
    members: Annotated[
        bool,
        msgspec.Meta(
            description="Invite again every organisation that had joined this bid (its signatories and editors "
            "get the usual invitation by email)."
        ),
    ] = False


@dataclass(frozen=True)
class PreviousMember:
    organisation_id: int
    name: str
    emails: tuple[str, ...]  # its people who may accept for it: those the invitation goes to


@dataclass(frozen=True)
class CopyPlan:
    """What copying the bid takes over: its terms and rules (on ``bid``), the organisations that had joined it, and
    how many of its invitations were never used (not copied)."""

    bid: schemas.Bid
    members: tuple[PreviousMember, ...]
    unused_invitations: int

    @property
    def emails(self) -> list[str]:
        return list(dict.fromkeys(email for member in self.members for email in member.emails))


async def _previous_members(bid_id: int) -> tuple[PreviousMember, ...]:
    joined = await (
        BidMember.select(BidMember.organisation, BidMember.organisation.name.as_alias("name"))
        .where((BidMember.bid == bid_id) & (BidMember.status == "joined"))
        .order_by(BidMember.organisation.name)
    )
    if not joined:
        return ()
    people = await (
        OrganisationUser.select(OrganisationUser.organisation, OrganisationUser.user.email.as_alias("email"))
        .where(
            OrganisationUser.organisation.is_in([int(row["organisation"]) for row in joined])
            & OrganisationUser.role.is_in(list(JOINING_ROLES))
            & (OrganisationUser.user.is_active == True)  # noqa: E712 - a query, not a comparison
        )
        .order_by(OrganisationUser.id)
    )
    emails: dict[int, list[str]] = {}
    for person in people:
        emails.setdefault(int(person["organisation"]), []).append(str(person["email"]))
    return tuple(
        PreviousMember(int(row["organisation"]), str(row["name"]), tuple(emails.get(int(row["organisation"]), ())))
        for row in joined
    )


async def _plan(principal: Principal, bid_id: int) -> tuple[BidRow, CopyPlan]:
    access = await bid_access(principal, bid_id)  # 404 for anyone who may not see the bid
    access.require_convenor()  # 403 for a member or a funder who can
    unused = await Invitation.count().where(
        (Invitation.bid == bid_id) & Invitation.accepted_at.is_null() & Invitation.revoked_at.is_null()
    )
    plan = CopyPlan(
        bid=bids.bid_out(access.bid, access.role),
        members=await _previous_members(bid_id),
        unused_invitations=int(unused),
    )
    return access.bid, plan


async def copy_plan(principal: Principal, bid_id: int) -> CopyPlan:
    """What ``copy_bid`` would take over from this bid, for its network's convenors."""
    return (await _plan(principal, bid_id))[1]


async def copy_bid(
    settings: Settings, principal: Principal, bid_id: int, *, title: str, deadline: datetime, members: bool
) -> int:
    """A new draft bid in the same network with this bid's terms and rules, ``title`` and ``deadline``; with
    ``members``, every organisation that had joined this bid invited to it. Returns the new bid's id."""
    old, plan = await _plan(principal, bid_id)
    data = schemas.BidCreate(
        network_id=old.network,
        title=title,
        funder_name=old.funder_name,
        deadline=deadline,
        funder_org_id=old.funder_org_id,
        programme=old.programme,
        match_funder_part=old.match_funder_part,
        match_consortium_part=old.match_consortium_part,
        match_cap_pence=old.match_cap_pence,
        themes=list(old.themes),
        rules=[dict(rule) for rule in old.rules],
        reminder_days=list(old.reminder_days),
        member_figures=old.member_figures,  # type: ignore[arg-type]
        require_sign_off=old.require_sign_off,
    )
    emails = plan.emails if members else []  # account addresses: stored normalised, listed once here
    message_ids: list[int] = []
    async with write_transaction():  # the create use case and the invitation use case's writes join this one
        new = await bids.create_bid(principal, data)
        await audit.record(
            principal,
            "bid.copy",
            "bid",
            new.id,
            bid_id=new.id,
            before={"bid_id": bid_id, "title": old.title},
            after={
                "bid_id": new.id,
                "title": new.title,
                "members": members,
                "invited_organisations": [m.organisation_id for m in plan.members if m.emails] if members else [],
            },
        )
        if emails:
            await invitations.lock_for_inviting(new.id)
            made = await invitations.write_invitations(
                settings, principal, new.id, emails, audit_extra={"copied_from_bid_id": bid_id}
            )
            message_ids = made.message_ids
    await notices.deliver(list(message_ids))
    return new.id
