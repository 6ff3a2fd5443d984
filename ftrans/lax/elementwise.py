"""Elementwise primitives: arithmetic, math functions, comparisons, logic, select, casts.

Binary primitives take operands of one dtype whose shapes broadcast NumPy-style (a deliberate
difference from XLA-style lax, which keeps eager programs short: no explicit broadcast per
operation). Their transposes sum cotangents back to each operand's shape (``unbroadcast``).
Wrappers accept Python scalars and give them the other operand's dtype. Each primitive is one
block: primitive, wrapper, jvp, transpose, batching.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import NotAnArrayError, Primitive, ShapedArray, Tracer, get_aval, make_aval
from ftrans.interpreters.batching import (
    batching_rules, defbroadcasting, defvectorized, move_batch_axis,
)
from ftrans.interpreters.jvp import (
    Zero,
    add_any_p,
    defbilinear,
    defjvp,
    defjvp_zero,
    deflinear,
    instantiate_zeros,
    jvp_rules,
)
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules
from ftrans.lax.reductions import reduce_sum
from ftrans.lax.structural import reshape
from ftrans.zero_cotangent import tangent_div, tangent_mul

_PYTHON_SCALARS = (bool, int, float, complex)
_FLOAT = "fc"
_REAL_FLOAT = "f"  # floor, ceil, round: NumPy refuses complex operands
_REAL = "iuf"  # rem: NumPy's fmod refuses complex operands
_NUMERIC = "iufc"
_ANY = "biufc"


def _check_kind(name: str, aval: ShapedArray, kinds: str) -> None:
    if aval.dtype.kind not in kinds:
        wanted = {"fc": "floating", "iufc": "numeric", "biu": "integer or boolean",
                  "iu": "integer", "b": "boolean", "f": "real floating",
                  "iuf": "real (integer or floating)"}.get(kinds, kinds)
        raise TypeError(f"{name} needs {wanted} operands, got {aval.str_short()}")


def broadcast_shapes(name: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"{name}: shapes {' and '.join(map(str, shapes))} do not broadcast "
                         f"together (NumPy broadcasting rules)") from None


def unbroadcast(x: Any, aval: ShapedArray) -> Any:
    """Sum ``x`` down to ``aval``'s shape: the transpose of NumPy broadcasting."""
    shape = get_aval(x).shape
    if shape == aval.shape:
        return x
    lead = len(shape) - aval.ndim
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(aval.shape) if d == 1 and shape[lead + i] != 1)
    return reshape(reduce_sum(x, axes), aval.shape)


def _scalar_to(value: Any, like: Any) -> Any:
    """A Python scalar given the dtype of the array it is combined with (NumPy's weak
    scalars)."""
    return np.asarray(value, dtype=get_aval(like).dtype)[()]


def coerce_scalars(*args: Any) -> list[Any]:
    """Python scalars among ``args`` take the dtype of the first non-scalar argument."""
    like = next((a for a in args if type(a) not in _PYTHON_SCALARS), None)
    if like is None:
        return [np.asarray(a)[()] for a in args]
    return [_scalar_to(a, like) if type(a) in _PYTHON_SCALARS else a for a in args]


# ---------------------------------------------------------------------------------------------
# Factories for the common shapes of elementwise primitives
# ---------------------------------------------------------------------------------------------


def unary_primitive(name: str, impl: Callable[..., Any], kinds: str = _FLOAT) -> Primitive:
    def abstract_eval(x: ShapedArray, **params: Any) -> ShapedArray:
        _check_kind(name, x, kinds)
        return x
    return Primitive(name, impl=impl, abstract_eval=abstract_eval)


def binary_primitive(name: str, impl: Callable[..., Any], kinds: str = _NUMERIC,
                     out_dtype: Any = None) -> Primitive:
    out_dtype = None if out_dtype is None else np.dtype(out_dtype)

    def abstract_eval(x: ShapedArray, y: ShapedArray) -> ShapedArray:
        if x.dtype != y.dtype:
            raise TypeError(f"{name} needs operands of one dtype, got {x.str_short()} and "
                            f"{y.str_short()}; convert one with convert_element_type (or use "
                            f"the ftrans.numpy function, which promotes)")
        _check_kind(name, x, kinds)
        if x.shape == y.shape:
            return x if out_dtype is None else make_aval(x.shape, out_dtype)
        return make_aval(broadcast_shapes(name, x.shape, y.shape),
                         x.dtype if out_dtype is None else out_dtype)
    return Primitive(name, impl=impl, abstract_eval=abstract_eval)


def check_operand(x: Any, api: str) -> Any:
    """``x`` when it is an array, a NumPy or Python number or a tracer; otherwise a TypeError
    naming the lax function and the Python type passed (lax takes no lists or strings)."""
    t = type(x)
    if t in _CONCRETE_ARRAYS or t in _PYTHON_SCALARS or isinstance(x, Tracer):
        return x
    raise NotAnArrayError(x, api)


def _bind_binary(prim: Primitive, x: Any, y: Any) -> Any:
    tx, ty = type(x), type(y)
    if tx in _CONCRETE_ARRAYS and ty in _CONCRETE_ARRAYS:
        if x.dtype != y.dtype:  # staged operands are checked by abstract_eval; these here
            prim.abstract_eval(get_aval(x), get_aval(y))
    else:
        # mostly tracers here: the error message is built only when the quick test fails
        if not (isinstance(x, Tracer) or tx in _CONCRETE_ARRAYS or tx in _PYTHON_SCALARS):
            check_operand(x, f"lax.{prim.name}")
        if not (isinstance(y, Tracer) or ty in _CONCRETE_ARRAYS or ty in _PYTHON_SCALARS):
            check_operand(y, f"lax.{prim.name}")
        if tx in _PYTHON_SCALARS or ty in _PYTHON_SCALARS:
            x, y = coerce_scalars(x, y)
    return prim.bind(x, y)


_CONCRETE_ARRAYS = frozenset({np.ndarray, np.float64, np.float32, np.float16, np.int64,
                              np.int32, np.int16, np.int8, np.uint8, np.uint16, np.uint32,
                              np.uint64, np.bool_, np.complex128, np.complex64})


# ---------------------------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------------------------

neg_p = unary_primitive("neg", np.negative, _NUMERIC)


def neg(x: Any) -> Any:
    """Elementwise ``-x``."""
    return neg_p.bind(check_operand(x, "lax.neg"))


deflinear(neg_p)
transpose_rules[neg_p] = lambda ct, x: [neg(ct)]
defvectorized(neg_p)


add_p = binary_primitive("add", np.add)


def add(x: Any, y: Any) -> Any:
    """Elementwise ``x + y``."""
    return _bind_binary(add_p, x, y)


defjvp(add_p, lambda g, ans, x, y: g, lambda g, ans, x, y: g)


def _add_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    return [unbroadcast(ct, x.aval) if is_undefined(x) else None,
            unbroadcast(ct, y.aval) if is_undefined(y) else None]


transpose_rules[add_p] = _add_transpose
defbroadcasting(add_p)


def _add_any_batch(args: Sequence[Any], bdims: Sequence[Any]) -> tuple[Any, int]:
    # add_any's operands have one type: an unbatched operand is broadcast to the batch
    (x, y), (x_bdim, y_bdim) = args, bdims
    size = get_aval(x).shape[x_bdim] if x_bdim is not None else get_aval(y).shape[y_bdim]
    return add_any_p.bind(move_batch_axis(x, x_bdim, 0, size),
                          move_batch_axis(y, y_bdim, 0, size)), 0


batching_rules[add_any_p] = _add_any_batch


sub_p = binary_primitive("sub", np.subtract)


def sub(x: Any, y: Any) -> Any:
    """Elementwise ``x - y``."""
    return _bind_binary(sub_p, x, y)


defjvp(sub_p, lambda g, ans, x, y: g, lambda g, ans, x, y: neg(g))


def _sub_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    return [unbroadcast(ct, x.aval) if is_undefined(x) else None,
            unbroadcast(neg(ct), y.aval) if is_undefined(y) else None]


transpose_rules[sub_p] = _sub_transpose
defbroadcasting(sub_p)


mul_p = binary_primitive("mul", np.multiply, _ANY)


def mul(x: Any, y: Any) -> Any:
    """Elementwise ``x * y``."""
    return _bind_binary(mul_p, x, y)


defbilinear(mul_p)


def _mul_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    if is_undefined(x) and is_undefined(y):
        raise NonLinearError("mul of two linear values is not linear")
    if is_undefined(x):
        return [unbroadcast(mul(ct, y), x.aval), None]
    return [None, unbroadcast(mul(x, ct), y.aval)]


transpose_rules[mul_p] = _mul_transpose
defbroadcasting(mul_p)


def _div_impl(x: Any, y: Any) -> Any:
    if np.result_type(x).kind in "iu":  # integer division rounds toward zero, as in C
        return (x - np.fmod(x, y)) // y
    return np.true_divide(x, y)


div_p = binary_primitive("div", _div_impl)


def div(x: Any, y: Any) -> Any:
    """Elementwise ``x / y``; on integers, rounds toward zero."""
    return _bind_binary(div_p, x, y)


defjvp(div_p,
       lambda g, ans, x, y: tangent_div(g, y),
       lambda g, ans, x, y: tangent_mul(neg(g), div(ans, y)))


def _div_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    if is_undefined(y):
        raise NonLinearError("div is not linear in its denominator")
    return [unbroadcast(div(ct, y), x.aval), None]


transpose_rules[div_p] = _div_transpose
defbroadcasting(div_p)


rem_p = binary_primitive("rem", np.fmod, _REAL)


def rem(x: Any, y: Any) -> Any:
    """Elementwise remainder with the sign of ``x`` (C's fmod)."""
    return _bind_binary(rem_p, x, y)


defjvp(rem_p,
       lambda g, ans, x, y: g,
       lambda g, ans, x, y: mul(neg(g), mul(sign(div(x, y)), floor(abs(div(x, y))))))
defbroadcasting(rem_p)


max_p = binary_primitive("max", np.maximum, _ANY)
min_p = binary_primitive("min", np.minimum, _ANY)


def max(x: Any, y: Any) -> Any:  # noqa: A001  (lax's name; NumPy's is maximum)
    """Elementwise maximum; NaN if either is NaN."""
    return _bind_binary(max_p, x, y)


def min(x: Any, y: Any) -> Any:  # noqa: A001
    """Elementwise minimum; NaN if either is NaN."""
    return _bind_binary(min_p, x, y)


def _balanced_eq(x: Any, z: Any, y: Any) -> Any:
    """1 where x alone attains the extremum z, 0.5 where x and y tie, 0 elsewhere: ties split
    the derivative evenly."""
    one = np.ones((), get_aval(z).dtype)
    half = np.full((), 0.5, get_aval(z).dtype)
    zero = np.zeros((), get_aval(z).dtype)
    return select_n(eq(x, z), zero, select_n(eq(y, z), one, half))


defjvp(max_p,
       lambda g, ans, x, y: mul(g, _balanced_eq(x, ans, y)),
       lambda g, ans, x, y: mul(g, _balanced_eq(y, ans, x)))
defjvp(min_p,
       lambda g, ans, x, y: mul(g, _balanced_eq(x, ans, y)),
       lambda g, ans, x, y: mul(g, _balanced_eq(y, ans, x)))
defbroadcasting(max_p)
defbroadcasting(min_p)


def _pow_impl(x: Any, y: Any) -> Any:
    return np.power(x, y)


pow_p = binary_primitive("pow", _pow_impl, _FLOAT)


def pow(x: Any, y: Any) -> Any:  # noqa: A001
    """Elementwise ``x ** y`` on floats."""
    return _bind_binary(pow_p, x, y)


def _pow_jvp_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    dtype = get_aval(x).dtype
    zero = np.zeros((), dtype)
    # d/dx x**y = y * x**(y-1), taken as 0 where x == y == 0 (where it is 0 * inf) so that
    # x**0 has zero derivative at 0. Only there: elsewhere y * x**(y-1) is smooth in y, and
    # replacing it by a constant wherever y == 0 would lose its y-derivative, x**-1 (the
    # mixed second derivative of x**y at y == 0).
    both_zero = bitwise_and(eq(x, zero), eq(y, zero))
    jac = select_n(both_zero, mul(y, pow(x, sub(y, np.ones((), dtype)))), zero)
    return tangent_mul(g, jac)


def _pow_jvp_y(g: Any, ans: Any, x: Any, y: Any) -> Any:
    dtype = get_aval(x).dtype
    # log(x) * x**y, taken as 0 where x == 0 (x**y is flat in y there for y > 0)
    safe_x = select_n(eq(x, np.zeros((), dtype)), x, np.ones((), dtype))
    return tangent_mul(g, mul(log(safe_x), ans))


defjvp(pow_p, _pow_jvp_x, _pow_jvp_y)
defbroadcasting(pow_p)


def _integer_pow_impl(x: Any, y: int) -> Any:
    return np.power(x, y) if y >= 0 else np.reciprocal(np.power(x, -y))


integer_pow_p = unary_primitive("integer_pow", _integer_pow_impl, _NUMERIC)


def integer_pow(x: Any, y: int) -> Any:
    """Elementwise ``x ** y`` for a Python int ``y`` (negative allowed for floats)."""
    if not isinstance(y, (int, np.integer)) or isinstance(y, bool):
        raise TypeError(f"integer_pow needs an int exponent, got {y!r}")
    return integer_pow_p.bind(x, y=int(y))


def _integer_pow_jvp(g: Any, ans: Any, x: Any, y: int) -> Any:
    if y == 0:
        return mul(g, np.zeros((), get_aval(x).dtype))
    coeff = np.full((), y, get_aval(x).dtype)
    return tangent_mul(g, mul(coeff, x if y == 2 else integer_pow(x, y - 1)))


defjvp(integer_pow_p, _integer_pow_jvp)
defvectorized(integer_pow_p)


# ---------------------------------------------------------------------------------------------
# Math functions
# ---------------------------------------------------------------------------------------------


def _float_const(value: float, like: Any) -> Any:
    return np.full((), value, get_aval(like).dtype)


exp_p = unary_primitive("exp", np.exp)
log_p = unary_primitive("log", np.log)


def _log1p_impl(x: Any) -> Any:
    if np.result_type(x).kind != "c":
        return np.log1p(x)
    # NumPy's complex log1p is log(1 + x), which loses the digits of a small x; there,
    # log|1 + x| = log1p(2a + a^2 + b^2) / 2 and arg(1 + x) = atan2(b, 1 + a), x = a + ib
    x = np.asarray(x)
    with np.errstate(all="ignore"):
        out = np.log1p(x)
        small = np.abs(x) < 0.5
        if np.any(small):
            a, b = np.real(x), np.imag(x)
            accurate = np.empty_like(out)
            accurate.real = 0.5 * np.log1p(a * (2 + a) + b * b)
            accurate.imag = np.arctan2(b, 1 + a)
            out = np.where(small, accurate, out)
    return out[()] if out.ndim == 0 else out


log1p_p = unary_primitive("log1p", _log1p_impl)
expm1_p = unary_primitive("expm1", np.expm1)
sin_p = unary_primitive("sin", np.sin)
cos_p = unary_primitive("cos", np.cos)
tan_p = unary_primitive("tan", np.tan)
tanh_p = unary_primitive("tanh", np.tanh)
sqrt_p = unary_primitive("sqrt", np.sqrt)


def _logistic_impl(x: Any) -> Any:
    if np.result_type(x).kind == "c":  # no branch to pick on the complex plane
        return 1 / (1 + np.exp(-x))
    # exp(-|x|) never overflows; the two branches are the same function
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1 / (1 + e), e / (1 + e))[()]


def _rsqrt_impl(x: Any) -> Any:
    return 1 / np.sqrt(x)


logistic_p = unary_primitive("logistic", _logistic_impl)
rsqrt_p = unary_primitive("rsqrt", _rsqrt_impl)


def exp(x: Any) -> Any:
    """Elementwise ``e ** x``."""
    return exp_p.bind(check_operand(x, "lax.exp"))


def log(x: Any) -> Any:
    """Elementwise natural logarithm."""
    return log_p.bind(check_operand(x, "lax.log"))


def log1p(x: Any) -> Any:
    """Elementwise ``log(1 + x)``, accurate for small ``x``."""
    return log1p_p.bind(check_operand(x, "lax.log1p"))


def expm1(x: Any) -> Any:
    """Elementwise ``exp(x) - 1``, accurate for small ``x``."""
    return expm1_p.bind(check_operand(x, "lax.expm1"))


def sin(x: Any) -> Any:
    """Elementwise sine."""
    return sin_p.bind(check_operand(x, "lax.sin"))


def cos(x: Any) -> Any:
    """Elementwise cosine."""
    return cos_p.bind(check_operand(x, "lax.cos"))


def tan(x: Any) -> Any:
    """Elementwise tangent."""
    return tan_p.bind(check_operand(x, "lax.tan"))


def tanh(x: Any) -> Any:
    """Elementwise hyperbolic tangent."""
    return tanh_p.bind(check_operand(x, "lax.tanh"))


def logistic(x: Any) -> Any:
    """Elementwise ``1 / (1 + exp(-x))``, computed without overflow."""
    return logistic_p.bind(check_operand(x, "lax.logistic"))


def sqrt(x: Any) -> Any:
    """Elementwise square root."""
    return sqrt_p.bind(check_operand(x, "lax.sqrt"))


def rsqrt(x: Any) -> Any:
    """Elementwise ``1 / sqrt(x)``."""
    return rsqrt_p.bind(check_operand(x, "lax.rsqrt"))


defjvp(exp_p, lambda g, ans, x: tangent_mul(g, ans))
defjvp(log_p, lambda g, ans, x: tangent_div(g, x))
defjvp(log1p_p, lambda g, ans, x: tangent_div(g, add(x, _float_const(1, x))))
defjvp(expm1_p, lambda g, ans, x: tangent_mul(g, add(ans, _float_const(1, ans))))
defjvp(sin_p, lambda g, ans, x: mul(g, cos(x)))
defjvp(cos_p, lambda g, ans, x: neg(mul(g, sin(x))))
defjvp(tan_p, lambda g, ans, x: mul(g, add(_float_const(1, ans), mul(ans, ans))))
defjvp(tanh_p, lambda g, ans, x: mul(g, sub(_float_const(1, ans), mul(ans, ans))))
defjvp(logistic_p, lambda g, ans, x: mul(g, mul(ans, sub(_float_const(1, ans), ans))))
defjvp(sqrt_p, lambda g, ans, x: tangent_div(mul(g, _float_const(0.5, ans)), ans))
defjvp(rsqrt_p, lambda g, ans, x: tangent_mul(g, mul(_float_const(-0.5, ans), div(ans, x))))
for _prim in (exp_p, log_p, log1p_p, expm1_p, sin_p, cos_p, tan_p, tanh_p, logistic_p,
              sqrt_p, rsqrt_p):
    defvectorized(_prim)


def _abs_abstract_eval(x: ShapedArray) -> ShapedArray:
    _check_kind("abs", x, _NUMERIC)
    if x.dtype.kind == "c":  # the magnitude of a complex number is real
        return make_aval(x.shape, np.finfo(x.dtype).dtype)
    return x


abs_p = Primitive("abs", impl=np.abs, abstract_eval=_abs_abstract_eval)
sign_p = unary_primitive("sign", np.sign, _NUMERIC)
floor_p = unary_primitive("floor", np.floor, _REAL_FLOAT)
ceil_p = unary_primitive("ceil", np.ceil, _REAL_FLOAT)


def _round_impl(x: Any, rounding_method: int) -> Any:
    if rounding_method == 1:
        return np.round(x)
    return np.copysign(np.floor(np.abs(x) + 0.5), x)


round_p = unary_primitive("round", _round_impl, _REAL_FLOAT)


def abs(x: Any) -> Any:  # noqa: A001
    """Elementwise absolute value."""
    return abs_p.bind(check_operand(x, "lax.abs"))


def sign(x: Any) -> Any:
    """Elementwise sign: -1, 0 or 1 (NaN for NaN)."""
    return sign_p.bind(check_operand(x, "lax.sign"))


def floor(x: Any) -> Any:
    """Elementwise floor."""
    return floor_p.bind(check_operand(x, "lax.floor"))


def ceil(x: Any) -> Any:
    """Elementwise ceiling."""
    return ceil_p.bind(check_operand(x, "lax.ceil"))


ROUND_AWAY_FROM_ZERO = 0
ROUND_TO_NEAREST_EVEN = 1


def round(x: Any, rounding_method: int = ROUND_AWAY_FROM_ZERO) -> Any:  # noqa: A001
    """Elementwise rounding to an integer value; halves go away from zero, or to even with
    ``rounding_method=ROUND_TO_NEAREST_EVEN`` (NumPy's rule)."""
    return round_p.bind(check_operand(x, "lax.round"), rounding_method=int(rounding_method))


def _abs_jvp(g: Any, ans: Any, x: Any) -> Any:
    dtype = get_aval(x).dtype
    if dtype.kind == "c":
        # d|z| = real(conj(z) dz) / |z| (abs is not holomorphic), taken as 0 at z = 0
        magnitude_dtype = get_aval(ans).dtype
        safe = select_n(eq(ans, np.zeros((), magnitude_dtype)), ans,
                        np.ones((), magnitude_dtype))
        return real(mul(g, div(conj(x), convert_element_type(safe, dtype))))
    # d|x|/dx taken as +1 at 0 (JAX's convention), so |x| at 0 passes its tangent through
    return select_n(ge(x, np.zeros((), dtype)), neg(g), g)


defjvp(abs_p, _abs_jvp)
for _prim in (sign_p, floor_p, ceil_p, round_p):
    defjvp_zero(_prim)
for _prim in (abs_p, sign_p, floor_p, ceil_p, round_p):
    defvectorized(_prim)


# ---------------------------------------------------------------------------------------------
# Comparisons and logic
# ---------------------------------------------------------------------------------------------

eq_p = binary_primitive("eq", np.equal, _ANY, bool)
ne_p = binary_primitive("ne", np.not_equal, _ANY, bool)
lt_p = binary_primitive("lt", np.less, _ANY, bool)
le_p = binary_primitive("le", np.less_equal, _ANY, bool)
gt_p = binary_primitive("gt", np.greater, _ANY, bool)
ge_p = binary_primitive("ge", np.greater_equal, _ANY, bool)


def eq(x: Any, y: Any) -> Any:
    """Elementwise ``x == y``."""
    return _bind_binary(eq_p, x, y)


def ne(x: Any, y: Any) -> Any:
    """Elementwise ``x != y``."""
    return _bind_binary(ne_p, x, y)


def lt(x: Any, y: Any) -> Any:
    """Elementwise ``x < y``."""
    return _bind_binary(lt_p, x, y)


def le(x: Any, y: Any) -> Any:
    """Elementwise ``x <= y``."""
    return _bind_binary(le_p, x, y)


def gt(x: Any, y: Any) -> Any:
    """Elementwise ``x > y``."""
    return _bind_binary(gt_p, x, y)


def ge(x: Any, y: Any) -> Any:
    """Elementwise ``x >= y``."""
    return _bind_binary(ge_p, x, y)


and_p = binary_primitive("and", np.bitwise_and, "biu")
or_p = binary_primitive("or", np.bitwise_or, "biu")
xor_p = binary_primitive("xor", np.bitwise_xor, "biu")
not_p = unary_primitive("not", np.invert, "biu")


def bitwise_and(x: Any, y: Any) -> Any:
    """Elementwise logical (bool) or bitwise (int) and."""
    return _bind_binary(and_p, x, y)


def bitwise_or(x: Any, y: Any) -> Any:
    """Elementwise logical (bool) or bitwise (int) or."""
    return _bind_binary(or_p, x, y)


def bitwise_xor(x: Any, y: Any) -> Any:
    """Elementwise logical (bool) or bitwise (int) exclusive or."""
    return _bind_binary(xor_p, x, y)


def bitwise_not(x: Any) -> Any:
    """Elementwise logical (bool) or bitwise (int) not."""
    return not_p.bind(check_operand(x, "lax.bitwise_not"))


for _prim in (eq_p, ne_p, lt_p, le_p, gt_p, ge_p, and_p, or_p, xor_p):
    defjvp_zero(_prim)
    defbroadcasting(_prim)
defjvp_zero(not_p)
defvectorized(not_p)


# ---------------------------------------------------------------------------------------------
# select_n
# ---------------------------------------------------------------------------------------------


def _select_n_impl(which: Any, *cases: Any) -> Any:
    if len(cases) == 1:
        return np.broadcast_to(cases[0], np.broadcast_shapes(np.shape(which),
                                                              np.shape(cases[0])))
    if len(cases) == 2:
        return np.where(which, cases[1], cases[0])
    return np.choose(which, cases)


def _select_n_abstract_eval(which: ShapedArray, *cases: ShapedArray) -> ShapedArray:
    if not cases:
        raise TypeError("select_n needs at least one case")
    if which.dtype.kind not in "biu":
        raise TypeError(f"select_n: the selector must be bool or int, got {which.str_short()}")
    if which.dtype.kind == "b" and len(cases) > 2:
        raise TypeError("select_n: a bool selector chooses between at most two cases")
    dtypes = {c.dtype for c in cases}
    if len(dtypes) > 1:
        raise TypeError(f"select_n: cases must have one dtype, got "
                        f"{', '.join(c.str_short() for c in cases)}")
    shape = broadcast_shapes("select_n", which.shape, *[c.shape for c in cases])
    return make_aval(shape, cases[0].dtype)


select_n_p = Primitive("select_n", impl=_select_n_impl, abstract_eval=_select_n_abstract_eval)


def select_n(which: Any, *cases: Any) -> Any:
    """Elementwise choice: ``cases[which]``; a bool ``which`` picks ``cases[1]`` where True.
    Shapes broadcast."""
    if any(type(c) in _PYTHON_SCALARS for c in cases):
        cases = tuple(coerce_scalars(*cases))
    return select_n_p.bind(which, *cases)


def select(pred: Any, on_true: Any, on_false: Any) -> Any:
    """Elementwise ``on_true`` where the bool ``pred`` is True, else ``on_false``
    (``select_n(pred, on_false, on_true)``)."""
    return select_n(check_operand(pred, "lax.select"), check_operand(on_false, "lax.select"),
                    check_operand(on_true, "lax.select"))


def _select_n_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    which, *cases = primals
    ans = select_n_p.bind(which, *cases)
    case_dots = tangents[1:]
    if all(type(t) is Zero for t in case_dots):
        return ans, Zero(get_aval(ans))
    out_dot = select_n_p.bind(which, *[instantiate_zeros(t) for t in case_dots])
    aval = get_aval(ans)
    if get_aval(out_dot).shape != aval.shape:
        from ftrans.lax.structural import broadcast_to
        out_dot = broadcast_to(out_dot, aval.shape)
    return ans, out_dot


jvp_rules[select_n_p] = _select_n_jvp


def _select_n_transpose(ct: Any, which: Any, *cases: Any) -> list[Any]:
    if is_undefined(which):
        raise NonLinearError("select_n is not linear in its selector")
    zero = np.zeros((), get_aval(ct).dtype)
    cts: list[Any] = [None]
    for i, case in enumerate(cases):
        if not is_undefined(case):
            cts.append(None)
            continue
        picked = select_n_p.bind(which, *[ct if j == i else zero for j in range(len(cases))])
        cts.append(unbroadcast(picked, case.aval))
    return cts


transpose_rules[select_n_p] = _select_n_transpose
defbroadcasting(select_n_p)


# ---------------------------------------------------------------------------------------------
# Complex numbers: parts, conjugate, construction
#
# Transposition is the plain linear transpose of a real-linear map under the pairing
# <a, b> = real(a * b), with no implicit conjugation: real's transpose is complex(ct, 0),
# imag's complex(0, -ct), conj's conj, complex's [real(ct), -imag(ct)]. With holomorphic rules
# written with the complex derivative, grad of a real-valued function of z is the conjugate of
# its Wirtinger gradient 2 df/dz-bar (grad(abs(z) ** 2) at z is 2 conj(z)).
# ---------------------------------------------------------------------------------------------


def complex_dtype(dtype: Any) -> np.dtype:
    """The complex dtype whose parts have ``dtype`` (float32 -> complex64; complex stays)."""
    return np.result_type(np.dtype(dtype), np.complex64)


def _complex_part_abstract_eval(name: str) -> Callable[..., ShapedArray]:
    def abstract_eval(x: ShapedArray) -> ShapedArray:
        if x.dtype.kind != "c":
            raise TypeError(f"{name} needs a complex operand, got {x.str_short()} (the "
                            f"ftrans.numpy function also accepts real arrays)")
        return make_aval(x.shape, np.finfo(x.dtype).dtype)
    return abstract_eval


def _part_impl(name: str, part: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def impl(x: Any) -> Any:
        if np.result_type(x).kind != "c":  # NumPy would accept it; lax's contract does not
            _complex_part_abstract_eval(name)(get_aval(x))
        # np.real / np.imag return views of the complex buffer: a copy keeps each result
        # its own array, so that writing into it never changes the complex operand
        return np.array(part(x))[()] if np.ndim(x) == 0 else part(x).copy()
    return impl


real_p = Primitive("real", impl=_part_impl("real", np.real),
                   abstract_eval=_complex_part_abstract_eval("real"))


def real(x: Any) -> Any:
    """The real part of a complex array (a real array of the matching precision).

    >>> import numpy as np; from ftrans import lax
    >>> lax.real(np.complex128(3 + 4j))
    np.float64(3.0)
    """
    return real_p.bind(check_operand(x, "lax.real"))


deflinear(real_p)
transpose_rules[real_p] = lambda ct, x: [complex(ct, np.zeros((), get_aval(ct).dtype))]
defvectorized(real_p)


imag_p = Primitive("imag", impl=_part_impl("imag", np.imag),
                   abstract_eval=_complex_part_abstract_eval("imag"))


def imag(x: Any) -> Any:
    """The imaginary part of a complex array (a real array of the matching precision).

    >>> import numpy as np; from ftrans import lax
    >>> lax.imag(np.complex128(3 + 4j))
    np.float64(4.0)
    """
    return imag_p.bind(check_operand(x, "lax.imag"))


deflinear(imag_p)
transpose_rules[imag_p] = lambda ct, x: [complex(np.zeros((), get_aval(ct).dtype), neg(ct))]
defvectorized(imag_p)


def _conj_impl(x: Any) -> Any:
    if type(x) is not np.ndarray or x.dtype.kind not in _FLOAT:  # refuse what lax refuses
        _conj_abstract_eval(get_aval(x))
    x = np.asarray(x)
    out = np.conjugate(x) if x.dtype.kind == "c" else x.astype(complex_dtype(x.dtype))
    return out[()] if out.ndim == 0 else out


def _conj_abstract_eval(x: ShapedArray) -> ShapedArray:
    _check_kind("conj", x, _FLOAT)
    return make_aval(x.shape, complex_dtype(x.dtype))


conj_p = Primitive("conj", impl=_conj_impl, abstract_eval=_conj_abstract_eval)


def conj(x: Any) -> Any:
    """The complex conjugate; a real floating operand becomes complex (as lax does in JAX;
    ``ftrans.numpy.conj`` keeps real arrays real).

    >>> import numpy as np; from ftrans import lax
    >>> lax.conj(np.complex128(3 + 4j))
    np.complex128(3-4j)
    """
    return conj_p.bind(check_operand(x, "lax.conj"))


deflinear(conj_p)
# conj is its own transpose on complex operands; for a real operand (cast to complex and
# conjugated) the transpose keeps the real part
transpose_rules[conj_p] = lambda ct, x: [
    conj(ct) if x.aval.dtype.kind == "c" else real(ct)]
defvectorized(conj_p)


def _complex_impl(x: Any, y: Any) -> Any:
    # assigning the parts keeps infinities and NaNs where they are (x + 1j * y would mix them)
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype != y.dtype or x.dtype.kind != "f":
        _complex_abstract_eval(get_aval(x), get_aval(y))
    out = np.empty(np.broadcast_shapes(x.shape, y.shape), complex_dtype(x.dtype))
    out.real = x
    out.imag = y
    return out[()] if out.ndim == 0 else out


def _complex_abstract_eval(x: ShapedArray, y: ShapedArray) -> ShapedArray:
    if x.dtype != y.dtype or x.dtype.kind != "f":
        raise TypeError(f"complex needs two real floating operands of one dtype, got "
                        f"{x.str_short()} and {y.str_short()}; convert with "
                        f"convert_element_type first")
    return make_aval(broadcast_shapes("complex", x.shape, y.shape), complex_dtype(x.dtype))


complex_p = Primitive("complex", impl=_complex_impl, abstract_eval=_complex_abstract_eval)


def complex(x: Any, y: Any) -> Any:  # noqa: A001  (lax's name)
    """The complex array ``x + 1j * y`` from real floating parts of one dtype (shapes
    broadcast; a Python scalar takes the other part's dtype).

    >>> import numpy as np; from ftrans import lax
    >>> lax.complex(np.float64(3.0), 4.0)
    np.complex128(3+4j)
    """
    return _bind_binary(complex_p, x, y)


deflinear(complex_p)


def _complex_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    return [unbroadcast(real(ct), x.aval) if is_undefined(x) else None,
            unbroadcast(neg(imag(ct)), y.aval) if is_undefined(y) else None]


transpose_rules[complex_p] = _complex_transpose
defbroadcasting(complex_p)


# ---------------------------------------------------------------------------------------------
# Casts and gradient control
# ---------------------------------------------------------------------------------------------


def _convert_element_type_impl(x: Any, new_dtype: np.dtype) -> Any:
    if np.result_type(x).kind == "c" and new_dtype.kind != "c":
        # complex to real keeps the real part (to bool: nonzero), without NumPy's warning
        x = np.not_equal(x, 0) if new_dtype.kind == "b" else np.real(x)
    return np.asarray(x).astype(new_dtype)[()] if np.ndim(x) == 0 else x.astype(new_dtype)


def _convert_element_type_abstract_eval(x: ShapedArray, new_dtype: np.dtype) -> ShapedArray:
    return make_aval(x.shape, new_dtype)


convert_element_type_p = Primitive("convert_element_type", impl=_convert_element_type_impl,
                                   abstract_eval=_convert_element_type_abstract_eval)


def convert_element_type(x: Any, new_dtype: Any) -> Any:
    """``x`` cast to ``new_dtype`` (NumPy's ``astype``: floats to ints truncate; complex to
    real keeps the real part, and its transpose is ``complex(ct, 0)``)."""
    new_dtype = np.dtype(new_dtype)
    if type(x) in _PYTHON_SCALARS:
        return np.asarray(x, dtype=new_dtype)[()]
    if get_aval(x).dtype == new_dtype:
        return x
    return convert_element_type_p.bind(x, new_dtype=new_dtype)


def _convert_element_type_jvp(primals: Sequence[Any], tangents: Sequence[Any],
                              new_dtype: np.dtype) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    ans = convert_element_type_p.bind(x, new_dtype=new_dtype)
    if type(t) is Zero or new_dtype.kind not in _FLOAT:
        return ans, Zero(get_aval(ans))
    return ans, convert_element_type_p.bind(t, new_dtype=new_dtype)


jvp_rules[convert_element_type_p] = _convert_element_type_jvp
transpose_rules[convert_element_type_p] = lambda ct, x, new_dtype: [
    convert_element_type(ct, x.aval.dtype)]
defvectorized(convert_element_type_p)


stop_gradient_p = unary_primitive("stop_gradient", lambda x: x, _ANY)


def stop_gradient(x: Any) -> Any:
    """``x`` itself, with a zero derivative: differentiation treats it as a constant.

    Applies to every leaf of a pytree.
    """
    from ftrans.tree_util import tree_map
    return tree_map(lambda leaf: stop_gradient_p.bind(check_operand(leaf, "stop_gradient")), x)


defjvp_zero(stop_gradient_p)
defvectorized(stop_gradient_p)

del _prim
