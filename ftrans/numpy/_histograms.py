"""Binning: digitize, histogram_bin_edges, histogram2d and histogramdd (``histogram`` and
``bincount`` live with the order statistics).

Each sample's bin is a ``searchsorted`` in the (stop-gradient) edges, the last bin closed on the
right as in NumPy, and counts are one ``scatter_add`` into the flattened grid of bins, so counts
have a zero derivative and weighted counts are differentiable in the weights. See
docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import get_aval
from ftrans.lax import gather_scatter
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy._statistics import concrete_array, histogram_edges
from ftrans.numpy._sorting import searchsorted
from ftrans.numpy._shapes import stack

__all__ = ["digitize", "histogram_bin_edges", "histogram2d", "histogramdd"]


def digitize(x: Any, bins: Any, right: bool = False, *, method: str | None = None) -> Any:
    """The index of the bin of each element of ``x`` among monotonic 1-d ``bins``:
    ``bins[i-1] <= x < bins[i]`` (``right=True``: ``bins[i-1] < x <= bins[i]``); decreasing
    bins count from the other end, as in NumPy. Zero derivative.

    Raises:
      ValueError: ``bins`` not 1-d, or concrete bins that are not monotonic.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.digitize(np.array([0.2, 6.4, 3.0, 1.6]), np.array([0.0, 1.0, 2.5, 4.0, 10.0]))
    array([1, 4, 3, 2])
    """
    del method  # JAX's choice of searchsorted algorithm: the same result
    x, bins = asarray_strong(x), asarray_strong(bins)
    if get_aval(bins).ndim != 1:
        raise ValueError("object too deep for desired array" if get_aval(bins).ndim > 1
                         else "object of too small depth for desired array")
    dtype = result_type(x, bins)
    x = lax.stop_gradient(cast(x, dtype))
    bins = lax.stop_gradient(cast(bins, dtype))
    n = get_aval(bins).shape[0]
    if n == 0:
        out = np.zeros(get_aval(x).shape, np.int64)
        return out if out.ndim else out[()]
    value = concrete_array(bins)
    side = "left" if right else "right"
    increasing = searchsorted(bins, x, side=side)
    decreasing = lax.sub(np.int64(n), searchsorted(lax.rev(bins, (0,)), x, side=side))
    if value is not None:
        d = np.diff(value)
        if np.all(d >= 0):
            return increasing
        if np.all(d <= 0):
            return decreasing
        raise ValueError("bins must be monotonically increasing or decreasing")
    first = lax.index_in_dim(bins, 0, 0, False)
    last = lax.index_in_dim(bins, n - 1, 0, False)
    return lax.select_n(lax.ge(last, first), decreasing, increasing)


def histogram_bin_edges(a: Any, bins: Any = 10, range: tuple[float, float] | None = None,  # noqa: A002
                        weights: Any = None) -> Any:
    """The bin edges :func:`ftrans.numpy.histogram` uses (an int number of bins over
    ``range`` or the data's range, or concrete edges returned as given).

    Raises:
      ValueError: bins < 1, non-increasing edges, or a bad range.
      NotImplementedError: a string ``bins``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.histogram_bin_edges(np.array([0.0, 1.0, 3.0]), bins=3)
    array([0., 1., 2., 3.])
    """
    del weights  # NumPy uses them only for string estimators, which are not supported
    a = lax.reshape(asarray_strong(a), (-1,))
    return histogram_edges(a, bins, range)


def _bin_index(values: Any, edges: Any) -> Any:
    """Each value's bin among ``edges`` (the last closed on the right); ``len(edges) - 1``
    for values outside."""
    n_bins = get_aval(edges).shape[0] - 1
    edges = lax.stop_gradient(edges)
    values = lax.stop_gradient(cast(values, get_aval(edges).dtype))
    index = lax.sub(searchsorted(edges, values, side="right"), np.int64(1))
    last = lax.index_in_dim(edges, n_bins, 0, False)
    first = lax.index_in_dim(edges, 0, 0, False)
    index = lax.select_n(lax.eq(values, last), index, np.int64(n_bins - 1))
    inside = lax.bitwise_and(lax.ge(values, first), lax.le(values, last))
    return lax.select_n(inside, np.int64(n_bins), index), inside


def histogramdd(sample: Any, bins: Any = 10, range: Sequence[Any] | None = None,  # noqa: A002
                density: bool | None = None, weights: Any = None) -> tuple[Any, list[Any]]:
    """The ``D``-dimensional histogram of ``N`` points (``sample`` of shape ``(N, D)``, or a
    sequence of ``D`` coordinate arrays). ``bins``: an int, one int per dimension, or one
    (concrete) edge array per dimension; ``range``: one (min, max) per dimension (None for
    the data's range). Returns (counts, list of edges); counts are float64, as in NumPy.

    Raises:
      ValueError: mismatched shapes or numbers of bins.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> h, edges = fnp.histogramdd(np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]]), bins=2)
    >>> h
    array([[1., 0.],
           [1., 1.]])
    """
    if isinstance(sample, (list, tuple)):
        columns = [lax.reshape(asarray_strong(c), (-1,)) for c in sample]
        dtype = result_type(*columns)
        sample = stack([cast(c, dtype) for c in columns], axis=1)
    sample = asarray_strong(sample)
    if get_aval(sample).ndim == 1:
        sample = lax.reshape(sample, (-1, 1))
    if get_aval(sample).ndim != 2:
        raise ValueError(f"histogramdd: sample must be (N, D), got shape "
                         f"{get_aval(sample).shape}")
    n, d = get_aval(sample).shape
    per_dim: Any = bins  # (a bool is not an int here: len() rejects it below)
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        per_dim = [bins] * d
    if len(per_dim) != d:
        raise ValueError("The dimension of bins must be equal to the dimension of the sample x.")
    if range is None:
        range = [None] * d  # noqa: A001
    if len(range) != d:
        raise ValueError(f"histogramdd: range must have one entry per dimension ({d})")
    edges = []
    flat: Any = np.zeros(n, np.int64)
    outside: Any = np.zeros(n, bool)
    sizes = []
    for k in builtins.range(d):
        column = lax.index_in_dim(sample, k, 1, False)
        e = histogram_edges(column, per_dim[k], range[k])
        e = cast(e, result_type(e, 1.0))
        edges.append(e)
        size = get_aval(e).shape[0] - 1
        sizes.append(size)
        index, inside = _bin_index(column, e)
        flat = lax.add(lax.mul(flat, np.int64(size)), lax.min(index, np.int64(size - 1)))
        outside = lax.bitwise_or(outside, lax.bitwise_not(inside))
    total = int(np.prod(sizes))
    flat = lax.select_n(outside, flat, np.int64(total))  # dropped by the scatter
    points = lax.reshape(flat, (n, 1))
    if weights is None:
        updates: Any = np.ones(n, np.float64)
        dtype = np.dtype(np.float64)
    else:
        updates = lax.reshape(asarray_strong(weights), (-1,))
        if get_aval(updates).shape != (n,):
            raise ValueError("histogramdd: weights must have one value per sample point")
        dtype = result_type(updates, 1.0)
        updates = cast(updates, dtype)
    counts = gather_scatter.scatter_add(np.zeros(total, dtype), points, updates, (0,))
    counts = lax.reshape(counts, tuple(sizes))
    if density:
        volume: Any = np.ones((), np.float64)[()]
        for k, e in enumerate(edges):
            widths = lax.sub(lax.slice_in_dim(e, 1, None, 1, 0), lax.slice_in_dim(e, 0, -1, 1, 0))
            shape = [1] * d
            shape[k] = sizes[k]
            volume = lax.mul(volume, lax.reshape(cast(widths, dtype), tuple(shape)))
        counts = lax.div(lax.div(counts, volume), lax.reduce_sum(counts, tuple(builtins.range(d))))
    return counts, edges


def histogram2d(x: Any, y: Any, bins: Any = 10, range: Any = None,  # noqa: A002
                density: bool | None = None, weights: Any = None
                ) -> tuple[Any, Any, Any]:
    """The 2-d histogram of points ``(x, y)``; ``bins`` an int, [int, int], one edge array for
    both, or [x edges, y edges]. Returns (counts, x edges, y edges).

    Raises:
      ValueError: mismatched shapes.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> h, xe, ye = fnp.histogram2d(np.array([0.0, 1.0, 1.0]), np.array([0.0, 1.0, 0.0]), 2)
    >>> h
    array([[1., 0.],
           [1., 1.]])
    """
    if not isinstance(bins, (int, np.integer)) and not isinstance(bins, (list, tuple)):
        bins = [bins, bins]
    elif isinstance(bins, (list, tuple)) and len(bins) != 2:
        bins = [np.asarray(bins), np.asarray(bins)]
    counts, edges = histogramdd([x, y], bins, range, density, weights)
    return counts, edges[0], edges[1]
