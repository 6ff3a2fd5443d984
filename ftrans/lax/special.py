"""Special functions: erf, erfc, erf_inv, lgamma, digamma, polygamma.

Elementwise primitives on real floating point with NumPy implementations that need no SciPy,
accurate to a few ulps in float64 (float32 is computed in float64 and rounded):

- ``erf`` / ``erfc``: the Taylor series ``erf(x) = 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} /
  (2n+1)!!`` (positive terms, no cancellation) for ``|x| < 1``, and Laplace's continued
  fraction for ``erfc`` beyond, evaluated backwards with enough terms for each range;
  ``e^{-x^2}`` is computed from a split ``x`` so that the rounding of ``x^2`` does not enter
  the exponent.
- ``erf_inv``: Giles' approximation (or the asymptotic tail) refined by two Halley steps on
  ``erf`` (on ``erfc`` near +-1, where ``1 - |y|`` is exact).
- ``lgamma``, ``digamma``, ``polygamma``: the recurrence up to ``x >= 10`` (15) and the
  asymptotic Stirling series (Bernoulli numbers); reflection for negative ``x``. Near the zeros
  of ``lgamma`` (1 and 2) the error is absolute (~1e-15), not relative.

Derivatives: ``erf' = 2/sqrt(pi) e^{-x^2}``, ``erf_inv' = sqrt(pi)/2 e^{erf_inv^2}``,
``lgamma' = digamma``, ``digamma' = polygamma(1, .)``, ``polygamma(n)' = polygamma(n + 1)``, so
every order exists. Batching is elementwise. See docs/internals.md, "Primitives".
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ftrans.core import get_aval, Primitive, ShapedArray
from ftrans.interpreters.batching import defvectorized
from ftrans.interpreters.jvp import defjvp
from ftrans.lax.elementwise import (
    add, broadcast_shapes, check_operand, div, exp, lt, mul, neg, select_n, sub,
)

_SQRT_PI = math.sqrt(math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_HALF = math.sqrt(0.5)
# Bernoulli numbers B_2, B_4, ..., B_16 of the asymptotic series
BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def special_primitive(name: str, impl: Callable[..., np.ndarray]) -> Primitive:
    """An elementwise float primitive whose float64 NumPy ``impl`` also serves float32."""

    def abstract_eval(x: ShapedArray, **params: Any) -> ShapedArray:
        if x.dtype.kind != "f":
            raise TypeError(f"{name} needs a real floating-point operand, got {x.str_short()}")
        return x

    def run(x: Any, **params: Any) -> Any:
        x = np.asarray(x)
        with np.errstate(all="ignore"):
            out = impl(np.atleast_1d(x.astype(np.float64)), **params).reshape(x.shape)
        return np.asarray(out, x.dtype)[()] if x.ndim == 0 else out.astype(x.dtype, copy=False)

    return Primitive(name, impl=run, abstract_eval=abstract_eval)


def special_primitive_n(name: str, impl: Callable[..., np.ndarray], nargs: int) -> Primitive:
    """An elementwise float primitive of ``nargs`` operands of one dtype that broadcast
    NumPy-style; its float64 NumPy ``impl`` gets 1-d arrays of the broadcast shape."""

    def abstract_eval(*avals: ShapedArray, **params: Any) -> ShapedArray:
        if any(a.dtype != avals[0].dtype for a in avals) or avals[0].dtype.kind != "f":
            raise TypeError(f"{name} needs real floating-point operands of one dtype, got "
                            f"{', '.join(a.str_short() for a in avals)}")
        return ShapedArray(broadcast_shapes(name, *[a.shape for a in avals]), avals[0].dtype)

    def run(*args: Any, **params: Any) -> Any:
        args = tuple(np.asarray(a) for a in args)
        dtype = args[0].dtype
        wide = np.broadcast_arrays(*[a.astype(np.float64) for a in args])
        shape = wide[0].shape
        with np.errstate(all="ignore"):
            out = impl(*[np.atleast_1d(w).ravel() for w in wide], **params).reshape(shape)
        return np.asarray(out, dtype)[()] if not shape else out.astype(dtype, copy=False)

    assert nargs >= 2
    return Primitive(name, impl=run, abstract_eval=abstract_eval)


def float_like(value: float, x: Any) -> Any:
    return np.asarray(value, get_aval(x).dtype)[()]


# ---------------------------------------------------------------------------------------------
# NumPy implementations (float64 arrays in, float64 arrays out)
# ---------------------------------------------------------------------------------------------


def _exp_neg_square(x: np.ndarray) -> np.ndarray:
    """``exp(-x*x)`` with ``x = hi + lo``, ``hi`` on a 1/64 grid so ``hi*hi`` is exact."""
    hi = np.round(x * 64) / 64
    return np.exp(-hi * hi) * np.exp(-(x - hi) * (x + hi))


def _erf_series(x: np.ndarray) -> np.ndarray:
    """erf for |x| < 1 (25 terms: the last is below 1e-17 of the sum)."""
    x2 = 2 * x * x
    term = x.copy()
    total = x.copy()
    for k in range(1, 26):
        term = term * x2 / (2 * k + 1)
        total += term
    return (2 / _SQRT_PI) * _exp_neg_square(x) * total


# (lower end of the range, terms of the continued fraction for 1e-16 there)
_ERFC_RANGES = ((1.0, 200), (1.5, 120), (2.0, 60), (3.0, 40))


def _erfc_denominator(x: np.ndarray) -> np.ndarray:
    """For x >= 1, ``f`` with ``erfc(x) = e^{-x^2} / (sqrt(pi) f)``: Laplace's continued
    fraction x + (1/2)/(x + 1/(x + (3/2)/(x + ...))), evaluated backwards."""
    out = np.full_like(x, np.nan)
    bounds = [lo for lo, _ in _ERFC_RANGES[1:]] + [np.inf]
    for (lo, terms), hi in zip(_ERFC_RANGES, bounds):
        selected = (x >= lo) & (x <= hi)
        if not selected.any():
            continue
        xs = x[selected]
        f = xs.copy()
        for k in range(terms, 0, -1):
            f = xs + (k / 2) / f
        out[selected] = f
    return out


def _erfc_continued_fraction(x: np.ndarray) -> np.ndarray:
    """erfc for x >= 1 (0 beyond 27, where it underflows)."""
    out = _exp_neg_square(x) / _SQRT_PI / _erfc_denominator(np.minimum(x, 27.0))
    return np.where(x >= 27.0, 0.0, out)


def _erf_impl(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    small = ax < 1
    out = np.empty_like(x)
    out[small] = _erf_series(x[small])
    large = ~small
    out[large] = np.sign(x[large]) * (1 - _erfc_continued_fraction(ax[large]))
    return out


def _erfc_impl(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    middle = np.abs(x) < 1
    out[middle] = 1 - _erf_series(x[middle])
    outer = ~middle
    xo = x[outer]
    tail = _erfc_continued_fraction(np.abs(xo))
    out[outer] = np.where(xo < 0, 2 - tail, tail)
    return out


_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                  0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _horner(coefficients: tuple[float, ...], w: np.ndarray) -> np.ndarray:
    p = np.zeros_like(w)
    for c in coefficients:
        p = p * w + c
    return p


def _erf_inv_impl(y: np.ndarray) -> np.ndarray:
    ay = np.abs(y)
    q = 1 - ay  # exact for |y| >= 0.5 (Sterbenz)
    w = -np.log(q * (1 + ay))
    guess = np.where(w < 5, _horner(_GILES_CENTRAL, w - 2.5),
                     _horner(_GILES_TAIL, np.sqrt(np.maximum(w, 5)) - 3)) * ay
    # far tail: erfc(x) ~ e^{-x^2} / (x sqrt(pi))
    x0 = np.sqrt(np.maximum(-np.log(np.where(q > 0, q, 1.0)), 1.0))
    asymptotic = np.sqrt(np.maximum(-np.log(np.where(q > 0, q, 1.0)) - np.log(x0 * _SQRT_PI),
                                    0.0))
    x = np.where(w < 16, guess, asymptotic)
    near_one = ay > 0.5
    for _ in range(2):  # Halley on f(x) = erf(x) - |y|
        residual = np.where(near_one, q - _erfc_impl(x), _erf_impl(x) - ay)
        t = residual / ((2 / _SQRT_PI) * _exp_neg_square(x))
        x = x - t / (1 + x * t)
    out = np.sign(y) * x
    out = np.where(ay == 1, np.sign(y) * np.inf, out)
    return np.where(ay > 1, np.nan, out)


def _exp_square(x: np.ndarray) -> np.ndarray:
    """``exp(x*x)`` without the rounding of ``x*x`` entering the exponent (see above)."""
    hi = np.round(x * 64) / 64
    return np.exp(hi * hi) * np.exp((x - hi) * (x + hi))


def _erfcx_impl(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    large = x >= 1
    out[large] = 1 / (_SQRT_PI * _erfc_denominator(x[large]))
    small = ~large
    out[small] = _exp_square(x[small]) * _erfc_impl(x[small])  # +inf below -26.6, as SciPy
    return out


def _log_ndtr_impl(x: np.ndarray) -> np.ndarray:
    # x <= 0: Phi(x) = erfcx(z) e^{-z^2} / 2 with z = -x/sqrt(2), so no underflow in the tail;
    # x > 0: log1p of the (small) upper tail keeps full relative accuracy near 0.
    z = -x * _SQRT_HALF
    with np.errstate(all="ignore"):
        lower = np.log(0.5 * _erfcx_impl(np.maximum(z, 0.0))) - 0.5 * x * x
        upper = np.log1p(-0.5 * _erfc_impl(np.maximum(-z, 0.0)))
    return np.where(x <= 0, lower, upper)


def _ndtri_impl(p: np.ndarray) -> np.ndarray:
    # The lower half, by symmetry (1 - p is exact for p >= 1/2): an erf_inv-style start, then
    # Newton on log Phi(x) = log p, which stays well scaled down to the smallest p.
    q = np.where(p > 0.5, 1 - p, p)
    y = np.clip(1 - 2 * q, 0.0, 1.0)
    with np.errstate(all="ignore"):
        log_q = np.log(q)
        # deep in the tail, from Phi(x) ~ phi(x) / |x|: x^2 ~ L - log(2 pi L), L = -2 log q
        tail = -2 * log_q
        x = np.where(q > 1e-10, -np.sqrt(2) * _erf_inv_impl(y),
                     -np.sqrt(np.maximum(tail - np.log(2 * np.pi * tail), 1.0)))
        refined = x
        for _ in range(4):
            log_phi = _log_ndtr_impl(refined)
            log_density = -0.5 * refined * refined - _LOG_SQRT_2PI
            refined = refined - (log_phi - log_q) * np.exp(log_phi - log_density)
        # near the middle erf_inv is accurate already and Newton's absolute error would not be
        x = np.where(q > 0.1, x, refined)
    out = np.where(p > 0.5, -x, x)
    out = np.where(p == 0, -np.inf, np.where(p == 1, np.inf, out))
    return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, out)


def _shift_up(x: np.ndarray, threshold: float, step: Callable[[np.ndarray], np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Apply the recurrence until every element is >= threshold: returns (z, sum of
    step(z) over the skipped points)."""
    z = x.copy()
    acc = np.zeros_like(x)
    below = z < threshold
    while below.any():
        acc = np.where(below, acc + step(z), acc)
        z = np.where(below, z + 1, z)
        below = z < threshold
    return z, acc


def _lgamma_positive(x: np.ndarray) -> np.ndarray:
    z, log_product = _shift_up(x, 10.0, np.log)  # lgamma(x) = lgamma(x + k) - log(x...(x+k-1))
    inv = 1 / z
    inv2 = inv * inv
    series = np.zeros_like(z)
    for k in range(len(BERNOULLI), 0, -1):
        series = series * inv2 + BERNOULLI[k - 1] / (2 * k * (2 * k - 1))
    return (z - 0.5) * np.log(z) - z + _LOG_SQRT_2PI + series * inv - log_product


def _sin_pi(x: np.ndarray) -> np.ndarray:
    """|sin(pi x)| with the argument reduced exactly first."""
    return np.abs(np.sin(np.pi * (x - np.round(x))))


def lgamma_impl(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    positive = x > 0
    out[positive] = _lgamma_positive(x[positive])
    xn = x[~positive]  # lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x)
    with np.errstate(divide="ignore"):
        out[~positive] = np.log(np.pi / _sin_pi(xn)) - _lgamma_positive(1 - xn)
    out[np.isnan(x)] = np.nan
    return out


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    z, acc = _shift_up(x, 10.0, lambda z: -1 / z)
    inv2 = 1 / (z * z)
    series = np.zeros_like(z)
    for k in range(len(BERNOULLI), 0, -1):
        series = series * inv2 + BERNOULLI[k - 1] / (2 * k)
    return acc + np.log(z) - 0.5 / z - series * inv2


def digamma_impl(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    positive = x > 0
    out[positive] = _digamma_positive(x[positive])
    xn = x[~positive]  # psi(x) = psi(1 - x) - pi / tan(pi x)
    reduced = xn - np.round(xn)
    values = _digamma_positive(1 - xn) - np.pi / np.tan(np.pi * reduced)
    values = np.where(reduced == 0, np.nan, values)  # poles at 0, -1, -2, ...
    out[~positive] = np.where(xn == 0, -1 / xn, values)
    out[np.isnan(x)] = np.nan
    return out


def _polygamma_impl(x: np.ndarray, order: int) -> np.ndarray:
    n = order
    z, acc = _shift_up(np.where(np.isnan(x), 15.0, x), 15.0, lambda z: z ** -(n + 1.0))
    # psi^(n)(z) ~ (-1)^(n+1) [(n-1)!/z^n + n!/(2 z^(n+1)) + sum B_2k (2k+n-1)!/(2k)!/z^(2k+n)]
    series = math.factorial(n - 1) / z ** n + math.factorial(n) / (2 * z ** (n + 1))
    for k in range(1, len(BERNOULLI) + 1):
        series = series + (BERNOULLI[k - 1] * math.factorial(2 * k + n - 1)
                           / math.factorial(2 * k) / z ** (2 * k + n))
    out = (-1) ** (n + 1) * (math.factorial(n) * acc + series)
    poles = (x <= 0) & (x == np.round(x))
    out = np.where(poles, np.inf if n % 2 else np.nan, out)
    return np.where(np.isnan(x), np.nan, out)


# ---------------------------------------------------------------------------------------------
# erf, erfc
# ---------------------------------------------------------------------------------------------

erf_p = special_primitive("erf", _erf_impl)
erfc_p = special_primitive("erfc", _erfc_impl)


def erf(x: Any) -> Any:
    """The error function ``2/sqrt(pi) * integral_0^x e^{-t^2} dt``, elementwise.

    >>> import numpy as np
    >>> round(float(erf(np.float64(1.0))), 12)
    0.84270079295
    """
    return erf_p.bind(check_operand(x, "lax.erf"))


def erfc(x: Any) -> Any:
    """``1 - erf(x)``, with full relative accuracy for large ``x``.

    >>> import numpy as np
    >>> float(erfc(np.float64(10.0)))  # doctest: +ELLIPSIS
    2.08848758376254...e-45
    """
    return erfc_p.bind(check_operand(x, "lax.erfc"))


def _erf_derivative(x: Any) -> Any:
    return mul(float_like(2 / _SQRT_PI, x), exp(neg(mul(x, x))))


defjvp(erf_p, lambda g, ans, x: mul(g, _erf_derivative(x)))
defjvp(erfc_p, lambda g, ans, x: neg(mul(g, _erf_derivative(x))))
defvectorized(erf_p)
defvectorized(erfc_p)


# ---------------------------------------------------------------------------------------------
# erf_inv
# ---------------------------------------------------------------------------------------------

erf_inv_p = special_primitive("erf_inv", _erf_inv_impl)


def erf_inv(x: Any) -> Any:
    """The inverse of ``erf`` on (-1, 1) (+-inf at +-1, NaN outside).

    >>> import numpy as np
    >>> round(float(erf_inv(np.float64(0.5))), 12)
    0.476936276204
    """
    return erf_inv_p.bind(check_operand(x, "lax.erf_inv"))


defjvp(erf_inv_p, lambda g, ans, x: mul(g, mul(float_like(_SQRT_PI / 2, ans),
                                               exp(mul(ans, ans)))))
defvectorized(erf_inv_p)


# ---------------------------------------------------------------------------------------------
# erfcx, log_ndtr, ndtri
# ---------------------------------------------------------------------------------------------

erfcx_p = special_primitive("erfcx", _erfcx_impl)


def erfcx(x: Any) -> Any:
    """The scaled complementary error function ``exp(x^2) erfc(x)``, elementwise; finite
    (about ``1/(x sqrt(pi))``) where ``erfc`` underflows.

    >>> import numpy as np
    >>> round(float(erfcx(np.float64(30.0)) * 30 * np.sqrt(np.pi)), 6)
    0.999445
    """
    return erfcx_p.bind(check_operand(x, "lax.erfcx"))


defjvp(erfcx_p, lambda g, ans, x: mul(g, sub(mul(mul(float_like(2.0, x), x), ans),
                                              float_like(2 / _SQRT_PI, x))))
defvectorized(erfcx_p)


log_ndtr_p = special_primitive("log_ndtr", _log_ndtr_impl)


def log_ndtr(x: Any) -> Any:
    """``log`` of the standard normal CDF, elementwise, accurate far into both tails.

    >>> import numpy as np
    >>> round(float(log_ndtr(np.float64(-40.0))), 6)
    -804.608442
    """
    return log_ndtr_p.bind(check_operand(x, "lax.log_ndtr"))


def _log_ndtr_jvp(g: Any, ans: Any, x: Any) -> Any:
    # d/dx log Phi = phi / Phi: for x < 0 it is sqrt(2/pi) / erfcx(-x/sqrt(2)) (no cancellation
    # of the two large logarithms), for x >= 0 exp(log phi - log Phi); each branch gets an
    # input that keeps it finite, so the unused one cannot put a NaN into higher derivatives.
    zero = float_like(0.0, x)
    negative = lt(x, zero)
    lower = select_n(negative, zero, x)
    upper = select_n(negative, x, zero)
    tail = div(float_like(math.sqrt(2 / math.pi), x),
               erfcx(mul(lower, float_like(-_SQRT_HALF, x))))
    log_density = sub(mul(float_like(-0.5, x), mul(upper, upper)),
                      float_like(_LOG_SQRT_2PI, x))
    body = exp(sub(log_density, log_ndtr(upper)))
    return mul(g, select_n(negative, body, tail))


defjvp(log_ndtr_p, _log_ndtr_jvp)
defvectorized(log_ndtr_p)


ndtri_p = special_primitive("ndtri", _ndtri_impl)


def ndtri(p: Any) -> Any:
    """The inverse of the standard normal CDF on [0, 1] (+-inf at the ends, NaN outside),
    accurate near 0 and 1.

    >>> import numpy as np
    >>> round(float(ndtri(np.float64(0.975))), 12)
    1.95996398454
    """
    return ndtri_p.bind(check_operand(p, "lax.ndtri"))


defjvp(ndtri_p, lambda g, ans, p: mul(g, exp(add(mul(float_like(0.5, ans), mul(ans, ans)),
                                                  float_like(_LOG_SQRT_2PI, ans)))))
defvectorized(ndtri_p)


# ---------------------------------------------------------------------------------------------
# lgamma, digamma, polygamma
# ---------------------------------------------------------------------------------------------

lgamma_p = special_primitive("lgamma", lgamma_impl)
digamma_p = special_primitive("digamma", digamma_impl)
polygamma_p = special_primitive("polygamma", _polygamma_impl)


def lgamma(x: Any) -> Any:
    """``log|Gamma(x)|``, elementwise (+inf at 0, -1, -2, ...).

    >>> import numpy as np
    >>> round(float(lgamma(np.float64(10.0))), 10)  # log(9!)
    12.8018274801
    """
    return lgamma_p.bind(check_operand(x, "lax.lgamma"))


def digamma(x: Any) -> Any:
    """``d/dx log Gamma(x)``, elementwise (NaN at -1, -2, ...).

    >>> import numpy as np
    >>> round(float(digamma(np.float64(1.0))), 12)  # minus the Euler-Mascheroni constant
    -0.577215664902
    """
    return digamma_p.bind(check_operand(x, "lax.digamma"))


def polygamma(n: int | np.integer, x: Any) -> Any:
    """The ``n``-th derivative of ``digamma`` (``n`` a Python int >= 0), elementwise.

    >>> import numpy as np
    >>> round(float(polygamma(1, np.float64(1.0))), 12)  # pi^2 / 6
    1.644934066848
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise TypeError(f"polygamma: order n must be a non-negative Python int, got {n!r}")
    if n == 0:
        return digamma(x)
    return polygamma_p.bind(x, order=int(n))


defjvp(lgamma_p, lambda g, ans, x: mul(g, digamma(x)))
defjvp(digamma_p, lambda g, ans, x: mul(g, polygamma_p.bind(x, order=1)))
defjvp(polygamma_p, lambda g, ans, x, order: mul(g, polygamma_p.bind(x, order=order + 1)))
defvectorized(lgamma_p)
defvectorized(digamma_p)
defvectorized(polygamma_p)

__all__ = ["digamma", "digamma_p", "erf", "erf_inv", "erf_inv_p", "erf_p", "erfc", "erfc_p",
           "erfcx", "erfcx_p", "lgamma", "lgamma_p", "log_ndtr", "log_ndtr_p", "ndtri", "ndtri_p",
           "polygamma", "polygamma_p"]
