"""The chi-squared distribution with ``df`` degrees of freedom (a gamma distribution of shape
``df/2`` and scale 2): ``logpdf, pdf, cdf, logcdf, sf, logsf`` (``loc=0, scale=1``).

>>> from ftrans.scipy.stats import chi2
>>> round(float(chi2.cdf(3.84145882069412, 1.0)), 10)
0.95
"""

from __future__ import annotations

from typing import Any

from ftrans.scipy.stats import gamma
from ftrans.scipy.stats._util import constant, promote

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def _as_gamma(df: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any]:
    df, loc, scale = promote(df, loc, scale)
    return constant(0.5, df) * df, loc, constant(2.0, scale) * scale


def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density at ``x``."""
    return gamma.logpdf(x, *_as_gamma(df, loc, scale))


def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return gamma.pdf(x, *_as_gamma(df, loc, scale))


def cdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x)``."""
    return gamma.cdf(x, *_as_gamma(df, loc, scale))


def logcdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X <= x)``."""
    return gamma.logcdf(x, *_as_gamma(df, loc, scale))


def sf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x)``."""
    return gamma.sf(x, *_as_gamma(df, loc, scale))


def logsf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X > x)``."""
    return gamma.logsf(x, *_as_gamma(df, loc, scale))
