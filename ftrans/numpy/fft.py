"""``ftrans.numpy.fft``: discrete Fourier transforms with NumPy's arguments and dtypes.

Every transform is written on the one ``lax.fft`` primitive: the transformed axes are cropped
or zero-padded to the requested lengths (``n`` / ``s``), moved to the end, transformed three
at a time, moved back, and scaled for ``norm`` (``"backward"``, the default: unscaled forward
and ``1 / N`` inverse transforms; ``"ortho"``: ``1 / sqrt(N)`` both ways; ``"forward"``:
``1 / N`` forward). So every transformation applies, and ``grad`` of a real function of a
spectrum follows JAX's convention for complex cotangents. Dtypes are NumPy's: single
precision stays single (float32 to complex64), everything else computes in double; as in
JAX, an axis may not be named twice. See docs/fft.md.

>>> import ftrans as ft, ftrans.numpy as fnp, numpy as np
>>> x = np.array([1.0, 2.0, 0.0, -1.0])
>>> np.allclose(fnp.fft.irfft(fnp.fft.rfft(x), n=4), x)
True
>>> energy = lambda x: fnp.sum(fnp.fft.irfft(fnp.fft.rfft(x), n=4) ** 2)
>>> ft.grad(energy)(x)
array([ 2.,  4.,  0., -2.])
"""

from __future__ import annotations

import math
import operator
from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import ConcretizationError, get_aval
from ftrans.lax.fft import FftType
from ftrans.numpy._axes import normalize_axis
from ftrans.numpy._promotion import asarray_strong
from ftrans.numpy._elementwise import multiply, true_divide
from ftrans.numpy._shapes import roll

__all__ = [
    "fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn",
    "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift",
]

_NORMS = ("backward", "ortho", "forward")
_MAX_AXES = 3  # the primitive transforms at most three trailing axes at once

# ---------------------------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------------------------


def _check_norm(norm: str | None, name: str) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f'{name}: invalid norm value {norm!r}; should be "backward", "ortho" '
                         f'or "forward"')
    return norm


def _length(n: Any, name: str) -> int:
    argname = "s" if name.endswith(("n", "2")) else "n"  # fftn, rfft2, ...: s; fft, fftfreq: n
    if isinstance(n, bool):
        raise TypeError(f"{name}: {argname} must be an integer, got {n!r}")
    try:
        n = operator.index(n)
    except ConcretizationError:
        raise  # a traced length: the error says to make it static
    except TypeError:
        raise TypeError(f"{name}: {argname} must be an integer, got {type(n).__name__} "
                        f"{n!r}") from None
    if n < 1:
        raise ValueError(f"{name}: invalid number of FFT data points {argname}={n}; it must be "
                         f"at least 1")
    return n


def _real_input(a: Any, name: str) -> Any:
    """``a`` as the real operand of a forward real transform (NumPy: ints in float64)."""
    a = asarray_strong(a)
    dtype = get_aval(a).dtype
    if dtype.kind == "c":
        raise TypeError(f"{name}: needs a real input, got {dtype}; use the complex transform "
                        f"(fft / fftn) for complex data")
    if dtype.kind not in "biuf":
        raise TypeError(f"{name}: cannot transform an array of dtype {dtype}")
    return lax.convert_element_type(a, np.float32 if dtype in (np.float16, np.float32)
                                    else np.float64)


def _complex_input(a: Any, name: str) -> Any:
    a = asarray_strong(a)
    dtype = get_aval(a).dtype
    if dtype.kind not in "biufc":
        raise TypeError(f"{name}: cannot transform an array of dtype {dtype}")
    single = dtype in (np.float16, np.float32, np.complex64)
    return lax.convert_element_type(a, np.complex64 if single else np.complex128)


def _real_output(out: Any, a: Any, axes: Sequence[int]) -> Any:
    """NumPy gives half precision back from half-precision input to a complex-to-real
    transform of one axis (computing in single; over more axes the complex transforms of the
    others come first and leave single precision)."""
    if get_aval(a).dtype == np.float16 and len(axes) == 1:
        return lax.convert_element_type(out, np.float16)
    return out


def _axes_and_lengths(a: Any, s: Sequence[int] | None, axes: Sequence[int] | None,
                      name: str) -> tuple[tuple[int, ...], list[int | None]]:
    """The normalized ``axes`` and the requested length of each (None: the input's)."""
    ndim = get_aval(a).ndim
    if s is not None:
        if isinstance(s, (int, np.integer)):
            raise TypeError(f"{name}: s must be a sequence of ints (one per axis), got {s!r}")
        s = list(s)
    if axes is None:
        axes = list(range(ndim - len(s), ndim)) if s is not None else list(range(ndim))
        if s is not None and len(s) > ndim:
            raise ValueError(f"{name}: s has {len(s)} entries but the array has only {ndim} "
                             f"axes")
    elif isinstance(axes, (int, np.integer)):
        raise TypeError(f"{name}: axes must be a sequence of ints, got {axes!r}; use the 1-D "
                        f"function for one axis")
    axes = tuple(normalize_axis(ax, ndim, "axes") for ax in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: repeated axes {axes} are not supported (each axis is "
                         f"transformed once)")
    if s is None:
        return axes, [None] * len(axes)
    if len(s) != len(axes):
        raise ValueError(f"{name}: shape and axes have different lengths: s={tuple(s)}, "
                         f"axes={axes}")
    lengths: list[int | None] = []
    for n in s:
        if not isinstance(n, bool) and isinstance(n, (int, np.integer)) and n == -1:
            lengths.append(None)  # NumPy 2: -1 keeps the input's length
        else:
            lengths.append(_length(n, name))
    return axes, lengths


def _resize(a: Any, axis: int, n: int) -> Any:
    """``a`` cropped or zero-padded at the end of ``axis`` to length ``n``."""
    aval = get_aval(a)
    size = aval.shape[axis]
    if size == n:
        return a
    config = [(0, 0, 0)] * aval.ndim
    config[axis] = (0, n - size, 0)
    return lax.pad(a, np.zeros((), aval.dtype)[()], config)


# ---------------------------------------------------------------------------------------------
# The core: transform axes through the primitive, at most three trailing axes at a time
# ---------------------------------------------------------------------------------------------


def _over_axes(a: Any, fft_type: FftType, axes: Sequence[int],
               last_length: int | None = None) -> Any:
    """``fft_type`` over ``axes`` (at most three; for RFFT / IRFFT the last one is the halved
    axis, and ``last_length`` the real length of an IRFFT)."""
    ndim = get_aval(a).ndim
    axes = list(axes)
    perm = [d for d in range(ndim) if d not in axes] + axes
    moved = a if perm == list(range(ndim)) else lax.transpose(a, perm)
    lengths = list(get_aval(moved).shape[ndim - len(axes):])
    if fft_type == FftType.IRFFT:
        assert last_length is not None  # given with IRFFT
        lengths[-1] = last_length
    out = lax.fft(moved, fft_type, tuple(lengths))
    if perm == list(range(ndim)):
        return out
    return lax.transpose(out, tuple(int(i) for i in np.argsort(perm)))


def _c2c(a: Any, fft_type: FftType, axes: Sequence[int]) -> Any:
    for start in range(0, len(axes), _MAX_AXES):
        a = _over_axes(a, fft_type, axes[start:start + _MAX_AXES])
    return a


def _scale(x: Any, norm: str, n_total: int, inverse: bool) -> Any:
    # the primitive's inverse transforms carry 1/N already (NumPy's "backward")
    if norm == "backward":
        return x
    if norm == "ortho":
        factor = math.sqrt(n_total) if inverse else 1 / math.sqrt(n_total)
    else:
        factor = n_total if inverse else 1 / n_total
    return lax.mul(x, np.asarray(factor, get_aval(x).dtype)[()])


def _fftn(a: Any, s: Any, axes: Any, norm: str | None, inverse: bool, name: str) -> Any:
    norm = _check_norm(norm, name)
    a = _complex_input(a, name)
    axes, lengths = _axes_and_lengths(a, s, axes, name)
    shape = get_aval(a).shape
    lengths = [shape[ax] if n is None else n for ax, n in zip(axes, lengths)]
    for ax, n in zip(axes, lengths):
        _length(n, name)
        a = _resize(a, ax, n)
    if not axes:
        return a
    a = _c2c(a, FftType.IFFT if inverse else FftType.FFT, axes)
    return _scale(a, norm, math.prod(lengths), inverse)


def _rfftn(a: Any, s: Any, axes: Any, norm: str | None, name: str) -> Any:
    norm = _check_norm(norm, name)
    a = _real_input(a, name)
    axes, lengths = _axes_and_lengths(a, s, axes, name)
    if not axes:
        raise ValueError(f"{name}: needs at least one axis to transform")
    shape = get_aval(a).shape
    lengths = [shape[ax] if n is None else n for ax, n in zip(axes, lengths)]
    for ax, n in zip(axes, lengths):
        _length(n, name)
        a = _resize(a, ax, n)
    # the real transform takes the last axes (the last one halved), FFTs the rest
    a = _over_axes(a, FftType.RFFT, axes[-_MAX_AXES:])
    a = _c2c(a, FftType.FFT, axes[:-_MAX_AXES])
    return _scale(a, norm, math.prod(lengths), inverse=False)


def _irfftn(a: Any, s: Any, axes: Any, norm: str | None, name: str) -> Any:
    norm = _check_norm(norm, name)
    original = asarray_strong(a)
    a = _complex_input(original, name)
    axes, lengths = _axes_and_lengths(a, s, axes, name)
    if not axes:
        raise ValueError(f"{name}: needs at least one axis to transform")
    shape = get_aval(a).shape
    lengths = [shape[ax] if n is None else n for ax, n in zip(axes, lengths)]
    if s is None:
        lengths[-1] = 2 * (shape[axes[-1]] - 1)  # the default real length of the last axis
    for ax, n in zip(axes[:-1], lengths[:-1]):
        a = _resize(a, ax, _length(n, name))
    n_last = _length(lengths[-1], name)
    a = _resize(a, axes[-1], n_last // 2 + 1)
    a = _c2c(a, FftType.IFFT, axes[:-_MAX_AXES])
    a = _over_axes(a, FftType.IRFFT, axes[-_MAX_AXES:], last_length=n_last)
    return _real_output(_scale(a, norm, math.prod(lengths), inverse=True), original,
                        axes)


def _swap_norm(norm: str | None, name: str) -> str:
    return {"backward": "forward", "ortho": "ortho", "forward": "backward"}[
        _check_norm(norm, name)]


# ---------------------------------------------------------------------------------------------
# One axis
# ---------------------------------------------------------------------------------------------


def fft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The discrete Fourier transform along one axis.

    Args:
      a: an array (real input is transformed as complex).
      n: the transform's length: ``a`` is cropped or zero-padded along ``axis`` to it
        (default: ``a``'s length).
      axis: the transformed axis.
      norm: ``"backward"`` (default, unscaled), ``"ortho"`` (``1 / sqrt(n)``) or
        ``"forward"`` (``1 / n``).

    Returns:
      A complex array (complex64 for single-precision input, else complex128).

    Raises:
      ValueError: ``n`` below 1, an unknown ``norm``. AxisError: ``axis`` out of bounds.

    >>> import numpy as np
    >>> fft(np.array([1.0, 0.0, -1.0, 0.0]))
    array([0.+0.j, 2.+0.j, 0.+0.j, 2.+0.j])
    """
    return _fftn(a, None if n is None else [n], [axis], norm, False, "fft")


def ifft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The inverse discrete Fourier transform along one axis: ``ifft(fft(a)) == a``.

    Arguments as ``fft``; ``"backward"`` (the default) scales by ``1 / n``.

    >>> import numpy as np
    >>> ifft(np.array([0.0, 2.0, 0.0, 2.0]))
    array([ 1.+0.j,  0.+0.j, -1.+0.j,  0.+0.j])
    """
    return _fftn(a, None if n is None else [n], [axis], norm, True, "ifft")


def rfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The Fourier transform of a real signal along one axis: its ``n // 2 + 1``
    non-negative frequencies (the others are their complex conjugates).

    Arguments as ``fft``; ``a`` must be real.

    Returns:
      A complex array whose ``axis`` has ``n // 2 + 1`` entries.

    Raises:
      TypeError: complex input. ValueError: ``n`` below 1, an unknown ``norm``.

    >>> import numpy as np
    >>> rfft(np.array([1.0, 0.0, -1.0, 0.0]))
    array([0.+0.j, 2.+0.j, 0.+0.j])
    """
    return _rfftn(a, None if n is None else [n], [axis], norm, "rfft")


def irfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The inverse of ``rfft``: the real signal of length ``n`` whose non-negative
    frequencies are ``a``.

    Args:
      a: the half spectrum (imaginary parts of the zero-frequency and, for even ``n``, the
        Nyquist bin are ignored).
      n: the output's length (default ``2 * (m - 1)`` for ``m`` input bins); the input is
        cropped or zero-padded to ``n // 2 + 1`` bins.
      axis, norm: as in ``fft``.

    Returns:
      A real array whose ``axis`` has length ``n``.

    Raises:
      ValueError: ``n`` below 1 (also by default, from one input bin), an unknown ``norm``.

    >>> import numpy as np
    >>> irfft(np.array([0.0, 2.0, 0.0]))
    array([ 1.,  0., -1.,  0.])
    """
    return _irfftn(a, None if n is None else [n], [axis], norm, "irfft")


def hfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The Fourier transform of a signal with Hermitian symmetry, given by its first half
    ``a``: a real spectrum of length ``n``. ``hfft(a, n) == irfft(conj(a), n) * n``.

    Arguments as ``irfft`` (``norm`` as for a forward transform).

    >>> import numpy as np
    >>> hfft(np.array([1.0, 2.0, 3.0]))
    array([ 8., -2.,  0., -2.])
    """
    name = "hfft"
    original = asarray_strong(a)
    out = _irfftn(lax.conj(_complex_input(original, name)), None if n is None else [n], [axis],
                  _swap_norm(norm, name), name)
    return _real_output(out, original, [axis])


def ihfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The inverse of ``hfft``: the first half of the Hermitian-symmetric signal whose
    transform is the real ``a``. ``ihfft(a, n) == conj(rfft(a, n)) / n``.

    Arguments as ``rfft`` (``norm`` as for an inverse transform).

    >>> import numpy as np
    >>> ihfft(np.array([8.0, -2.0, 0.0, -2.0]))
    array([1.-0.j, 2.-0.j, 3.-0.j])
    """
    name = "ihfft"
    out = _rfftn(a, None if n is None else [n], [axis], _swap_norm(norm, name), name)
    return lax.conj(out)


# ---------------------------------------------------------------------------------------------
# Several axes
# ---------------------------------------------------------------------------------------------


def fftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None) -> Any:
    """The discrete Fourier transform over several axes.

    Args:
      a: an array.
      s: the transform's length along each axis of ``axes`` (crop or zero-pad; ``-1`` keeps
        the input's length). Default: ``a``'s lengths.
      axes: the transformed axes, each at most once. Default: the last ``len(s)`` axes, or
        all axes when ``s`` is not given either.
      norm: as in ``fft``, with ``N`` the product of the lengths.

    Returns:
      A complex array.

    Raises:
      ValueError: ``s`` and ``axes`` of different lengths, a repeated axis, a length below
        1, an unknown ``norm``. AxisError: an axis out of bounds.

    >>> import numpy as np
    >>> fftn(np.ones((2, 3))).real
    array([[6., 0., 0.],
           [0., 0., 0.]])
    """
    return _fftn(a, s, axes, norm, False, "fftn")


def ifftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None) -> Any:
    """The inverse of ``fftn``; arguments as there.

    >>> import numpy as np
    >>> ifftn(np.array([[6.0, 0.0], [0.0, 0.0]])).real
    array([[1.5, 1.5],
           [1.5, 1.5]])
    """
    return _fftn(a, s, axes, norm, True, "ifftn")


def rfftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None) -> Any:
    """The Fourier transform of a real array over several axes: the last of ``axes`` keeps
    its ``n // 2 + 1`` non-negative frequencies. Arguments as ``fftn``; ``a`` real.

    >>> import numpy as np
    >>> rfftn(np.ones((2, 4))).shape
    (2, 3)
    """
    return _rfftn(a, s, axes, norm, "rfftn")


def irfftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: str | None = None) -> Any:
    """The inverse of ``rfftn``: ``s`` gives the real output's lengths (default: the
    input's, the last axis ``2 * (m - 1)``). Arguments otherwise as ``fftn``.

    >>> import numpy as np
    >>> x = np.arange(6.0).reshape(2, 3)
    >>> np.allclose(irfftn(rfftn(x), x.shape), x)
    True
    """
    return _irfftn(a, s, axes, norm, "irfftn")


def fft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
         norm: str | None = None) -> Any:
    """``fftn`` over two axes (by default the last two).

    >>> import numpy as np
    >>> fft2(np.eye(2)).real
    array([[2., 0.],
           [0., 2.]])
    """
    return _fftn(a, s, axes, norm, False, "fft2")


def ifft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None) -> Any:
    """``ifftn`` over two axes (by default the last two).

    >>> import numpy as np
    >>> ifft2(np.array([[2.0, 0.0], [0.0, 2.0]])).real
    array([[1., 0.],
           [0., 1.]])
    """
    return _fftn(a, s, axes, norm, True, "ifft2")


def rfft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None) -> Any:
    """``rfftn`` over two axes (by default the last two).

    >>> import numpy as np
    >>> rfft2(np.ones((3, 4))).shape
    (3, 3)
    """
    return _rfftn(a, s, axes, norm, "rfft2")


def irfft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
           norm: str | None = None) -> Any:
    """``irfftn`` over two axes (by default the last two).

    >>> import numpy as np
    >>> irfft2(rfft2(np.eye(3)), s=(3, 3)).round(12)
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    """
    return _irfftn(a, s, axes, norm, "irfft2")


# ---------------------------------------------------------------------------------------------
# Frequencies and shifts
# ---------------------------------------------------------------------------------------------


def _frequencies(ints: np.ndarray, n: int, d: Any, dtype: Any) -> Any:
    # NumPy's rounding: the integers times one reciprocal
    values = multiply(ints, true_divide(1.0, multiply(n, d)))
    if dtype is not None:
        values = lax.convert_element_type(values, np.dtype(dtype))
    return values


def fftfreq(n: int, d: Any = 1.0, *, dtype: Any = None, device: Any = None) -> Any:
    """The frequencies of the bins of an ``n``-point ``fft`` with sample spacing ``d``:
    ``[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (n * d)``.

    Args:
      n: the transform's length (an int, at least 1).
      d: the sample spacing (may be traced: the frequencies are differentiable in it).
      dtype: the result's dtype (default float64, as NumPy).
      device: accepted for compatibility with JAX; ignored.

    Raises:
      ValueError: ``n`` below 1. TypeError: ``n`` not an integer.

    >>> fftfreq(5, d=0.5)
    array([ 0. ,  0.4,  0.8, -0.8, -0.4])
    """
    n = _length(n, "fftfreq")
    ints = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    return _frequencies(ints, n, d, dtype)


def rfftfreq(n: int, d: Any = 1.0, *, dtype: Any = None, device: Any = None) -> Any:
    """The frequencies of the bins of an ``n``-point ``rfft``:
    ``[0, 1, ..., n // 2] / (n * d)``. Arguments as ``fftfreq``.

    >>> rfftfreq(4)
    array([0.  , 0.25, 0.5 ])
    """
    n = _length(n, "rfftfreq")
    return _frequencies(np.arange(0, n // 2 + 1), n, d, dtype)


def _shift(x: Any, axes: int | Sequence[int] | None, inverse: bool) -> Any:
    x = asarray_strong(x)
    shape = get_aval(x).shape
    if axes is None:
        axes = tuple(range(len(shape)))
    elif isinstance(axes, (int, np.integer)):
        axes = (axes,)
    axes = tuple(normalize_axis(ax, len(shape), "axes") for ax in axes)
    if not axes:
        return x
    shifts = [-(shape[ax] // 2) if inverse else shape[ax] // 2 for ax in axes]
    return roll(x, shifts, axes)


def fftshift(x: Any, axes: int | Sequence[int] | None = None) -> Any:
    """``x`` with the zero-frequency bin moved to the centre of each axis in ``axes``
    (default all): a roll by ``n // 2``.

    >>> import numpy as np
    >>> fftshift(fftfreq(5))
    array([-0.4, -0.2,  0. ,  0.2,  0.4])
    """
    return _shift(x, axes, inverse=False)


def ifftshift(x: Any, axes: int | Sequence[int] | None = None) -> Any:
    """The inverse of ``fftshift``: a roll by ``-(n // 2)``.

    >>> import numpy as np
    >>> ifftshift(fftshift(np.arange(5)))
    array([0, 1, 2, 3, 4])
    """
    return _shift(x, axes, inverse=True)
