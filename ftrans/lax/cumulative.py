"""Cumulative reductions along one axis: cumsum, cumprod, cummax, cummin, cumlogsumexp and
linear_recurrence (the scan that makes the derivatives of the products exact). Each primitive
is one block: primitive, wrapper, jvp, transpose, batching. See docs/internals.md,
"Primitives".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import Zero, defjvp, deflinear, jvp_rules
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules
from ftrans.lax.reductions_base import (
    bind_checked, check_operand_kind, highest_value, lowest_value, reduce_sum,
)
from ftrans.lax.structural import broadcast_in_dim, concatenate, reshape
from ftrans.lax.elementwise import add, convert_element_type, div, eq, exp, mul, select_n, sub
from ftrans.lax.indexing import slice_in_dim

__all__ = [
    "batching_rules", "cumlogsumexp", "cumlogsumexp_p", "cummax", "cummax_p", "cummin", "cummin_p",
    "cumprod", "cumprod_p", "cumsum", "cumsum_p", "exclusive_cumprod", "jvp_rules",
    "linear_recurrence", "linear_recurrence_p", "transpose_rules",
]


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
    check_operand_kind(name, x, kinds)


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
    return bind_checked(prim, x, axis=int(axis) % ndim, reverse=bool(reverse))


def _cumulative_batch(prim: Primitive) -> None:
    def rule(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any], axis: int,
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


def exclusive_cumprod(x: Any, axis: int, reverse: bool) -> Any:
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


deflinear(cumsum_p, transpose=lambda ct, x, axis, reverse: [cumsum(ct, axis, not reverse)])
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
    before = exclusive_cumprod(x, axis, reverse)
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
        dtype = get_aval(g).dtype
        before = _exclusive_scan(lambda v: cumulative(v, axis, reverse), [x],
                                 [identity(get_aval(x).dtype)], axis, reverse)
        continues = convert_element_type(eq(ans, before), dtype)
        at_extremum = convert_element_type(eq(x, ans), dtype)
        total = linear_recurrence(continues, mul(g, at_extremum), axis, reverse)
        count = linear_recurrence(continues, at_extremum, axis, reverse)
        return div(total, count)

    return rule


defjvp(cummax_p, _cumulative_chooser_jvp(cummax, lowest_value))
defjvp(cummin_p, _cumulative_chooser_jvp(cummin, highest_value))
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
    return bind_checked(linear_recurrence_p, a, b, axis=int(axis) % ndim,
                         reverse=bool(reverse))


def _exclusive_linear_recurrence(a: Any, b: Any, axis: int, reverse: bool) -> Any:
    """Element i is y[i-1] (y[i+1] when ``reverse``), 0 at the start: the identity map is
    ``a = 1, b = 0``."""
    return _exclusive_scan(lambda a_, b_: linear_recurrence(a_, b_, axis, reverse), [a, b],
                           [1, 0], axis, reverse)


def _linear_recurrence_jvp(primals: Sequence[Any], tangents: Sequence[Any], axis: int,
                           reverse: bool) -> tuple[Any, Any]:
    # dy_i = a_i * dy_{i-1} + (da_i * y_{i-1} + db_i): the same recurrence, another forcing.
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
    if is_undefined(a):
        raise NonLinearError("linear_recurrence is not linear in its coefficients a")
    later = _exclusive_linear_recurrence(a, mul(a, ct), axis, not reverse)
    return [None, add(ct, later)]


transpose_rules[linear_recurrence_p] = _linear_recurrence_transpose


def _linear_recurrence_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any], axis: int,
                             reverse: bool) -> tuple[Any, Any]:
    size = next(get_aval(x).shape[d] for x, d in zip(args, bdims) if d is not not_mapped)
    a, b = (move_batch_axis(x, d, 0, size) for x, d in zip(args, bdims))
    return linear_recurrence_p.bind(a, b, axis=axis + 1, reverse=reverse), 0


batching_rules[linear_recurrence_p] = _linear_recurrence_batch
