"""Lowerings (``compile.tables.lowerings``): implementations specialised to an equation give
the very results of the primitive's own implementation."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
from ftrans import lax
from ftrans.compile import compile_jaxpr
from ftrans.compile.buffers import lowered_impl

DOT_CASES = [
    ((5, 4), (4, 3), (((1,), (0,)), ((), ()))),
    ((4, 5), (4, 3), (((0,), (0,)), ((), ()))),
    ((5, 4), (3, 4), (((1,), (1,)), ((), ()))),
    ((4, 5), (3, 4), (((0,), (1,)), ((), ()))),
    ((5, 4), (4,), (((1,), (0,)), ((), ()))),
    ((4,), (4,), (((0,), (0,)), ((), ()))),
    ((6, 1, 4), (4, 3), (((2,), (0,)), ((), ()))),
    ((2, 5, 4), (2, 4, 3), (((2,), (1,)), ((0,), (0,)))),
    ((2, 5, 1), (2, 1, 3), (((2,), (1,)), ((0,), (0,)))),
    ((2, 5), (2, 3), (((), ()), ((0,), (0,)))),
    ((3,), (3,), (((), ()), ((0,), (0,)))),
]


@pytest.mark.parametrize("lhs_shape, rhs_shape, dimension_numbers", DOT_CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_dot_general_lowering_matches_its_impl(lhs_shape, rhs_shape, dimension_numbers, dtype):
    rng = np.random.default_rng(0)
    lhs = (rng.normal(size=lhs_shape) * 10).astype(dtype)
    rhs = (rng.normal(size=rhs_shape) * 10).astype(dtype)

    def f(a, b):
        return lax.dot_general(a, b, dimension_numbers)

    closed = ft.make_jaxpr(f)(lhs, rhs)
    [eqn] = closed.eqns
    lowered = lowered_impl(eqn)
    assert lowered is not None
    want = eqn.primitive.impl(lhs, rhs, **eqn.params)
    got = lowered(lhs, rhs)
    assert type(got) is type(want)
    assert got.dtype == want.dtype and np.shape(got) == np.shape(want)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(compile_jaxpr(closed)(lhs, rhs)[0], want)


def test_structural_lowerings_match_their_impls():
    x = np.arange(24.0).reshape(2, 3, 4)
    programs = [
        lambda x: lax.reshape(x, (4, 6)),
        lambda x: lax.transpose(x, (2, 0, 1)),
        lambda x: lax.slice(x, (0, 1, 0), (2, 3, 4), (1, 1, 2)),
        lambda x: lax.slice(x, (1, 0, 1), (2, 2, 3)),
    ]
    for f in programs:
        closed = ft.make_jaxpr(f)(x)
        [eqn] = closed.eqns
        lowered = lowered_impl(eqn)
        assert lowered is not None
        np.testing.assert_array_equal(lowered(x), eqn.primitive.impl(x, **eqn.params))
        np.testing.assert_array_equal(ft.jit(f)(x), f(x))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_real_square_lowering_is_bitwise_the_impl(dtype):
    rng = np.random.default_rng(3)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, 1e200, -3.5]
    x = np.concatenate([rng.normal(size=100_000) * 10.0 ** rng.integers(-8, 8, 100_000),
                        special]).astype(dtype)
    closed = ft.make_jaxpr(lambda v: lax.integer_pow(v, 2))(x)
    [eqn] = closed.eqns
    lowered = lowered_impl(eqn)
    assert lowered is np.square
    want = eqn.primitive.impl(x, **eqn.params)
    got = lowered(x)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))
    for other in (lambda v: lax.integer_pow(v, 3), lambda v: lax.integer_pow(v, -2)):
        [eqn] = ft.make_jaxpr(other)(x).eqns
        assert lowered_impl(eqn) is None
    [eqn] = ft.make_jaxpr(lambda v: lax.integer_pow(v, 2))(x.astype(np.complex128)).eqns
    assert lowered_impl(eqn) is None  # complex squares are left to np.power
