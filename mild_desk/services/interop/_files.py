"""What the interop services share: the clinic's slug, date ranges and audited file writes."""

import os
import re
import tempfile
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mild_desk.db import Database
from mild_desk.errors import InvalidInput
from mild_desk.services import audit
from mild_desk.services.availability import MAX_RANGE_DAYS
from mild_desk.services.base import Actor, parse_date
from mild_desk.services.files import why


def clinic_slug(name: str) -> str:
    """ "Riverside Spine & Pain Center" -> "riverside-spine-pain-center" (ASCII, for UIDs)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "clinic"


def date_range(date_from: str | date, date_to: str | date) -> tuple[date, date]:
    """Clinic-local dates, both included; refused when reversed or longer than the finder's."""
    first, last = parse_date("from", date_from), parse_date("to", date_to)
    if last < first:
        raise InvalidInput(f"{last} is before {first}", field="to")
    if (last - first).days > MAX_RANGE_DAYS:
        raise InvalidInput(f"the range is longer than {MAX_RANGE_DAYS} days", field="to")
    return first, last


def publish(
    db: Database,
    actor: Actor,
    *,
    out: Path,
    data: bytes,
    action: str,
    details: dict[str, Any],
    now: datetime,
) -> None:
    """Write `data` to `out` and record the export in the audit log, both or neither: the file
    is staged beside `out` (owner-only: exports hold patient data) and moved into place inside
    the audit transaction, just before it commits."""
    staged: str | None = None
    try:
        fd, staged = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with db.write() as tx:
            audit.record(
                tx, actor, action, "export", out.name, after={**details, "file": str(out)}, now=now
            )
            os.replace(staged, out)
            tx.commit()
    except OSError as exc:  # a full disk, no permission, a name too long
        raise InvalidInput(f"cannot write {str(out)!r}: {why(exc)}", field="out") from None
    finally:
        if staged is not None:
            Path(staged).unlink(missing_ok=True)
