"""Set operations on 1-d arrays: isin, union1d, intersect1d, setdiff1d, setxor1d, and the
Array API's unique_values / unique_counts / unique_inverse / unique_all.

Results whose length depends on the values (all but ``isin``) follow JAX's rule: on concrete
input they are NumPy's; under a transformation a static ``size=`` fixes the length, padding
with ``fill_value=`` (when grad or jvp hold concrete values, the size is read from them).
Internally every operation sorts once (``stop_gradient`` on the sort keys), marks the first
element of each run of equal values, and compacts the marked elements into ``size`` slots with
one scatter, so the chosen values stay differentiable. See docs/internals.md, "The NumPy
layer".
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ftrans import lax
from ftrans.core import ConcretizationError, Tracer, get_aval
from ftrans.lax import gather_scatter, sorting as lax_sorting
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy._sorting import unique
from ftrans.numpy._reductions import min as _min

__all__ = ["isin", "union1d", "intersect1d", "setdiff1d", "setxor1d", "unique_values",
           "unique_counts", "unique_inverse", "unique_all"]


def _concrete_or_none(*arrays: Any) -> list[np.ndarray] | None:
    """The arrays' values when all are known now (plain arrays, or tracers of a trace that
    holds values, as under grad), else None."""
    out = []
    for a in arrays:
        if isinstance(a, Tracer):
            value = a.to_concrete_value() if a._trace.is_alive else None
            if value is None:
                return None
            a = value
        out.append(np.asarray(a))
    return out


def _size_error(name: str, arrays: tuple[Any, ...]) -> ConcretizationError:
    traced = next(a for a in arrays if isinstance(a, Tracer))
    return ConcretizationError(
        f"{name} has a data-dependent output size: its length depends on the values of a "
        f"traced {traced.aval.str_short()} inside {traced._trace.description}. Pass a static "
        f"size= (and optionally fill_value=) to {name}.")


def _check_size(size: Any, name: str) -> int:
    if isinstance(size, (Tracer, bool)) or not isinstance(size, (int, np.integer)) or size < 0:
        raise TypeError(f"{name}: size must be a static non-negative int, got {size!r}")
    return int(size)


def _flat(x: Any) -> Any:
    x = asarray_strong(x)
    return lax.reshape(x, (-1,))


def _sorted_runs(flat: Any) -> tuple[Any, Any, Any]:
    """(sorted values, permutation, is-first-of-its-run mask) of a 1-d array."""
    n = get_aval(flat).shape[0]
    keys, values, perm = lax_sorting.sort([lax.stop_gradient(flat), flat,
                                           lax.iota(np.int64, n)], 0, 1)
    if n == 0:
        return values, perm, np.zeros(0, bool)
    before = lax.slice(keys, (0,), (n - 1,))
    after = lax.slice(keys, (1,), (n,))
    differs = lax.ne(before, after)
    if get_aval(flat).dtype.kind in "fc":  # NaNs form one run, as in NumPy's set operations
        both_nan = lax.bitwise_and(lax.ne(before, before), lax.ne(after, after))
        differs = lax.bitwise_and(differs, lax.bitwise_not(both_nan))
    return values, perm, lax.concatenate([np.ones(1, bool), differs], 0)


def _compact(values: Any, keep: Any, size: int, fill_value: Any) -> Any:
    """The kept elements of 1-d ``values`` in order, in ``size`` slots padded with
    ``fill_value`` (default: the smallest kept value, or 0 when nothing is kept)."""
    n = get_aval(values).shape[0]
    dtype = get_aval(values).dtype
    rank = lax.sub(lax.cumsum(lax.convert_element_type(keep, np.int64), 0), np.int64(1))
    slots = lax.reshape(lax.select_n(keep, np.int64(size), rank), (n, 1))
    if fill_value is None:
        if n:
            big = np.asarray(np.inf if dtype.kind in "fc" else np.iinfo(dtype).max
                             if dtype.kind in "iu" else True, dtype)[()]
            smallest = _min(lax.select_n(keep, lax.broadcast_to(big, (n,)), values))
            any_kept = lax.reduce_or(keep, (0,))
            fill = lax.select_n(any_kept, np.zeros((), dtype)[()], smallest)
        else:
            fill = np.zeros((), dtype)[()]
    else:
        fill = cast(asarray_strong(fill_value), dtype)
    return gather_scatter.scatter(lax.broadcast_to(fill, (size,)), slots, values, (0,))


def _membership(element: Any, test: Any) -> Any:
    """For each element, whether it equals some element of the 1-d ``test`` (O(n m))."""
    e = lax.stop_gradient(element)
    t = lax.stop_gradient(test)
    shape = get_aval(e).shape
    m = get_aval(t).shape[0]
    if m == 0:
        return np.zeros(shape, bool)
    pairs = lax.eq(lax.reshape(e, shape + (1,)), t)
    return lax.reduce_or(pairs, (len(shape),))


def isin(element: Any, test_elements: Any, assume_unique: bool = False, invert: bool = False,
         *, kind: str | None = None, method: str = "auto") -> Any:
    """Elementwise: whether each element of ``element`` is in ``test_elements`` (flattened);
    the result has ``element``'s shape and works under every transformation.

    Args:
      element: an array.
      test_elements: an array of values to look for.
      assume_unique: accepted for NumPy compatibility (the result is the same).
      invert: return the negation.
      kind: None, 'sort' or 'table' (NumPy's algorithm choice; the result is the same).
      method: JAX's algorithm choice, accepted (the result is the same).

    Returns:
      A boolean array of ``element``'s shape.

    Raises:
      ValueError: an unknown ``kind``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.isin(np.array([1, 2, 3, 4]), np.array([4, 2]))
    array([False,  True, False,  True])
    """
    if kind not in (None, "sort", "table"):
        raise ValueError(f"isin: kind must be None, 'sort' or 'table', got {kind!r}")
    element = asarray_strong(element)
    test = _flat(test_elements)
    dtype = result_type(element, test)
    out = _membership(cast(element, dtype), cast(test, dtype))
    if invert:
        out = lax.bitwise_not(out) if isinstance(out, Tracer) else ~out
    return out


def _static_size(name: str, size: Any, arrays: tuple[Any, ...], numpy_fn: Any) -> Any:
    """(result, None) from NumPy when no size is needed; else (None, size)."""
    if size is not None:
        return None, _check_size(size, name)
    values = _concrete_or_none(*arrays)
    if values is None:
        raise _size_error(name, arrays)
    result = numpy_fn(*values)
    if not any(isinstance(a, Tracer) for a in arrays):
        return result, None
    first = result[0] if isinstance(result, tuple) else result
    return None, len(first)


def union1d(ar1: Any, ar2: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """The sorted unique values of either array (both flattened).

    Args:
      ar1, ar2: arrays.
      size: under a transformation, the static length of the result (required there unless
        the values are concrete); the first ``size`` values are kept.
      fill_value: what pads the result to ``size`` (default: its smallest value).

    Returns:
      A 1-d array.

    Raises:
      ConcretizationError: traced input without ``size``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.union1d(np.array([3, 1]), np.array([2, 3]), size=4, fill_value=0)
    array([1, 2, 3, 0])
    """
    ar1, ar2 = asarray_strong(ar1), asarray_strong(ar2)
    done, size = _static_size("union1d", size, (ar1, ar2), np.union1d)
    if done is not None:
        return done
    assert size is not None  # _static_size gives a size when it gives no result
    a, b = _flat(ar1), _flat(ar2)
    dtype = result_type(a, b)
    values, _, first = _sorted_runs(lax.concatenate([cast(a, dtype), cast(b, dtype)], 0))
    return _compact(values, first, size, fill_value)


def setdiff1d(ar1: Any, ar2: Any, assume_unique: bool = False, *, size: int | None = None,
              fill_value: Any = None) -> Any:
    """The sorted unique values of ``ar1`` that are not in ``ar2`` (with ``assume_unique``,
    ``ar1``'s elements in their order, as in NumPy).

    Args:
      ar1, ar2: arrays (flattened).
      assume_unique: ``ar1`` has no repeated values: keep its order, skip the sort.
      size, fill_value: as for :func:`union1d` (but ``fill_value`` defaults to 0).

    Returns:
      A 1-d array.

    Raises:
      ConcretizationError: traced input without ``size``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.setdiff1d(np.array([5, 1, 3, 1]), np.array([3]))
    array([1, 5])
    """
    ar1, ar2 = asarray_strong(ar1), asarray_strong(ar2)
    done, size = _static_size("setdiff1d", size, (ar1, ar2),
                              lambda a, b: np.setdiff1d(a, b, assume_unique))
    if done is not None:
        return done
    assert size is not None  # _static_size gives a size when it gives no result
    a, b = _flat(ar1), _flat(ar2)
    dtype = result_type(a, b)
    a, b = cast(a, dtype), cast(b, dtype)
    fill_value = 0 if fill_value is None else fill_value  # JAX's default here
    if assume_unique:
        return _compact(a, lax.bitwise_not(_membership(a, b)), size, fill_value)
    values, _, first = _sorted_runs(a)
    keep = lax.bitwise_and(first, lax.bitwise_not(_membership(values, b)))
    return _compact(values, keep, size, fill_value)


def setxor1d(ar1: Any, ar2: Any, assume_unique: bool = False, *, size: int | None = None,
             fill_value: Any = None) -> Any:
    """The sorted unique values in exactly one of the two arrays.

    Args:
      ar1, ar2: arrays (flattened).
      assume_unique: accepted for NumPy compatibility (the result is the same).
      size, fill_value: as for :func:`union1d`.

    Returns:
      A 1-d array.

    Raises:
      ConcretizationError: traced input without ``size``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.setxor1d(np.array([1, 2, 3]), np.array([2, 3, 4]))
    array([1, 4])
    """
    ar1, ar2 = asarray_strong(ar1), asarray_strong(ar2)
    done, size = _static_size("setxor1d", size, (ar1, ar2),
                              lambda a, b: np.setxor1d(a, b, assume_unique))
    if done is not None:
        return done
    assert size is not None  # _static_size gives a size when it gives no result
    a, b = _flat(ar1), _flat(ar2)
    dtype = result_type(a, b)
    a, b = cast(a, dtype), cast(b, dtype)
    values, _, first = _sorted_runs(lax.concatenate([a, b], 0))
    in_one = lax.ne(_membership(values, a), _membership(values, b))
    return _compact(values, lax.bitwise_and(first, in_one), size, fill_value)


def intersect1d(ar1: Any, ar2: Any, assume_unique: bool = False, return_indices: bool = False,
                *, size: int | None = None, fill_value: Any = None) -> Any:
    """The sorted unique values in both arrays; with ``return_indices`` also the index of
    each one's first occurrence in the flattened ``ar1`` and ``ar2``.

    Args:
      ar1, ar2: arrays (flattened).
      assume_unique: accepted for NumPy compatibility (the values are the same).
      return_indices: also return the two index arrays (padded with 0 beyond the values).
      size, fill_value: as for :func:`union1d`.

    Returns:
      A 1-d array, or (values, indices in ar1, indices in ar2).

    Raises:
      ConcretizationError: traced input without ``size``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.intersect1d(np.array([4, 1, 3]), np.array([3, 4, 5]), return_indices=True)
    (array([3, 4]), array([2, 0]), array([0, 1]))
    """
    ar1, ar2 = asarray_strong(ar1), asarray_strong(ar2)
    done, size = _static_size(
        "intersect1d", size, (ar1, ar2),
        lambda a, b: np.intersect1d(a, b, assume_unique, return_indices))
    if done is not None:
        return done
    assert size is not None  # _static_size gives a size when it gives no result
    a, b = _flat(ar1), _flat(ar2)
    dtype = result_type(a, b)
    a, b = cast(a, dtype), cast(b, dtype)
    values, perm, first = _sorted_runs(a)
    keep = lax.bitwise_and(first, _membership(values, b))
    out = _compact(values, keep, size, fill_value)
    if not return_indices:
        return out
    index_a = _compact(perm, keep, size, 0)
    m = get_aval(b).shape[0]
    if m == 0:
        return out, index_a, np.zeros(size, np.int64)
    matches = lax.eq(lax.reshape(lax.stop_gradient(values), (-1, 1)), lax.stop_gradient(b))
    index_b = lax.argmax(lax.convert_element_type(matches, np.int8), 1, np.int64)
    return out, index_a, _compact(index_b, keep, size, 0)


# ---------------------------------------------------------------------------------------------
# The Array API's unique_* functions
# ---------------------------------------------------------------------------------------------


class UniqueAllResult(NamedTuple):
    values: Any
    indices: Any
    inverse_indices: Any
    counts: Any


class UniqueCountsResult(NamedTuple):
    values: Any
    counts: Any


class UniqueInverseResult(NamedTuple):
    values: Any
    inverse_indices: Any


def _unique(x: Any, size: Any, fill_value: Any, **flags: bool) -> Any:
    return unique(x, equal_nan=False, size=size, fill_value=fill_value, **flags)


def unique_values(x: Any, /, *, size: int | None = None, fill_value: Any = None) -> Any:
    """The sorted unique values of ``x`` (flattened; NaNs are distinct, as in the Array API).
    ``size`` / ``fill_value`` as for :func:`ftrans.numpy.unique`.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.unique_values(np.array([3, 1, 3]))
    array([1, 3])
    """
    return _unique(x, size, fill_value)


def unique_counts(x: Any, /, *, size: int | None = None,
                  fill_value: Any = None) -> UniqueCountsResult:
    """(values, counts) of the unique values of ``x``, as a named tuple.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.unique_counts(np.array([3, 1, 3])).counts
    array([1, 2])
    """
    return UniqueCountsResult(*_unique(x, size, fill_value, return_counts=True))


def unique_inverse(x: Any, /, *, size: int | None = None,
                   fill_value: Any = None) -> UniqueInverseResult:
    """(values, inverse_indices) of ``x``: ``values[inverse_indices]`` rebuilds ``x`` (the
    inverse has ``x``'s shape).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.unique_inverse(np.array([3, 1, 3])).inverse_indices
    array([1, 0, 1])
    """
    return UniqueInverseResult(*_unique(x, size, fill_value, return_inverse=True))


def unique_all(x: Any, /, *, size: int | None = None,
               fill_value: Any = None) -> UniqueAllResult:
    """(values, indices of first occurrences, inverse_indices, counts), as a named tuple.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.unique_all(np.array([3, 1, 3])).indices
    array([1, 0])
    """
    return UniqueAllResult(*_unique(x, size, fill_value, return_index=True,
                                    return_inverse=True, return_counts=True))
