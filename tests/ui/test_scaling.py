"""At 125 % and 200 % display scaling on a full-HD screen nothing is squeezed or clipped."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.conftest import Demo

PROBE = Path(__file__).with_name("scaling_probe.py")


@pytest.mark.slow
@pytest.mark.parametrize("scale", ["1.25", "2"])
def test_screens_fit_at_scale(demo_clinic: Demo, scale: str) -> None:
    db = demo_clinic.path
    env = {**os.environ, "QT_SCALE_FACTOR": scale, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, str(PROBE), str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    warnings = [
        line
        for line in out.stderr.splitlines()
        if line.strip() and "propagateSizeHints" not in line
    ]
    assert warnings == []
    assert json.loads(out.stdout) == {}
