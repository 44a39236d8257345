"""Who may see a bid, and in which role. Anything a person may not see answers 404, never 403, so the
existence of other networks' bids and other members' data is not revealed.

A request asks once: the bid's row and the caller's memberships are read on the first ``bid_access`` of a request
and kept for the rest of it (``AccessMemo``), so a page that calls several services (read the bid, list the
pledges, save, work out the figures) checks access with one query, not one per service. The services that change
the bid's row or its memberships call ``forget_access``, so what follows them in the request reads the change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from consortium.accounts.principal import Principal
from consortium.bids.tables import Bid, BidMember
from consortium.errors import Forbidden, NotFound
from consortium.teams.roles import Permission
from consortium.words import READ_ONLY_ROLE, SIGNATORY_ONLY_BOARD_APPROVAL

# "withdrawn": every membership the caller's organisations had in the bid is withdrawn. Only callers that ask for it
# (reading the organisation's own pledges and their history) ever see this role; to everyone else such a caller is a
# stranger (404). A membership waiting for the convenor's approval ("pending") grants nothing at all.
Role = Literal["convenor", "member", "viewer", "withdrawn"]

NOT_FOUND = "There is no bid with that number that you can see."


def require_permission(principal: Principal, organisation_id: int, permission: Permission) -> None:
    """Refuse (403) a person of the organisation whose role there does not give ``permission``: the role that
    counts is the one in the organisation the data belongs to. Callers have already made sure the person may see
    the organisation's data (anyone else is told 404 before this is asked)."""
    if not principal.may(organisation_id, permission):
        raise Forbidden(READ_ONLY_ROLE)


def require_board_approval_right(principal: Principal, organisation_id: int) -> None:
    """Setting or clearing a pledge's board approval is a signatory's (403 for an editor, on its field)."""
    require_permission(principal, organisation_id, Permission.EDIT)
    if not principal.may(organisation_id, Permission.SIGN):
        raise Forbidden(SIGNATORY_ONLY_BOARD_APPROVAL, field="board_approved")


@dataclass(frozen=True)
class BidRow:
    """A bid as stored, with its network's name: what every service reads of the bid it was asked about."""

    id: int
    network: int
    network_name: str
    title: str
    funder_name: str
    funder_org_id: str | None
    programme: str
    deadline: datetime
    status: str  # as stored: an open bid past its deadline reads as locked (``bids.services.effective_status``)
    match_funder_part: int
    match_consortium_part: int
    match_cap_pence: int | None
    themes: tuple[str, ...]
    rules: tuple[dict[str, Any], ...]  # the stored form, as ``analysis.rules.parse_rules`` reads it
    version: int
    created_at: datetime
    updated_at: datetime
    reminder_days: tuple[int, ...] = (7, 3, 1)  # days before the deadline members with something to do are reminded
    member_figures: str = "bands"  # bands | figures: what members see of the consortium's figures
    require_sign_off: bool = False  # every joined member signs off the latest version before submission

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> BidRow:
        return cls(
            id=int(row["id"]),
            network=int(row["network"]),
            network_name=str(row["network_name"]),
            title=row["title"],
            funder_name=row["funder_name"],
            funder_org_id=row["funder_org_id"],
            programme=row["programme"],
            deadline=row["deadline"],
            status=row["status"],
            match_funder_part=int(row["match_funder_part"]),
            match_consortium_part=int(row["match_consortium_part"]),
            match_cap_pence=row["match_cap_pence"],
            themes=tuple(row["themes"] or ()),
            rules=tuple(row["rules"] or ()),
            version=int(row["version"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            reminder_days=tuple(int(day) for day in row.get("reminder_days") or ()),
            member_figures=str(row.get("member_figures") or "bands"),
            require_sign_off=bool(row.get("require_sign_off")),
        )


@dataclass(frozen=True)
class BidAccess:
    bid: BidRow
    role: Role
    organisation_ids: frozenset[int]  # the caller's organisations that are members of this bid

    @property
    def bid_id(self) -> int:
        return self.bid.id

    def require_convenor(self) -> None:
        if self.role != "convenor":
            raise Forbidden("Only the network's convenors can do this.")


@dataclass(frozen=True)
class _Facts:
    """What a caller's role in a bid follows from: the bid, and the status of each of the caller's organisations'
    memberships of it (read only for a caller who does not convene the bid's network)."""

    bid: BidRow
    memberships: tuple[tuple[int, str], ...]


@dataclass
class AccessMemo:
    """The access facts one request has read, by (caller, bid). Open only while its request runs."""

    facts: MutableMapping[tuple[Principal, int], _Facts] = field(default_factory=dict)
    open: bool = True


_MEMO: ContextVar[AccessMemo | None] = ContextVar("bid_access_memo", default=None)


def access_memo_middleware(app: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """An ASGI middleware giving each request its own ``AccessMemo``, closed when the request ends (a task it
    started, or the code that awaited the app in tests, never reads another request's facts)."""

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        memo = AccessMemo()
        token = _MEMO.set(memo)
        try:
            await app(scope, receive, send)
        finally:
            memo.open = False
            memo.facts.clear()
            _MEMO.reset(token)

    return middleware


def forget_access(bid_id: int) -> None:
    """Called by a service that changed the bid's row or its memberships: later access checks in this request
    read them again."""
    memo = _MEMO.get()
    if memo is not None:
        for key in [key for key in memo.facts if key[1] == bid_id]:
            del memo.facts[key]


async def read_bid_row(bid_id: int) -> BidRow | None:
    """The bid's row with its network's name, as stored (no access check: callers have made theirs)."""
    row = (
        await Bid.select(*Bid.all_columns(), Bid.network.name.as_alias("network_name"))
        .where(Bid.id == bid_id)
        .first()
        .output(load_json=True)
    )
    return None if row is None else BidRow.from_row(row)


async def _read_facts(principal: Principal, bid_id: int) -> _Facts:
    bid = await read_bid_row(bid_id)
    if bid is None:
        raise NotFound(NOT_FOUND)
    memberships: tuple[tuple[int, str], ...] = ()
    if not principal.convenes(bid.network) and principal.organisation_ids:
        rows = await BidMember.select(BidMember.organisation, BidMember.status).where(
            (BidMember.bid == bid_id) & BidMember.organisation.is_in(list(principal.organisation_ids))
        )
        memberships = tuple((int(r["organisation"]), str(r["status"])) for r in rows)
    return _Facts(bid, memberships)


async def _facts(principal: Principal, bid_id: int) -> _Facts:
    memo = _MEMO.get()
    if memo is None or not memo.open:
        return await _read_facts(principal, bid_id)
    key = (principal, bid_id)
    found = memo.facts.get(key)
    if found is None:
        found = memo.facts[key] = await _read_facts(principal, bid_id)
    return found


async def bid_access(principal: Principal, bid_id: int, *, include_withdrawn: bool = False) -> BidAccess:
    """The caller's role in the bid, or 404. Only a joined membership makes a member; with ``include_withdrawn``,
    an organisation that has withdrawn is let in as "withdrawn" (to read what it itself wrote, nothing of the
    bid's figures or other members)."""
    facts = await _facts(principal, bid_id)
    bid = facts.bid
    if principal.convenes(bid.network):
        return BidAccess(bid, "convenor", frozenset())
    joined = frozenset(org for org, status in facts.memberships if status == "joined")
    withdrawn = frozenset(org for org, status in facts.memberships if status == "withdrawn")
    if joined:
        # A reader of its own writing also reaches those of its organisations that have withdrawn.
        return BidAccess(bid, "member", joined | withdrawn if include_withdrawn else joined)
    if withdrawn and include_withdrawn:
        return BidAccess(bid, "withdrawn", withdrawn)
    if bid_id in principal.viewer_bid_ids:
        return BidAccess(bid, "viewer", frozenset())
    raise NotFound(NOT_FOUND)
