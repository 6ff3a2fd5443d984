"""Elementwise primitives: arithmetic, math functions, comparisons, logic, select, casts.

Binary primitives take operands of one dtype whose shapes broadcast NumPy-style (a deliberate
difference from XLA-style lax, which keeps eager programs short: no explicit broadcast per
operation). Their transposes sum cotangents back to each operand's shape (``unbroadcast``).
Wrappers accept Python scalars and give them the other operand's dtype. Each primitive is one
block: primitive, wrapper, jvp, transpose, batching.
"""

from __future__ import annotations

from typing import Any, Sequence

import operator

import numpy as np

from ftrans.compile.simplify import (
    forward_identity_element, is_constant, scaling_by_literal, scaling_by_minus_one,
)
from ftrans.compile.tables import (
    cancellation_rules, commutative, forwarding_rules, lowerings, rewrite_rules,
    scalar_lowerings, scaling_rules, uniform_binary, uniform_rules,
)
from ftrans.core import (
    EvalTrace, Primitive, ShapedArray, current_trace_var, get_aval, make_aval,
)
from ftrans.interpreters.batching import (
    batching_rules, defbroadcasting, defvectorized, move_batch_axis,
)
from ftrans.interpreters.jvp import (
    add_any_p,
    defjvp,
    defjvp_zero,
)
from ftrans.interpreters.linearize import (
    ANSWER, IDENTITY, NEGATE, PartialRules, PrimitivePartial, partial_rules,
)
from ftrans.interpreters.transpose import (
    NonLinearError, UndefPrimal, is_undefined, transpose_rules,
)
from ftrans.interpreters import staging, transpose
from ftrans.ir import JaxprEqn, Var
from ftrans.lax.elementwise_base import (  # noqa: F401  (coerce_scalars: ftrans.lax.elementwise.X)
    ANY, CONCRETE_ARRAYS, FLOAT, INEXACT_SCALARS, NUMERIC, REAL, REAL_FLOAT, bind_binary,
    binary_primitive, broadcast_shapes, check_kind, check_operand, coerce_scalars,
    unary_primitive, unbroadcast,
)
from ftrans.lax.casts import (  # noqa: F401  (ftrans.lax.elementwise.X)
    convert_element_type, convert_element_type_p, stop_gradient, stop_gradient_p,
)
from ftrans.lax.comparisons import (  # noqa: F401  (ftrans.lax.elementwise.X)
    and_p, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, eq_p, ge, ge_p, gt, gt_p,
    le, le_p, lt, lt_p, ne, ne_p, not_p, or_p, select, select_n, select_n_p, xor_p,
)
from ftrans.lax import structural
from ftrans.lax.complex_parts import complex  # noqa: F401, A004  (lax's name, re-exported)
from ftrans.lax.complex_parts import (  # noqa: F401  (ftrans.lax.elementwise.X)
    complex_dtype, complex_p, conj, conj_p, imag, imag_p, real, real_p,
)
from ftrans import zero_cotangent
from ftrans.zero_cotangent import zero_cotangent_enabled

__all__ = [
    "ANY", "FLOAT", "NUMERIC", "REAL", "REAL_FLOAT", "ROUND_AWAY_FROM_ZERO",
    "ROUND_TO_NEAREST_EVEN", "abs", "abs_p", "add", "add_any_p", "add_p", "and_p", "batching_rules",
    "binary_primitive", "bind_binary", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor",
    "broadcast_shapes", "cancellation_rules", "ceil", "ceil_p", "check_kind", "check_operand",
    "coerce_scalars", "complex", "complex_dtype", "complex_p", "conj", "conj_p",
    "convert_element_type", "convert_element_type_p", "cos", "cos_p", "defpartials", "div", "div_p",
    "eq", "eq_p",
    "exp", "exp_p", "expm1", "expm1_p", "float_const", "floor", "floor_p", "forwarding_rules", "ge",
    "ge_p", "gt", "gt_p", "imag", "imag_p", "integer_pow", "integer_pow_p", "le", "le_p", "log",
    "log1p", "log1p_p", "log_p", "logistic", "logistic_p", "lt", "lt_p", "max", "max_p", "min",
    "min_p", "mul", "mul_p", "ne", "ne_p", "neg", "neg_p", "not_p", "or_p", "pow", "pow_p", "real",
    "real_p", "rem", "rem_p", "rewrite_rules", "round", "round_p", "rsqrt", "rsqrt_p",
    "scalar_lowerings", "scaling_rules", "select", "select_n", "select_n_p", "sign", "sign_p",
    "sin", "sin_p", "sqrt", "sqrt_p", "stop_gradient", "stop_gradient_p", "sub", "sub_p", "tan",
    "tan_p", "tangent_div", "tangent_mul", "tanh", "tanh_p", "transpose_rules",
    "unary_primitive", "unbroadcast", "uniform_rules", "xor_p",
]


def tangent_mul(t: Any, partial: Any) -> Any:
    """A tangent (or anything linear in it) times a partial derivative: ``mul``, or
    ``mul_zero_wins`` in the zero-cotangent mode (ftrans.zero_cotangent). For jvp rules."""
    if zero_cotangent_enabled():
        return zero_cotangent.mul_zero_wins_p.bind(t, partial)
    return mul(t, partial)


def tangent_div(t: Any, denominator: Any) -> Any:
    """A tangent divided by a value: ``div``, or ``div_zero_wins`` in the zero-cotangent
    mode. For jvp rules."""
    if zero_cotangent_enabled():
        return zero_cotangent.div_zero_wins_p.bind(t, denominator)
    return div(t, denominator)


# ---------------------------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------------------------

neg_p = unary_primitive("neg", np.negative, NUMERIC)


def neg(x: Any) -> Any:
    """Elementwise ``-x``."""
    return neg_p.bind(check_operand(x, "lax.neg"))


def _negated(ct: Any) -> Any:
    """``neg(ct)``; on a NumPy array or scalar with the plain eval trace current (not
    debug_nans' checking one), what that runs there, without its layers."""
    if type(ct) in CONCRETE_ARRAYS and type(current_trace_var.get()) is EvalTrace:
        return neg_p.eager_impl(ct)
    return neg(ct)


transpose_rules[neg_p] = lambda ct, x: [_negated(ct)]
defvectorized(neg_p)
scalar_lowerings[neg_p] = "-{0}"
scaling_rules[neg_p] = scaling_by_minus_one
cancellation_rules[neg_p] = lambda eqn, inner: inner.inputs[0]
uniform_rules[neg_p] = lambda scalar: -scalar


add_p = binary_primitive("add", np.add, operator=operator.add)


def add(x: Any, y: Any) -> Any:
    """Elementwise ``x + y``."""
    return bind_binary(add_p, x, y)




def _add_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    return [unbroadcast(ct, x.aval) if is_undefined(x) else None,
            unbroadcast(ct, y.aval) if is_undefined(y) else None]


transpose_rules[add_p] = _add_transpose
defbroadcasting(add_p)
forwarding_rules[add_p] = forward_identity_element(0, either_side=True)
commutative.add(add_p)
uniform_binary.add(add_p)
scalar_lowerings[add_p] = "{0} + {1}"


def _add_any_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any]) -> tuple[Any, int]:
    # add_any's operands have one type: an unbatched operand is broadcast to the batch
    (x, y), (x_bdim, y_bdim) = args, bdims
    size = get_aval(x).shape[x_bdim] if x_bdim is not None else get_aval(y).shape[y_bdim]
    return add_any_p.bind(move_batch_axis(x, x_bdim, 0, size),
                          move_batch_axis(y, y_bdim, 0, size)), 0


batching_rules[add_any_p] = _add_any_batch
forwarding_rules[add_any_p] = forward_identity_element(0, either_side=True)
commutative.add(add_any_p)
scalar_lowerings[add_any_p] = "{0} + {1}"


sub_p = binary_primitive("sub", np.subtract, operator=operator.sub)


def sub(x: Any, y: Any) -> Any:
    """Elementwise ``x - y``."""
    return bind_binary(sub_p, x, y)




def _sub_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    return [unbroadcast(ct, x.aval) if is_undefined(x) else None,
            unbroadcast(_negated(ct), y.aval) if is_undefined(y) else None]


transpose_rules[sub_p] = _sub_transpose
defbroadcasting(sub_p)
forwarding_rules[sub_p] = forward_identity_element(0, either_side=False)
uniform_binary.add(sub_p)
scalar_lowerings[sub_p] = "{0} - {1}"


mul_p = binary_primitive("mul", np.multiply, ANY, operator=operator.mul)


def mul(x: Any, y: Any) -> Any:
    """Elementwise ``x * y``."""
    return bind_binary(mul_p, x, y)




def defpartials(prim: Primitive, *rules: Any, zero_wins: bool = False) -> None:
    """Define an elementwise ``prim``'s derivative by its partial derivatives, one per
    argument: ``rule(ans, *primals, **params)`` (a value), ``IDENTITY`` (a partial of one),
    ``NEGATE`` (minus one), ``ANSWER`` (the output), an int ``i`` (argument ``i``),
    ``PrimitivePartial(p, ...)`` (primitives applied in turn to the primals, which eager
    ``linearize`` runs without binding) or ``None`` (no dependence). The jvp rule sums
    ``tangent_i * partial_i`` (``tangent_mul`` with ``zero_wins``, for partials that may be
    infinite); ``linearize`` records the same terms directly (``partial_rules``)."""
    def contribution(rule: Any) -> Any:
        if rule is None:
            return None
        if rule is IDENTITY:
            return lambda g, ans, *primals, **params: g
        if rule is NEGATE:
            return lambda g, ans, *primals, **params: neg(g)
        product = tangent_mul if zero_wins else mul
        if rule is ANSWER:
            return lambda g, ans, *primals, **params: product(g, ans)
        if type(rule) is int:
            return lambda g, ans, *primals, **params: product(g, primals[rule])
        return lambda g, ans, *primals, **params: product(g, rule(ans, *primals, **params))

    defjvp(prim, *map(contribution, rules))
    partial_rules[prim] = PartialRules(
        rules, mul_p, neg_p, zero_cotangent.mul_zero_wins_p if zero_wins else None,
        zero_cotangent_enabled if zero_wins else None)


defpartials(neg_p, NEGATE)
defpartials(add_p, IDENTITY, IDENTITY)
defpartials(sub_p, IDENTITY, NEGATE)
defpartials(mul_p, 1, 0)


def _product_to(a: Any, b: Any, aval: ShapedArray) -> Any:
    """``unbroadcast(mul(a, b), aval)``; on two NumPy scalars of one inexact type with the
    eval trace current, what that runs there, without its checks and layers (eager grad's
    commonest transpose)."""
    if type(a) is type(b) and type(a) in INEXACT_SCALARS \
            and type(current_trace_var.get()) is EvalTrace:
        out = mul_p.eager_impl(a, b)
        if not aval.shape and type(out) in INEXACT_SCALARS:  # unbroadcast has nothing to sum
            return out
        return unbroadcast(out, aval)
    return unbroadcast(mul(a, b), aval)


def _mul_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    if type(x) is UndefPrimal:
        if type(y) is UndefPrimal:
            raise NonLinearError("mul of two linear values is not linear")
        return [_product_to(ct, y, x.aval), None]
    return [None, _product_to(x, ct, y.aval)]


transpose_rules[mul_p] = _mul_transpose
transpose.scalar_product = (mul_p, _mul_transpose, mul_p.eager_impl, INEXACT_SCALARS)
staging.same_type_product = mul_p
defbroadcasting(mul_p)
forwarding_rules[mul_p] = forward_identity_element(1, either_side=True)
commutative.add(mul_p)
uniform_binary.add(mul_p)
scalar_lowerings[mul_p] = "{0} * {1}"
scaling_rules[mul_p] = scaling_by_literal


def _ones_product_as_reshape(eqn: JaxprEqn, known: dict[Var, Any]) -> JaxprEqn:
    """``ones * x`` that only adds unit axes to ``x`` becomes a reshape (a view, no work)."""
    out_aval = eqn.outvars[0].aval
    for ones, other in (eqn.inputs, eqn.inputs[::-1]):
        if (type(other) is Var and other.aval.size == out_aval.size
                and other.aval.dtype == out_aval.dtype
                and is_constant(ones, 1, known)):
            return JaxprEqn(structural.reshape_p, [other], {"new_sizes": out_aval.shape},
                            eqn.outvars)
    return eqn


rewrite_rules[mul_p] = _ones_product_as_reshape


def _div_impl(x: Any, y: Any) -> Any:
    if np.result_type(x).kind in "iu":  # integer division rounds toward zero, as in C
        return (x - np.fmod(x, y)) // y
    return np.true_divide(x, y)


div_p = binary_primitive("div", _div_impl)


def div(x: Any, y: Any) -> Any:
    """Elementwise ``x / y``; on integers, rounds toward zero."""
    return bind_binary(div_p, x, y)


defjvp(div_p,
       lambda g, ans, x, y: tangent_div(g, y),
       lambda g, ans, x, y: tangent_mul(neg(g), div(ans, y)))


def _div_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    if is_undefined(y):
        raise NonLinearError("div is not linear in its denominator")
    return [unbroadcast(div(ct, y), x.aval), None]


transpose_rules[div_p] = _div_transpose
defbroadcasting(div_p)
forwarding_rules[div_p] = forward_identity_element(1, either_side=False)
uniform_binary.add(div_p)
scalar_lowerings[div_p] = "{0} / {1}"


rem_p = binary_primitive("rem", np.fmod, REAL)


def rem(x: Any, y: Any) -> Any:
    """Elementwise remainder with the sign of ``x`` (C's fmod)."""
    return bind_binary(rem_p, x, y)


defjvp(rem_p,
       lambda g, ans, x, y: g,
       lambda g, ans, x, y: mul(neg(g), mul(sign(div(x, y)), floor(abs(div(x, y))))))
defbroadcasting(rem_p)


max_p = binary_primitive("max", np.maximum, ANY)
min_p = binary_primitive("min", np.minimum, ANY)


def max(x: Any, y: Any) -> Any:  # noqa: A001  (lax's name; NumPy's is maximum)
    """Elementwise maximum; NaN if either is NaN."""
    return bind_binary(max_p, x, y)


def min(x: Any, y: Any) -> Any:  # noqa: A001
    """Elementwise minimum; NaN if either is NaN."""
    return bind_binary(min_p, x, y)


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
commutative.update((max_p, min_p))
uniform_binary.update((max_p, min_p))


def _pow_impl(x: Any, y: Any) -> Any:
    return np.power(x, y)


pow_p = binary_primitive("pow", _pow_impl, FLOAT)


def pow(x: Any, y: Any) -> Any:  # noqa: A001
    """Elementwise ``x ** y`` on floats."""
    return bind_binary(pow_p, x, y)


def _pow_jvp_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    dtype = get_aval(x).dtype
    zero = np.zeros((), dtype)
    # d/dx x**y = y * x**(y-1), taken as 0 where x == y == 0 (where it is 0 * inf) so that
    # x**0 has zero derivative at 0. Only there: elsewhere y * x**(y-1) is smooth in y, and
    # replacing it by a constant wherever y == 0 would lose its y-derivative, x**-1 (the
    # mixed second derivative of x**y at y == 0).
    # The unselected branch sees x = 1 there, so that its own derivatives (reached by
    # higher-order differentiation through the select) are finite and x**0 stays flat at 0 to
    # every order.
    one = np.ones((), dtype)
    both_zero = bitwise_and(eq(x, zero), eq(y, zero))
    safe_x = select_n(both_zero, x, one)
    jac = select_n(both_zero, mul(y, pow(safe_x, sub(y, one))), zero)
    return tangent_mul(g, jac)


def _pow_jvp_y(g: Any, ans: Any, x: Any, y: Any) -> Any:
    dtype = get_aval(x).dtype
    # log(x) * x**y, taken as 0 where x == 0 (x**y is flat in y there for y > 0)
    safe_x = select_n(eq(x, np.zeros((), dtype)), x, np.ones((), dtype))
    return tangent_mul(g, mul(log(safe_x), ans))


defjvp(pow_p, _pow_jvp_x, _pow_jvp_y)
defbroadcasting(pow_p)
uniform_binary.add(pow_p)
scalar_lowerings[pow_p] = "math.pow({0}, {1})"


def _integer_pow_impl(x: Any, y: int) -> Any:
    return np.power(x, y) if y >= 0 else np.reciprocal(np.power(x, -y))


integer_pow_p = unary_primitive("integer_pow", _integer_pow_impl, NUMERIC)


def _integer_pow_lowering(eqn: JaxprEqn) -> Any:
    """A real square is ``np.square``: what ``np.power(x, 2)`` computes (to the bit), in a
    third of its time."""
    if eqn.params["y"] == 2 and eqn.inputs[0].aval.dtype.kind == "f":
        return np.square
    return None


lowerings[integer_pow_p] = _integer_pow_lowering


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


def _integer_pow_scalar(args: list[str], y: int) -> str | None:
    if type(y) is not int:  # only a genuine int is written into the source
        return None
    if y == 2:
        return f"{args[0]} * {args[0]}"
    return f"{args[0]} ** {y}" if y > 0 else f"1.0 / {args[0]} ** {-y}"


scalar_lowerings[integer_pow_p] = _integer_pow_scalar


# ---------------------------------------------------------------------------------------------
# Math functions
# ---------------------------------------------------------------------------------------------


def float_const(value: float, like: Any) -> Any:
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


defpartials(exp_p, ANSWER, zero_wins=True)
defjvp(log_p, lambda g, ans, x: tangent_div(g, x))
defjvp(log1p_p, lambda g, ans, x: tangent_div(g, add(x, float_const(1, x))))
defpartials(expm1_p, lambda ans, x: add(ans, float_const(1, ans)), zero_wins=True)
defpartials(sin_p, PrimitivePartial(cos_p))
defpartials(cos_p, PrimitivePartial(sin_p, neg_p))
defpartials(tan_p, lambda ans, x: add(float_const(1, ans), mul(ans, ans)))
defpartials(tanh_p, lambda ans, x: sub(float_const(1, ans), mul(ans, ans)))
defpartials(logistic_p, lambda ans, x: mul(ans, sub(float_const(1, ans), ans)))
defjvp(sqrt_p, lambda g, ans, x: tangent_div(mul(g, float_const(0.5, ans)), ans))
defjvp(rsqrt_p, lambda g, ans, x: tangent_mul(g, mul(float_const(-0.5, ans), div(ans, x))))
for _prim in (exp_p, log_p, log1p_p, expm1_p, sin_p, cos_p, tan_p, tanh_p, logistic_p,
              sqrt_p, rsqrt_p):
    defvectorized(_prim)
for _prim, _lowering in ((exp_p, "math.exp({0})"), (log_p, "math.log({0})"),
                         (log1p_p, "math.log1p({0})"), (expm1_p, "math.expm1({0})"),
                         (sin_p, "math.sin({0})"), (cos_p, "math.cos({0})"),
                         (tan_p, "math.tan({0})"), (tanh_p, "math.tanh({0})"),
                         (logistic_p, "(1.0 / (1.0 + math.exp(-{0})))"),
                         (sqrt_p, "math.sqrt({0})"), (rsqrt_p, "1.0 / math.sqrt({0})")):
    scalar_lowerings[_prim] = _lowering
del _lowering


def _abs_abstract_eval(x: ShapedArray) -> ShapedArray:
    check_kind("abs", x, NUMERIC)
    if x.dtype.kind == "c":  # the magnitude of a complex number is real
        return make_aval(x.shape, np.finfo(x.dtype).dtype)
    return x


abs_p = Primitive("abs", impl=np.abs, abstract_eval=_abs_abstract_eval)
sign_p = unary_primitive("sign", np.sign, NUMERIC)
floor_p = unary_primitive("floor", np.floor, REAL_FLOAT)
ceil_p = unary_primitive("ceil", np.ceil, REAL_FLOAT)


def _round_impl(x: Any, rounding_method: int) -> Any:
    if rounding_method == 1:
        return np.round(x)
    return np.copysign(np.floor(np.abs(x) + 0.5), x)


round_p = unary_primitive("round", _round_impl, REAL_FLOAT)


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
scalar_lowerings[abs_p] = "abs({0})"
for _prim in (sign_p, floor_p, ceil_p, round_p):
    defjvp_zero(_prim)
for _prim in (abs_p, sign_p, floor_p, ceil_p, round_p):
    defvectorized(_prim)


del _prim
