"""``associative_scan``: all prefix combinations of an associative operation, in O(log n)
vectorized steps.

Written in lax calls (strided slices, concatenation, the user's ``fn`` on whole slices), so it
needs no primitive and no rules of its own: every transformation sees the slices and ``fn``'s
primitives. The recursion pairs neighbours (x0 + x1, x2 + x3, ...), scans the pairs (which
gives the prefixes at odd positions), then combines each odd prefix with the next even element
to give the even positions: log2(n) levels, about 2n applications of ``fn`` in total. See
docs/control_flow.md, "associative_scan".
"""

from __future__ import annotations

from typing import Any, Callable

from ftrans.core import get_aval
from ftrans.tree_util import tree_flatten, tree_unflatten
from ftrans.lax.indexing import slice_in_dim
from ftrans.lax.structural import concatenate, expand_dims, reshape, rev

__all__ = ["associative_scan"]


def associative_scan(fn: Callable[[Any, Any], Any], elems: Any, reverse: bool = False,
                     axis: int = 0) -> Any:
    """Inclusive scan of ``elems`` along ``axis`` with an associative ``fn``:
    ``out[i] = fn(... fn(fn(elems[0], elems[1]), elems[2]) ..., elems[i])``.

    ``fn(a, b)`` must be associative and vectorized: it is applied to whole slices of the
    leaves at once (pytrees of arrays shaped like ``elems`` without some of ``axis``).

    Args:
      fn: the associative combination of two pytrees shaped like ``elems``.
      elems: a pytree of arrays sharing the length of ``axis``.
      reverse: scan from the end (``out[i]`` combines ``elems[i:]``).
      axis: the axis to scan along.

    Returns:
      A pytree like ``elems``.

    Raises:
      ValueError: leaves of different lengths along ``axis``, or a bad ``axis``.

    >>> import numpy as np
    >>> from ftrans import lax
    >>> lax.associative_scan(lax.add, np.arange(1.0, 6.0))
    array([ 1.,  3.,  6., 10., 15.])
    >>> lax.associative_scan(lax.max, np.array([1., 3., 2., 5., 4.]), reverse=True)
    array([5., 5., 5., 5., 4.])
    """
    leaves, tree = tree_flatten(elems)
    if not leaves:
        return elems
    avals = [get_aval(x) for x in leaves]
    ndim = avals[0].ndim
    if not isinstance(axis, int) or not -ndim <= axis < max(ndim, 1) or ndim == 0:
        raise ValueError(f"associative_scan: axis {axis!r} is out of range for leaves of rank "
                         f"{ndim} (scalars cannot be scanned)")
    axis %= ndim
    lengths = {a.shape[axis] if a.ndim > axis else None for a in avals}
    if len(lengths) != 1 or None in lengths:
        raise ValueError(f"associative_scan: every leaf of elems needs the same length along "
                         f"axis {axis}, got shapes {[a.shape for a in avals]}")

    def combine(a: list[Any], b: list[Any]) -> list[Any]:
        out, out_tree = tree_flatten(fn(tree_unflatten(tree, a), tree_unflatten(tree, b)))
        if out_tree != tree:
            raise ValueError(f"associative_scan: fn must return a pytree like elems "
                             f"({tree}), got {out_tree}")
        return out

    def part(xs: list[Any], start: int, limit: int | None, stride: int = 1) -> list[Any]:
        return [slice_in_dim(x, start, limit, stride, axis) for x in xs]

    def interleave(evens: Any, odds: Any) -> Any:
        # evens has as many elements as odds, or one more: e0 o0 e1 o1 ...
        n_odd = get_aval(odds).shape[axis]
        pairs = concatenate([expand_dims(slice_in_dim(evens, 0, n_odd, 1, axis), (axis + 1,)),
                             expand_dims(odds, (axis + 1,))], axis + 1)
        shape = list(get_aval(pairs).shape)
        merged = reshape(pairs, shape[:axis] + [2 * n_odd] + shape[axis + 2:])
        if get_aval(evens).shape[axis] > n_odd:
            merged = concatenate([merged, slice_in_dim(evens, n_odd, None, 1, axis)], axis)
        return merged

    def scan(xs: list[Any]) -> list[Any]:
        n = get_aval(xs[0]).shape[axis]
        if n < 2:
            return xs
        odd_prefix = scan(combine(part(xs, 0, n - 1, 2), part(xs, 1, None, 2)))
        n_even_rest = (n + 1) // 2 - 1  # even positions 2, 4, ...
        even_rest = combine(part(odd_prefix, 0, n_even_rest), part(xs, 2, None, 2))
        evens = [concatenate([first, rest], axis)
                 for first, rest in zip(part(xs, 0, 1), even_rest)]
        return [interleave(e, o) for e, o in zip(evens, odd_prefix)]

    if reverse:
        leaves = [rev(x, (axis,)) for x in leaves]
    out = scan(list(leaves))
    if reverse:
        out = [rev(x, (axis,)) for x in out]
    return tree_unflatten(tree, out)
