from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consortium.accounts.tables import User
from consortium.documents.tables import Document
from consortium.organisations.tables import Organisation


class SignOffRequest(Table):
    """A convenor's request that the members sign off one document version (at most one per version)."""

    id: Serial
    document = ForeignKey(references=Document, null=False, on_delete=OnDelete.cascade, index=True, unique=True)
    message = Text(default="")
    requested_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, default=None)
    requested_at = Timestamptz(default=TimestamptzNow())


class SignOff(Table):
    """One member organisation's decision on one document version: signed or declined, by a named person in a role.

    Never changed once written (a unique index on document and organisation makes a second decision a conflict). A
    sign-off carried over from an earlier version (nothing in the member's own row or the bid's terms changed) is
    its own row with ``carried_from_version`` set and the person of the original decision."""

    id: Serial
    document = ForeignKey(references=Document, null=False, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade, index=True)
    decision = Varchar(length=20)  # signed | declined
    reason = Text(default="")  # why it declined (empty when signed)
    user = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, default=None)
    # Who, as they were at the time: the record stands even if the account is later renamed or removed.
    person_name = Varchar(length=300)
    person_email = Varchar(length=320)
    person_role = Varchar(length=20)  # consortium.teams.roles (signatory)
    pdf_sha256 = Varchar(length=64)  # the exact file signed off
    row_sha256 = Varchar(length=64)  # the member's own row and the bid's terms as that version states them
    carried_from_version = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
