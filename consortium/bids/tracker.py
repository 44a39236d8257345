"""The convenor's member tracker: every organisation invited to a bid, where each has got to, and what it is
missing, with filters, sorting, a name search and the funnel of counts. It replaces the tracking spreadsheet.

One service call (``member_tracker``) reads the bid as the dashboard reads it (``figures.dashboard_figures``: the
same totals and eligibility, so every amount and verdict agrees with the dashboard) plus the invitations not used
yet, the memberships waiting for approval and each pledge's status; the page, its HTMX fragment, the API and the
CSV and XLSX downloads all show what it returns, through one table definition (``TABLE``).

What it shows follows ``consortium.visibility``: of a draft pledge only that one exists (never its amount or
words); a pledge withdrawn after it was submitted is marked withdrawn and not counted; amounts are submitted
pledges only, as the dashboard counts them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from consortium.accounts.principal import Principal
from consortium.analysis import measures
from consortium.analysis.results import Eligibility, MemberResult, Totals
from consortium.bids import figures
from consortium.bids.access import bid_access
from consortium.bids.services import rules_from_stored
from consortium.bids.tables import BidMember, Invitation
from consortium.errors import BadInput
from consortium.exports.columns import Column, Table
from consortium.pledges.tables import Pledge
from consortium.reminders.missing import missing_for, not_joined, rule_words
from consortium.timeutil import as_utc, utc_now
from consortium.words import status_name

# --- the stages a convenor filters by -------------------------------------------------------------------------------

STAGES: dict[str, str] = {
    "invited": "Invited, not joined yet",
    "pending": status_name("pending"),  # "Waiting for your approval"
    "joined": status_name("joined"),
    "withdrawn": status_name("withdrawn"),
    "no_pledge": "Joined, no pledge yet",
    "draft": "Draft only, not submitted",
    "submitted": "Submitted a pledge",
    "eligible": "Eligible",
    "failing": "Not meeting a rule",
}

# Where each row's pledges have got to, in words (a draft: only that one exists).
PLEDGE_STATES: dict[str, str] = {
    "none": "No pledge yet",
    "draft": "Draft, not submitted",
    "submitted": status_name("submitted"),
    "withdrawn": "Withdrawn after submitting (not counted)",
}

# The funnel, each step counting the rows that have reached it (and so every later step is part of the one before).
FUNNEL: tuple[tuple[str, str], ...] = (
    ("invited", "Invited"),
    ("joined", status_name("joined")),
    ("pledged", "Pledged (draft or submitted)"),
    ("submitted", status_name("submitted")),
    ("eligible", "Eligible"),
)
FUNNEL_NOTE = (
    "Invited counts every organisation asked to join (joined, waiting, withdrawn or not yet joined); the later steps "
    "count joined members: with a pledge, with a submitted pledge, and meeting every member rule with one."
)

# One table definition for the page's columns and both downloads.
TABLE = Table(
    "Members",
    (
        Column("name", "Organisation", "text"),
        Column("status", "Status", "text"),
        Column("pledge", "Pledge", "text"),
        Column("homes", measures.HOMES.label, "int"),
        Column("pledged", "Pledged", "money"),
        Column("eligible", "Eligible", "money"),
        Column("missing", "What is missing", "text"),
        Column("last_change", "Last change", "date"),
    ),
)
SORTS = TABLE.keys
ORDERS = ("asc", "desc")
_STATUS_ORDER = {"invited": 0, "expired": 0, "pending": 1, "joined": 2, "withdrawn": 3}
_PLEDGE_ORDER = {"none": 0, "draft": 1, "submitted": 2, "withdrawn": 3}
MAX_SEARCH = 200


class TrackerQuery(msgspec.Struct, frozen=True):
    stage: str = ""  # one of STAGES, or "" for every row
    rule: str = ""  # a rule's key: only rows failing it
    q: str = ""  # part of a name, any case
    sort: str = "name"  # one of SORTS
    order: str = "asc"  # asc | desc

    def params(self, **changes: str) -> dict[str, str]:
        """The query as URL parameters (those set), with ``changes``: for sort links and downloads."""
        values = {f: getattr(self, f) for f in self.__struct_fields__} | changes
        defaults = TrackerQuery()
        return {k: v for k, v in values.items() if v and v != getattr(defaults, k)}


class TrackerRow(msgspec.Struct, frozen=True):
    """One organisation (or one invitation nobody has used yet) as the tracker shows it."""

    name: str  # the organisation's name; for an invitation not used yet, the name on the member list or the address
    status: str  # invited | expired | pending | joined | withdrawn
    status_label: str
    pledge: str  # none | draft | submitted | withdrawn (see PLEDGE_STATES)
    pledge_label: str
    homes: int | None  # measures.HOMES for the member; None when not known (an invitation)
    pledged_pence: int  # submitted pledges, as the dashboard counts them (0 unless joined)
    eligible_pence: int
    eligible: bool  # joined, with a submitted pledge, meeting every member rule
    failing_rules: list[str]  # the keys of the rules it does not meet (joined members)
    missing: list[str]  # what it must still do, in the dashboard's words (consortium.reminders.missing)
    last_change_at: datetime | None
    organisation_id: int | None = None
    invitation_id: int | None = None
    email: str | None = None  # the address invited, for an invitation not used yet


class FunnelStep(msgspec.Struct, frozen=True):
    key: str
    label: str
    count: int


class RuleChoice(msgspec.Struct, frozen=True):
    key: str
    description: str
    failing: int  # joined members not meeting it


class StageChoice(msgspec.Struct, frozen=True):
    key: str
    label: str
    count: int


class Tracker(msgspec.Struct):
    bid_id: int
    query: TrackerQuery
    total: int  # rows before filtering
    rows: list[TrackerRow]  # filtered, searched and sorted
    funnel: list[FunnelStep]
    stages: list[StageChoice]
    rules: list[RuleChoice]

    def export_rows(self) -> list[dict[str, Any]]:
        """The rows shown, as TABLE's raw values (money in pence), for the CSV and XLSX."""
        return [export_row(row) for row in self.rows]


def export_row(row: TrackerRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "status": row.status_label,
        "pledge": row.pledge_label,
        "homes": row.homes,
        "pledged": row.pledged_pence,
        "eligible": row.eligible_pence,
        "missing": "; ".join(row.missing),
        "last_change": row.last_change_at,
    }


# --- reading the query ----------------------------------------------------------------------------------------------


def read_query(stage: str = "", rule: str = "", q: str = "", sort: str = "", order: str = "") -> TrackerQuery:
    """The filters as typed in a URL; a value no form sends is refused (400) saying what to send instead."""
    stage, rule, sort, order = stage.strip(), rule.strip(), sort.strip() or "name", order.strip() or "asc"
    q = " ".join(q.split())
    if stage and stage not in STAGES:
        raise BadInput(f"'stage' must be one of {', '.join(STAGES)}, or left out for every member.", field="stage")
    if sort not in SORTS:
        raise BadInput(f"'sort' must be one of {', '.join(SORTS)}.", field="sort")
    if order not in ORDERS:
        raise BadInput("'order' must be asc (A to Z, smallest first) or desc (Z to A, largest first).", field="order")
    if len(q) > MAX_SEARCH:
        raise BadInput(f"Search for at most {MAX_SEARCH} characters of a name.", field="q")
    if len(rule) > 60:
        raise BadInput("'rule' must be the key of one of the bid's rules.", field="rule")
    return TrackerQuery(stage=stage, rule=rule, q=q, sort=sort, order=order)


# --- the service ----------------------------------------------------------------------------------------------------


async def member_tracker(principal: Principal, bid_id: int, query: TrackerQuery | None = None) -> Tracker:
    """The tracker of the bid, for its convenors (a member: 403; anyone else: 404)."""
    query = query or TrackerQuery()
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    found = await figures.dashboard_figures(principal, bid_id)
    totals, eligibility = found.totals, found.eligibility
    assert isinstance(totals, Totals) and isinstance(eligibility, Eligibility)  # a convenor reads them in full
    rules = [r for r in eligibility.rules if r.scope == "member" or r.key in figures.ONE_MEMBERS_FIGURE]
    if query.rule and query.rule not in {r.key for r in rules}:
        choices = ", ".join(r.key for r in rules) or "none: the bid has no rule a member can fail"
        raise BadInput(f"'rule' must be the key of one of the bid's rules ({choices}).", field="rule")
    described = rule_words(rules_from_stored(access.bid.rules))
    rows = await _rows(bid_id, totals, eligibility, described)
    stage_counts = {key: sum(1 for row in rows if in_stage(row, key)) for key in STAGES}
    shown = [row for row in rows if _wanted(row, query)]
    return Tracker(
        bid_id=bid_id,
        query=query,
        total=len(rows),
        rows=sort_rows(shown, query.sort, query.order),
        funnel=funnel(rows),
        stages=[StageChoice(key, label, stage_counts[key]) for key, label in STAGES.items()],
        rules=[RuleChoice(r.key, r.description, sum(1 for row in rows if r.key in row.failing_rules)) for r in rules],
    )


async def _rows(bid_id: int, totals: Totals, eligibility: Eligibility, described: dict[str, str]) -> list[TrackerRow]:
    results: dict[int, MemberResult] = {m.organisation_id: m for m in eligibility.members}
    failing: dict[int, list[str]] = {}
    for rule in eligibility.rules:
        for organisation_id in rule.failing_organisation_ids:
            failing.setdefault(organisation_id, []).append(rule.key)
    memberships = await BidMember.select(
        BidMember.organisation,
        BidMember.status,
        BidMember.joined_at,
        BidMember.updated_at,
        BidMember.organisation.name.as_alias("name"),
        BidMember.organisation.homes.as_alias("homes"),
    ).where(BidMember.bid == bid_id)
    pledges: dict[int, dict[str, int]] = {}
    changed: dict[int, datetime | None] = {}
    for p in await Pledge.select(Pledge.organisation, Pledge.status, Pledge.submitted_at, Pledge.updated_at).where(
        Pledge.bid == bid_id
    ):
        organisation_id = int(p["organisation"])
        state = p["status"]
        if state == "withdrawn" and p["submitted_at"] is None:
            continue  # withdrawn before it was ever submitted: a draft no longer there, nothing to show
        counts = pledges.setdefault(organisation_id, {})
        counts[state] = counts.get(state, 0) + 1
        changed[organisation_id] = _latest(changed.get(organisation_id), p["updated_at"])
    shares = {s.organisation_id: s for s in totals.members}
    rows: list[TrackerRow] = []
    for m in memberships:
        organisation_id = int(m["organisation"])
        status = str(m["status"])
        share = shares.get(organisation_id)
        own = pledges.get(organisation_id, {})
        result = results.get(organisation_id)
        joined = status == "joined"
        pledge = _pledge_state(own)
        submitted = own.get("submitted", 0)
        missing = missing_for(result, described, submitted, own.get("draft", 0)) if result is not None else ()
        if status == "invited" and result is None:
            missing = not_joined()
        passed = bool(result and result.passed)
        rows.append(
            TrackerRow(
                name=share.name if share is not None else str(m["name"]),
                status=status,
                status_label=status_name(status),
                pledge=pledge,
                pledge_label=PLEDGE_STATES[pledge],
                homes=share.homes if share is not None else m["homes"],
                pledged_pence=share.pledged_pence if share is not None and joined else 0,
                eligible_pence=share.eligible_pence if share is not None and joined else 0,
                eligible=joined and passed and submitted > 0,
                failing_rules=sorted(failing.get(organisation_id, [])) if joined else [],
                missing=[item.what for item in missing],
                last_change_at=_latest(_latest(changed.get(organisation_id), m["updated_at"]), m["joined_at"]),
                organisation_id=organisation_id,
            )
        )
    now = utc_now()
    invitations = await Invitation.select(
        Invitation.id, Invitation.email, Invitation.expires_at, Invitation.last_sent_at, Invitation.prefill
    ).where((Invitation.bid == bid_id) & Invitation.accepted_at.is_null() & Invitation.revoked_at.is_null())
    for invitation in invitations:
        prefill = invitation["prefill"]
        if isinstance(prefill, str):
            prefill = msgspec.json.decode(prefill)
        named = str((prefill or {}).get("name") or "").strip()
        status = "expired" if as_utc(invitation["expires_at"]) <= now else "invited"
        rows.append(
            TrackerRow(
                name=named or invitation["email"],
                status=status,
                status_label="Invited, link expired" if status == "expired" else status_name("invited"),
                pledge="none",
                pledge_label=PLEDGE_STATES["none"],
                homes=None,
                pledged_pence=0,
                eligible_pence=0,
                eligible=False,
                failing_rules=[],
                missing=[item.what for item in not_joined()],
                last_change_at=as_utc(invitation["last_sent_at"]),
                invitation_id=int(invitation["id"]),
                email=invitation["email"],
            )
        )
    return rows


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return as_utc(b) if b is not None else None
    if b is None:
        return as_utc(a)
    return max(as_utc(a), as_utc(b))


def _pledge_state(counts: dict[str, int]) -> str:
    if counts.get("submitted"):
        return "submitted"
    if counts.get("draft"):
        return "draft"
    if counts.get("withdrawn"):
        return "withdrawn"
    return "none"


# --- filters, sort, funnel ------------------------------------------------------------------------------------------


def in_stage(row: TrackerRow, stage: str) -> bool:
    joined = row.status == "joined"
    match stage:
        case "invited":
            return row.status in {"invited", "expired"}
        case "pending" | "joined" | "withdrawn":
            return row.status == stage
        case "no_pledge":
            return joined and row.pledge in {"none", "withdrawn"}
        case "draft":
            return joined and row.pledge == "draft"
        case "submitted":
            return joined and row.pledge == "submitted"
        case "eligible":
            return row.eligible
        case "failing":
            return joined and bool(row.failing_rules)
    return True


def _wanted(row: TrackerRow, query: TrackerQuery) -> bool:
    if query.stage and not in_stage(row, query.stage):
        return False
    if query.rule and query.rule not in row.failing_rules:
        return False
    if query.q:
        needle = query.q.casefold()
        return needle in row.name.casefold() or (row.email is not None and needle in row.email.casefold())
    return True


_SORT_KEYS: dict[str, Callable[[TrackerRow], Any]] = {
    "name": lambda r: r.name.casefold(),
    "status": lambda r: _STATUS_ORDER.get(r.status, 9),
    "pledge": lambda r: _PLEDGE_ORDER.get(r.pledge, 9),
    "homes": lambda r: r.homes,
    "pledged": lambda r: r.pledged_pence,
    "eligible": lambda r: r.eligible_pence,
    "missing": lambda r: (len(r.missing), "; ".join(r.missing).casefold()),
    "last_change": lambda r: r.last_change_at,
}


def sort_rows(rows: list[TrackerRow], sort: str, order: str) -> list[TrackerRow]:
    """Rows by ``sort`` (a TABLE column), ties by name; a row without the value (homes not known) always last."""
    key = _SORT_KEYS[sort]
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.organisation_id or 0, r.invitation_id or 0))
    known = [r for r in by_name if key(r) is not None]
    unknown = [r for r in by_name if key(r) is None]
    return sorted(known, key=key, reverse=order == "desc") + unknown


def funnel(rows: list[TrackerRow]) -> list[FunnelStep]:
    joined = [r for r in rows if r.status == "joined"]
    counts = {
        "invited": len(rows),
        "joined": len(joined),
        "pledged": sum(1 for r in joined if r.pledge in {"draft", "submitted"}),
        "submitted": sum(1 for r in joined if r.pledge == "submitted"),
        "eligible": sum(1 for r in joined if r.eligible),
    }
    return [FunnelStep(key, label, counts[key]) for key, label in FUNNEL]
