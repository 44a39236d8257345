from piccolo.columns import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consortium.accounts.tables import User


class Network(Table):
    id: Serial
    name = Varchar(length=300, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class NetworkConvenor(Table):
    """A convenor of a network; every convenor has the same rights. One row per (network, person): a unique index.
    A network always keeps at least one (``consortium.teams.services``)."""

    id: Serial
    network = ForeignKey(references=Network, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    added_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
