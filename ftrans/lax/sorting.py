"""Sorting: the multi-operand ``sort`` primitive along one axis.

``sort_p`` sorts several same-shaped operands together along ``dimension``, ordered
lexicographically by the first ``num_keys`` of them; the sort is stable and, as in NumPy, NaNs
go last. The other operands ride along: ``argsort`` is a sort of (keys, iota) that keeps the
second result. The derivative permutes tangents the way the primal was permuted: the jvp sorts
an extra iota operand to learn the permutation and gathers each tangent with it (``gather`` is
linear, so reverse mode needs no transpose rule for sort itself). Batching moves the batch axis
to the front. See docs/internals.md, "Primitives".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import Zero, jvp_rules
from ftrans.lax.elementwise import add, bitwise_not, check_operand, mul, ne, neg
from ftrans.lax.gather_scatter import gather
from ftrans.lax.structural import broadcasted_iota, reshape
from ftrans.lax.indexing import slice_in_dim


def _sort_abstract_eval(*operands: ShapedArray, dimension: int,
                        num_keys: int) -> list[ShapedArray]:
    if not operands:
        raise ValueError("sort: needs at least one operand")
    shape = operands[0].shape
    if any(o.shape != shape for o in operands):
        raise ValueError(f"sort: operands must share one shape, got "
                         f"{', '.join(o.str_short() for o in operands)}")
    if not 0 <= dimension < len(shape):
        raise ValueError(f"sort: dimension {dimension} is out of bounds for operands of rank "
                         f"{len(shape)}")
    if not 1 <= num_keys <= len(operands):
        raise ValueError(f"sort: num_keys must be between 1 and the number of operands "
                         f"({len(operands)}), got {num_keys}")
    for o in operands[:num_keys]:
        if o.dtype.kind not in "biufc":
            raise TypeError(f"sort: cannot sort keys of dtype {o.dtype}")
    return list(operands)


def _sort_impl(*operands: Any, dimension: int, num_keys: int) -> list[Any]:
    operands = tuple(np.asarray(o) for o in operands)
    # least significant key first: each stable argsort keeps the order of the earlier ones
    perm = np.argsort(operands[num_keys - 1], axis=dimension, kind="stable")
    for key in reversed(operands[:num_keys - 1]):
        reordered = np.take_along_axis(key, perm, dimension)
        perm = np.take_along_axis(perm, np.argsort(reordered, axis=dimension, kind="stable"),
                                  dimension)
    return [np.take_along_axis(o, perm, dimension) for o in operands]


sort_p = Primitive("sort", impl=_sort_impl, abstract_eval=_sort_abstract_eval,
                   multiple_results=True)


def sort(operands: Any, dimension: int = -1, num_keys: int = 1) -> Any:
    """Sort ``operands`` (one array, or a sequence of same-shaped arrays) along ``dimension``.

    The order is lexicographic in the first ``num_keys`` operands, stable, with NaNs last (as in
    NumPy); the remaining operands are permuted the same way.

    Args:
      operands: an array, or a list or tuple of arrays of one shape.
      dimension: the axis to sort along (negative counts from the end).
      num_keys: how many leading operands are sort keys.

    Returns:
      The sorted array, or a list of sorted arrays when a sequence was given.

    Raises:
      ValueError: operands of different shapes, a bad dimension or num_keys.

    >>> import numpy as np
    >>> sort([np.array([2, 1, 2, 0]), np.array([0., 1., 2., 3.])])
    [array([0, 1, 2, 2]), array([3., 1., 0., 2.])]
    """
    single = not isinstance(operands, (list, tuple))
    ops = [operands] if single else list(operands)
    ndim = get_aval(ops[0]).ndim
    dimension = int(dimension)
    if -ndim <= dimension < 0:
        dimension += ndim
    _sort_abstract_eval(*[get_aval(o) for o in ops], dimension=dimension,
                        num_keys=int(num_keys))
    out = sort_p.bind(*ops, dimension=dimension, num_keys=int(num_keys))
    return out[0] if single else list(out)


def take_along_dimension(x: Any, indices: Any, dimension: int) -> Any:
    """``x`` permuted (or picked) along ``dimension`` by ``indices`` of ``x``'s shape except
    along ``dimension``: one gather on the flattened ``x``, cost the size of the output."""
    aval = get_aval(x)
    idx_shape = get_aval(indices).shape
    strides = [1] * aval.ndim
    for d in range(aval.ndim - 2, -1, -1):
        strides[d] = strides[d + 1] * aval.shape[d + 1]
    base = np.zeros(idx_shape, np.int64)
    for d in range(aval.ndim):
        if d != dimension:
            base = base + np.arange(idx_shape[d]).reshape(
                (-1,) + (1,) * (aval.ndim - d - 1)) * strides[d]
    flat = add(mul(indices, np.int64(strides[dimension])), base)
    points = reshape(flat, idx_shape + (1,))
    return gather(reshape(x, (aval.size,)), points, (0,))


def _sort_jvp(primals: Sequence[Any], tangents: Sequence[Any], dimension: int,
              num_keys: int) -> tuple[list[Any], list[Any]]:
    if all(type(t) is Zero for t in tangents):
        outs = sort_p.bind(*primals, dimension=dimension, num_keys=num_keys)
        return outs, [Zero(get_aval(o)) for o in outs]
    shape = get_aval(primals[0]).shape
    iota = broadcasted_iota(np.int64, shape, dimension)
    *outs, perm = sort_p.bind(*primals, iota, dimension=dimension, num_keys=num_keys)
    out_dots = [t if type(t) is Zero else take_along_dimension(t, perm, dimension)
                for t in tangents]
    return outs, [Zero(get_aval(o)) if type(t) is Zero else t for o, t in zip(outs, out_dots)]


jvp_rules[sort_p] = _sort_jvp


def _sort_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any], dimension: int,
                num_keys: int) -> tuple[list[Any], list[int]]:
    size = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not not_mapped)
    moved = [move_batch_axis(a, d, 0, size) for a, d in zip(args, bdims)]
    outs = sort_p.bind(*moved, dimension=dimension + 1, num_keys=num_keys)
    return outs, [0] * len(outs)


batching_rules[sort_p] = _sort_batch


# ---------------------------------------------------------------------------------------------
# top_k: a sort of (keys, values, positions), cut to k; its derivatives are the sort's
# ---------------------------------------------------------------------------------------------


def top_k(operand: Any, k: int, *, axis: int = -1) -> tuple[Any, Any]:
    """The ``k`` largest entries of ``operand`` along ``axis``, in descending order, and their
    positions (int32). Ties keep the lower index first; NaN counts as the largest value.

    Args:
      operand: a real array of rank >= 1.
      k: how many entries to keep (``0 <= k <=`` the axis's length).
      axis: the axis to select along.

    Returns:
      ``(values, indices)``, both shaped like ``operand`` with ``k`` along ``axis``.

    Raises:
      ValueError: a bad ``k`` or ``axis``. TypeError: a complex or boolean operand.

    >>> import numpy as np
    >>> top_k(np.array([1.0, 3.0, 2.0, 3.0]), 2)
    (array([3., 3.]), array([1, 3], dtype=int32))
    """
    aval = get_aval(check_operand(operand, "lax.top_k"))
    if aval.ndim == 0:
        raise ValueError("top_k needs an operand of rank at least 1, got a scalar")
    if aval.dtype.kind not in "iuf":
        raise TypeError(f"top_k needs a real (integer or floating) operand, got "
                        f"{aval.str_short()}")
    if not isinstance(axis, (int, np.integer)) or not -aval.ndim <= axis < aval.ndim:
        raise ValueError(f"top_k: axis {axis!r} is out of range for rank {aval.ndim}")
    axis = int(axis) % aval.ndim
    n = aval.shape[axis]
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 <= k <= n:
        raise ValueError(f"top_k: k must be an int between 0 and {n} (the length of axis "
                         f"{axis}), got {k!r}")
    positions = broadcasted_iota(np.int32, aval.shape, axis)
    if aval.dtype.kind == "f":
        # two keys: NaN first (not-NaN is False there), then descending by value
        keys = [ne(operand, operand), neg(operand)]
        keys[0] = bitwise_not(keys[0])
    else:  # ~x reverses the order of integers without overflow
        keys = [bitwise_not(operand)]
    *_, values, indices = sort([*keys, operand, positions], dimension=axis,
                               num_keys=len(keys))
    return slice_in_dim(values, 0, int(k), 1, axis), slice_in_dim(indices, 0, int(k), 1, axis)


__all__ = ["sort_p", "sort", "take_along_dimension", "top_k"]
