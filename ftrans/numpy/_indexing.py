"""Indexing: ``x[index]`` with NumPy's semantics, plus take, take_along_axis and nonzero.

Basic indexing (ints, slices with any step, None, Ellipsis) is one static ``slice``, a ``rev``
for negative steps, a ``dynamic_slice`` for traced integer scalars, and a ``reshape``.

Advanced indexing (integer arrays, concrete or traced, and concrete boolean masks) gathers:
the indexed axes are moved to the front and flattened, the index arrays become one flat index,
and the rows are picked with a one-hot mask: ``sum(where(onehot, x, -0.0))`` over the flattened
axis. That is exact (NaN and inf elsewhere in ``x`` do not leak, unlike a one-hot matrix
product) and differentiable, its transpose scatter-adds (repeated indices accumulate), but it
costs O(index size x indexed axes' size x remaining size) memory. ``take_along_axis`` uses a
per-axis one-hot, which is much cheaper for its pattern. A gather primitive in lax would make
both O(output).

Out-of-bounds concrete indices raise IndexError as in NumPy; traced indices cannot be checked
and are clamped into range (as JAX does). See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import ConcretizationError, Tracer, get_aval
from ftrans.lax import indexing as lax_indexing
from ftrans.lax import structural as lax_structural
from ftrans.numpy._axes import normalize_axis
from ftrans.numpy._promotion import asarray_strong

__all__ = ["getitem", "take", "take_along_axis", "nonzero", "argwhere", "flatnonzero"]

_INDEX_ERROR = ("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
                "integer or boolean arrays are valid indices")


def _concrete_mask(mask: Any, what: str) -> np.ndarray:
    """A boolean mask's concrete value, or a clear error when it is abstract."""
    if isinstance(mask, Tracer):
        value = mask.to_concrete_value() if mask._trace.is_alive else None
        if value is None:
            raise ConcretizationError(
                f"{what} has a data-dependent shape: the number of selected elements depends "
                f"on the values of a traced boolean array {mask.aval.str_short()} inside "
                f"{mask._trace.description}, so its shape is unknown while tracing. Use "
                f"ftrans.numpy.where(mask, x, 0) (or a fixed-size alternative) instead.")
        mask = value
    return np.asarray(mask)


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
    x = asarray_strong(x)
    shape = get_aval(x).shape
    entries = _parse_index(index, len(shape))
    if any(e[0] == "array" for e in entries):
        return _advanced(x, entries)
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


def _advanced(x: Any, entries: list[tuple]) -> Any:
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

    # flatten the indexed axes into one, and the index arrays into one flat index
    x = lax.transpose(x, adv_axes + rest_axes)
    rest_shape = tuple(shape[i] for i in rest_axes)
    flat_size = 1
    for i in adv_axes:
        flat_size *= shape[i]
    x = lax.reshape(x, (flat_size,) + rest_shape)
    flat_index: Any = np.int64(0)
    stride = 1
    for axis, idx in reversed(list(zip(adv_axes, indices))):
        flat_index = _index_op(np.add, lax.add, flat_index,
                               _index_op(np.multiply, lax.mul, idx, np.int64(stride)))
        stride *= shape[axis]
    out = _gather_rows(x, flat_index, batch_shape)  # batch_shape + rest_shape

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


def _normalize_indices(idx: Any, size: int, axis: int) -> Any:
    """Integer indices into an axis of ``size`` as int64 in ``[0, size)``: concrete ones are
    checked (IndexError), traced ones wrap negatives and are clamped."""
    if not isinstance(idx, Tracer):
        idx = np.asarray(idx, dtype=np.int64)
        bad = (idx < -size) | (idx >= size)
        if bad.any():
            raise IndexError(f"index {int(idx[bad].flat[0])} is out of bounds for axis {axis} "
                             f"with size {size}")
        return np.where(idx < 0, idx + size, idx)
    idx = lax.convert_element_type(idx, np.int64)
    idx = lax.select_n(lax.lt(idx, np.int64(0)), idx, lax.add(idx, np.int64(size)))
    return lax.max(lax.min(idx, np.int64(builtins.max(size - 1, 0))), np.int64(0))


def _index_op(numpy_fn: Any, lax_fn: Any, x: Any, y: Any) -> Any:
    """Arithmetic on indices: NumPy when both are concrete (so a program records the result
    as a constant instead of the steps), lax when one is traced."""
    if isinstance(x, Tracer) or isinstance(y, Tracer):
        return lax_fn(x, y)
    return numpy_fn(x, y)


def _gather_rows(x: Any, flat_index: Any, batch_shape: tuple[int, ...]) -> Any:
    """``x[flat_index]`` along axis 0 (``flat_index`` broadcast to ``batch_shape``), by a
    one-hot selection summed over axis 0's extent."""
    aval = get_aval(x)
    n, rest = aval.shape[0], aval.shape[1:]
    if aval.dtype.kind == "b":  # sum in integers, then back to bool
        picked = _gather_rows(lax.convert_element_type(x, np.uint8), flat_index, batch_shape)
        return lax.ne(picked, np.uint8(0))
    positions = np.arange(n, dtype=np.int64)
    if isinstance(flat_index, Tracer):
        flat_index = lax.reshape(lax.broadcast_to(flat_index, batch_shape), batch_shape + (1,))
        onehot = lax.reshape(lax.eq(flat_index, positions), batch_shape + (n,) + (1,) * len(rest))
    else:  # a constant mask
        onehot = np.broadcast_to(flat_index, batch_shape)[..., None] == positions
        onehot = onehot.reshape(batch_shape + (n,) + (1,) * len(rest))
    nb = len(batch_shape)
    expanded = lax.broadcast_in_dim(x, batch_shape + (n,) + rest,
                                    tuple(range(nb, nb + 1 + len(rest))))
    # -0.0 is the additive identity: x + -0.0 == x for every x, including +0.0
    identity = np.asarray(-0.0 if aval.dtype.kind in "fc" else 0, dtype=aval.dtype)[()]
    return lax.reduce_sum(lax.select_n(onehot, identity, expanded), (nb,))


# ---------------------------------------------------------------------------------------------
# take, take_along_axis
# ---------------------------------------------------------------------------------------------


def _apply_mode(indices: Any, size: int, mode: str | None) -> Any:
    if mode in (None, "raise", "fill"):
        return indices
    if mode == "clip":
        from ftrans.numpy._math import clip
        return clip(indices, 0, builtins.max(size - 1, 0))
    if mode == "wrap":
        from ftrans.numpy._math import remainder
        return remainder(indices, size)
    raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")


def take(a: Any, indices: Any, axis: int | None = None, out: None = None,
         mode: str | None = None) -> Any:
    """Elements of ``a`` at integer ``indices`` along ``axis`` (of the flattened array when
    None): ``a[(slice(None),) * axis + (indices,)]``. ``mode`` 'clip' or 'wrap' treats
    out-of-range indices as NumPy does."""
    from ftrans.numpy._axes import check_no_out
    check_no_out(out, "take")
    a = asarray_strong(a)
    if axis is None:
        a = lax.reshape(a, (-1,))
        axis = 0
    ax = normalize_axis(axis, get_aval(a).ndim)
    if not isinstance(indices, Tracer):
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            raise IndexError(f"take: indices must be integers, got dtype {indices.dtype}")
    indices = _apply_mode(indices, get_aval(a).shape[ax], mode)
    return getitem(a, (builtins.slice(None),) * ax + (indices,))


def take_along_axis(arr: Any, indices: Any, axis: int | None) -> Any:
    """``out[..., j, ...] = arr[..., indices[..., j, ...], ...]`` along ``axis``: picks one
    element per position (e.g. the log-probability of each label). ``indices`` has ``arr``'s
    rank; other axes broadcast. Cost O(indices along axis x axis size x rest).

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
    n = shape[ax]
    indices = _normalize_indices(indices, n, ax)
    out_shape = np.broadcast_shapes(shape[:ax] + (1,) + shape[ax + 1:],
                                    idx_shape[:ax] + (1,) + idx_shape[ax + 1:])
    out_shape = out_shape[:ax] + (idx_shape[ax],) + out_shape[ax + 1:]
    # one-hot over the axis: (..., m, n, ...) with m the indices' length along the axis
    positions = np.arange(n, dtype=np.int64).reshape((n,) + (1,) * (len(shape) - ax - 1))
    expanded_shape = idx_shape[:ax + 1] + (1,) + idx_shape[ax + 1:]
    if isinstance(indices, Tracer):
        onehot = lax.eq(lax.reshape(indices, expanded_shape), positions)
    else:  # a constant mask
        onehot = np.reshape(indices, expanded_shape) == positions
    expanded_arr = lax.reshape(arr, shape[:ax] + (1,) + shape[ax:])
    if get_aval(arr).dtype.kind == "b":
        expanded_arr = lax.convert_element_type(expanded_arr, np.uint8)
    dtype = get_aval(expanded_arr).dtype
    identity = np.asarray(-0.0 if dtype.kind in "fc" else 0, dtype=dtype)[()]
    picked = lax.reduce_sum(lax.select_n(onehot, identity, expanded_arr), (ax + 1,))
    picked = lax.broadcast_to(picked, out_shape)
    if get_aval(arr).dtype.kind == "b":
        picked = lax.ne(picked, np.uint8(0))
    return picked


# ---------------------------------------------------------------------------------------------
# nonzero (concrete only: the output's shape depends on the values)
# ---------------------------------------------------------------------------------------------


def nonzero(a: Any) -> tuple[np.ndarray, ...]:
    """Indices of the nonzero elements, one int64 array per axis. Needs a concrete ``a``.

    Raises:
      ConcretizationError: ``a`` is abstract (inside vmap, jit, make_jaxpr): the output's
        shape would depend on its values.
    """
    value = _concrete_mask(a, "nonzero (or where(condition) with one argument)")
    if value.ndim == 0:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                         "np.atleast_1d(scalar).nonzero() instead.")
    return np.nonzero(value)


def argwhere(a: Any) -> np.ndarray:
    """Indices of the nonzero elements, one row per element. Needs a concrete ``a``."""
    return np.argwhere(_concrete_mask(a, "argwhere"))


def flatnonzero(a: Any) -> np.ndarray:
    """Indices of the nonzero elements of the flattened array. Needs a concrete ``a``."""
    return np.flatnonzero(_concrete_mask(a, "flatnonzero"))
