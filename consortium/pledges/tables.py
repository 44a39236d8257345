from piccolo.columns import JSON, BigInt, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consortium.bids.tables import Bid
from consortium.organisations.tables import Organisation


class Pledge(Table):
    id: Serial
    bid = ForeignKey(references=Bid, null=False, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade, index=True)
    amount_pence = BigInt()
    purpose = Text(default="")
    themes = JSON(default=[])
    areas = JSON(default=[])  # [{"district_code": "E08000003", "amount_pence": 100000 | null}]
    board_approved = Boolean(default=False)
    conditions = Text(default="")
    status = Varchar(length=20, default="draft")  # draft | submitted | withdrawn
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None)
