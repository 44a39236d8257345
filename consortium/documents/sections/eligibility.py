"""The eligibility statement (``templates/bid/eligibility.html``): the verdict, every rule with its figure and
verdict, and the members who do not meet a membership rule."""

from __future__ import annotations

from dataclasses import dataclass

from consortium.analysis.results import RuleResult
from consortium.documents.sections.facts import Facts
from consortium.words import count_text, join_names, money_text

FAILING_NAMES_SHOWN = 20  # members named per rule; the rest are counted


@dataclass(frozen=True)
class RuleRow:
    description: str
    figure: str
    requirement: str
    verdict: str  # "Met" | "Not met"
    passed: bool
    gap: str
    failing: str  # organisations failing it, in words


@dataclass(frozen=True)
class EligibilityContext:
    eligible: bool
    verdict: str
    rules_met: str  # the rules in a few sentences (also a paragraph of the summary)
    consortium_rules: tuple[RuleRow, ...]
    member_rules: tuple[RuleRow, ...]
    excluded_summary: str  # one sentence ("" when every joined member meets the rules); the table is in the match


def _rule_row(rule: RuleResult, facts: Facts) -> RuleRow:
    failing = [facts.name_of(o) for o in rule.failing_organisation_ids]
    return RuleRow(
        description=rule.description,
        figure=rule.actual_text,
        requirement=rule.required_text,
        verdict="Met" if rule.passed else "Not met",
        passed=rule.passed,
        gap=rule.gap or "",
        failing=join_names(failing, limit=FAILING_NAMES_SHOWN) if failing else "",
    )


def rules_sentence(facts: Facts) -> str:
    """How the bid stands against its rules, in a few sentences."""
    rules = facts.snapshot.eligibility.rules
    consortium = [r for r in rules if r.scope == "consortium"]
    consortium_failed = [r for r in consortium if not r.passed]
    member_failed = [r for r in rules if r.scope == "member" and not r.passed]
    sentences = []
    if not rules:
        sentences.append("The funding call sets no eligibility rules for this bid.")
    if consortium and not consortium_failed:
        sentences.append(
            "The consortium meets the funding call's rule for the consortium as a whole."
            if len(consortium) == 1
            else f"The consortium meets all {len(consortium):,} of the funding call's rules for the consortium as a "
            "whole."
        )
    elif consortium:
        gaps = [f"{r.description} ({r.gap or r.actual_text})" for r in consortium_failed]
        sentences.append(
            f"The consortium meets {len(consortium) - len(consortium_failed):,} of the funding call's "
            f"{count_text(len(consortium), 'rule')} for the consortium as a whole; still to resolve: "
            f"{join_names(gaps, limit=6)}."
        )
    if member_failed or facts.excluded:
        how_many = count_text(len(facts.excluded), "does", "do")
        verb = "is" if len(facts.excluded) == 1 else "are"
        sentences.append(
            f"Of the {facts.joined:,} members, {how_many} not yet meet every rule for individual members and {verb} "
            "left out of the eligible total; the match calculation lists them with the reasons."
        )
    elif any(r.scope == "member" for r in rules):
        sentences.append("Every member meets the funding call's rules for individual members.")
    return " ".join(sentences)


def build(facts: Facts) -> EligibilityContext:
    eligibility = facts.snapshot.eligibility
    excluded = facts.excluded
    pledged = money_text(sum(r.pledged_pence for r in excluded))
    if not excluded:
        excluded_summary = ""
    elif len(excluded) == 1:
        excluded_summary = f"1 member who has joined does not meet every membership rule; its pledges total {pledged}."
    else:
        excluded_summary = (
            f"{len(excluded):,} members who have joined do not meet every membership rule; their pledges total "
            f"{pledged}."
        )
    return EligibilityContext(
        eligible=eligibility.eligible,
        verdict=eligibility.verdict,
        rules_met=rules_sentence(facts),
        consortium_rules=tuple(_rule_row(r, facts) for r in eligibility.rules if r.scope == "consortium"),
        member_rules=tuple(_rule_row(r, facts) for r in eligibility.rules if r.scope == "member"),
        excluded_summary=excluded_summary,
    )
