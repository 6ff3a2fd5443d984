"""The beta distribution with shapes ``a, b`` on ``[loc, loc + scale]``: ``logpdf, pdf, cdf,
logcdf, sf, logsf``. The CDF is ``betainc`` (differentiable in ``x`` only, as JAX);
``-inf`` log-density off the support, NaN for non-positive ``a``, ``b`` or ``scale``.

>>> from ftrans.scipy.stats import beta
>>> round(float(beta.cdf(0.4, 2.0, 3.0)), 12)
0.5248
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, promote, safe, standardize

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def _standard(x: Any, a: Any, b: Any, loc: Any, scale: Any) -> tuple[Any, ...]:
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    ok = ok & (a > 0) & (b > 0)
    return z, safe(a > 0, a, 1.0), safe(b > 0, b, 1.0), log_scale, ok


def logpdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density at ``x``."""
    z, a, b, log_scale, ok = _standard(x, a, b, loc, scale)
    inside = (z >= 0) & (z <= 1)
    zs = safe(inside, z, 0.5)
    one = constant(1.0, z)
    value = (special.xlogy(a - one, zs) + special.xlog1py(b - one, -zs)
             - special.betaln(a, b) - log_scale)
    return finish(ok, fnp.where(inside, value, constant(-np.inf, value)))


def pdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, a, b, loc, scale))


def cdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x)``."""
    z, a, b, _, ok = _standard(x, a, b, loc, scale)
    z = fnp.clip(z, constant(0.0, z), constant(1.0, z))
    return finish(ok, special.betainc(a, b, z))


def logcdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X <= x)``."""
    return fnp.log(cdf(x, a, b, loc, scale))


def sf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x) = I_{1-x}(b, a)``, accurate where it is small."""
    z, a, b, _, ok = _standard(x, a, b, loc, scale)
    z = fnp.clip(z, constant(0.0, z), constant(1.0, z))
    return finish(ok, special.betainc(b, a, constant(1.0, z) - z))


def logsf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X > x)``."""
    return fnp.log(sf(x, a, b, loc, scale))
