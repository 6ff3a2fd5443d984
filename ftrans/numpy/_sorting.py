"""Sorting and searching: sort, argsort, lexsort, searchsorted, unique.

All are built on ``lax.sort`` (a stable multi-operand sort with NaNs last, whose derivative
permutes the tangents) and ``lax.gather``. ``searchsorted`` is a branch-free binary search: one
gather and one comparison per bit of the sorted array's length. ``unique`` has a
data-dependent length, so under transformations it needs a static ``size=`` (the JAX
convention); outside them (concrete input) it is NumPy's. See docs/internals.md,
"The NumPy layer".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import ConcretizationError, Tracer, get_aval
from ftrans.lax import gather_scatter, sorting as lax_sorting
from ftrans.numpy._axes import normalize_axis
from ftrans.numpy._promotion import asarray_strong, cast, concrete_numeric_array, result_type
from ftrans.numpy._indexing import take

__all__ = ["sort", "argsort", "lexsort", "searchsorted", "unique"]


def _sort_input(a: Any, axis: int | None, order: Any, name: str) -> tuple[Any, int]:
    if order is not None:
        raise NotImplementedError(f"{name}: order= (structured arrays) is not supported")
    a = asarray_strong(a)
    aval = get_aval(a)
    if aval.dtype.kind not in "biufc":  # complex values order lexicographically, as NumPy
        raise TypeError(f"{name}: cannot sort an array of dtype {aval.dtype} (ftrans sorts "
                        f"booleans, integers, floats and complex numbers)")
    if axis is None:
        return lax.reshape(a, (-1,)), 0
    return a, normalize_axis(axis, aval.ndim)


def _check_kind(kind: Any, name: str) -> None:
    if kind not in (None, "quicksort", "mergesort", "heapsort", "stable"):
        raise ValueError(f"{name}: sort kind must be one of 'quick', 'heap', or 'stable' "
                         f"(got {kind!r})")


def sort(a: Any, axis: int | None = -1, kind: str | None = None, order: None = None, *,
         stable: bool | None = None, descending: bool = False) -> Any:
    """A sorted copy of ``a`` along ``axis`` (of the flattened array when None); NaNs last
    (first with ``descending=True``, JAX's keyword: the ascending result reversed). Every
    ``kind`` gives the same (stable) result. Differentiable: the derivative follows the
    permutation.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.sort(np.array([[3., 1.], [np.nan, 0.]]), axis=0)
    array([[ 3.,  0.],
           [nan,  1.]])
    """
    _check_kind(kind, "sort")
    a, ax = _sort_input(a, axis, order, "sort")
    result = lax_sorting.sort(a, ax)
    return lax.rev(result, (ax,)) if descending else result


def argsort(a: Any, axis: int | None = -1, kind: str | None = None, order: None = None, *,
            stable: bool | None = None, descending: bool = False, dtype: Any = None) -> Any:
    """Indices that sort ``a`` along ``axis`` (int64, or ``dtype``); stable (ties keep their
    order, also with ``descending=True``, as JAX).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.argsort(np.array([2, 0, 2, 1]))
    array([1, 3, 0, 2])
    """
    _check_kind(kind, "argsort")
    a, ax = _sort_input(a, axis, order, "argsort")
    iota = lax.broadcasted_iota(np.int64, get_aval(a).shape, ax)
    a = lax.stop_gradient(a)
    if descending:  # reversed first, so that ties keep their order once reversed back
        a, iota = lax.rev(a, (ax,)), lax.rev(iota, (ax,))
    indices = lax_sorting.sort([a, iota], ax, 1)[1]
    if descending:
        indices = lax.rev(indices, (ax,))
    return indices if dtype is None else cast(indices, np.dtype(dtype))


def lexsort(keys: Any, axis: int = -1) -> Any:
    """Indices that sort by several keys: the *last* key is the primary one (NumPy's rule).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.lexsort((np.array([1, 0, 2]), np.array([0, 1, 0])))
    array([0, 2, 1])
    """
    if isinstance(keys, (list, tuple)):
        arrays = [asarray_strong(k) for k in keys]
    else:
        keys = asarray_strong(keys)
        arrays = [lax.index_in_dim(keys, i, 0, False) for i in range(get_aval(keys).shape[0])]
    if not arrays:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    shape = np.broadcast_shapes(*[get_aval(k).shape for k in arrays])
    arrays = [lax.broadcast_to(lax.stop_gradient(k), shape) for k in arrays]
    if not shape:
        return np.int64(0)
    ax = normalize_axis(axis, len(shape))
    iota = lax.broadcasted_iota(np.int64, shape, ax)
    return lax_sorting.sort(arrays[::-1] + [iota], ax, len(arrays))[-1]


# ---------------------------------------------------------------------------------------------
# searchsorted
# ---------------------------------------------------------------------------------------------


def _nan_aware_less(x: Any, y: Any) -> Any:
    """``x < y`` in NumPy's sort order, where NaN is larger than everything."""
    less = lax.lt(x, y)
    if get_aval(x).dtype.kind not in "fc":
        return less
    x_nan, y_nan = lax.ne(x, x), lax.ne(y, y)
    return lax.bitwise_or(less, lax.bitwise_and(y_nan, lax.bitwise_not(x_nan)))


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None, *,
                 method: str = "scan") -> Any:
    """Where to insert ``v`` into the sorted 1-d ``a`` to keep it sorted: for ``side='left'``
    the first suitable position, for ``'right'`` the last (int64, ``v``'s shape).

    A branch-free binary search: ``ceil(log2(len(a) + 1))`` gathers. NaNs sort last, as in
    NumPy. The result is an integer, so its derivative is zero.

    Raises:
      ValueError: ``a`` is not 1-d, or ``side`` is neither 'left' nor 'right'.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.searchsorted(np.array([1., 2., 2., 3.]), np.array([2., 0., 5.]), side="right")
    array([3, 0, 4])
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    if method not in ("scan", "scan_unrolled", "sort", "compare_all"):  # JAX's; same result
        raise ValueError(f"invalid argument method={method!r} for searchsorted")
    a, v = asarray_strong(a), asarray_strong(v)
    if get_aval(a).ndim != 1:
        raise ValueError("object too deep for desired array" if get_aval(a).ndim else
                         "object of too small depth for desired array")
    if sorter is not None:
        a = take(a, sorter)
    dtype = result_type(a, v)
    a, v = lax.stop_gradient(cast(a, dtype)), lax.stop_gradient(cast(v, dtype))
    n = get_aval(a).shape[0]
    v_shape = get_aval(v).shape
    position: Any = np.zeros(v_shape, np.int64)
    step = 1 << max(n.bit_length() - 1, 0)
    while step and n:
        candidate = lax.add(position, np.int64(step))
        probe = lax.sub(lax.min(candidate, np.int64(n)), np.int64(1))
        value = gather_scatter.gather(a, lax.reshape(probe, v_shape + (1,)), (0,))
        if side == "left":
            goes_right = _nan_aware_less(value, v)
        else:
            goes_right = lax.bitwise_not(_nan_aware_less(v, value))
        goes_right = lax.bitwise_and(goes_right, lax.le(candidate, np.int64(n)))
        position = lax.select_n(goes_right, position, candidate)
        step >>= 1
    return position


# ---------------------------------------------------------------------------------------------
# unique
# ---------------------------------------------------------------------------------------------


def unique(ar: Any, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           size: int | None = None, fill_value: Any = None,
           sorted: bool = True) -> Any:  # noqa: A002
    """The sorted unique elements of ``ar`` (flattened), optionally with the index of each
    one's first occurrence, the inverse (``ar``'s shape) and the counts.

    Outside transformations this is NumPy's ``unique``. Under a transformation the number of
    unique elements is unknown, so pass a static ``size``: the first ``size`` unique values are
    returned, padded with ``fill_value`` (default: the smallest element); padded indices are 0
    and padded counts 0. Under ``grad`` and ``jvp`` the values are concrete, so ``size`` may be
    omitted. The unique values are differentiable. ``sorted`` (JAX's) is accepted: the values
    are always sorted.

    Raises:
      ConcretizationError: ``ar`` is abstract and ``size`` is not given.
      NotImplementedError: ``axis`` together with ``size`` or an abstract ``ar``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.unique(np.array([3, 1, 3, 2]), size=4, fill_value=-1)
    array([ 1,  2,  3, -1])
    """
    flags = (return_index, return_inverse, return_counts)
    if size is None:
        if not isinstance(ar, Tracer):
            return np.unique(concrete_numeric_array(ar, "unique"), *flags, axis=axis,  # pyright: ignore[reportCallIssue, reportArgumentType]  # numpy's overloads take the flags only as literals
                             equal_nan=equal_nan)
        value = ar.to_concrete_value() if ar._trace.is_alive else None
        if value is None:
            raise ConcretizationError(
                f"unique has a data-dependent output size: the number of unique values of a "
                f"traced {ar.aval.str_short()} inside {ar._trace.description} is unknown. Pass "
                f"a static size= (and fill_value=) to unique.")
        size = len(np.unique(np.asarray(value), axis=axis, equal_nan=equal_nan))
    if axis is not None:
        raise NotImplementedError("unique: axis= together with size= (or under a "
                                  "transformation) is not supported")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 0:
        raise TypeError(f"unique: size must be a static non-negative int, got {size!r}")
    return _unique_of_size(asarray_strong(ar), int(size), fill_value, equal_nan, flags)


def _unique_of_size(ar: Any, size: int, fill_value: Any, equal_nan: bool,
                    flags: tuple[bool, bool, bool]) -> Any:
    shape = get_aval(ar).shape
    flat = lax.reshape(ar, (-1,))
    n = get_aval(flat).shape[0]
    dtype = get_aval(flat).dtype
    order = lax.stop_gradient(flat)
    sorted_keys, sorted_values, perm = lax_sorting.sort(
        [order, flat, lax.iota(np.int64, n)], 0, 1)
    if n:
        before = lax.slice(sorted_keys, (0,), (n - 1,))
        after = lax.slice(sorted_keys, (1,), (n,))
        differs = lax.ne(before, after)
        if equal_nan and dtype.kind in "fc":
            both_nan = lax.bitwise_and(lax.ne(before, before), lax.ne(after, after))
            differs = lax.bitwise_and(differs, lax.bitwise_not(both_nan))
        is_new = lax.concatenate([np.ones(1, bool), differs], 0)
    else:
        is_new = np.zeros(0, bool)
    ranks = lax.sub(lax.cumsum(lax.convert_element_type(is_new, np.int64), 0), np.int64(1))
    slots = lax.reshape(lax.select_n(is_new, np.int64(size), ranks), (n, 1))
    if fill_value is None:
        fill = lax.index_in_dim(sorted_values, 0, 0, False) if n else np.zeros((), dtype)
    else:
        fill = cast(asarray_strong(fill_value), dtype)
    values = gather_scatter.scatter(lax.broadcast_to(fill, (size,)), slots, sorted_values, (0,))
    if not any(flags):
        return values
    out = [values]
    if flags[0]:  # the stable sort puts each value's first occurrence first in its group
        out.append(gather_scatter.scatter(np.zeros(size, np.int64), slots, perm, (0,)))
    if flags[1]:
        group = lax.reshape(ranks, (n,))
        inverse = gather_scatter.scatter(np.zeros(n, np.int64), lax.reshape(perm, (n, 1)), group,
                                       (0,))
        out.append(lax.reshape(inverse, shape))
    if flags[2]:
        group_slots = lax.reshape(ranks, (n, 1))
        out.append(gather_scatter.scatter_add(np.zeros(size, np.int64), group_slots,
                                            np.ones(n, np.int64), (0,)))
    return tuple(out)
