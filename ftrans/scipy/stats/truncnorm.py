"""The normal distribution truncated to standardized bounds ``[a, b]``: ``logpdf, pdf, cdf,
logcdf, sf, logsf`` (``loc=0, scale=1``). Masses ``Phi(hi) - Phi(lo)`` are formed as
``log_ndtr(hi) + log(1 - exp(log_ndtr(lo) - log_ndtr(hi)))``, mirrored into the lower tail
when both bounds are positive, so truncation far in either tail keeps its accuracy.

>>> from ftrans.scipy.stats import truncnorm
>>> round(float(truncnorm.logpdf(5.0, 4.0, 6.0)), 10)
-3.0588058953
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, log1mexp, promote, standardize

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)
_BIG = 1e100  # infinite bounds become this: log_ndtr and its derivative stay finite


def _log_mass(lo: Any, hi: Any) -> Any:
    """``log(Phi(hi) - Phi(lo))`` for ``lo <= hi``."""
    big = constant(_BIG, lo)
    lo, hi = fnp.clip(lo, -big, big), fnp.clip(hi, -big, big)
    flip = lo > 0  # Phi(hi) - Phi(lo) = Phi(-lo) - Phi(-hi)
    lo, hi = fnp.where(flip, -hi, lo), fnp.where(flip, -lo, hi)
    log_hi = special.log_ndtr(hi)
    return log_hi + log1mexp(fnp.minimum(special.log_ndtr(lo) - log_hi, constant(0.0, lo)))


def _standard(x: Any, a: Any, b: Any, loc: Any, scale: Any) -> tuple[Any, ...]:
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    return z, a, b, log_scale, ok & (a < b)


def logpdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density at ``x``."""
    z, a, b, log_scale, ok = _standard(x, a, b, loc, scale)
    value = (constant(-0.5, z) * z * z - constant(_LOG_SQRT_2PI, z) - log_scale
             - _log_mass(a, b))
    inside = (z >= a) & (z <= b)
    return finish(ok, fnp.where(inside, value, constant(-np.inf, value)))


def pdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, a, b, loc, scale))


def logcdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X <= x)``."""
    z, a, b, _, ok = _standard(x, a, b, loc, scale)
    return finish(ok, _log_mass(a, fnp.clip(z, a, b)) - _log_mass(a, b))


def cdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x)``."""
    return fnp.exp(logcdf(x, a, b, loc, scale))


def logsf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X > x)``."""
    z, a, b, _, ok = _standard(x, a, b, loc, scale)
    return finish(ok, _log_mass(fnp.clip(z, a, b), b) - _log_mass(a, b))


def sf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x)``."""
    return fnp.exp(logsf(x, a, b, loc, scale))
