"""The beta-binomial distribution (``n`` trials whose success probability is ``Beta(a, b)``):
``logpmf, pmf`` (``loc=0``).

>>> from ftrans.scipy.stats import betabinom
>>> round(float(betabinom.pmf(2, 5, 2.0, 3.0)), 12)
0.238095238095
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, integer_valued, promote, safe

__all__ = ["logpmf", "pmf"]


def logpmf(k: Any, n: Any, a: Any, b: Any, loc: Any = 0) -> Any:
    """``log(C(n, k) B(k + a, n - k + b) / B(a, b))`` on the support."""
    k, n, a, b, loc = promote(k, n, a, b, loc)
    k = k - loc
    valid = (n >= 0) & integer_valued(n) & (a > 0) & (b > 0)
    inside = (k >= 0) & (k <= n) & integer_valued(k)
    ks = safe(inside, k, 0.0)
    ns = safe(valid, n, 0.0)
    a, b = safe(valid, a, 1.0), safe(valid, b, 1.0)
    one = constant(1.0, k)
    value = (-fnp.log(ns + one) - special.betaln(ns - ks + one, ks + one)
             + special.betaln(ks + a, ns - ks + b) - special.betaln(a, b))
    return finish(valid, fnp.where(inside, value, constant(-np.inf, value)))


def pmf(k: Any, n: Any, a: Any, b: Any, loc: Any = 0) -> Any:
    """``P(X = k)``."""
    return fnp.exp(logpmf(k, n, a, b, loc))
