"""Named-axis collectives inside vmap(..., axis_name=...), under autodiff and nesting."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.test_util import check_grads

x = np.array([1.0, 3.0, 2.0, 5.0])


@pytest.mark.parametrize("collective, expected", [
    (lambda v: lax.psum(v, "i"), np.full(4, x.sum())),
    (lambda v: lax.pmean(v, "i"), np.full(4, x.mean())),
    (lambda v: lax.pmax(v, "i"), np.full(4, x.max())),
    (lambda v: lax.pmin(v, "i"), np.full(4, x.min())),
    (lambda v: lax.all_gather(v, "i"), np.tile(x, (4, 1))),
    (lambda v: v * lax.axis_index("i"), x * np.arange(4)),
    (lambda v: lax.psum(2.0, "i"), np.full(4, 8.0)),  # an unbatched operand
], ids=["psum", "pmean", "pmax", "pmin", "all_gather", "axis_index", "psum_const"])
def test_collective_values(collective, expected):
    np.testing.assert_allclose(ft.vmap(collective, axis_name="i")(x), expected)


def test_normalisation_gradients():
    def normalise(xs):
        return ft.vmap(lambda v: v / lax.psum(v, "i"), axis_name="i")(xs)

    jac = ft.jacrev(normalise)(x)
    s = x.sum()
    np.testing.assert_allclose(jac, np.eye(4) / s - x[:, None] / s ** 2)
    np.testing.assert_allclose(ft.jacfwd(normalise)(x), jac)
    check_grads(lambda xs: fnp.sum(normalise(xs) ** 2), (x,), order=2)


def test_grad_inside_vmap_follows_the_collective():
    # each member's gradient sees the other members through psum's transpose (as in JAX):
    # d/dv_i sum_j (v_j / S) = 0
    g = ft.vmap(ft.grad(lambda v: v / lax.psum(v, "i")), axis_name="i")(x)
    np.testing.assert_allclose(g, np.zeros(4), atol=1e-15)
    w = np.arange(4.0)
    inside = ft.vmap(ft.grad(lambda v: fnp.sum(lax.all_gather(v, "i") * w) * v),
                     axis_name="i")(x)
    outside = ft.grad(lambda xs: fnp.sum(ft.vmap(
        lambda v: fnp.sum(lax.all_gather(v, "i") * w) * v, axis_name="i")(xs)))(x)
    np.testing.assert_allclose(inside, outside)
    np.testing.assert_allclose(outside, w * x.sum() + np.dot(w, x))


def test_pmax_gradient_splits_ties():
    ties = np.array([1.0, 4.0, 4.0, 2.0])
    g = ft.grad(lambda xs: fnp.sum(ft.vmap(lambda v: lax.pmax(v, "i"), axis_name="i")(xs)))(ties)
    np.testing.assert_allclose(g, [0.0, 2.0, 2.0, 0.0])


def test_nested_axes():
    a = np.arange(6.0).reshape(2, 3)
    both = ft.vmap(ft.vmap(lambda v: lax.psum(v, ("i", "j")), axis_name="j"), axis_name="i")(a)
    np.testing.assert_allclose(both, np.full((2, 3), a.sum()))
    outer = ft.vmap(ft.vmap(lambda v: lax.psum(v, "i"), axis_name="j"), axis_name="i")(a)
    np.testing.assert_allclose(outer, np.tile(a.sum(0), (2, 1)))
    inner = ft.vmap(ft.vmap(lambda v: lax.psum(v, "j"), axis_name="j"), axis_name="i")(a)
    np.testing.assert_allclose(inner, np.tile(a.sum(1, keepdims=True), (1, 3)))
    gathered = ft.vmap(ft.vmap(lambda v: lax.all_gather(v, "i"), axis_name="j"),
                       axis_name="i")(a)
    assert gathered.shape == (2, 3, 2)
    np.testing.assert_allclose(gathered[1, 2], a[:, 2])


def test_all_gather_tiled_and_axis():
    m = np.arange(12.0).reshape(3, 4)
    tiled = ft.vmap(lambda row: lax.all_gather(row, "i", tiled=True), axis_name="i")(m)
    np.testing.assert_allclose(tiled[0], m.reshape(-1))
    stacked = ft.vmap(lambda row: lax.all_gather(row, "i", axis=1), axis_name="i")(m)
    np.testing.assert_allclose(stacked[2], m.T)


def test_unbound_axis_name_errors():
    with pytest.raises(NameError, match="unbound axis name"):
        lax.psum(1.0, "i")
    with pytest.raises(NameError, match="unbound axis name: 'k'"):
        ft.vmap(lambda v: lax.psum(v, "k"), axis_name="i")(x)
