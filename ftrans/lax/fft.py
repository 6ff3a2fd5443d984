"""The discrete Fourier transform: one ``fft`` primitive over the trailing axes.

``fft_p`` transforms the last ``len(fft_lengths)`` axes (one to three) of its operand, in one
of four ways (``FftType``): complex to complex forward (``FFT``) or inverse (``IFFT``,
scaled by ``1 / N``), real to half-spectrum (``RFFT``: the last axis ``n`` becomes
``n // 2 + 1``) and half-spectrum to real (``IRFFT``: the inverse of ``RFFT``, whose last
``fft_lengths`` entry says how long the real signal is). The implementation is ``numpy.fft``.

Every type is linear, so the jvp applies the same transform to the tangent. Transposes are
plain (non-conjugating) transposes, JAX's convention for complex cotangents: the DFT matrix is
symmetric, so ``FFT`` and ``IFFT`` are their own transposes; ``RFFT`` and ``IRFFT`` are only
real-linear and their transposes weigh the bins that stand for two conjugate bins of the full
spectrum (see ``_rfft_transpose``). Batching moves the batch axis to the front, away from the
transformed trailing axes. See docs/internals.md, "Primitives", and docs/fft.md.
"""

from __future__ import annotations

import enum
import math
import operator
from typing import Any, Sequence

import numpy as np

from ftrans.core import ConcretizationError, Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis
from ftrans.interpreters.jvp import deflinear
from ftrans.lax.elementwise import conj, convert_element_type, mul


class FftType(enum.IntEnum):
    """Which transform ``fft`` computes."""

    FFT = 0    #: complex to complex, forward
    IFFT = 1   #: complex to complex, inverse (scaled by 1 / N)
    RFFT = 2   #: real to the non-negative half of the spectrum
    IRFFT = 3  #: half spectrum to real, the inverse of RFFT

    def __repr__(self) -> str:  # how a program prints the parameter
        return f"FftType.{self.name}"

    __str__ = __repr__


_TYPE_NAMES = {"fft": FftType.FFT, "ifft": FftType.IFFT, "rfft": FftType.RFFT,
               "irfft": FftType.IRFFT}


def _fft_type(fft_type: Any) -> FftType:
    if isinstance(fft_type, FftType):
        return fft_type
    if isinstance(fft_type, str):
        found = _TYPE_NAMES.get(fft_type.lower())
        if found is not None:
            return found
        raise ValueError(f"fft: unknown fft_type {fft_type!r}; use one of 'fft', 'ifft', "
                         f"'rfft', 'irfft' or an ftrans.lax.FftType")
    raise TypeError(f"fft: fft_type must be an ftrans.lax.FftType or a string, got "
                    f"{type(fft_type).__name__} {fft_type!r}")


def _complex_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.complex64 if dtype in (np.float32, np.complex64) else np.complex128)


def _real_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.float32 if dtype == np.complex64 else np.float64)


def _fft_abstract_eval(x: ShapedArray, fft_type: FftType,
                       fft_lengths: tuple[int, ...]) -> ShapedArray:
    rank = len(fft_lengths)
    if not 1 <= rank <= 3:
        raise ValueError(f"fft: fft_lengths must give 1 to 3 lengths (the transformed "
                         f"trailing axes), got {fft_lengths}")
    if any(n < 1 for n in fft_lengths):
        raise ValueError(f"fft: every fft_length must be at least 1, got {fft_lengths}")
    if rank > x.ndim:
        raise ValueError(f"fft: an operand {x.str_short()} has fewer axes than fft_lengths "
                         f"{fft_lengths}")
    trailing = x.shape[x.ndim - rank:]
    if fft_type == FftType.RFFT:
        if x.dtype not in (np.float32, np.float64):
            raise TypeError(f"fft: RFFT needs a float32 or float64 operand, got "
                            f"{x.str_short()}")
        if trailing != fft_lengths:
            raise ValueError(f"fft: RFFT operand {x.str_short()} must end in axes of the "
                             f"fft_lengths {fft_lengths}")
        shape = x.shape[:x.ndim - 1] + (fft_lengths[-1] // 2 + 1,)
        return make_aval(shape, _complex_dtype(x.dtype))
    if x.dtype not in (np.complex64, np.complex128):
        raise TypeError(f"fft: {fft_type.name} needs a complex64 or complex128 operand, got "
                        f"{x.str_short()}")
    if fft_type == FftType.IRFFT:
        expected = fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,)
        if trailing != expected:
            raise ValueError(f"fft: IRFFT operand {x.str_short()} must end in axes {expected} "
                             f"(fft_lengths {fft_lengths}, the last one halved plus one)")
        return make_aval(x.shape[:x.ndim - rank] + fft_lengths, _real_dtype(x.dtype))
    if trailing != fft_lengths:
        raise ValueError(f"fft: {fft_type.name} operand {x.str_short()} must end in axes of "
                         f"the fft_lengths {fft_lengths}")
    return x


def _fft_impl(x: Any, fft_type: FftType, fft_lengths: tuple[int, ...]) -> np.ndarray:
    axes = tuple(range(-len(fft_lengths), 0))
    if fft_type == FftType.FFT:
        out = np.fft.fftn(x, axes=axes)
    elif fft_type == FftType.IFFT:
        out = np.fft.ifftn(x, axes=axes)
    elif fft_type == FftType.RFFT:
        out = np.fft.rfftn(x, axes=axes)
    else:
        out = np.fft.irfftn(x, s=fft_lengths, axes=axes)
    # numpy.fft keeps single precision (NumPy 2); restated so the dtype never drifts
    dtype = x.dtype
    if fft_type == FftType.RFFT:
        dtype = _complex_dtype(dtype)
    elif fft_type == FftType.IRFFT:
        dtype = _real_dtype(dtype)
    return out.astype(dtype, copy=False)


fft_p = Primitive("fft", impl=_fft_impl, abstract_eval=_fft_abstract_eval)


def fft(x: Any, fft_type: FftType | str, fft_lengths: Sequence[int]) -> Any:
    """The discrete Fourier transform of the trailing ``len(fft_lengths)`` axes of ``x``.

    Unnormalized forward transforms and ``1 / N``-scaled inverse ones, as ``numpy.fft``'s
    default. ``RFFT`` casts integers to float64 and float16 to float32; the other types cast
    real operands to complex (float32 to complex64, everything else to complex128).

    Args:
      x: an array with at least ``len(fft_lengths)`` axes.
      fft_type: an ``FftType`` or its name (``"fft"``, ``"ifft"``, ``"rfft"``,
        ``"irfft"``, in either case).
      fft_lengths: the lengths of the transformed trailing axes (one to three of them): the
        operand's trailing shape, except for ``IRFFT``, where it is the real output's (the
        operand's last axis then holds ``fft_lengths[-1] // 2 + 1`` bins).

    Returns:
      ``FFT``/``IFFT``: a complex array of ``x``'s shape. ``RFFT``: complex, the last axis
      ``n // 2 + 1``. ``IRFFT``: real, ending in ``fft_lengths``. With empty ``fft_lengths``,
      ``x`` cast as above.

    Raises:
      ValueError: an unknown ``fft_type`` name, more than three lengths, lengths that do not
        match the operand's trailing axes, or a complex operand for ``RFFT``.
      TypeError: ``fft_type`` neither an ``FftType`` nor a string.

    >>> import numpy as np
    >>> fft(np.array([1., 2., 3., 4.]), "rfft", (4,))
    array([10.+0.j, -2.+2.j, -2.+0.j])
    >>> fft(np.array([10., -2. + 2.j, -2.]), FftType.IRFFT, (4,))
    array([1., 2., 3., 4.])
    """
    fft_type = _fft_type(fft_type)
    try:
        fft_lengths = tuple(operator.index(n) for n in fft_lengths)
    except ConcretizationError:
        raise  # traced lengths: the error says to make them static
    except TypeError:
        raise TypeError(f"fft: fft_lengths must be a sequence of ints, got "
                        f"{fft_lengths!r}") from None
    dtype = get_aval(x).dtype
    if fft_type == FftType.RFFT:
        if dtype.kind == "c":
            raise ValueError(f"fft: RFFT needs a real operand, got {dtype}; use FFT for "
                             f"complex input")
        x = convert_element_type(x, np.float32 if dtype in (np.float16, np.float32)
                                 else np.float64)
    else:
        x = convert_element_type(x, np.complex64 if dtype in (np.float16, np.float32,
                                                              np.complex64)
                                 else np.complex128)
    if not fft_lengths:
        return x
    _fft_abstract_eval(get_aval(x), fft_type, fft_lengths)  # the user's shapes in any error
    return fft_p.bind(x, fft_type=fft_type, fft_lengths=fft_lengths)


def _bin_weights(fft_lengths: tuple[int, ...], ndim: int, dtype: np.dtype) -> np.ndarray:
    """How many bins of the full spectrum each bin of a half spectrum stands for, broadcast
    over its last axis: 1 for the zero frequency and (even n) the Nyquist bin, 2 between."""
    n = fft_lengths[-1]
    weights = np.full(n // 2 + 1, 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    return weights.astype(dtype).reshape((1,) * (ndim - 1) + (-1,))


def _rfft_transpose(ct: Any, fft_lengths: tuple[int, ...]) -> Any:
    # <rfft(x), ct> = Re sum_J x_J sum_K ct_K exp(-2 pi i J.K / N), and Re z = Re conj(z).
    # IRFFT computes (1/N) Re sum_K w_K c_K exp(+2 pi i J.K / N) with w the bin weights, so
    # the transpose is N irfft(conj(ct) / w).
    aval = get_aval(ct)
    weights = _bin_weights(fft_lengths, aval.ndim, np.dtype(np.float64))
    scaled = mul(conj(ct), (math.prod(fft_lengths) / weights).astype(aval.dtype))
    return fft_p.bind(scaled, fft_type=FftType.IRFFT, fft_lengths=fft_lengths)


def _irfft_transpose(ct: Any, fft_lengths: tuple[int, ...]) -> Any:
    # <irfft(c), ct> = Re sum_K c_K (w_K / N) sum_J ct_J exp(+2 pi i J.K / N), and the inner
    # sum over a real ct is conj(rfft(ct)).
    aval = get_aval(ct)
    spectrum = fft_p.bind(ct, fft_type=FftType.RFFT, fft_lengths=fft_lengths)
    weights = _bin_weights(fft_lengths, aval.ndim, _complex_dtype(aval.dtype))
    return mul(conj(spectrum), weights / math.prod(fft_lengths))


def _fft_transpose(ct: Any, x: Any, fft_type: FftType, fft_lengths: tuple[int, ...]
                   ) -> list[Any]:
    if fft_type == FftType.RFFT:
        return [_rfft_transpose(ct, fft_lengths)]
    if fft_type == FftType.IRFFT:
        return [_irfft_transpose(ct, fft_lengths)]
    # the DFT matrix is symmetric: FFT and IFFT are their own (non-conjugating) transposes
    return [fft_p.bind(ct, fft_type=fft_type, fft_lengths=fft_lengths)]


deflinear(fft_p, transpose=_fft_transpose)


def _fft_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any], fft_type: FftType,
               fft_lengths: tuple[int, ...]) -> tuple[Any, int]:
    # the transformed axes are the trailing ones; the batch axis must not be among them
    (x,), (bdim,) = args, bdims
    return fft_p.bind(move_batch_axis(x, bdim, 0), fft_type=fft_type,
                      fft_lengths=fft_lengths), 0


batching_rules[fft_p] = _fft_batch


__all__ = ["FftType", "fft", "fft_p"]
