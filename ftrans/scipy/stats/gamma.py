"""The gamma distribution with shape ``a``: ``logpdf, pdf, cdf, logcdf, sf, logsf`` (``loc=0,
scale=1``). The CDF is ``gammainc(a, z)`` (differentiable in ``x``, and in ``a`` to first
order); ``-inf`` log-density below ``loc``, NaN where ``a <= 0`` or ``scale <= 0``.

>>> from ftrans.scipy.stats import gamma
>>> round(float(gamma.logpdf(2.0, 3.0)), 12)
-1.30685281944
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, promote, safe, standardize

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def logpdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density at ``x``."""
    x, a, loc, scale = promote(x, a, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    ok = ok & (a > 0)
    a = safe(a > 0, a, 1.0)
    inside = z >= 0
    zs = safe(inside, z, 1.0)
    value = special.xlogy(a - constant(1.0, a), zs) - zs - special.gammaln(a) - log_scale
    return finish(ok, fnp.where(inside, value, constant(-np.inf, value)))


def pdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, a, loc, scale))


def _standard(x: Any, a: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any]:
    x, a, loc, scale = promote(x, a, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    return fnp.maximum(z, constant(0.0, z)), safe(a > 0, a, 1.0), ok & (a > 0)


def cdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x)``."""
    z, a, ok = _standard(x, a, loc, scale)
    return finish(ok, special.gammainc(a, z))


def logcdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X <= x)``."""
    return fnp.log(cdf(x, a, loc, scale))


def sf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x)``, with full relative accuracy in the upper tail."""
    z, a, ok = _standard(x, a, loc, scale)
    return finish(ok, special.gammaincc(a, z))


def logsf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X > x)``."""
    return fnp.log(sf(x, a, loc, scale))
