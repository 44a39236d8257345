"""The convenor's member list: invite organisations from their own spreadsheet (CSV or Excel), each invitation
carrying the row's details (name, contact email, identifier, homes) for the invited person to confirm on joining.

Every bad row is reported with its row number, column and what to change. ``check`` only reports; ``invite``
invites only when the whole list is good (else 422 with every problem, nothing sent or saved); ``invite_good``
invites the good rows and reports the rest. Inviting is the invitation use case's (``consortium.bids.invitations``:
the same mail, limits and audit), in one transaction with the checks against who is already invited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from consortium.accounts.principal import Principal
from consortium.accounts.services import normalise_email
from consortium.accounts.tables import User
from consortium.bids import invitations
from consortium.bids import schemas as bid_schemas
from consortium.bids.access import bid_access
from consortium.bids.tables import BidMember, Invitation
from consortium.db import write_transaction
from consortium.errors import BadInput, TooLarge
from consortium.imports import headings
from consortium.imports.files import read_sheet
from consortium.imports.headings import find_column
from consortium.imports.problems import RowProblem, parse_whole_number
from consortium.organisations import services as organisations
from consortium.organisations.identifiers import validate_org_id
from consortium.organisations.schemas import OrganisationUpdate
from consortium.organisations.tables import OrganisationUser
from consortium.settings import Settings
from consortium.timeutil import as_utc, utc_now
from consortium.validation import Invalid
from consortium.words import date_text

Mode = Literal["check", "invite", "invite_good"]
MODES: tuple[str, ...] = ("check", "invite", "invite_good")
# The largest member list taken (the API's body limit; a page carries the file once more to send it).
MAX_MEMBER_LIST_BYTES = 1_000_000
EMAIL_LENGTH = invitations.EMAIL_LENGTH

# Headings recognised (consortium.imports.headings.find_column matches them tolerantly), most likely first.
NAME_HEADINGS = (
    "organisation name",
    "organisation",
    "organization name",
    "organization",
    "member name",
    "member",
    "name",
)
EMAIL_HEADINGS = (
    "contact email",
    "contact email address",
    "email",
    "email address",
    "e-mail",
    "e-mail address",
    "contact e-mail",
)
IDENTIFIER_HEADINGS = (
    "identifier",
    "organisation identifier",
    "org id",
    "org-id",
    "organisation id",
    "registration number",
)
HOMES_HEADINGS = ("homes managed", *headings.HOMES_HEADINGS)  # as a member's coverage sheet heads them


class MemberRow(msgspec.Struct):
    """A good row of the list, as it will be offered to the invited person."""

    row: int
    contact_email: str
    name: str | None = None
    org_id: str | None = None
    homes: int | None = None

    def prefill(self) -> dict[str, Any]:
        return {"name": self.name, "contact_email": self.contact_email, "org_id": self.org_id, "homes": self.homes}


class Problem(msgspec.Struct):
    row: int
    column: str
    message: str


class MemberListReport(msgspec.Struct):
    """What the list holds: the good rows, every problem by row and column, and (when inviting) the invitations
    made, each with its link (``accept_url``), shown only now."""

    mode: str
    message: str
    good_rows: list[MemberRow]
    problems: list[Problem]
    invited: int = 0
    invitations: list[bid_schemas.Invitation] = msgspec.field(default_factory=list)


class ListHasProblems(BadInput):
    """``invite`` refused: the list has problems, so nothing was sent or saved. ``report`` holds every problem and
    the good rows (the answer's JSON has them as ``problems`` and ``good_rows``)."""

    def __init__(self, report: MemberListReport) -> None:
        bad_rows = len({p.row for p in report.problems})
        then = (
            "Fix the file and upload it again, or invite the good rows only."
            if report.good_rows
            else "None of its rows can be invited: fix the file and upload it again."
        )
        super().__init__(
            f"{bad_rows:,} row{'' if bad_rows == 1 else 's'} of the list {'has' if bad_rows == 1 else 'have'} "
            f"problems, so no invitations were sent. {then}",
            field="file",
            extra={
                "problems": [msgspec.to_builtins(p) for p in report.problems],
                "good_rows": len(report.good_rows),
            },
        )
        self.report = report


@dataclass(frozen=True)
class _Columns:
    email: int
    email_heading: str
    name: int | None
    identifier: int | None
    homes: int | None
    headings: list[str]

    def heading(self, index: int | None, fallback: str) -> str:
        if index is None:
            return fallback
        return self.headings[index].strip() or fallback


def _columns(found: list[str]) -> _Columns:
    """The columns by their headings; each heading is one column's only (a name column is not the identifier's
    "Organisation identifier", found first)."""
    email = find_column(found, EMAIL_HEADINGS)
    if email is None:
        shown = ", ".join(f"‘{h.strip()}’" for h in found if h.strip()) or "none"
        raise BadInput(
            "We could not find the contact email column. Name it ‘Contact email’ (with ‘Organisation name’, "
            f"‘Identifier’ and ‘Homes’ beside it if you have them). The headings we found: {shown}.",
            field="file",
        )
    taken = {email}

    def column(candidates: tuple[str, ...]) -> int | None:
        index = find_column([h if i not in taken else "" for i, h in enumerate(found)], candidates)
        if index is not None:
            taken.add(index)
        return index

    identifier = column(IDENTIFIER_HEADINGS)
    homes = column(HOMES_HEADINGS)
    return _Columns(
        email=email,
        email_heading=found[email].strip() or "Contact email",
        name=column(NAME_HEADINGS),
        identifier=identifier,
        homes=homes,
        headings=found,
    )


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return (row[index] or "").strip()


def _shown(text: str) -> str:
    return invitations._shown(text)


def _check_row(number: int, row: list[str], columns: _Columns, problems: list[RowProblem]) -> MemberRow | None:
    """One row checked as the organisation's profile is checked (``organisations.check_profile``), each problem on
    its column; the row, tidied, when it has none."""
    found_before = len(problems)
    name_heading = columns.heading(columns.name, "Organisation name")
    id_heading = columns.heading(columns.identifier, "Identifier")
    homes_heading = columns.heading(columns.homes, "Homes")
    raw_email = _cell(row, columns.email)
    email = ""
    if not raw_email:
        problems.append(
            RowProblem(
                number, columns.email_heading, "Enter the contact email address: it is where the invitation goes."
            )
        )
    else:
        try:
            if len(raw_email) > EMAIL_LENGTH:
                raise BadInput("too long")
            email = normalise_email(raw_email, field="contact_email")
        except BadInput:
            problems.append(
                RowProblem(
                    number,
                    columns.email_heading,
                    f"‘{_shown(raw_email)}’ is not an email address: write one like name@example.org.",
                )
            )
    name = _cell(row, columns.name) or None
    org_id = _cell(row, columns.identifier) or None
    homes_text = _cell(row, columns.homes)
    homes: int | None = None
    if homes_text:
        try:
            homes = parse_whole_number(homes_text)
        except ValueError as error:
            problems.append(RowProblem(number, homes_heading, f"{error}"))
            homes_text = ""
    try:
        organisations.check_profile(
            OrganisationUpdate(
                name=name if name is not None else msgspec.UNSET,
                org_id=org_id if org_id is not None else msgspec.UNSET,
                homes=homes if homes is not None else msgspec.UNSET,
            )
        )
    except Invalid as error:
        where = {"name": name_heading, "org_id": id_heading, "homes": homes_heading}
        for path, message in error.problems:
            problems.append(RowProblem(number, where.get(path or "", name_heading), message))
    if len(problems) > found_before:
        return None
    if org_id is not None:
        org_id = validate_org_id(org_id)
    return MemberRow(row=number, contact_email=email, name=name, org_id=org_id, homes=homes)


def check_rows(headings: list[str], rows: list[list[str]]) -> tuple[list[MemberRow], list[RowProblem], _Columns]:
    """Every row checked on its own and against the others (an address twice in the file)."""
    columns = _columns(headings)
    problems: list[RowProblem] = []
    good: list[MemberRow] = []
    first_row: dict[str, int] = {}
    for index, row in enumerate(rows):
        number = index + 2
        if not any((cell or "").strip() for cell in row):
            continue  # a blank line between rows is no one
        checked = _check_row(number, row, columns, problems)
        email = checked.contact_email if checked else _normalised_or_none(_cell(row, columns.email))
        if email and email in first_row:
            problems.append(
                RowProblem(
                    number,
                    columns.email_heading,
                    f"{email} is also on row {first_row[email]}: each organisation is invited once. Keep one of "
                    "the two rows, or give this organisation its own contact.",
                )
            )
            continue
        if email:
            first_row[email] = number
        if checked is not None:
            good.append(checked)
    return good, problems, columns


def _normalised_or_none(text: str) -> str | None:
    if not text or len(text) > EMAIL_LENGTH:
        return None
    try:
        return normalise_email(text)
    except BadInput:
        return None


async def _already_there(bid_id: int, rows: list[MemberRow], columns: _Columns) -> list[RowProblem]:
    """Rows whose address is already invited to this bid (a link not yet used) or is already a member's: which of
    the two, and what to do instead."""
    emails = [r.contact_email for r in rows]
    if not emails:
        return []
    invited: dict[str, dict[str, Any]] = {}
    for inv in await Invitation.select(Invitation.email, Invitation.expires_at, Invitation.created_at).where(
        (Invitation.bid == bid_id)
        & Invitation.email.is_in(emails)
        & Invitation.revoked_at.is_null()
        & Invitation.accepted_at.is_null()
    ):
        invited.setdefault(str(inv["email"]).lower(), dict(inv))
    members: dict[str, str] = {}
    # An address whose link was used by a member still in the bid, or a person acting for one.
    member_orgs = {
        int(r["organisation"]): str(r["organisation_name"])
        for r in await BidMember.select(
            BidMember.organisation, BidMember.organisation.name.as_alias("organisation_name")
        ).where((BidMember.bid == bid_id) & BidMember.status.is_in(organisations.HOLDING_STATUSES))
    }
    for used in await Invitation.select(Invitation.email, Invitation.organisation).where(
        (Invitation.bid == bid_id) & Invitation.email.is_in(emails) & Invitation.accepted_at.is_not_null()
    ):
        if used["organisation"] is not None and int(used["organisation"]) in member_orgs:
            members.setdefault(str(used["email"]).lower(), member_orgs[int(used["organisation"])])
    users = {
        int(u["id"]): str(u["email"]).lower()
        for u in await User.select(User.id, User.email).where(User.email.is_in(emails))
    }
    if users and member_orgs:
        for link in await OrganisationUser.select(OrganisationUser.user, OrganisationUser.organisation).where(
            OrganisationUser.user.is_in(sorted(users)) & OrganisationUser.organisation.is_in(sorted(member_orgs))
        ):
            members.setdefault(users[int(link["user"])], member_orgs[int(link["organisation"])])
    problems = []
    now = utc_now()
    for row in rows:
        email = row.contact_email
        if email in members:
            problems.append(
                RowProblem(
                    row.row,
                    columns.email_heading,
                    f"{email} is already a member of this bid, for {members[email]}. Take this row out of the list.",
                )
            )
        elif email in invited:
            found = invited[email]
            expired = as_utc(found["expires_at"]) <= now
            when = (
                f"its link expired on {date_text(found['expires_at'])}"
                if expired
                else f"on {date_text(found['created_at'])}, and has not joined yet"
            )
            problems.append(
                RowProblem(
                    row.row,
                    columns.email_heading,
                    f"{email} is already invited to this bid ({when}). Take this row out of the list; to send them "
                    "a fresh link, use ‘New link’ on the invitations page.",
                )
            )
    return problems


def _ordered(problems: list[RowProblem], columns: _Columns) -> list[Problem]:
    order = {heading: i for i, heading in enumerate(h.strip() for h in columns.headings)}
    return [
        Problem(p.row, p.column, p.message)
        for p in sorted(problems, key=lambda p: (p.row, order.get(p.column, len(order))))
    ]


def _summary(mode: str, good: int, bad_rows: int, invited: int) -> str:
    def rows(n: int) -> str:
        return f"{n:,} row" + ("" if n == 1 else "s")

    if mode == "check":
        if not bad_rows:
            return f"All {rows(good)} can be invited."
        return (
            f"{rows(good)} can be invited; {rows(bad_rows)} {'has' if bad_rows == 1 else 'have'} problems. Fix the "
            "file and upload it again, or invite the good rows only."
        )
    sent = f"{invited:,} invitation" + ("" if invited == 1 else "s")
    if not bad_rows:
        return f"{sent} made: we are emailing each organisation its own link."
    return (
        f"{sent} made: we are emailing each organisation its own link. {rows(bad_rows)} "
        f"{'was' if bad_rows == 1 else 'were'} not invited: fix {'it' if bad_rows == 1 else 'them'} and upload "
        "those rows again."
    )


async def require_may_import(principal: Principal, bid_id: int) -> None:
    """Only the bid's convenors (members 403, anyone else 404), before a file is read."""
    (await bid_access(principal, bid_id)).require_convenor()


async def import_member_list(
    settings: Settings, principal: Principal, bid_id: int, content: bytes, filename: str, mode: str
) -> MemberListReport:
    """Check the member list, and invite from it as ``mode`` says (see the module's docstring)."""
    access = await bid_access(principal, bid_id)
    access.require_convenor()
    if mode not in MODES:
        raise BadInput("Say what to do with the list: mode=check, invite or invite_good.", field="mode")
    invitations.require_open_to_invitations(access.bid)
    if len(content) > MAX_MEMBER_LIST_BYTES:
        raise TooLarge(
            f"This file is {len(content) / 1_000_000:.1f} MB; the most we take is "
            f"{MAX_MEMBER_LIST_BYTES // 1_000_000} MB. Keep just the member list's columns, or split it.",
            field="file",
        )
    sheet = read_sheet(content, filename, max_rows=invitations.MAX_BATCH)
    good, problems, columns = check_rows(sheet.headings, sheet.rows)
    if not good and not problems:
        raise BadInput("The list has no rows under its headings: add one row for each organisation.", field="file")
    if mode == "check":
        problems += await _already_there(bid_id, good, columns)
        return _report(mode, good, _ordered(problems, columns))
    async with write_transaction():
        await invitations.lock_for_inviting(bid_id)
        # Checked again inside the lock: an address invited a moment ago is seen now.
        problems += await _already_there(bid_id, good, columns)
        ordered = _ordered(problems, columns)
        bad = {p.row for p in ordered}
        good = [r for r in good if r.row not in bad]
        if (mode == "invite" and ordered) or not good:
            raise ListHasProblems(_report("check", good, ordered))
        made = await invitations.write_invitations(
            settings,
            principal,
            bid_id,
            [r.contact_email for r in good],
            prefills={r.contact_email: r.prefill() for r in good},
            audit_extra={"member_list": filename[:200], "rows": len(good)},
        )
    listed = await invitations.deliver_invitations(settings, principal, bid_id, made)
    return _report(mode, good, ordered, listed)


def _report(
    mode: str, good: list[MemberRow], problems: list[Problem], made: list[bid_schemas.Invitation] | None = None
) -> MemberListReport:
    bad = {p.row for p in problems}
    good = [r for r in good if r.row not in bad]
    return MemberListReport(
        mode=mode,
        message=_summary(mode, len(good), len(bad), len(made or [])),
        good_rows=good,
        problems=problems,
        invited=len(made or []),
        invitations=made or [],
    )
