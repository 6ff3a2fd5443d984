"""Spec table of the elementwise primitives (lax level)."""

from __future__ import annotations

import numpy as np

from ftrans import lax
from tests.spec_util import OpSpec, broadcasting_shapes, make_family_tests, unary_shapes

F32_64 = (np.float64, np.float32)


def _round_away(x: np.ndarray) -> np.ndarray:
    return np.copysign(np.floor(np.abs(x) + 0.5), x)


def _c_div(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x - np.fmod(x, y)) // y


def _safe_divisor(rng: np.random.Generator, shapes: tuple, dtype: object) -> tuple:
    x = rng.uniform(-2, 2, shapes[0]).astype(dtype)
    y = (rng.uniform(0.5, 2, shapes[1]) * rng.choice([-1, 1], shapes[1])).astype(dtype)
    return x[()] if not shapes[0] else x, y[()] if not shapes[1] else y


def _int_divisor(rng: np.random.Generator, shapes: tuple, dtype: object) -> tuple:
    x = rng.integers(-20, 20, shapes[0]).astype(dtype)
    y = (rng.integers(1, 6, shapes[1]) * rng.choice([-1, 1], shapes[1])).astype(dtype)
    return x[()] if not shapes[0] else x, y[()] if not shapes[1] else y


def _select_args(rng: np.random.Generator, shapes: tuple, dtype: object) -> tuple:
    which = rng.random(shapes[0]) < 0.5
    a = rng.uniform(-2, 2, shapes[1]).astype(dtype)
    b = rng.uniform(-2, 2, shapes[2]).astype(dtype)
    return tuple(v[()] if not s else v for v, s in zip((which, a, b), shapes))


def _select_n3_args(rng: np.random.Generator, shapes: tuple, dtype: object) -> tuple:
    which = rng.integers(0, 3, shapes[0]).astype(np.int32)
    cases = [rng.uniform(-2, 2, s).astype(dtype) for s in shapes[1:]]
    return tuple(v[()] if not s else v for v, s in zip([which, *cases], shapes))


unary = unary_shapes()
binary = broadcasting_shapes(2)

SPECS = [
    OpSpec("neg", lax.neg, np.negative, unary, F32_64),
    OpSpec("neg_int", lax.neg, np.negative, unary, (np.int64, np.int32), grad_order=0),
    OpSpec("exp", lax.exp, np.exp, unary, F32_64, grad_order=3),
    OpSpec("log", lax.log, np.log, unary, F32_64, domain=(0.5, 3.0), grad_order=3),
    OpSpec("log1p", lax.log1p, np.log1p, unary, F32_64, domain=(-0.5, 3.0), grad_order=3),
    OpSpec("expm1", lax.expm1, np.expm1, unary, F32_64, grad_order=3),
    OpSpec("sin", lax.sin, np.sin, unary, F32_64, grad_order=3),
    OpSpec("cos", lax.cos, np.cos, unary, F32_64, grad_order=3),
    OpSpec("tan", lax.tan, np.tan, unary, F32_64, domain=(-1.2, 1.2), grad_order=3),
    OpSpec("tanh", lax.tanh, np.tanh, unary, F32_64, grad_order=3),
    OpSpec("logistic", lax.logistic, lambda x: 1 / (1 + np.exp(-x)), unary, F32_64,
           grad_order=3, rtol=1e-6),
    OpSpec("sqrt", lax.sqrt, np.sqrt, unary, F32_64, domain=(0.5, 3.0), grad_order=3),
    OpSpec("rsqrt", lax.rsqrt, lambda x: 1 / np.sqrt(x), unary, F32_64, domain=(0.5, 3.0),
           grad_order=3, rtol=1e-6),
    OpSpec("abs", lax.abs, np.abs, unary, F32_64, domain=(0.1, 2.0)),
    OpSpec("sign", lax.sign, np.sign, unary, F32_64, zero_derivative=True),
    OpSpec("floor", lax.floor, np.floor, unary, F32_64, zero_derivative=True),
    OpSpec("ceil", lax.ceil, np.ceil, unary, F32_64, zero_derivative=True),
    OpSpec("round_away", lax.round, _round_away, unary, F32_64, zero_derivative=True),
    OpSpec("round_even", lambda x: lax.round(x, lax.ROUND_TO_NEAREST_EVEN), np.round, unary,
           F32_64, zero_derivative=True),
    OpSpec("integer_pow_3", lambda x: lax.integer_pow(x, 3), lambda x: x ** 3, unary, F32_64,
           grad_order=3),
    OpSpec("integer_pow_neg2", lambda x: lax.integer_pow(x, -2), lambda x: x ** -2.0, unary,
           F32_64, domain=(0.5, 2.0), grad_order=2, rtol=1e-6),
    OpSpec("integer_pow_0", lambda x: lax.integer_pow(x, 0), lambda x: x ** 0, unary, F32_64),
    OpSpec("add", lax.add, np.add, binary, F32_64),
    OpSpec("add_int", lax.add, np.add, binary, (np.int64, np.int8), grad_order=0),
    OpSpec("sub", lax.sub, np.subtract, binary, F32_64),
    OpSpec("mul", lax.mul, np.multiply, binary, F32_64, grad_order=3),
    OpSpec("div", lax.div, np.true_divide, binary, F32_64, make_args=_safe_divisor,
           grad_order=3, rtol=1e-6),
    OpSpec("div_int", lax.div, _c_div, binary, (np.int64, np.int32), make_args=_int_divisor,
           grad_order=0),
    OpSpec("rem", lax.rem, np.fmod, binary, F32_64, make_args=_safe_divisor, grad_order=1),
    OpSpec("pow", lax.pow, np.power, binary, F32_64, domain=(0.5, 2.0), grad_order=2,
           rtol=1e-6),
    OpSpec("max", lax.max, np.maximum, binary, F32_64),
    OpSpec("min", lax.min, np.minimum, binary, F32_64),
    OpSpec("eq", lax.eq, np.equal, binary, (np.float64, np.int32), domain=(-1, 1)),
    OpSpec("ne", lax.ne, np.not_equal, binary, (np.float64, np.int32), domain=(-1, 1)),
    OpSpec("lt", lax.lt, np.less, binary, F32_64),
    OpSpec("le", lax.le, np.less_equal, binary, (np.float64, np.int64), domain=(-1, 1)),
    OpSpec("gt", lax.gt, np.greater, binary, F32_64),
    OpSpec("ge", lax.ge, np.greater_equal, binary, (np.float64, np.int64), domain=(-1, 1)),
    OpSpec("and", lax.bitwise_and, np.bitwise_and, binary, (np.bool_, np.int32),
           domain=(0, 7)),
    OpSpec("or", lax.bitwise_or, np.bitwise_or, binary, (np.bool_, np.int32), domain=(0, 7)),
    OpSpec("xor", lax.bitwise_xor, np.bitwise_xor, binary, (np.bool_, np.int32),
           domain=(0, 7)),
    OpSpec("not", lax.bitwise_not, np.invert, unary, (np.bool_, np.int32), domain=(0, 7)),
    OpSpec("select_n_bool", lax.select_n, lambda w, a, b: np.where(w, b, a),
           broadcasting_shapes(3), F32_64, make_args=_select_args),
    OpSpec("select_n_int", lax.select_n, lambda w, *c: np.choose(w, c),
           broadcasting_shapes(4), F32_64, make_args=_select_n3_args),
    OpSpec("convert_f64_to_f32", lambda x: lax.convert_element_type(x, np.float32),
           lambda x: x.astype(np.float32), unary, (np.float64,), grad_tol=1e-2),
    OpSpec("convert_f32_to_f64", lambda x: lax.convert_element_type(x, np.float64),
           lambda x: x.astype(np.float64), unary, (np.float32,)),
    OpSpec("convert_f64_to_i32", lambda x: lax.convert_element_type(x, np.int32),
           lambda x: np.asarray(x).astype(np.int32), unary, (np.float64,), domain=(-9, 9)),
    OpSpec("stop_gradient", lax.stop_gradient, lambda x: x, unary, F32_64,
           zero_derivative=True),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)
