"""Windowed reductions: reduce a sliding window of an array, as pooling layers do.

A *window* is described by five tuples with one entry per operand axis (the params of every
primitive here): ``window_dimensions`` (its size), ``window_strides`` (its step), ``padding``
(``(lo, hi)`` elements added before and after the axis; negative crops), ``base_dilation``
(``d - 1`` holes inserted between neighbouring elements of the operand) and
``window_dilation`` (``d - 1`` holes between the window's taps). Padding and holes hold the
reduction's identity, so they never win a max and add nothing to a sum.

reduce_window_sum, reduce_window_max, reduce_window_min and reduce_window_prod are primitives;
``reduce_window`` recognises them from ``(computation, init_value)`` and folds any other
computation over the window's taps. Max and min differentiate through a pair of primitives:
``select_and_gather_add`` (the tangent of the element each window selects; the jvp) and its
transpose ``select_and_scatter_add`` (each window's cotangent added to the element it
selects; the vjp). Each is linear in its first argument and transposes to the other, so every
derivative order works. Ties go to the first element of the window in row-major order. Each
primitive is one block: primitive, wrapper, jvp, transpose, batching. See docs/internals.md,
"Primitives", and docs/nn.md for pooling.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, Tracer, get_aval, make_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import defjvp, deflinear
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules
from ftrans.lax import elementwise as ew
from ftrans.lax.indexing import slice as slice_op
from ftrans.lax.reductions import _highest, _lowest, _reduce_prod_jvp
from ftrans.lax.structural import _pad_impl, broadcast_in_dim, concatenate, pad, reshape

__all__ = [
    "Pairs", "padtype_to_pads", "reduce_window", "reduce_window_max", "reduce_window_max_p",
    "reduce_window_min", "reduce_window_min_p", "reduce_window_prod", "reduce_window_prod_p",
    "reduce_window_shape_tuple", "reduce_window_sum", "reduce_window_sum_p",
    "select_and_gather_add", "select_and_gather_add_p", "select_and_scatter_add",
    "select_and_scatter_add_p", "transpose_rules",
]

Pairs = tuple[tuple[int, int], ...]

# ---------------------------------------------------------------------------------------------
# Window geometry, shared by every primitive of the family
# ---------------------------------------------------------------------------------------------

_PARAM_NAMES = ("window_dimensions", "window_strides", "padding", "base_dilation",
                "window_dilation")


def _dilated(size: int, dilation: int) -> int:
    return 0 if size == 0 else (size - 1) * dilation + 1


def _window_shape(shape: Sequence[int], window_dimensions: Sequence[int],
                  window_strides: Sequence[int], padding: Pairs, base_dilation: Sequence[int],
                  window_dilation: Sequence[int]) -> tuple[int, ...]:
    out = []
    for n, w, s, (lo, hi), bd, wd in zip(shape, window_dimensions, window_strides, padding,
                                         base_dilation, window_dilation):
        padded = _dilated(n, bd) + lo + hi
        span = _dilated(w, wd)
        out.append(max(0, (padded - span) // s + 1) if padded >= span else 0)
    return tuple(out)


def _check_window(name: str, aval: ShapedArray, window_dimensions: tuple[int, ...],
                  window_strides: tuple[int, ...], padding: Pairs,
                  base_dilation: tuple[int, ...], window_dilation: tuple[int, ...]) -> None:
    for what, value in zip(_PARAM_NAMES, (window_dimensions, window_strides, padding,
                                          base_dilation, window_dilation)):
        if len(value) != aval.ndim:
            raise TypeError(f"{name}: {what} has {len(value)} entries but the operand "
                            f"{aval.str_short()} has {aval.ndim} axes; give one per axis")
    for what, value in (("window_dimensions", window_dimensions),
                        ("window_strides", window_strides), ("base_dilation", base_dilation),
                        ("window_dilation", window_dilation)):
        if any(v < 1 for v in value):
            raise TypeError(f"{name}: every element of {what} must be a positive int, got "
                            f"{value}")
    for axis, (n, (lo, hi), bd) in enumerate(zip(aval.shape, padding, base_dilation)):
        if _dilated(n, bd) + lo + hi < 0:
            raise ValueError(f"{name}: padding {(lo, hi)} of axis {axis} crops more than the "
                             f"axis holds ({_dilated(n, bd)} elements after base dilation)")


def _window_abstract_eval(name: str, kinds: str) -> Callable[..., ShapedArray]:
    def abstract_eval(x: ShapedArray, **params: Any) -> ShapedArray:
        _check_window(name, x, **params)
        if x.dtype.kind not in kinds:
            wanted = {"iufc": "numeric", "biuf": "real (bool, integer or floating)"}[kinds]
            raise TypeError(f"{name} needs a {wanted} operand, got {x.str_short()}")
        return make_aval(_window_shape(x.shape, **params), x.dtype)
    return abstract_eval


def _pad_config(padding: Pairs, base_dilation: Sequence[int]) -> list[tuple[int, int, int]]:
    return [(lo, hi, bd - 1) for (lo, hi), bd in zip(padding, base_dilation)]


def _windows(x: Any, fill: Any, params: dict[str, Any]) -> np.ndarray:
    """A (strided, read-only) view of shape ``out_shape + window_dimensions``: element
    ``[o..., k...]`` is tap ``k`` of window ``o`` of ``x`` padded and dilated with ``fill``."""
    x = np.asarray(x)
    out_shape = _window_shape(x.shape, **params)
    windows = tuple(params["window_dimensions"])
    padded = _pad_impl(x, np.asarray(fill, x.dtype),
                       _pad_config(params["padding"], params["base_dilation"]))
    if 0 in out_shape:
        return np.empty(out_shape + windows, x.dtype)
    spans = tuple(_dilated(w, wd) for w, wd in zip(windows, params["window_dilation"]))
    view = np.lib.stride_tricks.sliding_window_view(padded, spans)
    return view[tuple(slice(None, (o - 1) * s + 1, s)
                      for o, s in zip(out_shape, params["window_strides"]))
                + tuple(slice(None, None, wd) for wd in params["window_dilation"])]


def _window_axes(ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim, 2 * ndim))


def _reduce_windows(numpy_fn: Any, fill: Callable[[np.dtype], Any]) -> Callable[..., Any]:
    def impl(x: Any, **params: Any) -> Any:
        x = np.asarray(x)
        windows = _windows(x, fill(x.dtype), params)
        if numpy_fn in (np.sum, np.prod):  # keep the dtype (NumPy widens small integers)
            return numpy_fn(windows, axis=_window_axes(x.ndim), dtype=x.dtype)
        return numpy_fn(windows, axis=_window_axes(x.ndim))
    return impl


def _window_taps(x: Any, fill: Any, params: dict[str, Any]) -> list[Any]:
    """One array of the output's shape per tap of the window (row-major order of the taps):
    ``x`` padded and dilated with ``fill`` (a scalar), then strided slices. Made of pad and
    slice, so every transformation applies."""
    aval = get_aval(x)
    out_shape = _window_shape(aval.shape, **params)
    n_taps = int(np.prod(params["window_dimensions"]))
    if 0 in out_shape:  # no window: every tap is empty
        return [broadcast_in_dim(fill, out_shape, ())] * n_taps
    padded = pad(x, fill, _pad_config(params["padding"], params["base_dilation"]))
    taps = []
    for tap in itertools.product(*(range(w) for w in params["window_dimensions"])):
        start = tuple(k * wd for k, wd in zip(tap, params["window_dilation"]))
        limit = tuple(b + (o - 1) * s + 1 if o else b
                      for b, o, s in zip(start, out_shape, params["window_strides"]))
        taps.append(slice_op(padded, start, limit, params["window_strides"]))
    return taps


def _stack_last(xs: Sequence[Any]) -> Any:
    shape = get_aval(xs[0]).shape
    return concatenate([reshape(x, shape + (1,)) for x in xs], len(shape))


def _window_batch(prim: Primitive) -> None:
    """Batching for every primitive of the family: the batch axis becomes one more axis with a
    window of one element (all operands are brought to the front)."""

    def rule(args: Sequence[Any], bdims: Sequence[Any], **params: Any) -> tuple[Any, int]:
        size = next(get_aval(x).shape[d] for x, d in zip(args, bdims) if d is not not_mapped)
        args = [move_batch_axis(x, d, 0, size) for x, d in zip(args, bdims)]
        params = {**params, "window_dimensions": (1,) + params["window_dimensions"],
                  "window_strides": (1,) + params["window_strides"],
                  "padding": ((0, 0),) + params["padding"],
                  "base_dilation": (1,) + params["base_dilation"],
                  "window_dilation": (1,) + params["window_dilation"]}
        return prim.bind(*args, **params), 0

    batching_rules[prim] = rule


# ---------------------------------------------------------------------------------------------
# reduce_window_sum
# ---------------------------------------------------------------------------------------------

reduce_window_sum_p = Primitive(
    "reduce_window_sum", impl=_reduce_windows(np.sum, lambda dtype: 0),
    abstract_eval=_window_abstract_eval("reduce_window_sum", "iufc"))


def reduce_window_sum(operand: Any, window_dimensions: Sequence[int],
                      window_strides: Sequence[int] | None = None,
                      padding: str | Sequence[tuple[int, int]] = "VALID",
                      base_dilation: Sequence[int] | None = None,
                      window_dilation: Sequence[int] | None = None) -> Any:
    """The sum of each window of ``operand`` (the dtype is kept); padding adds nothing.

    Args and Raises: as :func:`reduce_window` (without ``init_value`` and ``computation``).

    >>> import numpy as np
    >>> reduce_window_sum(np.arange(5.0), (2,), (1,), "VALID").tolist()
    [1.0, 3.0, 5.0, 7.0]
    """
    return _bind_window(reduce_window_sum_p, operand, window_dimensions, window_strides,
                        padding, base_dilation, window_dilation)


deflinear(reduce_window_sum_p)


def _reduce_window_sum_transpose(ct: Any, x: Any, window_dimensions: tuple[int, ...],
                                 window_strides: tuple[int, ...], padding: Pairs,
                                 base_dilation: tuple[int, ...],
                                 window_dilation: tuple[int, ...]) -> list[Any]:
    # Output o sums the padded input at o*s + k*wd. Backwards, padded position j receives
    # ct[o] for every (o, k) with o*s + k*wd = j: the cotangent dilated by the strides, padded,
    # and summed over windows again; input i sits at padded position lo + i*bd, so the second
    # window sum steps by the base dilation.
    shape = x.aval.shape
    ct_aval = get_aval(ct)
    if 0 in ct_aval.shape:
        return [broadcast_in_dim(np.zeros((), ct_aval.dtype), shape, ())]
    config = []
    for n, o, w, s, (lo, _), bd, wd in zip(shape, ct_aval.shape, window_dimensions,
                                           window_strides, padding, base_dilation,
                                           window_dilation):
        span = _dilated(w, wd)
        config.append((span - 1 - lo, (n - 1) * bd + lo - (o - 1) * s, s - 1))
    spread = pad(ct, np.zeros((), ct_aval.dtype), config)
    ones = (1,) * len(shape)
    return [reduce_window_sum_p.bind(
        spread, window_dimensions=window_dimensions, window_strides=base_dilation,
        padding=((0, 0),) * len(shape), base_dilation=ones, window_dilation=window_dilation)]


transpose_rules[reduce_window_sum_p] = _reduce_window_sum_transpose
_window_batch(reduce_window_sum_p)


# ---------------------------------------------------------------------------------------------
# reduce_window_max, reduce_window_min
# ---------------------------------------------------------------------------------------------

reduce_window_max_p = Primitive(
    "reduce_window_max", impl=_reduce_windows(np.max, _lowest),
    abstract_eval=_window_abstract_eval("reduce_window_max", "biuf"))
reduce_window_min_p = Primitive(
    "reduce_window_min", impl=_reduce_windows(np.min, _highest),
    abstract_eval=_window_abstract_eval("reduce_window_min", "biuf"))


def reduce_window_max(operand: Any, window_dimensions: Sequence[int],
                      window_strides: Sequence[int] | None = None,
                      padding: str | Sequence[tuple[int, int]] = "VALID",
                      base_dilation: Sequence[int] | None = None,
                      window_dilation: Sequence[int] | None = None) -> Any:
    """The maximum of each window of ``operand`` (padding is -inf, never selected). Its
    derivative is the tangent of the first maximal element of each window.

    Args and Raises: as :func:`reduce_window` (without ``init_value`` and ``computation``).

    >>> import numpy as np
    >>> reduce_window_max(np.array([1.0, 3.0, 2.0, 0.0]), (2,), (2,)).tolist()
    [3.0, 2.0]
    """
    return _bind_window(reduce_window_max_p, operand, window_dimensions, window_strides,
                        padding, base_dilation, window_dilation)


def reduce_window_min(operand: Any, window_dimensions: Sequence[int],
                      window_strides: Sequence[int] | None = None,
                      padding: str | Sequence[tuple[int, int]] = "VALID",
                      base_dilation: Sequence[int] | None = None,
                      window_dilation: Sequence[int] | None = None) -> Any:
    """The minimum of each window of ``operand`` (padding is +inf, never selected). Its
    derivative is the tangent of the first minimal element of each window.

    Args and Raises: as :func:`reduce_window` (without ``init_value`` and ``computation``).

    >>> import numpy as np
    >>> reduce_window_min(np.array([1.0, 3.0, 2.0, 0.0]), (2,), (2,)).tolist()
    [1.0, 0.0]
    """
    return _bind_window(reduce_window_min_p, operand, window_dimensions, window_strides,
                        padding, base_dilation, window_dilation)


defjvp(reduce_window_max_p,
       lambda g, ans, x, **params: select_and_gather_add_p.bind(g, x, select="max", **params))
defjvp(reduce_window_min_p,
       lambda g, ans, x, **params: select_and_gather_add_p.bind(g, x, select="min", **params))
_window_batch(reduce_window_max_p)
_window_batch(reduce_window_min_p)


# ---------------------------------------------------------------------------------------------
# select_and_gather_add, select_and_scatter_add: the derivatives of max and min
# ---------------------------------------------------------------------------------------------

_SELECT = {"max": (np.argmax, _lowest), "min": (np.argmin, _highest)}


def _selected_taps(operand: Any, select: str, params: dict[str, Any]) -> np.ndarray:
    """For each window, the row-major index of the tap holding its first max (or min)."""
    operand = np.asarray(operand)
    chooser, identity = _SELECT[select]
    windows = _windows(operand, identity(operand.dtype), params)
    out_shape = windows.shape[:operand.ndim]
    if 0 in out_shape:
        return np.zeros(out_shape, np.intp)
    return chooser(windows.reshape(out_shape + (-1,)), axis=-1)


def _check_select(name: str, select: str, source: ShapedArray, operand: ShapedArray,
                  source_shape: tuple[int, ...]) -> None:
    if select not in _SELECT:
        raise ValueError(f"{name}: select must be 'max' or 'min', got {select!r}")
    if operand.dtype.kind not in "biuf":
        raise TypeError(f"{name} needs a real operand, got {operand.str_short()}")
    if source.shape != source_shape:
        raise ValueError(f"{name}: the first argument must have shape {source_shape}, got "
                         f"{source.str_short()}")
    if source.dtype.kind not in "fc":
        raise TypeError(f"{name} needs a floating first argument, got {source.str_short()}")


def _select_and_gather_add_impl(tangent: Any, operand: Any, select: str, **params: Any) -> Any:
    taps = _selected_taps(operand, select, params)
    if taps.size == 0:
        return np.zeros(taps.shape, np.asarray(tangent).dtype)
    flat = _windows(tangent, 0, params).reshape(taps.shape + (-1,))
    return np.take_along_axis(flat, taps[..., None], axis=-1)[..., 0]


def _select_and_gather_add_abstract_eval(tangent: ShapedArray, operand: ShapedArray,
                                         select: str, **params: Any) -> ShapedArray:
    _check_window("select_and_gather_add", operand, **params)
    _check_select("select_and_gather_add", select, tangent, operand, operand.shape)
    return make_aval(_window_shape(operand.shape, **params), tangent.dtype)


select_and_gather_add_p = Primitive("select_and_gather_add", impl=_select_and_gather_add_impl,
                                    abstract_eval=_select_and_gather_add_abstract_eval)


def select_and_gather_add(tangent: Any, operand: Any, select: str,
                          window_dimensions: Sequence[int],
                          window_strides: Sequence[int] | None = None,
                          padding: str | Sequence[tuple[int, int]] = "VALID",
                          base_dilation: Sequence[int] | None = None,
                          window_dilation: Sequence[int] | None = None) -> Any:
    """For each window of ``operand``, the element of ``tangent`` (same shape) at the
    position of the window's first maximum (``select="max"``) or minimum (``"min"``); 0 for a
    window of padding only. The jvp of :func:`reduce_window_max` / ``min``; linear in
    ``tangent``.

    >>> import numpy as np
    >>> select_and_gather_add(np.array([10.0, 20.0, 30.0, 40.0]), np.array([1.0, 3.0, 2.0, 0.0]),
    ...                       "max", (2,), (2,)).tolist()
    [20.0, 30.0]
    """
    return _bind_window(select_and_gather_add_p, operand, window_dimensions, window_strides,
                        padding, base_dilation, window_dilation, leading=(tangent,),
                        select=select)


defjvp(select_and_gather_add_p,
       lambda g, ans, tangent, operand, **params: select_and_gather_add_p.bind(g, operand,
                                                                               **params),
       None)  # the selection is piecewise constant in the operand


def _select_and_gather_add_transpose(ct: Any, tangent: Any, operand: Any,
                                     **params: Any) -> list[Any]:
    if is_undefined(operand):
        raise NonLinearError("select_and_gather_add is not linear in its operand")
    return [select_and_scatter_add_p.bind(ct, operand, **params), None]


transpose_rules[select_and_gather_add_p] = _select_and_gather_add_transpose
_window_batch(select_and_gather_add_p)


def _select_and_scatter_add_impl(source: Any, operand: Any, select: str, **params: Any) -> Any:
    operand, source = np.asarray(operand), np.asarray(source)
    taps = _selected_taps(operand, select, params)
    out = np.zeros(operand.shape, source.dtype)
    if taps.size == 0 or operand.size == 0:
        return out
    # The selected element's position in the padded, dilated operand, written as a position
    # in the operand padded only by the positive edges (negative ones crop, below).
    full_shape, positions = [], []
    offsets = np.unravel_index(taps, params["window_dimensions"])
    for axis, (n, (lo, hi), bd, s, wd) in enumerate(zip(
            operand.shape, params["padding"], params["base_dilation"],
            params["window_strides"], params["window_dilation"])):
        full_shape.append(_dilated(n, bd) + max(lo, 0) + max(hi, 0))
        along = np.arange(taps.shape[axis]).reshape(
            (-1,) + (1,) * (operand.ndim - axis - 1)) * s
        positions.append(along + offsets[axis] * wd + max(-lo, 0))
    flat = np.ravel_multi_index(tuple(np.broadcast_arrays(*positions)), full_shape)
    weights = source.ravel()
    if weights.dtype.kind == "c":
        full = (np.bincount(flat.ravel(), weights.real, int(np.prod(full_shape)))
                + 1j * np.bincount(flat.ravel(), weights.imag, int(np.prod(full_shape))))
    else:
        full = np.bincount(flat.ravel(), weights, int(np.prod(full_shape)))
    full = full.reshape(full_shape)
    inside = tuple(slice(max(lo, 0), max(lo, 0) + _dilated(n, bd), bd)
                   for n, (lo, _), bd in zip(operand.shape, params["padding"],
                                             params["base_dilation"]))
    return full[inside].astype(source.dtype)


def _select_and_scatter_add_abstract_eval(source: ShapedArray, operand: ShapedArray,
                                          select: str, **params: Any) -> ShapedArray:
    _check_window("select_and_scatter_add", operand, **params)
    _check_select("select_and_scatter_add", select, source, operand,
                  _window_shape(operand.shape, **params))
    return make_aval(operand.shape, source.dtype)


select_and_scatter_add_p = Primitive("select_and_scatter_add",
                                     impl=_select_and_scatter_add_impl,
                                     abstract_eval=_select_and_scatter_add_abstract_eval)


def select_and_scatter_add(source: Any, operand: Any, select: str,
                           window_dimensions: Sequence[int],
                           window_strides: Sequence[int] | None = None,
                           padding: str | Sequence[tuple[int, int]] = "VALID",
                           base_dilation: Sequence[int] | None = None,
                           window_dilation: Sequence[int] | None = None) -> Any:
    """An array of ``operand``'s shape, zero but where windows select: each window of
    ``operand`` adds its element of ``source`` (of the windowed shape) at the position of its
    first maximum (``select="max"``) or minimum (``"min"``). The vjp of
    :func:`reduce_window_max` / ``min``; linear in ``source``.

    >>> import numpy as np
    >>> select_and_scatter_add(np.array([1.0, 1.0]), np.array([1.0, 3.0, 2.0]), "max",
    ...                        (2,), (1,)).tolist()
    [0.0, 2.0, 0.0]
    """
    return _bind_window(select_and_scatter_add_p, operand, window_dimensions, window_strides,
                        padding, base_dilation, window_dilation, leading=(source,),
                        select=select)


defjvp(select_and_scatter_add_p,
       lambda g, ans, source, operand, **params: select_and_scatter_add_p.bind(g, operand,
                                                                                **params),
       None)


def _select_and_scatter_add_transpose(ct: Any, source: Any, operand: Any,
                                      **params: Any) -> list[Any]:
    if is_undefined(operand):
        raise NonLinearError("select_and_scatter_add is not linear in its operand")
    return [select_and_gather_add_p.bind(ct, operand, **params), None]


transpose_rules[select_and_scatter_add_p] = _select_and_scatter_add_transpose
_window_batch(select_and_scatter_add_p)


# ---------------------------------------------------------------------------------------------
# reduce_window_prod
# ---------------------------------------------------------------------------------------------

reduce_window_prod_p = Primitive(
    "reduce_window_prod", impl=_reduce_windows(np.prod, lambda dtype: 1),
    abstract_eval=_window_abstract_eval("reduce_window_prod", "iufc"))


def reduce_window_prod(operand: Any, window_dimensions: Sequence[int],
                       window_strides: Sequence[int] | None = None,
                       padding: str | Sequence[tuple[int, int]] = "VALID",
                       base_dilation: Sequence[int] | None = None,
                       window_dilation: Sequence[int] | None = None) -> Any:
    """The product of each window of ``operand`` (the dtype is kept); padding multiplies
    by 1. Its derivative is exact with zeros in the window (no division).

    Args and Raises: as :func:`reduce_window` (without ``init_value`` and ``computation``).

    >>> import numpy as np
    >>> reduce_window_prod(np.array([1.0, 2.0, 3.0, 4.0]), (2,), (2,)).tolist()
    [2.0, 12.0]
    """
    return _bind_window(reduce_window_prod_p, operand, window_dimensions, window_strides,
                        padding, base_dilation, window_dilation)


def _reduce_window_prod_jvp(g: Any, ans: Any, x: Any, **params: Any) -> Any:
    # The windows as a trailing axis of taps (pad + strided slices), then the product rule of
    # reduce_prod over that axis: products of the taps before and after each tap.
    dtype = get_aval(x).dtype
    taps = _stack_last(_window_taps(x, np.ones((), dtype), params))
    tangent_taps = _stack_last(_window_taps(g, np.zeros((), dtype), params))
    return _reduce_prod_jvp(tangent_taps, ans, taps, (get_aval(ans).ndim,))


defjvp(reduce_window_prod_p, _reduce_window_prod_jvp)
_window_batch(reduce_window_prod_p)


# ---------------------------------------------------------------------------------------------
# The wrappers: argument checking and reduce_window
# ---------------------------------------------------------------------------------------------


def padtype_to_pads(in_shape: Sequence[int], window_shape: Sequence[int],
                    window_strides: Sequence[int], padding: str) -> list[tuple[int, int]]:
    """The ``(lo, hi)`` padding of each axis that a padding name means: ``"VALID"`` none,
    ``"SAME"`` (or ``"SAME_LOWER"``) enough that the output has ``ceil(n / stride)``
    elements, the odd element after (before, for ``SAME_LOWER``).

    >>> padtype_to_pads((5,), (3,), (2,), "SAME")
    [(1, 1)]
    """
    if not isinstance(padding, str):
        raise TypeError(f"padding must be a string or a sequence of (lo, hi) pairs, got "
                        f"{padding!r}")
    kind = padding.upper()
    if kind == "VALID":
        return [(0, 0)] * len(in_shape)
    if kind not in ("SAME", "SAME_LOWER"):
        raise ValueError(f"padding must be 'VALID', 'SAME' or 'SAME_LOWER' (or pairs), got "
                         f"{padding!r}")
    pads = []
    for n, w, s in zip(in_shape, window_shape, window_strides):
        total = max(0, (-(-n // s) - 1) * s + w - n)
        small, large = total // 2, total - total // 2
        pads.append((large, small) if kind == "SAME_LOWER" else (small, large))
    return pads


def _int_tuple(name: str, what: str, value: Any, ndim: int) -> tuple[int, ...]:
    try:
        out = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{name}: {what} must be a sequence of ints (one per axis), got "
                        f"{value!r}") from None
    if any(isinstance(v, float) and not float(v).is_integer() for v in value):
        raise TypeError(f"{name}: {what} must hold ints, got {value!r}")
    return out


def _window_params(name: str, shape: tuple[int, ...], window_dimensions: Any,
                   window_strides: Any, padding: Any, base_dilation: Any,
                   window_dilation: Any) -> dict[str, Any]:
    """The canonical params (five int tuples) of the public arguments, checked."""
    ndim = len(shape)
    window_dimensions = _int_tuple(name, "window_dimensions", window_dimensions, ndim)
    if len(window_dimensions) != ndim:
        raise TypeError(f"{name}: window_dimensions {window_dimensions} has "
                        f"{len(window_dimensions)} entries but the operand has {ndim} axes "
                        f"(shape {shape}); give one window size per axis")
    ones = (1,) * ndim
    window_strides = ones if window_strides is None else _int_tuple(
        name, "window_strides", window_strides, ndim)
    base_dilation = ones if base_dilation is None else _int_tuple(
        name, "base_dilation", base_dilation, ndim)
    window_dilation = ones if window_dilation is None else _int_tuple(
        name, "window_dilation", window_dilation, ndim)
    if isinstance(padding, str):
        spans = [_dilated(w, wd) for w, wd in zip(window_dimensions, window_dilation)]
        if len(window_strides) != ndim:
            raise TypeError(f"{name}: window_strides {window_strides} has "
                            f"{len(window_strides)} entries but the operand has {ndim} axes")
        padding = padtype_to_pads(shape, spans, window_strides, padding)
    try:
        pairs = tuple((int(lo), int(hi)) for lo, hi in padding)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: padding must be 'VALID', 'SAME' or a sequence of (lo, hi) "
                        f"int pairs, one per axis, got {padding!r}") from None
    params = dict(window_dimensions=window_dimensions, window_strides=window_strides,
                  padding=pairs, base_dilation=base_dilation, window_dilation=window_dilation)
    _check_window(name, make_aval(shape, np.float64), **params)
    return params


def _bind_window(prim: Primitive, operand: Any, window_dimensions: Any, window_strides: Any,
                 padding: Any, base_dilation: Any, window_dilation: Any,
                 leading: tuple[Any, ...] = (), **extra: Any) -> Any:
    aval = get_aval(operand)
    params = _window_params(prim.name, aval.shape, window_dimensions, window_strides, padding,
                            base_dilation, window_dilation)
    args = leading + (operand,)
    prim.abstract_eval(*[get_aval(a) for a in args], **extra, **params)
    return prim.bind(*args, **extra, **params)


def _monoids() -> dict[Any, tuple[Primitive, Callable[[np.dtype], Any]]]:
    """The computations reduce_window recognises: (primitive, identity element)."""
    from ftrans import numpy as fnp  # numpy sits above lax
    return {ew.add: (reduce_window_sum_p, lambda dtype: 0),
            fnp.add: (reduce_window_sum_p, lambda dtype: 0),
            ew.max: (reduce_window_max_p, _lowest), fnp.maximum: (reduce_window_max_p, _lowest),
            ew.min: (reduce_window_min_p, _highest),
            fnp.minimum: (reduce_window_min_p, _highest),
            ew.mul: (reduce_window_prod_p, lambda dtype: 1),
            fnp.multiply: (reduce_window_prod_p, lambda dtype: 1)}


def _concrete_scalar(x: Any) -> Any:
    """The value of a scalar known now (not a tracer), else None."""
    if isinstance(x, Tracer):
        return None
    x = np.asarray(x)
    return x[()] if x.ndim == 0 else None


def reduce_window(operand: Any, init_value: Any, computation: Callable[[Any, Any], Any],
                  window_dimensions: Sequence[int], window_strides: Sequence[int] | None,
                  padding: str | Sequence[tuple[int, int]],
                  base_dilation: Sequence[int] | None = None,
                  window_dilation: Sequence[int] | None = None) -> Any:
    """Reduce every window of ``operand`` with ``computation``, starting from ``init_value``.

    ``lax.add`` with 0, ``lax.max`` with -inf (the dtype's minimum), ``lax.min`` with +inf and
    ``lax.mul`` with 1 (or their ``ftrans.numpy`` counterparts) are the primitives
    :func:`reduce_window_sum`, ``_max``, ``_min`` and ``_prod``. Any other computation (or
    init value) is folded over the window's taps, ``acc = computation(acc, tap)`` from
    ``acc = init_value``, skipping padding and dilation holes; it must work elementwise on
    arrays (write it with ``ftrans.lax`` / ``ftrans.numpy`` operations), and is then
    differentiable like any such function. A pytree operand (with a matching pytree
    ``init_value``) is reduced with a computation on pytrees.

    Args:
      operand: the array (or pytree of arrays of one shape).
      init_value: the scalar starting value (a pytree like ``operand``).
      computation: ``(accumulated, element) -> accumulated``.
      window_dimensions: the window's size along each axis of ``operand``.
      window_strides: the window's step along each axis (None: all 1).
      padding: ``"VALID"``, ``"SAME"``, ``"SAME_LOWER"``, or one ``(lo, hi)`` pair per axis
        (negative crops); padding holds the identity, i.e. is skipped.
      base_dilation: ``d`` puts ``d - 1`` holes between neighbouring operand elements.
      window_dilation: ``d`` puts ``d - 1`` holes between the window's taps.

    Returns:
      An array with one element per window position: along each axis,
      ``(padded - dilated_window) // stride + 1`` elements.

    Raises:
      TypeError: a window tuple whose length is not the operand's rank, a size, stride or
        dilation below 1, malformed padding, an ``init_value`` that is not a scalar of the
        operand's dtype, or a computation that does not return the operand's shape and dtype.
      ValueError: an unknown padding name, or negative padding cropping more than the axis.

    >>> import numpy as np
    >>> from ftrans import lax
    >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> reduce_window(x, -np.inf, lax.max, (2, 2), (1, 1), "VALID").tolist()
    [[5.0, 6.0]]
    >>> reduce_window(np.arange(4.0), 0.0, lambda a, b: a + 2 * b, (2,), (1,), "VALID").tolist()
    [2.0, 6.0, 10.0]
    """
    from ftrans import tree_util
    leaves, treedef = tree_util.tree_flatten(operand)
    init_leaves, init_treedef = tree_util.tree_flatten(init_value)
    if init_treedef != treedef:
        raise TypeError(f"reduce_window: init_value must have the pytree structure of the "
                        f"operand: {init_treedef} vs {treedef}")
    if not leaves:
        raise TypeError("reduce_window needs at least one operand")
    avals = [get_aval(x) for x in leaves]
    if any(a.shape != avals[0].shape for a in avals):
        raise TypeError(f"reduce_window: every operand must have one shape, got "
                        f"{[a.str_short() for a in avals]}")
    params = _window_params("reduce_window", avals[0].shape, window_dimensions,
                            window_strides, padding, base_dilation, window_dilation)
    inits = [_check_init(v, a) for v, a in zip(init_leaves, avals)]
    if len(leaves) == 1:
        monoid = _monoids().get(computation)
        value = _concrete_scalar(inits[0])
        if monoid is not None and value is not None:
            prim, identity = monoid
            expected = identity(avals[0].dtype)
            if value == expected and avals[0].dtype.kind in (
                    "iufc" if prim in (reduce_window_sum_p, reduce_window_prod_p) else "biuf"):
                return prim.bind(leaves[0], **params)
    return _fold_window(leaves, inits, treedef, computation, params)


def _check_init(init: Any, aval: ShapedArray) -> Any:
    if type(init) in (bool, int, float, complex):
        with np.errstate(all="ignore"):
            converted = np.asarray(init).astype(aval.dtype)
        if not (converted == init or init != init):  # NaN is representable as NaN
            raise TypeError(f"reduce_window: init_value {init!r} is not representable in the "
                            f"operand's dtype {aval.dtype}")
        return converted[()]
    init_aval = get_aval(init)
    if init_aval.ndim != 0 or init_aval.dtype != aval.dtype:
        raise TypeError(f"reduce_window: init_value must be a scalar of the operand's dtype "
                        f"{aval.dtype}, got {init_aval.str_short()}")
    return init


def _fold_window(leaves: list[Any], inits: list[Any], treedef: Any,
                 computation: Callable[[Any, Any], Any], params: dict[str, Any]) -> Any:
    """The general reduce_window: ``acc = computation(acc, tap)`` over the taps, where a tap
    is real (not padding, not a dilation hole)."""
    from ftrans import tree_util
    shape = get_aval(leaves[0]).shape
    out_shape = _window_shape(shape, **params)
    accs = [broadcast_in_dim(i, out_shape, ()) for i in inits]
    if 0 in out_shape:
        return tree_util.tree_unflatten(treedef, accs)
    # Which taps are real elements: NumPy, known now whatever the trace.
    real_windows = _windows(np.ones(shape, bool), False, params)
    real = [real_windows[(Ellipsis,) + tap] for tap in itertools.product(
        *(range(w) for w in params["window_dimensions"]))]
    taps = [_window_taps(x, i, params) for x, i in zip(leaves, inits)]
    out_avals = [get_aval(a) for a in accs]
    for k, where in enumerate(real):
        if not np.any(where):
            continue
        new = computation(tree_util.tree_unflatten(treedef, accs),
                          tree_util.tree_unflatten(treedef, [t[k] for t in taps]))
        new_leaves, new_treedef = tree_util.tree_flatten(new)
        if new_treedef != treedef or [get_aval(n) for n in new_leaves] != out_avals:
            raise TypeError(f"reduce_window: computation must return the operand's structure, "
                            f"shape and dtype elementwise ({[a.str_short() for a in out_avals]}"
                            f"), got {[get_aval(n).str_short() for n in new_leaves]}")
        if np.all(where):
            accs = list(new_leaves)
        else:
            accs = [ew.select_n(where, a, n) for a, n in zip(accs, new_leaves)]
    return tree_util.tree_unflatten(treedef, accs)


def reduce_window_shape_tuple(operand_shape: Sequence[int], window_dimensions: Sequence[int],
                              window_strides: Sequence[int], padding: Sequence[tuple[int, int]],
                              base_dilation: Sequence[int] | None = None,
                              window_dilation: Sequence[int] | None = None) -> tuple[int, ...]:
    """The shape :func:`reduce_window` returns for these window arguments (padding as
    pairs).

    >>> reduce_window_shape_tuple((6,), (2,), (2,), ((0, 0),))
    (3,)
    """
    ndim = len(operand_shape)
    return _window_shape(tuple(operand_shape), tuple(window_dimensions), tuple(window_strides),
                         tuple((int(lo), int(hi)) for lo, hi in padding),
                         (1,) * ndim if base_dilation is None else tuple(base_dilation),
                         (1,) * ndim if window_dilation is None else tuple(window_dilation))
