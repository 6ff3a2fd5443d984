"""The Dirichlet distribution with concentrations ``alpha`` (shape ``(K,)``): ``logpdf, pdf``.
``x`` has ``K`` entries along its first axis (or ``K - 1``, the last then being one minus
their sum), further axes batch; ``-inf`` off the simplex (entries in [0, 1] summing to 1).

>>> import numpy as np
>>> from ftrans.scipy.stats import dirichlet
>>> round(float(dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), np.array([1.0, 2.0, 3.0]))), 10)
1.5040773968
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.core import get_aval
from ftrans.scipy import special
from ftrans.scipy.stats._util import constant, promote

__all__ = ["logpdf", "pdf"]


def logpdf(x: Any, alpha: Any) -> Any:
    """Log of the probability density at ``x``.

    Raises:
      ValueError: ``alpha`` is not 1-d, or ``x``'s first axis is neither ``K`` nor ``K - 1``.
    """
    x, alpha = promote(x, alpha)
    x_shape, alpha_shape = get_aval(x).shape, get_aval(alpha).shape
    if len(alpha_shape) != 1:
        raise ValueError(f"dirichlet: alpha must be 1-d (K,), got shape {alpha_shape}")
    k = alpha_shape[0]
    if not x_shape or x_shape[0] not in (k, k - 1):
        raise ValueError(f"dirichlet: x needs K={k} or K-1={k - 1} entries along its first "
                         f"axis, got shape {x_shape}")
    one = constant(1.0, x)
    if x_shape[0] == k - 1:
        x = fnp.concatenate([x, one - fnp.sum(x, axis=0, keepdims=True)], axis=0)
    alpha = fnp.reshape(alpha, (k,) + (1,) * (len(x_shape) - 1))
    normalizer = fnp.sum(special.gammaln(alpha)) - special.gammaln(fnp.sum(alpha))
    value = fnp.sum(special.xlogy(alpha - one, x), axis=0) - normalizer
    tolerance = constant(1e-6 if get_aval(x).dtype == np.float64 else 1e-4, x)
    on_simplex = (fnp.all((x >= 0) & (x <= 1), axis=0)
                  & (fnp.abs(fnp.sum(x, axis=0) - one) <= tolerance))
    return fnp.where(on_simplex, value, constant(-np.inf, value))


def pdf(x: Any, alpha: Any) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, alpha))
