"""Inverse trigonometric functions: arctan, arctan2, arcsin, arccos, built from arithmetic.

lax has no arctangent primitive, so arctan is Cephes' ``atan``: reduce the argument to
``[0, tan(pi/8)]`` (via ``pi/2 - atan(1/x)`` and ``pi/4 + atan((x - 1) / (x + 1))``) and apply
a degree 4/5 rational approximation, accurate to about one ulp in float64. Being arithmetic, it
differentiates (and batches) like any other composition; its derivative agrees with
``1 / (1 + x**2)`` to rounding. arctan2 divides the smaller of ``|x|``, ``|y|`` by the larger,
so no division blows up away from the origin and derivatives stay finite on the axes; the
quadrant, signed zeros and infinities follow C's ``atan2``. arcsin and arccos are arctan2 of
``x`` and ``sqrt((1 - x)(1 + x))``. Complex arguments use the logarithmic formulas of the
principal branches (``arcsin(z) = -i log(i z + sqrt((1 - z)(1 + z)))``, ...), holomorphic
compositions whose derivatives are the complex derivatives. See docs/internals.md, "The NumPy
layer".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import get_aval
from ftrans.numpy._complex_parts import complex_arcsin, complex_arctan
from ftrans.numpy._math import const_like, in_float32, odd_extension, promoted_operands, sign_bit

__all__ = ["arctan", "arctan2", "arcsin", "arccos", "atan", "atan2", "asin", "acos"]

# Cephes atan.c: atan(x) = x + x * z * P(z) / Q(z), z = x**2, for |x| <= tan(pi/8)
_P = (-8.750608600031904122785e-1, -1.615753718733365076637e1, -7.500855792314704667340e1,
      -1.228866684490136173410e2, -6.485021904942025371773e1)
_Q = (2.485846490142306297962e1, 1.650270098316988542046e2, 4.328810604912902668951e2,
      4.853903996359136964868e2, 1.945506571482613964425e2)  # leading coefficient 1
_TAN_3PI_8 = 2.41421356237309504880
_MOREBITS = 6.123233995736765886130e-17  # pi/2 - float64(pi/2)


def _polynomial(z: Any, coefficients: tuple[float, ...], monic: bool) -> Any:
    out = const_like(1.0, z) if monic else const_like(coefficients[0], z)
    for c in coefficients if monic else coefficients[1:]:
        out = lax.add(lax.mul(out, z), const_like(c, z))
    return out


def _atan_nonnegative(a: Any) -> Any:
    """arctan of ``a >= 0`` (or NaN), Cephes' range reduction and rational approximation."""
    one = const_like(1, a)
    big = lax.gt(a, const_like(_TAN_3PI_8, a))
    small = lax.le(a, const_like(0.66, a))
    # each branch gets a safe argument, so the unused ones never divide by zero
    reciprocal = lax.neg(lax.div(one, lax.select_n(big, one, a)))
    middle = lax.select_n(lax.bitwise_or(small, big), a, one)
    shifted = lax.div(lax.sub(middle, one), lax.add(middle, one))
    t = lax.select_n(big, lax.select_n(small, shifted, a), reciprocal)
    z = lax.mul(t, t)
    ratio = lax.div(lax.mul(z, _polynomial(z, _P, False)), _polynomial(z, _Q, True))
    core = lax.add(lax.mul(t, ratio), t)
    offset = lax.select_n(big, const_like(np.pi / 4, a), const_like(np.pi / 2, a))
    morebits = lax.select_n(big, const_like(0.5 * _MOREBITS, a), const_like(_MOREBITS, a))
    out = lax.select_n(small, lax.add(offset, lax.add(core, morebits)), core)
    # as Cephes: atan(+-0) is +-0 itself (the approximation would lose the sign). The value
    # is a's, the derivatives out's: a - (out - out) is a (out - out is +0, so a keeps its
    # sign), and with a and out's value held constant its derivatives of every order are
    # out's. Selecting a itself would be right to first order only (the third derivative
    # of arctan at 0 is -2, not 0).
    at_zero = lax.sub(lax.stop_gradient(a), lax.sub(lax.stop_gradient(out), out))
    return lax.select_n(lax.eq(a, const_like(0, a)), out, at_zero)


def _arctan2(y: Any, x: Any) -> Any:
    negative_x, negative_y = sign_bit(x), sign_bit(y)
    # |x| and |y| by selects on the sign bit: at +-0 the derivative keeps its side's sign
    ax = lax.select_n(negative_x, x, lax.neg(x))
    ay = lax.select_n(negative_y, y, lax.neg(y))
    # divide the smaller by the larger: t in [0, 1]; at |x| == |y| the quotient is ay / ax
    swap = lax.gt(ay, ax)
    numerator = lax.select_n(swap, ay, ax)
    denominator = lax.select_n(swap, ax, ay)
    inf, zero, one = const_like(np.inf, x), const_like(0, x), const_like(1, x)
    both_infinite = lax.bitwise_and(lax.eq(ax, inf), lax.eq(ay, inf))  # t = 1: pi / 4
    numerator = lax.select_n(both_infinite, numerator, one)
    denominator = lax.select_n(lax.bitwise_or(both_infinite, lax.eq(denominator, zero)),
                               denominator, one)  # at the origin t = 0 / 1
    angle = _atan_nonnegative(lax.div(numerator, denominator))
    angle = lax.select_n(swap, angle, lax.sub(const_like(np.pi / 2, x), angle))
    angle = lax.select_n(negative_x, angle, lax.sub(const_like(np.pi, x), angle))
    return lax.select_n(negative_y, angle, lax.neg(angle))


def _is_complex(x: Any) -> bool:
    return get_aval(x).dtype.kind == "c"


def arctan(x: Any, /) -> Any:
    """Elementwise inverse tangent, in ``(-pi/2, pi/2)``.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> float(fnp.arctan(1.0) * 4), float(ft.grad(fnp.arctan)(1.0))
    (3.141592653589793, 0.5)
    """
    (x,) = promoted_operands(np.arctan, x)
    if _is_complex(x):
        return complex_arctan(x)
    return in_float32(lambda v: odd_extension(_atan_nonnegative, v), x)


def arctan2(x1: Any, x2: Any, /) -> Any:
    """Elementwise angle of the point ``(x2, x1)``: ``arctan(x1 / x2)`` in the right quadrant,
    in ``[-pi, pi]``, with C's rules for signed zeros and infinities. Derivatives are finite
    everywhere but at the origin.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.arctan2(np.array([1.0, 1.0, -0.0]), np.array([1.0, -1.0, -1.0])) / np.pi
    array([ 0.25,  0.75, -1.  ])
    """
    y, x = promoted_operands(np.arctan2, x1, x2)
    return in_float32(_arctan2, y, x)


def _complement(x: Any) -> Any:
    """``sqrt(1 - x**2)`` as ``sqrt((1 - x)(1 + x))``, accurate near |x| = 1."""
    one = const_like(1, x)
    return lax.sqrt(lax.mul(lax.sub(one, x), lax.add(one, x)))


def arcsin(x: Any, /) -> Any:
    """Elementwise inverse sine, ``arctan2(x, sqrt(1 - x**2))``; NaN outside ``[-1, 1]``."""
    (x,) = promoted_operands(np.arcsin, x)
    if _is_complex(x):
        return complex_arcsin(x)
    with np.errstate(invalid="ignore"):
        return in_float32(lambda v: _arctan2(v, _complement(v)), x)


def arccos(x: Any, /) -> Any:
    """Elementwise inverse cosine, ``arctan2(sqrt(1 - x**2), x)``; NaN outside ``[-1, 1]``."""
    (x,) = promoted_operands(np.arccos, x)
    if _is_complex(x):  # pi / 2 - arcsin(z) on the principal branches
        return lax.sub(const_like(np.pi / 2, x), complex_arcsin(x))
    with np.errstate(invalid="ignore"):
        return in_float32(lambda v: _arctan2(_complement(v), v), x)


# NumPy 2's array-API names
atan, atan2, asin, acos = arctan, arctan2, arcsin, arccos
