"""The geometric distribution (trials up to the first success, support ``k >= 1``) with
success probability ``p``: ``logpmf, pmf`` (``loc=0``).

>>> from ftrans.scipy.stats import geom
>>> round(float(geom.pmf(2, 0.3)), 12)
0.21
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, integer_valued, promote, safe

__all__ = ["logpmf", "pmf"]


def logpmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``log((1 - p)^(k - 1) p)`` on the support, ``-inf`` off it."""
    k, p, loc = promote(k, p, loc)
    k = k - loc
    valid = (p > 0) & (p <= 1)
    inside = (k >= 1) & integer_valued(k)
    ks = safe(inside, k, 1.0)
    value = special.xlog1py(ks - constant(1.0, ks), -p) + fnp.log(safe(valid, p, 0.5))
    return finish(valid, fnp.where(inside, value, constant(-np.inf, value)))


def pmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``P(X = k)``."""
    return fnp.exp(logpmf(k, p, loc))
