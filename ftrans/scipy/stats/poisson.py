"""The Poisson distribution with mean ``mu``: ``logpmf, pmf, cdf`` (``loc=0``). Non-integer
``k`` has probability 0 (as SciPy); NaN where ``mu < 0``.

>>> from ftrans.scipy.stats import poisson
>>> round(float(poisson.pmf(2, 3.0)), 12)
0.224041807655
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, integer_valued, promote, safe

__all__ = ["cdf", "logpmf", "pmf"]


def logpmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``log P(X = k) = k log mu - log k! - mu`` on the support, ``-inf`` off it."""
    k, mu, loc = promote(k, mu, loc)
    k = k - loc
    inside = (k >= 0) & integer_valued(k)
    ks = safe(inside, k, 0.0)
    value = special.xlogy(ks, mu) - special.gammaln(ks + constant(1.0, ks)) - mu
    return finish(mu >= 0, fnp.where(inside, value, constant(-np.inf, value)))


def pmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``P(X = k)``."""
    return fnp.exp(logpmf(k, mu, loc))


def cdf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``P(X <= k) = Q(floor(k) + 1, mu)`` (the regularized upper incomplete gamma)."""
    k, mu, loc = promote(k, mu, loc)
    k = fnp.floor(k - loc)
    inside = k >= 0
    value = special.gammaincc(safe(inside, k, 0.0) + constant(1.0, k), mu)
    return finish(mu >= 0, fnp.where(inside, value, constant(0.0, value)))
