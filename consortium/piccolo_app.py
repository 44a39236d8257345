"""The Piccolo app: our tables and the top-level migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from consortium.accounts.tables import ApiToken, PasswordReset, SignInAttempt, User, UserSession
from consortium.audit.tables import AuditEvent
from consortium.bids.tables import Bid, BidMember, BidViewer, Invitation
from consortium.documents.tables import Document, ShareDownload, ShareLink
from consortium.mail.tables import OutboxMessage, ReminderSubscription
from consortium.networks.tables import Network, NetworkConvenor
from consortium.organisations.tables import Coverage, Organisation, OrganisationUser
from consortium.pledges.tables import Pledge
from consortium.signoffs.tables import SignOff, SignOffRequest
from consortium.teams.tables import TeamInvitation

TABLES = [
    User,
    UserSession,
    ApiToken,
    PasswordReset,
    SignInAttempt,
    Network,
    NetworkConvenor,
    Organisation,
    OrganisationUser,
    Coverage,
    Bid,
    BidMember,
    Invitation,
    BidViewer,
    Pledge,
    AuditEvent,
    Document,
    ShareLink,
    ShareDownload,
    OutboxMessage,
    ReminderSubscription,
    TeamInvitation,
    SignOffRequest,
    SignOff,
]

APP_CONFIG = AppConfig(
    app_name="consortium",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)
