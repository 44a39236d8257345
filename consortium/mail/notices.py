"""Who is told what, when something happens: one function per message, each reading what it needs and writing its
messages to the outbox. Each runs INSIDE the transaction of the change that causes it (so a refused or rolled-back
change leaves no message) and returns the ids written; the caller passes them to ``deliver`` once it has committed.

Privacy: a member's message names only that member and its own figures; only a convenor's names another member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from consortium.accounts.principal import Principal
from consortium.bids.tables import Bid, BidMember
from consortium.documents.tables import Document, ShareLink
from consortium.mail import compose
from consortium.mail.compose import BidFacts
from consortium.mail.delivery import deliver_soon
from consortium.mail.outbox import Composed, queue_message
from consortium.networks.tables import NetworkConvenor
from consortium.organisations.tables import Organisation, OrganisationUser
from consortium.pledges.tables import Pledge
from consortium.settings import Settings
from consortium.teams.roles import ORGANISATION_ROLES, Permission


@dataclass(frozen=True)
class Person:
    user_id: int
    email: str
    name: str


@dataclass(frozen=True)
class NewLink:
    """An invitation link just made: the token exists only now, so the message is the one place it goes."""

    invitation_id: int
    email: str
    url: str
    replaced: bool  # a new link for an invitation already sent: the old link has stopped working


async def deliver(message_ids: list[int | None]) -> None:
    """Start delivering messages once the transaction that wrote them has committed. Never raises."""
    ids = [message_id for message_id in message_ids if message_id is not None]
    if not ids:
        return
    await deliver_soon(ids)


async def _bid(bid_id: int) -> tuple[BidFacts, int]:
    row = await (
        Bid.select(
            Bid.title,
            Bid.funder_name,
            Bid.programme,
            Bid.deadline,
            Bid.network,
            Bid.network.name.as_alias("network_name"),
        )
        .where(Bid.id == bid_id)
        .first()
    )
    assert row is not None, f"bid {bid_id} is gone inside its own transaction"
    facts = BidFacts(
        title=row["title"],
        network_name=row["network_name"],
        funder_name=row["funder_name"],
        programme=row["programme"] or "",
        deadline=row["deadline"],
    )
    return facts, int(row["network"])


def _people(rows: list[dict[str, Any]]) -> list[Person]:
    seen: dict[str, Person] = {}
    for row in rows:
        seen.setdefault(str(row["email"]).lower(), Person(int(row["id"]), row["email"], row["name"]))
    return list(seen.values())


async def _convenors(network_id: int) -> list[Person]:
    rows = await (
        NetworkConvenor.select(
            NetworkConvenor.user.id.as_alias("id"),
            NetworkConvenor.user.email.as_alias("email"),
            NetworkConvenor.user.name.as_alias("name"),
        )
        .where((NetworkConvenor.network == network_id) & (NetworkConvenor.user.is_active == True))  # noqa: E712
        .order_by(NetworkConvenor.id)
    )
    return _people(rows)


async def _to_each(
    settings: Settings,
    people: list[Person],
    *,
    kind: str,
    composed: Composed,
    dedupe_prefix: str | None = None,
    **about: Any,
) -> list[int | None]:
    """One composed message to each person (``about``: queue_message's other arguments); with ``dedupe_prefix``,
    written at most once per prefix and address."""
    return [
        await queue_message(
            settings,
            kind=kind,
            to_address=person.email,
            to_name=person.name,
            composed=composed,
            dedupe_key=None if dedupe_prefix is None else f"{dedupe_prefix}:{person.email.lower()}",
            **about,
        )
        for person in people
    ]


async def _people_of(organisation_id: int) -> list[Person]:
    rows = await (
        OrganisationUser.select(
            OrganisationUser.user.id.as_alias("id"),
            OrganisationUser.user.email.as_alias("email"),
            OrganisationUser.user.name.as_alias("name"),
        )
        .where((OrganisationUser.organisation == organisation_id) & (OrganisationUser.user.is_active == True))  # noqa: E712
        .order_by(OrganisationUser.id)
    )
    return _people(rows)


async def _reply_to(network_id: int, acting: Principal | None = None) -> str:
    """Replies go to the convenor who acted, else to the network's first convenor."""
    if acting is not None and acting.convenes(network_id):
        return acting.email
    convenors = await _convenors(network_id)
    return convenors[0].email if convenors else ""


async def _organisation_name(organisation_id: int) -> str:
    row = await Organisation.select(Organisation.name).where(Organisation.id == organisation_id).first()
    return str(row["name"]) if row else ""


async def invitations_made(
    settings: Settings, principal: Principal, bid_id: int, links: list[NewLink], expires_at: datetime
) -> list[int | None]:
    """One message per link: the invitation, or the new link replacing one sent before."""
    bid, network_id = await _bid(bid_id)
    reply_to = await _reply_to(network_id, principal)
    inviter = principal.name or principal.email
    ids = []
    for link in links:
        composed = compose.invitation(
            settings, bid=bid, inviter_name=inviter, url=link.url, expires_at=expires_at, replaced=link.replaced
        )
        ids.append(
            await queue_message(
                settings,
                kind="invitation_replaced" if link.replaced else "invitation",
                to_address=link.email,
                composed=composed,
                reply_to=reply_to,
                bid_id=bid_id,
                invitation_id=link.invitation_id,
            )
        )
    return ids


async def joined(settings: Settings, person: Principal, bid_id: int, organisation_id: int) -> list[int | None]:
    """The welcome, to the person who accepted the invitation (only once their organisation has joined)."""
    return await _welcome(settings, [Person(person.user_id, person.email, person.name)], bid_id, organisation_id)


async def approved(settings: Settings, bid_id: int, organisation_id: int) -> list[int | None]:
    """The welcome held back while an organisation waited for the convenor's approval, sent when it is let in: to
    each of its people, as it is not known which of them used the link."""
    return await _welcome(settings, await _people_of(organisation_id), bid_id, organisation_id)


async def _welcome(settings: Settings, people: list[Person], bid_id: int, organisation_id: int) -> list[int | None]:
    bid, network_id = await _bid(bid_id)
    organisation_name = await _organisation_name(organisation_id)
    reply_to = await _reply_to(network_id)
    return [
        await queue_message(
            settings,
            kind="welcome",
            to_address=person.email,
            to_name=person.name,
            composed=compose.welcome(
                settings,
                bid=bid,
                person_name=person.name,
                organisation_name=organisation_name,
                bid_url=f"{settings.base_url}/bids/{bid_id}",
                organisation_url=f"{settings.base_url}/organisations/{organisation_id}",
            ),
            reply_to=reply_to,
            bid_id=bid_id,
            organisation_id=organisation_id,
        )
        for person in people
    ]


PLEDGE_KINDS = {"submit": "pledge_submitted", "withdraw": "pledge_withdrawn"}


async def pledge_changed(settings: Settings, pledge_id: int, action: str) -> list[int | None]:
    """A pledge submitted or withdrawn: its own organisation's people are told of their pledge, the bid's convenors
    of this member's (not of a draft withdrawn before it was ever submitted: convenors never see drafts). No other
    member's name or amount goes anywhere."""
    kind = PLEDGE_KINDS[action]
    pledge = await (
        Pledge.select(Pledge.bid, Pledge.organisation, Pledge.amount_pence, Pledge.submitted_at)
        .where(Pledge.id == pledge_id)
        .first()
    )
    assert pledge is not None
    bid_id, organisation_id = int(pledge["bid"]), int(pledge["organisation"])
    bid, network_id = await _bid(bid_id)
    organisation_name = await _organisation_name(organisation_id)
    make = compose.pledge_submitted if kind == "pledge_submitted" else compose.pledge_withdrawn
    reply_to = await _reply_to(network_id)
    ids = []
    own = make(
        settings,
        bid=bid,
        organisation_name=organisation_name,
        amount_pence=int(pledge["amount_pence"]),
        url=f"{settings.base_url}/pledges/{pledge_id}",
        for_convenor=False,
    )
    ids += await _to_each(
        settings,
        await _people_of(organisation_id),
        kind=kind,
        composed=own,
        reply_to=reply_to,
        bid_id=bid_id,
        organisation_id=organisation_id,
    )
    if pledge["submitted_at"] is None:
        return ids
    for_convenors = make(
        settings,
        bid=bid,
        organisation_name=organisation_name,
        amount_pence=int(pledge["amount_pence"]),
        url=f"{settings.base_url}/bids/{bid_id}",
        for_convenor=True,
    )
    ids += await _to_each(settings, await _convenors(network_id), kind=kind, composed=for_convenors, bid_id=bid_id)
    return ids


async def _joined_members(bid_id: int) -> list[tuple[int, str]]:
    rows = await (
        BidMember.select(BidMember.organisation, BidMember.organisation.name.as_alias("name"))
        .where((BidMember.bid == bid_id) & (BidMember.status == "joined"))
        .order_by(BidMember.id)
    )
    return [(int(row["organisation"]), str(row["name"])) for row in rows]


async def bid_locked(
    settings: Settings, principal: Principal | None, bid_id: int, *, deadline_lock: int | None = None
) -> list[int | None]:
    """Every joined member's people: no more changes, and what happens next. Each names only its own organisation.
    A lock by the deadline passing (``deadline_lock``: its audit event's id) is told once per person, however often
    the sweep that tells it runs."""
    bid, network_id = await _bid(bid_id)
    reply_to = await _reply_to(network_id, principal)
    ids = []
    for organisation_id, organisation_name in await _joined_members(bid_id):
        composed = compose.bid_locked(
            settings,
            bid=bid,
            organisation_name=organisation_name,
            url=f"{settings.base_url}/bids/{bid_id}",
            at_deadline=deadline_lock is not None,
        )
        ids += await _to_each(
            settings,
            await _people_of(organisation_id),
            kind="bid_locked",
            composed=composed,
            dedupe_prefix=None if deadline_lock is None else f"deadline-lock:{deadline_lock}:{organisation_id}",
            reply_to=reply_to,
            bid_id=bid_id,
            organisation_id=organisation_id,
        )
    return ids


async def document_ready(settings: Settings, document_id: int) -> list[int | None]:
    """A version of the bid document is ready: the convenor who asked for it (else every convenor) is told to check
    it, and every joined member's people to check their own entry. Written once per document and address, so a
    render that is retried does not tell anyone twice. Call it in the transaction that marks the document ready."""
    document = await (
        Document.select(Document.bid, Document.version, Document.created_by).where(Document.id == document_id).first()
    )
    assert document is not None
    bid_id, version = int(document["bid"]), int(document["version"])
    bid, network_id = await _bid(bid_id)
    convenors = await _convenors(network_id)
    asked = [person for person in convenors if person.user_id == document["created_by"]]
    reply_to = asked[0].email if asked else (convenors[0].email if convenors else "")
    ids = []
    for_convenor = compose.document_ready(
        settings, bid=bid, version=version, url=f"{settings.base_url}/bids/{bid_id}/documents", for_convenor=True
    )
    ids += await _to_each(
        settings,
        asked or convenors,
        kind="document_ready",
        composed=for_convenor,
        bid_id=bid_id,
        dedupe_prefix=f"document_ready:{document_id}",
    )
    for organisation_id, organisation_name in await _joined_members(bid_id):
        composed = compose.document_ready(
            settings,
            bid=bid,
            version=version,
            url=f"{settings.base_url}/bids/{bid_id}",
            for_convenor=False,
            organisation_name=organisation_name,
        )
        ids += await _to_each(
            settings,
            await _people_of(organisation_id),
            kind="document_ready",
            composed=composed,
            reply_to=reply_to,
            bid_id=bid_id,
            organisation_id=organisation_id,
            dedupe_prefix=f"document_ready:{document_id}:{organisation_id}",
        )
    return ids


async def share_link_made(
    settings: Settings, principal: Principal, link_id: int, to_address: str, url: str
) -> list[int | None]:
    """The funder's copy of a share link, with what they need to check the PDF is the one we made."""
    link = await (
        ShareLink.select(
            ShareLink.expires_at,
            ShareLink.document.bid.as_alias("bid"),
            ShareLink.document.version.as_alias("version"),
            ShareLink.document.pdf_sha256.as_alias("pdf_sha256"),
        )
        .where(ShareLink.id == link_id)
        .first()
    )
    assert link is not None
    bid_id = int(link["bid"])
    bid, network_id = await _bid(bid_id)
    sha256 = str(link["pdf_sha256"] or "")
    composed = compose.share_link(
        settings,
        bid=bid,
        sender_name=principal.name or principal.email,
        version=int(link["version"]),
        url=url,
        expires_at=link["expires_at"],
        pdf_sha256=sha256,
        verify_url=f"{settings.base_url}/api/v1/documents/verify?{urlencode({'sha256': sha256})}",
    )
    message_id = await queue_message(
        settings,
        kind="share_link",
        to_address=to_address,
        composed=composed,
        reply_to=await _reply_to(network_id, principal),
        bid_id=bid_id,
    )
    return [message_id]


async def team_invitation(
    settings: Settings,
    principal: Principal,
    *,
    email: str,
    role: str,
    team_kind: str,
    team_name: str,
    url: str,
    expires_at: datetime,
    organisation_id: int | None = None,
) -> list[int | None]:
    """An invitation to one person to join a team: a network as a convenor, or an organisation in a role. Replies
    go to whoever invited them."""
    composed = compose.team_invitation(
        settings,
        inviter_name=principal.name or principal.email,
        team_kind=team_kind,
        team_name=team_name,
        role=role,
        url=url,
        expires_at=expires_at,
    )
    return await _to_each(
        settings,
        [Person(0, email, "")],
        kind="team_invitation",
        composed=composed,
        reply_to=principal.email,
        organisation_id=organisation_id,
    )


@dataclass(frozen=True)
class SignOffAsk:
    """One member asked to sign off a version: its sign-off carried over (nothing changed for it since the version
    it signed), or it is asked (again, when it signed an earlier version: ``changes`` says what changed for it, None
    when that could not be worked out)."""

    organisation_id: int
    organisation_name: str
    carried_from_version: int | None = None
    last_signed_version: int | None = None
    changes: list[str] | None = None


async def _signatories_of(organisation_id: int) -> list[Person]:
    roles = [role.key for role in ORGANISATION_ROLES if Permission.SIGN in role.permissions]
    rows = await (
        OrganisationUser.select(
            OrganisationUser.user.id.as_alias("id"),
            OrganisationUser.user.email.as_alias("email"),
            OrganisationUser.user.name.as_alias("name"),
        )
        .where(
            (OrganisationUser.organisation == organisation_id)
            & OrganisationUser.role.is_in(roles)
            & (OrganisationUser.user.is_active == True)  # noqa: E712
        )
        .order_by(OrganisationUser.id)
    )
    return _people(rows)


async def sign_off_requested(
    settings: Settings,
    principal: Principal,
    bid_id: int,
    version: int,
    pdf_sha256: str,
    message: str,
    asked: list[SignOffAsk],
) -> list[int | None]:
    """The convenor asks members to sign off a version: each member's signatories (only they can) hear of their own
    organisation only: what to do, or that their sign-off carried over, and what changed in their own row."""
    bid, network_id = await _bid(bid_id)
    reply_to = await _reply_to(network_id, principal)
    ids = []
    for member in asked:
        composed = compose.sign_off_request(
            settings,
            bid=bid,
            version=version,
            pdf_sha256=pdf_sha256,
            organisation_name=member.organisation_name,
            url=f"{settings.base_url}/bids/{bid_id}/sign-off",
            message=message,
            carried_from_version=member.carried_from_version,
            last_signed_version=member.last_signed_version,
            changes=member.changes,
        )
        ids += await _to_each(
            settings,
            await _signatories_of(member.organisation_id),
            kind="sign_off_request",
            composed=composed,
            reply_to=reply_to,
            bid_id=bid_id,
            organisation_id=member.organisation_id,
        )
    return ids
