"""More array manipulation: pad, insert, delete, rot90, kron, select, choose, logspace,
hsplit / vsplit / dsplit.

pad (non-constant modes), insert and delete move elements around by static rules. Each asks
NumPy to apply the same rule to a table of *element numbers* (``np.pad(np.arange(n) ...)``), so
NumPy's semantics (wrapping, reflection past the edge, broadcasting of the inserted values,
errors) carry over exactly, and then reads the elements with one ``gather`` (linear: its
transpose scatter-adds, so every transformation applies and the cost is the output's size).
See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import Tracer, get_aval
from ftrans.lax import gather_scatter
from ftrans.numpy._axes import check_no_out, normalize_axis
from ftrans.numpy._promotion import asarray_strong, cast, result_type, concrete_numeric_array
from ftrans.numpy._creation import array as make_array, linspace
from ftrans.numpy._elementwise import multiply, power
from ftrans.numpy._indexing import take_along_axis
from ftrans.numpy._shapes import split
from ftrans.numpy._math import clip, remainder, round as round_
from ftrans.numpy._reductions import max as max_, mean, min as min_
from ftrans.numpy._statistics import median

__all__ = ["pad", "insert", "delete", "rot90", "kron", "select", "choose", "logspace",
           "hsplit", "vsplit", "dsplit"]


def take_by_table(x: Any, table: np.ndarray) -> Any:
    """``x.ravel()[table]`` for a concrete table of element numbers: one gather."""
    table = np.asarray(table, np.int64)
    if table.size == 0:  # nothing is read: a constant
        return np.zeros(table.shape, get_aval(x).dtype)
    flat = lax.reshape(x, (get_aval(x).size,))
    return gather_scatter.gather(flat, table[..., None], (0,))


def _numbers(shape: tuple[int, ...]) -> np.ndarray:
    return np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)


def _concrete_index(obj: Any, name: str) -> Any:
    if isinstance(obj, Tracer):
        value = obj.to_concrete_value() if obj._trace.is_alive else None
        if value is None:
            raise TypeError(f"{name}: the indices must be concrete (the output's shape depends "
                            f"on them), got a traced {obj.aval.str_short()}")
        return np.asarray(value)
    return obj


# ---------------------------------------------------------------------------------------------
# pad
# ---------------------------------------------------------------------------------------------

_TABLE_MODES = ("edge", "reflect", "symmetric", "wrap")
_STAT_MODES = {"maximum": max_, "minimum": min_, "mean": mean, "median": median}


def _pad_axis(x: Any, axis: int, before: Any, after: Any) -> Any:
    return lax.concatenate([before, x, after], axis)


def _pad_stat(x: Any, widths: np.ndarray, mode: str, stat_length: Any) -> Any:
    """NumPy's statistic modes, one axis after another (later axes see the earlier pads)."""
    reduce = _STAT_MODES[mode]
    dtype = get_aval(x).dtype
    ndim = get_aval(x).ndim
    lengths = None if stat_length is None else np.broadcast_to(
        np.asarray(stat_length, np.int64), (ndim, 2))
    for axis, (lo, hi) in enumerate(widths):
        n = get_aval(x).shape[axis]
        if not (lo or hi):
            continue
        if n == 0:
            raise ValueError(f"can't extend empty axis {axis} using modes other than "
                             f"'constant' or 'empty'")
        parts = []
        for side, width in ((0, int(lo)), (1, int(hi))):
            length = n if lengths is None else min(int(lengths[axis, side]), n)
            if length < 1:
                raise ValueError("stat_length of 0 yields no value for padding")
            chunk = lax.slice_in_dim(x, 0, length, 1, axis) if side == 0 else \
                lax.slice_in_dim(x, n - length, n, 1, axis)
            value = reduce(chunk, axis=axis, keepdims=True)
            if dtype.kind in "iub" and mode in ("mean", "median"):
                value = round_(value)  # NumPy rounds to the integer dtype
            shape = list(get_aval(x).shape)
            shape[axis] = width
            parts.append(lax.broadcast_to(cast(value, dtype), tuple(shape)))
        x = _pad_axis(x, axis, parts[0], parts[1])
    return x


def _pad_linear_ramp(x: Any, widths: np.ndarray, end_values: Any) -> Any:
    """Ramps from ``end_values`` to the edge (excluded), one axis after another (JAX's)."""
    dtype = get_aval(x).dtype
    ndim = get_aval(x).ndim
    ends = np.broadcast_to(np.asarray(end_values), (ndim, 2))
    for axis, (lo, hi) in enumerate(widths):
        if not (lo or hi):
            continue
        edges = (lax.index_in_dim(x, 0, axis, False),
                 lax.index_in_dim(x, get_aval(x).shape[axis] - 1, axis, False))
        ramps = [linspace(ends[axis, side], edges[side], int(width), endpoint=False,
                               dtype=dtype, axis=axis)
                 for side, width in ((0, lo), (1, hi))]
        x = _pad_axis(x, axis, ramps[0], lax.rev(ramps[1], (axis,)))
    return x


def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """``array`` padded on each side of each axis, with NumPy's ``pad_width`` forms (an int,
    ``(before, after)``, or one pair per axis).

    Modes: 'constant' (``constant_values``, scalars or per-axis pairs, possibly traced),
    'edge', 'reflect', 'symmetric' (``reflect_type`` 'even' or 'odd'), 'wrap', 'maximum',
    'minimum', 'mean', 'median' (``stat_length``), 'linear_ramp' (``end_values``) and 'empty'
    (zeros, as JAX). Differentiable.

    Raises:
      NotImplementedError: a callable mode.
      ValueError: bad ``pad_width`` or an empty axis with a non-constant mode (as NumPy).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.pad(np.array([1, 2, 3]), (2, 3), mode="reflect")
    array([3, 2, 1, 2, 3, 2, 1, 2])
    """
    x = asarray_strong(array)
    aval = get_aval(x)
    reflect_type = kwargs.get("reflect_type", "even")
    if mode in _TABLE_MODES and (reflect_type == "even" or mode in ("edge", "wrap")):
        table = np.pad(_numbers(aval.shape), pad_width, mode=mode)
        return take_by_table(x, table)
    if mode not in ("constant", "empty", "linear_ramp", "reflect", "symmetric", *_STAT_MODES):
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; use 'constant', "
                                  f"'edge', 'reflect', 'symmetric', 'wrap', 'maximum', "
                                  f"'minimum', 'mean', 'median', 'linear_ramp' or 'empty'")
    widths = np.broadcast_to(np.asarray(pad_width, np.int64), (aval.ndim, 2))
    if np.any(widths < 0):
        raise ValueError("index can't contain negative values")
    if mode in ("reflect", "symmetric"):  # reflect_type='odd': 2 * edge - the reflection
        if reflect_type != "odd":
            raise ValueError(f"pad: reflect_type must be 'even' or 'odd', got {reflect_type!r}")
        for axis, (lo, hi) in enumerate(widths):
            # NumPy's chunks: at most one period at a time, each about the new edge
            period = builtins.max(aval.shape[axis] - (mode == "reflect"), 1)
            lo, hi = int(lo), int(hi)
            while lo or hi:
                step = (min(lo, period), min(hi, period))
                lo, hi = lo - step[0], hi - step[1]
                axis_widths = [(0, 0)] * aval.ndim
                axis_widths[axis] = step
                numbers = _numbers(get_aval(x).shape)
                even = take_by_table(x, np.pad(numbers, axis_widths, mode=mode))
                edge = take_by_table(x, np.pad(numbers, axis_widths, mode="edge"))
                x = lax.sub(lax.add(edge, edge), even)
        return x
    if mode in _STAT_MODES:
        return _pad_stat(x, widths, mode, kwargs.get("stat_length"))
    if mode == "linear_ramp":
        return _pad_linear_ramp(x, widths, kwargs.get("end_values", 0))
    if mode == "empty":
        return lax.pad(x, cast(0, aval.dtype), [(int(lo), int(hi), 0) for lo, hi in widths])
    values = make_array(kwargs.get("constant_values", 0))
    if not isinstance(values, Tracer):
        values = np.broadcast_to(np.asarray(values), (aval.ndim, 2))
        if np.all(values == values.flat[0]) if values.size else True:
            fill = cast(values.flat[0] if values.size else 0, aval.dtype)
            return lax.pad(x, fill, [(int(lo), int(hi), 0) for lo, hi in widths])
    values = lax.broadcast_to(cast(asarray_strong(values), aval.dtype), (aval.ndim, 2))
    # different values per axis: pad one axis at a time (later axes cover the corners)
    for axis, (lo, hi) in enumerate(widths):
        parts = []
        shape = list(get_aval(x).shape)
        for side, width in ((0, lo), (1, hi)):
            shape[axis] = int(width)
            value = lax.index_in_dim(lax.index_in_dim(values, axis, 0, False), side, 0, False)
            parts.append(lax.broadcast_to(value, tuple(shape)))
        if lo or hi:
            x = lax.concatenate([parts[0], x, parts[1]], axis)
    return x


# ---------------------------------------------------------------------------------------------
# insert, delete
# ---------------------------------------------------------------------------------------------


def insert(arr: Any, obj: Any, values: Any, axis: int | None = None) -> Any:
    """``arr`` with ``values`` inserted before the (concrete) indices ``obj`` along ``axis``
    (of the flattened array when None), with NumPy's broadcasting of ``values``.
    Differentiable in ``arr`` and ``values``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.insert(np.array([1., 2., 3.]), [1, 3], np.array([9., 8.]))
    array([1., 9., 2., 3., 8.])
    """
    x = asarray_strong(arr)
    values = cast(asarray_strong(values), get_aval(x).dtype)
    obj = _concrete_index(obj, "insert")
    x_shape = get_aval(x).shape
    v_shape = get_aval(values).shape
    if axis is None:
        x = lax.reshape(x, (-1,))
    count = int(np.prod(x_shape))
    # the inserted elements are numbered after arr's, so NumPy's insert of the numbers says
    # where every element of the result comes from
    value_numbers = np.arange(count, count + int(np.prod(v_shape)),
                              dtype=np.int64).reshape(v_shape)
    table = np.insert(_numbers(get_aval(x).shape), obj, value_numbers, axis)
    source = lax.concatenate([lax.reshape(x, (-1,)), lax.reshape(values, (-1,))], 0)
    return take_by_table(source, table)


def delete(arr: Any, obj: Any, axis: int | None = None, *,
           assume_unique_indices: bool = False) -> Any:
    """``arr`` without the entries at the (concrete) indices, slice or mask ``obj`` along
    ``axis`` (of the flattened array when None). ``assume_unique_indices`` (JAX's hint) is
    accepted and ignored.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.delete(np.arange(6).reshape(2, 3), 1, axis=1)
    array([[0, 2],
           [3, 5]])
    """
    x = asarray_strong(arr)
    obj = _concrete_index(obj, "delete")
    if axis is None:
        x = lax.reshape(x, (-1,))
    table = np.delete(_numbers(get_aval(x).shape), obj, axis)
    return take_by_table(x, table)


# ---------------------------------------------------------------------------------------------
# rot90, kron
# ---------------------------------------------------------------------------------------------


def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Any:
    """``m`` rotated by 90 degrees ``k`` times in the plane of ``axes`` (from the first axis
    towards the second).

    Raises:
      ValueError: ``axes`` are not two different axes.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.rot90(np.array([[1, 2], [3, 4]]))
    array([[2, 4],
           [1, 3]])
    """
    m = asarray_strong(m)
    ndim = get_aval(m).ndim
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == ndim:
        raise ValueError("Axes must be different.")
    a0, a1 = normalize_axis(axes[0], ndim, "axes"), normalize_axis(axes[1], ndim, "axes")
    k = int(k) % 4
    if k == 0:
        return m
    if k == 2:
        return lax.rev(m, (a0, a1))
    perm = list(range(ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return lax.transpose(lax.rev(m, (a1,)), tuple(perm))
    return lax.rev(lax.transpose(m, tuple(perm)), (a1,))


def kron(a: Any, b: Any) -> Any:
    """The Kronecker product: blocks ``a[i, j] * b``, for any ranks (the lower one is padded
    with leading unit axes).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.kron(np.array([1, 10]), np.array([1, 2, 3]))
    array([ 1,  2,  3, 10, 20, 30])
    """
    a, b = asarray_strong(a), asarray_strong(b)
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    ndim = max(len(a_shape), len(b_shape))
    a_shape = (1,) * (ndim - len(a_shape)) + a_shape
    b_shape = (1,) * (ndim - len(b_shape)) + b_shape
    a = lax.reshape(a, tuple(d for n in a_shape for d in (n, 1)))
    b = lax.reshape(b, tuple(d for n in b_shape for d in (1, n)))
    return lax.reshape(multiply(a, b), tuple(p * q for p, q in zip(a_shape, b_shape)))


# ---------------------------------------------------------------------------------------------
# select, choose
# ---------------------------------------------------------------------------------------------


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    """Elementwise the choice of the first true condition, else ``default``.

    Raises:
      ValueError: lists of different lengths. TypeError: a non-boolean condition.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> x = np.arange(5.)
    >>> fnp.select([x < 1, x > 3], [-x, x ** 2], default=np.nan)
    array([-0., nan, nan, nan, 16.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(choicelist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    conds = [asarray_strong(c) for c in condlist]
    for i, c in enumerate(conds):
        if get_aval(c).dtype.kind != "b":
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    choices = [asarray_strong(c) if not isinstance(c, (int, float, complex)) else c
               for c in choicelist]
    default = default if isinstance(default, (int, float, complex)) else asarray_strong(default)
    dtype = result_type(*choices, default)
    out = cast(default, dtype)
    for cond, choice in reversed(list(zip(conds, choices))):
        out = lax.select_n(cond, out, cast(choice, dtype))
    shape = np.broadcast_shapes(*[get_aval(c).shape for c in conds],
                                *[get_aval(cast(c, dtype)).shape for c in choices],
                                get_aval(cast(default, dtype)).shape)
    return lax.broadcast_to(out, shape)


def choose(a: Any, choices: Sequence[Any], out: None = None, mode: str = "raise") -> Any:
    """Elementwise ``choices[a][i]``: ``a`` (integers) picks which array each element comes
    from; everything broadcasts. ``mode`` 'raise' (concrete indices checked), 'wrap' or 'clip'.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.choose(np.array([0, 1, 0]), [np.array([1., 2., 3.]), 10.])
    array([ 1., 10.,  3.])
    """
    check_no_out(out, "choose")
    a = asarray_strong(a)
    if get_aval(a).dtype.kind not in "iu":
        raise TypeError(f"choose: indices must be integers, got {get_aval(a).dtype}")
    arrays = [asarray_strong(c) for c in choices]
    n = len(arrays)
    if mode == "raise":
        value = a if not isinstance(a, Tracer) else None
        if value is not None and np.any((np.asarray(value) < 0) | (np.asarray(value) >= n)):
            raise ValueError("invalid entry in choice array")
    elif mode == "wrap":
        a = remainder(a, n)
    elif mode == "clip":
        a = clip(a, 0, n - 1)
    else:
        raise ValueError(f"choose: clipmode must be one of 'clip', 'raise', or 'wrap', got "
                         f"{mode!r}")
    dtype = result_type(*arrays)
    shape = np.broadcast_shapes(get_aval(a).shape, *[get_aval(c).shape for c in arrays])
    stacked = lax.concatenate([lax.reshape(lax.broadcast_to(cast(c, dtype), shape),
                                           (1,) + shape) for c in arrays], 0)
    index = lax.reshape(lax.broadcast_to(a, shape), (1,) + shape) \
        if isinstance(a, Tracer) else np.broadcast_to(a, shape)[None]
    return lax.reshape(take_along_axis(stacked, index, 0), shape)


# ---------------------------------------------------------------------------------------------
# logspace, splitting shortcuts
# ---------------------------------------------------------------------------------------------


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0,
             dtype: Any = None, axis: int = 0) -> Any:
    """``base ** linspace(start, stop, num)``; ``start`` and ``stop`` may be traced.

    >>> import ftrans.numpy as fnp
    >>> fnp.logspace(0, 2, 3)
    array([  1.,  10., 100.])
    """
    if not any(isinstance(v, Tracer) for v in (start, stop, base)):
        start, stop, base = (concrete_numeric_array(v, "logspace") for v in (start, stop, base))
        return np.logspace(start, stop, num, endpoint, base, dtype, axis)
    exponents = linspace(start, stop, num, endpoint, axis=axis)
    if isinstance(base, Tracer) or np.ndim(base):
        base = lax.expand_dims(asarray_strong(base), (axis,))
    out = power(base, exponents)
    return out if dtype is None else cast(out, np.dtype(dtype))


def _split_along(ary: Any, indices_or_sections: Any, axis: int, min_ndim: int,
                 name: str) -> list[Any]:
    a = asarray_strong(ary)
    if get_aval(a).ndim < min_ndim:
        raise ValueError(f"{name} only works on arrays of {min_ndim} or more dimensions")
    return split(a, indices_or_sections, axis)


def hsplit(ary: Any, indices_or_sections: int | Sequence[int]) -> list[Any]:
    """Split along axis 1 (axis 0 for 1-d arrays)."""
    a = asarray_strong(ary)
    if get_aval(a).ndim == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return _split_along(a, indices_or_sections, 1 if get_aval(a).ndim > 1 else 0, 1, "hsplit")


def vsplit(ary: Any, indices_or_sections: int | Sequence[int]) -> list[Any]:
    """Split along axis 0 (arrays of 2 or more dimensions)."""
    return _split_along(ary, indices_or_sections, 0, 2, "vsplit")


def dsplit(ary: Any, indices_or_sections: int | Sequence[int]) -> list[Any]:
    """Split along axis 2 (arrays of 3 or more dimensions)."""
    return _split_along(ary, indices_or_sections, 2, 3, "dsplit")
