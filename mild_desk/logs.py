"""Logging: one rotating file per user; records carry ids, never names, birth dates or phones."""

import io
import logging
import logging.handlers
import os
from pathlib import Path

LOGGER = "mild_desk"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_dir("mild-desk", appauthor=False)) / "mild-desk.log"


class _PrivateRotatingFile(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file, rollovers included, is owner-only (0600)."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


def configure(
    path: Path | None = None, level: int = logging.INFO, *, max_bytes: int = 2_000_000
) -> Path:
    """Send mild-desk's records to a private rotating file (0600, in a 0700 folder); returns
    its path.

    What is logged is deliberately thin: actions with record ids and user ids (the audit log
    holds the facts). Safe to call more than once."""
    target = path or log_path()
    root = logging.getLogger(LOGGER)
    root.setLevel(level)
    for old in list(root.handlers):
        if isinstance(old, logging.FileHandler):
            if old.baseFilename == str(target):
                return target
            root.removeHandler(old)
            old.close()
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    target.parent.chmod(0o700)
    handler = _PrivateRotatingFile(target, maxBytes=max_bytes, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    return target
