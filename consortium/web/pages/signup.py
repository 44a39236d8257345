"""Starting a network from the web: a new person signs up with their network (/sign-up), or someone signed in
starts another (/networks/new). Both answer 404 when the operator has turned this off (CONSORTIUM_OPEN_SIGNUP)."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post

from consortium.errors import ServiceError
from consortium.networks import services as networks
from consortium.web.cookies import new_session_cookie
from consortium.web.identity import AppSettings, MaybeUser, client_address, provide_user
from consortium.web.pages import forms
from consortium.web.pages.account import PASSWORD_HINT
from consortium.web.pages.common import PageController, PageRequest
from consortium.web.pages.rendering import redirect, render

SIGN_UP_FIELDS = ("name", "email", "password", "password_again", "network_name")
SIGN_UP_FIELD_IDS = {"name": "name", "email": "email", "password": "password", "network_name": "network_name"}
# Refusals a person can fix on the form: shown beside the field, the page answering with the refusal's status.
SHOWN_ON_FORM = {409, 422, 429}


def _welcome(network_name: str) -> str:
    return (
        f"{network_name} is ready and you are its convenor. Next, start its first bid. You can invite other "
        "people to convene it with you from the network's team page."
    )


class SignUpPages(PageController):
    @get("/sign-up", name="sign-up")
    async def sign_up_form(self, request: PageRequest, principal: MaybeUser, settings: AppSettings) -> Response[Any]:
        networks.require_open_signup(settings)
        if principal is not None:
            return redirect(request, "/networks/new")
        return await self._sign_up_page(request, {"name": "", "email": "", "network_name": ""}, forms.FormErrors())

    @post("/sign-up")
    async def sign_up(self, request: PageRequest, settings: AppSettings) -> Response[Any]:
        networks.require_open_signup(settings)
        form = await request.form()
        values = {"name": forms.text(form, "name"), "email": forms.text(form, "email")}
        values["network_name"] = forms.text(form, "network_name")
        password, again = forms.raw(form, "password"), forms.raw(form, "password_again")
        errors = forms.FormErrors()
        status = 422
        if password and password != again:
            errors.add("password_again", "The two passwords are not the same. Type your password twice.")
        try:
            if errors:  # the rest of the form, checked in the same round
                await networks.check_sign_up(**values, password=password)
            else:
                user_id, _ = await networks.sign_up_with_network(
                    settings, **values, password=password, address=client_address(request)
                )
        except ServiceError as error:
            if error.status_code not in SHOWN_ON_FORM:
                raise
            errors.add_service_error(error, SIGN_UP_FIELD_IDS, default="email")
            status = error.status_code
        else:
            if not errors:
                return redirect(
                    request,
                    "/bids/new",
                    _welcome(values["network_name"]),
                    cookies=[await new_session_cookie(request, settings, user_id)],
                )
        errors.in_order(SIGN_UP_FIELDS)
        return await self._sign_up_page(request, values, errors, status_code=status)

    async def _sign_up_page(
        self, request: PageRequest, values: dict[str, str], errors: forms.FormErrors, *, status_code: int = 200
    ) -> Response[Any]:
        context = {"values": values, "errors": errors, "password_hint": PASSWORD_HINT}
        return await render(request, "auth/sign_up.html", context, status_code=status_code)

    @get("/networks/new", name="network-new")
    async def network_form(self, request: PageRequest, principal: MaybeUser, settings: AppSettings) -> Response[Any]:
        networks.require_open_signup(settings)  # before asking anyone to sign in: the page is not there at all
        await provide_user(principal)
        return await render(
            request, "convenor/network_new.html", {"values": {"name": ""}, "errors": forms.FormErrors()}
        )

    @post("/networks/new")
    async def create_network(self, request: PageRequest, principal: MaybeUser, settings: AppSettings) -> Response[Any]:
        networks.require_open_signup(settings)
        user = await provide_user(principal)
        form = await request.form()
        values = {"name": forms.text(form, "name")}
        errors = forms.FormErrors()
        try:
            await networks.start_network(user, values["name"])
        except ServiceError as error:
            if error.status_code not in SHOWN_ON_FORM:
                raise
            errors.add_service_error(error, {"name": "name"}, default="name")
            return await render(
                request,
                "convenor/network_new.html",
                {"values": values, "errors": errors},
                status_code=error.status_code,
            )
        return redirect(request, "/bids/new", _welcome(values["name"]))
