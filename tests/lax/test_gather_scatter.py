"""gather and the scatter family: a spec table (values against a loop over the points with
NumPy, abstract evaluation, check_grads to order 2, vmap against a Python loop with batched
operands, indices and updates) plus repeated indices, out-of-range points and errors."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

import ftrans as ft
from ftrans.lax import gather_scatter
from ftrans.lax import gather_scatter as lax_indexing
from tests.spec_util import OpSpec, make_family_tests


@st.composite
def _point_shapes(draw: Any, rank: int) -> tuple:
    """(operand shape of the given rank, batch shape of the indices, possibly size 0)."""
    x_shape = tuple(draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
    batch = tuple(draw(st.lists(st.integers(0, 3), min_size=0, max_size=2)))
    return (x_shape, batch)


def _rest(shape: tuple, axes: tuple) -> tuple:
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _args_maker(axes: tuple, kind: str, out_of_range: bool) -> Any:
    def make(rng: np.random.Generator, shapes: tuple, dtype: Any) -> tuple:
        x_shape, batch = shapes
        sizes = [x_shape[a] for a in axes]
        lo, hi = (-2, 2) if out_of_range else (0, 0)
        indices = np.stack([rng.integers(lo, n + hi, size=batch) for n in sizes], -1) \
            .reshape(batch + (len(axes),)).astype(np.int64)
        u_shape = batch + _rest(x_shape, axes)
        if kind == "distinct":  # no ties: the chosen element of min / max is unambiguous
            n = int(np.prod(x_shape)) + int(np.prod(u_shape))
            values = rng.permutation(n) * 0.25 + rng.uniform(-0.05, 0.05, n)
            x = values[:int(np.prod(x_shape))].reshape(x_shape)
            u = values[int(np.prod(x_shape)):].reshape(u_shape)
        elif kind == "scale":
            x = rng.uniform(-2, 2, x_shape)
            u = rng.uniform(0.5, 1.5, u_shape) * rng.choice([-1, 1], u_shape)
        else:
            x, u = rng.uniform(-2, 2, x_shape), rng.uniform(-2, 2, u_shape)
        x, u = x.astype(dtype), u.astype(dtype)
        return (x, indices) if kind == "gather" else (x, indices, u)
    return make


def _points(x_shape: tuple, indices: np.ndarray, axes: tuple, clip: bool) -> Any:
    """Yield (batch position, operand index tuple or None when dropped), in order."""
    for b in itertools.product(*[range(d) for d in indices.shape[:-1]]):
        point = [int(c) for c in indices[b]]
        if clip:
            point = [min(max(c, 0), x_shape[a] - 1) for c, a in zip(point, axes)]
        elif any(not 0 <= c < x_shape[a] for c, a in zip(point, axes)):
            yield b, None
            continue
        index: list[Any] = [slice(None)] * len(x_shape)
        for c, a in zip(point, axes):
            index[a] = c
        yield b, tuple(index)


def gather_reference(x: np.ndarray, indices: np.ndarray, axes: tuple, mode: str) -> Any:
    rest = _rest(x.shape, axes)
    out = np.zeros(indices.shape[:-1] + rest, x.dtype)
    for b, index in _points(x.shape, indices, axes, mode == "clip"):
        if index is not None:
            out[b] = x[index]
    return out


def scatter_reference(combine: Any) -> Any:
    def reference(x: np.ndarray, indices: np.ndarray, updates: np.ndarray, axes: tuple,
                  mode: str) -> Any:
        out = np.array(x)
        for b, index in _points(x.shape, indices, axes, mode == "clip"):
            if index is not None:
                out[index] = updates[b] if combine is None else combine(out[index], updates[b])
        return out
    return reference


F32_64 = (np.float64, np.float32)


def gather_spec(name: str, axes: tuple, rank: int, mode: str = "clip", **kw: Any) -> OpSpec:
    return OpSpec(name, gather_scatter.gather, gather_reference, _point_shapes(rank), F32_64,
                  params=dict(axes=axes, mode=mode), rtol=1e-6,
                  make_args=_args_maker(axes, "gather", True), **kw)


def scatter_spec(name: str, axes: tuple, rank: int, kind: str = "plain", mode: str = "drop",
                 **kw: Any) -> OpSpec:
    fn_name = name.split(":")[0]
    combine = {"scatter": None, "scatter_add": np.add, "scatter_mul": np.multiply,
               "scatter_min": np.minimum, "scatter_max": np.maximum}[fn_name]
    return OpSpec(name, getattr(lax_indexing, fn_name), scatter_reference(combine),
                  _point_shapes(rank), F32_64, params=dict(axes=axes, mode=mode), rtol=1e-6,
                  make_args=_args_maker(axes, kind, mode == "drop" or kind == "gather"), **kw)


SPECS = [
    gather_spec("gather:axis0", (0,), 1),
    gather_spec("gather:axis0_rest", (0,), 3),
    gather_spec("gather:two_axes", (2, 0), 3),
    gather_spec("gather:all_axes", (0, 1), 2),
    gather_spec("gather:fill", (1,), 2, mode="fill"),
    scatter_spec("scatter", (0,), 2),
    scatter_spec("scatter:two_axes", (1, 0), 3),
    scatter_spec("scatter:clip", (0,), 1, mode="clip"),
    scatter_spec("scatter_add", (0,), 2),
    scatter_spec("scatter_add:two_axes", (2, 0), 3),
    scatter_spec("scatter_add:clip", (1,), 2, mode="clip"),
    scatter_spec("scatter_mul", (0,), 2, kind="scale"),
    scatter_spec("scatter_mul:two_axes", (0, 1), 2, kind="scale"),
    scatter_spec("scatter_min", (0,), 2, kind="distinct"),
    scatter_spec("scatter_min:two_axes", (1, 0), 3, kind="distinct"),
    scatter_spec("scatter_max", (1,), 2, kind="distinct"),
    scatter_spec("scatter_max:clip", (0,), 1, kind="distinct", mode="clip"),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


# ---------------------------------------------------------------------------------------------
# Repeated indices, NumPy's ufunc.at, zeros, non-finite values
# ---------------------------------------------------------------------------------------------


def _points_1d(*positions: int) -> np.ndarray:
    return np.array(positions, np.int64)[:, None]


def test_scatter_add_matches_numpy_add_at() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3))
    idx = np.array([0, 4, 0, 0, 2])
    updates = rng.normal(size=(5, 3))
    expected = x.copy()
    np.add.at(expected, idx, updates)
    np.testing.assert_allclose(gather_scatter.scatter_add(x, idx[:, None], updates, (0,)),
                               expected)
    for name, ufunc in [("scatter_mul", np.multiply), ("scatter_min", np.minimum),
                        ("scatter_max", np.maximum)]:
        expected = x.copy()
        ufunc.at(expected, idx, updates)
        got = getattr(lax_indexing, name)(x, idx[:, None], updates, (0,))
        np.testing.assert_allclose(got, expected)


def test_repeated_indices_in_gradients() -> None:
    x = np.arange(4.0)
    idx = _points_1d(0, 0, 2, 3)
    g = ft.grad(lambda v: (gather_scatter.gather(v, idx, (0,)) * np.array([1., 2., 3., 4.])).sum())
    np.testing.assert_array_equal(g(x), [3.0, 0.0, 3.0, 4.0])
    # scatter (set): the last update of a repeated point wins, and only it gets a cotangent
    u = np.array([10.0, 20.0, 30.0, 40.0])
    out = gather_scatter.scatter(x, idx, u, (0,))
    np.testing.assert_array_equal(out, [20.0, 1.0, 30.0, 40.0])
    gx, gu = ft.grad(lambda v, w: (gather_scatter.scatter(v, idx, w, (0,)) ** 2).sum(),
                     argnums=(0, 1))(x, u)
    np.testing.assert_array_equal(gx, [0.0, 2.0, 0.0, 0.0])
    np.testing.assert_array_equal(gu, [0.0, 40.0, 60.0, 80.0])


def test_scatter_mul_derivative_with_zero_updates() -> None:
    idx = _points_1d(1, 1, 1)
    x = np.array([2.0, 3.0])

    def f(u: Any) -> Any:
        return gather_scatter.scatter_mul(x, idx, u, (0,))[1]
    # one zero: only its own derivative survives; two zeros: all vanish
    np.testing.assert_allclose(ft.grad(f)(np.array([0.0, 2.0, 5.0])), [30.0, 0.0, 0.0])
    np.testing.assert_allclose(ft.grad(f)(np.array([0.0, 0.0, 5.0])), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(ft.grad(f)(np.array([1.0, 2.0, 5.0])), [30.0, 15.0, 6.0])


def test_scatter_min_ties_share_the_derivative() -> None:
    x = np.array([1.0, 5.0])
    u = np.array([1.0, 3.0])
    gx, gu = ft.grad(lambda a, b: gather_scatter.scatter_min(a, _points_1d(0, 1), b, (0,)).sum(),
                     argnums=(0, 1))(x, u)
    np.testing.assert_allclose(gx, [0.5, 0.0])
    np.testing.assert_allclose(gu, [0.5, 1.0])


def test_out_of_range_points() -> None:
    x = np.arange(3.0)
    idx = _points_1d(-1, 3, 1, 7)
    np.testing.assert_array_equal(gather_scatter.gather(x, idx, (0,)), [0.0, 2.0, 1.0, 2.0])
    np.testing.assert_array_equal(gather_scatter.gather(x, idx, (0,), mode="fill"),
                                  [0.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(gather_scatter.scatter_add(x, idx, 1.0, (0,)), [0., 2., 2.])
    np.testing.assert_array_equal(gather_scatter.scatter_add(x, idx, 1.0, (0,), mode="clip"),
                                  [1.0, 2.0, 4.0])
    # dropped updates get no cotangent; the fill gather's transpose drops too
    g = ft.grad(lambda u: gather_scatter.scatter(x, idx, u, (0,)).sum())(np.ones(4))
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0, 0.0])
    g = ft.grad(lambda v: gather_scatter.gather(v, idx, (0,), mode="fill").sum())(x)
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])


def test_non_finite_values_do_not_leak() -> None:
    x = np.array([1.0, np.inf, np.nan, -0.0])
    got = gather_scatter.gather(x, _points_1d(0, 3, 1, 2), (0,))
    np.testing.assert_array_equal(got, [1.0, -0.0, np.inf, np.nan])
    assert np.signbit(got[1])


def test_jit_and_program() -> None:
    idx = _points_1d(2, 0)
    closed = ft.make_jaxpr(lambda v: gather_scatter.gather(v, idx, (0,)))(np.arange(3.0))
    assert "gather[axes=(0,) mode='clip']" in str(closed)
    f = ft.jit(lambda v, u: gather_scatter.scatter_add(v, idx, u, (0,)))
    np.testing.assert_array_equal(f(np.zeros(3), np.array([1.0, 2.0])), [2.0, 0.0, 1.0])
    g = ft.jit(ft.grad(lambda v: (gather_scatter.gather(v, idx, (0,)) ** 2).sum()))
    np.testing.assert_array_equal(g(np.arange(3.0)), [0.0, 0.0, 4.0])


def test_nested_vmap_and_vmap_of_grad() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 4))
    idx = rng.integers(0, 4, size=(2, 3, 5, 1))
    f = ft.vmap(ft.vmap(lambda v, i: gather_scatter.gather(v, i, (0,))))
    expected = np.stack([np.stack([v[i[:, 0]] for v, i in zip(xs, js)]) for xs, js in zip(x, idx)])
    np.testing.assert_array_equal(f(x, idx), expected)
    grads = ft.vmap(ft.grad(lambda v, i: gather_scatter.gather(v, i, (0,)).sum()))(x[0], idx[0])
    for g, v, i in zip(grads, x[0], idx[0]):
        expected = np.zeros_like(v)
        np.add.at(expected, i[:, 0], 1.0)
        np.testing.assert_array_equal(g, expected)


def test_errors() -> None:
    x = np.zeros((3, 4))
    with pytest.raises(TypeError, match="indices must be an integer array"):
        gather_scatter.gather(x, np.zeros((2, 1)), (0,))
    with pytest.raises(ValueError, match="must end in an axis of size 2"):
        gather_scatter.gather(x, np.zeros((2, 1), np.int64), (0, 1))
    with pytest.raises(ValueError, match="must be distinct axes"):
        gather_scatter.gather(x, np.zeros((2, 2), np.int64), (0, 0))
    with pytest.raises(ValueError, match="mode must be one of"):
        gather_scatter.gather(x, np.zeros((2, 1), np.int64), (0,), mode="drop")
    with pytest.raises(ValueError, match="cannot broadcast"):
        gather_scatter.scatter_add(x, np.zeros((2, 1), np.int64), np.ones((3, 4)), (0,))
    with pytest.raises(ValueError, match="updates f32"):
        gather_scatter.scatter_add(x, np.zeros((2, 1), np.int64), np.ones((2, 4), np.float32),
                                 (0,))
