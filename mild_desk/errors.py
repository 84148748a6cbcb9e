"""Domain errors: what a front end turns into one clear line and an exit code."""


class DomainError(Exception):
    """An error the user can act on. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(DomainError):
    """Malformed, missing or unknown input (exit 2). Names the field."""

    exit_code = 2


class NotFound(InvalidInput):
    """An id, MRN or name that does not exist (exit 2)."""


class Refused(DomainError):
    """Well-formed request that a rule refuses (exit 1)."""


class PermissionDenied(Refused):
    """The acting user's role may not do this (exit 1)."""


class SlotTaken(Refused):
    """The provider, room or patient is already booked at that time (exit 1)."""


class StaleEdit(Refused):
    """Someone changed the record since it was read (exit 1)."""


class BrokenInstall(DomainError):
    """A data file of resources/ is missing or invalid (exit 3): nothing can be trusted."""

    exit_code = 3
