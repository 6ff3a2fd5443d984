"""Student's t distribution with ``df`` degrees of freedom: ``logpdf, pdf`` (``loc=0,
scale=1``); NaN where ``df <= 0`` or ``scale <= 0``.

>>> from ftrans.scipy.stats import t
>>> round(float(t.logpdf(1.0, 3.0)), 12)
-1.576252994527
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, promote, safe, standardize

__all__ = ["logpdf", "pdf"]


def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the probability density at ``x``."""
    x, df, loc, scale = promote(x, df, loc, scale)
    z, log_scale, ok = standardize(x, loc, scale)
    ok = ok & (df > 0)
    df = safe(df > 0, df, 1.0)
    half = constant(0.5, z)
    value = (special.gammaln(half * (df + 1)) - special.gammaln(half * df)
             - half * fnp.log(df * constant(np.pi, z))
             - half * (df + 1) * fnp.log1p(z * z / df) - log_scale)
    return finish(ok, value)


def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, df, loc, scale))
