from piccolo.columns import JSON, BigInt, Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consortium.accounts.tables import User
from consortium.networks.tables import Network
from consortium.organisations.tables import Organisation


class Bid(Table):
    id: Serial
    network = ForeignKey(references=Network, null=False, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=300)
    funder_name = Varchar(length=300)
    funder_org_id = Varchar(length=300, null=True, default=None)
    programme = Varchar(length=300, default="")
    deadline = Timestamptz()
    status = Varchar(length=20, default="draft")  # draft | open | locked | submitted
    match_funder_part = Integer(default=1)
    match_consortium_part = Integer(default=1)
    match_cap_pence = BigInt(null=True, default=None)
    themes = JSON(default=[])
    rules = JSON(default=[])
    version = Integer(default=1)
    # Days before the deadline on which members with something left to do are reminded, at 09:00 UK time.
    reminder_days = JSON(default=[7, 3, 1])
    # What members see of the consortium's figures: "bands" (pass or fail and ranges, so nobody can work out another
    # member's pledge) or "figures" (exact amounts, and the whole document). consortium.bids.privacy.
    member_figures = Varchar(length=20, default="bands")
    # When set, the bid is marked submitted only once every joined member has signed off the latest version.
    require_sign_off = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class BidMember(Table):
    id: Serial
    bid = ForeignKey(references=Bid, null=False, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=20, default="invited")  # invited | pending | joined | withdrawn
    joined_at = Timestamptz(null=True, default=None)
    # What the bid's figures read of the organisation (profile and coverage), copied when the bid is locked and
    # cleared when it is unlocked: a locked or submitted bid never moves when the organisation changes later.
    frozen_profile = JSON(null=True, default=None)
    frozen_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class Invitation(Table):
    id: Serial
    bid = ForeignKey(references=Bid, null=False, on_delete=OnDelete.cascade, index=True)
    email = Varchar(length=320)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    last_sent_at = Timestamptz(default=TimestamptzNow())
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null, default=None)
    # What the convenor's member list said of the organisation (name, contact_email, org_id, homes), offered to the
    # invited person to confirm when they join, so nobody types it twice (consortium.imports.members).
    prefill = JSON(null=True, default=None)


class BidViewer(Table):
    """A funder's account that may read one bid."""

    id: Serial
    bid = ForeignKey(references=Bid, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
