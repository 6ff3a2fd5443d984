"""Argument makers and shape strategies shared by the ftrans.numpy spec tables."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from tests.spec_util import shapes


def scalar_or_array(x: np.ndarray, shape: tuple[int, ...]) -> Any:
    return x if shape else x[()]


def nonzero_divisor(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """(x, y) with |y| in [0.5, 2] (floats) or [1, 5] (integers), either sign."""
    dtype = np.dtype(dtype)
    xs, ys = arg_shapes
    if dtype.kind in "iu":
        x = rng.integers(-20 if dtype.kind == "i" else 0, 20, xs)
        y = rng.integers(1, 6, ys) * (rng.choice([-1, 1], ys) if dtype.kind == "i" else 1)
    else:
        x = rng.uniform(-4, 4, xs)
        y = rng.uniform(0.5, 2, ys) * rng.choice([-1, 1], ys)
    return (scalar_or_array(x.astype(dtype), xs), scalar_or_array(y.astype(dtype), ys))


def away_from_integers(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """Values at least 0.1 from any integer (so rounding is stable under finite
    differences)."""
    out = []
    for s in arg_shapes:
        x = rng.integers(-3, 3, s) + rng.uniform(0.1, 0.9, s)
        out.append(scalar_or_array(x.astype(dtype), s))
    return tuple(out)


def distinct_values(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """Arrays whose elements are well separated (no near-ties for max / argmax / sort-like
    functions, so finite differences do not cross a kink)."""
    out = []
    for s in arg_shapes:
        n = int(np.prod(s))
        x = (rng.permutation(n) * 0.5 - n / 4 + rng.uniform(-0.1, 0.1, n)).reshape(s)
        out.append(scalar_or_array(x.astype(dtype), s))
    return tuple(out)


def positive(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    return tuple(scalar_or_array(rng.uniform(0.5, 2.0, s).astype(dtype), s)
                 for s in arg_shapes)


def ranked(min_rank: int, max_rank: int = 3, max_side: int = 4) -> st.SearchStrategy:
    """One shape of rank in [min_rank, max_rank]."""
    return shapes(min_rank, max_rank, 1, max_side).map(lambda s: (s,))
