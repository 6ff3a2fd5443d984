"""``ftrans.scipy.special``: erf, erfc, erfinv, gammaln, digamma, polygamma, logsumexp, expit,
logit, xlogy, xlog1py, entr.

Written on ``ftrans.lax.special`` and ``ftrans.numpy``, so every transformation applies; SciPy
is not needed. Dtypes follow SciPy's ufuncs: int64 and float64 compute in float64, small
integers, float16 and float32 in float32. ``xlogy`` and ``xlog1py`` are 0 where ``x == 0``
(even if ``y`` is 0), with the derivatives of ``x * log(y)`` (as JAX). See
docs/internals.md, "Primitives".

>>> import ftrans as ft, numpy as np
>>> from ftrans.scipy import special
>>> round(float(ft.grad(special.erf)(0.0)), 12)  # 2 / sqrt(pi)
1.128379167096
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans import numpy as fnp
from ftrans.core import get_aval
from ftrans.custom_derivatives import custom_jvp
from ftrans.lax import special as lax_special
from ftrans.numpy._promotion import asarray_strong, cast, float_dtype_for

__all__ = ["erf", "erfc", "erfinv", "gammaln", "digamma", "psi", "polygamma", "logsumexp",
           "expit", "logit", "xlogy", "xlog1py", "entr"]


def _float(x: Any) -> Any:
    x = asarray_strong(x)
    dtype = get_aval(x).dtype
    if dtype.kind == "c":
        raise TypeError(f"complex arguments are not supported (got {dtype})")
    dtype = float_dtype_for(x)
    # SciPy's ufuncs have float32 and float64 loops only: small types compute in float32
    return cast(x, np.dtype(np.float32) if dtype == np.float16 else dtype)


def erf(x: Any) -> Any:
    """The error function.

    >>> from ftrans.scipy.special import erf
    >>> round(float(erf(0.5)), 12)
    0.520499877813
    """
    return lax_special.erf(_float(x))


def erfc(x: Any) -> Any:
    """``1 - erf(x)``, accurate in the tail.

    >>> from ftrans.scipy.special import erfc
    >>> float(erfc(6.0)) > 0
    True
    """
    return lax_special.erfc(_float(x))


def erfinv(y: Any) -> Any:
    """The inverse error function on [-1, 1].

    >>> from ftrans.scipy.special import erfinv
    >>> round(float(erfinv(0.5)), 12)
    0.476936276204
    """
    return lax_special.erf_inv(_float(y))


def gammaln(x: Any) -> Any:
    """``log|Gamma(x)|``.

    >>> from ftrans.scipy.special import gammaln
    >>> round(float(gammaln(5)), 12)  # log(24)
    3.178053830348
    """
    return lax_special.lgamma(_float(x))


def digamma(x: Any) -> Any:
    """The logarithmic derivative of Gamma.

    >>> from ftrans.scipy.special import digamma
    >>> round(float(digamma(1.0)), 12)
    -0.577215664902
    """
    return lax_special.digamma(_float(x))


psi = digamma


def polygamma(n: int, x: Any) -> Any:
    """The ``n``-th derivative of ``digamma`` (``n`` a Python int).

    >>> from ftrans.scipy.special import polygamma
    >>> round(float(polygamma(1, 1.0)), 12)
    1.644934066848
    """
    if isinstance(n, np.ndarray) and n.ndim == 0:
        n = int(n)
    return lax_special.polygamma(n, _float(x))


def logsumexp(a: Any, axis: int | Sequence[int] | None = None, b: Any = None,
              keepdims: bool = False, return_sign: bool = False) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, without overflow (``ftrans.nn.logsumexp``);
    ``return_sign`` also returns the sign of the sum (for signed ``b``).

    >>> import numpy as np
    >>> from ftrans.scipy.special import logsumexp
    >>> round(float(logsumexp(np.array([0.0, 0.0]))), 12)
    0.69314718056
    """
    from ftrans import nn
    if not return_sign:
        return nn.logsumexp(a, axis=axis, b=b, keepdims=keepdims)
    a = _float(a)
    shift = lax.stop_gradient(fnp.max(a, axis=axis, keepdims=True))
    shift = fnp.where(fnp.isfinite(shift), shift, 0.0)
    terms = fnp.exp(a - shift)
    if b is not None:
        terms = terms * b
    total = fnp.sum(terms, axis=axis, keepdims=keepdims)
    if not keepdims:
        shift = fnp.squeeze(shift, axis=tuple(range(fnp.ndim(a))) if axis is None else axis)
    return fnp.log(fnp.abs(total)) + shift, fnp.sign(total)


def expit(x: Any) -> Any:
    """The logistic function ``1 / (1 + exp(-x))``.

    >>> from ftrans.scipy.special import expit
    >>> float(expit(0.0))
    0.5
    """
    return lax.logistic(_float(x))


def logit(p: Any) -> Any:
    """``log(p / (1 - p))``, the inverse of :func:`expit`.

    >>> from ftrans.scipy.special import logit
    >>> float(logit(0.5))
    0.0
    """
    p = _float(p)
    return fnp.log(p) - fnp.log1p(-p)


@custom_jvp
def _xlogy(x: Any, y: Any) -> Any:
    safe_y = fnp.where(x == 0, fnp.ones_like(y), y)
    return fnp.where(x == 0, fnp.zeros_like(x * y), x * fnp.log(safe_y))


@_xlogy.defjvp
def _xlogy_jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    (x, y), (x_dot, y_dot) = primals, tangents
    return _xlogy(x, y), x_dot * fnp.log(y) + y_dot * x / y


def xlogy(x: Any, y: Any) -> Any:
    """``x * log(y)``, 0 where ``x == 0``.

    >>> from ftrans.scipy.special import xlogy
    >>> float(xlogy(0.0, 0.0)), round(float(xlogy(2.0, 3.0)), 12)
    (0.0, 2.197224577336)
    """
    x, y = fnp.broadcast_arrays(*[_float(v) for v in (x, y)])
    dtype = np.result_type(get_aval(x).dtype, get_aval(y).dtype)
    return _xlogy(cast(x, dtype), cast(y, dtype))


@custom_jvp
def _xlog1py(x: Any, y: Any) -> Any:
    safe_y = fnp.where(x == 0, fnp.zeros_like(y), y)
    return fnp.where(x == 0, fnp.zeros_like(x * y), x * fnp.log1p(safe_y))


@_xlog1py.defjvp
def _xlog1py_jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    (x, y), (x_dot, y_dot) = primals, tangents
    return _xlog1py(x, y), x_dot * fnp.log1p(y) + y_dot * x / (1 + y)


def xlog1py(x: Any, y: Any) -> Any:
    """``x * log1p(y)``, 0 where ``x == 0``.

    >>> from ftrans.scipy.special import xlog1py
    >>> float(xlog1py(0.0, -1.0))
    0.0
    """
    x, y = fnp.broadcast_arrays(*[_float(v) for v in (x, y)])
    dtype = np.result_type(get_aval(x).dtype, get_aval(y).dtype)
    return _xlog1py(cast(x, dtype), cast(y, dtype))


def entr(x: Any) -> Any:
    """Elementwise entropy term: ``-x log x`` for ``x > 0``, 0 at 0, ``-inf`` below.

    >>> from ftrans.scipy.special import entr
    >>> float(entr(1.0)), float(entr(0.0)), float(entr(-1.0))
    (-0.0, 0.0, -inf)
    """
    x = _float(x)
    positive = x > 0
    value = -_xlogy(x, fnp.where(positive, x, fnp.ones_like(x)))
    return fnp.where(positive, value, fnp.where(x == 0, fnp.zeros_like(x),
                                                fnp.full_like(x, -np.inf)))
