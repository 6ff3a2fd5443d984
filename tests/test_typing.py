"""The package is typed (PEP 561) and the type checker accepts it and a typed user program.

pyright is an optional tool (``pip install -e ".[typecheck]"``; it needs Node.js); without it
the check is skipped, the marker and packaging checks still run.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_package_ships_its_types():
    assert (ROOT / "ftrans" / "py.typed").exists()
    # without package data an installed (non-editable) ftrans would ship no marker
    assert 'ftrans = ["py.typed"]' in (ROOT / "pyproject.toml").read_text()


def _pyright() -> list[str] | None:
    try:
        import pyright  # noqa: F401  (the PyPI wrapper, which runs the bundled checker)
    except ImportError:
        return [exe] if (exe := shutil.which("pyright")) else None
    return [sys.executable, "-m", "pyright"]


def test_pyright_is_clean_on_the_package_and_the_typed_sample():
    command = _pyright()
    if command is None or shutil.which("node") is None:
        pytest.skip("pyright (pip install -e '.[typecheck]') and Node.js are needed")
    done = subprocess.run([*command, "--outputjson"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    report = json.loads(done.stdout)
    errors = [f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']}"
              for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert not errors, "\n".join(errors)
    checked = report["summary"]["filesAnalyzed"]
    assert checked > 50  # the package and tests/typing, not an empty selection


def test_pyright_rejects_wrong_arguments_to_transformed_functions():
    """Transformations keep their function's parameters (ParamSpec), so a checker catches a
    wrong keyword or argument count at the call of the transformed function."""
    command = _pyright()
    if command is None or shutil.which("node") is None:
        pytest.skip("pyright (pip install -e '.[typecheck]') and Node.js are needed")
    sample = ROOT / "tests" / "typing_errors" / "wrong_arguments.py"
    done = subprocess.run([*command, "--outputjson", str(sample)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    report = json.loads(done.stdout)
    found = {(d["range"]["start"]["line"] + 1, d.get("rule"))
             for d in report["generalDiagnostics"] if d["severity"] == "error"}
    expected = {(n, line.split("  # expect: ")[1].strip())
                for n, line in enumerate(sample.read_text().splitlines(), 1)
                if "  # expect: " in line}
    assert len(expected) == 6
    assert found == expected
