"""Convolutions against JAX as the oracle, float64: values, gradients with respect to both
operands, Hessian-vector products and vmap over a table of configurations; conv_transpose;
fnp.convolve / correlate. Skipped where JAX is not installed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
jax_lax = jax.lax

import ftrans as ft  # noqa: E402
import ftrans.numpy as fnp  # noqa: E402
from ftrans import lax  # noqa: E402

# lhs shape, rhs shape, strides, padding, keyword arguments
CONFIGS = [
    ((2, 3, 7, 6), (4, 3, 3, 2), (1, 1), "VALID", {}),
    ((2, 3, 7, 6), (4, 3, 3, 2), (2, 1), "SAME", dict(rhs_dilation=(1, 2))),
    ((2, 7, 6, 3), (3, 2, 3, 4), (2, 2), "SAME_LOWER",
     dict(dimension_numbers=("NHWC", "HWIO", "NHWC"))),
    ((2, 4, 9), (6, 2, 3), (2,), [(1, 2)], dict(lhs_dilation=(2,), feature_group_count=2)),
    ((4, 4, 9), (6, 4, 3), (1,), [(-1, 2)], dict(rhs_dilation=(2,), batch_group_count=2)),
    ((2, 6, 5, 5, 4), (4, 3, 2, 2, 3), (1, 2, 1), [(0, 1), (1, 1), (2, 0)],
     dict(lhs_dilation=(1, 1, 2), rhs_dilation=(2, 1, 1), feature_group_count=2,
          dimension_numbers=("NCHWD", "OIHWD", "NCHWD"))),
    ((3, 5, 6, 4), (2, 2, 2, 6), (1, 1), "SAME",
     dict(dimension_numbers=("NHWC", "HWIO", "NCHW"), feature_group_count=2)),
    ((6, 5, 6, 4), (2, 3, 4, 6), (2, 1), "VALID",
     dict(dimension_numbers=("NHWC", "WHIO", "NHCW"), batch_group_count=3)),
    ((2, 4, 8, 8), (4, 1, 3, 3), (1, 1), "SAME", dict(feature_group_count=4)),
    ((2, 3, 12, 12), (5, 3, 9, 9), (1, 1), "VALID", {}),
    ((3, 2, 5), (4, 2, 2), (3,), [(2, 3)], dict(lhs_dilation=(3,), rhs_dilation=(2,))),
]
IDS = [f"config{i}" for i in range(len(CONFIGS))]


def _pair(config: tuple) -> tuple[Any, Any, np.ndarray, np.ndarray]:
    lhs_shape, rhs_shape, strides, padding, kw = config
    rng = np.random.default_rng(len(lhs_shape) + sum(lhs_shape))
    x, w = rng.normal(size=lhs_shape), rng.normal(size=rhs_shape)

    def ours(x: Any, w: Any) -> Any:
        return lax.conv_general_dilated(x, w, strides, padding, **kw)

    def theirs(x: Any, w: Any) -> Any:
        return jax_lax.conv_general_dilated(x, w, strides, padding, **kw)

    return ours, theirs, x, w


def _close(ours: Any, theirs: Any) -> None:
    for a, b in zip(jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_values_and_gradients(config: tuple) -> None:
    ours, theirs, x, w = _pair(config)
    _close(ours(x, w), theirs(x, w))
    ct = np.cos(np.arange(np.size(ours(x, w)))).reshape(np.shape(ours(x, w)))

    def loss(f: Any) -> Any:
        return lambda x, w: (f(x, w) * ct).sum() + (f(x, w) ** 2).sum()

    _close(ft.grad(loss(ours), argnums=(0, 1))(x, w),
           jax.jit(jax.grad(loss(theirs), argnums=(0, 1)))(x, w))
    # Hessian-vector products in both operands: forward over reverse
    vx, vw = np.sin(np.arange(x.size)).reshape(x.shape), np.cos(np.arange(w.size)).reshape(
        w.shape)
    _close(ft.jvp(ft.grad(loss(ours), argnums=(0, 1)), (x, w), (vx, vw))[1],
           jax.jit(lambda *p: jax.jvp(jax.grad(loss(theirs), argnums=(0, 1)), p[:2], p[2:])[1])(
               x, w, vx, vw))


@pytest.mark.parametrize("config", CONFIGS[:9], ids=IDS[:9])
def test_vmap(config: tuple) -> None:
    ours, theirs, x, w = _pair(config)
    xs, ws = np.stack([x, -x, 2 * x], 1), np.stack([w, w[::-1] * 0.5, -w], -1)
    for in_axes, args in (((1, None), (xs, w)), ((None, -1), (x, ws)), ((1, -1), (xs, ws))):
        _close(ft.vmap(ours, in_axes=in_axes)(*args),
               jax.jit(jax.vmap(theirs, in_axes=in_axes))(*args))
    # per-example kernel gradients
    _close(ft.vmap(ft.grad(lambda x, w: (ours(x, w) ** 2).sum(), 1), (1, None))(xs, w),
           jax.jit(jax.vmap(jax.grad(lambda x, w: (theirs(x, w) ** 2).sum(), 1), (1, None)))(
               xs, w))


@pytest.mark.parametrize("lhs_shape, rhs_shape, strides, padding, kw", [
    ((1, 5, 5, 2), (3, 3, 2, 4), (2, 2), "SAME", {}),
    ((1, 5, 5, 2), (3, 3, 4, 2), (2, 2), "VALID", dict(transpose_kernel=True)),
    ((1, 5, 5, 2), (4, 3, 2, 4), (3, 2), "SAME", dict(rhs_dilation=(2, 1))),
    ((2, 6, 3), (3, 3, 2), (2,), [(1, 2)], {}),
    ((2, 6, 3), (3, 3, 2), (2,), [(1, 2)], dict(use_consistent_padding=True)),
    ((2, 3, 6), (3, 2, 3), (3,), "VALID",
     dict(dimension_numbers=("NCH", "OIH", "NCH"), transpose_kernel=True)),
    ((1, 4, 4, 3, 2), (2, 2, 2, 2, 3), (2, 1, 2), "SAME", {}),
])
def test_conv_transpose(lhs_shape: tuple, rhs_shape: tuple, strides: tuple, padding: Any,
                        kw: dict) -> None:
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=lhs_shape), rng.normal(size=rhs_shape)
    _close(lax.conv_transpose(x, w, strides, padding, **kw),
           jax_lax.conv_transpose(x, w, strides, padding, **kw))
    _close(ft.grad(lambda w: (lax.conv_transpose(x, w, strides, padding, **kw) ** 2).sum())(w),
           jax.grad(lambda w: (jax_lax.conv_transpose(x, w, strides, padding, **kw) ** 2
                               ).sum())(w))


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("n, m", [(7, 3), (3, 7)])
def test_convolve_and_correlate(name: str, mode: str, n: int, m: int) -> None:
    rng = np.random.default_rng(n * 10 + m)
    a, v = rng.normal(size=n), rng.normal(size=m)
    ours, theirs = getattr(fnp, name), getattr(jnp, name)
    _close(ours(a, v, mode), theirs(a, v, mode))
    _close(ft.grad(lambda a, v: (ours(a, v, mode) ** 2).sum(), (0, 1))(a, v),
           jax.grad(lambda a, v: (theirs(a, v, mode) ** 2).sum(), (0, 1))(a, v))
    batch = np.stack([a, 2 * a])
    _close(ft.vmap(lambda a: ours(a, v, mode))(batch),
           jax.vmap(lambda a: theirs(a, v, mode))(batch))


def test_complex_operands() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=(2, 3, 6)) + 1j * rng.normal(size=(2, 3, 6))
    w = rng.normal(size=(4, 3, 3)) + 1j * rng.normal(size=(4, 3, 3))

    def loss(conv: Any, real: Any) -> Any:
        return lambda x, w: real((conv(x, w, (2,), "SAME") ** 2).sum())

    _close(lax.conv(x, w, (2,), "SAME"), jax_lax.conv(x, w, (2,), "SAME"))
    _close(ft.grad(loss(lax.conv, fnp.real), (0, 1))(x, w),
           jax.grad(loss(jax_lax.conv, jnp.real), (0, 1))(x, w))
    a, v = x[0, 0], w[0, 0]
    for name in ("convolve", "correlate"):
        _close(getattr(fnp, name)(a, v, "same"), getattr(jnp, name)(a, v, "same"))
        _close(ft.grad(lambda a: fnp.real(getattr(fnp, name)(a, v, "full") ** 2).sum())(a),
               jax.grad(lambda a: jnp.real(getattr(jnp, name)(a, v, "full") ** 2).sum())(a))
