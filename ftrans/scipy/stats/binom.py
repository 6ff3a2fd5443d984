"""The binomial distribution of ``n`` trials with success probability ``p``: ``logpmf, pmf``
(``loc=0``); ``-inf`` off the support (non-integer ``k`` included, as SciPy), NaN for
invalid ``n`` or ``p``.

>>> from ftrans.scipy.stats import binom
>>> round(float(binom.pmf(2, 5, 0.3)), 12)
0.3087
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, integer_valued, promote, safe

__all__ = ["logpmf", "pmf"]


def logpmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``log(C(n, k) p^k (1 - p)^(n - k))`` on the support, ``-inf`` off it."""
    k, n, p, loc = promote(k, n, p, loc)
    k = k - loc
    valid = (n >= 0) & integer_valued(n) & (p >= 0) & (p <= 1)
    inside = (k >= 0) & (k <= n) & integer_valued(k)
    ks = safe(inside, k, 0.0)
    ns = safe(valid, n, 0.0)
    one = constant(1.0, k)
    value = (special.gammaln(ns + one) - special.gammaln(ks + one)
             - special.gammaln(ns - ks + one) + special.xlogy(ks, p)
             + special.xlog1py(ns - ks, -p))
    return finish(valid, fnp.where(inside, value, constant(-np.inf, value)))


def pmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``P(X = k)``."""
    return fnp.exp(logpmf(k, n, p, loc))
