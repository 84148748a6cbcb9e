"""Logging: one rotating file per user; records carry ids, never names, birth dates or phones."""

import logging
import logging.handlers
from pathlib import Path

LOGGER = "mild_desk"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_dir("mild-desk", appauthor=False)) / "mild-desk.log"


def configure(path: Path | None = None, level: int = logging.INFO) -> Path:
    """Send mild-desk's records to a private (0600) rotating file; returns its path.

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
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.touch(mode=0o600)
    handler = logging.handlers.RotatingFileHandler(
        target, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    return target
