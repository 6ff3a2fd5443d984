"""ftrans.numpy on complex numbers: the spec table (NumPy oracle, abstract eval, grads to
order 2 in complex directions, vmap), branch cuts and special values against NumPy, NumPy 2
promotion with complex scalars, the complex predicates, and the tracer methods."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftrans as ft
import ftrans.numpy as fnp
from tests.numpy._util import ranked, scalar_or_array
from tests.spec_util import (
    OpSpec, assert_same, broadcasting_shapes, call, make_family_tests, spec_args, unary_shapes,
)

C128 = (np.complex128,)
C64_128 = (np.complex128, np.complex64)
unary = unary_shapes()
binary = broadcasting_shapes(2)


def _modulus_in(lo: float, hi: float) -> Any:
    def make(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
        return tuple(scalar_or_array(
            (rng.uniform(lo, hi, s) * np.exp(1j * rng.uniform(-3, 3, s))).astype(dtype), s)
            for s in arg_shapes)
    return make


_away_from_zero = _modulus_in(0.5, 2.0)


def _complex_and_real(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    z = rng.uniform(-2, 2, arg_shapes[0]) + 1j * rng.uniform(-2, 2, arg_shapes[0])
    x = rng.uniform(-2, 2, arg_shapes[1])
    return scalar_or_array(z.astype(dtype), arg_shapes[0]), scalar_or_array(x, arg_shapes[1])


def _fixed(*shapes: tuple[int, ...]) -> st.SearchStrategy:
    return st.just(tuple(shapes))


SPECS = [
    OpSpec("real", fnp.real, np.real, unary, C64_128, rtol=1e-6),
    OpSpec("imag", fnp.imag, np.imag, unary, C64_128, rtol=1e-6),
    OpSpec("conj", fnp.conj, np.conj, unary, C64_128, rtol=1e-6),
    OpSpec("conjugate_of_real", fnp.conjugate, np.conjugate, unary, (np.float64,)),
    OpSpec("abs", fnp.abs, np.abs, unary, C64_128, make_args=_away_from_zero, rtol=1e-6),
    OpSpec("absolute", fnp.absolute, np.absolute, unary, C128, make_args=_away_from_zero),
    OpSpec("angle", fnp.angle, np.angle, unary, C128, make_args=_away_from_zero),
    OpSpec("angle_deg", lambda z: fnp.angle(z, deg=True), lambda z: np.angle(z, deg=True),
           unary, C128, make_args=_away_from_zero),
    OpSpec("iscomplex", fnp.iscomplex, np.iscomplex, unary, C128, grad_order=0),
    OpSpec("isreal", fnp.isreal, np.isreal, unary, C128, grad_order=0),
    OpSpec("sign", fnp.sign, np.sign, unary, C128, make_args=_away_from_zero,
           zero_derivative=True),
    OpSpec("arcsin", fnp.arcsin, np.arcsin, unary, C128),
    OpSpec("arccos", fnp.arccos, np.arccos, unary, C128),
    OpSpec("arctan", fnp.arctan, np.arctan, unary, C128, make_args=_modulus_in(0.1, 0.8)),
    OpSpec("arcsinh", fnp.arcsinh, np.arcsinh, unary, C128),
    OpSpec("arccosh", fnp.arccosh, np.arccosh, unary, C128),
    OpSpec("arctanh", fnp.arctanh, np.arctanh, unary, C128, make_args=_modulus_in(0.1, 0.8)),
    OpSpec("sinh", fnp.sinh, np.sinh, unary, C64_128, rtol=1e-5),
    OpSpec("cosh", fnp.cosh, np.cosh, unary, C64_128, rtol=1e-5),
    OpSpec("log2", fnp.log2, np.log2, unary, C128, make_args=_away_from_zero),
    OpSpec("log10", fnp.log10, np.log10, unary, C128, make_args=_away_from_zero),
    OpSpec("exp2", fnp.exp2, np.exp2, unary, C128),
    OpSpec("square", fnp.square, np.square, unary, C64_128, rtol=1e-5),
    OpSpec("reciprocal", fnp.reciprocal, np.reciprocal, unary, C128,
           make_args=_away_from_zero),
    OpSpec("power", fnp.power, np.power, binary, C128, make_args=_away_from_zero),
    OpSpec("multiply_mixed", fnp.multiply, np.multiply, binary, C64_128,
           make_args=_complex_and_real, rtol=1e-6),
    OpSpec("divide_mixed", lambda z, x: fnp.divide(x, z), lambda z, x: np.divide(x, z),
           binary, C128, make_args=lambda rng, s, d: (_away_from_zero(rng, s[:1], d)[0],
                                                      rng.uniform(-2, 2, s[1])[()])),
    OpSpec("sum", lambda z: fnp.sum(z, axis=0), lambda z: np.sum(z, axis=0), ranked(1), C128),
    OpSpec("mean", fnp.mean, np.mean, ranked(1), C128),
    OpSpec("prod", fnp.prod, np.prod, ranked(1, 2, 3), C128, make_args=_away_from_zero),
    OpSpec("cumsum", fnp.cumsum, np.cumsum, ranked(1), C128),
    OpSpec("var", fnp.var, np.var, ranked(1), C64_128, rtol=1e-5),
    OpSpec("var_axis_ddof", lambda z: fnp.var(z, axis=-1, ddof=1),
           lambda z: np.var(z, axis=-1, ddof=1), ranked(1).filter(lambda s: s[0][-1] > 1),
           C128),
    OpSpec("std", lambda z: fnp.std(z, axis=0), lambda z: np.std(z, axis=0),
           ranked(1).filter(lambda s: s[0][0] > 1), C128),
    OpSpec("round", lambda z: fnp.round(z, 1), lambda z: np.round(z, 1), unary, C128,
           zero_derivative=True),
    OpSpec("sort", fnp.sort, np.sort, ranked(1), C128),
    OpSpec("sort_complex", fnp.sort_complex, np.sort_complex, ranked(1), C128),
    OpSpec("sort_complex_real", fnp.sort_complex, np.sort_complex, ranked(1),
           (np.float32, np.int16)),
    OpSpec("argmax", lambda z: fnp.argmax(z, axis=0), lambda z: np.argmax(z, axis=0),
           ranked(1), C128, grad_order=0),
    OpSpec("max", lambda z: fnp.max(z, axis=-1), lambda z: np.max(z, axis=-1), ranked(1),
           C128),
    OpSpec("vdot", fnp.vdot, np.vdot, _fixed((3, 2), (3, 2)), C64_128, rtol=1e-5),
    OpSpec("matmul", fnp.matmul, np.matmul, _fixed((2, 3), (3, 4)), C128),
    OpSpec("einsum", lambda a, b: fnp.einsum("ij,kj->ik", a, b),
           lambda a, b: np.einsum("ij,kj->ik", a, b), _fixed((2, 3), (4, 3)), C128),
    OpSpec("where", lambda a, b: fnp.where(fnp.real(a) > 0, a, b),
           lambda a, b: np.where(np.real(a) > 0, a, b), binary, C128),
    OpSpec("getitem", lambda z: z[np.array([1, 0, 1])], lambda z: z[np.array([1, 0, 1])],
           ranked(1).filter(lambda s: s[0][0] > 1), C128),
    OpSpec("at_add", lambda z, u: fnp.at(z)[np.array([1, 0, 1])].add(u),
           lambda z, u: _np_at_add(z, u), _fixed((3, 2), (3, 2)), C128),
    OpSpec("norm", fnp.linalg.norm, np.linalg.norm, ranked(1, 2), C64_128,
           make_args=_away_from_zero, rtol=1e-5),
    OpSpec("norm_fro_axis", lambda z: fnp.linalg.norm(z, "fro", axis=(0, 1)),
           lambda z: np.linalg.norm(z, "fro", axis=(0, 1)), _fixed((3, 2)), C128),
    OpSpec("methods", lambda z: z.real * z.imag + fnp.asarray(z).conj(),
           lambda z: z.real * z.imag + z.conj(), unary, C128),
]


def _np_at_add(z: np.ndarray, u: np.ndarray) -> np.ndarray:
    out = np.array(z)
    np.add.at(out, np.array([1, 0, 1]), u)
    return out


(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


@pytest.mark.parametrize("spec", SPECS[::3], ids=[s.name for s in SPECS[::3]])
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_jit_matches_eager(spec: OpSpec, data: Any) -> None:
    args = data.draw(spec_args(spec))
    with np.errstate(all="ignore"):
        expected = call(spec, *args)
        actual = ft.jit(lambda *a: call(spec, *a))(*args)
    assert_same(actual, expected, max(spec.rtol, 1e-12), f"jit of {spec.name}")


# ---------------------------------------------------------------------------------------------
# Branch cuts, signed zeros and special values: NumPy's results
# ---------------------------------------------------------------------------------------------

_ON_CUTS = np.array([complex(a, b) for a in (2.0, -2.0, 0.5, 1.0, -1.0, 0.0)
                     for b in (0.0, -0.0)] +
                    [complex(b, a) for a in (2.0, -2.0, 0.5) for b in (0.0, -0.0)] +
                    [1e-9 + 1e-10j, 1e-5 - 1e-7j, 1e3 + 1e3j, -1e5 + 1e4j, 3e-20j])


@pytest.mark.parametrize("name", ["arcsin", "arccos", "arctan", "arcsinh", "arccosh",
                                  "sinh", "cosh", "tanh", "sqrt", "log", "log2", "exp2",
                                  "arctanh"])
def test_branch_cuts_and_extremes_match_numpy(name: str) -> None:
    points = _ON_CUTS[np.abs(_ON_CUTS - 1) > 0] if name == "arctanh" else _ON_CUTS
    with np.errstate(all="ignore"):
        actual, expected = getattr(fnp, name)(points), getattr(np, name)(points)
    # the side of a cut a point belongs to is in the value (the sign of a zero part of the
    # result is not compared)
    np.testing.assert_allclose(actual, expected, rtol=1e-13, atol=0)


def test_log1p_is_accurate_near_zero() -> None:
    z = np.array([1e-10 + 1e-12j, 3e-20j, -1e-8 + 2e-9j])
    # log1p(z) = z - z**2 / 2 + z**3 / 3 to far below float64 resolution here
    series = z - z ** 2 / 2 + z ** 3 / 3
    np.testing.assert_allclose(fnp.log1p(z), series, rtol=1e-15)


def test_parts_of_infinities_stay_apart() -> None:
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(fnp.log2(np.array([0j])), np.log2(np.array([0j])))
        np.testing.assert_array_equal(fnp.cosh(np.array([800 + 1j])),
                                      np.cosh(np.array([800 + 1j])))


def test_nan_to_num_of_complex_treats_each_part() -> None:
    z = np.array([complex(np.nan, np.inf), complex(-np.inf, 1.0), 2 - 3j])
    np.testing.assert_array_equal(fnp.nan_to_num(z), np.nan_to_num(z))
    np.testing.assert_array_equal(fnp.nan_to_num(z, nan=1.0, posinf=5.0, neginf=-5.0),
                                  np.nan_to_num(z, nan=1.0, posinf=5.0, neginf=-5.0))


# ---------------------------------------------------------------------------------------------
# Promotion, predicates, real_if_close
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.complex64])
def test_python_complex_scalars_are_weak(dtype: Any) -> None:
    x = np.ones(3, dtype)
    expected = (x * 2j).dtype
    assert fnp.multiply(x, 2j).dtype == expected
    assert ft.jit(lambda v: v * 2j)(x).dtype == expected
    assert ft.grad(lambda v: fnp.real(fnp.sum(v * 2j + 1j)))(x.astype(np.float32)).dtype \
        == np.float32


def test_complex_literals_and_mixed_arithmetic() -> None:
    def f(x: Any) -> Any:
        return fnp.sum(fnp.abs(x * (1 + 2j) - 3j) ** 2)
    x = np.array([0.5, -1.0])
    expected = 2 * np.real(np.conj(x * (1 + 2j) - 3j) * (1 + 2j))
    np.testing.assert_allclose(ft.grad(f)(x), expected, rtol=1e-12)


def test_object_predicates() -> None:
    assert fnp.iscomplexobj(np.ones(2, np.complex64)) and not fnp.iscomplexobj(1.0)
    assert fnp.isrealobj(np.ones(2)) and not fnp.isrealobj(1j)
    seen = []
    ft.jit(lambda z: seen.append(fnp.iscomplexobj(z)) or z)(np.ones(2, complex))
    assert seen == [True]
    np.testing.assert_array_equal(fnp.iscomplex(np.ones(3)), np.zeros(3, bool))
    np.testing.assert_array_equal(fnp.isreal(np.arange(3)), np.ones(3, bool))


def test_real_if_close() -> None:
    z = np.array([2.0 + 1e-15j, 1.0 - 0j])
    np.testing.assert_array_equal(fnp.real_if_close(z), np.real_if_close(z))
    assert fnp.real_if_close(z).dtype == np.float64
    far = np.array([2.0 + 1e-3j])
    assert fnp.real_if_close(far).dtype == np.complex128
    assert fnp.real_if_close(far, tol=1e-2).dtype == np.float64
    assert ft.grad(lambda x: fnp.real_if_close(x + 0j) * 2)(1.0) == 2.0
    with pytest.raises(ft.core.ConcretizationError, match="real_if_close"):
        ft.jit(fnp.real_if_close)(z)


def test_angle_of_real_and_integer_inputs() -> None:
    for x in (np.array([-2, 0, 3]), np.array([-1.5, 2.0]), -1.0):
        np.testing.assert_array_equal(fnp.angle(x), np.angle(x))
        np.testing.assert_array_equal(fnp.angle(x, deg=True), np.angle(x, deg=True))


@pytest.mark.parametrize("module", ["ftrans.numpy._complex", "ftrans.numpy._trig"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib
    assert doctest.testmod(importlib.import_module(module),
                           optionflags=doctest.ELLIPSIS).failed == 0
