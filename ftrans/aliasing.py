"""Outputs never share memory with inputs: the arrays a transformation returns are the caller's.

NumPy arrays are mutable, so a result that is an input (``jvp(lambda x: x, ...)``), a view of
one (a reshape, a slice, a transpose), or a constant a cache holds would let a caller's write
into the result change their input, or every later call. These helpers copy exactly those
results and nothing else, so the common case (a freshly computed array) costs one check.
See docs/internals.md, "Outputs and aliasing".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["buffer_root", "detach", "detach_all", "detach_by_id", "detach_from"]


def buffer_root(x: np.ndarray) -> Any:
    """The object that owns ``x``'s memory: the end of its chain of ``.base`` references."""
    while True:
        base = x.base
        if base is None:
            return x
        if not isinstance(base, np.ndarray):
            return base
        x = base


def detach(x: Any, sources: Sequence[Any] = ()) -> Any:
    """``x``, copied when it is a view (of anything) or one of ``sources``; other values
    (fresh arrays, NumPy and Python scalars, which are immutable) as they are."""
    if type(x) is not np.ndarray:
        return x
    if x.base is not None:
        return x.copy()
    for s in sources:
        if x is s:
            return x.copy()
    return x


def detach_by_id(x: Any, source_ids: set[int]) -> Any:
    """:func:`detach` for many sources, given by ``id`` (the sources are alive meanwhile)."""
    if type(x) is not np.ndarray:
        return x
    if x.base is not None or id(x) in source_ids:
        return x.copy()
    return x


def detach_all(x: Any) -> Any:
    """A copy of an array (a cached constant returned as an output); scalars as they are."""
    return x.copy() if type(x) is np.ndarray else x


def detach_from(outputs: list[Any], inputs: Sequence[Any]) -> list[Any]:
    """``outputs`` as a transformation hands them to its caller: each array that shares
    memory with one of ``inputs`` (found by owner of the memory, so views of views are found
    in time linear in the leaves) or is read-only (a broadcast view) is copied."""
    roots = None
    result = outputs
    for i, out in enumerate(outputs):
        if type(out) is not np.ndarray:
            continue
        if out.flags.writeable:
            if roots is None:  # owners of the inputs' memory (an input owns itself)
                roots = {id(buffer_root(a)) for a in inputs if type(a) is np.ndarray}
            if id(buffer_root(out)) not in roots:
                continue
        if result is outputs:
            result = list(outputs)
        result[i] = out.copy()
    return result
