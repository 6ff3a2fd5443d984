"""Factorizations and solves of ``ftrans.scipy.linalg``: cholesky / cho_factor / cho_solve,
solve_triangular, lu / lu_factor / lu_solve, solve, inv, det, qr, svd, eigh, schur. See
docs/linalg.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax, numpy as fnp
from ftrans.core import get_aval
from ftrans.lax import linalg_decompositions as decomp, linalg_eig, linalg_lu
from ftrans.numpy._promotion import asarray_strong
from ftrans.numpy._linalg_core import (
    adjoint, float_matrix, float_pair, swap_matrix_axes,
)

__all__ = [
    "cho_factor", "cho_solve", "cholesky", "det", "eigh", "inv", "lu", "lu_factor", "lu_solve",
    "qr", "schur", "solve", "solve_triangular", "svd",
]


# ---------------------------------------------------------------------------------------------
# Cholesky
# ---------------------------------------------------------------------------------------------


def _lower_triangle_input(a: Any, lower: bool, name: str) -> Any:
    """The matrix whose lower triangle the primitives should read: ``a`` itself, or ``a^H``
    when the upper triangle is the one given."""
    a = float_matrix(a, name)
    return a if lower else adjoint(a)


def cholesky(a: Any, lower: bool = False, overwrite_a: bool = False,
             check_finite: bool = True) -> Any:
    """The Cholesky factor of a symmetric (Hermitian) positive-definite matrix: upper ``U``
    with ``a = U^H U`` (``lower``: ``L`` with ``a = L L^H``). Only that triangle of ``a`` is
    read.

    Raises:
      LinAlgError: not square, or not positive definite.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[2., 1.],
           [0., 1.]])
    """
    factor = decomp.cholesky(_lower_triangle_input(a, lower, "cholesky"),
                             symmetrize_input=False)
    return factor if lower else adjoint(factor)


def cho_factor(a: Any, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple[Any, bool]:
    """``(c, lower)`` for :func:`cho_solve`: ``c`` is :func:`cholesky`'s factor (the other
    triangle zero, where SciPy leaves whatever was there).

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> c, low = fsl.cho_factor(np.array([[4.0, 2.0], [2.0, 2.0]]))
    >>> low
    False
    """
    return cholesky(a, lower), bool(lower)


def cho_solve(c_and_lower: tuple[Any, bool], b: Any, overwrite_b: bool = False,
              check_finite: bool = True) -> Any:
    """Solve ``a x = b`` given ``cho_factor(a)``; ``b`` is ``(n,)`` or ``(n, k)`` (or a stack
    matching ``c``'s leading axes).

    Raises:
      TypeError: ``c_and_lower`` is not a pair. ValueError: ``b`` does not fit.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> a = np.array([[4.0, 2.0], [2.0, 2.0]])
    >>> fsl.cho_solve(fsl.cho_factor(a), np.array([2.0, 0.0]))
    array([ 1., -1.])
    """
    try:
        c, lower = c_and_lower
    except (TypeError, ValueError):
        raise TypeError("cho_solve: c_and_lower must be the pair (c, lower) that cho_factor "
                        "returns") from None
    factor = c if lower else adjoint(asarray_strong(c))
    # a = L L^H: solve L y = b, then L^H x = y
    y = solve_triangular(factor, b, lower=True)
    return solve_triangular(factor, y, trans=2, lower=True)


# ---------------------------------------------------------------------------------------------
# Triangular solves
# ---------------------------------------------------------------------------------------------

_TRANS = {0: (False, False), "N": (False, False), 1: (True, False), "T": (True, False),
          2: (True, True), "C": (True, True)}


def _rhs(a: Any, b: Any, name: str) -> tuple[Any, Any, bool]:
    """``a`` and ``b`` in one dtype, ``b`` as a stack of ``(n, k)`` matrices broadcast to
    ``a``'s leading axes, and whether ``b`` was a (stack of) vector(s)."""
    a, b = float_pair(a, b, name)
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    n = a_shape[-1]
    vector = len(b_shape) == len(a_shape) - 1 or len(b_shape) == 1
    if vector:
        b = lax.expand_dims(b, (len(b_shape),))
    b_shape = get_aval(b).shape
    if len(b_shape) < 2 or b_shape[-2] != n:
        raise ValueError(f"{name}: b of shape {get_aval(b).shape if not vector else b_shape[:-1]}"
                         f" does not fit a of shape {a_shape} (b must be (..., {n}) or "
                         f"(..., {n}, k))")
    lead = np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    return (lax.broadcast_to(a, lead + a_shape[-2:]), lax.broadcast_to(b, lead + b_shape[-2:]),
            vector)


def _unvector(x: Any, vector: bool) -> Any:
    return lax.squeeze(x, (get_aval(x).ndim - 1,)) if vector else x


def solve_triangular(a: Any, b: Any, trans: int | str = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False, debug: Any = None,
                     check_finite: bool = True) -> Any:
    """Solve ``op(a) x = b`` for triangular ``a``: ``op`` is the identity (``trans`` 0 or
    'N'), the transpose (1, 'T') or the conjugate transpose (2, 'C'). Only the triangle
    ``lower`` names is read (its diagonal taken as ones when ``unit_diagonal``).

    Raises:
      ValueError: an unknown ``trans``, or ``b`` that does not fit.
      LinAlgError: ``a`` not square, or singular.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 3.0]),
    ...                      lower=True)
    array([1., 2.])
    """
    if trans not in _TRANS:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got "
                         f"{trans!r}")
    transpose_a, conjugate_a = _TRANS[trans]
    a, b, vector = _rhs(a, b, "solve_triangular")
    x = decomp.triangular_solve(a, b, left_side=True, lower=bool(lower),
                                transpose_a=transpose_a, unit_diagonal=bool(unit_diagonal),
                                conjugate_a=conjugate_a)
    return _unvector(x, vector)


# ---------------------------------------------------------------------------------------------
# LU
# ---------------------------------------------------------------------------------------------


def _lu_factors(lu_: Any, m: int, n: int) -> tuple[Any, Any]:
    """Unit-lower ``(m, k)`` and upper ``(k, n)`` factors from the packed ``lu``."""
    k = min(m, n)
    dtype = get_aval(lu_).dtype
    lead = get_aval(lu_).shape[:-2]
    zeros = (0,) * len(lead)
    lower = lax.slice(lu_, zeros + (0, 0), lead + (m, k))
    upper = lax.slice(lu_, zeros + (0, 0), lead + (k, n))
    lower = lax.add(lax.select_n(np.tri(m, k, -1, bool), np.zeros((), dtype), lower),
                    np.eye(m, k, dtype=dtype))
    upper = lax.select_n(np.tri(k, n, -1, bool), upper, np.zeros((), dtype))
    return lower, upper


def lu(a: Any, permute_l: bool = False, overwrite_a: bool = False,
       check_finite: bool = True) -> tuple[Any, ...]:
    """LU decomposition with partial pivoting: ``(p, l, u)`` with ``a = p @ l @ u``, ``p`` a
    permutation matrix, ``l`` unit lower ``(m, k)``, ``u`` upper ``(k, n)``; with
    ``permute_l``, ``(p @ l, u)``. Differentiable for square matrices.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> p, l, u = fsl.lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> p
    array([[0., 1.],
           [1., 0.]])
    """
    a = float_matrix(a, "lu", square=False)
    m, n = get_aval(a).shape[-2:]
    lu_, _, perm = linalg_lu.lu(a)
    lower, upper = _lu_factors(lu_, m, n)
    p = swap_matrix_axes(linalg_lu.permutation_matrix(perm, get_aval(a).dtype))  # a = P^T L U
    if permute_l:
        return fnp.matmul(p, lower), upper
    return p, lower, upper


def lu_factor(a: Any, overwrite_a: bool = False, check_finite: bool = True
              ) -> tuple[Any, Any]:
    """``(lu, piv)`` for :func:`lu_solve`: ``lu`` packs ``L`` (unit diagonal, below) and
    ``U``; ``piv`` are LAPACK's 0-based row swaps (int32), as SciPy returns them.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))[1]
    array([1, 1], dtype=int32)
    """
    lu_, pivots, _ = linalg_lu.lu(float_matrix(a, "lu_factor", square=False))
    return lu_, pivots


def lu_solve(lu_and_piv: tuple[Any, Any], b: Any, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True) -> Any:
    """Solve ``op(a) x = b`` given ``lu_factor(a)``; ``trans`` as in
    :func:`solve_triangular`.

    Raises:
      TypeError: ``lu_and_piv`` is not a pair. ValueError: an unknown ``trans``, or ``b``
      that does not fit.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> a = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> fsl.lu_solve(fsl.lu_factor(a), np.array([5.0, 11.0]))
    array([1., 2.])
    """
    try:
        lu_, pivots = lu_and_piv
    except (TypeError, ValueError):
        raise TypeError("lu_solve: lu_and_piv must be the pair (lu, piv) that lu_factor "
                        "returns") from None
    if trans not in _TRANS:
        raise ValueError(f"lu_solve: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    transpose_a, conjugate_a = _TRANS[trans]
    lu_, b, vector = _rhs(lu_, b, "lu_solve")
    n = get_aval(lu_).shape[-1]
    p = linalg_lu.permutation_matrix(
        linalg_lu.lu_pivots_to_permutation(pivots, n), get_aval(lu_).dtype)
    unit = dict(left_side=True, lower=True, unit_diagonal=True, conjugate_a=conjugate_a)
    upper = dict(left_side=True, lower=False, unit_diagonal=False, conjugate_a=conjugate_a)
    if not transpose_a:  # P A = L U:  x = U^-1 L^-1 P b
        y = decomp.triangular_solve(lu_, fnp.matmul(p, b), **unit)
        x = decomp.triangular_solve(lu_, y, **upper)
    else:  # A^T = U^T L^T P:  x = P^T L^-T U^-T b
        y = decomp.triangular_solve(lu_, b, transpose_a=True, **upper)
        y = decomp.triangular_solve(lu_, y, transpose_a=True, **unit)
        x = fnp.matmul(swap_matrix_axes(p), y)
    return _unvector(x, vector)


# ---------------------------------------------------------------------------------------------
# Solves, inverse, determinant
# ---------------------------------------------------------------------------------------------


def solve(a: Any, b: Any, lower: bool = False, overwrite_a: bool = False,
          overwrite_b: bool = False, debug: bool = False, check_finite: bool = True,
          assume_a: str = "gen") -> Any:
    """Solve ``a x = b``; ``b`` is ``(..., n)`` or ``(..., n, k)``. ``assume_a='pos'`` solves
    through a Cholesky factorisation of the triangle ``lower`` names; 'gen', 'sym' and 'her'
    use LU with partial pivoting on the whole matrix.

    Raises:
      ValueError: an unknown ``assume_a``, or ``b`` that does not fit.
      LinAlgError: ``a`` not square, or singular.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0]))
    array([1. , 0.5])
    """
    if assume_a not in ("gen", "sym", "her", "pos"):
        raise ValueError(f"solve: assume_a must be 'gen', 'sym', 'her' or 'pos', got "
                         f"{assume_a!r}")
    if assume_a == "pos":
        return cho_solve(cho_factor(a, lower), b)
    a, b, vector = _rhs(a, b, "solve")
    return _unvector(decomp.solve(a, b), vector)


def solve_banded(l_and_u: tuple[int, int], ab: Any, b: Any, overwrite_ab: bool = False,
                 overwrite_b: bool = False, check_finite: bool = True) -> Any:
    """Solve ``a x = b`` for a banded ``a`` given in SciPy's diagonal-ordered form: ``ab`` is
    ``(l + u + 1, n)`` with ``a[i, j] = ab[u + i - j, j]`` (``l`` sub- and ``u``
    super-diagonals; the entries of ``ab`` outside the matrix are ignored). The band is
    expanded to the dense ``(n, n)`` matrix and solved by LU, so derivatives flow to ``ab``
    and ``b`` (O(n^3), not the banded O(n (l + u)^2)).

    Raises:
      ValueError: ``ab`` does not have ``l + u + 1`` rows, or ``b`` does not fit.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> ab = np.array([[0.0, 1.0, 1.0], [4.0, 4.0, 4.0], [1.0, 1.0, 0.0]])
    >>> fsl.solve_banded((1, 1), ab, np.array([5.0, 6.0, 5.0]))
    array([1., 1., 1.])
    """
    lower, upper = (int(v) for v in l_and_u)
    ab = fnp.asarray(ab)
    shape = get_aval(ab).shape
    if len(shape) != 2 or shape[0] != lower + upper + 1:
        raise ValueError(f"solve_banded: ab must be (l + u + 1, n) = ({lower + upper + 1}, n) "
                         f"for (l, u) = ({lower}, {upper}), got shape {shape}")
    n = shape[1]
    dense = fnp.zeros((n, n), get_aval(ab).dtype)
    for offset in range(-upper, lower + 1):  # offset = i - j: below the diagonal when > 0
        if abs(offset) >= n:
            continue
        row = ab[upper + offset]
        values = row[:n - offset] if offset >= 0 else row[-offset:]
        dense = dense + fnp.diag(values, -offset)
    return solve(dense, b)


def inv(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """The inverse of square ``a`` (``ftrans.numpy.linalg.inv``).

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return fnp.linalg.inv(a)


def det(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """The determinant of square ``a`` (``ftrans.numpy.linalg.det``).

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> float(fsl.det(np.array([[2.0, 1.0], [1.0, 1.0]])))
    1.0
    """
    return fnp.linalg.det(a)


# ---------------------------------------------------------------------------------------------
# Decompositions
# ---------------------------------------------------------------------------------------------


def qr(a: Any, overwrite_a: bool = False, lwork: Any = None, mode: str = "full",
       pivoting: bool = False, check_finite: bool = True) -> tuple[Any, ...]:
    """QR decomposition: ``(q, r)`` with ``q`` square (``mode='full'``) or ``(m, k)``
    ('economic'), or ``(r,)`` ('r', full-size ``r``).

    Raises:
      ValueError: an unknown ``mode``. NotImplementedError: ``pivoting``.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> [x.shape for x in fsl.qr(np.ones((3, 2)))]
    [(3, 3), (3, 2)]
    """
    if pivoting:
        raise NotImplementedError("qr: pivoting=True is not implemented")
    numpy_mode = {"full": "complete", "economic": "reduced", "r": "r"}.get(mode)
    if numpy_mode is None:
        raise ValueError(f"qr: mode must be 'full', 'economic' or 'r', got {mode!r}")
    a = float_matrix(a, "qr", square=False)
    if mode == "r":
        m, n = get_aval(a).shape[-2:]
        r = decomp.qr(a, "r")[0]
        if m > n:  # SciPy's r is (m, n): zero rows below the reduced factor
            zero = np.zeros((), get_aval(r).dtype)
            r = lax.pad(r, zero, [(0, 0, 0)] * (get_aval(r).ndim - 2) + [(0, m - n, 0),
                                                                         (0, 0, 0)])
        return (r,)
    return tuple(decomp.qr(a, numpy_mode))


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True,
        overwrite_a: bool = False, check_finite: bool = True,
        lapack_driver: str = "gesdd") -> Any:
    """Singular value decomposition (``ftrans.numpy.linalg.svd``): ``(u, s, vh)``, or ``s``
    without ``compute_uv``.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.svd(np.diag([1.0, 3.0]), compute_uv=False)
    array([3., 1.])
    """
    if lapack_driver not in ("gesdd", "gesvd"):
        raise ValueError(f"svd: lapack_driver must be 'gesdd' or 'gesvd', got "
                         f"{lapack_driver!r}")
    out = fnp.linalg.svd(a, full_matrices, compute_uv)
    return tuple(out) if compute_uv else out


def eigh(a: Any, b: Any = None, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, turbo: bool = True,
         eigvals: Any = None, type: int = 1, check_finite: bool = True) -> Any:  # noqa: A002
    """Eigenvalues (ascending) and eigenvectors of a symmetric (Hermitian) matrix, reading
    only the triangle ``lower`` names; ``(w, v)`` or ``w`` with ``eigvals_only``.

    With ``b`` (symmetric positive definite), the generalised problem ``a v = w b v``
    (``type=1``), through ``b``'s Cholesky factor; the eigenvectors satisfy ``v^H b v = I``
    as in SciPy.

    Raises:
      NotImplementedError: ``eigvals`` (a subset), or ``type`` other than 1.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]), eigvals_only=True)
    array([1., 3.])
    """
    if eigvals is not None:
        raise NotImplementedError("eigh: eigvals (a subset of eigenvalues) is not "
                                  "implemented; slice the result")
    if type != 1:
        raise NotImplementedError(f"eigh: only type=1 (a v = w b v) is implemented, got "
                                  f"type={type!r}")
    a = _lower_triangle_input(a, lower, "eigh")
    if b is None:
        w, v = decomp.eigh(a, symmetrize_input=False)
    else:
        a = decomp.symmetrized_lower(a)  # the full matrix of the triangle read
        factor = cholesky(b, lower)
        lower_factor = factor if lower else adjoint(factor)
        # L^-1 A L^-H has the same eigenvalues; its eigenvectors y give v = L^-H y
        c = solve_triangular(lower_factor, a, lower=True)
        c = solve_triangular(lower_factor, adjoint(c), lower=True)
        w, y = decomp.eigh(c, symmetrize_input=True)
        v = solve_triangular(lower_factor, y, trans=2, lower=True)
    return w if eigvals_only else (w, v)


def schur(a: Any, output: str = "real") -> tuple[Any, Any]:
    """Schur decomposition ``a = z @ t @ z^H``: ``(t, z)`` (see ``ftrans.lax.linalg_eig
    .schur``: from the eigenvectors, LinAlgError for nearly defective matrices; not
    differentiable).

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> t, z = fsl.schur(np.array([[0.0, 1.0], [-1.0, 0.0]]), output="complex")
    >>> np.allclose(z @ t @ z.conj().T, [[0.0, 1.0], [-1.0, 0.0]])
    True
    """
    t, z = linalg_eig.schur(float_matrix(a, "schur"), output)
    return t, z
