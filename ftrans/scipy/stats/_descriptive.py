"""Descriptive statistics: ``mode``, ``rankdata``, ``sem``. ``mode`` and ``rankdata`` compare
every pair of elements along the axis (O(n^2) work and memory), which keeps them plain
elementwise programs that jit and vmap without data-dependent shapes."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ftrans import numpy as fnp
from ftrans.core import get_aval
from ftrans.numpy._promotion import asarray_strong

__all__ = ["ModeResult", "mode", "rankdata", "sem"]


def _check_policy(nan_policy: str, name: str) -> None:
    if nan_policy != "propagate":
        raise NotImplementedError(f"{name}: only nan_policy='propagate' is supported, got "
                                  f"{nan_policy!r}")


class ModeResult(NamedTuple):
    mode: Any
    count: Any


def mode(a: Any, axis: int | None = 0, nan_policy: str = "propagate",
         keepdims: bool = False) -> ModeResult:
    """The most frequent value along ``axis`` (the smallest among ties) and its count.

    >>> import numpy as np
    >>> from ftrans.scipy.stats import mode
    >>> m = mode(np.array([3, 1, 3, 2, 1]))
    >>> int(m.mode), int(m.count)
    (1, 2)
    """
    _check_policy(nan_policy, "mode")
    a = asarray_strong(a)
    if axis is None:
        a, axis = fnp.ravel(a), 0
    a = fnp.moveaxis(a, axis, -1)
    counts = fnp.sum(a[..., :, None] == a[..., None, :], axis=-1)
    best = fnp.max(counts, axis=-1, keepdims=True)
    big = np.asarray(np.inf if get_aval(a).dtype.kind == "f" else np.iinfo(
        get_aval(a).dtype).max, get_aval(a).dtype)[()]
    value = fnp.min(fnp.where(counts == best, a, big), axis=-1)
    count = best[..., 0]
    if keepdims:
        value, count = fnp.expand_dims(value, axis), fnp.expand_dims(count, axis)
    return ModeResult(value, count)


def rankdata(a: Any, method: str = "average", *, axis: int | None = None,
             nan_policy: str = "propagate") -> Any:
    """Ranks from 1, ties resolved by ``method``: ``average``, ``min``, ``max``, ``dense`` or
    ``ordinal`` (float64 for ``average``, int64 otherwise, as SciPy).

    >>> import numpy as np
    >>> from ftrans.scipy.stats import rankdata
    >>> rankdata(np.array([10, 20, 10, 30])).tolist()
    [1.5, 3.0, 1.5, 4.0]
    """
    _check_policy(nan_policy, "rankdata")
    methods = ("average", "min", "max", "dense", "ordinal")
    if method not in methods:
        raise ValueError(f"rankdata: method must be one of {methods}, got {method!r}")
    a = asarray_strong(a)
    if axis is None:
        a, axis = fnp.ravel(a), -1
    a = fnp.moveaxis(a, axis, -1)
    n = get_aval(a).shape[-1]
    left, right = a[..., :, None], a[..., None, :]
    less = fnp.sum(right < left, axis=-1)
    equal = fnp.sum(right == left, axis=-1)
    if method == "average":
        ranks = less + (equal + 1) / 2.0
    elif method == "min":
        ranks = less + 1
    elif method == "max":
        ranks = less + equal
    elif method == "dense":
        group = fnp.sum(left == right, axis=-2)  # tie-group size of each j
        ranks = fnp.sum(fnp.where(right < left, 1.0 / group[..., None, :], 0.0), axis=-1)
        ranks = fnp.round(ranks).astype(np.int64) + 1
    else:
        earlier = np.tril(np.ones((n, n), bool), -1)  # j < i
        ranks = less + fnp.sum((right == left) & earlier, axis=-1) + 1
    if method != "average":
        ranks = ranks.astype(np.int64)
    return fnp.moveaxis(ranks, -1, axis)


def sem(a: Any, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *,
        keepdims: bool = False) -> Any:
    """The standard error of the mean: ``std(a, ddof) / sqrt(n)`` along ``axis``.

    >>> import numpy as np
    >>> from ftrans.scipy.stats import sem
    >>> round(float(sem(np.array([1.0, 2.0, 3.0, 4.0]))), 12)
    0.645497224368
    """
    _check_policy(nan_policy, "sem")
    a = asarray_strong(a)
    if axis is None:
        a, axis = fnp.ravel(a), 0
    n = get_aval(a).shape[axis]
    return fnp.std(a, axis=axis, ddof=ddof, keepdims=keepdims) / np.sqrt(n)
