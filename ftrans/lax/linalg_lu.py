"""LU decomposition with partial pivoting: ``lu`` and ``lu_pivots_to_permutation``.

``lu_p`` maps ``(..., m, n)`` matrices to ``[lu, pivots, permutation]`` as LAPACK's ``getrf``
does: ``lu`` holds the unit lower factor ``L`` below its diagonal and the upper factor ``U`` on
and above it, ``pivots[i]`` is the row swapped with row ``i`` at step ``i``, and
``a[permutation] == L @ U``. The factorisation is written in NumPy (one vectorised elimination
step per column, over every leading axis at once). The jvp, on the leading square block, is
``dL = L tril(X, -1)``, ``dU = triu(X) U`` with ``X = L^-1 P dA U^-1``; the remaining rows of
``L`` (tall) or columns of ``U`` (wide) follow by one more triangular solve. See
docs/linalg.md.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.jvp import Zero, defjvp_zero, jvp_rules
from ftrans.lax.elementwise import add, convert_element_type, eq, mul, sub
from ftrans.lax.indexing import slice  # noqa: A004  (lax's name)
from ftrans.lax.linalg_decompositions import (
    bind_checked, check_matrix, identity_matrix, leading_batch, matrix_product, swap_last, tri_mask,
    triangular_solve_p,
)
from ftrans.lax.structural import broadcasted_iota, concatenate, expand_dims

# ---------------------------------------------------------------------------------------------
# lu
# ---------------------------------------------------------------------------------------------


def _lu_impl(a: Any) -> list[Any]:
    a = np.array(a)  # a copy, factored in place
    *lead, m, n = a.shape
    k = min(m, n)
    flat = a.reshape((-1, m, n))
    batch = np.arange(flat.shape[0])
    pivots = np.zeros((flat.shape[0], k), np.int32)
    perm = np.tile(np.arange(m, dtype=np.int32), (flat.shape[0], 1))
    for j in range(k):
        column = flat[:, j:, j]
        # LAPACK's pivot: the largest |re| + |im| (the modulus, for real matrices)
        size = np.abs(column.real) + np.abs(column.imag) if a.dtype.kind == "c" else \
            np.abs(column)
        p = j + np.argmax(size, axis=1)
        pivots[:, j] = p
        rows_j, rows_p = flat[batch, j].copy(), flat[batch, p].copy()
        flat[batch, j], flat[batch, p] = rows_p, rows_j
        perm[batch, j], perm[batch, p] = perm[batch, p], perm[batch, j].copy()
        pivot = flat[:, j, j][:, None]
        # a zero pivot means the column below it is zero too: its multipliers are 0 (getrf)
        safe = np.where(pivot == 0, np.ones((), a.dtype), pivot)
        flat[:, j + 1:, j] = flat[:, j + 1:, j] / safe
        flat[:, j + 1:, j + 1:] -= flat[:, j + 1:, j, None] * flat[:, j, None, j + 1:]
    shape = tuple(lead)
    return [flat.reshape(a.shape), pivots.reshape(shape + (k,)), perm.reshape(shape + (m,))]


def _lu_abstract_eval(a: ShapedArray) -> list[ShapedArray]:
    check_matrix("lu", a, square=False)
    *lead, m, n = a.shape
    lead = tuple(lead)
    return [a, make_aval(lead + (min(m, n),), np.int32), make_aval(lead + (m,), np.int32)]


lu_p = Primitive("lu", impl=_lu_impl, abstract_eval=_lu_abstract_eval, multiple_results=True)


def lu(x: Any) -> list[Any]:
    """LU decomposition with partial pivoting of ``(..., m, n)`` matrices:
    ``[lu, pivots, permutation]`` (``lu`` packs unit-lower ``L`` and upper ``U``; ``pivots``
    are LAPACK's row swaps, 0-based, int32; ``x[..., permutation, :] == L @ U``).

    Differentiable in ``lu`` (the leading ``k x k`` block of ``U``, ``k = min(m, n)``, must
    be nonsingular); a singular matrix factors (``U`` has a zero on its diagonal) but its
    derivative is infinite.

    Raises:
      TypeError: a non-floating matrix. LinAlgError: rank below 2.

    >>> import numpy as np
    >>> lu_, pivots, perm = lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> lu_, perm
    (array([[3.        , 4.        ],
           [0.33333333, 0.66666667]]), array([1, 0], dtype=int32))
    """
    return bind_checked(lu_p, x)


def permutation_matrix(perm: Any, dtype: Any) -> Any:
    """``P`` with ``P @ x == x[..., perm, :]``: one-hot rows, ``P[i, perm[i]] = 1``."""
    aval = get_aval(perm)
    m = aval.shape[-1]
    columns = broadcasted_iota(aval.dtype, aval.shape + (m,), aval.ndim)
    return convert_element_type(eq(expand_dims(perm, (aval.ndim,)), columns), dtype)


def _square_lu_tangent(l_factor: Any, u_factor: Any, x: Any) -> tuple[Any, Any]:
    """``(dL, dU)`` for square unit-lower ``L``, upper ``U`` and ``x = P dA``:
    ``X = L^-1 x U^-1``, ``dL = L tril(X, -1)``, ``dU = triu(X) U``."""
    aval = get_aval(l_factor)
    n, dtype = aval.shape[-1], aval.dtype
    x = triangular_solve_p.bind(l_factor, x, lower=True, transpose_a=False, unit_diagonal=True)
    # X U = x  <=>  U^T X^T = x^T
    x = swap_last(triangular_solve_p.bind(u_factor, swap_last(x), lower=False,
                                           transpose_a=True, unit_diagonal=False))
    return (matrix_product(l_factor, mul(x, tri_mask(n, dtype, True, -1))),
            matrix_product(mul(x, tri_mask(n, dtype, False)), u_factor))


def _columns(x: Any, start: int, stop: int) -> Any:
    shape = get_aval(x).shape
    return slice(x, (0,) * len(shape[:-1]) + (start,), shape[:-1] + (stop,))


def _rows(x: Any, start: int, stop: int) -> Any:
    return swap_last(_columns(swap_last(x), start, stop))


def _lu_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    (a,), (a_dot,) = primals, tangents
    lu_, pivots, perm = lu_p.bind(a)
    if type(a_dot) is Zero:
        return [lu_, pivots, perm], [Zero.like(lu_), Zero.like(pivots), Zero.like(perm)]
    m, n = get_aval(a).shape[-2:]
    k = min(m, n)
    dtype = get_aval(a).dtype
    ndim = get_aval(a).ndim
    # the square k x k factors; the rest of L (tall) or of U (wide) follows from them
    square = _columns(_rows(lu_, 0, k), 0, k)
    l_factor = add(mul(square, tri_mask(k, dtype, True, -1)), identity_matrix(k, dtype))
    u_factor = mul(square, tri_mask(k, dtype, False))
    x = matrix_product(permutation_matrix(perm, dtype), a_dot)
    l_dot, u_dot = _square_lu_tangent(l_factor, u_factor, _columns(_rows(x, 0, k), 0, k))
    if m > n:  # dA2 = dL2 U + L2 dU  =>  dL2 = (dA2 - L2 dU) U^-1
        rest = sub(_rows(x, k, m), matrix_product(_rows(lu_, k, m), u_dot))
        l2_dot = swap_last(triangular_solve_p.bind(u_factor, swap_last(rest), lower=False,
                                                    transpose_a=True, unit_diagonal=False))
        lu_dot = concatenate([add(l_dot, u_dot), l2_dot], ndim - 2)
    elif n > m:  # dA2 = dL U2 + L dU2  =>  dU2 = L^-1 (dA2 - dL U2)
        rest = sub(_columns(x, k, n), matrix_product(l_dot, _columns(lu_, k, n)))
        u2_dot = triangular_solve_p.bind(l_factor, rest, lower=True, transpose_a=False,
                                         unit_diagonal=True)
        lu_dot = concatenate([add(l_dot, u_dot), u2_dot], ndim - 1)
    else:
        lu_dot = add(l_dot, u_dot)
    return [lu_, pivots, perm], [lu_dot, Zero.like(pivots), Zero.like(perm)]


jvp_rules[lu_p] = _lu_jvp
leading_batch(lu_p)


# ---------------------------------------------------------------------------------------------
# lu_pivots_to_permutation
# ---------------------------------------------------------------------------------------------


def _pivots_impl(pivots: Any, *, permutation_size: int) -> Any:
    pivots = np.asarray(pivots)
    flat = pivots.reshape((-1, pivots.shape[-1]))
    batch = np.arange(flat.shape[0])
    perm = np.tile(np.arange(permutation_size, dtype=np.int32), (flat.shape[0], 1))
    for j in range(flat.shape[1]):
        p = flat[:, j]
        perm[batch, j], perm[batch, p] = perm[batch, p], perm[batch, j].copy()
    return perm.reshape(pivots.shape[:-1] + (permutation_size,))


def _pivots_abstract_eval(pivots: ShapedArray, *, permutation_size: int) -> ShapedArray:
    if pivots.dtype.kind not in "iu" or pivots.ndim < 1:
        raise TypeError(f"lu_pivots_to_permutation needs integer pivots of rank >= 1, got "
                        f"{pivots.str_short()}")
    if pivots.shape[-1] > permutation_size:
        raise ValueError(f"lu_pivots_to_permutation: {pivots.shape[-1]} pivots do not fit a "
                         f"permutation of size {permutation_size}")
    return make_aval(pivots.shape[:-1] + (permutation_size,), np.int32)


lu_pivots_to_permutation_p = Primitive("lu_pivots_to_permutation", impl=_pivots_impl,
                                       abstract_eval=_pivots_abstract_eval)


def lu_pivots_to_permutation(pivots: Any, permutation_size: int) -> Any:
    """The permutation that LAPACK-style row swaps ``pivots`` (``(..., k)``) apply to
    ``range(permutation_size)``.

    >>> import numpy as np
    >>> lu_pivots_to_permutation(np.array([2, 2, 2], np.int32), 3)
    array([2, 0, 1], dtype=int32)
    """
    return bind_checked(lu_pivots_to_permutation_p, pivots,
                         permutation_size=int(permutation_size))


defjvp_zero(lu_pivots_to_permutation_p)
leading_batch(lu_pivots_to_permutation_p)

__all__ = ["lu", "lu_p", "lu_pivots_to_permutation", "lu_pivots_to_permutation_p",
           "permutation_matrix"]
