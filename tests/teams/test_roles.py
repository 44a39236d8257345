"""The roles as data: what each may do, who may give which, and the README's table generated from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from consortium.teams.roles import (
    FIRST_ROLE,
    KEEPS_ONE,
    ORGANISATION_ROLES,
    ROLE_KEYS,
    Permission,
    may,
    may_grant,
    readme_roles_table,
)

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_table_is_the_roles() -> None:
    assert readme_roles_table() in README.read_text(encoding="utf-8"), (
        "README.md's roles table differs from consortium/teams/roles.py; paste in the output of "
        "python -c 'from consortium.teams.roles import readme_roles_table; print(readme_roles_table())'"
    )


def test_each_role_does_what_its_words_say() -> None:
    assert ROLE_KEYS == ("signatory", "editor", "viewer")
    assert may("signatory", Permission.SIGN) and may("signatory", Permission.EDIT)
    assert may("editor", Permission.EDIT) and not may("editor", Permission.SIGN)
    assert may("viewer", Permission.READ) and not may("viewer", Permission.EDIT)
    assert not any(may(role, Permission.MANAGE_TEAM) for role in ("viewer", None, "convenor", "owner"))
    assert not may(None, Permission.READ)
    # The organisation's first person can do everything, and that is the role an organisation cannot lose.
    assert {p for p in Permission if may(FIRST_ROLE, p)} == set(Permission)
    assert KEEPS_ONE == FIRST_ROLE
    for role in ORGANISATION_ROLES:
        assert role.description.endswith(".") and role.label[0].isupper()


@pytest.mark.parametrize(
    ("granter", "role", "allowed"),
    [
        ("signatory", "signatory", True),
        ("signatory", "editor", True),
        ("signatory", "viewer", True),
        ("editor", "signatory", False),  # nobody raises anyone above their own role
        ("editor", "editor", True),
        ("editor", "viewer", True),
        ("viewer", "viewer", False),
        (None, "viewer", False),
        ("signatory", "owner", False),
    ],
)
def test_who_may_give_which_role(granter: str | None, role: str, allowed: bool) -> None:
    assert may_grant(granter, role) is allowed
