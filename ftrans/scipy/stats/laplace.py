"""The Laplace (double exponential) distribution: ``logpdf, pdf, cdf`` (``loc=0, scale=1``).

>>> from ftrans.scipy.stats import laplace
>>> round(float(laplace.cdf(0.0)), 12)
0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy.stats._util import constant, finish, promote, standardize

__all__ = ["cdf", "logpdf", "pdf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density at ``x``."""
    x, loc, scale = promote(x, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    return finish(ok, -fnp.abs(z) - log_scale - constant(np.log(2.0), z))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x)``; ``exp(-|z|)`` in both branches, so neither overflows."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    half_tail = constant(0.5, z) * fnp.exp(-fnp.abs(z))
    return finish(ok, fnp.where(z < 0, half_tail, constant(1.0, z) - half_tail))
