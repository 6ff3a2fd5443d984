"""Covariance and correlation matrices: cov and corrcoef, NumPy's estimators with frequency
and analytic weights, differentiable in the data and the weights.
See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import Tracer, get_aval
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy._complex import conjugate, imag, real
from ftrans.numpy._linalg import diagonal

__all__ = ["cov", "corrcoef"]


def _variables(m: Any, y: Any, rowvar: bool, dtype: Any) -> Any:
    m = asarray_strong(m)
    if get_aval(m).ndim > 2:
        raise ValueError("m has more than 2 dimensions")
    target = np.dtype(dtype) if dtype is not None else result_type(m, 1.0) if y is None \
        else result_type(m, asarray_strong(y), 1.0)
    x = cast(m, target)
    if get_aval(x).ndim < 2:
        x = lax.reshape(x, (1, -1))
    if not rowvar and get_aval(x).shape[0] != 1:
        x = lax.transpose(x, (1, 0))
    if y is not None:
        y = cast(asarray_strong(y), target)
        if get_aval(y).ndim > 2:
            raise ValueError("y has more than 2 dimensions")
        if get_aval(y).ndim < 2:
            y = lax.reshape(y, (1, -1))
        if not rowvar and get_aval(y).shape[0] != 1:
            y = lax.transpose(y, (1, 0))
        if get_aval(y).shape[1] != get_aval(x).shape[1]:
            raise ValueError("all the input array dimensions except for the concatenation "
                             "axis must match exactly")
        x = lax.concatenate([x, y], 0)
    return x


def cov(m: Any, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: int | None = None,
        fweights: Any = None, aweights: Any = None, *, dtype: Any = None) -> Any:
    """The covariance matrix of the variables in ``m`` (rows, or columns with
    ``rowvar=False``) and optionally ``y``; NumPy's normalisation (``N - 1``, ``N`` with
    ``bias``, or ``N - ddof``) and weights; complex data gives ``E[(x - mean) conj(y -
    mean)]``. A single variable gives a 0-d result.

    Raises:
      ValueError: more than 2-d input, mismatched lengths, or bad weights.
      TypeError: non-integer ``ddof`` or ``fweights``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    x = _variables(m, y, rowvar, dtype)
    ftype = get_aval(x).dtype
    n_obs = get_aval(x).shape[1]
    ddof = (0 if bias else 1) if ddof is None else int(ddof)
    w: Any = None
    if fweights is not None:
        fw = asarray_strong(fweights)
        if get_aval(fw).dtype.kind not in "iu":
            raise TypeError("fweights must be integer")
        if get_aval(fw).shape != (n_obs,):
            raise ValueError("incompatible numbers of samples and fweights")
        if not isinstance(fw, Tracer) and np.any(np.asarray(fw) < 0):
            raise ValueError("fweights cannot be negative")
        w = cast(fw, ftype)
    if aweights is not None:
        aw = asarray_strong(aweights)
        if get_aval(aw).shape != (n_obs,):
            raise ValueError("incompatible numbers of samples and aweights")
        if not isinstance(aw, Tracer) and np.any(np.asarray(aw) < 0):
            raise ValueError("aweights cannot be negative")
        aw = cast(aw, ftype)
        w = aw if w is None else lax.mul(w, aw)
    if w is None:
        total: Any = np.asarray(n_obs, ftype)[()]
        avg = lax.div(lax.reduce_sum(x, (1,)), total)
        fact: Any = np.asarray(n_obs - ddof, ftype)[()]
    else:
        total = lax.reduce_sum(w, (0,))
        avg = lax.div(lax.reduce_sum(lax.mul(x, w), (1,)), total)
        if ddof == 0:
            fact = total
        elif aweights is None:
            fact = lax.sub(total, np.asarray(ddof, ftype)[()])
        else:
            aw = cast(asarray_strong(aweights), ftype)
            fact = lax.sub(total, lax.div(lax.mul(np.asarray(ddof, ftype)[()],
                                                  lax.reduce_sum(lax.mul(w, aw), (0,))), total))
    centered = lax.sub(x, lax.reshape(avg, (-1, 1)))
    weighted = centered if w is None else lax.mul(centered, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = lax.div(lax.dot_general(centered, conjugate(weighted), (((1,), (1,)), ((), ()))),
                    cast(fact, ftype))
    return lax.reshape(c, ()) if get_aval(c).shape == (1, 1) else c


def corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Any:
    """Pearson correlation coefficients of the variables in ``x`` (and ``y``), clipped to
    [-1, 1] as in NumPy (real and imaginary parts separately). A single variable gives a 0-d
    result.

    Raises:
      ValueError: as :func:`cov`.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.corrcoef(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]))
    array([[1., 1.],
           [1., 1.]])
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if get_aval(c).ndim == 0:
        return lax.div(c, c)
    d = cast(lax.sqrt(real(diagonal(c))), get_aval(c).dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = lax.div(lax.div(c, lax.reshape(d, (-1, 1))), d)

    def clip(v: Any) -> Any:
        one = np.ones((), get_aval(v).dtype)[()]
        return lax.max(lax.min(v, one), lax.neg(one))

    if get_aval(out).dtype.kind != "c":
        return clip(out)
    return lax.complex(clip(real(out)), clip(imag(out)))
