"""The executive summary (``templates/bid/summary.html``): the verdict, the bid in a few paragraphs, and the
headline figures again as a table."""

from __future__ import annotations

from dataclasses import dataclass

from consortium.analysis import measures
from consortium.documents.sections.eligibility import rules_sentence
from consortium.documents.sections.facts import Facts, Figure, headline, regions_of_uk
from consortium.reference.districts import REGIONS
from consortium.words import count_text, join_names, money_text, percent_text, ratio_text


@dataclass(frozen=True)
class SummaryContext:
    eligible: bool
    verdict: str
    paragraphs: tuple[str, ...]
    glance: tuple[Figure, ...]  # the cover's headline figures
    themes: str  # the funding call's themes, "" when it names none


def build(facts: Facts) -> SummaryContext:
    snapshot = facts.snapshot
    bid, totals = snapshot.bid, snapshot.totals
    invited = f" (and has invited {facts.invited:,} more)" if facts.invited else ""
    where_members_work = (
        f"{count_text(totals.districts_covered, 'local authority district')} {regions_of_uk(totals.regions_covered)}"
    )
    paragraphs = [
        f"{bid.network_name} brings together {count_text(facts.joined, 'organisation')}{invited} in one bid to "
        f"{bid.programme} ({bid.funder_name}). Together our members manage {measures.HOMES.text(totals.homes_covered)} "
        f"and work in {where_members_work}.",
        _pledges(facts),
        _match(facts),
        rules_sentence(facts),
    ]
    money = _where_the_money_goes(facts)
    if money:
        paragraphs.append(money)
    top_themes = [t for t in totals.by_theme if t.amount_pence > 0][:3]
    if top_themes:
        paragraphs.append(
            "By theme, the largest commitments are to "
            + join_names([f"{t.name} ({money_text(t.amount_pence)})" for t in top_themes])
            + "."
        )
    return SummaryContext(
        eligible=snapshot.eligibility.eligible,
        verdict=snapshot.eligibility.verdict,
        paragraphs=tuple(p for p in paragraphs if p),
        glance=headline(facts),
        themes=", ".join(bid.themes),
    )


def _pledges(facts: Facts) -> str:
    totals = facts.snapshot.totals
    text = f"Members have pledged {money_text(totals.pledged_pence)} of their own money."
    if facts.excluded:
        return text + (
            f" Of the {facts.joined:,} members, {facts.eligible_members:,} meet every membership rule, so "
            f"{money_text(totals.eligible_pence)} counts towards the match; the {money_text(facts.excluded_pence)} "
            f"pledged by the other {count_text(len(facts.excluded), 'member')} is set aside until they do."
        )
    return text + " Every member meets the membership rules, so all of it counts towards the match."


def _match(facts: Facts) -> str:
    bid, totals = facts.snapshot.bid, facts.snapshot.totals
    text = (
        f"The funder gives {ratio_text(bid.match_funder_part, bid.match_consortium_part)}. On "
        f"{money_text(totals.eligible_pence)} that comes to {money_text(facts.uncapped_match_pence)}"
    )
    if totals.match_capped and bid.match_cap_pence is not None:
        text += f", more than the programme's cap of {money_text(bid.match_cap_pence)}, so we request the cap."
    else:
        text += ", which we request in full."
    return text + f" With the match, the programme is worth {money_text(facts.programme_value_pence)}."


def _where_the_money_goes(facts: Facts) -> str:
    """Where the money goes (allocation), counted as the cover and the coverage section count it."""
    totals = facts.snapshot.totals
    top = [r for r in totals.by_region if r.key in REGIONS and r.amount_pence > 0][:3]
    if not top:
        return ""
    allocated = sum(r.amount_pence for r in totals.by_region)
    where = [f"{r.name} ({money_text(r.amount_pence)}, {percent_text(r.amount_pence, allocated)})" for r in top]
    text = (
        f"The money reaches {count_text(facts.money_districts, 'district')} {regions_of_uk(facts.money_regions)}. "
        f"The most goes to {join_names(where)}."
    )
    if totals.overlap:
        text += (
            f" More than one member works in {count_text(len(totals.overlap), 'district')}; members there will "
            "coordinate so that the money reaches more homes rather than the same ones twice."
        )
    return text
