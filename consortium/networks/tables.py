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
    id: Serial
    network = ForeignKey(references=Network, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
