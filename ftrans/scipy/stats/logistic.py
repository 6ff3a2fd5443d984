"""The logistic distribution: ``logpdf, pdf, cdf, sf, ppf, isf`` (``loc=0, scale=1``).

>>> from ftrans.scipy.stats import logistic
>>> round(float(logistic.cdf(0.0)), 12), round(float(logistic.logpdf(800.0)), 6)
(0.5, -800.0)
"""

from __future__ import annotations

from typing import Any

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, promote, standardize

__all__ = ["cdf", "isf", "logpdf", "pdf", "ppf", "sf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density: ``-|z| - 2 log1p(exp(-|z|)) - log(scale)``."""
    x, loc, scale = promote(x, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    a = fnp.abs(z)
    return finish(ok, -a - constant(2.0, z) * fnp.log1p(fnp.exp(-a)) - log_scale)


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x) = expit(z)``."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    return finish(ok, special.expit(z))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x) = expit(-z)``."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    return finish(ok, special.expit(-z))


def ppf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc + scale logit(q)``."""
    q, loc, scale = promote(x, loc, scale)
    return finish(scale > 0, loc + scale * special.logit(q))


def isf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse of ``sf``: ``loc - scale logit(q)``."""
    q, loc, scale = promote(x, loc, scale)
    return finish(scale > 0, loc - scale * special.logit(q))
