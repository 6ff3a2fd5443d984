"""Scaled modified Bessel functions and the Hurwitz zeta function: bessel_i0e, bessel_i1e,
zeta.

Elementwise primitives on real floats (float32 computed in float64 and rounded), NumPy only:

- ``bessel_i0e(x) = e^{-|x|} I0(x)``, ``bessel_i1e(x) = e^{-|x|} I1(x)``: the power series
  (positive terms) for ``|x| <= 30``, Hankel's asymptotic expansion beyond (its smallest term
  there is below 1e-20), so large arguments neither overflow nor lose accuracy.
- ``zeta(s, q) = sum_n (n + q)^{-s}``: twelve terms summed directly and the Euler-Maclaurin
  remainder (Bernoulli numbers to B_16); negative ``q`` with integer ``s`` first sums the
  finitely many negative terms. NaN for ``s < 1`` (as SciPy), +inf at ``s == 1`` and at the
  poles ``q = 0, -1, ...``.

Derivatives: ``i0e' = i1e - sign(x) i0e``, ``i1e' = i0e - (sign(x) + 1/x) i1e`` (1/2 at 0);
``zeta`` in ``q`` is ``-s zeta(s + 1, q)``; in ``s`` it is ``zeta_ds`` (the ``k``-th
``s``-derivative, by the differentiated Euler-Maclaurin formula), so every order exists.
See docs/internals.md, "Primitives".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ftrans.interpreters.batching import defbroadcasting, defvectorized
from ftrans.interpreters.jvp import defjvp
from ftrans.lax.elementwise import check_operand, add, div, eq, mul, neg, select_n, sign, sub
from ftrans.lax.special import BERNOULLI, float_like, special_primitive, special_primitive_n

_SERIES_LIMIT = 30.0


# ---------------------------------------------------------------------------------------------
# NumPy implementations
# ---------------------------------------------------------------------------------------------


def _bessel_ie_impl(x: np.ndarray, order: int) -> np.ndarray:
    ax = np.abs(x)
    out = np.empty_like(x)
    small = ax <= _SERIES_LIMIT
    xs = ax[small]
    quarter = xs * xs / 4
    term = np.ones_like(xs) if order == 0 else xs / 2
    total = term.copy()
    for k in range(1, 90):  # at |x| = 30 the terms fall below 1e-17 of the sum by k ~ 70
        term = term * quarter / (k * (k + order))
        total = total + term
    out[small] = total * np.exp(-xs)
    xl = ax[~small]
    # I_v(x) e^{-x} ~ (2 pi x)^{-1/2} sum_k (-1)^k prod_{j<=k} (4v^2 - (2j-1)^2) / (k! (8x)^k)
    mu = 4.0 * order * order
    term = np.ones_like(xl)
    total = term.copy()
    for k in range(1, 30):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8 * xl)
        total = total + term
    out[~small] = total / np.sqrt(2 * np.pi * xl)
    if order == 1:
        out = np.where(x < 0, -out, out)
    return np.where(np.isnan(x), np.nan, out)


def _rising_polynomial(m: int) -> np.ndarray:
    """Coefficients (highest first) of the rising factorial ``s (s+1) ... (s+m-1)``."""
    return np.poly(-np.arange(m, dtype=np.float64)) if m else np.ones(1)


_DIRECT_TERMS = 12


def _zeta_positive(s: np.ndarray, q: np.ndarray, order: int) -> np.ndarray:
    """d^order/ds^order zeta(s, q) for q > 0, s > 1 (Euler-Maclaurin after 12 terms)."""
    total = np.zeros_like(s)
    for n in range(_DIRECT_TERMS):
        total = total + (-np.log(q + n)) ** order * (q + n) ** -s
    w = q + _DIRECT_TERMS
    u = np.log(w)
    power = w ** -s
    # d^k [w^{1-s} / (s - 1)] = sum_j C(k, j) (-u)^{k-j} w^{1-s} (-1)^j j! (s-1)^{-1-j}
    tail = np.zeros_like(s)
    for j in range(order + 1):
        tail = tail + (math.comb(order, j) * (-u) ** (order - j) * (-1) ** j
                       * math.factorial(j) * (s - 1) ** (-1.0 - j))
    total = total + w * power * tail + 0.5 * (-u) ** order * power
    for j, bernoulli in enumerate(BERNOULLI, start=1):
        m = 2 * j - 1
        coefficient = bernoulli / math.factorial(2 * j)
        polynomial = _rising_polynomial(m)
        # d^k [P(s) w^{-s-m}] = sum_i C(k, i) P^{(i)}(s) (-u)^{k-i} w^{-s-m}
        derivative = np.zeros_like(s)
        for i in range(min(order, m) + 1):
            p_i = np.polyder(polynomial, i) if i else polynomial
            derivative = derivative + math.comb(order, i) * np.polyval(p_i, s) * (-u) ** (
                order - i)
        total = total + coefficient * derivative * power * w ** -float(m)
    return total


def _zeta_impl(s: np.ndarray, q: np.ndarray, order: int = 0) -> np.ndarray:
    out = np.full_like(s, np.nan)
    integer_s = s == np.round(s)
    pole = (q <= 0) & (q == np.round(q))
    # (q + n)^{-s} of a negative base is real only for integer s, and not differentiable in s
    negative = (q < 0) & ~pole & integer_s & (s > 1) & (order == 0)
    shift = np.where(negative, np.ceil(-q), 0.0)
    valid = (s > 1) & ((q > 0) | negative)
    sv, qv, kv = s[valid], q[valid], shift[valid]
    head = np.zeros_like(sv)
    for n in range(int(kv.max()) if kv.size else 0):  # the finitely many negative terms
        base = qv + n
        term = np.abs(base) ** -sv * np.where((base < 0) & (sv % 2 == 1), -1.0, 1.0)
        head = head + np.where(n < kv, term, 0.0)
    out[valid] = head + _zeta_positive(sv, qv + kv, order)
    out[(s == 1) & (order == 0)] = np.inf
    out[pole & (s > 1) & (order == 0)] = np.inf
    return np.where(np.isnan(s) | np.isnan(q), np.nan, out)


# ---------------------------------------------------------------------------------------------
# bessel_i0e, bessel_i1e
# ---------------------------------------------------------------------------------------------

bessel_i0e_p = special_primitive("bessel_i0e", lambda x: _bessel_ie_impl(x, 0))
bessel_i1e_p = special_primitive("bessel_i1e", lambda x: _bessel_ie_impl(x, 1))


def bessel_i0e(x: Any) -> Any:
    """The exponentially scaled modified Bessel function of order 0, ``e^{-|x|} I0(x)``.

    >>> import numpy as np
    >>> round(float(bessel_i0e(np.float64(1e4))), 12)
    0.003989472675
    """
    return bessel_i0e_p.bind(check_operand(x, "lax.bessel_i0e"))


def bessel_i1e(x: Any) -> Any:
    """The exponentially scaled modified Bessel function of order 1, ``e^{-|x|} I1(x)``.

    >>> import numpy as np
    >>> round(float(bessel_i1e(np.float64(1.0))), 10)
    0.2079104153
    """
    return bessel_i1e_p.bind(check_operand(x, "lax.bessel_i1e"))


def _i1e_over_x(x: Any, ans: Any) -> Any:
    """``i1e(x) / x``, 1/2 at 0 (the divisor is made safe so no 0/0 reaches a derivative)."""
    zero = eq(x, float_like(0.0, x))
    safe_x = select_n(zero, x, float_like(1.0, x))
    return select_n(zero, div(ans, safe_x), float_like(0.5, x))


defjvp(bessel_i0e_p, lambda g, ans, x: mul(g, sub(bessel_i1e(x), mul(sign(x), ans))))
defjvp(bessel_i1e_p, lambda g, ans, x: mul(g, sub(sub(bessel_i0e(x), mul(sign(x), ans)),
                                                  _i1e_over_x(x, ans))))
defvectorized(bessel_i0e_p)
defvectorized(bessel_i1e_p)


# ---------------------------------------------------------------------------------------------
# zeta, zeta_ds
# ---------------------------------------------------------------------------------------------

zeta_p = special_primitive_n("zeta", _zeta_impl, 2)
zeta_ds_p = special_primitive_n("zeta_ds", _zeta_impl, 2)


def zeta(s: Any, q: Any) -> Any:
    """The Hurwitz zeta function ``sum_{n>=0} (n + q)^{-s}``, elementwise (operands of one float
    dtype, broadcasting).

    >>> import numpy as np
    >>> round(float(zeta(np.float64(2.0), np.float64(1.0))), 12)  # pi^2 / 6
    1.644934066848
    """
    return zeta_p.bind(check_operand(s, "lax.zeta"), check_operand(q, "lax.zeta"))


def zeta_ds(s: Any, q: Any, order: int) -> Any:
    """The ``order``-th derivative of ``zeta(s, q)`` with respect to ``s`` (``order >= 1``).

    >>> import numpy as np
    >>> round(float(zeta_ds(np.float64(2.0), np.float64(3.0), order=1)), 10)
    -0.7642614592
    """
    return zeta_ds_p.bind(check_operand(s, "lax.zeta_ds"), check_operand(q, "lax.zeta_ds"),
                          order=int(order))


def _zeta_q_rule(g: Any, ans: Any, s: Any, q: Any, order: int = 0) -> Any:
    # d/dq d^k/ds^k zeta(s, q) = d^k/ds^k [-s zeta(s+1, q)] = -(s Z_k(s+1) + k Z_{k-1}(s+1))
    shifted = add(s, float_like(1.0, s))
    value = mul(s, zeta_ds(shifted, q, order) if order else zeta(shifted, q))
    if order:
        lower = zeta_ds(shifted, q, order - 1) if order > 1 else zeta(shifted, q)
        value = add(value, mul(float_like(float(order), s), lower))
    return neg(mul(g, value))


defjvp(zeta_p, lambda g, ans, s, q: mul(g, zeta_ds(s, q, 1)), _zeta_q_rule)
defjvp(zeta_ds_p, lambda g, ans, s, q, order: mul(g, zeta_ds(s, q, order + 1)), _zeta_q_rule)
defbroadcasting(zeta_p)
defbroadcasting(zeta_ds_p)

__all__ = ["bessel_i0e", "bessel_i0e_p", "bessel_i1e", "bessel_i1e_p", "zeta", "zeta_ds",
           "zeta_ds_p", "zeta_p"]
