"""Incomplete gamma and beta functions: igamma, igammac, igamma_grad_a, betainc; the
exponential integrals expn (``E_n(x) = x^{n-1} Gamma(1-n, x)``) and expi.

Elementwise primitives over broadcasting operands of one real float dtype (float32 computed
in float64 and rounded), with NumPy implementations that need no SciPy:

- ``igamma(a, x) = P(a, x)``, the regularized lower incomplete gamma function, and
  ``igammac(a, x) = Q(a, x) = 1 - P``: the power series of ``P`` where ``x < a + 1`` and
  Legendre's continued fraction for ``Q`` beyond (modified Lentz), each summed until every
  element has converged; the other is one minus it. The prefactor
  ``x^a e^{-x} / Gamma(a)`` is formed in logarithms.
- ``igamma_grad_a(a, x) = dP/da``: the same series and continued fraction carried with their
  derivatives in ``a`` (forward-mode by hand).
- ``betainc(a, b, x) = I_x(a, b)``, the regularized incomplete beta function: the continued
  fraction of Abramowitz & Stegun 26.5.8, on ``I_{1-x}(b, a)`` past the mean where it
  converges slowly.

Derivatives: in ``x`` (all orders, via closed-form densities); ``igamma``'s in ``a`` through
``igamma_grad_a`` (first order; its own derivative in ``x`` is closed-form, in ``a`` it raises),
``betainc``'s in ``a`` and ``b`` raise (as JAX); ``expn' = -E_{n-1}`` (``E_n`` for
``n <= 0`` comes from the downward recurrence), ``Ei'(x) = e^x / x``. Batching is elementwise. See
docs/internals.md, "Primitives".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import get_aval
from ftrans.interpreters.batching import defbroadcasting, defvectorized
from ftrans.interpreters.jvp import Zero, defjvp, jvp_rules, match_shape
from ftrans.lax.elementwise import check_operand, add, div, exp, log, log1p, mul, neg, sub
from ftrans.lax.special import (
    digamma_impl, float_like, lgamma_impl, special_primitive, digamma, lgamma,
    special_primitive_n,
)

_EPS = np.finfo(np.float64).eps
_MAX_TERMS = 5000
_TINY = 1e-300


# ---------------------------------------------------------------------------------------------
# NumPy implementations (float64 1-d arrays in, float64 out)
# ---------------------------------------------------------------------------------------------


def _gamma_series(a: np.ndarray, x: np.ndarray, with_a_derivative: bool
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``S = sum_n x^n / (a (a+1) ... (a+n))`` so that ``P = x^a e^{-x} / Gamma(a) * S``, and
    ``dS/da``."""
    term = 1 / a
    total = term.copy()
    dlog_term = -1 / a  # d/da log(term)
    dtotal = term * dlog_term
    active = np.ones(a.shape, bool)
    n = 0
    while active.any() and n < _MAX_TERMS:
        n += 1
        term = term * x / (a + n)
        total = total + term
        if with_a_derivative:
            dlog_term = dlog_term - 1 / (a + n)
            dtotal = dtotal + term * dlog_term
        active = np.abs(term) > _EPS * np.abs(total) * 0.1
    return total, dtotal


def _gamma_fraction(a: np.ndarray, x: np.ndarray, with_a_derivative: bool
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``F`` with ``Q = x^a e^{-x} / Gamma(a) * F``: 1/(x+1-a - 1(1-a)/(x+3-a - 2(2-a)/...)),
    by modified Lentz, and ``dF/da`` (every quantity carried with its ``a``-derivative)."""
    b = x + 1 - a
    db = -1.0
    d = 1 / b
    dd = -db * d * d
    c = np.full_like(a, 1 / _TINY)
    dc = np.zeros_like(a)
    f = d.copy()
    df = dd.copy()
    active = np.ones(a.shape, bool)
    i = 0
    while active.any() and i < _MAX_TERMS:
        i += 1
        an = -i * (i - a)
        dan = float(i)
        b = b + 2
        d_new = an * d + b
        dd_new = dan * d + an * dd + db
        d_new = np.where(np.abs(d_new) < _TINY, _TINY, d_new)
        c_new = b + an / c
        dc_new = db + (dan * c - an * dc) / (c * c)
        c_new = np.where(np.abs(c_new) < _TINY, _TINY, c_new)
        d = 1 / d_new
        dd = -dd_new * d * d
        delta = c_new * d
        ddelta = dc_new * d + c_new * dd
        c, dc = c_new, dc_new
        if with_a_derivative:
            df = df * delta + f * ddelta
        f = f * delta
        active = np.abs(delta - 1) > _EPS
    return f, df


def _log_gamma_prefactor(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return a * np.log(x) - x - lgamma_impl(a)


def _igamma_parts(a: np.ndarray, x: np.ndarray, with_a_derivative: bool = False) -> tuple:
    """(P, Q, dP/da) on valid points; NaN where ``a <= 0`` (except ``a == 0, x > 0``: P = 1,
    as SciPy) or ``x < 0``."""
    p = np.full_like(a, np.nan)
    dp = np.full_like(a, np.nan)
    valid = (a > 0) & (x > 0) & np.isfinite(x) & np.isfinite(a)
    series = valid & (x < a + 1)
    fraction = valid & ~series
    for selected, use_series in ((series, True), (fraction, False)):
        if not selected.any():
            continue
        av, xv = a[selected], x[selected]
        log_prefactor = _log_gamma_prefactor(av, xv)
        prefactor = np.exp(log_prefactor)
        dlog_prefactor = np.log(xv) - digamma_impl(av)
        value, dvalue = (_gamma_series if use_series else _gamma_fraction)(
            av, xv, with_a_derivative)
        own = prefactor * value
        d_own = prefactor * (dlog_prefactor * value + dvalue)
        p[selected] = own if use_series else 1 - own
        dp[selected] = d_own if use_series else -d_own
    q = 1 - p
    # Q is the computed quantity on the continued-fraction side: keep its relative accuracy
    if fraction.any():
        av, xv = a[fraction], x[fraction]
        q[fraction] = np.exp(_log_gamma_prefactor(av, xv)) * _gamma_fraction(av, xv, False)[0]
    edge_zero = (x == 0) & (a > 0)
    p[edge_zero], q[edge_zero], dp[edge_zero] = 0.0, 1.0, 0.0
    edge_inf = (x == np.inf) & (a > 0) & np.isfinite(a)
    p[edge_inf], q[edge_inf], dp[edge_inf] = 1.0, 0.0, 0.0
    a_zero = (a == 0) & (x > 0)
    p[a_zero], q[a_zero] = 1.0, 0.0
    return p, q, dp


def _igamma_impl(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _igamma_parts(a, x)[0]


def _igammac_impl(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _igamma_parts(a, x)[1]


def _igamma_grad_a_impl(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _igamma_parts(a, x, with_a_derivative=True)[2]


def _beta_fraction(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """1/(1 + d1/(1 + d2/(1 + ...))) of A&S 26.5.8, by modified Lentz."""
    c = np.ones_like(a)
    d = 1 - (a + b) * x / (a + 1)
    d = 1 / np.where(np.abs(d) < _TINY, _TINY, d)
    f = d.copy()
    active = np.ones(a.shape, bool)
    m = 0
    while active.any() and m < _MAX_TERMS:
        m += 1
        for coefficient in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + coefficient * d
            d = 1 / np.where(np.abs(d) < _TINY, _TINY, d)
            c = 1 + coefficient / c
            c = np.where(np.abs(c) < _TINY, _TINY, c)
            delta = c * d
            f = f * delta
        active = np.abs(delta - 1) > _EPS
    return f


def _log_beta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return lgamma_impl(a) + lgamma_impl(b) - lgamma_impl(a + b)


def _betainc_lower(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    log_prefactor = a * np.log(x) + b * np.log1p(-x) - _log_beta(a, b)
    return np.exp(log_prefactor) / a * _beta_fraction(a, b, x)


def _betainc_impl(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    out = np.full_like(x, np.nan)
    valid = (a > 0) & (b > 0) & (x > 0) & (x < 1)
    flip = valid & (x > (a + 1) / (a + b + 2))
    direct = valid & ~flip
    out[direct] = _betainc_lower(a[direct], b[direct], x[direct])
    out[flip] = 1 - _betainc_lower(b[flip], a[flip], 1 - x[flip])
    # SciPy's limits: I_0 = 0 and I_1 = 1; a = 0 (b = 0) puts all mass at 0 (at 1)
    limits = (a >= 0) & (b >= 0) & ~((a == 0) & (b == 0))
    out[limits & (x == 0)] = 0.0
    out[limits & (x == 1)] = 1.0
    out[limits & (a == 0) & (x > 0) & (x < 1)] = 1.0
    out[limits & (b == 0) & (x > 0) & (x < 1)] = 0.0
    return out


_EULER_GAMMA = 0.5772156649015329
_EXPN_DEPTH = 120  # terms of E_n's continued fraction: below 1e-16 for x > 2


def _expn_positive(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """E_n(x) for integer n >= 1, x > 0: the series (A&S 5.1.12) for x <= 2, the continued
    fraction (A&S 5.1.22) beyond."""
    out = np.empty_like(x)
    small = x <= 2
    ns, xs = n[small], x[small]
    # (-x)^{n-1}/(n-1)! (psi(n) - log x) - sum_{k != n-1} (-x)^k / ((k - n + 1) k!)
    power = np.ones_like(xs)  # (-x)^k / k!
    total = np.where(ns == 1, 0.0, -1 / (1 - ns))
    log_term = digamma_impl(ns) - np.log(xs)
    special_term = np.where(ns == 1, log_term, 0.0)
    for k in range(1, 60):
        power = power * (-xs) / k
        at_pole = ns - 1 == k
        total = total - np.where(at_pole, 0.0, power / np.where(at_pole, 1.0, k - ns + 1))
        special_term = np.where(at_pole, power * log_term, special_term)
    out[small] = total + special_term
    nl, xl = n[~small], x[~small]
    # evaluated backwards from a fixed depth: forward (Lentz) products lose ~1e-13 here
    f = xl + nl + 2 * _EXPN_DEPTH
    for i in range(_EXPN_DEPTH, 0, -1):
        f = xl + nl + 2 * (i - 1) - i * (nl - 1 + i) / f
    f = 1 / f
    out[~small] = f * np.exp(-xl)
    return out


def _expn_impl(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    out = np.full_like(x, np.nan)
    integer = (n == np.round(n)) & np.isfinite(n)
    valid = integer & (x > 0) & np.isfinite(x)
    positive = valid & (n >= 1)
    out[positive] = _expn_positive(n[positive], x[positive])
    # n <= 0 (derivatives of E_1): E_0 = e^{-x}/x, then E_m = (e^{-x} - m E_{m+1}) / x downwards
    rest = valid & (n < 1)
    if rest.any():
        nr, xr = n[rest], x[rest]
        value = np.exp(-xr) / xr
        for m in range(-1, int(nr.min()) - 1, -1):
            value = np.where(nr <= m, (np.exp(-xr) - m * value) / xr, value)
        out[rest] = value
    at_zero = integer & (x == 0)
    out[at_zero] = np.where(n[at_zero] > 1, 1 / (n[at_zero] - 1), np.inf)
    out[integer & (x == np.inf)] = 0.0
    return out


def _expi_impl(x: np.ndarray) -> np.ndarray:
    out = np.full_like(x, np.nan)
    negative = x < 0
    out[negative] = -_expn_positive(np.ones(int(negative.sum())), -x[negative])
    series = (x > 0) & (x <= 50)
    xs = x[series]
    term = np.ones_like(xs)
    total = np.zeros_like(xs)
    for k in range(1, 150):  # Ei(x) = gamma + log x + sum x^k / (k k!)
        term = term * xs / k
        total = total + term / k
    out[series] = _EULER_GAMMA + np.log(xs) + total
    large = x > 50
    xl = x[large]
    term = np.ones_like(xl)
    total = np.ones_like(xl)
    for k in range(1, 40):  # e^x / x sum k! / x^k; at x > 50 the terms shrink past k = 40
        term = term * k / xl
        total = total + term
    with np.errstate(over="ignore"):
        out[large] = np.exp(xl) / xl * total
    out[x == 0] = -np.inf
    return np.where(np.isnan(x), np.nan, out)


# ---------------------------------------------------------------------------------------------
# igamma, igammac, igamma_grad_a
# ---------------------------------------------------------------------------------------------

igamma_p = special_primitive_n("igamma", _igamma_impl, 2)
igammac_p = special_primitive_n("igammac", _igammac_impl, 2)
igamma_grad_a_p = special_primitive_n("igamma_grad_a", _igamma_grad_a_impl, 2)


def igamma(a: Any, x: Any) -> Any:
    """The regularized lower incomplete gamma function ``P(a, x)``, elementwise (operands of one
    float dtype, broadcasting).

    >>> import numpy as np
    >>> round(float(igamma(np.float64(1.0), np.float64(2.0))), 12)  # 1 - e^{-2}
    0.864664716763
    """
    return igamma_p.bind(check_operand(a, "lax.igamma"), check_operand(x, "lax.igamma"))


def igammac(a: Any, x: Any) -> Any:
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``, with full
    relative accuracy where it is small.

    >>> import numpy as np
    >>> float(igammac(np.float64(1.0), np.float64(50.0)))  # doctest: +ELLIPSIS
    1.9287498479639...e-22
    """
    return igammac_p.bind(check_operand(a, "lax.igammac"), check_operand(x, "lax.igammac"))


def igamma_grad_a(a: Any, x: Any) -> Any:
    """``dP(a, x)/da``, elementwise.

    >>> import numpy as np
    >>> round(float(igamma_grad_a(np.float64(2.0), np.float64(0.4))), 10)
    -0.1160477601
    """
    return igamma_grad_a_p.bind(check_operand(a, "lax.igamma_grad_a"),
                                check_operand(x, "lax.igamma_grad_a"))


def _gamma_density(a: Any, x: Any) -> Any:
    """``dP/dx = x^(a-1) e^{-x} / Gamma(a)``."""
    return exp(sub(sub(mul(sub(a, float_like(1.0, a)), log(x)), x), lgamma(a)))


defjvp(igamma_p, lambda g, ans, a, x: mul(g, igamma_grad_a(a, x)),
       lambda g, ans, a, x: mul(g, _gamma_density(a, x)))
defjvp(igammac_p, lambda g, ans, a, x: neg(mul(g, igamma_grad_a(a, x))),
       lambda g, ans, a, x: neg(mul(g, _gamma_density(a, x))))


def _igamma_grad_a_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    a, x = primals
    a_dot, x_dot = tangents
    if type(a_dot) is not Zero:
        raise NotImplementedError(
            "igamma_grad_a: the second derivative of igamma / gammainc with respect to a is "
            "not implemented (derivatives in x are)")
    ans = igamma_grad_a(a, x)
    if type(x_dot) is Zero:
        return ans, Zero.like(ans)
    # d/dx dP/da = d/da dP/dx = dP/dx (log x - digamma(a))
    return ans, match_shape(mul(x_dot, mul(_gamma_density(a, x), sub(log(x), digamma(a)))),
                             get_aval(ans))


jvp_rules[igamma_grad_a_p] = _igamma_grad_a_jvp
defbroadcasting(igamma_p)
defbroadcasting(igammac_p)
defbroadcasting(igamma_grad_a_p)


# ---------------------------------------------------------------------------------------------
# betainc
# ---------------------------------------------------------------------------------------------

betainc_p = special_primitive_n("regularized_incomplete_beta", _betainc_impl, 3)


def betainc(a: Any, b: Any, x: Any) -> Any:
    """The regularized incomplete beta function ``I_x(a, b)``, elementwise (operands of one
    float dtype, broadcasting).

    >>> import numpy as np
    >>> round(float(betainc(np.float64(2.0), np.float64(3.0), np.float64(0.4))), 12)
    0.5248
    """
    return betainc_p.bind(*[check_operand(v, "lax.betainc") for v in (a, b, x)])


def _betainc_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    a, b, x = primals
    a_dot, b_dot, x_dot = tangents
    if type(a_dot) is not Zero or type(b_dot) is not Zero:
        raise ValueError("betainc: the derivative with respect to a and b is not supported "
                         "(only with respect to x); wrap a and b in stop_gradient")
    ans = betainc(a, b, x)
    if type(x_dot) is Zero:
        return ans, Zero.like(ans)
    one = float_like(1.0, x)
    log_density = sub(add(mul(sub(a, one), log(x)), mul(sub(b, one), log1p(neg(x)))),
                      sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b))))
    return ans, match_shape(mul(x_dot, exp(log_density)), get_aval(ans))


jvp_rules[betainc_p] = _betainc_jvp
defbroadcasting(betainc_p)

# ---------------------------------------------------------------------------------------------
# expn, expi
# ---------------------------------------------------------------------------------------------

expn_p = special_primitive_n("expn", _expn_impl, 2)
expi_p = special_primitive("expi", _expi_impl)


def expn(n: Any, x: Any) -> Any:
    """The generalized exponential integral ``E_n(x) = integral_1^inf e^{-xt} / t^n dt`` for
    integer-valued ``n`` (a float operand of ``x``'s dtype), elementwise; NaN for ``x < 0``.

    >>> import numpy as np
    >>> round(float(expn(np.float64(1.0), np.float64(2.0))), 12)
    0.048900510708
    """
    return expn_p.bind(check_operand(n, "lax.expn"), check_operand(x, "lax.expn"))


def expi(x: Any) -> Any:
    """The exponential integral ``Ei(x)`` (principal value), elementwise; ``Ei(-x) = -E_1(x)``.

    >>> import numpy as np
    >>> round(float(expi(np.float64(1.0))), 12)
    1.895117816356
    """
    return expi_p.bind(check_operand(x, "lax.expi"))


defjvp(expn_p, None, lambda g, ans, n, x: neg(mul(g, expn(sub(n, float_like(1.0, n)), x))))
defjvp(expi_p, lambda g, ans, x: mul(g, div(exp(x), x)))
defbroadcasting(expn_p)
defvectorized(expi_p)

__all__ = ["betainc", "betainc_p", "expi", "expi_p", "expn", "expn_p", "igamma",
           "igamma_grad_a", "igamma_grad_a_p", "igamma_p", "igammac", "igammac_p"]
