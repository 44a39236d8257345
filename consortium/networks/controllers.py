from __future__ import annotations

import msgspec
from litestar import Controller, get

from consortium.networks.tables import Network
from consortium.web.identity import CurrentUser


class NetworkOut(msgspec.Struct):
    id: int
    name: str


class NetworkController(Controller):
    path = "/api/v1/networks"
    tags = ["Networks"]

    @get("/", summary="The networks you convene")
    async def index(self, user: CurrentUser) -> list[NetworkOut]:
        if not user.convenor_network_ids:
            return []
        rows = (
            await Network.select(Network.id, Network.name)
            .where(Network.id.is_in(list(user.convenor_network_ids)))
            .order_by(Network.name)
        )
        return [NetworkOut(**r) for r in rows]
