from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, JSONBody

from consortium.accounts import schemas
from consortium.accounts import services as accounts
from consortium.web.identity import SESSION_COOKIE, AppSettings, CurrentUser, client_address


def session_cookie(settings: AppSettings, token: FromPath[str] | None) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=token or "",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
        max_age=settings.session_hours * 3600 if token else 0,
    )


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["Accounts"]

    @post("/sign-in", status_code=200, summary="Sign in with email and password (sets a session cookie)")
    async def sign_in(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.SignIn], settings: AppSettings
    ) -> Response[schemas.SignedIn]:
        user_id = await accounts.authenticate(settings, data.email, data.password, client_address(request))
        session = await accounts.start_session(settings, user_id, replacing_token=request.cookies.get(SESSION_COOKIE))
        principal = await accounts.load_principal(user_id)
        body = schemas.SignedIn(
            user_id=user_id, name=principal.name, email=principal.email, csrf_token=session.csrf_token
        )
        return Response(body, cookies=[session_cookie(settings, session.token)])

    @post("/sign-out", status_code=200, summary="End this browser session")
    async def sign_out(self, request: Request[Any, Any, Any], settings: AppSettings) -> Response[dict[str, str]]:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await accounts.end_session(token)
        return Response({"message": "You are signed out."}, cookies=[session_cookie(settings, None)])

    @get("/me", summary="Who you are signed in as")
    async def me(self, user: CurrentUser) -> schemas.Me:
        return schemas.Me(
            user_id=user.user_id,
            name=user.name,
            email=user.email,
            convenor_of_networks=sorted(user.convenor_network_ids),
            organisations=sorted(user.organisation_ids),
        )

    @post("/tokens", summary="Create an API token for scripts (shown once)")
    async def create_token(self, user: CurrentUser, data: JSONBody[schemas.TokenCreate]) -> schemas.NewToken:
        token_id, token = await accounts.create_api_token(user.user_id, data.name)
        return schemas.NewToken(id=token_id, name=data.name, token=token)

    @get("/tokens", summary="Your API tokens")
    async def list_tokens(self, user: CurrentUser) -> list[schemas.Token]:
        return [schemas.Token(**row) for row in await accounts.list_api_tokens(user.user_id)]

    @delete("/tokens/{token_id:int}", status_code=204, summary="Revoke an API token")
    async def revoke_token(self, user: CurrentUser, token_id: FromPath[int]) -> None:
        await accounts.revoke_api_token(user.user_id, token_id)
