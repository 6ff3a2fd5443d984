"""``ftrans.random``: counter-based, splittable pseudo-random numbers (JAX's API).

A key is a uint32 array of shape ``(2,)``: an ordinary value (a pytree leaf), so keys go
through ``vmap``, ``jit`` and ``scan`` like any array. Nothing is stateful: the same key always
gives the same numbers, on every machine, and ``split`` / ``fold_in`` derive new independent
keys. The bits come from the ``threefry2x32`` primitive (``ftrans.lax.prng``), following JAX's
"partitionable" threefry scheme: element ``i`` of a draw of ``shape`` is
``threefry(key, (hi(i), lo(i)))`` of its flat index, ``split(key, n)[i]`` is
``threefry(key, (0, i))``. Samplers are written in ``lax`` / ``ftrans.numpy`` calls on those
bits, so ``vmap(lambda k: normal(k, (3,)))(split(key, 8))`` draws 8 independent streams and
equals a loop over the keys.

``uniform`` uses the top 52 (float64) or 23 (float32) bits as a mantissa, ``normal`` is
``sqrt(2) * erf_inv(uniform(-1, 1))`` (as JAX), ``categorical`` and ``choice`` with ``p`` use the
Gumbel-max trick, ``permutation`` ranks random sort keys.

>>> import ftrans as ft
>>> from ftrans import random
>>> key = random.key(0)
>>> k1, k2 = random.split(key)
>>> random.uniform(k1, (3,)).shape
(3,)
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans import numpy as fnp
from ftrans.core import Tracer, canonicalize_shape, get_aval
from ftrans.numpy._axes import normalize_axis
from ftrans.lax import special as lax_special
from ftrans.lax.prng import threefry2x32

__all__ = ["key", "PRNGKey", "split", "fold_in", "bits", "uniform", "normal", "bernoulli",
           "categorical", "gumbel", "exponential", "randint", "permutation", "choice",
           "truncated_normal"]

Shape = Sequence[int]
_UINT32 = np.dtype(np.uint32)


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------


def key(seed: Any) -> Any:
    """A key from an integer seed (JAX's ``PRNGKey``): ``[seed >> 32, seed & 0xFFFFFFFF]`` of
    the seed's 64-bit two's complement. A traced (non-negative) integer seed works too.

    >>> key(42)
    array([ 0, 42], dtype=uint32)
    """
    if isinstance(seed, Tracer) or (isinstance(seed, np.ndarray) and seed.ndim):
        seed = fnp.asarray(seed)
        if get_aval(seed).dtype.kind not in "iu" or get_aval(seed).ndim:
            raise TypeError(f"key: seed must be a scalar integer, got {get_aval(seed)}")
        seed = lax.convert_element_type(seed, np.int64)
        high = lax.convert_element_type(lax.div(seed, np.int64(2 ** 32)), _UINT32)
        low = lax.convert_element_type(seed, _UINT32)
        return lax.concatenate([lax.reshape(high, (1,)), lax.reshape(low, (1,))], 0)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"key: seed must be an integer, got {seed!r}")
    if not -(2 ** 63) <= int(seed) < 2 ** 64 or (type(seed) is int and seed >= 2 ** 63):
        raise OverflowError(f"key: seed {int(seed)} does not fit in 64 bits; use a seed in "
                            f"[-2**63, 2**63)")
    value = int(seed) & 0xFFFFFFFFFFFFFFFF
    return np.array([value >> 32, value & 0xFFFFFFFF], _UINT32)


PRNGKey = key


def _halves(k: Any) -> tuple[Any, Any]:
    aval = get_aval(k)
    if aval.dtype != _UINT32 or aval.shape != (2,):
        raise TypeError(f"expected a key (a uint32 array of shape (2,), made by "
                        f"ftrans.random.key), got {aval.str_short()}")
    return (lax.reshape(lax.slice(k, (0,), (1,)), ()),
            lax.reshape(lax.slice(k, (1,), (2,)), ()))


def _shape(shape: Any, function: str) -> tuple[int, ...]:
    """A sample shape, checked: errors name the ftrans.random function the user called."""
    return canonicalize_shape(shape, f"random.{function}: shape")


def _counters(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The 64-bit flat index of each element of ``shape`` as (high, low) uint32 words."""
    index = np.arange(math.prod(shape), dtype=np.uint64).reshape(shape)
    return (index >> np.uint64(32)).astype(_UINT32), (index & np.uint64(0xFFFFFFFF)).astype(
        _UINT32)


def split(key: Any, num: int | Shape = 2) -> Any:
    """``num`` new keys (an array of shape ``(num, 2)``, or ``shape + (2,)`` for a tuple),
    independent of each other and of ``key``.

    >>> split(key(0), 3).shape
    (3, 2)
    """
    shape = canonicalize_shape(num, "random.split: num")
    k0, k1 = _halves(key)
    high, low = _counters(shape)
    y0, y1 = threefry2x32(k0, k1, high, low)
    return lax.concatenate([lax.expand_dims(y0, (-1,)), lax.expand_dims(y1, (-1,))],
                           len(shape))


def fold_in(key: Any, data: Any) -> Any:
    """A new key from ``key`` and an integer ``data`` (e.g. a step number): the same
    ``(key, data)`` always gives the same key.

    >>> bool((fold_in(key(0), 1) == fold_in(key(0), 1)).all())
    True
    """
    k0, k1 = _halves(key)
    if isinstance(data, Tracer):
        data = lax.convert_element_type(data, _UINT32)
    else:
        data = np.asarray(int(data) & 0xFFFFFFFF, _UINT32)
    y0, y1 = threefry2x32(k0, k1, np.uint32(0), data)
    return lax.concatenate([lax.reshape(y0, (1,)), lax.reshape(y1, (1,))], 0)


def _bit_pairs(key: Any, shape: tuple[int, ...]) -> tuple[Any, Any]:
    k0, k1 = _halves(key)
    high, low = _counters(shape)
    return tuple(threefry2x32(k0, k1, high, low))


def bits(key: Any, shape: Shape = ()) -> Any:
    """Random uint32 words of ``shape``.

    >>> bits(key(0), (2,)).dtype
    dtype('uint32')
    """
    y0, y1 = _bit_pairs(key, _shape(shape, "bits"))
    return lax.bitwise_xor(y0, y1)


# ---------------------------------------------------------------------------------------------
# Continuous distributions
# ---------------------------------------------------------------------------------------------


def _float_dtype(dtype: Any, name: str) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise TypeError(f"{name}: dtype must be float32 or float64, got {dtype}")
    return dtype


def _unit_interval(key: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """Uniform on [0, 1) with the top 52 (23) random bits as mantissa, in ``dtype``."""
    y0, y1 = _bit_pairs(key, shape)
    f64 = np.dtype(np.float64)
    if dtype == f64:
        high = lax.convert_element_type(y0, f64)
        low = lax.convert_element_type(y1, f64)
        # the 64-bit word y0:y1 shifted right by 12: an exact 52-bit integer in float64
        mantissa = lax.add(lax.mul(high, 2.0 ** 20), lax.floor(lax.mul(low, 2.0 ** -12)))
        return lax.mul(mantissa, 2.0 ** -52)
    word = lax.convert_element_type(lax.bitwise_xor(y0, y1), f64)
    mantissa = lax.floor(lax.mul(word, 2.0 ** -9))
    return lax.convert_element_type(lax.mul(mantissa, 2.0 ** -23), dtype)


def _scalar_param(x: Any, dtype: np.dtype) -> Any:
    x = fnp.asarray(x)
    return x.astype(dtype) if get_aval(x).dtype != dtype else x


def uniform(key: Any, shape: Shape = (), dtype: Any = np.float64, minval: Any = 0.0,
            maxval: Any = 1.0) -> Any:
    """Uniform samples on ``[minval, maxval)`` (parameters broadcast to ``shape``).

    >>> float(uniform(key(0))) < 1.0
    True
    """
    dtype = _float_dtype(dtype, "uniform")
    shape = _shape(shape, "uniform")
    minval, maxval = _scalar_param(minval, dtype), _scalar_param(maxval, dtype)
    u = _unit_interval(key, shape, dtype)
    out = fnp.add(fnp.multiply(u, fnp.subtract(maxval, minval)), minval)
    return fnp.maximum(minval, fnp.broadcast_to(out, shape))


def normal(key: Any, shape: Shape = (), dtype: Any = np.float64) -> Any:
    """Standard normal samples: ``sqrt(2) * erf_inv(u)``, ``u`` uniform on (-1, 1). A complex
    dtype gives standard complex normal samples: independent real and imaginary parts of
    variance 1/2 each (from two keys split off ``key``).

    >>> normal(key(0), (2, 3)).shape
    (2, 3)
    >>> normal(key(0), (2,), np.complex64).dtype
    dtype('complex64')
    """
    shape = _shape(shape, "normal")
    if np.dtype(dtype) in (np.dtype(np.complex64), np.dtype(np.complex128)):
        part_dtype = np.finfo(np.dtype(dtype)).dtype
        key_re, key_im = split(key)
        half = np.asarray(math.sqrt(0.5), part_dtype)[()]
        return lax.complex(lax.mul(normal(key_re, shape, part_dtype), half),
                           lax.mul(normal(key_im, shape, part_dtype), half))
    dtype = _float_dtype(dtype, "normal")
    low = np.nextafter(np.asarray(-1.0, dtype), np.asarray(0.0, dtype))
    u = uniform(key, shape, dtype, low, 1.0)
    return lax.mul(lax_special.erf_inv(u), np.asarray(math.sqrt(2.0), dtype)[()])


def truncated_normal(key: Any, lower: Any, upper: Any, shape: Shape | None = None,
                     dtype: Any = np.float64) -> Any:
    """Standard normal samples conditioned on ``lower < x < upper`` (inverse CDF), bounds
    broadcasting to ``shape`` (by default their broadcast shape).

    >>> x = truncated_normal(key(0), -1.0, 1.0, (100,))
    >>> bool((abs(x) < 1).all())
    True
    """
    dtype = _float_dtype(dtype, "truncated_normal")
    lower, upper = _scalar_param(lower, dtype), _scalar_param(upper, dtype)
    if shape is None:
        shape = np.broadcast_shapes(get_aval(lower).shape, get_aval(upper).shape)
    sqrt2 = np.asarray(math.sqrt(2.0), dtype)[()]
    a = lax_special.erf(fnp.divide(lower, sqrt2))
    b = lax_special.erf(fnp.divide(upper, sqrt2))
    u = uniform(key, shape, dtype, a, b)
    out = fnp.multiply(lax_special.erf_inv(u), sqrt2)
    if not isinstance(lower, Tracer) and not isinstance(upper, Tracer):
        # the open interval: rounding must not land on a bound
        lower, upper = np.nextafter(lower, np.inf), np.nextafter(upper, -np.inf)
    return fnp.clip(out, lower, upper)


def gumbel(key: Any, shape: Shape = (), dtype: Any = np.float64) -> Any:
    """Standard Gumbel samples ``-log(-log(u))``.

    >>> gumbel(key(0), (2,)).shape
    (2,)
    """
    shape = _shape(shape, "gumbel")
    dtype = _float_dtype(dtype, "gumbel")
    u = uniform(key, shape, dtype, np.finfo(dtype).tiny, 1.0)
    return fnp.negative(fnp.log(fnp.negative(fnp.log(u))))


def exponential(key: Any, shape: Shape = (), dtype: Any = np.float64) -> Any:
    """Standard exponential samples ``-log1p(-u)``.

    >>> bool((exponential(key(0), (5,)) >= 0).all())
    True
    """
    shape = _shape(shape, "exponential")
    dtype = _float_dtype(dtype, "exponential")
    return fnp.negative(fnp.log1p(fnp.negative(uniform(key, shape, dtype))))


# ---------------------------------------------------------------------------------------------
# Discrete distributions
# ---------------------------------------------------------------------------------------------


def bernoulli(key: Any, p: Any = 0.5, shape: Shape | None = None) -> Any:
    """Booleans that are True with probability ``p`` (broadcast to ``shape``, by default
    ``p``'s shape).

    >>> bernoulli(key(0), 0.5, (4,)).dtype
    dtype('bool')
    """
    p = fnp.asarray(p)
    dtype = get_aval(p).dtype if get_aval(p).dtype.kind == "f" else np.dtype(np.float64)
    p = _scalar_param(p, dtype)
    if shape is None:
        shape = get_aval(p).shape
    return fnp.less(uniform(key, shape, dtype), p)


def categorical(key: Any, logits: Any, axis: int = -1, shape: Shape | None = None) -> Any:
    """Indices drawn with probabilities ``softmax(logits)`` along ``axis`` (Gumbel-max).

    ``shape`` (default: ``logits``' shape without ``axis``) must end with that batch shape;
    leading extra axes draw independent samples.

    >>> int(categorical(key(0), np.array([-np.inf, 0.0, -np.inf])))
    1
    """
    logits = fnp.asarray(logits)
    aval = get_aval(logits)
    if aval.dtype.kind != "f":
        logits = logits.astype(np.float64)
        aval = get_aval(logits)
    axis = normalize_axis(axis, aval.ndim)
    batch_shape = aval.shape[:axis] + aval.shape[axis + 1:]
    shape = batch_shape if shape is None else _shape(shape, "categorical")
    if len(shape) < len(batch_shape) or shape[len(shape) - len(batch_shape):] != batch_shape:
        raise ValueError(f"categorical: shape {shape} must end with the batch shape "
                         f"{batch_shape} of logits {aval.shape} without axis {axis}")
    prefix = shape[:len(shape) - len(batch_shape)]
    noise_shape = prefix + aval.shape
    noise = gumbel(key, noise_shape, aval.dtype)
    scores = fnp.add(noise, lax.reshape(logits, (1,) * len(prefix) + aval.shape))
    return fnp.argmax(scores, axis=len(prefix) + axis)


def randint(key: Any, shape: Shape, minval: Any, maxval: Any, dtype: Any = np.int64) -> Any:
    """Integers uniform on ``[minval, maxval)`` (bounds broadcast to ``shape``), as
    ``floor(minval + u * (maxval - minval))`` with a 52-bit ``u`` (bias below 2^-40 for spans
    under 2^12, and under 2^-20 for spans under 2^32).

    >>> bool(((randint(key(0), (10,), 0, 3) >= 0) & (randint(key(0), (10,), 0, 3) < 3)).all())
    True
    """
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        raise TypeError(f"randint: dtype must be an integer type, got {dtype}")
    shape = _shape(shape, "randint")
    low = _scalar_param(minval, np.dtype(np.float64))
    high = _scalar_param(maxval, np.dtype(np.float64))
    u = _unit_interval(key, shape, np.dtype(np.float64))
    value = fnp.floor(fnp.add(low, fnp.multiply(u, fnp.subtract(high, low))))
    value = fnp.clip(value, low, fnp.maximum(low, fnp.subtract(high, 1.0)))
    return fnp.broadcast_to(value, shape).astype(dtype)


def _ranks_ascending(keys: Any) -> Any:
    """The rank of each element of the 1-d ``keys`` (ties broken by position): a
    permutation of ``0..n-1`` computed by comparisons (O(n^2): ftrans has no sort
    primitive)."""
    n = get_aval(keys).shape[0]
    row = lax.reshape(keys, (1, n))
    col = lax.reshape(keys, (n, 1))
    index = np.arange(n)
    earlier = index[None, :] < index[:, None]  # j < i
    before = fnp.logical_or(fnp.less(row, col), fnp.logical_and(fnp.equal(row, col), earlier))
    return fnp.sum(before, axis=1, dtype=np.int64)


def _order(keys: Any) -> Any:
    """The indices that sort the 1-d ``keys`` ascending (inverse of the ranks)."""
    ranks = _ranks_ascending(keys)
    n = get_aval(keys).shape[0]
    index = np.arange(n, dtype=np.int64)
    hits = fnp.equal(lax.reshape(ranks, (1, n)), index[:, None])  # [r, i]: rank_i == r
    return fnp.sum(fnp.where(hits, index[None, :], np.int64(0)), axis=1)


def permutation(key: Any, x: Any, axis: int = 0) -> Any:
    """A random permutation of ``range(x)`` (an int ``x``) or of ``x`` along ``axis``.

    >>> sorted(int(v) for v in permutation(key(0), 5))
    [0, 1, 2, 3, 4]
    """
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        n = int(x)
        return _order(_unit_interval(key, (n,), np.dtype(np.float64)))
    x = fnp.asarray(x)
    aval = get_aval(x)
    if aval.ndim == 0:
        raise TypeError("permutation: x must be an int or an array of rank >= 1")
    axis = axis % aval.ndim
    order = _order(_unit_interval(key, (aval.shape[axis],), np.dtype(np.float64)))
    return fnp.take(x, order, axis=axis)


def choice(key: Any, a: Any, shape: Shape = (), replace: bool = True, p: Any = None,
           axis: int = 0) -> Any:
    """Random elements of ``a`` (an int ``a`` means ``arange(a)``) along ``axis``.

    Without ``replace``, ``prod(shape)`` distinct positions are drawn (``p`` then weights
    them by the Gumbel top-k trick); with ``p``, position ``i`` has probability ``p[i]``.

    >>> choice(key(0), 5, (3,), replace=False).shape
    (3,)
    """
    shape = _shape(shape, "choice")
    if isinstance(a, (int, np.integer)) and not isinstance(a, bool):
        n, values = int(a), None
    else:
        values = fnp.asarray(a)
        if get_aval(values).ndim == 0:
            raise ValueError("choice: a must be an int or an array of rank >= 1")
        axis = axis % get_aval(values).ndim
        n = get_aval(values).shape[axis]
    count = math.prod(shape)
    if n == 0 and count:
        raise ValueError("choice: a cannot be empty unless no samples are taken")
    log_p = None
    if p is not None:
        p = fnp.asarray(p)
        if get_aval(p).shape != (n,):
            raise ValueError(f"choice: p must have shape ({n},), got {get_aval(p).shape}")
        if get_aval(p).dtype.kind != "f":
            p = p.astype(np.float64)
        with np.errstate(divide="ignore"):  # p == 0: log p = -inf, never drawn
            log_p = fnp.log(p)
    if replace:
        if p is None:
            flat = randint(key, (count,), 0, n)
        else:
            flat = categorical(key, log_p, shape=(count,))
    else:
        if count > n:
            raise ValueError(f"choice: cannot take {count} samples from {n} without "
                             f"replacement")
        if p is None:
            scores = _unit_interval(key, (n,), np.dtype(np.float64))
        else:
            # Gumbel top-k: the k largest of log p + Gumbel noise, largest first
            scores = fnp.negative(fnp.add(log_p, gumbel(key, (n,), get_aval(p).dtype)))
        flat = lax.slice(_order(scores), (0,), (count,))
    if values is None:
        return lax.reshape(flat, shape)
    picked = fnp.take(values, flat, axis=axis)
    out_shape = get_aval(values).shape[:axis] + shape + get_aval(values).shape[axis + 1:]
    return lax.reshape(picked, out_shape)
