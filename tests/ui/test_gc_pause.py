"""The collector's pauses: the start's and the worker threads' count together."""

import gc
from collections.abc import Iterator

import pytest

from mild_desk.ui import gc_pause


@pytest.fixture
def collecting() -> Iterator[None]:
    assert gc.isenabled()
    yield
    gc.unfreeze()
    gc.enable()


@pytest.mark.usefixtures("collecting")
def test_a_worker_during_the_start_does_not_turn_collection_back_on() -> None:
    gc_pause.begin_start()
    gc_pause.begin_start()  # once only
    assert not gc.isenabled()
    gc_pause.pause_gc()  # the board's first load, still running when the window is up
    gc_pause.end_start(freeze=True)
    assert not gc.isenabled()
    assert gc.get_freeze_count() > 0
    gc_pause.resume_gc()
    assert gc.isenabled()
    gc_pause.end_start(freeze=True)  # nothing the second time
    assert gc.isenabled()


@pytest.mark.usefixtures("collecting")
def test_a_start_that_stops_early_freezes_nothing() -> None:
    gc_pause.begin_start()
    gc_pause.end_start(freeze=False)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("collecting")
def test_the_app_leaves_collection_as_it_was_when_it_cannot_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mild_desk import resources
    from mild_desk.errors import InvalidInput
    from mild_desk.ui.app import run

    def broken() -> None:
        raise InvalidInput("broken", field="resources")

    monkeypatch.setattr(resources, "check", broken)
    assert run("sqlite://") == InvalidInput.exit_code
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
