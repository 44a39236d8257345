from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody, QueryParameter

from consortium.errors import BadInput
from consortium.imports import coverage as coverage_import
from consortium.organisations import schemas
from consortium.organisations import services as organisations
from consortium.web.identity import CurrentUser


class OrganisationController(Controller):
    path = "/api/v1/organisations"
    tags = ["Organisations"]

    @get("/{organisation_id:int}", summary="An organisation's profile")
    async def read(self, user: CurrentUser, organisation_id: FromPath[int]) -> schemas.Organisation:
        return await organisations.read_organisation(user, organisation_id)

    @patch("/{organisation_id:int}", summary="Change your organisation's profile")
    async def update(
        self, user: CurrentUser, organisation_id: FromPath[int], data: JSONBody[schemas.OrganisationUpdate]
    ) -> schemas.Organisation:
        return await organisations.update_organisation(user, organisation_id, data)

    @get("/{organisation_id:int}/coverage", summary="The districts an organisation works in")
    async def coverage(self, user: CurrentUser, organisation_id: FromPath[int]) -> schemas.Coverage:
        return await organisations.read_coverage(user, organisation_id)

    @put("/{organisation_id:int}/coverage", summary="Replace your organisation's districts, all at once")
    async def replace_coverage(
        self, user: CurrentUser, organisation_id: FromPath[int], data: JSONBody[schemas.CoverageReplace]
    ) -> schemas.Coverage:
        return await organisations.replace_coverage(user, organisation_id, data)

    @post(
        "/{organisation_id:int}/coverage/import",
        summary="Import your organisation's districts from a spreadsheet (CSV or XLSX)",
        description=(
            "Send the file as multipart/form-data in the field `file`. `mode=check` only reports; `mode=replace` "
            "makes the file your districts when no row has a problem (else 422 with every problem, nothing "
            "changed); `mode=add_good` adds the good rows and reports the rest. Columns are found by their "
            "headings; name them with `district_column` and `homes_column` (a heading or a column letter; "
            "`homes_column=none` for a file without homes) when they are not recognised."
        ),
        status_code=200,
        request_max_body_size=coverage_import.MAX_IMPORT_BYTES + 100_000,
    )
    async def import_coverage(
        self,
        request: Request[Any, Any, Any],
        user: CurrentUser,
        organisation_id: FromPath[int],
        mode: Annotated[str, QueryParameter(name="mode", max_length=20)] = "check",
        district_column: Annotated[str | None, QueryParameter(name="district_column", max_length=200)] = None,
        homes_column: Annotated[str | None, QueryParameter(name="homes_column", max_length=200)] = None,
    ) -> coverage_import.CoverageImport:
        await coverage_import.require_may_import(user, organisation_id)  # 404 or 403 before the body is read
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            await _close(form)
            raise BadInput("Send the spreadsheet as multipart/form-data in a field named file.", field="file")
        try:
            content = await upload.read(coverage_import.MAX_IMPORT_BYTES + 1)
        finally:
            await _close(form)
        return await coverage_import.import_coverage(
            user,
            organisation_id,
            content,
            upload.filename or "",
            mode=mode,
            district_column=district_column,
            homes_column=homes_column,
        )


async def _close(form: Any) -> None:
    for value in form.values():
        if isinstance(value, UploadFile):
            await value.close()
