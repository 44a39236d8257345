"""The bid document: generate a version (rendered in the background, its progress polled by HTMX), list versions
with links to their files (served by ``consortium.documents.controllers``, the API's addresses), and create or
revoke the links funders use to download a version."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath

from consortium.accounts.principal import Principal
from consortium.bids import figures
from consortium.bids import schemas as bid_schemas
from consortium.documents import schemas
from consortium.documents import services as documents
from consortium.errors import ServiceError
from consortium.signoffs import services as signoffs
from consortium.web.identity import AppSettings, CurrentUser
from consortium.web.pages import confirm, forms
from consortium.web.pages.common import PageController, PageRequest, convenor_bid
from consortium.web.pages.rendering import redirect, render


async def _cards(user: Principal, listed: list[schemas.Document]) -> list[dict[str, Any]]:
    """Each version with its share links (only ready versions can have any) and its sign-off."""
    return [
        {
            "document": d,
            "links": await documents.list_share_links(user, d.id) if d.state == "ready" else [],
            "sign_off": await signoffs.card(user, d.bid_id, d.id, d.version) if d.state == "ready" else None,
        }
        for d in listed
    ]


class DocumentPages(PageController):
    @get("/bids/{bid_id:int}/documents", name="bid-documents")
    async def index(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, bid_id: FromPath[int]
    ) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        return await self._page(request, user, settings.share_link_days, bid)

    async def _page(
        self,
        request: PageRequest,
        user: Principal,
        default_days: int,
        bid: bid_schemas.Bid,
        *,
        new_link: schemas.ShareLink | None = None,
        errors: forms.FormErrors | None = None,
        status_code: int = 200,
        values: dict[str, str] | None = None,
    ) -> Response[Any]:
        listed = await documents.list_documents(user, bid.id)
        eligibility = await figures.bid_eligibility(user, bid.id)
        return await render(
            request,
            "convenor/documents.html",
            {
                "bid": bid,
                "cards": await _cards(user, listed),
                "eligibility": eligibility,
                "new_link": new_link,
                "errors": errors or forms.FormErrors(),
                "default_days": default_days,
                "values": values or {},
                "tab": "documents",
            },
            status_code=status_code,
        )

    @post("/bids/{bid_id:int}/documents")
    async def generate(self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int]) -> Response[Any]:
        await convenor_bid(user, bid_id)
        form = await request.form()
        variant = forms.text(form, "variant") or documents.DEFAULT_VARIANT
        try:
            created = await documents.create_document(user, bid_id, variant)
        except ServiceError as error:
            return redirect(request, f"/bids/{bid_id}/documents", error.message, kind="error")
        return redirect(
            request,
            f"/bids/{bid_id}/documents",
            f"Version {created.version} is on its way. Its card below shows its progress, then its downloads when it "
            "is ready (usually within a few seconds).",
            kind="info",
        )

    @get("/documents/{document_id:int}/status", name="document-status")
    async def status(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, document_id: FromPath[int]
    ) -> Response[Any]:
        """One version's card, for HTMX to poll while it is being made."""
        document = await documents.read_document(user, document_id)
        bid = await convenor_bid(user, document.bid_id)
        cards = await _cards(user, [document])
        return await render(
            request,
            "convenor/_document_card.html",
            {
                "bid": bid,
                "card": cards[0],
                "default_days": settings.share_link_days,
                "errors": forms.FormErrors(),
                "values": {},
            },
            fragment=True,
        )

    @post("/documents/{document_id:int}/share-links")
    async def share(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings, document_id: FromPath[int]
    ) -> Response[Any]:
        document = await documents.read_document(user, document_id)
        bid = await convenor_bid(user, document.bid_id)
        form = await request.form()
        errors = forms.FormErrors()
        field = f"days-{document_id}"
        send_field = f"send-to-{document_id}"
        values = {
            field: forms.text(form, "days"),
            f"label-{document_id}": forms.text(form, "label"),
            send_field: forms.text(form, "send_to"),
        }
        days = forms.whole_number(values[field], field, errors, what="how many days the link lasts", low=1, high=365)
        if not errors:
            data = forms.convert(
                {
                    "label": values[f"label-{document_id}"],
                    "expires_in_days": days,
                    "send_to": values[send_field] or None,
                },
                schemas.ShareLinkCreate,
                errors,
                {"label": "the label", "send_to": "the funder's email address"},
                {"send_to": send_field},
            )
            if data is not None:
                try:
                    link = await documents.create_share_link(settings, user, document_id, data)
                except ServiceError as error:
                    errors.add_service_error(error, {"expires_in_days": field, "send_to": send_field}, default=field)
                else:
                    return await self._page(
                        request, user, settings.share_link_days, bid, new_link=link, status_code=201
                    )
        return await self._page(
            request, user, settings.share_link_days, bid, errors=errors, status_code=422, values=values
        )

    @post("/share-links/{link_id:int}/revoke")
    async def revoke(self, request: PageRequest, user: CurrentUser, link_id: FromPath[int]) -> Response[Any]:
        asked = await confirm.share_link_revocation(user, link_id)
        if asked is not None and not confirm.confirmed(await request.form()):
            return await confirm.ask(request, asked)
        link = await documents.revoke_share_link(user, link_id)
        document = await documents.read_document(user, link.document_id)
        label = f" ‘{link.label}’" if link.label else ""
        return redirect(
            request, f"/bids/{document.bid_id}/documents", f"The share link{label} no longer works.", kind="info"
        )
