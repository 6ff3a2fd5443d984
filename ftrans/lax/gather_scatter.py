"""Point indexing primitives: gather and the scatter family.

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

from ftrans.core import Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import Zero, instantiate_zeros, jvp_rules
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules
from ftrans.lax.elementwise import (
    add, bitwise_and, convert_element_type, div, eq, ge, lt, mul, select_n,
)
from ftrans.lax.indexing import static_ints
from ftrans.lax.structural import bind_checked, broadcast_to, broadcasted_iota, concatenate, reshape
from ftrans.lax.reductions import reduce_and

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
    axes = static_ints("gather/scatter", "axes", axes if isinstance(axes, Sequence) else (axes,))
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
    column = broadcasted_iota(aval.dtype, aval.shape[:-1] + (1,), 0)
    return concatenate([column, indices], aval.ndim - 1)


def _in_range_points(indices: Any, sizes: Sequence[int]) -> Any:
    """A bool array of the batch shape: whether each point lies inside ``sizes``."""
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


def _gather_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any], axes: tuple[int, ...],
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
    def rule(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any], axes: tuple[int, ...],
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
    "gather_p", "gather", "scatter_p", "scatter", "scatter_add_p", "scatter_add", "scatter_mul_p",
    "scatter_mul", "scatter_min_p", "scatter_min", "scatter_max_p", "scatter_max",
]
