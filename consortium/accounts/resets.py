"""Password reset links. Consortium sends no email yet, so a link is made by a convenor for a person who acts for a
member organisation of one of the convenor's network's bids (or by the operator with ``consortium reset-link``),
shown once to whoever made it, and passed on by them.

A link is a random token of which only the SHA-256 is stored; it works once, for ``settings.password_reset_hours``,
and a new link for the same person replaces any earlier unused one. Using it sets the new password, ends every
browser session and revokes every API token of the account. Making and using links are both in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from consortium.accounts import services as accounts
from consortium.accounts.passwords import check_new_password
from consortium.accounts.principal import Principal
from consortium.accounts.security import new_token, token_digest
from consortium.accounts.tables import PasswordReset, SignInAttempt, User
from consortium.audit import services as audit
from consortium.bids.tables import Bid, BidMember
from consortium.db import update_locked, write_transaction
from consortium.errors import Forbidden, Gone, NotFound
from consortium.networks.tables import NetworkConvenor
from consortium.organisations.tables import OrganisationUser
from consortium.schemas import Email, Password
from consortium.settings import Settings
from consortium.timeutil import as_utc, uk_time_text, utc_now
from consortium.validation import checked_value

# Members who joined (or joined and later withdrew) a bid: their people are the convenor's to help. Invited and
# pending organisations have not been let in by the convenor, so their people are not.
HELPED_STATUSES = ("joined", "withdrawn")
NOT_IN_YOUR_NETWORK = (
    "There is no one with that email address among the people of your network's member organisations. "
    "Check the address: it is the one they sign in with."
)
NOT_VALID = (
    "This password reset link is not valid: it may have been copied only in part, or replaced by a newer link. "
    "Ask your network convenor for a new one."
)
OPERATOR = Principal(
    user_id=0,
    email="operator (command line)",
    name="Operator",
    convenor_network_ids=frozenset(),
    organisation_ids=frozenset(),
    viewer_bid_ids=frozenset(),
)


@dataclass(frozen=True)
class IssuedReset:
    user_id: int
    email: str
    name: str
    url: str  # shown once: only the token's hash is kept
    expires_at: datetime


@dataclass(frozen=True)
class ResetInfo:
    email: str
    name: str
    expires_at: datetime


async def _check_convenor_may_reset(convenor: Principal, user_id: int, email: str) -> None:
    if not convenor.convenor_network_ids:
        raise Forbidden(
            "Only a network's convenors can make password reset links. Ask your network convenor to make one."
        )
    if user_id == convenor.user_id:
        raise Forbidden("That is your own account: change your password on your account page instead.")
    organisations = [
        int(row["organisation"])
        for row in await OrganisationUser.select(OrganisationUser.organisation).where(OrganisationUser.user == user_id)
    ]
    in_network = bool(organisations) and await BidMember.exists().where(
        BidMember.organisation.is_in(organisations)
        & BidMember.bid.network.is_in(list(convenor.convenor_network_ids))
        & BidMember.status.is_in(list(HELPED_STATUSES))
    )
    if not in_network:
        raise NotFound(NOT_IN_YOUR_NETWORK)
    if await NetworkConvenor.exists().where(NetworkConvenor.user == user_id):
        raise Forbidden(
            f"{email} is a network convenor. A convenor's password reset link is made by whoever runs Consortium "
            "(with the command `consortium reset-link`); ask them."
        )


async def issue_reset_link(settings: Settings, email: str, *, by: Principal | None) -> IssuedReset:
    """A new reset link for the person with ``email``, made by the convenor ``by`` (or by the operator when None).
    Any earlier unused link of that person stops working."""
    address = accounts.normalise_email(checked_value("email", email, Email))
    user = await User.select(User.id, User.email, User.name).where(User.email == address).first()
    if by is not None:
        await _check_convenor_may_reset(by, int(user["id"]) if user else 0, address)
    if user is None:
        raise NotFound(f"There is no account for {address}.")
    user_id = int(user["id"])
    token = new_token()
    expires_at = utc_now() + timedelta(hours=settings.password_reset_hours)
    async with write_transaction():
        # Two links made at once for one person (two convenors): the second waits here and replaces the first.
        await update_locked(User.select(User.id).where(User.id == user_id))
        await PasswordReset.delete().where((PasswordReset.user == user_id) & PasswordReset.used_at.is_null())
        await PasswordReset.insert(
            PasswordReset(
                user=user_id,
                token_hash=token_digest(token),
                created_by=by.user_id if by is not None else None,
                expires_at=expires_at,
            )
        )
        await audit.record(
            by or OPERATOR, "account.reset_link", "user", user_id, after={"email": address, "expires_at": expires_at}
        )
    return IssuedReset(
        user_id=user_id,
        email=user["email"],
        name=user["name"],
        url=f"{settings.base_url}/reset/{token}",
        expires_at=expires_at,
    )


async def _usable(token: str) -> tuple[int, ResetInfo]:
    if not token or len(token) > 200:
        raise NotFound(NOT_VALID)
    row = await (
        PasswordReset.select(
            PasswordReset.id,
            PasswordReset.expires_at,
            PasswordReset.used_at,
            PasswordReset.user.email.as_alias("email"),
            PasswordReset.user.name.as_alias("name"),
        )
        .where(PasswordReset.token_hash == token_digest(token))
        .first()
    )
    if row is None:
        raise NotFound(NOT_VALID)
    if row["used_at"] is not None:
        raise Gone(
            "This password reset link has already been used; each link works once. If you did not use it, or need "
            "to reset your password again, ask your network convenor for a new link."
        )
    expires_at = as_utc(row["expires_at"])
    if expires_at <= utc_now():
        raise Gone(
            f"This password reset link expired on {uk_time_text(expires_at)}. Ask your network convenor for a new one."
        )
    return int(row["id"]), ResetInfo(email=row["email"], name=row["name"], expires_at=expires_at)


async def reset_link_info(token: str) -> ResetInfo:
    """Whose password a link resets, while it still works (404 unknown or replaced, 410 used or expired)."""
    return (await _usable(token))[1]


async def use_reset_link(token: str, new_password: str) -> int:
    """Set the new password through the link (once). Every session ends and every API token is revoked, and the
    failed sign-ins that may have locked the person out are forgotten. Returns the user's id."""
    checked_value("password", new_password, Password)
    reset_id, info = await _usable(token)
    await check_new_password(new_password, email=info.email, name=info.name)
    password_hash = await accounts.hash_new_password(new_password)
    async with write_transaction():
        # Used once, even by two requests at the same moment: only one sees the link unused and marks it.
        now = utc_now()
        claimed = await (
            PasswordReset.update({PasswordReset.used_at: now})
            .where((PasswordReset.id == reset_id) & PasswordReset.used_at.is_null() & (PasswordReset.expires_at > now))
            .returning(PasswordReset.user)
        )
        if not claimed:
            raise Gone("This password reset link has just been used; each link works once. Sign in with the password.")
        user_id = int(claimed[0]["user"])
        await User.update({User.password_hash: password_hash}).where(User.id == user_id)
        ended = await accounts.end_sessions_and_tokens(user_id)
        await SignInAttempt.delete().where(SignInAttempt.email == info.email)
        await audit.record(
            await accounts.load_principal(user_id),
            "account.password_reset",
            "user",
            user_id,
            after={"sessions_ended": ended.sessions_ended, "tokens_revoked": ended.tokens_revoked},
        )
    return user_id


@dataclass(frozen=True)
class MemberPerson:
    user_id: int
    name: str
    email: str
    organisation_name: str
    member_status: str
    is_convenor: bool  # a convenor's reset link is the operator's to make, not another convenor's


async def people_of_bid(convenor: Principal, bid_id: int) -> list[MemberPerson]:
    """The people acting for the bid's joined (or withdrawn) member organisations, for its network's convenors:
    whom they can make a reset link for. Anyone else: 404."""
    bid = await Bid.select(Bid.network).where(Bid.id == bid_id).first()
    if bid is None or not convenor.convenes(int(bid["network"])):
        raise NotFound("There is no such bid in your network.")
    members = await (
        BidMember.select(BidMember.organisation, BidMember.organisation.name.as_alias("name"), BidMember.status)
        .where((BidMember.bid == bid_id) & BidMember.status.is_in(list(HELPED_STATUSES)))
        .order_by(BidMember.organisation.name)
    )
    if not members:
        return []
    by_organisation = {int(row["organisation"]): row for row in members}
    links = await (
        OrganisationUser.select(
            OrganisationUser.organisation,
            OrganisationUser.user.id.as_alias("user_id"),
            OrganisationUser.user.name.as_alias("user_name"),
            OrganisationUser.user.email.as_alias("email"),
        )
        .where(OrganisationUser.organisation.is_in(list(by_organisation)))
        .order_by(OrganisationUser.user.name)
    )
    user_ids = [int(row["user_id"]) for row in links]
    convenors = {
        int(row["user"])
        for row in await NetworkConvenor.select(NetworkConvenor.user).where(NetworkConvenor.user.is_in(user_ids or [0]))
    }
    people = [
        MemberPerson(
            user_id=int(row["user_id"]),
            name=row["user_name"],
            email=row["email"],
            organisation_name=by_organisation[int(row["organisation"])]["name"],
            member_status=by_organisation[int(row["organisation"])]["status"],
            is_convenor=int(row["user_id"]) in convenors,
        )
        for row in links
    ]
    return sorted(people, key=lambda person: (person.organisation_name.lower(), person.name.lower()))
