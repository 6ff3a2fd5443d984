"""Index helpers: r_, c_, s_, index_exp, mgrid, ogrid, ix_, indices, the diagonal and
triangle index functions, ravel_multi_index / unravel_index and fill_diagonal.

Index sets that depend only on shapes are computed by NumPy at trace time (they are constants);
``r_`` / ``c_`` / ``ix_`` accept traced arrays, ``unravel_index`` and ``ravel_multi_index``
traced indices. See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy import (  # noqa: F401  (shapes only: NumPy's results are the constants we need)
    diag_indices,
    index_exp,
    indices,
    mask_indices,
    mgrid,
    ogrid,
    s_,
    tril_indices,
    triu_indices,
)

from ftrans import lax
from ftrans.core import ConcretizationError, Tracer, get_aval
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy._indexing import nonzero, take
from ftrans.lax import gather_scatter
from ftrans.numpy._shapes import concatenate
from ftrans.numpy._math import remainder

__all__ = ["r_", "c_", "s_", "index_exp", "mgrid", "ogrid", "ix_", "indices", "diag_indices",
           "diag_indices_from", "tril_indices", "triu_indices", "tril_indices_from",
           "triu_indices_from", "mask_indices", "ravel_multi_index", "unravel_index",
           "fill_diagonal"]


class _Concatenator:
    """``r_[...]`` / ``c_[...]``: slices become ranges, arrays are joined along an axis.

    A leading string ``'axis[,ndmin[,trans1d]]'`` (or 'r' / 'c' for row / column matrices)
    sets the joining axis, the minimum rank and where a 1-d item's axis goes, as in NumPy.
    """

    def __init__(self, axis: int, ndmin: int, trans1d: int, name: str) -> None:
        self._defaults = (axis, ndmin, trans1d)
        self._name = name

    def __repr__(self) -> str:
        return f"ftrans.numpy.{self._name}"

    def __getitem__(self, key: Any) -> Any:
        if not isinstance(key, tuple):
            key = (key,)
        axis, ndmin, trans1d = self._defaults
        matrix = None
        items = list(key)
        if items and isinstance(items[0], str):
            directive = items.pop(0)
            if directive in ("r", "c"):
                matrix = directive
            else:
                try:
                    parts = [int(p) for p in directive.split(",")]
                except ValueError:
                    raise ValueError(f"{self._name}: unknown directive {directive!r} (expected "
                                     f"'r', 'c' or 'axis[,ndmin[,trans1d]]')") from None
                if len(parts) > 3:
                    raise ValueError(f"{self._name}: too many numbers in {directive!r}")
                axis, ndmin, trans1d = (parts + list(self._defaults)[len(parts):])
        arrays = []
        for item in items:
            if isinstance(item, slice):
                arr = _slice_range(item)
            else:
                arr = asarray_strong(item)
            arrays.append(_with_min_rank(arr, ndmin, trans1d))
        if not arrays:
            return np.zeros(0)
        dtype = result_type(*arrays)
        out = concatenate([cast(a, dtype) for a in arrays], axis=axis)
        if matrix is not None:
            out = lax.reshape(out, (1, -1) if matrix == "r" else (-1, 1)) \
                if get_aval(out).ndim == 1 else out
        return out

    def __len__(self) -> int:
        return 0


def _slice_range(item: slice) -> np.ndarray:
    start = 0 if item.start is None else item.start
    step = 1 if item.step is None else item.step
    if isinstance(step, complex):
        return np.linspace(start, item.stop, int(abs(step)))
    return np.arange(start, item.stop, step)


def _with_min_rank(arr: Any, ndmin: int, trans1d: int) -> Any:
    """NumPy's promotion of an item to ``ndmin`` axes: its own axes go to position
    ``trans1d`` (counted as NumPy does; -1 means last)."""
    ndim = get_aval(arr).ndim
    if ndim >= ndmin:
        return arr
    arr = lax.reshape(arr, (1,) * (ndmin - ndim) + get_aval(arr).shape)
    if trans1d != -1:
        k2 = ndmin - ndim
        k1 = trans1d if trans1d >= 0 else trans1d + k2 + 1
        axes = list(range(ndmin))
        arr = lax.transpose(arr, axes[:k1] + axes[k2:] + axes[k1:k2])
    return arr


r_ = _Concatenator(0, 1, -1, "r_")
c_ = _Concatenator(-1, 2, 0, "c_")


def ix_(*args: Any) -> tuple[Any, ...]:
    """Open meshes from 1-d sequences: ``x[ix_(rows, cols)]`` selects a sub-grid. Boolean
    sequences are turned into their (concrete) nonzero positions.

    Raises:
      ValueError: an argument that is not 1-d.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> np.arange(9).reshape(3, 3)[fnp.ix_([0, 2], [1])]
    array([[1],
           [7]])
    """
    out = []
    n = len(args)
    for k, a in enumerate(args):
        a = asarray_strong(a)
        if get_aval(a).ndim != 1:
            raise ValueError("Cross index must be 1 dimensional")
        if get_aval(a).dtype.kind == "b":
            (a,) = nonzero(a)
        shape = (1,) * k + (get_aval(a).shape[0],) + (1,) * (n - k - 1)
        out.append(lax.reshape(a, shape))
    return tuple(out)


def _square_shape(arr: Any, name: str, min_ndim: int = 2) -> tuple[int, ...]:
    shape = get_aval(asarray_strong(arr)).shape
    if len(shape) < min_ndim:
        raise ValueError(f"{name}: input must be at least {min_ndim}-d, got shape {shape}")
    return shape


def diag_indices_from(arr: Any) -> tuple[np.ndarray, ...]:
    """The indices of the main diagonal of ``arr`` (all sides equal, at least 2-d).

    Raises:
      ValueError: fewer than 2 axes or unequal sides.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.diag_indices_from(np.zeros((2, 2)))
    (array([0, 1]), array([0, 1]))
    """
    shape = _square_shape(arr, "diag_indices_from")
    if len(set(shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return np.diag_indices(shape[0], len(shape))


def tril_indices_from(arr: Any, k: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The indices of the lower triangle of a 2-d ``arr`` (diagonal offset ``k``).

    Raises:
      ValueError: ``arr`` is not 2-d.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.tril_indices_from(np.zeros((2, 2)))
    (array([0, 1, 1]), array([0, 0, 1]))
    """
    shape = _square_shape(arr, "tril_indices_from")
    if len(shape) != 2:
        raise ValueError("input array must be 2-d")
    return np.tril_indices(shape[0], k, shape[1])


def triu_indices_from(arr: Any, k: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The indices of the upper triangle of a 2-d ``arr`` (diagonal offset ``k``).

    Raises:
      ValueError: ``arr`` is not 2-d.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.triu_indices_from(np.zeros((2, 2)))
    (array([0, 0, 1]), array([0, 1, 1]))
    """
    shape = _square_shape(arr, "triu_indices_from")
    if len(shape) != 2:
        raise ValueError("input array must be 2-d")
    return np.triu_indices(shape[0], k, shape[1])


def _dims(shape: Any, name: str) -> tuple[int, ...]:
    if isinstance(shape, Tracer):
        raise TypeError(f"{name}: the shape must be static ints, got a traced value")
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def unravel_index(indices: Any, shape: Sequence[int]) -> tuple[Any, ...]:
    """Coordinates in an array of ``shape`` of flat (C-order) ``indices``. Concrete indices
    are checked as in NumPy; traced ones wrap once if negative and are clamped into range
    (JAX's rule, as for indexing).

    Raises:
      ValueError: concrete indices out of range. TypeError: non-integer indices.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.unravel_index(np.array([5, 7]), (2, 4))
    (array([1, 1]), array([1, 3]))
    """
    dims = _dims(shape, "unravel_index")
    if not isinstance(indices, Tracer):
        return np.unravel_index(indices, dims)
    if get_aval(indices).dtype.kind not in "iu":
        raise TypeError(f"unravel_index: only int indices permitted, got "
                        f"{get_aval(indices).dtype}")
    total = int(np.prod(dims))
    flat = cast(indices, np.dtype(np.int64))
    flat = lax.select_n(lax.lt(flat, np.int64(0)), flat, lax.add(flat, np.int64(total)))
    flat = lax.max(lax.min(flat, np.int64(max(total - 1, 0))), np.int64(0))
    out = []
    for d in reversed(dims):
        out.append(lax.rem(flat, np.int64(max(d, 1))))
        flat = lax.div(flat, np.int64(max(d, 1)))
    return tuple(reversed(out))


def ravel_multi_index(multi_index: Sequence[Any], dims: Sequence[int], mode: str = "raise",
                      order: str = "C") -> Any:
    """Flat indices of coordinate arrays in an array of shape ``dims``. ``mode`` 'wrap' or
    'clip' handle out-of-range coordinates; 'raise' checks them, so traced coordinates need
    'wrap' or 'clip'.

    Raises:
      ValueError: out-of-range concrete coordinates with mode 'raise', bad mode or order.
      ConcretizationError: traced coordinates with mode 'raise'.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.ravel_multi_index((np.array([1, 0]), np.array([3, 2])), (2, 4))
    array([7, 2])
    """
    dims = _dims(dims, "ravel_multi_index")
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"ravel_multi_index: mode must be 'raise', 'wrap' or 'clip', got "
                         f"{mode!r}")
    if order not in ("C", "F"):
        raise ValueError(f"ravel_multi_index: order must be 'C' or 'F', got {order!r}")
    if len(multi_index) != len(dims):
        raise ValueError(f"parameter multi_index must be a sequence of length {len(dims)}")
    if not any(isinstance(i, Tracer) for i in multi_index):
        return np.ravel_multi_index(tuple(np.asarray(i) for i in multi_index), dims, mode,
                                    order)
    if mode == "raise":
        raise ConcretizationError("ravel_multi_index: mode='raise' checks the coordinates, "
                                  "which are traced here; pass mode='wrap' or mode='clip'")
    coords = [cast(asarray_strong(i), np.dtype(np.int64)) for i in multi_index]
    for c in coords:
        if get_aval(c).dtype.kind not in "iu":
            raise TypeError("only int indices permitted")
    strides = []
    stride = 1
    axes = range(len(dims) - 1, -1, -1) if order == "C" else range(len(dims))
    by_axis: dict[int, int] = {}
    for ax in axes:
        by_axis[ax] = stride
        stride *= dims[ax]
    strides = [by_axis[ax] for ax in range(len(dims))]
    total: Any = np.int64(0)
    for c, d, s in zip(coords, dims, strides):
        if mode == "clip":
            c = lax.max(lax.min(c, np.int64(d - 1)), np.int64(0))
        else:
            c = remainder(c, np.int64(d))
        total = lax.add(total, lax.mul(c, np.int64(s)))
    return total


def fill_diagonal(a: Any, val: Any, wrap: bool = False, *, inplace: bool = True) -> Any:
    """``a`` with its main diagonal set to ``val`` (repeated as needed). Arrays are immutable
    here, so pass ``inplace=False`` and use the returned array (JAX's rule).

    Args:
      a: an array of at least 2 axes, all of equal length when more than 2.
      val: a scalar or array of values, cycled along the diagonal.
      wrap: for tall matrices, continue the diagonal after every ``N + 1`` rows.
      inplace: must be False.

    Returns:
      The new array.

    Raises:
      ValueError: ``inplace`` is not False, or bad shapes.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.fill_diagonal(np.zeros((2, 3)), 5.0, inplace=False)
    array([[5., 0., 0.],
           [0., 5., 0.]])
    """
    if inplace:
        raise ValueError("ftrans.numpy.fill_diagonal cannot modify its argument in place "
                         "(arrays are immutable under transformations); pass inplace=False "
                         "and use the returned array")
    a = asarray_strong(a)
    shape = get_aval(a).shape
    if len(shape) < 2:
        raise ValueError("array must be at least 2-d")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    # NumPy's flat positions: every (cols + 1)-th element (stride of a step along all axes)
    total = int(np.prod(shape))
    if len(shape) == 2:
        step = shape[1] + 1
        end = total if wrap else min(total, shape[1] * shape[1])
    else:
        step = int(np.sum(np.cumprod((1,) + shape[:0:-1])))
        end = total
    positions = np.arange(0, end, step)
    val = cast(asarray_strong(val), get_aval(a).dtype)
    v = lax.reshape(val, (-1,))
    m = get_aval(v).shape[0]
    if m == 0:
        return a
    values = take(v, np.arange(len(positions)) % m)
    flat = lax.reshape(a, (-1,))
    flat = gather_scatter.scatter(flat, positions.reshape(-1, 1), values, (0,))
    return lax.reshape(flat, shape)
