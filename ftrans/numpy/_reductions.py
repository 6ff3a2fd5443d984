"""Reductions and statistics with NumPy's ``axis``, ``keepdims`` and ``dtype`` semantics.

sum, prod, mean, max / amax, min / amin, ptp, var, std, argmax, argmin, all, any,
count_nonzero, average, cumsum, cumprod. Each canonicalizes ``axis`` (int, tuple, None,
negative), picks NumPy's result dtype (small integers and bools sum in the platform integer,
means of integers are float64), applies one lax reduction and restores reduced axes for
``keepdims``. See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import get_aval
from ftrans.lax import reductions as lax_reductions
from ftrans.numpy._axes import check_no_out, normalize_axes, normalize_axis
from ftrans.numpy._elementwise import (
    maximum,
    minimum,
    multiply,
    sqrt,
    subtract,
    to_bool,
    true_divide,
)
from ftrans.numpy._promotion import asarray_strong, cast, result_type

__all__ = ["sum", "prod", "mean", "max", "min", "amax", "amin", "ptp", "var", "std",
           "argmax", "argmin", "all", "any", "count_nonzero", "average", "cumsum", "cumprod"]

Axis = int | Sequence[int] | None


def _prepare(a: Any, axis: Axis) -> tuple[Any, tuple[int, ...], tuple[int, ...]]:
    """(the array, its shape, the canonical reduced axes)."""
    a = asarray_strong(a)
    shape = get_aval(a).shape
    return a, shape, normalize_axes(axis, len(shape))


def _keep(out: Any, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Any:
    if not keepdims:
        return out
    return lax.reshape(out, tuple(1 if i in axes else d for i, d in enumerate(shape)))


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    count = 1
    for ax in axes:
        count *= shape[ax]
    return count


def _sum_dtype(dtype: np.dtype) -> np.dtype:
    """NumPy sums bools and small integers in the platform integer."""
    if dtype.kind == "b" or (dtype.kind == "i" and dtype.itemsize < 8):
        return np.dtype(np.int64)
    if dtype.kind == "u" and dtype.itemsize < 8:
        return np.dtype(np.uint64)
    return dtype


def _masked(a: Any, where: Any, fill: Any) -> Any:
    """``a`` with ``fill`` where ``where`` is false (the ``where=`` argument of reductions)."""
    if where is True or where is None:
        return a
    mask = to_bool(where)
    aval = get_aval(a)
    shape = np.broadcast_shapes(aval.shape, get_aval(mask).shape)
    if shape != aval.shape:
        raise ValueError(f"where= of shape {get_aval(mask).shape} does not broadcast to the "
                         f"array's shape {aval.shape}")
    return lax.select_n(mask, np.asarray(fill, aval.dtype)[()], a)


# ---------------------------------------------------------------------------------------------
# Sums and products
# ---------------------------------------------------------------------------------------------


def _reduce_dtype(dtype: np.dtype, requested: Any, promote_integers: bool) -> np.dtype:
    if requested is not None:
        return np.dtype(requested)
    if not promote_integers and dtype.kind in "iu":
        return dtype
    return _sum_dtype(dtype)


def sum(a: Any, axis: Axis = None, dtype: Any = None, out: None = None,  # noqa: A001
        keepdims: bool = False, initial: Any = None, where: Any = True, *,
        promote_integers: bool = True) -> Any:
    """Sum of the elements over ``axis`` (all axes by default).

    Bools and integers narrower than 64 bits are summed in int64 (uint64 for unsigned), as in
    NumPy; ``dtype`` overrides, and ``promote_integers=False`` (JAX) keeps the integer dtype.
    ``initial`` is added to every sum; ``where`` masks elements.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.sum(np.array([[True, False], [True, True]]), axis=0)
    array([2, 1])
    """
    check_no_out(out, "sum")
    a, shape, axes = _prepare(a, axis)
    out_dtype = _reduce_dtype(get_aval(a).dtype, dtype, promote_integers)
    x = _masked(cast(a, out_dtype), where, 0)
    total = lax.reduce_sum(x, axes)
    if initial is not None:
        total = lax.add(total, cast(initial, out_dtype))
    return _keep(total, shape, axes, keepdims)


def prod(a: Any, axis: Axis = None, dtype: Any = None, out: None = None,
         keepdims: bool = False, initial: Any = None, where: Any = True, *,
         promote_integers: bool = True) -> Any:
    """Product of the elements over ``axis``, with :func:`sum`'s dtype rules."""
    check_no_out(out, "prod")
    a, shape, axes = _prepare(a, axis)
    out_dtype = _reduce_dtype(get_aval(a).dtype, dtype, promote_integers)
    x = _masked(cast(a, out_dtype), where, 1)
    total = lax_reductions.reduce_prod(x, axes) if axes else x
    if initial is not None:
        total = lax.mul(total, cast(initial, out_dtype))
    return _keep(total, shape, axes, keepdims)


def mean(a: Any, axis: Axis = None, dtype: Any = None, out: None = None,
         keepdims: bool = False, *, where: Any = True) -> Any:
    """Arithmetic mean over ``axis``. Integers and bools average in float64, float16 in
    float32 (rounded back), as in NumPy.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.mean(np.array([[1, 2], [4, 4]], np.int8), axis=-1, keepdims=True)
    array([[1.5],
           [4. ]])
    """
    check_no_out(out, "mean")
    a, shape, axes = _prepare(a, axis)
    in_dtype = get_aval(a).dtype
    if dtype is not None:
        sum_dtype = result_dtype = np.dtype(dtype)
    elif in_dtype.kind in "biu":
        sum_dtype = result_dtype = np.dtype(np.float64)
    elif in_dtype == np.float16:
        sum_dtype, result_dtype = np.dtype(np.float32), in_dtype
    else:
        sum_dtype = result_dtype = in_dtype
    total = sum(a, axes, sum_dtype, keepdims=keepdims, where=where)
    count = _where_count(shape, axes, keepdims, where)
    with np.errstate(invalid="ignore", divide="ignore"):
        return cast(_true_divide(total, count), result_dtype)


def _where_count(shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool,
                 where: Any) -> Any:
    """The number of elements each reduction combines: an int, or an array with ``where=``."""
    if where is True or where is None:
        return _count(shape, axes)
    mask = lax.broadcast_to(to_bool(where), shape)
    return sum(mask, axes, np.dtype(np.int64), keepdims=keepdims)


def _true_divide(x: Any, count: Any) -> Any:
    return true_divide(x, count)


# ---------------------------------------------------------------------------------------------
# Extrema
# ---------------------------------------------------------------------------------------------


def _extremum(name: str, reducer: str, a: Any, axis: Axis, out: Any, keepdims: bool,
              initial: Any, where: Any) -> Any:
    check_no_out(out, name)
    a, shape, axes = _prepare(a, axis)
    if _count(shape, axes) == 0 and initial is None:
        raise ValueError(f"zero-size array to reduction operation {name} which has no "
                         f"identity")
    if where is not True and where is not None:
        if initial is None:
            raise ValueError(f"reduction operation '{name}' does not have an identity, so to "
                             f"use a where mask one has to specify 'initial'")
        a = _masked(a, where, initial)
    result = getattr(lax_reductions, reducer)(a, axes) if axes else a
    if initial is not None:
        result = (maximum if name == "maximum" else minimum)(result, initial)
    return _keep(result, shape, axes, keepdims)


def max(a: Any, axis: Axis = None, out: None = None, keepdims: bool = False,  # noqa: A001
        initial: Any = None, where: Any = True) -> Any:
    """Largest element over ``axis``; NaN if any is NaN. Ties share the derivative.

    Raises:
      ValueError: the reduction is over zero elements and no ``initial`` is given.
    """
    return _extremum("maximum", "reduce_max", a, axis, out, keepdims, initial, where)


def min(a: Any, axis: Axis = None, out: None = None, keepdims: bool = False,  # noqa: A001
        initial: Any = None, where: Any = True) -> Any:
    """Smallest element over ``axis``; NaN if any is NaN.

    Raises:
      ValueError: the reduction is over zero elements and no ``initial`` is given.
    """
    return _extremum("minimum", "reduce_min", a, axis, out, keepdims, initial, where)


amax, amin = max, min


def ptp(a: Any, axis: Axis = None, out: None = None, keepdims: bool = False) -> Any:
    """Range of values (maximum - minimum) over ``axis``."""
    return subtract(max(a, axis, out, keepdims), min(a, axis, out, keepdims))


def _arg_extremum(name: str, a: Any, axis: int | None, out: Any, keepdims: bool) -> Any:
    check_no_out(out, name)
    a = asarray_strong(a)
    shape = get_aval(a).shape
    if axis is None:
        flat = lax.reshape(a, (builtins.max(_count(shape, tuple(range(len(shape)))), 0),))
        result = _arg_extremum(name, flat, 0, None, False)
        return lax.reshape(result, (1,) * len(shape)) if keepdims else result
    ax = normalize_axis(axis, len(shape))
    if shape[ax] == 0:
        raise ValueError(f"attempt to get {name} of an empty sequence")
    result = getattr(lax_reductions, name)(a, ax, np.dtype(np.int64))
    return _keep(result, shape, (ax,), keepdims)


def argmax(a: Any, axis: int | None = None, out: None = None, *,
           keepdims: bool = False) -> Any:
    """Index of the first largest element along ``axis`` (of the flattened array when None);
    int64. Its derivative is zero."""
    return _arg_extremum("argmax", a, axis, out, keepdims)


def argmin(a: Any, axis: int | None = None, out: None = None, *,
           keepdims: bool = False) -> Any:
    """Index of the first smallest element along ``axis`` (of the flattened array when None);
    int64."""
    return _arg_extremum("argmin", a, axis, out, keepdims)


# ---------------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------------


def var(a: Any, axis: Axis = None, dtype: Any = None, out: None = None, ddof: float = 0,
        keepdims: bool = False, *, where: Any = True, mean: Any = None,
        correction: float | None = None) -> Any:
    """Variance over ``axis``: ``sum(|a - mean|**2) / (n - ddof)`` (``correction`` is the
    array-API name of ``ddof``). Integers are computed in float64, as in NumPy."""
    check_no_out(out, "var")
    if correction is not None:
        if ddof != 0:
            raise ValueError("var: ddof and correction can't be provided simultaneously")
        ddof = correction
    a, shape, axes = _prepare(a, axis)
    in_dtype = get_aval(a).dtype
    if dtype is None and in_dtype.kind in "biu":
        dtype = np.dtype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if mean is None:
            count = _where_count(shape, axes, True, where)
            mean = _true_divide(sum(a, axes, dtype, keepdims=True, where=where), count)
            mean = cast(mean, np.dtype(dtype) if dtype is not None else in_dtype)
        centered = subtract(a, mean)
        if get_aval(centered).dtype.kind == "c":  # |a - mean|**2, real (NumPy's rule)
            re, im = lax.real(centered), lax.imag(centered)
            squares = lax.add(lax.mul(re, re), lax.mul(im, im))
        else:
            squares = multiply(centered, centered)
        total = sum(squares, axes, dtype, keepdims=keepdims, where=where)
        count = _where_count(shape, axes, keepdims, where)
        if isinstance(count, int):
            denominator = builtins.max(count - ddof, 0)
        else:
            denominator = maximum(subtract(count, ddof), 0)
        return cast(_true_divide(total, denominator), get_aval(total).dtype)


def std(a: Any, axis: Axis = None, dtype: Any = None, out: None = None, ddof: float = 0,
        keepdims: bool = False, *, where: Any = True, mean: Any = None,
        correction: float | None = None) -> Any:
    """Standard deviation over ``axis``: the square root of :func:`var`.

    When each reduction sees a single element (and the mean is its own), the deviation is
    identically zero, so the result is a constant of the input: its derivative is 0 rather
    than the square root's infinite slope at 0 times a zero tangent (NaN).
    """
    variance = var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                   correction=correction)
    a, shape, axes = _prepare(a, axis)
    if mean is None and (where is True or where is None) and _count(shape, axes) == 1:
        variance = lax.stop_gradient(variance)
    return sqrt(variance)


def average(a: Any, axis: Axis = None, weights: Any = None, returned: bool = False, *,
            keepdims: bool = False) -> Any:
    """Weighted mean over ``axis`` (:func:`mean` without ``weights``); with ``returned``,
    also the sum of the weights."""
    a = asarray_strong(a)
    if weights is None:
        avg = mean(a, axis, keepdims=keepdims)
        if not returned:
            return avg
        shape = get_aval(a).shape
        count = _count(shape, normalize_axes(axis, len(shape)))
        return avg, np.full(get_aval(avg).shape, count, get_aval(avg).dtype)[()]
    w = asarray_strong(weights)
    a_shape, w_shape = get_aval(a).shape, get_aval(w).shape
    if w_shape != a_shape:
        if axis is None:
            raise TypeError("average: axis must be specified when shapes of a and weights "
                            "differ")
        axes = normalize_axes(axis, len(a_shape))
        if len(w_shape) != len(axes) or tuple(a_shape[i] for i in axes) != w_shape:
            raise ValueError("average: shape of weights must be consistent with shape of a "
                             "along specified axis")
        w = lax.broadcast_in_dim(w, a_shape, axes)
    dtype = result_type(a, w, 1.0)
    a, w = cast(a, dtype), cast(w, dtype)
    scale = sum(w, axis, keepdims=keepdims)
    avg = _true_divide(sum(multiply(a, w), axis, keepdims=keepdims), scale)
    return (avg, lax.broadcast_to(scale, get_aval(avg).shape)) if returned else avg


# ---------------------------------------------------------------------------------------------
# Truth
# ---------------------------------------------------------------------------------------------


def all(a: Any, axis: Axis = None, out: None = None, keepdims: bool = False,  # noqa: A001
        *, where: Any = True) -> Any:
    """Whether every element over ``axis`` is true (nonzero; NaN counts as true)."""
    check_no_out(out, "all")
    a, shape, axes = _prepare(a, axis)
    x = _masked(to_bool(a), where, True)
    result = lax_reductions.reduce_and(x, axes) if axes else x
    return _keep(result, shape, axes, keepdims)


def any(a: Any, axis: Axis = None, out: None = None, keepdims: bool = False,  # noqa: A001
        *, where: Any = True) -> Any:
    """Whether any element over ``axis`` is true (nonzero)."""
    check_no_out(out, "any")
    a, shape, axes = _prepare(a, axis)
    x = _masked(to_bool(a), where, False)
    result = lax_reductions.reduce_or(x, axes) if axes else x
    return _keep(result, shape, axes, keepdims)


def count_nonzero(a: Any, axis: Axis = None, *, keepdims: bool = False) -> Any:
    """Number of nonzero elements over ``axis`` (int64)."""
    return sum(to_bool(asarray_strong(a)), axis, np.dtype(np.int64), keepdims=keepdims)


# ---------------------------------------------------------------------------------------------
# Cumulative reductions
# ---------------------------------------------------------------------------------------------


def _cumulative(name: str, a: Any, axis: int | None, dtype: Any, out: Any) -> Any:
    check_no_out(out, name)
    a = asarray_strong(a)
    if axis is None:
        a = lax.reshape(a, (-1,))
        axis = 0
    aval = get_aval(a)
    ax = normalize_axis(axis, aval.ndim) if aval.ndim else 0
    out_dtype = np.dtype(dtype) if dtype is not None else _sum_dtype(aval.dtype)
    x = cast(a, out_dtype)
    if aval.ndim == 0:
        return lax.reshape(x, (1,))
    return getattr(lax_reductions, name)(x, ax)


def cumsum(a: Any, axis: int | None = None, dtype: Any = None, out: None = None) -> Any:
    """Running sums along ``axis`` (of the flattened array when None); :func:`sum`'s
    dtype rules."""
    return _cumulative("cumsum", a, axis, dtype, out)


def cumprod(a: Any, axis: int | None = None, dtype: Any = None, out: None = None) -> Any:
    """Running products along ``axis`` (of the flattened array when None)."""
    return _cumulative("cumprod", a, axis, dtype, out)

