"""What a funder opens from a share link (no account): which document this is, links to its files (served by
``consortium.documents.controllers`` at /shared/{token}/{file}), and a form to check that a PDF they hold is exactly
one Consortium made (its SHA-256, computed here, looked up with ``verify``) and whether it is the document shared
through this link, another version of the same bid or another bid's (``consortium.documents.checker``)."""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath

from consortium.documents import checker, schemas
from consortium.documents import services as documents
from consortium.errors import BadInput
from consortium.web.identity import client_address
from consortium.web.pages import forms
from consortium.web.pages.common import PageController, PageRequest
from consortium.web.pages.rendering import render

MAX_PDF_BYTES = 25_000_000  # a 400-member bid document is a few MB


def _who(request: PageRequest) -> tuple[str, str]:
    return client_address(request), request.headers.get("user-agent", "")


async def uploaded_sha256(form: Any, errors: forms.FormErrors) -> str:
    """The SHA-256 of the uploaded file (the PDF, or its data: snapshot.json), or else of the one pasted; "" when
    there is neither (the problem is in ``errors``)."""
    upload = forms.upload(form, "pdf")
    pasted = forms.text(form, "sha256")
    if upload is None:
        if pasted:
            try:
                return checker.clean_sha256(pasted)
            except BadInput as error:
                errors.add("sha256", error.message)
                return ""
        errors.add("pdf", "Choose the PDF (or its data file, snapshot.json) to check, or paste its SHA-256.")
        return ""
    data = await forms.read_upload(upload, MAX_PDF_BYTES)
    if len(data) > MAX_PDF_BYTES:
        errors.add("pdf", f"The file is larger than {MAX_PDF_BYTES // 1_000_000} MB, so it is not one of ours.")
        return ""
    if not data.startswith(b"%PDF-") and not data.lstrip().startswith(b"{"):
        errors.add("pdf", "That file is not a PDF or a data file. Choose the bid document's PDF (or snapshot.json).")
        return ""
    return hashlib.sha256(data).hexdigest()


async def check_pdf(form: Any, errors: forms.FormErrors) -> tuple[schemas.Verification | None, str]:
    """The uploaded file's SHA-256, and what Consortium knows of it."""
    digest = await uploaded_sha256(form, errors)
    if not digest:
        return None, ""
    try:
        return await documents.verify(digest), digest
    except BadInput as error:
        errors.add("pdf", error.message)
        return None, digest


class SharedPages(PageController):
    @get("/shared/{token:str}", name="shared")
    async def show(self, request: PageRequest, token: FromPath[str]) -> Response[Any]:
        shared = await documents.shared_document(token, *_who(request))
        return await self._page(request, token, shared, since=await checker.changes_since_download(token))

    async def _page(
        self,
        request: PageRequest,
        token: str,
        shared: schemas.SharedDocument,
        *,
        verification: schemas.Verification | None = None,
        checked_sha256: str = "",
        check: checker.CheckResult | None = None,
        since: checker.SinceDownload | None = None,
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
                "check": check,  # the file against this link's document (documents.checker)
                "since": since,  # what changed since an earlier version was downloaded
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
        check = await checker.check(token, digest) if digest and not errors else None
        return await self._page(
            request,
            token,
            shared,
            verification=verification,
            checked_sha256=digest,
            check=check,
            since=await checker.changes_since_download(token),
            errors=errors,
            status_code=422 if errors else 200,
        )
