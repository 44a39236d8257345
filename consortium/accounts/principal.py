"""Who is asking, and what they may touch."""

from __future__ import annotations

from dataclasses import dataclass

from consortium.teams.roles import Permission, may


@dataclass(frozen=True)
class Principal:
    user_id: int
    email: str
    name: str
    convenor_network_ids: frozenset[int]
    organisation_ids: frozenset[int]
    viewer_bid_ids: frozenset[int]
    session_id: int | None = None  # set when signed in by browser cookie
    csrf_token: str | None = None
    # (organisation id, role) for each organisation in ``organisation_ids``: consortium.teams.roles
    organisation_roles: tuple[tuple[int, str], ...] = ()

    @property
    def label(self) -> str:
        return self.email

    def convenes(self, network_id: int) -> bool:
        return network_id in self.convenor_network_ids

    def acts_for(self, organisation_id: int) -> bool:
        return organisation_id in self.organisation_ids

    def role_in(self, organisation_id: int) -> str | None:
        """The caller's role in one of its organisations (None for any other)."""
        return dict(self.organisation_roles).get(organisation_id)

    def may(self, organisation_id: int, permission: Permission) -> bool:
        return may(self.role_in(organisation_id), permission)
