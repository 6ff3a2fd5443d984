"""Linear algebra primitives: dot_general, the contraction every matrix product is made of.

``dot_general(lhs, rhs, ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch)))`` multiplies
the operands, sums over the paired contracting dimensions and runs independently over the paired
batch dimensions. The result's axes are: batch dimensions (in the order given), then lhs's free
dimensions, then rhs's free dimensions (each in increasing order): JAX's layout. ``dot`` and
``batch_matmul`` are wrappers. It is bilinear, so its jvp and transposes are dot_generals again.
See docs/internals.md, "Primitives".
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

import numpy as np

from ftrans import blas_threads
from ftrans.compile.tables import fresh_results, lowerings
from ftrans.core import Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.batching import batching_rules, not_mapped
from ftrans.interpreters.jvp import defbilinear
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules
from ftrans.ir import JaxprEqn
from ftrans.lax.elementwise import coerce_scalars, convert_element_type
from ftrans.lax.structural import transpose

__all__ = [
    "DimensionNumbers", "batch_matmul", "batching_rules", "dot", "dot_general", "dot_general_p",
    "transpose_rules",
]

DimensionNumbers = tuple[tuple[tuple[int, ...], tuple[int, ...]],
                         tuple[tuple[int, ...], tuple[int, ...]]]

_PYTHON_SCALARS = (bool, int, float, complex)


def _free_dims(ndim: int, contract: Sequence[int], batch: Sequence[int]) -> tuple[int, ...]:
    """The dimensions of an operand that are neither contracted nor batch, in order."""
    return tuple(d for d in range(ndim) if d not in contract and d not in batch)


def _size(shape: Sequence[int]) -> int:
    size = 1
    for d in shape:
        size *= d
    return size


# ---------------------------------------------------------------------------------------------
# dot_general
# ---------------------------------------------------------------------------------------------


def _dot_general_impl(lhs: Any, rhs: Any, dimension_numbers: DimensionNumbers,
                      preferred_element_type: np.dtype | None) -> Any:
    lhs, rhs = np.asarray(lhs), np.asarray(rhs)
    both = lhs.size * rhs.size
    if both > blas_threads.SWITCH:  # a small product runs on one BLAS thread (blas_threads)
        (lhs_contract, _), (lhs_batch, _) = dimension_numbers
        macs = both // max(_size([lhs.shape[d] for d in lhs_contract + lhs_batch]), 1)
        if macs > blas_threads.SWITCH:
            return blas_threads.run_small(macs, _dot_general, lhs, rhs, dimension_numbers,
                                          preferred_element_type)
    return _dot_general(lhs, rhs, dimension_numbers, preferred_element_type)


def _dot_general(lhs: np.ndarray, rhs: np.ndarray, dimension_numbers: DimensionNumbers,
                 preferred_element_type: np.dtype | None) -> Any:
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    out_dtype = lhs.dtype if preferred_element_type is None else preferred_element_type
    if out_dtype != lhs.dtype:  # accumulate in the wider of the two types
        compute_dtype = np.promote_types(lhs.dtype, out_dtype)
        lhs, rhs = lhs.astype(compute_dtype), rhs.astype(compute_dtype)
    if not lhs_batch and lhs.ndim == 2 and rhs.ndim == 2 and len(lhs_contract) == 1:
        # matrix products, transposed operands included: BLAS reads a transposed view as is,
        # where reshaping it (the general path) would copy it
        lhs_m = lhs if lhs_contract == (1,) else lhs.T
        rhs_m = rhs if rhs_contract == (0,) else rhs.T
        return np.matmul(lhs_m, rhs_m).astype(out_dtype, copy=False)
    if not lhs_batch and len(lhs_contract) == 1 and (lhs.ndim == 1 or rhs.ndim == 1) \
            and lhs.ndim <= 2 and rhs.ndim <= 2:
        # a vector operand: matmul takes it as it is (the products and sums of the reshaped
        # general path, as BLAS computes them), without four reshapes and two transposes
        lhs_m = lhs if lhs.ndim == 1 or lhs_contract == (1,) else lhs.T
        rhs_m = rhs if rhs.ndim == 1 or rhs_contract == (0,) else rhs.T
        return np.asarray(np.matmul(lhs_m, rhs_m)).astype(out_dtype, copy=False)[()]
    # Every contraction is one (batched) matrix product: lay lhs out as (batch, free, contract)
    # and rhs as (batch, contract, free), flatten each group, and let BLAS do the work.
    lhs_free = _free_dims(lhs.ndim, lhs_contract, lhs_batch)
    rhs_free = _free_dims(rhs.ndim, rhs_contract, rhs_batch)
    batch_shape = tuple(lhs.shape[d] for d in lhs_batch)
    lhs_free_shape = tuple(lhs.shape[d] for d in lhs_free)
    rhs_free_shape = tuple(rhs.shape[d] for d in rhs_free)
    contract_size = _size([lhs.shape[d] for d in lhs_contract])
    if contract_size == 1 and lhs_batch and lhs.ndim + rhs.ndim <= _EINSUM_LETTERS:
        # an outer product per batch member (per-example gradients): einsum's product loop,
        # about 1.6x faster than a broadcast multiply (and several times a matrix product
        # with an inner dimension of 1); one product per element, so the same values
        return np.einsum(_outer_subscripts(lhs.ndim, rhs.ndim, dimension_numbers), lhs,
                         rhs).astype(out_dtype, copy=False)[()]
    lead = (_size(batch_shape),) if lhs_batch else ()
    lhs_matrix = np.transpose(lhs, lhs_batch + lhs_free + lhs_contract).reshape(
        lead + (_size(lhs_free_shape), contract_size))
    rhs_matrix = np.transpose(rhs, rhs_batch + rhs_contract + rhs_free).reshape(
        lead + (contract_size, _size(rhs_free_shape)))
    out = np.matmul(lhs_matrix, rhs_matrix).reshape(batch_shape + lhs_free_shape
                                                    + rhs_free_shape)
    return out.astype(out_dtype, copy=False)[()]


# einsum names a dimension by a letter: beyond 52 the product is a batched matrix product
_EINSUM_LETTERS = 52


def _outer_subscripts(lhs_ndim: int, rhs_ndim: int, dimension_numbers: DimensionNumbers
                      ) -> str:
    """einsum's subscripts for a dot_general whose contracted dimensions have size 1: batch
    dimensions shared, contracted ones summed (one term), the output batch, lhs free, rhs
    free."""
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    lhs_sub: list[str] = [""] * lhs_ndim
    rhs_sub: list[str] = [""] * rhs_ndim
    for pairs in (zip(lhs_batch, rhs_batch), zip(lhs_contract, rhs_contract)):
        for a, b in pairs:
            lhs_sub[a] = rhs_sub[b] = next(letters)
    lhs_free = [d for d in range(lhs_ndim) if not lhs_sub[d]]
    rhs_free = [d for d in range(rhs_ndim) if not rhs_sub[d]]
    for d in lhs_free:
        lhs_sub[d] = next(letters)
    for d in rhs_free:
        rhs_sub[d] = next(letters)
    out = ([lhs_sub[d] for d in lhs_batch] + [lhs_sub[d] for d in lhs_free]
           + [rhs_sub[d] for d in rhs_free])
    return f"{''.join(lhs_sub)},{''.join(rhs_sub)}->{''.join(out)}"


def _check_dims(name: str, dims: tuple[int, ...], aval: ShapedArray, side: str) -> None:
    for d in dims:
        if not 0 <= d < aval.ndim:
            raise ValueError(f"dot_general: {side} {name} dimension {d} is out of range for "
                             f"{side} {aval.str_short()} (rank {aval.ndim})")
    if len(set(dims)) != len(dims):
        raise ValueError(f"dot_general: repeated {side} {name} dimension in {dims}")


@functools.lru_cache(maxsize=1024)  # checked on every eager call: remember the answers
def _dot_general_abstract_eval(lhs: ShapedArray, rhs: ShapedArray,
                               dimension_numbers: DimensionNumbers,
                               preferred_element_type: np.dtype | None) -> ShapedArray:
    if lhs.dtype != rhs.dtype:
        raise TypeError(f"dot_general needs operands of one dtype, got {lhs.str_short()} and "
                        f"{rhs.str_short()}; convert one with convert_element_type (or use "
                        f"the ftrans.numpy function, which promotes)")
    if lhs.dtype.kind not in "biufc":
        raise TypeError(f"dot_general needs numeric operands, got {lhs.str_short()}")
    if preferred_element_type is not None and not np.can_cast(lhs.dtype, preferred_element_type,
                                                              "same_kind"):
        raise TypeError(f"dot_general: preferred_element_type {preferred_element_type} cannot "
                        f"hold results of {lhs.dtype} operands")
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    for name, lhs_dims, rhs_dims in (("contracting", lhs_contract, rhs_contract),
                                     ("batch", lhs_batch, rhs_batch)):
        if len(lhs_dims) != len(rhs_dims):
            raise ValueError(f"dot_general: lhs and rhs need as many {name} dimensions, got "
                             f"{lhs_dims} and {rhs_dims}")
        _check_dims(name, lhs_dims, lhs, "lhs")
        _check_dims(name, rhs_dims, rhs, "rhs")
        for l_dim, r_dim in zip(lhs_dims, rhs_dims):
            if lhs.shape[l_dim] != rhs.shape[r_dim]:
                raise ValueError(f"dot_general: {name} dimensions differ in size: lhs dimension "
                                 f"{l_dim} of {lhs.str_short()} has size {lhs.shape[l_dim]} "
                                 f"but rhs dimension {r_dim} of {rhs.str_short()} has size "
                                 f"{rhs.shape[r_dim]}")
    for side, contract, batch in (("lhs", lhs_contract, lhs_batch),
                                  ("rhs", rhs_contract, rhs_batch)):
        both = set(contract) & set(batch)
        if both:
            raise ValueError(f"dot_general: {side} dimensions {tuple(sorted(both))} are both "
                             f"contracting and batch dimensions")
    shape = (tuple(lhs.shape[d] for d in lhs_batch)
             + tuple(lhs.shape[d] for d in _free_dims(lhs.ndim, lhs_contract, lhs_batch))
             + tuple(rhs.shape[d] for d in _free_dims(rhs.ndim, rhs_contract, rhs_batch)))
    return make_aval(shape, lhs.dtype if preferred_element_type is None
                     else preferred_element_type)


dot_general_p = Primitive("dot_general", impl=_dot_general_impl,
                          abstract_eval=_dot_general_abstract_eval)
fresh_results.add(dot_general_p)  # a product never shares memory with its operands


def _dot_general_lowering(eqn: JaxprEqn) -> Any:
    """``_dot_general_impl`` for these operand types, its layout decided once: the same NumPy
    operations (so the same results), without working them out on every call."""
    lhs_aval, rhs_aval = eqn.inputs[0].aval, eqn.inputs[1].aval
    dimension_numbers = eqn.params["dimension_numbers"]
    preferred = eqn.params["preferred_element_type"]
    if preferred is not None and np.dtype(preferred) != lhs_aval.dtype:
        return None
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    asarray, matmul = np.asarray, np.matmul
    if not lhs_batch and lhs_aval.ndim == 2 and rhs_aval.ndim == 2 and len(lhs_contract) == 1:
        if lhs_contract == (1,) and rhs_contract == (0,):
            def product(lhs: Any, rhs: Any) -> Any:
                return matmul(lhs, rhs)
        elif lhs_contract == (1,):
            def product(lhs: Any, rhs: Any) -> Any:
                return matmul(lhs, asarray(rhs).T)
        elif rhs_contract == (0,):
            def product(lhs: Any, rhs: Any) -> Any:
                return matmul(asarray(lhs).T, rhs)
        else:
            def product(lhs: Any, rhs: Any) -> Any:
                return matmul(asarray(lhs).T, asarray(rhs).T)
    elif not lhs_batch and len(lhs_contract) == 1 and 1 in (lhs_aval.ndim, rhs_aval.ndim) \
            and lhs_aval.ndim <= 2 and rhs_aval.ndim <= 2:
        lhs_t = lhs_aval.ndim == 2 and lhs_contract == (0,)  # as _dot_general: a vector as is
        rhs_t = rhs_aval.ndim == 2 and rhs_contract == (1,)
        vector_product = not (lhs_aval.ndim == rhs_aval.ndim == 1)

        def product(lhs: Any, rhs: Any) -> Any:
            out = matmul(asarray(lhs).T if lhs_t else lhs, asarray(rhs).T if rhs_t else rhs)
            return out if vector_product else out[()]
    else:
        lhs_shape, rhs_shape = lhs_aval.shape, rhs_aval.shape
        lhs_free = _free_dims(lhs_aval.ndim, lhs_contract, lhs_batch)
        rhs_free = _free_dims(rhs_aval.ndim, rhs_contract, rhs_batch)
        batch_shape = tuple(lhs_shape[d] for d in lhs_batch)
        lhs_free_shape = tuple(lhs_shape[d] for d in lhs_free)
        rhs_free_shape = tuple(rhs_shape[d] for d in rhs_free)
        contract_size = _size([lhs_shape[d] for d in lhs_contract])
        if contract_size == 1 and lhs_batch and lhs_aval.ndim + rhs_aval.ndim <= _EINSUM_LETTERS:
            subscripts = _outer_subscripts(lhs_aval.ndim, rhs_aval.ndim, dimension_numbers)
            einsum = np.einsum

            def product(lhs: Any, rhs: Any) -> Any:
                return einsum(subscripts, lhs, rhs)
        else:
            lead = (_size(batch_shape),) if lhs_batch else ()
            lhs_perm = lhs_batch + lhs_free + lhs_contract
            rhs_perm = rhs_batch + rhs_contract + rhs_free
            lhs_to = lead + (_size(lhs_free_shape), contract_size)
            rhs_to = lead + (contract_size, _size(rhs_free_shape))
            out_shape = batch_shape + lhs_free_shape + rhs_free_shape
            scalar = not out_shape

            def product(lhs: Any, rhs: Any) -> Any:
                out = matmul(asarray(lhs).transpose(lhs_perm).reshape(lhs_to),
                             asarray(rhs).transpose(rhs_perm).reshape(rhs_to)).reshape(out_shape)
                return out[()] if scalar else out
    both = lhs_aval.size * rhs_aval.size
    if both > blas_threads.SWITCH:  # as _dot_general_impl: small products on one BLAS thread
        macs = both // max(_size([lhs_aval.shape[d] for d in lhs_contract + lhs_batch]), 1)
        if macs > blas_threads.SWITCH:
            run_small = blas_threads.run_small

            def on_one_thread(lhs: Any, rhs: Any) -> Any:
                return run_small(macs, product, lhs, rhs)
            return on_one_thread
    return product


lowerings[dot_general_p] = _dot_general_lowering


def _canonicalize_dimension_numbers(dimension_numbers: Any) -> DimensionNumbers:
    try:
        (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
        groups = [tuple(int(d) for d in dims)
                  for dims in (lhs_contract, rhs_contract, lhs_batch, rhs_batch)]
    except (TypeError, ValueError):
        raise TypeError(f"dot_general: dimension_numbers must be ((lhs_contracting, "
                        f"rhs_contracting), (lhs_batch, rhs_batch)), each a sequence of ints; "
                        f"got {dimension_numbers!r}") from None
    return (groups[0], groups[1]), (groups[2], groups[3])


def dot_general(lhs: Any, rhs: Any, dimension_numbers: Any,
                preferred_element_type: Any = None) -> Any:
    """General tensor contraction.

    Args:
      lhs, rhs: arrays of one dtype (Python scalars take the other's dtype).
      dimension_numbers: ``((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch))``:
        paired dimensions to sum over, and paired dimensions to run over independently.
      preferred_element_type: the result's dtype (the accumulation is done in the wider of it
        and the operands' dtype); by default the operands' dtype.

    Returns:
      The batch dimensions, then lhs's free dimensions, then rhs's free dimensions.

    Raises:
      TypeError: operands of different dtypes, or malformed ``dimension_numbers``.
      ValueError: dimensions out of range, repeated, or paired with different sizes.

    >>> import numpy as np
    >>> x, y = np.ones((2, 3, 4)), np.ones((2, 4, 5))
    >>> dot_general(x, y, (((2,), (1,)), ((0,), (0,)))).shape  # batched matrix product
    (2, 3, 5)
    """
    dimension_numbers = _canonicalize_dimension_numbers(dimension_numbers)
    if type(lhs) in _PYTHON_SCALARS or type(rhs) in _PYTHON_SCALARS:
        lhs, rhs = coerce_scalars(lhs, rhs)
    params = dict(dimension_numbers=dimension_numbers,
                  preferred_element_type=None if preferred_element_type is None
                  else np.dtype(preferred_element_type))
    # Check here: eager evaluation runs the impl directly, which would not name the mistake.
    _dot_general_abstract_eval(get_aval(lhs), get_aval(rhs), **params)
    return dot_general_p.bind(lhs, rhs, **params)


def dot(lhs: Any, rhs: Any, preferred_element_type: Any = None) -> Any:
    """Vector/matrix product of operands of rank 1 or 2 (lax.dot): contracts the last axis of
    ``lhs`` with the first axis of ``rhs``: vector·vector is a scalar, matrix·vector a vector,
    matrix·matrix a matrix.

    Raises:
      TypeError: an operand of another rank (use dot_general), or of another dtype.

    >>> import numpy as np
    >>> float(dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    11.0
    """
    lhs_ndim, rhs_ndim = get_aval(lhs).ndim, get_aval(rhs).ndim
    if lhs_ndim not in (1, 2) or rhs_ndim not in (1, 2):
        raise TypeError(f"dot needs operands of rank 1 or 2, got ranks {lhs_ndim} and "
                        f"{rhs_ndim}; use dot_general (or batch_matmul) for other ranks")
    return dot_general(lhs, rhs, (((lhs_ndim - 1,), (0,)), ((), ())), preferred_element_type)


def batch_matmul(lhs: Any, rhs: Any, preferred_element_type: Any = None) -> Any:
    """Matrix products over leading batch axes: ``lhs`` is ``(..., m, k)``, ``rhs`` is
    ``(..., k, n)`` with the same leading axes (no broadcasting); the result is
    ``(..., m, n)``.

    Raises:
      TypeError: operands of rank below 2, or of different ranks or dtypes.
      ValueError: batch or contracting sizes that differ.

    >>> import numpy as np
    >>> batch_matmul(np.ones((4, 2, 3)), np.ones((4, 3, 5))).shape
    (4, 2, 5)
    """
    lhs_aval, rhs_aval = get_aval(lhs), get_aval(rhs)
    if lhs_aval.ndim < 2 or lhs_aval.ndim != rhs_aval.ndim:
        raise TypeError(f"batch_matmul needs operands of one rank, at least 2, got "
                        f"{lhs_aval.str_short()} and {rhs_aval.str_short()}")
    ndim = lhs_aval.ndim
    batch = tuple(range(ndim - 2))
    return dot_general(lhs, rhs, (((ndim - 1,), (ndim - 2,)), (batch, batch)),
                       preferred_element_type)


defbilinear(dot_general_p)


def _operand_cotangent(ct: Any, other: Any, aval: ShapedArray, contract: tuple[int, ...],
                       other_contract: tuple[int, ...], batch: tuple[int, ...],
                       other_batch: tuple[int, ...], operand_is_lhs: bool) -> Any:
    """The cotangent of one operand (of type ``aval``) of ``dot_general``, given the output's
    cotangent ``ct`` and the other operand: contract ``ct`` with ``other`` over the other's free
    dimensions (batching the batch dimensions), then arrange the axes as the operand's."""
    if get_aval(ct).dtype != aval.dtype:  # preferred_element_type changed the output's dtype
        ct = convert_element_type(ct, aval.dtype)
    key = (aval.ndim, get_aval(other).ndim, contract, other_contract, batch, other_batch,
           operand_is_lhs)
    layout = _cotangent_layouts.get(key)
    if layout is None:
        if len(_cotangent_layouts) > 4096:  # bounded, whatever programs come
            _cotangent_layouts.clear()
        layout = _cotangent_layouts[key] = _cotangent_layout(*key)
    other_on_left, dimension_numbers, perm = layout
    if other_on_left:
        return dot_general_p.bind(other, ct, dimension_numbers=dimension_numbers,
                                  preferred_element_type=None)
    product = dot_general_p.bind(ct, other, dimension_numbers=dimension_numbers,
                                 preferred_element_type=None)
    return transpose(product, perm)


# the layout of an operand's cotangent product, by the ranks and dimension numbers (a few
# distinct ones per program): worked out once, not on every backward pass
_cotangent_layouts: dict[tuple, tuple[bool, DimensionNumbers, tuple[int, ...]]] = {}


def _cotangent_layout(ndim: int, other_ndim: int, contract: tuple[int, ...],
                      other_contract: tuple[int, ...], batch: tuple[int, ...],
                      other_batch: tuple[int, ...], operand_is_lhs: bool
                      ) -> tuple[bool, DimensionNumbers, tuple[int, ...]]:
    """(whether ``other`` goes on the left, the product's dimension numbers, the transpose
    that follows it when not) for ``_operand_cotangent``."""
    free = _free_dims(ndim, contract, batch)
    other_free = _free_dims(other_ndim, other_contract, other_batch)
    n_batch = len(batch)
    # ct's axes: batch dimensions, then lhs's free dimensions, then rhs's free dimensions.
    start = n_batch + len(free) if operand_is_lhs else n_batch
    ct_other_free = tuple(range(start, start + len(other_free)))
    ct_batch = tuple(range(n_batch))
    # The product's axes are the operand's batch dimensions, then its free dimensions (ct's
    # remaining axes) and other's contracting dimensions in increasing order, each paired with
    # one of the operand's contracting dimensions; with other as the left operand, those two
    # groups change places. Name each axis by the operand axis it is, and undo.
    paired = tuple(contract[i] for i in _argsort(other_contract))
    if _is_identity(batch + paired + free) and not _is_identity(batch + free + paired):
        # other on the left lays the product out as the operand already (x.T @ ct for the
        # weights of x @ w): no transpose, so no strided view for what follows to copy
        return True, ((other_free, ct_other_free), (other_batch, ct_batch)), ()
    return (False, ((ct_other_free, other_free), (ct_batch, other_batch)),
            _argsort(batch + free + paired))


def _argsort(axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(range(len(axes)), key=axes.__getitem__))


def _is_identity(axes: tuple[int, ...]) -> bool:
    return all(a == i for i, a in enumerate(axes))


def _dot_general_transpose(ct: Any, lhs: Any, rhs: Any, dimension_numbers: DimensionNumbers,
                           preferred_element_type: np.dtype | None) -> list[Any]:
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    if is_undefined(lhs) and is_undefined(rhs):
        raise NonLinearError("dot_general of two linear values is not linear")
    if is_undefined(lhs):
        return [_operand_cotangent(ct, rhs, lhs.aval, lhs_contract, rhs_contract, lhs_batch,
                                   rhs_batch, operand_is_lhs=True), None]
    return [None, _operand_cotangent(ct, lhs, rhs.aval, rhs_contract, lhs_contract, rhs_batch,
                                     lhs_batch, operand_is_lhs=False)]


transpose_rules[dot_general_p] = _dot_general_transpose


def _dot_general_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
                       dimension_numbers: DimensionNumbers,
                       preferred_element_type: np.dtype | None) -> tuple[Any, int]:
    (lhs, rhs), (lhs_bdim, rhs_bdim) = args, bdims
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers

    def physical(dims: tuple[int, ...], bdim: int | None) -> tuple[int, ...]:
        """Dimension numbers of the per-example operand, as axes of the batched one."""
        if bdim is None:  # not_mapped
            return dims
        return tuple(d + (d >= bdim) for d in dims)

    lhs_contract, lhs_batch = physical(lhs_contract, lhs_bdim), physical(lhs_batch, lhs_bdim)
    rhs_contract, rhs_batch = physical(rhs_contract, rhs_bdim), physical(rhs_batch, rhs_bdim)
    if lhs_bdim is not not_mapped and rhs_bdim is not not_mapped:
        # Both batched: the vmapped axis becomes the first batch dimension, so output axis 0.
        lhs_batch, rhs_batch = (lhs_bdim,) + lhs_batch, (rhs_bdim,) + rhs_batch
        out_bdim = 0
    elif lhs_bdim is not not_mapped:
        # Only lhs batched: its vmapped axis is one more free dimension of lhs.
        lhs_free = _free_dims(get_aval(lhs).ndim, lhs_contract, lhs_batch)
        out_bdim = len(lhs_batch) + lhs_free.index(lhs_bdim)
    else:
        rhs_free = _free_dims(get_aval(rhs).ndim, rhs_contract, rhs_batch)
        lhs_aval = get_aval(lhs)
        n_lhs_free = lhs_aval.ndim - len(lhs_contract) - len(lhs_batch)
        out_bdim = len(lhs_batch) + n_lhs_free + rhs_free.index(rhs_bdim)
    out = dot_general_p.bind(lhs, rhs,
                             dimension_numbers=((lhs_contract, rhs_contract),
                                                (lhs_batch, rhs_batch)),
                             preferred_element_type=preferred_element_type)
    return out, out_bdim


batching_rules[dot_general_p] = _dot_general_batch
