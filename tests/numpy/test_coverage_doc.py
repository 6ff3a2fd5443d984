"""docs/numpy-coverage.md is what docs/gen_numpy_coverage.py generates now: re-run the script
after adding functions or spec rows."""

from __future__ import annotations

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_coverage_page_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("gen_numpy_coverage",
                                                  ROOT / "docs" / "gen_numpy_coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.render()
    actual = (ROOT / "docs" / "numpy-coverage.md").read_text()
    assert actual == expected, ("docs/numpy-coverage.md is stale: run "
                                "`python docs/gen_numpy_coverage.py`")
