"""``ftrans.scipy.fft``: the discrete cosine transform (type 2) and its inverse, as in
``jax.scipy.fft``: ``dct``, ``idct``, ``dctn``, ``idctn``.

Each is computed with one complex FFT of the input reordered (even-indexed samples, then the
odd-indexed ones backwards) and a twiddle factor (Makhoul's method), all in ``ftrans.numpy``
and ``ftrans.lax`` calls, so every transformation applies. Dtypes are SciPy's: float32 stays
float32, float16 computes in float32, integers and bools in float64; complex input is
transformed part by part. ``norm`` is ``"backward"`` (default), ``"ortho"`` or ``"forward"``.
See docs/fft.md.

>>> import numpy as np
>>> from ftrans.scipy import fft
>>> fft.dct(np.array([1.0, 2.0, 3.0])).round(8) + 0.0
array([12.        , -3.46410162,  0.        ])
>>> np.allclose(fft.idct(fft.dct(np.array([1.0, 2.0, 3.0]))), [1.0, 2.0, 3.0])
True
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans import numpy as fnp
from ftrans.core import get_aval
from ftrans.numpy._axes import normalize_axis
from ftrans.numpy._promotion import asarray_strong

__all__ = ["dct", "idct", "dctn", "idctn"]

_NORMS = ("backward", "ortho", "forward")


def _check(type: int, norm: str | None, name: str) -> str:  # noqa: A002  (SciPy's name)
    if type != 2:
        raise NotImplementedError(f"{name}: only the type 2 DCT is implemented (got "
                                  f"type={type!r}), as in jax.scipy.fft")
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f'{name}: invalid norm value {norm!r}; should be "backward", "ortho" '
                         f'or "forward"')
    return norm


def _float_input(x: Any, name: str) -> Any:
    x = asarray_strong(x)
    dtype = get_aval(x).dtype
    if dtype.kind not in "biufc":
        raise TypeError(f"{name}: cannot transform an array of dtype {dtype}")
    if dtype.kind == "c":
        return x
    return lax.convert_element_type(x, np.float32 if dtype in (np.float16, np.float32)
                                    else np.float64)


def _ortho_weights(n: int, dtype: np.dtype) -> np.ndarray:
    """The per-bin factors that make the DCT-II orthonormal."""
    weights = np.full(n, math.sqrt(1 / (2 * n)))
    weights[0] = math.sqrt(1 / (4 * n))
    return weights.astype(dtype)


def _order(n: int) -> np.ndarray:
    """Even-indexed samples, then the odd-indexed ones backwards."""
    return np.concatenate([np.arange(0, n, 2), np.arange(n - 1 - (n % 2 == 1), 0, -2)])


def _twiddle(n: int, sign: float, dtype: np.dtype) -> np.ndarray:
    complex_dtype = np.complex64 if dtype == np.float32 else np.complex128
    return np.exp(sign * 0.5j * np.pi * np.arange(n) / n).astype(complex_dtype)


def _dct_last(x: Any, norm: str) -> Any:
    """DCT-II of the real ``x`` along its last axis."""
    aval = get_aval(x)
    n = aval.shape[-1]
    spectrum = fnp.fft.fft(fnp.take(x, _order(n), axis=-1))
    out = lax.real(spectrum * _twiddle(n, -1.0, aval.dtype)) * np.asarray(2.0, aval.dtype)
    if norm == "ortho":
        return out * _ortho_weights(n, aval.dtype)
    if norm == "forward":
        return out * np.asarray(1 / (2 * n), aval.dtype)
    return out


def _idct_last(y: Any, norm: str) -> Any:
    """The inverse of the (backward-normalized) DCT-II of the real ``y`` along its last axis:
    with u_k = (y_k - i y_{n-k}) / 2 (y_n = 0), the spectrum of the reordered signal is
    u_k exp(i pi k / 2n)."""
    aval = get_aval(y)
    n = aval.shape[-1]
    if norm == "ortho":
        y = y * (1 / _ortho_weights(n, aval.dtype))
    elif norm == "forward":
        y = y * np.asarray(2 * n, aval.dtype)
    mirrored = fnp.take(y, (-np.arange(n)) % n, axis=-1) * np.concatenate(
        [[0.0], np.ones(n - 1)]).astype(aval.dtype)
    half = np.asarray(0.5, aval.dtype)
    spectrum = lax.complex(y * half, -mirrored * half) * _twiddle(n, 1.0, aval.dtype)
    reordered = lax.real(fnp.fft.ifft(spectrum))
    return fnp.take(reordered, np.argsort(_order(n)), axis=-1)


def _transform(x: Any, lengths: Sequence[int | None], axes: Sequence[int], norm: str,
               inverse: bool, name: str) -> Any:
    x = _float_input(x, name)
    if get_aval(x).dtype.kind == "c":  # part by part, as SciPy
        return lax.complex(_transform(lax.real(x), lengths, axes, norm, inverse, name),
                           _transform(lax.imag(x), lengths, axes, norm, inverse, name))
    one = _idct_last if inverse else _dct_last
    for axis, n in zip(axes, lengths):
        ndim = get_aval(x).ndim
        if n is not None:
            x = _resize(x, axis, n, name)
        elif get_aval(x).shape[axis] < 1:
            raise ValueError(f"{name}: invalid number of data points (0) along axis {axis}")
        x = fnp.moveaxis(one(fnp.moveaxis(x, axis, ndim - 1), norm), ndim - 1, axis)
    return x


def _resize(x: Any, axis: int, n: Any, name: str) -> Any:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name}: lengths must be integers, got {n!r}")
    if n < 1:
        raise ValueError(f"{name}: invalid number of data points ({n}) specified")
    size = get_aval(x).shape[axis]
    if size == n:
        return x
    config = [(0, 0, 0)] * get_aval(x).ndim
    config[axis] = (0, int(n) - size, 0)
    return lax.pad(x, np.zeros((), get_aval(x).dtype)[()], config)


def _nd_axes(x: Any, s: Any, axes: Any, name: str) -> tuple[list[int | None], list[int]]:
    ndim = get_aval(asarray_strong(x)).ndim
    if s is not None:
        s = [s] if isinstance(s, (int, np.integer)) else list(s)
        if len(s) > ndim:
            raise ValueError(f"{name}: s has {len(s)} entries but the array has only {ndim} "
                             f"axes")
    if axes is None:
        axes = list(range(ndim - len(s), ndim)) if s is not None else list(range(ndim))
    elif isinstance(axes, (int, np.integer)):
        axes = [axes]
    axes = [normalize_axis(ax, ndim, "axes") for ax in axes]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: all axes must be unique, got {tuple(axes)}")
    if s is None:
        return [None] * len(axes), axes
    if len(s) != len(axes):
        raise ValueError(f"{name}: s and axes must have the same length, got s={tuple(s)}, "
                         f"axes={tuple(axes)}")
    return s, axes


def dct(x: Any, type: int = 2, n: int | None = None, axis: int = -1,  # noqa: A002
        norm: str | None = None) -> Any:
    """The type 2 discrete cosine transform along one axis:
    ``y[k] = 2 sum_j x[j] cos(pi k (2 j + 1) / (2 n))``.

    Args:
      x: an array (complex input is transformed part by part).
      type: the DCT type; only 2 is implemented.
      n: the transform's length (``x`` is cropped or zero-padded along ``axis``).
      axis: the transformed axis.
      norm: ``"backward"`` (default, as above), ``"ortho"`` (orthonormal) or ``"forward"``
        (divided by ``2 n``).

    Returns:
      An array of ``x``'s shape (``n`` along ``axis``) and SciPy's dtype.

    Raises:
      NotImplementedError: ``type`` other than 2. ValueError: ``n`` below 1, an unknown
      ``norm``. AxisError: ``axis`` out of bounds.

    >>> import numpy as np
    >>> dct(np.array([1.0, 1.0, 1.0, 1.0]), norm="ortho").round(12) + 0.0
    array([2., 0., 0., 0.])
    """
    norm = _check(type, norm, "dct")
    ax = normalize_axis(axis, get_aval(asarray_strong(x)).ndim)
    return _transform(x, [n], [ax], norm, False, "dct")


def idct(x: Any, type: int = 2, n: int | None = None, axis: int = -1,  # noqa: A002
         norm: str | None = None) -> Any:
    """The inverse of :func:`dct` (a type 3 DCT, scaled): ``idct(dct(x, norm=m), norm=m) ==
    x`` for each ``norm``. Arguments as :func:`dct`.

    >>> import numpy as np
    >>> idct(np.array([8.0, 0.0, 0.0, 0.0]))
    array([1., 1., 1., 1.])
    """
    norm = _check(type, norm, "idct")
    ax = normalize_axis(axis, get_aval(asarray_strong(x)).ndim)
    return _transform(x, [n], [ax], norm, True, "idct")


def dctn(x: Any, type: int = 2, s: Sequence[int] | None = None,  # noqa: A002
         axes: Sequence[int] | None = None, norm: str | None = None) -> Any:
    """:func:`dct` over several axes (default: the last ``len(s)``, or all).

    Args:
      x, type, norm: as in :func:`dct`.
      s: the transform's length along each of ``axes``.
      axes: the transformed axes, each at most once.

    Raises:
      ValueError: repeated axes, ``s`` and ``axes`` of different lengths, and as :func:`dct`.

    >>> import numpy as np
    >>> dctn(np.ones((2, 2)))
    array([[16.,  0.],
           [ 0.,  0.]])
    """
    norm = _check(type, norm, "dctn")
    lengths, axes = _nd_axes(x, s, axes, "dctn")
    return _transform(x, lengths, axes, norm, False, "dctn")


def idctn(x: Any, type: int = 2, s: Sequence[int] | None = None,  # noqa: A002
          axes: Sequence[int] | None = None, norm: str | None = None) -> Any:
    """The inverse of :func:`dctn`; arguments as there.

    >>> import numpy as np
    >>> idctn(np.array([[16.0, 0.0], [0.0, 0.0]]))
    array([[1., 1.],
           [1., 1.]])
    """
    norm = _check(type, norm, "idctn")
    lengths, axes = _nd_axes(x, s, axes, "idctn")
    return _transform(x, lengths, axes, norm, True, "idctn")
