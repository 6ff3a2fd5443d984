"""Structural primitives: change the shape or layout of arrays without arithmetic.

broadcast_in_dim, reshape, transpose, squeeze, expand_dims, concatenate, pad, rev, iota.
All but iota are linear, so their transposes are their structural inverses (iota has no
operands). Each primitive is one block: primitive, wrapper, jvp, transpose, batching. Slicing
lives in ``indexing``. See docs/internals.md, "Primitives".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ftrans.compile.simplify import forward_same_type
from ftrans.compile.tables import (
    cancellation_rules, forwarding_rules, lowerings, rearrangements, reshapes, uniform_rules,
    views, zero_embeddings,
)
from ftrans.core import Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import defjvp_zero, deflinear
from ftrans.interpreters.transpose import is_undefined
from ftrans.ir import JaxprEqn, Literal
from ftrans.lax.structural_base import (  # noqa: F401  (bind_checked: ftrans.lax.structural.X)
    bind_checked, canonicalize_dims, check_sorted_dims, scalar_like, shift_dims_past_batch,
)


# ---------------------------------------------------------------------------------------------
# broadcast_in_dim
# ---------------------------------------------------------------------------------------------


def _broadcast_in_dim_impl(x: Any, shape: tuple[int, ...],
                           broadcast_dimensions: tuple[int, ...]) -> np.ndarray:
    x = np.asarray(x)
    expanded = [1] * len(shape)
    for src, dst in enumerate(broadcast_dimensions):
        expanded[dst] = x.shape[src]
    return np.broadcast_to(x.reshape(expanded), shape)


def _broadcast_in_dim_abstract_eval(x: ShapedArray, shape: tuple[int, ...],
                                    broadcast_dimensions: tuple[int, ...]) -> ShapedArray:
    if len(broadcast_dimensions) != x.ndim:
        raise ValueError(f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} must "
                         f"name one output axis per input axis of {x.str_short()}")
    if list(broadcast_dimensions) != sorted(set(broadcast_dimensions)):
        raise ValueError(f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} must "
                         f"be strictly increasing")
    for src, dst in enumerate(broadcast_dimensions):
        if not 0 <= dst < len(shape) or x.shape[src] not in (1, shape[dst]):
            raise ValueError(f"broadcast_in_dim: cannot broadcast {x.str_short()} to shape "
                             f"{shape} with broadcast_dimensions {broadcast_dimensions}")
    return make_aval(tuple(shape), x.dtype)


broadcast_in_dim_p = Primitive("broadcast_in_dim", impl=_broadcast_in_dim_impl,
                               abstract_eval=_broadcast_in_dim_abstract_eval)


def broadcast_in_dim(x: Any, shape: Sequence[int], broadcast_dimensions: Sequence[int]) -> Any:
    """Broadcast ``x`` to ``shape``; input axis i becomes output axis
    ``broadcast_dimensions[i]`` (its size must be 1 or equal the output's)."""
    shape = tuple(int(d) for d in shape)
    broadcast_dimensions = tuple(int(d) for d in broadcast_dimensions)
    if get_aval(x).shape == shape:
        return x
    return broadcast_in_dim_p.bind(x, shape=shape, broadcast_dimensions=broadcast_dimensions)


def broadcast_to(x: Any, shape: Sequence[int]) -> Any:
    """NumPy's ``broadcast_to``: trailing axes line up; new axes are added in front."""
    shape = tuple(int(d) for d in shape)
    aval = get_aval(x)
    if aval.shape == shape:
        return x
    lead = len(shape) - aval.ndim
    if lead < 0 or any(d not in (1, s) for d, s in zip(aval.shape, shape[lead:])):
        raise ValueError(f"cannot broadcast an array of shape {aval.shape} to shape {shape}")
    return broadcast_in_dim_p.bind(x, shape=shape,
                                   broadcast_dimensions=tuple(range(lead, len(shape))))




def _broadcast_in_dim_transpose(ct: Any, x: Any, shape: tuple[int, ...],
                                broadcast_dimensions: tuple[int, ...]) -> list[Any]:
    from ftrans.lax.reductions import reduce_sum  # cycle: lax.reductions imports lax.structural
    in_shape = x.aval.shape
    new_axes = tuple(d for d in range(len(shape)) if d not in broadcast_dimensions)
    stretched = tuple(dst for src, dst in enumerate(broadcast_dimensions)
                      if in_shape[src] == 1 and shape[dst] != 1)
    summed = reduce_sum(ct, tuple(sorted(new_axes + stretched)))
    return [reshape(summed, in_shape)]


deflinear(broadcast_in_dim_p, transpose=_broadcast_in_dim_transpose)


def _broadcast_in_dim_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
                            shape: tuple[int, ...],
                            broadcast_dimensions: tuple[int, ...]) -> tuple[Any, int]:
    (x,), (bdim,) = args, bdims
    size = get_aval(x).shape[bdim]
    x = _move_axis_to_front(x, bdim)
    dims = (0,) + tuple(d + 1 for d in broadcast_dimensions)
    return broadcast_in_dim_p.bind(x, shape=(size,) + shape, broadcast_dimensions=dims), 0


batching_rules[broadcast_in_dim_p] = _broadcast_in_dim_batch
forwarding_rules[broadcast_in_dim_p] = forward_same_type
uniform_rules[broadcast_in_dim_p] = lambda scalar: scalar
views.add(broadcast_in_dim_p)


def _move_axis_to_front(x: Any, axis: int) -> Any:
    if axis == 0:
        return x
    ndim = get_aval(x).ndim
    return transpose(x, (axis,) + tuple(d for d in range(ndim) if d != axis))


# ---------------------------------------------------------------------------------------------
# reshape
# ---------------------------------------------------------------------------------------------


def _reshape_abstract_eval(x: ShapedArray, new_sizes: tuple[int, ...]) -> ShapedArray:
    size = 1
    for d in new_sizes:
        size *= d
    if size != x.size or any(d < 0 for d in new_sizes):
        raise ValueError(f"cannot reshape an array of shape {x.shape} (size {x.size}) into "
                         f"shape {new_sizes}")
    return make_aval(new_sizes, x.dtype)


reshape_p = Primitive("reshape", impl=lambda x, new_sizes: np.reshape(x, new_sizes),
                      abstract_eval=_reshape_abstract_eval)


def reshape(x: Any, new_sizes: Sequence[int]) -> Any:
    """``x`` with the same elements in row-major order and shape ``new_sizes`` (one entry may
    be -1, inferred)."""
    aval = get_aval(x)
    new_sizes = tuple(int(d) for d in new_sizes)
    if -1 in new_sizes:
        if new_sizes.count(-1) > 1:
            raise ValueError(f"reshape: at most one -1 is allowed in the new shape {new_sizes}")
        known = 1
        for d in new_sizes:
            if d != -1:
                known *= d
        if known == 0 or aval.size % known:
            raise ValueError(f"cannot reshape an array of shape {aval.shape} into shape "
                             f"{new_sizes}")
        new_sizes = tuple(aval.size // known if d == -1 else d for d in new_sizes)
    if aval.shape == new_sizes:
        return x
    return reshape_p.bind(x, new_sizes=new_sizes)


deflinear(reshape_p, transpose=lambda ct, x, new_sizes: [reshape(ct, x.aval.shape)])


def _reshape_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
                   new_sizes: tuple[int, ...]) -> tuple[Any, int]:
    (x,), (bdim,) = args, bdims
    x = _move_axis_to_front(x, bdim)
    size = get_aval(x).shape[0]
    return reshape_p.bind(x, new_sizes=(size,) + new_sizes), 0


batching_rules[reshape_p] = _reshape_batch
forwarding_rules[reshape_p] = forward_same_type
views.add(reshape_p)
rearrangements.add(reshape_p)
reshapes.add(reshape_p)


def _reshape_lowering(eqn: JaxprEqn) -> Any:
    new_sizes, asarray = eqn.params["new_sizes"], np.asarray

    def reshape_to(x: Any) -> Any:
        return asarray(x).reshape(new_sizes)
    return reshape_to


lowerings[reshape_p] = _reshape_lowering


# ---------------------------------------------------------------------------------------------
# transpose
# ---------------------------------------------------------------------------------------------


def _transpose_abstract_eval(x: ShapedArray, permutation: tuple[int, ...]) -> ShapedArray:
    if sorted(permutation) != list(range(x.ndim)):
        raise ValueError(f"transpose: permutation {permutation} is not a permutation of the "
                         f"axes of {x.str_short()}")
    return make_aval(tuple(x.shape[d] for d in permutation), x.dtype)


transpose_p = Primitive("transpose", impl=lambda x, permutation: np.transpose(x, permutation),
                        abstract_eval=_transpose_abstract_eval)


def transpose(x: Any, permutation: Sequence[int]) -> Any:
    """Permute the axes of ``x``: output axis i is input axis ``permutation[i]``."""
    permutation = tuple(int(d) for d in permutation)
    if permutation == tuple(range(len(permutation))):
        return x
    return transpose_p.bind(x, permutation=permutation)


deflinear(transpose_p, transpose=lambda ct, x, permutation: [
    transpose(ct, tuple(np.argsort(permutation).tolist()))])


def _transpose_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
                     permutation: tuple[int, ...]) -> tuple[Any, int]:
    (x,), (bdim,) = args, bdims
    logical = [d + (d >= bdim) for d in permutation]
    return transpose_p.bind(x, permutation=(bdim,) + tuple(logical)), 0


batching_rules[transpose_p] = _transpose_batch
views.add(transpose_p)
rearrangements.add(transpose_p)


def _transpose_lowering(eqn: JaxprEqn) -> Any:
    permutation, asarray = eqn.params["permutation"], np.asarray

    def permute(x: Any) -> Any:
        return asarray(x).transpose(permutation)
    return permute


lowerings[transpose_p] = _transpose_lowering


def _transpose_cancellation(eqn: JaxprEqn, inner: JaxprEqn) -> Any:
    """transpose(transpose(x)) with inverse permutations is x."""
    outer_perm, inner_perm = eqn.params["permutation"], inner.params["permutation"]
    if tuple(inner_perm[p] for p in outer_perm) == tuple(range(len(outer_perm))):
        return inner.inputs[0]
    return None


cancellation_rules[transpose_p] = _transpose_cancellation


# ---------------------------------------------------------------------------------------------
# squeeze and expand_dims
# ---------------------------------------------------------------------------------------------


def _squeeze_abstract_eval(x: ShapedArray, dimensions: tuple[int, ...]) -> ShapedArray:
    check_sorted_dims("squeeze", x, dimensions)
    wrong = [d for d in dimensions if x.shape[d] != 1]
    if wrong:
        raise ValueError(f"squeeze: cannot remove axes {tuple(wrong)} of {x.str_short()}: "
                         f"only axes of size 1 can be squeezed")
    return make_aval(tuple(s for d, s in enumerate(x.shape) if d not in dimensions), x.dtype)


squeeze_p = Primitive("squeeze", impl=lambda x, dimensions: np.squeeze(x, dimensions),
                      abstract_eval=_squeeze_abstract_eval)


def squeeze(x: Any, dimensions: Sequence[int]) -> Any:
    """Remove the axes ``dimensions`` (each of size 1) from ``x``.

    Args:
      x: an array.
      dimensions: the axes to remove; negative values count from the end.

    Returns:
      ``x`` without those axes.

    Raises:
      ValueError: an axis is out of bounds, repeated, or not of size 1.

    >>> import numpy as np
    >>> squeeze(np.zeros((1, 3, 1)), (0, -1)).shape
    (3,)
    """
    aval = get_aval(x)
    dimensions = canonicalize_dims("squeeze", dimensions, aval.ndim)
    if not dimensions:
        return x
    return bind_checked(squeeze_p, x, dimensions=dimensions)


deflinear(squeeze_p, transpose=lambda ct, x, dimensions: [reshape(ct, x.aval.shape)])


def _squeeze_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
                   dimensions: tuple[int, ...]) -> tuple[Any, int]:
    (x,), (bdim,) = args, bdims
    out_bdim = bdim - sum(1 for d in dimensions if d < bdim)
    return squeeze_p.bind(x, dimensions=shift_dims_past_batch(dimensions, bdim)), out_bdim


batching_rules[squeeze_p] = _squeeze_batch
views.add(squeeze_p)
rearrangements.add(squeeze_p)
reshapes.add(squeeze_p)


def expand_dims(x: Any, dimensions: int | Sequence[int]) -> Any:
    """Insert axes of size 1 into ``x`` at positions ``dimensions`` of the result.

    A ``reshape``, so it needs no rules of its own.

    Args:
      x: an array.
      dimensions: positions of the new axes in the result (negative values count from the
        end of the result).

    Returns:
      ``x`` with ``len(dimensions)`` more axes.

    Raises:
      ValueError: a position is out of bounds for the result, or repeated.

    >>> import numpy as np
    >>> expand_dims(np.zeros((2, 3)), (0, -1)).shape
    (1, 2, 3, 1)
    """
    aval = get_aval(x)
    if isinstance(dimensions, (int, np.integer)):
        dimensions = (dimensions,)
    out_ndim = aval.ndim + len(dimensions)
    dims = canonicalize_dims("expand_dims", dimensions, out_ndim)
    shape = list(aval.shape)
    for d in dims:
        shape.insert(d, 1)
    return reshape(x, tuple(shape))


# ---------------------------------------------------------------------------------------------
# concatenate
# ---------------------------------------------------------------------------------------------


def _concatenate_abstract_eval(*operands: ShapedArray, dimension: int) -> ShapedArray:
    if not operands:
        raise ValueError("concatenate: needs at least one operand")
    first = operands[0]
    if first.ndim == 0:
        raise ValueError("concatenate: cannot concatenate scalars (rank-0 operands)")
    if not 0 <= dimension < first.ndim:
        raise ValueError(f"concatenate: dimension {dimension} is out of bounds for operands of "
                         f"rank {first.ndim}")
    for op in operands[1:]:
        if op.dtype != first.dtype:
            raise TypeError(f"concatenate: operands must have one dtype, got "
                            f"{', '.join(o.str_short() for o in operands)}")
        if op.ndim != first.ndim or any(a != b for d, (a, b) in
                                        enumerate(zip(op.shape, first.shape)) if d != dimension):
            raise ValueError(f"concatenate: operands must have equal shapes except along "
                             f"dimension {dimension}, got "
                             f"{', '.join(o.str_short() for o in operands)}")
    size = sum(op.shape[dimension] for op in operands)
    shape = first.shape[:dimension] + (size,) + first.shape[dimension + 1:]
    return make_aval(shape, first.dtype)


concatenate_p = Primitive(
    "concatenate", impl=lambda *operands, dimension: np.concatenate(operands, dimension),
    abstract_eval=_concatenate_abstract_eval)


def concatenate(operands: Sequence[Any], dimension: int) -> Any:
    """Join ``operands`` along the existing axis ``dimension``.

    Args:
      operands: arrays of one dtype and rank, with equal sizes on every other axis.
      dimension: the axis to join along (negative counts from the end).

    Returns:
      The joined array.

    Raises:
      ValueError: no operands, scalar operands, a bad ``dimension`` or mismatched shapes.
      TypeError: the operands have different dtypes.

    >>> import numpy as np
    >>> concatenate([np.zeros((2, 1)), np.ones((2, 3))], 1).shape
    (2, 4)
    """
    operands = list(operands)
    if not operands:
        raise ValueError("concatenate: needs at least one operand")
    ndim = get_aval(operands[0]).ndim
    if isinstance(dimension, bool) or not isinstance(dimension, (int, np.integer)):
        raise TypeError(f"concatenate: dimension must be an int, got {dimension!r}")
    if ndim and -ndim <= dimension < 0:
        dimension += ndim
    if len(operands) == 1:
        _concatenate_abstract_eval(get_aval(operands[0]), dimension=int(dimension))
        return operands[0]
    return bind_checked(concatenate_p, *operands, dimension=int(dimension))




def _concatenate_transpose(ct: Any, *operands: Any, dimension: int) -> list[Any]:
    from ftrans.lax.indexing import slice_in_dim  # cycle: lax.indexing imports lax.structural
    cts: list[Any] = []
    start = 0
    for op in operands:
        size = (op.aval if is_undefined(op) else get_aval(op)).shape[dimension]
        cts.append(slice_in_dim(ct, start, start + size, axis=dimension)
                   if is_undefined(op) else None)
        start += size
    return cts


deflinear(concatenate_p, transpose=_concatenate_transpose)


def _concatenate_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
                       dimension: int) -> tuple[Any, int]:
    size = next(get_aval(x).shape[d] for x, d in zip(args, bdims) if d is not not_mapped)
    moved = [move_batch_axis(x, d, 0, size) for x, d in zip(args, bdims)]
    return concatenate_p.bind(*moved, dimension=dimension + 1), 0


batching_rules[concatenate_p] = _concatenate_batch


# ---------------------------------------------------------------------------------------------
# pad
# ---------------------------------------------------------------------------------------------


def _padded_size(size: int, lo: int, hi: int, interior: int) -> int:
    return lo + hi + size + max(size - 1, 0) * interior


def _pad_abstract_eval(x: ShapedArray, padding_value: ShapedArray,
                       padding_config: tuple[tuple[int, int, int], ...]) -> ShapedArray:
    if padding_value.ndim != 0:
        raise ValueError(f"pad: padding_value must be a scalar, got {padding_value.str_short()}")
    if padding_value.dtype != x.dtype:
        raise TypeError(f"pad: padding_value {padding_value.str_short()} must have the dtype "
                        f"of the operand {x.str_short()}")
    if len(padding_config) != x.ndim:
        raise ValueError(f"pad: padding_config has {len(padding_config)} entries but the "
                         f"operand {x.str_short()} has {x.ndim} axes; give one (lo, hi, "
                         f"interior) triple per axis")
    shape = []
    for axis, ((lo, hi, interior), size) in enumerate(zip(padding_config, x.shape)):
        if interior < 0:
            raise ValueError(f"pad: interior padding must be >= 0, got {interior} for axis "
                             f"{axis}")
        out = _padded_size(size, lo, hi, interior)
        if out < 0:
            raise ValueError(f"pad: padding {(lo, hi, interior)} of axis {axis} (size {size}) "
                             f"crops more than the padded axis holds (size {out})")
        shape.append(out)
    return make_aval(tuple(shape), x.dtype)


def pad_impl(x: Any, padding_value: Any,
             padding_config: Sequence[tuple[int, int, int]]) -> np.ndarray:
    x = np.asarray(x)
    # Pad by the positive edges and the interior, then crop the negative edges.
    full = tuple(_padded_size(size, max(lo, 0), max(hi, 0), interior)
                 for (lo, hi, interior), size in zip(padding_config, x.shape))
    out = np.full(full, padding_value, dtype=x.dtype)
    inside = tuple(slice(max(lo, 0), max(lo, 0) + _padded_size(size, 0, 0, interior),
                         interior + 1)
                   for (lo, _, interior), size in zip(padding_config, x.shape))
    out[inside] = x
    crop = tuple(slice(max(-lo, 0), n - max(-hi, 0))
                 for (lo, hi, _), n in zip(padding_config, full))
    return out[crop]


pad_p = Primitive("pad", impl=pad_impl, abstract_eval=_pad_abstract_eval)


def _pad_as_embedding(eqn: JaxprEqn) -> tuple[tuple[int, int, int], ...] | None:
    """A padding by a literal +0 that crops nothing: zeros with the operand at a basic index."""
    value = eqn.inputs[1]
    if type(value) is not Literal or np.ndim(value.val) != 0:
        return None
    v = np.asarray(value.val)
    if v.dtype.kind not in "biufc" or v != 0 or np.signbit(np.real(v)):
        return None
    triples = []
    for (lo, hi, interior), size in zip(eqn.params["padding_config"],
                                        eqn.inputs[0].aval.shape):
        if lo < 0 or hi < 0:
            return None
        triples.append((lo, lo + _padded_size(size, 0, 0, interior), interior + 1))
    return tuple(triples)


zero_embeddings[pad_p] = _pad_as_embedding


def pad(x: Any, padding_value: Any, padding_config: Sequence[tuple[int, int, int]]) -> Any:
    """Pad ``x`` with ``padding_value``: per axis, ``lo`` elements before, ``hi`` after and
    ``interior`` between neighbouring elements. Negative ``lo`` / ``hi`` crop instead.

    Args:
      x: an array.
      padding_value: a scalar of ``x``'s dtype (a Python scalar takes that dtype).
      padding_config: one ``(lo, hi, interior)`` triple of ints per axis of ``x``.

    Returns:
      The padded array; axis ``i`` has size ``lo + hi + n + max(n - 1, 0) * interior``.

    Raises:
      ValueError: wrong number of triples, negative interior, a non-scalar padding value, or
        cropping more than the axis holds.
      TypeError: ``padding_value`` has another dtype than ``x``.

    >>> import numpy as np
    >>> pad(np.array([1., 2., 3.]), 0., [(1, -1, 1)])
    array([0., 1., 0., 2., 0.])
    """
    aval = get_aval(x)
    if type(padding_value) in (bool, int, float, complex):
        padding_value = scalar_like(padding_value, aval.dtype)
    try:
        config = tuple((int(lo), int(hi), int(interior)) for lo, hi, interior in padding_config)
    except (TypeError, ValueError):
        raise TypeError(f"pad: padding_config must be a sequence of (lo, hi, interior) int "
                        f"triples, got {padding_config!r}") from None
    return bind_checked(pad_p, x, padding_value, padding_config=config)




def _pad_transpose(ct: Any, x: Any, padding_value: Any,
                   padding_config: tuple[tuple[int, int, int], ...]) -> list[Any]:
    from ftrans.lax.elementwise import sub  # cycle: lax.elementwise imports lax.structural
    from ftrans.lax.indexing import slice as slice_op  # cycle: lax.indexing imports lax.structural
    from ftrans.lax.reductions import reduce_sum  # cycle: lax.reductions imports lax.structural
    ct_aval = get_aval(ct)
    # Undo the edges (a pad by the negated edges crops the padding and restores cropped
    # elements as zeros), then drop the interior padding with a strided slice.
    unpadded = pad(ct, scalar_like(0, ct_aval.dtype),
                   [(-lo, -hi, 0) for lo, hi, _ in padding_config])
    shape = get_aval(unpadded).shape
    ct_x = slice_op(unpadded, (0,) * len(shape), shape,
                    tuple(interior + 1 for _, _, interior in padding_config))
    ct_value = None
    if is_undefined(padding_value):
        # Every output position holds either an element of x or the padding value.
        everything = tuple(range(ct_aval.ndim))
        ct_value = sub(reduce_sum(ct, everything), reduce_sum(ct_x, everything))
    return [ct_x if is_undefined(x) else None, ct_value]


deflinear(pad_p, transpose=_pad_transpose)


def _pad_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
               padding_config: tuple[tuple[int, int, int], ...]) -> tuple[Any, int]:
    from ftrans.lax.elementwise import select_n  # cycle: lax.elementwise imports lax.structural
    (x, padding_value), (x_bdim, value_bdim) = args, bdims
    if value_bdim is not_mapped:
        config = padding_config[:x_bdim] + ((0, 0, 0),) + padding_config[x_bdim:]
        return pad_p.bind(x, padding_value, padding_config=config), x_bdim
    # A padding value per member: pad with zeros, then select the values where the padding is.
    size = get_aval(padding_value).shape[0]
    x = move_batch_axis(x, x_bdim, 0, size)
    aval = get_aval(x)
    config = ((0, 0, 0),) + padding_config
    is_x = pad(np.ones(aval.shape, bool), False, config)
    padded = pad_p.bind(x, scalar_like(0, aval.dtype), padding_config=config)
    values = broadcast_in_dim(padding_value, get_aval(padded).shape, (0,))
    return select_n(is_x, values, padded), 0


batching_rules[pad_p] = _pad_batch


# ---------------------------------------------------------------------------------------------
# rev
# ---------------------------------------------------------------------------------------------


def _rev_abstract_eval(x: ShapedArray, dimensions: tuple[int, ...]) -> ShapedArray:
    check_sorted_dims("rev", x, dimensions)
    return x


rev_p = Primitive("rev", impl=lambda x, dimensions: np.flip(x, dimensions),
                  abstract_eval=_rev_abstract_eval)


def rev(x: Any, dimensions: Sequence[int]) -> Any:
    """Reverse the order of the elements of ``x`` along each axis in ``dimensions``.

    Raises:
      ValueError: an axis is out of bounds or repeated.

    >>> import numpy as np
    >>> rev(np.array([[1, 2], [3, 4]]), (1,))
    array([[2, 1],
           [4, 3]])
    """
    dimensions = canonicalize_dims("rev", dimensions, get_aval(x).ndim)
    if not dimensions:
        return x
    return rev_p.bind(x, dimensions=dimensions)


deflinear(rev_p, transpose=lambda ct, x, dimensions: [rev(ct, dimensions)])


def _rev_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
               dimensions: tuple[int, ...]) -> tuple[Any, int]:
    (x,), (bdim,) = args, bdims
    return rev_p.bind(x, dimensions=shift_dims_past_batch(dimensions, bdim)), bdim


batching_rules[rev_p] = _rev_batch
views.add(rev_p)
rearrangements.add(rev_p)


# ---------------------------------------------------------------------------------------------
# iota
# ---------------------------------------------------------------------------------------------


def _iota_abstract_eval(*, dtype: np.dtype, shape: tuple[int, ...],
                        dimension: int) -> ShapedArray:
    if np.dtype(dtype).kind not in "iufc":
        raise TypeError(f"iota: dtype must be numeric, got {np.dtype(dtype).name}")
    if any(d < 0 for d in shape):
        raise ValueError(f"iota: shape {shape} has a negative size")
    if not 0 <= dimension < len(shape):
        raise ValueError(f"iota: dimension {dimension} is out of bounds for shape {shape}")
    return make_aval(shape, dtype)


def _iota_impl(*, dtype: np.dtype, shape: tuple[int, ...], dimension: int) -> np.ndarray:
    counts = np.arange(shape[dimension], dtype=dtype)
    expanded = [1] * len(shape)
    expanded[dimension] = shape[dimension]
    return np.array(np.broadcast_to(counts.reshape(expanded), shape))  # a fresh, writable array


# No array operands, so bind always takes the fast path to the evaluating trace (or is recorded
# by staging): jvp and vmap never see it. Its jvp rule is there for completeness; there is
# nothing to transpose and nothing to batch.
iota_p = Primitive("iota", impl=_iota_impl, abstract_eval=_iota_abstract_eval)


def broadcasted_iota(dtype: Any, shape: Sequence[int], dimension: int) -> Any:
    """An array of ``shape`` whose elements count 0, 1, ... along axis ``dimension``.

    Raises:
      ValueError: a negative size, or ``dimension`` out of bounds.
      TypeError: a non-numeric ``dtype``.

    >>> import numpy as np
    >>> broadcasted_iota(np.int32, (2, 3), 1)
    array([[0, 1, 2],
           [0, 1, 2]], dtype=int32)
    """
    shape = tuple(int(d) for d in shape)
    dimension = int(dimension)
    if len(shape) and -len(shape) <= dimension < 0:
        dimension += len(shape)
    return bind_checked(iota_p, dtype=np.dtype(dtype), shape=shape, dimension=dimension)


def iota(dtype: Any, size: int) -> Any:
    """``[0, 1, ..., size - 1]`` as a 1-d array of ``dtype``.

    >>> import numpy as np
    >>> iota(np.float64, 3)
    array([0., 1., 2.])
    """
    return broadcasted_iota(dtype, (int(size),), 0)


defjvp_zero(iota_p)


__all__ = [
    "broadcast_in_dim_p", "broadcast_in_dim", "broadcast_to", "reshape_p", "reshape",
    "transpose_p", "transpose", "not_mapped", "squeeze_p", "squeeze", "expand_dims",
    "concatenate_p", "concatenate", "pad_p", "pad", "rev_p", "rev", "iota_p", "iota",
    "broadcasted_iota",
]
