"""The match calculation (``templates/bid/match.html``): from the pledges to the match requested, step by step,
and the members whose pledges are left out, with why."""

from __future__ import annotations

from dataclasses import dataclass

from consortium.analysis import measures
from consortium.analysis.frames import MatchTerms
from consortium.documents.sections.facts import Facts
from consortium.words import count_text, money_column, ratio_text


@dataclass(frozen=True)
class CalculationStep:
    number: int
    label: str
    explanation: str
    amount: str
    kind: str  # "figure" | "less" | "subtotal" | "result"


@dataclass(frozen=True)
class ExcludedMember:
    name: str
    amount: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class MatchContext:
    steps: tuple[CalculationStep, ...]
    notes: tuple[str, ...]
    excluded: tuple[ExcludedMember, ...]


def build(facts: Facts) -> MatchContext:
    bid, totals = facts.snapshot.bid, facts.snapshot.totals
    cap = bid.match_cap_pence
    # One money column: pence on every amount or on none (the cap, when there is none, is words).
    pence = [
        totals.pledged_pence,
        facts.excluded_pence,
        totals.eligible_pence,
        facts.uncapped_match_pence,
        totals.match_requested_pence,
        facts.programme_value_pence,
    ]
    column = money_column(pence + ([cap] if cap is not None else []))
    pledged, excluded, eligible, uncapped, match, value = column[:6]
    cap_text = "No cap" if cap is None else column[6]
    submitted = totals.pledges_by_status.get("submitted", 0)
    steps = (
        CalculationStep(
            1,
            measures.PLEDGED.label,
            f"{count_text(submitted, 'submitted pledge')} from {count_text(facts.joined, 'joined member')}",
            pledged,
            "figure",
        ),
        CalculationStep(
            2,
            "Less: members not meeting the membership rules",
            f"{count_text(len(facts.excluded), 'member')}, listed below with the reasons"
            if facts.excluded
            else "None: every member meets the membership rules",
            "−" + excluded if facts.excluded_pence else excluded,
            "less",
        ),
        CalculationStep(3, measures.ELIGIBLE.label, "The consortium's match funding", eligible, "subtotal"),
        CalculationStep(
            4,
            "Match at the funder's ratio",
            f"{ratio_text(bid.match_funder_part, bid.match_consortium_part)}: {eligible} × "
            f"{bid.match_funder_part:,} ÷ {bid.match_consortium_part:,}",
            uncapped,
            "figure",
        ),
        CalculationStep(
            5,
            "Cap on the match",
            "The programme sets no cap"
            if cap is None
            else f"The programme caps the match at {cap_text}: "
            + ("the cap applies" if totals.match_capped else "the cap does not apply"),
            cap_text,
            "figure",
        ),
        CalculationStep(6, measures.MATCH_REQUESTED.label, "The smaller of steps 4 and 5", match, "result"),
        CalculationStep(
            7,
            "Total programme value",
            f"{measures.ELIGIBLE.label} (step 3) plus match requested (step 6)",
            value,
            "result",
        ),
    )
    notes = [
        "Only submitted pledges from members who have joined the consortium are counted; pledges from invited or "
        "withdrawn members are not. Pledges not yet submitted, or withdrawn, are not part of this document."
    ]
    terms = MatchTerms(bid.match_funder_part, bid.match_consortium_part, cap)
    if terms.match_for(totals.eligible_pence) != (totals.match_requested_pence, totals.match_capped):
        notes.append("The match requested is the figure recorded by the analysis at the snapshot.")
    if facts.invited or facts.withdrawn:
        notes.append(
            f"Not counted: {count_text(facts.invited, 'invited organisation')} and "
            f"{count_text(facts.withdrawn, 'withdrawn member')}."
        )
    amounts = money_column([r.pledged_pence for r in facts.excluded])
    excluded_rows = tuple(
        ExcludedMember(
            name=facts.names.get(r.organisation_id, r.name),
            amount=amount,
            reasons=tuple(f.message for f in r.failures) or ("Does not meet a membership rule",),
        )
        for r, amount in zip(facts.excluded, amounts, strict=True)
    )
    return MatchContext(steps=steps, notes=tuple(notes), excluded=excluded_rows)
