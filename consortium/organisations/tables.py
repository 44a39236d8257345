from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consortium.accounts.tables import User


class Organisation(Table):
    id: Serial
    name = Varchar(length=300)
    org_type = Varchar(length=40)
    # An org-id.guide identifier. Not unique across Consortium: anyone may type any number, so uniqueness is
    # checked among the members of one network (organisations.services), never globally.
    org_id = Varchar(length=80, null=True, default=None, index=True)
    homes = Integer(null=True, default=None)
    website = Varchar(length=500, null=True, default=None)
    contact_name = Varchar(length=300, null=True, default=None)
    contact_email = Varchar(length=320, null=True, default=None)
    description = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class OrganisationUser(Table):
    """A person who acts for an organisation, in one of ``consortium.teams.roles.ORGANISATION_ROLES``. One row per
    (organisation, person): a unique index, so two invitations accepted at once cannot make two."""

    id: Serial
    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    # Everyone who acted for an organisation before roles existed could do everything: a signatory.
    role = Varchar(length=20, default="signatory")
    added_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Coverage(Table):
    """Where an organisation works: a local authority district and the homes it manages there."""

    id: Serial
    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade, index=True)
    district_code = Varchar(length=9)
    homes = Integer(null=True, default=None)
