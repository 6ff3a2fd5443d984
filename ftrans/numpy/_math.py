"""Elementwise NumPy functions that lax has no single primitive for, composed of several.

floor_divide / remainder / divmod follow NumPy's C code (``npy_divmod``) step by step, so
results agree with NumPy to the bit, signed zeros included. Functions with a singular point in
one branch (logaddexp, hypot) select a safe argument there, so derivatives stay finite.
See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import Tracer, get_aval
from ftrans.numpy._elementwise import maximum, minimum, to_bool
from ftrans.numpy._promotion import asarray_leaf, cast, resolve, result_type
from ftrans.numpy._axes import check_no_out
from ftrans.numpy._complex_parts import (
    complex_arcsin, one_minus, real_scale, shifted, times_i, times_minus_i,
)
from ftrans.numpy._reductions import all as all_


_LN2 = float(np.log(2.0))


def const_like(value: Any, like: Any) -> Any:
    """``value`` as a NumPy scalar of ``like``'s dtype."""
    return np.asarray(value, dtype=get_aval(like).dtype)[()]


def promoted_operands(ufunc: np.ufunc, *args: Any) -> list[Any]:
    """``args`` cast to the input dtypes NumPy's ``ufunc`` uses for them."""
    arrays = [asarray_leaf(a) for a in args]
    dtypes = resolve(ufunc, *arrays)
    return [cast(a, d) for a, d in zip(arrays, dtypes)]


def _constant_like(value: Any, x: Any, dtype: Any = bool) -> Any:
    """A constant array of ``x``'s shape (it does not depend on ``x``'s values)."""
    out = np.full(get_aval(x).shape, value, dtype=dtype)
    return out if out.ndim else out[()]


def in_float32(fn: Any, *args: Any) -> Any:
    """NumPy computes some float16 functions in float32 and rounds the result."""
    dtype = get_aval(args[0]).dtype
    if dtype != np.float16:
        return fn(*args)
    out = fn(*[lax.convert_element_type(a, np.float32) for a in args])
    if isinstance(out, tuple):
        return tuple(lax.convert_element_type(o, dtype) for o in out)
    return lax.convert_element_type(out, dtype)


# ---------------------------------------------------------------------------------------------
# Classification: isnan, isinf, isfinite, signbit
# ---------------------------------------------------------------------------------------------


def isnan(x: Any, /) -> Any:
    """Elementwise test for NaN (``x != x``); integers are never NaN."""
    (x,) = promoted_operands(np.isnan, x)
    if get_aval(x).dtype.kind not in "fc":
        return _constant_like(False, x)
    return lax.ne(x, x)


def isinf(x: Any, /) -> Any:
    """Elementwise test for positive or negative infinity."""
    (x,) = promoted_operands(np.isinf, x)
    if get_aval(x).dtype.kind not in "fc":
        return _constant_like(False, x)
    magnitude = lax.abs(x)  # a complex number is infinite when either part is
    return lax.eq(magnitude, const_like(np.inf, magnitude))


def isfinite(x: Any, /) -> Any:
    """Elementwise test for values that are neither infinite nor NaN (``x - x == 0``)."""
    (x,) = promoted_operands(np.isfinite, x)
    if get_aval(x).dtype.kind not in "fc":
        return _constant_like(True, x)
    return lax.eq(lax.sub(x, x), const_like(0, x))


def sign_bit(x: Any) -> Any:
    """The sign bit of a float array, -0.0 included (through ``1 / x``). The sign of a NaN is
    not observable with lax primitives: NaNs read as positive."""
    x = lax.stop_gradient(x)
    zero = const_like(0, x)
    with np.errstate(divide="ignore"):
        negative_zero = lax.bitwise_and(lax.eq(x, zero), lax.lt(lax.div(const_like(1, x), x), zero))
    return lax.bitwise_or(lax.lt(x, zero), negative_zero)


def signbit(x: Any, /) -> Any:
    """Elementwise: whether the sign bit is set (true for -0.0; NaNs read as positive)."""
    (x,) = promoted_operands(np.signbit, x)
    kind = get_aval(x).dtype.kind
    if kind == "u" or kind == "b":
        return _constant_like(False, x)
    if kind == "i":
        return lax.lt(x, const_like(0, x))
    return sign_bit(x)


def copysign(x1: Any, x2: Any, /) -> Any:
    """Elementwise ``|x1|`` with the sign of ``x2`` (NaNs in ``x2`` read as positive)."""
    x1, x2 = promoted_operands(np.copysign, x1, x2)
    magnitude = lax.abs(x1)
    return lax.select_n(sign_bit(x2), magnitude, lax.neg(magnitude))


def _copysign_zero(sign_of: Any) -> Any:
    """``copysign(0, sign_of)``: +0.0 or -0.0."""
    return lax.select_n(sign_bit(sign_of), const_like(0.0, sign_of), const_like(-0.0, sign_of))


# ---------------------------------------------------------------------------------------------
# Floor division and remainders
# ---------------------------------------------------------------------------------------------


def _float_divmod(a: Any, b: Any) -> tuple[Any, Any]:
    """NumPy's ``npy_divmod`` for floats: (floor(a / b), a mod b with the sign of b)."""
    zero = const_like(0, a)
    mod = lax.rem(a, b)
    div = lax.div(lax.sub(a, mod), b)
    quotient = lax.div(a, b)
    mod_nonzero = lax.ne(mod, zero)
    signs_differ = lax.ne(lax.lt(b, zero), lax.lt(mod, zero))
    adjust = lax.bitwise_and(mod_nonzero, signs_differ)
    # the remainder takes the divisor's sign; an exact zero takes it too
    mod = lax.select_n(adjust, mod, lax.add(mod, b))
    # (minus a zero-valued difference: the derivative stays rem's at exact multiples, as JAX)
    exact = lax.sub(_copysign_zero(b), lax.sub(lax.stop_gradient(mod), mod))
    mod = lax.select_n(mod_nonzero, exact, mod)
    div = lax.select_n(adjust, div, lax.sub(div, const_like(1, div)))
    # snap the quotient to the nearest integer; a zero quotient takes the sign of a / b
    floordiv = lax.floor(div)
    round_up = lax.gt(lax.sub(div, floordiv), const_like(0.5, div))
    floordiv = lax.select_n(round_up, floordiv, lax.add(floordiv, const_like(1, div)))
    floordiv = lax.select_n(lax.ne(div, zero), _copysign_zero(quotient), floordiv)
    # b == 0: the quotient is a / b (inf or nan) and the remainder fmod's nan
    b_zero = lax.eq(b, zero)
    floordiv = lax.select_n(b_zero, floordiv, quotient)
    mod = lax.select_n(b_zero, mod, lax.rem(a, b))
    return floordiv, mod


def _int_divmod(a: Any, b: Any) -> tuple[Any, Any]:
    """Floor division and modulo of integers (division by zero gives 0, as in NumPy)."""
    zero = const_like(0, a)
    quotient = lax.div(a, b)  # rounds toward zero
    rem = lax.rem(a, b)
    adjust = lax.bitwise_and(lax.ne(rem, zero),
                             lax.ne(lax.lt(rem, zero), lax.lt(b, zero)))
    floordiv = lax.select_n(adjust, quotient, lax.sub(quotient, const_like(1, a)))
    mod = lax.select_n(adjust, rem, lax.add(rem, b))
    return floordiv, mod


def _divmod(ufunc: np.ufunc, x1: Any, x2: Any) -> tuple[Any, Any]:
    a, b = promoted_operands(ufunc, x1, x2)
    kind = get_aval(a).dtype.kind
    if kind == "c":
        raise TypeError(f"{ufunc.__name__} is not defined for complex numbers")
    # x // 0 is inf or nan (0 for integers) as in NumPy, without warnings from the steps
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind in "iu":
            return _int_divmod(a, b)
        return in_float32(_float_divmod, a, b)


def floor_divide(x1: Any, x2: Any, /) -> Any:
    """Elementwise ``x1 // x2``: the largest integer not above ``x1 / x2`` (NumPy's rounding).
    Its derivative is zero.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.floor_divide(np.array([7.0, -7.0, 7.0]), np.array([2.0, 2.0, -0.0]))
    array([  3.,  -4., -inf])
    """
    return _divmod(np.floor_divide, x1, x2)[0]


def remainder(x1: Any, x2: Any, /) -> Any:
    """Elementwise ``x1 % x2`` with the sign of ``x2`` (Python's modulo)."""
    return _divmod(np.remainder, x1, x2)[1]


def divmod(x1: Any, x2: Any, /) -> tuple[Any, Any]:  # noqa: A001
    """``(floor_divide(x1, x2), remainder(x1, x2))``."""
    return _divmod(np.divmod, x1, x2)


def fmod(x1: Any, x2: Any, /) -> Any:
    """Elementwise remainder with the sign of ``x1`` (C's ``fmod``)."""
    a, b = promoted_operands(np.fmod, x1, x2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return lax.rem(a, b)


mod = remainder

# ---------------------------------------------------------------------------------------------
# Selection and clipping
# ---------------------------------------------------------------------------------------------


def where(condition: Any, x: Any = None, y: Any = None, *, size: int | None = None,
          fill_value: Any = None) -> Any:
    """Elementwise ``x`` where ``condition`` is true, else ``y``; shapes broadcast and the
    dtype is NumPy's result type of ``x`` and ``y``.

    With only ``condition`` this is :func:`nonzero`, whose output shape depends on the
    values: it needs a concrete condition, or a static ``size`` (padded with ``fill_value``).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.where(np.array([True, False]), 1.0, np.array([5.0, 6.0]))
    array([1., 6.])
    """
    if x is None and y is None:
        from ftrans.numpy._indexing import nonzero  # cycle: numpy._indexing imports numpy._math
        return nonzero(condition, size=size, fill_value=fill_value)
    if size is not None or fill_value is not None:
        raise ValueError("where: size and fill_value apply only to where(condition) alone")
    if x is None or y is None:
        raise ValueError("where: either both or neither of x and y should be given")
    which = to_bool(condition)
    x, y = asarray_leaf(x), asarray_leaf(y)
    dtype = result_type(x, y)
    return lax.select_n(which, cast(y, dtype), cast(x, dtype))


def clip(a: Any, a_min: Any = None, a_max: Any = None, *, min: Any = None,  # noqa: A002
         max: Any = None) -> Any:  # noqa: A002
    """``a`` limited to ``[a_min, a_max]`` (either bound may be None; ``min`` / ``max`` are
    NumPy 2's names). NaNs propagate; at a bound the derivative is split evenly.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> [float(ft.grad(lambda x: fnp.clip(x, max=1.0))(x)) for x in (0.5, 1.0, 2.0)]
    [1.0, 0.5, 0.0]
    """
    if min is not None:
        if a_min is not None:
            raise TypeError("clip: pass the lower bound as a_min or min, not both")
        a_min = min
    if max is not None:
        if a_max is not None:
            raise TypeError("clip: pass the upper bound as a_max or max, not both")
        a_max = max
    out = asarray_leaf(a)
    if a_min is None and a_max is None:
        return out
    if a_min is not None and a_max is not None:
        # the clip ufunc is public only as numpy._core.umath.clip, which the stubs omit
        dtype = resolve(np._core.umath.clip, out, asarray_leaf(a_min), asarray_leaf(a_max))[0]  # pyright: ignore[reportAttributeAccessIssue]
        out = cast(out, dtype)
    if a_min is not None:
        out = maximum(out, a_min)
    if a_max is not None:
        out = minimum(out, a_max)
    return out


def around(a: Any, decimals: int = 0, out: Any = None) -> Any:
    """``a`` rounded to ``decimals`` decimal places, halves to even (NumPy's rule: scale by a
    power of ten, ``rint``, scale back). Integers with ``decimals < 0`` round in float64."""
    check_no_out(out, "round")
    a = asarray_leaf(a)
    dtype = result_type(a)
    decimals = int(decimals)
    if dtype.kind == "c":  # each part rounded on its own, as in NumPy
        a = cast(a, dtype)
        return lax.complex(around(lax.real(a), decimals), around(lax.imag(a), decimals))
    if dtype.kind in "biu":
        if decimals >= 0:
            return cast(a, dtype)
        x = cast(a, np.dtype(np.float64))
    else:
        x = cast(a, dtype)
    even = lax.ROUND_TO_NEAREST_EVEN
    if decimals == 0:
        rounded = lax.round(x, even)
    elif decimals > 0:
        scale = const_like(10.0 ** decimals, x)
        rounded = lax.div(lax.round(lax.mul(x, scale), even), scale)
    else:
        scale = const_like(10.0 ** -decimals, x)
        rounded = lax.mul(lax.round(lax.div(x, scale), even), scale)
    return cast(rounded, dtype)


round = around  # noqa: A001  (NumPy's name)

# ---------------------------------------------------------------------------------------------
# Numerically careful functions
# ---------------------------------------------------------------------------------------------


def logaddexp(x1: Any, x2: Any, /) -> Any:
    """Elementwise ``log(exp(x1) + exp(x2))`` without overflow:
    ``max(x1, x2) + log1p(exp(-|x1 - x2|))``."""
    x, y = promoted_operands(np.logaddexp, x1, x2)
    return in_float32(_logaddexp, x, y, 1.0)


def logaddexp2(x1: Any, x2: Any, /) -> Any:
    """Elementwise ``log2(2**x1 + 2**x2)`` without overflow."""
    x, y = promoted_operands(np.logaddexp2, x1, x2)
    return in_float32(_logaddexp, x, y, _LN2)


def _logaddexp(x: Any, y: Any, ln_base: float) -> Any:
    # big + log1p(exp(small - big)), with big and small picked by a strict comparison (x is
    # big at a tie): each branch is smooth in (x, y), so derivatives of every order are exact
    # at x == y too (splitting max's derivative at the tie is right to first order only).
    # Where x and y are the same infinity small - big is NaN: use 0 (x + log(2) is x).
    x_big = lax.ge(x, y)
    big, small = lax.select_n(x_big, y, x), lax.select_n(x_big, x, y)
    delta = lax.sub(small, big)
    same_infinity = lax.bitwise_and(lax.eq(x, y), lax.eq(lax.abs(x), const_like(np.inf, x)))
    delta = lax.select_n(same_infinity, delta, const_like(0, delta))
    correction = lax.log1p(lax.exp(lax.mul(delta, const_like(ln_base, delta))))
    return lax.add(big, lax.div(correction, const_like(ln_base, delta)))


def hypot(x1: Any, x2: Any, /) -> Any:
    """Elementwise ``sqrt(x1**2 + x2**2)`` without overflow or underflow:
    ``big * sqrt(1 + (small / big)**2)``; infinite if either is infinite."""
    x, y = promoted_operands(np.hypot, x1, x2)
    return in_float32(_hypot, x, y)


def _hypot(x: Any, y: Any) -> Any:
    ax, ay = lax.abs(x), lax.abs(y)
    # big and small by a strict comparison (|x| is big at a tie), not max / min: each branch
    # is smooth, so second derivatives are exact at |x| == |y| too (max / min split their
    # derivative at a tie, which is right to first order only)
    x_big = lax.ge(ax, ay)
    big, small = lax.select_n(x_big, ay, ax), lax.select_n(x_big, ax, ay)
    zero = lax.eq(big, const_like(0, big))
    safe_big = lax.select_n(zero, big, const_like(1, big))
    ratio = lax.div(small, safe_big)
    out = lax.mul(safe_big, lax.sqrt(lax.add(const_like(1, big), lax.mul(ratio, ratio))))
    out = lax.select_n(zero, out, const_like(0, big))
    either_nan = lax.bitwise_or(lax.ne(ax, ax), lax.ne(ay, ay))
    out = lax.select_n(either_nan, out, const_like(np.nan, big))
    inf = const_like(np.inf, big)
    return lax.select_n(lax.bitwise_or(lax.eq(ax, inf), lax.eq(ay, inf)), out, inf)


def heaviside(x1: Any, x2: Any, /) -> Any:
    """Elementwise step function: 0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where
    ``x1 > 0`` (NaN where ``x1`` is NaN)."""
    x, h = promoted_operands(np.heaviside, x1, x2)
    zero, one = const_like(0, x), const_like(1, x)
    out = lax.select_n(lax.lt(x, zero), lax.select_n(lax.gt(x, zero), h, one), zero)
    return lax.select_n(lax.ne(x, x), out, x)


def nan_to_num(x: Any, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Any:
    """``x`` with NaN replaced by ``nan``, infinities by ``posinf`` / ``neginf`` (default: the
    largest finite values of the dtype). Integers are returned unchanged."""
    x = asarray_leaf(x)
    if type(x) in (bool, int, float, complex):
        x = np.asarray(x)[()]
    dtype = get_aval(x).dtype
    if dtype.kind == "c":  # each part on its own, as in NumPy
        return lax.complex(nan_to_num(lax.real(x), copy, nan, posinf, neginf),
                           nan_to_num(lax.imag(x), copy, nan, posinf, neginf))
    if dtype.kind != "f":
        return x
    info = np.finfo(dtype)
    posinf = float(info.max) if posinf is None else posinf
    neginf = float(info.min) if neginf is None else neginf
    out = lax.select_n(lax.ne(x, x), x, const_like(nan, x))
    out = lax.select_n(lax.eq(x, const_like(np.inf, x)), out, const_like(posinf, x))
    return lax.select_n(lax.eq(x, const_like(-np.inf, x)), out, const_like(neginf, x))


# ---------------------------------------------------------------------------------------------
# More exponentials, logarithms and hyperbolic functions
# ---------------------------------------------------------------------------------------------


def _float_unary(ufunc: np.ufunc, body: Any, doc: str) -> Any:
    """The public function applying ``body`` to ``x`` cast to ``ufunc``'s input dtype (float16
    is computed in float32, as NumPy does)."""
    def fn(x: Any, /) -> Any:
        (x,) = promoted_operands(ufunc, x)
        return in_float32(body, x)
    fn.__name__ = fn.__qualname__ = ufunc.__name__
    fn.__doc__ = doc + "\n\nIntegers are computed in float64, float16 in float32, as in NumPy."
    return fn


def odd_extension(f: Any, x: Any) -> Any:
    """``f(x)`` for x >= 0 and ``-f(-x)`` below: the formulas below are accurate for x >= 0,
    and at 0 the derivative is taken from the right (f'(0)) rather than lost to ``|x|``."""
    negative = lax.lt(x, const_like(0, x))
    out = f(lax.select_n(negative, x, lax.neg(x)))
    return lax.select_n(negative, out, lax.neg(out))


def _exp2(x: Any) -> Any:
    return lax.pow(const_like(2, x), x)


def _real_times(x: Any, factor: float) -> Any:
    if get_aval(x).dtype.kind == "c":
        return real_scale(x, factor)
    return lax.mul(x, const_like(factor, x))


def _log2(x: Any) -> Any:
    return _real_times(lax.log(x), 1 / _LN2)


def _log10(x: Any) -> Any:
    return _real_times(lax.log(x), 1 / np.log(10.0))


def _sinh(x: Any) -> Any:
    if get_aval(x).dtype.kind == "c":  # -i sin(i z): exact swaps of parts around sin
        return times_minus_i(lax.sin(times_i(x)))
    return lax.mul(lax.sub(lax.expm1(x), lax.expm1(lax.neg(x))), const_like(0.5, x))


def _cosh(x: Any) -> Any:
    if get_aval(x).dtype.kind == "c":  # cos(i z)
        return lax.cos(times_i(x))
    ln2 = const_like(_LN2, x)
    return lax.add(lax.exp(lax.sub(x, ln2)), lax.exp(lax.sub(lax.neg(x), ln2)))


def _large(x: Any) -> tuple[Any, Any]:
    """(where x**2 would lose x or overflow, the asymptotic ``log(2x) = log(x) + ln 2`` there).
    Both branches of each select get safe inputs, so neither sends NaN into derivatives."""
    big = lax.gt(x, const_like(2.0 ** 28, x))
    safe = lax.select_n(big, const_like(2.0 ** 28, x), x)
    return big, lax.add(lax.log(safe), const_like(_LN2, x))


def _complex_or(real_body: Any, complex_body: Any) -> Any:
    """``complex_body`` for complex operands (the principal-branch formula, holomorphic, so
    its derivative is the complex derivative), ``real_body`` otherwise."""
    return lambda x: complex_body(x) if get_aval(x).dtype.kind == "c" else real_body(x)


def _complex_arcsinh(z: Any) -> Any:
    # arcsinh(z) = -i arcsin(i z)
    return times_minus_i(complex_arcsin(times_i(z)))


def _complex_arccosh(z: Any) -> Any:
    # log(z + sqrt(z + 1) sqrt(z - 1)): two square roots keep the principal branch
    roots = lax.mul(lax.sqrt(shifted(z, 1.0)), lax.sqrt(shifted(z, -1.0)))
    return lax.log(lax.add(z, roots))


def _arcsinh_nonnegative(a: Any) -> Any:
    one = const_like(1, a)
    big, asymptotic = _large(a)
    a_small = lax.select_n(big, a, one)
    sq = lax.mul(a_small, a_small)
    # log(a + sqrt(a^2 + 1)) = log1p(a + a^2 / (1 + sqrt(a^2 + 1))): no cancellation near 0
    out = lax.log1p(lax.add(a_small, lax.div(sq, lax.add(one, lax.sqrt(lax.add(sq, one))))))
    return lax.select_n(big, out, asymptotic)


def _arccosh(x: Any) -> Any:
    one = const_like(1, x)
    big, asymptotic = _large(x)
    x_small = lax.select_n(big, x, one)
    out = lax.log(lax.add(x_small, lax.sqrt(lax.sub(lax.mul(x_small, x_small), one))))
    return lax.select_n(big, out, asymptotic)


def _arctanh(x: Any) -> Any:
    if get_aval(x).dtype.kind == "c":
        # (log(1 + z) - log(1 - z)) / 2, with the signs of zero parts kept on the cuts, and
        # log1p(2z / (1 - z)) / 2 near 0 (no cancellation there, and no cut)
        with np.errstate(divide="ignore", invalid="ignore"):
            near = lax.log1p(lax.div(lax.add(x, x), one_minus(x)))
            far = lax.sub(lax.log(shifted(x, 1.0)), lax.log(one_minus(x)))
            small = lax.lt(lax.abs(x), np.asarray(0.5, np.finfo(get_aval(x).dtype).dtype)[()])
            return real_scale(lax.select_n(small, far, near), 0.5)
    one = const_like(1, x)
    with np.errstate(divide="ignore"):
        return lax.mul(lax.log1p(lax.div(lax.add(x, x), lax.sub(one, x))), const_like(0.5, x))


def _cbrt_nonnegative(a: Any) -> Any:
    return lax.pow(a, const_like(1 / 3, a))


def _scale(factor: float) -> Any:
    return lambda x: lax.mul(x, const_like(factor, x))


exp2 = _float_unary(np.exp2, _exp2, "Elementwise ``2 ** x`` (exact at integers).")
log2 = _float_unary(np.log2, _log2, "Elementwise base-2 logarithm.")
log10 = _float_unary(np.log10, _log10, "Elementwise base-10 logarithm.")
sinh = _float_unary(np.sinh, _sinh, "Elementwise hyperbolic sine, ``(expm1(x) - expm1(-x)) / "
                    "2`` (accurate near 0).")
cosh = _float_unary(np.cosh, _cosh, "Elementwise hyperbolic cosine, ``exp(x - ln 2) + "
                    "exp(-x - ln 2)`` (no early overflow).")
arcsinh = _float_unary(np.arcsinh, _complex_or(lambda x: odd_extension(_arcsinh_nonnegative, x),
                                               _complex_arcsinh),
                       "Elementwise inverse hyperbolic sine, without cancellation or overflow.")
arccosh = _float_unary(np.arccosh, _complex_or(_arccosh, _complex_arccosh),
                       "Elementwise inverse hyperbolic cosine, ``log(x + sqrt(x**2 - 1))`` "
                       "(asymptotic for large x).")
arctanh = _float_unary(np.arctanh, _arctanh, "Elementwise inverse hyperbolic tangent, "
                       "``log1p(2x / (1 - x)) / 2``.")
cbrt = _float_unary(np.cbrt, lambda x: odd_extension(_cbrt_nonnegative, x),
                    "Elementwise real cube root.")
deg2rad = _float_unary(np.deg2rad, _scale(np.pi / 180), "Elementwise degrees to radians.")
rad2deg = _float_unary(np.rad2deg, _scale(180 / np.pi), "Elementwise radians to degrees.")
radians, degrees = deg2rad, rad2deg
asinh, acosh, atanh = arcsinh, arccosh, arctanh  # NumPy 2's array-API names

# ---------------------------------------------------------------------------------------------
# Approximate equality
# ---------------------------------------------------------------------------------------------


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Any:
    """Elementwise ``|a - b| <= atol + rtol * |b|``; infinities are close only to themselves."""
    a, b = asarray_leaf(a), asarray_leaf(b)
    dtype = result_type(a, b, 1.0)
    a, b = cast(a, dtype), cast(b, dtype)
    diff = lax.abs(lax.sub(a, b))
    with np.errstate(invalid="ignore"):
        close = lax.le(diff, lax.add(const_like(atol, diff),
                                     lax.mul(const_like(rtol, diff), lax.abs(b))))
    finite = lax.bitwise_and(isfinite(a), isfinite(b))
    out = lax.select_n(finite, lax.eq(a, b), close)
    if equal_nan:
        out = lax.bitwise_or(out, lax.bitwise_and(lax.ne(a, a), lax.ne(b, b)))
    return out


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> Any:
    """Whether every element of ``a`` is close to ``b`` (see :func:`isclose`)."""
    out = all_(isclose(a, b, rtol, atol, equal_nan))
    return out if isinstance(out, Tracer) else bool(out)


# Listed literally (not appended as the functions are made) so that type checkers and editors
# see every name `from ftrans.numpy._math import *` brings in.
__all__ = [
    "isnan", "isinf", "isfinite", "signbit", "copysign", "floor_divide", "remainder", "divmod",
    "fmod", "mod", "where", "clip", "around", "round", "logaddexp", "logaddexp2", "hypot",
    "heaviside", "nan_to_num", "exp2", "log2", "log10", "sinh", "cosh", "arcsinh", "arccosh",
    "arctanh", "cbrt", "deg2rad", "rad2deg", "radians", "degrees", "asinh", "acosh", "atanh",
    "isclose", "allclose",
]
