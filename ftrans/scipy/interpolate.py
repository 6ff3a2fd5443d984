"""``ftrans.scipy.interpolate``: interpolation on a regular (rectilinear) grid.

``RegularGridInterpolator`` finds each query's cell by ``searchsorted`` per axis and blends
the ``2**d`` corner values (linear) or picks the nearest one; the result is differentiable in
the values and (linear) the query points, and the interpolator is a pytree, so it can be
passed through ``jit`` and ``vmap``.
"""

from __future__ import annotations

import itertools
from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import Tracer, get_aval
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.tree_util import register_pytree_node_class
from ftrans.numpy._sorting import searchsorted
from ftrans.lax import gather_scatter
from ftrans.numpy._indexing import take

__all__ = ["RegularGridInterpolator"]

_METHODS = ("linear", "nearest")


@register_pytree_node_class
class RegularGridInterpolator:
    """Interpolation of ``values`` given on the grid ``points`` (one increasing 1-d array
    per axis), as ``scipy.interpolate.RegularGridInterpolator``.

    Args:
      points: the grid coordinates, one strictly increasing 1-d array per axis.
      values: the values on the grid, of shape ``(len(p) for p in points) + extra``.
      method: 'linear' or 'nearest'.
      bounds_error: must be False (out-of-bounds queries are filled, as in JAX).
      fill_value: the value outside the grid (default NaN); None extrapolates.

    Raises:
      ValueError: mismatched shapes, a bad method, ``bounds_error=True``, or a grid that is
        not strictly increasing (when concrete).

    >>> import numpy as np
    >>> from ftrans.scipy.interpolate import RegularGridInterpolator
    >>> f = RegularGridInterpolator((np.array([0.0, 1.0]), np.array([0.0, 2.0])),
    ...                             np.array([[0.0, 2.0], [1.0, 3.0]]))
    >>> f(np.array([[0.5, 1.0], [2.0, 0.0]]))
    array([1.5, nan])
    """

    def __init__(self, points: Sequence[Any], values: Any, method: str = "linear",
                 bounds_error: bool = False, fill_value: Any = np.nan) -> None:
        if method not in _METHODS:
            raise ValueError(f"RegularGridInterpolator: method must be 'linear' or 'nearest', "
                             f"got {method!r}")
        if bounds_error:
            raise ValueError("RegularGridInterpolator: bounds_error=True is not supported "
                             "(queries outside the grid get fill_value)")
        values = asarray_strong(values)
        grid = tuple(asarray_strong(p) for p in points)
        shape = get_aval(values).shape
        if len(grid) > len(shape):
            raise ValueError(f"there are {len(grid)} point arrays, but values has "
                             f"{len(shape)} dimensions")
        for i, p in enumerate(grid):
            if get_aval(p).ndim != 1:
                raise ValueError(f"the points in dimension {i} must be 1-dimensional")
            if get_aval(p).shape[0] != shape[i]:
                raise ValueError(f"there are {get_aval(p).shape[0]} points and {shape[i]} "
                                 f"values in dimension {i}")
            if not isinstance(p, Tracer) and np.any(np.less_equal(np.diff(np.asarray(p)), 0)):
                raise ValueError(f"the points in dimension {i} must be strictly ascending")
        dtype = result_type(values, *grid, 1.0)
        self.grid = tuple(cast(p, dtype) for p in grid)
        self.values = cast(values, dtype)
        self.method = method
        self.fill_value = fill_value

    def tree_flatten(self) -> tuple[tuple[Any, ...], tuple[str, Any, int]]:
        return (self.grid, self.values), (self.method, self.fill_value, len(self.grid))

    @classmethod
    def tree_unflatten(cls, aux: tuple[str, Any, int], children: Any
                       ) -> RegularGridInterpolator:
        out = object.__new__(cls)
        out.grid, out.values = children
        out.method, out.fill_value, _ = aux
        return out

    def __call__(self, xi: Any, method: str | None = None) -> Any:
        """The interpolated values at ``xi`` (shape ``(..., d)``; a 1-d ``xi`` of length
        ``d > 1`` is one point, giving shape ``(1,) + extra``). The result has shape
        ``xi.shape[:-1] + extra``.

        Raises:
          ValueError: ``xi``'s last axis is not the grid's dimension, or a bad method.
        """
        method = self.method if method is None else method
        if method not in _METHODS:
            raise ValueError(f"method must be 'linear' or 'nearest', got {method!r}")
        d = len(self.grid)
        xi = cast(asarray_strong(xi), get_aval(self.values).dtype)
        shape = get_aval(xi).shape
        if d == 1 and (len(shape) == 0 or shape[-1] != 1):
            xi = lax.reshape(xi, shape + (1,))
            shape = shape + (1,)
        if len(shape) == 1 and shape[0] == d:
            xi = lax.reshape(xi, (1, d))
            shape = (d,)
            batch: tuple[int, ...] = (1,)  # one point, as SciPy
        else:
            if shape[-1] != d:
                raise ValueError(f"the requested sample points xi have dimension "
                                 f"{shape[-1]}, but this RegularGridInterpolator has "
                                 f"dimension {d}")
            batch = shape[:-1]
        flat = lax.reshape(xi, (-1, d))
        m = get_aval(flat).shape[0]
        extra = get_aval(self.values).shape[d:]
        indices, weights, outside = [], [], None
        for k, g in enumerate(self.grid):
            x = lax.index_in_dim(flat, k, 1, False)
            n = get_aval(g).shape[0]
            if n == 1:
                i = np.zeros(m, np.int64)
                t = np.zeros(m, get_aval(x).dtype)
            else:
                i = lax.sub(searchsorted(lax.stop_gradient(g), lax.stop_gradient(x)),
                            np.int64(1))
                i = lax.max(lax.min(i, np.int64(n - 2)), np.int64(0))
                lo, hi = take(g, i), take(g, lax.add(i, np.int64(1)))
                t = lax.div(lax.sub(x, lo), lax.sub(hi, lo))
            out_k = lax.bitwise_or(lax.lt(x, lax.index_in_dim(g, 0, 0, False)),
                                   lax.gt(x, lax.index_in_dim(g, n - 1, 0, False)))
            outside = out_k if outside is None else lax.bitwise_or(outside, out_k)
            indices.append(i)
            weights.append(t)
        if method == "nearest":
            # SciPy rounds halves down (to the lower grid point)
            corner = [lax.add(i, lax.convert_element_type(
                lax.gt(t, np.asarray(0.5, get_aval(t).dtype)[()]), np.int64))
                if get_aval(g).shape[0] > 1 else i
                for i, t, g in zip(indices, weights, self.grid)]
            points = lax.concatenate([lax.reshape(c, (m, 1)) for c in corner], 1)
            result = gather_scatter.gather(self.values, points, tuple(range(d)))
        else:
            result = None
            for bits in itertools.product((0, 1), repeat=d):
                w: Any = None
                corner = []
                for b, i, t, g in zip(bits, indices, weights, self.grid):
                    single = get_aval(g).shape[0] == 1
                    corner.append(i if b == 0 or single else lax.add(i, np.int64(1)))
                    one = np.ones((), get_aval(t).dtype)[()]
                    factor = (one if single and b == 0 else
                              np.zeros((), get_aval(t).dtype)[()] if single else
                              t if b else lax.sub(one, t))
                    w = factor if w is None else lax.mul(w, factor)
                points = lax.concatenate([lax.reshape(c, (m, 1)) for c in corner], 1)
                vals = gather_scatter.gather(self.values, points, tuple(range(d)))
                w = lax.broadcast_to(w, (m,)) if get_aval(w).shape != (m,) else w
                term = lax.mul(vals, lax.reshape(w, (m,) + (1,) * len(extra)))
                result = term if result is None else lax.add(result, term)
        if self.fill_value is not None:
            fill = cast(asarray_strong(self.fill_value), get_aval(result).dtype)
            mask = lax.reshape(outside, (m,) + (1,) * len(extra))
            result = lax.select_n(mask, result, lax.broadcast_to(fill, get_aval(result).shape))
        return lax.reshape(result, batch + extra)
