"""Themes and types of organisation (``templates/bid/themes.html``): the pledged money by theme and by type."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from consortium.analysis.results import AmountRow
from consortium.documents.charts import ACCENT, Bar, bar_chart_svg, truncate
from consortium.documents.sections.coverage import AmountLine, amount_lines
from consortium.documents.sections.facts import Facts
from consortium.words import money_column


@dataclass(frozen=True)
class ThemesContext:
    theme_chart_svg: Markup
    themes: tuple[AmountLine, ...]
    org_type_chart_svg: Markup
    org_types: tuple[AmountLine, ...]


def _chart(rows: list[AmountRow], what: str, id_prefix: str, colour: str = ACCENT) -> Markup:
    amounts = money_column([r.amount_pence for r in rows])
    bars = [Bar(r.name, r.amount_pence, text) for r, text in zip(rows, amounts, strict=True)]
    svg = bar_chart_svg(
        bars,
        title=f"Bar chart of money by {what}: "
        + "; ".join(f"{truncate(r.name, 60)} {text}" for r, text in zip(rows[:10], amounts, strict=False)),
        description="Horizontal bars, largest first. The table beside the chart gives the same figures.",
        id_prefix=id_prefix,
        colour=colour,
    )
    return Markup(svg)  # noqa: S704 - built by our code, every text escaped


def build(facts: Facts) -> ThemesContext:
    totals = facts.snapshot.totals
    return ThemesContext(
        theme_chart_svg=_chart(totals.by_theme, "theme", "chart-themes"),
        themes=amount_lines(totals.by_theme, sum(r.amount_pence for r in totals.by_theme)),
        org_type_chart_svg=_chart(totals.by_org_type, "type of organisation", "chart-org-types", "#2f6f8f"),
        org_types=amount_lines(totals.by_org_type, sum(r.amount_pence for r in totals.by_org_type)),
    )
