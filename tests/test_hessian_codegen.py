"""The compiled Hessian of ``f(A x)`` for an elementwise ``f``, and the pass that makes it cheap:
``reassociate_products`` gathers the small factors of elementwise products so that the large
operand is multiplied once (closed forms, jacfwd/jacrev identities, structural counts)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.compile import eliminate_dead_code, optimize, reassociate_products
from ftrans.ir import Var


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n)) / np.sqrt(n), rng.normal(size=n)


def _tanh_square(a):
    def f(x):
        return fnp.sum(fnp.tanh(fnp.dot(a, x)) ** 2)
    return f


def _unchanged(closed) -> bool:
    """Whether reassociate_products (then dead code elimination) leaves ``closed`` as it is."""
    after = eliminate_dead_code(reassociate_products(closed))
    return len(after.jaxpr.eqns) == len(closed.jaxpr.eqns) and all(
        a is b for a, b in zip(after.jaxpr.eqns, closed.jaxpr.eqns))


def _large_elementwise(closed, size: int) -> list:
    """The equations of ``closed`` producing ``size`` elements that are not matrix products,
    reshapes or transposes: the passes over the large operand."""
    return [e for e in closed.jaxpr.eqns
            if e.outvars[0].aval.size >= size
            and e.primitive.name not in ("dot_general", "reshape", "transpose")]


@pytest.mark.parametrize("n", [1, 3, 17, 100])
def test_jit_hessian_of_tanh_square_is_the_closed_form(n):
    a, x = _data(n)
    f = _tanh_square(a)
    t = np.tanh(a @ x)
    want = a.T @ ((2 * (1 - t * t) * (1 - 3 * t * t))[:, None] * a)
    hess = ft.jit(ft.hessian(f))
    for _ in range(3):  # the first call runs the plan, the later ones the generated code
        np.testing.assert_allclose(hess(x), want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hess(x), ft.hessian(f)(x), rtol=1e-12, atol=1e-14)


def test_jit_hessian_agrees_across_jacobian_orders():
    a, x = _data(12, seed=1)
    b = np.random.default_rng(3).normal(size=12)

    def f(x):
        u = fnp.dot(a, x)
        return fnp.sum(fnp.sin(u) * fnp.tanh(u) * b + fnp.exp(-u * u))

    forms = [ft.jacfwd(ft.jacrev(f)), ft.jacrev(ft.jacfwd(f)), ft.jacrev(ft.jacrev(f)),
             ft.jacfwd(ft.jacfwd(f))]
    want = ft.hessian(f)(x)
    for form in forms:
        jitted = ft.jit(form)
        jitted(x)
        np.testing.assert_allclose(jitted(x), want, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(want, want.T, rtol=1e-12, atol=1e-14)
    # against central differences of the gradient
    g = ft.jit(ft.grad(f))
    eps = 1e-6
    fd = np.stack([(g(x + eps * e) - g(x - eps * e)) / (2 * eps) for e in np.eye(12)])
    np.testing.assert_allclose(ft.jit(ft.hessian(f))(x), fd, rtol=1e-6, atol=1e-7)


def test_the_large_operand_of_the_tanh_square_hessian_is_multiplied_once():
    n = 40
    a, x = _data(n)
    closed = optimize(ft.make_jaxpr(ft.hessian(_tanh_square(a)))(x))
    large = _large_elementwise(closed, n * n)
    assert len(large) == 1, closed
    # and the unoptimised program had several
    assert len(_large_elementwise(ft.make_jaxpr(ft.hessian(_tanh_square(a)))(x), n * n)) > 3


def test_small_factors_are_gathered():
    def f(big, s1, s2):
        return (big * s1) * s2

    big, s1, s2 = np.arange(12.0).reshape(3, 4), np.arange(1.0, 5.0), np.float64(1.5)
    closed = optimize(ft.make_jaxpr(f)(big, s1, s2))
    assert len(_large_elementwise(closed, 12)) == 1, closed
    np.testing.assert_allclose(ft.jit(f)(big, s1, s2), f(big, s1, s2), rtol=1e-15)


def test_common_large_factor_is_distributed():
    def f(big, a, b):
        return big * a + big * b, big * a - b * big

    big, a, b = np.arange(12.0).reshape(3, 4), np.arange(1.0, 5.0), np.arange(4.0)[::-1].copy()
    closed = optimize(ft.make_jaxpr(f)(big, a, b))
    assert len(_large_elementwise(closed, 12)) == 2, closed
    for got, want in zip(ft.jit(f)(big, a, b), f(big, a, b)):
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_factors_are_gathered_through_unit_reshapes():
    def f(big, s1, s2):
        u = fnp.reshape(big * s1, (3, 1, 4)) * s2
        v = fnp.reshape(big * 2.0, (3, 1, 4)) * s2
        return u + v

    big, s1 = np.arange(12.0).reshape(3, 4), np.arange(1.0, 5.0)
    s2 = np.arange(4.0).reshape(1, 4)
    closed = optimize(ft.make_jaxpr(f)(big, s1, s2))
    assert len(_large_elementwise(closed, 12)) == 1, closed
    np.testing.assert_allclose(ft.jit(f)(big, s1, s2), f(big, s1, s2), rtol=1e-15)


def test_an_outer_product_of_factors_is_not_gathered():
    # s1 * s2 would be as large as the result: nothing to gain
    def f(big, s1, s2):
        return (big * s1) * s2

    big, s1, s2 = np.ones((3, 4)), np.arange(3.0).reshape(3, 1), np.arange(4.0)
    closed = ft.make_jaxpr(f)(big, s1, s2)
    assert reassociate_products(closed) is closed


def test_integer_products_are_left_alone():
    def f(big, s1, s2):
        return (big * s1) * s2

    big, s1, s2 = np.arange(12).reshape(3, 4), np.arange(4), np.int64(3)
    closed = ft.make_jaxpr(f)(big, s1, s2)
    assert reassociate_products(closed) is closed
    np.testing.assert_array_equal(ft.jit(f)(big, s1, s2), f(big, s1, s2))


def test_a_reassociated_intermediate_still_used_keeps_its_value():
    def f(big, s1, s2):
        p = big * s1
        return p * s2, p

    big, s1, s2 = np.arange(12.0).reshape(3, 4), np.arange(1.0, 5.0), np.arange(4.0)
    for got, want in zip(ft.jit(f)(big, s1, s2), f(big, s1, s2)):
        np.testing.assert_array_equal(got, want)
    # p is needed anyway: big * (s1 * s2) would only add a product, so nothing changes
    assert _unchanged(ft.make_jaxpr(f)(big, s1, s2))


def test_a_sum_of_products_needed_elsewhere_is_left_alone():
    def f(big, a, b):
        p, q = big * a, big * b
        return p + q, p, q

    big, a, b = np.arange(12.0).reshape(3, 4), np.arange(1.0, 5.0), np.arange(4.0)
    assert _unchanged(ft.make_jaxpr(f)(big, a, b))
    # one of the two needed elsewhere: big * (a + b) still saves the other product
    def g(big, a, b):
        p, q = big * a, big * b
        return p + q, p

    closed = optimize(ft.make_jaxpr(g)(big, a, b))
    assert len(_large_elementwise(closed, 12)) == 2, closed
    for got, want in zip(ft.jit(g)(big, a, b), g(big, a, b)):
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_reassociation_keeps_every_variable_defined_once_before_use():
    a, x = _data(9)
    closed = optimize(ft.make_jaxpr(ft.hessian(_tanh_square(a)))(x))
    defined = set(closed.jaxpr.invars) | set(closed.jaxpr.constvars)
    for eqn in closed.jaxpr.eqns:
        assert all(type(v) is not Var or v in defined for v in eqn.inputs)
        assert not any(v in defined for v in eqn.outvars)
        defined.update(eqn.outvars)


_shapes = st.sampled_from([(), (1,), (4,), (1, 4), (3, 1), (3, 4), (1, 1, 4), (1, 1, 1, 4)])


@settings(max_examples=60, deadline=None)
@given(s1=_shapes, s2=_shapes, s3=_shapes, seed=st.integers(0, 2 ** 16),
       unit=st.booleans())
def test_reassociated_chains_agree_with_numpy(s1, s2, s3, seed, unit):
    rng = np.random.default_rng(seed)
    big = rng.normal(size=(2, 3, 4))
    f1, f2, f3 = (rng.normal(size=s) for s in (s1, s2, s3))

    def f(big, f1, f2, f3):
        p = big * f1
        if unit:
            p = fnp.reshape(p, (2, 3, 1, 4))
        q = (p * f2) * 0.5
        r = p * f3
        return (q + r) * f2 - r * f1

    with np.errstate(all="ignore"):
        want = f(big, f1, f2, f3)
        got = ft.jit(f)(big, f1, f2, f3)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_effects_between_rewritten_products_stay(capsys):
    def f(big, s1, s2):
        p = big * s1
        ft.debug.print("p: {}", p[0, 0])
        return p * s2

    big, s1, s2 = np.arange(12.0).reshape(3, 4), np.arange(1.0, 5.0), np.arange(4.0)
    closed = optimize(ft.make_jaxpr(f)(big, s1, s2))
    assert len(_large_elementwise(closed, 12)) == 2, closed  # p is needed by the print
    jitted = ft.jit(f)
    for _ in range(3):
        np.testing.assert_array_equal(jitted(big, s1, s2), f(big, s1, s2))
    assert capsys.readouterr().out.count("p: 0.0") >= 3
