"""Hash chain of the audit log: how an event's hash is computed and how a chain is checked."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class ChainLink:
    seq: int
    at: datetime
    actor_name: str
    action: str
    entity: str
    entity_id: str
    before: str
    after: str
    prev_hash: str
    hash: str


def event_hash(
    *,
    seq: int,
    at: datetime,
    actor_name: str,
    action: str,
    entity: str,
    entity_id: str,
    before: str,
    after: str,
    prev_hash: str,
) -> str:
    """SHA-256 over the event's content and the previous hash (canonical JSON)."""
    payload = json.dumps(
        [seq, at.isoformat(), actor_name, action, entity, entity_id, before, after, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def first_bad_link(links: Iterable[ChainLink], head: tuple[int, str] | None) -> str | None:
    """None when the chain is intact; otherwise one line naming the first bad event.

    `links` must be in stored order (by seq). `head` is the recorded tip (seq, hash), which makes a
    deleted last event visible.
    """
    expected_seq, prev = 1, GENESIS
    for link in links:
        if link.seq != expected_seq:
            return f"event {expected_seq} is missing (next stored event is {link.seq})"
        if link.prev_hash != prev:
            return f"event {link.seq} does not follow event {link.seq - 1} (deleted or reordered)"
        recomputed = event_hash(
            seq=link.seq,
            at=link.at,
            actor_name=link.actor_name,
            action=link.action,
            entity=link.entity,
            entity_id=link.entity_id,
            before=link.before,
            after=link.after,
            prev_hash=link.prev_hash,
        )
        if recomputed != link.hash:
            return f"event {link.seq} ({link.action} {link.entity} {link.entity_id}) was altered"
        prev = link.hash
        expected_seq += 1
    last_seq = expected_seq - 1
    if head is not None and (head[0] != last_seq or head[1] != prev):
        return f"event {head[0]} is missing (the log ends at event {last_seq})"
    return None
