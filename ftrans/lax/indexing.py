"""Indexing primitives: read and write windows and points of arrays.

slice (static bounds and strides), dynamic_slice and dynamic_update_slice (start indices are
integer scalar operands, possibly traced, clamped into range as in XLA). All are linear in their
array operands: slice transposes to a pad with zeros, dynamic_slice to a dynamic_update_slice
into zeros, and dynamic_update_slice to (the cotangent with the window zeroed, the window).

Batching a dynamic slice whose start indices differ per batch member uses a *barrel shifter*:
each member's clamped start is split into bits, and for bit ``j`` the whole batch is shifted by
``2**j`` (a ``pad`` with a negative edge) and ``select_n`` keeps the shifted copy for the members
whose bit is set. That is ``O(log n)`` primitives per axis, exact (no arithmetic on the data, so
NaN and inf pass through), and built only from primitives that have every rule.

gather and the scatter family (scatter, scatter_add, scatter_mul, scatter_min, scatter_max)
work on *points*: ``indices`` of shape ``batch + (k,)`` name points of ``k`` operand axes
(``axes``), and the operand's other axes are read or written whole, so the result of a gather
(and the updates of a scatter) has shape ``batch + rest``. This is NumPy's advanced indexing
over several axes at a cost of the output's size; it is simpler than XLA's general gather (no
window or batching dimensions) and still closed under the transformations: gather transposes
to scatter_add and back, and batching with batched indices *and* operand turns the batch axis
into one more indexed axis whose coordinate is the member's number (``_prepend_batch_column``).
Out-of-range points are clamped (``mode="clip"``, gather's default, as JAX's indexing) or
dropped (``mode="drop"``, the scatters' default; gather's ``"fill"`` reads 0 there, which is
what the transpose of a dropping scatter needs). Each primitive is one block: primitive,
wrapper, jvp, transpose, batching. See docs/internals.md, "Primitives".
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from ftrans.core import Primitive, ShapedArray, Tracer, get_aval, make_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import Zero, deflinear, instantiate_zeros, jvp_rules
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules
from ftrans.lax.elementwise import (
    add, bitwise_and, convert_element_type, div, eq, ge, lt, mul, ne, select_n,
)
from ftrans.lax.elementwise import max as lax_max
from ftrans.lax.elementwise import min as lax_min
from ftrans.lax.structural import bind_checked, pad, reshape, squeeze


def _ints(name: str, what: str, values: Sequence[int]) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in values)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: {what} must be a sequence of ints, got {values!r}") from None


# ---------------------------------------------------------------------------------------------
# slice
# ---------------------------------------------------------------------------------------------


def _slice_abstract_eval(x: ShapedArray, start_indices: tuple[int, ...],
                         limit_indices: tuple[int, ...],
                         strides: tuple[int, ...] | None) -> ShapedArray:
    strides = (1,) * x.ndim if strides is None else strides
    for what, values in (("start_indices", start_indices), ("limit_indices", limit_indices),
                         ("strides", strides)):
        if len(values) != x.ndim:
            raise ValueError(f"slice: {what} {values} has {len(values)} entries but the operand "
                             f"{x.str_short()} has {x.ndim} axes")
    shape = []
    for axis, (start, limit, stride, size) in enumerate(
            zip(start_indices, limit_indices, strides, x.shape)):
        if not 0 <= start <= limit <= size:
            raise ValueError(f"slice: axis {axis} of {x.str_short()} cannot be sliced from "
                             f"{start} to {limit}: need 0 <= start <= limit <= {size}")
        if stride < 1:
            raise ValueError(f"slice: strides must be >= 1, got {stride} for axis {axis}")
        shape.append((limit - start + stride - 1) // stride)
    return make_aval(tuple(shape), x.dtype)


def _slice_impl(x: Any, start_indices: tuple[int, ...], limit_indices: tuple[int, ...],
                strides: tuple[int, ...] | None) -> Any:
    strides = (1,) * len(start_indices) if strides is None else strides
    return np.asarray(x)[tuple(builtins.slice(s, e, st) for s, e, st
                               in zip(start_indices, limit_indices, strides))]


slice_p = Primitive("slice", impl=_slice_impl, abstract_eval=_slice_abstract_eval)


def slice(x: Any, start_indices: Sequence[int], limit_indices: Sequence[int],  # noqa: A001
          strides: Sequence[int] | None = None) -> Any:
    """The elements of ``x`` from ``start_indices`` (inclusive) to ``limit_indices``
    (exclusive), every ``strides``-th along each axis. Bounds are static ints.

    Args:
      x: an array.
      start_indices, limit_indices: one int per axis, ``0 <= start <= limit <= size``.
      strides: one int >= 1 per axis; None means all 1.

    Returns:
      The window; axis ``i`` has ``ceil((limit - start) / stride)`` elements.

    Raises:
      ValueError: wrong number of entries, bounds out of range, or a stride below 1.

    >>> import numpy as np
    >>> slice(np.arange(10), (1,), (8,), (3,))
    array([1, 4, 7])
    """
    start_indices = _ints("slice", "start_indices", start_indices)
    limit_indices = _ints("slice", "limit_indices", limit_indices)
    if strides is not None:
        strides = _ints("slice", "strides", strides)
        if all(s == 1 for s in strides) and len(strides) == len(start_indices):
            strides = None
    aval = get_aval(x)
    if strides is None and start_indices == (0,) * aval.ndim and limit_indices == aval.shape:
        return x
    return bind_checked(slice_p, x, start_indices=start_indices,
                        limit_indices=limit_indices, strides=strides)


def slice_in_dim(x: Any, start: int | None, limit: int | None, stride: int = 1,
                 axis: int = 0) -> Any:
    """``slice`` along one axis: ``x[start:limit:stride]`` on ``axis``. None means the axis's
    beginning or end; negative ``start`` / ``limit`` count from the end, as in Python.

    Raises:
      ValueError: ``axis`` is out of bounds, or the bounds are out of range.

    >>> import numpy as np
    >>> slice_in_dim(np.arange(12).reshape(3, 4), 1, -1, axis=1)
    array([[ 1,  2],
           [ 5,  6],
           [ 9, 10]])
    """
    aval = get_aval(x)
    axis = int(axis)
    if not -aval.ndim <= axis < aval.ndim:
        raise ValueError(f"slice_in_dim: axis {axis} is out of bounds for {aval.str_short()}")
    axis %= aval.ndim
    size = aval.shape[axis]
    start = 0 if start is None else int(start)
    limit = size if limit is None else int(limit)
    start += size if start < 0 else 0
    limit += size if limit < 0 else 0
    starts = [0] * aval.ndim
    limits = list(aval.shape)
    strides = [1] * aval.ndim
    starts[axis], limits[axis], strides[axis] = start, limit, int(stride)
    return slice(x, starts, limits, strides)


def index_in_dim(x: Any, index: int, axis: int = 0, keepdims: bool = True) -> Any:
    """Element ``index`` of ``x`` along ``axis`` (negative counts from the end); the axis is
    kept with size 1 unless ``keepdims`` is False.

    Raises:
      IndexError: ``index`` is out of bounds (as in JAX and NumPy).
      ValueError: ``axis`` is out of bounds.

    >>> import numpy as np
    >>> index_in_dim(np.arange(6).reshape(2, 3), -1, axis=1, keepdims=False)
    array([2, 5])
    """
    aval = get_aval(x)
    axis = int(axis)
    if not -aval.ndim <= axis < aval.ndim:
        raise ValueError(f"index_in_dim: axis {axis} is out of bounds for {aval.str_short()}")
    axis %= aval.ndim
    size = aval.shape[axis]
    index = int(index)
    wrapped = index + size if index < 0 else index
    if not 0 <= wrapped < size:
        raise IndexError(f"index_in_dim: index {index} is out of bounds for axis {axis} with "
                         f"size {size}")
    out = slice_in_dim(x, wrapped, wrapped + 1, axis=axis)
    return out if keepdims else squeeze(out, (axis,))


deflinear(slice_p)


def _slice_transpose(ct: Any, x: Any, start_indices: tuple[int, ...],
                     limit_indices: tuple[int, ...],
                     strides: tuple[int, ...] | None) -> list[Any]:
    strides = (1,) * len(start_indices) if strides is None else strides
    ct_shape = get_aval(ct).shape
    config = []
    for start, stride, n, size in zip(start_indices, strides, ct_shape, x.aval.shape):
        # the last element taken is at start + (n - 1) * stride; everything after it is padding
        end = start + (n - 1) * stride + 1 if n else start
        config.append((start, size - end, stride - 1))
    return [pad(ct, get_aval(ct).dtype.type(0), config)]


transpose_rules[slice_p] = _slice_transpose


def _slice_batch(args: Sequence[Any], bdims: Sequence[Any], start_indices: tuple[int, ...],
                 limit_indices: tuple[int, ...],
                 strides: tuple[int, ...] | None) -> tuple[Any, int]:
    (x,), (bdim,) = args, bdims
    size = get_aval(x).shape[bdim]
    starts = start_indices[:bdim] + (0,) + start_indices[bdim:]
    limits = limit_indices[:bdim] + (size,) + limit_indices[bdim:]
    if strides is not None:
        strides = strides[:bdim] + (1,) + strides[bdim:]
    return slice_p.bind(x, start_indices=starts, limit_indices=limits, strides=strides), bdim


batching_rules[slice_p] = _slice_batch


# ---------------------------------------------------------------------------------------------
# Start indices of the dynamic primitives
# ---------------------------------------------------------------------------------------------


def _check_start_indices(name: str, x: ShapedArray, indices: Sequence[ShapedArray]) -> None:
    if len(indices) != x.ndim:
        raise ValueError(f"{name}: got {len(indices)} start indices for the operand "
                         f"{x.str_short()}, which has {x.ndim} axes; give one per axis")
    for i, aval in enumerate(indices):
        if aval.ndim != 0 or aval.dtype.kind not in "iu":
            raise TypeError(f"{name}: start index {i} must be an integer scalar, got "
                            f"{aval.str_short()}")


def _clamped_starts(indices: Sequence[Any], shape: Sequence[int],
                    sizes: Sequence[int]) -> list[int]:
    """XLA's rule: each start is clamped so that the whole window lies inside the operand."""
    return [builtins.min(builtins.max(int(i), 0), n - k)
            for i, n, k in zip(indices, shape, sizes)]


def _start_operands(name: str, start_indices: Sequence[Any],
                    shape: tuple[int, ...]) -> list[Any]:
    """Start indices as operands; negative ones count from the end (as in JAX), before the
    primitive clamps them. Concrete indices are resolved now; traced ones get a select."""
    start_indices = list(start_indices)
    if len(start_indices) != len(shape):
        raise ValueError(f"{name}: got {len(start_indices)} start indices for an operand of "
                         f"shape {shape}; give one per axis")
    out = []
    for i, size in zip(start_indices, shape):
        aval = get_aval(i)
        if aval.ndim != 0 or aval.dtype.kind not in "iu":
            out.append(i)  # the primitive's shape rule reports the mistake
        elif not isinstance(i, Tracer):
            value = int(i)
            out.append(np.int64(value + size if value < 0 else value))
        elif aval.dtype.kind == "u":
            out.append(i)
        else:
            if size > np.iinfo(aval.dtype).max:  # i + size must not overflow
                i = convert_element_type(i, np.int64)
            dtype = get_aval(i).dtype
            out.append(select_n(lt(i, dtype.type(0)), i, add(i, dtype.type(size))))
    return out


# ---------------------------------------------------------------------------------------------
# The barrel shifter: per-member shifts for batched start indices
# ---------------------------------------------------------------------------------------------


def _batched_starts(index: Any, bdim: int | None, batch: int, bound: int) -> Any:
    """The batch's start indices along one axis, as int64 of shape (batch,), clamped into
    ``[0, bound]``."""
    index = convert_element_type(move_batch_axis(index, bdim, 0, batch), np.int64)
    return lax_max(lax_min(index, bound), 0)


def _shift_per_member(x: Any, starts: Any, axis: int, bound: int, forward: bool) -> Any:
    """Shift each member ``b`` of ``x`` (batch axis 0) along ``axis`` by ``starts[b]`` in
    ``[0, bound]``, filling with zeros: forward moves element ``i`` to ``i + starts[b]``,
    backward moves element ``i + starts[b]`` to ``i``."""
    aval = get_aval(x)
    zero = aval.dtype.type(0)
    selector_shape = (aval.shape[0],) + (1,) * (aval.ndim - 1)
    for bit in range(bound.bit_length()):
        step = 1 << bit
        config = [(0, 0, 0)] * aval.ndim
        config[axis] = (step, -step, 0) if forward else (-step, step, 0)
        shifted = pad(x, zero, config)
        is_set = ne(bitwise_and(starts, np.int64(step)), np.int64(0))
        x = select_n(reshape(is_set, selector_shape), x, shifted)
    return x


# ---------------------------------------------------------------------------------------------
# dynamic_slice
# ---------------------------------------------------------------------------------------------


def _dynamic_slice_abstract_eval(x: ShapedArray, *start_indices: ShapedArray,
                                 slice_sizes: tuple[int, ...]) -> ShapedArray:
    _check_start_indices("dynamic_slice", x, start_indices)
    if len(slice_sizes) != x.ndim:
        raise ValueError(f"dynamic_slice: slice_sizes {slice_sizes} has {len(slice_sizes)} "
                         f"entries but the operand {x.str_short()} has {x.ndim} axes")
    for axis, (k, n) in enumerate(zip(slice_sizes, x.shape)):
        if not 0 <= k <= n:
            raise ValueError(f"dynamic_slice: slice size {k} of axis {axis} must be between 0 "
                             f"and the operand's size {n} ({x.str_short()})")
    return make_aval(tuple(slice_sizes), x.dtype)


def _dynamic_slice_impl(x: Any, *start_indices: Any, slice_sizes: tuple[int, ...]) -> Any:
    x = np.asarray(x)
    starts = _clamped_starts(start_indices, x.shape, slice_sizes)
    return x[tuple(builtins.slice(s, s + k) for s, k in zip(starts, slice_sizes))]


dynamic_slice_p = Primitive("dynamic_slice", impl=_dynamic_slice_impl,
                            abstract_eval=_dynamic_slice_abstract_eval)


def dynamic_slice(x: Any, start_indices: Sequence[Any], slice_sizes: Sequence[int]) -> Any:
    """The window of ``x`` of static shape ``slice_sizes`` starting at ``start_indices``,
    which may be traced integer scalars.

    As in JAX, a negative start counts from the end, and then each start is clamped into
    ``[0, size - slice_size]`` so the window always lies inside ``x`` (no error for
    out-of-range starts).

    Args:
      x: an array.
      start_indices: one integer scalar (Python int or integer array) per axis.
      slice_sizes: one static int per axis, ``0 <= slice_size <= size``.

    Returns:
      An array of shape ``slice_sizes``.

    Raises:
      ValueError: wrong number of start indices or slice sizes, or a size out of range.
      TypeError: a start index is not an integer scalar.

    >>> import numpy as np
    >>> dynamic_slice(np.arange(6), (np.int32(4),), (3,))  # the start is clamped to 3
    array([3, 4, 5])
    """
    aval = get_aval(x)
    slice_sizes = _ints("dynamic_slice", "slice_sizes", slice_sizes)
    starts = _start_operands("dynamic_slice", start_indices, aval.shape)
    return bind_checked(dynamic_slice_p, x, *starts, slice_sizes=slice_sizes)


def _dynamic_slice_jvp(primals: Sequence[Any], tangents: Sequence[Any],
                       slice_sizes: tuple[int, ...]) -> tuple[Any, Any]:
    x, *starts = primals
    ans = dynamic_slice_p.bind(x, *starts, slice_sizes=slice_sizes)
    if type(tangents[0]) is Zero:  # the start indices are integers: no tangent flows from them
        return ans, Zero(get_aval(ans))
    return ans, dynamic_slice_p.bind(tangents[0], *starts, slice_sizes=slice_sizes)


jvp_rules[dynamic_slice_p] = _dynamic_slice_jvp


def _dynamic_slice_transpose(ct: Any, x: Any, *starts: Any,
                             slice_sizes: tuple[int, ...]) -> list[Any]:
    if any(is_undefined(s) for s in starts):
        raise NonLinearError("dynamic_slice is not linear in its start indices")
    zeros = np.zeros(x.aval.shape, x.aval.dtype)
    return [dynamic_update_slice_p.bind(zeros, ct, *starts)] + [None] * len(starts)


transpose_rules[dynamic_slice_p] = _dynamic_slice_transpose


def _dynamic_slice_batch(args: Sequence[Any], bdims: Sequence[Any],
                         slice_sizes: tuple[int, ...]) -> tuple[Any, int]:
    (x, *starts), (x_bdim, *start_bdims) = args, bdims
    batch = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not not_mapped)
    x = move_batch_axis(x, x_bdim, 0, batch)
    if all(d is not_mapped for d in start_bdims):
        return dynamic_slice_p.bind(x, np.int64(0), *starts,
                                    slice_sizes=(batch,) + slice_sizes), 0
    # Starts differ per member: shift each member's window to the front, then slice statically.
    shape = get_aval(x).shape
    for axis, (start, bdim, k) in enumerate(zip(starts, start_bdims, slice_sizes), 1):
        bound = shape[axis] - k
        x = _shift_per_member(x, _batched_starts(start, bdim, batch, bound), axis, bound,
                              forward=False)
    return slice(x, (0,) * len(shape), (batch,) + slice_sizes), 0


batching_rules[dynamic_slice_p] = _dynamic_slice_batch


# ---------------------------------------------------------------------------------------------
# dynamic_update_slice
# ---------------------------------------------------------------------------------------------


def _dynamic_update_slice_abstract_eval(x: ShapedArray, update: ShapedArray,
                                        *start_indices: ShapedArray) -> ShapedArray:
    if update.dtype != x.dtype:
        raise TypeError(f"dynamic_update_slice: the update {update.str_short()} must have the "
                        f"dtype of the operand {x.str_short()}")
    if update.ndim != x.ndim or any(k > n for k, n in zip(update.shape, x.shape)):
        raise ValueError(f"dynamic_update_slice: the update {update.str_short()} must have the "
                         f"rank of the operand {x.str_short()} and fit inside it")
    _check_start_indices("dynamic_update_slice", x, start_indices)
    return x


def _dynamic_update_slice_impl(x: Any, update: Any, *start_indices: Any) -> Any:
    out = np.array(x)  # a copy: never write into the caller's array
    update = np.asarray(update)
    starts = _clamped_starts(start_indices, out.shape, update.shape)
    out[tuple(builtins.slice(s, s + k) for s, k in zip(starts, update.shape))] = update
    return out


dynamic_update_slice_p = Primitive("dynamic_update_slice", impl=_dynamic_update_slice_impl,
                                   abstract_eval=_dynamic_update_slice_abstract_eval)


def dynamic_update_slice(x: Any, update: Any, start_indices: Sequence[Any]) -> Any:
    """``x`` with the window at ``start_indices`` replaced by ``update``.

    Start indices may be traced integer scalars; a negative start counts from the end, and each
    start is clamped into ``[0, size - update_size]`` (as in JAX), so the window always lies
    inside ``x``.

    Args:
      x: an array.
      update: an array of ``x``'s dtype and rank, no larger than ``x`` on any axis.
      start_indices: one integer scalar per axis.

    Returns:
      An array of ``x``'s shape and dtype.

    Raises:
      ValueError: wrong number of start indices, or an update of another rank or too large.
      TypeError: a start index is not an integer scalar, or the update's dtype differs.

    >>> import numpy as np
    >>> dynamic_update_slice(np.zeros(5), np.ones(2), (-1,))  # -1 -> 4, clamped to 3
    array([0., 0., 0., 1., 1.])
    """
    aval = get_aval(x)
    starts = _start_operands("dynamic_update_slice", start_indices, aval.shape)
    return bind_checked(dynamic_update_slice_p, x, update, *starts)


def _dynamic_update_slice_jvp(primals: Sequence[Any], tangents: Sequence[Any]
                              ) -> tuple[Any, Any]:
    x, update, *starts = primals
    x_dot, update_dot = tangents[:2]
    ans = dynamic_update_slice_p.bind(x, update, *starts)
    if type(x_dot) is Zero and type(update_dot) is Zero:
        return ans, Zero(get_aval(ans))
    return ans, dynamic_update_slice_p.bind(instantiate_zeros(x_dot),
                                            instantiate_zeros(update_dot), *starts)


jvp_rules[dynamic_update_slice_p] = _dynamic_update_slice_jvp


def _dynamic_update_slice_transpose(ct: Any, x: Any, update: Any, *starts: Any) -> list[Any]:
    if any(is_undefined(s) for s in starts):
        raise NonLinearError("dynamic_update_slice is not linear in its start indices")
    update_aval = update.aval if is_undefined(update) else get_aval(update)
    ct_x = ct_update = None
    if is_undefined(x):
        zeros = np.zeros(update_aval.shape, update_aval.dtype)
        ct_x = dynamic_update_slice_p.bind(ct, zeros, *starts)
    if is_undefined(update):
        ct_update = dynamic_slice_p.bind(ct, *starts, slice_sizes=update_aval.shape)
    return [ct_x, ct_update] + [None] * len(starts)


transpose_rules[dynamic_update_slice_p] = _dynamic_update_slice_transpose


def _dynamic_update_slice_batch(args: Sequence[Any], bdims: Sequence[Any]
                                ) -> tuple[Any, int]:
    (x, update, *starts), (x_bdim, update_bdim, *start_bdims) = args, bdims
    batch = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not not_mapped)
    x = move_batch_axis(x, x_bdim, 0, batch)
    update = move_batch_axis(update, update_bdim, 0, batch)
    if all(d is not_mapped for d in start_bdims):
        return dynamic_update_slice_p.bind(x, update, np.int64(0), *starts), 0
    # Starts differ per member: pad the update (and a mask of where it is) to the operand's
    # shape, shift both into place member by member, and select.
    shape = get_aval(x).shape
    update_shape = get_aval(update).shape
    config = [(0, n - k, 0) for n, k in zip(shape, update_shape)]
    placed = pad(update, get_aval(update).dtype.type(0), config)
    inside = pad(np.ones(update_shape, bool), False, config)
    for axis, (start, bdim) in enumerate(zip(starts, start_bdims), 1):
        bound = shape[axis] - update_shape[axis]
        member_starts = _batched_starts(start, bdim, batch, bound)
        placed = _shift_per_member(placed, member_starts, axis, bound, forward=True)
        inside = _shift_per_member(inside, member_starts, axis, bound, forward=True)
    return select_n(inside, x, placed), 0


batching_rules[dynamic_update_slice_p] = _dynamic_update_slice_batch


# ---------------------------------------------------------------------------------------------
# Point indices: the shared shape rule of gather and the scatter family
# ---------------------------------------------------------------------------------------------
# ``indices`` has shape ``batch + (k,)``: row ``b`` names one point of the ``k`` axes listed in
# ``axes`` (in that order). gather returns, for every point, the operand's other axes whole:
# ``out[b..., r...] = operand[axes <- indices[b...], other axes <- r...]``, of shape
# ``batch + rest`` where ``rest`` is the operand's shape without ``axes``. The scatters write
# ``updates`` of that same shape into the operand. Out-of-range points are clamped into range
# (mode "clip") or read as 0 by gather (mode "fill") and ignored by scatters (mode "drop").

_GATHER_MODES = ("clip", "fill")
_SCATTER_MODES = ("clip", "drop")
# the mode of the transposed operation: gather(clip) <-> scatter_add(clip), fill <-> drop
_TRANSPOSED_MODE = {"clip": "clip", "fill": "drop", "drop": "fill"}


def _rest_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _check_points(name: str, x: ShapedArray, indices: ShapedArray, axes: tuple[int, ...],
                  mode: str, modes: tuple[str, ...]) -> tuple[int, ...]:
    """Checks the operand, indices, axes and mode; returns the batch shape."""
    if mode not in modes:
        raise ValueError(f"{name}: mode must be one of {modes}, got {mode!r}")
    if not axes or len(set(axes)) != len(axes) or any(not 0 <= a < x.ndim for a in axes):
        raise ValueError(f"{name}: axes {axes} must be distinct axes of the operand "
                         f"{x.str_short()} (at least one)")
    if indices.dtype.kind not in "iu" or indices.ndim < 1:
        raise TypeError(f"{name}: indices must be an integer array of shape batch + "
                        f"({len(axes)},), got {indices.str_short()}")
    if indices.shape[-1] != len(axes):
        raise ValueError(f"{name}: indices {indices.str_short()} must end in an axis of size "
                         f"{len(axes)}, one coordinate per indexed axis {axes}")
    return indices.shape[:-1]


def _normalize_point_axes(axes: Sequence[int], ndim: int) -> tuple[int, ...]:
    axes = _ints("gather/scatter", "axes", axes if isinstance(axes, Sequence) else (axes,))
    return tuple(a + ndim if -ndim <= a < 0 else a for a in axes)


def _point_columns(x_shape: tuple[int, ...], indices: np.ndarray, axes: tuple[int, ...],
                   mode: str) -> tuple[tuple[np.ndarray, ...], np.ndarray | None]:
    """One NumPy index array per indexed axis (clamped or made safe), and the mask of
    in-range points (None in clip mode, where every point is in range after clamping)."""
    sizes = [x_shape[a] for a in axes]
    columns = [indices[..., j].astype(np.intp, copy=False) for j in range(len(axes))]
    if mode == "clip":
        return tuple(np.clip(c, 0, builtins.max(n - 1, 0)) for c, n in zip(columns, sizes)), None
    valid = np.ones(indices.shape[:-1], bool)
    for c, n in zip(columns, sizes):
        valid &= (c >= 0) & (c < n)
    return tuple(np.where(valid, c, 0) for c in columns), valid


def _indexed_axes_first(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """A view of ``x`` whose leading axes are ``axes`` in order (NumPy then places the gathered
    batch axes in front, followed by the rest in order)."""
    return np.moveaxis(x, axes, tuple(range(len(axes))))


def _prepend_batch_column(indices: Any, size: int) -> Any:
    """Indices of shape (B, *batch, k) given a first column counting the batch member, so that
    the batch axis of an operand batched in front becomes one more indexed axis."""
    aval = get_aval(indices)
    if np.iinfo(aval.dtype).max < size:
        indices = convert_element_type(indices, np.int64)
        aval = get_aval(indices)
    from ftrans.lax.structural import broadcasted_iota, concatenate
    column = broadcasted_iota(aval.dtype, aval.shape[:-1] + (1,), 0)
    return concatenate([column, indices], aval.ndim - 1)


def _in_range_points(indices: Any, sizes: Sequence[int]) -> Any:
    """A bool array of the batch shape: whether each point lies inside ``sizes``."""
    from ftrans.lax.reductions import reduce_and
    aval = get_aval(indices)
    if aval.dtype.kind == "u" or np.iinfo(aval.dtype).max < builtins.max(sizes, default=0):
        indices = convert_element_type(indices, np.int64)
    dtype = get_aval(indices).dtype
    above = ge(indices, dtype.type(0))
    below = lt(indices, np.asarray(sizes, dtype))
    return reduce_and(bitwise_and(above, below), (aval.ndim - 1,))


# ---------------------------------------------------------------------------------------------
# gather
# ---------------------------------------------------------------------------------------------


def _gather_abstract_eval(x: ShapedArray, indices: ShapedArray, axes: tuple[int, ...],
                          mode: str) -> ShapedArray:
    batch = _check_points("gather", x, indices, axes, mode, _GATHER_MODES)
    return make_aval(batch + _rest_shape(x.shape, axes), x.dtype)


def _gather_impl(x: Any, indices: Any, axes: tuple[int, ...], mode: str) -> Any:
    x, indices = np.asarray(x), np.asarray(indices)
    out_shape = indices.shape[:-1] + _rest_shape(x.shape, axes)
    if any(x.shape[a] == 0 for a in axes):  # nothing to read: every point is out of range
        return np.zeros(out_shape, x.dtype)
    columns, valid = _point_columns(x.shape, indices, axes, mode)
    out = np.asarray(_indexed_axes_first(x, axes)[columns]).reshape(out_shape)
    if valid is not None and not valid.all():
        out = np.array(out)  # a fresh array we may write into
        out[~valid] = 0
    return out


gather_p = Primitive("gather", impl=_gather_impl, abstract_eval=_gather_abstract_eval)


def gather(x: Any, indices: Any, axes: Sequence[int], mode: str = "clip") -> Any:
    """Points of ``x``: ``out[b..., r...] = x[axes <- indices[b...], other axes <- r...]``.

    The NumPy-style "take along several axes" that advanced indexing needs; its cost is the
    size of the output. ``indices[..., j]`` indexes axis ``axes[j]``; the output has the
    indices' batch shape first, then ``x``'s other axes in order.

    Args:
      x: an array.
      indices: an integer array of shape ``batch + (len(axes),)``.
      axes: the distinct axes of ``x`` that the points index (negative counts from the end).
      mode: ``"clip"`` clamps out-of-range coordinates into range (as JAX's indexing does);
        ``"fill"`` reads 0 at out-of-range points. Negative coordinates are out of range.

    Returns:
      An array of shape ``indices.shape[:-1] + (x's shape without axes)``.

    Raises:
      TypeError: non-integer indices. ValueError: bad axes, mode or index shape.

    >>> import numpy as np
    >>> x = np.arange(12).reshape(3, 4)
    >>> gather(x, np.array([[2, 1], [0, 9]]), axes=(0, 1))  # (2, 1), and (0, 9) clamped
    array([9, 3])
    >>> gather(x, np.array([[2], [0]]), axes=(1,))  # columns 2 and 0
    array([[ 2,  6, 10],
           [ 0,  4,  8]])
    """
    aval = get_aval(x)
    axes = _normalize_point_axes(axes, aval.ndim)
    return bind_checked(gather_p, x, indices, axes=axes, mode=mode)


def _gather_jvp(primals: Sequence[Any], tangents: Sequence[Any], axes: tuple[int, ...],
                mode: str) -> tuple[Any, Any]:
    x, indices = primals
    ans = gather_p.bind(x, indices, axes=axes, mode=mode)
    if type(tangents[0]) is Zero:  # indices are integers: only the operand carries a tangent
        return ans, Zero(get_aval(ans))
    return ans, gather_p.bind(tangents[0], indices, axes=axes, mode=mode)


jvp_rules[gather_p] = _gather_jvp


def _gather_transpose(ct: Any, x: Any, indices: Any, axes: tuple[int, ...],
                      mode: str) -> list[Any]:
    if is_undefined(indices):
        raise NonLinearError("gather is not linear in its indices")
    zeros = np.zeros(x.aval.shape, x.aval.dtype)
    return [scatter_add_p.bind(zeros, indices, ct, axes=axes, mode=_TRANSPOSED_MODE[mode]),
            None]


transpose_rules[gather_p] = _gather_transpose


def _gather_batch(args: Sequence[Any], bdims: Sequence[Any], axes: tuple[int, ...],
                  mode: str) -> tuple[Any, int]:
    (x, indices), (x_bdim, i_bdim) = args, bdims
    if i_bdim is not_mapped:
        # the batch axis is one more axis the points leave whole: it lands among the rest
        new_axes = tuple(a + (a >= x_bdim) for a in axes)
        rest = [d for d in range(get_aval(x).ndim) if d not in new_axes]
        out = gather_p.bind(x, indices, axes=new_axes, mode=mode)
        return out, get_aval(indices).ndim - 1 + rest.index(x_bdim)
    indices = move_batch_axis(indices, i_bdim, 0)
    if x_bdim is not_mapped:
        return gather_p.bind(x, indices, axes=axes, mode=mode), 0
    # both batched: member b reads its own slice of x, so the batch axis becomes an indexed
    # axis whose coordinate is b itself
    size = get_aval(x).shape[x_bdim]
    x = move_batch_axis(x, x_bdim, 0)
    indices = _prepend_batch_column(indices, size)
    return gather_p.bind(x, indices, axes=(0,) + tuple(a + 1 for a in axes), mode=mode), 0


batching_rules[gather_p] = _gather_batch


# ---------------------------------------------------------------------------------------------
# The scatter family: scatter (set), scatter_add, scatter_mul, scatter_min, scatter_max
# ---------------------------------------------------------------------------------------------


def _scatter_abstract_eval(name: str) -> Any:
    def abstract_eval(x: ShapedArray, indices: ShapedArray, updates: ShapedArray,
                      axes: tuple[int, ...], mode: str) -> ShapedArray:
        batch = _check_points(name, x, indices, axes, mode, _SCATTER_MODES)
        expected = batch + _rest_shape(x.shape, axes)
        if updates.shape != expected or updates.dtype != x.dtype:
            raise ValueError(f"{name}: updates {updates.str_short()} must have the indices' "
                             f"batch shape followed by the operand's other axes, "
                             f"{make_aval(expected, x.dtype).str_short()}")
        return x
    return abstract_eval


def _scatter_impl(combine: np.ufunc | None) -> Any:
    def impl(x: Any, indices: Any, updates: Any, axes: tuple[int, ...], mode: str) -> Any:
        out = np.array(x)  # a copy: never write into the caller's array
        indices, updates = np.asarray(indices), np.asarray(updates)
        if updates.size == 0 or any(out.shape[a] == 0 for a in axes):
            return out
        columns, valid = _point_columns(out.shape, indices, axes, mode)
        if valid is not None:
            columns = tuple(c[valid] for c in columns)
            updates = updates[valid]
        target = _indexed_axes_first(out, axes)  # a view: writes land in out
        if combine is None:
            target[columns] = updates  # repeated points: the last update wins
        else:
            combine.at(target, columns, updates)
        return out
    return impl


def _scatter_primitive(name: str, combine: np.ufunc | None) -> Primitive:
    return Primitive(name, impl=_scatter_impl(combine), abstract_eval=_scatter_abstract_eval(name))


scatter_p = _scatter_primitive("scatter", None)
scatter_add_p = _scatter_primitive("scatter_add", np.add)
scatter_mul_p = _scatter_primitive("scatter_mul", np.multiply)
scatter_min_p = _scatter_primitive("scatter_min", np.minimum)
scatter_max_p = _scatter_primitive("scatter_max", np.maximum)


def _bind_scatter(prim: Primitive, x: Any, indices: Any, updates: Any, axes: Sequence[int],
                  mode: str) -> Any:
    aval = get_aval(x)
    axes = _normalize_point_axes(axes, aval.ndim)
    if type(updates) in (bool, int, float, complex):
        updates = np.asarray(updates, aval.dtype)
    _check_points(prim.name, aval, get_aval(indices), axes, mode, _SCATTER_MODES)
    out_shape = get_aval(indices).shape[:-1] + _rest_shape(aval.shape, axes)
    from ftrans.lax.structural import broadcast_to
    updates = broadcast_to(updates, out_shape)
    return bind_checked(prim, x, indices, updates, axes=axes, mode=mode)


_SCATTER_DOC = """{summary}

    Args:
      x: the operand.
      indices: an integer array of shape ``batch + (len(axes),)``: one point per row, as in
        :func:`gather`.
      updates: values for the points, of shape ``batch + (x's shape without axes)`` (or
        broadcastable to it) and ``x``'s dtype.
      axes: the distinct axes of ``x`` that the points index.
      mode: ``"drop"`` (default) ignores updates at out-of-range points, as JAX does;
        ``"clip"`` clamps the points into range.

    Returns:
      A new array of ``x``'s shape and dtype.
"""


def scatter(x: Any, indices: Any, updates: Any, axes: Sequence[int],
            mode: str = "drop") -> Any:
    return _bind_scatter(scatter_p, x, indices, updates, axes, mode)


def scatter_add(x: Any, indices: Any, updates: Any, axes: Sequence[int],
                mode: str = "drop") -> Any:
    return _bind_scatter(scatter_add_p, x, indices, updates, axes, mode)


def scatter_mul(x: Any, indices: Any, updates: Any, axes: Sequence[int],
                mode: str = "drop") -> Any:
    return _bind_scatter(scatter_mul_p, x, indices, updates, axes, mode)


def scatter_min(x: Any, indices: Any, updates: Any, axes: Sequence[int],
                mode: str = "drop") -> Any:
    return _bind_scatter(scatter_min_p, x, indices, updates, axes, mode)


def scatter_max(x: Any, indices: Any, updates: Any, axes: Sequence[int],
                mode: str = "drop") -> Any:
    return _bind_scatter(scatter_max_p, x, indices, updates, axes, mode)


scatter.__doc__ = _SCATTER_DOC.format(summary=(
    "``x`` with the points at ``indices`` set to ``updates`` (for a point named several times "
    "the last update wins).\n\n    >>> import numpy as np\n    >>> scatter(np.zeros(4), "
    "np.array([[1], [3]]), np.array([5.0, 6.0]), axes=(0,))\n    array([0., 5., 0., 6.])"))
scatter_add.__doc__ = _SCATTER_DOC.format(summary=(
    "``x`` with ``updates`` added at the points ``indices``; repeated points accumulate (NumPy's "
    "``np.add.at``).\n\n    >>> import numpy as np\n    >>> scatter_add(np.zeros(3), "
    "np.array([[1], [1], [2]]), 1.0, axes=(0,))\n    array([0., 2., 1.])"))
scatter_mul.__doc__ = _SCATTER_DOC.format(summary=(
    "``x`` multiplied by ``updates`` at the points ``indices``; repeated points multiply "
    "(``np.multiply.at``).\n\n    >>> import numpy as np\n    >>> scatter_mul(np.ones(3), "
    "np.array([[0], [0]]), np.array([2.0, 3.0]), axes=(0,))\n    array([6., 1., 1.])"))
scatter_min.__doc__ = _SCATTER_DOC.format(summary=(
    "``x`` with each point ``indices`` lowered to the smallest of its value and its updates "
    "(``np.minimum.at``).\n\n    >>> import numpy as np\n    >>> scatter_min(np.zeros(2), "
    "np.array([[1]]), np.array([-1.0]), axes=(0,))\n    array([ 0., -1.])"))
scatter_max.__doc__ = _SCATTER_DOC.format(summary=(
    "``x`` with each point ``indices`` raised to the largest of its value and its updates "
    "(``np.maximum.at``).\n\n    >>> import numpy as np\n    >>> scatter_max(np.zeros(2), "
    "np.array([[1]]), np.array([4.0]), axes=(0,))\n    array([0., 4.])"))


def _zeros_of(aval: ShapedArray) -> np.ndarray:
    return np.zeros(aval.shape, aval.dtype)


def _point_sizes(x_aval: ShapedArray, axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x_aval.shape[a] for a in axes)


def _rest_ones(values: Any, n_rest: int) -> Any:
    """A batch-shaped array with unit axes appended, to broadcast against batch + rest."""
    shape = get_aval(values).shape
    return reshape(values, shape + (1,) * n_rest)


def _scatter_winners(indices: Any, sizes: tuple[int, ...], mode: str) -> Any:
    """For scatter (set): a bool array of the batch shape, True for the update that ends up
    in the result (the last one of each point; False for dropped out-of-range points).
    Computed by scattering each update's number and reading it back."""
    from ftrans.lax.structural import broadcasted_iota
    batch = get_aval(indices).shape[:-1]
    count = 1
    for d in batch:
        count *= d
    numbers = reshape(add(broadcasted_iota(np.int64, (count,), 0), np.int64(1)), batch)
    axes = tuple(range(len(sizes)))
    owner = scatter_p.bind(np.zeros(sizes, np.int64), indices, numbers, axes=axes, mode=mode)
    read_back = gather_p.bind(owner, indices, axes=axes, mode=_TRANSPOSED_MODE[mode])
    return eq(read_back, numbers)


def _scatter_linear_jvp(prim: Primitive) -> Any:
    """scatter and scatter_add are linear in (operand, updates) jointly, the indices fixed."""
    def rule(primals: Sequence[Any], tangents: Sequence[Any], axes: tuple[int, ...],
             mode: str) -> tuple[Any, Any]:
        x, indices, updates = primals
        x_dot, _, updates_dot = tangents
        ans = prim.bind(x, indices, updates, axes=axes, mode=mode)
        if type(x_dot) is Zero and type(updates_dot) is Zero:
            return ans, Zero(get_aval(ans))
        return ans, prim.bind(instantiate_zeros(x_dot), indices, instantiate_zeros(updates_dot),
                              axes=axes, mode=mode)
    return rule


jvp_rules[scatter_p] = _scatter_linear_jvp(scatter_p)
jvp_rules[scatter_add_p] = _scatter_linear_jvp(scatter_add_p)


def _scatter_add_transpose(ct: Any, x: Any, indices: Any, updates: Any,
                           axes: tuple[int, ...], mode: str) -> list[Any]:
    if is_undefined(indices):
        raise NonLinearError("scatter_add is not linear in its indices")
    ct_updates = None
    if is_undefined(updates):
        ct_updates = gather_p.bind(ct, indices, axes=axes, mode=_TRANSPOSED_MODE[mode])
    return [ct if is_undefined(x) else None, None, ct_updates]


transpose_rules[scatter_add_p] = _scatter_add_transpose


def _scatter_transpose(ct: Any, x: Any, indices: Any, updates: Any, axes: tuple[int, ...],
                       mode: str) -> list[Any]:
    if is_undefined(indices):
        raise NonLinearError("scatter is not linear in its indices")
    updates_aval = updates.aval if is_undefined(updates) else get_aval(updates)
    ct_x = ct_updates = None
    if is_undefined(x):  # overwritten positions do not reach the result
        ct_x = scatter_p.bind(ct, indices, _zeros_of(updates_aval), axes=axes, mode=mode)
    if is_undefined(updates):  # only the update that wins a point reaches the result
        x_aval = x.aval if is_undefined(x) else get_aval(x)
        winners = _scatter_winners(indices, _point_sizes(x_aval, axes), mode)
        n_rest = updates_aval.ndim - (get_aval(indices).ndim - 1)
        read = gather_p.bind(ct, indices, axes=axes, mode=_TRANSPOSED_MODE[mode])
        ct_updates = select_n(_rest_ones(winners, n_rest), updates_aval.dtype.type(0), read)
    return [ct_x, None, ct_updates]


transpose_rules[scatter_p] = _scatter_transpose


def _scatter_mul_jvp(primals: Sequence[Any], tangents: Sequence[Any], axes: tuple[int, ...],
                     mode: str) -> tuple[Any, Any]:
    x, indices, updates = primals
    x_dot, _, updates_dot = tangents
    ans = scatter_mul_p.bind(x, indices, updates, axes=axes, mode=mode)
    out_dot = None
    if type(x_dot) is not Zero:  # linear in x: each point is scaled by its updates' product
        out_dot = scatter_mul_p.bind(x_dot, indices, updates, axes=axes, mode=mode)
    if type(updates_dot) is not Zero:
        # d out[p] / d u_j = x[p] * (product of the other updates of p), computed without
        # dividing by a zero update: count the zeros of each point and multiply the rest
        x_aval = get_aval(x)
        dtype = x_aval.dtype
        is_zero = eq(updates, dtype.type(0))
        safe = select_n(is_zero, updates, dtype.type(1))
        nonzero_product = scatter_mul_p.bind(np.ones(x_aval.shape, dtype), indices, safe,
                                             axes=axes, mode=mode)
        zero_count = scatter_add_p.bind(np.zeros(x_aval.shape, np.int64), indices,
                                        convert_element_type(is_zero, np.int64), axes=axes,
                                        mode=mode)
        gather_mode = _TRANSPOSED_MODE[mode]
        product = gather_p.bind(nonzero_product, indices, axes=axes, mode=gather_mode)
        zeros = gather_p.bind(zero_count, indices, axes=axes, mode=gather_mode)
        others = select_n(is_zero,
                          select_n(eq(zeros, np.int64(0)), dtype.type(0), div(product, safe)),
                          select_n(eq(zeros, np.int64(1)), dtype.type(0), product))
        spread = scatter_add_p.bind(_zeros_of(x_aval), indices, mul(others, updates_dot),
                                    axes=axes, mode=mode)
        contribution = mul(x, spread)
        out_dot = contribution if out_dot is None else add(out_dot, contribution)
    if out_dot is None:
        return ans, Zero(get_aval(ans))
    return ans, out_dot


jvp_rules[scatter_mul_p] = _scatter_mul_jvp


def _scatter_mul_transpose(ct: Any, x: Any, indices: Any, updates: Any,
                           axes: tuple[int, ...], mode: str) -> list[Any]:
    if is_undefined(indices) or is_undefined(updates):
        raise NonLinearError("scatter_mul is linear only in its operand")
    return [scatter_mul_p.bind(ct, indices, updates, axes=axes, mode=mode), None, None]


transpose_rules[scatter_mul_p] = _scatter_mul_transpose


def _scatter_chooser_jvp(prim: Primitive) -> Any:
    """scatter_min / scatter_max: the tangent of each point is that of the value selected;
    tied values (the operand and updates equal to the result) share it equally."""
    def rule(primals: Sequence[Any], tangents: Sequence[Any], axes: tuple[int, ...],
             mode: str) -> tuple[Any, Any]:
        x, indices, updates = primals
        x_dot, _, updates_dot = tangents
        ans = prim.bind(x, indices, updates, axes=axes, mode=mode)
        if type(x_dot) is Zero and type(updates_dot) is Zero:
            return ans, Zero(get_aval(ans))
        x_aval = get_aval(x)
        dtype = x_aval.dtype
        n_rest = get_aval(updates).ndim - (get_aval(indices).ndim - 1)
        x_hit = convert_element_type(eq(x, ans), dtype)
        chosen = gather_p.bind(ans, indices, axes=axes, mode=_TRANSPOSED_MODE[mode])
        updates_hit = eq(updates, chosen)
        if mode == "drop":
            valid = _in_range_points(indices, _point_sizes(x_aval, axes))
            updates_hit = bitwise_and(updates_hit, _rest_ones(valid, n_rest))
        updates_hit = convert_element_type(updates_hit, dtype)
        count = add(x_hit, scatter_add_p.bind(_zeros_of(x_aval), indices, updates_hit,
                                              axes=axes, mode=mode))
        total = scatter_add_p.bind(mul(x_hit, instantiate_zeros(x_dot)), indices,
                                   mul(updates_hit, instantiate_zeros(updates_dot)),
                                   axes=axes, mode=mode)
        return ans, div(total, count)
    return rule


jvp_rules[scatter_min_p] = _scatter_chooser_jvp(scatter_min_p)
jvp_rules[scatter_max_p] = _scatter_chooser_jvp(scatter_max_p)


def _scatter_batch(prim: Primitive) -> Any:
    def rule(args: Sequence[Any], bdims: Sequence[Any], axes: tuple[int, ...],
             mode: str) -> tuple[Any, int]:
        (x, indices, updates), (x_bdim, i_bdim, u_bdim) = args, bdims
        size = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not not_mapped)
        x = move_batch_axis(x, x_bdim, 0, size)
        shifted = tuple(a + 1 for a in axes)
        if i_bdim is not_mapped:
            # the same points for every member: the batch axis is one more axis left whole,
            # the first of the rest, so the updates carry it right after the batch shape
            batch_rank = get_aval(indices).ndim - 1
            updates = move_batch_axis(updates, u_bdim, batch_rank, size)
            return prim.bind(x, indices, updates, axes=shifted, mode=mode), 0
        indices = _prepend_batch_column(move_batch_axis(indices, i_bdim, 0), size)
        updates = move_batch_axis(updates, u_bdim, 0, size)
        return prim.bind(x, indices, updates, axes=(0,) + shifted, mode=mode), 0
    return rule


for _prim in (scatter_p, scatter_add_p, scatter_mul_p, scatter_min_p, scatter_max_p):
    batching_rules[_prim] = _scatter_batch(_prim)
del _prim


__all__ = [
    "slice_p", "slice", "slice_in_dim", "index_in_dim", "dynamic_slice_p", "dynamic_slice",
    "dynamic_update_slice_p", "dynamic_update_slice", "gather_p", "gather", "scatter_p",
    "scatter", "scatter_add_p", "scatter_add", "scatter_mul_p", "scatter_mul", "scatter_min_p",
    "scatter_min", "scatter_max_p", "scatter_max",
]
