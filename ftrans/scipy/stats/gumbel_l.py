"""The Gumbel distribution of minima (left-skewed): ``logpdf, pdf, cdf, logcdf, sf, logsf, ppf``
(``loc=0, scale=1``).

>>> from ftrans.scipy.stats import gumbel_l
>>> round(float(gumbel_l.sf(0.0)), 12)  # exp(-1)
0.367879441171
"""

from __future__ import annotations

from typing import Any

from ftrans import numpy as fnp
from ftrans.scipy.stats import _gumbel

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density at ``x``."""
    return _gumbel.logpdf(x, loc, scale, False)


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X <= x)``."""
    return _gumbel.log_upper(x, loc, scale, False)


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x)``."""
    return fnp.exp(logcdf(x, loc, scale))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X > x)``."""
    return _gumbel.log_lower(x, loc, scale, False)


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x)``."""
    return fnp.exp(logsf(x, loc, scale))


def ppf(p: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function (NaN outside [0, 1])."""
    return _gumbel.quantile(p, loc, scale, False)
