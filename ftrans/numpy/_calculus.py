"""Differences, derivatives, integrals, interpolation and 1-d signal products: diff, ediff1d,
gradient, trapezoid, interp, convolve, correlate, cross.

All are compositions of slices, arithmetic and gathers, with NumPy's formulas written the way
NumPy writes them (so values agree to rounding) and every transformation applies.
``convolve`` / ``correlate`` are one ``lax.conv_general_dilated`` each (padded so that exactly the
requested window of the full convolution comes out), so they inherit its derivatives, batching
and its choice of algorithm (FFT for long kernels).
See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import Tracer, get_aval
from ftrans.lax import gather_scatter, indexing as lax_indexing
from ftrans.lax.convolution import conv_general_dilated
from ftrans.numpy._axes import normalize_axes, normalize_axis
from ftrans.numpy._elementwise import add, multiply, not_equal, subtract, true_divide
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy._reductions import sum as reduce_sum
from ftrans.numpy._sorting import searchsorted
from ftrans.numpy._shapes import concatenate, moveaxis
from ftrans.lax.sorting import sort as lax_sort
from ftrans.numpy._math import remainder
from ftrans.numpy._complex import conjugate

__all__ = ["diff", "ediff1d", "gradient", "trapezoid", "interp", "convolve", "correlate",
           "cross"]

_NO_VALUE = object()


def _window(x: Any, start: int, stop: int, axis: int) -> Any:
    """``x[start:stop]`` along ``axis`` (negative bounds count from the end)."""
    return lax_indexing.slice_in_dim(x, start, stop, axis=axis)


# ---------------------------------------------------------------------------------------------
# diff, ediff1d
# ---------------------------------------------------------------------------------------------


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = _NO_VALUE,
         append: Any = _NO_VALUE) -> Any:
    """The ``n``-th discrete difference along ``axis`` (``not_equal`` for booleans), after
    joining ``prepend`` / ``append`` (scalars are broadcast along the axis).

    Raises:
      ValueError: ``n`` negative or ``a`` 0-d.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.diff(np.array([1, 4, 9, 16]), n=2)
    array([2, 2])
    """
    a = asarray_strong(a)
    n = int(n)
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    if n == 0:
        return a
    if get_aval(a).ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    ax = normalize_axis(axis, get_aval(a).ndim)
    parts = []
    for extra in (prepend, a, append):
        if extra is _NO_VALUE:
            continue
        extra = asarray_strong(extra)
        if get_aval(extra).ndim == 0:
            shape = list(get_aval(a).shape)
            shape[ax] = 1
            extra = lax.broadcast_to(extra, tuple(shape))
        parts.append(extra)
    if len(parts) > 1:
        a = concatenate(parts, ax)
    for _ in range(n):
        size = get_aval(a).shape[ax]
        later, earlier = _window(a, min(1, size), size, ax), _window(a, 0, max(size - 1, 0), ax)
        a = not_equal(later, earlier) if get_aval(a).dtype.kind == "b" else \
            subtract(later, earlier)
    return a


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """Differences of consecutive elements of the flattened ``ary``, with optional values
    joined before and after (cast to ``ary``'s dtype).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.ediff1d(np.array([1., 2., 4.]), to_begin=-9.)
    array([-9.,  1.,  2.])
    """
    a = lax.reshape(asarray_strong(ary), (-1,))
    dtype = get_aval(a).dtype
    parts = []
    for extra, name in ((to_begin, "to_begin"), (None, ""), (to_end, "to_end")):
        if not name:
            size = get_aval(a).shape[0]
            parts.append(subtract(_window(a, min(1, size), size, 0),
                                  _window(a, 0, max(size - 1, 0), 0)))
            continue
        if extra is None:
            continue
        extra = asarray_strong(extra)
        if not np.can_cast(get_aval(extra).dtype, dtype, casting="same_kind"):
            raise TypeError(f"dtype of `{name}` must be compatible with input `ary` under the "
                            f"`same_kind` rule.")
        parts.append(lax.reshape(cast(extra, dtype), (-1,)))
    return parts[0] if len(parts) == 1 else lax.concatenate(
        [cast(p, dtype) for p in parts], 0)


# ---------------------------------------------------------------------------------------------
# gradient, trapezoid
# ---------------------------------------------------------------------------------------------


def _along(values: Any, axis: int, ndim: int) -> Any:
    """A 1-d array of coefficients shaped to broadcast along ``axis``."""
    shape = [1] * ndim
    shape[axis] = get_aval(values).shape[0]
    return lax.reshape(values, tuple(shape))


def _gradient_uniform(f: Any, dx: Any, axis: int, edge_order: int) -> Any:
    n = get_aval(f).shape[axis]
    f0, f1, f2 = (_window(f, i, i + 1, axis) for i in range(3)) if n > 2 else (
        _window(f, 0, 1, axis), _window(f, 1, 2, axis), None)
    interior = true_divide(subtract(_window(f, 2, n, axis), _window(f, 0, n - 2, axis)),
                           multiply(2.0, dx))
    last1, last2 = _window(f, n - 1, n, axis), _window(f, n - 2, n - 1, axis)
    if edge_order == 1:
        first = true_divide(subtract(f1, f0), dx)
        last = true_divide(subtract(last1, last2), dx)
    else:
        last3 = _window(f, n - 3, n - 2, axis)
        first = add(add(multiply(true_divide(-1.5, dx), f0), multiply(true_divide(2.0, dx), f1)),
                    multiply(true_divide(-0.5, dx), f2))
        last = add(add(multiply(true_divide(0.5, dx), last3),
                       multiply(true_divide(-2.0, dx), last2)),
                   multiply(true_divide(1.5, dx), last1))
    dtype = get_aval(f).dtype  # NumPy's gradient keeps f's (floating) dtype
    return lax.concatenate([cast(p, dtype) for p in (first, interior, last)], axis)


def _gradient_coordinates(f: Any, x: Any, axis: int, edge_order: int) -> Any:
    ndim = get_aval(f).ndim
    n = get_aval(f).shape[axis]
    dx = diff(x)
    dx1, dx2 = _window(dx, 0, n - 2, 0), _window(dx, 1, n - 1, 0)
    a = true_divide(-dx2, multiply(dx1, add(dx1, dx2)))
    b = true_divide(subtract(dx2, dx1), multiply(dx1, dx2))
    c = true_divide(dx1, multiply(dx2, add(dx1, dx2)))
    interior = add(add(multiply(_along(a, axis, ndim), _window(f, 0, n - 2, axis)),
                       multiply(_along(b, axis, ndim), _window(f, 1, n - 1, axis))),
                   multiply(_along(c, axis, ndim), _window(f, 2, n, axis)))
    f0, f1 = _window(f, 0, 1, axis), _window(f, 1, 2, axis)
    last1, last2 = _window(f, n - 1, n, axis), _window(f, n - 2, n - 1, axis)

    def at(i: int) -> Any:
        return lax.index_in_dim(dx, i, 0, False)

    if edge_order == 1:
        first = true_divide(subtract(f1, f0), at(0))
        last = true_divide(subtract(last1, last2), at(n - 2))
    else:
        f2, last3 = _window(f, 2, 3, axis), _window(f, n - 3, n - 2, axis)
        d1, d2 = at(0), at(1)
        first = add(add(multiply(true_divide(-(add(multiply(2.0, d1), d2)),
                                             multiply(d1, add(d1, d2))), f0),
                        multiply(true_divide(add(d1, d2), multiply(d1, d2)), f1)),
                    multiply(true_divide(-d1, multiply(d2, add(d1, d2))), f2))
        d1, d2 = at(n - 3), at(n - 2)
        last = add(add(multiply(true_divide(d2, multiply(d1, add(d1, d2))), last3),
                       multiply(true_divide(-(add(d2, d1)), multiply(d1, d2)), last2)),
                   multiply(true_divide(add(multiply(2.0, d2), d1),
                                        multiply(d2, add(d1, d2))), last1))
    dtype = get_aval(f).dtype  # NumPy's gradient keeps f's (floating) dtype
    return lax.concatenate([cast(p, dtype) for p in (first, interior, last)], axis)


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """The gradient of sampled values ``f`` by central differences inside and one-sided
    differences (``edge_order`` 1 or 2) at the edges, along each of ``axis`` (all by default).

    ``varargs``: nothing (spacing 1), one scalar spacing for every axis, or one per axis: a
    scalar or the coordinates along that axis (possibly traced). Returns one array per axis
    (a list), or an array for a single axis. Differentiable in ``f`` and the coordinates.

    Raises:
      ValueError: an axis shorter than ``edge_order + 1``, a bad number of spacings, or
        coordinates of the wrong length.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.gradient(np.array([1., 2., 4., 7.]))
    array([1. , 1.5, 2.5, 3. ])
    """
    f = asarray_strong(f)
    ndim = get_aval(f).ndim
    axes = normalize_axes(axis, ndim) if axis is None else \
        tuple(normalize_axis(a, ndim) for a in (axis if isinstance(axis, (tuple, list))
                                                  else (axis,)))
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    if len(varargs) == 0:
        spacings: list[Any] = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0 and not isinstance(varargs[0], Tracer):
        spacings = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacings = list(varargs)
    elif len(varargs) == 1 and get_aval(asarray_strong(varargs[0])).ndim == 0:
        spacings = [varargs[0]] * len(axes)
    else:
        raise TypeError("invalid number of arguments")
    if get_aval(f).dtype.kind not in "fc":
        f = cast(f, np.dtype(np.float64))
    outs = []
    for ax, spacing in zip(axes, spacings):
        n = get_aval(f).shape[ax]
        if n < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                             "least (edge_order + 1) elements are required.")
        if type(spacing) in (int, float):  # a weak Python scalar keeps f's dtype
            outs.append(_gradient_uniform(f, float(spacing), ax, edge_order))
            continue
        spacing = asarray_strong(spacing)
        if get_aval(spacing).ndim == 0:
            outs.append(_gradient_uniform(f, spacing, ax, edge_order))
            continue
        if get_aval(spacing).ndim != 1:
            raise ValueError("distances must be either scalars or 1d")
        if get_aval(spacing).shape[0] != n:
            raise ValueError("when 1d, distances must match the length of the corresponding "
                             "dimension")
        if get_aval(spacing).dtype.kind not in "fc":
            spacing = cast(spacing, np.dtype(np.float64))
        if not isinstance(spacing, Tracer):
            steps = np.diff(spacing)
            if np.all(steps == steps[0]):  # NumPy uses the uniform formula then
                outs.append(_gradient_uniform(f, steps[0], ax, edge_order))
                continue
        outs.append(_gradient_coordinates(f, spacing, ax, edge_order))
    return outs[0] if len(outs) == 1 else outs


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Any:
    """The integral of sampled ``y`` along ``axis`` by the trapezoidal rule, with sample points
    ``x`` (1-d or ``y``'s shape) or a uniform spacing ``dx``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.trapezoid(np.array([1., 2., 3.]), x=np.array([0., 1., 3.]))
    np.float64(6.5)
    """
    y = asarray_strong(y)
    ndim = get_aval(y).ndim
    ax = normalize_axis(axis, ndim)
    if x is None:
        d: Any = dx
    else:
        x = asarray_strong(x)
        d = diff(x) if get_aval(x).ndim == 1 else diff(x, axis=ax)
        if get_aval(x).ndim == 1:
            d = _along(d, ax, ndim)
    n = get_aval(y).shape[ax]
    pairs = add(_window(y, 1, n, ax), _window(y, 0, max(n - 1, 0), ax))
    return true_divide(reduce_sum(multiply(d, pairs), ax), 2.0)


# ---------------------------------------------------------------------------------------------
# interp
# ---------------------------------------------------------------------------------------------


def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None,
           period: Any = None) -> Any:
    """Piecewise-linear interpolation of the points (``xp``, ``fp``) at ``x`` (``xp``
    increasing); ``left`` / ``right`` (default ``fp[0]`` / ``fp[-1]``) outside, or periodic
    with ``period``. NumPy's formula; differentiable in ``x``, ``xp`` and ``fp``.

    Raises:
      ValueError: ``xp`` / ``fp`` not 1-d, of different lengths or empty; ``period`` 0.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.interp(np.array([0.5, 2.5, -1.]), np.array([0., 1., 2.]), np.array([0., 10., 0.]))
    array([5., 0., 0.])
    """
    x, xp, fp = asarray_strong(x), asarray_strong(xp), asarray_strong(fp)
    if get_aval(xp).ndim != 1 or get_aval(fp).ndim != 1:
        raise ValueError("object too deep for desired array" if get_aval(fp).ndim > 1 else
                         "data must be 1-dimensional")
    if get_aval(xp).shape[0] != get_aval(fp).shape[0]:
        raise ValueError("fp and xp are not of the same length.")
    if get_aval(xp).shape[0] == 0:
        raise ValueError("array of sample points is empty")
    out_dtype = np.dtype(np.complex128) if get_aval(fp).dtype.kind == "c" else \
        np.dtype(np.float64)
    x, xp = cast(x, np.dtype(np.float64)), cast(xp, np.dtype(np.float64))
    fp = cast(fp, out_dtype)
    if period is not None:
        if not isinstance(period, Tracer) and period == 0:
            raise ValueError("period must be a non-zero value")
        period = abs(period) if not isinstance(period, Tracer) else period
        left = right = None
        x = remainder(x, period)
        xp = remainder(xp, period)
        order = lax.stop_gradient(xp)
        n = get_aval(xp).shape[0]
        _, xp, fp = lax_sort([order, xp, fp], 0, 1)
        xp = lax.concatenate([subtract(_window(xp, n - 1, n, 0), period), xp,
                              add(_window(xp, 0, 1, 0), period)], 0)
        fp = lax.concatenate([_window(fp, n - 1, n, 0), fp, _window(fp, 0, 1, 0)], 0)
    n = get_aval(xp).shape[0]
    x_shape = get_aval(x).shape

    def pick(values: Any, index: Any) -> Any:
        return gather_scatter.gather(values, lax.reshape(index, x_shape + (1,)), (0,))

    first, last = lax.index_in_dim(fp, 0, 0, False), lax.index_in_dim(fp, n - 1, 0, False)
    left = first if left is None else cast(asarray_strong(left), out_dtype)
    right = last if right is None else cast(asarray_strong(right), out_dtype)
    if n == 1:
        result = lax.broadcast_to(first, x_shape)
    else:
        j = lax.sub(searchsorted(xp, x, side="right"), np.int64(1))
        j = lax.max(lax.min(j, np.int64(n - 2)), np.int64(0))
        j1 = lax.add(j, np.int64(1))
        x0, x1, y0, y1 = pick(xp, j), pick(xp, j1), pick(fp, j), pick(fp, j1)
        slope = true_divide(subtract(y1, y0), subtract(x1, x0))
        result = add(multiply(slope, subtract(x, x0)), y0)
        # NumPy's fallbacks: at a sample point the sample itself; a NaN from an infinite slope
        # is retried from the right end, then the flat value
        retry = add(multiply(slope, subtract(x, x1)), y1)
        result = lax.select_n(lax.ne(result, result), result, retry)
        flat = lax.bitwise_and(lax.ne(result, result), lax.eq(y0, y1))
        result = lax.select_n(flat, result, y0)
        result = lax.select_n(lax.eq(x, x0), result, y0)
    x_last = lax.index_in_dim(xp, n - 1, 0, False)
    x_first = lax.index_in_dim(xp, 0, 0, False)
    result = lax.select_n(lax.eq(x, x_last), result, lax.broadcast_to(last, x_shape))
    result = lax.select_n(lax.lt(x, x_first), result, lax.broadcast_to(left, x_shape))
    result = lax.select_n(lax.gt(x, x_last), result, lax.broadcast_to(right, x_shape))
    return result


# ---------------------------------------------------------------------------------------------
# convolve, correlate
# ---------------------------------------------------------------------------------------------


def _as_1d(x: Any, name: str) -> Any:
    x = asarray_strong(x)
    ndim = get_aval(x).ndim
    if ndim > 1:
        raise ValueError("object too deep for desired array")
    x = lax.reshape(x, (-1,))
    if get_aval(x).shape[0] == 0:
        raise ValueError(f"{name} cannot be empty")
    return x


def _convolution_window(a: Any, v: Any, start: int, stop: int) -> Any:
    """``full[start:stop]`` of the full convolution ``full[k] = sum_j a[k - j] v[j]`` (length
    n + m - 1) of ``a`` and the shorter ``v``: a correlation with the reversed ``v`` of ``a``
    padded by ``m - 1`` on each side, the pads trimmed (negative pads crop) to the window."""
    n, m = get_aval(a).shape[0], get_aval(v).shape[0]
    lhs = lax.reshape(a, (1, 1, n))
    rhs = lax.reshape(lax.rev(v, (0,)), (1, 1, m))
    out = conv_general_dilated(lhs, rhs, (1,), [(m - 1 - start, stop - n)])
    return lax.reshape(out, (stop - start,))


def _signal(name: str, a: Any, v: Any, mode: str, correlate: bool) -> Any:
    a, v = _as_1d(a, "a"), _as_1d(v, "v")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"mode must be one of 'full', 'same', or 'valid' (got {mode!r})")
    dtype = result_type(a, v)
    compute = np.dtype(np.int64) if dtype.kind == "b" else dtype
    a, v = cast(a, compute), cast(v, compute)
    n, m = get_aval(a).shape[0], get_aval(v).shape[0]
    if correlate:
        v = lax.rev(conjugate(v) if compute.kind == "c" else v, (0,))
    big, small = max(n, m), min(n, m)
    if mode == "full":
        start, stop = 0, big + small - 1
    elif mode == "valid":
        start, stop = small - 1, big
    else:
        start = (small - 1) // 2
        if correlate and n < m:  # NumPy correlates the swapped inputs and reverses
            start = small - 1 - start
        stop = start + big
    out = _convolution_window(a, v, start, stop) if n >= m else _convolution_window(
        v, a, start, stop)
    return not_equal(out, 0) if dtype.kind == "b" else out


def convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """The discrete linear convolution of two 1-d arrays; ``mode`` 'full' (length
    n + m - 1), 'same' (max(n, m)) or 'valid' (max - min + 1). Bilinear, so differentiable in
    both.

    Raises:
      ValueError: an empty or multi-dimensional input, or a bad mode.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.convolve(np.array([1., 2., 3.]), np.array([0., 1., 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    """
    return _signal("convolve", a, v, mode, False)


def correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """The cross-correlation ``c[k] = sum_n a[n + k] conj(v[n])`` of two 1-d arrays, with
    :func:`convolve`'s modes (default 'valid').

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.correlate(np.array([1., 2., 3.]), np.array([0., 1., 0.5]), "same")
    array([2. , 3.5, 3. ])
    """
    return _signal("correlate", a, v, mode, True)


# ---------------------------------------------------------------------------------------------
# cross
# ---------------------------------------------------------------------------------------------


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Any:
    """The cross product of 3-vectors (or 2-vectors, whose z-component is returned) along
    ``axisa`` / ``axisb``, broadcasting the other axes; the result's vector axis is ``axisc``.

    Raises:
      ValueError: vectors of a length other than 2 or 3.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.cross(np.array([1., 0., 0.]), np.array([0., 1., 0.]))
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = asarray_strong(a), asarray_strong(b)
    dtype = result_type(a, b)
    a, b = cast(a, dtype), cast(b, dtype)
    a = moveaxis(a, normalize_axis(axisa, get_aval(a).ndim, "axisa"), -1)
    b = moveaxis(b, normalize_axis(axisb, get_aval(b).ndim, "axisb"), -1)
    na, nb = get_aval(a).shape[-1], get_aval(b).shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n(dimension must be 2 or 3)")

    def component(x: Any, i: int, size: int) -> Any:
        if i >= size:
            return None
        return lax.index_in_dim(x, i, get_aval(x).ndim - 1, False)

    a0, a1, a2 = (component(a, i, na) for i in range(3))
    b0, b1, b2 = (component(b, i, nb) for i in range(3))

    def term(p: Any, q: Any) -> Any:
        return None if p is None or q is None else multiply(p, q)

    def minus(p: Any, q: Any) -> Any:
        if p is None:
            return multiply(q, -1) if q is not None else None
        return p if q is None else subtract(p, q)

    z = minus(term(a0, b1), term(a1, b0))
    if na == 2 and nb == 2:
        return z
    x = minus(term(a1, b2), term(a2, b1))
    y = minus(term(a2, b0), term(a0, b2))
    shape = np.broadcast_shapes(*[get_aval(c).shape for c in (x, y, z) if c is not None])
    parts = [lax.reshape(lax.broadcast_to(c, shape), shape + (1,)) for c in (x, y, z)]
    out = lax.concatenate(parts, len(shape))
    return moveaxis(out, -1, normalize_axis(axisc, len(shape) + 1, "axisc"))
