from piccolo.columns import Bytea, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consortium.accounts.tables import User
from consortium.bids.tables import Bid


class Document(Table):
    """A numbered version of a bid's combined document, with the frozen snapshot it was rendered from."""

    id: Serial
    bid = ForeignKey(references=Bid, null=False, on_delete=OnDelete.cascade, index=True)
    version = Integer()
    state = Varchar(length=20, default="rendering")  # rendering | ready | failed
    variant = Varchar(length=20, default="pdf/ua-1")  # the PDF standard it was rendered to
    snapshot_json = Text(default="")
    snapshot_sha256 = Varchar(length=64, default="")
    pdf = Bytea(null=True, default=None)
    pdf_sha256 = Varchar(length=64, null=True, default=None, index=True)
    page_count = Integer(null=True, default=None)
    error = Text(default="")
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)


class ShareLink(Table):
    id: Serial
    document = ForeignKey(references=Document, null=False, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True, index=True)
    label = Varchar(length=300, default="")
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class ShareDownload(Table):
    id: Serial
    link = ForeignKey(references=ShareLink, null=False, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz(default=TimestamptzNow())
    what = Varchar(length=20)  # pdf | snapshot | page
    address = Varchar(length=100, default="")
    user_agent = Varchar(length=300, default="")
