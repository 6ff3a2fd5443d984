"""Shape manipulation: reshape, transpose, moveaxis, squeeze, expand_dims, broadcasting,
joining (concatenate, stack, ...), splitting, flip, roll, tile, repeat.

All are linear maps built from lax's structural primitives (reshape, transpose,
broadcast_in_dim, concatenate, slice, rev), so every transformation sees through them.
See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import Tracer, static_int, get_aval
from ftrans.lax import indexing as lax_indexing, structural as lax_structural
from ftrans.numpy._axes import check_no_out, normalize_axes, normalize_axis
from ftrans.numpy._promotion import asarray_strong, cast, check_sequence, result_type
from ftrans.numpy._indexing import take

__all__ = ["shape", "ndim", "size", "reshape", "ravel", "transpose", "permute_dims",
           "moveaxis", "swapaxes", "expand_dims", "squeeze", "broadcast_to",
           "broadcast_arrays", "broadcast_shapes", "concatenate", "concat", "stack", "vstack",
           "row_stack", "hstack", "dstack", "column_stack", "atleast_1d", "atleast_2d",
           "atleast_3d", "flip", "fliplr", "flipud", "split", "array_split", "roll", "tile",
           "repeat"]

broadcast_shapes = np.broadcast_shapes


def _shape_arg(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) or isinstance(shape, Tracer) and np.ndim(shape) == 0:
        return (static_int(shape, "shape"),)
    return tuple(static_int(d, "shape") for d in shape)


def shape(a: Any) -> tuple[int, ...]:
    """The shape of an array, traced or not."""
    return get_aval(asarray_strong(a)).shape


def ndim(a: Any) -> int:
    """The number of axes of an array."""
    return get_aval(asarray_strong(a)).ndim


def size(a: Any, axis: int | None = None) -> int:
    """The number of elements of an array (along ``axis`` if given)."""
    aval = get_aval(asarray_strong(a))
    if axis is None:
        return aval.size
    return aval.shape[normalize_axis(axis, aval.ndim)]


# ---------------------------------------------------------------------------------------------
# Reshaping and permuting
# ---------------------------------------------------------------------------------------------


def _check_order(order: str, name: str) -> None:
    if order not in ("C", None):
        raise NotImplementedError(f"{name}: only order='C' (row-major) is supported, got "
                                  f"order={order!r}")


def reshape(a: Any, shape: int | Sequence[int] | None = None, order: str = "C", *,
            newshape: int | Sequence[int] | None = None, copy: bool | None = None) -> Any:
    """``a`` with a new shape and the same elements in row-major order; one entry may be -1.

    Raises:
      ValueError: the sizes do not match.
    """
    _check_order(order, "reshape")
    if shape is None:
        if newshape is None:
            raise TypeError("reshape() missing the required argument 'shape'")
        shape = newshape
    elif newshape is not None:
        raise TypeError("reshape: pass either shape or newshape, not both")
    return lax.reshape(asarray_strong(a), _shape_arg(shape))


def ravel(a: Any, order: str = "C") -> Any:
    """The elements of ``a`` as a 1-d array, in row-major order."""
    _check_order(order, "ravel")
    return lax.reshape(asarray_strong(a), (-1,))


def transpose(a: Any, axes: Sequence[int] | None = None) -> Any:
    """``a`` with its axes reversed, or permuted by ``axes`` (output axis i is input axis
    ``axes[i]``; negative values count from the end).

    Raises:
      ValueError: ``axes`` is not a permutation of the axes.
    """
    a = asarray_strong(a)
    n = get_aval(a).ndim
    if axes is None:
        return lax.transpose(a, tuple(reversed(range(n))))
    perm = tuple(normalize_axis(ax, n, "axes") for ax in axes)
    if sorted(perm) != list(range(n)):
        raise ValueError(f"axes {tuple(axes)} don't match array of dimension {n}: they must be "
                         f"a permutation of its axes")
    return lax.transpose(a, perm)


def permute_dims(a: Any, axes: Sequence[int] | None = None) -> Any:
    """Array-API name of :func:`transpose`."""
    return transpose(a, axes)


def _axis_list(axis: int | Sequence[int], ndim: int, argname: str) -> list[int]:
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    out = [normalize_axis(a, ndim, argname) for a in axis]
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in `{argname}` argument")
    return out


def moveaxis(a: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:
    """Move axes ``source`` of ``a`` to positions ``destination``; the others keep their
    order."""
    a = asarray_strong(a)
    n = get_aval(a).ndim
    src = _axis_list(source, n, "source")
    dst = _axis_list(destination, n, "destination")
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same number of "
                         "elements")
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return lax.transpose(a, order)


def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    """``a`` with axes ``axis1`` and ``axis2`` interchanged."""
    a = asarray_strong(a)
    n = get_aval(a).ndim
    i, j = normalize_axis(axis1, n, "axis1"), normalize_axis(axis2, n, "axis2")
    perm = list(range(n))
    perm[i], perm[j] = j, i
    return lax.transpose(a, perm)


def expand_dims(a: Any, axis: int | Sequence[int]) -> Any:
    """``a`` with new axes of size 1 at positions ``axis`` of the result."""
    a = asarray_strong(a)
    aval = get_aval(a)
    count = 1 if isinstance(axis, (int, np.integer)) else len(axis)
    axes = normalize_axes(axis, aval.ndim + count)
    new_shape = list(aval.shape)
    for ax in axes:
        new_shape.insert(ax, 1)
    return lax.reshape(a, tuple(new_shape))


def squeeze(a: Any, axis: int | Sequence[int] | None = None) -> Any:
    """``a`` without axes of size 1 (only those in ``axis`` when given).

    Raises:
      ValueError: an axis in ``axis`` does not have size 1.
    """
    a = asarray_strong(a)
    shape_ = get_aval(a).shape
    if axis is None:
        axes = tuple(i for i, d in enumerate(shape_) if d == 1)
    else:
        axes = normalize_axes(axis, len(shape_))
        if any(shape_[i] != 1 for i in axes):
            raise ValueError(f"cannot select an axis to squeeze out which has size not equal "
                             f"to one (shape {shape_}, axis {axis})")
    return lax.reshape(a, tuple(d for i, d in enumerate(shape_) if i not in axes))


# ---------------------------------------------------------------------------------------------
# Broadcasting
# ---------------------------------------------------------------------------------------------


def broadcast_to(array: Any, shape: int | Sequence[int]) -> Any:
    """``array`` broadcast to ``shape`` (NumPy's rules: trailing axes line up).

    Raises:
      ValueError: the shapes are not compatible.
    """
    return lax.broadcast_to(asarray_strong(array), _shape_arg(shape))


def broadcast_arrays(*args: Any) -> tuple[Any, ...]:
    """The arguments broadcast against each other."""
    arrays = [asarray_strong(a) for a in args]
    target = np.broadcast_shapes(*[get_aval(a).shape for a in arrays])
    return tuple(lax.broadcast_to(a, target) for a in arrays)


# ---------------------------------------------------------------------------------------------
# Joining
# ---------------------------------------------------------------------------------------------


def _joinable(arrays: Sequence[Any], dtype: Any, name: str) -> list[Any]:
    check_sequence(arrays, name, "the arrays to join")
    if isinstance(arrays, (np.ndarray, Tracer)):
        arrays = list(arrays)
    arrays = [asarray_strong(a) for a in arrays]
    if not arrays:
        raise ValueError(f"{name}: need at least one array to join")
    target = np.dtype(dtype) if dtype is not None else result_type(*arrays)
    return [cast(a, target) for a in arrays]


def concatenate(arrays: Sequence[Any], axis: int | None = 0, out: None = None,
                dtype: Any = None, casting: str = "same_kind") -> Any:
    """Join arrays along an existing axis (of the flattened arrays when ``axis`` is None);
    the dtype is NumPy's result type of the inputs.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.concatenate([np.zeros((1, 2), np.int8), np.ones((1, 2), np.float32)], axis=None)
    array([0., 0., 1., 1.], dtype=float32)

    Raises:
      ValueError: the arrays differ in rank or in size on another axis.
    """
    check_no_out(out, "concatenate")
    arrays = _joinable(arrays, dtype, "concatenate")
    if axis is None:
        arrays = [lax.reshape(a, (-1,)) for a in arrays]
        axis = 0
    ndims = {get_aval(a).ndim for a in arrays}
    if 0 in ndims:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    if len(ndims) > 1:
        raise ValueError(f"all the input arrays must have same number of dimensions, got "
                         f"{sorted(ndims)}")
    (n,) = ndims
    ax = normalize_axis(axis, n)
    shapes = [get_aval(a).shape for a in arrays]
    for i, s in enumerate(shapes[1:], 1):
        for d in range(n):
            if d != ax and s[d] != shapes[0][d]:
                raise ValueError(
                    f"all the input array dimensions except for the concatenation axis must "
                    f"match exactly, but along dimension {d}, the array at index 0 has size "
                    f"{shapes[0][d]} and the array at index {i} has size {s[d]}")
    return lax_structural.concatenate(arrays, ax)


concat = concatenate


def stack(arrays: Sequence[Any], axis: int = 0, out: None = None, *,
          dtype: Any = None) -> Any:
    """Join arrays of one shape along a new axis ``axis`` of the result.

    Raises:
      ValueError: the arrays have different shapes.
    """
    check_no_out(out, "stack")
    arrays = _joinable(arrays, dtype, "stack")
    shapes = {get_aval(a).shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"all input arrays must have the same shape, got {sorted(shapes)}")
    (shape1,) = shapes
    ax = normalize_axis(axis, len(shape1) + 1)
    new_shape = shape1[:ax] + (1,) + shape1[ax:]
    parts = [lax.reshape(a, new_shape) for a in arrays]
    return lax_structural.concatenate(parts, ax)


def atleast_1d(*arys: Any) -> Any:
    """Each argument with at least one axis (a tuple when more than one is given)."""
    out = tuple(_at_least(a, 1) for a in arys)
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys: Any) -> Any:
    """Each argument with at least two axes: ``(n,)`` becomes ``(1, n)``."""
    out = tuple(_at_least(a, 2) for a in arys)
    return out[0] if len(out) == 1 else out


def atleast_3d(*arys: Any) -> Any:
    """Each argument with at least three axes: ``(n,)`` becomes ``(1, n, 1)`` and ``(m, n)``
    becomes ``(m, n, 1)``."""
    out = tuple(_at_least(a, 3) for a in arys)
    return out[0] if len(out) == 1 else out


def _at_least(a: Any, n: int) -> Any:
    a = asarray_strong(a)
    s = get_aval(a).shape
    if len(s) >= n:
        return a
    if n == 3:
        new = {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)]
    else:
        new = (1,) * (n - len(s)) + s
    return lax.reshape(a, new)


def vstack(tup: Sequence[Any], *, dtype: Any = None) -> Any:
    """Stack arrays vertically: concatenate along axis 0 after :func:`atleast_2d`."""
    check_sequence(tup, "vstack", "the arrays to join")
    return concatenate([_at_least(a, 2) for a in tup], 0, dtype=dtype)


def row_stack(tup: Sequence[Any], *, dtype: Any = None) -> Any:
    """NumPy's older name for :func:`vstack` (deprecated there since NumPy 2.0, kept here so
    that code written against it runs)."""
    check_sequence(tup, "row_stack", "the arrays to join")
    return vstack(tup, dtype=dtype)


def hstack(tup: Sequence[Any], *, dtype: Any = None) -> Any:
    """Stack arrays horizontally: along axis 1, or axis 0 for 1-d arrays."""
    check_sequence(tup, "hstack", "the arrays to join")
    arrays = [_at_least(a, 1) for a in tup]
    axis = 0 if arrays and get_aval(arrays[0]).ndim == 1 else 1
    return concatenate(arrays, axis, dtype=dtype)


def dstack(tup: Sequence[Any], dtype: Any = None) -> Any:
    """Stack arrays along the third axis after :func:`atleast_3d` (cast to ``dtype``)."""
    check_sequence(tup, "dstack", "the arrays to join")
    return concatenate([_at_least(a, 3) for a in tup], 2, dtype=dtype)


def column_stack(tup: Sequence[Any]) -> Any:
    """Stack 1-d arrays as columns of a 2-d array (2-d arrays are joined as they are)."""
    check_sequence(tup, "column_stack", "the arrays to join")
    arrays = []
    for a in tup:
        a = asarray_strong(a)
        s = get_aval(a).shape
        arrays.append(lax.reshape(a, (s[0] if s else 1, 1)) if len(s) < 2 else a)
    return concatenate(arrays, 1)


# ---------------------------------------------------------------------------------------------
# Splitting
# ---------------------------------------------------------------------------------------------


def _split_at(a: Any, bounds: Sequence[int], axis: int) -> list[Any]:
    n = get_aval(a).shape[axis]
    edges = [0] + [int(b) for b in bounds] + [n]
    out = []
    for start, stop in zip(edges[:-1], edges[1:]):
        # Python slicing semantics: negative bounds count from the end, then clip
        start, stop, _ = slice(start, stop).indices(n)
        out.append(lax_indexing.slice_in_dim(a, start, max(start, stop), axis=axis))
    return out


def split(ary: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Any]:
    """Split into equal sections (an int) or at the given indices along ``axis``.

    Raises:
      ValueError: an int number of sections does not divide the axis evenly.
    """
    a = asarray_strong(ary)
    ax = normalize_axis(axis, get_aval(a).ndim)
    if isinstance(indices_or_sections, (int, np.integer)):
        n = get_aval(a).shape[ax]
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        if n % sections:
            raise ValueError("array split does not result in an equal division")
    return array_split(a, indices_or_sections, ax)


def array_split(ary: Any, indices_or_sections: int | Sequence[int], axis: int = 0
                ) -> list[Any]:
    """Like :func:`split`, but an int number of sections need not divide the axis: the first
    ``n % sections`` parts get one element more."""
    a = asarray_strong(ary)
    ax = normalize_axis(axis, get_aval(a).ndim)
    n = get_aval(a).shape[ax]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = np.cumsum(sizes)[:-1].tolist()
    else:
        check_sequence(indices_or_sections, "split", "indices_or_sections (an int or indices)")
        bounds = [static_int(b, "split: an index of indices_or_sections")
                  for b in indices_or_sections]
    return _split_at(a, bounds, ax)


# ---------------------------------------------------------------------------------------------
# Reordering and repeating
# ---------------------------------------------------------------------------------------------


def flip(m: Any, axis: int | Sequence[int] | None = None) -> Any:
    """``m`` with the order of elements reversed along ``axis`` (all axes when None)."""
    a = asarray_strong(m)
    return lax_structural.rev(a, normalize_axes(axis, get_aval(a).ndim))


def fliplr(m: Any) -> Any:
    """Reverse the order of columns (axis 1)."""
    return flip(m, 1)


def flipud(m: Any) -> Any:
    """Reverse the order of rows (axis 0)."""
    return flip(m, 0)


def roll(a: Any, shift: int | Sequence[int], axis: int | Sequence[int] | None = None) -> Any:
    """Rotate elements along ``axis`` by ``shift`` places (of the flattened array when None);
    elements that roll past the end come back at the start."""
    a = asarray_strong(a)
    if axis is None:
        s = get_aval(a).shape
        return lax.reshape(roll(lax.reshape(a, (-1,)), shift, 0), s)
    shift = static_int(shift, "roll: shift") if isinstance(shift, int) or np.ndim(
        shift) == 0 and not isinstance(shift, (list, tuple)) else [
        static_int(s, "roll: shift") for s in shift]
    shifts, axes = np.broadcast_arrays(np.asarray(shift, dtype=np.int64),
                                       np.asarray(axis, dtype=np.int64))
    ndim = get_aval(a).ndim
    total: dict[int, int] = {}
    for s, ax in zip(shifts.ravel().tolist(), axes.ravel().tolist()):
        ax = normalize_axis(ax, ndim)
        total[ax] = total.get(ax, 0) + s
    for ax, s in total.items():
        n = get_aval(a).shape[ax]
        if n == 0 or s % n == 0:
            continue
        k = s % n
        a = lax_structural.concatenate([lax_indexing.slice_in_dim(a, n - k, n, axis=ax),
                             lax_indexing.slice_in_dim(a, 0, n - k, axis=ax)], ax)
    return a


def tile(A: Any, reps: int | Sequence[int]) -> Any:  # noqa: N803  (NumPy's name)
    """``A`` repeated ``reps[i]`` times along axis i (reps and A's shape are padded with
    leading ones to the same length)."""
    a = asarray_strong(A)
    reps = _shape_arg(reps)
    s = get_aval(a).shape
    d = max(len(reps), len(s))
    s = (1,) * (d - len(s)) + s
    reps = (1,) * (d - len(reps)) + reps
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: negative repetitions {reps}")
    a = lax.reshape(a, s)
    interleaved = tuple(x for pair in zip(reps, s) for x in pair)
    a = lax.broadcast_in_dim(a, interleaved, tuple(range(1, 2 * d, 2)))
    return lax.reshape(a, tuple(r * n for r, n in zip(reps, s)))


def repeat(a: Any, repeats: int | Sequence[int], axis: int | None = None) -> Any:
    """Repeat each element ``repeats`` times along ``axis`` (of the flattened array when
    None). ``repeats`` is an int or a concrete sequence of ints, one per element.

    Raises:
      ConcretizationError: ``repeats`` is traced (the output shape would depend on it).
    """
    a = asarray_strong(a)
    if axis is None:
        a = lax.reshape(a, (-1,))
        axis = 0
    s = get_aval(a).shape
    ax = normalize_axis(axis, len(s))
    if isinstance(repeats, Tracer):
        repeats = repeats._concrete_or_raise("repeat with traced repeats (the output shape "
                                             "depends on their values)")
    reps = np.asarray(repeats)
    if reps.dtype.kind not in "iu" or reps.ndim > 1:
        raise TypeError(f"repeat: repeats must be an int or a 1-d sequence of ints, got "
                        f"{repeats!r}")
    if (reps < 0).any():
        raise ValueError("repeat: negative dimensions are not allowed")
    if reps.ndim == 1 and reps.size != 1:
        if reps.size != s[ax]:
            raise ValueError(f"operands could not be broadcast together with shape "
                             f"({s[ax]},) ({reps.size},)")
        return take(a, np.repeat(np.arange(s[ax]), reps), axis=ax)
    r = int(reps.reshape(()) if reps.ndim == 0 else reps[0])
    expanded = s[:ax + 1] + (r,) + s[ax + 1:]
    dims = tuple(range(ax + 1)) + tuple(range(ax + 2, len(s) + 1))
    a = lax.broadcast_in_dim(a, expanded, dims)
    return lax.reshape(a, s[:ax] + (s[ax] * r,) + s[ax + 1:])
