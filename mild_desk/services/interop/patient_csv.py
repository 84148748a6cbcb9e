"""Patients in and out as CSV: a header-mapped import with a row-level report, and an export.

The import reads UTF-8 (with or without a byte-order mark, any line endings) and maps columns
by header name, case-insensitively. A row whose MRN is new adds a patient. A row whose MRN is
already on file changes that patient only when its `update` column says yes; then each
non-empty cell replaces the stored value and an empty cell leaves it as it is. A row that
matches what is on file is "unchanged" either way. Every cell goes through the same checks as
`mild-desk patient add`.

A file that cannot be read as a whole (binary, not UTF-8, a bad or unknown header) is refused
and nothing is written. Otherwise each bad row is reported with its line number and reasons and
written nowhere; the good rows are imported together in one transaction (none with a dry run).
"""

import csv
import dataclasses
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mild_desk.db import Database, Transaction
from mild_desk.errors import InvalidInput, Refused
from mild_desk.models.tables import Patient
from mild_desk.models.types import PatientId
from mild_desk.services import audit
from mild_desk.services.base import Actor, clean_phone, clean_text, require, utcnow
from mild_desk.services.clinic import clinic_in
from mild_desk.services.files import out_path
from mild_desk.services.interop._files import publish
from mild_desk.services.interop.csv_table import (
    FIELDS,
    UPDATE,
    Record,
    Table,
    read_file,
    read_table,
)

# The same checks `patient add` applies (patients.add_patient), so the two always agree.
from mild_desk.services.patients import clean_dob, clean_language, clean_mrn_text

_REQUIRED_TO_ADD = ("first_name", "last_name", "dob")
_YES = frozenset({"yes", "y", "true", "t", "1", "x"})
_NO = frozenset({"no", "n", "false", "f", "0"})


class ImportAction(StrEnum):
    ADD = "add"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row cannot be imported; `column` is the header as the file spells it."""

    column: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One data row of the file: what importing it does, or why it cannot be imported."""

    line: int
    mrn: str
    name: str
    action: ImportAction
    changes: tuple[str, ...]
    problems: tuple[RowProblem, ...]
    reason: str
    patient_id: PatientId | None
    values: dict[str, str]
    """The row's non-empty cells after the checks, as text by field (dob ISO, flags yes/no)."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The row-level report: with `dry_run` it is the preview of what an import would do."""

    file: str
    dry_run: bool
    written: bool
    headers: tuple[str, ...]
    columns: tuple[str, ...]
    """The field each header maps to ("" for a column without a name), in file order."""
    rows: tuple[ImportRow, ...]
    added: int
    updated: int
    unchanged: int
    errors: int

    @property
    def bad_rows(self) -> tuple[ImportRow, ...]:
        return tuple(r for r in self.rows if r.action is ImportAction.ERROR)


@dataclass(frozen=True, slots=True)
class PatientExport:
    file: str
    patients: int


def import_patients(
    db: Database,
    actor: Actor,
    *,
    path: str | Path,
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Import patients from a CSV file, or with `dry_run` only report what would happen."""
    require(actor, "patient.edit")
    when = now or utcnow()
    source = Path(path)
    table = read_table(read_file(source))
    if dry_run:
        with db.read() as tx:
            plans = _plan(tx.session, table, when)
        return _report(str(source), table, plans, dry_run=True, written=False)
    with db.write() as tx:
        plans = _plan(tx.session, table, when)
        try:
            plans = _apply(tx, actor, plans, source.name, when)
        except IntegrityError:
            raise Refused(
                "another workstation added one of these MRNs during the import; nothing was "
                "imported, run it again",
                field="mrn",
            ) from None
        tx.commit()
    return _report(str(source), table, plans, dry_run=False, written=True)


def preview_patients(
    db: Database, actor: Actor, *, path: str | Path, now: datetime | None = None
) -> ImportReport:
    """What `import_patients` would do with the file, row by row; writes nothing."""
    return import_patients(db, actor, path=path, dry_run=True, now=now)


def export_patients(
    db: Database, actor: Actor, *, out: str | Path, now: datetime | None = None
) -> PatientExport:
    """Every patient as CSV (UTF-8 with a byte-order mark so Excel reads accents, CRLF lines),
    in the format the import reads back."""
    require(actor, "patient.read")
    when = now or utcnow()
    target = out_path(out)
    with db.read() as tx:
        rows = tx.session.exec(select(Patient).order_by(col(Patient.mrn))).all()
        data = render_patients(rows)
        count = len(rows)
    publish(
        db,
        actor,
        out=target,
        data=data,
        action="export.patients",
        details={"patients": count},
        now=when,
    )
    return PatientExport(file=str(target), patients=count)


def render_patients(rows: Iterable[Patient]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow([_cell(getattr(row, name)) for name in FIELDS])
    return buffer.getvalue().encode("utf-8-sig")


# --- planning and applying ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    row: ImportRow
    values: dict[str, Any]


def _plan(session: Session, table: Table, now: datetime) -> list[_Plan]:
    today = now.astimezone(clinic_in(session).tz).date()
    checked = [_check_record(table, record, today) for record in table.records]
    mrns = sorted({c.mrn for c in checked if c.mrn})
    existing: dict[str, Patient] = {}
    for i in range(0, len(mrns), 500):
        chunk = mrns[i : i + 500]
        for row in session.exec(select(Patient).where(col(Patient.mrn).in_(chunk))).all():
            existing[row.mrn] = row
    lines: dict[str, list[int]] = {}
    for c in checked:
        if c.mrn:
            lines.setdefault(c.mrn, []).append(c.line)
    return [_decide(c, existing.get(c.mrn), lines.get(c.mrn, [])) for c in checked]


@dataclass(frozen=True, slots=True)
class _Checked:
    line: int
    mrn: str
    update: bool
    values: dict[str, Any]
    headers: dict[str, str]
    problems: tuple[RowProblem, ...]
    readable: bool = True


def _check_record(table: Table, record: Record, today: date) -> _Checked:
    if record.problem is not None:
        problem = RowProblem(None, record.problem)
        return _Checked(record.line, "", False, {}, {}, (problem,), readable=False)
    width = len(table.headers)
    cells = record.cells
    if len(cells) < width or any(cell.strip() for cell in cells[width:]):
        # The cells may be shifted: checking them one by one would only add noise.
        problem = RowProblem(None, f"{len(cells)} cells, but the header has {width} columns")
        return _Checked(record.line, "", False, {}, {}, (problem,), readable=False)
    problems: list[RowProblem] = []
    values: dict[str, Any] = {}
    headers: dict[str, str] = {}
    update = False
    mrn = ""
    for index, (header, field) in enumerate(zip(table.headers, table.fields, strict=True)):
        raw = cells[index] if index < len(cells) else ""
        if field is None:
            if raw.strip():
                problems.append(RowProblem(None, f"column {index + 1} has a value but no name"))
            continue
        headers[field] = header.strip()
        if not raw.strip() and field != "mrn":
            continue
        try:
            if field == "mrn":
                mrn = clean_mrn_text(raw)
            elif field == UPDATE:
                update = _yes_no(raw)
            else:
                values[field] = _CHECKS[field](raw, today)
        except InvalidInput as exc:
            problems.append(RowProblem(header.strip(), exc.message))
    return _Checked(record.line, mrn, update, values, headers, tuple(problems))


def _decide(c: _Checked, patient: Patient | None, same_mrn: list[int]) -> _Plan:
    problems = list(c.problems)
    if not c.readable:
        return _error(c, "", problems)
    others = [n for n in same_mrn if n != c.line]
    if others:
        where = ", ".join(str(n) for n in others)
        problems.append(RowProblem(c.headers.get("mrn"), f"{c.mrn} is also on line {where}"))
    if patient is None:
        for field in _REQUIRED_TO_ADD:
            column = c.headers.get(field)
            if field not in c.values and not (column and any(p.column == column for p in problems)):
                problems.append(RowProblem(column or field, "is required to add a patient"))
        name = _name(c.values.get("last_name", ""), c.values.get("first_name", ""))
        if problems:
            return _error(c, name, problems)
        values = {
            "preferred_language": "en",
            "phone": "",
            "referring_physician": "",
            "allergies": "",
            "diabetic": False,
            "pregnancy_possible": False,
            **c.values,
            "mrn": c.mrn,
        }
        return _Plan(_row(c, name, ImportAction.ADD, (), (), None), values)
    name = _name(
        c.values.get("last_name", patient.last_name), c.values.get("first_name", patient.first_name)
    )
    pid = PatientId(patient.id or 0)
    if problems:
        return _error(c, name, problems, pid)
    changes = {k: v for k, v in c.values.items() if getattr(patient, k) != v}
    if not changes:
        return _Plan(_row(c, name, ImportAction.UNCHANGED, (), (), pid), {})
    if not c.update:
        problems.append(
            RowProblem(
                None,
                f"MRN {c.mrn} is already on file ({_name(patient.last_name, patient.first_name)})"
                f" and this row would change {', '.join(changes)}; put yes in the update column "
                "to change it",
            )
        )
        return _error(c, name, problems, pid)
    return _Plan(_row(c, name, ImportAction.UPDATE, tuple(changes), (), pid), changes)


def _apply(
    tx: Transaction, actor: Actor, plans: list[_Plan], source: str, when: datetime
) -> list[_Plan]:
    """Write the adds and updates (one flush for all rows), then one audit event per patient."""
    session = tx.session
    added: dict[int, Patient] = {}
    changed: dict[int, tuple[Patient, dict[str, Any]]] = {}
    for index, plan in enumerate(plans):
        if plan.row.action is ImportAction.ADD:
            added[index] = Patient(created_at=when, **plan.values)
            session.add(added[index])
        elif plan.row.action is ImportAction.UPDATE:
            found = session.get(Patient, plan.row.patient_id)
            assert found is not None
            changed[index] = (found, audit.snapshot(found, *plan.values))
            for key, value in plan.values.items():
                setattr(found, key, value)
            found.version += 1
            session.add(found)
    session.flush()
    result = list(plans)
    for index, plan in enumerate(plans):
        origin = {"import": f"{source}, line {plan.row.line}"}
        if index in added:
            pid = PatientId(added[index].id or 0)
            after = {**plan.values, **origin}
            audit.record(tx, actor, "patient.import", "patient", pid, after=after, now=when)
            result[index] = _Plan(_with_id(plan.row, pid), plan.values)
        elif index in changed:
            found, before = changed[index]
            audit.record(
                tx,
                actor,
                "patient.update",
                "patient",
                found.id,
                before=before,
                after={**plan.values, **origin},
                now=when,
            )
    return result


def _report(
    file: str, table: Table, plans: list[_Plan], *, dry_run: bool, written: bool
) -> ImportReport:
    rows = tuple(p.row for p in plans)

    def count(action: ImportAction) -> int:
        return sum(1 for r in rows if r.action is action)

    return ImportReport(
        file=file,
        dry_run=dry_run,
        written=written,
        headers=table.headers,
        columns=tuple(f or "" for f in table.fields),
        rows=rows,
        added=count(ImportAction.ADD),
        updated=count(ImportAction.UPDATE),
        unchanged=count(ImportAction.UNCHANGED),
        errors=count(ImportAction.ERROR),
    )


def _row(
    c: _Checked,
    name: str,
    action: ImportAction,
    changes: tuple[str, ...],
    problems: tuple[RowProblem, ...],
    patient_id: PatientId | None,
) -> ImportRow:
    return ImportRow(
        line=c.line,
        mrn=c.mrn,
        name=name,
        action=action,
        changes=changes,
        problems=problems,
        reason="; ".join(str(p) for p in problems),
        patient_id=patient_id,
        values={k: _cell(v) for k, v in {"mrn": c.mrn, **c.values}.items() if v != ""},
    )


def _error(
    c: _Checked, name: str, problems: list[RowProblem], patient_id: PatientId | None = None
) -> _Plan:
    return _Plan(_row(c, name, ImportAction.ERROR, (), tuple(problems), patient_id), {})


def _with_id(row: ImportRow, patient_id: PatientId) -> ImportRow:
    return dataclasses.replace(row, patient_id=patient_id)


def _name(last: str, first: str) -> str:
    return f"{last}, {first}" if last and first else last or first


def _yes_no(raw: str) -> bool:
    text = raw.strip().lower()
    if text in _YES:
        return True
    if text in _NO or not text:
        return False
    raise InvalidInput(f"{raw.strip()!r} is not yes or no")


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_CHECKS: dict[str, Callable[[str, date], Any]] = {
    "first_name": lambda raw, _: clean_text("first", raw),
    "last_name": lambda raw, _: clean_text("last", raw),
    "dob": clean_dob,
    "phone": lambda raw, _: clean_phone("phone", raw),
    "preferred_language": lambda raw, _: clean_language(raw),
    "referring_physician": lambda raw, _: clean_text("referring_physician", raw, required=False),
    "allergies": lambda raw, _: clean_text("allergies", raw, required=False, max_len=1000),
    "diabetic": lambda raw, _: _yes_no(raw),
    "pregnancy_possible": lambda raw, _: _yes_no(raw),
}
