"""What a funder opens from a share link (no account): which document this is, links to its files (served by
``consortium.documents.controllers`` at /shared/{token}/{file}), and a form to check that a PDF they hold is exactly
one Consortium made (its SHA-256, computed here, looked up with ``verify``)."""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath

from consortium.documents import schemas
from consortium.documents import services as documents
from consortium.errors import BadInput
from consortium.web.identity import client_address
from consortium.web.pages import forms
from consortium.web.pages.common import PageController, PageRequest
from consortium.web.pages.rendering import render

MAX_PDF_BYTES = 25_000_000  # a 400-member bid document is a few MB


def _who(request: PageRequest) -> tuple[str, str]:
    return client_address(request), request.headers.get("user-agent", "")


async def check_pdf(form: Any, errors: forms.FormErrors) -> tuple[schemas.Verification | None, str]:
    """The uploaded PDF's SHA-256, and what Consortium knows of it."""
    upload = forms.upload(form, "pdf")
    if upload is None:
        errors.add("pdf", "Choose the PDF file to check.")
        return None, ""
    data = await forms.read_upload(upload, MAX_PDF_BYTES)
    if len(data) > MAX_PDF_BYTES:
        errors.add("pdf", f"The file is larger than {MAX_PDF_BYTES // 1_000_000} MB, so it is not one of ours.")
        return None, ""
    if not data.startswith(b"%PDF-"):
        errors.add("pdf", "That file is not a PDF. Choose the bid document's PDF file.")
        return None, ""
    digest = hashlib.sha256(data).hexdigest()
    try:
        return await documents.verify(digest), digest
    except BadInput as error:
        errors.add("pdf", error.message)
        return None, digest


class SharedPages(PageController):
    @get("/shared/{token:str}", name="shared")
    async def show(self, request: PageRequest, token: FromPath[str]) -> Response[Any]:
        shared = await documents.shared_document(token, *_who(request))
        return await self._page(request, token, shared)

    async def _page(
        self,
        request: PageRequest,
        token: str,
        shared: schemas.SharedDocument,
        *,
        verification: schemas.Verification | None = None,
        checked_sha256: str = "",
        errors: forms.FormErrors | None = None,
        status_code: int = 200,
    ) -> Response[Any]:
        return await render(
            request,
            "funder/shared.html",
            {
                "token": token,
                "shared": shared,
                "verification": verification,
                "checked_sha256": checked_sha256,
                "errors": errors or forms.FormErrors(),
                "max_mb": MAX_PDF_BYTES // 1_000_000,
            },
            status_code=status_code,
        )

    @post("/shared/{token:str}/check", request_max_body_size=MAX_PDF_BYTES + 100_000)
    async def check(self, request: PageRequest, token: FromPath[str]) -> Response[Any]:
        shared = await documents.shared_document(token, *_who(request))
        errors = forms.FormErrors()
        form = await request.form()
        verification, digest = await check_pdf(form, errors)
        await forms.close_uploads(form)
        return await self._page(
            request,
            token,
            shared,
            verification=verification,
            checked_sha256=digest,
            errors=errors,
            status_code=422 if errors else 200,
        )
