"""Higher derivatives at the points where a rule selects between branches (ties, zeros):
closed forms and finite differences of the first derivative, which is right near the point.

Rules written with a ``select`` that is right to first order only (max splitting its
derivative at a tie, a constant chosen at a special point) give wrong second derivatives
exactly there; these are the cases that had one."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp

# the singular points (inf - inf, 0 ** -1) warn inside the unselected branches, as before
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _hessian_fd(f, x, y, h=1e-5):
    """Central differences of ft.grad(f) (exact near the point) around (x, y)."""
    out = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            step = [0.0, 0.0]
            step[j] = h
            d = ft.grad(f, i)
            out[i, j] = (d(x + step[0], y + step[1]) - d(x - step[0], y - step[1])) / (2 * h)
    return out


def _hessian_ad(f, x, y):
    return np.array([[ft.grad(ft.grad(f, i), j)(x, y) for j in range(2)] for i in range(2)])


@pytest.mark.parametrize("x,y", [(1.0, 1.0), (1.0, -1.0), (-2.0, 2.0), (0.5, 0.5)])
def test_hypot_hessian_at_equal_magnitudes(x: float, y: float) -> None:
    r = np.hypot(x, y)
    closed = np.array([[y * y, -x * y], [-x * y, x * x]]) / r ** 3
    np.testing.assert_allclose(_hessian_ad(fnp.hypot, x, y), closed, rtol=1e-12)
    np.testing.assert_allclose(_hessian_fd(fnp.hypot, x, y), closed, rtol=1e-6)
    assert np.isclose(ft.grad(ft.grad(fnp.hypot, 0), 1)(1.0, 1.0), -1 / 2 ** 1.5)
    assert np.isclose(ft.jit(ft.grad(ft.grad(fnp.hypot, 0), 1))(1.0, 1.0), -1 / 2 ** 1.5)


@pytest.mark.parametrize("fun,base", [(fnp.logaddexp, np.e), (fnp.logaddexp2, 2.0)])
@pytest.mark.parametrize("x", [0.0, 1.0, -3.0])
def test_logaddexp_hessian_at_ties(fun, base: float, x: float) -> None:
    ln = np.log(base)
    closed = ln * 0.25 * np.array([[1.0, -1.0], [-1.0, 1.0]])  # p (1 - p) with p = 1/2
    np.testing.assert_allclose(_hessian_ad(fun, x, x), closed, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(_hessian_fd(fun, x, x), closed, rtol=1e-6)
    np.testing.assert_allclose([ft.grad(fun, 0)(x, x), ft.grad(fun, 1)(x, x)], [0.5, 0.5])
    # the values at infinities are unchanged
    assert fun(np.inf, np.inf) == np.inf and fun(-np.inf, -np.inf) == -np.inf
    assert np.isnan(fun(np.nan, 1.0)) and fun(-np.inf, 1.0) == 1.0


@pytest.mark.parametrize("x", [0.5, 2.0, 3.0])
def test_power_mixed_partial_at_zero_exponent(x: float) -> None:
    # d/dy d/dx x**y = x**(y-1) (1 + y log x): 1/x at y == 0
    for fun in (fnp.power, fnp.float_power, lambda a, b: a ** b):
        assert np.isclose(ft.grad(ft.grad(fun, 0), 1)(x, 0.0), 1 / x)
        assert np.isclose(ft.grad(ft.grad(fun, 1), 0)(x, 0.0), 1 / x)
    assert ft.grad(fnp.power, 0)(0.0, 0.0) == 0.0  # d/dx x**0 at 0 stays 0 (not NaN)
    assert ft.grad(fnp.power, 0)(x, 0.0) == 0.0


@pytest.mark.parametrize("order", [2, 3])
def test_power_zero_exponent_flat_at_zero_to_every_order(order: int) -> None:
    # x**0 == 1 is constant, so every derivative at x == 0 is 0: the select that guards
    # 0 * inf must not let the guarded branch's own NaN derivative through (reverse or forward)
    for diff in (ft.grad, ft.jacfwd):
        f = lambda x: fnp.power(x, 0.0)  # noqa: E731
        for _ in range(order):
            f = diff(f)
        with np.errstate(divide="ignore", invalid="ignore"):
            assert f(0.0) == 0.0


def test_inverse_trig_third_derivative_at_zero() -> None:
    d3 = lambda f: ft.grad(ft.grad(ft.grad(f)))  # noqa: E731
    assert np.isclose(d3(fnp.arctan)(0.0), -2.0)
    assert np.isclose(d3(fnp.arctan)(-0.0), -2.0)
    assert np.isclose(d3(fnp.arcsin)(0.0), 1.0)
    assert np.isclose(d3(fnp.arccos)(0.0), -1.0)
    assert np.isclose(d3(lambda v: fnp.arctan2(v, 1.0))(0.0), -2.0)
    # signed zeros still come out as NumPy's
    out = fnp.arctan(np.array([0.0, -0.0]))
    np.testing.assert_array_equal(np.signbit(out), [False, True])
    assert np.signbit(ft.jit(fnp.arcsin)(-0.0))
