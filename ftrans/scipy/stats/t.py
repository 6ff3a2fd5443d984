"""Student's t distribution with ``df`` degrees of freedom: ``logpdf, pdf, cdf, logcdf, sf,
logsf`` (``loc=0, scale=1``); NaN where ``df <= 0`` or ``scale <= 0``. The distribution
functions go through the regularized incomplete beta function (``P(T <= -|z|) =
I_{df/(df+z^2)}(df/2, 1/2) / 2``), so they are differentiable in ``x``, ``loc`` and ``scale``
(not in ``df``, as ``betainc`` is not in its parameters).

>>> from ftrans.scipy.stats import t
>>> round(float(t.logpdf(1.0, 3.0)), 12)
-1.576252994527
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, promote, safe, standardize

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density at ``x``."""
    x, df, loc, scale = promote(x, df, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    ok = ok & (df > 0)
    df = safe(df > 0, df, 1.0)
    half = constant(0.5, z)
    value = (special.gammaln(half * (df + 1)) - special.gammaln(half * df)
             - half * fnp.log(df * constant(np.pi, z))
             - half * (df + 1) * fnp.log1p(z * z / df) - log_scale)
    return finish(ok, value)


def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, df, loc, scale))


def _lower_tail(x: Any, df: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any]:
    """``(z, P(T <= -|z|), parameters valid)``."""
    x, df, loc, scale = promote(x, df, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    ok = ok & (df > 0)
    df = safe(df > 0, df, 1.0)
    half = constant(0.5, z)
    return z, half * special.betainc(half * df, half, df / (df + z * z)), ok


def cdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x)``.

    >>> from ftrans.scipy.stats import t
    >>> round(float(t.cdf(1.0, 3.0)), 12)
    0.804498890522
    """
    z, tail, ok = _lower_tail(x, df, loc, scale)
    return finish(ok, fnp.where(z < 0, tail, 1 - tail))


def sf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function ``P(X > x) = 1 - cdf``, accurate in the upper tail."""
    z, tail, ok = _lower_tail(x, df, loc, scale)
    return finish(ok, fnp.where(z > 0, tail, 1 - tail))


def logcdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of :func:`cdf`, accurate in the lower tail."""
    z, tail, ok = _lower_tail(x, df, loc, scale)
    return finish(ok, fnp.where(z < 0, fnp.log(tail), fnp.log1p(-tail)))


def logsf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of :func:`sf`, accurate in the upper tail."""
    z, tail, ok = _lower_tail(x, df, loc, scale)
    return finish(ok, fnp.where(z > 0, fnp.log(tail), fnp.log1p(-tail)))
