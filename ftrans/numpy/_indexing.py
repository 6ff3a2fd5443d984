"""Indexing: ``x[index]`` with NumPy's semantics, ``.at[index]`` updates, take,
take_along_axis, and nonzero / argwhere / flatnonzero (concrete, or of a static ``size``).

Basic indexing (ints, slices with any step, None, Ellipsis) is one static ``slice``, a ``rev``
for negative steps, a ``dynamic_slice`` for traced integer scalars, and a ``reshape``.

Advanced indexing (integer arrays, concrete or traced, and concrete boolean masks) is one
``lax.gather`` of the indexed axes' points (cost: the size of the output; its transpose is a
scatter-add, so repeated indices accumulate gradients), then a transpose that places the
gathered axes by NumPy's rule (where the advanced indices were if they are adjacent, else
first). ``take_along_axis`` is one gather of flat positions.

``at(x)[index].set(v)`` (and ``x.at[index]`` on traced values) applies the index to a table of
flat positions, so every indexing rule carries over, then scatters into the flattened ``x``.

Out-of-bounds concrete indices raise IndexError as in NumPy; traced indices cannot be checked
and are clamped into range by reads and dropped by updates (as JAX does). See
docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import ConcretizationError, NonConcreteBooleanIndexError, Tracer, get_aval
from ftrans.lax import gather_scatter, indexing as lax_indexing, structural as lax_structural
from ftrans.numpy._axes import check_no_out, normalize_axis
from ftrans.numpy._promotion import asarray_strong, cast, concrete_numeric_array
from ftrans.numpy._elementwise import negative, to_bool, true_divide
from ftrans.lax.reductions import cumsum
from ftrans.numpy._math import clip, remainder, where

__all__ = ["getitem", "take", "take_along_axis", "nonzero", "argwhere", "flatnonzero", "at",
           "at_indexer"]

_INDEX_ERROR = ("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
                "integer or boolean arrays are valid indices")


def _concrete_mask(mask: Any, what: str) -> np.ndarray:
    """A boolean mask's concrete value, or a clear error when it is abstract."""
    if isinstance(mask, Tracer):
        value = mask.to_concrete_value() if mask._trace.is_alive else None
        if value is None:
            raise NonConcreteBooleanIndexError(
                f"{what} has a data-dependent shape: the number of selected elements depends "
                f"on the values of a traced boolean array {mask.aval.str_short()} inside "
                f"{mask._trace.description}, so its shape is unknown while tracing. Use "
                f"ftrans.numpy.where(mask, x, 0) (or a fixed-size alternative) instead.")
        mask = value
    return concrete_numeric_array(mask, what.split(";")[0].split(" (")[0])


# ---------------------------------------------------------------------------------------------
# Parsing an index
# ---------------------------------------------------------------------------------------------
# Entries after parsing: ("int", i) a concrete int; ("dyn", t) a traced integer scalar;
# ("array", a) an integer index array, concrete (np.ndarray) or traced; ("slice", s);
# ("none",) a new axis. Boolean masks become their nonzero() integer arrays.


def _parse_item(item: Any) -> list[tuple]:
    if item is None:
        return [("none",)]
    if item is Ellipsis:
        return [("ellipsis",)]
    if isinstance(item, builtins.slice):
        for part in (item.start, item.stop, item.step):
            if isinstance(part, Tracer):
                raise ConcretizationError(
                    f"slice bounds must be concrete (got a traced {part.aval.str_short()}): "
                    f"the result's shape would depend on them. Use lax.dynamic_slice with a "
                    f"static size for a window at a traced position.")
        return [("slice", item)]
    if isinstance(item, (bool, np.bool_)):
        raise NotImplementedError("indexing with a Python or NumPy bool scalar (x[True]) is "
                                  "not supported; use None to add an axis")
    if isinstance(item, (int, np.integer)):
        return [("int", int(item))]
    if isinstance(item, Tracer):
        kind = item.aval.dtype.kind
        if kind == "b":
            return [("array", np.asarray(a)) for a in
                    np.nonzero(_concrete_mask(item, "boolean mask indexing"))]
        if kind not in "iu":
            raise IndexError(f"{_INDEX_ERROR} (got a traced {item.aval.str_short()})")
        return [("dyn", item)] if item.aval.ndim == 0 else [("array", item)]
    arr = np.asarray(item)
    if arr.dtype.kind == "f" and arr.size == 0:  # x[[]] selects nothing
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "b":
        if arr.ndim == 0:
            raise NotImplementedError("indexing with a 0-d boolean array is not supported")
        return [("array", a) for a in np.nonzero(arr)]
    if arr.dtype.kind not in "iu":
        raise IndexError(f"{_INDEX_ERROR} (got {type(item).__name__} of dtype {arr.dtype})")
    if arr.ndim == 0:
        return [("int", int(arr))]
    return [("array", arr)]


def _parse_index(index: Any, ndim: int) -> list[tuple]:
    if not isinstance(index, tuple):
        index = (index,)
    entries: list[tuple] = []
    for item in index:
        entries.extend(_parse_item(item))
    n_ellipsis = sum(1 for e in entries if e[0] == "ellipsis")
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(1 for e in entries if e[0] not in ("none", "ellipsis"))
    if consumed > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but "
                         f"{consumed} were indexed")
    fill = [("slice", builtins.slice(None))] * (ndim - consumed)
    if n_ellipsis:
        at = next(i for i, e in enumerate(entries) if e[0] == "ellipsis")
        return entries[:at] + fill + entries[at + 1:]
    return entries + fill


# ---------------------------------------------------------------------------------------------
# getitem
# ---------------------------------------------------------------------------------------------


def getitem(x: Any, index: Any) -> Any:
    """``x[index]`` with NumPy's semantics: basic indexing (ints, slices with any step, None,
    Ellipsis), traced integer scalars, integer arrays (concrete or traced) and concrete boolean
    masks, in any combination.

    Raises:
      IndexError: an invalid index, or a concrete index out of bounds.
      ConcretizationError: a traced boolean mask or traced slice bounds (the result's shape
        would depend on traced values).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.getitem(np.arange(12).reshape(3, 4), (slice(None, None, -1), [0, 3]))
    array([[ 8, 11],
           [ 4,  7],
           [ 0,  3]])
    """
    return _getitem(asarray_strong(x), index, "clip")


def _getitem(x: Any, index: Any, mode: str) -> Any:
    """getitem with traced out-of-range indices clamped (mode "clip") or read as 0 (mode
    "fill", used by ``.at`` updates to drop them); in "fill" mode traced integer scalars are
    gathered like 0-d index arrays (the same result shape, by NumPy's placement rules)."""
    shape = get_aval(x).shape
    entries = _parse_index(index, len(shape))
    if mode == "fill" and any(e[0] == "dyn" for e in entries):
        entries = [("array", e[1]) if e[0] == "dyn" else e for e in entries]
    if any(e[0] == "array" for e in entries):
        return _advanced(x, entries, mode)
    return _basic(x, entries)


def _axis_entries(entries: list[tuple]) -> list[tuple]:
    """The entries that consume an axis of the operand, in order (one per axis)."""
    return [e for e in entries if e[0] != "none"]


def _check_int(i: int, size: int, axis: int) -> int:
    if not -size <= i < size:
        raise IndexError(f"index {i} is out of bounds for axis {axis} with size {size}")
    return i % size


def _static_slices(x: Any, entries: list[tuple]) -> Any:
    """Apply every slice and concrete int of ``entries`` (axes kept, ints as size-1 windows)
    with one ``slice`` and one ``rev``; other entries keep their axis whole."""
    shape = get_aval(x).shape
    starts, limits, strides, reversed_axes = [], [], [], []
    for axis, (entry, size) in enumerate(zip(_axis_entries(entries), shape)):
        start, limit, stride = 0, size, 1
        if entry[0] == "int":
            start = _check_int(entry[1], size, axis)
            limit = start + 1
        elif entry[0] == "slice":
            r = range(*entry[1].indices(size))
            if len(r) == 0:
                start = limit = 0
            elif r.step > 0:
                start, limit, stride = r.start, r[-1] + 1, r.step
            else:  # a negative step: the same elements forwards, then reversed
                start, limit, stride = r[-1], r.start + 1, -r.step
                reversed_axes.append(axis)
        starts.append(start)
        limits.append(limit)
        strides.append(stride)
    x = lax_indexing.slice(x, starts, limits, strides)
    return lax_structural.rev(x, reversed_axes)


def _basic(x: Any, entries: list[tuple]) -> Any:
    x = _static_slices(x, entries)
    shape = get_aval(x).shape
    axis_entries = _axis_entries(entries)
    dynamic = [i for i, e in enumerate(axis_entries) if e[0] == "dyn"]
    if dynamic:
        starts = [axis_entries[i][1] if i in dynamic else 0 for i in range(len(shape))]
        sizes = [1 if i in dynamic else d for i, d in enumerate(shape)]
        x = lax_indexing.dynamic_slice(x, starts, sizes)
    out_shape = []
    axis = 0
    for entry in entries:
        if entry[0] == "none":
            out_shape.append(1)
            continue
        if entry[0] == "slice":
            out_shape.append(shape[axis])
        axis += 1
    return lax.reshape(x, tuple(out_shape))


def _advanced(x: Any, entries: list[tuple], mode: str = "clip") -> Any:
    # Ints next to arrays are advanced indices too (NumPy's rule), so they are gathered.
    entries = [("array", np.asarray(e[1])) if e[0] == "int" else
               ("array", e[1]) if e[0] == "dyn" else e for e in entries]
    x = _static_slices(x, entries)  # slices only: every advanced axis is kept whole
    shape = get_aval(x).shape
    axis_entries = _axis_entries(entries)
    adv_axes = [i for i, e in enumerate(axis_entries) if e[0] == "array"]
    rest_axes = [i for i, e in enumerate(axis_entries) if e[0] != "array"]
    indices = [_normalize_indices(axis_entries[i][1], shape[i], i) for i in adv_axes]
    batch_shape = np.broadcast_shapes(*[get_aval(i).shape for i in indices])
    points = _stack_points(indices, batch_shape)
    out = gather_scatter.gather(x, points, tuple(adv_axes), mode)  # batch_shape + rest_shape
    rest_shape = tuple(shape[i] for i in rest_axes)

    # place the gathered axes: where the advanced indices were, if they were adjacent
    positions = [k for k, e in enumerate(entries) if e[0] == "array"]
    adjacent = positions == list(range(positions[0], positions[-1] + 1))
    slots: list[Any] = []
    rest_counter = iter(range(len(rest_shape)))
    for k, entry in enumerate(entries):
        if entry[0] == "array":
            if adjacent and k == positions[0]:
                slots.append("batch")
        else:
            slots.append("new" if entry[0] == "none" else next(rest_counter))
    if not adjacent:
        slots.insert(0, "batch")
    nb = len(batch_shape)
    perm, final_shape = [], []
    for slot in slots:
        if slot == "batch":
            perm.extend(range(nb))
            final_shape.extend(batch_shape)
        elif slot == "new":
            final_shape.append(1)
        else:
            perm.append(nb + slot)
            final_shape.append(rest_shape[slot])
    return lax.reshape(lax.transpose(out, perm), tuple(final_shape))


def _stack_points(indices: list[Any], batch_shape: tuple[int, ...]) -> Any:
    """The index arrays, broadcast together, as one array of points ``batch_shape + (k,)``."""
    if not any(isinstance(i, Tracer) for i in indices):
        return np.stack([np.broadcast_to(i, batch_shape) for i in indices], axis=-1)
    columns = [lax.reshape(lax.broadcast_to(i, batch_shape), batch_shape + (1,))
               for i in indices]
    return columns[0] if len(columns) == 1 else lax.concatenate(columns, len(batch_shape))


def _normalize_indices(idx: Any, size: int, axis: int) -> Any:
    """Integer indices into an axis of ``size`` as int64: concrete ones are checked
    (IndexError) and wrapped into ``[0, size)``; traced ones have negatives wrapped once (the
    gather then clamps what is still out of range, or in mode "fill" treats it as missing)."""
    if not isinstance(idx, Tracer):
        idx = np.asarray(idx, dtype=np.int64)
        bad = (idx < -size) | (idx >= size)
        if bad.any():
            raise IndexError(f"index {int(idx[bad].flat[0])} is out of bounds for axis {axis} "
                             f"with size {size}")
        return np.where(idx < 0, idx + size, idx)
    idx = lax.convert_element_type(idx, np.int64)
    return lax.select_n(lax.lt(idx, np.int64(0)), idx, lax.add(idx, np.int64(size)))


# ---------------------------------------------------------------------------------------------
# take, take_along_axis
# ---------------------------------------------------------------------------------------------


def _apply_mode(indices: Any, size: int, mode: str | None) -> Any:
    if mode in (None, "raise", "fill"):
        return indices
    if mode == "clip":
        return clip(indices, 0, builtins.max(size - 1, 0))
    if mode == "wrap":
        return remainder(indices, size)
    raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")


def take(a: Any, indices: Any, axis: int | None = None, out: None = None,
         mode: str | None = None, unique_indices: bool = False, indices_are_sorted: bool = False,
         fill_value: Any = None) -> Any:
    """Elements of ``a`` at integer ``indices`` along ``axis`` (of the flattened array when
    None): ``a[(slice(None),) * axis + (indices,)]``. ``mode`` 'clip' or 'wrap' treats
    out-of-range indices as NumPy does; JAX's 'fill' gives ``fill_value`` there (NaN, the
    most negative integer, the largest unsigned one or True by default, as JAX).
    ``unique_indices`` and ``indices_are_sorted`` (JAX's hints) are accepted and ignored."""
    check_no_out(out, "take")
    del unique_indices, indices_are_sorted
    a = asarray_strong(a)
    if axis is None:
        a = lax.reshape(a, (-1,))
        axis = 0
    ax = normalize_axis(axis, get_aval(a).ndim)
    if not isinstance(indices, Tracer):
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            raise IndexError(f"take: indices must be integers, got dtype {indices.dtype}")
    if mode == "fill":
        return _take_fill(a, indices, ax, fill_value)
    indices = _apply_mode(indices, get_aval(a).shape[ax], mode)
    return getitem(a, (builtins.slice(None),) * ax + (indices,))


def _take_fill(a: Any, indices: Any, ax: int, fill_value: Any) -> Any:
    """JAX's mode='fill': indices in [-n, n) as usual, others give ``fill_value``."""
    aval = get_aval(a)
    n = aval.shape[ax]
    valid = lax.bitwise_and(lax.ge(indices, np.int64(-n)), lax.lt(indices, np.int64(n)))
    safe = where(valid, indices, 0)
    picked = getitem(a, (builtins.slice(None),) * ax + (safe,))
    if fill_value is None:
        kind = aval.dtype.kind
        fill_value = (np.nan if kind in "fc" else True if kind == "b" else
                      np.iinfo(aval.dtype).min if kind == "i" else np.iinfo(aval.dtype).max)
    valid = lax.reshape(valid, (1,) * ax + get_aval(valid).shape + (1,) * (aval.ndim - ax - 1))
    return where(valid, picked, cast(asarray_strong(fill_value), aval.dtype))


def take_along_axis(arr: Any, indices: Any, axis: int | None) -> Any:
    """``out[..., j, ...] = arr[..., indices[..., j, ...], ...]`` along ``axis``: picks one
    element per position (e.g. the log-probability of each label). ``indices`` has ``arr``'s
    rank; other axes broadcast. One gather: the cost is the size of the output.

    Raises:
      ValueError: ``indices`` has another rank than ``arr``.
      IndexError: non-integer indices, or a concrete index out of bounds.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.take_along_axis(np.array([[0.1, 0.9], [0.7, 0.3]]), np.array([[1], [0]]), axis=1)
    array([[0.9],
           [0.7]])
    """
    arr = asarray_strong(arr)
    if axis is None:
        arr = lax.reshape(arr, (-1,))
        axis = 0
    shape = get_aval(arr).shape
    ax = normalize_axis(axis, len(shape))
    if not isinstance(indices, Tracer):
        indices = np.asarray(indices)
    idx_shape = get_aval(indices).shape
    if len(idx_shape) != len(shape):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    if get_aval(indices).dtype.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    indices = _normalize_indices(indices, shape[ax], ax)
    out_shape = np.broadcast_shapes(shape[:ax] + (1,) + shape[ax + 1:],
                                    idx_shape[:ax] + (1,) + idx_shape[ax + 1:])
    out_shape = out_shape[:ax] + (idx_shape[ax],) + out_shape[ax + 1:]
    # the flat position of each picked element: the index along the axis times its stride,
    # plus a constant offset for the other axes (0 along axes where arr has size 1)
    strides = np.cumprod((shape[1:] + (1,))[::-1])[::-1] if shape else np.ones(0, np.int64)
    offset = np.zeros(out_shape, np.int64)
    for d, (n, stride) in enumerate(zip(shape, strides)):
        if d != ax and n != 1:
            offset = offset + (np.arange(out_shape[d]) * int(stride)).reshape(
                (-1,) + (1,) * (len(shape) - d - 1))
    indices = _broadcast_index(indices, out_shape)
    if isinstance(indices, Tracer):
        flat = lax.add(lax.mul(indices, np.int64(strides[ax])), offset)
    else:
        flat = indices * int(strides[ax]) + offset
    flat_arr = lax.reshape(arr, (get_aval(arr).size,))
    return gather_scatter.gather(flat_arr, _as_points(flat), (0,))


def _broadcast_index(indices: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(indices, Tracer):
        return lax.broadcast_to(indices, shape)
    return np.broadcast_to(indices, shape)


def _as_points(flat: Any) -> Any:
    """Flat positions as points of a 1-d operand (a trailing axis of size 1)."""
    shape = get_aval(flat).shape
    if isinstance(flat, Tracer):
        return lax.reshape(flat, shape + (1,))
    return np.reshape(flat, shape + (1,))


# ---------------------------------------------------------------------------------------------
# x.at[index]: functional updates
# ---------------------------------------------------------------------------------------------


def _update_positions(shape: tuple[int, ...], index: Any) -> Any:
    """The flat positions ``x[index]`` reads, in the shape of ``x[index]``: the index applied
    to a table of positions, so every NumPy indexing rule carries over. Concrete indices give a
    NumPy array; traced out-of-range indices give -1 (the scatter drops them, as in JAX)."""
    size = 1
    for d in shape:
        size *= d
    table = np.arange(1, size + 1, dtype=np.int64).reshape(shape)
    picked = _getitem(table, index, "fill")  # 0 where a traced index is out of range
    if isinstance(picked, Tracer):
        return lax.sub(picked, np.int64(1))
    return np.asarray(picked) - 1


class IndexUpdateRef:
    """``x.at[index]``: the updates of the elements ``x[index]`` (NumPy's indexing rules).

    Every method returns a new array; ``x`` is unchanged. Repeated indices accumulate for
    ``add`` / ``multiply`` / ``min`` / ``max`` (like ``np.add.at``); for ``set`` the last value
    wins. Traced out-of-range indices are dropped; concrete ones raise IndexError.
    """

    __slots__ = ("array", "index")

    def __init__(self, array: Any, index: Any):
        self.array = array
        self.index = index

    def __repr__(self) -> str:
        return f"IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(self) -> Any:
        """``x[index]``."""
        return getitem(self.array, self.index)

    def set(self, values: Any) -> Any:
        """``x`` with ``x[index] = values``."""
        return self._scatter(gather_scatter.scatter_p, values)

    def add(self, values: Any) -> Any:
        """``x`` with ``values`` added at ``index`` (repeated indices accumulate)."""
        return self._scatter(gather_scatter.scatter_add_p, values)

    def subtract(self, values: Any) -> Any:
        """``x`` with ``values`` subtracted at ``index``."""
        return self._scatter(gather_scatter.scatter_add_p, negative(asarray_strong(values)))

    def multiply(self, values: Any) -> Any:
        """``x`` multiplied by ``values`` at ``index`` (repeated indices multiply)."""
        return self._scatter(gather_scatter.scatter_mul_p, values)

    def divide(self, values: Any) -> Any:
        """``x`` divided by ``values`` at ``index`` (an inexact ``x``, as NumPy's in-place
        division needs)."""
        x = asarray_strong(self.array)
        aval = get_aval(x)
        if aval.dtype.kind not in "fc":
            raise TypeError(f"at[...].divide needs a floating-point array, got {aval.dtype} "
                            f"(NumPy cannot divide an integer array in place)")
        divisor = IndexUpdateRef(np.ones(aval.shape, aval.dtype), self.index).multiply(values)
        return true_divide(x, divisor)

    def min(self, values: Any) -> Any:  # noqa: A003
        """``x`` with ``x[index] = minimum(x[index], values)`` (all repeated values count)."""
        return self._scatter(gather_scatter.scatter_min_p, values)

    def max(self, values: Any) -> Any:  # noqa: A003
        """``x`` with ``x[index] = maximum(x[index], values)`` (all repeated values count)."""
        return self._scatter(gather_scatter.scatter_max_p, values)

    def _scatter(self, prim: Any, values: Any) -> Any:
        x = asarray_strong(self.array)
        aval = get_aval(x)
        positions = _update_positions(aval.shape, self.index)
        target_shape = get_aval(positions).shape
        values = cast(asarray_strong(values), aval.dtype)
        values_shape = get_aval(values).shape
        try:
            np.broadcast_shapes(values_shape, target_shape)
        except ValueError:
            raise ValueError(f"could not broadcast input array from shape {values_shape} into "
                             f"shape {target_shape}") from None
        if len(values_shape) > len(target_shape):  # NumPy drops leading unit axes
            values = lax.reshape(values, values_shape[len(values_shape) - len(target_shape):])
        values = lax.broadcast_to(values, target_shape)
        flat = lax.reshape(x, (aval.size,))
        out = prim.bind(flat, _as_points(positions), values, axes=(0,), mode="drop")
        return lax.reshape(out, aval.shape)


class IndexUpdateHelper:
    """``x.at``: index it to get an :class:`IndexUpdateRef` (``x.at[i].set(v)``)."""

    __slots__ = ("array",)

    def __init__(self, array: Any):
        self.array = array

    def __getitem__(self, index: Any) -> IndexUpdateRef:
        return IndexUpdateRef(self.array, index)

    def __repr__(self) -> str:
        return f"IndexUpdateHelper({self.array!r})"


def at(x: Any) -> IndexUpdateHelper:
    """Functional index updates for any array: ``at(x)[index].set(v)`` is a new array equal to
    ``x`` with ``x[index] = v``; also ``add``, ``subtract``, ``multiply``, ``divide``, ``min``,
    ``max`` and ``get``. Traced values have the same as a property: ``x.at[index]``. (JAX has
    no such function: its arrays all have ``.at``; a NumPy array does not, hence this one.)

    Indices follow NumPy's rules (ints, slices, None, Ellipsis, integer arrays, concrete boolean
    masks). Repeated indices accumulate for ``add`` and the others, like ``np.add.at``; for
    ``set`` the last value wins. All updates are differentiable and batchable.

    Raises:
      IndexError: a concrete index out of bounds, or an invalid index.
      ValueError: values that do not broadcast to the shape of ``x[index]``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.at(np.zeros(4))[np.array([0, 2, 0])].add(1.0)
    array([2., 0., 1., 0.])
    >>> fnp.at(np.arange(6).reshape(2, 3))[:, -1].set(9)
    array([[0, 1, 9],
           [3, 4, 9]])
    """
    if not isinstance(x, (Tracer, np.ndarray, np.generic, list, tuple, bool, int, float,
                          complex)):
        concrete_numeric_array(x, "at")  # refuses strings, None and other objects
    return IndexUpdateHelper(x)


at_indexer = at


# ---------------------------------------------------------------------------------------------
# nonzero and friends: concrete, or of a static size
# ---------------------------------------------------------------------------------------------


def _flat_nonzero_positions(a: Any, size: int) -> Any:
    """Positions of the first ``size`` nonzero elements of the flattened ``a`` (int64), -1
    past the last one."""
    mask = lax.reshape(to_bool(asarray_strong(a)), (-1,))
    n = get_aval(mask).shape[0]
    ranks = lax.sub(cumsum(lax.convert_element_type(mask, np.int64), 0), np.int64(1))
    slots = lax.select_n(mask, np.int64(size), ranks)  # slot `size` is out of range: dropped
    positions = np.arange(n, dtype=np.int64)
    return gather_scatter.scatter(np.full(size, -1, np.int64), _as_points(slots), positions,
                                (0,), mode="drop")


def _check_size(size: Any, name: str) -> int:
    if isinstance(size, Tracer) or isinstance(size, bool) or \
            not isinstance(size, (int, np.integer)) or size < 0:
        raise TypeError(f"{name}: size must be a static non-negative int, got {size!r}")
    return int(size)


def nonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> tuple[Any, ...]:
    """Indices of the nonzero elements, one int64 array per axis.

    Without ``size`` the input must be concrete (the output's length depends on its values).
    With a static ``size`` it works under every transformation: the first ``size`` nonzero
    elements are returned, padded with ``fill_value`` (default 0; a tuple gives one per axis).

    Raises:
      ConcretizationError: ``a`` is abstract and ``size`` is not given.
      ValueError: ``a`` is 0-d.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.nonzero(np.array([0, 3, 0, 4]), size=3)
    (array([1, 3, 0]),)
    """
    if size is None:
        value = _concrete_mask(a, "nonzero (or where(condition) with one argument); pass a "
                                  "static size= to nonzero")
        if value.ndim == 0:
            raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                             "np.atleast_1d(scalar).nonzero() instead.")
        return np.nonzero(value)
    size = _check_size(size, "nonzero")
    a = asarray_strong(a)
    shape = get_aval(a).shape
    if not shape:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                         "np.atleast_1d(scalar).nonzero() instead.")
    flat = _flat_nonzero_positions(a, size)
    fills = fill_value if isinstance(fill_value, (tuple, list)) else (fill_value,) * len(shape)
    if len(fills) != len(shape):
        raise ValueError(f"nonzero: fill_value must be a scalar or a tuple of {len(shape)} "
                         f"values, got {fill_value!r}")
    missing = lax.lt(flat, np.int64(0))
    out = []
    stride = 1
    for d in reversed(range(len(shape))):
        coord = lax.rem(lax.div(lax.max(flat, np.int64(0)), np.int64(stride)),
                        np.int64(builtins.max(shape[d], 1)))
        stride *= shape[d]
        fill = np.int64(0 if fills[d] is None else fills[d])
        out.append(lax.select_n(missing, coord, fill))
    return tuple(reversed(out))


def argwhere(a: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """Indices of the nonzero elements, one row per element (int64). Needs a concrete ``a``
    unless a static ``size`` is given (then padded with ``fill_value``, as :func:`nonzero`).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.argwhere(np.array([[0, 1], [1, 0]]), size=3, fill_value=-1)
    array([[ 0,  1],
           [ 1,  0],
           [-1, -1]])
    """
    if size is None:
        return np.argwhere(_concrete_mask(a, "argwhere; pass a static size= to argwhere"))
    a = asarray_strong(a)
    if get_aval(a).ndim == 0:
        return np.zeros((_check_size(size, "argwhere"), 0), np.int64)
    columns = nonzero(a, size=size, fill_value=fill_value)
    return lax.concatenate([lax.reshape(c, (size, 1)) for c in columns], 1)


def flatnonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """Indices of the nonzero elements of the flattened array (int64). Needs a concrete ``a``
    unless a static ``size`` is given (then padded with ``fill_value``, default 0)."""
    if size is None:
        return np.flatnonzero(_concrete_mask(a, "flatnonzero; pass a static size= to "
                                                "flatnonzero"))
    flat = _flat_nonzero_positions(a, _check_size(size, "flatnonzero"))
    fill = np.int64(0 if fill_value is None else fill_value)
    return lax.select_n(lax.lt(flat, np.int64(0)), flat, fill)
