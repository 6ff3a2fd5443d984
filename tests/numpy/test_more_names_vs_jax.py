"""The newer ftrans.numpy names against jax.numpy itself where JAX's rules differ from NumPy's
(size= padding, fill defaults, clamping of traced indices, derivatives). Skipped without JAX."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

A = np.array([5.0, 1.0, 3.0, 1.0, 7.0])
B = np.array([3.0, 4.0, 5.0, 9.0])


@pytest.mark.parametrize("name", ["union1d", "intersect1d", "setdiff1d", "setxor1d"])
@pytest.mark.parametrize("fill", [None, -1.0])
def test_set_operations_pad_like_jax(name: str, fill: float | None) -> None:
    ours = ft.jit(lambda a, b: getattr(fnp, name)(a, b, size=7, fill_value=fill))(A, B)
    theirs = getattr(jnp, name)(A, B, size=7, fill_value=fill)
    np.testing.assert_array_equal(ours, np.asarray(theirs))


def test_unique_forms_like_jax() -> None:
    x = np.array([3.0, 1.0, 3.0, 2.0])
    for name in ("unique_values", "unique_counts", "unique_inverse", "unique_all"):
        ours = ft.jit(lambda v: getattr(fnp, name)(v, size=5, fill_value=0.0))(x)
        theirs = getattr(jnp, name)(x, size=5, fill_value=0.0)
        if name == "unique_all":  # padded first-occurrence indices: unique's rule (0) differs
            ours, theirs = ours[::2] + ours[3:], theirs[::2] + theirs[3:]
        for o, t in zip(ft.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
            np.testing.assert_array_equal(o, np.asarray(t))


def test_gradients_like_jax() -> None:
    x = np.array([0.3, -1.2, 2.5, 4.0])
    cases = [
        (lambda v: fnp.sum(fnp.sinc(v) ** 2), lambda v: jnp.sum(jnp.sinc(v) ** 2)),
        (lambda v: fnp.sum(fnp.i0(v)), lambda v: jnp.sum(jnp.i0(v))),
        (lambda v: fnp.sum(fnp.polyval(v, v)), lambda v: jnp.sum(jnp.polyval(v, v))),
        (lambda v: fnp.sum(fnp.polyfit(v, v ** 2, 2)),
         lambda v: jnp.sum(jnp.polyfit(v, v ** 2, 2))),
        (lambda v: fnp.sum(fnp.cov(fnp.stack([v, v ** 2]))),
         lambda v: jnp.sum(jnp.cov(jnp.stack([v, v ** 2])))),
        (lambda v: fnp.sum(fnp.corrcoef(v, v ** 3)), lambda v: jnp.sum(jnp.corrcoef(v, v ** 3))),
        (lambda v: fnp.sum(fnp.unwrap(v * 3)), lambda v: jnp.sum(jnp.unwrap(v * 3))),
        (lambda v: fnp.sum(fnp.fmax(v, 1.0)), lambda v: jnp.sum(jnp.fmax(v, 1.0))),
        (lambda v: fnp.sum(fnp.frexp(v)[0]), lambda v: jnp.sum(jnp.frexp(v)[0])),
        (lambda v: fnp.sum(fnp.ldexp(v, 3)), lambda v: jnp.sum(jnp.ldexp(v, 3))),
        (lambda v: fnp.sum(fnp.kaiser(4, v[0]) * v), lambda v: jnp.sum(jnp.kaiser(4, v[0]) * v)),
    ]
    for ours, theirs in cases:
        np.testing.assert_allclose(ft.grad(ours)(x), np.asarray(jax.grad(theirs)(x)), rtol=1e-9,
                                   atol=1e-12)


def test_traced_index_rules_like_jax() -> None:
    i = np.array([5, -1, 13])
    ours = ft.jit(lambda v: fnp.unravel_index(v, (3, 4)))(i)
    theirs = jnp.unravel_index(i, (3, 4))
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o, np.asarray(t))
    x = np.array([1.0, 2.0, 0.0, 4.0])
    np.testing.assert_array_equal(
        ft.jit(lambda v: fnp.extract(v > 1, v, size=3))(x),
        np.asarray(jnp.extract(x > 1, x, size=3)))
    np.testing.assert_array_equal(
        ft.jit(lambda v: fnp.compress(v > 1, v, size=3, fill_value=7.0))(x),
        np.asarray(jnp.compress(x > 1, x, size=3, fill_value=7.0)))


def test_misc_values_like_jax() -> None:
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(fnp.piecewise(x, [x < 0], [lambda v: v ** 2, lambda v: -v]),
                               np.asarray(jnp.piecewise(x, [x < 0], [lambda v: v ** 2,
                                                                     lambda v: -v])))
    np.testing.assert_array_equal(fnp.fromfunction(lambda i, j: i * j, (2, 3)),
                                  np.asarray(jnp.fromfunction(lambda i, j: i * j, (2, 3))))
    np.testing.assert_array_equal(fnp.isscalar(np.array(1.0)), jnp.isscalar(np.array(1.0)))
    q, r = fnp.polydiv(np.array([1.0, -3.0, 2.0, 5.0]), np.array([1.0, -1.0]))
    tq, tr = jnp.polydiv(np.array([1.0, -3.0, 2.0, 5.0]), np.array([1.0, -1.0]))
    np.testing.assert_allclose(q, np.asarray(tq))
    np.testing.assert_allclose(r, np.asarray(tr), atol=1e-12)
    np.testing.assert_array_equal(fnp.bitwise_count(np.array([-1, 7], np.int16)),
                                  np.asarray(jnp.bitwise_count(np.array([-1, 7], np.int16))))
