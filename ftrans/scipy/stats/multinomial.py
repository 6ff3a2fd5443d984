"""The multinomial distribution of ``n`` draws over categories with probabilities ``p`` (the
last axis): ``logpmf, pmf``. Counts ``x`` may be integer or integer-valued floats (JAX asks
for integers); ``-inf`` unless the counts are non-negative integers summing to ``n``.

>>> import numpy as np
>>> from ftrans.scipy.stats import multinomial
>>> round(float(multinomial.pmf(np.array([1, 2]), 3, np.array([0.4, 0.6]))), 12)
0.432
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, integer_valued, promote, safe

__all__ = ["logpmf", "pmf"]


def logpmf(x: Any, n: Any, p: Any) -> Any:
    """``log(n! prod p_i^x_i / x_i!)`` over the last axis."""
    x, n, p = promote(x, n, p)
    one = constant(1.0, x)
    counts_ok = fnp.all((x >= 0) & integer_valued(x), axis=-1)
    inside = counts_ok & (fnp.sum(x, axis=-1) == n)
    xs = fnp.where(inside[..., None], x, constant(0.0, x))
    value = (special.gammaln(safe(inside, n, 0.0) + one)
             + fnp.sum(special.xlogy(xs, p) - special.gammaln(xs + one), axis=-1))
    return fnp.where(inside, value, constant(-np.inf, value))


def pmf(x: Any, n: Any, p: Any) -> Any:
    """``P(X = x)``."""
    return fnp.exp(logpmf(x, n, p))
