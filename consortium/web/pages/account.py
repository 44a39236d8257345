"""The account page (password, API tokens, signing out everywhere) and choosing a new password with a reset link."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath

from consortium.accounts import resets
from consortium.accounts import services as accounts
from consortium.accounts.principal import Principal
from consortium.accounts.schemas import Token
from consortium.accounts.security import MIN_PASSWORD_LENGTH
from consortium.errors import ServiceError
from consortium.validation import too_long
from consortium.web.cookies import session_cookie
from consortium.web.identity import SESSION_COOKIE, AppSettings, CurrentUser, client_address
from consortium.web.pages import confirm, forms
from consortium.web.pages.common import PageController, PageRequest
from consortium.web.pages.rendering import redirect, render
from consortium.words import count_text

PASSWORD_HINT = (
    f"At least {MIN_PASSWORD_LENGTH} characters. Three or four unrelated words together work well; "
    "we refuse common passwords and ones built on your name or email address."
)


def ended_words(sessions_ended: int, tokens_revoked: int) -> str:
    """'2 other sessions ended and 1 API token revoked.' (what a password change or sign-out did)."""
    return f"{count_text(sessions_ended, 'session')} ended and {count_text(tokens_revoked, 'API token')} revoked."


async def _tokens(user: Principal) -> list[Token]:
    return [Token(**row) for row in await accounts.list_api_tokens(user.user_id)]


async def _account_page(
    request: PageRequest, user: Principal, *, status_code: int = 200, **extra: Any
) -> Response[Any]:
    context: dict[str, Any] = {
        "tokens": await accounts.list_api_tokens(user.user_id),
        "password_errors": forms.FormErrors(),
        "token_errors": forms.FormErrors(),
        "token_values": {"token_name": "", "token_days": str(accounts.DEFAULT_TOKEN_DAYS)},
        "new_token": None,
        "password_hint": PASSWORD_HINT,
        "max_token_days": accounts.MAX_TOKEN_DAYS,
        **extra,
    }
    # One error summary for the page: the form that was sent.
    context["errors"] = context["password_errors"] or context["token_errors"]
    return await render(request, "auth/account.html", context, status_code=status_code)


class AccountPages(PageController):
    @get("/account", name="account")
    async def account(self, request: PageRequest, user: CurrentUser) -> Response[Any]:
        return await _account_page(request, user)

    @post("/account/password")
    async def change_password(self, request: PageRequest, user: CurrentUser, settings: AppSettings) -> Response[Any]:
        form = await request.form()
        current = forms.raw(form, "current_password")
        new = forms.raw(form, "new_password")
        again = forms.raw(form, "new_password_again")
        errors = forms.FormErrors()
        status = 422
        if not current:
            errors.add("current_password", "Enter your current password.")
        if not new:
            errors.add("new_password", "Choose a new password.")
        elif new != again:
            errors.add("new_password_again", "The two new passwords are not the same. Type the new one twice.")
        if not errors:
            try:
                ended = await accounts.change_password(settings, user, current, new, client_address(request))
            except ServiceError as error:
                if error.status_code not in {422, 429}:
                    raise
                status = error.status_code
                errors.add_service_error(
                    error, {"current_password": "current_password", "new_password": "new_password"}, "current_password"
                )
            else:
                return redirect(
                    request,
                    "/account",
                    "Your password is changed. You are still signed in here; everywhere else you are signed out and "
                    f"your API tokens no longer work ({ended_words(ended.sessions_ended, ended.tokens_revoked)}) "
                    "Create new tokens for your scripts.",
                )
        return await _account_page(request, user, status_code=status, password_errors=errors)

    @post("/account/tokens")
    async def create_token(self, request: PageRequest, user: CurrentUser) -> Response[Any]:
        form = await request.form()
        values = {"token_name": forms.text(form, "token_name"), "token_days": forms.text(form, "token_days")}
        errors = forms.FormErrors()
        if len(values["token_name"]) > 300:
            errors.add("token_name", f"The token's name {too_long(300, values['token_name'])}.")
        forms.refuse_control_characters(values, errors, {"token_name": "the token's name", "token_days": "the days"})
        days = forms.whole_number(
            values["token_days"],
            "token_days",
            errors,
            what="how many days the token works",
            low=1,
            high=accounts.MAX_TOKEN_DAYS,
        )
        if not errors and days is not None:
            try:
                issued = await accounts.issue_api_token(user.user_id, values["token_name"] or "API token", days=days)
            except ServiceError as error:
                if error.status_code != 422:
                    raise
                errors.add_service_error(error, {"name": "token_name", "expires_in_days": "token_days"}, "token_name")
            else:
                return await _account_page(request, user, status_code=201, new_token=issued)
        return await _account_page(request, user, status_code=422, token_errors=errors, token_values=values)

    @post("/account/tokens/{token_id:int}/revoke")
    async def revoke_token(self, request: PageRequest, user: CurrentUser, token_id: FromPath[int]) -> Response[Any]:
        token = next((t for t in await _tokens(user) if t.id == token_id), None)
        if token is not None and token.status != "revoked" and not confirm.confirmed(await request.form()):
            return await confirm.ask(request, confirm.token_revocation(token))
        await accounts.revoke_api_token(user.user_id, token_id)
        return redirect(request, "/account", "The API token is revoked: scripts using it are refused from now on.")

    @post("/account/sign-out-everywhere")
    async def sign_out_everywhere(
        self, request: PageRequest, user: CurrentUser, settings: AppSettings
    ) -> Response[Any]:
        if not confirm.confirmed(await request.form()):
            return await confirm.ask(request, confirm.sign_out_everywhere(await _tokens(user)))
        ended = await accounts.sign_out_everywhere(user)
        return redirect(
            request,
            "/sign-in",
            f"You are signed out everywhere ({ended_words(ended.sessions_ended, ended.tokens_revoked)})",
            kind="info",
            cookies=[session_cookie(settings, None)],
        )


class ResetPages(PageController):
    @get("/reset/{token:str}", name="password-reset")
    async def show(self, request: PageRequest, token: FromPath[str]) -> Response[Any]:
        info = await resets.reset_link_info(token)
        return await render(
            request,
            "auth/reset.html",
            {"token": token, "info": info, "errors": forms.FormErrors(), "password_hint": PASSWORD_HINT},
        )

    @post("/reset/{token:str}")
    async def reset(self, request: PageRequest, settings: AppSettings, token: FromPath[str]) -> Response[Any]:
        info = await resets.reset_link_info(token)
        form = await request.form()
        password = forms.raw(form, "password")
        errors = forms.FormErrors()
        if not password:
            errors.add("password", "Choose a new password.")
        elif password != forms.raw(form, "password_again"):
            errors.add("password_again", "The two passwords are not the same. Type the new one twice.")
        if not errors:
            try:
                await resets.use_reset_link(token, password)
            except ServiceError as error:
                if error.status_code != 422:
                    raise
                errors.add_service_error(error, {"password": "password"}, "password")
            else:
                # Whoever is at this browser signs in afresh with the new password.
                browser_session = request.cookies.get(SESSION_COOKIE)
                if browser_session:
                    await accounts.end_session(browser_session)
                return redirect(
                    request,
                    "/sign-in",
                    "Your password is changed. Sign in with it now. Every earlier sign-in has ended and your API "
                    "tokens no longer work.",
                    cookies=[session_cookie(settings, None)],
                )
        return await render(
            request,
            "auth/reset.html",
            {"token": token, "info": info, "errors": errors, "password_hint": PASSWORD_HINT},
            status_code=422,
        )
