"""The notebooks in examples/notebooks/ (jupytext percent-format text) run top to bottom in a
real Jupyter kernel; any error fails the test, and their rich outputs are what a reader sees.

Needs jupytext, nbclient, ipykernel and matplotlib (all in the ``test`` extra).
"""

from __future__ import annotations

import os
import pathlib
import sys

import pytest

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("*.py"))


def kernel_env() -> dict[str, str]:
    """The kernel is a new process started in a temporary folder: it must import the ftrans
    these tests import, not whichever one its interpreter would find."""
    import ftrans
    home = str(pathlib.Path(ftrans.__file__).resolve().parent.parent)
    path = os.pathsep.join([home, *filter(None, [os.environ.get("PYTHONPATH")])])
    return {**os.environ, "PYTHONPATH": path}


def run_notebook(path: pathlib.Path, cwd: pathlib.Path):
    notebook = jupytext.read(path)
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    # Running a kernel raises this process's recursion limit (to 3000, in the Jupyter client
    # stack); later tests check that ftrans works under the default one, so put it back.
    limit = sys.getrecursionlimit()
    try:
        # raises CellExecutionError, with the cell and its traceback, on any error
        client.execute(env=kernel_env())
    finally:
        sys.setrecursionlimit(limit)
    return notebook


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Each notebook run once for all the tests that look at its outputs."""
    done: dict[str, object] = {}

    def get(name: str):
        if name not in done:
            done[name] = run_notebook(ROOT / "examples" / "notebooks" / name,
                                      tmp_path_factory.mktemp(name.removesuffix(".py")))
        return done[name]
    return get


def outputs(notebook, mime: str) -> list[str]:
    return [out["data"][mime] for cell in notebook.cells if cell.cell_type == "code"
            for out in cell.get("outputs", []) if mime in out.get("data", {})]


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {"forward_and_reverse.py", "per_example_gradients.py",
                                           "training_mlp.py"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, executed):
    notebook = executed(path.name)
    assert outputs(notebook, "text/plain") or outputs(notebook, "image/png")


def test_tour_shows_programs_and_graphs(executed):
    notebook = executed("forward_and_reverse.py")
    html = outputs(notebook, "text/html")
    assert any('class="ftrans-jaxpr"' in h and "<details" in h for h in html)  # nested, folds
    from ftrans import viz
    if viz.graphviz_available():
        assert len(outputs(notebook, "image/svg+xml")) >= 4
    else:  # the text form, with the hint
        assert any("install Graphviz" in t for t in outputs(notebook, "text/plain"))


def test_plots_are_inline_figures(executed):
    for name in ("per_example_gradients.py", "training_mlp.py"):
        pngs = outputs(executed(name), "image/png")
        assert pngs, f"{name} showed no figure"


def test_erroring_notebook_fails(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("# %%\nimport ftrans as ft\n\n# %%\nft.grad(lambda x: x)(1.0, 2.0)\n")
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="TypeError"):
        run_notebook(broken, tmp_path)
