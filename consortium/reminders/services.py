"""Deadline reminders and the convenor's chase: who still has something to do, the message each person gets, and
stopping them.

A reminder goes to every person of a member with something left to do (``missing``): for an invitation nobody has
accepted, the address invited; for a joined organisation, the people who act for it. Each message is written to
the outbox in one transaction per bid, with a dedupe key, so a reminder is written once however many workers run
the sweep; delivery is asked for after the commit. Everyone can stop a bid's reminders (chases included) from the
link in each message, which is also its List-Unsubscribe header."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import escape

from consortium.accounts.principal import Principal
from consortium.accounts.security import new_token, token_digest
from consortium.analysis.frames import MatchTerms
from consortium.analysis.results import MemberResult
from consortium.bids.access import bid_access
from consortium.bids.tables import Bid, BidMember, Invitation
from consortium.db import write_transaction
from consortium.errors import Conflict, NotFound
from consortium.mail.compose import BidFacts, html_environment, text_environment
from consortium.mail.outbox import Composed, queue_message
from consortium.mail.tables import OutboxMessage, ReminderSubscription
from consortium.networks.tables import NetworkConvenor
from consortium.organisations.tables import OrganisationUser
from consortium.pledges.tables import Pledge
from consortium.reminders.missing import Outstanding, member_results, missing_for, not_joined
from consortium.reminders.schedule import due_day, send_time, uk_date_of
from consortium.settings import Settings
from consortium.timeutil import as_utc
from consortium.words import date_text

# Where each message's own stop link goes until it is queued: the chase preview shows the convenor every message as
# it will be sent except this link, which is the recipient's own (anyone holding it can stop their reminders).
STOP_LINK = "STOP-LINK-FOR-THIS-ADDRESS"
STOP_LINK_SHOWN = "(a link of their own to stop these reminders)"
STOP_PATH = "/reminders/stop/"


@dataclass(frozen=True)
class ReminderBid:
    id: int
    facts: BidFacts
    status: str
    reminder_days: tuple[int, ...]
    rules: tuple[dict[str, Any], ...]
    terms: MatchTerms
    reply_to: str  # the convenor's address


@dataclass(frozen=True)
class Planned:
    """One message as it will be written to the outbox (its stop link still ``STOP_LINK``)."""

    to_address: str
    to_name: str
    organisation_id: int | None
    invitation_id: int | None
    members: tuple[str, ...]  # the names of the members it is about (for the convenor's preview)
    subject: str
    text: str
    html: str
    dedupe_key: str

    @property
    def text_shown(self) -> str:
        return self.text.replace(STOP_LINK, STOP_LINK_SHOWN)


@dataclass(frozen=True)
class Chase:
    """The convenor's "chase these members": each message as it will be sent, and who will not get one."""

    bid_id: int
    members: int  # members with something left to do
    messages: list[Planned]
    stopped: list[str] = field(default_factory=list)  # addresses that stopped this bid's reminders
    unreachable: list[str] = field(default_factory=list)  # members with nobody to write to


@dataclass(frozen=True)
class StopInfo:
    bid_title: str
    email: str
    stopped: bool


# --- reading the bid ------------------------------------------------------------------------------------------------


async def _reminder_bid(bid_id: int) -> ReminderBid | None:
    row = (
        await Bid.select(*Bid.all_columns(), Bid.network.name.as_alias("network_name"))
        .where(Bid.id == bid_id)
        .output(load_json=True)
        .first()
    )
    if row is None:
        return None
    convenor = (
        await NetworkConvenor.select(NetworkConvenor.user.email.as_alias("email"))
        .where(NetworkConvenor.network == row["network"])
        .order_by(NetworkConvenor.id)
        .first()
    )
    return ReminderBid(
        id=int(row["id"]),
        facts=BidFacts(
            title=row["title"],
            network_name=row["network_name"],
            funder_name=row["funder_name"],
            programme=row["programme"],
            deadline=as_utc(row["deadline"]),
        ),
        status=row["status"],
        reminder_days=tuple(int(d) for d in row["reminder_days"] or ()),
        rules=tuple(row["rules"] or ()),
        terms=MatchTerms(row["match_funder_part"], row["match_consortium_part"], row["match_cap_pence"]),
        reply_to=str(convenor["email"]) if convenor else "",
    )


async def reminder_days(bid_id: int) -> list[int]:
    """The bid's reminder days, for the bid form."""
    row = await Bid.select(Bid.reminder_days).where(Bid.id == bid_id).output(load_json=True).first()
    return [int(d) for d in (row["reminder_days"] if row else None) or []]


async def outstanding(
    bid_id: int, described: Mapping[str, str], results: Iterable[MemberResult], now: datetime
) -> list[Outstanding]:
    """Every member with something left to do, from the dashboard's member results (``described``: the rules'
    descriptions by key): joined (or invited) organisations, then invitations still waiting to be accepted."""
    counts: dict[int, dict[str, int]] = {}
    for row in await Pledge.select(Pledge.organisation, Pledge.status).where(Pledge.bid == bid_id):
        by_status = counts.setdefault(int(row["organisation"]), {})
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    joined_at = {
        int(r["organisation"]): r["joined_at"] or r["updated_at"]
        for r in await BidMember.select(BidMember.organisation, BidMember.joined_at, BidMember.updated_at).where(
            BidMember.bid == bid_id
        )
    }
    found = []
    for result in results:
        own = counts.get(result.organisation_id, {})
        missing = missing_for(result, described, own.get("submitted", 0), own.get("draft", 0))
        if missing:
            since = joined_at.get(result.organisation_id) or now
            found.append(Outstanding(result.name, result.organisation_id, None, as_utc(since), missing))
    invitations = await Invitation.select(Invitation.id, Invitation.email, Invitation.last_sent_at).where(
        (Invitation.bid == bid_id)
        & Invitation.accepted_at.is_null()
        & Invitation.revoked_at.is_null()
        & (Invitation.expires_at > now)
    )
    for invitation in invitations:
        found.append(
            Outstanding(
                invitation["email"], None, int(invitation["id"]), as_utc(invitation["last_sent_at"]), not_joined()
            )
        )
    return sorted(found, key=lambda o: (o.organisation_id is None, o.name.casefold()))


async def _people(organisation_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """The (address, name) of each active person acting for each organisation."""
    if not organisation_ids:
        return {}
    active = OrganisationUser.user.is_active == True  # noqa: E712 - a query condition, not a comparison
    rows = await OrganisationUser.select(
        OrganisationUser.organisation,
        OrganisationUser.user.email.as_alias("email"),
        OrganisationUser.user.name.as_alias("name"),
    ).where(OrganisationUser.organisation.is_in(organisation_ids) & active)
    people: dict[int, list[tuple[str, str]]] = {}
    for row in rows:
        people.setdefault(int(row["organisation"]), []).append((_address(row["email"]), row["name"]))
    return people


def _address(email: str) -> str:
    return email.strip().lower()


# --- composing ------------------------------------------------------------------------------------------------------


def compose(
    settings: Settings, bid: ReminderBid, to_name: str, sections: Sequence[Outstanding], *, chase: bool
) -> Composed:
    """The message to one person about the members of the bid they act for (usually one), with ``STOP_LINK`` where
    their stop link goes."""
    closes = date_text(bid.facts.deadline)
    subject = (
        f"{bid.facts.network_name} asks: what is still needed for {bid.facts.title}"
        if chase
        else f"Reminder: {bid.facts.title} closes on {closes}"
    )
    subject = " ".join(subject.split())
    context = {
        "subject": subject,
        "base_url": settings.base_url,
        "bid": bid.facts,
        "person_name": to_name,
        "sections": sections,
        "chase": chase,
        "bid_url": f"{settings.base_url}/bids/{bid.id}",
        "base": settings.base_url,
        "unsubscribe_url": STOP_LINK,
    }
    text = text_environment().get_template("reminder.txt").render(context)
    html = html_environment().get_template("reminder.html").render(context)
    return Composed(subject=subject, text=text, html=html)


async def plan(
    settings: Settings,
    bid: ReminderBid,
    members: Sequence[Outstanding],
    *,
    key: str,
    chase: bool,
) -> tuple[list[Planned], list[str]]:
    """One message per person for ``members`` (a person acting for two of them gets one message about both), with
    the dedupe key ``"<key>:<bid>:<address>:..."``; and the members nobody can be written to for."""
    people = await _people([m.organisation_id for m in members if m.organisation_id is not None])
    by_address: dict[str, tuple[str, list[Outstanding]]] = {}
    unreachable = []
    for member in members:
        if member.organisation_id is None:
            reached = [(_address(member.name), "")]
        else:
            reached = people.get(member.organisation_id, [])
        if not reached:
            unreachable.append(member.name)
        for address, name in reached:
            by_address.setdefault(address, (name, []))[1].append(member)
    planned = []
    for address, (name, sections) in sorted(by_address.items()):
        composed = compose(settings, bid, name, sections, chase=chase)
        first = sections[0]
        planned.append(
            Planned(
                to_address=address,
                to_name=name,
                organisation_id=first.organisation_id,
                invitation_id=first.invitation_id,
                members=tuple(s.name for s in sections),
                subject=composed.subject,
                text=composed.text,
                html=composed.html,
                dedupe_key=key.format(bid=bid.id, address=address),
            )
        )
    return planned, unreachable


# --- stop links -----------------------------------------------------------------------------------------------------


def stop_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}{STOP_PATH}{token}"


async def _stop_link(settings: Settings, bid_id: int, address: str) -> str:
    """The address's stop link for the bid, inside the caller's transaction. Only the token's hash is kept with the
    subscription; the link already sent is read back from the outbox, so every message to an address carries the
    same working link. A new token is made only when there is no earlier message to read it from."""
    where = (ReminderSubscription.bid == bid_id) & (ReminderSubscription.email == address)
    columns = (ReminderSubscription.id, ReminderSubscription.token_hash)
    row = await ReminderSubscription.select(*columns).where(where).first()
    if row is None:
        token = new_token()
        inserted = (
            await ReminderSubscription.insert(
                ReminderSubscription(bid=bid_id, email=address, token_hash=token_digest(token))
            )
            .on_conflict(action="DO NOTHING")
            .returning(ReminderSubscription.id)
        )
        if inserted:
            return stop_url(settings, token)
        row = await ReminderSubscription.select(*columns).where(where).first()
        assert row is not None  # another worker made it a moment ago
    prefix = stop_url(settings, "")
    sent = (
        await OutboxMessage.select(OutboxMessage.unsubscribe_url)
        .where(
            (OutboxMessage.bid == bid_id)
            & (OutboxMessage.to_address == address)
            & OutboxMessage.unsubscribe_url.like(prefix + "%")
        )
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )
    if sent and token_digest(sent["unsubscribe_url"].removeprefix(prefix)) == row["token_hash"]:
        return str(sent["unsubscribe_url"])
    token = new_token()
    await ReminderSubscription.update({ReminderSubscription.token_hash: token_digest(token)}).where(
        ReminderSubscription.id == row["id"]
    )
    return stop_url(settings, token)


async def _stopped(bid_id: int) -> set[str]:
    rows = await ReminderSubscription.select(ReminderSubscription.email).where(
        (ReminderSubscription.bid == bid_id) & ReminderSubscription.stopped_at.is_not_null()
    )
    return {_address(r["email"]) for r in rows}


async def _queue(settings: Settings, bid: ReminderBid, planned: Sequence[Planned]) -> list[int]:
    """Write the planned messages to the outbox in one transaction, leaving out addresses that stopped this bid's
    reminders and messages already written (their dedupe key); the ids written."""
    ids = []
    async with write_transaction():
        stopped = await _stopped(bid.id)
        for message in planned:
            if message.to_address in stopped:
                continue
            url = await _stop_link(settings, bid.id, message.to_address)
            composed = Composed(
                subject=message.subject,
                text=message.text.replace(STOP_LINK, url),
                html=message.html.replace(STOP_LINK, str(escape(url))),
            )
            queued = await queue_message(
                settings,
                kind="reminder",
                to_address=message.to_address,
                to_name=message.to_name,
                composed=composed,
                reply_to=bid.reply_to,
                bid_id=bid.id,
                invitation_id=message.invitation_id,
                organisation_id=message.organisation_id,
                dedupe_key=message.dedupe_key,
                unsubscribe_url=url,
            )
            if queued is not None:
                ids.append(queued)
    return ids


# --- scheduled reminders --------------------------------------------------------------------------------------------


async def _sent_already(bid_id: int, days: int) -> bool:
    """Whether this reminder day's reminders were written (in one transaction, so all of them)."""
    row = (
        await OutboxMessage.select(OutboxMessage.id)
        .where(
            (OutboxMessage.bid == bid_id)
            & (OutboxMessage.kind == "reminder")
            & OutboxMessage.dedupe_key.like(f"reminder:{bid_id}:%:{days}")
        )
        .first()
    )
    return row is not None


async def due_reminders(settings: Settings, now: datetime) -> list[int]:
    """Write every reminder due at ``now`` (see ``schedule.due_day``) and return the new messages' ids. Safe to run
    any number of times, at once too: each (bid, address, day) is written once."""
    bids = (
        await Bid.select(Bid.id, Bid.deadline, Bid.reminder_days)
        .where((Bid.status == "open") & (Bid.deadline > now))
        .output(load_json=True)
    )
    ids = []
    for row in bids:
        days = due_day(row["deadline"], row["reminder_days"] or (), now)
        if days is None or await _sent_already(int(row["id"]), days):
            continue
        bid = await _reminder_bid(int(row["id"]))
        if bid is None:
            continue
        due_at = send_time(bid.facts.deadline, days)
        described, results = await member_results(bid.id, bid.rules, bid.terms)
        # Those who joined (or were invited) after the reminder came due hear from the next one.
        members = [m for m in await outstanding(bid.id, described, results, now) if m.since <= due_at]
        planned, _ = await plan(settings, bid, members, key=f"reminder:{{bid}}:{{address}}:{days}", chase=False)
        ids.extend(await _queue(settings, bid, planned))
    return ids


# --- the convenor's chase -------------------------------------------------------------------------------------------


async def _chase_bid(principal: Principal, bid_id: int, now: datetime) -> ReminderBid:
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    bid = await _reminder_bid(bid_id)
    if bid is None:
        raise NotFound("There is no such bid.")
    if bid.status != "open" or bid.facts.deadline <= now:
        raise Conflict("Members can only be chased while the bid is open for pledges, before its deadline.")
    return bid


async def chase_preview(settings: Settings, principal: Principal, bid_id: int, now: datetime) -> Chase:
    """Each message "chase these members" would send now, for the convenor to read before sending."""
    bid = await _chase_bid(principal, bid_id, now)
    described, results = await member_results(bid.id, bid.rules, bid.terms)
    members = await outstanding(bid.id, described, results, now)
    key = f"chase:{{bid}}:{{address}}:{uk_date_of(now)}"
    planned, unreachable = await plan(settings, bid, members, key=key, chase=True)
    stopped = await _stopped(bid.id)
    return Chase(
        bid_id=bid.id,
        members=len(members),
        messages=[m for m in planned if m.to_address not in stopped],
        stopped=sorted(m.to_address for m in planned if m.to_address in stopped),
        unreachable=unreachable,
    )


async def send_chase(settings: Settings, principal: Principal, bid_id: int, now: datetime) -> tuple[Chase, list[int]]:
    """Queue the chase (each person once per UK day, however often the button is pressed); the chase and the ids of
    the messages written now. Deliver them after this returns (``deliver_soon``)."""
    chase = await chase_preview(settings, principal, bid_id, now)
    bid = await _reminder_bid(bid_id)
    assert bid is not None
    return chase, await _queue(settings, bid, chase.messages)


async def members_to_chase(
    bid_id: int, described: Mapping[str, str], results: Iterable[MemberResult], now: datetime
) -> int:
    """How many members have something left to do, from the dashboard's own member results and rule descriptions."""
    return len(await outstanding(bid_id, described, results, now))


# --- stopping -------------------------------------------------------------------------------------------------------

NOT_VALID = "This link to stop reminders is not valid. Check you copied all of it from the email."


async def _subscription(token: str) -> dict[str, Any]:
    row = (
        await ReminderSubscription.select(
            ReminderSubscription.id,
            ReminderSubscription.email,
            ReminderSubscription.stopped_at,
            ReminderSubscription.bid.title.as_alias("bid_title"),
        )
        .where(ReminderSubscription.token_hash == token_digest(token))
        .first()
    )
    if row is None:
        raise NotFound(NOT_VALID)
    return dict(row)


async def stop_info(token: str) -> StopInfo:
    row = await _subscription(token)
    return StopInfo(row["bid_title"], row["email"], row["stopped_at"] is not None)


async def stop_reminders(token: str, now: datetime) -> StopInfo:
    """Stop the bid's reminders and chases to the link's address (doing it twice changes nothing)."""
    async with write_transaction():
        row = await _subscription(token)
        if row["stopped_at"] is None:
            await ReminderSubscription.update({ReminderSubscription.stopped_at: now}).where(
                ReminderSubscription.id == row["id"]
            )
    return StopInfo(row["bid_title"], row["email"], True)
