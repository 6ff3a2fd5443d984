"""``ravel_pytree``: a pytree of arrays as one flat vector, and the function back.

The flat vector is the concatenation of the raveled leaves (in ``tree_flatten`` order, so
dictionaries by sorted key) in their promoted dtype; the inverse slices, reshapes and casts
each piece back to its leaf's shape and dtype. Both directions are written in ``ftrans.numpy``
calls, so they are differentiable and batchable like any program (``jax.flatten_util``'s
name). See docs/pytrees.md.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

import ftrans.numpy as fnp
from ftrans.core import get_aval
from ftrans.tree_util import tree_flatten, tree_unflatten

__all__ = ["ravel_pytree"]


def ravel_pytree(pytree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """Ravel every leaf of ``pytree`` and concatenate them into one 1-d array.

    Args:
      pytree: a pytree whose leaves are arrays or scalars (possibly traced).

    Returns:
      ``(flat, unravel)``: ``flat`` has the leaves' promoted dtype (float64 for an empty
      tree); ``unravel(v)`` rebuilds a pytree of the same structure, each leaf with its
      original shape and dtype, from a vector shaped like ``flat``.

    Raises:
      ValueError: when ``unravel`` receives a vector of the wrong shape.

    >>> import numpy as np
    >>> flat, unravel = ravel_pytree({'a': 1.0, 'b': np.arange(3.0)})
    >>> flat
    array([1., 0., 1., 2.])
    >>> unravel(flat * 2)['b']
    array([0., 2., 4.])
    """
    leaves, treedef = tree_flatten(pytree)
    avals = [get_aval(leaf) for leaf in leaves]
    dtype = np.result_type(*[a.dtype for a in avals]) if avals else np.dtype(np.float64)
    sizes = [int(np.prod(a.shape, dtype=np.int64)) for a in avals]
    if leaves:
        flat = fnp.concatenate([fnp.ravel(fnp.asarray(leaf, dtype=dtype)) for leaf in leaves])
    else:
        flat = fnp.zeros((0,), dtype)
    total = sum(sizes)

    def unravel(vector: Any) -> Any:
        shape = get_aval(vector).shape
        if shape != (total,):
            raise ValueError(f"ravel_pytree's unravel expects a vector of shape ({total},), "
                             f"got shape {shape}")
        pieces, start = [], 0
        for aval, size in zip(avals, sizes):
            piece = fnp.reshape(vector[start:start + size], aval.shape)
            if aval.dtype.kind != "c" and fnp.iscomplexobj(piece):
                piece = fnp.real(piece)  # the leaf was real: its part of the vector is too
            pieces.append(piece.astype(aval.dtype))
            start += size
        return tree_unflatten(treedef, pieces)

    return flat, unravel
