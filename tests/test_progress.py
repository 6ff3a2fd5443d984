"""progress= on chunked vmap / jacfwd / jacrev and lax.map, and ftrans.progress.track: the
reports, their timing under jit, tqdm when installed, silence without it, and bad values."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import progress as progress_mod


class Recorder:
    """A progress callable that keeps every report."""

    def __init__(self) -> None:
        self.reports: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.reports.append((done, total))


def test_chunked_vmap_reports_each_chunk():
    rec = Recorder()
    out = ft.vmap(fnp.sin, chunk_size=2, progress=rec)(np.arange(5.0))
    np.testing.assert_allclose(out, np.sin(np.arange(5.0)))
    assert rec.reports == [(2, 5), (4, 5), (5, 5)]
    rec.reports.clear()
    ft.vmap(fnp.sin, progress=rec)(np.arange(5.0))  # unchunked: one report for the batch
    assert rec.reports == [(5, 5)]


def test_jacobians_report_basis_rows():
    f = lambda x: fnp.sin(x) * x  # noqa: E731
    x = np.linspace(0.1, 1.0, 5)
    rec = Recorder()
    jac = ft.jacrev(f, chunk_size=2, progress=rec)(x)
    np.testing.assert_allclose(jac, ft.jacrev(f)(x))
    assert rec.reports == [(2, 5), (4, 5), (5, 5)]
    rec.reports.clear()
    ft.jacfwd(f, chunk_size=3, progress=rec)(x)
    assert rec.reports == [(3, 5), (5, 5)]


def test_lax_map_reports_slices_and_groups():
    rec = Recorder()
    out = ft.lax.map(lambda v: v * 2, np.arange(5.0), batch_size=2, progress=rec)
    np.testing.assert_allclose(out, 2 * np.arange(5.0))
    assert rec.reports == [(2, 5), (4, 5), (5, 5)]
    rec.reports.clear()
    ft.lax.map(lambda v: v * 2, np.arange(3.0), progress=rec)
    assert rec.reports == [(1, 3), (2, 3), (3, 3)]


def test_reports_come_when_a_jitted_program_runs():
    rec = Recorder()
    f = ft.jit(lambda xs: ft.lax.map(fnp.sin, xs, progress=rec))
    f(np.ones(3))
    f(np.ones(3))  # cached: no tracing, the callback in the program reports again
    assert rec.reports == [(1, 3), (2, 3), (3, 3)] * 2
    rec.reports.clear()
    g = ft.jit(ft.vmap(fnp.sin, chunk_size=2, progress=rec))
    g(np.ones(4))
    g(np.ones(4))
    assert rec.reports == [(2, 4), (4, 4)] * 2


def test_progress_under_grad_keeps_the_derivative():
    rec = Recorder()
    grad = ft.grad(lambda xs: fnp.sum(ft.lax.map(fnp.sin, xs, progress=rec)))(np.ones(3))
    np.testing.assert_allclose(grad, np.cos(np.ones(3)))
    assert rec.reports[-1] == (3, 3)


def test_true_uses_tqdm_when_installed(capsys):
    pytest.importorskip("tqdm")
    ft.vmap(fnp.sin, chunk_size=2, progress=True)(np.ones(5))
    assert "vmap" in capsys.readouterr().err  # the bar's description, on stderr


def test_true_is_silent_without_tqdm(monkeypatch, capsys):
    monkeypatch.setattr(progress_mod, "tqdm_available", lambda: False)
    out = ft.vmap(fnp.sin, chunk_size=2, progress=True)(np.ones(5))
    np.testing.assert_allclose(out, np.sin(np.ones(5)))
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    assert list(progress_mod.track(range(3))) == [0, 1, 2]


def test_bad_progress_values_are_clear_errors():
    for api in (lambda p: ft.vmap(fnp.sin, progress=p), lambda p: ft.jacrev(fnp.sin, progress=p),
                lambda p: ft.jacfwd(fnp.sin, progress=p)):
        with pytest.raises(TypeError, match="progress must be True, False, None or a callable"):
            api("yes")
    with pytest.raises(TypeError, match="lax.map: progress"):
        ft.lax.map(fnp.sin, np.ones(2), progress=3)


def test_reporter_starts_again_after_the_total():
    rec = Recorder()
    reporter = progress_mod.Progress(rec, 2, "x")
    for _ in range(4):
        reporter.advance(1)
    assert rec.reports == [(1, 2), (2, 2), (1, 2), (2, 2)]
