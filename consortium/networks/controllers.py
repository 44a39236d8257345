from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from consortium.networks import schemas, services
from consortium.networks.tables import Network
from consortium.web.identity import AppSettings, CurrentUser, MaybeUser, client_address, provide_user


class NetworkController(Controller):
    path = "/api/v1/networks"
    tags = ["Networks"]

    @get("/", summary="The networks you convene")
    async def index(self, user: CurrentUser) -> list[schemas.NetworkOut]:
        if not user.convenor_network_ids:
            return []
        rows = (
            await Network.select(Network.id, Network.name)
            .where(Network.id.is_in(list(user.convenor_network_ids)))
            .order_by(Network.name)
        )
        return [schemas.NetworkOut(**r) for r in rows]

    @post("/", status_code=201, summary="Start a network: you become its first convenor")
    async def create(
        self, principal: MaybeUser, settings: AppSettings, data: JSONBody[schemas.NetworkCreate]
    ) -> schemas.NetworkOut:
        services.require_open_signup(settings)  # turned off: not there at all, whoever asks
        user = await provide_user(principal)
        network_id = await services.start_network(user, data.name)
        return schemas.NetworkOut(id=network_id, name=data.name.strip())


class SignUpController(Controller):
    path = "/api/v1/auth"
    tags = ["Accounts"]

    @post(
        "/sign-up",
        status_code=201,
        summary="Create an account and start a network (you become its convenor); answers an API token, once",
    )
    async def sign_up(
        self, request: Request[Any, Any, Any], settings: AppSettings, data: JSONBody[schemas.SignUp]
    ) -> schemas.SignedUp:
        user_id, network_id, token = await services.sign_up_with_api_token(
            settings,
            name=data.name,
            email=data.email,
            password=data.password,
            network_name=data.network_name,
            address=client_address(request),
        )
        return schemas.SignedUp(
            user_id=user_id,
            network_id=network_id,
            token=token,
            message="Your account and network are ready. Send the token as 'Authorization: Bearer <token>'; it is "
            "shown only this once. Next, create a bid with POST /api/v1/bids.",
        )
