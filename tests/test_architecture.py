"""The layers stay where DESIGN.md puts them, and the package installs with its resources."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mild_desk"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_only_the_ui_imports_qt() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in _modules(PACKAGE)
        if "ui" not in p.relative_to(PACKAGE).parts[:1]
        and any(name.split(".")[0] == "PySide6" for name in _imports(p))
    ]
    assert offenders == []


def test_rules_are_pure() -> None:
    forbidden = {
        "sqlmodel",
        "sqlalchemy",
        "PySide6",
        "mild_desk.db",
        "mild_desk.services",
        "reportlab",
        "os",
        "subprocess",
        "socket",
        "mild_desk.models.tables",
    }
    offenders = {
        str(p.relative_to(ROOT)): sorted(
            n for n in _imports(p) if any(n == f or n.startswith(f + ".") for f in forbidden)
        )
        for p in _modules(PACKAGE / "rules")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_services_do_not_import_the_front_ends() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in _modules(PACKAGE / "services")
        if any(n.startswith(("mild_desk.ui", "mild_desk.cli", "PySide6")) for n in _imports(p))
    ]
    assert offenders == []


def test_importing_the_package_does_no_work() -> None:
    code = (
        "import sys, mild_desk.cli, mild_desk.services.patients, mild_desk.rules.permissions;"
        "heavy = [m for m in ('PySide6', 'reportlab') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_resources_are_found_from_an_installed_wheel(tmp_path: Path) -> None:
    """`pip install .` (not editable) into a fresh venv; the locator finds the data there."""
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    (wheel,) = dist.glob("mild_desk-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    probe = (
        "import mild_desk, mild_desk.resources as r;"
        "print(mild_desk.__file__);"
        "print(r.resource_path('hold_table.toml'));"
        "print(r.resource_path('procedure_profile.toml').read_text()[:1])"
    )
    out = subprocess.run(
        [str(python), "-I", "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    module, hold_table, _ = out.stdout.splitlines()
    assert module.startswith(str(venv))
    assert hold_table.startswith(str(venv))
    assert "_resources" in hold_table
