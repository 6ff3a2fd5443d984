"""Order statistics, NaN-ignoring reductions and counting: median, quantile, percentile (and
their nan- forms), nansum, nanprod, nanmean, nanvar, nanstd, nanmax, nanmin, nanargmax,
nanargmin, nancumsum, nancumprod, histogram, bincount.

Quantiles sort along the reduced axes (``lax.sort``, NaNs last) and gather the two neighbours
of each virtual index; the interpolation is NumPy's (``_lerp``), so values match NumPy and the
derivative flows to the picked elements (and to ``q``). The nan- reductions replace NaNs by the
operation's identity *before* reducing, so no NaN reaches a derivative. Counting functions
scatter-add into a static number of bins. See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import ConcretizationError, Tracer, get_aval
from ftrans.lax import gather_scatter, sorting as lax_sorting
from ftrans.numpy import _reductions as reductions
from ftrans.numpy._axes import check_no_out, normalize_axes
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy._elementwise import sqrt, to_bool, true_divide
from ftrans.numpy._sorting import searchsorted

__all__ = ["median", "quantile", "percentile", "nanmedian", "nanquantile", "nanpercentile",
           "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
           "nanargmax", "nanargmin", "nancumsum", "nancumprod", "histogram", "bincount"]

Axis = int | Sequence[int] | None


def _isnan(x: Any) -> Any:
    return lax.ne(x, x)


def _scalar(x: Any) -> Any:
    """A 0-d NumPy result as a NumPy scalar, as NumPy's reductions return."""
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


def _is_inexact(x: Any) -> bool:
    return get_aval(x).dtype.kind in "fc"


def concrete_array(x: Any) -> Any:
    """The concrete value of ``x`` (an array, or a tracer that knows its value), or None."""
    if not isinstance(x, Tracer):
        return np.asarray(x)
    return x.to_concrete_value() if x._trace.is_alive else None


# ---------------------------------------------------------------------------------------------
# Quantiles
# ---------------------------------------------------------------------------------------------

# (alpha, beta) of the continuous methods (Hyndman & Fan): virtual index
# n*q + alpha + q*(1 - alpha - beta) - 1
_CONTINUOUS = {"linear": (1.0, 1.0), "weibull": (0.0, 0.0), "hazen": (0.5, 0.5),
               "median_unbiased": (1 / 3, 1 / 3), "normal_unbiased": (3 / 8, 3 / 8),
               "interpolated_inverted_cdf": (0.0, 1.0)}
_DISCRETE = ("lower", "higher", "nearest", "midpoint")


def _sorted_along_last(a: Any, axis: Axis) -> tuple[Any, tuple[int, ...], tuple[int, ...]]:
    """``a`` with the reduced axes moved last, merged and sorted; (array, a's shape, axes)."""
    shape = get_aval(a).shape
    axes = normalize_axes(axis, len(shape))
    kept = [d for d in range(len(shape)) if d not in axes]
    moved = lax.transpose(a, tuple(kept + list(axes)))
    n = 1
    for d in axes:
        n *= shape[d]
    merged = lax.reshape(moved, tuple(shape[d] for d in kept) + (n,))
    return lax_sorting.sort(merged, len(kept)), shape, axes


def _lerp(a: Any, b: Any, t: Any) -> Any:
    """NumPy's ``_lerp``: a + (b - a) t, computed from the nearer end for accuracy."""
    diff = lax.sub(b, a)
    from_a = lax.add(a, lax.mul(diff, t))
    from_b = lax.sub(b, lax.mul(diff, lax.sub(np.ones((), get_aval(t).dtype), t)))
    return lax.select_n(lax.ge(t, np.asarray(0.5, get_aval(t).dtype)), from_a, from_b)


def _pick(sorted_a: Any, index: Any, q_shape: tuple[int, ...]) -> Any:
    """``sorted_a[..., index]`` for integer ``index`` of ``q``'s shape (or of q's shape plus
    the kept shape for per-slice indices): the result has q's axes first."""
    kept_rank = get_aval(sorted_a).ndim - 1
    index_shape = get_aval(index).shape
    if len(index_shape) == len(q_shape):  # one index per q, shared by all slices
        points = lax.reshape(index, index_shape + (1,))
        return gather_scatter.gather(sorted_a, points, (kept_rank,))
    # per-slice indices (nan- forms): shape q_shape + kept; gather with the kept axes too
    kept = get_aval(sorted_a).shape[:-1]
    full = q_shape + kept
    columns = [lax.reshape(lax.broadcasted_iota(np.int64, full, len(q_shape) + d), full + (1,))
               for d in range(kept_rank)]
    columns.append(lax.reshape(index, full + (1,)))
    points = columns[0] if len(columns) == 1 else lax.concatenate(columns, len(full))
    return gather_scatter.gather(sorted_a, points, tuple(range(kept_rank + 1)))


def _quantile(name: str, a: Any, q: Any, axis: Axis, out: Any, method: str, keepdims: bool,
              ignore_nan: bool, scale: float = 1.0, weights: Any = None) -> Any:
    check_no_out(out, name)
    if weights is not None:
        raise NotImplementedError(f"{name}: weights= is not supported")
    if method not in _CONTINUOUS and method not in _DISCRETE:
        raise ValueError(f"{name}: method {method!r} is not supported; use one of "
                         f"{sorted(_CONTINUOUS) + list(_DISCRETE)}")
    a = asarray_strong(a)
    dtype = result_type(a, q if type(q) is float else asarray_strong(q))
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    if get_aval(a).dtype.kind == "c":
        raise TypeError(f"{name}: a must be an array of real numbers")
    q = asarray_strong(q)
    # NumPy computes the virtual index in q's own floating dtype (float64 for Python floats)
    index_dtype = get_aval(q).dtype if get_aval(q).dtype.kind == "f" else np.dtype(np.float64)
    q = cast(q, index_dtype)
    if scale != 1.0:
        q = lax.div(q, index_dtype.type(scale))
    q_value = concrete_array(q)
    if q_value is not None and np.any((q_value < 0) | (q_value > 1)):
        raise ValueError(f"{'Percentiles' if scale != 1 else 'Quantiles'} must be in the range "
                         f"[{0}, {int(scale)}]")
    picks_only = method in ("lower", "higher", "nearest")  # these keep a's dtype, as NumPy
    if not picks_only:
        a = cast(a, dtype)
    sorted_a, shape, axes = _sorted_along_last(a, axis)
    n = get_aval(sorted_a).shape[-1]
    if n == 0:
        raise IndexError(f"{name}: cannot take a quantile of an empty slice")
    q_shape = get_aval(q).shape
    idx = index_dtype.type
    if ignore_nan:  # NaNs sort last: each slice has its own number of valid elements
        valid = reductions.sum(lax.bitwise_not(_isnan(sorted_a)), -1)
        count = lax.convert_element_type(valid, index_dtype)
        count = lax.reshape(count, (1,) * len(q_shape) + get_aval(count).shape)
        q = lax.reshape(q, q_shape + (1,) * (get_aval(sorted_a).ndim - 1))
    else:
        count = idx(n)
    last = lax.sub(count, idx(1))
    if method in _CONTINUOUS and method != "linear":
        alpha, beta = _CONTINUOUS[method]
        virtual = lax.sub(lax.add(lax.mul(count, q), lax.add(idx(alpha), lax.mul(
            q, idx(1 - alpha - beta)))), idx(1))
    else:
        virtual = lax.mul(last, q)
    virtual = lax.max(lax.min(virtual, last), idx(0))  # NumPy clamps into [0, n - 1]
    below = lax.floor(virtual)
    if method == "lower":
        below = above = below
        gamma = None
    elif method == "higher":
        below = above = lax.ceil(virtual)
        gamma = None
    elif method == "nearest":
        below = above = lax.round(virtual, lax.ROUND_TO_NEAREST_EVEN)
        gamma = None
    else:
        above = lax.min(lax.add(below, idx(1)), last)
        gamma = lax.sub(virtual, below)
        if method == "midpoint":
            gamma = lax.select_n(lax.eq(gamma, idx(0)), idx(0.5), idx(0))
        gamma = cast(gamma, dtype)
    low = _pick(sorted_a, lax.convert_element_type(below, np.int64), q_shape)
    if gamma is None:
        result = low
    else:
        high = _pick(sorted_a, lax.convert_element_type(above, np.int64), q_shape)
        gamma = lax.reshape(gamma, get_aval(gamma).shape + (1,) * (
            get_aval(low).ndim - get_aval(gamma).ndim))
        result = _lerp(low, high, gamma)
    if not ignore_nan and _is_inexact(sorted_a):  # a NaN in a slice makes its quantiles NaN
        has_nan = _isnan(lax.index_in_dim(sorted_a, n - 1, get_aval(sorted_a).ndim - 1, False))
        result = lax.select_n(has_nan, result,
                              np.asarray(np.nan, get_aval(result).dtype)[()])
    if keepdims:
        kept_shape = tuple(1 if d in axes else s for d, s in enumerate(shape))
        result = lax.reshape(result, q_shape + kept_shape)
    return _scalar(result)


def quantile(a: Any, q: Any, axis: Axis = None, out: None = None, overwrite_input: bool = False,
             method: str = "linear", keepdims: bool = False, *, weights: Any = None) -> Any:
    """The ``q``-th quantiles of ``a`` over ``axis``; ``q``'s axes come first in the result.

    ``method``: 'linear' (default), 'lower', 'higher', 'nearest', 'midpoint', 'weibull',
    'hazen', 'median_unbiased', 'normal_unbiased', 'interpolated_inverted_cdf' (NumPy's
    definitions). Any NaN in a slice makes its quantiles NaN. Differentiable in ``a`` and ``q``.

    Raises:
      ValueError: a concrete ``q`` outside [0, 1], or an unsupported method.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.quantile(np.array([1., 2., 4., 8.]), [0.5, 1.0])
    array([3., 8.])
    """
    return _quantile("quantile", a, q, axis, out, method, keepdims, False, weights=weights)


def percentile(a: Any, q: Any, axis: Axis = None, out: None = None,
               overwrite_input: bool = False, method: str = "linear", keepdims: bool = False,
               *, weights: Any = None) -> Any:
    """:func:`quantile` with ``q`` in percent (0 to 100)."""
    return _quantile("percentile", a, q, axis, out, method, keepdims, False, 100.0, weights)


def nanquantile(a: Any, q: Any, axis: Axis = None, out: None = None,
                overwrite_input: bool = False, method: str = "linear", keepdims: bool = False,
                *, weights: Any = None) -> Any:
    """:func:`quantile` ignoring NaNs (an all-NaN slice gives NaN)."""
    return _quantile("nanquantile", a, q, axis, out, method, keepdims, True, weights=weights)


def nanpercentile(a: Any, q: Any, axis: Axis = None, out: None = None,
                  overwrite_input: bool = False, method: str = "linear", keepdims: bool = False,
                  *, weights: Any = None) -> Any:
    """:func:`percentile` ignoring NaNs."""
    return _quantile("nanpercentile", a, q, axis, out, method, keepdims, True, 100.0, weights)


def median(a: Any, axis: Axis = None, out: None = None, overwrite_input: bool = False,
           keepdims: bool = False) -> Any:
    """The median over ``axis`` (the mean of the two middle values for an even count); NaN if
    a slice has a NaN. Integers give float64.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.median(np.array([[1, 5, 2], [4, 3, 6]]), axis=1)
    array([2., 4.])
    """
    check_no_out(out, "median")
    a = asarray_strong(a)
    if get_aval(a).size == 0:
        raise IndexError("median: cannot take the median of an empty slice")
    return _quantile("median", a, 0.5, axis, None, "linear", keepdims, False)


def nanmedian(a: Any, axis: Axis = None, out: None = None, overwrite_input: bool = False,
              keepdims: bool = False) -> Any:
    """:func:`median` ignoring NaNs."""
    check_no_out(out, "nanmedian")
    return _quantile("nanmedian", a, 0.5, axis, None, "linear", keepdims, True)


# ---------------------------------------------------------------------------------------------
# NaN-ignoring reductions
# ---------------------------------------------------------------------------------------------


def _replace_nan(a: Any, value: Any) -> Any:
    a = asarray_strong(a)
    if not _is_inexact(a):
        return a
    return lax.select_n(_isnan(a), a, np.asarray(value, get_aval(a).dtype)[()])


def nansum(a: Any, axis: Axis = None, dtype: Any = None, out: None = None,
           keepdims: bool = False, initial: Any = None, where: Any = True) -> Any:
    """:func:`sum` treating NaNs as zero.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.nansum(np.array([1., np.nan, 2.]))
    np.float64(3.0)
    """
    return reductions.sum(_replace_nan(a, 0), axis, dtype, out, keepdims, initial, where)


def nanprod(a: Any, axis: Axis = None, dtype: Any = None, out: None = None,
            keepdims: bool = False, initial: Any = None, where: Any = True) -> Any:
    """:func:`prod` treating NaNs as one."""
    return reductions.prod(_replace_nan(a, 1), axis, dtype, out, keepdims, initial, where)


def nancumsum(a: Any, axis: int | None = None, dtype: Any = None, out: None = None) -> Any:
    """:func:`cumsum` treating NaNs as zero."""
    return reductions.cumsum(_replace_nan(a, 0), axis, dtype, out)


def nancumprod(a: Any, axis: int | None = None, dtype: Any = None, out: None = None) -> Any:
    """:func:`cumprod` treating NaNs as one."""
    return reductions.cumprod(_replace_nan(a, 1), axis, dtype, out)


def _not_nan_mask(a: Any, where: Any) -> Any:
    mask = lax.bitwise_not(_isnan(a))
    if where is True or where is None:
        return mask
    return lax.bitwise_and(mask, to_bool(where))


def nanmean(a: Any, axis: Axis = None, dtype: Any = None, out: None = None,
            keepdims: bool = False, *, where: Any = True) -> Any:
    """:func:`mean` ignoring NaNs (an all-NaN slice gives NaN).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.nanmean(np.array([[1., np.nan], [2., 4.]]), axis=1)
    array([1., 3.])
    """
    a = asarray_strong(a)
    if not _is_inexact(a):
        return reductions.mean(a, axis, dtype, out, keepdims, where=where)
    return reductions.mean(_replace_nan(a, 0), axis, dtype, out, keepdims,
                           where=_not_nan_mask(a, where))


def nanvar(a: Any, axis: Axis = None, dtype: Any = None, out: None = None, ddof: float = 0,
           keepdims: bool = False, *, where: Any = True, mean: Any = None,
           correction: float | None = None) -> Any:
    """:func:`var` ignoring NaNs."""
    a = asarray_strong(a)
    if not _is_inexact(a):
        return reductions.var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                              correction=correction)
    return reductions.var(_replace_nan(a, 0), axis, dtype, out, ddof, keepdims,
                          where=_not_nan_mask(a, where), mean=mean, correction=correction)


def nanstd(a: Any, axis: Axis = None, dtype: Any = None, out: None = None, ddof: float = 0,
           keepdims: bool = False, *, where: Any = True, mean: Any = None,
           correction: float | None = None) -> Any:
    """:func:`std` ignoring NaNs."""
    return sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                       correction=correction))


def _nan_extremum(name: str, a: Any, axis: Axis, out: Any, keepdims: bool, initial: Any,
                  where: Any) -> Any:
    a = asarray_strong(a)
    reduce = reductions.max if name == "nanmax" else reductions.min
    if not _is_inexact(a):
        return reduce(a, axis, out, keepdims, initial, where)
    fill = -np.inf if name == "nanmax" else np.inf
    result = reduce(_replace_nan(a, fill), axis, out, keepdims, initial, where)
    all_nan = reductions.all(_isnan(a), axis, keepdims=keepdims)
    if initial is None:
        result = lax.select_n(all_nan, result, np.asarray(np.nan, get_aval(a).dtype)[()])
    return _scalar(result)


def nanmax(a: Any, axis: Axis = None, out: None = None, keepdims: bool = False,
           initial: Any = None, where: Any = True) -> Any:
    """:func:`max` ignoring NaNs (an all-NaN slice gives NaN).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.nanmax(np.array([1., np.nan, 3.]))
    np.float64(3.0)
    """
    return _nan_extremum("nanmax", a, axis, out, keepdims, initial, where)


def nanmin(a: Any, axis: Axis = None, out: None = None, keepdims: bool = False,
           initial: Any = None, where: Any = True) -> Any:
    """:func:`min` ignoring NaNs (an all-NaN slice gives NaN)."""
    return _nan_extremum("nanmin", a, axis, out, keepdims, initial, where)


def _nan_arg_extremum(name: str, a: Any, axis: int | None, out: Any, keepdims: bool) -> Any:
    a = asarray_strong(a)
    arg = reductions.argmax if name == "nanargmax" else reductions.argmin
    if not _is_inexact(a):
        return arg(a, axis, out, keepdims=keepdims)
    all_nan = reductions.all(_isnan(a), axis, keepdims=keepdims)
    value = concrete_array(all_nan)
    if value is not None and np.any(value):
        raise ValueError("All-NaN slice encountered")
    fill = -np.inf if name == "nanargmax" else np.inf
    result = arg(_replace_nan(a, fill), axis, out, keepdims=keepdims)
    # abstract input: an all-NaN slice cannot raise, so it gives -1 (as JAX does)
    return _scalar(lax.select_n(all_nan, result, np.int64(-1)))


def nanargmax(a: Any, axis: int | None = None, out: None = None, *,
              keepdims: bool = False) -> Any:
    """:func:`argmax` ignoring NaNs.

    Raises:
      ValueError: a concrete slice is all NaN (abstract ones give -1).
    """
    return _nan_arg_extremum("nanargmax", a, axis, out, keepdims)


def nanargmin(a: Any, axis: int | None = None, out: None = None, *,
              keepdims: bool = False) -> Any:
    """:func:`argmin` ignoring NaNs.

    Raises:
      ValueError: a concrete slice is all NaN (abstract ones give -1).
    """
    return _nan_arg_extremum("nanargmin", a, axis, out, keepdims)


# ---------------------------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------------------------


def bincount(x: Any, weights: Any = None, minlength: int = 0, *,
             length: int | None = None) -> Any:
    """Number of occurrences of each value in the non-negative integer array ``x`` (or the sum
    of ``weights`` per value, in float64).

    The output's length is ``max(x) + 1`` (at least ``minlength``), which needs a concrete
    ``x``; under transformations pass a static ``length`` (values ``>= length`` are ignored,
    as in JAX). Differentiable in ``weights``.

    Raises:
      ValueError: a concrete negative value, or ``x`` not 1-d.
      ConcretizationError: abstract ``x`` without ``length``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.bincount(np.array([0, 1, 1, 3]))
    array([1, 2, 0, 1])
    """
    x = asarray_strong(x)
    aval = get_aval(x)
    if aval.ndim != 1:
        raise ValueError("object too deep for desired array" if aval.ndim > 1 else
                         "object of too small depth for desired array")
    if aval.dtype.kind not in "biu":
        raise TypeError(f"Cannot cast array data from dtype('{aval.dtype}') to "
                        f"dtype('int64') according to the rule 'safe'")
    value = concrete_array(x)
    if value is not None and value.size and value.min() < 0:
        raise ValueError("'list' argument must have no negative elements")
    if length is None:
        if value is None:
            raise ConcretizationError(
                f"bincount of a traced {aval.str_short()} has a data-dependent length; pass a "
                f"static length= (values at or beyond it are ignored)")
        length = builtins.max(int(value.max()) + 1 if value.size else 0, int(minlength))
    points = lax.reshape(lax.convert_element_type(x, np.int64), (aval.shape[0], 1))
    if weights is None:
        updates: Any = np.ones(aval.shape, np.int64)
        zeros = np.zeros(length, np.int64)
    else:
        updates = cast(asarray_strong(weights), np.dtype(np.float64))
        if get_aval(updates).shape != aval.shape:
            raise ValueError("The weights and list don't have the same length.")
        zeros = np.zeros(length, np.float64)
    return gather_scatter.scatter_add(zeros, points, updates, (0,))


def histogram(a: Any, bins: Any = 10, range: tuple[float, float] | None = None,  # noqa: A002
              density: bool | None = None, weights: Any = None) -> tuple[Any, Any]:
    """Counts of ``a``'s values in ``bins`` (an int: equal bins over ``range`` or the data's
    range; or a concrete increasing array of edges). The last bin includes its right edge;
    values outside are ignored. Returns (counts, edges): int64 counts, ``weights``' dtype with
    weights, float64 with ``density``. The counts are piecewise constant (zero derivative);
    with weights they are differentiable in the weights.

    Raises:
      ValueError: non-increasing edges, bins < 1, or a non-finite range.
      NotImplementedError: a string ``bins`` ('auto', ...).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.histogram(np.array([0., 1., 1., 3.]), bins=3)
    (array([1, 2, 1]), array([0., 1., 2., 3.]))
    """
    a = lax.reshape(asarray_strong(a), (-1,))
    edges = histogram_edges(a, bins, range)
    n_bins = get_aval(edges).shape[0] - 1
    dtype = get_aval(edges).dtype
    values = lax.stop_gradient(cast(a, dtype))
    edges_c = lax.stop_gradient(edges)
    index = lax.sub(searchsorted(edges_c, values, side="right"), np.int64(1))
    last = lax.index_in_dim(edges_c, n_bins, 0, False)
    first = lax.index_in_dim(edges_c, 0, 0, False)
    index = lax.select_n(lax.eq(values, last), index, np.int64(n_bins - 1))
    inside = lax.bitwise_and(lax.ge(values, first), lax.le(values, last))
    index = lax.select_n(inside, np.int64(n_bins), index)  # bin n_bins is dropped
    points = lax.reshape(index, (get_aval(index).shape[0], 1))
    if weights is None:
        counts = gather_scatter.scatter_add(np.zeros(n_bins, np.int64), points,
                                          np.ones(get_aval(values).shape, np.int64), (0,))
    else:
        w = lax.reshape(asarray_strong(weights), (-1,))
        if get_aval(w).shape != get_aval(values).shape:
            raise ValueError("weights should have the same shape as a.")
        counts = gather_scatter.scatter_add(np.zeros(n_bins, get_aval(w).dtype), points, w, (0,))
    if density:
        widths = lax.sub(lax.slice(edges, (1,), (n_bins + 1,)), lax.slice(edges, (0,),
                                                                          (n_bins,)))
        widths = cast(widths, np.dtype(np.float64))
        counts = true_divide(true_divide(counts, widths), reductions.sum(counts))
    return counts, edges


def histogram_edges(a: Any, bins: Any, range: Any) -> Any:  # noqa: A002
    if isinstance(bins, str):
        raise NotImplementedError(f"histogram: bins={bins!r} (an estimator) is not supported; "
                                  f"give a number of bins or the edges")
    if not isinstance(bins, (int, np.integer)) or isinstance(bins, bool):
        edges = asarray_strong(bins)
        value = concrete_array(edges)
        if get_aval(edges).ndim != 1:
            raise ValueError("`bins` must be 1d, when an array")
        if value is not None and np.any(value[:-1] > value[1:]):
            raise ValueError("`bins` must increase monotonically, when an array")
        if get_aval(edges).dtype.kind not in "fc":
            edges = cast(edges, result_type(edges, a, 1.0))
        return edges
    if bins < 1:
        raise ValueError("`bins` must be positive, when an integer")
    dtype = result_type(a, 1.0)
    if range is not None:
        lo, hi = range
        if lo > hi:
            raise ValueError("max must be larger than min in range parameter.")
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError(f"supplied range of [{lo}, {hi}] is not finite")
    else:
        value = concrete_array(a)
        if value is not None:
            lo, hi = (value.min(), value.max()) if value.size else (0, 1)
            if not (np.isfinite(lo) and np.isfinite(hi)):
                raise ValueError(f"autodetected range of [{lo}, {hi}] is not finite")
        else:  # abstract data: the range is computed, like the counts
            lo = reductions.min(a)
            hi = reductions.max(a)
            same = lax.eq(lo, hi)
            lo = cast(lo, dtype)
            hi = cast(hi, dtype)
            lo = lax.select_n(same, lo, lax.sub(lo, dtype.type(0.5)))
            hi = lax.select_n(same, hi, lax.add(hi, dtype.type(0.5)))
            steps = np.linspace(0.0, 1.0, bins + 1).astype(dtype)
            return lax.add(lo, lax.mul(lax.sub(hi, lo), steps))
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        edges = np.linspace(lo, hi, bins + 1, endpoint=True, dtype=dtype)
    if range is None and isinstance(a, Tracer) and get_aval(a).size:
        # NumPy's values, differentiable in the data's extremes (JAX's derivative)
        steps = np.linspace(0.0, 1.0, bins + 1).astype(dtype)
        lo_t, hi_t = (cast(r(a), dtype) for r in (reductions.min, reductions.max))
        lo_t = lax.mul(lax.sub(lo_t, lax.stop_gradient(lo_t)), dtype.type(1) - steps)
        hi_t = lax.mul(lax.sub(hi_t, lax.stop_gradient(hi_t)), steps)
        return lax.add(edges, lax.add(lo_t, hi_t))
    return edges
