"""Load the fictional demo network into the database, so a first-time user sees a bid in full flow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from consortium.accounts.security import hash_password, new_token, token_digest
from consortium.accounts.tables import User
from consortium.bids.tables import Bid, BidMember, Invitation
from consortium.db import write_transaction
from consortium.demo.network import DemoNetwork, build_demo_network
from consortium.networks.tables import Network, NetworkConvenor
from consortium.organisations.tables import Coverage, Organisation, OrganisationUser
from consortium.pledges.tables import Pledge
from consortium.settings import Settings
from consortium.teams.roles import FIRST_ROLE
from consortium.timeutil import utc_now


@dataclass(frozen=True)
class LoadedDemo:
    network: DemoNetwork
    bid_id: int
    password: str


async def load_demo(settings: Settings, *, only_if_empty: bool = True) -> LoadedDemo | None:
    """Load the demo in one transaction. Returns None when the database already has a network and
    ``only_if_empty`` is set."""
    if only_if_empty and await Network.count() > 0:
        return None
    now = utc_now()
    demo = build_demo_network(now)
    # One hash for every demo account: they share the published demo password, and hashing it once keeps
    # loading quick.
    password_hash = hash_password(settings.demo_password)
    async with write_transaction():
        name = demo.name
        if await Network.exists().where(Network.name == name):
            name = f"{name} {now:%Y%m%d%H%M%S}"
        network_id = (await Network.insert(Network(name=name)).returning(Network.id))[0]["id"]
        user_ids: dict[str, int] = {}
        for user in demo.users:
            existing = await User.select(User.id).where(User.email == user.email).first()
            if existing:
                user_ids[user.email] = int(existing["id"])
                continue
            rows = await User.insert(User(email=user.email, name=user.name, password_hash=password_hash)).returning(
                User.id
            )
            user_ids[user.email] = int(rows[0]["id"])
        first_convenor = user_ids[demo.convenor.email]
        # The first convenor started the network and invited the others.
        await NetworkConvenor.insert(
            *[
                NetworkConvenor(
                    network=network_id,
                    user=user_ids[person.email],
                    added_by=None if person == demo.convenor else first_convenor,
                )
                for person in demo.convenors
            ]
        )

        org_ids: dict[str, int] = {}
        for org in demo.organisations:
            clash = await Organisation.exists().where(Organisation.org_id == org.org_id)
            rows = await Organisation.insert(
                Organisation(
                    name=org.name,
                    org_type=org.org_type,
                    org_id=None if clash else org.org_id,
                    homes=org.homes,
                    website=org.website,
                    contact_name=org.contact_name,
                    contact_email=org.contact_email,
                    description=org.description,
                )
            ).returning(Organisation.id)
            org_ids[org.slug] = int(rows[0]["id"])
            await Coverage.insert(
                *[
                    Coverage(organisation=org_ids[org.slug], district_code=c.district_code, homes=c.homes)
                    for c in org.coverage
                ]
            )
        first_person: dict[str, int] = {}  # each organisation's first person (its signatory) invited the others
        for user in demo.users:
            if user.organisation_slug:
                added_by = first_person.setdefault(user.organisation_slug, user_ids[user.email])
                await OrganisationUser.insert(
                    OrganisationUser(
                        organisation=org_ids[user.organisation_slug],
                        user=user_ids[user.email],
                        role=user.role or FIRST_ROLE,
                        added_by=None if added_by == user_ids[user.email] else added_by,
                    )
                )

        bid = demo.bid
        bid_id = (
            await Bid.insert(
                Bid(
                    network=network_id,
                    title=bid.title,
                    funder_name=bid.funder_name,
                    funder_org_id=bid.funder_org_id,
                    programme=bid.programme,
                    deadline=bid.deadline,
                    status=bid.status,
                    match_funder_part=bid.match_funder_part,
                    match_consortium_part=bid.match_consortium_part,
                    match_cap_pence=bid.match_cap_pence,
                    themes=list(bid.themes),
                    rules=[dict(r) for r in bid.rules],
                )
            ).returning(Bid.id)
        )[0]["id"]
        for member in bid.members:
            org_id = org_ids[member.organisation.slug]
            await BidMember.insert(
                BidMember(bid=bid_id, organisation=org_id, status=member.member_status, joined_at=member.joined_at)
            )
            await Invitation.insert(
                Invitation(
                    bid=bid_id,
                    email=member.invited_email,
                    token_hash=token_digest(new_token()),
                    created_by=user_ids[demo.convenor.email],
                    created_at=now - timedelta(days=6),
                    expires_at=now + timedelta(days=settings.invitation_days),
                    last_sent_at=now - timedelta(days=6),
                    accepted_at=member.joined_at,
                    organisation=org_id if member.member_status == "joined" else None,
                )
            )
        for pledge in bid.pledges:
            await Pledge.insert(
                Pledge(
                    bid=bid_id,
                    organisation=org_ids[pledge.organisation.slug],
                    amount_pence=pledge.amount_pence,
                    purpose=pledge.purpose,
                    themes=list(pledge.themes),
                    areas=[{"district_code": code, "amount_pence": amount} for code, amount in pledge.areas],
                    board_approved=pledge.board_approved,
                    conditions=pledge.conditions,
                    status=pledge.status,
                    version=1,
                    submitted_at=pledge.submitted_at,
                )
            )
    return LoadedDemo(network=demo, bid_id=int(bid_id), password=settings.demo_password)


def print_logins(settings: Settings, loaded: LoadedDemo) -> None:
    network = loaded.network
    firsts = [u for u in network.users if u.organisation_slug and u.email == f"{u.organisation_slug}@example.org"]
    colleagues = [u for u in network.users if u.organisation_slug and u not in firsts]
    teams = {u.organisation_slug for u in colleagues}
    in_teams = [u for u in network.users if u.organisation_slug in teams]
    lines = [
        "",
        f"Demo network loaded: {network.name}",
        f"  Open {settings.base_url}/ and sign in. Every demo password is: {loaded.password}",
        f"  Convenors:       {' and '.join(u.email for u in network.convenors)}",
        *[f"  Member ({u.organisation_slug}): {u.email}" for u in firsts if u.organisation_slug not in teams][:3],
        *[f"  {(u.role or FIRST_ROLE).capitalize()} ({u.organisation_slug}): {u.email}" for u in in_teams],
        f"  ({len(firsts)} member logins in all, each its organisation's signatory: <slug>@example.org)",
        f"  The demo bid is {settings.base_url}/bids/{loaded.bid_id}",
        "",
    ]
    print("\n".join(lines))
