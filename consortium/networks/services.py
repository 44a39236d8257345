"""Networks and their convenors (created from the CLI by whoever runs the service)."""

from __future__ import annotations

from consortium.accounts import services as accounts
from consortium.db import write_transaction
from consortium.errors import Conflict
from consortium.networks.tables import Network, NetworkConvenor


async def create_network(name: str, convenor_email: str, convenor_name: str, password: str) -> tuple[int, int]:
    """A network with its first convenor (an existing account is reused; a new one needs the password)."""
    name = name.strip()
    async with write_transaction():
        if await Network.exists().where(Network.name == name):
            raise Conflict(f"There is already a network called {name!r}.")
        user_id = await accounts.user_id_by_email(convenor_email)
        if user_id is None:
            user_id = await accounts.create_user(convenor_email, convenor_name, password)
        rows = await Network.insert(Network(name=name)).returning(Network.id)
        network_id = int(rows[0]["id"])
        await NetworkConvenor.insert(NetworkConvenor(network=network_id, user=user_id))
    return network_id, user_id
