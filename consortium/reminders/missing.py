"""What each member of a bid must still do, in the dashboard's words, and how to do it.

The dashboard states a member's problems through the eligibility analysis (``MemberResult.failures``: "Has not
joined the bid yet", "Pledge is £5,000; the minimum is £10,000 (£5,000 short)"...). A reminder says exactly those
words, then what to do about each; the only things it adds are those the dashboard does not list as a problem of
their own (no pledge at all while no rule asks for one, and drafts not submitted). Every line is about the one
member it goes to: its own status, its own pledges, its own rule failures; never another member's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consortium.analysis.eligibility import _MEMBERSHIP_FAILURES, MEMBERSHIP, evaluate
from consortium.analysis.frames import MatchTerms
from consortium.analysis.results import MemberResult
from consortium.analysis.rules import Rule, describe, kind_of
from consortium.bids.figures import load_frames
from consortium.bids.services import rules_from_stored
from consortium.words import count_text

# The dashboard's words for a member with nothing submitted (the minimum pledge rule's, analysis.rules): a test
# keeps the two the same.
NO_PLEDGE = "No pledge submitted yet"
NOT_JOINED = _MEMBERSHIP_FAILURES["invited"]  # "Has not joined the bid yet", as the dashboard says it

# How to put right each member rule that fails, by the rule's key.
RULE_FIXES: dict[str, str] = {
    "min_pledge": "Raise your pledge to at least the minimum on the bid's page.",
    "max_pledge": "Lower your pledge to no more than the maximum on the bid's page.",
    "allowed_org_types": (
        "If your organisation's type is wrong, correct it on your organisation's page; if it is right, reply to this "
        "email to talk to the convenor."
    ),
    "board_approval_required": "Once your board has approved a pledge, mark it as board approved on the bid's page.",
    "allowed_areas": (
        "Name districts inside the bid's areas on your pledge, or add the districts where you have homes on your "
        "organisation's page."
    ),
    "identifier_required": "Add your organisation's identifier (such as GB-CHC-1234567) on your organisation's page.",
}
JOIN_FIX = (
    "Join from the link in your invitation email. If the link has expired or you cannot find it, reply to this email "
    "and the convenor will send a new one."
)
PLEDGE_FIX = "Make your pledge and submit it on the bid's page."
DRAFT_FIX = "Open it on the bid's page and submit it: a draft does not count towards the bid."


@dataclass(frozen=True)
class Missing:
    """One thing left to do: what is wrong, in the dashboard's words, and how to put it right."""

    key: str  # "membership", "no_pledge", "draft", or the failing rule's key
    what: str
    fix: str


@dataclass(frozen=True)
class Outstanding:
    """A member with something left to do: a joined organisation, or an invitation nobody has accepted yet."""

    name: str  # the organisation's name, or the address invited
    organisation_id: int | None
    invitation_id: int | None
    since: datetime  # when it joined, or when its invitation was last sent
    missing: tuple[Missing, ...]


def not_joined() -> tuple[Missing, ...]:
    return (Missing(MEMBERSHIP, NOT_JOINED, JOIN_FIX),)


def rule_words(rules: Sequence[Rule]) -> dict[str, str]:
    """Each rule's description by its key ("min_pledge": "Each member pledges at least £10,000")."""
    return {kind_of(rule).key: describe(rule) for rule in rules}


def missing_for(result: MemberResult, described: Mapping[str, str], submitted: int, drafts: int) -> tuple[Missing, ...]:
    """What ``result``'s member must still do: its membership, its pledges (``submitted`` and ``drafts``: how many
    of each it has), then every member rule it fails (``described``: each rule's description by its key)."""
    if result.member_status not in {"joined", "invited"}:
        return ()  # withdrawn: nothing to chase
    found: list[Missing] = []
    if result.member_status == "invited":
        found.extend(not_joined())
    if drafts:
        what = f"{count_text(drafts, 'draft pledge')} not submitted yet"
        found.append(Missing("draft", what, DRAFT_FIX))
    elif not submitted:
        found.append(Missing("no_pledge", NO_PLEDGE, PLEDGE_FIX))
    for failure in result.failures:
        if failure.key == MEMBERSHIP or (failure.key == "min_pledge" and not submitted):
            continue  # said above, in the same words
        fix = RULE_FIXES.get(failure.key, "Reply to this email to ask the convenor what to change.")
        rule = described.get(failure.key)
        found.append(Missing(failure.key, failure.message, f"{fix} The rule: {rule}." if rule else fix))
    return tuple(found)


async def member_results(
    bid_id: int, stored_rules: Sequence[dict[str, Any]], terms: MatchTerms
) -> tuple[dict[str, str], list[MemberResult]]:
    """Every member of the bid judged as the dashboard judges it, and the rules' descriptions by key."""
    rules = rules_from_stored(stored_rules)
    eligibility = evaluate(await load_frames(bid_id), rules, terms)
    return rule_words(rules), list(eligibility.members)
