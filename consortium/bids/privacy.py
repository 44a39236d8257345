"""What a member may see of a bid's figures: the convenor's choice per bid (``Bid.member_figures``).

**How a member could work out another member's pledge from exact figures.** A member knows its own pledge. With the
exact pledged or eligible total (the headline figures, the match requested divided by the match ratio, the minimum
or maximum total rule's measured figure, or the rule's gap subtracted from its threshold), the total minus its own
pledge is every other member's pledges added up: with one other member, that member's pledge to the penny. The
"what if we withdrew" answer gives that sum directly. With more members, the largest member share rule bounds the
largest member: its verdict says whether the largest holds more than the limit, so "limit x eligible total" is an
upper (or lower) bound, and its measured share (a whole percent) times the exact total gives the largest pledge to
within 1% of the total (on a £60,000 bid, £600). Thresholds narrow it further: a band edge placed just below a
minimum total that the bid meets says "between the minimum and that edge".

**What a member sees instead ("bands", the default).** Every rule's verdict and threshold; the consortium's money
(pledged, eligible, match requested) and homes as a band; counts of members, districts and regions as they are
(no amount follows from them); its own organisation's rows as they are. Never an exact total, gap, share or "what
if" figure. The bands:

* Money: a ladder of round edges (£10,000, £25,000, £50,000, £100,000, £250,000, £500,000, £1m, £2.5m, ... each
  2 to 2.5 times the one before), **with every money threshold of the bid made an edge** (the minimum total, just
  over the maximum total, and the eligible total at which the funder's cap starts), and ladder edges closer than a
  factor of ``CLEARANCE`` (1.5) to a threshold dropped. So a verdict never splits a band (it adds nothing to what the
  band says), and every band spans at least a factor of 1.5 (its top at least 1.5 times its bottom), except one
  between two thresholds the funder set close together, which the verdicts would say anyway.
* Homes: the same, with a ladder of 100, 250, 500, 1,000, ... homes and the minimum homes rule as an edge.
* The largest member share: "more than 40%" or "40% or less", the rule's own limit: again only what the verdict says.
* "What if we withdrew": worked out from what the member already sees (the bands less its own figures), never
  from the real figures: a verdict the ranges cannot settle is shown as not met, saying so. This answer can tell a
  member nothing it could not work out itself.

**Why this is wide enough.** The eligible total is known within a band spanning a factor of at least 1.5, so the
other members' sum (the total less the member's own, which it knows) is known within an interval at least half the
band's bottom wide. The largest other member then lies between that sum divided by the number of other eligible
members and the sum itself (narrowed by the share limit, "at most 40% of the total", which is still a fraction of
an uncertain total). tests/bids/test_privacy.py works out the tightest interval a member can infer from everything
it can reach, for generated bids, and checks it stays wide. Two cases are left, because the rules themselves say
them: with one other eligible member, that member's pledge is the sum (known within the band, no closer); and a
share limit near 50% with two eligible members says the two pledges are nearly equal.

**"figures".** The convenor may show members the exact headline figures (today's behaviour): still never another
member's own row, share or name (``ONE_MEMBERS_FIGURE``) on a page or in the API. Members may then download a
document version they are asked to sign off, which lists every member as the funder reads it
(``consortium.signoffs.services.member_pdf``; the policy's ``Sight.SIGN_OFF_DOCUMENT``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

import msgspec

from consortium.analysis import measures
from consortium.analysis.eligibility import verdict
from consortium.analysis.frames import MatchTerms
from consortium.analysis.results import Eligibility, MemberResult, RuleResult, Totals, WhatIf
from consortium.analysis.rules import RULE_KINDS, MaxMemberShare, MaxTotal, MinHomes, MinTotal, Rule
from consortium.money import format_pence
from consortium.words import count_text

MemberFigures = Literal["bands", "figures"]
BANDS: MemberFigures = "bands"
FIGURES: MemberFigures = "figures"

# The choice as the bid form offers it (value, label, hint).
CHOICES: tuple[tuple[MemberFigures, str, str], ...] = (
    (
        BANDS,
        "Ranges and pass or fail (recommended)",
        "Members see whether each rule is met and the consortium's money as a range, such as £1,000,000 to "
        "£2,500,000: never a figure from which another member's pledge could be worked out.",
    ),
    (
        FIGURES,
        "Exact figures",
        "Members see the exact totals. With few members, each can work out roughly what the others pledged.",
    ),
)

# --- the bands, as data ---------------------------------------------------------------------------------------------

POUND = 100
MONEY_LADDER_PENCE: tuple[int, ...] = tuple(
    pounds * POUND
    for pounds in (
        10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000,
        100_000_000, 250_000_000, 500_000_000, 1_000_000_000,
    )
)  # fmt: skip
HOMES_LADDER: tuple[int, ...] = (
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
)  # fmt: skip
# A ladder edge closer than this factor to a threshold is dropped, so the bands beside a threshold stay wide.
CLEARANCE = 1.5

# Largest member share bands: the rule's own limit splits them ("above 40%" / "40% or less").
SHARE_ABOVE = "above {limit}% of the eligible total"
SHARE_WITHIN = "{limit}% or less of the eligible total"

FIGURE_NOT_SHOWN = "Not shown to members: it is one member's share of the eligible total"
# Consortium rules whose measured figure is one member's: the largest member's share, with the eligible total,
# gives that member's pledge. Members read such a rule's verdict and limit, never its figure.
ONE_MEMBERS_FIGURE = frozenset({"max_member_share"})
CANNOT_TELL = "the ranges members see cannot tell; the convenor can"


@dataclass(frozen=True)
class Edges:
    """Where one quantity's bands start: ``values`` in order; ``after_maximum`` those just over a maximum rule's
    figure (worded "more than £M" and "£M")."""

    values: tuple[int, ...]
    after_maximum: frozenset[int] = frozenset()


def edges(ladder: Sequence[int], minimums: Sequence[int] = (), maximums: Sequence[int] = ()) -> Edges:
    """The ladder with every threshold made an edge (a minimum at itself, a maximum just over it), and the ladder
    edges within a factor of ``CLEARANCE`` of a threshold dropped."""
    thresholds = {t for t in minimums if t > 0} | {m + 1 for m in maximums if m >= 0}

    def clear(edge: int) -> bool:
        return all(max(edge, t) >= CLEARANCE * min(edge, t) for t in thresholds)

    kept = {edge for edge in ladder if clear(edge)}
    return Edges(tuple(sorted(kept | thresholds)), frozenset(m + 1 for m in maximums if m >= 0))


@dataclass(frozen=True)
class Band:
    low: int  # inclusive
    high: int | None  # exclusive; None: no top
    text: str


def band_of(value: int, where: Edges, unit: Callable[[int], str]) -> Band:
    """The band ``value`` falls in, worded with ``unit`` (money_text, or homes_text)."""
    low, high = 0, None
    for edge in where.values:
        if value >= edge:
            low = edge
        else:
            high = edge
            break
    return Band(low, high, range_text(low, high, unit, where.after_maximum))


def range_text(
    low: int, high: int | None, unit: Callable[[int], str], after_maximum: frozenset[int] = frozenset()
) -> str:
    """ "£1,000,000 to £2,500,000", "under £10,000", "£100,000,000 or more", "more than £M"."""

    def at(edge: int) -> str:
        return unit(edge - 1) if edge in after_maximum else unit(edge)

    if high is None:
        return f"more than {at(low)}" if low in after_maximum else f"{at(low)} or more"
    if low <= 0:
        return f"{at(high)} or less" if high in after_maximum else f"under {at(high)}"
    return f"{'more than ' if low in after_maximum else ''}{at(low)} to {at(high)}"


def money_text(pence: int) -> str:
    """A band's edge in whole pounds (an edge just over a threshold, such as the cap, is a penny over)."""
    return format_pence(pence - pence % POUND)


def homes_text(homes: int) -> str:
    return count_text(homes, "home")


@dataclass(frozen=True)
class Setting:
    """A bid's choice and the terms its bands follow."""

    mode: MemberFigures
    rules: tuple[Rule, ...]
    terms: MatchTerms

    def money(self, own_eligible: Sequence[int] = ()) -> Edges:
        """The money bands of a member whose organisations have ``own_eligible`` pence eligible: the largest share
        rule's verdict says whether each is within the limit, that is whether the eligible total is at least
        100 / limit times it, so those totals are thresholds too."""
        minimums = [r.amount_pence for r in self.rules if isinstance(r, MinTotal)]
        if self.share_limit:
            minimums += [-(-own * 100 // self.share_limit) for own in own_eligible if own > 0]
        maximums = [r.amount_pence for r in self.rules if isinstance(r, MaxTotal)]
        if self.terms.cap_pence is not None and self.terms.funder_part > 0:
            minimums.append(_cap_start(self.terms))  # the cap applying is a threshold too
        return edges(MONEY_LADDER_PENCE, minimums, maximums)

    @property
    def homes(self) -> Edges:
        return edges(HOMES_LADDER, [r.homes for r in self.rules if isinstance(r, MinHomes)])

    @property
    def share_limit(self) -> int | None:
        return next((r.percent for r in self.rules if isinstance(r, MaxMemberShare)), None)


# --- what a member receives ----------------------------------------------------------------------------------------

BAND_NOTE = "null when the bid's convenor shows members ranges (see the matching *_band field)"


class HeadlineTotals(msgspec.Struct):
    """What every member of a bid may see: the consortium's figures, nobody's individual pledge. In "bands" mode
    (``figures``), the exact money and homes figures are null and each ``*_band`` field says the range."""

    pledged_pence: Annotated[int | None, measures.PLEDGED.schema()]
    eligible_pence: Annotated[int | None, measures.ELIGIBLE.schema()]
    match_requested_pence: Annotated[int | None, measures.MATCH_REQUESTED.schema()]
    match_capped: bool
    members_by_status: dict[str, int]
    homes_covered: Annotated[int | None, measures.HOMES.schema()]
    districts_covered: Annotated[int, measures.WORK_DISTRICTS.schema()]
    regions_covered: Annotated[int, measures.WORK_REGIONS.schema()]
    money_districts: Annotated[int, measures.MONEY_DISTRICTS.schema()]
    money_regions: Annotated[int, measures.MONEY_REGIONS.schema()]
    what_if: WhatIf | None = None  # set when these figures are a "what if"
    figures: Annotated[
        MemberFigures,
        msgspec.Meta(description='"bands": members see ranges, the exact figures are null; "figures": exact figures'),
    ] = FIGURES
    pledged_band: Annotated[
        str | None, msgspec.Meta(description="The pledged total as a range, such as £1,000,000 to £2,500,000")
    ] = None
    eligible_band: Annotated[str | None, msgspec.Meta(description="The eligible total as a range")] = None
    match_requested_band: Annotated[str | None, msgspec.Meta(description="The match requested as a range")] = None
    homes_band: Annotated[str | None, msgspec.Meta(description="The homes members manage, as a range")] = None


class MemberRule(msgspec.Struct, frozen=True):
    """A rule's result as a member reads it. In "bands" mode ``actual`` is null, ``actual_text`` and
    ``actual_band`` say the range, and ``gap`` names no figure."""

    key: str
    scope: str
    description: str
    passed: bool  # in a "bands" what-if: false also when the ranges cannot tell (``gap`` says so)
    actual: int | None
    required: int | None
    actual_text: str
    required_text: str
    gap: str | None
    failing_organisation_ids: list[int]  # the member's own organisations only
    actual_band: Annotated[
        str | None, msgspec.Meta(description="The measured figure as a range (bands mode), such as above 40%")
    ] = None


class MemberEligibility(msgspec.Struct, frozen=True):
    """The bid's eligibility as a member reads it: every rule's verdict, its own organisation's results only."""

    eligible: bool
    verdict: str
    rules: list[MemberRule]
    members: list[MemberResult]  # its own organisations only
    without_organisation_id: int | None = None
    eligible_pence: Annotated[int | None, measures.ELIGIBLE.schema()] = None
    what_if: WhatIf | None = None
    figures: MemberFigures = FIGURES
    eligible_band: Annotated[
        str | None, msgspec.Meta(description="The eligible total as a range (bands mode; eligible_pence is null)")
    ] = None


@dataclass(frozen=True)
class Full:
    """A convenor's figures of a bid: as they are, and (``without``) as if that member withdrew."""

    totals: Totals
    eligibility: Eligibility
    without: int | None = None
    then_totals: Totals | None = None
    then_eligibility: Eligibility | None = None


@dataclass(frozen=True)
class Seen:
    """What a member may see of ``Full``: ``then_*`` set when a "what if" was asked."""

    totals: HeadlineTotals
    eligibility: MemberEligibility
    then_totals: HeadlineTotals | None = None
    then_eligibility: MemberEligibility | None = None


def for_member(full: Full, setting: Setting, own: frozenset[int]) -> Seen:
    """The one door from a convenor's figures to a member's: what the people of ``own`` (the organisations they act
    for) may see under the bid's setting."""
    if setting.mode == FIGURES:
        then = None
        if full.then_eligibility is not None:
            then = _as_member(_redacted(full.then_eligibility, own), FIGURES)
        return Seen(
            _exact(full.totals),
            _as_member(_redacted(full.eligibility, own), FIGURES),
            _exact(full.then_totals) if full.then_totals is not None else None,
            then,
        )
    now = _Banded(full, setting, own)
    return Seen(now.totals(), now.eligibility(), *now.what_if())


# --- "figures" ------------------------------------------------------------------------------------------------------


def _exact(totals: Totals) -> HeadlineTotals:
    shared = ("match_capped", "members_by_status", "districts_covered", "regions_covered", "money_districts")
    return HeadlineTotals(
        pledged_pence=totals.pledged_pence,
        eligible_pence=totals.eligible_pence,
        match_requested_pence=totals.match_requested_pence,
        homes_covered=totals.homes_covered,
        money_regions=totals.money_regions,
        what_if=totals.what_if,
        **{name: getattr(totals, name) for name in shared},
    )


def _redacted(result: Eligibility, own: frozenset[int]) -> Eligibility:
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

    return _reworded(result, [redact(r) for r in result.rules], own)


def _reworded(result: Eligibility, rules: list[RuleResult], own: frozenset[int]) -> Eligibility:
    # Member-scope clauses only count failing members, so they stay as they were; consortium ones use the new gap.
    failed = [
        (RULE_KINDS[full.key], full if full.scope == "member" else shown)
        for full, shown in zip(result.rules, rules, strict=True)
        if not shown.passed
    ]
    return msgspec.structs.replace(
        result,
        eligible=all(r.passed for r in rules),
        verdict=verdict(len(rules), failed),
        rules=rules,
        members=[m for m in result.members if m.organisation_id in own],
    )


def _as_member(
    result: Eligibility, mode: MemberFigures, bands: dict[int, str] | None = None, eligible_band: str | None = None
) -> MemberEligibility:
    bands = bands or {}
    return MemberEligibility(
        eligible=result.eligible,
        verdict=result.verdict,
        rules=[
            MemberRule(**msgspec.structs.asdict(rule), actual_band=bands.get(position))
            for position, rule in enumerate(result.rules)
        ],
        members=list(result.members),
        without_organisation_id=result.without_organisation_id,
        eligible_pence=None if mode == BANDS else result.eligible_pence,
        what_if=result.what_if,
        figures=mode,
        eligible_band=eligible_band,
    )


# --- "bands" --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    """What a member knows of a quantity: it lies in [low, high) (high None: no top)."""

    low: int
    high: int | None

    def less(self, amount: int, unit: int = 1) -> _Span:
        """The span less ``amount``, widened outwards to whole ``unit``s (pounds: a range in pence reads oddly)."""
        low = max(0, self.low - amount) // unit * unit
        return _Span(low, None if self.high is None else max(0, -(-(self.high - amount) // unit) * unit))

    def at_least(self, threshold: int) -> bool | None:
        """Whether the quantity is at least ``threshold``: True, False, or None when the span cannot tell."""
        if self.low >= threshold:
            return True
        if self.high is not None and self.high <= threshold:
            return False
        return None

    def at_most(self, threshold: int) -> bool | None:
        if self.high is not None and self.high - 1 <= threshold:
            return True
        if self.low > threshold:
            return False
        return None


class _Banded:
    def __init__(self, full: Full, setting: Setting, own: frozenset[int]) -> None:
        self.full, self.setting, self.own = full, setting, own
        totals = full.totals
        own_eligible = [s.eligible_pence for s in totals.members if s.organisation_id in own]
        self.money, self.homes = setting.money(own_eligible), setting.homes
        self.pledged = band_of(totals.pledged_pence, self.money, money_text)
        self.eligible = band_of(totals.eligible_pence, self.money, money_text)
        self.homes_covered = band_of(totals.homes_covered, self.homes, homes_text)

    # The figures as they are.

    def totals(self) -> HeadlineTotals:
        return self._totals(
            self.full.totals,
            _Span(self.pledged.low, self.pledged.high),
            _Span(self.eligible.low, self.eligible.high),
            _Span(self.homes_covered.low, self.homes_covered.high),
            texts=(self.pledged.text, self.eligible.text, self.homes_covered.text),
        )

    def _totals(
        self, totals: Totals, pledged: _Span, eligible: _Span, homes: _Span, texts: tuple[str, str, str] | None = None
    ) -> HeadlineTotals:
        terms = self.setting.terms
        capped_from = eligible.at_least(_cap_start(terms)) if terms.cap_pence is not None else False
        low_match = terms.match_for(eligible.low)[0]
        if eligible.high is None:
            match_text = money_text(low_match) + " or more"
            if terms.cap_pence is not None:
                match_text = f"{money_text(low_match)} to {format_pence(terms.cap_pence)} (the funder's cap)"
        else:
            high_match = terms.match_for(max(eligible.low, eligible.high - 1))[0]
            match_text = f"{money_text(low_match)} to {money_text(high_match)}"
        if capped_from:
            match_text = f"{format_pence(terms.cap_pence or 0)}: the funder's cap"
        pledged_text, eligible_text, homes_band = texts or (
            range_text(pledged.low, pledged.high, money_text),
            range_text(eligible.low, eligible.high, money_text),
            range_text(homes.low, homes.high, homes_text),
        )
        return HeadlineTotals(
            pledged_pence=None,
            eligible_pence=None,
            match_requested_pence=None,
            match_capped=bool(capped_from),
            members_by_status=totals.members_by_status,
            homes_covered=None,
            districts_covered=totals.districts_covered,
            regions_covered=totals.regions_covered,
            money_districts=totals.money_districts,
            money_regions=totals.money_regions,
            what_if=totals.what_if,
            figures=BANDS,
            pledged_band=pledged_text,
            eligible_band=eligible_text,
            match_requested_band=match_text,
            homes_band=homes_band,
        )

    def eligibility(self) -> MemberEligibility:
        result = _redacted(self.full.eligibility, self.own)
        eligible_homes = self._eligible_homes(self.full.totals, self.full.eligibility)
        spans = {
            "money": (_Span(self.eligible.low, self.eligible.high), self.eligible.text),
            "homes": (eligible_homes, band_of(eligible_homes.low, self.homes, homes_text).text),
        }
        rules, bands = [], {}
        for position, rule in enumerate(result.rules):
            shown, band = self._rule(rule, spans, rule.passed, self.full.eligibility.rules[position])
            rules.append(shown)
            if band is not None:
                bands[position] = band
        return _as_member(_reworded(result, rules, self.own), BANDS, bands, self.eligible.text)

    def _eligible_homes(self, totals: Totals, result: Eligibility) -> _Span:
        eligible = {m.organisation_id for m in result.members if m.passed}
        homes = sum(s.homes for s in totals.members if s.organisation_id in eligible)
        band = band_of(homes, self.homes, homes_text)
        return _Span(band.low, band.high)

    def _rule(
        self,
        rule: RuleResult,
        spans: dict[str, tuple[_Span, str]],
        passed: bool | None,
        full: RuleResult,
    ) -> tuple[RuleResult, str | None]:
        """``rule`` (already redacted) with its figures as ranges; ``passed`` None: the ranges cannot tell."""
        limit = self.setting.share_limit
        gap: str | None
        if rule.key in {"min_total", "max_total", "min_homes"}:
            text = spans["homes" if rule.key == "min_homes" else "money"][1]
            required = rule.required or 0
            unit = homes_text if rule.key == "min_homes" else format_pence
            if passed is None:
                gap = f"perhaps {'over' if rule.key == 'max_total' else 'under'} {unit(required)}: {CANNOT_TELL}"
            elif rule.key == "max_total":
                gap = f"above the maximum of {unit(required)}"
            else:
                gap = f"below the minimum of {unit(required)}"
            shown = msgspec.structs.replace(
                rule, passed=bool(passed), actual=None, actual_text=text, gap=None if passed else gap
            )
            return shown, text
        if rule.key == "max_member_share" and limit is not None:
            if passed is None:
                text = f"perhaps {SHARE_ABOVE.format(limit=limit)}"
                gap = f"a member may hold more than {limit}%: {CANNOT_TELL}"
            else:
                text = (SHARE_WITHIN if passed else SHARE_ABOVE).format(limit=limit)
                mine = [o for o in full.failing_organisation_ids if o in self.own]
                gap = rule.gap
                if mine and len(mine) == len(full.failing_organisation_ids):
                    gap = f"Your organisation holds more than {limit}% of the eligible total"
            shown = msgspec.structs.replace(
                rule, passed=bool(passed), actual=None, actual_text=text, gap=None if passed else gap
            )
            return shown, text
        return rule, None

    # "What if this member withdrew": from what the member sees, less the member's own figures.

    def what_if(self) -> tuple[HeadlineTotals | None, MemberEligibility | None]:
        full = self.full
        if full.without is None or (full.then_totals is None and full.then_eligibility is None):
            return None, None
        share = next((s for s in full.totals.members if s.organisation_id == full.without), None)
        joined = share is not None and share.member_status == "joined"
        own_pledged = share.pledged_pence if share is not None and joined else 0
        own_eligible = share.eligible_pence if share is not None else 0
        own_homes = share.homes if share is not None and joined else 0
        eligible = _Span(self.eligible.low, self.eligible.high).less(own_eligible, POUND)
        totals = None
        if full.then_totals is not None:
            totals = self._totals(
                full.then_totals,
                _Span(self.pledged.low, self.pledged.high).less(own_pledged, POUND),
                eligible,
                _Span(self.homes_covered.low, self.homes_covered.high).less(own_homes),
            )
        result = None
        if full.then_eligibility is not None:
            result = self._then_eligibility(full.then_eligibility, eligible, own_eligible)
        return totals, result

    def _then_eligibility(self, then: Eligibility, eligible: _Span, own_eligible: int) -> MemberEligibility:
        full = self.full
        was_eligible = own_eligible > 0 or any(
            m.organisation_id == full.without and m.passed for m in full.eligibility.members
        )
        own_homes = 0
        if was_eligible:
            own_homes = next((s.homes for s in full.totals.members if s.organisation_id == full.without), 0)
        homes = self._eligible_homes(full.totals, full.eligibility).less(own_homes)
        spans = {
            "money": (eligible, range_text(eligible.low, eligible.high, money_text)),
            "homes": (homes, range_text(homes.low, homes.high, homes_text)),
        }
        now = {r.key: r for r in full.eligibility.rules}
        others_eligible = sum(1 for m in full.eligibility.members if m.passed) - (1 if was_eligible else 0)
        redacted = _redacted(then, self.own)
        rules, bands = [], {}
        for position, rule in enumerate(redacted.rules):
            passed: bool | None = rule.passed
            if rule.key in {"min_total", "min_homes"}:
                passed = spans["homes" if rule.key == "min_homes" else "money"][0].at_least(rule.required or 0)
            elif rule.key == "max_total":
                passed = eligible.at_most(rule.required or 0)
            elif rule.key == "max_member_share":
                passed = self._share_then(now[rule.key], others_eligible, own_eligible)
            shown, band = self._rule(rule, spans, passed, then.rules[position])
            if passed is None:
                shown = msgspec.structs.replace(shown, failing_organisation_ids=[])
            rules.append(shown)
            if band is not None:
                bands[position] = band
        return _as_member(_reworded(redacted, rules, self.own), BANDS, bands, spans["money"][1])

    def _share_then(self, now: RuleResult, others_eligible: int, own_eligible: int) -> bool | None:
        """The largest member share rule as if the member withdrew, from what the member knows: unchanged when it
        had nothing eligible; still failed when another member is over the limit now (it then holds more of a
        smaller total); met with nobody left; failed with one member left holding everything."""
        if own_eligible == 0:
            return now.passed
        if any(o not in self.own and o != self.full.without for o in now.failing_organisation_ids):
            return False
        if others_eligible == 0:
            return True
        if others_eligible == 1 and (self.setting.share_limit or 100) < 100:
            return None if self.eligible.low - own_eligible <= 0 else False
        return None


def _cap_start(terms: MatchTerms) -> int:
    """The eligible total from which the funder's cap applies (eligible x funder // consortium > cap)."""
    if terms.cap_pence is None or terms.funder_part <= 0:
        return 0
    return -(-(terms.cap_pence + 1) * terms.consortium_part // terms.funder_part)
