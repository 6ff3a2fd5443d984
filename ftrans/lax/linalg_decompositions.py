"""Matrix decompositions and solves: cholesky, triangular_solve, solve, det, slogdet, eigh, svd,
qr.

Every primitive acts on the last two axes and runs over any leading axes (as ``numpy.linalg``
does), so each batching rule just moves the batch axis to the front. Operands are real or complex
floating point; for complex matrices "symmetric" means Hermitian and transposes in the rules are
conjugate transposes (``_adjoint``). The jvp rules are the standard matrix-calculus identities,
written only in primitives that have transpose rules (``dot_general``, ``triangular_solve`` and
``solve`` in their right-hand side, ``transpose``, ``mul`` by a known factor, ``reduce_sum``), so
reverse mode is linearize + transpose and needs no rule here. The derivatives of ``eigh`` and
``svd`` are those of JAX: well defined for distinct eigenvalues / singular values (a repeated one
gives inf or NaN, since the eigenvectors are then not unique). See docs/internals.md,
"Primitives".
"""

from __future__ import annotations

from typing import Any, Literal, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import Zero, defjvp, jvp_rules
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules
from ftrans.lax import elementwise as ew
from ftrans.lax.elementwise import (
    add, conj, convert_element_type, div, eq, imag, mul, neg, real, sub,
)
from ftrans.lax.linalg import batch_matmul
from ftrans.lax.reductions import reduce_sum
from ftrans.lax.structural import broadcast_to, concatenate, expand_dims, transpose
from ftrans.lax.indexing import slice_in_dim

LinAlgError = np.linalg.LinAlgError

# ---------------------------------------------------------------------------------------------
# Checks and matrix helpers
# ---------------------------------------------------------------------------------------------


def check_matrix(name: str, aval: ShapedArray, square: bool = True) -> None:
    if aval.dtype.kind not in "fc":
        raise TypeError(f"{name} needs a floating-point (real or complex) matrix, got "
                        f"{aval.str_short()} (ftrans.numpy.linalg converts integers to float64)")
    if aval.ndim < 2:
        raise LinAlgError(f"{name}: {aval.ndim}-dimensional array given. Array must be at "
                          f"least two-dimensional")
    if square and aval.shape[-1] != aval.shape[-2]:
        raise LinAlgError(f"{name}: last 2 dimensions of the array must be square, got "
                          f"{aval.str_short()}")


def _check_rhs(name: str, a: ShapedArray, b: ShapedArray) -> None:
    if b.dtype != a.dtype:
        raise TypeError(f"{name} needs a and b of one dtype, got {a.str_short()} and "
                        f"{b.str_short()}")
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2] or b.shape[-2] != a.shape[-1]:
        raise ValueError(f"{name}: b must be (..., {a.shape[-1]}, k) with the leading axes of a "
                         f"{a.str_short()}, got {b.str_short()}")


def bind_checked(prim: Primitive, *args: Any, **params: Any) -> Any:
    # Eager evaluation runs the impl directly, which would not name the mistake: check first.
    prim.abstract_eval(*[get_aval(x) for x in args], **params)
    return prim.bind(*args, **params)


def swap_last(x: Any) -> Any:
    """The matrix transpose of a stack of matrices."""
    ndim = get_aval(x).ndim
    return transpose(x, tuple(range(ndim - 2)) + (ndim - 1, ndim - 2))


def _adjoint(x: Any) -> Any:
    """The conjugate transpose of a stack of matrices (the transpose, for real ones)."""
    x = swap_last(x)
    return conj(x) if get_aval(x).dtype.kind == "c" else x


def _real_dtype(dtype: np.dtype) -> np.dtype:
    return np.finfo(dtype).dtype


def to_dtype(x: Any, dtype: np.dtype) -> Any:
    """A real ``x`` as ``dtype`` when that is complex (``complex(x, 0)``, whose transpose is
    ``real(ct)``); otherwise ``x`` itself."""
    if np.dtype(dtype).kind == "c" and get_aval(x).dtype.kind != "c":
        return ew.complex(x, np.zeros((), get_aval(x).dtype))
    return x


def matrix_product(a: Any, b: Any) -> Any:
    return batch_matmul(a, b)


def identity_matrix(n: int, dtype: np.dtype) -> np.ndarray:
    return np.eye(n, dtype=dtype)


def tri_mask(n: int, dtype: np.dtype, lower: bool, k: int = 0) -> np.ndarray:
    ones = np.ones((n, n), dtype)
    return np.tril(ones, k) if lower else np.triu(ones, -k)


def matrix_diagonal(x: Any) -> Any:
    """(..., n, n) -> (..., n): the diagonals (a product with the identity and a sum, so it
    is linear and transposable)."""
    aval = get_aval(x)
    return reduce_sum(mul(x, identity_matrix(aval.shape[-1], aval.dtype)), (aval.ndim - 1,))


def as_row(v: Any) -> Any:
    return expand_dims(v, (get_aval(v).ndim - 1,))


def as_column(v: Any) -> Any:
    return expand_dims(v, (get_aval(v).ndim,))


def symmetrized_lower(x: Any) -> Any:
    """The symmetric (Hermitian) matrix that a lower-triangle-reading routine sees in ``x``:
    ``tril(x, -1) + tril(x, -1)^H + diag(x)`` (the diagonal's real part, for complex ``x``,
    as LAPACK reads it)."""
    aval = get_aval(x)
    n = aval.shape[-1]
    strict = mul(x, tri_mask(n, aval.dtype, True, -1))
    diag = mul(x, identity_matrix(n, aval.dtype))
    if aval.dtype.kind == "c":
        diag = to_dtype(real(diag), aval.dtype)
    return add(add(strict, _adjoint(strict)), diag)


def _hermitian_part(a: Any) -> Any:
    """``(a + a^H) / 2``."""
    return mul(add(a, _adjoint(a)), 0.5)


def leading_batch(prim: Primitive) -> None:
    """Batching for a primitive that runs over leading axes: batch axes to the front (an
    unbatched operand is broadcast along the batch)."""

    def rule(axis_data: Any, args: Sequence[Any],
             bdims: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        size = next(get_aval(x).shape[d] for x, d in zip(args, bdims) if d is not not_mapped)
        moved = [move_batch_axis(x, d, 0, size) for x, d in zip(args, bdims)]
        out = prim.bind(*moved, **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)

    batching_rules[prim] = rule


# ---------------------------------------------------------------------------------------------
# triangular_solve
# ---------------------------------------------------------------------------------------------


def _triangle_of(a: np.ndarray, lower: bool, unit_diagonal: bool) -> np.ndarray:
    n = a.shape[-1]
    keep = np.tril(np.ones((n, n), bool)) if lower else np.triu(np.ones((n, n), bool))
    if unit_diagonal:
        keep &= ~np.eye(n, dtype=bool)
    out = np.where(keep, a, np.zeros((), a.dtype))
    return out + np.eye(n, dtype=a.dtype) if unit_diagonal else out


def _triangular_solve_impl(a: Any, b: Any, *, lower: bool, transpose_a: bool,
                           unit_diagonal: bool) -> Any:
    a, b = np.asarray(a), np.asarray(b)
    m = _triangle_of(a, lower, unit_diagonal)
    if transpose_a:
        m = np.swapaxes(m, -1, -2)
    return np.linalg.solve(m, b)


def _triangular_solve_abstract_eval(a: ShapedArray, b: ShapedArray, *, lower: bool,
                                    transpose_a: bool, unit_diagonal: bool) -> ShapedArray:
    check_matrix("triangular_solve", a)
    _check_rhs("triangular_solve", a, b)
    return b


triangular_solve_p = Primitive("triangular_solve", impl=_triangular_solve_impl,
                               abstract_eval=_triangular_solve_abstract_eval)


def triangular_solve(a: Any, b: Any, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, unit_diagonal: bool = False, *,
                     conjugate_a: bool = False) -> Any:
    """Solve ``op(a) @ x = b`` (``left_side``) or ``x @ op(a) = b`` for a triangular ``a``.

    Only the triangle named by ``lower`` is read (and not its diagonal, taken as ones, when
    ``unit_diagonal``); ``op(a)`` is ``a.T`` when ``transpose_a``, conjugated when
    ``conjugate_a`` (so both give ``a^H``). Linear in ``b``.

    Args:
      a: ``(..., n, n)``, real or complex floating point.
      b: ``(..., n, k)`` when ``left_side``, else ``(..., k, n)``, with ``a``'s leading axes.

    Returns:
      ``x``, of ``b``'s shape.

    Raises:
      TypeError: non-float operands, or operands of different dtypes.
      LinAlgError: ``a`` not square, or singular (a zero on the diagonal).

    >>> import numpy as np
    >>> a = np.array([[2.0, 0.0], [1.0, 1.0]])
    >>> triangular_solve(a, np.array([[2.0], [3.0]]), left_side=True, lower=True)
    array([[1.],
           [2.]])
    """
    params = dict(lower=bool(lower), unit_diagonal=bool(unit_diagonal))
    if conjugate_a and get_aval(a).dtype.kind == "c":
        a = conj(a)
    if left_side:
        return bind_checked(triangular_solve_p, a, b, transpose_a=bool(transpose_a), **params)
    # x op(a) = b  <=>  op(a)^T x^T = b^T
    out = bind_checked(triangular_solve_p, a, swap_last(b), transpose_a=not transpose_a,
                        **params)
    return swap_last(out)


def _triangular_solve_jvp_a(g: Any, ans: Any, a: Any, b: Any, *, lower: bool,
                            transpose_a: bool, unit_diagonal: bool) -> Any:
    # x = op(A)^-1 b  =>  dx = -op(A)^-1 op(dA) x, with dA restricted to the triangle read
    aval = get_aval(g)
    n = aval.shape[-1]
    mask = tri_mask(n, aval.dtype, lower, -1 if unit_diagonal else 0)
    g = mul(g, mask)
    if transpose_a:
        g = swap_last(g)
    return neg(triangular_solve_p.bind(a, matrix_product(g, ans), lower=lower,
                                       transpose_a=transpose_a, unit_diagonal=unit_diagonal))


defjvp(triangular_solve_p, _triangular_solve_jvp_a,
       lambda g, ans, a, b, **params: triangular_solve_p.bind(a, g, **params))


def _triangular_solve_transpose(ct: Any, a: Any, b: Any, *, lower: bool, transpose_a: bool,
                                unit_diagonal: bool) -> list[Any]:
    if is_undefined(a):
        raise NonLinearError("triangular_solve is linear in b only, not in a")
    return [None, triangular_solve_p.bind(a, ct, lower=lower, transpose_a=not transpose_a,
                                          unit_diagonal=unit_diagonal)]


transpose_rules[triangular_solve_p] = _triangular_solve_transpose
leading_batch(triangular_solve_p)


# ---------------------------------------------------------------------------------------------
# solve
# ---------------------------------------------------------------------------------------------


def _solve_abstract_eval(a: ShapedArray, b: ShapedArray) -> ShapedArray:
    check_matrix("solve", a)
    _check_rhs("solve", a, b)
    return b


solve_p = Primitive("solve", impl=lambda a, b: np.linalg.solve(a, b),
                    abstract_eval=_solve_abstract_eval)


def solve(a: Any, b: Any) -> Any:
    """Solve ``a @ x = b`` for square ``a`` (LU with partial pivoting); linear in ``b``.

    Args:
      a: ``(..., n, n)``, real or complex floating point.
      b: ``(..., n, k)`` with ``a``'s leading axes (no broadcasting; ``ftrans.numpy.linalg
        .solve`` broadcasts and takes vectors).

    Raises:
      LinAlgError: ``a`` not square, or singular.
      TypeError, ValueError: wrong dtypes or shapes.

    >>> import numpy as np
    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([[2.0], [2.0]]))
    array([[1. ],
           [0.5]])
    """
    return bind_checked(solve_p, a, b)


defjvp(solve_p,
       lambda g, ans, a, b: neg(solve_p.bind(a, matrix_product(g, ans))),  # d(A^-1 b) = -A^-1 dA x
       lambda g, ans, a, b: solve_p.bind(a, g))


def _solve_transpose(ct: Any, a: Any, b: Any) -> list[Any]:
    if is_undefined(a):
        raise NonLinearError("solve is linear in b only, not in a")
    return [None, solve_p.bind(swap_last(a), ct)]


transpose_rules[solve_p] = _solve_transpose
leading_batch(solve_p)


def _inverse(a: Any) -> Any:
    aval = get_aval(a)
    return solve_p.bind(a, broadcast_to(identity_matrix(aval.shape[-1], aval.dtype), aval.shape))


# ---------------------------------------------------------------------------------------------
# det, slogdet
# ---------------------------------------------------------------------------------------------


def _det_abstract_eval(a: ShapedArray) -> ShapedArray:
    check_matrix("det", a)
    return make_aval(a.shape[:-2], a.dtype)


det_p = Primitive("det", impl=lambda a: np.asarray(np.linalg.det(a))[()],
                  abstract_eval=_det_abstract_eval)


def det(a: Any) -> Any:
    """Determinants of ``(..., n, n)`` matrices.

    The derivative is ``det(A) tr(A^-1 dA)``: at an exactly singular matrix it raises
    ``LinAlgError`` (the adjugate formula is not implemented).

    >>> import numpy as np
    >>> float(det(np.array([[2.0, 0.0], [0.0, 3.0]])))
    6.0
    """
    return bind_checked(det_p, a)


def _trace_of_inverse_times(a: Any, g: Any) -> Any:
    """``tr(A^-1 g)`` over the last two axes, as ``sum(A^-T * g)`` (A^-1 is known)."""
    ndim = get_aval(a).ndim
    return reduce_sum(mul(swap_last(_inverse(a)), g), (ndim - 2, ndim - 1))


defjvp(det_p, lambda g, ans, a: mul(ans, _trace_of_inverse_times(a, g)))
leading_batch(det_p)


def _slogdet_impl(a: Any) -> list[Any]:
    sign, logabsdet = np.linalg.slogdet(a)
    return [np.asarray(sign)[()], np.asarray(logabsdet)[()]]


def _slogdet_abstract_eval(a: ShapedArray) -> list[ShapedArray]:
    check_matrix("slogdet", a)
    return [make_aval(a.shape[:-2], a.dtype), make_aval(a.shape[:-2], _real_dtype(a.dtype))]


slogdet_p = Primitive("slogdet", impl=_slogdet_impl, abstract_eval=_slogdet_abstract_eval,
                      multiple_results=True)


def slogdet(a: Any) -> list[Any]:
    """``[sign, log|det|]`` of ``(..., n, n)`` matrices, without overflow:
    ``d log|det A| = re tr(A^-1 dA)``; a real sign has no derivative, a complex one
    (``det / |det|``, of ``a``'s dtype) moves by ``i im tr(A^-1 dA) sign``.

    >>> import numpy as np
    >>> [float(v) for v in slogdet(np.array([[-2.0, 0.0], [0.0, 3.0]]))]
    [-1.0, 1.791759469228055]
    """
    return bind_checked(slogdet_p, a)


def _slogdet_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    (a,), (a_dot,) = primals, tangents
    sign, logabsdet = slogdet_p.bind(a)
    if type(a_dot) is Zero:
        return [sign, logabsdet], [Zero.like(sign), Zero.like(logabsdet)]
    tr = _trace_of_inverse_times(a, a_dot)
    if get_aval(a).dtype.kind != "c":
        return [sign, logabsdet], [Zero.like(sign), tr]
    sign_dot = mul(sign, ew.complex(np.zeros((), get_aval(logabsdet).dtype), imag(tr)))
    return [sign, logabsdet], [sign_dot, real(tr)]


jvp_rules[slogdet_p] = _slogdet_jvp
leading_batch(slogdet_p)


# ---------------------------------------------------------------------------------------------
# cholesky
# ---------------------------------------------------------------------------------------------


def _cholesky_abstract_eval(a: ShapedArray) -> ShapedArray:
    check_matrix("cholesky", a)
    return a


cholesky_p = Primitive("cholesky", impl=lambda a: np.linalg.cholesky(a),
                       abstract_eval=_cholesky_abstract_eval)


def cholesky(a: Any, symmetrize_input: bool = True) -> Any:
    """The lower Cholesky factor ``L`` (``a = L L^H``) of symmetric (Hermitian)
    positive-definite ``(..., n, n)`` matrices.

    The primitive reads the lower triangle only; with ``symmetrize_input`` (the default, as in
    JAX) ``(a + a^H) / 2`` is factored, so derivatives are symmetric in ``da``. The jvp is
    ``dL = L Phi(L^-1 dA L^-H)``, Phi taking the lower triangle with the diagonal halved.

    Raises:
      LinAlgError: ``a`` not square, or not positive definite (NumPy's error; JAX would
        return NaNs).

    >>> import numpy as np
    >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[2., 0.],
           [1., 1.]])
    """
    if symmetrize_input:
        check_matrix("cholesky", get_aval(a))
        a = _hermitian_part(a)
    return bind_checked(cholesky_p, a)


def _cholesky_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    (a,), (a_dot,) = primals, tangents
    lower = cholesky_p.bind(a)
    if type(a_dot) is Zero:
        return lower, Zero.like(lower)
    aval = get_aval(lower)
    n = aval.shape[-1]
    params = dict(lower=True, transpose_a=False, unit_diagonal=False)
    # L^-1 S L^-H for the Hermitian S the primitive sees: two left solves, an adjoint between
    tmp = triangular_solve_p.bind(lower, symmetrized_lower(a_dot), **params)
    tmp = triangular_solve_p.bind(lower, _adjoint(tmp), **params)
    phi = mul(tmp, tri_mask(n, aval.dtype, True) - 0.5 * identity_matrix(n, aval.dtype))
    return lower, matrix_product(lower, phi)


jvp_rules[cholesky_p] = _cholesky_jvp
leading_batch(cholesky_p)


# ---------------------------------------------------------------------------------------------
# eigh
# ---------------------------------------------------------------------------------------------


def _eigh_impl(a: Any) -> list[Any]:
    w, v = np.linalg.eigh(a)
    return [w, v]


def _eigh_abstract_eval(a: ShapedArray) -> list[ShapedArray]:
    check_matrix("eigh", a)
    return [make_aval(a.shape[:-1], _real_dtype(a.dtype)), a]


eigh_p = Primitive("eigh", impl=_eigh_impl, abstract_eval=_eigh_abstract_eval,
                   multiple_results=True)


def eigh(a: Any, symmetrize_input: bool = True) -> list[Any]:
    """``[w, v]``: ascending (real) eigenvalues and orthonormal eigenvectors (columns) of
    symmetric (Hermitian) ``(..., n, n)`` matrices.

    The primitive reads the lower triangle; ``symmetrize_input`` factors ``(a + a^H) / 2``.
    Each eigenvector's sign (phase) is LAPACK's choice. The derivative (JAX's) needs distinct
    eigenvalues: ``dw = re diag(V^H dA V)``, ``dV = V (F * V^H dA V)``,
    ``F_ij = 1/(w_j - w_i)``.

    >>> import numpy as np
    >>> w, v = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w
    array([1., 3.])
    """
    if symmetrize_input:
        check_matrix("eigh", get_aval(a))
        a = _hermitian_part(a)
    return bind_checked(eigh_p, a)


def off_diagonal_inverse(diffs: Any) -> Any:
    """``1 / diffs`` off the diagonal, 0 on it (the diagonal of ``diffs`` is 0)."""
    aval = get_aval(diffs)
    eye = identity_matrix(aval.shape[-1], aval.dtype)
    return sub(div(np.ones((), aval.dtype), add(diffs, eye)), eye)


def _eigh_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    (a,), (a_dot,) = primals, tangents
    w, v = eigh_p.bind(a)
    if type(a_dot) is Zero:
        return [w, v], [Zero.like(w), Zero.like(v)]
    dtype = get_aval(v).dtype
    vh_da_v = matrix_product(_adjoint(v), matrix_product(symmetrized_lower(a_dot), v))
    f = off_diagonal_inverse(sub(as_row(w), as_column(w)))  # F_ij = 1 / (w_j - w_i)
    w_dot = matrix_diagonal(vh_da_v)
    if dtype.kind == "c":
        w_dot = real(w_dot)
    return [w, v], [w_dot, matrix_product(v, mul(to_dtype(f, dtype), vh_da_v))]


jvp_rules[eigh_p] = _eigh_jvp
leading_batch(eigh_p)


# ---------------------------------------------------------------------------------------------
# svd
# ---------------------------------------------------------------------------------------------


def _svd_impl(a: Any, *, full_matrices: bool, compute_uv: bool) -> list[Any]:
    if not compute_uv:
        return [np.linalg.svd(a, compute_uv=False)]
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return [u, s, vh]


def _svd_abstract_eval(a: ShapedArray, *, full_matrices: bool,
                       compute_uv: bool) -> list[ShapedArray]:
    check_matrix("svd", a, square=False)
    *lead, m, n = a.shape
    k = min(m, n)
    s = make_aval(tuple(lead) + (k,), _real_dtype(a.dtype))
    if not compute_uv:
        return [s]
    ku, kv = (m, n) if full_matrices else (k, k)
    return [make_aval(tuple(lead) + (m, ku), a.dtype), s,
            make_aval(tuple(lead) + (kv, n), a.dtype)]


svd_p = Primitive("svd", impl=_svd_impl, abstract_eval=_svd_abstract_eval,
                  multiple_results=True)


def svd(a: Any, full_matrices: bool = False, compute_uv: bool = True) -> list[Any]:
    """Singular value decomposition ``a = u @ diag(s) @ vh`` of ``(..., m, n)`` matrices:
    ``[u, s, vh]`` (``[s]`` without ``compute_uv``), ``s`` real and descending; ``u`` and
    ``vh`` unitary for complex ``a``.

    The derivative (JAX's) needs distinct nonzero singular values for ``u`` and ``vh``
    (``s`` alone is differentiable wherever its values are distinct); with
    ``full_matrices`` it exists only for square matrices (NotImplementedError otherwise).

    >>> import numpy as np
    >>> [s] = svd(np.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False)
    >>> s
    array([4., 3.])
    """
    return bind_checked(svd_p, a, full_matrices=bool(full_matrices),
                         compute_uv=bool(compute_uv))


def _svd_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, full_matrices: bool,
             compute_uv: bool) -> tuple[Any, Any]:
    (a,), (a_dot,) = primals, tangents
    out = svd_p.bind(a, full_matrices=full_matrices, compute_uv=compute_uv)
    if type(a_dot) is Zero:
        return out, [Zero.like(o) for o in out]
    m, n = get_aval(a).shape[-2:]
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError("the derivative of svd with full_matrices=True exists only "
                                  "for square matrices; use full_matrices=False")
    u, s, vh = svd_p.bind(a, full_matrices=False, compute_uv=True)
    dtype = get_aval(u).dtype
    v, uh = _adjoint(vh), _adjoint(u)
    ds = matrix_product(uh, matrix_product(a_dot, v))  # U^H dA V, (..., k, k)
    s_dot = matrix_diagonal(ds)
    if dtype.kind == "c":
        s_dot = real(s_dot)
    if not compute_uv:
        return out, [s_dot]
    s_row, s_col = as_row(s), as_column(s)
    f = off_diagonal_inverse(mul(add(s_row, s_col), sub(s_row, s_col)))  # 1/(s_j^2 - s_i^2)
    f, s_row_c, s_col_c = (to_dtype(x, dtype) for x in (f, s_row, s_col))
    ds_s, s_ds = mul(s_row_c, ds), mul(s_col_c, ds)  # dS diag(s), diag(s) dS
    u_dot = matrix_product(u, mul(f, add(ds_s, _adjoint(ds_s))))
    v_dot = matrix_product(v, mul(f, add(s_ds, _adjoint(s_ds))))
    if dtype.kind == "c":
        # the phases: the imaginary diagonal of U^H dA V, split as JAX does (all into U)
        zero = convert_element_type(eq(s, np.zeros((), get_aval(s).dtype)), get_aval(s).dtype)
        s_inv = sub(div(np.ones((), get_aval(s).dtype), add(s, zero)), zero)  # 0 where s is
        diag_inv = mul(to_dtype(as_row(s_inv), dtype),
                       identity_matrix(get_aval(s).shape[-1], dtype))
        u_dot = add(u_dot, matrix_product(u, mul(mul(sub(ds, _adjoint(ds)), 0.5), diag_inv)))
    if m > n:  # the part of dA V outside span(U)
        da_v = matrix_product(a_dot, v)
        u_dot = add(u_dot, div(sub(da_v, matrix_product(u, matrix_product(uh, da_v))), s_row_c))
    if n > m:
        da_h_u = matrix_product(_adjoint(a_dot), u)
        v_dot = add(v_dot, div(sub(da_h_u, matrix_product(v, matrix_product(vh, da_h_u))), s_row_c))
    return [u, s, vh], [u_dot, s_dot, _adjoint(v_dot)]


jvp_rules[svd_p] = _svd_jvp
leading_batch(svd_p)


# ---------------------------------------------------------------------------------------------
# qr
# ---------------------------------------------------------------------------------------------

_QR_MODES = ("reduced", "complete", "r")


def _qr_impl(a: Any, *, mode: Literal["reduced", "complete", "r"]) -> list[Any]:
    if mode == "r":
        return [np.linalg.qr(a, mode="r")]
    q, r = np.linalg.qr(a, mode=mode)
    return [q, r]


def _qr_abstract_eval(a: ShapedArray, *, mode: str) -> list[ShapedArray]:
    check_matrix("qr", a, square=False)
    if mode not in _QR_MODES:
        raise ValueError(f"qr: mode must be one of {_QR_MODES}, got {mode!r}")
    *lead, m, n = a.shape
    lead = tuple(lead)
    k = m if mode == "complete" else min(m, n)
    r = make_aval(lead + (k, n), a.dtype)
    return [r] if mode == "r" else [make_aval(lead + (m, k), a.dtype), r]


qr_p = Primitive("qr", impl=_qr_impl, abstract_eval=_qr_abstract_eval, multiple_results=True)


def qr(a: Any, mode: str = "reduced") -> list[Any]:
    """QR decomposition of ``(..., m, n)`` matrices (Householder, LAPACK's signs):
    ``[q, r]`` for ``mode`` 'reduced' or 'complete', ``[r]`` for 'r'.

    Differentiable (JAX's rule) in every mode, except 'complete' with ``m > n``, where the
    extra columns of ``q`` are not unique (NotImplementedError).

    >>> import numpy as np
    >>> q, r = qr(np.array([[3.0], [4.0]]))
    >>> np.allclose(q @ r, [[3.0], [4.0]])
    True
    """
    return bind_checked(qr_p, a, mode=mode)


def _qr_tall_tangent(q: Any, r: Any, a_dot: Any) -> tuple[Any, Any]:
    """``(dQ, dR)`` of the reduced QR of a matrix with ``m >= n`` (square ``r``)."""
    # dA R^-1, as the solve X R = dA  <=>  R^T X^T = dA^T
    da_rinv = swap_last(triangular_solve_p.bind(r, swap_last(a_dot), lower=False,
                                                 transpose_a=True, unit_diagonal=False))
    qt_da_rinv = matrix_product(_adjoint(q), da_rinv)
    aval = get_aval(qt_da_rinv)
    strict_lower = mul(qt_da_rinv, tri_mask(aval.shape[-1], aval.dtype, True, -1))
    omega = sub(strict_lower, _adjoint(strict_lower))  # skew-Hermitian
    if aval.dtype.kind == "c":  # R's diagonal stays real: the phases go into omega's diagonal
        imag_diag = to_dtype(imag(mul(qt_da_rinv, identity_matrix(aval.shape[-1], aval.dtype))),
                              aval.dtype)
        omega = add(omega, mul(imag_diag, np.asarray(1j, aval.dtype)))
    q_dot = add(matrix_product(q, sub(omega, qt_da_rinv)), da_rinv)
    r_dot = matrix_product(sub(qt_da_rinv, omega), r)
    return q_dot, r_dot


def _split_columns(x: Any, k: int) -> tuple[Any, Any]:
    ndim, n = get_aval(x).ndim, get_aval(x).shape[-1]
    return slice_in_dim(x, 0, k, axis=ndim - 1), slice_in_dim(x, k, n, axis=ndim - 1)


def _qr_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, mode: str) -> tuple[Any, Any]:
    (a,), (a_dot,) = primals, tangents
    out = qr_p.bind(a, mode=mode)
    if type(a_dot) is Zero:
        return out, [Zero.like(o) for o in out]
    m, n = get_aval(a).shape[-2:]
    if mode == "complete" and m > n:
        raise NotImplementedError(f"the derivative of qr in 'complete' mode is implemented "
                                  f"for m <= n (Q's extra columns are not unique); got "
                                  f"{m}x{n}: use mode='reduced'")
    q, r = qr_p.bind(a, mode="reduced")
    if m >= n:
        q_dot, r_dot = _qr_tall_tangent(q, r, a_dot)
    else:  # A = Q [R1 R2]: the square part as above, then dR2 = Q^H (dA2 - dQ R2)
        (r1, r2), (da1, da2) = _split_columns(r, m), _split_columns(a_dot, m)
        q_dot, r1_dot = _qr_tall_tangent(q, r1, da1)
        r2_dot = matrix_product(_adjoint(q), sub(da2, matrix_product(q_dot, r2)))
        r_dot = concatenate([r1_dot, r2_dot], get_aval(r).ndim - 1)
    return out, ([r_dot] if mode == "r" else [q_dot, r_dot])


jvp_rules[qr_p] = _qr_jvp
leading_batch(qr_p)

__all__ = [
    "LinAlgError", "cholesky", "cholesky_p", "det", "det_p", "eigh", "eigh_p", "qr", "qr_p",
    "slogdet", "slogdet_p", "solve", "solve_p", "svd", "svd_p", "triangular_solve",
    "triangular_solve_p",
]
