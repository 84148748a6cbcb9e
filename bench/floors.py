"""The floors: the cheapest program on mild-desk's own stack doing the same thing, timed in the
same run so that the ratios hold on a noisy machine."""

import io
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ACTIVE = ("pending", "booked", "arrived")
STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how the app's UTCDateTime columns store a moment


def raw_connection(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with mild_desk/db.py's PRAGMAs (WAL, synchronous=FULL)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def search_prefix(
    conn: sqlite3.Connection, text: str, key: str, limit: int = 50
) -> list[tuple[Any, ...]]:
    """One keystroke, the same search as patients.search for a single word: an MRN prefix (as
    typed and upper-cased) and a last-name prefix, each a range on its own index
    (ix_patient_mrn, ix_patient_search) with its own limit, merged in name order."""
    end, upper = "\U0010ffff", text.upper()
    ranges = (text, text + end, limit, upper, upper + end, limit, key, key + end, limit)
    return conn.execute(
        "SELECT * FROM (SELECT * FROM patient WHERE mrn >= ? AND mrn < ? ORDER BY mrn LIMIT ?) "
        "UNION SELECT * FROM (SELECT * FROM patient WHERE mrn >= ? AND mrn < ? ORDER BY mrn "
        "LIMIT ?) UNION SELECT * FROM (SELECT * FROM patient WHERE search_last >= ? AND "
        "search_last < ? ORDER BY search_last, search_first LIMIT ?) "
        "ORDER BY search_last, search_first, mrn LIMIT ?",
        (*ranges, limit),
    ).fetchall()


def book_raw(
    conn: sqlite3.Connection,
    *,
    patient_id: int,
    provider_id: int,
    room_id: int,
    start: datetime,
    minutes: int = 60,
    turnover: int = 15,
) -> int:
    """Overlap check (provider, room, patient; each on its own index) and insert, in one
    BEGIN IMMEDIATE ... COMMIT. Returns the new row id; raises if the slot is taken."""
    end = start + timedelta(minutes=minutes)
    block_end = end + timedelta(minutes=turnover)
    s, e, b = (t.astimezone(UTC).strftime(STAMP) for t in (start, end, block_end))
    # A lower bound too (no case lasts a day), so each index range is a few rows, not the past.
    since = (start - timedelta(hours=24)).astimezone(UTC).strftime(STAMP)
    marks = ",".join("?" * len(ACTIVE))
    conn.execute("BEGIN IMMEDIATE")
    try:
        for column, value, until in (
            ("provider_id", provider_id, b),
            ("room_id", room_id, b),
            ("patient_id", patient_id, e),
        ):
            clash = conn.execute(
                f"SELECT id FROM appointment WHERE {column} = ? AND start > ? AND start < ? "
                f"AND block_end > ? AND status IN ({marks}) LIMIT 1",
                (value, since, until, s, *ACTIVE),
            ).fetchone()
            if clash:
                raise ValueError(f"slot taken by appointment {clash[0]}")
        now = datetime.now(UTC).strftime(STAMP)
        cursor = conn.execute(
            'INSERT INTO appointment (patient_id, provider_id, room_id, start, "end", '
            "block_end, status, levels, version, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, 'pending', 'L4-L5', 1, ?, ?)",
            (patient_id, provider_id, room_id, s, e, b, now, now),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(cursor.lastrowid or 0)


def book_raw_samples(
    conn: sqlite3.Connection, slots: Iterator[Any], runs: int, *, first: int, patients: int
) -> list[float]:
    """ms per `book_raw` into the next free `slots` (objects with provider_id, room_id and
    start), patient `1 + (n * 211) % patients` for n from `first`; a slot whose patient is busy
    then is skipped, as the service's refusals are."""
    samples: list[float] = []
    patient = first
    for slot in slots:
        if len(samples) >= runs:
            break
        patient += 1
        started = time.perf_counter()
        try:
            book_raw(
                conn,
                patient_id=1 + (patient * 211) % patients,
                provider_id=slot.provider_id,
                room_id=slot.room_id,
                start=slot.start,
            )
        except ValueError:
            continue
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def reportlab_two_pages() -> bytes:
    """A bare two-page reportlab document with a heading and forty lines a page."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    for page in range(2):
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(72, 720, f"Day-of checklist, page {page + 1}")
        pdf.setFont("Helvetica", 10)
        for line in range(40):
            pdf.drawString(72, 700 - line * 15, f"[ ] Item {line + 1}: confirmed by ____ at ____")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def bare_table(rows: Sequence[Sequence[str]], size: tuple[int, int]) -> Any:
    """A bare QTableView over `rows`, shown at `size` and painted once (a QApplication must
    exist); the caller closes it."""
    from PySide6.QtCore import (  # noqa: TID251 (the floor of the UI benchmarks)
        QAbstractTableModel,
        QModelIndex,
        QPersistentModelIndex,
        Qt,
    )
    from PySide6.QtWidgets import QTableView  # noqa: TID251

    columns = max((len(r) for r in rows), default=1)

    class Rows(QAbstractTableModel):
        def rowCount(self, parent: Any = None) -> int:
            return len(rows)

        def columnCount(self, parent: Any = None) -> int:
            return columns

        def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> str | None:
            if role == Qt.ItemDataRole.DisplayRole:
                return rows[index.row()][index.column()]
            return None

    view = QTableView()
    view.setModel(Rows(view))
    view.resize(*size)
    view.show()
    view.grab()  # warm the glyph cache, as the board bench does
    return view


def in_turns(
    app: Callable[[], object], floor: Callable[[], object], runs: int
) -> tuple[list[float], list[float]]:
    """ms per call of `app` and of `floor`, called in turns, so that a slow spell of the host
    weighs on both alike."""
    app_samples: list[float] = []
    floor_samples: list[float] = []
    for _ in range(runs):
        for fn, samples in ((app, app_samples), (floor, floor_samples)):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
    return app_samples, floor_samples
