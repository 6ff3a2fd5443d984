"""The generalized normal distribution with shape ``beta`` (density proportional to
``exp(-|x|^beta)``): ``logpdf, pdf, cdf``. The CDF is ``(1 + sign(x) P(1/beta, |x|^beta))/2``
with the regularized incomplete gamma function ``P``.

>>> from ftrans.scipy.stats import gennorm
>>> round(float(gennorm.cdf(0.0, 1.5)), 12)
0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, promote, safe

__all__ = ["cdf", "logpdf", "pdf"]


def logpdf(x: Any, beta: Any) -> Any:
    """Log of the probability density at ``x``."""
    x, beta = promote(x, beta)
    ok = beta > 0
    beta = safe(ok, beta, 1.0)
    value = (fnp.log(beta) - constant(np.log(2.0), x) - special.gammaln(constant(1.0, x) / beta)
             - fnp.abs(x) ** beta)
    return finish(ok, value)


def pdf(x: Any, beta: Any) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, beta))


def cdf(x: Any, beta: Any) -> Any:
    """``P(X <= x)``."""
    x, beta = promote(x, beta)
    ok = beta > 0
    beta = safe(ok, beta, 1.0)
    half = constant(0.5, x)
    return finish(ok, half + half * fnp.sign(x) * special.gammainc(
        constant(1.0, x) / beta, fnp.abs(x) ** beta))
