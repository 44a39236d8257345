"""Networks and their convenors (created from the CLI by whoever runs the service)."""

from __future__ import annotations

from consortium.accounts import services as accounts
from consortium.db import write_transaction
from consortium.errors import SAME_CHANGE_AT_ONCE, BadInput, Conflict, is_unique_violation
from consortium.networks.tables import Network, NetworkConvenor
from consortium.schemas import Name
from consortium.validation import checked_value


async def create_network(name: str, convenor_email: str, convenor_name: str, password: str) -> tuple[int, int]:
    """A network with its first convenor (an existing account is reused; a new one needs the password)."""
    name = checked_value("name", name, Name).strip()
    if not name:
        raise BadInput("Enter the network's name.", field="name")
    try:
        async with write_transaction():
            if await Network.exists().where(Network.name == name):
                raise Conflict(f"There is already a network called {name!r}.")
            user_id = await accounts.user_id_by_email(convenor_email)
            if user_id is None:
                user_id = await accounts.create_user(convenor_email, convenor_name, password)
            rows = await Network.insert(Network(name=name)).returning(Network.id)
            network_id = int(rows[0]["id"])
            await NetworkConvenor.insert(NetworkConvenor(network=network_id, user=user_id))
    except Exception as error:
        # On PostgreSQL two of these at once both pass the checks above; the unique indexes on the network's name
        # and the account's email refuse the second, which is told what happened.
        if not is_unique_violation(error):
            raise
        if await Network.exists().where(Network.name == name):
            raise Conflict(f"There is already a network called {name!r}.") from error
        raise Conflict(SAME_CHANGE_AT_ONCE) from error
    return network_id, user_id
