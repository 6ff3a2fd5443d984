"""Integer functions: gcd, lcm, bit shifts, bit counts, packbits / unpackbits.

lax has no shift primitive, so shifts are multiplications and floor divisions by ``2**s``
(read from a table of the dtype's powers of two, whose top entry wraps to the minimum for
signed types exactly as the shift would). Integer multiplication wraps modulo ``2**bits`` in
NumPy, so ``x << s`` and ``x * 2**s`` agree bit for bit. All of these have zero derivative
(their results are integers). See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax
from ftrans.core import get_aval
from ftrans.numpy._axes import normalize_axis
from ftrans.numpy._math import floor_divide, promoted_operands
from ftrans.numpy._promotion import asarray_strong, cast
from ftrans.numpy._indexing import take
from ftrans.numpy._elementwise import invert

__all__ = ["gcd", "lcm", "left_shift", "right_shift", "bitwise_left_shift",
           "bitwise_right_shift", "bitwise_invert", "bitwise_count", "packbits", "unpackbits"]


def _integer_operands(ufunc: np.ufunc, *args: Any) -> list[Any]:
    ops = promoted_operands(ufunc, *args)
    for a in ops:
        if get_aval(a).dtype.kind not in "biu":
            raise TypeError(f"{ufunc.__name__} needs integer or boolean operands, got "
                            f"{get_aval(a).dtype}")
    return ops


def _gcd(a: Any, b: Any) -> Any:
    """Euclid's algorithm on |a|, |b|, elementwise, until every remainder is zero."""
    shape = np.broadcast_shapes(get_aval(a).shape, get_aval(b).shape)
    a = lax.broadcast_to(lax.abs(a), shape)
    b = lax.broadcast_to(lax.abs(b), shape)
    zero = np.zeros((), get_aval(a).dtype)[()]
    one = np.ones((), get_aval(a).dtype)[()]

    def cond(state: Any) -> Any:
        return lax.reduce_or(lax.ne(state[1], zero), tuple(range(len(shape))))

    def body(state: Any) -> Any:
        x, y = state
        done = lax.eq(y, zero)
        safe = lax.select_n(done, y, one)
        return lax.select_n(done, y, x), lax.select_n(done, lax.rem(x, safe), zero)

    # |min| wraps to min, whose remainders may be negative: the last abs fixes the sign
    return lax.abs(lax.while_loop(cond, body, (a, b))[0])


def gcd(x1: Any, x2: Any, /) -> Any:
    """Elementwise greatest common divisor of ``|x1|`` and ``|x2|`` (``gcd(0, 0) = 0``).

    Raises:
      TypeError: non-integer operands.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.gcd(np.array([12, -18, 0]), np.array([8, 12, 5]))
    array([4, 6, 5])
    """
    a, b = _integer_operands(np.gcd, x1, x2)
    return _gcd(a, b)


def lcm(x1: Any, x2: Any, /) -> Any:
    """Elementwise least common multiple of ``|x1|`` and ``|x2|`` (0 if either is 0).

    Raises:
      TypeError: non-integer operands.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.lcm(np.array([4, -6, 0]), np.array([6, 4, 3]))
    array([12, 12,  0])
    """
    a, b = _integer_operands(np.lcm, x1, x2)
    g = _gcd(a, b)
    zero = np.zeros((), get_aval(g).dtype)[()]
    is_zero = lax.eq(g, zero)
    safe = lax.select_n(is_zero, g, np.ones((), get_aval(g).dtype)[()])
    with np.errstate(over="ignore"):  # wraps like NumPy's fixed-width product
        out = lax.mul(lax.div(lax.abs(a), safe), lax.abs(b))
    return lax.select_n(is_zero, out, zero)


def _powers_of_two(dtype: np.dtype) -> np.ndarray:
    bits = dtype.itemsize * 8
    with np.errstate(over="ignore"):
        return (np.ones(bits, dtype) << np.arange(bits).astype(dtype))


def _pow2_of(s: Any, dtype: np.dtype) -> Any:
    bits = dtype.itemsize * 8
    index = lax.max(lax.min(cast(s, np.dtype(np.int64)), np.int64(bits - 1)), np.int64(0))
    return take(_powers_of_two(dtype), index)


def left_shift(x1: Any, x2: Any, /) -> Any:
    """Elementwise ``x1 << x2``: bits shifted left, wrapping as NumPy's fixed-width integers
    (shifts of the width or more give 0).

    Raises:
      TypeError: non-integer operands.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.left_shift(np.array([1, 3, -1], np.int8), np.array([2, 6, 7], np.int8))
    array([   4,  -64, -128], dtype=int8)
    """
    x, s = _integer_operands(np.left_shift, x1, x2)
    dtype = get_aval(x).dtype
    bits = dtype.itemsize * 8
    with np.errstate(over="ignore"):
        out = lax.mul(x, _pow2_of(s, dtype))
    return lax.select_n(lax.ge(s, np.asarray(bits, get_aval(s).dtype)[()]), out,
                        np.zeros((), dtype)[()])


def right_shift(x1: Any, x2: Any, /) -> Any:
    """Elementwise ``x1 >> x2``: an arithmetic shift (signed values round toward -inf; shifts
    of the width or more give 0 or -1).

    Raises:
      TypeError: non-integer operands.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.right_shift(np.array([16, -16, -1]), np.array([2, 2, 70]))
    array([ 4, -4, -1])
    """
    x, s = _integer_operands(np.right_shift, x1, x2)
    dtype = get_aval(x).dtype
    bits = dtype.itemsize * 8
    zero = np.zeros((), dtype)[()]
    s_dtype = get_aval(s).dtype
    if dtype.kind == "u":
        out = lax.div(x, _pow2_of(lax.min(s, np.asarray(bits - 1, s_dtype)[()]), dtype))
        return lax.select_n(lax.ge(s, np.asarray(bits, s_dtype)[()]), out, zero)
    # 2**(bits-1) wraps negative: shifts from bits-1 on are the sign alone
    out = floor_divide(x, _pow2_of(lax.min(s, np.asarray(bits - 2, s_dtype)[()]), dtype))
    sign = lax.select_n(lax.lt(x, zero), zero, np.asarray(-1, dtype)[()])
    return lax.select_n(lax.ge(s, np.asarray(bits - 1, s_dtype)[()]), out, sign)


bitwise_left_shift = left_shift
bitwise_right_shift = right_shift


def bitwise_invert(x: Any, /) -> Any:
    """Elementwise bitwise NOT (``~x``), the Array API's name for ``invert``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.bitwise_invert(np.array([0, 5], np.uint8))
    array([255, 250], dtype=uint8)
    """
    return invert(x)


def bitwise_count(x: Any, /) -> Any:
    """Elementwise number of 1 bits in ``|x|`` (uint8), NumPy 2's popcount.

    Raises:
      TypeError: non-integer input.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.bitwise_count(np.array([0, 7, -8, 255]))
    array([0, 3, 1, 8], dtype=uint8)
    """
    x = asarray_strong(x)
    dtype = get_aval(x).dtype
    if dtype.kind == "b":
        return cast(x, np.dtype(np.uint8))
    if dtype.kind not in "iu":
        raise TypeError(f"bitwise_count needs integer operands, got {dtype}")
    unsigned = np.dtype(f"u{dtype.itemsize}")
    u = cast(lax.abs(x) if dtype.kind == "i" else x, unsigned)  # |min| wraps to 2**(bits-1)
    bits = unsigned.itemsize * 8

    def const(value: int) -> Any:
        return np.asarray(value, unsigned)[()]

    # add adjacent bit fields of doubling width: shifts are exact divisions of unsigned values
    width = 1
    while width < bits:
        mask = sum(((1 << width) - 1) << k for k in range(0, bits, 2 * width))
        u = lax.add(lax.bitwise_and(u, const(mask)),
                    lax.bitwise_and(lax.div(u, const(1 << width)), const(mask)))
        width *= 2
    return cast(u, np.dtype(np.uint8))


def packbits(a: Any, /, axis: int | None = None, bitorder: str = "big") -> Any:
    """Pack a boolean (or integer, nonzero = 1) array into uint8 bytes along ``axis``
    (flattened when None), padding with zeros to a multiple of 8.

    Raises:
      TypeError: a float array. ValueError: ``bitorder`` not 'big' or 'little'.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.packbits(np.array([1, 0, 1, 1, 0, 0, 0, 1, 1]))
    array([177, 128], dtype=uint8)
    """
    a = asarray_strong(a)
    dtype = get_aval(a).dtype
    if dtype.kind not in "biu":
        raise TypeError(f"packbits: expected an input array of integer or boolean data type, "
                        f"got {dtype}")
    if bitorder not in ("big", "little"):
        raise ValueError(f"packbits: bitorder must be 'big' or 'little', got {bitorder!r}")
    if axis is None:
        a = lax.reshape(a, (-1,))
        axis = 0
    axis = normalize_axis(axis, get_aval(a).ndim)
    a = lax.convert_element_type(lax.ne(a, np.zeros((), dtype)[()]), np.uint8)
    a = lax.transpose(a, tuple(i for i in range(get_aval(a).ndim) if i != axis) + (axis,))
    shape = get_aval(a).shape
    n = shape[-1]
    padded = -(-n // 8) * 8
    if padded != n:
        a = lax.pad(a, np.uint8(0), [(0, 0, 0)] * (len(shape) - 1) + [(0, padded - n, 0)])
    a = lax.reshape(a, shape[:-1] + (padded // 8, 8))
    weights = (1 << np.arange(8)[::-1] if bitorder == "big" else 1 << np.arange(8))
    packed = lax.reduce_sum(lax.mul(a, weights.astype(np.uint8)), (len(shape),))
    return lax.transpose(packed, _restore(len(shape), axis))


def _restore(ndim: int, axis: int) -> tuple[int, ...]:
    """The permutation putting the last axis back at ``axis``."""
    order = list(range(ndim - 1))
    order.insert(axis, ndim - 1)
    return tuple(order)


def unpackbits(a: Any, /, axis: int | None = None, count: int | None = None,
               bitorder: str = "big") -> Any:
    """Unpack uint8 bytes into bits (uint8 0/1) along ``axis`` (flattened when None);
    ``count`` keeps the first ``count`` bits (negative: drops from the end; more than there
    are: pads zeros).

    Raises:
      TypeError: a non-uint8 array. ValueError: ``bitorder`` not 'big' or 'little'.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.unpackbits(np.array([177], np.uint8))
    array([1, 0, 1, 1, 0, 0, 0, 1], dtype=uint8)
    """
    a = asarray_strong(a)
    if get_aval(a).dtype != np.uint8:
        raise TypeError(f"unpackbits: expected an input array of unsigned byte data type, got "
                        f"{get_aval(a).dtype}")
    if bitorder not in ("big", "little"):
        raise ValueError(f"unpackbits: bitorder must be 'big' or 'little', got {bitorder!r}")
    if axis is None:
        a = lax.reshape(a, (-1,))
        axis = 0
    axis = normalize_axis(axis, get_aval(a).ndim)
    a = lax.transpose(a, tuple(i for i in range(get_aval(a).ndim) if i != axis) + (axis,))
    shape = get_aval(a).shape
    shifts = np.arange(8)[::-1] if bitorder == "big" else np.arange(8)
    divisors = (1 << shifts).astype(np.uint8)
    bits = lax.rem(lax.div(lax.reshape(a, shape + (1,)), divisors), np.uint8(2))
    n = shape[-1] * 8
    bits = lax.reshape(bits, shape[:-1] + (n,))
    if count is not None:
        count = int(count)
        keep = count if count >= 0 else max(n + count, 0)
        if keep <= n:
            bits = lax.slice_in_dim(bits, 0, keep, 1, len(shape) - 1)
        else:
            bits = lax.pad(bits, np.uint8(0), [(0, 0, 0)] * (len(shape) - 1) + [(0, keep - n, 0)])
    return lax.transpose(bits, _restore(len(shape), axis))
