"""Every Qt model passes Qt's own model tester, filled from the demo clinic."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QAbstractItemModel
from pytestqt.modeltest import ModelTester

from mild_desk.services import (
    appointments,
    audit,
    availability,
    clinic,
    panel_view,
    patients,
    prep,
    users,
)
from mild_desk.services import views as views_service
from mild_desk.ui import models
from mild_desk.ui.board_model import BoardModel
from mild_desk.ui.board_types import Lanes, shown_days
from mild_desk.ui.checklist_model import ChecklistModel
from mild_desk.ui.context import AppContext
from tests.ui.conftest import DEMO_NOW, TUESDAY, Demo

MakeCtx = Callable[[str], AppContext]


def _check(qtmodeltester: ModelTester, model: QAbstractItemModel, *, rows: bool = True) -> None:
    qtmodeltester.check(model)
    if rows:
        assert model.rowCount() > 0


@pytest.mark.parametrize(
    ("week", "lanes"),
    [(False, Lanes.PROVIDERS), (True, Lanes.PROVIDERS), (True, Lanes.ROOMS)],
)
def test_board_model(
    qtmodeltester: ModelTester, make_ctx: MakeCtx, week: bool, lanes: Lanes
) -> None:
    ctx = make_ctx("scheduler")
    first = TUESDAY - timedelta(days=1)
    read = views_service.board(
        ctx.db, ctx.actor, date_from=first, date_to=first + timedelta(days=6), now=DEMO_NOW
    )
    model = BoardModel()
    model.set_board(read, shown_days(read, TUESDAY, week=week), lanes=lanes, can_move=True)
    _check(qtmodeltester, model)
    assert model.blocks()


def test_board_model_empty_and_closed(qtmodeltester: ModelTester, make_ctx: MakeCtx) -> None:
    ctx = make_ctx("nurse")
    thanksgiving = date(2026, 11, 26)
    read = views_service.board(
        ctx.db, ctx.actor, date_from=thanksgiving, date_to=thanksgiving, now=DEMO_NOW
    )
    model = BoardModel()
    model.set_board(read, [thanksgiving])
    _check(qtmodeltester, model)
    assert model.index(0, 0).data() == "Closed: Thanksgiving"


def test_record_models(qtmodeltester: ModelTester, make_ctx: MakeCtx) -> None:
    ctx = make_ctx("scheduler")
    admin = make_ctx("admin")
    tz = lambda: ctx.tz  # noqa: E731
    names = {
        "provider": {p.id: p.name for p in clinic.providers(ctx.db)},
        "room": {r.id: r.name for r in clinic.rooms(ctx.db)},
    }
    appt = next(
        a for a in appointments.on_date(ctx.db, ctx.actor, TUESDAY) if "Rossi" in a.patient_name
    )
    panel = panel_view.appointment_panel(ctx.db, ctx.actor, appt.id, now=DEMO_NOW)
    filled: list[tuple[QAbstractItemModel, object]] = [
        (models.PatientSearchModel(ctx.today), patients.search(ctx.db, ctx.actor, "a")),
        (
            models.SlotModel(tz, names),
            prep.feasible_slots(
                ctx.db,
                ctx.actor,
                mrn=appt.patient_mrn,
                date_from=TUESDAY,
                date_to=TUESDAY + timedelta(days=60),
                limit=5,
                now=DEMO_NOW,
            ),
        ),
        (models.RequirementModel(tz), panel.prep.requirements),
        (models.MedicationModel(tz), panel.medications),
        (models.ImagingModel(), panel.imaging),
        (
            models.HistoryModel(tz),
            audit.history(ctx.db, ctx.actor, entity="appointment", entity_id=appt.id),
        ),
        (models.WorklistModel(tz), prep.worklist(ctx.db, ctx.actor, now=DEMO_NOW)),
        (models.UserModel(), users.list_users(admin.db, admin.actor)),
        (models.ProviderModel(), clinic.providers(ctx.db)),
        (models.RoomModel(), clinic.rooms(ctx.db)),
        (models.TemplateModel(names), availability.templates(ctx.db)),
        (
            models.ClosureModel(names),
            availability.closures(ctx.db, date_from=TUESDAY, date_to=TUESDAY + timedelta(days=60)),
        ),
    ]
    for model, records in filled:
        model.set_records(records)  # type: ignore[attr-defined]
        _check(qtmodeltester, model)
    labs = models.LabModel(tz)
    prep.add_lab(
        ctx.db,
        make_ctx("nurse").actor,
        mrn=appt.patient_mrn,
        test="INR",
        value=1.1,
        taken_at=DEMO_NOW,
        now=DEMO_NOW,
    )
    labs.set_records(panel_view.appointment_panel(ctx.db, ctx.actor, appt.id, now=DEMO_NOW).labs)
    _check(qtmodeltester, labs)


def test_checklist_model(qtmodeltester: ModelTester, demo_clinic: Demo, make_ctx: MakeCtx) -> None:
    ctx = make_ctx("nurse")
    appt = appointments.on_date(ctx.db, ctx.actor, TUESDAY)[0]
    model = ChecklistModel(lambda: ctx.tz)
    model.set_lines(prep.checklist(ctx.db, ctx.actor, appt.id))
    _check(qtmodeltester, model)
    first_phase = model.index(0, 0)
    assert model.rowCount(first_phase) > 5
    assert "Pre-op" in first_phase.data()
    item = model.index(0, 0, first_phase)
    assert model.line(item) is not None
    assert item.parent() == first_phase
