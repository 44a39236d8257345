"""A bid's live figures: its data read in a handful of queries, then analysed in one pass with Polars."""

from __future__ import annotations

import msgspec

from consortium.accounts.principal import Principal
from consortium.analysis.eligibility import PreparedBid, evaluate, prepare_bid, with_pledged_total
from consortium.analysis.frames import BidFrames, MatchTerms
from consortium.analysis.results import Eligibility, Totals, WhatIf
from consortium.analysis.totals import compute_totals
from consortium.bids import privacy
from consortium.bids.access import BidAccess, BidRow, bid_access
from consortium.bids.privacy import (  # noqa: F401 - FIGURE_NOT_SHOWN and ONE_MEMBERS_FIGURE: read from here too
    FIGURE_NOT_SHOWN,
    ONE_MEMBERS_FIGURE,
    HeadlineTotals,
    MemberEligibility,
)
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


async def bid_totals(principal: Principal, bid_id: int, what_if: WhatIf | None = None) -> Totals | HeadlineTotals:
    """The bid's totals; with ``what_if``, as if that change were made (see ``check_what_if`` for who may ask).
    Members read them through ``privacy.for_member``, as the bid's convenor chose (bands or figures)."""
    access = await bid_access(principal, bid_id)
    await check_what_if(access, what_if)
    frames = await load_frames(bid_id)
    rules, terms = rules_from_stored(access.bid.rules), terms_of(access.bid)
    if access.role == "convenor":
        changed, prepared = modelled(frames, what_if)
        totals = compute_totals(changed, rules, terms, prepared=prepared)
        return totals if what_if is None else msgspec.structs.replace(totals, what_if=what_if)
    seen = _seen_by_member(access, frames, what_if)
    return seen.then_totals if seen.then_totals is not None else seen.totals


def _seen_by_member(access: BidAccess, frames: BidFrames, what_if: WhatIf | None) -> privacy.Seen:
    """A member's view of the bid's figures (and of "what if it withdrew", the one what-if a member may ask): the
    full figures worked out once, then passed through ``privacy.for_member``."""
    rules, terms = rules_from_stored(access.bid.rules), terms_of(access.bid)
    prepared = prepare_bid(frames)
    full = privacy.Full(
        compute_totals(frames, rules, terms, prepared=prepared), evaluate(frames, rules, terms, prepared=prepared)
    )
    if what_if is not None:
        without = what_if.without_organisation_id
        then = evaluate(frames, rules, terms, without_organisation_id=without, prepared=prepared)
        then_totals = compute_totals(frames.without(without), rules, terms, prepared=prepared) if without else None
        full = privacy.Full(
            full.totals,
            full.eligibility,
            without,
            msgspec.structs.replace(then_totals, what_if=what_if) if then_totals is not None else None,
            msgspec.structs.replace(then, without_organisation_id=without, what_if=what_if),
        )
    return privacy.for_member(full, setting_of(access.bid), access.organisation_ids)


def setting_of(bid: BidRow) -> privacy.Setting:
    """What members may see of the bid's figures, and the rules and terms its bands follow."""
    mode: privacy.MemberFigures = privacy.FIGURES if bid.member_figures == privacy.FIGURES else privacy.BANDS
    return privacy.Setting(mode, tuple(rules_from_stored(bid.rules)), terms_of(bid))


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
) -> Eligibility | MemberEligibility:
    """The bid's eligibility; with ``without`` (or ``what_if``), as if that change were made."""
    access = await bid_access(principal, bid_id)
    if without is not None:
        what_if = msgspec.structs.replace(what_if or WhatIf(), without_organisation_id=without)
    await check_what_if(access, what_if)
    frames = await load_frames(bid_id)
    if access.role != "convenor":
        seen = _seen_by_member(access, frames, what_if)
        return seen.then_eligibility if seen.then_eligibility is not None else seen.eligibility
    frames, prepared = modelled(frames, what_if)
    rules, terms = rules_from_stored(access.bid.rules), terms_of(access.bid)
    result = evaluate(frames, rules, terms, prepared=prepared)
    if what_if is not None:
        result = msgspec.structs.replace(
            result, without_organisation_id=what_if.without_organisation_id, what_if=what_if
        )
    return result


class DashboardFigures(msgspec.Struct):
    totals: Totals | HeadlineTotals
    eligibility: Eligibility | MemberEligibility
    without: Eligibility | MemberEligibility | None = None  # the "what if this member withdrew", when asked


async def dashboard_figures(principal: Principal, bid_id: int, without: int | None = None) -> DashboardFigures:
    """Totals, eligibility and (with ``without``) the "what if" together, from one read of the bid's data and one
    allocation of its money: what a dashboard shows, for the cost of one. Members get what ``privacy.for_member``
    lets them see."""
    access = await bid_access(principal, bid_id)
    await _what_if_member(access, without)
    frames = await load_frames(bid_id)
    if access.role != "convenor":
        seen = _seen_by_member(access, frames, WhatIf(without_organisation_id=without) if without else None)
        return DashboardFigures(seen.totals, seen.eligibility, seen.then_eligibility)
    rules = rules_from_stored(access.bid.rules)
    terms = terms_of(access.bid)
    prepared = prepare_bid(frames)
    totals = compute_totals(frames, rules, terms, prepared=prepared)
    eligibility = evaluate(frames, rules, terms, prepared=prepared)
    what_if = None
    if without is not None:
        what_if = evaluate(frames, rules, terms, without_organisation_id=without, prepared=prepared)
    return DashboardFigures(totals, eligibility, what_if)
