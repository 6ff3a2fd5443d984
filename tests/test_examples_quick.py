"""The tutorial examples in quick mode (FTRANS_EXAMPLES_QUICK=1), and mlp_sgd's fallback when
scikit-learn is absent. (tests/test_docs.py runs every example as well.)"""

from __future__ import annotations

import pathlib
import runpy
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
MINE = ["mlp_sgd.py", "per_example_gradients.py", "newton_hvp.py", "higher_order.py"]


def run_example(name: str, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FTRANS_EXAMPLES_QUICK", "1")
    monkeypatch.setattr(sys, "argv", [name])
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")


@pytest.mark.parametrize("name", MINE)
def test_quick_mode(name, monkeypatch, tmp_path, capsys):
    run_example(name, monkeypatch, tmp_path)
    assert "(quick mode)" in capsys.readouterr().out


def test_mlp_without_scikit_learn_trains_on_synthetic_data(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # `import sklearn` now raises ImportError
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    run_example("mlp_sgd.py", monkeypatch, tmp_path)
    out = capsys.readouterr().out
    assert "scikit-learn is not installed" in out and "pip install" in out
    assert "synthetic digits" in out and "final test accuracy" in out
