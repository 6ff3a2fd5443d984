"""The compiler's fusions of zero paddings (compile/fused.py): the optimised program's
structure, and jitted results equal to eager ones."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.compile import compile_jaxpr, optimize
from ftrans.ir import Literal


def prims(closed):
    return [e.primitive.name for e in closed.eqns]


def rosenbrock(x):
    return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def test_gradient_of_slices_adds_into_slices_in_place():
    x = np.linspace(-1.0, 1.0, 50)
    v = np.cos(np.arange(50.0))
    hvp = lambda x, v: ft.jvp(ft.grad(rosenbrock), (x,), (v,))[1]  # noqa: E731
    traced = ft.make_jaxpr(hvp)(x, v)
    optimized = optimize(traced)
    assert "pad" in prims(traced)
    assert "pad" not in prims(optimized)
    assert prims(optimized).count("add_at") == 2
    assert prims(optimized).count("embed") == 1
    program = compile_jaxpr(traced)
    # the second addition into a slice writes into the first one's result
    assert program.source.count("out=") >= 1
    np.testing.assert_allclose(program(x, v)[0], hvp(x, v), rtol=1e-13)
    np.testing.assert_allclose(ft.jit(hvp)(x, v), hvp(x, v), rtol=1e-13)


def test_an_argument_is_copied_not_overwritten():
    def f(a, y):
        return a + lax.pad(y, 0.0, [(1, 2, 0), (0, 1, 1)])

    a = np.arange(6.0 * 4).reshape(6, 4)
    y = np.ones((3, 2))
    a0 = a.copy()
    optimized = optimize(ft.make_jaxpr(f)(a, y))
    assert prims(optimized) == ["add_at"]
    out = ft.jit(f)(a, y)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(out, f(a, y))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.complex128])
def test_paddings_with_interior_and_either_operand_order(dtype):
    def f(x, y):
        big = lax.pad(y, np.zeros((), dtype), [(2, 1, 2)])
        return (big + x * x, x + big)

    y = (np.arange(4) + 1).astype(dtype)
    x = np.arange(13).astype(dtype)
    optimized = optimize(ft.make_jaxpr(f)(x, y))
    assert "pad" not in prims(optimized)
    for got, want in zip(ft.jit(f)(x, y), f(x, y)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_paddings_that_are_not_zero_embeddings_stay():
    x = np.arange(5.0)
    for pad_value, config, n in [(1.0, [(1, 1, 0)], 7), (-0.0, [(1, 1, 0)], 7),
                                 (0.0, [(-1, 2, 0)], 6)]:
        def f(a, y, pad_value=pad_value, config=config):
            return a + lax.pad(y, pad_value, config)
        a = np.full(n, -0.0)
        optimized = optimize(ft.make_jaxpr(f)(a, x))
        assert "pad" in prims(optimized)
        got, want = ft.jit(f)(a, x), f(a, x)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_a_padding_used_twice_is_kept_as_one_embedding():
    def f(a, y):
        p = lax.pad(y, 0.0, [(1, 0, 0)])
        return a + p, p * 2.0

    a, y = np.ones(4), np.arange(3.0)
    optimized = optimize(ft.make_jaxpr(f)(a, y))
    assert prims(optimized) == ["embed", "add", "mul"]
    for got, want in zip(ft.jit(f)(a, y), f(a, y)):
        np.testing.assert_array_equal(got, want)


def test_a_doubled_value_merges_with_a_scaling():
    # the product rule on x * x adds two equal products; negated, they are one product by -2
    def f(h, e):
        return -(h * e + e * h)

    h, e = np.linspace(-2.0, 2.0, 12).reshape(3, 4), np.array([0.5, -0.0, np.inf, 3.0])
    optimized = optimize(ft.make_jaxpr(f)(h, e))
    assert prims(optimized) == ["mul", "mul"]
    # (-2 may scale the small factor e, reassociate_products: one pass over h's size)
    factors = [x for eqn in optimized.eqns for x in eqn.inputs if isinstance(x, Literal)]
    assert len(factors) == 1 and factors[0].val == -2.0
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(ft.jit(f)(h, e), f(h, e))


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.uint8, np.complex128])
def test_an_added_negation_is_a_subtraction(dtype):
    def f(x, y):
        return x + -y, -y + x * 2

    x = np.array([0.0, -0.0, 1.5, 250.0, 3.0]).astype(dtype)
    y = np.array([0.0, 0.0, -2.0, 7.0, 200.0]).astype(dtype)
    optimized = optimize(ft.make_jaxpr(f)(x, y))
    assert prims(optimized) == ["sub", "mul", "sub"]
    for got, want in zip(ft.jit(f)(x, y), f(x, y)):
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(np.real(got)), np.signbit(np.real(want)))
