from __future__ import annotations

from litestar import Controller, get, patch, put
from litestar.params import FromPath, JSONBody

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
