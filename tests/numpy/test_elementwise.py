"""ftrans.numpy elementwise functions: the spec table (NumPy oracle, abstract eval, grads,
vmap), NumPy's dtype promotion, special values to the bit, and error messages."""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from tests.numpy._util import (
    away_from_integers, distinct_values, nonzero_divisor, positive, scalar_or_array,
)
from tests.spec_util import OpSpec, broadcasting_shapes, make_family_tests, unary_shapes

F32_64 = (np.float64, np.float32)
INTS = (np.int64, np.int32, np.int8)
unary = unary_shapes()
binary = broadcasting_shapes(2)


def _above_one(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    return tuple(scalar_or_array(rng.uniform(1.2, 3.0, s).astype(dtype), s) for s in arg_shapes)


def _unit_interval(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    return tuple(scalar_or_array(rng.uniform(-0.8, 0.8, s).astype(dtype), s)
                 for s in arg_shapes)


def _where_args(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    c = rng.random(arg_shapes[0]) < 0.5
    x = rng.uniform(-2, 2, arg_shapes[1]).astype(dtype)
    y = rng.uniform(-2, 2, arg_shapes[2]).astype(dtype)
    return tuple(scalar_or_array(v, s) for v, s in zip((c, x, y), arg_shapes))


def _clip_args(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    # values at least 0.05 away from the bounds -0.5 and 0.7
    x = rng.uniform(-2, 2, arg_shapes[0])
    x = np.where(np.abs(x + 0.5) < 0.05, x + 0.1, x)
    x = np.where(np.abs(x - 0.7) < 0.05, x + 0.1, x)
    return (scalar_or_array(x.astype(dtype), arg_shapes[0]),)


def _int_power_args(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    x = rng.integers(-3, 4, arg_shapes[0]).astype(dtype)
    y = rng.integers(0, 5, arg_shapes[1]).astype(dtype)
    return scalar_or_array(x, arg_shapes[0]), scalar_or_array(y, arg_shapes[1])


def spec(name: str, fn: Callable | None = None, ref: Callable | None = None,
         shapes: Any = unary, dtypes: tuple = F32_64, **kw: Any) -> OpSpec:
    """A row whose function is ``fnp.<name>`` and reference ``np.<name>`` by default."""
    fn = fn if fn is not None else getattr(fnp, name.split(":")[0])
    ref = ref if ref is not None else getattr(np, name.split(":")[0])
    return OpSpec(name, fn, ref, shapes, dtypes, **kw)


SPECS = [
    # arithmetic
    spec("add", shapes=binary),
    spec("add:int", shapes=binary, dtypes=INTS, grad_order=0),
    spec("add:bool", shapes=binary, dtypes=(np.bool_,), grad_order=0),
    spec("subtract", shapes=binary),
    spec("multiply", shapes=binary, grad_order=3),
    spec("true_divide", shapes=binary, make_args=nonzero_divisor, rtol=1e-6),
    spec("true_divide:int", shapes=binary, dtypes=INTS, make_args=nonzero_divisor, rtol=1e-6),
    spec("negative"),
    spec("positive"),
    spec("maximum", shapes=binary, make_args=distinct_values),
    spec("minimum", shapes=binary, make_args=distinct_values),
    spec("power", shapes=binary, make_args=positive, rtol=1e-6),
    spec("power:int_scalar", lambda x: fnp.power(x, 3), lambda x: np.power(x, 3), grad_order=3),
    spec("power:int_array", shapes=binary, dtypes=INTS, make_args=_int_power_args, grad_order=0),
    spec("float_power", shapes=binary, make_args=positive, rtol=1e-6),
    spec("square"),
    spec("reciprocal", make_args=positive, rtol=1e-6),
    spec("floor_divide", shapes=binary, dtypes=F32_64 + INTS, make_args=nonzero_divisor,
         zero_derivative=True),
    spec("remainder", shapes=binary, dtypes=F32_64 + INTS, make_args=nonzero_divisor,
         grad_order=1, rtol=1e-6),
    spec("fmod", shapes=binary, dtypes=F32_64 + INTS, make_args=nonzero_divisor,
         grad_order=1, rtol=1e-6),
    spec("divmod", shapes=binary, dtypes=(np.float64, np.int32), make_args=nonzero_divisor,
         grad_order=1),
    # exponentials, logarithms, trigonometric and hyperbolic functions
    spec("exp", grad_order=3),
    spec("log", make_args=positive, grad_order=3),
    spec("log1p", make_args=positive),
    spec("expm1"),
    spec("exp2", rtol=1e-6),
    spec("log2", make_args=positive, rtol=1e-6),
    spec("log10", make_args=positive, rtol=1e-6),
    spec("sin", grad_order=3),
    spec("cos"),
    spec("tan", make_args=_unit_interval),
    spec("tanh"),
    spec("sinh", rtol=1e-6),
    spec("cosh", rtol=1e-6),
    spec("arcsinh", rtol=1e-6),
    spec("arccosh", make_args=_above_one, rtol=1e-6),
    spec("arctanh", make_args=_unit_interval, rtol=1e-6),
    spec("arctan", rtol=1e-6),
    spec("arctan2", shapes=binary, make_args=distinct_values, rtol=1e-6),
    spec("arcsin", make_args=_unit_interval, rtol=1e-6),
    spec("arccos", make_args=_unit_interval, rtol=1e-6),
    spec("sqrt", make_args=positive, grad_order=3),
    spec("cbrt", make_args=positive, rtol=1e-6),
    spec("logaddexp", shapes=binary, rtol=1e-6, grad_order=3),
    spec("logaddexp2", shapes=binary, rtol=1e-6),
    spec("hypot", shapes=binary, make_args=distinct_values, rtol=1e-6),
    spec("deg2rad", rtol=1e-6),
    spec("rad2deg", rtol=1e-6),
    spec("sin:int", fnp.sin, np.sin, dtypes=(np.int32, np.int8), rtol=1e-3),
    # sign and rounding
    spec("abs", make_args=distinct_values),
    spec("abs:int", fnp.abs, np.abs, dtypes=INTS + (np.uint8, np.bool_)),
    spec("fabs", make_args=distinct_values),
    spec("sign", zero_derivative=True),
    spec("copysign", shapes=binary, make_args=distinct_values),
    spec("heaviside", shapes=binary, make_args=distinct_values),
    spec("floor", make_args=away_from_integers, zero_derivative=True),
    spec("ceil", make_args=away_from_integers, zero_derivative=True),
    spec("rint", make_args=away_from_integers, zero_derivative=True),
    spec("trunc", make_args=away_from_integers, zero_derivative=True),
    spec("round", make_args=away_from_integers, zero_derivative=True),
    spec("round:2", fnp.round, np.round, params=dict(decimals=2), rtol=1e-6,
         zero_derivative=True),
    spec("round:-1", fnp.round, np.round, dtypes=(np.float64, np.int64), domain=(-99, 99),
         params=dict(decimals=-1), zero_derivative=True),
    spec("clip", lambda x: fnp.clip(x, -0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7),
         make_args=_clip_args),
    spec("clip:min_only", lambda x: fnp.clip(x, min=-0.5), lambda x: np.clip(x, min=-0.5),
         make_args=_clip_args),
    spec("clip:arrays", shapes=broadcasting_shapes(3), make_args=distinct_values),
    spec("nan_to_num"),
    # classification, comparison, logic
    spec("isnan", zero_derivative=True),
    spec("isinf", zero_derivative=True),
    spec("isfinite", zero_derivative=True),
    spec("signbit", zero_derivative=True),
    spec("isnan:int", fnp.isnan, np.isnan, dtypes=(np.int32,)),
    spec("equal", shapes=binary, dtypes=(np.float64, np.int32), domain=(-1, 1)),
    spec("not_equal", shapes=binary, dtypes=(np.float64, np.int32), domain=(-1, 1)),
    spec("less", shapes=binary),
    spec("less_equal", shapes=binary, dtypes=(np.int64,), domain=(-1, 1)),
    spec("greater", shapes=binary),
    spec("greater_equal", shapes=binary),
    spec("isclose", shapes=binary, domain=(-1e-6, 1e-6)),
    spec("logical_and", shapes=binary, dtypes=(np.bool_, np.float64), domain=(-1, 1)),
    spec("logical_or", shapes=binary, dtypes=(np.bool_, np.int32), domain=(-1, 1)),
    spec("logical_xor", shapes=binary, dtypes=(np.bool_,)),
    spec("logical_not", dtypes=(np.bool_, np.float64), domain=(-1, 1)),
    spec("bitwise_and", shapes=binary, dtypes=(np.int32, np.bool_), domain=(0, 7)),
    spec("invert", dtypes=(np.int32, np.bool_), domain=(0, 7)),
    spec("where", shapes=broadcasting_shapes(3), make_args=_where_args),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


# ---------------------------------------------------------------------------------------------
# Promotion: (function, arguments) with mixed dtypes and weak Python scalars
# ---------------------------------------------------------------------------------------------

f32 = np.array([1.5, -2.0], np.float32)
f64 = np.array([1.5, -2.0])
i8 = np.array([1, -3], np.int8)
i32 = np.array([7, -3], np.int32)
i64 = np.array([7, 3], np.int64)
u8 = np.array([1, 200], np.uint8)
b = np.array([True, False])

PROMOTION = [
    ("add", (i8, i64)),            # int8 + int64 -> int64
    ("add", (f32, 1.5)),           # a Python float does not upcast float32
    ("add", (i8, 3)),              # nor a Python int int8
    ("add", (i8, 2.5)),            # a Python float makes ints float64
    ("multiply", (f32, i32)),      # float32 * int32 -> float64
    ("multiply", (u8, i8)),        # uint8 * int8 -> int16
    ("true_divide", (i32, i64)),   # int / int -> float64
    ("true_divide", (i8, 2)),
    ("true_divide", (b, b)),
    ("floor_divide", (i32, 2.0)),
    ("floor_divide", (b, b)),      # bool // bool -> int8
    ("remainder", (f32, 3)),
    ("power", (i32, 2)),
    ("power", (f32, 2)),
    ("power", (i8, i64)),
    ("power", (f32, 0.5)),
    ("maximum", (f32, f64)),
    ("sqrt", (i8,)),               # int8 -> float16
    ("sqrt", (i32,)),              # int32 -> float64
    ("exp", (b,)),
    ("sin", (3,)),                 # a Python int -> float64
    ("logaddexp", (i8, f32)),
    ("hypot", (f32, 2)),
    ("arcsinh", (i64,)),
    ("abs", (u8,)),
    ("negative", (i8,)),
    ("less", (f32, 1)),
    ("equal", (i8, 1.5)),
    ("where", (b, f32, 0.0)),
    ("where", (b, i8, 1)),
    ("where", (b, i8, 1.0)),
    ("where", (True, 1, 2.5)),
    ("clip", (i8, 0, 5)),
    ("clip", (f32, 0, 1.0)),
    ("clip", (i32, 0.5, 2)),
    ("around", (f32, 1)),
    ("around", (i32, -1)),
    ("isnan", (i8,)),
    ("copysign", (i8, f32)),
    ("arctan2", (i8, f32)),
    ("arcsin", (i8,)),
]


def _case_id(name: str, args: tuple) -> str:
    kinds = [str(a.dtype) if isinstance(a, np.ndarray) else type(a).__name__ for a in args]
    return "-".join([name] + kinds)


@pytest.mark.parametrize("name, args", PROMOTION, ids=[_case_id(*case) for case in PROMOTION])
def test_promotion_matches_numpy(name: str, args: tuple) -> None:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        expected = np.asarray(getattr(np, name)(*args))
        actual = np.asarray(getattr(fnp, name)(*args))
    assert actual.dtype == expected.dtype
    np.testing.assert_allclose(actual, expected, rtol=1e-6)
    arrays = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]

    def traced(*xs: Any) -> Any:
        full = list(args)
        for i, x in zip(arrays, xs):
            full[i] = x
        return getattr(fnp, name)(*full)
    (aval,) = ft.make_jaxpr(traced)(*[args[i] for i in arrays]).out_avals
    assert aval.dtype == expected.dtype and aval.shape == expected.shape


# ---------------------------------------------------------------------------------------------
# Special values: NaN, infinities and signed zeros agree with NumPy to the bit
# ---------------------------------------------------------------------------------------------

SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 3.0, -7.0, 0.1, np.inf, -np.inf, np.nan,
                    1e300, -1e-300])
BIT_EXACT_BINARY = ["floor_divide", "remainder", "fmod", "copysign", "heaviside", "maximum",
                    "minimum", "true_divide", "power", "divmod"]
CLOSE_BINARY = ["logaddexp", "logaddexp2", "hypot", "arctan2"]
CLOSE_UNARY = ["isnan", "isinf", "isfinite", "signbit", "sign", "trunc", "rint", "fabs",
               "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "exp2", "log2", "log10",
               "cbrt", "nan_to_num", "square", "abs", "floor", "ceil", "arctan", "arcsin",
               "arccos"]


def _assert_bit_equal(actual: Any, expected: Any) -> None:
    for a, e in zip(ft.tree_util.tree_leaves(actual), ft.tree_util.tree_leaves(expected)):
        a, e = np.asarray(a), np.asarray(e)
        assert a.dtype == e.dtype
        np.testing.assert_array_equal(a, e)
        if e.dtype.kind == "f":
            known = ~np.isnan(e)
            np.testing.assert_array_equal(np.signbit(a[known]), np.signbit(e[known]),
                                          err_msg="signs of zero differ")


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("name", BIT_EXACT_BINARY + CLOSE_BINARY)
def test_binary_special_values(name: str, dtype: Any) -> None:
    with np.errstate(all="ignore"):
        x, y = (v.astype(dtype) for v in np.meshgrid(SPECIAL, SPECIAL))
        expected = getattr(np, name)(x, y)
        actual = getattr(fnp, name)(x, y)
    if name in BIT_EXACT_BINARY:
        _assert_bit_equal(actual, expected)
    else:
        np.testing.assert_allclose(actual, expected, rtol=2 * np.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("name", CLOSE_UNARY)
def test_unary_special_values(name: str, dtype: Any) -> None:
    with np.errstate(all="ignore"):
        x = SPECIAL.astype(dtype)
        expected = getattr(np, name)(x)
        actual = np.asarray(getattr(fnp, name)(x))
    assert actual.dtype == expected.dtype
    # cbrt is pow(x, 1/3): 1/3 is not exact, so a few ulps off
    ulps = 64 if name == "cbrt" else 4
    np.testing.assert_allclose(actual, expected, rtol=ulps * np.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.uint8])
@pytest.mark.parametrize("name", ["floor_divide", "remainder", "fmod", "divmod"])
def test_integer_division_matches_numpy(name: str, dtype: Any) -> None:
    values = np.array([-7, -3, -1, 0, 1, 3, 7, 100]).astype(dtype)
    x, y = np.meshgrid(values, values)
    with np.errstate(all="ignore"):
        _assert_bit_equal(getattr(fnp, name)(x, y), getattr(np, name)(x, y))


@pytest.mark.parametrize("decimals", [-2, -1, 0, 1, 2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_round_halves_to_even(decimals: int, dtype: Any) -> None:
    values = np.array([1.25, 2.5, -0.125, 0.5, 1.5, 15.0, 25.0, 150.0, -15.5, 0.0049, 1234.5678])
    x = (values * 4).astype(dtype) if dtype == np.int64 else values.astype(dtype)
    _assert_bit_equal(fnp.round(x, decimals), np.round(x, decimals))


# ---------------------------------------------------------------------------------------------
# Derivatives at special points, and errors
# ---------------------------------------------------------------------------------------------


def test_derivatives_at_ties_and_zero() -> None:
    assert ft.grad(lambda x: fnp.logaddexp(x, x))(1.0) == 1.0  # 1/2 through each argument
    assert ft.grad(fnp.logaddexp, argnums=(0, 1))(2.0, 2.0) == (0.5, 0.5)
    assert ft.grad(fnp.arcsinh)(0.0) == 1.0
    assert ft.grad(fnp.sinh)(0.0) == 1.0
    np.testing.assert_allclose(ft.grad(fnp.hypot, argnums=(0, 1))(3.0, 4.0), (0.6, 0.8))
    assert np.isfinite(ft.grad(fnp.hypot)(0.0, 2.0))
    assert ft.grad(lambda x: fnp.clip(x, 0.0, 1.0))(0.5) == 1.0
    assert ft.grad(lambda x: fnp.clip(x, 0.0, 1.0))(2.0) == 0.0
    assert ft.grad(lambda x: fnp.where(x > 0, x, 0.0))(-1.0) == 0.0
    np.testing.assert_allclose(ft.grad(lambda y: fnp.remainder(7.0, y))(2.0), -3.0)
    assert ft.grad(fnp.arctan)(0.0) == 1.0
    # arctan2 is smooth on the axes and on the diagonals (where its argument reduction
    # switches branches): d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2)
    for y, x in [(0.0, 2.0), (0.0, -2.0), (3.0, 0.0), (1.0, 1.0), (-1.0, 1.0), (2.0, -2.0)]:
        np.testing.assert_allclose(ft.grad(fnp.arctan2, argnums=(0, 1))(y, x),
                                   (x / (x * x + y * y), -y / (x * x + y * y)), rtol=1e-15)


def test_overflow_free() -> None:
    assert fnp.logaddexp(1000.0, 1000.0) == 1000.0 + np.log(2)
    assert fnp.hypot(1e200, 1e200) == np.hypot(1e200, 1e200)
    assert fnp.hypot(1e-200, 1e-200) > 0
    np.testing.assert_allclose(fnp.cosh(710.0), np.cosh(710.0))
    np.testing.assert_allclose(fnp.arcsinh(1e300), np.arcsinh(1e300))


def test_errors_name_the_mistake() -> None:
    with pytest.raises(ValueError, match="both or neither"):
        fnp.where(np.array([True]), 1.0)
    with pytest.raises(TypeError, match="not both"):
        fnp.clip(f64, 0.0, min=1.0)
    with pytest.raises(TypeError, match="floor_divide is not defined for .* complex128"):
        fnp.floor_divide(np.array([1j]), 2)
    with pytest.raises(TypeError, match="subtract is not defined for operands of dtype bool"):
        fnp.subtract(b, b)
    with pytest.raises(ValueError, match="negative integer powers"):
        fnp.power(i32, np.array([-1, 2]))
    with pytest.raises(ft.ConcretizationError, match="data-dependent shape"):
        ft.vmap(lambda x: fnp.where(x > 0))(np.ones((2, 3)))


def test_where_with_one_argument_is_nonzero() -> None:
    x = np.array([[0.0, 1.0], [2.0, 0.0]])
    for got, want in zip(fnp.where(x), np.where(x)):
        np.testing.assert_array_equal(got, want)
