"""Start the desktop app: check for a display, open the database, sign in, show the window."""

import os
import sys


def has_display() -> bool:
    """True where Qt can open a window (Windows and macOS always; X11/Wayland by environment)."""
    if sys.platform in {"win32", "darwin"}:
        return True
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch(db_arg: str | None) -> int:
    if not has_display():
        sys.stderr.write(
            "mild-desk: no display found; run it in a desktop session, or on a server under Xvfb: "
            "xvfb-run -a mild-desk (or set QT_QPA_PLATFORM=offscreen for a headless check)\n"
        )
        return 2
    from mild_desk.ui.app import run

    return run(db_arg)
