"""The Pareto distribution with shape ``b`` (support ``z >= 1``): ``logpdf, pdf, cdf, logcdf,
sf, logsf, ppf`` (``loc=0, scale=1``).

>>> from ftrans.scipy.stats import pareto
>>> round(float(pareto.sf(2.0, 3.0)), 12)
0.125
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy.stats._util import constant, finish, log1mexp, promote, safe, standardize

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def _standard(x: Any, b: Any, loc: Any, scale: Any) -> tuple[Any, ...]:
    x, b, loc, scale = promote(x, b, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    inside = z >= 1
    return safe(inside, z, 1.0), safe(b > 0, b, 1.0), log_scale, ok & (b > 0), inside


def logpdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density at ``x``."""
    z, b, log_scale, ok, inside = _standard(x, b, loc, scale)
    value = fnp.log(b) - (b + constant(1.0, b)) * fnp.log(z) - log_scale
    return finish(ok, fnp.where(inside, value, constant(-np.inf, value)))


def pdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, b, loc, scale))


def logsf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X > x) = -b log z`` (0 below the support)."""
    z, b, _, ok, inside = _standard(x, b, loc, scale)
    return finish(ok, fnp.where(inside, -b * fnp.log(z), constant(0.0, z)))


def sf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x) = z^-b``."""
    return fnp.exp(logsf(x, b, loc, scale))


def logcdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X <= x) = log(1 - z^-b)``."""
    z, b, _, ok, inside = _standard(x, b, loc, scale)
    value = log1mexp(-b * fnp.log(z))
    return finish(ok, fnp.where(inside, value, constant(-np.inf, value)))


def cdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x) = 1 - z^-b``."""
    z, b, _, ok, inside = _standard(x, b, loc, scale)
    return finish(ok, fnp.where(inside, -fnp.expm1(-b * fnp.log(z)), constant(0.0, z)))


def ppf(q: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc + scale (1 - q)^(-1/b)`` (NaN outside [0, 1])."""
    q, b, loc, scale = promote(q, b, loc, scale)
    inside = (q >= 0) & (q <= 1)
    b_safe = safe(b > 0, b, 1.0)
    value = loc + scale * fnp.exp(-fnp.log1p(-safe(inside, q, 0.5)) / b_safe)
    return finish((scale > 0) & (b > 0) & inside, value)
