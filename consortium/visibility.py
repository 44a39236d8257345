"""Who sees what of a bid, written down once as data.

This module is the visibility policy itself, not code that enforces it: the services enforce it, the README's table
"Who sees what" is generated from it (``readme_table``), and tests/security/test_visibility_matrix.py derives from it
what each caller must never find in any answer, page, fragment, CSV, PDF or PDF attachment.

Audiences are relative to the data. For data belonging to one member organisation (its pledges, its profile), the
"member" is that organisation's people and "other members" are the people of the bid's other organisations. For the
bid's own data (its figures, its member list), "member" and "other members" are the same people: any joined member.

Reads are the same at every stage of a bid (open, locked, submitted); what changes with the stage is who may write,
which the ``CHANGES`` rows say.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Audience(StrEnum):
    MEMBER = "member"  # the people of the organisation the data belongs to (for bid data: any joined member)
    OTHER_MEMBERS = "other_members"  # the people of the bid's other member organisations
    CONVENOR = "convenor"  # the convenors of the bid's network
    FUNDER = "funder"  # whoever holds a live share link to one document version (no account)
    WITHDRAWN_MEMBER = "withdrawn_member"  # an organisation that has left the bid
    PENDING_MEMBER = "pending_member"  # joined through someone else's invitation, awaiting the convenor's approval
    EVERYONE_ELSE = "everyone_else"  # other networks' members and convenors, strangers, dead share links


class Stage(StrEnum):
    OPEN = "open"  # members write
    LOCKED = "locked"  # no member writes; the figures use each member's profile and coverage frozen at the lock
    SUBMITTED = "submitted"  # as locked, and the convenor can no longer change the terms or rules


class Sight(StrEnum):
    YES = "yes"
    OWN = "its own only"
    STATUS = "only that it exists (no figures, no text)"
    DOCUMENT = "only in a document, as submitted when the document was made"
    # The bid's convenor chooses per bid (Bid.member_figures, consortium.bids.privacy): "bands", the default.
    BANDS = "pass or fail and ranges, unless the convenor shows figures"
    # Only where the convenor shows members figures: the document version they are asked to sign off lists every
    # member, as the funder will read it (consortium.signoffs.services.member_pdf).
    SIGN_OFF_DOCUMENT = "only in a document version they are asked to sign off, if the convenor shows them figures"
    NO = "no"


class Subject(StrEnum):
    DRAFT_PLEDGE = "draft_pledge"
    SUBMITTED_PLEDGE = "submitted_pledge"
    WITHDRAWN_SUBMITTED_PLEDGE = "withdrawn_submitted_pledge"
    PROFILE = "profile"
    MEMBERSHIP_STATUS = "membership_status"
    MEMBER_LIST = "member_list"
    HEADLINE_FIGURES = "headline_figures"
    RULE_VERDICTS = "rule_verdicts"
    RULE_FAILURES = "rule_failures"
    SHARE_FIGURES = "share_figures"
    CONVENOR_RECORDS = "convenor_records"
    SIGN_OFFS = "sign_offs"


AUDIENCES = tuple(Audience)
STAGES = tuple(Stage)


@dataclass(frozen=True)
class Row:
    subject: Subject
    what: str  # the README's words for the data
    sight: dict[Audience, Sight]


def _row(subject: Subject, what: str, *cells: Sight) -> Row:
    return Row(subject, what, dict(zip(AUDIENCES, cells, strict=True)))


Y, OWN, STATUS, DOC, N = Sight.YES, Sight.OWN, Sight.STATUS, Sight.DOCUMENT, Sight.NO
BANDS, SIGNED = Sight.BANDS, Sight.SIGN_OFF_DOCUMENT

# fmt: off
# One row per kind of data; the cells follow AUDIENCES:
#   member  other members  convenor  funder  withdrawn member  pending member  everyone else
READS: tuple[Row, ...] = (
    _row(
        Subject.DRAFT_PLEDGE,
        "A draft pledge (amount, purpose, conditions, themes, areas; also one withdrawn before it was ever submitted)",
        Y, N, STATUS, N, OWN, N, N,
    ),
    _row(Subject.SUBMITTED_PLEDGE, "A submitted pledge", Y, SIGNED, Y, DOC, OWN, N, N),
    _row(
        Subject.WITHDRAWN_SUBMITTED_PLEDGE,
        "A pledge withdrawn after it was submitted (marked withdrawn, not counted, in no document)",
        Y, N, Y, N, OWN, N, N,
    ),
    _row(Subject.PROFILE, "A member's name, profile and coverage", Y, SIGNED, Y, DOC, OWN, OWN, N),
    _row(
        Subject.MEMBERSHIP_STATUS,
        "A member's place in the bid (joined, pending, withdrawn)",
        Y, N, Y, N, OWN, OWN, N,
    ),
    _row(Subject.MEMBER_LIST, "The bid's member list (API and pages)", OWN, SIGNED, Y, DOC, N, N, N),
    _row(
        Subject.HEADLINE_FIGURES,
        "The bid's headline figures: pledged by members, eligible pledges, match requested, members by status, "
        "homes, the districts and regions where members work and those the money reaches (members: money and homes "
        "as ranges, such as £1,000,000 to £2,500,000, unless the bid's convenor chooses to show them figures)",
        BANDS, BANDS, Y, DOC, N, N, N,
    ),
    _row(
        Subject.RULE_VERDICTS,
        "Every rule's verdict and threshold, and the figure it measures (members: a range, never an exact total, gap "
        "or share, unless the bid's convenor chooses to show them figures)",
        BANDS, BANDS, Y, DOC, N, N, N,
    ),
    _row(Subject.RULE_FAILURES, "Which members fail a rule, and why", OWN, SIGNED, Y, DOC, N, N, N),
    _row(
        Subject.SHARE_FIGURES,
        "A member's share of the pledged total or of the eligible total, or any figure from which its amount "
        "follows (the largest member share rule's actual and gap)",
        Y, SIGNED, Y, DOC, N, N, N,
    ),
    _row(
        Subject.CONVENOR_RECORDS,
        "Invitations, document versions, share links and their downloads, the pledges CSV",
        N, N, Y, N, N, N, N,
    ),
    _row(
        Subject.SIGN_OFFS,
        "A member's sign-off of a document version: who signed it off, when, or why it declined (the funder: who "
        "signed off the version they hold)",
        Y, N, Y, DOC, N, N, N,
    ),
)
# fmt: on

READ_BY_SUBJECT = {row.subject: row for row in READS}


def sight(subject: Subject, audience: Audience, stage: Stage = Stage.OPEN) -> Sight:
    """What ``audience`` may see of ``subject`` at ``stage`` (reads are the same at every stage)."""
    del stage  # kept in the signature: the policy is per stage, and at present every stage reads alike
    return READ_BY_SUBJECT[subject].sight[audience]


def in_documents(subject: Subject) -> bool:
    """Whether a bid document (its PDF, snapshot.json and pledges.csv) may hold this kind of data: only what the
    funder sees through a document."""
    return READ_BY_SUBJECT[subject].sight[Audience.FUNDER] is Sight.DOCUMENT


@dataclass(frozen=True)
class Change:
    what: str
    who: Audience
    stages: frozenset[Stage]
    note: str = ""
    # Who within ``who`` may (their roles, ``consortium.teams.roles``): "" for every one of them.
    roles: str = ""


EDITORS_AND_SIGNATORIES = "editors and signatories"
CHANGES: tuple[Change, ...] = (
    Change(
        "Make, change, submit or withdraw pledges",
        Audience.MEMBER,
        frozenset({Stage.OPEN}),
        roles=EDITORS_AND_SIGNATORIES,
    ),
    Change(
        "Confirm board approval of a pledge",
        Audience.MEMBER,
        frozenset({Stage.OPEN}),
        "setting it or clearing it; an editor saves a pledge only with its approval as it was",
        roles="signatories only",
    ),
    Change(
        "Withdraw an organisation from the bid",
        Audience.MEMBER,
        frozenset({Stage.OPEN}),
        "its own; the convenor may withdraw any member while the bid is open",
        roles=EDITORS_AND_SIGNATORIES,
    ),
    Change(
        "Edit its organisation's profile and coverage",
        Audience.MEMBER,
        frozenset(STAGES),
        "a locked or submitted bid keeps the copy frozen when it locked",
        roles=EDITORS_AND_SIGNATORIES,
    ),
    Change(
        "Invite, change or remove colleagues",
        Audience.MEMBER,
        frozenset(STAGES),
        "only a signatory makes another signatory; an organisation always keeps one",
        roles=EDITORS_AND_SIGNATORIES,
    ),
    Change("Change the bid's terms and rules", Audience.CONVENOR, frozenset({Stage.OPEN, Stage.LOCKED})),
    Change("Approve or refuse a pending organisation", Audience.CONVENOR, frozenset({Stage.OPEN})),
    Change(
        "Invite or remove co-convenors",
        Audience.CONVENOR,
        frozenset(STAGES),
        "a network always keeps one",
        roles="convenors",
    ),
)


def may_change(what: str, audience: Audience, stage: Stage) -> bool:
    return any(c.what == what and c.who is audience and stage in c.stages for c in CHANGES)


AUDIENCE_HEADINGS = {
    Audience.MEMBER: "the member",
    Audience.OTHER_MEMBERS: "other members",
    Audience.CONVENOR: "convenor",
    Audience.FUNDER: "funder (share link)",
    Audience.WITHDRAWN_MEMBER: "withdrawn member",
    Audience.PENDING_MEMBER: "pending member",
    Audience.EVERYONE_ELSE: "everyone else",
}
_SHORT = {
    Sight.YES: "yes",
    Sight.OWN: "its own only",
    Sight.STATUS: "that it has one (no figures, no text)",
    Sight.DOCUMENT: "in a document",
    Sight.BANDS: "pass or fail and ranges, unless the convenor shows figures",
    Sight.SIGN_OFF_DOCUMENT: "only in a version to sign off, if the convenor shows figures",
    Sight.NO: "no",
}


def _stages_text(stages: frozenset[Stage]) -> str:
    if stages == frozenset(STAGES):
        return "at every stage"
    return " and ".join(s.value for s in STAGES if s in stages) + " only"


def readme_table() -> str:
    """The README's table, in Markdown: reads (the same at every stage), then changes by stage."""
    lines = [
        "| what (at every stage: open, locked, submitted) | " + " | ".join(AUDIENCE_HEADINGS.values()) + " |",
        "| --- |" + " --- |" * len(AUDIENCES),
    ]
    lines += [f"| {row.what} | " + " | ".join(_SHORT[row.sight[a]] for a in AUDIENCES) + " |" for row in READS]
    for change in CHANGES:
        cells = []
        for audience in AUDIENCES:
            if audience is change.who:
                said = "; ".join(part for part in (change.roles, change.note) if part)
                cells.append(_stages_text(change.stages) + (f" ({said})" if said else ""))
            else:
                cells.append("no")
        lines.append(f"| Changes: {change.what.lower()} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
