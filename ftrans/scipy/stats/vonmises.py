"""The von Mises distribution on the circle with concentration ``kappa``: ``logpdf, pdf``
(periodic in ``x``, as SciPy). The normaliser uses ``i0e`` so large ``kappa`` does not
overflow.

>>> from ftrans.scipy.stats import vonmises
>>> round(float(vonmises.logpdf(0.0, 2.0)), 12)
-0.661870607892
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, finish, promote, safe

__all__ = ["logpdf", "pdf"]


def logpdf(x: Any, kappa: Any) -> Any:
    """Log of the probability density: ``kappa (cos x - 1) - log(2 pi i0e(kappa))``."""
    x, kappa = promote(x, kappa)
    ok = kappa > 0
    kappa = safe(ok, kappa, 1.0)
    value = kappa * (fnp.cos(x) - constant(1.0, x)) - fnp.log(
        constant(2 * np.pi, x) * special.i0e(kappa))
    return finish(ok, value)


def pdf(x: Any, kappa: Any) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, kappa))
