"""The Bernoulli distribution with success probability ``p``: ``logpmf, pmf, cdf, ppf``
(``loc=0`` for the pmf); NaN outside ``0 <= p <= 1``.

>>> from ftrans.scipy.stats import bernoulli
>>> float(bernoulli.pmf(1, 0.3)), float(bernoulli.cdf(0.5, 0.3))
(0.3, 0.7)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, promote

__all__ = ["cdf", "logpmf", "pmf", "ppf"]


def logpmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``log p`` at 1, ``log(1 - p)`` at 0, ``-inf`` elsewhere."""
    k, p, loc = promote(k, p, loc)
    k = k - loc
    one = constant(1.0, k)
    value = special.xlogy(k, p) + special.xlog1py(one - k, -p)
    inside = (k == 0) | (k == 1)
    return finish((p >= 0) & (p <= 1), fnp.where(inside, value, constant(-np.inf, value)))


def pmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``P(X = k)``."""
    return fnp.exp(logpmf(k, p, loc))


def cdf(k: Any, p: Any) -> Any:
    """``P(X <= k)``: 0 below 0, ``1 - p`` on [0, 1), 1 from 1 on."""
    k, p = promote(k, p)
    zero, one = constant(0.0, k), constant(1.0, k)
    value = fnp.where(k < 0, zero, fnp.where(k < 1, one - p, one))
    return finish((p >= 0) & (p <= 1), value)


def ppf(q: Any, p: Any) -> Any:
    """The smallest ``k`` with ``cdf(k) >= q``: 0 for ``q <= 1 - p``, else 1 (SciPy's -1 at
    ``q == 0`` included); NaN outside [0, 1]."""
    q, p = promote(q, p)
    value = fnp.where(q <= constant(1.0, q) - p, constant(0.0, q), constant(1.0, q))
    value = fnp.where(q == 0, constant(-1.0, q), value)
    return finish((p >= 0) & (p <= 1) & (q >= 0) & (q <= 1), value)
