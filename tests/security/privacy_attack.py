"""The attacker of tests/bids/test_privacy.py and tests/security/test_red_team.py: generated bids, everything one
member can reach of them, and the tightest interval that member can work out for the largest other member's pledge
(the reasoning, and the width it must leave, are explained in tests/bids/test_privacy.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.analysis.eligibility import evaluate, prepare_bid
from consortium.analysis.frames import BidFrames, MatchTerms
from consortium.analysis.measures import share_text
from consortium.analysis.rules import parse_rules
from consortium.analysis.totals import compute_totals
from consortium.bids import privacy

EXAMPLES = 150


@dataclass(frozen=True)
class Scenario:
    amounts: tuple[int, ...]  # pence, one per member (organisation ids 1..n)
    observer: int  # the organisation id of the member attacking
    share_limit: int
    min_total: int | None
    max_total: int | None
    min_pledge: int | None
    cap: int | None
    funder_part: int
    rules: list[dict[str, Any]] = field(default_factory=list)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Several members (3 to 7), one or two holding most of the money, and rules with thresholds near the total."""
    count = draw(st.integers(3, 7))
    dominant = draw(st.integers(1, 2))
    amounts = []
    for index in range(count):
        pounds = draw(st.integers(200_000, 3_000_000) if index < dominant else st.integers(5_000, 400_000))
        # Never a round figure, nor two alike (in pounds or pence): a leak is unmistakable.
        amounts.append((pounds // 1_000 * 1_000 + 123 + 101 * index) * 100 + 11 + 13 * index)
    amounts = draw(st.permutations(amounts))
    total = sum(amounts)
    limit = draw(st.integers(30, 90))
    rules: list[dict[str, Any]] = [{"key": "max_member_share", "percent": limit}, {"key": "min_members", "count": 2}]
    min_total = max_total = min_pledge = None
    if draw(st.booleans()):
        min_total = total * draw(st.integers(50, 150)) // 100 // 100_000 * 100_000  # whole £1,000s
        rules.append({"key": "min_total", "amount_pence": min_total})
    if draw(st.booleans()):
        # The funder's maximum, at least twice any minimum: closer thresholds would say themselves how big E is.
        max_total = max(total * draw(st.integers(60, 200)) // 100, 2 * (min_total or 0)) // 100_000 * 100_000
        rules.append({"key": "max_total", "amount_pence": max_total})
    if draw(st.booleans()):
        min_pledge = draw(st.integers(1_000, 5_000)) * 100
        rules.append({"key": "min_pledge", "amount_pence": min_pledge})
    cap = draw(st.none() | st.integers(total // 300, total // 50).map(lambda c: c * 100 // 100_000 * 100_000))
    observer = draw(st.integers(1, count))
    funder_part = draw(st.integers(1, 3))
    return Scenario(tuple(amounts), observer, limit, min_total, max_total, min_pledge, cap, funder_part, rules)


def examples(strategy: st.SearchStrategy[Any], count: int = EXAMPLES) -> list[Any]:
    found: list[Any] = []

    @settings(
        max_examples=count, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found


def frames_of(scenario: Scenario) -> BidFrames:
    members = [
        {"organisation_id": i, "name": f"Member {i}", "org_type": "housing_association", "identifier": None,
         "homes": 500 + 7 * i, "member_status": "joined"}
        for i in range(1, len(scenario.amounts) + 1)
    ]  # fmt: skip
    pledges = [
        {"pledge_id": i, "organisation_id": i, "amount_pence": amount, "board_approved": True,
         "status": "submitted", "themes": []}
        for i, amount in enumerate(scenario.amounts, start=1)
    ]  # fmt: skip
    return BidFrames.from_rows(members, pledges, [], [])


def seen(scenario: Scenario, mode: privacy.MemberFigures) -> tuple[privacy.Full, privacy.Seen]:
    """Everything the observer can reach of the bid: its figures now, and what would change if it withdrew."""
    frames = frames_of(scenario)
    rules = parse_rules(scenario.rules)
    terms = MatchTerms(scenario.funder_part, 1, scenario.cap)
    prepared = prepare_bid(frames)
    without = scenario.observer
    full = privacy.Full(
        compute_totals(frames, rules, terms, prepared=prepared),
        evaluate(frames, rules, terms, prepared=prepared),
        without,
        compute_totals(frames.without(without), rules, terms, prepared=prepared),
        evaluate(frames, rules, terms, without_organisation_id=without, prepared=prepared),
    )
    setting = privacy.Setting(mode, tuple(rules), terms)
    return full, privacy.for_member(full, setting, frozenset({scenario.observer}))


def reached(view: privacy.Seen) -> str:
    """Every answer as a member receives it (JSON), and the words a page would show."""
    parts = (view.totals, view.eligibility, view.then_totals, view.then_eligibility)
    return "\n".join(msgspec.json.encode(part).decode() for part in parts if part is not None)


def money_forms(pence: int) -> tuple[str, ...]:
    pounds, rest = divmod(pence, 100)
    rounded = pounds + (1 if rest >= 50 else 0)
    return (str(pence), f"{pounds:,}.{rest:02d}", f"{pounds}.{rest:02d}", f"£{pounds:,}", f"£{rounded:,}")


def share_forms(part: int, whole: int, limit: int) -> tuple[str, ...]:
    """A share as the pages write it ("31%", "31.2%", "just over 40%"), and in basis points; a whole percent equal
    to the limit is the rule's own threshold, which every member reads."""
    basis = part * 10_000 // whole
    forms = {share_text(part, whole, limit), f"{basis / 100:.1f}%", f'"actual":{basis}'}
    return tuple(form for form in forms if form not in {f"{limit}%", f"{limit}.0%"})


def secrets(full: privacy.Full, scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """What the observer must not find: the exact totals, each total less its own, the others' amounts and shares."""
    own = scenario.amounts[scenario.observer - 1]
    totals = full.totals
    found: dict[str, tuple[str, ...]] = {
        "the pledged total": money_forms(totals.pledged_pence),
        "the eligible total": money_forms(totals.eligible_pence),
        "the match requested": money_forms(totals.match_requested_pence)
        if totals.match_requested_pence != scenario.cap
        else (),
        "the others' pledges added up": money_forms(totals.pledged_pence - own),
    }
    for i, amount in enumerate(scenario.amounts, start=1):
        if i != scenario.observer:
            found[f"member {i}'s pledge"] = money_forms(amount)
            found[f"member {i}'s share"] = share_forms(amount, totals.eligible_pence, scenario.share_limit)
    return found


def leaked(text: str, found: dict[str, tuple[str, ...]]) -> list[str]:
    """The secrets found as whole figures ("1%" is not in "51%", nor "£12,345" in "£12,345,678")."""
    return [
        f"{what} ({form!r})"
        for what, forms in found.items()
        for form in forms
        if re.search(r"(?<![\d.,])" + re.escape(form) + r"(?![\d]|[.,]\d)", text)
    ]


# --- the attacker -----------------------------------------------------------------------------------------------

INFINITY = Fraction(10**30)
POUNDS = re.compile(r"£([\d,]+(?:\.\d\d)?)")


def _pence(text: str) -> list[int]:
    return [round(Fraction(m.replace(",", "")) * 100) for m in POUNDS.findall(text)]


def band_span(text: str) -> tuple[Fraction, Fraction]:
    """The widest reading of a band's words (its ends taken as belonging to it)."""
    amounts = _pence(text)
    if text.startswith(("under", "perhaps")) or text.endswith("or less"):
        return Fraction(0), Fraction(amounts[0])
    if text.endswith(("or more", "(the funder's cap)")) or (text.startswith("more than") and len(amounts) == 1):
        return Fraction(amounts[0]), INFINITY
    return Fraction(amounts[0]), Fraction(amounts[1])


@dataclass
class Knowledge:
    low: Fraction
    high: Fraction

    def meet(self, low: Fraction, high: Fraction) -> None:
        self.low, self.high = max(self.low, low), min(self.high, high)


def infer(view: privacy.Seen, scenario: Scenario, eligible_others: int) -> tuple[Fraction, Fraction]:
    """The tightest interval the observer can work out for the largest other eligible member's pledge."""
    own = scenario.amounts[scenario.observer - 1]
    mine = next(m for m in view.eligibility.members if m.organisation_id == scenario.observer)
    own_eligible = own if mine.passed else 0
    total = Knowledge(*band_span(view.eligibility.eligible_band or ""))
    total.meet(*band_span(view.totals.eligible_band or ""))
    limit = Fraction(scenario.share_limit, 100)
    share_met: bool | None = None
    for rule in view.eligibility.rules:
        required = Fraction(rule.required or 0)
        if rule.key == "min_total":
            total.meet(*((required, INFINITY) if rule.passed else (Fraction(0), required)))
        if rule.key == "max_total":
            total.meet(*((Fraction(0), required) if rule.passed else (required, INFINITY)))
        if rule.key == "max_member_share":
            own_over = "Your organisation" in (rule.gap or "")
            others_over = "other member" in (rule.gap or "")
            if own_eligible:  # its own share against the limit bounds the total
                total.meet(*((Fraction(0), own_eligible / limit) if own_over else (own_eligible / limit, INFINITY)))
            share_met = not others_over  # every other member within the limit, or one beyond it
    others = Knowledge(total.low - own_eligible, total.high - own_eligible)
    then = view.then_eligibility
    if then is not None and then.eligible_band:
        others.meet(*band_span(then.eligible_band))
        for rule in then.rules:
            if privacy.CANNOT_TELL in (rule.gap or ""):
                continue
            required = Fraction(rule.required or 0)
            if rule.key == "min_total":
                others.meet(*((required, INFINITY) if rule.passed else (Fraction(0), required)))
            if rule.key == "max_total":
                others.meet(*((Fraction(0), required) if rule.passed else (required, INFINITY)))
    k = eligible_others
    least = Fraction(scenario.min_pledge or 0)
    low = max(others.low / k, least)
    high = others.high - (k - 1) * least
    if share_met is True:
        high = min(high, limit * (others.high + own_eligible))
    elif share_met is False:
        low = max(low, limit * (others.low + own_eligible))
    return low, high


def least_width(full: privacy.Full, scenario: Scenario, eligible_others: int) -> Fraction:
    """min(p, 1/k) x E / 3: see the module's docstring."""
    return min(Fraction(scenario.share_limit, 100), Fraction(1, eligible_others)) * full.totals.eligible_pence / 3
