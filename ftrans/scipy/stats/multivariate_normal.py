"""The multivariate normal distribution: ``logpdf, pdf, entropy``. ``x`` and ``mean`` have
the dimension on their last axis (leading axes batch, broadcasting); ``cov`` is ``(n, n)`` (or
batched ``(..., n, n)``), a 1-d diagonal, or a scalar times the identity. Through a Cholesky
factor and a triangular solve, so gradients flow to ``x``, ``mean`` and ``cov``.

``allow_singular=True`` (SciPy's keyword) takes a positive semi-definite ``cov`` instead:
through its eigendecomposition, eigenvalues at most ``1e6 * eps * max|eigenvalue|`` count as
zero, the density lives on the span of the others (pseudo-determinant and pseudo-inverse,
``-inf`` off it), as in SciPy.

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

__all__ = ["entropy", "logpdf", "pdf"]


def _full_cov(cov: Any, n: int) -> Any:
    """A scalar or 1-d diagonal covariance as the ``(n, n)`` matrix."""
    shape = get_aval(cov).shape
    if len(shape) >= 2:
        return cov
    return fnp.eye(n, dtype=get_aval(cov).dtype) * fnp.broadcast_to(cov, (n,))


def _eigen_parts(cov: Any) -> tuple[Any, Any, Any, Any, Any]:
    """``(eigenvectors, 1/eigenvalue or 0, log pseudo-determinant, rank, max |eigenvalue|)``
    of a positive semi-definite ``cov`` (SciPy's cutoff for "zero" eigenvalues)."""
    values, vectors = fnp.linalg.eigh(cov)
    dtype = get_aval(values).dtype
    top = fnp.max(fnp.abs(values), axis=-1, keepdims=True)
    kept = values > constant((1e3 if dtype == np.float32 else 1e6) * np.finfo(dtype).eps,
                             values) * top
    safe_values = fnp.where(kept, values, constant(1.0, values))
    inverse = fnp.where(kept, 1 / safe_values, constant(0.0, values))
    log_pdet = fnp.sum(fnp.where(kept, fnp.log(safe_values), constant(0.0, values)), axis=-1)
    return vectors, inverse, log_pdet, fnp.sum(kept, axis=-1).astype(dtype), top[..., 0]


def _singular_logpdf(diff: Any, cov: Any) -> Any:
    vectors, inverse, log_pdet, rank, top = _eigen_parts(cov)
    coords = fnp.einsum("...i,...ij->...j", diff, vectors)  # diff in the eigenbasis
    maha = fnp.sum(coords * coords * inverse, axis=-1)
    # the part of diff outside the covariance's span: the density is zero there
    off = fnp.sum(fnp.where(inverse == 0, coords * coords, constant(0.0, coords)), axis=-1)
    tol = constant(1e6 * np.finfo(get_aval(diff).dtype).eps, diff) * fnp.maximum(
        top, constant(1.0, top))
    value = constant(-0.5, diff) * (rank * constant(np.log(2 * np.pi), diff) + log_pdet + maha)
    return fnp.where(off > tol * tol, constant(-np.inf, value), value)


def logpdf(x: Any, mean: Any, cov: Any, allow_singular: bool | None = None) -> Any:
    """Log of the probability density at ``x``.

    Args:
      allow_singular: ``True`` accepts a singular (positive semi-definite) ``cov``;
        ``None`` or ``False`` (SciPy's default) expects a positive definite one.

    Raises:
      ValueError: the shapes do not fit together.

    >>> import numpy as np
    >>> cov = np.diag([1.0, 0.0])
    >>> round(float(logpdf(np.array([0.5, 0.0]), np.zeros(2), cov, allow_singular=True)), 10)
    -1.0439385332
    """
    x, mean, cov = promote(x, mean, cov)
    if allow_singular:
        mean_shape = get_aval(mean).shape
        if not mean_shape:  # univariate: a 1-vector with a 1 x 1 covariance
            return _singular_logpdf((x - mean)[..., None], fnp.reshape(cov, (1, 1)))
        return _singular_logpdf(x - mean, _full_cov(cov, mean_shape[-1]))
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


def pdf(x: Any, mean: Any, cov: Any, allow_singular: bool | None = None) -> Any:
    """The probability density at ``x`` (``allow_singular`` as in :func:`logpdf`)."""
    return fnp.exp(logpdf(x, mean, cov, allow_singular))


def entropy(mean: Any = None, cov: Any = 1, allow_singular: bool | None = None) -> Any:
    """The differential entropy ``(rank (1 + log 2 pi) + log det cov) / 2`` (the
    pseudo-determinant and the rank of ``cov`` with ``allow_singular=True``); ``mean`` only
    sets the dimension.

    >>> import numpy as np
    >>> round(float(entropy(np.zeros(2), np.eye(2))), 10)
    2.8378770664
    """
    if mean is None:
        (cov,) = promote(cov)
        shape = get_aval(cov).shape
        n = shape[-1] if shape else 1
    else:
        mean, cov = promote(mean, cov)
        mean_shape = get_aval(mean).shape
        n = mean_shape[-1] if mean_shape else 1
    matrix = _full_cov(cov, n) if get_aval(cov).shape else fnp.reshape(cov, (1, 1))
    if allow_singular:
        _, _, log_det, rank, _ = _eigen_parts(matrix)
    else:
        factor = fnp.linalg.cholesky(matrix)
        log_det = constant(2.0, factor) * fnp.sum(
            fnp.log(fnp.diagonal(factor, axis1=-2, axis2=-1)), axis=-1)
        rank = constant(float(n), factor)
    return constant(0.5, log_det) * (rank * constant(1.0 + np.log(2 * np.pi), log_det)
                                     + log_det)
