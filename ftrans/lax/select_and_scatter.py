"""select_and_gather_add and select_and_scatter_add: the derivatives of max and min pooling.

``select_and_gather_add`` takes, for each window, the tangent of the element the window
selects (its first maximum or minimum in row-major order): the jvp of reduce_window_max /
min. Its transpose ``select_and_scatter_add`` adds each window's cotangent to the element it
selects: the vjp. Each is linear in its first argument and transposes to the other, so every
derivative order works. Non-overlapping windows (pooling's usual stride = size) take the
block path of ``window_blocks``; any other window is handled by the generic strided view.
See docs/internals.md, "Primitives", and docs/nn.md for pooling.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, make_aval
from ftrans.interpreters.jvp import defjvp
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules
from ftrans.lax.reductions import highest_value, lowest_value
from ftrans.lax.window_blocks import block_gather, block_scatter, tiles
from ftrans.lax.window_geometry import (
    bind_window, check_window, dilated_size, window_batch, windowed_shape, window_views,
)

__all__ = [
    "select_and_gather_add", "select_and_gather_add_p", "select_and_scatter_add",
    "select_and_scatter_add_p",
]

# ---------------------------------------------------------------------------------------------
# select_and_gather_add, select_and_scatter_add: the derivatives of max and min
# ---------------------------------------------------------------------------------------------

_SELECT = {"max": (np.argmax, lowest_value), "min": (np.argmin, highest_value)}


def _selected_taps(operand: Any, select: str, params: dict[str, Any]) -> np.ndarray:
    """For each window, the row-major index of the tap holding its first max (or min)."""
    operand = np.asarray(operand)
    chooser, identity = _SELECT[select]
    windows = window_views(operand, identity(operand.dtype), params)
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
    operand = np.asarray(operand)
    if tiles(operand.shape, params):
        return block_gather(np.asarray(tangent), operand, select, params["window_dimensions"])
    taps = _selected_taps(operand, select, params)
    if taps.size == 0:
        return np.zeros(taps.shape, np.asarray(tangent).dtype)
    flat = window_views(tangent, 0, params).reshape(taps.shape + (-1,))
    return np.take_along_axis(flat, taps[..., None], axis=-1)[..., 0]


def _select_and_gather_add_abstract_eval(tangent: ShapedArray, operand: ShapedArray,
                                         select: str, **params: Any) -> ShapedArray:
    check_window("select_and_gather_add", operand, **params)
    _check_select("select_and_gather_add", select, tangent, operand, operand.shape)
    return make_aval(windowed_shape(operand.shape, **params), tangent.dtype)


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
    return bind_window(select_and_gather_add_p, operand, window_dimensions, window_strides,
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
window_batch(select_and_gather_add_p)


def _select_and_scatter_add_impl(source: Any, operand: Any, select: str, **params: Any) -> Any:
    operand, source = np.asarray(operand), np.asarray(source)
    if tiles(operand.shape, params):
        return block_scatter(source, operand, select, params["window_dimensions"])
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
        full_shape.append(dilated_size(n, bd) + max(lo, 0) + max(hi, 0))
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
    inside = tuple(slice(max(lo, 0), max(lo, 0) + dilated_size(n, bd), bd)
                   for n, (lo, _), bd in zip(operand.shape, params["padding"],
                                             params["base_dilation"]))
    return full[inside].astype(source.dtype)


def _select_and_scatter_add_abstract_eval(source: ShapedArray, operand: ShapedArray,
                                          select: str, **params: Any) -> ShapedArray:
    check_window("select_and_scatter_add", operand, **params)
    _check_select("select_and_scatter_add", select, source, operand,
                  windowed_shape(operand.shape, **params))
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
    return bind_window(select_and_scatter_add_p, operand, window_dimensions, window_strides,
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
window_batch(select_and_scatter_add_p)

