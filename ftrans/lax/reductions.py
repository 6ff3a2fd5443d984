"""Reductions: combine the elements of an array along some axes, or cumulatively along one.

reduce_sum, reduce_max, reduce_min, reduce_prod, reduce_and, reduce_or, argmax, argmin; the
cumulative family cumsum, cumprod, cummax, cummin, cumlogsumexp and linear_recurrence (the
scan that makes the derivatives of the products exact), which live in ``lax/cumulative.py``.
``axes`` is a sorted tuple of distinct non-negative axes; reduced axes are removed (the NumPy
layer restores them for keepdims). Each primitive is one block: primitive, wrapper, jvp,
transpose, batching. See docs/internals.md, "Primitives".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.batching import defreducer
from ftrans.interpreters.jvp import defjvp, defjvp_zero
from ftrans.lax.cumulative import (  # noqa: F401  (ftrans.lax.reductions.X)
    exclusive_cumprod, cumlogsumexp, cumlogsumexp_p, cummax, cummax_p, cummin, cummin_p,
    cumprod, cumprod_p, cumsum, cumsum_p, linear_recurrence, linear_recurrence_p,
)
from ftrans.lax.reductions_base import (  # noqa: F401  (ftrans.lax.reductions.X)
    bind_checked, bind_reduction, check_axes, check_operand_kind, highest_value, kept_dims,
    lowest_value, reduced_shape, reduction_primitive, canonicalize_axes, reduce_sum, reduce_sum_p,
)
from ftrans.lax.structural import broadcast_in_dim, reshape, transpose
from ftrans.lax.elementwise import convert_element_type, div, eq, mul

__all__ = [
    "argmax", "argmax_p", "argmin", "argmin_p", "bind_checked", "bind_reduction",
    "canonicalize_axes", "check_axes", "check_operand_kind", "cumlogsumexp", "cumlogsumexp_p",
    "cummax", "cummax_p", "cummin", "cummin_p", "cumprod", "cumprod_p", "cumsum", "cumsum_p",
    "exclusive_cumprod", "kept_dims", "linear_recurrence", "linear_recurrence_p", "reduce_and",
    "reduce_and_p", "reduce_max", "reduce_max_p", "reduce_min", "reduce_min_p", "reduce_or",
    "reduce_or_p", "reduce_prod", "reduce_prod_p", "reduce_sum", "reduce_sum_p", "reduced_shape",
    "reduction_primitive",
]


# ---------------------------------------------------------------------------------------------
# reduce_max, reduce_min
# ---------------------------------------------------------------------------------------------


def _reduce_max_impl(x: Any, axes: tuple[int, ...]) -> Any:
    x = np.asarray(x)
    if x.size == 0:  # an empty reduction gives the identity (lax's rule; np.max would raise)
        return np.max(x, axis=axes, initial=lowest_value(x.dtype))
    return np.max(x, axis=axes)


def _reduce_min_impl(x: Any, axes: tuple[int, ...]) -> Any:
    x = np.asarray(x)
    if x.size == 0:
        return np.min(x, axis=axes, initial=highest_value(x.dtype))
    return np.min(x, axis=axes)


# complex operands compare lexicographically (real part first), as in NumPy and JAX
reduce_max_p = reduction_primitive("reduce_max", _reduce_max_impl, "biufc")
reduce_min_p = reduction_primitive("reduce_min", _reduce_min_impl, "biufc")


def reduce_max(x: Any, axes: Sequence[int]) -> Any:
    """Maximum of ``x`` over ``axes`` (which are removed); NaN if any reduced element is NaN,
    like ``np.max``; -inf (the dtype's minimum for integers) over an empty axis.

    >>> import numpy as np
    >>> float(reduce_max(np.array([1.0, 3.0, 2.0]), (0,)))
    3.0
    """
    return bind_reduction(reduce_max_p, x, axes)


def reduce_min(x: Any, axes: Sequence[int]) -> Any:
    """Minimum of ``x`` over ``axes`` (which are removed); NaN if any reduced element is NaN,
    like ``np.min``; +inf (the dtype's maximum for integers) over an empty axis.

    >>> import numpy as np
    >>> float(reduce_min(np.array([1.0, 3.0, 2.0]), (0,)))
    1.0
    """
    return bind_reduction(reduce_min_p, x, axes)


def _reduce_chooser_jvp(g: Any, ans: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """The tangent at the elements that attain the extremum, averaged over them: ties split the
    derivative evenly (JAX's rule). A NaN result gets a NaN tangent (no element equals it)."""
    shape = get_aval(x).shape
    at_extremum = eq(x, broadcast_in_dim(ans, shape, kept_dims(len(shape), axes)))
    indicators = convert_element_type(at_extremum, get_aval(g).dtype)
    picked = reduce_sum(mul(g, indicators), axes)
    if any(shape[a] == 0 for a in axes):
        return picked  # an empty reduction is a constant: its (zero-size or zero) tangent
    return div(picked, reduce_sum(indicators, axes))


defjvp(reduce_max_p, _reduce_chooser_jvp)
defjvp(reduce_min_p, _reduce_chooser_jvp)
defreducer(reduce_max_p)
defreducer(reduce_min_p)


# ---------------------------------------------------------------------------------------------
# reduce_prod
# ---------------------------------------------------------------------------------------------


def _reduce_prod_impl(x: Any, axes: tuple[int, ...]) -> Any:
    return np.prod(x, axis=axes, dtype=np.asarray(x).dtype)


reduce_prod_p = reduction_primitive("reduce_prod", _reduce_prod_impl, "iufc")


def reduce_prod(x: Any, axes: Sequence[int]) -> Any:
    """Product of ``x`` over ``axes`` (which are removed); the dtype is kept; 1 over an empty
    axis.

    >>> import numpy as np
    >>> float(reduce_prod(np.array([[1.0, 2.0], [3.0, 4.0]]), (0, 1)))
    24.0
    """
    return bind_reduction(reduce_prod_p, x, axes)


def reduce_prod_jvp(g: Any, ans: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """sum_j g_j * prod_{k != j} x_k, with the "all but one" products made as (product of the
    elements before j) * (product of the elements after j): no division by x, so zeros in x are
    exact, and the rule is made of differentiable primitives, so every order is exact."""
    shape = get_aval(x).shape
    kept = kept_dims(len(shape), axes)
    size = 1
    for a in axes:
        size *= shape[a]
    # Move the reduced axes to the end and flatten them into one.
    flat_shape = tuple(shape[d] for d in kept) + (size,)
    x_flat = reshape(transpose(x, kept + axes), flat_shape)
    g_flat = reshape(transpose(g, kept + axes), flat_shape)
    last = len(kept)
    before = exclusive_cumprod(x_flat, last, reverse=False)
    after = exclusive_cumprod(x_flat, last, reverse=True)
    return reduce_sum(mul(g_flat, mul(before, after)), (last,))


defjvp(reduce_prod_p, reduce_prod_jvp)
defreducer(reduce_prod_p)


# ---------------------------------------------------------------------------------------------
# reduce_and, reduce_or
# ---------------------------------------------------------------------------------------------

_BOOL_HINT = "; compare first (e.g. ne(x, 0)) to make a boolean array"
reduce_and_p = reduction_primitive("reduce_and", lambda x, axes: np.all(x, axis=axes), "b",
                                    _BOOL_HINT)
reduce_or_p = reduction_primitive("reduce_or", lambda x, axes: np.any(x, axis=axes), "b",
                                   _BOOL_HINT)


def reduce_and(x: Any, axes: Sequence[int]) -> Any:
    """Whether every element of the boolean ``x`` over ``axes`` is True (True over an empty
    axis).

    >>> import numpy as np
    >>> bool(reduce_and(np.array([True, False]), (0,)))
    False
    """
    return bind_reduction(reduce_and_p, x, axes)


def reduce_or(x: Any, axes: Sequence[int]) -> Any:
    """Whether any element of the boolean ``x`` over ``axes`` is True (False over an empty
    axis).

    >>> import numpy as np
    >>> bool(reduce_or(np.array([True, False]), (0,)))
    True
    """
    return bind_reduction(reduce_or_p, x, axes)


defjvp_zero(reduce_and_p)
defjvp_zero(reduce_or_p)
defreducer(reduce_and_p)
defreducer(reduce_or_p)


# ---------------------------------------------------------------------------------------------
# argmax, argmin
# ---------------------------------------------------------------------------------------------


def _arg_chooser_primitive(name: str, numpy_fn: Any) -> Primitive:
    def impl(x: Any, axis: int, index_dtype: np.dtype) -> Any:
        return np.asarray(numpy_fn(x, axis=axis)).astype(index_dtype)[()]

    def abstract_eval(x: ShapedArray, axis: int, index_dtype: np.dtype) -> ShapedArray:
        if not 0 <= axis < x.ndim:
            raise ValueError(f"{name}: axis {axis} is out of bounds for an array of rank "
                             f"{x.ndim} ({x.str_short()})")
        if x.shape[axis] == 0:
            raise ValueError(f"{name} of an empty axis: axis {axis} of {x.str_short()} has "
                             f"size 0, so there is no element to choose")
        check_operand_kind(name, x, "biufc")  # complex: lexicographic, as NumPy
        if index_dtype.kind not in "iu":
            raise TypeError(f"{name}: index_dtype must be an integer dtype, got {index_dtype}")
        return make_aval(reduced_shape(x.shape, (axis,)), index_dtype)

    return Primitive(name, impl=impl, abstract_eval=abstract_eval)


# NumPy's rules: the first occurrence wins, and a NaN counts as both the maximum and the minimum.
argmax_p = _arg_chooser_primitive("argmax", np.argmax)
argmin_p = _arg_chooser_primitive("argmin", np.argmin)


def _normalize_arg_axis(name: str, axis: int, ndim: int) -> int:
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{name}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of bounds for an array of rank {ndim}")
    return int(axis) % ndim


def argmax(x: Any, axis: int, index_dtype: Any = np.int64) -> Any:
    """Index of the maximum of ``x`` along ``axis`` (which is removed), in ``index_dtype``.
    Like ``np.argmax``: the first occurrence wins and NaN counts as the maximum.

    >>> import numpy as np
    >>> int(argmax(np.array([1.0, 3.0, 3.0]), 0))
    1
    """
    axis = _normalize_arg_axis("argmax", axis, get_aval(x).ndim)
    return bind_checked(argmax_p, x, axis=axis, index_dtype=np.dtype(index_dtype))


def argmin(x: Any, axis: int, index_dtype: Any = np.int64) -> Any:
    """Index of the minimum of ``x`` along ``axis`` (which is removed), in ``index_dtype``.
    Like ``np.argmin``: the first occurrence wins and NaN counts as the minimum.

    >>> import numpy as np
    >>> int(argmin(np.array([2.0, 1.0, 1.0]), 0))
    1
    """
    axis = _normalize_arg_axis("argmin", axis, get_aval(x).ndim)
    return bind_checked(argmin_p, x, axis=axis, index_dtype=np.dtype(index_dtype))


defjvp_zero(argmax_p)
defjvp_zero(argmin_p)
defreducer(argmax_p, "axis")
defreducer(argmin_p, "axis")
