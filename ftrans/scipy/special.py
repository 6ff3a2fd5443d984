"""``ftrans.scipy.special``: SciPy's special functions under JAX's names and signatures.

Gamma family (gamma, gammaln, loggamma, gammasgn, digamma/psi, polygamma, multigammaln, beta,
betaln, poch, factorial, comb, gammainc, gammaincc, betainc, zeta), error function family (erf,
erfc, erfcx, erfinv, ndtr, log_ndtr, ndtri), Bessel (i0, i0e, i1, i1e, jn, yn, iv, ive, in
``ftrans.scipy.special_bessel``), exponential integrals
(exp1, expi, expn), information theory (entr, xlogy, xlog1py, kl_div, rel_entr), logistic
(expit, logit), normalisation (logsumexp, softmax, log_softmax), boxcox, boxcox1p, bernoulli.

Written on ``ftrans.lax`` special-function primitives and ``ftrans.numpy``, so every
transformation applies; SciPy is not needed. Dtypes follow SciPy's ufuncs: int64 and float64
compute in float64, small integers, float16 and float32 in float32. ``xlogy`` and ``xlog1py``
are 0 where ``x == 0`` (even if ``y`` is 0), with the derivatives of ``x * log(y)`` (as JAX).
Derivatives exist in every float argument except ``betainc``'s ``a`` and ``b`` (an error, as
JAX) and ``gammainc``'s ``a`` beyond first order. See docs/scipy.md.

>>> import ftrans as ft, numpy as np
>>> from ftrans.scipy import special
>>> round(float(ft.grad(special.erf)(0.0)), 12)  # 2 / sqrt(pi)
1.128379167096
"""

from __future__ import annotations

from fractions import Fraction
from math import comb as binomial
from typing import Any, Sequence

import numpy as np

from ftrans import lax, nn, numpy as fnp
from ftrans.core import get_aval
from ftrans.custom_derivatives import custom_jvp
from ftrans.lax import special as lax_special
from ftrans.lax import special_bessel_zeta as lax_bessel_zeta
from ftrans.lax import special_complex as lax_complex
from ftrans.lax import special_incomplete as lax_incomplete
from ftrans.numpy._promotion import asarray_strong, cast
from ftrans.scipy.special_args import as_float, as_floats, as_real_or_complex
from ftrans.scipy.special_bessel import (  # noqa: F401  (part of this module's names)
    i0, i0e, i1, i1e, iv, ive, j0, j1, jn, y0, y1, yn,
)

__all__ = ["bernoulli", "beta", "betainc", "betaln", "boxcox", "boxcox1p", "comb", "digamma",
           "entr", "erf", "erfc", "erfcinv", "erfcx", "erfinv", "exp1", "expi", "expit", "expn",
           "factorial", "gamma", "gammainc", "gammaincc", "gammaln", "gammasgn", "i0", "i0e",
           "i1", "i1e", "iv", "ive", "j0", "j1", "jn", "kl_div", "log_ndtr", "log_softmax",
           "loggamma", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "poch", "polygamma",
           "psi", "rel_entr", "rgamma", "softmax", "xlog1py", "xlogy", "y0", "y1", "yn", "zeta"]


def erf(x: Any) -> Any:
    """The error function, of real or (as SciPy) complex ``x``; the complex one is entire,
    with the complex derivative ``2/sqrt(pi) exp(-z^2)``.

    >>> from ftrans.scipy.special import erf
    >>> round(float(erf(0.5)), 12)
    0.520499877813
    >>> complex(np.round(erf(1j), 12))
    1.650425758798j
    """
    x, is_complex = as_real_or_complex(x)
    return lax_complex.complex_erf(x) if is_complex else lax_special.erf(x)


def erfc(x: Any) -> Any:
    """``1 - erf(x)``, accurate in the tail; real or complex ``x``, as :func:`erf`.

    >>> from ftrans.scipy.special import erfc
    >>> float(erfc(6.0)) > 0
    True
    """
    x, is_complex = as_real_or_complex(x)
    return lax_complex.complex_erfc(x) if is_complex else lax_special.erfc(x)


def erfinv(y: Any) -> Any:
    """The inverse error function on [-1, 1].

    >>> from ftrans.scipy.special import erfinv
    >>> round(float(erfinv(0.5)), 12)
    0.476936276204
    """
    return lax_special.erf_inv(as_float(y))


def gammaln(x: Any) -> Any:
    """``log|Gamma(x)|``.

    >>> from ftrans.scipy.special import gammaln
    >>> round(float(gammaln(5)), 12)  # log(24)
    3.178053830348
    """
    return lax_special.lgamma(as_float(x))


def digamma(x: Any) -> Any:
    """The logarithmic derivative of Gamma.

    >>> from ftrans.scipy.special import digamma
    >>> round(float(digamma(1.0)), 12)
    -0.577215664902
    """
    return lax_special.digamma(as_float(x))


psi = digamma


def polygamma(n: Any, x: Any) -> Any:
    """The ``n``-th derivative of ``digamma``: ``n`` a Python int, or an integer array
    (elementwise, through ``(-1)^(n+1) n! zeta(n+1, x)``).

    >>> from ftrans.scipy.special import polygamma
    >>> round(float(polygamma(1, 1.0)), 12)
    1.644934066848
    """
    if isinstance(n, np.ndarray) and n.ndim == 0 and n.dtype.kind in "iu":
        n = int(n)
    if isinstance(n, (int, np.integer)) and not isinstance(n, bool):
        return lax_special.polygamma(n, as_float(x))
    if get_aval(n).dtype.kind not in "iu":
        raise TypeError(f"polygamma: n must be of integer type, got {get_aval(n).dtype}")
    x, order = as_floats(x, n)
    safe = fnp.where(order > 0, order, fnp.ones_like(order))  # no zeta(1, x) pole in a branch
    higher = zeta(safe + 1, x) * fnp.exp(gammaln(safe + 1)) * fnp.where(
        safe % 2 == 0, -1.0, 1.0).astype(get_aval(x).dtype)
    return fnp.where(order == 0, digamma(x), fnp.where(order > 0, higher, np.nan))


def logsumexp(a: Any, axis: int | Sequence[int] | None = None, b: Any = None,
              keepdims: bool = False, return_sign: bool = False, where: Any = None) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, without overflow (``ftrans.nn.logsumexp``).

    Args:
      a: the array.
      axis: axis or axes to reduce (None: all).
      b: optional weights broadcastable to ``a`` (may be negative with ``return_sign``).
      keepdims: keep the reduced axes with size 1.
      return_sign: also return the sign of the sum.
      where: optional boolean mask; only elements where it is True are summed.

    Returns:
      The reduced array, or ``(value, sign)`` with ``return_sign``.

    >>> import numpy as np
    >>> from ftrans.scipy.special import logsumexp
    >>> round(float(logsumexp(np.array([0.0, 0.0]))), 12)
    0.69314718056
    """
    a = as_float(a)
    if where is not None:
        a = fnp.where(where, a, -np.inf)
    if not return_sign:
        return nn.logsumexp(a, axis=axis, b=b, keepdims=keepdims)
    shift = lax.stop_gradient(fnp.max(a, axis=axis, keepdims=True))
    shift = fnp.where(fnp.isfinite(shift), shift, 0.0)
    terms = fnp.exp(a - shift)
    if b is not None:
        terms = terms * b
    total = fnp.sum(terms, axis=axis, keepdims=keepdims)
    if not keepdims:
        shift = fnp.squeeze(shift, axis=tuple(range(fnp.ndim(a))) if axis is None else axis)
    return fnp.log(fnp.abs(total)) + shift, fnp.sign(total)


def softmax(x: Any, /, *, axis: int | tuple[int, ...] | None = None) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis`` (all axes by default, as SciPy), stable.

    >>> import numpy as np
    >>> from ftrans.scipy.special import softmax
    >>> softmax(np.array([0.0, np.log(3.0)])).round(12).tolist()
    [0.25, 0.75]
    """
    return nn.softmax(as_float(x), axis=axis)


def log_softmax(x: Any, /, *, axis: int | tuple[int, ...] | None = None) -> Any:
    """``x - logsumexp(x)`` over ``axis`` (all axes by default, as SciPy).

    >>> import numpy as np
    >>> from ftrans.scipy.special import log_softmax
    >>> round(float(log_softmax(np.array([0.0, 0.0]))[0]), 12)
    -0.69314718056
    """
    return nn.log_softmax(as_float(x), axis=axis)


def expit(x: Any) -> Any:
    """The logistic function ``1 / (1 + exp(-x))``.

    >>> from ftrans.scipy.special import expit
    >>> float(expit(0.0))
    0.5
    """
    return lax.logistic(as_float(x))


def logit(p: Any) -> Any:
    """``log(p / (1 - p))``, the inverse of :func:`expit`.

    >>> from ftrans.scipy.special import logit
    >>> float(logit(0.5))
    0.0
    """
    p = as_float(p)
    return fnp.log(p) - fnp.log1p(-p)


@custom_jvp
def _xlogy(x: Any, y: Any) -> Any:
    safe_y = fnp.where(x == 0, fnp.ones_like(y), y)
    return fnp.where(x == 0, fnp.zeros_like(x * y), x * fnp.log(safe_y))


@_xlogy.defjvp
def _xlogy_jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    (x, y), (x_dot, y_dot) = primals, tangents
    return _xlogy(x, y), x_dot * fnp.log(y) + y_dot * x / y


def xlogy(x: Any, y: Any) -> Any:
    """``x * log(y)``, 0 where ``x == 0``.

    >>> from ftrans.scipy.special import xlogy
    >>> float(xlogy(0.0, 0.0)), round(float(xlogy(2.0, 3.0)), 12)
    (0.0, 2.197224577336)
    """
    x, y = fnp.broadcast_arrays(*[as_float(v) for v in (x, y)])
    dtype = np.result_type(get_aval(x).dtype, get_aval(y).dtype)
    return _xlogy(cast(x, dtype), cast(y, dtype))


@custom_jvp
def _xlog1py(x: Any, y: Any) -> Any:
    safe_y = fnp.where(x == 0, fnp.zeros_like(y), y)
    return fnp.where(x == 0, fnp.zeros_like(x * y), x * fnp.log1p(safe_y))


@_xlog1py.defjvp
def _xlog1py_jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    (x, y), (x_dot, y_dot) = primals, tangents
    return _xlog1py(x, y), x_dot * fnp.log1p(y) + y_dot * x / (1 + y)


def xlog1py(x: Any, y: Any) -> Any:
    """``x * log1p(y)``, 0 where ``x == 0``.

    >>> from ftrans.scipy.special import xlog1py
    >>> float(xlog1py(0.0, -1.0))
    0.0
    """
    x, y = fnp.broadcast_arrays(*[as_float(v) for v in (x, y)])
    dtype = np.result_type(get_aval(x).dtype, get_aval(y).dtype)
    return _xlog1py(cast(x, dtype), cast(y, dtype))


def entr(x: Any) -> Any:
    """Elementwise entropy term: ``-x log x`` for ``x > 0``, 0 at 0, ``-inf`` below.

    >>> from ftrans.scipy.special import entr
    >>> float(entr(1.0)), float(entr(0.0)), float(entr(-1.0))
    (-0.0, 0.0, -inf)
    """
    x = as_float(x)
    positive = x > 0
    value = -_xlogy(x, fnp.where(positive, x, fnp.ones_like(x)))
    return fnp.where(positive, value, fnp.where(x == 0, fnp.zeros_like(x),
                                                fnp.full_like(x, -np.inf)))


# ---------------------------------------------------------------------------------------------
# Promotion helpers
# ---------------------------------------------------------------------------------------------


def _constant_like(value: float, x: Any) -> Any:
    return np.asarray(value, get_aval(x).dtype)[()]


def _safe(condition: Any, x: Any, fill: float) -> Any:
    """``x`` where ``condition``, else ``fill``: keeps the unused branch of a later ``where``
    finite so that no NaN leaks into derivatives."""
    return fnp.where(condition, x, _constant_like(fill, x))


# ---------------------------------------------------------------------------------------------
# Gamma family
# ---------------------------------------------------------------------------------------------


def gammasgn(x: Any) -> Any:
    """The sign of ``Gamma(x)``: 1 for ``x > 0``, alternating on the negative intervals, NaN at
    the poles ``-1, -2, ...``; ``+-1`` at ``+-0``. Piecewise constant (zero derivative).

    >>> from ftrans.scipy.special import gammasgn
    >>> float(gammasgn(-0.5)), float(gammasgn(-1.5)), float(gammasgn(2.0))
    (-1.0, 1.0, 1.0)
    """
    x = lax.stop_gradient(as_float(x))
    floor = fnp.floor(x)
    negative = fnp.where(floor % 2 == 0, _constant_like(1.0, x), _constant_like(-1.0, x))
    negative = fnp.where(floor == x, _constant_like(np.nan, x), negative)
    at_zero = fnp.where(fnp.signbit(x), _constant_like(-1.0, x), _constant_like(1.0, x))
    out = fnp.where(x > 0, _constant_like(1.0, x), fnp.where(x == 0, at_zero, negative))
    return fnp.where(fnp.isnan(x), x, out)


def gamma(x: Any) -> Any:
    """The gamma function (``+-inf`` at ``+-0``, NaN at negative integers).

    >>> from ftrans.scipy.special import gamma
    >>> round(float(gamma(5.0)), 10), round(float(gamma(-1.5)), 12)
    (24.0, 2.363271801207)
    """
    x = as_float(x)
    return gammasgn(x) * fnp.exp(gammaln(x))


def rgamma(x: Any) -> Any:
    """The reciprocal gamma function ``1 / Gamma(x)``: an entire function, 0 at the poles of
    Gamma (``0, -1, -2, ...``), computed as ``gammasgn(x) exp(-gammaln(x))`` so it neither
    overflows for large ``x`` nor divides by infinity near the poles.

    >>> from ftrans.scipy.special import rgamma
    >>> round(float(rgamma(5.0)), 12), float(rgamma(-2.0)), float(rgamma(200.0))
    (0.041666666667, 0.0, 0.0)
    """
    x = as_float(x)
    pole = (x <= 0) & (fnp.floor(x) == x)
    safe_x = fnp.where(pole, _constant_like(0.5, x), x)
    value = gammasgn(safe_x) * fnp.exp(-gammaln(safe_x))
    return fnp.where(pole, _constant_like(0.0, x), value)


def loggamma(x: Any) -> Any:
    """``log Gamma(x)`` for real ``x > 0`` (NaN for ``x < 0``, where it would be complex).

    >>> from ftrans.scipy.special import loggamma
    >>> round(float(loggamma(2.5)), 12)
    0.284682870473
    """
    x = as_float(x)
    return fnp.where(x < 0, _constant_like(np.nan, x), gammaln(x))


def multigammaln(a: Any, d: int) -> Any:
    """The log of the multivariate gamma function of dimension ``d`` (a Python int):
    ``d(d-1)/4 log(pi) + sum_{j<d} gammaln(a - j/2)``.

    >>> from ftrans.scipy.special import multigammaln
    >>> round(float(multigammaln(3.0, 3)), 12)
    2.694924879807
    """
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise TypeError(f"multigammaln: d must be a positive Python int, got {d!r}")
    a = as_float(a)
    total = _constant_like(d * (d - 1) / 4 * np.log(np.pi), a)
    for j in range(int(d)):
        total = total + gammaln(a - _constant_like(j / 2, a))
    return total


def betaln(a: Any, b: Any) -> Any:
    """``log|B(a, b)|`` with ``B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b)``.

    >>> from ftrans.scipy.special import betaln
    >>> round(float(betaln(2.0, 3.0)), 12)  # log(1/12)
    -2.484906649788
    """
    a, b = as_floats(a, b)
    return gammaln(a) + gammaln(b) - gammaln(a + b)


def beta(a: Any, b: Any) -> Any:
    """The beta function ``Gamma(a) Gamma(b) / Gamma(a + b)``.

    >>> from ftrans.scipy.special import beta
    >>> round(float(beta(2.0, 3.0)), 12)
    0.083333333333
    """
    a, b = as_floats(a, b)
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    return sign * fnp.exp(betaln(a, b))


def poch(z: Any, m: Any) -> Any:
    """The rising factorial ``Gamma(z + m) / Gamma(z)`` (1 when ``m == 0``).

    >>> from ftrans.scipy.special import poch
    >>> round(float(poch(2.0, 3.0)), 10)  # 2 * 3 * 4
    24.0
    """
    z, m = as_floats(z, m)
    value = gammasgn(z + m) * gammasgn(z) * fnp.exp(gammaln(z + m) - gammaln(z))
    return fnp.where(m == 0, fnp.ones_like(value), value)


def factorial(n: Any, exact: bool = False) -> Any:
    """``n! = Gamma(n + 1)`` elementwise (0 for ``n < 0``); ``exact=True`` is not supported.

    >>> from ftrans.scipy.special import factorial
    >>> round(float(factorial(5)), 8), float(factorial(-1.0))
    (120.0, 0.0)
    """
    if exact:
        raise NotImplementedError("factorial: exact=True is not supported (it needs Python "
                                  "integers); use math.factorial for exact values")
    n = as_float(n)
    return fnp.where(n < 0, fnp.zeros_like(n), fnp.exp(gammaln(_safe(n >= 0, n, 0.0) + 1)))


def comb(N: Any, k: Any, *, repetition: bool = False) -> Any:  # noqa: N803 (SciPy's name)
    """The binomial coefficient ``N choose k`` as a float (0 unless ``0 <= k <= N``); with
    ``repetition``, combinations with repetition ``comb(N + k - 1, k)``.

    >>> from ftrans.scipy.special import comb
    >>> round(float(comb(5, 2)), 10), round(float(comb(5, 2, repetition=True)), 10)
    (10.0, 15.0)
    """
    N, k = as_floats(N, k)  # noqa: N806
    if repetition:
        N = N + k - 1  # noqa: N806
    ok = (k >= 0) & (k <= N) & (N >= 0)
    n_safe, k_safe = _safe(ok, N, 1.0), _safe(ok, k, 0.0)
    value = fnp.exp(gammaln(n_safe + 1) - gammaln(k_safe + 1) - gammaln(n_safe - k_safe + 1))
    return fnp.where(ok, value, fnp.zeros_like(value))


def gammainc(a: Any, x: Any) -> Any:
    """The regularized lower incomplete gamma function ``P(a, x)``; differentiable in ``x``
    (every order) and ``a`` (first order).

    >>> from ftrans.scipy.special import gammainc
    >>> round(float(gammainc(1.0, 2.0)), 12)
    0.864664716763
    """
    return lax_incomplete.igamma(*as_floats(a, x))


def gammaincc(a: Any, x: Any) -> Any:
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``.

    >>> from ftrans.scipy.special import gammaincc
    >>> round(float(gammaincc(1.0, 2.0)), 12)
    0.135335283237
    """
    return lax_incomplete.igammac(*as_floats(a, x))


def betainc(a: Any, b: Any, x: Any) -> Any:
    """The regularized incomplete beta function ``I_x(a, b)``; differentiable in ``x`` only
    (the derivative in ``a`` or ``b`` raises ValueError, as JAX).

    >>> from ftrans.scipy.special import betainc
    >>> round(float(betainc(2.0, 3.0, 0.4)), 12)
    0.5248
    """
    return lax_incomplete.betainc(*as_floats(a, b, x))


def zeta(x: Any, q: Any = None) -> Any:
    """The Hurwitz zeta function ``sum_{n>=0} (n + q)^{-x}`` (``q=None``: Riemann's, ``q = 1``);
    NaN for ``x < 1``. Differentiable in both arguments, to every order.

    >>> from ftrans.scipy.special import zeta
    >>> round(float(zeta(2.0, 1.0)), 12)
    1.644934066848
    """
    if q is None:
        q = 1.0
    return lax_bessel_zeta.zeta(*as_floats(x, q))


# ---------------------------------------------------------------------------------------------
# Error function family
# ---------------------------------------------------------------------------------------------


def erfcx(x: Any) -> Any:
    """The scaled complementary error function ``exp(x^2) erfc(x)``.

    >>> from ftrans.scipy.special import erfcx
    >>> round(float(erfcx(0.0)), 12)
    1.0
    """
    return lax_special.erfcx(as_float(x))


def ndtr(x: Any) -> Any:
    """The standard normal CDF ``(1 + erf(x / sqrt(2))) / 2``, through ``erfc`` so the lower
    tail keeps its relative accuracy.

    >>> from ftrans.scipy.special import ndtr
    >>> round(float(ndtr(1.959963984540054)), 12)
    0.975
    """
    x = as_float(x)
    return _constant_like(0.5, x) * lax_special.erfc(-x * _constant_like(np.sqrt(0.5), x))


def log_ndtr(x: Any) -> Any:
    """``log(ndtr(x))``, accurate in both tails (``log_ndtr(-40) = -804.608...``).

    >>> from ftrans.scipy.special import log_ndtr
    >>> round(float(log_ndtr(-40.0)), 6)
    -804.608442
    """
    return lax_special.log_ndtr(as_float(x))


def erfcinv(y: Any) -> Any:
    """The inverse of ``erfc`` on ``[0, 2]``: ``erfcinv(erfc(x)) == x``, accurate for tiny
    ``y`` (through ``ndtri``: ``erfcinv(y) = -ndtri(y / 2) / sqrt(2)``); ``inf`` at 0,
    ``-inf`` at 2, NaN outside.

    >>> from ftrans.scipy.special import erfcinv
    >>> round(float(erfcinv(0.5)), 12), round(float(erfcinv(1e-300)), 8)
    (0.476936276204, 26.20946996)
    """
    y = as_float(y)
    return -ndtri(y * _constant_like(0.5, y)) * _constant_like(np.sqrt(0.5), y)


def ndtri(p: Any) -> Any:
    """The inverse of ``ndtr``, accurate near 0 and 1 (``-inf``/``inf`` at the ends).

    >>> from ftrans.scipy.special import ndtri
    >>> round(float(ndtri(1e-300)), 8)
    -37.0470963
    """
    return lax_special.ndtri(as_float(p))


# ---------------------------------------------------------------------------------------------
# Bessel functions, exponential integrals
# ---------------------------------------------------------------------------------------------


def expn(n: Any, x: Any) -> Any:
    """The generalized exponential integral ``E_n(x)`` for integer ``n >= 0`` (NaN otherwise
    and for ``x < 0``).

    >>> from ftrans.scipy.special import expn
    >>> round(float(expn(2, 1.0)), 12)
    0.148495506776
    """
    x = as_float(x)
    n_float = cast(asarray_strong(n), get_aval(x).dtype)
    valid = (n_float >= 0) & (fnp.floor(n_float) == n_float)
    return fnp.where(valid, lax_incomplete.expn(lax.stop_gradient(n_float), x),
                     _constant_like(np.nan, x))


def exp1(x: Any) -> Any:
    """The exponential integral ``E_1(x) = integral_x^inf e^{-t}/t dt``.

    >>> from ftrans.scipy.special import exp1
    >>> round(float(exp1(1.0)), 12)
    0.219383934396
    """
    x = as_float(x)
    return lax_incomplete.expn(fnp.ones_like(x), x)


def expi(x: Any) -> Any:
    """The exponential integral ``Ei(x)`` (principal value at negative ``x``).

    >>> from ftrans.scipy.special import expi
    >>> round(float(expi(1.0)), 12)
    1.895117816356
    """
    return lax_incomplete.expi(as_float(x))


# ---------------------------------------------------------------------------------------------
# Information theory, Box-Cox, Bernoulli numbers
# ---------------------------------------------------------------------------------------------


def rel_entr(x: Any, y: Any) -> Any:
    """Elementwise relative entropy: ``x log(x/y)`` for ``x, y > 0``, 0 at ``x == 0, y >= 0``,
    ``inf`` otherwise.

    >>> from ftrans.scipy.special import rel_entr
    >>> round(float(rel_entr(2.0, 1.0)), 12), float(rel_entr(0.0, 1.0))
    (1.38629436112, 0.0)
    """
    x, y = fnp.broadcast_arrays(*as_floats(x, y))
    both = (x > 0) & (y > 0)
    xs, ys = _safe(both, x, 1.0), _safe(both, y, 1.0)
    value = xs * (fnp.log(xs) - fnp.log(ys))
    edge = fnp.where((x == 0) & (y >= 0), fnp.zeros_like(x), fnp.full_like(x, np.inf))
    return fnp.where(fnp.isnan(x) | fnp.isnan(y), x + y, fnp.where(both, value, edge))


def kl_div(x: Any, y: Any) -> Any:
    """Elementwise Kullback-Leibler term ``x log(x/y) - x + y`` for ``x, y > 0``; ``y`` at
    ``x == 0, y >= 0``; ``inf`` otherwise.

    >>> from ftrans.scipy.special import kl_div
    >>> round(float(kl_div(2.0, 1.0)), 12)
    0.38629436112
    """
    x, y = fnp.broadcast_arrays(*as_floats(x, y))
    both = (x > 0) & (y > 0)
    xs, ys = _safe(both, x, 1.0), _safe(both, y, 1.0)
    value = xs * (fnp.log(xs) - fnp.log(ys)) - xs + ys
    edge = fnp.where((x == 0) & (y >= 0), y, fnp.full_like(x, np.inf))
    return fnp.where(fnp.isnan(x) | fnp.isnan(y), x + y, fnp.where(both, value, edge))


def boxcox(x: Any, lmbda: Any) -> Any:
    """The Box-Cox transform ``(x^lmbda - 1) / lmbda`` (``log x`` at ``lmbda == 0``).

    >>> from ftrans.scipy.special import boxcox
    >>> round(float(boxcox(2.0, 0.5)), 12)
    0.828427124746
    """
    x, lmbda = as_floats(x, lmbda)
    zero = lmbda == 0
    safe_lmbda = _safe(~zero, lmbda, 1.0)
    return fnp.where(zero, fnp.log(x), fnp.expm1(safe_lmbda * fnp.log(x)) / safe_lmbda)


def boxcox1p(x: Any, lmbda: Any) -> Any:
    """The Box-Cox transform of ``1 + x``, accurate for small ``x``.

    >>> from ftrans.scipy.special import boxcox1p
    >>> round(float(boxcox1p(1.0, 0.5)), 12)
    0.828427124746
    """
    x, lmbda = as_floats(x, lmbda)
    zero = lmbda == 0
    safe_lmbda = _safe(~zero, lmbda, 1.0)
    return fnp.where(zero, fnp.log1p(x), fnp.expm1(safe_lmbda * fnp.log1p(x)) / safe_lmbda)


def bernoulli(n: int) -> np.ndarray:
    """The Bernoulli numbers ``B_0 .. B_n`` (``B_1 = -1/2``, as SciPy), float64; ``n`` is a
    Python int (the result is a constant).

    >>> from ftrans.scipy.special import bernoulli
    >>> bernoulli(4).round(6).tolist()
    [1.0, -0.5, 0.166667, 0.0, -0.033333]
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise TypeError(f"bernoulli: n must be a non-negative Python int, got {n!r}")
    numbers: list[Fraction] = []
    for m in range(int(n) + 1):  # sum_{k<=m} C(m+1, k) B_k = 0 for m >= 1
        numbers.append(Fraction(1) if m == 0 else
                       -sum((binomial(m + 1, k) * numbers[k] for k in range(m)), Fraction(0))
                       / (m + 1))
    return np.array([float(b) for b in numbers])
