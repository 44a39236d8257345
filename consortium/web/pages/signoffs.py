"""Sign-off pages: a member's signatory reads the version it is asked to sign off (its own row as the document
states it, what changed since it last signed off) and signs it off or declines it (a confirmation page with a
reason); the convenor asks for sign-off from the documents page and follows each member's decision."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.params import FromPath, QueryParameter

from consortium.documents import files
from consortium.errors import BadInput, Conflict, NotFound
from consortium.signoffs import services as signoffs
from consortium.web.downloads import download
from consortium.web.identity import AppSettings, CurrentUser
from consortium.web.pages import forms
from consortium.web.pages.common import PageController, PageRequest, convenor_bid, member_bid
from consortium.web.pages.rendering import redirect, render

OrganisationChoice = Annotated[int | None, QueryParameter(name="organisation_id", required=False, ge=1)]


def _whole(form: Any, name: str) -> int:
    text = forms.text(form, name)
    if not text.isdigit() or len(text) > 9:
        raise BadInput("The form is missing what it signs off. Reload the page and try again.")
    return int(text)


class SignOffPages(PageController):
    # --- members ------------------------------------------------------------------------------------------------

    @get("/bids/{bid_id:int}/sign-off", name="sign-off")
    async def show(self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int]) -> Response[Any]:
        bid = await member_bid(user, bid_id)
        view = await signoffs.member_view(user, bid_id)
        return await render(request, "member/sign_off.html", {"bid": bid, "view": view})

    @post("/bids/{bid_id:int}/sign-off")
    async def sign(self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int]) -> Response[Any]:
        await member_bid(user, bid_id)
        form = await request.form()
        version, organisation_id = _whole(form, "version"), _whole(form, "organisation_id")
        try:
            done = await signoffs.decide(user, bid_id, version, organisation_id, "signed")
        except (Conflict, BadInput) as error:
            return redirect(request, f"/bids/{bid_id}/sign-off", error.message, kind="error")
        return redirect(
            request,
            f"/bids/{bid_id}/sign-off",
            f"{done.organisation_name} has signed off version {version}. The convenor can see it now.",
        )

    @get("/bids/{bid_id:int}/sign-off/decline", name="sign-off-decline")
    async def decline_form(
        self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int], organisation_id: OrganisationChoice = None
    ) -> Response[Any]:
        bid = await member_bid(user, bid_id)
        view = await signoffs.member_view(user, bid_id)
        chosen = self._chosen(view, organisation_id)
        await signoffs.may_sign_for(user, bid_id, chosen.organisation_id)
        return await render(
            request,
            "member/sign_off_decline.html",
            {"bid": bid, "view": view, "chosen": chosen, "errors": forms.FormErrors(), "reason": ""},
        )

    @post("/bids/{bid_id:int}/sign-off/decline")
    async def decline(self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int]) -> Response[Any]:
        bid = await member_bid(user, bid_id)
        form = await request.form()
        version, organisation_id = _whole(form, "version"), _whole(form, "organisation_id")
        reason = forms.text(form, "reason")
        try:
            done = await signoffs.decide(user, bid_id, version, organisation_id, "declined", reason)
        except BadInput as error:
            view = await signoffs.member_view(user, bid_id)
            errors = forms.FormErrors()
            errors.add("reason", error.message)
            return await render(
                request,
                "member/sign_off_decline.html",
                {
                    "bid": bid,
                    "view": view,
                    "chosen": self._chosen(view, organisation_id),
                    "errors": errors,
                    "reason": reason,
                },
                status_code=422,
            )
        except Conflict as error:
            return redirect(request, f"/bids/{bid_id}/sign-off", error.message, kind="error")
        return redirect(
            request,
            f"/bids/{bid_id}/sign-off",
            f"{done.organisation_name} has declined to sign off version {version}. The convenor can see your reason.",
            kind="info",
        )

    @staticmethod
    def _chosen(view: signoffs.MemberView | None, organisation_id: int | None) -> signoffs.OwnSignOff:
        if view is None:
            raise NotFound("The convenor has not asked your organisation to sign off a version of this bid yet.")
        for entry in view.organisations:
            if organisation_id is None or entry.organisation_id == organisation_id:
                return entry
        raise NotFound("There is no member organisation with that number that you act for in this bid.")

    @get("/bids/{bid_id:int}/sign-off/{version:int}/bid.pdf", name="sign-off-pdf")
    async def pdf(
        self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int], version: FromPath[int]
    ) -> Response[bytes]:
        content, title = await signoffs.member_pdf(user, bid_id, version)
        return download(content, files.download_name(title, version, files.file_named(files.PDF)), "application/pdf")

    # --- convenors ------------------------------------------------------------------------------------------------

    @get("/bids/{bid_id:int}/sign-offs/{version:int}", name="sign-offs")
    async def status(
        self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int], version: FromPath[int]
    ) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        status = await signoffs.sign_off_status(user, bid_id, version)
        return await render(request, "convenor/sign_offs.html", {"bid": bid, "status": status, "tab": "documents"})

    @post("/bids/{bid_id:int}/sign-offs/{version:int}/request")
    async def ask(
        self,
        request: PageRequest,
        user: CurrentUser,
        settings: AppSettings,
        bid_id: FromPath[int],
        version: FromPath[int],
    ) -> Response[Any]:
        await convenor_bid(user, bid_id)
        form = await request.form()
        try:
            status = await signoffs.request_sign_off(settings, user, bid_id, version, forms.text(form, "message"))
        except (Conflict, BadInput) as error:
            return redirect(request, f"/bids/{bid_id}/documents", error.message, kind="error")
        carried = sum(m.status == signoffs.CARRIED for m in status.members)
        said = f" {carried} carried over from an earlier version: nothing in their row changed." if carried else ""
        return redirect(
            request,
            f"/bids/{bid_id}/sign-offs/{version}",
            f"We have asked the members' signatories to sign off version {version}.{said}",
        )
