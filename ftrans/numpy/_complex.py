"""Complex numbers in the NumPy layer: parts, conjugate, angle, and the complex predicates.

Real inputs are accepted everywhere, as in NumPy: ``real`` and ``conjugate`` of a real array
are the array, ``imag`` is zeros. The derivatives follow lax's complex-part primitives (see
docs/complex.md for the convention).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import Tracer, get_aval
from ftrans.numpy._promotion import asarray_leaf, cast
from ftrans.numpy._trig import arctan2
from ftrans.numpy._sorting import sort

__all__ = ["real", "imag", "conjugate", "conj", "angle", "iscomplex", "isreal",
           "iscomplexobj", "isrealobj", "real_if_close", "sort_complex"]


def _leaf(x: Any) -> Any:
    x = asarray_leaf(x)
    if type(x) in (bool, int, float, complex):
        x = np.asarray(x)[()]
    return x


def _is_complex(x: Any) -> bool:
    return get_aval(x).dtype.kind == "c"


def real(val: Any, /) -> Any:
    """The real part of ``val`` (``val`` itself for real dtypes).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.real(np.array([1 + 2j, 3 - 4j]))
    array([1., 3.])
    """
    x = _leaf(val)
    return lax.real(x) if _is_complex(x) else x


def imag(val: Any, /) -> Any:
    """The imaginary part of ``val`` (zeros of ``val``'s dtype for real dtypes).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.imag(np.array([1 + 2j, 3 - 4j]))
    array([ 2., -4.])
    """
    x = _leaf(val)
    if _is_complex(x):
        return lax.imag(x)
    aval = get_aval(x)
    out = np.zeros(aval.shape, aval.dtype)
    return out if out.ndim else out[()]


def conjugate(x: Any, /) -> Any:
    """The complex conjugate of ``x`` (``x`` itself for real dtypes).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.conjugate(np.array([1 + 2j, 3 - 4j]))
    array([1.-2.j, 3.+4.j])
    """
    x = _leaf(x)
    return lax.conj(x) if _is_complex(x) else x


conj = conjugate


def angle(z: Any, deg: bool = False) -> Any:
    """The counterclockwise angle of each complex ``z`` from the positive real axis, in
    ``(-pi, pi]`` (degrees with ``deg``): ``arctan2(imag(z), real(z))``. Real inputs give 0
    or pi; integers are computed in float64.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.angle(np.array([1j, -1.0, 1 + 1j]), deg=True)
    array([ 90., 180.,  45.])
    """
    x = _leaf(z)
    if get_aval(x).dtype.kind not in "fc":
        x = cast(x, np.dtype(np.float64))
    out = arctan2(imag(x), real(x))
    if deg:
        out = lax.mul(out, np.asarray(180 / np.pi, get_aval(out).dtype)[()])
    return out


def iscomplex(x: Any, /) -> Any:
    """Elementwise: whether the imaginary part is nonzero (False everywhere for real dtypes).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.iscomplex(np.array([1 + 0j, 2j]))
    array([False,  True])
    """
    part = imag(_leaf(x))
    return lax.ne(part, np.zeros((), get_aval(part).dtype))


def isreal(x: Any, /) -> Any:
    """Elementwise: whether the imaginary part is zero (True everywhere for real dtypes).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.isreal(np.array([1 + 0j, 2j]))
    array([ True, False])
    """
    part = imag(_leaf(x))
    return lax.eq(part, np.zeros((), get_aval(part).dtype))


def iscomplexobj(x: Any, /) -> bool:
    """Whether ``x`` has a complex dtype (whatever its values).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.iscomplexobj(np.array([1 + 0j])), fnp.iscomplexobj(1.0)
    (True, False)
    """
    return _is_complex(_leaf(x))


def isrealobj(x: Any, /) -> bool:
    """Whether ``x`` does not have a complex dtype (whatever its values).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.isrealobj(np.array([1 + 0j])), fnp.isrealobj(1.0)
    (False, True)
    """
    return not _is_complex(_leaf(x))


def real_if_close(a: Any, tol: float = 100) -> Any:
    """The real part of a complex ``a`` if every imaginary part is below ``tol`` (in machine
    epsilons of the dtype when ``tol > 1``, as in NumPy), otherwise ``a`` unchanged.

    The result's dtype depends on the values, so ``a`` must be concrete: inside ``jit`` or
    ``vmap`` this raises ``ConcretizationError`` (under ``grad`` and ``jvp`` the primal
    decides and the derivative follows the branch taken).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.real_if_close(np.array([2.0 + 1e-15j, 1.0]))
    array([2., 1.])
    """
    x = _leaf(a)
    if not _is_complex(x):
        return x
    threshold = tol * np.finfo(get_aval(x).dtype).eps if tol > 1 else tol
    magnitudes = lax.abs(lax.imag(x))
    small = lax.lt(magnitudes, np.asarray(threshold, get_aval(magnitudes).dtype)[()])
    aval = get_aval(small)
    all_small = lax.reduce_and(small, tuple(range(aval.ndim))) if aval.ndim else small
    if isinstance(all_small, Tracer):
        all_small = all_small._concrete_or_raise("real_if_close")
    return lax.real(x) if bool(all_small) else x


def sort_complex(a: Any) -> Any:
    """``a`` sorted along its last axis, real part first then imaginary part, as a complex
    array (small integers give complex64, other real dtypes complex128, as in NumPy).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.sort_complex(np.array([1 + 2j, 2 - 1j, 1 - 1j]))
    array([1.-1.j, 1.+2.j, 2.-1.j])
    """
    x = _leaf(a)
    out = sort(x)
    dtype = get_aval(out).dtype
    if dtype.kind == "c":
        return out
    target = np.complex64 if dtype.char in "bhBH" else np.complex128
    return cast(out, np.dtype(target))
