"""Window geometry shared by the windowed reductions and the selections of max and min.

A *window* is described by five tuples with one entry per operand axis (the params of every
primitive of the family): ``window_dimensions`` (its size), ``window_strides`` (its step),
``padding`` (``(lo, hi)`` elements added before and after the axis; negative crops),
``base_dilation`` (``d - 1`` holes inserted between neighbouring elements of the operand) and
``window_dilation`` (``d - 1`` holes between the window's taps). Here: output shapes, checks,
the strided view of every window, the taps as pad + slice (transformable), the one batching
rule of the family, and the public arguments made canonical. Used by
``windowed_reductions`` (reduce_window and its primitives) and ``select_and_scatter``.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.lax.indexing import slice as slice_op
from ftrans.lax.structural import pad_impl, broadcast_in_dim, concatenate, pad, reshape

__all__ = [
    "Pairs", "padtype_to_pads",
]

Pairs = tuple[tuple[int, int], ...]

# ---------------------------------------------------------------------------------------------
# Window geometry, shared by every primitive of the family
# ---------------------------------------------------------------------------------------------

_PARAM_NAMES = ("window_dimensions", "window_strides", "padding", "base_dilation",
                "window_dilation")


def dilated_size(size: int, dilation: int) -> int:
    """The length of ``size`` elements with ``dilation - 1`` zeros between neighbours."""
    return 0 if size == 0 else (size - 1) * dilation + 1


def windowed_shape(shape: Sequence[int], window_dimensions: Sequence[int],
                  window_strides: Sequence[int], padding: Pairs, base_dilation: Sequence[int],
                  window_dilation: Sequence[int]) -> tuple[int, ...]:
    out = []
    for n, w, s, (lo, hi), bd, wd in zip(shape, window_dimensions, window_strides, padding,
                                         base_dilation, window_dilation):
        padded = dilated_size(n, bd) + lo + hi
        span = dilated_size(w, wd)
        out.append(max(0, (padded - span) // s + 1) if padded >= span else 0)
    return tuple(out)


def check_window(name: str, aval: ShapedArray, window_dimensions: tuple[int, ...],
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
        if dilated_size(n, bd) + lo + hi < 0:
            raise ValueError(f"{name}: padding {(lo, hi)} of axis {axis} crops more than the "
                             f"axis holds ({dilated_size(n, bd)} elements after base dilation)")


def window_abstract_eval(name: str, kinds: str) -> Callable[..., ShapedArray]:
    def abstract_eval(x: ShapedArray, **params: Any) -> ShapedArray:
        check_window(name, x, **params)
        if x.dtype.kind not in kinds:
            wanted = {"iufc": "numeric", "biuf": "real (bool, integer or floating)"}[kinds]
            raise TypeError(f"{name} needs a {wanted} operand, got {x.str_short()}")
        return make_aval(windowed_shape(x.shape, **params), x.dtype)
    return abstract_eval


def _pad_config(padding: Pairs, base_dilation: Sequence[int]) -> list[tuple[int, int, int]]:
    return [(lo, hi, bd - 1) for (lo, hi), bd in zip(padding, base_dilation)]


def window_views(x: Any, fill: Any, params: dict[str, Any]) -> np.ndarray:
    """A (strided, read-only) view of shape ``out_shape + window_dimensions``: element
    ``[o..., k...]`` is tap ``k`` of window ``o`` of ``x`` padded and dilated with ``fill``."""
    x = np.asarray(x)
    out_shape = windowed_shape(x.shape, **params)
    windows = tuple(params["window_dimensions"])
    padded = pad_impl(x, np.asarray(fill, x.dtype),
                       _pad_config(params["padding"], params["base_dilation"]))
    if 0 in out_shape:
        return np.empty(out_shape + windows, x.dtype)
    spans = tuple(dilated_size(w, wd) for w, wd in zip(windows, params["window_dilation"]))
    view = np.lib.stride_tricks.sliding_window_view(padded, spans)
    return view[tuple(slice(None, (o - 1) * s + 1, s)
                      for o, s in zip(out_shape, params["window_strides"]))
                + tuple(slice(None, None, wd) for wd in params["window_dilation"])]


def _window_axes(ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim, 2 * ndim))


def reduce_windows(numpy_fn: Any, fill: Callable[[np.dtype], Any]) -> Callable[..., Any]:
    def impl(x: Any, **params: Any) -> Any:
        x = np.asarray(x)
        windows = window_views(x, fill(x.dtype), params)
        if numpy_fn in (np.sum, np.prod):  # keep the dtype (NumPy widens small integers)
            return numpy_fn(windows, axis=_window_axes(x.ndim), dtype=x.dtype)
        return numpy_fn(windows, axis=_window_axes(x.ndim))
    return impl


def window_taps(x: Any, fill: Any, params: dict[str, Any]) -> list[Any]:
    """One array of the output's shape per tap of the window (row-major order of the taps):
    ``x`` padded and dilated with ``fill`` (a scalar), then strided slices. Made of pad and
    slice, so every transformation applies."""
    aval = get_aval(x)
    out_shape = windowed_shape(aval.shape, **params)
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


def stack_last(xs: Sequence[Any]) -> Any:
    shape = get_aval(xs[0]).shape
    return concatenate([reshape(x, shape + (1,)) for x in xs], len(shape))


def window_batch(prim: Primitive) -> None:
    """Batching for every primitive of the family: the batch axis becomes one more axis with a
    window of one element (all operands are brought to the front)."""

    def rule(axis_data: Any, args: Sequence[Any],
             bdims: Sequence[Any], **params: Any) -> tuple[Any, int]:
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


def int_tuple(name: str, what: str, value: Any, ndim: int) -> tuple[int, ...]:
    try:
        out = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{name}: {what} must be a sequence of ints (one per axis), got "
                        f"{value!r}") from None
    if any(isinstance(v, float) and not float(v).is_integer() for v in value):
        raise TypeError(f"{name}: {what} must hold ints, got {value!r}")
    return out


def window_params(name: str, shape: tuple[int, ...], window_dimensions: Any,
                   window_strides: Any, padding: Any, base_dilation: Any,
                   window_dilation: Any) -> dict[str, Any]:
    """The canonical params (five int tuples) of the public arguments, checked."""
    ndim = len(shape)
    window_dimensions = int_tuple(name, "window_dimensions", window_dimensions, ndim)
    if len(window_dimensions) != ndim:
        raise TypeError(f"{name}: window_dimensions {window_dimensions} has "
                        f"{len(window_dimensions)} entries but the operand has {ndim} axes "
                        f"(shape {shape}); give one window size per axis")
    ones = (1,) * ndim
    window_strides = ones if window_strides is None else int_tuple(
        name, "window_strides", window_strides, ndim)
    base_dilation = ones if base_dilation is None else int_tuple(
        name, "base_dilation", base_dilation, ndim)
    window_dilation = ones if window_dilation is None else int_tuple(
        name, "window_dilation", window_dilation, ndim)
    if isinstance(padding, str):
        spans = [dilated_size(w, wd) for w, wd in zip(window_dimensions, window_dilation)]
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
    check_window(name, make_aval(shape, np.float64), **params)
    return params


def bind_window(prim: Primitive, operand: Any, window_dimensions: Any, window_strides: Any,
                 padding: Any, base_dilation: Any, window_dilation: Any,
                 leading: tuple[Any, ...] = (), **extra: Any) -> Any:
    aval = get_aval(operand)
    params = window_params(prim.name, aval.shape, window_dimensions, window_strides, padding,
                            base_dilation, window_dilation)
    args = leading + (operand,)
    prim.abstract_eval(*[get_aval(a) for a in args], **extra, **params)
    return prim.bind(*args, **extra, **params)

