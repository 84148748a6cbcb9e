"""File → Import patients: the preview writes nothing, Import writes the good rows only, an
unreadable file is one line, and only roles that may edit patients see the menu action."""

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMenu
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from mild_desk.errors import NotFound
from mild_desk.services import patients
from mild_desk.services.interop.patient_csv import ImportAction
from mild_desk.ui.context import AppContext
from mild_desk.ui.import_dialog import IMPORT_ACTIONS, ImportDialog
from mild_desk.ui.main_window import MainWindow
from mild_desk.ui.table_model import RECORD_ROLE
from tests.ui.conftest import Demo

MakeCtx = Callable[[str], AppContext]
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier

REFERRALS = (
    "mrn,first,last,dob,phone,update\n"
    "NEW0001,Ada,Lovelace,1950-12-10,555-0101,\n"  # 2: new
    ",No,Mrn,1950-01-01,,\n"  # 3: bad, no MRN
    "NEW0002,Bad,Date,31/02/1950,,\n"  # 4: bad, no such date (and not YYYY-MM-DD)
    "MRN10001,,,,555-0199,yes\n"  # 5: update the phone of a demo patient
    "MRN10002,,,,,\n"  # 6: on file, nothing to change
    "NEW0003,Grace,Hopper,1946-12-09,,\n"  # 7: new
)


def _csv(tmp_path: Path, text: str | bytes, name: str = "referrals.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _dialog(qtbot: QtBot, ctx: AppContext) -> ImportDialog:
    dialog = ImportDialog(ctx)
    qtbot.add_widget(dialog)
    dialog.show()
    return dialog


def _preview(qtbot: QtBot, dialog: ImportDialog, path: Path) -> None:
    with qtbot.waitSignal(dialog.previewed, timeout=10_000):
        dialog.load(path)


def _table(dialog: ImportDialog) -> list[tuple[str, ...]]:
    model = dialog.model
    return [
        tuple(str(model.index(row, col).data()) for col in range(model.columnCount()))
        for row in range(model.rowCount())
    ]


def _mrn_on_file(ctx: AppContext, mrn: str) -> bool:
    try:
        patients.get_by_mrn(ctx.db, ctx.actor, mrn)
    except NotFound:
        return False
    return True


def test_preview_shows_counts_and_bad_lines_and_writes_nothing(
    qtbot: QtBot, demo_clinic: Demo, make_ctx: MakeCtx, tmp_path: Path
) -> None:
    before = demo_clinic.dump()
    dialog = _dialog(qtbot, make_ctx("scheduler"))
    assert not dialog.import_button.isEnabled()
    _preview(qtbot, dialog, _csv(tmp_path, REFERRALS))
    assert dialog.summary.text() == (
        "2 new, 1 updated, 1 unchanged, 2 bad rows — nothing is written until you press Import."
    )
    rows = _table(dialog)
    assert [r[0] for r in rows] == ["2", "3", "4", "5", "6", "7"]
    actions = {int(r[0]): r[3] for r in rows}
    assert actions == {
        2: IMPORT_ACTIONS[ImportAction.ADD],
        3: IMPORT_ACTIONS[ImportAction.ERROR],
        4: IMPORT_ACTIONS[ImportAction.ERROR],
        5: IMPORT_ACTIONS[ImportAction.UPDATE],
        6: IMPORT_ACTIONS[ImportAction.UNCHANGED],
        7: IMPORT_ACTIONS[ImportAction.ADD],
    }
    reasons = {int(r[0]): r[4] for r in rows}
    assert "mrn" in reasons[3]
    assert "required" in reasons[3]
    assert "31/02/1950" in reasons[4]
    assert "phone" in reasons[5]
    # Bad rows are marked by colour as well as by word; rows that import cleanly are not.
    model = dialog.model
    bad = model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole)
    assert bad is not None
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert model.index(2, 4).data(Qt.ItemDataRole.BackgroundRole) == bad
    assert dialog.import_button.isEnabled()
    assert dialog.import_button.isDefault()
    assert dialog.import_button.text().replace("&", "") == "Import 3 patients"
    assert dialog.error.isHidden()
    assert demo_clinic.dump() == before


def test_import_writes_the_good_rows_and_skips_the_bad(
    qtbot: QtBot, demo_clinic: Demo, make_ctx: MakeCtx, tmp_path: Path
) -> None:
    ctx = make_ctx("scheduler")
    old_phone = patients.get_by_mrn(ctx.db, ctx.actor, "MRN10001").phone
    dialog = _dialog(qtbot, ctx)
    _preview(qtbot, dialog, _csv(tmp_path, REFERRALS))
    before = demo_clinic.dump()
    with (
        qtbot.waitSignal(ctx.changes.changed, timeout=10_000),
        qtbot.waitSignal(dialog.imported, timeout=10_000) as imported,
    ):
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)  # Enter presses Import
    report = imported.args[0]
    assert report.written
    assert (report.added, report.updated, report.unchanged, report.errors) == (2, 1, 1, 2)
    assert dialog.summary.text().startswith("Imported: 2 new, 1 updated, 1 unchanged, 2 bad rows")
    assert not dialog.import_button.isEnabled()
    assert dialog.close_button.isDefault()
    assert demo_clinic.dump() != before
    ada = patients.search(ctx.db, ctx.actor, "Lovelace, Ada")
    assert [(p.mrn, p.dob.isoformat(), p.phone) for p in ada] == [
        ("NEW0001", "1950-12-10", "555-0101")
    ]
    assert _mrn_on_file(ctx, "NEW0003")
    assert not _mrn_on_file(ctx, "NEW0002")
    assert not patients.search(ctx.db, ctx.actor, "Mrn, No")
    updated = patients.get_by_mrn(ctx.db, ctx.actor, "MRN10001")
    assert updated.phone == "555-0199"
    assert updated.phone != old_phone
    with qtbot.waitSignal(dialog.finished, timeout=1_000):
        qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (b"\xff\xfeu\x00n\x00", "UTF-16"),
        ("name,colour\nAda,blue\n", "unknown column"),
    ],
    ids=["binary", "utf-16", "bad-header"],
)
def test_an_unreadable_file_is_one_line_and_changes_nothing(
    qtbot: QtBot,
    demo_clinic: Demo,
    make_ctx: MakeCtx,
    tmp_path: Path,
    content: str | bytes,
    words: str,
) -> None:
    before = demo_clinic.dump()
    dialog = _dialog(qtbot, make_ctx("nurse"))
    _preview(qtbot, dialog, _csv(tmp_path, REFERRALS))  # a good preview first: it must go
    with qtbot.waitSignal(dialog.refused, timeout=10_000) as refused:
        dialog.load(_csv(tmp_path, content, "scan.csv"))
    text = refused.args[0]
    assert words in text
    assert "\n" not in text
    assert dialog.error.isVisible()
    assert dialog.error.text() == text
    assert dialog.model.rowCount() == 0
    assert not dialog.import_button.isEnabled()
    assert demo_clinic.dump() == before


def test_a_role_without_patient_edit_is_refused_by_the_service(
    qtbot: QtBot, demo_clinic: Demo, make_ctx: MakeCtx, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, make_ctx("provider"))
    with qtbot.waitSignal(dialog.refused, timeout=10_000) as refused:
        dialog.load(_csv(tmp_path, REFERRALS))
    assert "may not patient edit" in refused.args[0]
    assert dialog.model.rowCount() == 0
    assert not dialog.import_button.isEnabled()


def test_the_import_reports_what_it_did_when_the_file_changed_after_the_preview(
    qtbot: QtBot, demo_clinic: Demo, make_ctx: MakeCtx, tmp_path: Path
) -> None:
    ctx = make_ctx("admin")
    path = _csv(tmp_path, REFERRALS)
    dialog = _dialog(qtbot, ctx)
    _preview(qtbot, dialog, path)
    path.write_text("mrn,first,last,dob\nNEW0009,Alan,Turing,1912-06-23\n")
    with qtbot.waitSignal(dialog.imported, timeout=10_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert [r[:4] for r in _table(dialog)] == [
        ("2", "NEW0009", "Turing, Alan", IMPORT_ACTIONS[ImportAction.ADD])
    ]
    assert "1 new, 0 updated, 0 unchanged, 0 bad rows" in dialog.summary.text()
    assert "changed after the preview" in dialog.summary.text()
    assert _mrn_on_file(ctx, "NEW0009")
    assert not _mrn_on_file(ctx, "NEW0001")


def test_choose_file_previews_the_chosen_file(
    qtbot: QtBot,
    demo_clinic: Demo,
    make_ctx: MakeCtx,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = _csv(tmp_path, REFERRALS)
    asked: list[str] = []

    def pick(*args: object) -> tuple[str, str]:
        asked.append(str(args[-1]))
        return str(path), "CSV files (*.csv)"

    monkeypatch.setattr(QFileDialog, "getOpenFileName", pick)
    dialog = _dialog(qtbot, make_ctx("scheduler"))
    assert dialog.choose_button.isDefault()
    with qtbot.waitSignal(dialog.previewed, timeout=10_000):
        qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert asked
    assert "*.csv" in asked[0]
    assert dialog.file_label.text() == str(path)
    assert dialog.model.rowCount() == 6


def test_every_control_has_an_accessible_name(
    qtbot: QtBot, demo_clinic: Demo, make_ctx: MakeCtx
) -> None:
    dialog = _dialog(qtbot, make_ctx("scheduler"))
    controls = [
        dialog.choose_button,
        dialog.file_label,
        dialog.summary,
        dialog.table,
        dialog.error,
        dialog.busy,
        dialog.import_button,
        dialog.close_button,
    ]
    assert all(c.accessibleName() for c in controls)


@pytest.mark.parametrize(
    ("role", "sees"),
    [("scheduler", True), ("nurse", True), ("admin", True), ("provider", False)],
)
def test_only_roles_that_edit_patients_see_import(
    qtbot: QtBot, demo_clinic: Demo, role: str, sees: bool
) -> None:
    window = MainWindow(
        demo_clinic.db, demo_clinic.actor(role), clock=demo_clinic.clock, live=False
    )
    qtbot.add_widget(window)
    with qtbot.waitSignal(window.board.loaded, timeout=10_000):
        window.show()
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu)
    assert window.import_action in file_menu.actions()
    assert window.import_action.isVisible() is sees
    assert any("Import patients" in line for line in window.shortcut_lines()) is sees
    qtbot.keyClick(window, Qt.Key.Key_I, CTRL_SHIFT)
    assert (window.import_dialog is not None) is sees
    if window.import_dialog is not None:
        dialog = window.import_dialog
        assert dialog.isVisible()
        with qtbot.waitSignal(dialog.finished, timeout=1_000):
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert window.import_dialog is None


def test_preview_model_passes_the_model_tester(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    demo_clinic: Demo,
    make_ctx: MakeCtx,
    tmp_path: Path,
) -> None:
    dialog = _dialog(qtbot, make_ctx("scheduler"))
    qtmodeltester.check(dialog.model)
    _preview(qtbot, dialog, _csv(tmp_path, REFERRALS))
    qtmodeltester.check(dialog.model)
    assert dialog.model.rowCount() == 6
    first = dialog.model.index(0, 0).data(RECORD_ROLE)
    assert first.mrn == "NEW0001"
