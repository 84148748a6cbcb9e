"""PostgreSQL: no-overlap exclusion constraints and change notifications

On PostgreSQL the no-double-booking rule is also enforced by the database: exclusion constraints
(btree_gist) on the time ranges of active appointments (pending, booked, arrived) per provider and
per room over [start, block_end), per patient over [start, end). The booking service checks the
same rule first and turns a violation into the same "slot taken" refusal.

Every audit event (every change goes through the audit log) NOTIFYs the channel `mild_desk` with
the entity name, delivered when the transaction commits; mild_desk.services.changes LISTENs.

SQLite has neither: the service's check inside BEGIN IMMEDIATE is the guarantee there, and change
detection polls PRAGMA data_version. So this revision is a no-op on SQLite.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The active statuses as stored (AppointmentStatus values); a later status set needs a new revision.
_ACTIVE = "status IN ('pending', 'booked', 'arrived')"
# (constraint, column, end of the busy range)
_NO_OVERLAP = (
    ("appointment_provider_no_overlap", "provider_id", "block_end"),
    ("appointment_room_no_overlap", "room_id", "block_end"),
    ("appointment_patient_no_overlap", "patient_id", '"end"'),
)
# Also in mild_desk.services.changes.CHANNEL.
_CHANNEL = "mild_desk"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column, end in _NO_OVERLAP:
        op.execute(
            f"ALTER TABLE appointment ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(start, {end}, '[)') WITH &&) WHERE ({_ACTIVE})"
        )
    op.execute(
        "CREATE FUNCTION mild_desk_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{_CHANNEL}', NEW.entity); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_event_notify_change AFTER INSERT ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION mild_desk_notify_change()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_event_notify_change ON audit_event")
    op.execute("DROP FUNCTION IF EXISTS mild_desk_notify_change()")
    for name, _column, _end in _NO_OVERLAP:
        op.execute(f"ALTER TABLE appointment DROP CONSTRAINT IF EXISTS {name}")
