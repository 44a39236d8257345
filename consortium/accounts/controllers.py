from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, JSONBody

from consortium.accounts import resets, schemas
from consortium.accounts import services as accounts
from consortium.web.cookies import session_cookie
from consortium.web.identity import SESSION_COOKIE, AppSettings, CurrentUser, client_address


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

    @post("/sign-out-everywhere", status_code=200, summary="End every session and revoke every API token")
    async def sign_out_everywhere(self, user: CurrentUser, settings: AppSettings) -> Response[schemas.SessionsEnded]:
        ended = await accounts.sign_out_everywhere(user)
        body = schemas.SessionsEnded(
            message="You are signed out everywhere: every browser session has ended and every API token is revoked.",
            sessions_ended=ended.sessions_ended,
            tokens_revoked=ended.tokens_revoked,
        )
        return Response(body, cookies=[session_cookie(settings, None)])

    @post("/password", status_code=200, summary="Change your password (ends your other sessions, revokes tokens)")
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        user: CurrentUser,
        settings: AppSettings,
        data: JSONBody[schemas.PasswordChange],
    ) -> schemas.SessionsEnded:
        ended = await accounts.change_password(
            settings, user, data.current_password, data.new_password, client_address(request)
        )
        return schemas.SessionsEnded(
            message="Your password is changed. Your other browser sessions have ended and your API tokens are "
            "revoked; create new tokens for your scripts.",
            sessions_ended=ended.sessions_ended,
            tokens_revoked=ended.tokens_revoked,
        )

    @post("/tokens", summary="Create an API token for scripts (shown once; works 90 days unless you say otherwise)")
    async def create_token(self, user: CurrentUser, data: JSONBody[schemas.TokenCreate]) -> schemas.NewToken:
        issued = await accounts.issue_api_token(user.user_id, data.name, days=data.expires_in_days)
        return schemas.NewToken(id=issued.id, name=issued.name, token=issued.token, expires_at=issued.expires_at)

    @get("/tokens", summary="Your API tokens (never their secrets)")
    async def list_tokens(self, user: CurrentUser) -> list[schemas.Token]:
        return [schemas.Token(**row) for row in await accounts.list_api_tokens(user.user_id)]

    @delete("/tokens/{token_id:int}", status_code=204, summary="Revoke an API token")
    async def revoke_token(self, user: CurrentUser, token_id: FromPath[int]) -> None:
        await accounts.revoke_api_token(user.user_id, token_id)

    @post("/reset-links", status_code=201, summary="Make a password reset link for a person in your network")
    async def create_reset_link(
        self, user: CurrentUser, settings: AppSettings, data: JSONBody[schemas.ResetLinkCreate]
    ) -> schemas.ResetLink:
        issued = await resets.issue_reset_link(settings, data.email, by=user)
        return schemas.ResetLink(
            user_id=issued.user_id, email=issued.email, name=issued.name, url=issued.url, expires_at=issued.expires_at
        )

    @get("/reset-links/{token:str}", summary="Whose password a reset link resets, while it works")
    async def reset_link_info(self, token: FromPath[str]) -> schemas.ResetLinkInfo:
        info = await resets.reset_link_info(token)
        return schemas.ResetLinkInfo(email=info.email, name=info.name, expires_at=info.expires_at)

    @post("/reset-links/{token:str}", status_code=200, summary="Choose a new password with a reset link (once)")
    async def use_reset_link(self, token: FromPath[str], data: JSONBody[schemas.ResetLinkUse]) -> dict[str, str]:
        await resets.use_reset_link(token, data.password)
        return {
            "message": "Your password is changed. Sign in with it. Every earlier sign-in has ended and your API "
            "tokens are revoked."
        }
