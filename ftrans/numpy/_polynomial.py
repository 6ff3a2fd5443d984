"""Polynomials as coefficient arrays, highest power first (NumPy's ``poly1d`` convention):
polyval, polyadd, polysub, polymul, polydiv, polyder, polyint, polyfit, poly, roots, vander.

Coefficient arithmetic is exact index bookkeeping on static lengths, so everything is
differentiable and batchable; ``polyfit`` is a scaled least-squares solve (``lstsq``), and
``roots`` the eigenvalues of the companion matrix. Lengths that depend on values (trimming
leading zeros) need concrete input, as in JAX. See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import ConcretizationError, Tracer, get_aval
from ftrans.numpy import linalg
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy._calculus import convolve
from ftrans.numpy._shapes import stack
from ftrans.numpy._linalg import matmul

__all__ = ["polyval", "polyadd", "polysub", "polymul", "polydiv", "polyder", "polyint",
           "polyfit", "poly", "roots", "vander"]


def _coefficients(p: Any, name: str) -> Any:
    p = asarray_strong(p)
    ndim = get_aval(p).ndim
    if ndim == 0:
        p = lax.reshape(p, (1,))
    elif ndim != 1:
        raise ValueError(f"{name}: polynomial coefficients must be 1-d, got shape "
                         f"{get_aval(p).shape}")
    return p


def _concrete(x: Any) -> np.ndarray | None:
    if isinstance(x, Tracer):
        value = x.to_concrete_value() if x._trace.is_alive else None
        return None if value is None else np.asarray(value)
    return np.asarray(x)


def polyval(p: Any, x: Any, *, unroll: int = 16) -> Any:
    """The polynomial with coefficients ``p`` (highest power first) at ``x``, by Horner's
    rule.

    Args:
      p: 1-d coefficients.
      x: points (any shape).
      unroll: accepted for JAX compatibility (the loop is always unrolled).

    Returns:
      An array of ``x``'s shape.

    Raises:
      ValueError: ``p`` is not 1-d.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.polyval(np.array([3.0, 0.0, 1.0]), np.array([0.0, 2.0]))
    array([ 1., 13.])
    """
    p = _coefficients(p, "polyval")
    x = asarray_strong(x)
    dtype = result_type(p, x)
    p, x = cast(p, dtype), cast(x, dtype)
    out: Any = np.zeros(get_aval(x).shape, dtype)
    for i in range(get_aval(p).shape[0]):
        out = lax.add(lax.mul(out, x), lax.index_in_dim(p, i, 0, False))
    return out


def _aligned(a1: Any, a2: Any, name: str) -> tuple[Any, Any]:
    """Both coefficient arrays at one length (leading zeros added) and dtype."""
    a1, a2 = _coefficients(a1, name), _coefficients(a2, name)
    dtype = result_type(a1, a2)
    a1, a2 = cast(a1, dtype), cast(a2, dtype)
    n1, n2 = get_aval(a1).shape[0], get_aval(a2).shape[0]
    zero = np.zeros((), dtype)[()]
    if n1 < n2:
        a1 = lax.pad(a1, zero, [(n2 - n1, 0, 0)])
    elif n2 < n1:
        a2 = lax.pad(a2, zero, [(n1 - n2, 0, 0)])
    return a1, a2


def polyadd(a1: Any, a2: Any) -> Any:
    """The sum of two polynomials.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.polyadd(np.array([1, 2]), np.array([9, 5, 4]))
    array([9, 6, 6])
    """
    a1, a2 = _aligned(a1, a2, "polyadd")
    return lax.add(a1, a2)


def polysub(a1: Any, a2: Any) -> Any:
    """The difference of two polynomials.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.polysub(np.array([2, 10, -2]), np.array([3, 10, -4]))
    array([-1,  0,  2])
    """
    a1, a2 = _aligned(a1, a2, "polysub")
    return lax.sub(a1, a2)


def polymul(a1: Any, a2: Any, *, trim_leading_zeros: bool = False) -> Any:
    """The product of two polynomials (the convolution of their coefficients).

    Args:
      a1, a2: 1-d coefficients.
      trim_leading_zeros: drop leading zeros of the inputs first (needs concrete input).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.polymul(np.array([1.0, 2.0]), np.array([1.0, -1.0]))
    array([ 1.,  1., -2.])
    """
    a1, a2 = _coefficients(a1, "polymul"), _coefficients(a2, "polymul")
    if trim_leading_zeros:
        a1, a2 = _trim(a1, "polymul"), _trim(a2, "polymul")
    dtype = result_type(a1, a2)
    return convolve(cast(a1, dtype), cast(a2, dtype))


def _trim(p: Any, name: str) -> Any:
    value = _concrete(p)
    if value is None:
        raise ConcretizationError(f"{name}: trimming leading zeros needs concrete "
                                  f"coefficients (the length depends on the values)")
    nonzero = np.flatnonzero(value)
    start = int(nonzero[0]) if len(nonzero) else max(len(value) - 1, 0)
    return lax.slice_in_dim(p, start, None, 1, 0)


def polydiv(u: Any, v: Any, *, trim_leading_zeros: bool = False) -> tuple[Any, Any]:
    """Quotient and remainder of polynomial division ``u / v`` (float coefficients).

    As in JAX the remainder keeps ``u``'s length (NumPy strips its leading zeros); pass
    ``trim_leading_zeros=True`` (concrete input only) for NumPy's result.

    Raises:
      ValueError: non-1-d input.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> q, r = fnp.polydiv(np.array([1.0, -3.0, 2.0]), np.array([1.0, -1.0]),
    ...                    trim_leading_zeros=True)
    >>> q, r
    (array([ 1., -2.]), array([0.]))
    """
    u, v = _coefficients(u, "polydiv"), _coefficients(v, "polydiv")
    dtype = result_type(u, v, 1.0)
    u, v = cast(u, dtype), cast(v, dtype)
    m, n = get_aval(u).shape[0] - 1, get_aval(v).shape[0] - 1
    lead = lax.index_in_dim(v, 0, 0, False)
    rem = [lax.index_in_dim(u, i, 0, False) for i in range(m + 1)]
    vs = [lax.index_in_dim(v, i, 0, False) for i in range(n + 1)]
    quotient = []
    for k in range(max(m - n + 1, 0)):
        d = lax.div(rem[k], lead)
        quotient.append(d)
        for j in range(n + 1):
            rem[k + j] = lax.sub(rem[k + j], lax.mul(d, vs[j]))
    q = stack(quotient) if quotient else np.zeros(1, dtype)
    r = stack(rem)
    if trim_leading_zeros:
        value = _concrete(r)
        if value is None:
            raise ConcretizationError("polydiv: trim_leading_zeros=True needs concrete input")
        start = 0
        while start < len(value) - 1 and np.allclose(value[start], 0, rtol=1e-14):
            start += 1
        r = lax.slice_in_dim(r, start, None, 1, 0)
    return q, r


def polyder(p: Any, m: int = 1) -> Any:
    """The ``m``-th derivative of a polynomial.

    Raises:
      ValueError: negative ``m``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.polyder(np.array([1.0, 1.0, 1.0, 1.0]), 2)
    array([6., 2.])
    """
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = _coefficients(p, "polyder")
    for _ in range(m):
        n = get_aval(p).shape[0] - 1
        if n <= 0:
            return np.zeros(0, get_aval(p).dtype)
        powers = np.arange(n, 0, -1)  # int64, so float32 promotes to float64 as in NumPy
        dtype = result_type(p, powers)
        p = lax.mul(cast(lax.slice_in_dim(p, 0, n, 1, 0), dtype), powers.astype(dtype))
    return p


def polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    """The ``m``-th antiderivative of a polynomial; ``k`` gives the integration constants
    (a scalar for every step, or ``m`` values, the first for the first integration).

    Raises:
      ValueError: negative ``m`` or a wrong number of constants.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.polyint(np.array([3.0, 2.0]), k=5.0)
    array([1.5, 2. , 5. ])
    """
    m = int(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    p = _coefficients(p, "polyint")
    if m == 0:
        return p
    if k is None:
        k = np.zeros(m)
    k = asarray_strong(k)
    if get_aval(k).ndim == 0 or get_aval(k).shape == (1,):
        k = lax.broadcast_to(lax.reshape(k, ()), (m,))
    if get_aval(k).shape != (m,):
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    dtype = result_type(p, k, np.dtype(np.int64), 1.0)  # divided by an int64 arange
    p, k = cast(p, dtype), cast(k, dtype)
    for i in range(m):
        n = get_aval(p).shape[0]
        divided = lax.div(p, np.arange(n, 0, -1).astype(dtype))
        p = lax.concatenate([divided, lax.reshape(lax.index_in_dim(k, i, 0, False), (1,))], 0)
    return p


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:  # noqa: N803
    """The Vandermonde matrix of the 1-d ``x``: columns ``x**(N-1), ..., x, 1`` (or
    increasing), by repeated multiplication (so derivatives are exact, also at 0).

    Raises:
      ValueError: ``x`` is not 1-d, or negative ``N``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.vander(np.array([2, 3]), 3)
    array([[4, 2, 1],
           [9, 3, 1]])
    """
    x = asarray_strong(x)
    if get_aval(x).ndim != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = get_aval(x).shape[0]
    N = n if N is None else int(N)  # noqa: N806
    if N < 0:
        raise ValueError("N must be nonnegative")
    dtype = np.promote_types(get_aval(x).dtype, np.int64)  # NumPy's: float32 gives float64
    x = cast(x, dtype)
    columns: list[Any] = []
    power: Any = np.ones(n, dtype)
    for _ in range(N):
        columns.append(power)
        power = lax.mul(power, x)
    if not columns:
        return np.zeros((n, 0), dtype)
    if not increasing:
        columns = columns[::-1]
    return stack(columns, axis=1)


def polyfit(x: Any, y: Any, deg: int, rcond: float | None = None, full: bool = False,
            w: Any = None, cov: bool | str = False) -> Any:
    """Least-squares polynomial fit of degree ``deg`` to points ``(x, y)`` (``y`` may hold
    several data sets as columns), by NumPy's method: a column-scaled Vandermonde matrix and
    ``lstsq``. Differentiable in ``x``, ``y`` and ``w``.

    Args:
      x: 1-d sample points. y: values, ``(M,)`` or ``(M, K)``.
      deg: the degree. rcond: the relative singular-value cutoff (default ``M * eps``).
      full: also return (residuals, rank, singular values, rcond).
      w: weights for the residuals. cov: also return the coefficients' covariance (True
        scales it by the residual variance, 'unscaled' does not).

    Returns:
      The coefficients (highest power first), or a tuple as described.

    Raises:
      ValueError: bad shapes or a negative degree.
      TypeError: an empty ``x``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.polyfit(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), 1).round(6)
    array([2., 1.])
    """
    deg = int(deg)
    if deg < 0:
        raise ValueError("expected deg >= 0")
    x, y = asarray_strong(x), asarray_strong(y)
    dtype = result_type(x, y, 1.0)
    x, y = cast(x, dtype), cast(y, dtype)
    if get_aval(x).ndim != 1:
        raise TypeError("expected 1D vector for x")
    if get_aval(x).shape[0] == 0:
        raise TypeError("expected non-empty vector for x")
    if get_aval(y).ndim not in (1, 2):
        raise TypeError("expected 1D or 2D array for y")
    if get_aval(x).shape[0] != get_aval(y).shape[0]:
        raise TypeError("expected x and y to have same length")
    order = deg + 1
    m = get_aval(x).shape[0]
    if rcond is None:
        rcond = m * float(np.finfo(dtype).eps)
    lhs = vander(x, order)
    rhs = y
    if w is not None:
        w = cast(asarray_strong(w), dtype)
        if get_aval(w).shape != (m,):
            raise TypeError("expected a 1-d w of the same length as x")
        lhs = lax.mul(lhs, lax.reshape(w, (m, 1)))
        rhs = lax.mul(rhs, w if get_aval(rhs).ndim == 1 else lax.reshape(w, (m, 1)))
    scale = lax.sqrt(lax.reduce_sum(lax.mul(lhs, lhs), (0,)))
    lhs = lax.div(lhs, scale)
    c, resids, rank, s = linalg.lstsq(lhs, rhs, rcond)
    c = lax.div(c, scale if get_aval(c).ndim == 1 else lax.reshape(scale, (order, 1)))
    if full:
        return c, resids, rank, s, rcond
    if cov:
        base = linalg.inv(matmul(lax.transpose(lhs, (1, 0)), lhs))
        base = lax.div(base, lax.mul(lax.reshape(scale, (order, 1)), scale))
        if cov == "unscaled":
            factor: Any = np.ones((), dtype)[()]
        else:
            if m <= order:
                raise ValueError("the number of data points must exceed order to scale the "
                                 "covariance matrix")
            factor = lax.div(resids, np.asarray(m - order, dtype)[()])
        if get_aval(c).ndim == 1:
            return c, lax.mul(base, lax.reshape(factor, ()))
        return c, lax.mul(lax.reshape(base, (order, order, 1)), factor)
    return c


def poly(seq_of_zeros: Any) -> Any:
    """The coefficients of the monic polynomial with the given roots (a 1-d array), or the
    characteristic polynomial of a square matrix.

    Raises:
      ValueError: input that is neither 1-d nor a square matrix.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.poly(np.array([1.0, 2.0]))
    array([ 1., -3.,  2.])
    """
    z = asarray_strong(seq_of_zeros)
    shape = get_aval(z).shape
    if len(shape) == 2 and shape[0] == shape[1] and shape[0] != 0:
        z = linalg.eigvals(z)
    elif len(shape) == 0:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    elif len(shape) != 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    dtype = result_type(z, 1.0)
    z = cast(z, dtype)
    out: Any = np.ones(1, dtype)
    for i in range(get_aval(z).shape[0]):
        root = lax.reshape(lax.neg(lax.index_in_dim(z, i, 0, False)), (1,))
        out = convolve(out, lax.concatenate([np.ones(1, dtype), root], 0))
    return out


def roots(p: Any, *, strip_zeros: bool = True) -> Any:
    """The roots of the polynomial with coefficients ``p``: the eigenvalues of its companion
    matrix. Leading zeros are stripped (so ``p`` must be concrete, unless
    ``strip_zeros=False`` promises that the leading coefficient is nonzero); trailing zeros
    give zero roots.

    Raises:
      ValueError: ``p`` is not 1-d.
      ConcretizationError: traced ``p`` with ``strip_zeros=True``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> np.sort(fnp.roots(np.array([1.0, -3.0, 2.0])))  # complex, as in JAX (NumPy: real)
    array([1.+0.j, 2.+0.j])
    """
    p = asarray_strong(p)
    if get_aval(p).ndim != 1:
        raise ValueError("Input must be a rank-1 array.")
    trailing = 0
    if strip_zeros:
        value = _concrete(p)
        if value is None:
            raise ConcretizationError("roots: stripping zeros needs concrete coefficients; "
                                      "pass strip_zeros=False (leading coefficient nonzero)")
        nonzero = np.flatnonzero(value)
        if len(nonzero) == 0:
            return np.zeros(0, result_type(p, 1.0))
        trailing = len(value) - int(nonzero[-1]) - 1
        p = lax.slice_in_dim(p, int(nonzero[0]), int(nonzero[-1]) + 1, 1, 0)
    dtype = result_type(p, 1.0)
    p = cast(p, dtype)
    n = get_aval(p).shape[0] - 1
    if n < 1:
        out: Any = np.zeros(0, dtype)
    else:
        lead = lax.index_in_dim(p, 0, 0, False)
        top = lax.neg(lax.div(lax.slice_in_dim(p, 1, None, 1, 0), lead))
        below = np.eye(n - 1, n, dtype=dtype)
        companion = lax.concatenate([lax.reshape(top, (1, n)), below], 0)
        out = linalg.eigvals(companion)
    if trailing:
        out = lax.concatenate([out, np.zeros(trailing, get_aval(out).dtype)], 0)
    return out
