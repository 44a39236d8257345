"""What the bid pages show, gathered from the services and shaped for the templates (no queries of its own).

The dashboard's live parts are rendered to HTML here too, with a short hash of that HTML: HTMX polls with the
hash it has, and gets 204 (nothing to swap) until something changes, so screen readers and slow connections are
not disturbed every few seconds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from markupsafe import Markup

from consortium.accounts.principal import Principal
from consortium.analysis import measures
from consortium.analysis.results import AmountRow, Eligibility, MemberResult, RuleResult, Totals
from consortium.bids import figures, schemas
from consortium.documents.charts import Bar, bar_chart_svg
from consortium.documents.hexmap import hex_map_svg, map_scope
from consortium.documents.snapshot import SnapshotRule
from consortium.errors import ServiceError
from consortium.web.pages.rendering import svg
from consortium.words import count_text, money_column


@dataclass(frozen=True)
class MemberRow:
    organisation_id: int
    name: str
    org_type: str
    status: str
    pledged_pence: int
    eligible_pence: int
    pledged: str  # the amounts as their table column shows them (pence on all rows or none)
    eligible: str
    pledged_share: str  # "23% of the pledged total" (measures.SHARE_OF_PLEDGED); "" when nothing is pledged
    eligible_share: str  # "26% of the eligible total" (measures.SHARE_OF_ELIGIBLE), as the share rule reads it
    passed: bool
    failures: list[str]


@dataclass(frozen=True)
class AmountLine:
    name: str
    amount: str  # as its table column shows it
    members: int


@dataclass(frozen=True)
class RuleChange:
    description: str
    now: RuleResult
    then: RuleResult

    @property
    def changed(self) -> bool:
        """The verdict changes, or a consortium figure does (a member rule's head count always would)."""
        if self.now.passed != self.then.passed:
            return True
        return self.now.scope == "consortium" and self.now.actual_text != self.then.actual_text


@dataclass(frozen=True)
class WhatIf:
    organisation_id: int
    name: str
    eligibility: Eligibility
    changes: list[RuleChange]
    now_eligible: bool


@dataclass
class Dashboard:
    bid: schemas.Bid
    totals: Totals
    eligibility: Eligibility
    members: list[MemberRow] = field(default_factory=list)
    what_if: WhatIf | None = None

    @property
    def failing_rules(self) -> list[RuleResult]:
        return [r for r in self.eligibility.rules if not r.passed]

    @property
    def joined_members(self) -> list[MemberRow]:
        return [m for m in self.members if m.status == "joined"]

    @property
    def money_map(self) -> Markup:
        return money_map(self.totals, scope=bid_scope(self.bid))

    @property
    def region_bars(self) -> Markup:
        return region_bars(self.totals)

    @property
    def regions(self) -> list[AmountLine]:
        return amount_lines(self.totals.by_region)


def bid_scope(bid: schemas.Bid) -> tuple[str, ...] | None:
    """The areas the bid's map shows (its "allowed areas" rule), as the bid document's map shows them."""
    return map_scope(
        SnapshotRule(key=r.key, scope=r.scope, description=r.description, params=r.params) for r in bid.rules
    )


def share_limit(bid: schemas.Bid) -> int | None:
    """The largest member share rule's limit, in whole percent, if the bid sets one."""
    for rule in bid.rules:
        if rule.key == "max_member_share" and isinstance(rule.params.get("percent"), int):
            return int(rule.params["percent"])
    return None


def member_rows(totals: Totals, eligibility: Eligibility, limit_percent: int | None = None) -> list[MemberRow]:
    """The member table: each member's pledged and eligible amounts with its share of each total, written as the
    largest member share rule writes its figure (``limit_percent``), so the largest member's share reads the same
    in its row and in the rule."""
    results: dict[int, MemberResult] = {m.organisation_id: m for m in eligibility.members}
    pledged = money_column([s.pledged_pence for s in totals.members])
    eligible = money_column([s.eligible_pence for s in totals.members])
    rows = []
    for share, pledged_text, eligible_text in zip(totals.members, pledged, eligible, strict=True):
        result = results.get(share.organisation_id)
        joined = share.member_status == "joined"
        rows.append(
            MemberRow(
                organisation_id=share.organisation_id,
                name=share.name,
                org_type=share.org_type,
                status=share.member_status,
                pledged_pence=share.pledged_pence,
                eligible_pence=share.eligible_pence,
                pledged=pledged_text,
                eligible=eligible_text,
                pledged_share=measures.labelled_share(
                    measures.SHARE_OF_PLEDGED, share.pledged_pence, totals.pledged_pence
                )
                if joined and share.pledged_pence
                else "",
                eligible_share=measures.labelled_share(
                    measures.SHARE_OF_ELIGIBLE, share.eligible_pence, totals.eligible_pence, limit_percent
                )
                if share.eligible_pence
                else "",
                passed=bool(result and result.passed),
                failures=[f.message for f in result.failures] if result else [],
            )
        )
    rows.sort(key=lambda r: (r.name.casefold(), r.organisation_id))
    return rows


def amount_lines(rows: list[AmountRow]) -> list[AmountLine]:
    """A table of amounts (money by region ...): one money column."""
    amounts = money_column([r.amount_pence for r in rows])
    return [AmountLine(r.name, amount, r.members) for r, amount in zip(rows, amounts, strict=True)]


def what_if(now: Eligibility, then: Eligibility, organisation_id: int, name: str) -> WhatIf:
    by_key = {r.key: r for r in then.rules}
    changes = [RuleChange(r.description, r, by_key[r.key]) for r in now.rules if r.key in by_key]
    return WhatIf(organisation_id, name, then, changes, now.eligible)


async def dashboard(principal: Principal, bid: schemas.Bid, without: int | None = None) -> Dashboard:
    """The convenor's dashboard: one read of the bid's data for the totals, eligibility and any "what if"."""
    try:
        found = await figures.dashboard_figures(principal, bid.id, without)
    except ServiceError:
        if without is None:
            raise
        found = await figures.dashboard_figures(principal, bid.id)  # not a member (any more): no comparison
    totals = found.totals
    assert isinstance(totals, Totals)  # a convenor sees the full totals
    assert isinstance(found.eligibility, Eligibility) and not isinstance(found.without, figures.MemberEligibility)
    view = Dashboard(bid=bid, totals=totals, eligibility=found.eligibility)
    view.members = member_rows(totals, found.eligibility, share_limit(bid))
    if without is not None and found.without is not None:
        names = {m.organisation_id: m.name for m in view.members}
        view.what_if = what_if(found.eligibility, found.without, without, names.get(without, "This member"))
    return view


# --- pictures -------------------------------------------------------------------------------------------------------


def money_map(totals: Totals, id_prefix: str = "money-map", scope: tuple[str, ...] | None = None) -> Markup:
    values = {row.key: row.amount_pence for row in totals.by_district}
    return svg(
        hex_map_svg(
            values,
            title=f"Map of pledged money by district. {measures.MONEY_DISTRICTS.label}: {totals.money_districts:,}",
            description="Each hexagon is a local authority district, shaded by the pledged money allocated to it.",
            legend_title="Money allocated",
            id_prefix=id_prefix,
            scope=scope,
        )
    )


def region_bars(totals: Totals, id_prefix: str = "region-bars") -> Markup:
    rows = sorted(totals.by_region, key=lambda r: (-r.amount_pence, r.name))
    amounts = money_column([r.amount_pence for r in rows])
    bars = [Bar(label=r.name, value=r.amount_pence, value_text=text) for r, text in zip(rows, amounts, strict=True)]
    return svg(
        bar_chart_svg(
            bars,
            title="Money by region",
            description="; ".join(f"{r.name}: {text}" for r, text in zip(rows, amounts, strict=True)) or "No money yet",
            id_prefix=id_prefix,
        )
    )


def coverage_map(homes: dict[str, int | None], id_prefix: str = "coverage-map") -> Markup:
    """A member's own districts, shaded by the homes it manages in each; a district whose homes are not given is
    drawn in a colour of its own ("Homes not given"), never as a small number of homes."""
    values = {code: count for code, count in homes.items() if count}
    return svg(
        hex_map_svg(
            values,
            title=f"Map of your organisation's {count_text(len(homes), 'district')}",
            description="Each hexagon is a local authority district; yours are shaded by the homes you manage there.",
            legend_title="Homes you manage",
            id_prefix=id_prefix,
            format_value=lambda value: count_text(value, "home"),
            empty_label="Not one of yours",
            unit=1,
            unknown=[code for code, count in homes.items() if not count],
            unknown_label="Homes not given",
        )
    )


# --- live regions ---------------------------------------------------------------------------------------------------


def render_string(request: Request[Any, Any, Any], template: str, context: dict[str, Any]) -> str:
    engine = request.app.template_engine
    assert engine is not None
    return str(engine.get_template(template).render(**context))


def fingerprint(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()[:16]
