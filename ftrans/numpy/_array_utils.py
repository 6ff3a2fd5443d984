"""Array utilities: append, block, resize, rollaxis, unstack, matrix_transpose, matvec /
vecmat / vecdot, cumulative_sum / cumulative_prod, array_equal / array_equiv, astype / copy,
diagflat, trim_zeros, unwrap, geomspace, fromfunction, einsum_path. Selecting and writing by
position or mask (partition, compress, put, ...) is in ``_selection``. See docs/internals.md,
"The NumPy layer".
"""

from __future__ import annotations

import typing
from typing import Any, Callable, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import ConcretizationError, Tracer, get_aval
from ftrans.numpy._axes import normalize_axis
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy._shapes import concatenate, moveaxis
from ftrans.numpy._linalg import diag, matmul
from ftrans.numpy._complex import conjugate
from ftrans.numpy._elementwise import equal, multiply
from ftrans.numpy._reductions import all as _all, sum as _sum
from ftrans.numpy import _reductions
from ftrans.numpy._calculus import diff
from ftrans.numpy._math import remainder
from ftrans.numpy._creation import linspace
from ftrans.api import vmap

__all__ = ["append", "block", "resize", "rollaxis", "unstack", "matrix_transpose", "matvec",
           "vecmat", "vecdot", "cumulative_sum", "cumulative_prod", "array_equal",
           "array_equiv", "astype", "copy", "diagflat", "trim_zeros", "unwrap", "geomspace",
           "fromfunction", "einsum_path"]


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """``values`` appended to ``arr`` (both flattened when ``axis`` is None).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.append(np.array([1, 2]), [[3, 4]])
    array([1, 2, 3, 4])
    """
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
    x2 = asarray_strong(x2)
    return matmul(x1, lax.expand_dims(x2, (get_aval(x2).ndim,)))[..., 0]


def vecmat(x1: Any, x2: Any, /) -> Any:
    """Batched vector-matrix product: ``(..., n) x (..., n, m) -> (..., m)`` (the vector
    conjugated, as in the Array API).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.vecmat(np.array([1.0, 3.0]), np.eye(2) * 2)
    array([2., 6.])
    """
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
    x1, x2 = conjugate(asarray_strong(x1)), asarray_strong(x2)
    s1, s2 = get_aval(x1).shape, get_aval(x2).shape
    if not s1 or not s2 or s1[axis] != s2[axis]:
        raise ValueError(f"vecdot: sizes along axis {axis} must match, got shapes {s1} and "
                         f"{s2}")
    ndim = max(len(s1), len(s2))
    axis = axis if axis < 0 else axis - max(len(s1), len(s2))
    return _sum(multiply(x1, x2), axis=normalize_axis(axis, ndim))


def _cumulative(name: str, x: Any, axis: int | None, dtype: Any, include_initial: bool) -> Any:
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
            # numpy takes any case and order of "f" and "b" (its stubs only four literals)
            return np.trim_zeros(
                value, typing.cast("typing.Literal['f', 'b', 'fb', 'bf']", trim), axis)
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
