"""The Cauchy distribution: ``logpdf, pdf, cdf, logcdf, sf, logsf, ppf, isf`` (``loc=0,
scale=1``). The CDF is ``atan2(1, -z) / pi``, which keeps full relative accuracy in the lower
tail (``0.5 + atan(z)/pi`` would cancel).

>>> from ftrans.scipy.stats import cauchy
>>> round(float(cauchy.cdf(1.0)), 12)
0.75
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy.stats._util import constant, finish, promote, standardize

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density at ``x``."""
    x, loc, scale = promote(x, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    return finish(ok, -constant(np.log(np.pi), z) - log_scale - fnp.log1p(z * z))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x)``."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    return finish(ok, fnp.arctan2(constant(1.0, z), -z) / constant(np.pi, z))


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X <= x)``."""
    return fnp.log(cdf(x, loc, scale))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x)``."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    return finish(ok, fnp.arctan2(constant(1.0, z), z) / constant(np.pi, z))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X > x)``."""
    return fnp.log(sf(x, loc, scale))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc + scale tan(pi (q - 1/2))``."""
    q, loc, scale = promote(q, loc, scale)
    inside = (q >= 0) & (q <= 1)
    value = loc + scale * fnp.tan(constant(np.pi, q) * (q - constant(0.5, q)))
    return finish((scale > 0) & inside, value)


def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse of ``sf``."""
    q, loc, scale = promote(q, loc, scale)
    inside = (q >= 0) & (q <= 1)
    value = loc + scale * fnp.tan(constant(np.pi, q) * (constant(0.5, q) - q))
    return finish((scale > 0) & inside, value)
