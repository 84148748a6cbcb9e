"""Render the README's screenshots of the desktop app from the demo clinic (no display needed).

    .venv/bin/python scripts/screenshots.py                  # docs/screenshots/*.png
    .venv/bin/python scripts/screenshots.py --scale 2 --out /tmp/shots   # check 200 % scaling

Everything is drawn offscreen with QWidget.grab() from a demo clinic built on Monday 2 November
2026 and seen on the Tuesday morning (one patient ready, one checklist under way), so the
pictures only change when the screens do.
"""

import argparse
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # the demo is built on Monday 09:00
MORNING = datetime(2026, 11, 3, 12, 20, tzinfo=UTC)  # Tuesday 07:20 in New York: first cases
REFERRALS = """\
MRN,First,Last,DOB,Phone,Referring physician,Update
MRN20001,Ada,Lovelace,1950-12-10,555-0101,Dr. Okafor,
MRN20002,Grace,Hopper,1946-12-09,555-0102,Dr. Okafor,
,Alan,Turing,1952-06-23,555-0103,Dr. Lim,
MRN20003,Katherine,Johnson,31/02/1950,555-0104,Dr. Lim,
MRN10001,,,,555-0199,,yes
MRN10002,,,,,,
MRN10003,,,,555-0177,,
MRN20004,Edsger,Dijkstra,1950-05-11,555-0105,Dr. Okafor,
"""
"""The import dialog's picture: new patients, an update, bad rows (no MRN, no such date, a
change to a patient on file without yes in the update column)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--scale", type=float, default=1.0, help="QT_SCALE_FACTOR to render at")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication  # noqa: TID251 (a script that drives the UI)

    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    args.out.mkdir(parents=True, exist_ok=True)
    # A fixed path, so the status bar (which names the database) reads the same every run.
    folder = Path(tempfile.gettempdir()) / "mild-desk-screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    try:
        for name in _render(folder / "demo-clinic.sqlite3", args.out):
            print(args.out / name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _render(path: Path, out: Path) -> list[str]:
    from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: TID251
    from PySide6.QtWidgets import QApplication, QWidget  # noqa: TID251

    from mild_desk.db import Database
    from mild_desk.services import appointments, clinic, demo, prep, users
    from mild_desk.services.base import Actor
    from mild_desk.services.views import BlockState
    from mild_desk.ui.booking_dialog import BookingDialog
    from mild_desk.ui.changes import ChangeNotice
    from mild_desk.ui.checklist_panel import ChecklistPanel
    from mild_desk.ui.context import AppContext
    from mild_desk.ui.import_dialog import ImportDialog
    from mild_desk.ui.main_window import MainWindow
    from mild_desk.ui.patient_panel import AppointmentPanel

    db = Database.open(f"sqlite:///{path}")
    clinic.initialise(db)
    demo.build(db, now=NOW)

    def login(name: str, when: datetime = NOW) -> Actor:
        return users.login(db, name, demo.password_for(name), now=when)

    def settle(widget: QWidget) -> None:
        loop = QEventLoop()
        QTimer.singleShot(150, loop.quit)
        loop.exec()
        QApplication.processEvents()

    def save(widget: QWidget, name: str) -> str:
        settle(widget)
        widget.grab().save(str(out / name))
        return name

    def wait(signal: object) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)  # type: ignore[attr-defined]
        QTimer.singleShot(10_000, loop.quit)
        loop.exec()

    tuesday = NOW.date() + timedelta(days=1)
    nurse, provider = login("nina", MORNING), login("drpatel", MORNING)
    johnson, brown = appointments.on_date(db, nurse, tuesday)[:2]

    def tick(appointment: appointments.AppointmentRead, phases: tuple[str, ...]) -> None:
        appointments.check_in(db, nurse, appointment.id, now=MORNING)
        for n, line in enumerate(prep.checklist(db, nurse, appointment.id)):
            if line.phase not in phases:
                continue
            who = nurse if "nurse" in line.roles else provider
            wanted = line.required or line.key == "gown_valuables"
            prep.tick(
                db,
                who,
                appointment.id,
                item=line.key,
                state="confirmed" if wanted else "not-applicable",
                note="left L4-L5 marked" if line.key == "site_marked" else None,
                last_solids=MORNING - timedelta(hours=12),
                last_clear_liquids=MORNING - timedelta(hours=3),
                now=MORNING + timedelta(minutes=n),
            )

    tick(johnson, ("pre-op", "sign-in", "time-out", "sign-out"))  # ready: green on the board
    tick(brown, ("pre-op", "sign-in"))  # under way: the checklist picture

    shots: list[str] = []
    window = MainWindow(db, login("sam", MORNING), clock=lambda: MORNING, live=False)
    window.resize(1500, 900)
    window.show()
    wait(window.board.loaded)
    window.board.set_date(tuesday)
    wait(window.board.loaded)
    rossi = next(b for b in window.board.model.blocks() if b.appointment.state is BlockState.UNMET)
    window.board.select_appointment(int(rossi.appointment.id))
    window.open_appointment(int(rossi.appointment.id), focus=False)
    shots.append(save(window, "board-day.png"))
    window.dock.hide()
    window.board.show_week(True)
    wait(window.board.loaded)
    shots.append(save(window, "board-week.png"))

    ctx = window.ctx
    booking = BookingDialog(ctx, window)
    booking.resize(1250, 720)
    booking.show()
    booking.search.setText("Mart")
    booking.search_timer.timeout.emit()
    booking.results.selectRow(0)
    for box in booking.levels:
        box.setChecked(box.text() in ("L3-L4", "L4-L5"))
    booking.laterality.setCurrentIndex(booking.laterality.findData("bilateral"))
    shots.append(save(booking, "booking-dialog.png"))
    booking.close()

    referrals = path.parent / "referrals.csv"
    referrals.write_text(REFERRALS, encoding="utf-8")
    importer = ImportDialog(ctx, window)
    importer.resize(1100, 460)
    importer.show()
    importer.load(referrals)
    wait(importer.previewed)
    shots.append(save(importer, "import-dialog.png"))
    importer.close()
    window.close()

    nurse_ctx = AppContext(db, nurse, ChangeNotice(db, live=False), clock=lambda: NOW)
    warfarin = next(
        line
        for line in prep.readiness(db, nurse, tuesday + timedelta(days=2), now=NOW)
        if any("warfarin" in m for m in line.missing)
    )
    prep.add_medication(
        db,
        nurse,
        mrn=warfarin.patient_mrn,
        drug="warfarin",
        last_dose=NOW - timedelta(days=1),
        now=NOW,
    )
    prep.add_lab(db, nurse, mrn=warfarin.patient_mrn, test="CrCl", value=72, taken_at=NOW, now=NOW)
    panel = AppointmentPanel(nurse_ctx)
    panel.resize(900, 1000)
    panel.show()
    panel.show_appointment(int(warfarin.appointment_id))
    panel.tabs.setCurrentIndex(1)
    shots.append(save(panel, "patient-panel.png"))
    panel.close()

    morning_ctx = AppContext(db, nurse, ChangeNotice(db, live=False), clock=lambda: MORNING)
    checklist = ChecklistPanel(morning_ctx)
    checklist.resize(1000, 820)
    checklist.show()
    report = prep.prep(db, nurse, brown.id, now=MORNING)
    checklist.set_checklist(int(brown.id), tuple(prep.checklist(db, nurse, brown.id)), report)
    checklist.select_item("time_out")
    checklist.tree.setFocus(Qt.FocusReason.OtherFocusReason)
    shots.append(save(checklist, "checklist.png"))
    checklist.close()
    db.dispose()
    return shots


if __name__ == "__main__":
    sys.exit(main())
