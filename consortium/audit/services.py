"""Record every change with who made it, and read the trail back."""

from __future__ import annotations

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


async def record(
    actor: Principal | None,
    action: str,
    entity_type: str,
    entity_id: int,
    *,
    bid_id: int | None = None,
    before: dict[str, Any] | list[Any] | None = None,
    after: dict[str, Any] | list[Any] | None = None,
) -> None:
    """Call inside the same transaction as the change, so the trail and the data never disagree."""
    await AuditEvent.insert(
        AuditEvent(
            actor=actor.user_id if actor and actor.user_id else None,
            actor_label=actor.label if actor else "system",
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
