"""What every screen shares: the database, the signed-in user, the clock and the change notice."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from mild_desk.db import Database
from mild_desk.rules.permissions import allowed
from mild_desk.services import clinic
from mild_desk.services.base import Actor, utcnow
from mild_desk.services.clinic import ClinicRead
from mild_desk.ui.changes import ChangeNotice

Clock = Callable[[], datetime]


@dataclass
class AppContext:
    """Handed to every window, panel and dialog (the composition root builds one).

    `actor` changes when another user unlocks the window; screens read it at the time of use."""

    db: Database
    actor: Actor
    changes: ChangeNotice
    clock: Clock = utcnow
    settings: ClinicRead = field(init=False)

    def __post_init__(self) -> None:
        self.reload_settings()
        # Connected before any view, so every view reloads with the clinic's current settings.
        self.changes.changed.connect(self.reload_settings)

    def reload_settings(self) -> None:
        self.settings = clinic.clinic(self.db)

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    def can(self, action: str) -> bool:
        """Whether the signed-in role may do `action` (the service checks again)."""
        return allowed(self.actor.role, action)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()
