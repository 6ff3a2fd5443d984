"""Elementwise primitives for numerical control: ``clamp``, ``cbrt``, ``reduce_precision``.

``clamp(min, x, max)`` follows lax's operand order and shape rule (``min`` and ``max`` are
scalars or shaped like ``x``); ``cbrt`` is the real cube root; ``reduce_precision`` rounds to a
narrower floating-point format (round to nearest even; too large becomes inf, below the
format's smallest normal becomes zero), the way mixed-precision code simulates it. Each
primitive is one block: primitive, wrapper, jvp, transpose, batching. See docs/internals.md,
"Primitives".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval
from ftrans.interpreters.batching import batching_rules, defvectorized, move_batch_axis
from ftrans.interpreters.jvp import defjvp, deflinear
from ftrans.lax.elementwise import (
    float_const, bitwise_and, check_operand, coerce_scalars, div, gt, lt, mul, select_n,
    unary_primitive,
)
from ftrans.lax.structural import broadcast_in_dim
from ftrans.lax.elementwise import integer_pow

__all__ = ["clamp", "clamp_p", "cbrt", "cbrt_p", "reduce_precision", "reduce_precision_p",
           "square"]


# ---------------------------------------------------------------------------------------------
# clamp
# ---------------------------------------------------------------------------------------------


def _clamp_abstract_eval(lo: ShapedArray, x: ShapedArray, hi: ShapedArray) -> ShapedArray:
    for name, bound in (("min", lo), ("max", hi)):
        if bound.dtype != x.dtype:
            raise TypeError(f"clamp: {name} has dtype {bound.dtype} but x has {x.dtype}; "
                            f"they must match")
        if bound.shape not in ((), x.shape):
            raise TypeError(f"clamp: {name} must be a scalar or shaped like x ({x.shape}), got "
                            f"shape {bound.shape}")
    if x.dtype.kind not in "biuf":
        raise TypeError(f"clamp needs real operands, got {x.str_short()}")
    return x


def _clamp_impl(lo: Any, x: Any, hi: Any) -> Any:
    return np.minimum(np.maximum(x, lo), hi)


clamp_p = Primitive("clamp", impl=_clamp_impl, abstract_eval=_clamp_abstract_eval)


def clamp(min: Any, x: Any, max: Any) -> Any:  # noqa: A002  (lax's argument names)
    """``x`` limited to ``[min, max]`` elementwise: ``minimum(maximum(x, min), max)``.

    ``min`` and ``max`` are scalars or arrays shaped like ``x``, of ``x``'s dtype (Python
    scalars take it). The derivative with respect to ``x`` is 1 strictly inside the interval,
    and 0 outside and on its ends; ``min`` (``max``) gets it where ``x`` is below (above).

    Raises:
      TypeError: bounds of another dtype, or of a shape other than () and ``x``'s.

    >>> import numpy as np
    >>> clamp(0.0, np.array([-1.0, 0.5, 2.0]), 1.0)
    array([0. , 0.5, 1. ])
    """
    lo, x, hi = coerce_scalars(check_operand(min, "lax.clamp"), check_operand(x, "lax.clamp"),
                               check_operand(max, "lax.clamp"))
    _clamp_abstract_eval(get_aval(lo), get_aval(x), get_aval(hi))  # checked eagerly too
    return clamp_p.bind(lo, x, hi)


def _zeros_where(keep: Any, g: Any) -> Any:
    return select_n(keep, np.zeros((), get_aval(g).dtype), g)


defjvp(clamp_p,
       lambda g, ans, lo, x, hi: _zeros_where(gt(lo, x), g),
       lambda g, ans, lo, x, hi: _zeros_where(bitwise_and(gt(x, lo), lt(x, hi)), g),
       lambda g, ans, lo, x, hi: _zeros_where(lt(hi, x), g))


def _clamp_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any]) -> tuple[Any, int]:
    # every operand to the full batched shape: the bounds may then be neither scalar nor
    # shaped like an unbatched x, which the shape rule would refuse
    size = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not None)
    x_shape = get_aval(args[1]).shape
    if bdims[1] is not None:
        x_shape = x_shape[:bdims[1]] + x_shape[bdims[1] + 1:]
    full = (size,) + x_shape
    out = []
    for a, d in zip(args, bdims):
        a = move_batch_axis(a, d, 0, size)
        shape = get_aval(a).shape
        if shape != full:  # a scalar bound: (size,) -> (size, *x_shape)
            a = broadcast_in_dim(a, full, (0,))
        out.append(a)
    return clamp_p.bind(*out), 0


batching_rules[clamp_p] = _clamp_batch


# ---------------------------------------------------------------------------------------------
# cbrt
# ---------------------------------------------------------------------------------------------

cbrt_p = unary_primitive("cbrt", np.cbrt)


def cbrt(x: Any) -> Any:
    """Elementwise real cube root (negative for negative ``x``).

    >>> import numpy as np
    >>> cbrt(np.array([-8.0, 27.0]))
    array([-2.,  3.])
    """
    return cbrt_p.bind(check_operand(x, "lax.cbrt"))


defjvp(cbrt_p, lambda g, ans, x: mul(g, div(float_const(1 / 3, ans), mul(ans, ans))))
defvectorized(cbrt_p)


def square(x: Any) -> Any:
    """Elementwise ``x * x`` (``integer_pow(x, 2)``).

    >>> square(3.0)
    np.float64(9.0)
    """
    return integer_pow(check_operand(x, "lax.square"), 2)


# ---------------------------------------------------------------------------------------------
# reduce_precision
# ---------------------------------------------------------------------------------------------

_FORMATS = {  # dtype: (unsigned type of its width, exponent bits, mantissa bits)
    np.dtype(np.float64): (np.uint64, 11, 52),
    np.dtype(np.float32): (np.uint32, 8, 23),
    np.dtype(np.float16): (np.uint16, 5, 10),
}


def _reduce_precision_impl(x: Any, exponent_bits: int, mantissa_bits: int) -> Any:
    x = np.asarray(x)
    uint, exp_bits, mant_bits = _FORMATS[x.dtype]
    bits = x.view(uint)
    if mantissa_bits < mant_bits:
        shift = uint(mant_bits - mantissa_bits)
        one = uint(1)
        # round half to even: add just under half a unit, plus one if the kept last bit is odd
        bias = (one << (shift - one)) - one + ((bits >> shift) & one)
        rounded = (bits + bias) & ~((one << shift) - one)
        bits = np.where(np.isnan(x), bits, rounded)
    y = bits.view(x.dtype)
    if exponent_bits < exp_bits:
        max_exponent = 2 ** (exponent_bits - 1) - 1
        magnitude = np.abs(y)
        too_big = magnitude >= np.ldexp(np.ones((), x.dtype), max_exponent + 1)
        too_small = magnitude < np.ldexp(np.ones((), x.dtype), 1 - max_exponent)
        y = np.where(too_big & np.isfinite(y), np.copysign(np.inf, y).astype(x.dtype), y)
        y = np.where(too_small, np.copysign(np.zeros((), x.dtype), y), y)
    return y[()] if y.ndim == 0 else y


def _reduce_precision_abstract_eval(x: ShapedArray, exponent_bits: int,
                                    mantissa_bits: int) -> ShapedArray:
    if x.dtype not in _FORMATS:
        raise TypeError(f"reduce_precision needs a float16/32/64 operand, got "
                        f"{x.str_short()}")
    return x


reduce_precision_p = Primitive("reduce_precision", impl=_reduce_precision_impl,
                               abstract_eval=_reduce_precision_abstract_eval)


def reduce_precision(operand: Any, exponent_bits: int, mantissa_bits: int) -> Any:
    """``operand`` rounded to a floating-point format with ``exponent_bits`` exponent bits and
    ``mantissa_bits`` explicit mantissa bits, keeping its dtype: round to nearest even,
    overflow to inf, below the format's smallest normal to zero. The derivative rounds the
    tangent the same way.

    Raises:
      ValueError: ``exponent_bits < 1`` or ``mantissa_bits < 0``. TypeError: a non-float
        operand.

    >>> import numpy as np
    >>> reduce_precision(np.array([3.14159, 70000.0]), exponent_bits=5, mantissa_bits=10)
    array([3.140625,      inf])
    """
    if type(check_operand(operand, "lax.reduce_precision")) in (int, float):
        operand = np.float64(operand)
    for name, value, low in (("exponent_bits", exponent_bits, 1),
                             ("mantissa_bits", mantissa_bits, 0)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise ValueError(f"reduce_precision: {name} must be an int >= {low}, got "
                             f"{value!r}")
    _reduce_precision_abstract_eval(get_aval(operand), int(exponent_bits), int(mantissa_bits))
    return reduce_precision_p.bind(operand, exponent_bits=int(exponent_bits),
                                   mantissa_bits=int(mantissa_bits))


deflinear(reduce_precision_p, transpose=lambda ct, x, **params: [
    reduce_precision_p.bind(ct, **params)])
defvectorized(reduce_precision_p)
