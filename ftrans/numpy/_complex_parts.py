"""Complex arithmetic that keeps the signs of zero parts and stays finite with infinite parts
(``1j * z`` as a swap of parts, real scalings and shifts part by part), and the principal
complex arcsine and arctangent built on it: shared by ``numpy._math`` (the inverse hyperbolic
functions) and ``numpy._trig``. See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import get_aval

__all__ = ["times_i", "times_minus_i", "real_scale", "one_minus", "shifted", "complex_arcsin",
           "complex_arctan"]


def times_i(z: Any) -> Any:
    """``1j * z`` exactly (a swap of parts, no rounding and no NaN from 0 * inf)."""
    return lax.complex(lax.neg(lax.imag(z)), lax.real(z))


def times_minus_i(z: Any) -> Any:
    return lax.complex(lax.imag(z), lax.neg(lax.real(z)))


def real_scale(z: Any, factor: float) -> Any:
    """Complex ``z`` times a real ``factor``, part by part: ``(inf + 1j) * (0.5 + 0j)`` would
    be NaN."""
    c = np.asarray(factor, np.finfo(get_aval(z).dtype).dtype)[()]
    return lax.complex(lax.mul(lax.real(z), c), lax.mul(lax.imag(z), c))


def one_minus(z: Any) -> Any:
    """``1 - z`` for complex ``z`` with the imaginary part's sign kept (``-(+0) = -0``): the
    side of a branch cut that a point on it belongs to depends on that sign."""
    one = np.ones((), np.finfo(get_aval(z).dtype).dtype)
    return lax.complex(lax.sub(one, lax.real(z)), lax.neg(lax.imag(z)))


def shifted(z: Any, offset: float) -> Any:
    """``z + offset`` for complex ``z`` and real ``offset``, the imaginary part untouched
    (adding ``offset + 0j`` would turn ``-0`` into ``+0``)."""
    c = np.asarray(offset, np.finfo(get_aval(z).dtype).dtype)[()]
    return lax.complex(lax.add(lax.real(z), c), lax.imag(z))


def complex_arcsin(z: Any) -> Any:
    """The principal arcsine of complex ``z``: ``-i log(i z + sqrt((1 - z)(1 + z)))``, as
    ``log1p(i z - z**2 / (1 + sqrt(...)))`` near 0 (no cancellation there)."""
    root = lax.sqrt(lax.mul(one_minus(z), shifted(z, 1.0)))
    iz = times_i(z)
    # (i z + root)(root - i z) = 1: take the log of whichever sum does not cancel
    plus, minus = lax.add(iz, root), lax.sub(root, iz)
    far = lax.select_n(lax.ge(lax.abs(plus), lax.abs(minus)),
                       lax.neg(lax.log(minus)), lax.log(plus))
    one = np.ones((), get_aval(z).dtype)[()]
    near = lax.log1p(lax.sub(iz, lax.div(lax.mul(z, z), lax.add(root, one))))
    small = lax.lt(lax.abs(z), np.asarray(0.5, np.finfo(get_aval(z).dtype).dtype)[()])
    return times_minus_i(lax.select_n(small, far, near))


def complex_arctan(z: Any) -> Any:
    """The principal arctangent of complex ``z``: ``(i / 2) (log1p(-i z) - log1p(i z))``,
    with ``1 - i z`` and ``1 + i z`` keeping the signs of zero parts."""
    iz = times_i(z)
    difference = lax.sub(lax.log1p(lax.neg(iz)), lax.log1p(iz))
    return real_scale(times_i(difference), 0.5)
