"""Bids: creating and changing them, their life cycle, their rules and their members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import msgspec

from consortium.accounts.principal import Principal
from consortium.analysis.rules import RULE_KINDS, Rule, RuleError, parse_rules
from consortium.audit import services as audit
from consortium.bids import schemas
from consortium.bids.access import BidAccess, BidRow, bid_access, forget_access, require_permission
from consortium.bids.profiles import freeze_profiles
from consortium.bids.tables import Bid, BidMember
from consortium.db import share_locked, update_locked, write_transaction
from consortium.errors import BadInput, Conflict, Forbidden, NotFound
from consortium.networks.tables import Network
from consortium.organisations.identifiers import InvalidIdentifier, validate_org_id
from consortium.schemas import RuleList
from consortium.teams.roles import Permission
from consortium.timeutil import as_utc, uk_time_text, utc_now
from consortium.validation import Problems, check_each, checked_value
from consortium.words import BID_LABELS

# A bid moves draft -> open -> locked -> submitted; a locked bid may be reopened before its deadline.
TRANSITIONS: dict[str, tuple[set[str], str]] = {
    "open": ({"draft"}, "open"),
    "lock": ({"open"}, "locked"),
    "unlock": ({"locked"}, "open"),
    "submit": ({"locked"}, "submitted"),
}

BID_FIELDS = (
    "title",
    "funder_name",
    "funder_org_id",
    "programme",
    "deadline",
    "match_funder_part",
    "match_consortium_part",
    "match_cap_pence",
    "themes",
    "reminder_days",
    "member_figures",
    "require_sign_off",
)
# How problems name the fields: the bid's, and its reminder days (kept here with the rule about repeats).
TERM_LABELS = BID_LABELS | {"reminder_days": "the reminder days", "reminder_days[]": "each reminder day"}


class BidState(Protocol):
    """What a bid's status follows from: a whole ``BidRow``, or the ``WriteState`` a write transaction reads."""

    @property
    def status(self) -> str: ...  # as stored

    @property
    def deadline(self) -> datetime: ...


@dataclass(frozen=True)
class WriteState:
    """The bid's stored status and deadline, as read (and locked) inside a write transaction (``bid_for_write``)."""

    status: str
    deadline: datetime


def effective_status(bid: BidState) -> str:
    """An open bid whose deadline has passed is locked, by the server's clock, whatever anyone sends."""
    if bid.status == "open" and as_utc(bid.deadline) <= utc_now():
        return "locked"
    return bid.status


def accepting_changes(bid: BidState) -> bool:
    return effective_status(bid) == "open"


def require_accepting_changes(bid: BidState) -> None:
    status = effective_status(bid)
    if status == "open":
        return
    deadline = uk_time_text(bid.deadline)
    if bid.status == "open":
        raise Conflict(f"The deadline for this bid passed on {deadline}, so pledges can no longer be changed.")
    if status == "draft":
        raise Conflict("This bid is not open for pledges yet. The convenor opens it when it is ready.")
    if status == "locked":
        raise Conflict(
            f"The convenor has locked this bid (deadline {deadline}). Ask them to unlock it to make changes."
        )
    raise Conflict("This bid has been submitted to the funder, so it can no longer be changed.")


def rules_from_stored(raw: Sequence[dict[str, Any]]) -> list[Rule]:
    return parse_rules(raw)


def rule_out(rule: Rule) -> schemas.Rule:
    kind = RULE_KINDS[rule_key(rule)]
    params = {k: v for k, v in msgspec.to_builtins(rule).items() if k != "key"}
    return schemas.Rule(key=kind.key, scope=kind.scope, description=kind.describe(rule), params=params)


def rule_key(rule: Rule) -> str:
    return str(msgspec.to_builtins(rule)["key"])


_AS_READ = {"key", "scope", "description", "params"}  # a rule as GET .../rules answers it


def _as_written(item: Any) -> Any:
    """A rule as the API reads it out ({key, scope, description, params}) taken back in its written form
    ({key, ...params}), so rules fetched from one bid can be sent to another unchanged."""
    if isinstance(item, dict) and isinstance(item.get("params"), dict) and set(item) <= _AS_READ:
        return {"key": item.get("key"), **item["params"]}
    return item


def check_rules(raw: Sequence[Any], problems: Problems) -> list[Rule]:
    """The rules, checked all together; each problem goes on ``problems`` as "rules.<kind>" (the kind of rule to
    change, named in the message by its title) or "rules" (a rule of no kind we know)."""
    try:
        return parse_rules([_as_written(item) for item in raw])
    except RuleError as error:
        for key, problem in zip(error.keys, error.problems, strict=True):
            if key is None:
                problems.add("rules", f"{problem}.")
                continue
            detail = problem.split("): ", 1)[1] if problem.startswith("Rule ") else problem
            kind = RULE_KINDS[key]
            message = f"{detail}." if detail.startswith("The ") else f"{kind.title}: {detail}."
            problems.add(f"rules.{key}", message)
        return []


def checked_rules(raw: Sequence[Any]) -> list[Rule]:
    """The rules, or every problem with them at once (``Invalid``)."""
    problems = Problems()
    rules = check_rules(raw, problems)
    problems.refuse()
    return rules


def bid_out(bid: BidRow, role: str) -> schemas.Bid:
    return schemas.Bid(
        id=bid.id,
        network_id=bid.network,
        network_name=bid.network_name,
        title=bid.title,
        funder_name=bid.funder_name,
        funder_org_id=bid.funder_org_id,
        programme=bid.programme,
        deadline=as_utc(bid.deadline),
        deadline_uk=uk_time_text(bid.deadline),
        status=effective_status(bid),  # type: ignore[arg-type]
        accepting_changes=accepting_changes(bid),
        match_funder_part=bid.match_funder_part,
        match_consortium_part=bid.match_consortium_part,
        match_cap_pence=bid.match_cap_pence,
        themes=list(bid.themes),
        rules=[rule_out(r) for r in rules_from_stored(bid.rules)],
        version=bid.version,
        your_role=role,
        created_at=bid.created_at,
        updated_at=bid.updated_at,
        reminder_days=list(bid.reminder_days),
        member_figures=bid.member_figures,  # type: ignore[arg-type]
        require_sign_off=bid.require_sign_off,
    )


MAX_DEADLINE_YEARS = 10


def _check_deadline(deadline: datetime, *, future: bool) -> datetime:
    """The deadline in UTC; with ``future`` (a new bid's, or a draft or open one's) still to come, and any within
    the next ten years (a year like 9999 is a typing slip, and would not even convert to UTC)."""
    latest = utc_now() + timedelta(days=365 * MAX_DEADLINE_YEARS)
    try:
        deadline = as_utc(deadline)
    except OverflowError:  # year 1 or 9999 with an offset that carries it past the calendar's ends
        if deadline.year > utc_now().year:
            deadline = latest + timedelta(days=1)
        else:
            raise BadInput(
                "The deadline is in the past. Choose a date and time still to come.", field="deadline"
            ) from None
    if deadline > latest:
        raise BadInput(
            f"The deadline must be within the next {MAX_DEADLINE_YEARS} years. Check the year.", field="deadline"
        )
    if future and deadline <= utc_now():
        raise BadInput("The deadline is in the past. Choose a date and time still to come.", field="deadline")
    return deadline


def _terms(data: schemas.BidCreate | schemas.BidUpdate, problems: Problems, *, future_deadline: bool) -> dict[str, Any]:
    """The terms ``data`` gives, as they are stored (trimmed, the deadline in UTC, the funder's identifier in its
    register's form); every problem with them goes on ``problems``. ``future_deadline``: the deadline must be
    still to come (a new bid, or a draft or open one; a locked bid's may be moved to a past date)."""
    check_each(data, problems, TERM_LABELS)
    values = {f: getattr(data, f) for f in BID_FIELDS if getattr(data, f) is not msgspec.UNSET}
    for name in ("title", "funder_name"):
        if name in values and not problems.on(name):
            values[name] = str(values[name]).strip()
            if not values[name]:
                problems.add(name, f"Enter {BID_LABELS[name]}.")
    if values.get("funder_org_id") and not problems.on("funder_org_id"):
        try:
            values["funder_org_id"] = validate_org_id(values["funder_org_id"])
        except InvalidIdentifier as error:
            problems.add("funder_org_id", str(error))
    if "deadline" in values and not problems.on("deadline"):
        with problems.collecting():
            values["deadline"] = _check_deadline(values["deadline"], future=future_deadline)
    if "themes" in values and not problems.on("themes"):
        values["themes"] = list(dict.fromkeys(t.strip() for t in values["themes"] if t.strip()))
    if "reminder_days" in values and not problems.on("reminder_days"):
        days = [int(d) for d in values["reminder_days"]]
        repeated = sorted({d for d in days if days.count(d) > 1})
        if repeated:
            listed = ", ".join(str(d) for d in repeated)
            problems.add("reminder_days", f"The reminder days list {listed} more than once. Give each day once.")
        values["reminder_days"] = sorted(set(days), reverse=True)  # latest first, as people read them: 7, 3, 1
    return values


def check_terms(data: schemas.BidUpdate, *, future_deadline: bool) -> None:
    """Every problem with these terms at once (``Invalid``), checked as creating or changing a bid checks them:
    for a form some of whose fields could not be read, so the rest are reported in the same round."""
    problems = Problems()
    _terms(data, problems, future_deadline=future_deadline)
    problems.refuse()


def future_deadline_needed(bid: BidRow | schemas.Bid) -> bool:
    """Whether a change to this bid's deadline must be still to come: while it is a draft or open (an open bid
    past its deadline is locked already)."""
    status = effective_status(bid) if isinstance(bid, BidRow) else bid.status  # a schemas.Bid's is effective
    return status in {"draft", "open"}


async def create_bid(principal: Principal, data: schemas.BidCreate) -> schemas.Bid:
    problems = Problems()
    values = _terms(data, problems, future_deadline=True)
    rules = check_rules(data.rules, problems) if not problems.on("rules") else []
    problems.refuse()
    if not principal.convenes(data.network_id):
        raise NotFound("There is no network with that number that you convene.")
    async with write_transaction():
        row = values | {"network": data.network_id, "rules": [msgspec.to_builtins(r) for r in rules], "status": "draft"}
        rows = await Bid.insert(Bid.from_dict(row)).returning(Bid.id)
        bid_id = int(rows[0]["id"])
        await audit.record(principal, "bid.create", "bid", bid_id, bid_id=bid_id, after=values | {"rules": data.rules})
    return await read_bid(principal, bid_id)


async def read_bid(principal: Principal, bid_id: int, *, include_withdrawn: bool = False) -> schemas.Bid:
    """The bid in the caller's role. ``include_withdrawn``: for pages showing a withdrawn organisation its own
    pledges (its role is then "withdrawn"); otherwise a withdrawn organisation is a stranger (404)."""
    access = await bid_access(principal, bid_id, include_withdrawn=include_withdrawn)
    return bid_out(access.bid, access.role)


def _stored(value: Any) -> Any:
    """A value of a ``BidRow`` as the audit trail records it (tuples as lists)."""
    return [_stored(item) for item in value] if isinstance(value, tuple) else value


async def list_bids(principal: Principal) -> list[schemas.Bid]:
    conditions = []
    joined_bid_ids: set[int] = set()
    if principal.convenor_network_ids:
        conditions.append(Bid.network.is_in(list(principal.convenor_network_ids)))
    if principal.organisation_ids:
        # Only a joined membership shows a bid: a withdrawn or a pending one (waiting for the convenor) does not.
        member_bids = await BidMember.select(BidMember.bid).where(
            BidMember.organisation.is_in(list(principal.organisation_ids)) & (BidMember.status == "joined")
        )
        joined_bid_ids = {int(r["bid"]) for r in member_bids}
        if joined_bid_ids:
            conditions.append(Bid.id.is_in(sorted(joined_bid_ids)))
    if principal.viewer_bid_ids:
        conditions.append(Bid.id.is_in(list(principal.viewer_bid_ids)))
    if not conditions:
        return []
    where: Any = conditions[0]
    for condition in conditions[1:]:
        where = where | condition
    bids = (
        await Bid.select(*Bid.all_columns(), Bid.network.name.as_alias("network_name"))
        .where(where)
        .order_by(Bid.deadline)
        .output(load_json=True)
    )
    out = []
    for bid in bids:
        if principal.convenes(int(bid["network"])):
            role = "convenor"
        else:
            role = "member" if int(bid["id"]) in joined_bid_ids else "viewer"
        out.append(bid_out(BidRow.from_row(bid), role))
    return out


async def bid_for_write(bid_id: int, *, exclusive: bool = False) -> WriteState:
    """The bid's status and deadline, read inside a write transaction and kept as read until it commits: a lock or
    a submission landing a moment earlier is seen, one landing later waits for this change."""
    query = Bid.select(Bid.status, Bid.deadline).where(Bid.id == bid_id).first()
    bid = await (update_locked(query) if exclusive else share_locked(query))
    if bid is None:
        raise NotFound("There is no such bid, or it is not shared with you.")
    return WriteState(status=str(bid["status"]), deadline=bid["deadline"])


def _require_not_submitted(bid: BidState) -> None:
    if bid.status == "submitted":
        raise Conflict("This bid has been submitted to the funder, so its terms can no longer be changed.")


def _require_editable_terms(access: BidAccess) -> None:
    access.require_convenor()
    _require_not_submitted(access.bid)


async def update_bid(principal: Principal, bid_id: int, data: schemas.BidUpdate) -> schemas.Bid:
    access = await bid_access(principal, bid_id)
    _require_editable_terms(access)
    problems = Problems()
    changes = _terms(data, problems, future_deadline=future_deadline_needed(access.bid))
    problems.refuse()
    if not changes:
        return bid_out(access.bid, access.role)
    before = {k: _stored(getattr(access.bid, k)) for k in changes}
    async with write_transaction():
        _require_not_submitted(await bid_for_write(bid_id, exclusive=True))
        await Bid.update(
            {
                **{getattr(Bid, k): v for k, v in changes.items()},
                Bid.updated_at: utc_now(),
                Bid.version: Bid.version + 1,
            }
        ).where(Bid.id == bid_id)
        await audit.record(principal, "bid.update", "bid", bid_id, bid_id=bid_id, before=before, after=changes)
    forget_access(bid_id)
    return await read_bid(principal, bid_id)


async def replace_rules(principal: Principal, bid_id: int, raw_rules: list[dict[str, Any]]) -> schemas.Bid:
    """Replace the bid's rules; every problem with them is reported at once (``Invalid``, on "rules.<kind>")."""
    raw_rules = checked_value("rules", raw_rules, RuleList)
    access = await bid_access(principal, bid_id)
    _require_editable_terms(access)
    rules = checked_rules(raw_rules)
    stored = [msgspec.to_builtins(r) for r in rules]
    async with write_transaction():
        _require_not_submitted(await bid_for_write(bid_id, exclusive=True))
        await Bid.update({Bid.rules: stored, Bid.updated_at: utc_now(), Bid.version: Bid.version + 1}).where(
            Bid.id == bid_id
        )
        await audit.record(
            principal,
            "bid.rules",
            "bid",
            bid_id,
            bid_id=bid_id,
            before={"rules": _stored(access.bid.rules)},
            after={"rules": stored},
        )
    forget_access(bid_id)
    return await read_bid(principal, bid_id)


async def lock_expired_bids() -> int:
    """Persist the lock of open bids past their deadline (reads already treat them as locked) and freeze their
    members' profiles. Runs at start-up, and inside every change to an organisation's profile or districts before
    the change is applied, so a bid past its deadline keeps the profiles it had at the deadline."""
    async with write_transaction():
        return await _lock_expired_bids()


async def _lock_expired_bids() -> int:
    rows = await (
        Bid.update({Bid.status: "locked", Bid.updated_at: utc_now(), Bid.version: Bid.version + 1})
        .where((Bid.status == "open") & (Bid.deadline <= utc_now()))
        .returning(Bid.id)
    )
    await freeze_profiles([int(row["id"]) for row in rows])
    for row in rows:
        forget_access(int(row["id"]))
        await audit.record(
            None,
            "bid.lock",
            "bid",
            int(row["id"]),
            bid_id=int(row["id"]),
            before={"status": "open"},
            after={"status": "locked", "reason": "deadline passed"},
        )
    return len(rows)


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation)


def rule_kinds() -> list[schemas.RuleKindInfo]:
    return [
        schemas.RuleKindInfo(
            key=kind.key,
            scope=kind.scope,
            title=kind.title,
            params={field.name: _type_name(field.type) for field in msgspec.structs.fields(kind.type)},
        )
        for kind in RULE_KINDS.values()
    ]


async def list_members(principal: Principal, bid_id: int) -> list[schemas.BidMember]:
    access = await bid_access(principal, bid_id)
    query = BidMember.select(
        BidMember.organisation,
        BidMember.organisation.name.as_alias("name"),
        BidMember.organisation.org_type.as_alias("org_type"),
        BidMember.status,
        BidMember.joined_at,
    ).where(BidMember.bid == bid_id)
    if access.role == "member":
        query = query.where(BidMember.organisation.is_in(list(access.organisation_ids)))
    rows = await query.order_by(BidMember.organisation.name)
    return [
        schemas.BidMember(
            organisation_id=r["organisation"],
            name=r["name"],
            org_type=r["org_type"],
            status=r["status"],
            joined_at=r["joined_at"],
        )
        for r in rows
    ]


async def withdrawal_access(principal: Principal, bid_id: int, organisation_id: int) -> BidAccess:
    """Who may withdraw this organisation from the bid (its editors and signatories, or a convenor), and only while
    the bid takes changes: checked by the withdrawal itself and by the page that asks for it to be confirmed."""
    # A withdrawn organisation asking again (a double click, a retried script) is answered as before.
    access = await bid_access(principal, bid_id, include_withdrawn=True)
    if access.role in {"member", "withdrawn"} and organisation_id not in access.organisation_ids:
        raise NotFound("That organisation is not one you act for in this bid.")
    if access.role == "viewer":
        raise Forbidden("Funders can read a bid but not change it.")
    if access.role in {"member", "withdrawn"}:  # its own: an editor or signatory of it (the convenor: any member)
        require_permission(principal, organisation_id, Permission.EDIT)
    require_accepting_changes(access.bid)
    return access


async def withdraw_member(principal: Principal, bid_id: int, organisation_id: int) -> schemas.BidMember:
    access = await withdrawal_access(principal, bid_id, organisation_id)
    async with write_transaction():
        require_accepting_changes(await bid_for_write(bid_id))
        # Row-locked: two withdrawals at once (a double click) record one change, not two.
        row = await update_locked(
            BidMember.select(BidMember.id, BidMember.status)
            .where((BidMember.bid == bid_id) & (BidMember.organisation == organisation_id))
            .first()
        )
        if row is None:
            raise NotFound("That organisation is not a member of this bid.")
        if row["status"] == "pending":
            raise Conflict(
                "This organisation is waiting for your approval to join; approve or refuse it on the invitations "
                "page instead."
            )
        if row["status"] == "withdrawn":  # asked twice (a double click, a retried script): nothing more to record
            return await membership(bid_id, organisation_id)
        await BidMember.update({BidMember.status: "withdrawn", BidMember.updated_at: utc_now()}).where(
            BidMember.id == row["id"]
        )
        await audit.record(
            principal,
            "membership.withdraw",
            "bid_member",
            int(row["id"]),
            bid_id=bid_id,
            before={"status": row["status"]},
            after={"status": "withdrawn"},
            organisation_id=organisation_id,
            role="convenor" if access.role == "convenor" else None,
        )
    forget_access(bid_id)
    return await membership(bid_id, organisation_id)


async def membership(bid_id: int, organisation_id: int) -> schemas.BidMember:
    """One membership as it stands, for a caller already allowed to act on it (a withdrawn member may no longer
    list the bid's members, but is answered with its own membership)."""
    row = await (
        BidMember.select(
            BidMember.organisation,
            BidMember.organisation.name.as_alias("name"),
            BidMember.organisation.org_type.as_alias("org_type"),
            BidMember.status,
            BidMember.joined_at,
        )
        .where((BidMember.bid == bid_id) & (BidMember.organisation == organisation_id))
        .first()
    )
    if row is None:
        raise NotFound("That organisation is not a member of this bid.")
    return schemas.BidMember(
        organisation_id=row["organisation"],
        name=row["name"],
        org_type=row["org_type"],
        status=row["status"],
        joined_at=row["joined_at"],
    )


async def network_name(network_id: int) -> str:
    row = await Network.select(Network.name).where(Network.id == network_id).first()
    if row is None:
        raise NotFound("There is no such network.")
    return str(row["name"])
