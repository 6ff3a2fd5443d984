"""Reductions: combine the elements of an array along some axes, or cumulatively along one.

reduce_sum, reduce_max, reduce_min, reduce_prod, reduce_and, reduce_or, argmax, argmin; the
cumulative family cumsum, cumprod, cummax, cummin, cumlogsumexp and linear_recurrence (the
scan that makes the derivatives of the products exact: see "Cumulative reductions" below).
``axes`` is a sorted tuple of distinct non-negative axes; reduced axes are removed (the NumPy
layer restores them for keepdims). Each primitive is one block: primitive, wrapper, jvp,
transpose, batching. See docs/internals.md, "Primitives".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, Tracer, get_aval, make_aval, static_int
from ftrans.interpreters.batching import batching_rules, defreducer, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import Zero, defjvp, defjvp_zero, deflinear, jvp_rules
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules


def _check_axes(x: ShapedArray, axes: tuple[int, ...], name: str) -> None:
    if any(not 0 <= a < x.ndim for a in axes) or len(set(axes)) != len(axes):
        raise ValueError(f"{name}: axes {axes} are invalid for an array of rank {x.ndim}")


def _reduced_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def canonicalize_axes(axes: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """Axes as a sorted tuple of non-negative ints; None means all axes."""
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, (int, np.integer)) or (isinstance(axes, Tracer) and not axes.shape):
        axes = (axes,)
    out = []
    for a in axes:
        a = static_int(a, "axis")
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for an array of rank {ndim}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in {tuple(axes)}")
    return tuple(sorted(out))


# ---------------------------------------------------------------------------------------------
# reduce_sum
# ---------------------------------------------------------------------------------------------


def _reduce_sum_abstract_eval(x: ShapedArray, axes: tuple[int, ...]) -> ShapedArray:
    _check_axes(x, axes, "reduce_sum")
    return make_aval(_reduced_shape(x.shape, axes), x.dtype)


def _reduce_sum_impl(x: Any, axes: tuple[int, ...]) -> Any:
    return np.sum(x, axis=axes, dtype=x.dtype)


reduce_sum_p = Primitive("reduce_sum", impl=_reduce_sum_impl,
                         abstract_eval=_reduce_sum_abstract_eval)


def reduce_sum(x: Any, axes: Sequence[int]) -> Any:
    """Sum of ``x`` over ``axes`` (which are removed); the dtype is kept."""
    axes = canonicalize_axes(axes, get_aval(x).ndim)
    if not axes:
        return x
    return reduce_sum_p.bind(x, axes=axes)


deflinear(reduce_sum_p)


def _reduce_sum_transpose(ct: Any, x: Any, axes: tuple[int, ...]) -> list[Any]:
    from ftrans.lax.structural import broadcast_in_dim
    shape = x.aval.shape
    kept = tuple(d for d in range(len(shape)) if d not in axes)
    return [broadcast_in_dim(ct, shape, kept)]


transpose_rules[reduce_sum_p] = _reduce_sum_transpose
defreducer(reduce_sum_p)


# ---------------------------------------------------------------------------------------------
# Shared pieces of the reductions below
# ---------------------------------------------------------------------------------------------

_KIND_NAMES = {"biuf": "real (bool, integer or floating)", "iufc": "numeric", "b": "boolean",
               "biufc": "bool or numeric"}


def _check_operand_kind(name: str, x: ShapedArray, kinds: str, hint: str = "") -> None:
    if x.dtype.kind not in kinds:
        raise TypeError(f"{name} needs a {_KIND_NAMES[kinds]} operand, got {x.str_short()}"
                        f"{hint}")


def _reduction_primitive(name: str, impl: Any, kinds: str, hint: str = "") -> Primitive:
    """A primitive ``name(x, axes=...)`` whose result keeps ``x``'s dtype."""

    def abstract_eval(x: ShapedArray, axes: tuple[int, ...]) -> ShapedArray:
        _check_axes(x, axes, name)
        _check_operand_kind(name, x, kinds, hint)
        return make_aval(_reduced_shape(x.shape, axes), x.dtype)

    return Primitive(name, impl=impl, abstract_eval=abstract_eval)


def _bind_checked(prim: Primitive, *args: Any, **params: Any) -> Any:
    """``prim.bind`` after checking the arguments with the primitive's shape/dtype rule: eager
    evaluation runs the NumPy impl directly, which would compute something else (or fail
    obscurely) instead of naming the user's mistake."""
    prim.abstract_eval(*[get_aval(x) for x in args], **params)
    return prim.bind(*args, **params)


def _bind_reduction(prim: Primitive, x: Any, axes: Any) -> Any:
    """The wrapper of a reduction: canonical axes, checked; reducing no axis is the identity."""
    aval = get_aval(x)
    axes = canonicalize_axes(axes, aval.ndim)
    prim.abstract_eval(aval, axes=axes)
    return prim.bind(x, axes=axes) if axes else x


def _kept_dims(ndim: int, axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for d in range(ndim) if d not in axes)


def _lowest(dtype: np.dtype) -> Any:
    """The identity of max: the smallest value of ``dtype`` (complex values order
    lexicographically, as in NumPy)."""
    if dtype.kind in "fc":
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


def _highest(dtype: np.dtype) -> Any:
    """The identity of min: the largest value of ``dtype``."""
    if dtype.kind in "fc":
        return np.inf
    if dtype.kind == "b":
        return True
    return np.iinfo(dtype).max


# ---------------------------------------------------------------------------------------------
# reduce_max, reduce_min
# ---------------------------------------------------------------------------------------------


def _reduce_max_impl(x: Any, axes: tuple[int, ...]) -> Any:
    x = np.asarray(x)
    if x.size == 0:  # an empty reduction gives the identity (lax's rule; np.max would raise)
        return np.max(x, axis=axes, initial=_lowest(x.dtype))
    return np.max(x, axis=axes)


def _reduce_min_impl(x: Any, axes: tuple[int, ...]) -> Any:
    x = np.asarray(x)
    if x.size == 0:
        return np.min(x, axis=axes, initial=_highest(x.dtype))
    return np.min(x, axis=axes)


# complex operands compare lexicographically (real part first), as in NumPy and JAX
reduce_max_p = _reduction_primitive("reduce_max", _reduce_max_impl, "biufc")
reduce_min_p = _reduction_primitive("reduce_min", _reduce_min_impl, "biufc")


def reduce_max(x: Any, axes: Sequence[int]) -> Any:
    """Maximum of ``x`` over ``axes`` (which are removed); NaN if any reduced element is NaN,
    like ``np.max``; -inf (the dtype's minimum for integers) over an empty axis.

    >>> import numpy as np
    >>> float(reduce_max(np.array([1.0, 3.0, 2.0]), (0,)))
    3.0
    """
    return _bind_reduction(reduce_max_p, x, axes)


def reduce_min(x: Any, axes: Sequence[int]) -> Any:
    """Minimum of ``x`` over ``axes`` (which are removed); NaN if any reduced element is NaN,
    like ``np.min``; +inf (the dtype's maximum for integers) over an empty axis.

    >>> import numpy as np
    >>> float(reduce_min(np.array([1.0, 3.0, 2.0]), (0,)))
    1.0
    """
    return _bind_reduction(reduce_min_p, x, axes)


def _reduce_chooser_jvp(g: Any, ans: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """The tangent at the elements that attain the extremum, averaged over them: ties split the
    derivative evenly (JAX's rule). A NaN result gets a NaN tangent (no element equals it)."""
    from ftrans.lax.elementwise import convert_element_type, div, eq, mul
    from ftrans.lax.structural import broadcast_in_dim
    shape = get_aval(x).shape
    at_extremum = eq(x, broadcast_in_dim(ans, shape, _kept_dims(len(shape), axes)))
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


reduce_prod_p = _reduction_primitive("reduce_prod", _reduce_prod_impl, "iufc")


def reduce_prod(x: Any, axes: Sequence[int]) -> Any:
    """Product of ``x`` over ``axes`` (which are removed); the dtype is kept; 1 over an empty
    axis.

    >>> import numpy as np
    >>> float(reduce_prod(np.array([[1.0, 2.0], [3.0, 4.0]]), (0, 1)))
    24.0
    """
    return _bind_reduction(reduce_prod_p, x, axes)


def _reduce_prod_jvp(g: Any, ans: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """sum_j g_j * prod_{k != j} x_k, with the "all but one" products made as (product of the
    elements before j) * (product of the elements after j): no division by x, so zeros in x are
    exact, and the rule is made of differentiable primitives, so every order is exact."""
    from ftrans.lax.elementwise import mul
    from ftrans.lax.structural import reshape, transpose
    shape = get_aval(x).shape
    kept = _kept_dims(len(shape), axes)
    size = 1
    for a in axes:
        size *= shape[a]
    # Move the reduced axes to the end and flatten them into one.
    flat_shape = tuple(shape[d] for d in kept) + (size,)
    x_flat = reshape(transpose(x, kept + axes), flat_shape)
    g_flat = reshape(transpose(g, kept + axes), flat_shape)
    last = len(kept)
    before = _exclusive_cumprod(x_flat, last, reverse=False)
    after = _exclusive_cumprod(x_flat, last, reverse=True)
    return reduce_sum(mul(g_flat, mul(before, after)), (last,))


defjvp(reduce_prod_p, _reduce_prod_jvp)
defreducer(reduce_prod_p)


# ---------------------------------------------------------------------------------------------
# reduce_and, reduce_or
# ---------------------------------------------------------------------------------------------

_BOOL_HINT = "; compare first (e.g. ne(x, 0)) to make a boolean array"
reduce_and_p = _reduction_primitive("reduce_and", lambda x, axes: np.all(x, axis=axes), "b",
                                    _BOOL_HINT)
reduce_or_p = _reduction_primitive("reduce_or", lambda x, axes: np.any(x, axis=axes), "b",
                                   _BOOL_HINT)


def reduce_and(x: Any, axes: Sequence[int]) -> Any:
    """Whether every element of the boolean ``x`` over ``axes`` is True (True over an empty
    axis).

    >>> import numpy as np
    >>> bool(reduce_and(np.array([True, False]), (0,)))
    False
    """
    return _bind_reduction(reduce_and_p, x, axes)


def reduce_or(x: Any, axes: Sequence[int]) -> Any:
    """Whether any element of the boolean ``x`` over ``axes`` is True (False over an empty
    axis).

    >>> import numpy as np
    >>> bool(reduce_or(np.array([True, False]), (0,)))
    True
    """
    return _bind_reduction(reduce_or_p, x, axes)


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
        _check_operand_kind(name, x, "biufc")  # complex: lexicographic, as NumPy
        if index_dtype.kind not in "iu":
            raise TypeError(f"{name}: index_dtype must be an integer dtype, got {index_dtype}")
        return make_aval(_reduced_shape(x.shape, (axis,)), index_dtype)

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
    return _bind_checked(argmax_p, x, axis=axis, index_dtype=np.dtype(index_dtype))


def argmin(x: Any, axis: int, index_dtype: Any = np.int64) -> Any:
    """Index of the minimum of ``x`` along ``axis`` (which is removed), in ``index_dtype``.
    Like ``np.argmin``: the first occurrence wins and NaN counts as the minimum.

    >>> import numpy as np
    >>> int(argmin(np.array([2.0, 1.0, 1.0]), 0))
    1
    """
    axis = _normalize_arg_axis("argmin", axis, get_aval(x).ndim)
    return _bind_checked(argmin_p, x, axis=axis, index_dtype=np.dtype(index_dtype))


defjvp_zero(argmax_p)
defjvp_zero(argmin_p)
defreducer(argmax_p, "axis")
defreducer(argmin_p, "axis")


# ---------------------------------------------------------------------------------------------
# Cumulative reductions: cumsum, cumprod, cummax, cummin, linear_recurrence
#
# Their derivatives need "exclusive" scans (the product of the elements *before* i) and the
# solution of y_i = a_i * y_{i-1} + b_i (the tangent of a cumulative product). Both are built
# from primitives, so every derivative order is exact, zeros included:
# - exclusive scan: interleave an identity element before each element ([1, x0, 1, x1, ...]),
#   run the inclusive scan, keep the even positions. O(n), no shifting or slicing needed.
# - linear_recurrence: a primitive (a scan over affine maps), linear in b, whose own jvp is a
#   linear_recurrence again.
# ---------------------------------------------------------------------------------------------


def _check_cumulative(name: str, x: ShapedArray, axis: int, kinds: str) -> None:
    if not 0 <= axis < x.ndim:
        raise ValueError(f"{name}: axis {axis} is out of bounds for an array of rank {x.ndim} "
                         f"({x.str_short()})")
    _check_operand_kind(name, x, kinds)


def _along_axis(numpy_fn: Any) -> Any:
    """The impl of a cumulative primitive from a NumPy accumulation ``numpy_fn(x, axis)``."""

    def impl(x: Any, axis: int, reverse: bool) -> Any:
        x = np.asarray(x)
        if reverse:
            return np.flip(numpy_fn(np.flip(x, axis), axis), axis)
        return numpy_fn(x, axis)

    return impl


def _cumulative_primitive(name: str, numpy_fn: Any, kinds: str) -> Primitive:
    def abstract_eval(x: ShapedArray, axis: int, reverse: bool) -> ShapedArray:
        _check_cumulative(name, x, axis, kinds)
        return x

    return Primitive(name, impl=_along_axis(numpy_fn), abstract_eval=abstract_eval)


def _cumulative_wrapper(prim: Primitive, x: Any, axis: int, reverse: bool) -> Any:
    ndim = get_aval(x).ndim
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{prim.name}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{prim.name}: axis {axis} is out of bounds for an array of rank "
                         f"{ndim}")
    return _bind_checked(prim, x, axis=int(axis) % ndim, reverse=bool(reverse))


def _cumulative_batch(prim: Primitive) -> None:
    def rule(args: Sequence[Any], bdims: Sequence[Any], axis: int,
             reverse: bool) -> tuple[Any, Any]:
        (x,), (bdim,) = args, bdims
        return prim.bind(x, axis=axis + (axis >= bdim), reverse=reverse), bdim

    batching_rules[prim] = rule


def _exclusive_scan(scan: Any, operands: Sequence[Any], identities: Sequence[Any], axis: int,
                    reverse: bool) -> Any:
    """``scan`` (an inclusive scan of ``operands`` along ``axis``), made exclusive: element i
    of the result combines the elements strictly before i (after i when ``reverse``).

    Each operand gets its identity element interleaved in front of each element (behind it when
    ``reverse``); the inclusive scan then holds the exclusive one at the identities' slots.
    Only reshape, broadcast, select and a sum with zeros: exact, and differentiable.
    """
    from ftrans.lax.elementwise import select_n
    from ftrans.lax.structural import broadcast_in_dim, reshape
    shape = get_aval(operands[0]).shape
    ndim = len(shape)
    pairs_shape = shape[:axis + 1] + (2,) + shape[axis + 1:]
    spread_shape = shape[:axis] + (2 * shape[axis],) + shape[axis + 1:]
    into_pairs = tuple(d if d <= axis else d + 1 for d in range(ndim))
    identity_slot = 1 if reverse else 0
    at_identity = (np.arange(2) == identity_slot).reshape((2,) + (1,) * (ndim - axis - 1))
    spread = []
    for x, identity in zip(operands, identities):
        dtype = get_aval(x).dtype
        pairs = broadcast_in_dim(x, pairs_shape, into_pairs)
        pairs = select_n(at_identity, pairs, np.asarray(identity, dtype)[()])
        spread.append(reshape(pairs, spread_shape))
    scanned = reshape(scan(*spread), pairs_shape)
    zero = np.zeros((), get_aval(scanned).dtype)[()]
    # Keep the identities' slots; adding the zeros of the other slot is exact.
    return reduce_sum(select_n(at_identity, zero, scanned), (axis + 1,))


def _exclusive_cumprod(x: Any, axis: int, reverse: bool) -> Any:
    """Element i is the product of the elements before i (after i when ``reverse``)."""
    return _exclusive_scan(lambda v: cumprod(v, axis, reverse), [x], [1], axis, reverse)


# cumsum ------------------------------------------------------------------------------------

cumsum_p = _cumulative_primitive(
    "cumsum", lambda x, axis: np.cumsum(x, axis=axis, dtype=x.dtype), "iufc")


def cumsum(x: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Cumulative sum of ``x`` along ``axis`` (from the end when ``reverse``); the dtype is
    kept.

    >>> import numpy as np
    >>> cumsum(np.array([1.0, 2.0, 3.0])).tolist()
    [1.0, 3.0, 6.0]
    """
    return _cumulative_wrapper(cumsum_p, x, axis, reverse)


deflinear(cumsum_p)
transpose_rules[cumsum_p] = lambda ct, x, axis, reverse: [cumsum(ct, axis, not reverse)]
_cumulative_batch(cumsum_p)


# cumprod -----------------------------------------------------------------------------------

cumprod_p = _cumulative_primitive(
    "cumprod", lambda x, axis: np.cumprod(x, axis=axis, dtype=x.dtype), "iufc")


def cumprod(x: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Cumulative product of ``x`` along ``axis`` (from the end when ``reverse``); the dtype is
    kept.

    >>> import numpy as np
    >>> cumprod(np.array([1.0, 2.0, 3.0])).tolist()
    [1.0, 2.0, 6.0]
    """
    return _cumulative_wrapper(cumprod_p, x, axis, reverse)


def _cumprod_jvp(g: Any, ans: Any, x: Any, axis: int, reverse: bool) -> Any:
    """With P = cumprod(x), the tangent solves dP_i = x_i * dP_{i-1} + g_i * P_{i-1}: a linear
    recurrence, with P_{i-1} the exclusive product (no division, so zeros are exact)."""
    from ftrans.lax.elementwise import mul
    before = _exclusive_cumprod(x, axis, reverse)
    return linear_recurrence(x, mul(g, before), axis, reverse)


defjvp(cumprod_p, _cumprod_jvp)
_cumulative_batch(cumprod_p)


# cummax, cummin ----------------------------------------------------------------------------

cummax_p = _cumulative_primitive("cummax", lambda x, axis: np.maximum.accumulate(x, axis=axis),
                                 "biuf")
cummin_p = _cumulative_primitive("cummin", lambda x, axis: np.minimum.accumulate(x, axis=axis),
                                 "biuf")


def cummax(x: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running maximum of ``x`` along ``axis`` (from the end when ``reverse``); NaN from the
    first NaN on, like ``np.maximum.accumulate``.

    >>> import numpy as np
    >>> cummax(np.array([1.0, 3.0, 2.0])).tolist()
    [1.0, 3.0, 3.0]
    """
    return _cumulative_wrapper(cummax_p, x, axis, reverse)


def cummin(x: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running minimum of ``x`` along ``axis`` (from the end when ``reverse``); NaN from the
    first NaN on, like ``np.minimum.accumulate``.

    >>> import numpy as np
    >>> cummin(np.array([2.0, 1.0, 3.0])).tolist()
    [2.0, 1.0, 1.0]
    """
    return _cumulative_wrapper(cummin_p, x, axis, reverse)


def _cumulative_chooser_jvp(cumulative: Any, identity: Any) -> Any:
    """Like reduce_max's rule, per prefix: output i's tangent is the average of the tangents of
    the elements of the prefix that equal output i. As the running extremum only moves one
    way, they are the elements equal to it since it last changed: a sum that restarts whenever
    the extremum changes, which is a linear recurrence with coefficient 0 (restart) or 1."""

    def rule(g: Any, ans: Any, x: Any, axis: int, reverse: bool) -> Any:
        from ftrans.lax.elementwise import convert_element_type, div, eq, mul
        dtype = get_aval(g).dtype
        before = _exclusive_scan(lambda v: cumulative(v, axis, reverse), [x],
                                 [identity(get_aval(x).dtype)], axis, reverse)
        continues = convert_element_type(eq(ans, before), dtype)
        at_extremum = convert_element_type(eq(x, ans), dtype)
        total = linear_recurrence(continues, mul(g, at_extremum), axis, reverse)
        count = linear_recurrence(continues, at_extremum, axis, reverse)
        return div(total, count)

    return rule


defjvp(cummax_p, _cumulative_chooser_jvp(cummax, _lowest))
defjvp(cummin_p, _cumulative_chooser_jvp(cummin, _highest))
_cumulative_batch(cummax_p)
_cumulative_batch(cummin_p)


# cumlogsumexp ------------------------------------------------------------------------------

cumlogsumexp_p = _cumulative_primitive(
    "cumlogsumexp", lambda x, axis: np.logaddexp.accumulate(x, axis=axis), "f")


def cumlogsumexp(x: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running ``log(sum(exp(x)))`` along ``axis`` (from the end when ``reverse``), computed
    without overflow or underflow (``np.logaddexp.accumulate``).

    >>> import numpy as np
    >>> cumlogsumexp(np.array([-1000.0, 0.0, 0.0])).round(6).tolist()
    [-1000.0, 0.0, 0.693147]
    """
    return _cumulative_wrapper(cumlogsumexp_p, x, axis, reverse)


def _shift_along(y: Any, fill: float, axis: int, reverse: bool) -> Any:
    """Element i is ``y[i-1]`` (``y[i+1]`` when ``reverse``), ``fill`` at the start."""
    from ftrans.lax.indexing import slice_in_dim
    from ftrans.lax.structural import broadcast_in_dim, concatenate
    aval = get_aval(y)
    n = aval.shape[axis]
    edge_shape = aval.shape[:axis] + (1,) + aval.shape[axis + 1:]
    edge = broadcast_in_dim(np.full((), fill, aval.dtype), edge_shape, ())
    if reverse:
        return concatenate([slice_in_dim(y, 1, n, 1, axis), edge], axis)
    return concatenate([edge, slice_in_dim(y, 0, n - 1, 1, axis)], axis)


def _cumlogsumexp_jvp(g: Any, ans: Any, x: Any, axis: int, reverse: bool) -> Any:
    # y_dot[i] = sum_{j <= i} exp(x[j] - y[i]) g[j]
    #          = exp(y[i-1] - y[i]) y_dot[i-1] + exp(x[i] - y[i]) g[i]:
    # a linear recurrence whose coefficients lie in [0, 1], so nothing overflows
    from ftrans.lax.elementwise import exp, mul, sub
    before = _shift_along(ans, -np.inf, axis, reverse)
    return linear_recurrence(exp(sub(before, ans)), mul(exp(sub(x, ans)), g), axis, reverse)


defjvp(cumlogsumexp_p, _cumlogsumexp_jvp)
_cumulative_batch(cumlogsumexp_p)


# linear_recurrence -------------------------------------------------------------------------


def _linear_recurrence_impl(a: Any, b: Any, axis: int, reverse: bool) -> Any:
    # Doubling (Hillis-Steele): after the step with span d, element i holds the composition of
    # the affine maps y -> a_k * y + b_k for the d elements ending at i. log2(n) NumPy passes.
    a = np.moveaxis(np.asarray(a), axis, 0)
    y = np.moveaxis(np.asarray(b), axis, 0)
    if reverse:
        a, y = a[::-1], y[::-1]
    coeff, y = a.copy(), y.copy()
    n, span = y.shape[0], 1
    while span < n:
        y[span:] = coeff[span:] * y[:-span] + y[span:]
        coeff[span:] = coeff[span:] * coeff[:-span]
        span *= 2
    if reverse:
        y = y[::-1]
    return np.moveaxis(y, 0, axis)


def _linear_recurrence_abstract_eval(a: ShapedArray, b: ShapedArray, axis: int,
                                     reverse: bool) -> ShapedArray:
    if a != b:
        raise TypeError(f"linear_recurrence needs a and b of one shape and dtype, got "
                        f"{a.str_short()} and {b.str_short()}")
    _check_cumulative("linear_recurrence", b, axis, "iufc")
    return b


linear_recurrence_p = Primitive("linear_recurrence", impl=_linear_recurrence_impl,
                                abstract_eval=_linear_recurrence_abstract_eval)


def linear_recurrence(a: Any, b: Any, axis: int = 0, reverse: bool = False) -> Any:
    """The solution of ``y[i] = a[i] * y[i-1] + b[i]`` along ``axis``, with ``y[-1] = 0`` (so
    ``a[0]`` is unused); with ``reverse``, ``y[i] = a[i] * y[i+1] + b[i]`` from the end.
    ``a`` and ``b`` have one shape and dtype. cumsum is ``a = 1``; an exponential moving average
    is ``a = 1 - alpha, b = alpha * x``. Linear in ``b``.

    >>> import numpy as np
    >>> linear_recurrence(np.array([0.0, 0.5, 0.5]), np.array([1.0, 1.0, 1.0])).tolist()
    [1.0, 1.5, 1.75]
    """
    ndim = get_aval(b).ndim
    if not -ndim <= axis < ndim:
        raise ValueError(f"linear_recurrence: axis {axis} is out of bounds for an array of "
                         f"rank {ndim}")
    return _bind_checked(linear_recurrence_p, a, b, axis=int(axis) % ndim,
                         reverse=bool(reverse))


def _exclusive_linear_recurrence(a: Any, b: Any, axis: int, reverse: bool) -> Any:
    """Element i is y[i-1] (y[i+1] when ``reverse``), 0 at the start: the identity map is
    ``a = 1, b = 0``."""
    return _exclusive_scan(lambda a_, b_: linear_recurrence(a_, b_, axis, reverse), [a, b],
                           [1, 0], axis, reverse)


def _linear_recurrence_jvp(primals: Sequence[Any], tangents: Sequence[Any], axis: int,
                           reverse: bool) -> tuple[Any, Any]:
    # dy_i = a_i * dy_{i-1} + (da_i * y_{i-1} + db_i): the same recurrence, another forcing.
    from ftrans.lax.elementwise import add, mul
    (a, b), (a_dot, b_dot) = primals, tangents
    y = linear_recurrence_p.bind(a, b, axis=axis, reverse=reverse)
    if type(a_dot) is Zero and type(b_dot) is Zero:
        return y, Zero(get_aval(y))
    forcing = b_dot
    if type(a_dot) is not Zero:
        previous = _exclusive_linear_recurrence(a, b, axis, reverse)
        from_a = mul(a_dot, previous)
        forcing = from_a if type(b_dot) is Zero else add(b_dot, from_a)
    return y, linear_recurrence_p.bind(a, forcing, axis=axis, reverse=reverse)


jvp_rules[linear_recurrence_p] = _linear_recurrence_jvp


def _linear_recurrence_transpose(ct: Any, a: Any, b: Any, axis: int,
                                 reverse: bool) -> list[Any]:
    # y = L b with L[i, j] = a_{j+1} * ... * a_i for j <= i, so
    # ct_b[j] = ct[j] + u[j+1] where u[m] = a_m * (ct[m] + u[m+1]): the recurrence run the
    # other way with forcing a * ct, taken exclusively.
    from ftrans.lax.elementwise import add, mul
    if is_undefined(a):
        raise NonLinearError("linear_recurrence is not linear in its coefficients a")
    later = _exclusive_linear_recurrence(a, mul(a, ct), axis, not reverse)
    return [None, add(ct, later)]


transpose_rules[linear_recurrence_p] = _linear_recurrence_transpose


def _linear_recurrence_batch(args: Sequence[Any], bdims: Sequence[Any], axis: int,
                             reverse: bool) -> tuple[Any, Any]:
    size = next(get_aval(x).shape[d] for x, d in zip(args, bdims) if d is not not_mapped)
    a, b = (move_batch_axis(x, d, 0, size) for x, d in zip(args, bdims))
    return linear_recurrence_p.bind(a, b, axis=axis + 1, reverse=reverse), 0


batching_rules[linear_recurrence_p] = _linear_recurrence_batch
