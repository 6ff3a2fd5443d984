"""``ftrans.scipy.signal``: N-d convolution and correlation with SciPy's modes.

Every function computes the full linear convolution by one gather and one matrix product: the
padded first input is gathered into a (outputs x kernel) matrix of windows (a static index
table) and multiplied by the flipped kernel, so it is bilinear, differentiable in both inputs
and batchable; 'same' and 'valid' crop the full result as SciPy does. The work is
O(outputs x kernel size); ``fftconvolve`` computes the same values directly (no FFT).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import get_aval
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy._indexing import take
from ftrans.numpy._linalg import matmul
from ftrans.numpy._more_shapes import pad

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve"]

_MODES = ("full", "same", "valid")


def _inputs(in1: Any, in2: Any, name: str, ndim: int | None = None) -> tuple[Any, Any]:
    a, b = asarray_strong(in1), asarray_strong(in2)
    da, db = get_aval(a), get_aval(b)
    if da.ndim != db.ndim:
        raise ValueError(f"{name}: in1 and in2 should have the same dimensionality, got "
                         f"{da.ndim} and {db.ndim}")
    if ndim is not None and da.ndim != ndim:
        raise ValueError(f"{name}: in1 and in2 must be {ndim}-d arrays, got {da.ndim}-d")
    if da.size == 0 or db.size == 0:
        raise ValueError(f"{name}: in1 and in2 must not be empty")
    dtype = result_type(a, b)
    if dtype.kind == "c":
        raise NotImplementedError(f"{name} of complex arrays is not supported yet")
    if dtype.kind == "b":
        dtype = np.dtype(np.int64)
    return cast(a, dtype), cast(b, dtype)


def _check_mode(mode: str, name: str) -> None:
    if mode not in _MODES:
        raise ValueError(f"{name}: acceptable mode flags are 'valid', 'same', or 'full', got "
                         f"{mode!r}")


def _windows_times_kernel(padded: Any, kernel: Any) -> Any:
    """``out[o] = sum_j padded[o + j] * kernel[j]`` for every ``o`` where the window fits
    (a valid correlation), as gather + matrix product."""
    p_shape, k_shape = get_aval(padded).shape, get_aval(kernel).shape
    out_shape = tuple(p - k + 1 for p, k in zip(p_shape, k_shape))
    strides = np.cumprod((1,) + p_shape[:0:-1])[::-1]
    out_pos = np.indices(out_shape).reshape(len(out_shape), -1)
    k_pos = np.indices(k_shape).reshape(len(k_shape), -1)
    flat_out = (out_pos * strides[:, None]).sum(0)
    flat_k = (k_pos * strides[:, None]).sum(0)
    table = flat_out[:, None] + flat_k[None, :]
    windows = take(lax.reshape(padded, (-1,)), table)
    return lax.reshape(matmul(windows, lax.reshape(kernel, (-1,))), out_shape)


def _full(a: Any, b: Any, pad_mode: str = "constant", fillvalue: Any = 0) -> Any:
    """The full convolution of ``a`` with ``b`` (``a`` extended by ``pad_mode``)."""
    widths = [(k - 1, k - 1) for k in get_aval(b).shape]
    if pad_mode == "constant":
        padded = pad(a, widths, constant_values=cast(asarray_strong(fillvalue),
                                                      get_aval(a).dtype))
    else:
        padded = pad(a, widths, mode=pad_mode)
    return _windows_times_kernel(padded, lax.rev(b, tuple(range(get_aval(b).ndim))))


def _crop(full: Any, shape1: tuple[int, ...], shape2: tuple[int, ...], mode: str) -> Any:
    if mode == "full":
        return full
    full_shape = get_aval(full).shape
    if mode == "same":
        starts = [(f - n) // 2 for f, n in zip(full_shape, shape1)]
        sizes = shape1
    else:
        sizes = tuple(max(n, m) - min(n, m) + 1 for n, m in zip(shape1, shape2))
        starts = [min(n, m) - 1 for n, m in zip(shape1, shape2)]
    return lax.slice(full, tuple(starts), tuple(s + n for s, n in zip(starts, sizes)))


def _valid_swap(shape1: tuple[int, ...], shape2: tuple[int, ...], name: str) -> bool:
    """Whether 'valid' mode needs the inputs swapped (SciPy's rule), or raise."""
    if all(n >= m for n, m in zip(shape1, shape2)):
        return False
    if all(m >= n for n, m in zip(shape1, shape2)):
        return True
    raise ValueError(f"{name}: for 'valid' mode, one must be at least as large as the other "
                     f"in every dimension")


def _check_method(method: str, name: str) -> None:
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"{name}: acceptable method flags are 'auto', 'direct', or 'fft', got "
                         f"{method!r}")


def convolve(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """The N-d linear convolution of ``in1`` and ``in2`` (same number of axes).

    Args:
      in1, in2: arrays with the same number of axes.
      mode: 'full' (every overlap), 'same' (``in1``'s shape, centred) or 'valid' (full
        overlaps only; one input must be at least as large as the other in every axis).
      method: 'auto', 'direct' or 'fft' (accepted; the result is computed directly).

    Returns:
      The convolution, in the inputs' result dtype.

    Raises:
      ValueError: different ranks, empty inputs, or a bad mode / method.

    >>> import numpy as np
    >>> from ftrans.scipy import signal
    >>> signal.convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    """
    _check_mode(mode, "convolve")
    _check_method(method, "convolve")
    a, b = _inputs(in1, in2, "convolve")
    s1, s2 = get_aval(a).shape, get_aval(b).shape
    if mode == "valid" and _valid_swap(s1, s2, "convolve"):
        a, b, s1, s2 = b, a, s2, s1
    return _crop(_full(a, b), s1, s2, mode)


def correlate(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """The N-d cross-correlation ``z[k] = sum_l in1[l] in2[l - k + N - 1]`` (SciPy's
    definition), with the modes of :func:`convolve`.

    Raises:
      ValueError: different ranks, empty inputs, or a bad mode / method.

    >>> import numpy as np
    >>> from ftrans.scipy import signal
    >>> signal.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    _check_mode(mode, "correlate")
    _check_method(method, "correlate")
    a, b = _inputs(in1, in2, "correlate")
    s1, s2 = get_aval(a).shape, get_aval(b).shape
    axes = tuple(range(len(s1)))
    if mode == "valid" and _valid_swap(s1, s2, "correlate"):
        # SciPy: the correlation of the swapped inputs, reversed
        out = _crop(_full(b, lax.rev(a, axes)), s2, s1, "valid")
        return lax.rev(out, axes)
    return _crop(_full(a, lax.rev(b, axes)), s1, s2, mode)


_BOUNDARIES = {"fill": "constant", "pad": "constant", "wrap": "wrap", "circular": "wrap",
               "symm": "symmetric", "symmetric": "symmetric"}


def _2d(name: str, in1: Any, in2: Any, mode: str, boundary: str, fillvalue: Any,
        flip: bool) -> Any:
    _check_mode(mode, name)
    if boundary not in _BOUNDARIES:
        raise ValueError(f"{name}: acceptable boundary flags are 'fill', 'wrap' and 'symm', got "
                         f"{boundary!r}")
    a, b = _inputs(in1, in2, name, ndim=2)
    s1, s2 = get_aval(a).shape, get_aval(b).shape
    swapped = mode == "valid" and _valid_swap(s1, s2, name)
    if swapped:
        a, b, s1, s2 = b, a, s2, s1
    kernel = lax.rev(b, (0, 1)) if flip else b
    full = _full(a, kernel, _BOUNDARIES[boundary], fillvalue)
    if flip and mode == "same":
        # SciPy's correlate2d centres 'same' on the other side of an even kernel's middle
        starts = tuple(m // 2 for m in s2)
        out = lax.slice(full, starts, tuple(st + n for st, n in zip(starts, s1)))
    else:
        out = _crop(full, s1, s2, mode)
    if swapped and flip:  # SciPy reverses a swapped correlation
        out = lax.rev(out, (0, 1))
    return out


def convolve2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
               fillvalue: Any = 0) -> Any:
    """The 2-d convolution of ``in1`` and ``in2``, with ``in1`` extended beyond its edges by
    ``boundary``: 'fill' (with ``fillvalue``), 'wrap' (periodic) or 'symm' (mirrored).

    Raises:
      ValueError: non-2-d or empty inputs, or a bad mode / boundary.

    >>> import numpy as np
    >>> from ftrans.scipy import signal
    >>> signal.convolve2d(np.eye(2), np.array([[1.0, 2.0]]), mode="same")
    array([[1., 2.],
           [0., 1.]])
    """
    return _2d("convolve2d", in1, in2, mode, boundary, fillvalue, False)


def correlate2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
                fillvalue: Any = 0) -> Any:
    """The 2-d cross-correlation of ``in1`` and ``in2`` (see :func:`convolve2d` for
    ``boundary``).

    Raises:
      ValueError: non-2-d or empty inputs, or a bad mode / boundary.

    >>> import numpy as np
    >>> from ftrans.scipy import signal
    >>> signal.correlate2d(np.eye(2), np.array([[1.0, 2.0]]), mode="same")
    array([[1., 0.],
           [2., 1.]])
    """
    return _2d("correlate2d", in1, in2, mode, boundary, fillvalue, True)


def fftconvolve(in1: Any, in2: Any, mode: str = "full", axes: Any = None) -> Any:
    """SciPy's ``fftconvolve``: the convolution of :func:`convolve` (computed directly; the
    values agree with SciPy's up to its FFT rounding).

    Raises:
      ValueError: as :func:`convolve`. NotImplementedError: ``axes`` other than None.

    >>> import numpy as np
    >>> from ftrans.scipy import signal
    >>> signal.fftconvolve(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    array([1., 3., 2.])
    """
    if axes is not None:
        raise NotImplementedError("fftconvolve: axes= is not supported; all axes are "
                                  "convolved")
    return convolve(in1, in2, mode)
