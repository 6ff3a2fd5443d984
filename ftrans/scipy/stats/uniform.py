"""The uniform distribution on ``[loc, loc + scale]``: ``logpdf, pdf, cdf, ppf``.

>>> from ftrans.scipy.stats import uniform
>>> float(uniform.pdf(0.5)), float(uniform.logpdf(2.0)), float(uniform.cdf(0.25))
(1.0, -inf, 0.25)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy.stats._util import constant, finish, promote, standardize

__all__ = ["cdf", "logpdf", "pdf", "ppf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-log(scale)`` on the support, ``-inf`` off it."""
    x, loc, scale = promote(x, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    inside = (z >= 0) & (z <= 1)
    return finish(ok, fnp.where(inside, -log_scale, constant(-np.inf, z)))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x)``, clipped to [0, 1]."""
    x, loc, scale = promote(x, loc, scale)
    z, _, ok = standardize(x, loc, scale)
    return finish(ok, fnp.clip(z, constant(0.0, z), constant(1.0, z)))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc + q scale`` (NaN outside [0, 1])."""
    q, loc, scale = promote(q, loc, scale)
    return finish((scale > 0) & (q >= 0) & (q <= 1), loc + q * scale)
