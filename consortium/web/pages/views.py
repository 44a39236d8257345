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
from consortium.analysis.results import Eligibility, MemberResult, RuleResult, Totals
from consortium.bids import figures, schemas
from consortium.documents.charts import Bar, bar_chart_svg
from consortium.documents.hexmap import hex_map_svg
from consortium.errors import ServiceError
from consortium.money import format_pence
from consortium.web.pages.rendering import svg


@dataclass(frozen=True)
class MemberRow:
    organisation_id: int
    name: str
    org_type: str
    status: str
    pledged_pence: int
    eligible_pence: int
    share_text: str
    passed: bool
    failures: list[str]


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
        return money_map(self.totals)

    @property
    def region_bars(self) -> Markup:
        return region_bars(self.totals)


def member_rows(totals: Totals, eligibility: Eligibility) -> list[MemberRow]:
    results: dict[int, MemberResult] = {m.organisation_id: m for m in eligibility.members}
    rows = []
    for share in totals.members:
        result = results.get(share.organisation_id)
        rows.append(
            MemberRow(
                organisation_id=share.organisation_id,
                name=share.name,
                org_type=share.org_type,
                status=share.member_status,
                pledged_pence=share.pledged_pence,
                eligible_pence=share.eligible_pence,
                share_text=f"{share.share_basis_points / 100:.1f}%" if share.pledged_pence else "",
                passed=bool(result and result.passed),
                failures=[f.message for f in result.failures] if result else [],
            )
        )
    rows.sort(key=lambda r: (r.name.casefold(), r.organisation_id))
    return rows


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
    view = Dashboard(bid=bid, totals=totals, eligibility=found.eligibility)
    view.members = member_rows(totals, found.eligibility)
    if without is not None and found.without is not None:
        names = {m.organisation_id: m.name for m in view.members}
        view.what_if = what_if(found.eligibility, found.without, without, names.get(without, "This member"))
    return view


# --- pictures -------------------------------------------------------------------------------------------------------


def money_map(totals: Totals, id_prefix: str = "money-map") -> Markup:
    values = {row.key: row.amount_pence for row in totals.by_district}
    reached = len([v for v in values.values() if v > 0])
    return svg(
        hex_map_svg(
            values,
            title=f"Map of pledged money by district: {reached} of the UK's districts receive money",
            description="Each hexagon is a local authority district, shaded by the pledged money allocated to it.",
            legend_title="Money allocated",
            id_prefix=id_prefix,
        )
    )


def region_bars(totals: Totals, id_prefix: str = "region-bars") -> Markup:
    rows = sorted(totals.by_region, key=lambda r: (-r.amount_pence, r.name))
    bars = [Bar(label=r.name, value=r.amount_pence) for r in rows]
    return svg(
        bar_chart_svg(
            bars,
            title="Money by region",
            description="; ".join(f"{r.name}: {format_pence(r.amount_pence)}" for r in rows) or "No money yet",
            id_prefix=id_prefix,
        )
    )


def coverage_map(homes: dict[str, int | None], id_prefix: str = "coverage-map") -> Markup:
    """A member's own districts, shaded by the homes it manages in each (covered but not counted: lightest)."""
    values = {code: (count if count else 1) for code, count in homes.items()}

    def homes_text(value: int) -> str:
        return "homes not given" if value == 1 else f"{value:,} homes"

    return svg(
        hex_map_svg(
            values,
            title=f"Map of your organisation's {len(homes)} district{'s' if len(homes) != 1 else ''}",
            description="Each hexagon is a local authority district; yours are shaded by the homes you manage there.",
            legend_title="Homes you manage",
            id_prefix=id_prefix,
            format_value=homes_text,
            empty_label="Not one of yours",
        )
    )


# --- live regions ---------------------------------------------------------------------------------------------------


def render_string(request: Request[Any, Any, Any], template: str, context: dict[str, Any]) -> str:
    engine = request.app.template_engine
    assert engine is not None
    return str(engine.get_template(template).render(**context))


def fingerprint(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()[:16]
