"""Every Varchar column is at least as long as the longest value that can reach it.

SQLite stores a string of any length in a VARCHAR(n) column; PostgreSQL refuses one longer than n, and the request
answers 500. So each column is matched here with what feeds it: an input schema's field (its annotated limit is
what every way in is held to, see consortium.validation), a fixed set of values the code sets (a Literal), or a
value the code makes itself (a hash, a token), measured. A Varchar column with no entry here fails the test, so a
new column has to say what feeds it."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.utils import make_msgid
from pathlib import Path
from typing import Any, get_args

import msgspec
import pytest
from piccolo.columns import Varchar
from piccolo.table import Table

from consortium.accounts import schemas as account_schemas
from consortium.accounts.security import hash_password, new_token, token_digest
from consortium.accounts.services import ADDRESS_LENGTH
from consortium.bids import schemas as bid_schemas
from consortium.documents import schemas as document_schemas
from consortium.documents.files import FILES
from consortium.documents.services import VARIANTS
from consortium.mail import outbox
from consortium.organisations import schemas as organisation_schemas
from consortium.organisations.identifiers import MAX_LENGTH as ORG_ID_LENGTH
from consortium.piccolo_app import TABLES
from consortium.pledges import schemas as pledge_schemas
from consortium.reference.districts import districts
from consortium.schemas import Email, Name, ShortText
from consortium.teams import schemas as team_schemas
from consortium.teams.roles import CONVENOR, ROLE_KEYS

SOURCE = Path(__file__).resolve().parents[2] / "consortium"


def longest_of_type(info: msgspec.inspect.Type) -> float:
    """The longest string a msgspec type allows (infinite when it sets no limit)."""
    if isinstance(info, msgspec.inspect.StrType):
        return float("inf") if info.max_length is None else info.max_length
    if isinstance(info, msgspec.inspect.LiteralType):
        return max(len(str(value)) for value in info.values)
    if isinstance(info, msgspec.inspect.UnionType):
        return max((longest_of_type(t) for t in info.types), default=0)
    if isinstance(info, msgspec.inspect.NoneType):
        return 0
    if isinstance(info, msgspec.inspect.Metadata):  # a limit with a description (consortium.teams.schemas.Role)
        return longest_of_type(info.type)
    raise AssertionError(f"not a string type: {info}")


def field(struct: type[msgspec.Struct], name: str) -> Callable[[], float]:
    def longest() -> float:
        info = msgspec.inspect.type_info(struct)
        assert isinstance(info, msgspec.inspect.StructType)
        return longest_of_type(next(f.type for f in info.fields if f.name == name))

    longest.__name__ = f"{struct.__name__}.{name}"
    return longest


def annotated(type_: Any, what: str) -> Callable[[], float]:
    def longest() -> float:
        return longest_of_type(msgspec.inspect.type_info(type_))

    longest.__name__ = what
    return longest


def measured(what: str, value: Callable[[], float]) -> Callable[[], float]:
    value.__name__ = what
    return value


def literal(*values: str) -> Callable[[], float]:
    return measured(f"one of {values}", lambda: max(len(v) for v in values))


def audit_literals(argument: int) -> Callable[[], float]:
    """The longest action (argument 1) or entity type (argument 2) any ``audit.record`` call in the code passes; a
    placeholder in an f-string counts as 20 characters (the longest part a placeholder fills is an action name)."""

    def longest() -> float:
        call = re.compile(r"(?:audit\.)?record\(\s*([^,()]+(?:\([^()]*\))?),\s*(f?\"[^\"]+\"),\s*(f?\"[^\"]+\")")
        found: list[int] = []
        for path in SOURCE.rglob("*.py"):
            for match in call.finditer(path.read_text()):
                text = match.group(1 + argument)
                body = text.removeprefix("f").strip('"')
                found.append(len(re.sub(r"\{[^}]*\}", "", body)) + 20 * body.count("{"))
        assert len(found) > 10, "the audit calls were not found: update this test's pattern"
        return max(found)

    longest.__name__ = f"audit.record argument {argument}"
    return longest


def literal_values(type_: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in get_args(type_))


HASH = measured("a SHA-256 in hex", lambda: len(token_digest(new_token())))
EMAIL = annotated(Email, "consortium.schemas.Email (checked after lower case, accounts.authenticate)")

# (table, column) -> everything that can be stored in it.
FEEDS: dict[tuple[str, str], list[Callable[[], float]]] = {
    ("app_user", "email"): [EMAIL, field(account_schemas.SignIn, "email")],
    ("app_user", "name"): [annotated(Name, "create_user's name"), field(bid_schemas.AcceptInvitation, "name")],
    ("app_user", "password_hash"): [measured("an argon2 hash", lambda: len(hash_password("x" * 1000)))],
    ("user_session", "token_hash"): [HASH],
    ("user_session", "csrf_token"): [measured("a new token", lambda: len(new_token()))],
    ("api_token", "name"): [field(account_schemas.TokenCreate, "name"), annotated(ShortText, "issue_api_token")],
    ("api_token", "token_hash"): [HASH],
    ("password_reset", "token_hash"): [HASH],
    ("sign_in_attempt", "email"): [EMAIL],
    ("sign_in_attempt", "address"): [measured("the address as authenticate stores it", lambda: ADDRESS_LENGTH)],
    ("network", "name"): [annotated(Name, "create_network's name")],
    ("organisation", "name"): [
        field(organisation_schemas.OrganisationCreate, "name"),
        field(organisation_schemas.OrganisationUpdate, "name"),
    ],
    ("organisation", "org_type"): [field(organisation_schemas.OrganisationCreate, "org_type")],
    ("organisation", "org_id"): [measured("a checked identifier (validate_org_id)", lambda: ORG_ID_LENGTH)],
    ("organisation", "website"): [
        # "https://" is put in front of an address typed without one (organisations.services.clean_website).
        measured(
            "OrganisationCreate.website with https://",
            lambda: field(organisation_schemas.OrganisationCreate, "website")() + 8,
        ),
        measured(
            "OrganisationUpdate.website with https://",
            lambda: field(organisation_schemas.OrganisationUpdate, "website")() + 8,
        ),
    ],
    ("organisation", "contact_name"): [
        field(organisation_schemas.OrganisationCreate, "contact_name"),
        field(organisation_schemas.OrganisationUpdate, "contact_name"),
    ],
    ("organisation", "contact_email"): [
        field(organisation_schemas.OrganisationCreate, "contact_email"),
        field(organisation_schemas.OrganisationUpdate, "contact_email"),
    ],
    ("coverage", "district_code"): [measured("an ONS district code", lambda: max(len(c) for c in districts()))],
    ("bid", "title"): [field(bid_schemas.BidCreate, "title"), field(bid_schemas.BidUpdate, "title")],
    ("bid", "funder_name"): [field(bid_schemas.BidCreate, "funder_name"), field(bid_schemas.BidUpdate, "funder_name")],
    ("bid", "funder_org_id"): [
        field(bid_schemas.BidCreate, "funder_org_id"),
        field(bid_schemas.BidUpdate, "funder_org_id"),
    ],
    ("bid", "programme"): [field(bid_schemas.BidCreate, "programme"), field(bid_schemas.BidUpdate, "programme")],
    ("bid", "status"): [literal(*literal_values(bid_schemas.BidStatus))],
    ("bid_member", "status"): [literal("invited", "pending", "joined", "withdrawn")],
    ("invitation", "email"): [EMAIL],
    ("invitation", "token_hash"): [HASH],
    ("audit_event", "actor_label"): [EMAIL, literal("system")],
    ("audit_event", "action"): [audit_literals(1)],
    ("audit_event", "entity_type"): [audit_literals(2)],
    ("document", "state"): [literal("rendering", "ready", "failed")],
    ("document", "variant"): [literal(*VARIANTS)],
    ("document", "snapshot_sha256"): [HASH],
    ("document", "pdf_sha256"): [HASH],
    ("share_link", "token_hash"): [HASH],
    ("share_link", "label"): [field(document_schemas.ShareLinkCreate, "label")],
    ("share_download", "what"): [literal("page", *(f.logged_as for f in FILES))],
    ("share_download", "address"): [measured("the address, cut to the column in documents.services._log", lambda: 100)],
    ("share_download", "user_agent"): [
        measured("the user agent, cut to the column in documents.services._log", lambda: 300)
    ],
    ("pledge", "status"): [literal(*literal_values(pledge_schemas.PledgeStatus))],
    ("outbox_message", "kind"): [literal(*outbox.MESSAGE_KINDS)],
    ("outbox_message", "to_address"): [EMAIL],
    ("outbox_message", "to_name"): [measured("a name, cut to fit by queue_message", lambda: outbox.NAME_LENGTH)],
    ("outbox_message", "reply_to"): [EMAIL],
    ("outbox_message", "subject"): [measured("a subject, cut to fit by queue_message", lambda: outbox.SUBJECT_LENGTH)],
    ("outbox_message", "message_id"): [
        measured(
            "a Message-ID on the longest domain",
            lambda: len(make_msgid(domain="d" * outbox.DOMAIN_LENGTH)),
        )
    ],
    ("outbox_message", "dedupe_key"): [measured("checked by queue_message", lambda: outbox.DEDUPE_KEY_LENGTH)],
    ("outbox_message", "unsubscribe_url"): [
        measured("checked by queue_message", lambda: outbox.UNSUBSCRIBE_URL_LENGTH)
    ],
    ("outbox_message", "state"): [literal(*outbox.MESSAGE_STATES)],
    ("reminder_subscription", "email"): [EMAIL],
    ("reminder_subscription", "token_hash"): [HASH],
    # Teams (issue 16): a role is one of the organisation roles (or "convenor" on an invitation to a network),
    # checked by consortium.teams.services before it is stored; the schemas' limit is what reaches that check.
    ("organisation_user", "role"): [literal(*ROLE_KEYS), field(team_schemas.RoleChange, "role")],
    ("team_invitation", "email"): [
        EMAIL,
        field(team_schemas.ConvenorInvite, "email"),
        field(team_schemas.ColleagueInvite, "email"),
    ],
    ("team_invitation", "role"): [literal(*ROLE_KEYS, CONVENOR), field(team_schemas.ColleagueInvite, "role")],
    ("team_invitation", "token_hash"): [HASH],
    ("bid", "member_figures"): [literal(*literal_values(bid_schemas.MemberFigures))],
    ("sign_off", "decision"): [literal("signed", "declined")],
    # Copied from the person's account when they decide: the account's own limits hold them.
    ("sign_off", "person_name"): [annotated(Name, "create_user's name"), field(bid_schemas.AcceptInvitation, "name")],
    ("sign_off", "person_email"): [EMAIL],
    ("sign_off", "person_role"): [literal(*ROLE_KEYS)],
    ("sign_off", "pdf_sha256"): [HASH],
    ("sign_off", "row_sha256"): [HASH],
}


def varchar_columns() -> list[tuple[type[Table], Varchar]]:
    return [(table, column) for table in TABLES for column in table._meta.columns if isinstance(column, Varchar)]


def key(table: type[Table], column: Varchar) -> tuple[str, str]:
    return (table._meta.tablename, column._meta.name)


def test_every_varchar_column_says_what_feeds_it() -> None:
    missing = [key(t, c) for t, c in varchar_columns() if key(t, c) not in FEEDS]
    assert not missing, f"add these columns to FEEDS, with what can be stored in them: {missing}"
    gone = set(FEEDS) - {key(t, c) for t, c in varchar_columns()}
    assert not gone, f"these columns are no longer in the tables: {gone}"


@pytest.mark.parametrize(
    ("table", "column"), varchar_columns(), ids=[".".join(key(t, c)) for t, c in varchar_columns()]
)
def test_varchar_column_holds_the_longest_value_that_reaches_it(table: type[Table], column: Varchar) -> None:
    assert column.length is not None
    for source in FEEDS.get(key(table, column), []):
        longest = source()
        assert longest <= column.length, (
            f"{key(table, column)} is Varchar({column.length}) but {source.__name__} allows {longest}: PostgreSQL "
            "would refuse (500) what SQLite stores. Lengthen the column (a migration) or lower the limit."
        )
