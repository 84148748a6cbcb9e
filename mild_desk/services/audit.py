"""The append-only audit log: recording events inside a transaction and verifying the chain."""

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import Any

import sqlalchemy as sa

from mild_desk.db import Database, Plain, Transaction, fetch
from mild_desk.models.schema import audit_event, audit_head
from mild_desk.rules.audit_chain import GENESIS, ChainLink, event_hash, first_bad_link
from mild_desk.services.base import Actor, require, utcnow

_SECRET_KEYS = frozenset({"password", "password_hash"})
_log = logging.getLogger("mild_desk.audit")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor_name: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    events: int
    problem: str | None


def record(
    tx: Transaction | Plain,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Append one event to the chain in the caller's transaction (kept only if it commits)."""
    session = tx.session if isinstance(tx, Transaction) else tx
    head = fetch(session, _HEAD).first()
    seq, prev_hash = head if head is not None else (0, GENESIS)
    at = (now or utcnow()).astimezone(UTC).replace(microsecond=0)
    fields = {
        "seq": seq + 1,
        "at": at,
        "actor_name": actor.username if actor else "system",
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "before": _canonical(before),
        "after": _canonical(after),
        "prev_hash": prev_hash,
    }
    digest = event_hash(**fields)  # type: ignore[arg-type]
    fetch(
        session,
        _APPEND,
        {
            "id": seq + 1,
            "at": at,
            "actor_id": actor.user_id if actor else None,
            "actor_name": fields["actor_name"],
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "before": fields["before"],
            "after": fields["after"],
            "prev_hash": prev_hash,
            "hash": digest,
        },
    )
    fetch(session, _NEW_HEAD if head is None else _MOVE_HEAD, {"seq": seq + 1, "hash": digest})
    # Ids only: names, birth dates and phone numbers stay in the database.
    _log.info(
        "%s %s %s by user %s (event %d)",
        action,
        entity,
        entity_id,
        actor.user_id if actor else "system",
        seq + 1,
    )


# Built once (see db.fetch): every change of every service appends through these. The head row
# is locked on a server database (SQLite's writer already holds the database lock).
_TIP = sa.select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
_HEAD = _TIP.with_for_update()
_APPEND = sa.insert(audit_event)
_NEW_HEAD = sa.insert(audit_head).values(id=1)
_MOVE_HEAD = sa.update(audit_head).where(audit_head.c.id == 1)
_CHAIN = sa.select(audit_event).order_by(audit_event.c.id)
_ABOUT = _CHAIN.where(
    audit_event.c.entity == sa.bindparam("entity"),
    audit_event.c.entity_id == sa.bindparam("entity_id"),
)


def verify(db: Database, actor: Actor | None = None) -> VerifyResult:
    """Check the whole chain. `actor` None is the command line's own check (no login needed to
    detect tampering); a signed-in user must be an admin."""
    if actor is not None:
        require(actor, "audit.verify")
    with db.plain() as unit:
        rows = fetch(unit, _CHAIN).all()
        head = fetch(unit, _TIP).first()
        links = [
            ChainLink(
                seq=r.id,
                at=r.at,
                actor_name=r.actor_name,
                action=r.action,
                entity=r.entity,
                entity_id=r.entity_id,
                before=r.before,
                after=r.after,
                prev_hash=r.prev_hash,
                hash=r.hash,
            )
            for r in rows
        ]
        problem = first_bad_link(links, (head.seq, head.hash) if head else None)
    return VerifyResult(ok=problem is None, events=len(links), problem=problem)


def history(db: Database, actor: Actor, *, entity: str, entity_id: object) -> list[AuditEntry]:
    """Every event about one record, oldest first (the appointment panel's history)."""
    require(actor, "patient.read")
    with db.plain() as unit:
        rows = fetch(unit, _ABOUT, {"entity": entity, "entity_id": str(entity_id)}).all()
        return [
            AuditEntry(
                seq=r.id,
                at=r.at,
                actor_name=r.actor_name,
                action=r.action,
                entity=r.entity,
                entity_id=r.entity_id,
                before=json.loads(r.before),
                after=json.loads(r.after),
            )
            for r in rows
        ]


def snapshot(obj: Any, *fields: str) -> dict[str, Any]:
    """The named attributes of a row as a plain dict, for before/after."""
    return {name: getattr(obj, name) for name in fields}


def _canonical(values: Mapping[str, Any] | None) -> str:
    clean = {k: _jsonable(v) for k, v in (values or {}).items() if k not in _SECRET_KEYS}
    return json.dumps(clean, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
