"""The roles a person can hold, and what each may do: written once, as data. Services check these; pages show the
labels and descriptions; the README's table of roles is generated from ``ORGANISATION_ROLES``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Permission(StrEnum):
    READ = "read"  # the organisation's profile, coverage, pledges and their history; the bids it belongs to
    EDIT = "edit"  # the profile, coverage and pledges: make, change, submit, withdraw
    SIGN = "sign"  # declare board approval of a pledge; sign off a document version for the organisation
    MANAGE_TEAM = "manage_team"  # invite colleagues, change their roles, remove them


@dataclass(frozen=True)
class OrganisationRole:
    key: str
    label: str
    description: str  # plain words shown beside the role wherever one is chosen
    permissions: frozenset[Permission]


_ALL = frozenset(Permission)
ORGANISATION_ROLES: tuple[OrganisationRole, ...] = (
    OrganisationRole(
        "signatory",
        "Signatory",
        "Can do everything an editor can, and also confirm board approval and sign off the bid for the organisation.",
        _ALL,
    ),
    OrganisationRole(
        "editor",
        "Editor",
        "Can change the organisation's details, where it works and its pledges, and invite colleagues.",
        frozenset({Permission.READ, Permission.EDIT, Permission.MANAGE_TEAM}),
    ),
    OrganisationRole(
        "viewer",
        "Viewer",
        "Can read the organisation's details and pledges but not change anything.",
        frozenset({Permission.READ}),
    ),
)
ROLE_BY_KEY = {role.key: role for role in ORGANISATION_ROLES}
ROLE_KEYS = tuple(ROLE_BY_KEY)
# The first person of an organisation (who made it, accepting the bid's invitation) can do everything.
FIRST_ROLE = "signatory"
# An organisation always keeps at least one person in this role, as a network keeps at least one convenor.
KEEPS_ONE = "signatory"
CONVENOR = "convenor"  # the role written on an invitation to convene a network


def may(role: str | None, permission: Permission) -> bool:
    found = ROLE_BY_KEY.get(role or "")
    return found is not None and permission in found.permissions


def may_grant(granter_role: str | None, role: str) -> bool:
    """Who may give a role: anyone who manages the team may give editor or viewer; only a signatory may make
    another signatory (an editor cannot raise anyone, itself included, above its own role)."""
    if not may(granter_role, Permission.MANAGE_TEAM) or role not in ROLE_BY_KEY:
        return False
    return role != "signatory" or may(granter_role, Permission.SIGN)


_PERMISSION_WORDS = {
    Permission.READ: "read the organisation's details, pledges and their history",
    Permission.EDIT: "change the details, districts and pledges; withdraw from a bid",
    Permission.SIGN: "confirm board approval; sign off the bid",
    Permission.MANAGE_TEAM: "invite, change and remove colleagues",
}


def readme_roles_table() -> str:
    """The README's table of an organisation's roles, in Markdown, from ``ORGANISATION_ROLES``."""
    lines = [
        "| role | " + " | ".join(_PERMISSION_WORDS[p] for p in Permission) + " |",
        "| --- |" + " --- |" * len(Permission),
    ]
    for role in ORGANISATION_ROLES:
        cells = ["yes" if p in role.permissions else "no" for p in Permission]
        lines.append(f"| {role.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
