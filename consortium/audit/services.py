"""Record every change with who made it, and read the trail back.

Who made a change is kept on its row twice: ``actor`` (the account, while it exists) and ``actor_label``, the words
that stay when the account is gone. A change to an organisation's data (its profile, districts, pledges, its place
in a bid) is labelled with the person's name, their role in that organisation at the time and their email:
"Ana Lopez (editor) <ana@example.org>" (the email left out when all three would not fit the column). The role is
read back from the label (``actor_parts``), so the history shows it without a column of its own and without
touching ``before``/``after``, which hold only what changed. Any other change is labelled with the email alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consortium.accounts.principal import Principal
from consortium.audit.tables import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


LABEL_LENGTH = 320  # AuditEvent.actor_label
_LABELLED = re.compile(r"^(?P<name>.*) \((?P<role>[a-z_]{1,20})\)(?: <(?P<email>[^<>]*)>)?$", re.DOTALL)


@dataclass(frozen=True)
class ActorParts:
    name: str  # the person's name (for a label without a role: the label as stored, an email or "system")
    role: str | None  # their role in the organisation at the time ("signatory", "editor", "viewer", "convenor")
    email: str | None  # their email, when the label holds it


def actor_label(actor: Principal | None, role: str | None) -> str:
    """The words kept for who made a change (see the module's docstring)."""
    if actor is None:
        return "system"
    if role is None:
        return actor.label
    name = " ".join(actor.name.split()) or actor.email
    named = f"{name} ({role})"
    with_email = f"{named} <{actor.email}>"
    if len(with_email) <= LABEL_LENGTH:
        return with_email
    return named if len(named) <= LABEL_LENGTH else f"{name[: LABEL_LENGTH - len(role) - 4]}… ({role})"


def actor_parts(label: str) -> ActorParts:
    """The name and role a label records (``actor_label``'s inverse); an older label, or one without a role, is
    the name as it stands."""
    found = _LABELLED.match(label)
    if found is None:
        return ActorParts(label, None, label if "@" in label else None)
    return ActorParts(found.group("name"), found.group("role"), found.group("email"))


async def record(
    actor: Principal | None,
    action: str,
    entity_type: str,
    entity_id: int,
    *,
    bid_id: int | None = None,
    before: dict[str, Any] | list[Any] | None = None,
    after: dict[str, Any] | list[Any] | None = None,
    organisation_id: int | None = None,
    role: str | None = None,
) -> None:
    """Call inside the same transaction as the change, so the trail and the data never disagree. A change to an
    organisation's data names it (``organisation_id``): the label then records the actor's role there at the time
    (or ``role``, when the caller knows it better: the first signatory of an organisation made in this same
    transaction, a convenor acting on a member)."""
    if role is None and actor is not None and organisation_id is not None:
        role = actor.role_in(organisation_id)
    await AuditEvent.insert(
        AuditEvent(
            actor=actor.user_id if actor and actor.user_id else None,
            actor_label=actor_label(actor, role),
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            bid_id=bid_id,
            before=_jsonable(before),
            after=_jsonable(after),
        )
    )


async def history(entity_type: str, entity_id: int) -> list[dict[str, Any]]:
    return await (
        AuditEvent.select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.actor_label,
            AuditEvent.action,
            AuditEvent.before,
            AuditEvent.after,
        )
        .where((AuditEvent.entity_type == entity_type) & (AuditEvent.entity_id == entity_id))
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )
