"""The normal distribution ``N(loc, scale^2)``: ``logpdf, pdf, cdf, logcdf, sf, logsf, ppf,
isf`` (``loc=0, scale=1`` keywords, broadcasting). Tails through ``log_ndtr`` and ``ndtri``, so
``logcdf(-40)`` and ``ppf(1e-300)`` are accurate; NaN where ``scale <= 0`` (as SciPy).

>>> from ftrans.scipy.stats import norm
>>> round(float(norm.logpdf(1.0, loc=0.0, scale=2.0)), 12)
-1.737085713765
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, promote, standardize
from ftrans import numpy as fnp

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density at ``x``."""
    x, loc, scale = promote(x, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    return finish(ok, constant(-0.5, z) * z * z - log_scale - constant(_LOG_SQRT_2PI, z))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x)``."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    return finish(ok, special.ndtr(z))


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X <= x)``, accurate in the lower tail."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    return finish(ok, special.log_ndtr(z))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x)``."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    return finish(ok, special.ndtr(-z))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X > x)``, accurate in the upper tail."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    return finish(ok, special.log_ndtr(-z))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function (inverse of ``cdf``)."""
    q, loc, scale = promote(q, loc, scale)
    return finish(scale > 0, loc + scale * special.ndtri(q))


def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse of ``sf``: ``ppf(1 - q)``, without rounding ``1 - q``."""
    q, loc, scale = promote(q, loc, scale)
    return finish(scale > 0, loc - scale * special.ndtri(q))
