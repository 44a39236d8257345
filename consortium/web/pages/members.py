"""A member organisation's own pages: its profile, and the districts it covers (search, homes, pasted lists, map)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated, Any

import msgspec
from litestar import Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, QueryParameter

from consortium.accounts.principal import Principal
from consortium.bids.profiles import bids_keeping_earlier_details
from consortium.errors import NotFound, ServiceError
from consortium.imports import coverage as coverage_import
from consortium.imports.files import ImportRefused
from consortium.organisations import schemas
from consortium.organisations import services as organisations
from consortium.organisations.identifiers import SUPPORTED_PREFIXES
from consortium.reference import matching
from consortium.reference.districts import District, districts
from consortium.reference.search import UnknownDistrict, resolve_district
from consortium.schemas import MAX_DISTRICT_ENTRIES
from consortium.teams.roles import ROLE_BY_KEY, Permission
from consortium.web.identity import CurrentUser
from consortium.web.pages import forms, views
from consortium.web.pages.common import PageController, PageRequest
from consortium.web.pages.rendering import redirect, render
from consortium.words import ORG_TYPE_NAMES, count_text

Query = Annotated[str, QueryParameter(name="q", required=False, max_length=100)]
SEARCH_LIMIT = 12
CARRIED_FILE_BYTES = 900_000  # a file larger than this is chosen again, not carried in the column-picking form
PROFILE_FIELD_IDS = {name: name for name in organisations.PROFILE_FIELDS}  # each field's form id is its name
_HOMES_AT_END = re.compile(r"^(.*?)[\s,;:]+(\d[\d,]*)\s*(?:homes?)?$", re.IGNORECASE)
# A district, then something after its last comma, semicolon, colon or tab (or a space, when it has a figure or a
# minus sign in it): a number of homes that is not a whole number, like "Leeds, -5" or "Leeds, abc".
_AFTER_SEPARATOR = re.compile(r"^(.*?)\s*[,;:\t]\s*([^,;:\t]*?)\s*(?:homes?)?$", re.IGNORECASE)
_AFTER_SPACE = re.compile(r"^(.*?)\s+(-\S*|\S*\d\S*)\s*(?:homes?)?$", re.IGNORECASE)
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+")  # 1,000 or 12,345,678: commas in the places of thousands
MAX_HOMES = 10_000_000
# Limits before work: a list longer than the UK has districts, or a line longer than any district's name and homes,
# is refused before any line is read (reading a line tries patterns whose cost grows with its length).
MAX_PASTE_LINES = MAX_DISTRICT_ENTRIES
MAX_PASTE_LINE = 200
_SEPARATOR_RUN = re.compile(r"[\s,;:]{4,}")


def _profile_values(organisation: schemas.Organisation) -> dict[str, str]:
    return {
        "name": organisation.name,
        "org_type": organisation.org_type,
        "org_id": organisation.org_id or "",
        "homes": "" if organisation.homes is None else str(organisation.homes),
        "website": organisation.website or "",
        "contact_name": organisation.contact_name or "",
        "contact_email": organisation.contact_email or "",
        "description": organisation.description,
    }


def _known(name: str) -> District | None:
    try:
        return resolve_district(name, suggest=False)
    except UnknownDistrict:
        return None


def parse_pasted(text: str, errors: forms.FormErrors) -> list[schemas.CoverageRowIn]:
    """'Leeds, 1200' / 'E08000035<tab>300' / 'Bristol, City of' -> district and homes. A district we recognise is
    given by its code; an unknown one is left as typed, for the services to explain with suggestions. A recognised
    district with homes that are not a whole number of 0 or more is a problem on ``paste``."""
    rows: list[schemas.CoverageRowIn] = []
    pasted = forms.lines(text)
    if len(pasted) > MAX_PASTE_LINES:
        errors.add(
            "paste",
            f"The list has {len(pasted):,} lines, but the UK has only {len(districts())} districts. Paste at most "
            f"{MAX_PASTE_LINES} lines, one district a line.",
        )
        return rows
    for line in pasted:
        if len(line) > MAX_PASTE_LINE:
            errors.add(
                "paste",
                f"A line of the list is {len(line):,} characters long ({line[:30]!r}...). Put one district, and its "
                "homes if you know them, on each line.",
            )
            continue
        # A long run of separators (",,,,", ": : :") is cut to three: the patterns below try every place a run
        # could split, so a long one costs time growing with its square; no real line has more than three in a row.
        line = _SEPARATOR_RUN.sub(lambda run: run.group()[:3], line)
        match = _HOMES_AT_END.match(line)
        if match:
            name, figures = match.group(1).strip(), match.group(2)
            homes = int(figures.replace(",", ""))
            district = _known(name)
            if "," in figures and not _GROUPED.fullmatch(figures):
                # "10,00" is neither 1,000 nor 10: a comma only separates thousands, so it is asked about, not guessed.
                errors.add(
                    "paste",
                    f"Homes for {district.name if district else name}: {figures} is not a number we can read. Write "
                    "it like 1000 or 1,000 (commas only between thousands).",
                )
            elif homes > MAX_HOMES:
                errors.add("paste", f"Homes for {district.name if district else name} must be {MAX_HOMES:,} or fewer.")
        else:
            name, homes = line, None
            district = _known(line)
            if district is None:
                split = _AFTER_SEPARATOR.match(line) or _AFTER_SPACE.match(line)
                district = _known(split.group(1)) if split and split.group(2) else None
                if district is not None:
                    errors.add("paste", f"Homes for {district.name} must be a whole number of 0 or more.")
        rows.append(schemas.CoverageRowIn(district_code=district.code if district else name[:100], homes=homes))
    return rows


def read_coverage_form(
    form: FormMultiDict, errors: forms.FormErrors
) -> tuple[list[schemas.CoverageRowIn], dict[str, Any]]:
    """The organisation's districts as the form leaves them. A pasted list either replaces them all, or adds to
    them: then a district already listed takes the pasted homes (or keeps its own, when none are pasted); only a
    district pasted twice is a problem (the services report it)."""
    reference = districts()
    removed = set(forms.values(form, "remove"))
    pasted = forms.raw(form, "paste")
    if len(pasted) > MAX_PASTE_LINES * MAX_PASTE_LINE:
        errors.add(
            "paste",
            f"The pasted list is {len(pasted):,} characters long; the UK's {len(districts())} districts fit in far "
            "less. Paste one district a line, with its homes if you know them.",
        )
        pasted = ""  # not read, nor sent back
    forms.refuse_control_characters({"paste": pasted}, errors, {"paste": "the pasted list"})
    replacing = forms.text(form, "paste_mode") == "replace" and bool(pasted.strip())
    pasted_rows = parse_pasted(pasted, errors)
    pasted_homes = {row.district_code: row.homes for row in pasted_rows}
    existing: dict[str, int | None] = {}
    typed: dict[str, str] = {}
    for code in dict.fromkeys(forms.values(form, "code")):
        if code not in reference:
            continue
        typed[code] = forms.text(form, f"homes-{code}")
        if code in removed or replacing or pasted_homes.get(code) is not None:
            continue
        existing[code] = forms.whole_number(
            typed[code],
            f"homes-{code}",
            errors,
            what=f"the homes in {reference[code].name}",
            required=False,
            high=MAX_HOMES,
        )
    rows = [
        schemas.CoverageRowIn(district_code=code, homes=homes)
        for code, homes in existing.items()
        if code not in pasted_homes
    ]
    added = forms.text(form, "add")
    if added and added not in existing and added not in pasted_homes:
        rows.append(schemas.CoverageRowIn(district_code=added[:100]))
    for row in pasted_rows:
        homes = row.homes if row.homes is not None else existing.get(row.district_code)
        rows.append(schemas.CoverageRowIn(district_code=row.district_code, homes=homes))
    return rows, {"typed": typed, "removed": removed, "paste": pasted, "paste_mode": forms.text(form, "paste_mode")}


def read_profile_form(
    form: FormMultiDict, errors: forms.FormErrors
) -> tuple[dict[str, str], schemas.OrganisationUpdate]:
    """What was typed (to show again), and the profile as far as it could be read: homes that are not a whole
    number are left out, with what to type instead in ``errors``. Whether the rest is right is the services' to
    say (``organisations.update_organisation`` checks every field)."""
    values = {key: forms.text(form, key) for key in organisations.PROFILE_FIELDS}
    values["description"] = forms.raw(form, "description").strip()
    homes = forms.whole_number(values["homes"], "homes", errors, what="the number of homes", required=False)
    data = schemas.OrganisationUpdate(
        name=values["name"],
        org_type=values["org_type"],  # type: ignore[arg-type]  # checked by the services, as the API's is
        org_id=values["org_id"] or None,
        homes=msgspec.UNSET if errors else homes,
        website=values["website"] or None,
        contact_name=values["contact_name"] or None,
        contact_email=values["contact_email"] or None,
        description=values["description"],
    )
    return values, data


async def _own(user: Principal, organisation_id: int) -> schemas.Organisation:
    organisation = await organisations.read_organisation(user, organisation_id)
    return organisation


async def _role_context(user: Principal, organisation_id: int) -> dict[str, Any]:
    """What a page says of the person's role: whether they may change the organisation's details (an editor or
    signatory of it) and, when they may not (a viewer), whom to ask."""
    may_edit = user.may(organisation_id, Permission.EDIT)
    role = ROLE_BY_KEY.get(user.role_in(organisation_id) or "")
    return {
        "editable": may_edit,
        "read_only_role": user.acts_for(organisation_id) and not may_edit,
        "role_label": role.label.lower() if role else "",
        "who_may_edit": [] if may_edit else await organisations.who_may(user, organisation_id, Permission.EDIT),
    }


class OrganisationPages(PageController):
    @get("/organisations/{organisation_id:int}", name="organisation")
    async def show(self, request: PageRequest, user: CurrentUser, organisation_id: FromPath[int]) -> Response[Any]:
        organisation = await _own(user, organisation_id)
        return await self._profile(request, user, organisation, _profile_values(organisation), forms.FormErrors())

    @post("/organisations/{organisation_id:int}")
    async def update(self, request: PageRequest, user: CurrentUser, organisation_id: FromPath[int]) -> Response[Any]:
        organisation = await _own(user, organisation_id)
        if not user.acts_for(organisation_id):
            raise NotFound(organisations.NOT_FOUND)
        organisations.require_may_change(user, organisation_id)  # 403 for a viewer, before what was typed
        errors = forms.FormErrors()
        values, data = read_profile_form(await request.form(), errors)
        try:
            if errors:  # the rest of the form, checked in the same round
                organisations.check_profile(data)
            else:
                await organisations.update_organisation(user, organisation_id, data)
                return redirect(request, f"/organisations/{organisation_id}", "Your organisation's details are saved.")
        except ServiceError as error:
            errors.add_service_error(error, PROFILE_FIELD_IDS)
        errors.in_order(organisations.PROFILE_FIELDS)
        return await self._profile(request, user, organisation, values, errors, status_code=422)

    async def _profile(
        self,
        request: PageRequest,
        user: Principal,
        organisation: schemas.Organisation,
        values: dict[str, str],
        errors: forms.FormErrors,
        *,
        status_code: int = 200,
    ) -> Response[Any]:
        return await render(
            request,
            "member/organisation.html",
            {
                "organisation": organisation,
                "values": values,
                "errors": errors,
                **await _role_context(user, organisation.id),
                "kept": await bids_keeping_earlier_details(organisation.id),
                "org_types": [(key, name, None) for key, name in ORG_TYPE_NAMES.items()],
                "prefixes": SUPPORTED_PREFIXES,
                "homes_check": organisations.homes_disagreement(
                    organisation, await organisations.read_coverage(user, organisation.id)
                ),
            },
            status_code=status_code,
        )

    @get("/organisations/{organisation_id:int}/coverage", name="coverage")
    async def coverage(
        self, request: PageRequest, user: CurrentUser, organisation_id: FromPath[int], q: Query = ""
    ) -> Response[Any]:
        organisation = await _own(user, organisation_id)
        coverage = await organisations.read_coverage(user, organisation_id)
        return await self._coverage_page(request, user, organisation, coverage, q, forms.FormErrors(), None)

    @post("/organisations/{organisation_id:int}/coverage")
    async def save_coverage(
        self, request: PageRequest, user: CurrentUser, organisation_id: FromPath[int]
    ) -> Response[Any]:
        organisation = await _own(user, organisation_id)
        if not user.acts_for(organisation_id):
            raise NotFound(organisations.NOT_FOUND)
        organisations.require_may_change(user, organisation_id)  # 403 for a viewer, before what was typed
        errors = forms.FormErrors()
        rows, typed = read_coverage_form(await request.form(), errors)
        if not errors:
            try:
                saved = await organisations.replace_coverage(
                    user, organisation_id, schemas.CoverageReplace(districts=rows)
                )
            except ServiceError as error:
                errors.add_service_error(error, {"districts": "paste"}, default="paste")
            else:
                count = len(saved.districts)
                message = f"Saved: your organisation covers {count_text(count, 'district')}."
                return redirect(request, f"/organisations/{organisation_id}/coverage", message)
        coverage = await organisations.read_coverage(user, organisation_id)
        return await self._coverage_page(request, user, organisation, coverage, "", errors, typed, status_code=422)

    @get("/organisations/{organisation_id:int}/coverage/search", name="coverage-search")
    async def search(
        self, request: PageRequest, user: CurrentUser, organisation_id: FromPath[int], q: Query = ""
    ) -> Response[Any]:
        if not user.acts_for(organisation_id):
            raise NotFound(organisations.NOT_FOUND)
        coverage = await organisations.read_coverage(user, organisation_id)
        return await render(
            request,
            "member/_district_results.html",
            {
                "q": q,
                "results": self._search(q),
                "covered": {c.district_code for c in coverage.districts},
                # A viewer's search offers nothing to add: the districts are changed by editors and signatories.
                "editable": user.may(organisation_id, Permission.EDIT),
            },
            fragment=True,
        )

    def _search(self, q: str) -> list[Any]:
        return matching.search_districts(q, limit=SEARCH_LIMIT) if q.strip() else []

    @get("/organisations/{organisation_id:int}/coverage/suggest", name="coverage-suggest")
    async def suggest(
        self, request: PageRequest, user: CurrentUser, organisation_id: FromPath[int], q: Query = ""
    ) -> Response[Any]:
        """Districts for what was typed, with "Did you mean ...?" for a typo: each added with one click."""
        if not user.acts_for(organisation_id):
            raise NotFound(organisations.NOT_FOUND)
        coverage = await organisations.read_coverage(user, organisation_id)
        match = matching.match_district(q) if q.strip() else None
        return await render(
            request,
            "member/_district_suggestions.html",
            {
                "q": q,
                "organisation_id": organisation_id,
                "results": self._search(q),
                "did_you_mean": match.suggestion if match is not None and not match.found else None,
                "covered": {c.district_code for c in coverage.districts},
                "editable": user.may(organisation_id, Permission.EDIT),
            },
            fragment=True,
        )

    @post(
        "/organisations/{organisation_id:int}/coverage/import",
        request_max_body_size=coverage_import.MAX_IMPORT_BYTES * 2,
    )
    async def import_coverage(
        self, request: PageRequest, user: CurrentUser, organisation_id: FromPath[int]
    ) -> Response[Any]:
        """Step 1 uploads the file and shows what it holds (nothing is saved); when its headings do not say which
        column is which, the person picks them (the file travels in the form, never stored here). Step 2 imports
        the good rows, sent back as the preview showed them and checked again as any upload is."""
        organisation = await _own(user, organisation_id)
        if not user.acts_for(organisation_id):
            raise NotFound(organisations.NOT_FOUND)
        organisations.require_may_change(user, organisation_id)  # 403 for a viewer, before the file is read
        form = await request.form()
        errors = forms.FormErrors()
        upload = forms.upload(form, "file")
        content: bytes = b""
        filename = forms.text(form, "filename")[:200]
        if upload is not None:
            content = await forms.read_upload(upload, coverage_import.MAX_IMPORT_BYTES)
            filename = (upload.filename or "")[:200]
        else:
            await forms.close_uploads(form)
            carried = forms.raw(form, "content")
            if carried:
                try:
                    content = base64.b64decode(carried, validate=True)
                except (binascii.Error, ValueError):
                    content = b""
        step = forms.text(form, "step")
        district_column = forms.text(form, "district_column") or None
        homes_column = forms.text(form, "homes_column") or None
        if step in ("add_good", "replace"):
            rows = forms.raw(form, "rows")
            content = rows.encode("utf-8") if rows.strip() else b""
            filename = "preview.csv"
            district_column, homes_column = "District", "Homes"
        if not content:
            errors.add("file", "Choose a spreadsheet (.xlsx or .csv) to upload.")
            return await self._import_page(request, user, organisation, errors, None, None)
        mode = step if step in ("add_good", "replace") else "check"
        try:
            report = await coverage_import.import_coverage(
                user,
                organisation_id,
                content,
                filename,
                mode=mode,
                district_column=district_column,
                homes_column=homes_column,
            )
        except coverage_import.ChooseColumns as error:
            errors.add(error.field or "district_column", error.message)
            picker = {
                "headings": error.extra.get("headings", []),
                "content": base64.b64encode(content).decode("ascii") if len(content) <= CARRIED_FILE_BYTES else "",
                "filename": filename,
                "district_column": district_column or "",
                "homes_column": homes_column or "",
            }
            return await self._import_page(request, user, organisation, errors, None, picker)
        except ImportRefused as error:
            errors.add("file", error.message)
            return await self._import_page(request, user, organisation, errors, None, None, status=error.status_code)
        except ServiceError as error:
            errors.add_service_error(error, {"file": "file"}, default="file")
            return await self._import_page(request, user, organisation, errors, None, None, status=error.status_code)
        if mode != "check":
            message = (
                f"Imported {count_text(report.imported, 'district')} from your file."
                if report.imported
                else "Nothing was imported: no row of the file could be used."
            )
            return redirect(request, f"/organisations/{organisation_id}/coverage", message)
        return await self._import_page(request, user, organisation, errors, report, None, filename=filename)

    async def _import_page(
        self,
        request: PageRequest,
        user: Principal,
        organisation: schemas.Organisation,
        errors: forms.FormErrors,
        report: coverage_import.CoverageImport | None,
        picker: dict[str, Any] | None,
        *,
        status: int | None = None,
        filename: str = "",
    ) -> Response[Any]:
        coverage = await organisations.read_coverage(user, organisation.id)
        preview = None
        if report is not None:
            lines = [
                "District,Homes",
                *(f"{r.district_code},{'' if r.homes is None else r.homes}" for r in report.good_rows),
            ]
            preview = {"report": report, "rows": "\n".join(lines), "filename": filename}
        return await self._coverage_page(
            request,
            user,
            organisation,
            coverage,
            "",
            errors,
            None,
            status_code=status or (422 if errors else 200),
            imported={"preview": preview, "picker": picker},
        )

    async def _coverage_page(
        self,
        request: PageRequest,
        user: Principal,
        organisation: schemas.Organisation,
        coverage: schemas.Coverage,
        q: str,
        errors: forms.FormErrors,
        typed: dict[str, Any] | None,
        *,
        status_code: int = 200,
        imported: dict[str, Any] | None = None,
    ) -> Response[Any]:
        covered = {c.district_code for c in coverage.districts}
        return await render(
            request,
            "member/coverage.html",
            {
                "organisation": organisation,
                "coverage": coverage,
                **await _role_context(user, organisation.id),
                "kept": await bids_keeping_earlier_details(organisation.id),
                "q": q,
                "results": self._search(q),
                "covered": covered,
                "errors": errors,
                "typed": typed or {"typed": {}, "removed": set(), "paste": "", "paste_mode": "add"},
                "map": views.coverage_map({c.district_code: c.homes for c in coverage.districts}),
                "homes_check": organisations.homes_disagreement(organisation, coverage),
                "imported": imported or {"preview": None, "picker": None},
            },
            status_code=status_code,
        )
