"""ravel_pytree: the flat vector, the way back, and derivatives through both."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.flatten_util import ravel_pytree
from ftrans.test_util import check_grads


def test_order_shapes_and_dtypes_round_trip() -> None:
    tree = (2.0, np.arange(6.0).reshape(2, 3), [np.ones(1, np.float32), {"b": 3, "a": 4.0}])
    flat, unravel = ravel_pytree(tree)
    assert flat.shape == (10,) and flat.dtype == np.float64
    # dictionaries contribute their values in sorted-key order, as tree_flatten does
    np.testing.assert_array_equal(flat, [2.0, 0, 1, 2, 3, 4, 5, 1, 4.0, 3])
    back = unravel(flat)
    assert back[1].shape == (2, 3) and back[2][0].dtype == np.float32
    assert back[2][1]["b"].dtype == np.asarray(3).dtype and back[2][1]["b"] == 3


def test_empty_tree_and_wrong_length() -> None:
    flat, unravel = ravel_pytree(((), []))
    assert flat.shape == (0,)
    assert unravel(flat) == ((), [])
    with pytest.raises(ValueError, match="shape"):
        ravel_pytree([1.0, 2.0])[1](np.zeros(3))


def test_complex_leaves_promote_and_real_leaves_come_back_real() -> None:
    flat, unravel = ravel_pytree([1.0 + 2.0j, np.array([3.0])])
    assert flat.dtype == np.complex128
    back = unravel(flat)
    assert back[0] == 1.0 + 2.0j and back[1].dtype == np.float64


def test_differentiable_both_ways() -> None:
    tree = {"w": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([0.1, 0.2])}
    flat, unravel = ravel_pytree(tree)
    grads = ft.grad(lambda t: fnp.sum(ravel_pytree(t)[0] ** 2))(tree)
    np.testing.assert_allclose(grads["w"], 2 * tree["w"])
    check_grads(lambda v: fnp.sum(unravel(v)["w"] @ unravel(v)["b"]), (flat,), order=2)
    # a gradient taken on the flat vector unravels to the tree's own layout
    g = ft.grad(lambda v: fnp.sum(unravel(v)["b"] * 3.0))(flat)
    np.testing.assert_allclose(unravel(g)["b"], [3.0, 3.0])


def test_under_vmap_and_jit() -> None:
    batch = {"a": np.ones((3, 2)), "b": np.arange(3.0)}
    out = ft.vmap(lambda t: ravel_pytree(t)[0])(batch)
    np.testing.assert_array_equal(out, np.column_stack([np.ones((3, 2)), np.arange(3.0)]))
    np.testing.assert_array_equal(ft.jit(lambda t: ravel_pytree(t)[0])(batch),
                                  np.concatenate([np.ones(6), np.arange(3.0)]))
