"""The layer-shaped functions of ``ftrans.nn``: scaled dot-product attention and pooling.

Written in ``ftrans.numpy`` / ``ftrans.lax`` (pooling on the ``reduce_window`` primitives), so
every transformation applies. Re-exported by ``ftrans.nn``; see docs/nn.md.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ftrans import lax, numpy as fnp
from ftrans.core import get_aval
from ftrans.nn.functions import as_float, logsumexp, softmax

__all__ = ["dot_product_attention", "max_pool", "min_pool", "avg_pool"]

Padding = str | Sequence[tuple[int, int]]

# ---------------------------------------------------------------------------------------------
# Attention
# ---------------------------------------------------------------------------------------------


def _large_negative(dtype: np.dtype) -> Any:
    """What masked logits become: far below any real logit, yet finite, so that a row whose
    every key is masked still has a (uniform) softmax instead of NaN."""
    return np.asarray(-0.7 * np.finfo(dtype).max, dtype)[()]


def _window_mask(t: int, s: int, local_window_size: Any) -> np.ndarray:
    if isinstance(local_window_size, (int, np.integer)):
        left = right = int(local_window_size)
    else:
        try:
            left, right = (int(v) for v in local_window_size)
        except (TypeError, ValueError):
            raise TypeError(f"dot_product_attention: local_window_size must be an int or a "
                            f"(left, right) pair of ints, got {local_window_size!r}") from None
    if left < 0 or right < 0:
        raise ValueError(f"dot_product_attention: local_window_size must be non-negative, got "
                         f"{local_window_size!r}")
    offset = np.arange(s)[None, :] - np.arange(t)[:, None]
    return (offset >= -left) & (offset <= right)


def _length_mask(lengths: Any, size: int, name: str, batch: int) -> Any:
    """``[b, i]``: position ``i`` is before ``lengths[b]``."""
    lengths = fnp.asarray(lengths)
    aval = get_aval(lengths)
    if aval.dtype.kind not in "iu" or aval.shape != (batch,):
        raise ValueError(f"dot_product_attention: {name} must be an integer array of shape "
                         f"({batch},) (one length per batch element), got {aval.str_short()}")
    return fnp.arange(size)[None, :] < lengths[:, None]


def dot_product_attention(query: Any, key: Any, value: Any, bias: Any = None, mask: Any = None,
                          *, scale: float | None = None, is_causal: bool = False,
                          query_seq_lengths: Any = None, key_value_seq_lengths: Any = None,
                          local_window_size: int | tuple[int, int] | None = None,
                          implementation: str | None = None,
                          return_residual: bool = False) -> Any:
    """Scaled dot-product attention: ``softmax(scale * q k^T + bias, masked) v`` per head.

    Shapes use B (batch), T (query length), S (key length), N (query heads), K (key/value
    heads) and H (head size). With K < N the heads are grouped (grouped-query and multi-query
    attention): query head ``n`` attends with key/value head ``n // (N // K)``.

    Args:
      query: ``(B, T, N, H)``, or ``(T, N, H)`` unbatched.
      key: ``(B, S, K, H)`` (or ``(S, K, H)``); ``N`` must be a multiple of ``K``.
      value: the shape of ``key``.
      bias: added to the logits; broadcastable to ``(B, N, T, S)`` (``(N, T, S)`` unbatched).
      mask: boolean, broadcastable like ``bias``: False entries are left out of the softmax.
      scale: the logits' factor; default ``1 / sqrt(H)``.
      is_causal: query ``t`` attends only to keys ``s <= t``.
      query_seq_lengths: ``(B,)`` ints: query positions past the length are padding (their
        output is 0).
      key_value_seq_lengths: ``(B,)`` ints: key positions past the length are left out.
      local_window_size: ``w`` or ``(left, right)``: query ``t`` attends only to keys
        ``t - left <= s <= t + right``.
      implementation: None or ``"xla"`` (the one implementation: dense, on NumPy).
      return_residual: also return the (gradient-stopped) log-sum-exp of each row, shape
        ``(B, T, N)``.

    Returns:
      The attention output, of the query's shape (and the residual if asked for).
      A row whose keys are all masked averages the values uniformly (the masked logits are a
      large finite negative number), as in JAX.

    Raises:
      ValueError: ranks or shapes that do not fit, N not a multiple of K, a bias or mask
        that does not broadcast, a bad ``implementation``.
      TypeError: a non-boolean mask.

    >>> q = np.ones((2, 1, 4))               # T=2, N=1, H=4
    >>> kv = np.arange(12.0).reshape(3, 1, 4) # S=3
    >>> dot_product_attention(q, kv, kv).shape
    (2, 1, 4)
    """
    if implementation not in (None, "xla"):
        raise ValueError(f"dot_product_attention: implementation must be None or 'xla', got "
                         f"{implementation!r}")
    query, key, value = as_float(query), as_float(key), as_float(value)
    q_aval, k_aval, v_aval = get_aval(query), get_aval(key), get_aval(value)
    if q_aval.ndim not in (3, 4) or k_aval.ndim != q_aval.ndim or v_aval.ndim != q_aval.ndim:
        raise ValueError(f"dot_product_attention: query, key and value must all be (B, T, N, "
                         f"H) or all (T, N, H), got {q_aval.str_short()}, "
                         f"{k_aval.str_short()}, {v_aval.str_short()}")
    batched = q_aval.ndim == 4
    if not batched:
        query, key, value = (fnp.expand_dims(a, 0) for a in (query, key, value))
    b, t, n, h = get_aval(query).shape
    kb, s, k, kh = get_aval(key).shape
    if get_aval(value).shape != (kb, s, k, kh):
        raise ValueError(f"dot_product_attention: value must have the shape of key, got "
                         f"{v_aval.str_short()} and {k_aval.str_short()}")
    if kb != b or kh != h:
        raise ValueError(f"dot_product_attention: key {k_aval.str_short()} must match query "
                         f"{q_aval.str_short()} in batch and head size")
    if n % k:
        raise ValueError(f"dot_product_attention: the number of query heads ({n}) must be a "
                         f"multiple of the number of key/value heads ({k})")
    g = n // k
    dtype = np.result_type(get_aval(query).dtype, get_aval(key).dtype, get_aval(value).dtype)
    query, key, value = (a.astype(dtype) for a in (query, key, value))
    factor = 1.0 / math.sqrt(h) if scale is None else scale
    grouped = fnp.reshape(query, (b, t, k, g, h))
    logits = fnp.einsum("btkgh,bskh->bkgts", grouped, key) * np.asarray(factor, dtype)[()]
    full = (b, n, t, s)

    def as_grouped(x: Any, what: str) -> Any:
        x = fnp.asarray(x)
        shape = get_aval(x).shape
        if not batched and len(shape) == 4:
            raise ValueError(f"dot_product_attention: the {what} of unbatched inputs must "
                             f"broadcast to (N, T, S) = {full[1:]}, got shape {shape}")
        try:
            np.broadcast_shapes(shape, full)
        except ValueError:
            raise ValueError(f"dot_product_attention: the {what} of shape {shape} does not "
                             f"broadcast to (B, N, T, S) = {full}") from None
        return fnp.reshape(fnp.broadcast_to(x, full), (b, k, g, t, s))

    if bias is not None:
        logits = logits + as_grouped(bias, "bias").astype(dtype)
    keep = None
    if mask is not None:
        if get_aval(fnp.asarray(mask)).dtype != np.bool_:
            raise TypeError(f"dot_product_attention: mask must be boolean, got "
                            f"{get_aval(fnp.asarray(mask)).str_short()}")
        keep = as_grouped(mask, "mask")
    static = np.ones((t, s), bool)
    if is_causal:
        static &= np.arange(s)[None, :] <= np.arange(t)[:, None]
    if local_window_size is not None:
        static &= _window_mask(t, s, local_window_size)
    if not static.all():
        keep = static if keep is None else keep & static
    if key_value_seq_lengths is not None:
        valid = _length_mask(key_value_seq_lengths, s, "key_value_seq_lengths", b)
        valid = valid[:, None, None, None, :]
        keep = valid if keep is None else keep & valid
    if query_seq_lengths is not None:
        q_valid = _length_mask(query_seq_lengths, t, "query_seq_lengths", b)
        keep = (q_valid[:, None, None, :, None] if keep is None
                else keep & q_valid[:, None, None, :, None])
    if keep is not None:
        logits = fnp.where(keep, logits, _large_negative(dtype))
    probs = softmax(logits, axis=-1)
    encoded = fnp.reshape(fnp.einsum("bkgts,bskh->btkgh", probs, value), (b, t, n, h))
    if query_seq_lengths is not None:
        encoded = encoded * q_valid[:, :, None, None].astype(dtype)
    if not batched:
        encoded = encoded[0]
    if not return_residual:
        return encoded
    residual = lax.stop_gradient(fnp.reshape(
        fnp.transpose(logsumexp(logits, axis=-1), (0, 3, 1, 2)), (b, t, n)))
    return encoded, residual if batched else residual[0]


# ---------------------------------------------------------------------------------------------
# Pooling (channels last: inputs are (batch, *spatial, features), or (*spatial, features))
# ---------------------------------------------------------------------------------------------


def _pool(name: str, inputs: Any, init: Any, computation: Any, window_shape: Sequence[int],
          strides: Sequence[int] | None, padding: Padding) -> Any:
    inputs = fnp.asarray(inputs)
    aval = get_aval(inputs)
    try:
        window_shape = tuple(int(w) for w in window_shape)
    except TypeError:
        raise TypeError(f"{name}: window_shape must be a sequence of ints (one per spatial "
                        f"axis), got {window_shape!r}") from None
    spatial = len(window_shape)
    strides = (1,) * spatial if strides is None else tuple(int(v) for v in strides)
    if len(strides) != spatial:
        raise ValueError(f"{name}: strides {strides} must have one entry per spatial axis "
                         f"(window_shape {window_shape})")
    if aval.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(f"{name}: inputs {aval.str_short()} must be (batch, *spatial, "
                         f"features) or (*spatial, features) with {spatial} spatial axes "
                         f"(the length of window_shape {window_shape})")
    lead = aval.ndim - spatial - 1
    if not isinstance(padding, str):
        try:
            pairs = tuple((int(lo), int(hi)) for lo, hi in padding)
        except (TypeError, ValueError):
            raise TypeError(f"{name}: padding must be 'SAME', 'VALID' or a sequence of "
                            f"(low, high) int pairs, got {padding!r}") from None
        if len(pairs) != spatial:
            raise ValueError(f"{name}: padding {pairs} must have one pair per spatial axis")
        padding = ((0, 0),) * lead + pairs + ((0, 0),)
    dims = (1,) * lead + window_shape + (1,)
    steps = (1,) * lead + strides + (1,)
    return lax.reduce_window(inputs, init, computation, dims, steps, padding)


def max_pool(inputs: Any, window_shape: Sequence[int], strides: Sequence[int] | None = None,
             padding: Padding = "VALID") -> Any:
    """The maximum over each window of the spatial axes (channels last).

    Args:
      inputs: ``(batch, *spatial, features)`` or ``(*spatial, features)``.
      window_shape: the window's size along each spatial axis, e.g. ``(2, 2)``.
      strides: its step along each spatial axis (default all 1).
      padding: ``"VALID"``, ``"SAME"`` or one ``(low, high)`` pair per spatial axis; padding
        never wins.

    Returns:
      The pooled array, with the layout of ``inputs``. Its derivative goes to the first
      maximal element of each window (``lax.select_and_scatter_add``).

    Raises:
      ValueError, TypeError: window, strides or padding that do not fit the input's rank.

    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> max_pool(x, (2, 2), strides=(2, 2))[0, :, :, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """
    x = fnp.asarray(inputs)
    return _pool("max_pool", x, _lowest_of(x), lax.max, window_shape, strides, padding)


def min_pool(inputs: Any, window_shape: Sequence[int], strides: Sequence[int] | None = None,
             padding: Padding = "VALID") -> Any:
    """The minimum over each window of the spatial axes (channels last); arguments as
    :func:`max_pool`.

    >>> min_pool(np.array([[3.0], [1.0], [2.0]]), (2,)).tolist()
    [[1.0], [1.0]]
    """
    x = fnp.asarray(inputs)
    dtype = get_aval(x).dtype
    highest = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
    return _pool("min_pool", x, np.asarray(highest, dtype)[()], lax.min, window_shape, strides,
                 padding)


def _lowest_of(x: Any) -> Any:
    dtype = get_aval(x).dtype
    return np.asarray(-np.inf if dtype.kind == "f" else np.iinfo(dtype).min, dtype)[()]


def avg_pool(inputs: Any, window_shape: Sequence[int], strides: Sequence[int] | None = None,
             padding: Padding = "VALID", count_include_pad: bool = True) -> Any:
    """The mean over each window of the spatial axes (channels last).

    Args:
      inputs: as :func:`max_pool`.
      window_shape: as :func:`max_pool`.
      strides: as :func:`max_pool`.
      padding: as :func:`max_pool` (padding adds zeros).
      count_include_pad: divide by the window's size (True) or by the number of real,
        unpadded elements in each window (False).

    Returns:
      The pooled array, with the layout of ``inputs``.

    >>> avg_pool(np.array([[1.0], [2.0], [3.0]]), (2,), (2,), padding="SAME").tolist()
    [[1.5], [1.5]]
    >>> avg_pool(np.array([[1.0], [2.0], [3.0]]), (2,), (2,), padding="SAME",
    ...          count_include_pad=False).tolist()
    [[1.5], [3.0]]
    """
    x = as_float(inputs)
    dtype = get_aval(x).dtype
    zero = np.zeros((), dtype)[()]
    total = _pool("avg_pool", x, zero, lax.add, window_shape, strides, padding)
    if count_include_pad:
        return total / np.asarray(math.prod(window_shape), dtype)[()]
    # The count of real elements per window: the same window sum over ones (known now).
    shape = get_aval(x).shape
    spatial = len(window_shape)
    ones = np.ones((1,) * (len(shape) - spatial - 1) + shape[-spatial - 1:-1] + (1,), dtype)
    counts = _pool("avg_pool", ones, zero, lax.add, window_shape, strides, padding)
    return total / counts
