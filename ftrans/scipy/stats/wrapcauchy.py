"""The wrapped Cauchy distribution on ``[0, 2 pi]`` with shape ``0 < c < 1``: ``logpdf, pdf``.

>>> from ftrans.scipy.stats import wrapcauchy
>>> round(float(wrapcauchy.logpdf(1.0, 0.5)), 12)
-1.78264295633
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy.stats._util import constant, finish, promote, safe

__all__ = ["logpdf", "pdf"]


def logpdf(x: Any, c: Any) -> Any:
    """``log((1 - c^2) / (2 pi (1 + c^2 - 2 c cos x)))`` on the support, ``-inf`` off it."""
    x, c = promote(x, c)
    ok = (c > 0) & (c < 1)
    c = safe(ok, c, 0.5)
    one = constant(1.0, x)
    value = (fnp.log1p(-c * c) - constant(np.log(2 * np.pi), x)
             - fnp.log(one + c * c - constant(2.0, x) * c * fnp.cos(x)))
    inside = (x >= 0) & (x <= constant(2 * np.pi, x))
    return finish(ok, fnp.where(inside, value, constant(-np.inf, value)))


def pdf(x: Any, c: Any) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, c))
