"""Indexing: a table of index expressions applied to a (4, 5, 6) array, each compared with
NumPy eagerly, under make_jaxpr, through check_grads and under vmap; traced indices; errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.test_util import check_grads

X = np.random.default_rng(0).normal(size=(4, 5, 6))
_ = slice(None)

INDICES = [
    0, -1, (1, 2), (1, -2, 3), (-4, 0, -6),
    slice(1, 3), slice(None, None, -1), slice(3, 0, -2), slice(10, -10, -3), slice(5, 1),
    (_, slice(None, None, 2), slice(-1, None, -3)), (slice(1, None, 2), 3),
    (Ellipsis, 2), (Ellipsis,), (), (1, Ellipsis, slice(None, None, 2)), (Ellipsis, 1, 2),
    None, (None, 1, None, Ellipsis, None), (_, None, 2), (Ellipsis, None),
    np.int64(-1), (np.array(2), _),
    # integer arrays (advanced indexing)
    [0, 2, 2], np.array([[0, 1], [3, 3]]), (_, [4, 0, -1]), (Ellipsis, [0, -1]), [],
    # ints next to arrays are advanced too: adjacent ones stay in place, others go first
    (0, _, [1, 2]), ([0, 1], _, [1, 2]), (_, [0, 1], [1, 2]), (1, [2], 3),
    (None, [0, 1], None, [1, 2]), ([0, 1], None, [1, 2]), ([[0], [1]], [0, 2, 4]),
    (slice(1, None, 2), [[0], [1]], slice(None, None, -1)), ([3, 0], slice(4, 0, -2), 5),
    # concrete boolean masks
    X[:, 0, 0] > 0, X[:, :, 0] > 0, (_, X[0] > 0), (Ellipsis, X[0, 0] > 0),
    (X[:, 0, 0] > 0, _, 2),
]


def _index_id(index: Any) -> str:
    def one(i: Any) -> str:
        if isinstance(i, np.ndarray):
            return f"{i.dtype.kind}{list(i.shape)}"
        if isinstance(i, slice):
            return ":".join("" if v is None else str(v) for v in (i.start, i.stop, i.step))
        return "..." if i is Ellipsis else repr(i)
    return "[" + ",".join(one(i) for i in (index if isinstance(index, tuple) else (index,))) + "]"


@pytest.mark.parametrize("index", INDICES, ids=[_index_id(i) for i in INDICES])
def test_index_expression(index: Any) -> None:
    expected = X[index]
    # eagerly: the lax implementation, evaluated
    actual = fnp.getitem(X, index)
    assert type(actual) in (np.ndarray, np.float64)
    np.testing.assert_array_equal(actual, expected)
    # abstract evaluation predicts the shape
    (aval,) = ft.make_jaxpr(lambda x: x[index])(X).out_avals
    assert aval.shape == expected.shape and aval.dtype == expected.dtype
    # derivatives (scatter-add in reverse mode), through Tracer.__getitem__
    if expected.size:
        check_grads(lambda x: x[index], (X,), order=2)
    # vmap with the batch axis in front and at the end
    batch = np.stack([X, -X, 2 * X])
    np.testing.assert_array_equal(ft.vmap(lambda x: x[index])(batch),
                                  np.stack([b[index] for b in batch]))
    np.testing.assert_array_equal(
        ft.vmap(lambda x: x[index], in_axes=-1)(np.moveaxis(batch, 0, -1)),
        np.stack([b[index] for b in batch]))


def test_repeated_indices_accumulate_gradients() -> None:
    g = ft.grad(lambda x: fnp.sum(x[np.array([0, 0, 2, -1])] * np.array([1., 2., 3., 4.])))(
        np.arange(4.0))
    np.testing.assert_array_equal(g, [3.0, 0.0, 3.0, 4.0])
    g = ft.grad(lambda x: x[[1, 1], [2, 2]].sum())(np.ones((3, 3)))
    np.testing.assert_array_equal(g, np.eye(3)[1:2].T @ np.eye(3)[2:3] * 2)


def test_non_finite_values_do_not_leak_through_gathers() -> None:
    x = np.array([1.0, np.inf, np.nan, -0.0])
    got = ft.vmap(lambda i: fnp.take(x, i))(np.array([0, 3, 1, 2]))
    np.testing.assert_array_equal(got, [1.0, -0.0, np.inf, np.nan])
    assert np.signbit(got[1])


def test_traced_integer_scalar_index() -> None:
    def f(x: Any, i: Any) -> Any:
        return x[i, 1:, i]
    np.testing.assert_array_equal(
        ft.vmap(f, in_axes=(0, 0))(np.stack([X, X]), np.array([2, -1])),
        np.stack([X[2, 1:, 2], X[-1, 1:, -1]]))
    (aval,) = ft.make_jaxpr(lambda x, i: x[i])(X, np.int64(1)).out_avals
    assert aval.shape == (5, 6)
    g = ft.grad(lambda x, i: (x[i] ** 2).sum())(X, np.int64(1))
    np.testing.assert_allclose(g, np.where(np.arange(4)[:, None, None] == 1, 2 * X, 0))
    # a non-traced array indexed by a traced value: use fnp.getitem or fnp.take
    got = ft.vmap(lambda i: fnp.getitem(X, (i, 0)))(np.array([0, 3]))
    np.testing.assert_array_equal(got, X[[0, 3], 0])


def test_traced_integer_array_index() -> None:
    idx = np.array([[0, 3], [-1, 1]])

    def f(x: Any, i: Any) -> Any:
        return fnp.getitem(x, (slice(None), i))  # x may be a NumPy array, which numpy indexes
    (aval,) = ft.make_jaxpr(f)(X, idx).out_avals
    assert aval.shape == X[:, idx].shape
    np.testing.assert_array_equal(ft.vmap(f, in_axes=(None, 0))(X, idx),
                                  np.stack([X[:, i] for i in idx]))
    # gradients with respect to x while the index is traced (batched) scatter-add
    grads = ft.vmap(ft.grad(lambda x, i: f(x, i).sum()), in_axes=(None, 0))(X, idx)
    for g, i in zip(grads, idx):
        expected = np.zeros_like(X)
        np.add.at(expected, (slice(None), i), 1.0)
        np.testing.assert_array_equal(g, expected)
    # out-of-range traced indices are clamped (they cannot be checked while tracing)
    np.testing.assert_array_equal(ft.vmap(lambda i: fnp.take(np.arange(3.0), i))(
        np.array([5, -9])), [2.0, 0.0])


def test_take_along_axis_picks_labels() -> None:
    logp = np.log(np.random.default_rng(1).dirichlet(np.ones(5), size=4))
    labels = np.array([0, 4, 2, 2])

    def loss(lp: Any, y: Any) -> Any:
        return -fnp.take_along_axis(lp, y[:, None], axis=1).mean()
    np.testing.assert_allclose(loss(logp, labels), -logp[np.arange(4), labels].mean())
    np.testing.assert_allclose(ft.grad(loss)(logp, labels),
                               -np.eye(5)[labels] / 4)
    np.testing.assert_allclose(ft.vmap(loss, in_axes=(None, 0))(logp, np.stack([labels] * 2)),
                               [loss(logp, labels)] * 2)


def test_boolean_masks() -> None:
    x = np.array([1.0, -2.0, 3.0])
    # a concrete mask (under grad the value is concrete) works
    np.testing.assert_array_equal(ft.grad(lambda v: v[v > 0].sum())(x), [1.0, 0.0, 1.0])
    with pytest.raises(ft.ConcretizationError, match="boolean mask indexing has a "
                                                     "data-dependent shape"):
        ft.vmap(lambda v: v[v > 0])(np.ones((2, 3)))
    with pytest.raises(ft.ConcretizationError, match="data-dependent shape"):
        ft.make_jaxpr(lambda v: v[v > 0])(x)
    with pytest.raises(ft.ConcretizationError, match="data-dependent shape"):
        ft.make_jaxpr(fnp.nonzero)(x)


def test_iteration_and_len() -> None:
    def f(x: Any) -> Any:
        assert len(x) == 4
        return fnp.stack([row.sum() for row in x])
    np.testing.assert_allclose(ft.vmap(f)(np.stack([X, X])), np.stack([X.sum((1, 2))] * 2))


def test_errors_name_the_mistake() -> None:
    with pytest.raises(IndexError, match="index 4 is out of bounds for axis 0 with size 4"):
        fnp.getitem(X, 4)
    with pytest.raises(IndexError, match="index -7 is out of bounds for axis 2 with size 6"):
        ft.grad(lambda x: x[0, 0, [-7]].sum())(X)
    with pytest.raises(IndexError, match="too many indices for array: array is 3-dimensional, "
                                         "but 4 were indexed"):
        fnp.getitem(X, (0, 0, 0, 0))
    with pytest.raises(IndexError, match="single ellipsis"):
        fnp.getitem(X, (Ellipsis, 0, Ellipsis))
    with pytest.raises(IndexError, match="only integers, slices"):
        fnp.getitem(X, 1.5)
    with pytest.raises(ft.ConcretizationError, match="slice bounds must be concrete"):
        ft.vmap(lambda i: fnp.getitem(X, slice(i, None)))(np.arange(2))
    with pytest.raises(NotImplementedError, match="bool scalar"):
        fnp.getitem(X, True)
