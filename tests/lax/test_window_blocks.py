"""The non-overlapping-window path of max / min pooling (ftrans.lax.window_blocks) against the
generic window code: values, ties, NaN, non-divisible sizes, 1-D / 3-D, derivatives of order
2, vmap against a loop, jit, and JAX where installed."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
from ftrans import lax
from ftrans.lax import window_blocks
from ftrans.test_util import check_grads

# operand shape, window (= strides)
CASES = [
    ((2, 8, 8, 3), (1, 2, 2, 1)),      # NHWC 2x2 pooling
    ((2, 7, 9, 3), (1, 2, 2, 1)),      # sizes not divisible: the tail belongs to no window
    ((3, 2, 6, 6), (1, 1, 3, 3)),      # NCHW 3x3
    ((10,), (3,)),                     # 1-D
    ((2, 4, 6, 5, 3), (1, 2, 3, 2, 1)),  # 3-D
    ((4, 5), (1, 1)),                  # windows of one element
    ((5, 6), (5, 6)),                  # one window: global pooling
]


def _generic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(window_blocks, "_MAX_TAPS", 0)  # tiles() never holds


def _ops(x: np.ndarray, src: np.ndarray, window: tuple[int, ...], select: str) -> list:
    reduce = lax.reduce_window_max if select == "max" else lax.reduce_window_min
    return [reduce(x, window, window),
            lax.select_and_gather_add(x * 3 + 1, x, select, window, window),
            lax.select_and_scatter_add(src, x, select, window, window)]


def _data(rng: np.random.Generator, shape: tuple[int, ...], kind: str) -> np.ndarray:
    if kind == "ties":  # few distinct values: many windows hold their max twice
        return rng.integers(0, 3, shape).astype(np.float64)
    x = rng.normal(size=shape)
    if kind == "nan":
        x.flat[::7] = np.nan
        x.flat[::5] = -np.inf
    return x


@pytest.mark.parametrize("shape,window", CASES)
@pytest.mark.parametrize("select", ["max", "min"])
@pytest.mark.parametrize("kind", ["normal", "ties", "nan"])
def test_fast_path_equals_generic(shape, window, select, kind, monkeypatch):
    rng = np.random.default_rng(0)
    x = _data(rng, shape, kind)
    assert window_blocks.tiles(x.shape, dict(
        window_dimensions=window, window_strides=window, padding=((0, 0),) * len(shape),
        base_dilation=(1,) * len(shape), window_dilation=(1,) * len(shape)))
    out_shape = tuple(n // w for n, w in zip(shape, window))
    src = rng.normal(size=out_shape)
    fast = _ops(x, src, window, select)
    _generic(monkeypatch)
    slow = _ops(x, src, window, select)
    for a, b in zip(fast, slow):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.int32, np.bool_])
def test_fast_path_integer_and_bool(dtype, monkeypatch):
    x = np.random.default_rng(1).integers(0, 3, (4, 6, 5)).astype(dtype)
    fast = lax.reduce_window_max(x, (2, 3, 1), (2, 3, 1))
    fast_min = lax.reduce_window_min(x, (2, 3, 1), (2, 3, 1))
    _generic(monkeypatch)
    np.testing.assert_array_equal(fast, lax.reduce_window_max(x, (2, 3, 1), (2, 3, 1)))
    np.testing.assert_array_equal(fast_min, lax.reduce_window_min(x, (2, 3, 1), (2, 3, 1)))
    assert fast.dtype == dtype


def test_not_taken_when_windows_overlap_or_pad():
    base = dict(window_dimensions=(2, 2), window_strides=(2, 2), padding=((0, 0), (0, 0)),
                base_dilation=(1, 1), window_dilation=(1, 1))
    assert window_blocks.tiles((4, 4), base)
    assert not window_blocks.tiles((4, 4), {**base, "window_strides": (1, 2)})
    assert not window_blocks.tiles((4, 4), {**base, "padding": ((0, 1), (0, 0))})
    assert not window_blocks.tiles((4, 4), {**base, "base_dilation": (2, 1)})
    assert not window_blocks.tiles((4, 4), {**base, "window_dilation": (1, 2)})
    assert not window_blocks.tiles((1, 4), base)  # no whole window


@pytest.mark.parametrize("shape,window", [((2, 6, 7, 2), (1, 2, 2, 1)), ((9,), (3,)),
                                          ((2, 4, 4, 3, 1), (1, 2, 2, 3, 1))])
def test_pool_grads_order_2(shape, window):
    x = np.random.default_rng(2).normal(size=shape)  # distinct values: no ties

    def f(v):
        return lax.reduce_window_max(v, window, window) ** 2

    check_grads(f, (x,), order=2, modes=("fwd", "rev"))
    check_grads(ft.jit(f), (x,), order=2, modes=("fwd", "rev"))


def test_vmap_equals_loop():
    rng = np.random.default_rng(3)
    xs = rng.normal(size=(3, 2, 6, 5, 2))
    cts = rng.normal(size=(3, 2, 3, 2, 2))
    window = (1, 2, 2, 1)

    def f(x, ct):
        y, vjp = ft.vjp(lambda v: lax.reduce_window_max(v, window, window), x)
        return y, vjp(ct)[0]

    ys, gs = ft.vmap(f)(xs, cts)
    for i in range(3):
        y, g = f(xs[i], cts[i])
        np.testing.assert_array_equal(ys[i], y)
        np.testing.assert_array_equal(gs[i], g)
    jy, jg = ft.jit(ft.vmap(f))(xs, cts)
    np.testing.assert_array_equal(jy, ys)
    np.testing.assert_array_equal(jg, gs)


def test_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = np.random.default_rng(4).normal(size=(2, 7, 9, 3))
    window = (1, 2, 2, 1)

    def loss(lib, v):
        return (lib.lax.reduce_window(v, -np.inf, lib.lax.max, window, window, "VALID")
                ** 2).sum()

    ours = ft.value_and_grad(lambda v: loss(ft, v))(x)
    theirs = jax.value_and_grad(lambda v: loss(jax, v))(x)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], np.asarray(theirs[1]), rtol=1e-12)
