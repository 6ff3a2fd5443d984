"""Spec table of clamp, cbrt, reduce_precision, cumlogsumexp, top_k, multi-operand sort and
associative_scan (lax level), plus jit == eager for every row."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ftrans as ft
from ftrans import lax
from tests.spec_util import (
    OpSpec, assert_same, make_family_tests, same_shapes, shapes, spec_args, unary_shapes,
)

F32_64 = (np.float64, np.float32)
rank1 = unary_shapes(min_rank=1, min_side=2)
# the bounds are scalars or shaped like x
clamp_shapes = st.builds(lambda s, scalar: (() if scalar else s, s, () if scalar else s),
                         shapes(), st.booleans())


def _clamp_args(rng: np.random.Generator, shapes: tuple, dtype: object) -> tuple:
    x = rng.uniform(-2, 2, shapes[1]).astype(dtype)
    lo_shape = shapes[0]
    lo = rng.uniform(-1.5, 0, lo_shape).astype(dtype)
    hi = (lo + rng.uniform(0.5, 1.5, lo_shape)).astype(dtype)
    return lo[()] if not lo_shape else lo, x[()] if not shapes[1] else x, \
        hi[()] if not lo_shape else hi


def _away_from_zero(rng: np.random.Generator, shapes: tuple, dtype: object) -> tuple:
    x = rng.uniform(0.3, 2, shapes[0]) * rng.choice([-1, 1], shapes[0])
    return (x.astype(dtype)[()] if not shapes[0] else x.astype(dtype),)


def _distinct(rng: np.random.Generator, shapes: tuple, dtype: object) -> tuple:
    # values far apart: top_k's selection does not flip under finite-difference steps
    size = int(np.prod(shapes[0]))
    x = rng.permutation(size).reshape(shapes[0]) * 0.5 + rng.uniform(-0.1, 0.1, shapes[0])
    return (x.astype(dtype),)


def _sort_keys_args(rng: np.random.Generator, shapes: tuple, dtype: object) -> tuple:
    keys = rng.integers(0, 3, shapes[0]).astype(np.int32)  # many ties: the second key decides
    second = rng.permutation(int(np.prod(shapes[1]))).reshape(shapes[1]).astype(dtype)
    values = rng.uniform(-2, 2, shapes[2]).astype(dtype)
    return keys, second, values


def _stable_top_k(x: np.ndarray, k: int) -> tuple:
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, -1), order.astype(np.int32)


def _np_sort_keys(keys: np.ndarray, second: np.ndarray, values: np.ndarray) -> list:
    order = np.lexsort((second, keys), axis=-1)
    return [np.take_along_axis(a, order, -1) for a in (keys, second, values)]


def _recurrence(pair_a: tuple, pair_b: tuple) -> tuple:
    # composing y -> a1 y + b1, then y -> a2 y + b2: associative, not commutative
    (a1, b1), (a2, b2) = pair_a, pair_b
    return lax.mul(a1, a2), lax.add(lax.mul(a2, b1), b2)


def _np_recurrence(a: np.ndarray, b: np.ndarray) -> tuple:
    outs_a, outs_b = [a[0]], [b[0]]
    for i in range(1, a.shape[0]):
        outs_a.append(outs_a[-1] * a[i])
        outs_b.append(a[i] * outs_b[-1] + b[i])
    return np.stack(outs_a), np.stack(outs_b)


def _matmul_scan_reference(m: np.ndarray) -> np.ndarray:
    out = [m[0]]
    for i in range(1, m.shape[0]):
        out.append(out[-1] @ m[i])
    return np.stack(out)


SPECS = [
    OpSpec("clamp", lax.clamp, lambda lo, x, hi: np.minimum(np.maximum(x, lo), hi),
           clamp_shapes, F32_64, make_args=_clamp_args),
    OpSpec("cbrt", lax.cbrt, np.cbrt, unary_shapes(), F32_64, make_args=_away_from_zero,
           grad_order=3, rtol=1e-6),
    OpSpec("reduce_precision_bf16", lambda x: lax.reduce_precision(x, 8, 7),
           lambda x: (np.asarray(x, np.float32).view(np.uint32) + 0x7FFF
                      + ((np.asarray(x, np.float32).view(np.uint32) >> 16) & 1)
                      & 0xFFFF0000).view(np.float32).astype(np.asarray(x).dtype),
           unary_shapes(), F32_64, grad_order=0),
    OpSpec("reduce_precision_f16", lambda x: lax.reduce_precision(x, 5, 10),
           lambda x: np.asarray(x).astype(np.float16).astype(np.asarray(x).dtype),
           unary_shapes(), F32_64, domain=(-3e4, 3e4), grad_order=0),
    OpSpec("reduce_precision_identity", lambda x: lax.reduce_precision(x, 11, 52),
           lambda x: x, unary_shapes(), (np.float64,)),
    OpSpec("cumlogsumexp", lax.cumlogsumexp, lambda x: np.logaddexp.accumulate(x, axis=0),
           unary_shapes(min_rank=1), F32_64, domain=(-5, 5), rtol=1e-6),
    OpSpec("cumlogsumexp_reverse_last",
           lambda x: lax.cumlogsumexp(x, axis=-1, reverse=True),
           lambda x: np.flip(np.logaddexp.accumulate(np.flip(x, -1), axis=-1), -1),
           unary_shapes(min_rank=1), F32_64, domain=(-5, 5), rtol=1e-6),
    OpSpec("top_k_values", lambda x: lax.top_k(x, 2)[0], lambda x: _stable_top_k(x, 2)[0],
           rank1, F32_64, make_args=_distinct),
    OpSpec("top_k_ties", lambda x: lax.top_k(x, 2), lambda x: _stable_top_k(x, 2), rank1,
           (np.float64, np.int32, np.int64), domain=(-2, 2), grad_order=0),
    OpSpec("top_k_axis0", lambda x: lax.top_k(x, 1, axis=0)[0],
           lambda x: np.moveaxis(_stable_top_k(np.moveaxis(x, 0, -1), 1)[0], -1, 0),
           unary_shapes(min_rank=1, min_side=2), (np.float64,), make_args=_distinct),
    OpSpec("sort_two_keys", lambda k, s, v: lax.sort([k, s, v], num_keys=2), _np_sort_keys,
           same_shapes(3, min_rank=1), (np.float64,), make_args=_sort_keys_args),
    OpSpec("associative_scan_add", lambda x: lax.associative_scan(lax.add, x),
           lambda x: np.cumsum(x, axis=0), unary_shapes(min_rank=1, max_side=7), F32_64,
           rtol=1e-6),
    OpSpec("associative_scan_max_reverse_axis1",
           lambda x: lax.associative_scan(lax.max, x, reverse=True, axis=1),
           lambda x: np.flip(np.maximum.accumulate(np.flip(x, 1), axis=1), 1),
           unary_shapes(min_rank=2, max_side=6), (np.float64,), make_args=_distinct),
    OpSpec("associative_scan_recurrence",
           lambda a, b: lax.associative_scan(_recurrence, (a, b)), _np_recurrence,
           same_shapes(2, min_rank=1, max_side=9), (np.float64,), domain=(-1.2, 1.2)),
    OpSpec("associative_scan_matmul",
           lambda m: lax.associative_scan(lambda x, y: lax.batch_matmul(x, y), m),
           _matmul_scan_reference,
           st.integers(1, 9).map(lambda n: ((n, 2, 2),)), (np.float64,), domain=(-1, 1)),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_jit_matches_eager(spec: OpSpec, data: st.DataObject) -> None:
    args = data.draw(spec_args(spec))
    assert_same(ft.jit(spec.fun)(*args), spec.fun(*args), 1e-12, f"jit of {spec.name}")


def test_reduce_precision_rounding_and_derivative() -> None:
    x = np.array([1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11, 70000.0, -1e-6, np.nan, -np.inf])
    out = lax.reduce_precision(x, exponent_bits=5, mantissa_bits=10)
    np.testing.assert_array_equal(out, [1.0, 1.0 + 2.0 ** -9, np.inf, -0.0, np.nan, -np.inf])
    assert np.signbit(out[3])
    t = np.full(6, 1.0 + 2.0 ** -12)
    _, out_dot = ft.jvp(lambda v: lax.reduce_precision(v, 5, 10), (x,), (t,))
    np.testing.assert_array_equal(out_dot, np.ones(6))  # the tangent is rounded too
    ct = ft.vjp(lambda v: lax.reduce_precision(v, 8, 7), x)[1](t)[0]
    np.testing.assert_array_equal(ct, np.ones(6))
    with pytest.raises(ValueError, match="mantissa_bits"):
        lax.reduce_precision(x, 5, -1)
    with pytest.raises(TypeError, match="float"):
        lax.reduce_precision(np.arange(3), 5, 2)


def test_clamp_derivatives_and_errors() -> None:
    assert ft.grad(lambda x: lax.clamp(0.0, x, 1.0))(0.5) == 1.0
    for at in (0.0, 1.0, -1.0, 2.0):  # outside and on the ends: 0 for x
        assert ft.grad(lambda x: lax.clamp(0.0, x, 1.0))(at) == 0.0
    assert ft.grad(lambda lo: lax.clamp(lo, 0.0, 1.0))(0.5) == 1.0
    assert ft.grad(lambda hi: lax.clamp(-1.0, 2.0, hi))(1.0) == 1.0
    with pytest.raises(TypeError, match="scalar or shaped like x"):
        lax.clamp(np.zeros(2), np.zeros(3), 1.0)
    with pytest.raises(TypeError, match="dtype"):
        lax.clamp(np.float32(0), np.zeros(3), 1.0)


def test_top_k_and_cumlogsumexp_edges() -> None:
    values, idx = lax.top_k(np.array([1.0, np.nan, 3.0, np.inf, 3.0]), 4)
    np.testing.assert_array_equal(values, [np.nan, np.inf, 3.0, 3.0])
    np.testing.assert_array_equal(idx, [1, 3, 2, 4])
    lowest = np.iinfo(np.int64).min
    np.testing.assert_array_equal(lax.top_k(np.array([lowest, 5, -1]), 3)[0], [5, -1, lowest])
    assert lax.top_k(np.ones(3), 0)[0].shape == (0,)
    with pytest.raises(ValueError, match="k must be"):
        lax.top_k(np.ones(3), 4)
    with pytest.raises(ValueError, match="rank"):
        lax.top_k(1.0, 1)
    np.testing.assert_allclose(lax.cumlogsumexp(np.array([-1000.0, 0.0, 1000.0])),
                               [-1000.0, 0.0, 1000.0])
    g = ft.grad(lambda x: lax.cumlogsumexp(x)[-1])(np.array([-1000.0, 0.0, 0.0]))
    np.testing.assert_allclose(g, [0.0, 0.5, 0.5])  # softmax weights, no overflow


def test_associative_scan_errors_and_empty() -> None:
    with pytest.raises(ValueError, match="same length"):
        lax.associative_scan(lambda a, b: a, (np.ones(3), np.ones(4)))
    with pytest.raises(ValueError, match="scalars"):
        lax.associative_scan(lax.add, 1.0)
    with pytest.raises(ValueError, match="pytree like elems"):
        lax.associative_scan(lambda a, b: (a, b), np.ones(3))
    assert lax.associative_scan(lax.add, np.ones(0)).shape == (0,)
    assert lax.associative_scan(lax.add, ()) == ()
