"""Which role may do what. Services check it themselves; the UI only mirrors it."""

from collections.abc import Mapping

from mild_desk.models.enums import Role

A, S, N, P = Role.ADMIN, Role.SCHEDULER, Role.NURSE, Role.PROVIDER
EVERYONE = frozenset(Role)

PERMISSIONS: Mapping[str, frozenset[Role]] = {
    # administration
    "user.manage": frozenset({A}),
    "clinic.configure": frozenset({A}),
    "availability.manage": frozenset({A}),
    "audit.verify": frozenset({A}),
    "backup.manage": frozenset({A}),
    # reading (every signed-in user; writes below are narrower)
    "schedule.read": EVERYONE,
    "patient.read": EVERYONE,
    # front desk
    "patient.edit": frozenset({A, S, N}),
    "appointment.book": frozenset({S}),
    "appointment.cancel": frozenset({S}),
    "appointment.noshow": frozenset({S}),
    "appointment.check_in": frozenset({S, N}),
    "waitlist.manage": frozenset({S}),
    "driver.set": frozenset({S, N}),
    "worklist.call": frozenset({S, N}),
    # clinical
    "imaging.add": frozenset({S, N, P}),
    "medication.edit": frozenset({N, P}),
    "lab.add": frozenset({N, P}),
    "clearance.add": frozenset({N, P}),
    "checklist.tick": frozenset({N, P}),
    "override.add": frozenset({P}),
    "appointment.complete": frozenset({P}),
    "print.patient": frozenset({S, N, P}),
    "print.clinical": frozenset({N, P}),
}


def allowed(role: Role, action: str) -> bool:
    """True when `role` may perform `action` (KeyError for an unknown action: a bug, not a no)."""
    return role in PERMISSIONS[action]
