"""The API of versions compared (``documents.versions``), the share link's checker (``documents.checker``) and
re-rendering a stored version to check it gives the same bytes."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from consortium.documents import checker, versions
from consortium.documents import services as documents
from consortium.web.identity import CurrentUser

# Taken as text, so a missing or malformed version gets the service's plain 422 rather than the framework's words.
FromVersion = Annotated[str | None, QueryParameter(name="from", required=False, max_length=20)]
ToVersion = Annotated[str | None, QueryParameter(name="to", required=False, max_length=20)]


class CheckRequest(msgspec.Struct, forbid_unknown_fields=True):
    sha256: Annotated[str, msgspec.Meta(max_length=200)]  # of the PDF, or of its snapshot.json


class VersionsController(Controller):
    path = "/api/v1/bids/{bid_id:int}/documents"
    tags = ["Documents"]

    @get("/compare", summary="What changed between two versions of the bid document (convenors)")
    async def compare(
        self, user: CurrentUser, bid_id: FromPath[int], from_version: FromVersion = None, to_version: ToVersion = None
    ) -> versions.VersionComparison:
        return await versions.compare_versions(user, bid_id, from_version, to_version)

    @post(
        "/{version:int}/reproduce",
        status_code=200,
        summary="Render a ready version again from its stored data and say whether the PDF is the same bytes",
    )
    async def reproduce(
        self, user: CurrentUser, bid_id: FromPath[int], version: FromPath[int]
    ) -> versions.Reproduction:
        return await versions.reproduce(user, bid_id, version)


class SharedCheckController(Controller):
    """A funder's share link: check a file against the shared document, or have the document rendered again."""

    path = "/api/v1/shared/{token:str}"
    tags = ["Funders"]

    @post("/check", status_code=200, summary="Is this SHA-256 the shared document, another version, or not ours?")
    async def check(self, token: FromPath[str], data: JSONBody[CheckRequest]) -> checker.CheckResult:
        return await checker.check(token, data.sha256)

    @post(
        "/reproduce",
        status_code=200,
        summary="Render the shared version again from its stored data and say whether the PDF is the same bytes",
    )
    async def reproduce(self, token: FromPath[str]) -> versions.Reproduction:
        link = await documents._usable_link(token)
        return await versions.reproduce_document(int(link["document"]))
