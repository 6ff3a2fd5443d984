"""The scatter algorithm of conv_general_dilated (one product per kernel offset over the
unpadded input, added where it lands) and the algorithm choice for W7's layers: values against
the direct-sum reference, every padding sign, dilations, groups, 1-D / 3-D, layouts, dilated
inputs (phases), derivatives of order 2, vmap against a loop, and JAX where installed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import ftrans as ft
from ftrans import lax
from ftrans.lax import conv_algorithms
from ftrans.test_util import check_grads
from tests.lax.test_convolution import reference_conv

# lhs shape (NC...), rhs shape (OI...), padding, rhs_dilation, lhs_dilation, extra kwargs
CASES = [
    ((2, 3, 6, 5), (4, 3, 3, 2), [(2, 2), (1, 1)], None, None, {}),          # full-ish
    ((2, 3, 6, 5), (4, 3, 3, 3), [(-1, 3), (2, -2)], None, None, {}),        # crops and pads
    ((3, 2, 7), (5, 2, 4), [(3, 0)], (2,), None, {}),                        # 1-D, dilated taps
    ((1, 2, 4, 5, 3), (3, 2, 2, 3, 2), [(1, 1), (0, 2), (1, 0)], None, None, {}),   # 3-D
    ((2, 4, 5, 6), (6, 2, 3, 3), [(2, 2), (2, 2)], None, None,
     dict(feature_group_count=2)),
    ((4, 2, 5, 5), (6, 2, 2, 2), [(1, 1), (1, 1)], None, None, dict(batch_group_count=2)),
    ((2, 3, 4, 4), (2, 3, 3, 3), [(2, 1), (1, 2)], None, (2, 2), {}),        # phases + scatter
    ((2, 3, 4, 4), (2, 3, 5, 5), [(0, 0), (0, 0)], None, None, {}),          # kernel > input
    ((2, 3, 4, 6), (2, 3, 2, 2), [(-5, 3), (1, 1)], None, None, {}),         # crop past the end
]


def _conv(case: tuple) -> tuple[Any, np.ndarray, np.ndarray]:
    lhs_shape, rhs_shape, padding, rhs_dilation, lhs_dilation, kw = case
    rng = np.random.default_rng(sum(lhs_shape))
    x, w = rng.normal(size=lhs_shape), rng.normal(size=rhs_shape)

    def f(x: Any, w: Any) -> Any:
        return lax.conv_general_dilated(x, w, (1,) * (len(lhs_shape) - 2), padding,
                                        lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation,
                                        **kw)
    return f, x, w


@pytest.fixture
def scatter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conv_algorithms, "forced_algorithm", "scatter")


@pytest.mark.parametrize("case", CASES)
def test_scatter_matches_reference(case: tuple, scatter: None) -> None:
    f, x, w = _conv(case)
    lhs_shape, rhs_shape, padding, rhs_dilation, lhs_dilation, kw = case
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 1e-5)):
        got = f(x.astype(dtype), w.astype(dtype))
        assert got.dtype == dtype
        expected = reference_conv(x, w, (1,) * (x.ndim - 2), padding, lhs_dilation,
                                  rhs_dilation, feature_groups=kw.get("feature_group_count", 1),
                                  batch_groups=kw.get("batch_group_count", 1))
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)


def test_scatter_channels_last_layout(scatter: None) -> None:
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(3, 6, 7, 4)), rng.normal(size=(3, 3, 4, 5))
    dn = ("NHWC", "HWIO", "NHWC")
    got = lax.conv_general_dilated(x, w, (1, 1), [(2, 2), (2, 1)], dimension_numbers=dn)
    expected = reference_conv(x, w, (1, 1), [(2, 2), (2, 1)], layouts=dn)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[4], CASES[6]])
def test_scatter_grads_order_2(case: tuple, scatter: None) -> None:
    f, x, w = _conv(case)
    check_grads(f, (x, w), order=2, modes=("fwd", "rev"))


def test_scatter_vmap_equals_loop(scatter: None) -> None:
    f, x, w = _conv(CASES[0])
    xs = np.stack([x, 2 * x, -x])
    ws = np.stack([w, w[::-1], 0.5 * w])
    for in_axes, args in (((0, None), (xs, w)), ((None, 0), (x, ws)), ((0, 0), (xs, ws))):
        got = ft.vmap(f, in_axes=in_axes)(*args)
        expected = np.stack([f(xs[i] if in_axes[0] == 0 else x, ws[i] if in_axes[1] == 0 else w)
                             for i in range(3)])
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_scatter_chosen_for_the_input_gradient_of_lenet_conv2() -> None:
    """W7's second layer: its input gradient is a convolution padded by 4 on each side, where
    multiplying only the unpadded cotangent does 2.25x fewer multiply-adds."""
    shape = conv_algorithms._Shape((1, 128, 16, 16, 16), np.dtype(np.float64))
    kernel = conv_algorithms._Shape((1, 6, 16, 5, 5), np.dtype(np.float64))
    assert conv_algorithms._choose_algorithm(shape, kernel, (1, 1), (1, 1), (8, 8)) == "scatter"
    # a VALID forward convolution gathers: its output is smaller than its input
    shape = conv_algorithms._Shape((1, 128, 6, 12, 12), np.dtype(np.float64))
    kernel = conv_algorithms._Shape((1, 16, 6, 5, 5), np.dtype(np.float64))
    assert conv_algorithms._choose_algorithm(shape, kernel, (1, 1), (1, 1),
                                             (12, 12)) != "scatter"


def test_lenet_gradients_against_jax() -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(4, 12, 12, 6)), rng.normal(size=(5, 5, 6, 16))
    dn = ("NHWC", "HWIO", "NHWC")

    def loss(lib: Any, x: Any, w: Any) -> Any:
        return (lib.lax.conv_general_dilated(x, w, (1, 1), "VALID", dimension_numbers=dn)
                ** 2).sum()

    ours = ft.grad(lambda x, w: loss(ft, x, w), argnums=(0, 1))(x, w)
    theirs = jax.grad(lambda x, w: loss(jax, x, w), argnums=(0, 1))(x, w)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10, atol=1e-10)
