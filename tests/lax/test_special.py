"""ftrans.lax.special primitives: values (SciPy as the oracle when installed, known values
otherwise), derivatives to order 2, vmap vs loop, float32, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ftrans as ft
from ftrans.lax import special
from ftrans.test_util import check_grads
from tests.spec_util import OpSpec, make_family_tests, unary_shapes


def _positive(rng: np.random.Generator, arg_shapes: tuple, dtype: object) -> tuple:
    return tuple(rng.uniform(0.3, 6.0, s).astype(dtype)[()] for s in arg_shapes)


def _open_unit(rng: np.random.Generator, arg_shapes: tuple, dtype: object) -> tuple:
    return tuple(rng.uniform(-0.9, 0.9, s).astype(dtype)[()] for s in arg_shapes)


def _math(fn: object) -> object:
    vectorized = np.vectorize(fn, otypes=[np.float64])
    return lambda x: np.asarray(vectorized(x), np.asarray(x).dtype)[()]


SPECS = [
    OpSpec("erf", special.erf, _math(math.erf), unary_shapes(), (np.float64, np.float32),
           rtol=1e-6),
    OpSpec("erfc", special.erfc, _math(math.erfc), unary_shapes(), (np.float64, np.float32),
           rtol=1e-6),
    OpSpec("lgamma", special.lgamma, _math(math.lgamma), unary_shapes(),
           (np.float64, np.float32), rtol=1e-6, make_args=_positive),
    # the oracle of an inverse: erf(erf_inv(y)) == y
    OpSpec("erf_inv", lambda y: special.erf(special.erf_inv(y)), lambda y: y, unary_shapes(),
           rtol=1e-14, make_args=_open_unit),
    OpSpec("digamma", special.digamma,
           lambda x: (special.lgamma(x + 1e-6) - special.lgamma(x - 1e-6)) / 2e-6,
           unary_shapes(), rtol=1e-6, make_args=_positive),
    OpSpec("polygamma:2", lambda x: special.polygamma(2, x),
           lambda x: (special.polygamma(1, x + 1e-6) - special.polygamma(1, x - 1e-6)) / 2e-6,
           unary_shapes(), rtol=1e-5, make_args=_positive),
]

(test_matches_reference, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


KNOWN = [  # (function, x, value) from closed forms
    (special.erf, 0.5, 0.5204998778130465),
    (special.erfc, 5.0, 1.5374597944280349e-12),
    (special.erfc, -1.0, 1.8427007929497148),
    (special.erf_inv, 0.5, 0.4769362762044699),
    (special.lgamma, 0.5, 0.5 * math.log(math.pi)),
    (special.lgamma, -0.5, math.log(2 * math.sqrt(math.pi))),
    (special.lgamma, 100.0, math.lgamma(100.0)),
    (special.digamma, 1.0, -0.5772156649015329),
    (special.digamma, 0.5, -0.5772156649015329 - 2 * math.log(2)),
    (special.digamma, -0.5, 0.03648997397857652),
    (lambda x: special.polygamma(1, x), 1.0, math.pi ** 2 / 6),
    (lambda x: special.polygamma(1, x), 0.5, math.pi ** 2 / 2),
]


@pytest.mark.parametrize("fun,x,value", KNOWN)
def test_known_values(fun: object, x: float, value: float) -> None:
    np.testing.assert_allclose(fun(np.float64(x)), value, rtol=1e-14)


def test_special_points() -> None:
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(special.erf(np.array([0.0, np.inf, -np.inf])),
                                      [0, 1, -1])
        np.testing.assert_array_equal(special.erfc(np.array([np.inf, -np.inf, 30.0])),
                                      [0, 2, 0])
        np.testing.assert_array_equal(special.erf_inv(np.array([1.0, -1.0, 0.0])),
                                      [np.inf, -np.inf, 0])
        assert np.isnan(special.erf_inv(np.float64(1.5)))
        assert np.isnan(special.erf(np.float64(np.nan)))
        np.testing.assert_array_equal(special.lgamma(np.array([0.0, -1.0])), [np.inf, np.inf])
        assert np.isnan(special.digamma(np.float64(-2.0)))


def test_against_scipy() -> None:
    sp = pytest.importorskip("scipy.special")
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-6, 6, 20000), np.logspace(-300, 1.4, 500)])
    np.testing.assert_allclose(special.erf(x), sp.erf(x), rtol=3e-15, atol=0)
    np.testing.assert_allclose(special.erfc(x), sp.erfc(x), rtol=1e-13, atol=0)
    y = np.concatenate([rng.uniform(-1, 1, 20000), 1 - np.logspace(-300, -1, 500)])
    np.testing.assert_allclose(special.erf_inv(y), sp.erfinv(y), rtol=3e-15)
    xp = np.concatenate([rng.uniform(0.01, 30, 20000), np.logspace(-300, 300, 500)])
    xn = rng.uniform(-30, 0, 20000)
    for ours, theirs in ((special.lgamma, sp.gammaln), (special.digamma, sp.digamma)):
        for pts in (xp[:20000], xn):
            expected = theirs(pts)
            # near zeros the error is absolute (cancellation); near the poles at negative
            # integers the function itself is ill-conditioned (a relative error of ~1e-12)
            np.testing.assert_allclose(ours(pts), expected, rtol=1e-12 if pts is xn else 1e-13,
                                       atol=1e-11)
    np.testing.assert_allclose(special.lgamma(xp), sp.gammaln(xp), rtol=1e-14, atol=1e-14)
    for n in (1, 2, 3):
        np.testing.assert_allclose(special.polygamma(n, xp[:2000]), sp.polygamma(n, xp[:2000]),
                                   rtol=1e-14)


@pytest.mark.parametrize("fun,x", [(special.erf, 0.7), (special.erfc, -1.3),
                                   (special.erf_inv, 0.4), (special.lgamma, 2.5),
                                   (special.digamma, 1.5),
                                   (lambda v: special.polygamma(1, v), 3.0)])
def test_third_order_derivatives(fun: object, x: float) -> None:
    check_grads(fun, (x,), 3, ("fwd", "rev"), atol=1e-4, rtol=1e-4)


def test_derivative_identities() -> None:
    x = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(ft.vmap(ft.grad(special.erf))(x),
                               2 / np.sqrt(np.pi) * np.exp(-x * x), rtol=1e-15)
    y = np.linspace(-0.9, 0.9, 7)
    np.testing.assert_allclose(ft.vmap(ft.grad(special.erf_inv))(y),
                               np.sqrt(np.pi) / 2 * np.exp(special.erf_inv(y) ** 2), rtol=1e-14)
    np.testing.assert_allclose(ft.jit(ft.grad(special.lgamma))(3.0), special.digamma(3.0))


def test_errors() -> None:
    with pytest.raises(TypeError, match="real floating-point"):
        ft.make_jaxpr(special.erf)(np.int64(1))
    with pytest.raises(TypeError, match="non-negative Python int"):
        special.polygamma(-1, 1.0)


@pytest.mark.parametrize("module", ["ftrans.lax.special", "ftrans.lax.linalg_decompositions"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib
    assert doctest.testmod(importlib.import_module(module)).failed == 0
