"""Selecting and writing by position or mask: partition / argpartition, compress / extract,
place / put / put_along_axis. Functions that write into an array return a new one
(``inplace=False`` is required, JAX's rule); those whose output length depends on values take
``size=`` / ``fill_value=`` under transformations. See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import ConcretizationError, Tracer, get_aval
from ftrans.lax import gather_scatter
from ftrans.numpy._axes import check_no_out, normalize_axis
from ftrans.numpy._promotion import asarray_strong, cast
from ftrans.numpy._sorting import argsort, sort
from ftrans.numpy._indexing import nonzero, take
from ftrans.numpy._math import remainder

__all__ = ["partition", "argpartition", "compress", "extract", "place", "put", "put_along_axis"]


def _not_inplace(name: str, inplace: bool) -> None:
    if inplace:
        raise ValueError(f"ftrans.numpy.{name} cannot modify its argument in place (arrays "
                         f"are immutable under transformations); pass inplace=False and use "
                         f"the returned array")


def partition(a: Any, kth: int, axis: int = -1) -> Any:
    """``a`` partially sorted along ``axis`` so that position ``kth`` holds the value a full
    sort would put there, smaller-or-equal values before it and larger-or-equal after.
    Computed as a full (stable) sort, which satisfies NumPy's contract; the order within the
    two sides may differ from NumPy's (which leaves it unspecified).

    Raises:
      ValueError: ``kth`` out of range.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.partition(np.array([3, 1, 2]), 1)[1]
    np.int64(2)
    """
    a = asarray_strong(a)
    _check_kth(a, kth, axis)
    return sort(a, axis=axis)


def argpartition(a: Any, kth: int, axis: int = -1) -> Any:
    """Indices that partition ``a`` (see :func:`partition`): a stable argsort.

    Raises:
      ValueError: ``kth`` out of range.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.argpartition(np.array([3, 1, 2]), 1)[1]
    np.int64(2)
    """
    a = asarray_strong(a)
    _check_kth(a, kth, axis)
    return argsort(a, axis=axis)


def _check_kth(a: Any, kth: Any, axis: int) -> None:
    shape = get_aval(a).shape
    axis = normalize_axis(axis, len(shape))
    n = shape[axis]
    try:
        ks = np.atleast_1d(np.asarray(kth))
    except Exception:  # noqa: BLE001 - the object's own conversion failed
        ks = np.zeros(0, object)
    if isinstance(kth, Tracer) or ks.dtype.kind not in "iu":
        raise TypeError(f"partition: kth must be a static int or sequence of ints, got "
                        f"{type(kth).__name__}")
    for k in ks:
        if not -n <= int(k) < n:
            raise ValueError(f"kth(={int(k)}) out of bounds ({n})")


def _positions(condition: Any, size: int | None, name: str) -> tuple[Any, Any | None]:
    """(int64 positions of the true elements of a 1-d condition, validity mask or None)."""
    condition = asarray_strong(condition)
    if size is None:
        if isinstance(condition, Tracer):
            value = condition.to_concrete_value() if condition._trace.is_alive else None
            if value is None:
                raise ConcretizationError(
                    f"{name} has a data-dependent output size: the condition is a traced "
                    f"{condition.aval.str_short()} inside {condition._trace.description}. Pass "
                    f"a static size= (and optionally fill_value=) to {name}.")
            condition = value
        return np.flatnonzero(np.asarray(condition)), None
    n = get_aval(condition).shape[0]
    (pos,) = nonzero(condition, size=size, fill_value=n)
    return lax.min(pos, np.int64(max(n - 1, 0))), lax.lt(pos, np.int64(n))


def compress(condition: Any, a: Any, axis: int | None = None, *, size: int | None = None,
             fill_value: Any = 0, out: None = None) -> Any:
    """The slices of ``a`` along ``axis`` (flattened when None) where the 1-d ``condition``
    holds. A condition shorter than the axis is padded with False; under a transformation
    pass a static ``size`` (missing slots are ``fill_value``).

    Raises:
      ConcretizationError: a traced condition without ``size``.
      ValueError: a condition longer than the axis, or not 1-d.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.compress(np.array([True, False, True]), np.arange(6).reshape(3, 2), axis=0)
    array([[0, 1],
           [4, 5]])
    """
    check_no_out(out, "compress")
    a = asarray_strong(a)
    condition = asarray_strong(condition)
    if get_aval(condition).ndim != 1:
        raise ValueError("condition must be a 1-d array")
    if axis is None:
        a = lax.reshape(a, (-1,))
        axis = 0
    axis = normalize_axis(axis, get_aval(a).ndim)
    length = get_aval(a).shape[axis]
    n = get_aval(condition).shape[0]
    if n > length:
        value = None if isinstance(condition, Tracer) else np.asarray(condition)
        if value is not None and value[length:].any() or value is None:
            raise ValueError(f"compress: condition of length {n} is longer than axis {axis} "
                             f"of size {length}")
        condition = condition[:length]
    pos, valid = _positions(condition, size, "compress")
    taken = take(a, pos, axis=axis)
    if valid is None:
        return taken
    shape = [1] * get_aval(taken).ndim
    shape[axis] = get_aval(valid).shape[0]
    fill = cast(asarray_strong(fill_value), get_aval(a).dtype)
    return lax.select_n(lax.reshape(valid, tuple(shape)), lax.broadcast_to(
        fill, get_aval(taken).shape), taken)


def extract(condition: Any, arr: Any, *, size: int | None = None, fill_value: Any = 0) -> Any:
    """The elements of ``arr`` (flattened) where ``condition`` (flattened) holds; ``size`` /
    ``fill_value`` as for :func:`compress`.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> x = np.arange(5)
    >>> fnp.extract(x % 2 == 0, x, size=4, fill_value=-1)
    array([ 0,  2,  4, -1])
    """
    condition = lax.reshape(asarray_strong(condition), (-1,))
    arr = lax.reshape(asarray_strong(arr), (-1,))
    n = get_aval(arr).shape[0]
    m = get_aval(condition).shape[0]
    if m < n:
        condition = lax.pad(condition, False, [(0, n - m, 0)])
    elif m > n:
        condition = lax.slice_in_dim(condition, 0, n, 1, 0)
    return compress(condition, arr, size=size, fill_value=fill_value)


def place(arr: Any, mask: Any, vals: Any, *, inplace: bool = True) -> Any:
    """``arr`` with the elements where ``mask`` holds replaced by ``vals`` in order (cycled
    when there are fewer). Works with traced masks. Pass ``inplace=False``.

    Raises:
      ValueError: ``inplace`` is not False, mismatched sizes, or empty ``vals`` with a true
        mask.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.place(np.zeros(5), np.array([1, 0, 1, 1, 0]), np.array([7.0, 8.0]), inplace=False)
    array([7., 0., 8., 7., 0.])
    """
    _not_inplace("place", inplace)
    arr = asarray_strong(arr)
    shape = get_aval(arr).shape
    flat = lax.reshape(arr, (-1,))
    mask = lax.reshape(asarray_strong(mask), (-1,))
    if get_aval(mask).shape != get_aval(flat).shape:
        raise ValueError("place: mask and data must be the same size")
    mask = mask if get_aval(mask).dtype.kind == "b" else \
        lax.ne(mask, np.zeros((), get_aval(mask).dtype)[()])
    vals = lax.reshape(cast(asarray_strong(vals), get_aval(arr).dtype), (-1,))
    m = get_aval(vals).shape[0]
    if m == 0:
        if isinstance(mask, Tracer) or np.asarray(mask).any():
            raise ValueError("Cannot insert from an empty array!")
        return arr
    rank = lax.sub(lax.cumsum(lax.convert_element_type(mask, np.int64), 0), np.int64(1))
    picked = take(vals, lax.rem(lax.max(rank, np.int64(0)), np.int64(m)))
    return lax.reshape(lax.select_n(mask, flat, picked), shape)


def _wrap_or_clip(ind: Any, n: int, mode: str | None, name: str) -> Any:
    if mode is None or mode == "raise":
        if isinstance(ind, Tracer):
            if mode == "raise":
                raise ConcretizationError(f"{name}: mode='raise' checks the indices, which are "
                                          f"traced here; pass mode='clip' or 'wrap'")
        else:
            value = np.asarray(ind)
            if value.size and (value.max() >= n or value.min() < -n):
                raise IndexError(f"{name}: index out of range for size {n}")
        return lax.select_n(lax.lt(ind, np.int64(0)), ind, lax.add(ind, np.int64(n)))
    if mode == "clip":
        return lax.max(lax.min(ind, np.int64(n - 1)), np.int64(0))
    if mode == "wrap":
        return remainder(ind, np.int64(n))
    raise ValueError(f"{name}: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")


def put(a: Any, ind: Any, v: Any, mode: str | None = None, *, inplace: bool = True) -> Any:
    """``a`` with the flat positions ``ind`` set to ``v`` (cycled to ``ind``'s length; a
    repeated index keeps the last value). Pass ``inplace=False``. Without ``mode``, traced
    out-of-range indices are dropped.

    Raises:
      ValueError: ``inplace`` is not False or a bad mode. IndexError: concrete indices out of
        range (mode None or 'raise').

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.put(np.zeros(4), np.array([0, 2]), np.array([5.0, 6.0]), inplace=False)
    array([5., 0., 6., 0.])
    """
    _not_inplace("put", inplace)
    a = asarray_strong(a)
    shape = get_aval(a).shape
    flat = lax.reshape(a, (-1,))
    n = get_aval(flat).shape[0]
    ind = cast(lax.reshape(asarray_strong(ind), (-1,)), np.dtype(np.int64))
    k = get_aval(ind).shape[0]
    v = lax.reshape(cast(asarray_strong(v), get_aval(a).dtype), (-1,))
    if k == 0 or get_aval(v).shape[0] == 0:
        return a
    values = take(v, np.arange(k) % get_aval(v).shape[0])
    ind = _wrap_or_clip(ind, n, mode, "put")
    out = gather_scatter.scatter(flat, lax.reshape(ind, (k, 1)), values, (0,))
    return lax.reshape(out, shape)


def put_along_axis(arr: Any, indices: Any, values: Any, axis: int | None,
                   inplace: bool = True, *, mode: str | None = None) -> Any:
    """The inverse of ``take_along_axis``: ``arr`` with ``values`` written at ``indices``
    along ``axis`` (both broadcast against ``arr``'s other axes). Pass ``inplace=False``.

    Raises:
      ValueError: ``inplace`` is not False, or mismatched ranks.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> a = np.array([[10.0, 30.0, 20.0], [60.0, 40.0, 50.0]])
    >>> fnp.put_along_axis(a, np.array([[1], [0]]), 0.0, axis=1, inplace=False)
    array([[10.,  0., 20.],
           [ 0., 40., 50.]])
    """
    _not_inplace("put_along_axis", inplace)
    arr = asarray_strong(arr)
    indices = asarray_strong(indices)
    if axis is None:
        return put(lax.reshape(arr, (-1,)), indices, values, mode, inplace=False) if \
            get_aval(indices).ndim == 1 else _rank_error()
    shape = get_aval(arr).shape
    ndim = len(shape)
    if get_aval(indices).ndim != ndim:
        raise ValueError("put_along_axis: indices and arr must have the same number of "
                         "dimensions")
    axis = normalize_axis(axis, ndim)
    out_shape = tuple(np.broadcast_shapes(
        tuple(1 if i == axis else d for i, d in enumerate(shape)),
        tuple(1 if i == axis else d for i, d in enumerate(get_aval(indices).shape))))
    idx_shape = out_shape[:axis] + (get_aval(indices).shape[axis],) + out_shape[axis + 1:]
    indices = lax.broadcast_to(cast(indices, np.dtype(np.int64)), idx_shape)
    indices = _wrap_or_clip(indices, shape[axis], mode, "put_along_axis")
    columns = []
    for d in range(ndim):
        if d == axis:
            columns.append(indices)
        else:
            columns.append(lax.broadcasted_iota(np.int64, idx_shape, d))
    points = lax.concatenate([lax.reshape(c, idx_shape + (1,)) for c in columns], ndim)
    points = lax.reshape(points, (-1, ndim))
    vals = lax.broadcast_to(cast(asarray_strong(values), get_aval(arr).dtype), idx_shape)
    return gather_scatter.scatter(arr, points, lax.reshape(vals, (-1,)), tuple(range(ndim)))


def _rank_error() -> Any:
    raise ValueError("put_along_axis: with axis=None, indices must be 1-d")
