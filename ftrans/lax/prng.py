"""The counter-based random bit generator: ``threefry2x32``.

Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
SC 2011; the Random123 known-answer vectors are in the tests), in NumPy uint32 arithmetic. It
maps a key ``(k0, k1)`` and a counter ``(x0, x1)`` to two random words; operands broadcast
elementwise, so batching is elementwise too and ``vmap`` over keys gives one stream per key.
The bits have no derivative. ``ftrans.random`` builds keys and samplers on it. See
docs/internals.md, "Primitives".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans.core import get_aval, make_aval, Primitive, ShapedArray
from ftrans.interpreters.batching import defbroadcasting
from ftrans.interpreters.jvp import defjvp_zero
from ftrans.lax.elementwise import broadcast_shapes

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)
_UINT32 = np.dtype(np.uint32)


def _rotate_left(v: np.ndarray, distance: int) -> np.ndarray:
    return (v << np.uint32(distance)) | (v >> np.uint32(32 - distance))


def _threefry2x32_impl(k0: Any, k1: Any, x0: Any, x1: Any) -> list[Any]:
    k0, k1, x0, x1 = np.broadcast_arrays(*[np.asarray(a, _UINT32) for a in (k0, k1, x0, x1)])
    shape = k0.shape
    k0, k1, x0, x1 = (np.array(a, _UINT32, ndmin=1) for a in (k0, k1, x0, x1))
    keys = (k0, k1, k0 ^ k1 ^ _PARITY)
    with np.errstate(over="ignore"):  # uint32 arithmetic wraps, as intended
        x0 = x0 + keys[0]
        x1 = x1 + keys[1]
        for i in range(5):
            for distance in _ROTATIONS[i % 2]:
                x0 = x0 + x1
                x1 = _rotate_left(x1, distance) ^ x0
            x0 = x0 + keys[(i + 1) % 3]
            x1 = x1 + keys[(i + 2) % 3] + np.uint32(i + 1)
    return [x0.reshape(shape)[()], x1.reshape(shape)[()]]


def _threefry2x32_abstract_eval(*args: ShapedArray) -> list[ShapedArray]:
    for a in args:
        if a.dtype != _UINT32:
            raise TypeError(f"threefry2x32 needs uint32 operands, got {a.str_short()}")
    shape = broadcast_shapes("threefry2x32", *[a.shape for a in args])
    out = make_aval(shape, _UINT32)
    return [out, out]


threefry2x32_p = Primitive("threefry2x32", impl=_threefry2x32_impl,
                           abstract_eval=_threefry2x32_abstract_eval, multiple_results=True)


def threefry2x32(k0: Any, k1: Any, x0: Any, x1: Any) -> list[Any]:
    """Threefry-2x32 (20 rounds) of key words ``(k0, k1)`` and counter words ``(x0, x1)``,
    all uint32 and broadcasting together: ``[y0, y1]``.

    >>> import numpy as np
    >>> [hex(int(v)) for v in threefry2x32(*np.zeros(4, np.uint32))]
    ['0x6b200159', '0x99ba4efe']
    """
    args = [np.asarray(a, _UINT32) if isinstance(a, (int, np.integer)) else a
            for a in (k0, k1, x0, x1)]
    _threefry2x32_abstract_eval(*[get_aval(a) for a in args])
    return threefry2x32_p.bind(*args)


defjvp_zero(threefry2x32_p)


defbroadcasting(threefry2x32_p)

__all__ = ["threefry2x32", "threefry2x32_p"]
