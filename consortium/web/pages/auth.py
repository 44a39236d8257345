"""Signing in and out, and the home page that sends each person where they work."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, get, post
from litestar.params import QueryParameter

from consortium.accounts import services as accounts
from consortium.bids import services as bids
from consortium.errors import ServiceError
from consortium.web.cookies import new_session_cookie, session_cookie
from consortium.web.identity import SESSION_COOKIE, AppSettings, MaybeUser, client_address
from consortium.web.pages import forms
from consortium.web.pages.common import PageController, PageRequest
from consortium.web.pages.rendering import redirect, render, safe_next

NextPage = Annotated[str | None, QueryParameter(name="next", required=False, max_length=500)]


class AuthPages(PageController):
    @get("/", name="home")
    async def home(self, request: PageRequest, principal: MaybeUser) -> Response[Any]:
        if principal is None:
            return redirect(request, "/sign-in")
        if not principal.convenor_network_ids:
            mine = await bids.list_bids(principal)
            if len(mine) == 1:
                return redirect(request, f"/bids/{mine[0].id}")
        return redirect(request, "/bids")

    @get("/sign-in", name="sign-in")
    async def sign_in_form(
        self, request: PageRequest, principal: MaybeUser, next_page: NextPage = None
    ) -> Response[Any]:
        if principal is not None:
            return redirect(request, safe_next(next_page))
        return await render(
            request,
            "auth/sign_in.html",
            {"values": {"email": "", "next": safe_next(next_page, "")}, "errors": forms.FormErrors()},
        )

    @post("/sign-in")
    async def sign_in(self, request: PageRequest, settings: AppSettings) -> Response[Any]:
        form = await request.form()
        values = {"email": forms.text(form, "email"), "next": safe_next(forms.text(form, "next"), "")}
        password = forms.raw(form, "password")
        errors = forms.FormErrors()
        if not values["email"]:
            errors.add("email", "Enter your email address.")
        if not password:
            errors.add("password", "Enter your password.")
        status = 422
        if not errors:
            try:
                user_id = await accounts.authenticate(settings, values["email"], password, client_address(request))
            except ServiceError as error:
                errors.add_service_error(error, {"email": "email", "password": "password"}, default="email")
                status = error.status_code if error.status_code == 429 else 422
            else:
                signed_in = await new_session_cookie(request, settings, user_id)
                return redirect(request, values["next"] or "/", cookies=[signed_in])
        return await render(request, "auth/sign_in.html", {"values": values, "errors": errors}, status_code=status)

    @post("/sign-out")
    async def sign_out(self, request: PageRequest, settings: AppSettings) -> Response[Any]:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await accounts.end_session(token)
        return redirect(
            request, "/sign-in", "You have signed out.", kind="info", cookies=[session_cookie(settings, None)]
        )
