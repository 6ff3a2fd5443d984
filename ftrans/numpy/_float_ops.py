"""Floating-point functions beyond the basic ufuncs: fmax/fmin, frexp/ldexp, nextafter/spacing,
modf, isposinf/isneginf, sinc and the modified Bessel function i0.

lax has no bit-level view of floats, so the exponent-and-mantissa functions work with powers of
two: ``frexp`` finds the exponent from ``log2`` and corrects it by one step either way, and
multiplications by ``2**k`` are split in two halves so that no intermediate power overflows or
underflows (``2**-1074`` and ``2**1023`` are both representable, ``2**1074`` is not). Results
agree with NumPy to the bit, subnormals included. See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import get_aval
from ftrans.numpy._math import const_like, promoted_operands, copysign
from ftrans.numpy._promotion import asarray_strong, cast
from ftrans.numpy._elementwise import trunc
from ftrans.numpy._axes import check_no_out

__all__ = ["fmax", "fmin", "frexp", "ldexp", "nextafter", "spacing", "modf", "isposinf",
           "isneginf", "sinc", "i0"]


def _isnan(x: Any) -> Any:
    return lax.ne(x, x)


def fmax(x1: Any, x2: Any, /) -> Any:
    """Elementwise maximum that ignores NaNs: a NaN loses against a number (NaN only where
    both are NaN). At ties the derivative is split evenly, as for ``maximum``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.fmax(np.array([1.0, np.nan, np.nan]), np.array([np.nan, 2.0, np.nan]))
    array([ 1.,  2., nan])
    """
    return _nan_ignoring(np.fmax, lax.max, x1, x2)


def fmin(x1: Any, x2: Any, /) -> Any:
    """Elementwise minimum that ignores NaNs (see :func:`fmax`).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.fmin(np.array([1.0, np.nan]), np.array([np.nan, 2.0]))
    array([1., 2.])
    """
    return _nan_ignoring(np.fmin, lax.min, x1, x2)


def _nan_ignoring(ufunc: np.ufunc, extremum: Any, x1: Any, x2: Any) -> Any:
    x, y = promoted_operands(ufunc, x1, x2)
    out = extremum(x, y)
    if get_aval(out).dtype.kind not in "fc":
        return out
    out = lax.select_n(_isnan(y), out, x)
    return lax.select_n(_isnan(x), out, y)


def _pow2(k: Any, like: Any) -> Any:
    """``2.0 ** k`` for integer-valued ``k`` in ``like``'s float dtype, as two factors whose
    product is the power (each factor stays in range where the product does)."""
    dtype = get_aval(like).dtype
    k = cast(k, dtype)
    half = lax.floor(lax.mul(k, const_like(0.5, k)))
    two = const_like(2.0, k)
    return lax.pow(two, half), lax.pow(two, lax.sub(k, half))


def _scale(x: Any, k: Any) -> Any:
    """``x * 2**k`` without intermediate overflow or underflow."""
    a, b = _pow2(k, x)
    return lax.mul(lax.mul(x, a), b)


def _exponent(x: Any) -> tuple[Any, Any]:
    """(float exponent e, whether x is finite and nonzero) with ``|x| = m 2**e``,
    ``0.5 <= m < 1``; e is 0 where x is 0, infinite or NaN."""
    x = lax.stop_gradient(x)
    ax = lax.abs(x)
    regular = lax.bitwise_and(lax.ne(ax, const_like(0, ax)), lax.lt(ax, const_like(np.inf, ax)))
    safe = lax.select_n(regular, const_like(1, ax), ax)
    e = lax.add(lax.floor(lax.log(safe) / const_like(math.log(2.0), safe)), const_like(1, safe))
    m = _scale(safe, lax.neg(e))
    # log2 may be off by one near powers of two: move e one step to put m in [0.5, 1)
    high = lax.ge(m, const_like(1, m))
    e = lax.select_n(high, e, lax.add(e, const_like(1, e)))
    low = lax.lt(_scale(safe, lax.neg(e)), const_like(0.5, m))
    e = lax.select_n(low, e, lax.sub(e, const_like(1, e)))
    return lax.select_n(regular, const_like(0, e), e), regular


def frexp(x: Any, /) -> tuple[Any, Any]:
    """Mantissa and exponent: ``x = mantissa * 2**exponent`` with ``0.5 <= |mantissa| < 1``
    (both 0 for x = 0; inf and NaN give themselves and exponent 0). The exponent is int32; the
    mantissa is differentiable (``d mantissa / dx = 2**-exponent``).

    Args:
      x: a real array.

    Returns:
      (mantissa, exponent).

    Raises:
      TypeError: complex input.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.frexp(np.array([8.0, -0.75, 0.0]))
    (array([ 0.5 , -0.75,  0.  ]), array([4, 0, 0], dtype=int32))
    """
    (x,) = promoted_operands(np.frexp, x)
    e, _ = _exponent(x)
    mantissa = _scale(x, lax.neg(e))
    return mantissa, lax.convert_element_type(e, np.int32)


def ldexp(x1: Any, x2: Any, /) -> Any:
    """Elementwise ``x1 * 2**x2`` for integer ``x2`` (integers ``x1`` compute in float64),
    exact and without intermediate overflow.

    Raises:
      TypeError: a float ``x2``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.ldexp(np.array([1.0, 3.0]), np.array([-3, 2]))
    array([ 0.125, 12.   ])
    """
    x, k = promoted_operands(np.ldexp, x1, x2)
    # beyond +-2200 every float64 result has saturated to 0 or inf: clamp before converting
    k = lax.max(lax.min(k, np.asarray(2200, get_aval(k).dtype)[()]),
                np.asarray(-2200, get_aval(k).dtype)[()])
    return _scale(x, k)


def nextafter(x1: Any, x2: Any, /) -> Any:
    """Elementwise: the next representable float after ``x1`` in the direction of ``x2``.
    The result is a step on the float grid: its derivative is zero.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> float(fnp.nextafter(1.0, 2.0) - 1.0) == float(np.finfo(np.float64).eps)
    True
    """
    x, y = promoted_operands(np.nextafter, x1, x2)
    x, y = lax.stop_gradient(x), lax.stop_gradient(y)
    return _nextafter(x, y)


def _nextafter(x: Any, y: Any) -> Any:
    info = np.finfo(get_aval(x).dtype)
    e, _ = _exponent(x)
    ulp = _scale(const_like(1, x), lax.sub(e, const_like(info.nmant + 1, e)))
    up = lax.gt(y, x)
    negative = lax.lt(x, const_like(0, x))
    toward_zero = lax.ne(up, lax.bitwise_not(negative))
    at_power = lax.eq(lax.abs(x), _scale(const_like(0.5, x), e))
    half_step = lax.bitwise_and(toward_zero, at_power)
    step = lax.select_n(half_step, ulp, lax.mul(ulp, const_like(0.5, ulp)))
    step = lax.max(step, const_like(info.smallest_subnormal, step))
    out = lax.select_n(up, lax.sub(x, step), lax.add(x, step))
    tiny = const_like(info.smallest_subnormal, x)
    out = lax.select_n(lax.eq(x, const_like(0, x)), out, lax.select_n(up, lax.neg(tiny), tiny))
    biggest = const_like(info.max, x)
    infinite = lax.eq(lax.abs(x), const_like(np.inf, x))
    out = lax.select_n(infinite, out, lax.select_n(negative, biggest, lax.neg(biggest)))
    out = lax.select_n(lax.eq(x, y), out, y)
    return lax.select_n(lax.bitwise_or(_isnan(x), _isnan(y)), out, lax.add(x, y))


def spacing(x: Any, /) -> Any:
    """Elementwise distance from ``x`` to the next float away from zero (negative for negative
    ``x``; NaN for infinities). Its derivative is zero.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> bool(fnp.spacing(1.0) == np.finfo(np.float64).eps)
    True
    """
    (x,) = promoted_operands(np.spacing, x)
    x = lax.stop_gradient(x)
    inf = const_like(np.inf, x)
    away = lax.select_n(lax.lt(x, const_like(0, x)), inf, lax.neg(inf))  # -0.0 steps up
    with np.errstate(invalid="ignore"):
        return lax.sub(_nextafter(x, away), x)


def modf(x: Any, /) -> tuple[Any, Any]:
    """Fractional and integral parts, both with the sign of ``x`` (``modf(-2.5) = (-0.5,
    -2.0)``; infinities have fractional part ±0). The fractional part has derivative 1, the
    integral part 0.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.modf(np.array([2.5, -2.5]))
    (array([ 0.5, -0.5]), array([ 2., -2.]))
    """
    (x,) = promoted_operands(np.modf, x)
    whole = lax.stop_gradient(trunc(x))
    infinite = lax.eq(lax.abs(x), const_like(np.inf, x))
    with np.errstate(invalid="ignore"):
        frac = lax.sub(x, whole)
    signed_zero = copysign(const_like(0, x), x)
    # a zero fractional part takes x's sign; minus a zero-valued difference keeps both that
    # sign and the derivative 1 at integers (JAX's)
    zero_frac = lax.sub(signed_zero, lax.sub(lax.stop_gradient(frac), frac))
    frac = lax.select_n(lax.eq(frac, const_like(0, x)), frac, zero_frac)
    frac = lax.select_n(infinite, frac, signed_zero)
    return frac, whole


def _infinity_test(x: Any, value: float, name: str) -> Any:
    x = asarray_strong(x)
    dtype = get_aval(x).dtype
    if dtype.kind == "c":
        raise TypeError(f"{name} is not defined for complex values (got {dtype})")
    if dtype.kind != "f":
        out = np.zeros(get_aval(x).shape, bool)
        return out if out.ndim else out[()]
    return lax.eq(x, const_like(value, x))


def isposinf(x: Any, /, out: None = None) -> Any:
    """Elementwise test for positive infinity (False for integers).

    Raises:
      TypeError: complex input.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.isposinf(np.array([np.inf, -np.inf, 1.0]))
    array([ True, False, False])
    """
    check_no_out(out, "isposinf")
    return _infinity_test(x, np.inf, "isposinf")


def isneginf(x: Any, /, out: None = None) -> Any:
    """Elementwise test for negative infinity (False for integers).

    Raises:
      TypeError: complex input.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.isneginf(np.array([np.inf, -np.inf, 1.0]))
    array([False,  True, False])
    """
    check_no_out(out, "isneginf")
    return _infinity_test(x, -np.inf, "isneginf")


def _float_input(x: Any, name: str) -> Any:
    x = asarray_strong(x)
    dtype = get_aval(x).dtype
    if dtype.kind == "c":
        raise NotImplementedError(f"{name} of complex values is not supported")
    if dtype.kind != "f":
        x = cast(x, np.dtype(np.float64))
    return x


def sinc(x: Any, /) -> Any:
    """The normalized sinc function ``sin(pi x) / (pi x)``, 1 at 0, with derivatives of every
    order (near 0 a Taylor polynomial replaces the quotient, so they stay finite).

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> float(fnp.sinc(0.5)), float(ft.grad(fnp.sinc)(0.0))
    (0.6366197723675814, 0.0)
    """
    x = _float_input(x, "sinc")
    y = lax.mul(x, const_like(np.pi, x))
    small = lax.lt(lax.abs(y), const_like(1e-2, y))
    safe = lax.select_n(small, y, const_like(1, y))
    quotient = lax.div(lax.sin(safe), safe)
    y2 = lax.mul(y, y)
    # 1 - y^2/3! + y^4/5! - y^6/7! + y^8/9!: exact to rounding for |y| < 1e-2
    series = const_like(1 / 362880, y)
    for c in (-1 / 5040, 1 / 120, -1 / 6, 1.0):
        series = lax.add(lax.mul(series, y2), const_like(c, y))
    return lax.select_n(small, quotient, series)


_I0_SERIES_TERMS = 38  # the terms beyond are below 1e-17 of the sum for |x| < 20
_I0_ASYMPTOTIC_FROM = 20.0
_I0_ASYMPTOTIC_TERMS = 20  # relative error below 5e-15 from x = 20 on


def _i0_series(x: Any) -> Any:
    """sum_k (x^2/4)^k / (k!)^2: all terms positive, so no cancellation."""
    q = lax.mul(lax.mul(x, x), const_like(0.25, x))
    term = const_like(1, x)
    total = term
    for k in range(1, _I0_SERIES_TERMS):
        term = lax.mul(term, lax.div(q, const_like(k * k, q)))
        total = lax.add(total, term)
    return total


def _i0_asymptotic(x: Any) -> Any:
    """e^x / sqrt(2 pi x) * sum_k ((2k-1)!!)^2 / (k! (8x)^k), for large x (> 0)."""
    inv = lax.div(const_like(1, x), lax.mul(x, const_like(8, x)))
    term = const_like(1, x)
    total = term
    for k in range(1, _I0_ASYMPTOTIC_TERMS):
        term = lax.mul(term, lax.mul(inv, const_like((2 * k - 1) ** 2 / k, x)))
        total = lax.add(total, term)
    log_scale = lax.sub(x, lax.mul(const_like(0.5, x),
                                   lax.log(lax.mul(x, const_like(2 * np.pi, x)))))
    return lax.mul(lax.exp(log_scale), total)


def i0(x: Any) -> Any:
    """The modified Bessel function of the first kind of order 0 (even in x), differentiable
    to every order: a power series for ``|x| < 20`` and the asymptotic expansion beyond.

    Raises:
      NotImplementedError: complex input.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> bool(np.allclose(fnp.i0(np.array([0.0, 1.0, 30.0])), np.i0([0.0, 1.0, 30.0])))
    True
    """
    x = _float_input(x, "i0")
    ax = lax.abs(x)
    large = lax.ge(ax, const_like(_I0_ASYMPTOTIC_FROM, ax))
    small_arg = lax.select_n(large, x, const_like(0, x))
    large_arg = lax.select_n(large, const_like(_I0_ASYMPTOTIC_FROM, ax), ax)
    return lax.select_n(large, _i0_series(small_arg), _i0_asymptotic(large_arg))
