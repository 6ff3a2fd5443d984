"""Non-overlapping windows: max / min pooling and its selections as strided slices.

When the windows tile the operand (stride = window size, no padding, no dilation: pooling's
usual case), tap ``k`` of every window is the basic slice ``x[k::w]`` cut to the output's
length, and each element belongs to at most one window. Then the reduction is a running
``np.maximum`` over the taps, the selection of each window's first maximum is a mask per tap
(ties resolved in row-major tap order, a NaN winning as ``argmax`` lets it), the gather
copies the selected tangent under those masks and the scatter writes the source into the
masked slices: no window view, no ``argmax`` over a strided copy, no ``bincount``. Elements
past the last whole window (a size not divisible by the window) belong to none. The
primitives of ``windowed_reductions`` and ``select_and_scatter`` take this path when
:func:`tiles` holds, and the generic window code otherwise.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator

import numpy as np

__all__ = [
    "block_gather", "block_reduce", "block_scatter", "tiles",
]

# Beyond this many taps a window is better reduced by the generic view (one NumPy call).
_MAX_TAPS = 64


def tiles(shape: tuple[int, ...], params: dict[str, Any]) -> bool:
    """Whether the windows of ``params`` tile an operand of ``shape`` (the fast path applies)."""
    dims = params["window_dimensions"]
    return (tuple(params["window_strides"]) == tuple(dims)
            and all(d == 1 for d in params["base_dilation"])
            and all(d == 1 for d in params["window_dilation"])
            and all(lo == 0 and hi == 0 for lo, hi in params["padding"])
            and int(np.prod(dims)) <= _MAX_TAPS
            and all(n >= w for n, w in zip(shape, dims)))


def _taps(shape: tuple[int, ...], dims: tuple[int, ...]) -> Iterator[tuple[slice, ...]]:
    """The index of tap ``k`` of every window, in row-major order of the taps."""
    out_shape = tuple(n // w for n, w in zip(shape, dims))
    for tap in itertools.product(*(range(w) for w in dims)):
        yield tuple(slice(k, k + o * w, w) for k, o, w in zip(tap, out_shape, dims))


def block_reduce(x: np.ndarray, select: str, dims: tuple[int, ...]) -> np.ndarray:
    """The max (``select="max"``) or min of each window: a running maximum over the taps."""
    combine = np.maximum if select == "max" else np.minimum
    out = None
    for index in _taps(x.shape, dims):
        if out is None:
            out = np.array(x[index])
        else:
            combine(out, x[index], out=out)
    assert out is not None  # there is a tap: window dimensions are positive
    return out


def _selections(x: np.ndarray, select: str, dims: tuple[int, ...]
                ) -> Iterator[tuple[tuple[slice, ...], np.ndarray]]:
    """(tap index, mask of the windows whose first max / min is that tap), tap by tap."""
    best = block_reduce(x, select, dims)
    nan = x.dtype.kind in "fc" and bool(np.isnan(best).any())
    taken = None
    for index in _taps(x.shape, dims):
        tap = x[index]
        hit = tap == best
        if nan:  # a window holding NaN selects its first NaN (as argmax does)
            hit |= tap != tap
        if taken is None:
            taken = hit.copy()
        else:
            hit &= ~taken
            taken |= hit
        yield index, hit


def block_gather(tangent: np.ndarray, operand: np.ndarray, select: str,
                 dims: tuple[int, ...]) -> np.ndarray:
    """select_and_gather_add: each window's tangent at the element it selects."""
    out_shape = tuple(n // w for n, w in zip(operand.shape, dims))
    out = np.zeros(out_shape, tangent.dtype)
    # mask * value is the fastest select NumPy has, but 0 * inf is NaN: finite values only
    finite = tangent.dtype.kind not in "fc" or bool(np.isfinite(tangent).all())
    term = np.empty(out_shape, tangent.dtype) if finite else None
    for index, hit in _selections(operand, select, dims):
        if finite:
            np.multiply(hit, tangent[index], out=term)
            out += term
        else:
            np.copyto(out, tangent[index], where=hit)
    return out


def block_scatter(source: np.ndarray, operand: np.ndarray, select: str,
                  dims: tuple[int, ...]) -> np.ndarray:
    """select_and_scatter_add: each window's source written at the element it selects
    (windows do not overlap, so nothing accumulates)."""
    out = np.zeros(operand.shape, source.dtype)
    finite = source.dtype.kind not in "fc" or bool(np.isfinite(source).all())
    for index, hit in _selections(operand, select, dims):
        if finite:  # every element of the tap is written: mask * source (0 where not
            # selected; -0.0 where that source is negative, equal to 0 in every comparison)
            np.multiply(hit, source, out=out[index])
        else:
            np.copyto(out[index], source, where=hit)
    return out
