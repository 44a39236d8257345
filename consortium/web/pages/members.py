"""A member organisation's own pages: its profile, and the districts it covers (search, homes, pasted lists, map)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, QueryParameter

from consortium.accounts.principal import Principal
from consortium.errors import NotFound, ServiceError
from consortium.organisations import schemas
from consortium.organisations import services as organisations
from consortium.organisations.identifiers import SUPPORTED_PREFIXES
from consortium.reference.districts import districts
from consortium.reference.search import search_districts
from consortium.web.identity import CurrentUser
from consortium.web.pages import forms, views
from consortium.web.pages.common import PageController, PageRequest
from consortium.web.pages.rendering import redirect, render

Query = Annotated[str, QueryParameter(name="q", required=False, max_length=100)]
SEARCH_LIMIT = 12
PROFILE_FIELDS = ("name", "org_type", "org_id", "homes", "website", "contact_name", "contact_email", "description")
PROFILE_LABELS = {
    "name": "the organisation's name",
    "org_id": "the identifier",
    "website": "the website",
    "contact_name": "the contact's name",
    "contact_email": "the contact email",
    "description": "the description",
}
_HOMES_AT_END = re.compile(r"^(.*?)[\s,;:]+(\d[\d,]*)\s*(?:homes?)?$", re.IGNORECASE)


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


def parse_pasted(text: str) -> list[schemas.CoverageRowIn]:
    """'Leeds, 1200' / 'E08000035<tab>300' / 'Bristol, City of' -> district and homes (names resolved later)."""
    rows = []
    for line in forms.lines(text):
        match = _HOMES_AT_END.match(line)
        name, homes = (match.group(1).strip(), int(match.group(2).replace(",", ""))) if match else (line, None)
        rows.append(schemas.CoverageRowIn(district_code=name[:100], homes=homes))
    return rows


def read_coverage_form(
    form: FormMultiDict, errors: forms.FormErrors
) -> tuple[list[schemas.CoverageRowIn], dict[str, Any]]:
    reference = districts()
    removed = set(forms.values(form, "remove"))
    rows: list[schemas.CoverageRowIn] = []
    typed: dict[str, str] = {}
    for code in dict.fromkeys(forms.values(form, "code")):
        if code not in reference:
            continue
        typed[code] = forms.text(form, f"homes-{code}")
        if code in removed:
            continue
        homes = forms.whole_number(
            typed[code],
            f"homes-{code}",
            errors,
            what=f"the homes in {reference[code].name}",
            required=False,
            high=10_000_000,
        )
        rows.append(schemas.CoverageRowIn(district_code=code, homes=homes))
    pasted = forms.raw(form, "paste")
    if forms.text(form, "paste_mode") == "replace" and pasted.strip():
        rows = []
    have = {row.district_code for row in rows}
    added = forms.text(form, "add")
    if added and added not in have:
        rows.append(schemas.CoverageRowIn(district_code=added[:100]))
    rows += [row for row in parse_pasted(pasted) if row.district_code not in have]
    return rows, {"typed": typed, "removed": removed, "paste": pasted, "paste_mode": forms.text(form, "paste_mode")}


async def _own(user: Principal, organisation_id: int) -> schemas.Organisation:
    organisation = await organisations.read_organisation(user, organisation_id)
    return organisation


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
        form = await request.form()
        values = {key: forms.text(form, key) for key in PROFILE_FIELDS}
        values["description"] = forms.raw(form, "description").strip()
        errors = forms.FormErrors()
        if not values["name"]:
            errors.add("name", "Enter the organisation's name.")
        forms.check_identifier(values["org_id"], "org_id", errors)
        homes = forms.whole_number(values["homes"], "homes", errors, what="the number of homes", required=False)
        if not errors:
            raw: dict[str, Any] = {k: (v or None) for k, v in values.items()}
            raw |= {"homes": homes, "description": values["description"], "name": values["name"]}
            data = forms.convert(raw, schemas.OrganisationUpdate, errors, PROFILE_LABELS)
            if data is not None:
                try:
                    await organisations.update_organisation(user, organisation_id, data)
                except ServiceError as error:
                    errors.add_service_error(error, {f: f for f in PROFILE_FIELDS})
                else:
                    return redirect(
                        request, f"/organisations/{organisation_id}", "Your organisation's details are saved."
                    )
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
                "editable": user.acts_for(organisation.id),
                "org_types": [(key, name, None) for key, name in schemas.ORG_TYPE_NAMES.items()],
                "prefixes": SUPPORTED_PREFIXES,
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
                message = f"Saved: your organisation covers {count} district{'s' if count != 1 else ''}."
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
            {"q": q, "results": self._search(q), "covered": {c.district_code for c in coverage.districts}},
            fragment=True,
        )

    def _search(self, q: str) -> list[Any]:
        return search_districts(q, limit=SEARCH_LIMIT) if q.strip() else []

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
    ) -> Response[Any]:
        covered = {c.district_code for c in coverage.districts}
        return await render(
            request,
            "member/coverage.html",
            {
                "organisation": organisation,
                "coverage": coverage,
                "editable": user.acts_for(organisation.id),
                "q": q,
                "results": self._search(q),
                "covered": covered,
                "errors": errors,
                "typed": typed or {"typed": {}, "removed": set(), "paste": "", "paste_mode": "add"},
                "map": views.coverage_map({c.district_code: c.homes for c in coverage.districts}),
            },
            status_code=status_code,
        )
