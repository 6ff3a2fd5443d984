"""ftrans.scipy.fft (dct, idct, dctn, idctn) against scipy.fft: values and dtypes over norms,
lengths and axes; derivatives; vmap at every position; jit; errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import ftrans as ft
from ftrans.scipy import fft
from ftrans.test_util import check_grads

sfft = pytest.importorskip("scipy.fft")

RNG = np.random.default_rng(0)
NORMS = [None, "backward", "ortho", "forward"]


@pytest.mark.parametrize("shape", [(1,), (2,), (5,), (6,), (3, 4), (2, 3, 5)])
def test_values_match_scipy(shape: tuple) -> None:
    x = RNG.normal(size=shape)
    for norm in NORMS:
        for name in ("dct", "idct"):
            for n in (None, 3, 8):
                kw = dict(n=n, norm=norm)
                np.testing.assert_allclose(getattr(fft, name)(x, **kw),
                                           getattr(sfft, name)(x, **kw), atol=1e-12,
                                           err_msg=f"{name}{kw}")
            np.testing.assert_allclose(getattr(fft, name)(x, axis=0, norm=norm),
                                       getattr(sfft, name)(x, axis=0, norm=norm), atol=1e-12)
        for name in ("dctn", "idctn"):
            for kw in (dict(), dict(s=(3,)), dict(axes=(0,)), dict(s=(2, 4), axes=(-1, 0))):
                if max(len(kw.get("s", ())), len(kw.get("axes", ()))) > len(shape):
                    continue
                np.testing.assert_allclose(getattr(fft, name)(x, norm=norm, **kw),
                                           getattr(sfft, name)(x, norm=norm, **kw),
                                           atol=1e-12, err_msg=f"{name}{kw}")


@pytest.mark.parametrize("dtype", [np.bool_, np.int32, np.float16, np.float32, np.float64,
                                   np.complex64, np.complex128])
def test_dtypes_match_scipy(dtype: Any) -> None:
    x = (RNG.normal(size=(2, 4)) * 3).astype(dtype)
    for name in ("dct", "idct", "dctn", "idctn"):
        ours, theirs = getattr(fft, name)(x), getattr(sfft, name)(x)
        assert ours.dtype == theirs.dtype, name
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("norm", NORMS)
def test_round_trips(norm: str | None) -> None:
    x = RNG.normal(size=(3, 5))
    np.testing.assert_allclose(fft.idct(fft.dct(x, norm=norm), norm=norm), x, atol=1e-12)
    np.testing.assert_allclose(fft.idctn(fft.dctn(x, norm=norm), norm=norm), x, atol=1e-12)


CASES = {
    "dct_ortho": (lambda x: fft.dct(x, norm="ortho"), RNG.normal(size=(3, 5))),
    "dct_padded": (lambda x: fft.dct(x, n=7, axis=0), RNG.normal(size=(3, 5))),
    "idct_forward": (lambda x: fft.idct(x, norm="forward"), RNG.normal(size=(4,))),
    "dctn": (lambda x: fft.dctn(x, s=(4, 6)), RNG.normal(size=(3, 5))),
    "idctn_ortho": (lambda x: fft.idctn(x, axes=(0,), norm="ortho"), RNG.normal(size=(3, 5))),
    "complex": (lambda z: fft.dct(z * z), RNG.normal(size=5) + 1j * RNG.normal(size=5)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_grads(name: str) -> None:
    fun, x = CASES[name]
    check_grads(fun, (x,), order=2)


def test_orthonormal_dct_is_orthogonal() -> None:
    """d/dx of |dct(x, ortho)|^2 is 2x: the transform preserves the norm."""
    x = RNG.normal(size=6)
    grad = ft.grad(lambda v: (fft.dct(v, norm="ortho") ** 2).sum())(x)
    np.testing.assert_allclose(grad, 2 * x, atol=1e-12)


@pytest.mark.parametrize("in_axis", [0, 1, 2, -1])
def test_vmap_matches_loop(in_axis: int) -> None:
    members = RNG.normal(size=(3, 4, 5))
    for fun in (lambda a: fft.dct(a, axis=0), lambda a: fft.idctn(a, s=(3, 6))):
        expected = np.stack([fun(m) for m in members])
        actual = ft.vmap(fun, in_axes=in_axis)(np.moveaxis(members, 0, in_axis))
        np.testing.assert_allclose(actual, expected, atol=1e-12)


def test_jit_matches_eager() -> None:
    x = RNG.normal(size=(3, 5))
    for fun in (lambda a: fft.dct(a, norm="ortho"), lambda a: fft.idctn(a, s=(2, 7))):
        np.testing.assert_allclose(ft.jit(fun)(x), fun(x), atol=1e-12)
        grad = ft.grad(lambda a: (fun(a) ** 2).sum())
        np.testing.assert_allclose(ft.jit(grad)(x), grad(x), atol=1e-12)


@pytest.mark.parametrize("call_dct,error,match", [
    (lambda: fft.dct(np.ones(4), type=1), NotImplementedError, "type 2"),
    (lambda: fft.idctn(np.ones(4), type=3), NotImplementedError, "type 2"),
    (lambda: fft.dct(np.ones(4), n=0), ValueError, "number of data points"),
    (lambda: fft.dct(np.ones(4), norm="foo"), ValueError, "invalid norm"),
    (lambda: fft.dctn(np.ones((4, 4)), axes=(0, 0)), ValueError, "unique"),
    (lambda: fft.dctn(np.ones((4, 4)), s=(2, 2), axes=(0,)), ValueError, "same length"),
    (lambda: fft.dct(np.ones((2, 2)), axis=2), np.exceptions.AxisError, "out of bounds"),
])
def test_errors(call_dct: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call_dct()


def test_docstring_examples() -> None:
    import doctest
    import importlib
    assert doctest.testmod(importlib.import_module("ftrans.scipy.fft")).failed == 0
