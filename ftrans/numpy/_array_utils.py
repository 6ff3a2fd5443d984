"""Array utilities: append, block, resize, rollaxis, unstack, matrix_transpose, matvec /
vecmat / vecdot, partition, compress / extract / place / put / put_along_axis, cumulative_sum /
cumulative_prod, array_equal / array_equiv, astype / copy, diagflat, trim_zeros, unwrap,
geomspace, fromfunction, einsum_path.

Functions that write into an array return a new one (``inplace=False`` is required, JAX's
rule); those whose output length depends on values take ``size=`` / ``fill_value=`` under
transformations. See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import ConcretizationError, Tracer, get_aval
from ftrans.lax import gather_scatter
from ftrans.numpy._axes import normalize_axis
from ftrans.numpy._promotion import asarray_strong, cast, result_type

__all__ = ["append", "block", "resize", "rollaxis", "unstack", "matrix_transpose", "matvec",
           "vecmat", "vecdot", "partition", "argpartition", "compress", "extract", "place",
           "put", "put_along_axis", "cumulative_sum", "cumulative_prod", "array_equal",
           "array_equiv", "astype", "copy", "diagflat", "trim_zeros", "unwrap", "geomspace",
           "fromfunction", "einsum_path"]


def _not_inplace(name: str, inplace: bool) -> None:
    if inplace:
        raise ValueError(f"ftrans.numpy.{name} cannot modify its argument in place (arrays "
                         f"are immutable under transformations); pass inplace=False and use "
                         f"the returned array")


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """``values`` appended to ``arr`` (both flattened when ``axis`` is None).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.append(np.array([1, 2]), [[3, 4]])
    array([1, 2, 3, 4])
    """
    from ftrans.numpy._shapes import concatenate
    arr, values = asarray_strong(arr), asarray_strong(values)
    if axis is None:
        arr, values = lax.reshape(arr, (-1,)), lax.reshape(values, (-1,))
        axis = 0
    return concatenate([arr, values], axis=axis)


def _depth(x: Any) -> int:
    return 1 + _depth(x[0]) if isinstance(x, list) and x else (1 if isinstance(x, list) else 0)


def block(arrays: Any) -> Any:
    """An array assembled from nested lists of blocks: the innermost lists are joined along
    the last axis, the next level along the second last, and so on (NumPy's ``block``).

    Raises:
      ValueError: lists nested to different depths, or empty lists. TypeError: tuples.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.block([[np.eye(2), np.zeros((2, 1))], [np.ones((1, 2)), np.array([[5.0]])]])
    array([[1., 0., 0.],
           [0., 1., 0.],
           [1., 1., 5.]])
    """
    from ftrans.numpy._shapes import concatenate

    leaves: list[Any] = []

    def check(x: Any, level: int) -> int:
        if isinstance(x, tuple):
            raise TypeError("block: arrays is a tuple; only lists can be used to arrange "
                            "blocks")
        if isinstance(x, list):
            if not x:
                raise ValueError("block: lists cannot be empty")
            depths = {check(e, level + 1) for e in x}
            if len(depths) != 1:
                raise ValueError("block: list depths are mismatched")
            return depths.pop()
        leaves.append(asarray_strong(x))
        return level

    depth = check(arrays, 0)
    ndim = max([depth] + [get_aval(a).ndim for a in leaves])
    dtype = result_type(*leaves)

    def build(x: Any, level: int) -> Any:
        if not isinstance(x, list):
            a = cast(asarray_strong(x), dtype)
            shape = get_aval(a).shape
            return lax.reshape(a, (1,) * (ndim - len(shape)) + shape)
        return concatenate([build(e, level + 1) for e in x], axis=ndim - depth + level)

    return build(arrays, 0)


def resize(a: Any, new_shape: int | Sequence[int]) -> Any:
    """An array of ``new_shape`` filled with ``a``'s elements (flattened) repeated in order.

    Raises:
      ValueError: a negative dimension.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.resize(np.array([1, 2, 3]), (2, 4))
    array([[1, 2, 3, 1],
           [2, 3, 1, 2]])
    """
    try:
        shape = (int(new_shape),) if isinstance(new_shape, (int, np.integer)) else \
            tuple(int(d) for d in new_shape)
    except Exception:  # noqa: BLE001 - anything that is not a shape
        raise TypeError(f"resize: new_shape must be an int or a sequence of ints, got "
                        f"{type(new_shape).__name__}") from None
    if any(d < 0 for d in shape):
        raise ValueError("all elements of `new_shape` must be non-negative")
    flat = lax.reshape(asarray_strong(a), (-1,))
    n = get_aval(flat).shape[0]
    total = int(np.prod(shape))
    if n == 0 or total == 0:
        return np.zeros(shape, get_aval(flat).dtype)
    reps = -(-total // n)
    tiled = lax.reshape(lax.broadcast_to(flat, (reps, n)), (reps * n,))
    return lax.reshape(lax.slice_in_dim(tiled, 0, total, 1, 0), shape)


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """``a`` with ``axis`` moved to before position ``start`` (NumPy's older ``moveaxis``).

    Raises:
      ValueError: ``axis`` or ``start`` out of range.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.rollaxis(np.zeros((3, 4, 5)), 2).shape
    (5, 3, 4)
    """
    a = asarray_strong(a)
    n = get_aval(a).ndim
    axis = normalize_axis(axis, n)
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise ValueError(f"rollaxis: start={start} must be in [-{n}, {n}]")
    if axis < start:
        start -= 1
    if axis == start:
        return a
    from ftrans.numpy._shapes import moveaxis
    return moveaxis(a, axis, start)


def unstack(x: Any, /, *, axis: int = 0) -> tuple[Any, ...]:
    """The slices of ``x`` along ``axis``, as a tuple.

    Raises:
      ValueError: a 0-d input.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.unstack(np.arange(4).reshape(2, 2))
    (array([0, 1]), array([2, 3]))
    """
    x = asarray_strong(x)
    if get_aval(x).ndim == 0:
        raise ValueError("Input array must be at least 1-d.")
    axis = normalize_axis(axis, get_aval(x).ndim)
    return tuple(lax.index_in_dim(x, i, axis, False) for i in range(get_aval(x).shape[axis]))


def matrix_transpose(x: Any, /) -> Any:
    """The transpose of the last two axes.

    Raises:
      ValueError: fewer than 2 axes.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.matrix_transpose(np.zeros((4, 2, 3))).shape
    (4, 3, 2)
    """
    x = asarray_strong(x)
    n = get_aval(x).ndim
    if n < 2:
        raise ValueError(f"matrix_transpose requires at least 2 dimensions; got {n}")
    return lax.transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def matvec(x1: Any, x2: Any, /) -> Any:
    """Batched matrix-vector product: ``(..., m, n) x (..., n) -> (..., m)``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.matvec(np.eye(2) * 2, np.array([1.0, 3.0]))
    array([2., 6.])
    """
    from ftrans.numpy._linalg import matmul
    x2 = asarray_strong(x2)
    return matmul(x1, lax.expand_dims(x2, (get_aval(x2).ndim,)))[..., 0]


def vecmat(x1: Any, x2: Any, /) -> Any:
    """Batched vector-matrix product: ``(..., n) x (..., n, m) -> (..., m)`` (the vector
    conjugated, as in the Array API).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.vecmat(np.array([1.0, 3.0]), np.eye(2) * 2)
    array([2., 6.])
    """
    from ftrans.numpy._complex import conjugate
    from ftrans.numpy._linalg import matmul
    x1 = conjugate(asarray_strong(x1))
    return matmul(lax.expand_dims(x1, (get_aval(x1).ndim - 1,)), x2)[..., 0, :]


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """Batched dot products along ``axis`` (``x1`` conjugated), broadcasting the rest.

    Raises:
      ValueError: the two sizes along ``axis`` differ.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.vecdot(np.ones((2, 3)), np.arange(3.0))
    array([3., 3.])
    """
    from ftrans.numpy._complex import conjugate
    from ftrans.numpy._elementwise import multiply
    from ftrans.numpy._reductions import sum as _sum
    x1, x2 = conjugate(asarray_strong(x1)), asarray_strong(x2)
    s1, s2 = get_aval(x1).shape, get_aval(x2).shape
    if not s1 or not s2 or s1[axis] != s2[axis]:
        raise ValueError(f"vecdot: sizes along axis {axis} must match, got shapes {s1} and "
                         f"{s2}")
    ndim = max(len(s1), len(s2))
    axis = axis if axis < 0 else axis - max(len(s1), len(s2))
    return _sum(multiply(x1, x2), axis=normalize_axis(axis, ndim))


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
    from ftrans.numpy._sorting import sort
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
    from ftrans.numpy._sorting import argsort
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
    from ftrans.numpy._indexing import nonzero
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
    from ftrans.numpy._axes import check_no_out
    from ftrans.numpy._indexing import take
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
    from ftrans.numpy._indexing import take
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
        from ftrans.numpy._math import remainder
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
    from ftrans.numpy._indexing import take
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


def _cumulative(name: str, x: Any, axis: int | None, dtype: Any, include_initial: bool) -> Any:
    from ftrans.numpy import _reductions
    x = asarray_strong(x)
    ndim = get_aval(x).ndim
    if ndim == 0:
        raise ValueError(f"{name}: the input must be at least 1-d")
    if axis is None:
        if ndim > 1:
            raise ValueError(f"{name}: axis must be specified for an input of more than one "
                             f"dimension")
        axis = 0
    axis = normalize_axis(axis, ndim)
    fn = _reductions.cumsum if name == "cumulative_sum" else _reductions.cumprod
    out = fn(x, axis=axis, dtype=dtype)
    if include_initial:
        shape = list(get_aval(out).shape)
        shape[axis] = 1
        first = np.full(shape, 0 if name == "cumulative_sum" else 1, get_aval(out).dtype)
        out = lax.concatenate([first, out], axis)
    return out


def cumulative_sum(x: Any, /, *, axis: int | None = None, dtype: Any = None,
                   include_initial: bool = False) -> Any:
    """The Array API's cumulative sum: ``axis`` is required for more than 1-d input;
    ``include_initial`` prepends the 0.

    Raises:
      ValueError: a missing ``axis`` for multi-dimensional input, or a 0-d input.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.cumulative_sum(np.array([1, 2, 3]), include_initial=True)
    array([0, 1, 3, 6])
    """
    return _cumulative("cumulative_sum", x, axis, dtype, include_initial)


def cumulative_prod(x: Any, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False) -> Any:
    """The Array API's cumulative product (see :func:`cumulative_sum`).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.cumulative_prod(np.array([1, 2, 3]), include_initial=True)
    array([1, 1, 2, 6])
    """
    return _cumulative("cumulative_prod", x, axis, dtype, include_initial)


def array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> Any:
    """Whether two arrays have the same shape and elements (a bool; NaNs equal with
    ``equal_nan``). Different shapes give False without comparing values.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> bool(fnp.array_equal(np.array([1.0, np.nan]), np.array([1.0, np.nan]), equal_nan=True))
    True
    """
    a1, a2 = asarray_strong(a1), asarray_strong(a2)
    if get_aval(a1).shape != get_aval(a2).shape:
        return np.False_
    return _all_equal(a1, a2, equal_nan)


def _all_equal(a1: Any, a2: Any, equal_nan: bool) -> Any:
    from ftrans.numpy._elementwise import equal
    from ftrans.numpy._reductions import all as _all
    same = equal(a1, a2)
    if equal_nan and result_type(a1, a2).kind in "fc":
        both = lax.bitwise_and(lax.ne(a1, a1), lax.ne(a2, a2))
        same = lax.bitwise_or(same, both)
    return _all(same)


def array_equiv(a1: Any, a2: Any) -> Any:
    """Whether two arrays broadcast together and are equal elementwise (a bool).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> bool(fnp.array_equiv(np.array([1, 2]), np.array([[1, 2], [1, 2]])))
    True
    """
    a1, a2 = asarray_strong(a1), asarray_strong(a2)
    try:
        np.broadcast_shapes(get_aval(a1).shape, get_aval(a2).shape)
    except ValueError:
        return np.False_
    return _all_equal(a1, a2, False)


def astype(x: Any, dtype: Any, /, *, copy: bool = False, device: Any = None) -> Any:
    """``x`` converted to ``dtype`` (the Array API's function form of ``x.astype``).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.astype(np.array([1.7, -1.7]), np.int32)
    array([ 1, -1], dtype=int32)
    """
    del device
    x = asarray_strong(x)
    out = cast(x, np.dtype(dtype))
    return out.copy() if copy and isinstance(out, np.ndarray) and out is x else out


def copy(a: Any, order: str | None = None) -> Any:
    """A copy of ``a`` (a traced value is returned as it is: values are immutable).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.copy([1, 2])
    array([1, 2])
    """
    a = asarray_strong(a)
    return np.array(a, copy=True) if isinstance(a, (np.ndarray, np.generic)) else a


def diagflat(v: Any, k: int = 0) -> Any:
    """A 2-d array with the flattened ``v`` on diagonal ``k``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.diagflat(np.array([[1, 2]]), 1)
    array([[0, 1, 0],
           [0, 0, 2],
           [0, 0, 0]])
    """
    from ftrans.numpy._linalg import diag
    return diag(lax.reshape(asarray_strong(v), (-1,)), k)


def trim_zeros(filt: Any, trim: str = "fb", axis: int | None = None) -> Any:
    """``filt`` without its leading ('f') and / or trailing ('b') zeros. The length depends
    on the values, so ``filt`` must be concrete (it may be differentiated by grad).

    Raises:
      ConcretizationError: an abstract ``filt``. ValueError: a bad ``trim``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.trim_zeros(np.array([0, 0, 1, 2, 0]))
    array([1, 2])
    """
    if not set(trim.lower()) <= {"f", "b"}:
        raise ValueError(f"trim_zeros: trim must be a combination of 'f' and 'b', got "
                         f"{trim!r}")
    filt = asarray_strong(filt)
    value = filt
    if isinstance(filt, Tracer):
        value = filt.to_concrete_value() if filt._trace.is_alive else None
        if value is None:
            raise ConcretizationError(
                f"trim_zeros has a data-dependent output size: the input is a traced "
                f"{filt.aval.str_short()} inside {filt._trace.description}; trim outside the "
                f"transformation, or keep the zeros and mask them")
    value = np.asarray(value)
    if value.ndim != 1 or axis not in (None, 0, -1):
        if not isinstance(filt, Tracer):
            return np.trim_zeros(value, trim, axis)
        raise NotImplementedError("trim_zeros of traced multi-dimensional input")
    nonzero = np.flatnonzero(value)
    if len(nonzero) == 0:
        return lax.slice_in_dim(filt, 0, 0, 1, 0)
    start = int(nonzero[0]) if "f" in trim.lower() else 0
    stop = int(nonzero[-1]) + 1 if "b" in trim.lower() else len(value)
    return lax.slice_in_dim(filt, start, stop, 1, 0)


def unwrap(p: Any, discont: Any = None, axis: int = -1, *, period: Any = 2 * np.pi) -> Any:
    """Phases ``p`` unwrapped along ``axis``: jumps larger than ``discont`` (default
    ``period / 2``) are replaced by their ``period``-complement. Differentiable (the
    correction is piecewise constant).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.unwrap(np.array([0.0, 3.0, 6.5, 0.2])).round(4)
    array([0.    , 3.    , 0.2168, 0.2   ])
    """
    from ftrans.numpy._calculus import diff
    from ftrans.numpy._math import remainder
    p = asarray_strong(p)
    dtype = result_type(p, period, 1.0)
    p = cast(p, dtype)
    ndim = get_aval(p).ndim
    axis = normalize_axis(axis, ndim)
    half = lax.div(cast(asarray_strong(period), dtype), np.asarray(2, dtype)[()])
    discont = half if discont is None else cast(asarray_strong(discont), dtype)
    discont = lax.max(discont, half)
    dd = diff(p, axis=axis)
    ddmod = lax.sub(remainder(lax.add(dd, half), lax.mul(half, np.asarray(2, dtype)[()])), half)
    boundary = lax.bitwise_and(lax.eq(ddmod, lax.neg(half)), lax.gt(dd, np.zeros((), dtype)[()]))
    ddmod = lax.select_n(boundary, ddmod, lax.broadcast_to(half, get_aval(ddmod).shape))
    correction = lax.sub(ddmod, dd)
    correction = lax.select_n(lax.lt(lax.abs(dd), discont), correction,
                              np.zeros(get_aval(dd).shape, dtype))
    correction = lax.cumsum(lax.stop_gradient(correction), axis)
    zero_shape = list(get_aval(p).shape)
    zero_shape[axis] = 1
    correction = lax.concatenate([np.zeros(zero_shape, dtype), correction], axis)
    return lax.add(p, correction)


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0) -> Any:
    """``num`` numbers spaced evenly on a log scale from ``start`` to ``stop`` (negative end
    points of one sign are allowed; the end points are exact).

    Raises:
      ValueError: a zero end point, or end points of opposite signs.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.geomspace(1.0, 1000.0, 4)
    array([   1.,   10.,  100., 1000.])
    """
    from ftrans.numpy._creation import linspace
    num = int(num)
    start, stop = asarray_strong(start), asarray_strong(stop)
    ftype = result_type(start, stop, 1.0)
    start, stop = cast(start, ftype), cast(stop, ftype)
    for v in (start, stop):
        if not isinstance(v, Tracer) and np.any(np.asarray(v) == 0):
            raise ValueError("Geometric sequence cannot include zero")
    if not isinstance(start, Tracer) and not isinstance(stop, Tracer) and \
            np.any(np.sign(start) != np.sign(stop)):
        raise NotImplementedError("geomspace with end points of opposite signs (a complex "
                                  "sequence) is not supported")
    sign = lax.sign(start)
    log_start = lax.log(lax.abs(start))
    log_stop = lax.log(lax.abs(stop))
    exponents = linspace(log_start, log_stop, num, endpoint=endpoint, axis=0)
    shape = get_aval(exponents).shape
    out = lax.mul(lax.exp(exponents), sign)
    if num > 0:
        first = lax.broadcast_to(start, (1,) + shape[1:])
        parts = [first, lax.slice_in_dim(out, 1, num - 1 if endpoint and num > 1 else num, 1, 0)]
        if endpoint and num > 1:
            parts.append(lax.broadcast_to(stop, (1,) + shape[1:]))
        out = lax.concatenate(parts, 0)
    if axis != 0:
        from ftrans.numpy._shapes import moveaxis
        out = moveaxis(out, 0, axis)
    return out if dtype is None else cast(out, np.dtype(dtype))


def fromfunction(function: Callable[..., Any], shape: Sequence[int], *, dtype: Any = float,
                 **kwargs: Any) -> Any:
    """An array whose element at ``idx`` is ``function(*idx)``: the function is vmapped over
    each coordinate (called once, with traced scalars), so the result always has ``shape``.

    >>> import ftrans.numpy as fnp
    >>> fnp.fromfunction(lambda i, j: i + 10 * j, (2, 3), dtype=int)
    array([[ 0, 10, 20],
           [ 1, 11, 21]])
    """
    from ftrans.api import vmap
    shape = tuple(int(d) for d in shape)
    fn = lambda *idx: function(*idx, **kwargs)  # noqa: E731
    for i in reversed(range(len(shape))):
        fn = vmap(fn, in_axes=tuple(0 if j == i else None for j in range(len(shape))))
    return fn(*[np.arange(s, dtype=dtype) for s in shape])


def einsum_path(subscripts: str, *operands: Any, optimize: Any = "greedy") -> Any:
    """NumPy's contraction order for ``einsum`` (it depends only on the operands' shapes,
    so traced operands are fine).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.einsum_path("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4)))[0]
    ['einsum_path', (0, 1)]
    """
    shaped = [np.broadcast_to(np.zeros((), get_aval(asarray_strong(o)).dtype),
                              get_aval(asarray_strong(o)).shape) for o in operands]
    return np.einsum_path(subscripts, *shaped, optimize=optimize)
