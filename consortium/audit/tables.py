from piccolo.columns import JSON, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consortium.accounts.tables import User


class AuditEvent(Table):
    id: Serial
    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, default=None)
    actor_label = Varchar(length=320, default="system")
    action = Varchar(length=60)  # e.g. "pledge.update"
    entity_type = Varchar(length=40, index=True)
    entity_id = Integer(index=True)
    bid_id = Integer(null=True, default=None, index=True)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
