"""The error function of a complex argument: complex_erf, complex_erfc.

Elementwise primitives on complex floats (complex64 computed in complex128 and rounded), NumPy
only; the real ``erf`` / ``erfc`` primitives stay real (their compiled scalar forms use
``math.erf``), so SciPy's complex ``erf`` is its own pair of primitives:

- ``Re z < 2.5`` (after ``erf(-z) = -erf(z)``): the Taylor series ``2/sqrt(pi) sum (-1)^n
  z^(2n+1) / (n! (2n+1))``, summed until its terms fall below 1e-17 of the running sum. Its
  terms cancel by about ``e^{2 Re(z)^2}`` (at most ~3e5 here), so the result keeps ~11 digits.
- ``Re z >= 2.5``: Laplace's continued fraction ``erfc(z) = e^{-z^2} / (sqrt(pi) (z + (1/2) /
  (z + 1 / (z + (3/2) / (z + ...)))))``, 100 terms, evaluated backwards.

``erf`` is entire, so the derivative is the complex derivative ``2/sqrt(pi) e^{-z^2}``
(``-`` that for ``erfc``), holomorphic under ftrans's complex convention (docs/complex.md).
See docs/internals.md, "Primitives".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval
from ftrans.interpreters.batching import defvectorized
from ftrans.interpreters.jvp import defjvp
from ftrans.lax.elementwise import check_operand, exp, mul, neg

_SQRT_PI = np.sqrt(np.pi)
_SERIES_LIMIT = 2.5


def _taylor(z: np.ndarray) -> np.ndarray:
    z2 = z * z
    term = z.copy()
    total = z.copy()
    scale = np.maximum(np.abs(z), 1.0)
    active = np.ones(z.shape, bool)
    n = 0
    while active.any() and n < 5000:  # |z|^2 <= ~700 needs ~e |z|^2 terms at most
        n += 1
        term = -term * z2 / n
        piece = term / (2 * n + 1)
        total = total + np.where(active, piece, 0)
        active = np.abs(piece) > 1e-17 * np.maximum(np.abs(total), 1e-300 * scale)
    return (2 / _SQRT_PI) * total


def _erfc_fraction(z: np.ndarray) -> np.ndarray:
    f = z.copy()
    for k in range(100, 0, -1):
        f = z + (k / 2) / f
    return np.exp(-z * z) / (_SQRT_PI * f)


def _erf_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(erf(w), erfc(w), flipped)`` for ``w = z`` or ``-z`` (so that ``Re w >= 0``)."""
    flipped = np.real(z) < 0
    w = np.where(flipped, -z, z)
    near = np.real(w) < _SERIES_LIMIT
    erf_w, erfc_w = np.empty_like(w), np.empty_like(w)
    erf_w[near] = _taylor(w[near])
    erfc_w[near] = 1 - erf_w[near]
    erfc_w[~near] = _erfc_fraction(w[~near])
    erf_w[~near] = 1 - erfc_w[~near]
    return erf_w, erfc_w, flipped


def _complex_erf_impl(z: np.ndarray) -> np.ndarray:
    erf_w, _, flipped = _erf_parts(z)
    return np.where(flipped, -erf_w, erf_w)


def _complex_erfc_impl(z: np.ndarray) -> np.ndarray:
    _, erfc_w, flipped = _erf_parts(z)
    return np.where(flipped, 2 - erfc_w, erfc_w)


def _complex_primitive(name: str, impl: Any) -> Primitive:
    def abstract_eval(z: ShapedArray) -> ShapedArray:
        if z.dtype.kind != "c":
            raise TypeError(f"{name} needs a complex operand, got {z.str_short()}")
        return z

    def run(z: Any) -> Any:
        z = np.asarray(z)
        with np.errstate(all="ignore"):
            out = impl(np.atleast_1d(z.astype(np.complex128))).reshape(z.shape)
        return np.asarray(out, z.dtype)[()] if z.ndim == 0 else out.astype(z.dtype, copy=False)

    return Primitive(name, impl=run, abstract_eval=abstract_eval)


complex_erf_p = _complex_primitive("complex_erf", _complex_erf_impl)
complex_erfc_p = _complex_primitive("complex_erfc", _complex_erfc_impl)


def complex_erf(z: Any) -> Any:
    """The error function of complex ``z`` (an entire function), elementwise.

    >>> import numpy as np
    >>> complex(np.round(complex_erf(np.complex128(1 + 1j)), 12))
    (1.316151281698+0.190453469238j)
    """
    return complex_erf_p.bind(check_operand(z, "lax.complex_erf"))


def complex_erfc(z: Any) -> Any:
    """``1 - erf(z)`` of complex ``z``, with relative accuracy for large ``Re z``."""
    return complex_erfc_p.bind(check_operand(z, "lax.complex_erfc"))


def _derivative(z: Any) -> Any:
    return mul(np.asarray(2 / _SQRT_PI, get_aval(z).dtype)[()], exp(neg(mul(z, z))))


defjvp(complex_erf_p, lambda g, ans, z: mul(g, _derivative(z)))
defjvp(complex_erfc_p, lambda g, ans, z: neg(mul(g, _derivative(z))))
defvectorized(complex_erf_p)
defvectorized(complex_erfc_p)

__all__ = ["complex_erf", "complex_erf_p", "complex_erfc", "complex_erfc_p"]
