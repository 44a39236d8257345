from piccolo.columns import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consortium.accounts.tables import User
from consortium.networks.tables import Network
from consortium.organisations.tables import Organisation


class TeamInvitation(Table):
    """An invitation to one person to join a team: a network as a convenor (``network`` set), or an organisation
    as a colleague in a role (``organisation`` set). Exactly one of the two is set. Only the token's SHA-256 is
    stored; the link is mailed, and shown once to whoever made it."""

    id: Serial
    network = ForeignKey(references=Network, null=True, on_delete=OnDelete.cascade, default=None, index=True)
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.cascade, default=None, index=True)
    role = Varchar(length=20)  # "convenor" for a network; consortium.teams.roles.ORGANISATION_ROLES otherwise
    email = Varchar(length=320)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)
    accepted_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, default=None)
    revoked_at = Timestamptz(null=True, default=None)
