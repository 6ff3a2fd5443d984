"""The multivariate normal distribution: ``logpdf, pdf``. ``x`` and ``mean`` have the
dimension on their last axis (leading axes batch, broadcasting); ``cov`` is ``(n, n)`` (or
batched ``(..., n, n)``), a 1-d diagonal, or a scalar times the identity. Through a Cholesky
factor and a triangular solve, so gradients flow to ``x``, ``mean`` and ``cov``.

>>> import numpy as np
>>> from ftrans.scipy.stats import multivariate_normal
>>> round(float(multivariate_normal.logpdf(np.array([1.0, 2.0]), np.zeros(2), np.eye(2))), 10)
-4.3378770664
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.core import get_aval
from ftrans.lax.linalg_decompositions import triangular_solve
from ftrans.scipy.stats._util import constant, promote

__all__ = ["logpdf", "pdf"]


def logpdf(x: Any, mean: Any, cov: Any, allow_singular: None = None) -> Any:
    """Log of the probability density at ``x``.

    Raises:
      ValueError: ``allow_singular`` is set, or the shapes do not fit together.
    """
    if allow_singular is not None:
        raise ValueError("multivariate_normal.logpdf: allow_singular is not supported "
                         "(as in JAX); pass allow_singular=None")
    x, mean, cov = promote(x, mean, cov)
    mean_shape, cov_shape = get_aval(mean).shape, get_aval(cov).shape
    diff = x - mean
    if not mean_shape:  # univariate
        if cov_shape:
            raise ValueError(f"multivariate_normal: a scalar mean needs a scalar cov, got "
                             f"cov shape {cov_shape}")
        return constant(-0.5, diff) * (diff * diff / cov + fnp.log(
            constant(2 * np.pi, diff) * cov))
    n = mean_shape[-1]
    if get_aval(diff).shape[-1:] != (n,):
        raise ValueError(f"multivariate_normal: x and mean need the dimension on the last "
                         f"axis, got shapes {get_aval(x).shape} and {mean_shape}")
    log_2pi = constant(n * np.log(2 * np.pi), diff)
    if len(cov_shape) < 2:  # scalar or diagonal covariance
        variances = fnp.broadcast_to(cov, (n,)) if len(cov_shape) == 0 else cov
        if get_aval(variances).shape != (n,):
            raise ValueError(f"multivariate_normal: a 1-d cov is the diagonal, of length {n}; "
                             f"got shape {cov_shape}")
        maha = fnp.sum(diff * diff / variances, axis=-1)
        return constant(-0.5, diff) * (log_2pi + fnp.sum(fnp.log(variances)) + maha)
    if cov_shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal: cov must be ({n}, {n}), got {cov_shape}")
    factor = fnp.linalg.cholesky(cov)
    batch = np.broadcast_shapes(get_aval(diff).shape[:-1], cov_shape[:-2])
    factor = fnp.broadcast_to(factor, batch + (n, n))
    rows = fnp.broadcast_to(diff, batch + (n,))[..., None, :]
    # y L^T = d  <=>  L y^T = d^T: the whitened residual
    whitened = triangular_solve(factor, rows, left_side=False, lower=True, transpose_a=True)
    maha = fnp.sum(whitened[..., 0, :] ** 2, axis=-1)
    log_det = constant(2.0, diff) * fnp.sum(
        fnp.log(fnp.diagonal(factor, axis1=-2, axis2=-1)), axis=-1)
    return constant(-0.5, diff) * (log_2pi + log_det + maha)


def pdf(x: Any, mean: Any, cov: Any) -> Any:
    """The probability density at ``x``."""
    return fnp.exp(logpdf(x, mean, cov))
