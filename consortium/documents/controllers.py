from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from consortium.documents import schemas
from consortium.documents import services as documents
from consortium.documents.files import FILE_NAMES
from consortium.web.downloads import download
from consortium.web.identity import AppSettings, CurrentUser, client_address
from consortium.web.openapi import FILE_RESPONSES
from consortium.words import DEFAULT_VARIANT, Variant


class DocumentCreate(msgspec.Struct, forbid_unknown_fields=True):
    variant: Variant = DEFAULT_VARIANT  # words.VARIANT_NAMES says what each is


class BidDocumentController(Controller):
    path = "/api/v1/bids/{bid_id:int}/documents"
    tags = ["Documents"]

    @post("/", status_code=202, summary="Freeze a snapshot and make the bid document (convenors)")
    async def create(
        self, user: CurrentUser, bid_id: FromPath[int], data: JSONBody[DocumentCreate | None] = None
    ) -> schemas.Document:
        return await documents.create_document(user, bid_id, (data or DocumentCreate()).variant)

    @get("/", summary="Every version of the bid document")
    async def index(self, user: CurrentUser, bid_id: FromPath[int]) -> list[schemas.Document]:
        return await documents.list_documents(user, bid_id)


class DocumentController(Controller):
    path = "/api/v1/documents"
    tags = ["Documents"]

    @get("/verify", summary="Which bid and version a PDF (or its snapshot) is, by SHA-256 (no sign-in needed)")
    async def verify(
        self, sha256: Annotated[str, QueryParameter(name="sha256", min_length=1, max_length=200)]
    ) -> schemas.Verification:
        return await documents.verify(sha256)

    @get("/{document_id:int}", summary="A document version and its state (rendering, ready or failed)")
    async def read(self, user: CurrentUser, document_id: FromPath[int]) -> schemas.Document:
        return await documents.read_document(user, document_id)

    @post("/{document_id:int}/share-links", summary="A link for a funder to download this version")
    async def share(
        self,
        user: CurrentUser,
        settings: AppSettings,
        document_id: FromPath[int],
        data: JSONBody[schemas.ShareLinkCreate],
    ) -> schemas.ShareLink:
        return await documents.create_share_link(settings, user, document_id, data)

    @get("/{document_id:int}/share-links", summary="This version's share links and their downloads")
    async def share_links(self, user: CurrentUser, document_id: FromPath[int]) -> list[schemas.ShareLink]:
        return await documents.list_share_links(user, document_id)


class ShareLinkController(Controller):
    path = "/api/v1/share-links"
    tags = ["Documents"]

    @post("/{link_id:int}/revoke", status_code=200, summary="Stop a share link working")
    async def revoke(self, user: CurrentUser, link_id: FromPath[int]) -> schemas.ShareLink:
        return await documents.revoke_share_link(user, link_id)


class SharedController(Controller):
    """What a funder opens from a share link: no account needed; a revoked or expired link answers 410."""

    path = "/api/v1/shared"
    tags = ["Funders"]

    @get("/{token:str}", summary="What the shared document is")
    async def read(self, request: Request[Any, Any, Any], token: FromPath[str]) -> schemas.SharedDocument:
        return await documents.shared_document(token, client_address(request), request.headers.get("user-agent", ""))


_FILES = ", ".join(FILE_NAMES)


class DocumentFileController(Controller):
    """A version's files, for the bid's convenors: one address for the API and the pages alike."""

    path = "/bids/{bid_id:int}/documents/{version:int}"
    tags = ["Documents"]

    @get("/{file:str}", summary=f"Download a file of a document version ({_FILES})", responses=FILE_RESPONSES)
    async def download_file(
        self, user: CurrentUser, bid_id: FromPath[int], version: FromPath[int], file: FromPath[str]
    ) -> Response[bytes]:
        found = await documents.document_file(user, bid_id, version, file)
        return download(found.content, found.file_name, found.media_type)


class SharedFileController(Controller):
    """The shared version's files, for whoever holds a working share link (each download is logged)."""

    path = "/shared/{token:str}"
    tags = ["Funders"]

    @get("/{file:str}", summary=f"Download a file of the shared document ({_FILES})", responses=FILE_RESPONSES)
    async def download_file(
        self, request: Request[Any, Any, Any], token: FromPath[str], file: FromPath[str]
    ) -> Response[bytes]:
        found = await documents.shared_file(token, file, client_address(request), request.headers.get("user-agent", ""))
        return download(found.content, found.file_name, found.media_type)
