"""The negative binomial distribution (failures before the ``n``-th success, with success
probability ``p``): ``logpmf, pmf`` (``loc=0``); ``n`` may be any positive real.

>>> from ftrans.scipy.stats import nbinom
>>> round(float(nbinom.pmf(2, 3, 0.5)), 12)
0.1875
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, integer_valued, promote, safe

__all__ = ["logpmf", "pmf"]


def logpmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``log(Gamma(n + k) / (k! Gamma(n)) p^n (1 - p)^k)`` on the support."""
    k, n, p, loc = promote(k, n, p, loc)
    k = k - loc
    valid = (n > 0) & (p > 0) & (p <= 1)
    inside = (k >= 0) & integer_valued(k)
    ks = safe(inside, k, 0.0)
    ns = safe(valid, n, 1.0)
    value = (special.gammaln(ns + ks) - special.gammaln(ks + constant(1.0, ks))
             - special.gammaln(ns) + special.xlogy(ns, p) + special.xlog1py(ks, -p))
    return finish(valid, fnp.where(inside, value, constant(-np.inf, value)))


def pmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``P(X = k)``."""
    return fnp.exp(logpmf(k, n, p, loc))
