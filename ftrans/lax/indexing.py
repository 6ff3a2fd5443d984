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

gather and the scatter family (point indexing) are in ``gather_scatter``. Each primitive
is one block: primitive, wrapper, jvp, transpose, batching. See docs/internals.md, "Primitives".
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from ftrans.compile.tables import lowerings, views
from ftrans.core import Primitive, ShapedArray, Tracer, get_aval, make_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import Zero, deflinear, instantiate_zeros, jvp_rules
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules
from ftrans.ir import JaxprEqn
from ftrans.lax.elementwise import (
    add, bitwise_and, convert_element_type, lt, ne, select_n,
)
from ftrans.lax.elementwise import max as lax_max, min as lax_min
from ftrans.lax.structural import bind_checked, pad, reshape, squeeze


def static_ints(name: str, what: str, values: Sequence[int]) -> tuple[int, ...]:
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
    start_indices = static_ints("slice", "start_indices", start_indices)
    limit_indices = static_ints("slice", "limit_indices", limit_indices)
    if strides is not None:
        strides = static_ints("slice", "strides", strides)
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


deflinear(slice_p, transpose=_slice_transpose)


def _slice_batch(axis_data: Any, args: Sequence[Any],
                 bdims: Sequence[Any], start_indices: tuple[int, ...],
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
views.add(slice_p)


def _slice_lowering(eqn: JaxprEqn) -> Any:
    p = eqn.params
    strides = p["strides"] or (1,) * len(p["start_indices"])
    index = tuple(builtins.slice(s, e, st)
                  for s, e, st in zip(p["start_indices"], p["limit_indices"], strides))
    asarray = np.asarray

    def window(x: Any) -> Any:
        return asarray(x)[index]
    return window


lowerings[slice_p] = _slice_lowering


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
    slice_sizes = static_ints("dynamic_slice", "slice_sizes", slice_sizes)
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


def _dynamic_slice_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
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


def _dynamic_update_slice_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any]
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


__all__ = [
    "slice_p", "slice", "slice_in_dim", "index_in_dim", "dynamic_slice_p", "dynamic_slice",
    "dynamic_update_slice_p", "dynamic_update_slice",
]
