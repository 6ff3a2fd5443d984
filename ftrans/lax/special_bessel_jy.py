"""Bessel functions of the first and second kind of integer order, and the exponentially
scaled modified Bessel function of real order: bessel_jn, bessel_yn, bessel_ive.

Elementwise primitives of ``(order, x)`` on real floats (float32 computed in float64 and
rounded), NumPy only. The order is an integer-valued (for ``jn``, ``yn``) or real (``ive``)
float operand. An integer order is held fixed by differentiation (zero derivative); the real
order of ``ive`` is not differentiable here (its tangent raises ValueError, as ``betainc``'s
parameters).

- ``J_n(x)``: the power series where ``x^2 <= 16 (n + 1)`` (where its alternating terms
  cancel by at most ~e^4); Bessel's integral ``(1/2pi) int_0^2pi cos(n t - x sin t)
  dt`` by the trapezoidal rule (spectrally accurate for a periodic integrand, with
  ``|x| + n + 8 |x|^(1/3) + 40`` nodes) up to ``x = max(30, n^2)``; Hankel's asymptotic
  expansion beyond.
  ``J_{-n} = (-1)^n J_n`` and ``J_n(-x) = (-1)^n J_n(x)``.
- ``Y_n(x)``, ``x > 0``: ``(1/pi) int_0^pi sin(x sin t - n t) dt - (1/pi) int_0^inf
  (e^{nt} + (-1)^n e^{-nt}) e^{-x sinh t} dt`` by Gauss-Legendre quadrature (the second
  integrand decays double-exponentially; it is cut where it falls below 1e-18 of its size),
  Hankel's expansion for large ``x``; ``-inf`` at 0, NaN for ``x < 0``; ``Y_{-n} = (-1)^n Y_n``.
- ``I_v(x) e^{-|x|}``: the power series (positive terms, summed in logarithms so large
  orders and arguments neither overflow nor underflow; for a negative non-integer order the
  first terms carry Gamma's sign) up to ``|x| = max(700, v^2)``, Hankel's expansion beyond; for
  ``x < 0`` only integer orders (``(-1)^v``), else NaN, as SciPy.

Derivatives in ``x``: ``J_n' = (J_{n-1} - J_{n+1}) / 2`` (likewise ``Y_n``), and
``ive_v' = (ive_{v-1} + ive_{v+1}) / 2 - sign(x) ive_v``, so every order exists.
See docs/internals.md, "Primitives".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import get_aval
from ftrans.interpreters.batching import defbroadcasting
from ftrans.interpreters.jvp import Zero, defjvp, jvp_rules
from ftrans.lax.elementwise import add, check_operand, mul, sign, sub
from ftrans.lax.special import float_like, lgamma_impl, special_primitive_n
from ftrans.interpreters.jvp import match_shape

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(200)


def _gauss_legendre(count: int) -> tuple[np.ndarray, np.ndarray]:
    count = max(200, 50 * -(-count // 50))  # a few sizes only, each computed once
    if count not in _RULES:
        _RULES[count] = np.polynomial.legendre.leggauss(count)
    return _RULES[count]


_RULES: dict[int, tuple[np.ndarray, np.ndarray]] = {200: (_NODES, _WEIGHTS)}


# ---------------------------------------------------------------------------------------------
# NumPy implementations
# ---------------------------------------------------------------------------------------------


def _hankel(order: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(P, Q, chi)`` of Hankel's expansion at large positive ``x``: ``J = sqrt(2/(pi x))
    (P cos chi - Q sin chi)``, ``Y = sqrt(2/(pi x)) (P sin chi + Q cos chi)``; the asymptotic
    series is summed until its terms stop shrinking."""
    mu = 4.0 * order * order
    p, q = np.ones_like(x), np.zeros_like(x)
    term = np.ones_like(x)
    stopped = np.zeros(x.shape, bool)
    for k in range(1, 80):
        new = term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * x)
        stopped |= np.abs(new) >= np.abs(term)
        term = np.where(stopped, 0.0, new)
        if k % 2:
            q = q + (-1.0) ** ((k - 1) // 2) * term
        else:
            p = p + (-1.0) ** (k // 2) * term
    return p, q, x - (0.5 * order + 0.25) * np.pi


def _large(n: np.ndarray, ax: np.ndarray) -> np.ndarray:
    return ax > np.maximum(30.0, n * n)


def _jn_nonnegative(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """J_n(x) for integer n >= 0 and x >= 0."""
    out = np.empty_like(x)
    series = x * x <= 16 * (n + 1)
    large = _large(n, x) & ~series
    middle = ~series & ~large
    if series.any():
        xs, ns = x[series], n[series]
        half = xs / 2
        with np.errstate(divide="ignore"):
            term = np.where(ns == 0, 1.0, np.exp(ns * np.log(half) - lgamma_impl(ns + 1)))
        total = term.copy()
        for k in range(1, 60):
            term = -term * half * half / (k * (k + ns))
            total = total + term
        out[series] = total
    if middle.any():
        xm, nm = x[middle], n[middle]
        # the rule's error is ~J_{count - n}(x): past the turning point by ~x^(1/3) widths
        count = int(np.ceil(xm.max() + nm.max() + 8 * np.cbrt(xm.max()))) + 40
        t = 2 * np.pi * np.arange(count) / count
        out[middle] = np.mean(np.cos(nm[:, None] * t - xm[:, None] * np.sin(t)), axis=1)
    if large.any():
        xl = x[large]
        p, q, chi = _hankel(n[large], xl)
        out[large] = np.sqrt(2 / (np.pi * xl)) * (p * np.cos(chi) - q * np.sin(chi))
    return out


def _jn_impl(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    integer = n == np.round(n)
    m = np.where(integer, np.abs(n), 0.0)
    value = _jn_nonnegative(m, np.abs(np.where(np.isfinite(x), x, 0.0)))
    odd = (m % 2) == 1
    flip = odd & ((n < 0) != (x < 0))
    value = np.where(flip, -value, value)
    return np.where(integer & np.isfinite(x), value, np.nan)  # NaN at +-inf (as SciPy)


def _yn_positive(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Y_n(x) for integer n >= 0 and x > 0."""
    out = np.empty_like(x)
    large = _large(n, x)
    quad = ~large
    if quad.any():
        xq, nq = x[quad][:, None], n[quad][:, None]
        # int_0^pi sin(x sin t - n t) dt, with nodes enough for its oscillations
        nodes, weights = _gauss_legendre(int(xq.max() + nq.max()) + 60)
        t = np.pi / 2 * (nodes + 1)
        first = np.pi / 2 * np.sum(weights * np.sin(xq * np.sin(t) - nq * t), axis=1)
        # int_0^T (e^{nt} + (-1)^n e^{-nt}) e^{-x sinh t} dt, cut where the integrand is small:
        # n t - x sinh t < -42 (and at least at the integrand's peak, where sinh t ~ n / x)
        peak = np.arcsinh(nq / xq)
        cut = np.maximum(peak, 1.0)
        for _ in range(60):
            short = nq * cut - xq * np.sinh(cut) > -42.0
            cut = np.where(short, cut * 1.25 + 0.25, cut)
        s = cut / 2 * (_NODES + 1)
        parity = np.where(nq % 2 == 1, -1.0, 1.0)
        growth = np.exp(nq * s - xq * np.sinh(s)) + parity * np.exp(-nq * s - xq * np.sinh(s))
        second = cut[:, 0] / 2 * np.sum(_WEIGHTS * growth, axis=1)
        out[quad] = (first - second) / np.pi
    if large.any():
        xl = x[large]
        p, q, chi = _hankel(n[large], xl)
        out[large] = np.sqrt(2 / (np.pi * xl)) * (p * np.sin(chi) + q * np.cos(chi))
    return out


def _yn_impl(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    integer = n == np.round(n)
    m = np.where(integer, np.abs(n), 0.0)
    positive = x > 0
    value = _yn_positive(m, np.where(positive & np.isfinite(x), x, 1.0))
    value = np.where(np.isinf(x), np.nan, value)  # (as SciPy)
    value = np.where(x == 0, -np.inf, np.where(x < 0, np.nan, value))
    value = np.where((n < 0) & (m % 2 == 1), -value, value)
    return np.where(integer & ~np.isnan(x), value, np.nan)


def _ive_positive(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """e^{-x} I_v(x) for real v and x > 0 (negative integer v already folded to |v|)."""
    out = np.empty_like(x)
    large = x > np.maximum(700.0, v * v)  # Hankel's expansion needs x >> v^2
    small = ~large
    if small.any():
        xs, vs = x[small], v[small]
        count = int(np.ceil(xs.max() / 2 + 12 * np.sqrt(xs.max() + 1))) + 40
        k = np.arange(count, dtype=np.float64)[:, None]
        z = k + vs + 1  # Gamma(z) in the k-th term: negative for some k when v < -1
        z_sign = np.where(z > 0, 1.0, np.where(np.ceil(-z) % 2 == 1, -1.0, 1.0))
        log_terms = ((2 * k + vs) * np.log(xs / 2) - lgamma_impl(np.broadcast_to(
            k + 1, z.shape).copy()) - lgamma_impl(np.abs(z) * np.sign(z) + 0.0) - xs)
        top = log_terms.max(axis=0)
        out[small] = np.exp(top) * np.sum(z_sign * np.exp(log_terms - top), axis=0)
    if large.any():
        xl, vl = x[large], v[large]
        mu = 4.0 * vl * vl
        term, total = np.ones_like(xl), np.ones_like(xl)
        stopped = np.zeros(xl.shape, bool)
        for j in range(1, 60):
            new = -term * (mu - (2 * j - 1) ** 2) / (j * 8.0 * xl)
            stopped |= np.abs(new) >= np.abs(term)
            term = np.where(stopped, 0.0, new)
            total = total + term
        out[large] = total / np.sqrt(2 * np.pi * xl)
    return out


def _ive_impl(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    integer = v == np.round(v)
    order = np.where(integer, np.abs(v), v)  # I_{-n} = I_n
    ok = (x >= 0) | integer
    ax = np.abs(np.where(np.isfinite(x), x, 1.0))
    value = _ive_positive(order, np.where(ax > 0, ax, 1.0))
    at_zero = np.where(order == 0, 1.0, np.where(order > 0, 0.0, np.nan))  # (as SciPy)
    value = np.where(ax > 0, value, at_zero)
    value = np.where((x < 0) & (order % 2 == 1), -value, value)
    return np.where(ok & np.isfinite(x) & ~np.isnan(v), value, np.nan)  # NaN at +-inf (SciPy)


# ---------------------------------------------------------------------------------------------
# Primitives and rules
# ---------------------------------------------------------------------------------------------

bessel_jn_p = special_primitive_n("bessel_jn", _jn_impl, 2)
bessel_yn_p = special_primitive_n("bessel_yn", _yn_impl, 2)
bessel_ive_p = special_primitive_n("bessel_ive", _ive_impl, 2)


def bessel_jn(n: Any, x: Any) -> Any:
    """The Bessel function of the first kind ``J_n(x)`` for integer-valued ``n`` (a float
    operand of ``x``'s dtype), elementwise; NaN for a non-integer ``n``.

    >>> import numpy as np
    >>> round(float(bessel_jn(np.float64(1.0), np.float64(2.5))), 12)
    0.497094102464
    """
    return bessel_jn_p.bind(check_operand(n, "lax.bessel_jn"), check_operand(x, "lax.bessel_jn"))


def bessel_yn(n: Any, x: Any) -> Any:
    """The Bessel function of the second kind ``Y_n(x)`` for integer-valued ``n``,
    elementwise; ``-inf`` at 0, NaN for ``x < 0`` or a non-integer ``n``.

    >>> import numpy as np
    >>> round(float(bessel_yn(np.float64(0.0), np.float64(1.0))), 12)
    0.088256964216
    """
    return bessel_yn_p.bind(check_operand(n, "lax.bessel_yn"), check_operand(x, "lax.bessel_yn"))


def bessel_ive(v: Any, x: Any) -> Any:
    """The exponentially scaled modified Bessel function ``e^{-|x|} I_v(x)`` of real order
    ``v``, elementwise; NaN for ``x < 0`` with a non-integer ``v``.

    >>> import numpy as np
    >>> round(float(bessel_ive(np.float64(2.5), np.float64(3.0))), 12)
    0.075444308632
    """
    return bessel_ive_p.bind(check_operand(v, "lax.bessel_ive"),
                             check_operand(x, "lax.bessel_ive"))


def _neighbours(fun: Any, n: Any, x: Any) -> tuple[Any, Any]:
    one = float_like(1.0, n)
    return fun(sub(n, one), x), fun(add(n, one), x)


def _jn_jvp(g: Any, ans: Any, n: Any, x: Any) -> Any:
    below, above = _neighbours(bessel_jn, n, x)
    return mul(g, mul(float_like(0.5, x), sub(below, above)))


def _yn_jvp(g: Any, ans: Any, n: Any, x: Any) -> Any:
    below, above = _neighbours(bessel_yn, n, x)
    return mul(g, mul(float_like(0.5, x), sub(below, above)))


def _ive_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    v, x = primals
    v_dot, x_dot = tangents
    if type(v_dot) is not Zero:  # a real order is a variable, but its derivative is not here
        raise ValueError("bessel_ive: the derivative with respect to the order v is not "
                         "supported (only with respect to x); wrap v in stop_gradient")
    ans = bessel_ive(v, x)
    if type(x_dot) is Zero:
        return ans, Zero.like(ans)
    below, above = _neighbours(bessel_ive, v, x)
    slope = sub(mul(float_like(0.5, x), add(below, above)), mul(sign(x), ans))
    return ans, match_shape(mul(x_dot, slope), get_aval(ans))


defjvp(bessel_jn_p, None, _jn_jvp)
defjvp(bessel_yn_p, None, _yn_jvp)
jvp_rules[bessel_ive_p] = _ive_jvp
defbroadcasting(bessel_jn_p)
defbroadcasting(bessel_yn_p)
defbroadcasting(bessel_ive_p)

__all__ = ["bessel_ive", "bessel_ive_p", "bessel_jn", "bessel_jn_p", "bessel_yn",
           "bessel_yn_p"]
