"""The array-API half of ``ftrans.numpy.linalg``: matrix_transpose, diagonal, trace, outer,
tensordot, vecdot, cross, vector_norm, matrix_norm, multi_dot, cond, tensorinv, tensorsolve.

These act on the last axes by default (the array API's convention, where the top-level
``ftrans.numpy`` functions of the same names follow NumPy's older ``axis1=0, axis2=1``), and
are written on the top-level functions and ``linalg``'s solves, so every transformation
applies. See docs/linalg.md.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import get_aval
from ftrans.numpy._axes import normalize_axis
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy._linalg import diagonal as diagonal_, outer as outer_, trace as trace_
from ftrans.numpy._linalg import matmul, tensordot as tensordot_
from ftrans.numpy._elementwise import multiply
from ftrans.numpy._reductions import sum as sum_
from ftrans.numpy._calculus import cross as cross_
from ftrans.numpy._linalg_core import LinAlgError, inv, norm, solve, svdvals

__all__ = ["matrix_transpose", "diagonal", "trace", "outer", "tensordot", "vecdot", "cross",
           "vector_norm", "matrix_norm", "multi_dot", "cond", "tensorinv", "tensorsolve"]


def _at_least_2d(x: Any, name: str) -> Any:
    x = asarray_strong(x)
    if get_aval(x).ndim < 2:
        raise ValueError(f"linalg.{name}: x must be at least 2-dimensional, got shape "
                         f"{get_aval(x).shape}")
    return x


def matrix_transpose(x: Any, /) -> Any:
    """Swap the last two axes of ``x`` (at least 2-d).

    Raises:
      ValueError: ``x`` has fewer than two axes.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.matrix_transpose(np.ones((4, 2, 3))).shape
    (4, 3, 2)
    """
    x = _at_least_2d(x, "matrix_transpose")
    ndim = get_aval(x).ndim
    return lax.transpose(x, tuple(range(ndim - 2)) + (ndim - 1, ndim - 2))


def diagonal(x: Any, /, *, offset: int = 0) -> Any:
    """The diagonal ``offset`` of each matrix of ``x`` (the last two axes).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.diagonal(np.arange(4.0).reshape(2, 2))
    array([0., 3.])
    """
    return diagonal_(_at_least_2d(x, "diagonal"), offset, -2, -1)


def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """Sum along the diagonal ``offset`` of each matrix of ``x`` (the last two axes).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.trace(np.stack([np.eye(2), 2 * np.eye(2)]))
    array([2., 4.])
    """
    return trace_(_at_least_2d(x, "trace"), offset, -2, -1, dtype)


def outer(x1: Any, x2: Any, /) -> Any:
    """The outer product of two vectors.

    Raises:
      ValueError: an input that is not 1-d.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.outer(np.array([1.0, 2.0]), np.array([1.0, 0.0, -1.0]))
    array([[ 1.,  0., -1.],
           [ 2.,  0., -2.]])
    """
    x1, x2 = asarray_strong(x1), asarray_strong(x2)
    if get_aval(x1).ndim != 1 or get_aval(x2).ndim != 1:
        raise ValueError(f"linalg.outer: input arrays must be one-dimensional, got shapes "
                         f"{get_aval(x1).shape} and {get_aval(x2).shape}")
    return outer_(x1, x2)


def tensordot(x1: Any, x2: Any, /, *, axes: int | tuple[Sequence[int], Sequence[int]] = 2
              ) -> Any:
    """``ftrans.numpy.tensordot`` with ``axes`` keyword-only (the array API's signature).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    return tensordot_(x1, x2, axes)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """``sum(conj(x1) * x2, axis)``, broadcasting the other axes.

    Raises:
      ValueError: the two vectors differ in length along ``axis``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.vecdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
    array([3., 7.])
    """
    x1, x2 = asarray_strong(x1), asarray_strong(x2)
    dtype = result_type(x1, x2)
    x1, x2 = cast(x1, dtype), cast(x2, dtype)
    s1, s2 = get_aval(x1).shape, get_aval(x2).shape
    ndim = max(len(s1), len(s2))
    if min(len(s1), len(s2)) == 0:
        raise ValueError("linalg.vecdot: inputs must be at least 1-dimensional")
    ax = normalize_axis(axis, ndim)
    n1, n2 = s1[ax - ndim] if ax - ndim >= -len(s1) else 1, \
        s2[ax - ndim] if ax - ndim >= -len(s2) else 1
    if n1 != n2:
        raise ValueError(f"linalg.vecdot: x1 and x2 must have the same size along axis "
                         f"{axis}, got {n1} and {n2}")
    if dtype.kind == "c":
        x1 = lax.conj(x1)
    return sum_(multiply(x1, x2), ax - ndim)


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """The cross product of 3-vectors along ``axis``, broadcasting the other axes.

    Raises:
      ValueError: vectors of a length other than 3.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.cross(np.array([1., 0., 0.]), np.array([0., 1., 0.]))
    array([0., 0., 1.])
    """
    x1, x2 = asarray_strong(x1), asarray_strong(x2)
    for name, x in (("x1", x1), ("x2", x2)):
        shape = get_aval(x).shape
        if not shape or shape[normalize_axis(axis, len(shape))] != 3:
            raise ValueError(f"linalg.cross: {name} must have size 3 along axis {axis}, got "
                             f"shape {shape}")
    return cross_(x1, x2, axis=axis)


def vector_norm(x: Any, /, *, axis: int | tuple[int, ...] | None = None,
                keepdims: bool = False, ord: Any = 2) -> Any:  # noqa: A002
    """The vector ``ord``-norm of ``x`` over ``axis`` (all axes by default, as if flattened;
    a tuple of axes is one flattened vector too). ``ord`` as in :func:`norm` for vectors.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> float(fnp.linalg.vector_norm(np.array([[3.0, 0.0], [0.0, 4.0]])))
    5.0
    """
    x = asarray_strong(x)
    shape = get_aval(x).shape
    ndim = len(shape)
    axes = tuple(range(ndim)) if axis is None else \
        (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(normalize_axis(a, ndim) for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"linalg.vector_norm: repeated axis in {axis}")
    if len(axes) == 1:
        return norm(x, ord, axes[0], keepdims)
    # several axes form one vector: move them last and flatten them into one axis
    rest = tuple(d for d in range(ndim) if d not in axes)
    flat = lax.reshape(lax.transpose(x, rest + axes),
                       tuple(shape[d] for d in rest) + (int(np.prod([shape[d] for d in axes],
                                                                    dtype=int)),))
    out = norm(flat, ord, -1)
    if keepdims:
        out = lax.reshape(out, tuple(1 if d in axes else shape[d] for d in range(ndim)))
    return out


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:  # noqa: A002
    """The matrix ``ord``-norm of each matrix of ``x`` (the last two axes); ``ord`` as in
    :func:`norm` for matrices.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> float(fnp.linalg.matrix_norm(np.diag([3.0, -4.0]), ord=2))
    4.0
    """
    return norm(_at_least_2d(x, "matrix_norm"), ord, (-2, -1), keepdims)


def _chain_order(dims: list[int]) -> list[list[int]]:
    """split[i][j]: where the cheapest product of matrices i..j splits (the classic dynamic
    program over ``dims``, matrix k being ``dims[k] x dims[k + 1]``)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = -1
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(arrays: Sequence[Any], *, precision: Any = None) -> Any:
    """The product of a chain of matrices, multiplied in the cheapest order. The first array
    may be 1-d (a row vector) and the last 1-d (a column vector); the others are 2-d.

    Raises:
      ValueError: fewer than two arrays, or arrays of the wrong rank.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.multi_dot([np.ones(2), np.eye(2), np.ones((2, 3))])
    array([2., 2., 2.])
    """
    arrays = [asarray_strong(a) for a in arrays]
    if len(arrays) < 2:
        raise ValueError("linalg.multi_dot: expecting at least two arrays")
    if len(arrays) == 2:
        return matmul(arrays[0], arrays[1])
    for i, a in enumerate(arrays):
        allowed = (1, 2) if i in (0, len(arrays) - 1) else (2,)
        if get_aval(a).ndim not in allowed:
            raise ValueError(f"linalg.multi_dot: array {i} has {get_aval(a).ndim} dimensions; "
                             f"only the first and last may be 1-d, the others must be 2-d")
    first_vector, last_vector = get_aval(arrays[0]).ndim == 1, get_aval(arrays[-1]).ndim == 1
    if first_vector:
        arrays[0] = lax.expand_dims(arrays[0], (0,))
    if last_vector:
        arrays[-1] = lax.expand_dims(arrays[-1], (1,))
    dims = [get_aval(a).shape[0] for a in arrays] + [get_aval(arrays[-1]).shape[1]]
    split = _chain_order(dims)
    # evaluate the bracketing with an explicit stack (no recursion over the chain)
    results: dict[tuple[int, int], Any] = {(i, i): a for i, a in enumerate(arrays)}
    todo = [(0, len(arrays) - 1)]
    while todo:
        i, j = todo[-1]
        k = split[i][j]
        missing = [p for p in ((i, k), (k + 1, j)) if p not in results]
        if missing:
            todo.extend(missing)
            continue
        todo.pop()
        results[(i, j)] = matmul(results[(i, k)], results[(k + 1, j)])
    out = results[(0, len(arrays) - 1)]
    if first_vector:
        out = lax.squeeze(out, (0,))
    if last_vector:
        out = lax.squeeze(out, (get_aval(out).ndim - 1,))
    return out


def cond(x: Any, p: Any = None) -> Any:
    """The condition number of each matrix of ``x`` in the ``p``-norm: ``s_max / s_min`` for
    ``p`` None, 2 (and the inverse ratio for -2), else ``norm(x, p) * norm(inv(x), p)`` for
    square ``x``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> float(fnp.linalg.cond(np.diag([1.0, 4.0])))
    4.0
    """
    x = _at_least_2d(x, "cond")
    if p is None or p == 2 or p == -2:
        s = svdvals(x)
        last = get_aval(s).ndim - 1
        big = lax.index_in_dim(s, 0, last, False)
        small = lax.index_in_dim(s, get_aval(s).shape[-1] - 1, last, False)
        return lax.div(small, big) if p == -2 else lax.div(big, small)
    return lax.mul(norm(x, p, (-2, -1)), norm(inv(x), p, (-2, -1)))


def tensorinv(a: Any, ind: int = 2) -> Any:
    """The inverse of ``a`` as a linear map from its first ``ind`` axes to the others:
    ``tensordot(tensorinv(a, ind), a, ind)`` is the identity; the result has shape
    ``a.shape[ind:] + a.shape[:ind]``.

    Raises:
      ValueError: ``ind`` not positive, or the two groups of axes of different total size.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.tensorinv(np.eye(4).reshape(4, 2, 2), ind=1).shape
    (2, 2, 4)
    """
    a = asarray_strong(a)
    shape = get_aval(a).shape
    if not isinstance(ind, (int, np.integer)) or ind <= 0:
        raise ValueError(f"linalg.tensorinv: ind must be a positive integer, got {ind!r}")
    rows, cols = int(np.prod(shape[:ind], dtype=int)), int(np.prod(shape[ind:], dtype=int))
    if rows != cols:
        raise ValueError(f"linalg.tensorinv: a.shape[:ind] and a.shape[ind:] must have the "
                         f"same total size, got {shape[:ind]} and {shape[ind:]}")
    return lax.reshape(inv(lax.reshape(a, (rows, cols))), shape[ind:] + shape[:ind])


def tensorsolve(a: Any, b: Any, axes: tuple[int, ...] | None = None) -> Any:
    """Solve ``tensordot(a, x, x.ndim) = b`` for ``x``, of shape ``a.shape[b.ndim:]`` (after
    ``axes`` of ``a`` are moved to the end).

    Raises:
      LinAlgError: the sizes do not make a square system (or it is singular).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.tensorsolve(2 * np.eye(6).reshape(6, 2, 3), np.ones(6)).shape
    (2, 3)
    """
    a, b = asarray_strong(a), asarray_strong(b)
    ndim = get_aval(a).ndim
    if axes is not None:
        order = list(range(ndim))
        for k in axes:
            k = normalize_axis(k, ndim)
            order.remove(k)
            order.append(k)
        a = lax.transpose(a, tuple(order))
    a_shape, b_ndim = get_aval(a).shape, get_aval(b).ndim
    x_shape = a_shape[b_ndim:]
    size = int(np.prod(x_shape, dtype=int))
    b_size = int(np.prod(get_aval(b).shape, dtype=int))
    if int(np.prod(a_shape, dtype=int)) != size * size or b_size != size:
        raise LinAlgError(f"linalg.tensorsolve: a of shape {a_shape} and b of shape "
                          f"{get_aval(b).shape} do not make a square system (prod(a.shape"
                          f"[b.ndim:]) ** 2 must equal a.size)")
    x = solve(lax.reshape(a, (size, size)), lax.reshape(b, (size,)))
    return lax.reshape(x, x_shape)
