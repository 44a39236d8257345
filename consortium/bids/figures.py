"""A bid's live figures: its data read in a handful of queries, then analysed in one pass with Polars."""

from __future__ import annotations

from typing import Annotated

import msgspec

from consortium.accounts.principal import Principal
from consortium.analysis import measures
from consortium.analysis.eligibility import PreparedBid, evaluate, prepare_bid, verdict, with_pledged_total
from consortium.analysis.frames import BidFrames, MatchTerms
from consortium.analysis.results import Eligibility, RuleResult, Totals, WhatIf
from consortium.analysis.rules import RULE_KINDS
from consortium.analysis.totals import compute_totals
from consortium.bids.access import BidAccess, BidRow, bid_access
from consortium.bids.profiles import member_rows
from consortium.bids.services import rules_from_stored
from consortium.bids.tables import BidMember
from consortium.db import LARGEST_ID
from consortium.errors import BadInput, Forbidden, NotFound
from consortium.organisations.tables import Organisation
from consortium.pledges.tables import Pledge
from consortium.schemas import MAX_PENCE


async def load_frames(bid_id: int) -> BidFrames:
    """The bid's data for the analysis. Members and their districts are read through ``member_rows`` (as the
    document's profiles are): live while the bid is open, the copy frozen at the lock once it is locked or submitted."""
    members, coverage = await member_rows(bid_id)
    for member in members:
        member["identifier"] = member.pop("org_id")
    pledge_rows = (
        await Pledge.select(
            Pledge.id.as_alias("pledge_id"),
            Pledge.organisation.as_alias("organisation_id"),
            Pledge.amount_pence,
            Pledge.board_approved,
            Pledge.status,
            Pledge.themes,
            Pledge.areas,
        )
        .where(Pledge.bid == bid_id)
        .output(load_json=True)
    )
    areas = [
        {"pledge_id": p["pledge_id"], "district_code": a["district_code"], "amount_pence": a.get("amount_pence")}
        for p in pledge_rows
        for a in p.pop("areas") or []
    ]
    return BidFrames.from_rows(members, pledge_rows, areas, coverage)


def terms_of(bid: BidRow) -> MatchTerms:
    """The match terms of a bid's row."""
    return MatchTerms(bid.match_funder_part, bid.match_consortium_part, bid.match_cap_pence)


class HeadlineTotals(msgspec.Struct):
    """What every member of a bid may see: the consortium's figures, nobody's individual pledge."""

    # Each figure as consortium.analysis.measures names it: where members work, and where the money goes.
    pledged_pence: Annotated[int, measures.PLEDGED.schema()]
    eligible_pence: Annotated[int, measures.ELIGIBLE.schema()]
    match_requested_pence: Annotated[int, measures.MATCH_REQUESTED.schema()]
    match_capped: bool
    members_by_status: dict[str, int]
    homes_covered: Annotated[int, measures.HOMES.schema()]
    districts_covered: Annotated[int, measures.WORK_DISTRICTS.schema()]
    regions_covered: Annotated[int, measures.WORK_REGIONS.schema()]
    money_districts: Annotated[int, measures.MONEY_DISTRICTS.schema()]
    money_regions: Annotated[int, measures.MONEY_REGIONS.schema()]
    what_if: WhatIf | None = None  # set when these figures are a "what if"


async def bid_totals(principal: Principal, bid_id: int, what_if: WhatIf | None = None) -> Totals | HeadlineTotals:
    """The bid's totals; with ``what_if``, as if that change were made (see ``check_what_if`` for who may ask)."""
    access = await bid_access(principal, bid_id)
    await check_what_if(access, what_if)
    frames, prepared = modelled(await load_frames(bid_id), what_if)
    totals = compute_totals(frames, rules_from_stored(access.bid.rules), terms_of(access.bid), prepared=prepared)
    if what_if is not None:
        totals = msgspec.structs.replace(totals, what_if=what_if)
    if access.role == "convenor":
        return totals
    return HeadlineTotals(**{f: getattr(totals, f) for f in HeadlineTotals.__struct_fields__})


def modelled(frames: BidFrames, what_if: WhatIf | None) -> tuple[BidFrames, PreparedBid | None]:
    """The bid's frames as ``what_if`` has them, and the allocation they share (None when there is no change): one
    allocation of the bid, the changed pledge scaled from it (``with_pledged_total``), a withdrawal a change of
    membership only."""
    if what_if is None:
        return frames, None
    prepared = prepare_bid(frames)
    if what_if.organisation_id is not None and what_if.pledged_pence is not None:
        frames, prepared = with_pledged_total(frames, prepared, what_if.organisation_id, what_if.pledged_pence)
    if what_if.without_organisation_id is not None:
        frames = frames.without(what_if.without_organisation_id)
    return frames, prepared


CONVENORS_ONLY_WHAT_IF = (
    "Only the bid's convenors can ask what a different pledge would change: from the answers, another member's "
    "pledge could be worked out. You can ask what would change if your organisation withdrew (without=)."
)


async def check_what_if(access: BidAccess, what_if: WhatIf | None) -> None:
    """Who may ask what. A convenor: anything, about any member of the bid. A member: only what would change if its
    own organisation withdrew (those answers are its own figures taken away from the headline ones it already
    sees); a changed pledge is the convenor's question, because trying amounts one after another would show where
    another member's share crosses a rule's limit."""
    if what_if is None:
        return
    organisation, pledged = what_if.organisation_id, what_if.pledged_pence
    if (organisation is None) != (pledged is None):
        raise BadInput(
            "To ask what a different pledge would change, give both the member (organisation) and its new "
            "submitted total in pence (pledged_pence).",
            field="pledged_pence" if pledged is None else "organisation",
        )
    if pledged is not None and not 0 <= pledged <= MAX_PENCE:
        raise BadInput(
            f"pledged_pence must be a whole number of pence from 0 to {MAX_PENCE:,}; {pledged} is not one.",
            field="pledged_pence",
        )
    if organisation is not None and organisation == what_if.without_organisation_id:
        raise BadInput(
            "Ask either what would change if a member withdrew or what a different pledge would change, not both "
            "for the same member.",
            field="organisation",
        )
    if organisation is not None and access.role != "convenor":
        raise Forbidden(CONVENORS_ONLY_WHAT_IF)
    await _what_if_member(access, what_if.without_organisation_id, "without")
    await _what_if_member(access, organisation, "organisation")


async def _what_if_member(access: BidAccess, without: int | None, field: str = "without") -> None:
    if without is None:
        return
    if access.role != "convenor" and without not in access.organisation_ids:
        raise NotFound("You can ask 'what if' only for your own organisation.")
    if not 0 < without <= LARGEST_ID:
        raise BadInput(
            f"'{field}' must be the number of a member organisation of this bid; {without} is not one.",
            field=field,
        )
    if not await BidMember.exists().where((BidMember.bid == access.bid_id) & (BidMember.organisation == without)):
        exists = await Organisation.exists().where(Organisation.id == without)
        raise BadInput(
            "That organisation is not a member of this bid."
            if exists
            else "There is no organisation with that number.",
            field=field,
        )


async def bid_eligibility(
    principal: Principal, bid_id: int, without: int | None = None, *, what_if: WhatIf | None = None
) -> Eligibility:
    """The bid's eligibility; with ``without`` (or ``what_if``), as if that change were made."""
    access = await bid_access(principal, bid_id)
    if without is not None:
        what_if = msgspec.structs.replace(what_if or WhatIf(), without_organisation_id=without)
    await check_what_if(access, what_if)
    frames, prepared = modelled(await load_frames(bid_id), what_if)
    rules, terms = rules_from_stored(access.bid.rules), terms_of(access.bid)
    result = evaluate(frames, rules, terms, prepared=prepared)
    if what_if is not None:
        result = msgspec.structs.replace(
            result, without_organisation_id=what_if.without_organisation_id, what_if=what_if
        )
    if access.role == "convenor":
        return result
    return _member_view(result, access.organisation_ids)


# Consortium rules whose measured figure is one member's: the largest member's share, with the eligible total every
# member sees, gives that member's pledge to the pound. Members read such a rule's verdict and limit, not its figure.
ONE_MEMBERS_FIGURE = frozenset({"max_member_share"})
FIGURE_NOT_SHOWN = "Not shown to members: it is one member's share of the eligible total"


def _member_view(result: Eligibility, own: frozenset[int]) -> Eligibility:
    """A member sees every rule's verdict, but only its own organisation's details: another member's name or
    share never reaches it, in a rule's figure, in its gap or in the verdict sentence built from the gaps."""

    def redact(rule: RuleResult) -> RuleResult:
        mine = [o for o in rule.failing_organisation_ids if o in own]
        others = len(rule.failing_organisation_ids) - len(mine)
        gap = rule.gap
        if others:
            # A consortium rule's gap may name the members over a limit ("Acme holds 31%"): count them instead.
            gap = f"{others} other member{'s do' if others != 1 else ' does'} not meet this yet"
            if mine:
                gap = "Your organisation does not meet this yet; " + gap
        if rule.key not in ONE_MEMBERS_FIGURE:
            return msgspec.structs.replace(rule, failing_organisation_ids=mine, gap=gap)
        # The gap stays when it names only the member itself ("Acme holds 31% ...": its own share).
        return msgspec.structs.replace(
            rule, failing_organisation_ids=mine, gap=gap, actual=None, actual_text=FIGURE_NOT_SHOWN
        )

    rules = [redact(r) for r in result.rules]
    # Member-scope clauses only count failing members, so they stay as they were; consortium ones use the
    # redacted gap.
    failed = [
        (RULE_KINDS[full.key], full if full.scope == "member" else shown)
        for full, shown in zip(result.rules, rules, strict=True)
        if not full.passed
    ]
    return msgspec.structs.replace(
        result,
        verdict=verdict(len(rules), failed),
        rules=rules,
        members=[m for m in result.members if m.organisation_id in own],
    )


class DashboardFigures(msgspec.Struct):
    totals: Totals | HeadlineTotals
    eligibility: Eligibility
    without: Eligibility | None = None  # the "what if this member withdrew" eligibility, when asked


async def dashboard_figures(principal: Principal, bid_id: int, without: int | None = None) -> DashboardFigures:
    """Totals, eligibility and (with ``without``) the "what if" together, from one read of the bid's data and one
    allocation of its money: what a dashboard shows, for the cost of one. Members get the redacted views."""
    access = await bid_access(principal, bid_id)
    await _what_if_member(access, without)
    frames = await load_frames(bid_id)
    rules = rules_from_stored(access.bid.rules)
    terms = terms_of(access.bid)
    prepared = prepare_bid(frames)
    totals = compute_totals(frames, rules, terms, prepared=prepared)
    eligibility = evaluate(frames, rules, terms, prepared=prepared)
    what_if = None
    if without is not None:
        what_if = evaluate(frames, rules, terms, without_organisation_id=without, prepared=prepared)
    if access.role == "convenor":
        return DashboardFigures(totals, eligibility, what_if)
    return DashboardFigures(
        HeadlineTotals(**{f: getattr(totals, f) for f in HeadlineTotals.__struct_fields__}),
        _member_view(eligibility, access.organisation_ids),
        _member_view(what_if, access.organisation_ids) if what_if is not None else None,
    )
