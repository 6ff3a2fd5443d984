"""ftrans.numpy sorting and searching: sort, argsort, lexsort, searchsorted, unique, and the
size= forms of nonzero / argwhere / flatnonzero."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from tests.numpy._util import distinct_values, ranked
from tests.spec_util import OpSpec, make_family_tests, shapes

F32_64 = (np.float64, np.float32)
ANY_RANK = ranked(0)
RANK1 = ranked(1)
RANK2 = ranked(2)


def spec(name: str, arg_shapes: Any = ANY_RANK, dtypes: tuple = F32_64, **kw: Any) -> OpSpec:
    fn = name.split(":")[0]
    return OpSpec(name, getattr(fnp, fn), getattr(np, fn), arg_shapes, dtypes, **kw)


def with_ties(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """Few distinct values, so sorts meet ties (stability) and unique finds repeats."""
    return tuple(rng.integers(-2, 3, s).astype(dtype)[()] if not s else
                 rng.integers(-2, 3, s).astype(dtype) for s in arg_shapes)


def sorted_and_queries(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    (a_shape, v_shape) = arg_shapes
    a = np.sort(rng.integers(-3, 4, a_shape)).astype(dtype)
    v = rng.integers(-4, 5, v_shape).astype(dtype)
    return a, (v if v_shape else v[()])


SORT_SHAPES = RANK1
SEARCH_SHAPES = shapes(1, 1, 0, 6).flatmap(lambda a: shapes(0, 2).map(lambda v: (a, v)))

SPECS = [
    spec("sort", RANK1, make_args=distinct_values),
    spec("sort:axis0", RANK2, make_args=distinct_values, params=dict(axis=0)),
    spec("sort:flat", ANY_RANK, make_args=distinct_values, params=dict(axis=None)),
    spec("sort:ties_int", RANK2, (np.int32, np.int8, np.bool_), make_args=with_ties),
    # NumPy's default argsort is not stable, so ties are checked by "argsort:stable" only
    spec("argsort", RANK2, make_args=distinct_values, params=dict(axis=-1)),
    spec("argsort:stable", RANK2, (np.float64, np.int16), make_args=with_ties,
         params=dict(axis=0, kind="stable")),
    spec("searchsorted", SEARCH_SHAPES, (np.float64, np.int64), make_args=sorted_and_queries),
    spec("searchsorted:right", SEARCH_SHAPES, (np.float32,), make_args=sorted_and_queries,
         params=dict(side="right")),
    OpSpec("unique:size", lambda a: fnp.unique(a, size=a.size),
           lambda a: np.concatenate([np.unique(a), np.full(a.size - np.unique(a).size,
                                                           np.min(a))]),
           RANK2, F32_64, make_args=with_ties, grad_order=0),
    OpSpec("unique:distinct", lambda a: fnp.unique(a, size=a.size), np.unique, RANK2, F32_64,
           make_args=distinct_values),
    OpSpec("nonzero:size", lambda a: fnp.nonzero(a, size=4, fill_value=-1),
           lambda a: tuple(np.concatenate([i[:4], np.full(max(4 - len(i), 0), -1)])
                           for i in np.nonzero(a)),
           RANK2, (np.int32, np.bool_), make_args=with_ties, grad_order=0),
    OpSpec("flatnonzero:size", lambda a: fnp.flatnonzero(a, size=3),
           lambda a: np.concatenate([np.flatnonzero(a)[:3],
                                     np.zeros(max(3 - np.count_nonzero(a), 0), np.int64)]),
           RANK2, (np.float64,), make_args=with_ties, grad_order=0),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


def test_sort_puts_nan_last_and_is_stable() -> None:
    x = np.array([3.0, np.nan, 1.0, -np.inf, 1.0])
    np.testing.assert_array_equal(fnp.sort(x), np.sort(x))
    np.testing.assert_array_equal(fnp.argsort(x), np.argsort(x, kind="stable"))
    keys = (np.array([1, 0, 1, 0]), np.array([2, 2, 1, 1]))
    np.testing.assert_array_equal(fnp.lexsort(keys), np.lexsort(keys))
    np.testing.assert_array_equal(fnp.sort(np.float64(2.0), axis=None), [2.0])
    assert fnp.sort(np.zeros((0, 3)), axis=0).shape == (0, 3)


def test_sort_derivative_permutes() -> None:
    x = np.array([3.0, 1.0, 2.0])
    jac = ft.jacfwd(fnp.sort)(x)
    np.testing.assert_array_equal(jac, np.eye(3)[[1, 2, 0]])
    np.testing.assert_array_equal(ft.grad(lambda v: fnp.sort(v)[0])(x), [0.0, 1.0, 0.0])


def test_searchsorted_nan_and_sorter() -> None:
    a = np.array([1.0, 2.0, np.nan])
    v = np.array([np.nan, 2.0, 5.0])
    for side in ("left", "right"):
        np.testing.assert_array_equal(fnp.searchsorted(a, v, side), np.searchsorted(a, v, side))
    b = np.array([3, 1, 2])
    np.testing.assert_array_equal(fnp.searchsorted(b, [2, 4], sorter=np.argsort(b)),
                                  np.searchsorted(b, [2, 4], sorter=np.argsort(b)))
    with pytest.raises(ValueError, match="side must be"):
        fnp.searchsorted(a, v, "middle")


def test_unique_flags_and_transforms() -> None:
    x = np.array([[3.0, 1.0], [3.0, np.nan], [np.nan, 2.0]])
    expected = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    got = fnp.unique(x, return_index=True, return_inverse=True, return_counts=True, size=4)
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(g, e)
    # concrete: NumPy's; under grad the value is concrete, so size may be omitted
    np.testing.assert_array_equal(fnp.unique([2, 1, 2]), [1, 2])
    g = ft.grad(lambda v: fnp.unique(v).sum())(np.array([2.0, 1.0, 2.0]))
    np.testing.assert_array_equal(g, [1.0, 1.0, 0.0])
    out = ft.jit(lambda v: fnp.unique(v, size=3, fill_value=-1.0))(np.array([2.0, 2.0]))
    np.testing.assert_array_equal(out, [2.0, -1.0, -1.0])
    with pytest.raises(ft.ConcretizationError, match="static size="):
        ft.jit(fnp.unique)(np.array([1.0]))
    with pytest.raises(NotImplementedError, match="axis="):
        fnp.unique(x, axis=0, size=2)


def test_nonzero_needs_size_under_transforms() -> None:
    with pytest.raises(ft.ConcretizationError, match="size="):
        ft.jit(fnp.nonzero)(np.array([1, 0]))
    out = ft.vmap(lambda a: fnp.argwhere(a, size=2))(np.array([[0, 1, 1], [1, 0, 0]]))
    np.testing.assert_array_equal(out, [[[1], [2]], [[0], [0]]])
    with pytest.raises(TypeError, match="static non-negative int"):
        fnp.flatnonzero(np.array([1]), size=-1)


def test_sort_errors() -> None:
    with pytest.raises(np.exceptions.AxisError):
        fnp.sort(np.zeros(3), axis=1)
    with pytest.raises(NotImplementedError, match="order="):
        fnp.sort(np.zeros(3), order="f")
    with pytest.raises(TypeError, match="cannot sort an array of dtype <U1"):
        fnp.sort(np.array(["b", "a"]))
    with pytest.raises(ValueError, match="sort kind"):
        fnp.argsort(np.zeros(3), kind="bogo")
