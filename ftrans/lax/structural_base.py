"""Helpers shared by the structural primitives (and by indexing and gather / scatter):
canonical and checked dimension tuples, batch-axis shifts, and ``bind_checked``, which runs a
primitive's shape rule on the user's arguments before binding it. See docs/internals.md,
"Primitives".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval

__all__ = [
    "bind_checked", "canonicalize_dims", "check_sorted_dims", "scalar_like",
    "shift_dims_past_batch",
]


def canonicalize_dims(name: str, dims: Sequence[int] | int, ndim: int) -> tuple[int, ...]:
    """``dims`` as a sorted tuple of distinct non-negative axes of a rank-``ndim`` array
    (negative values count from the end)."""
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    out = []
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"{name}: dimensions must be ints, got {dims!r}")
        if not -ndim <= d < ndim:
            raise ValueError(f"{name}: dimensions {dims} name axis {int(d)}, out of bounds for "
                             f"an array of rank {ndim}")
        out.append(int(d) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: dimensions {dims} repeat an axis")
    return tuple(sorted(out))


def check_sorted_dims(name: str, x: ShapedArray, dims: tuple[int, ...]) -> None:
    if any(not 0 <= d < x.ndim for d in dims) or list(dims) != sorted(set(dims)):
        raise ValueError(f"{name}: dimensions {dims} must be distinct, sorted axes of "
                         f"{x.str_short()}")


def shift_dims_past_batch(dims: tuple[int, ...], bdim: int) -> tuple[int, ...]:
    """Logical axes of an unbatched value -> the same axes of the value with its batch axis."""
    return tuple(d + (d >= bdim) for d in dims)


def scalar_like(value: Any, dtype: np.dtype) -> Any:
    return np.asarray(value, dtype=dtype)[()]


def bind_checked(prim: Primitive, *args: Any, **params: Any) -> Any:
    """``prim.bind`` after its shape rule has checked the user's arguments.

    Evaluation calls only the impl, so without this an eager misuse would surface as a NumPy
    error (or a wrong result), and under vmap a misuse would be reported by the batching rule in
    terms of batched shapes; checked here, the error names the user's own shapes and params.
    """
    prim.abstract_eval(*[get_aval(a) for a in args], **params)
    return prim.bind(*args, **params)
