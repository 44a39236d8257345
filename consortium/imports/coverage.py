"""A member's coverage from its own spreadsheet: one row a district (a name or GSS code) with its homes.

Every row is checked before anything is written, and every bad row is reported with its row number, the heading of
the column at fault and what to change. ``mode`` says what happens then:

- ``check``: nothing is written; the report says what an import would do.
- ``replace``: the file becomes the organisation's districts, only when no row has a problem; otherwise 422 with
  every problem and nothing changed.
- ``add_good``: the good rows are added (a district the organisation already lists takes the file's homes, and the
  report says so); the bad rows are reported and left out.

A write is one transaction with the same rules as changing the districts by hand
(``consortium.organisations.services``): editors and signatories only, a locked bid keeps its frozen copy, and the
change is on the audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import msgspec

from consortium.accounts.principal import Principal
from consortium.audit import services as audit
from consortium.db import update_locked, write_transaction
from consortium.errors import BadInput, NotFound
from consortium.imports.files import Sheet, read_sheet
from consortium.imports.headings import DISTRICT_HEADINGS, HOMES_HEADINGS, column_letter, find_column, heading_key
from consortium.imports.problems import RowProblem, parse_whole_number
from consortium.organisations import services as organisations
from consortium.organisations.tables import Coverage, Organisation
from consortium.reference.matching import match_district, unknown_district_message

__all__ = [
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "MODES",
    "ChooseColumns",
    "CoverageImport",
    "ImportProblem",
    "ImportRow",
    "Mode",
    "import_coverage",
    "plan_coverage",
]

Mode = Literal["check", "replace", "add_good"]
MODES: tuple[str, ...] = ("check", "replace", "add_good")
MAX_IMPORT_BYTES = 2_000_000  # the largest file taken (the pages' upload limit)
MAX_IMPORT_ROWS = 20_000
NO_HOMES_COLUMN = "none"  # chosen when the sheet has no homes column: districts are imported without homes


class ImportRow(msgspec.Struct):
    row: int
    district_code: str
    district_name: str
    homes: int | None
    already_listed: bool  # the organisation lists it already: importing it changes its homes


class ImportProblem(msgspec.Struct):
    row: int
    column: str
    message: str


class CoverageImport(msgspec.Struct):
    """What an import found (and, unless it was a check, did)."""

    mode: str
    district_column: str
    homes_column: str | None
    good_rows: list[ImportRow]
    problems: list[ImportProblem]
    notes: list[ImportProblem]  # good rows worth a word: a district the organisation already lists
    imported: int  # rows written: 0 for a check, or when nothing could be imported


class ChooseColumns(BadInput):
    """The headings did not say which column is which: the person picks (the page's second step)."""

    title = "Which columns should we use?"


@dataclass
class CoveragePlan:
    district_column: str
    homes_column: str | None
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[RowProblem] = field(default_factory=list)


def _pick(sheet: Sheet, chosen: str | None, candidates: tuple[str, ...], what: str, param: str) -> int | None:
    """The index of the column the person chose (its heading, or its letter) or the one its heading names."""
    if chosen is not None and chosen.strip():
        wanted = chosen.strip()
        for index, heading in enumerate(sheet.headings):
            if heading == wanted:
                return index
        keys = [heading_key(h) for h in sheet.headings]
        if heading_key(wanted) in keys:
            return keys.index(heading_key(wanted))
        if re.fullmatch(r"[A-Za-z]{1,3}", wanted):
            letters = [column_letter(i) for i in range(len(sheet.headings))]
            if wanted.upper() in letters:
                return letters.index(wanted.upper())
        raise ChooseColumns(
            f"The file has no column headed '{wanted[:60]}' for {what}. Its headings are: {', '.join(sheet.headings)}.",
            field=param,
            extra={"headings": sheet.headings},
        )
    return find_column(sheet.headings, candidates)


def plan_coverage(
    sheet: Sheet,
    existing: set[str],
    *,
    district_column: str | None = None,
    homes_column: str | None = None,
) -> CoveragePlan:
    """Every row of ``sheet`` checked: the good rows and the problems, by row number and column heading."""
    no_homes = (homes_column or "").strip().lower() == NO_HOMES_COLUMN
    district_at = _pick(sheet, district_column, DISTRICT_HEADINGS, "the districts", "district_column")
    homes_at = None if no_homes else _pick(sheet, homes_column, HOMES_HEADINGS, "the homes", "homes_column")
    if district_at is None or (homes_at is None and not no_homes):
        missing = [
            *(["the district (a local authority's name or its GSS code)"] if district_at is None else []),
            *(["the number of homes"] if homes_at is None and not no_homes else []),
        ]
        raise ChooseColumns(
            f"We could not tell which column holds {' and which holds '.join(missing)}. Choose the columns from the "
            f"file's headings: {', '.join(sheet.headings)}.",
            field="district_column" if district_at is None else "homes_column",
            extra={"headings": sheet.headings},
        )
    if homes_at is not None and homes_at == district_at:
        raise ChooseColumns(
            "The districts and the homes cannot come from the same column: choose two different columns.",
            field="homes_column",
            extra={"headings": sheet.headings},
        )
    district_heading = sheet.headings[district_at]
    homes_heading = sheet.headings[homes_at] if homes_at is not None else None
    plan = CoveragePlan(district_column=district_heading, homes_column=homes_heading)
    first_row: dict[str, int] = {}
    for index, cells in enumerate(sheet.rows):
        if sheet.is_blank(index):
            continue
        number = Sheet.row_number(index)
        text = cells[district_at]
        homes_text = cells[homes_at] if homes_at is not None else ""
        homes: int | None = None
        bad = False
        if not text:
            plan.problems.append(
                RowProblem(number, district_heading, "There is no district in this row: write its name or GSS code.")
            )
            bad = True
            match = None
        else:
            match = match_district(text)
            if not match.found:
                plan.problems.append(RowProblem(number, district_heading, unknown_district_message(text, match)))
                bad = True
        if homes_heading is not None:
            try:
                homes = parse_whole_number(homes_text)
            except ValueError as error:
                plan.problems.append(RowProblem(number, homes_heading, str(error)))
                bad = True
        if bad or match is None or match.code is None or match.name is None:
            continue
        if match.code in first_row:
            plan.problems.append(
                RowProblem(
                    number,
                    district_heading,
                    f"{match.name} is also in row {first_row[match.code]}: list each district once (add the homes "
                    "together in one row).",
                )
            )
            continue
        first_row[match.code] = number
        already = match.code in existing
        plan.rows.append(ImportRow(number, match.code, match.name, homes, already))
        if already:
            plan.notes.append(
                RowProblem(
                    number,
                    district_heading,
                    f"Your organisation already lists {match.name}: importing this row changes its homes to "
                    f"{'not given' if homes is None else f'{homes:,}'}.",
                )
            )
    return plan


def _problems_out(items: list[RowProblem]) -> list[ImportProblem]:
    return [ImportProblem(p.row, p.column, p.message) for p in items]


def _report(plan: CoveragePlan, mode: str, imported: int) -> CoverageImport:
    return CoverageImport(
        mode=mode,
        district_column=plan.district_column,
        homes_column=plan.homes_column,
        good_rows=plan.rows,
        problems=_problems_out(plan.problems),
        notes=_problems_out(plan.notes) if mode != "replace" else [],
        imported=imported,
    )


async def require_may_import(principal: Principal, organisation_id: int) -> None:
    """404 for anyone who may not see the organisation; 403 for those who see it but may not change it."""
    if not await organisations._visible_to(principal, organisation_id):
        raise NotFound(organisations.NOT_FOUND)
    organisations.require_may_change(principal, organisation_id)


async def import_coverage(
    principal: Principal,
    organisation_id: int,
    content: bytes,
    filename: str,
    *,
    mode: str = "check",
    district_column: str | None = None,
    homes_column: str | None = None,
) -> CoverageImport:
    """Read, check and (unless ``mode`` is check) import a coverage spreadsheet: one use case, one transaction."""
    await require_may_import(principal, organisation_id)
    if mode not in MODES:
        raise BadInput("Choose what to do with the file: check, replace or add_good.", field="mode")
    if len(content) > MAX_IMPORT_BYTES:
        from consortium.imports.files import ImportTooLarge

        raise ImportTooLarge(
            f"That file is {len(content) / 1_000_000:,.1f} MB; the most we take is {MAX_IMPORT_BYTES / 1_000_000:,.0f}"
            " MB. Keep only the district and homes columns, or save it as .csv, and upload it again."
        )
    sheet = read_sheet(content, filename, max_rows=MAX_IMPORT_ROWS)
    existing = await _existing(organisation_id)
    plan = plan_coverage(sheet, set(existing), district_column=district_column, homes_column=homes_column)
    if mode == "check":
        return _report(plan, mode, 0)
    if mode == "replace" and plan.problems:
        report = _report(plan, mode, 0)
        count = len(plan.problems)
        raise BadInput(
            f"Nothing was imported: {count:,} {'row has a problem' if count == 1 else 'problems were found'}. Fix "
            "the file and upload it again, or import only the good rows.",
            field="file",
            extra={"problems": msgspec.to_builtins(report.problems), "good_rows": len(report.good_rows)},
        )
    if not plan.rows:
        return _report(plan, mode, 0)
    async with write_transaction():
        await organisations._keep_locked_bids_as_they_are()
        await update_locked(Organisation.select(Organisation.id).where(Organisation.id == organisation_id))
        before = await Coverage.select(Coverage.district_code, Coverage.homes).where(
            Coverage.organisation == organisation_id
        )
        held = {r["district_code"]: r["homes"] for r in before}
        if mode == "replace":
            await Coverage.delete().where(Coverage.organisation == organisation_id)
            new = [row for row in plan.rows]
        else:
            new = [row for row in plan.rows if row.district_code not in held]
            for row in plan.rows:
                if row.district_code in held:
                    await Coverage.update({Coverage.homes: row.homes}).where(
                        (Coverage.organisation == organisation_id) & (Coverage.district_code == row.district_code)
                    )
        if new:
            await Coverage.insert(
                *[Coverage(organisation=organisation_id, district_code=r.district_code, homes=r.homes) for r in new]
            )
        after = await Coverage.select(Coverage.district_code, Coverage.homes).where(
            Coverage.organisation == organisation_id
        )
        await audit.record(
            principal,
            "coverage.import",
            "organisation",
            organisation_id,
            before={"districts": before},
            after={"districts": after, "file": filename[:200], "mode": mode, "rows": len(plan.rows)},
            organisation_id=organisation_id,
        )
    return _report(plan, mode, len(plan.rows))


async def _existing(organisation_id: int) -> dict[str, int | None]:
    rows = await Coverage.select(Coverage.district_code, Coverage.homes).where(Coverage.organisation == organisation_id)
    return {r["district_code"]: r["homes"] for r in rows}
