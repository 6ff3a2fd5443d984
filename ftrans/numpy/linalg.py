"""``ftrans.numpy.linalg``: norms (decompositions need primitives lax does not have yet)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import get_aval
from ftrans.numpy._axes import normalize_axis
from ftrans.numpy._promotion import asarray_strong, cast

__all__ = ["norm", "matmul"]

from ftrans.numpy._linalg import matmul  # noqa: E402  (NumPy 2 exposes it here too)


def norm(x: Any, ord: Any = None, axis: int | Sequence[int] | None = None,  # noqa: A002
         keepdims: bool = False) -> Any:
    """Vector or matrix norm, as ``numpy.linalg.norm``.

    Vector norms (``axis`` an int, or a 1-d ``x``): ``ord`` None/2 (Euclidean), 1, inf, -inf,
    0 (count of nonzeros) or any other p. Matrix norms (``axis`` a pair, or a 2-d ``x`` with
    ``ord`` given): None/'fro', 1, -1, inf, -inf. Integers are computed in float64. The
    derivative of the Euclidean norm at 0 is NaN (as for ``sqrt``).

    Raises:
      NotImplementedError: ``ord`` 2, -2 or 'nuc' for matrices (they need singular values).
      ValueError: an invalid ``ord`` or ``axis``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> float(fnp.linalg.norm(np.array([3.0, 4.0])))
    5.0
    """
    from ftrans.numpy import _elementwise as ew
    from ftrans.numpy import _reductions as red
    x = asarray_strong(x)
    dtype = get_aval(x).dtype
    if dtype.kind not in "fc":
        x = cast(x, np.dtype(np.float64))
    nd = get_aval(x).ndim
    if axis is None:
        if ord is None:
            return ew.sqrt(red.sum(ew.multiply(x, x), None, keepdims=keepdims))
        if nd not in (1, 2):
            raise ValueError("Improper number of dimensions to norm.")
        axes = tuple(range(nd))
    elif isinstance(axis, (int, np.integer)):
        axes = (normalize_axis(axis, nd),)
    else:
        axes = tuple(normalize_axis(a, nd) for a in axis)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


def _vector_norm(x: Any, ord: Any, axis: int, keepdims: bool) -> Any:  # noqa: A002
    from ftrans.numpy import _elementwise as ew
    from ftrans.numpy import _reductions as red
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord is None or ord == 2:
        return ew.sqrt(red.sum(ew.multiply(x, x), axis, keepdims=keepdims))
    if ord == np.inf:
        return red.max(ew.abs(x), axis, keepdims=keepdims)
    if ord == -np.inf:
        return red.min(ew.abs(x), axis, keepdims=keepdims)
    if ord == 0:
        nonzero = ew.not_equal(x, 0)
        return red.sum(nonzero, axis, get_aval(x).dtype, keepdims=keepdims)
    if ord == 1:
        return red.sum(ew.abs(x), axis, keepdims=keepdims)
    p = float(ord)
    total = red.sum(ew.power(ew.abs(x), p), axis, keepdims=keepdims)
    return ew.power(total, 1.0 / p)


def _matrix_norm(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:  # noqa: A002
    from ftrans.numpy import _elementwise as ew
    from ftrans.numpy import _reductions as red
    row, col = axes
    if row == col:
        raise ValueError("Duplicate axes given.")
    if ord is None or ord in ("fro", "f"):
        out = ew.sqrt(red.sum(ew.multiply(x, x), axes))
    elif ord in (1, -1):
        sums = red.sum(ew.abs(x), row)
        out = (red.max if ord == 1 else red.min)(sums, col - (col > row))
    elif ord in (np.inf, -np.inf):
        sums = red.sum(ew.abs(x), col)
        out = (red.max if ord == np.inf else red.min)(sums, row - (row > col))
    elif ord in (2, -2, "nuc"):
        raise NotImplementedError(f"norm with ord={ord!r} needs singular values, which need an "
                                  f"SVD primitive that ftrans.lax does not have yet")
    else:
        raise ValueError(f"Invalid norm order {ord!r} for matrices.")
    if keepdims:
        shape = list(get_aval(x).shape)
        shape[row] = shape[col] = 1
        from ftrans import lax
        out = lax.reshape(out, tuple(shape))
    return out
