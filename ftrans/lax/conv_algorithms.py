"""The NumPy implementation of conv_general_dilated: algorithms and the cost model that picks one.

The operands are brought to the canonical layout (N, C, spatial...) x (O, I, spatial...) as
views, grouped ((G, N, C, ...) x (G, O, I, ...)), and convolved by the algorithm a cost model
predicts fastest for their shapes: im2col (every window copied into a matrix row, one GEMM),
one GEMM per kernel offset, FFT, or scattering the products of each input element (for large
paddings, as in the input gradient). An input dilated by strides (a transposed convolution) is
computed phase by phase without its zeros. docs/convolutions.md has the measurements.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ftrans import blas_threads
from ftrans.lax.conv_dimensions import ConvDimensionNumbers, Padding
from ftrans.lax.window_geometry import dilated_size

__all__ = [
    "forced_algorithm",
]

# ---------------------------------------------------------------------------------------------
# The implementation: canonical layout (N, C, spatial...) x (O, I, spatial...)
# ---------------------------------------------------------------------------------------------


def _pad_and_dilate(x: np.ndarray, padding: Padding, dilation: tuple[int, ...]) -> np.ndarray:
    """``x`` (N, C, spatial...) with zeros between elements and (lo, hi) pads on each spatial
    axis; negative pads crop."""
    if all(d == 1 for d in dilation) and all(lo == hi == 0 for lo, hi in padding):
        return x
    if all(d == 1 for d in dilation) and all(lo >= 0 and hi >= 0 for lo, hi in padding):
        return np.pad(x, ((0, 0), (0, 0)) + tuple(padding))
    sizes = [dilated_size(s, d) + lo + hi
             for s, d, (lo, hi) in zip(x.shape[2:], dilation, padding)]
    out = np.zeros(x.shape[:2] + tuple(sizes), x.dtype)
    src, dst = [slice(None)] * 2, [slice(None)] * 2
    for s, d, (lo, _), size in zip(x.shape[2:], dilation, padding, sizes):
        first = max(0, (d - 1 - lo) // d)       # the first element not cropped at the start
        last = min(s, (size - lo + d - 1) // d)  # one past the last not cropped at the end
        if last <= first:
            return out
        src.append(slice(first, last))
        dst.append(slice(first * d + lo, (last - 1) * d + lo + 1, d))
    out[tuple(dst)] = x[tuple(src)]
    return out


def _grouped(x: np.ndarray, w: np.ndarray, feature_group_count: int,
             batch_group_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Views with a leading group axis: x (G, N / Gb, C / Gf, ...), w (G, O / G, I, ...)."""
    if feature_group_count > 1:
        g = feature_group_count
        x = x.reshape((x.shape[0], g, x.shape[1] // g) + x.shape[2:]).swapaxes(0, 1)
    elif batch_group_count > 1:
        g = batch_group_count
        x = x.reshape((g, x.shape[0] // g) + x.shape[1:])
    else:
        g = 1
        x = x[None]
    return x, w.reshape((g, w.shape[0] // g) + w.shape[1:])


def _windows(xp: np.ndarray, kernel: tuple[int, ...], strides: tuple[int, ...],
             rhs_dilation: tuple[int, ...]) -> np.ndarray:
    """The view (..., C, out spatial..., kernel spatial...) of every strided, dilated window of
    ``xp`` (..., C, padded spatial...): no copy."""
    n = len(kernel)
    spatial = tuple(range(xp.ndim - n, xp.ndim))
    extents = tuple(dilated_size(k, d) for k, d in zip(kernel, rhs_dilation))
    view = sliding_window_view(xp, extents, axis=spatial)
    index = ((Ellipsis,) + tuple(slice(None, None, s) for s in strides)
             + tuple(slice(None, None, d) for d in rhs_dilation))
    return view[index]


# The window matrix is built for this many elements at a time (1 MB of float64): chunks of the
# batch keep the copy in cache for the product that reads it (measured 2x faster than one
# 32 MB matrix on LeNet's layers) and the memory bounded.
_IM2COL_CHUNK = 1 << 17

# A convolution's multiply-adds over the size of its typical product (a chunk or an offset's),
# for the choice of BLAS threads: it is one thread up to this times blas_threads.SMALL.
_CHUNKED = 8


def _conv_im2col(xg: np.ndarray, wg: np.ndarray, strides: tuple[int, ...],
                 rhs_dilation: tuple[int, ...]) -> np.ndarray:
    """Every window copied into one matrix row ("im2col"), then one matrix product per group:
    (G, N, C, P...) x (G, O, C, K...) -> (G, N, Y..., O); a large batch goes in chunks."""
    n = wg.ndim - 3
    win = _windows(xg, wg.shape[3:], strides, rhs_dilation)   # (G, N, C, Y..., K...)
    g, batch, channels = win.shape[:3]
    out_sizes = win.shape[3:3 + n]
    row_length = channels * int(np.prod(wg.shape[3:]))
    # rows (n, y...), columns (c, k...): the copy that makes this a single GEMM
    perm = (0, 1) + tuple(range(3, 3 + n)) + (2,) + tuple(range(3 + n, 3 + 2 * n))
    kernel = wg.reshape(g, wg.shape[1], -1).transpose(0, 2, 1)   # (G, C * K, O)

    def product(part: np.ndarray) -> np.ndarray:
        rows = part.transpose(perm).reshape(g, -1, row_length)
        return rows[0] @ kernel[0] if g == 1 else np.matmul(rows, kernel)

    chunk = max(1, _IM2COL_CHUNK // max(1, int(np.prod(out_sizes)) * row_length * g))
    if chunk >= batch:
        return product(win).reshape((g, batch) + out_sizes + (wg.shape[1],))
    out = np.empty((g, batch) + out_sizes + (wg.shape[1],), np.result_type(xg, wg))
    for start in range(0, batch, chunk):
        part = product(win[:, start:start + chunk])
        out[:, start:start + chunk] = part.reshape((g, -1) + out_sizes + (wg.shape[1],))
    return out


def _conv_shifted(xg: np.ndarray, wg: np.ndarray, strides: tuple[int, ...],
                  rhs_dilation: tuple[int, ...]) -> np.ndarray:
    """One matrix product per kernel offset, accumulated: the input's channels are the
    contraction, so no window matrix is ever formed (memory of one output)."""
    kernel = wg.shape[3:]
    g, batch, channels = xg.shape[:3]
    out_sizes = tuple((p - dilated_size(k, d)) // s + 1
                      for p, k, d, s in zip(xg.shape[3:], kernel, rhs_dilation, strides))
    # (G, N, P..., C), copied once so that every patch below is read in contiguous rows
    x_last = np.ascontiguousarray(np.moveaxis(xg, 2, -1))
    out = None
    for offset in np.ndindex(*kernel):
        index = (slice(None), slice(None)) + tuple(
            slice(o * d, o * d + (y - 1) * s + 1, s)
            for o, d, s, y in zip(offset, rhs_dilation, strides, out_sizes))
        patch = x_last[index].reshape(g, -1, channels)            # (G, N * Y, C)
        tap = wg[(slice(None), slice(None), slice(None)) + offset]  # (G, O, C)
        term = np.matmul(patch, tap.transpose(0, 2, 1))
        if out is None:
            out = term
        else:
            out += term
    assert out is not None  # the kernel has an offset (no size is 0: handled by the caller)
    return out.reshape((g, batch) + out_sizes + (wg.shape[1],))


def _conv_fft(xg: np.ndarray, wg: np.ndarray, strides: tuple[int, ...],
              rhs_dilation: tuple[int, ...]) -> np.ndarray:
    """Unit strides and dilations: correlate by FFT over the padded spatial extent (circular
    correlation is exact at the valid positions), contracting channels per frequency."""
    n = wg.ndim - 3
    sizes = xg.shape[3:]
    axes = tuple(range(3, 3 + n))
    out_sizes = tuple(p - k + 1 for p, k in zip(sizes, wg.shape[3:]))
    x_hat = np.fft.rfftn(xg, sizes, axes=axes)                     # (G, N, C, F...)
    w_hat = np.conj(np.fft.rfftn(wg, sizes, axes=axes))            # (G, O, C, F...)
    freq = x_hat.shape[3:]
    x_hat = np.moveaxis(x_hat.reshape(x_hat.shape[:3] + (-1,)), 3, 1)  # (G, F, N, C)
    w_hat = np.moveaxis(w_hat.reshape(w_hat.shape[:3] + (-1,)), 3, 1)  # (G, F, O, C)
    prod = np.matmul(x_hat, w_hat.transpose(0, 1, 3, 2))          # (G, F, N, O)
    prod = np.moveaxis(prod, 1, -1).reshape(prod.shape[:1] + prod.shape[2:] + freq)
    full = np.fft.irfftn(prod, sizes, axes=tuple(range(3, 3 + n)))  # (G, N, O, P...)
    full = full[(Ellipsis,) + tuple(slice(0, y) for y in out_sizes)]
    return np.moveaxis(full, 2, -1).astype(xg.dtype, copy=False)   # (G, N, Y..., O)


def _conv_scatter(xg: np.ndarray, wg: np.ndarray, padding: Padding,
                  rhs_dilation: tuple[int, ...]) -> np.ndarray:
    """Unit strides, the *unpadded* input (pads >= 0): for each kernel offset ``k``, one matrix
    product of every input element with that tap, ``(G, N * I, C) x (G, C, O)``, added into
    the output where it lands (``y = i + low - k * dilation``). Padding is never materialised
    nor multiplied, so a large one (the input gradient of a VALID convolution is padded by the
    kernel size - 1 on each side) costs nothing; the products are contiguous matrices."""
    kernel = wg.shape[3:]
    g, batch, channels = xg.shape[:3]
    in_sizes = xg.shape[3:]
    out_features = wg.shape[1]
    out_sizes = tuple(i + lo + hi - dilated_size(k, d) + 1
                      for i, (lo, hi), k, d in zip(in_sizes, padding, kernel, rhs_dilation))
    rows = np.ascontiguousarray(np.moveaxis(xg, 2, -1)).reshape(g, -1, channels)
    taps = np.ascontiguousarray(np.moveaxis(np.moveaxis(wg, 1, -1), 1, -2))  # (G, K..., C, O)
    out = np.zeros((g, batch) + out_sizes + (out_features,), np.result_type(xg, wg))
    for offset in np.ndindex(*kernel):
        src, dst = [slice(None)] * 2, [slice(None)] * 2
        for k, d, (lo, _), size, y in zip(offset, rhs_dilation, padding, in_sizes, out_sizes):
            shift = lo - k * d                 # output index of input element 0
            first, last = max(0, -shift), min(size, y - shift)
            if last <= first:
                break
            src.append(slice(first, last))
            dst.append(slice(first + shift, last + shift))
        else:
            tap = taps[(slice(None),) + offset]                       # (G, C, O)
            term = rows[0] @ tap[0] if g == 1 else np.matmul(rows, tap)
            term = term.reshape((g, batch) + in_sizes + (out_features,))
            out[tuple(dst)] += term[tuple(src)]
    return out


_ALGORITHMS = {"im2col": _conv_im2col, "shifted": _conv_shifted, "fft": _conv_fft,
               "scatter": _conv_scatter}

# Set to a key of _ALGORITHMS to force one algorithm (benchmarks, tests); None chooses by shape.
forced_algorithm: str | None = None


# The cost model that picks the algorithm, in seconds, fitted to CPU-time measurements of the
# three on LeNet-sized layers and their gradients, float32, one BLAS thread (the table in
# docs/convolutions.md); 8-byte elements scale each term by _WIDE.
_GEMM = 3.4e-11     # per multiply-add of a matrix product with a long inner dimension
_GATHER = 1.5e-9    # per element gathered from windows into the im2col matrix
_STREAM = 5e-10     # per element of a strided slice copied, or of an accumulation
_FFT = 1.5e-9       # per element and log2 of length of a real FFT pass
_STEP = 5e-6        # Python and NumPy overhead of one step of a loop over kernel offsets
_WIDE = dict(gemm=2.0, gather=1.45, stream=1.5, fft=1.2)


def _gemm_penalty(inner: int) -> float:
    """Matrix products with a short inner (or outer) dimension run below BLAS's peak."""
    return max(1.0, 32.0 / max(inner, 1))


@functools.lru_cache(maxsize=512)
def _costs(x_shape: tuple[int, ...], w_shape: tuple[int, ...], itemsize: int, fft_applies: bool,
           strides: tuple[int, ...], rhs_dilation: tuple[int, ...],
           in_sizes: tuple[int, ...] | None = None) -> dict[str, float]:
    """Predicted seconds of each applicable algorithm for grouped operands of these shapes
    (``x_shape`` padded; ``in_sizes`` the unpadded spatial sizes where scattering applies)."""
    wide = _WIDE if itemsize >= 8 else dict(gemm=1.0, gather=1.0, stream=1.0, fft=1.0)
    gemm, gather = _GEMM * wide["gemm"], _GATHER * wide["gather"]
    stream, fft_pass = _STREAM * wide["stream"], _FFT * wide["fft"]
    g, batch, channels = x_shape[:3]
    out_features = w_shape[1]
    kernel = int(np.prod(w_shape[3:]))
    padded = int(np.prod(x_shape[3:]))
    rows = g * batch * int(np.prod([
        (p - dilated_size(k, d)) // s + 1
        for p, k, d, s in zip(x_shape[3:], w_shape[3:], rhs_dilation, strides)]))
    direct = rows * channels * kernel * out_features
    costs = {
        "im2col": (gemm * direct * _gemm_penalty(channels * kernel)
                   + gather * rows * channels * kernel),
        "shifted": (gemm * direct * _gemm_penalty(min(channels, out_features)) ** 0.5
                    + stream * rows * kernel * (channels + out_features)
                    + gather * g * batch * channels * padded + _STEP * kernel),
    }
    if fft_applies:
        signals = g * (batch * channels + out_features * channels + batch * out_features)
        costs["fft"] = float(fft_pass * signals * padded * np.log2(max(padded, 2))
                             + 4 * gemm * g * batch * channels * out_features * padded / 2
                             * _gemm_penalty(min(channels, out_features)))
    if in_sizes is not None:
        inputs = g * batch * int(np.prod(in_sizes))
        costs["scatter"] = (gemm * inputs * channels * kernel * out_features
                            * _gemm_penalty(min(channels, out_features)) ** 0.5
                            # each offset's product is a fresh array, added in place: read,
                            # read and write of one output's worth
                            + 3 * stream * inputs * kernel * out_features
                            + stream * (inputs * channels + rows * out_features)
                            + _STEP * kernel)
    return costs


def _choose_algorithm(xg: np.ndarray | _Shape, wg: np.ndarray | _Shape, strides: tuple[int, ...],
                      rhs_dilation: tuple[int, ...],
                      in_sizes: tuple[int, ...] | None = None) -> str:
    """The algorithm the cost model predicts fastest (or the forced one, where it applies).
    ``xg`` may be any array of the padded grouped input's shape and dtype; ``in_sizes``, the
    unpadded spatial sizes, is given where scattering applies (unit strides)."""
    if forced_algorithm is not None:
        if forced_algorithm == "fft" and not _fft_applies(xg, strides, rhs_dilation):
            return "im2col"
        if forced_algorithm == "scatter" and in_sizes is None:
            return "im2col"
        return forced_algorithm
    costs = _costs(tuple(xg.shape), tuple(wg.shape), xg.dtype.itemsize,
                   _fft_applies(xg, strides, rhs_dilation), strides, rhs_dilation, in_sizes)
    return min(costs, key=costs.__getitem__)


class _Shape(NamedTuple):
    """What the chooser reads of an operand, before any padded copy of it exists."""

    shape: tuple[int, ...]
    dtype: np.dtype


def _fft_applies(xg: np.ndarray | _Shape, strides: tuple[int, ...], rhs_dilation: tuple[int, ...]
                 ) -> bool:
    return (xg.dtype.kind == "f" and all(s == 1 for s in strides)
            and all(d == 1 for d in rhs_dilation))


def _conv_canonical(x: np.ndarray, w: np.ndarray, strides: tuple[int, ...], padding: Padding,
                    lhs_dilation: tuple[int, ...], rhs_dilation: tuple[int, ...],
                    feature_group_count: int, batch_group_count: int) -> np.ndarray:
    """(N, C, spatial...) x (O, I, spatial...) -> (N / batch groups, O, spatial...)."""
    if (any(d > 1 for d in lhs_dilation) and all(s == 1 for s in strides)
            and all(r == 1 for r in rhs_dilation)):
        return _conv_by_phases(x, w, padding, lhs_dilation, feature_group_count,
                               batch_group_count)
    groups = max(feature_group_count, batch_group_count)
    padded = tuple(dilated_size(s, d) + lo + hi
                   for s, d, (lo, hi) in zip(x.shape[2:], lhs_dilation, padding))
    out_sizes = tuple(max(0, (p - dilated_size(k, d)) // s + 1) if p >= dilated_size(k, d) else 0
                      for p, k, d, s in zip(padded, w.shape[2:], rhs_dilation, strides))
    batch = x.shape[0] // batch_group_count
    if 0 in out_sizes or 0 in x.shape[:2] or 0 in w.shape:
        return np.zeros((batch, w.shape[0]) + out_sizes, np.result_type(x, w))
    unit = (all(s == 1 for s in strides) and all(d == 1 for d in lhs_dilation)
            and all(max(-lo, 0) + max(-hi, 0) <= size   # crops within the input itself
                    for size, (lo, hi) in zip(x.shape[2:], padding)))
    if unit:  # negative pads crop now; the rest is padding the scatter never materialises
        x = x[(slice(None),) * 2 + tuple(slice(max(-lo, 0), size - max(-hi, 0))
                                         for size, (lo, hi) in zip(x.shape[2:], padding))]
        padding = tuple((max(lo, 0), max(hi, 0)) for lo, hi in padding)
    g, x_group = groups, x.shape[1] // feature_group_count
    grouped_shape = (g, batch, x_group) + padded
    algorithm = _choose_algorithm(_Shape(grouped_shape, np.result_type(x, w)),
                                  _Shape((g, w.shape[0] // g) + w.shape[1:], w.dtype),
                                  strides, rhs_dilation, x.shape[2:] if unit else None)
    if algorithm == "scatter":
        xg, wg = _grouped(x, w, feature_group_count, batch_group_count)
        res = _conv_scatter(xg, wg, padding, rhs_dilation)
    else:
        xp = _pad_and_dilate(x, padding, lhs_dilation)
        xg, wg = _grouped(xp, w, feature_group_count, batch_group_count)
        res = _ALGORITHMS[algorithm](xg, wg, strides, rhs_dilation)  # (G, N, Y..., O / G)
    n = res.ndim - 3
    # (G, N, Y..., Og) -> (N, G, Og, Y...) -> (N, O, Y...): group-major output features
    res = res.transpose((1, 0, res.ndim - 1) + tuple(range(2, 2 + n)))
    return res.reshape((res.shape[0], groups * res.shape[2]) + res.shape[3:])


def _conv_by_phases(x: np.ndarray, w: np.ndarray, padding: Padding,
                    lhs_dilation: tuple[int, ...], feature_group_count: int,
                    batch_group_count: int) -> np.ndarray:
    """A unit-stride convolution of an input dilated by ``d``, without multiplying its zeros:
    outputs ``y = phase + d t`` meet input elements only through the taps
    ``k = k0 + d j`` with ``k0 = (low - phase) mod d``, so each phase of the output is an
    undilated convolution of the input with that sub-kernel (d^n of them, ~d^n times less
    work in all). This is the input gradient of a strided convolution, and conv_transpose."""
    in_sizes, kernel = x.shape[2:], w.shape[2:]
    out_sizes = [max(0, dilated_size(i, d) + lo + hi - k + 1)
                 for i, d, (lo, hi), k in zip(in_sizes, lhs_dilation, padding, kernel)]
    batch = x.shape[0] // batch_group_count
    out = np.zeros((batch, w.shape[0]) + tuple(out_sizes), np.result_type(x, w))
    for phase in np.ndindex(*lhs_dilation):
        taps, pads, index = [], [], []
        for p, d, (lo, _), k, i, y in zip(phase, lhs_dilation, padding, kernel, in_sizes,
                                          out_sizes):
            first_tap = (lo - p) % d
            n_taps = max(0, -(-(k - first_tap) // d))
            n_out = max(0, -(-(y - p) // d))
            offset = (p + first_tap - lo) // d   # input index of output t = 0, tap j = 0
            taps.append(slice(first_tap, None, d))
            pads.append((-offset, n_out + n_taps - 1 - i + offset))
            index.append(slice(p, None, d))
            if n_taps == 0 or n_out == 0:
                break
        else:
            sub_kernel = w[(slice(None), slice(None)) + tuple(taps)]
            part = _conv_canonical(x, sub_kernel, (1,) * len(kernel), tuple(pads),
                                   (1,) * len(kernel), (1,) * len(kernel),
                                   feature_group_count, batch_group_count)
            out[(slice(None), slice(None)) + tuple(index)] = part
    return out


def conv_impl(lhs: Any, rhs: Any, *, window_strides: tuple[int, ...], padding: Padding,
               lhs_dilation: tuple[int, ...], rhs_dilation: tuple[int, ...],
               dimension_numbers: ConvDimensionNumbers, feature_group_count: int,
               batch_group_count: int, preferred_element_type: np.dtype | None) -> np.ndarray:
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    x = np.transpose(np.asarray(lhs), lhs_spec)
    w = np.transpose(np.asarray(rhs), rhs_spec)
    out_dtype = x.dtype if preferred_element_type is None else preferred_element_type
    if out_dtype != x.dtype:  # accumulate in the wider of the two types
        compute = np.promote_types(x.dtype, out_dtype)
        x, w = x.astype(compute), w.astype(compute)
    # the products are split into cache-sized chunks or one per kernel offset, each far smaller
    # than the whole: BLAS threads pay only for much larger convolutions (blas_threads)
    macs = (x.shape[0] // batch_group_count * int(np.prod(w.shape)) * int(np.prod(
        [max(0, (dilated_size(s, ld) + lo + hi - dilated_size(k, rd)) // st + 1)
         for s, ld, (lo, hi), k, rd, st in zip(x.shape[2:], lhs_dilation, padding, w.shape[2:],
                                               rhs_dilation, window_strides)])))
    out = blas_threads.run_small(macs // _CHUNKED, _conv_canonical, x, w, window_strides,
                                 padding, lhs_dilation, rhs_dilation, feature_group_count,
                                 batch_group_count)
    return np.transpose(out.astype(out_dtype, copy=False), np.argsort(out_spec))

