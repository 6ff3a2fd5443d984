"""The exponential distribution: ``logpdf, pdf, cdf, logcdf, sf, logsf, ppf`` (``loc=0,
scale=1``); ``-inf`` log-density below ``loc``.

>>> from ftrans.scipy.stats import expon
>>> round(float(expon.logsf(3.0)), 12), float(expon.logpdf(-1.0))
(-3.0, -inf)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy.stats._util import constant, finish, log1mexp, promote, safe, standardize

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density at ``x``."""
    x, loc, scale = promote(x, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    return finish(ok, fnp.where(z >= 0, -z - log_scale, constant(-np.inf, z)))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x) = 1 - exp(-z)`` (0 below ``loc``)."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    return finish(ok, -fnp.expm1(-fnp.maximum(z, constant(0.0, z))))


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X <= x)``."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    positive = z > 0
    return finish(ok, fnp.where(positive, log1mexp(-safe(positive, z, 1.0)),
                                constant(-np.inf, z)))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x) = exp(-z)`` (1 below ``loc``)."""
    return fnp.exp(logsf(x, loc, scale))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X > x) = -z`` (0 below ``loc``)."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    return finish(ok, -fnp.maximum(z, constant(0.0, z)))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc - scale log1p(-q)`` (NaN outside [0, 1])."""
    q, loc, scale = promote(q, loc, scale)
    inside = (q >= 0) & (q <= 1)
    return finish((scale > 0) & inside, loc - scale * fnp.log1p(-safe(inside, q, 0.5)))
