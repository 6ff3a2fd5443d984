"""NumPy's classic ``linalg`` functions (the public module is ``ftrans.numpy.linalg``): norms,
solves, inverses, determinants and decompositions on the primitives of
``ftrans.lax.linalg_decompositions``."""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import Tracer, get_aval
from ftrans.custom_derivatives import custom_jvp
from ftrans.lax import linalg_decompositions as decomp
from ftrans.numpy._axes import normalize_axis
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy import _elementwise as ew, _reductions as red
from ftrans.lax.linalg_eig import eig as lax_eig
from ftrans.numpy._linalg import matmul
from ftrans.numpy._shapes import moveaxis

__all__ = [
    "LinAlgError", "norm", "det", "slogdet", "inv", "solve", "lstsq", "cholesky", "qr", "eig",
    "eigvals", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "matrix_power", "matrix_rank",
    "EigResult", "EighResult", "QRResult", "SlogdetResult", "SVDResult",
]

LinAlgError = np.linalg.LinAlgError
_UNSET: Any = object()


class EigResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class QRResult(NamedTuple):
    Q: Any
    R: Any


class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


# ---------------------------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------------------------


def float_matrix(a: Any, name: str, square: bool = True) -> Any:
    """``a`` as a float or complex array of rank >= 2 (integers and bools in float64)."""
    a = asarray_strong(a)
    dtype = get_aval(a).dtype
    if dtype == np.float16:
        raise TypeError(f"linalg.{name}: array type float16 is unsupported in linalg")
    if dtype.kind not in "fc":
        if dtype.kind not in "biu":
            raise TypeError(f"linalg.{name}: needs a numeric array, got dtype {dtype}")
        a = cast(a, np.dtype(np.float64))
    aval = get_aval(a)
    if aval.ndim < 2:
        raise LinAlgError(f"{aval.ndim}-dimensional array given. Array must be at least "
                          f"two-dimensional")
    if square and aval.shape[-1] != aval.shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    return a


def float_pair(a: Any, b: Any, name: str, square: bool = True) -> tuple[Any, Any]:
    """``a`` (a matrix) and ``b`` in their common float (or complex) dtype."""
    a = float_matrix(a, name, square)
    b = asarray_strong(b)
    dtype = result_type(a, b)
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    return cast(a, dtype), cast(b, dtype)


def swap_matrix_axes(x: Any) -> Any:
    ndim = get_aval(x).ndim
    return lax.transpose(x, tuple(range(ndim - 2)) + (ndim - 1, ndim - 2))


def adjoint(x: Any) -> Any:
    """The conjugate transpose of a stack of matrices (the transpose, for real ones)."""
    x = swap_matrix_axes(x)
    return lax.conj(x) if get_aval(x).dtype.kind == "c" else x


def _broadcast_leading(a: Any, b: Any, b_core: int) -> tuple[Any, Any]:
    """``a`` (..., n, n) and ``b`` (..., core dims) broadcast to common leading axes."""
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    lead = np.broadcast_shapes(a_shape[:-2], b_shape[:len(b_shape) - b_core])
    return (lax.broadcast_to(a, lead + a_shape[-2:]),
            lax.broadcast_to(b, lead + b_shape[len(b_shape) - b_core:]))


# ---------------------------------------------------------------------------------------------
# Solves, inverses, determinants
# ---------------------------------------------------------------------------------------------


def det(a: Any) -> Any:
    """Determinant of ``a`` (``(..., n, n)``).

    Raises:
      LinAlgError: ``a`` is not square (a derivative at a singular ``a`` raises too).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> float(fnp.linalg.det(np.array([[1, 2], [3, 4]])))
    -2.0000000000000004
    """
    return decomp.det(float_matrix(a, "det"))


def slogdet(a: Any) -> SlogdetResult:
    """``(sign, logabsdet)`` of ``a`` (``(..., n, n)``): ``det = sign * exp(logabsdet)``
    without overflow. Only ``logabsdet`` has a derivative, ``tr(a^-1 da)``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> sign, logdet = fnp.linalg.slogdet(np.diag([-1e200, 1e200]))
    >>> float(sign), float(logdet)
    (-1.0, 921.0340371976183)
    """
    sign, logabsdet = decomp.slogdet(float_matrix(a, "slogdet"))
    return SlogdetResult(sign, logabsdet)


def solve(a: Any, b: Any) -> Any:
    """Solve ``a @ x = b``. As in NumPy 2, ``b`` is a vector when it is 1-d, otherwise a
    stack of ``(n, k)`` matrices; leading axes broadcast.

    Raises:
      LinAlgError: ``a`` not square, or singular.
      ValueError: ``b``'s shape does not fit ``a``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0]))
    array([1. , 0.5])
    """
    a, b = float_pair(a, b, "solve")
    n = get_aval(a).shape[-1]
    b_shape = get_aval(b).shape
    vector = len(b_shape) == 1
    if vector:
        b = lax.reshape(b, (b_shape[0], 1))
    b_aval = get_aval(b)
    if b_aval.ndim < 2 or b_aval.shape[-2] != n:
        raise ValueError(f"solve: b of shape {b_shape} does not fit a of shape "
                         f"{get_aval(a).shape} (b must be (n,) or (..., n, k) with n = {n})")
    a, b = _broadcast_leading(a, b, 2)
    x = decomp.solve(a, b)
    if vector:
        shape = get_aval(x).shape
        x = lax.reshape(x, shape[:-1])
    return x


def inv(a: Any) -> Any:
    """Inverse of ``a`` (``(..., n, n)``); its derivative is ``-inv(a) da inv(a)``.

    Raises:
      LinAlgError: ``a`` not square, or singular.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    a = float_matrix(a, "inv")
    aval = get_aval(a)
    return decomp.solve(a, lax.broadcast_to(np.eye(aval.shape[-1], dtype=aval.dtype),
                                            aval.shape))


def matrix_power(a: Any, n: int) -> Any:
    """``a`` multiplied by itself ``n`` times (``n`` a Python int; negative powers invert,
    0 gives the identity), by repeated squaring.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.matrix_power(np.array([[1.0, 1.0], [0.0, 1.0]]), 3)
    array([[1., 3.],
           [0., 1.]])
    """
    if isinstance(n, Tracer) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: exponent must be a Python int, got {n!r}")
    a = asarray_strong(a)
    if get_aval(a).ndim < 2 or get_aval(a).shape[-1] != get_aval(a).shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    n = int(n)
    if n == 0:
        aval = get_aval(a)
        return lax.broadcast_to(np.eye(aval.shape[-1], dtype=aval.dtype), aval.shape)
    if n < 0:
        a, n = inv(a), -n
    result = None
    square = a
    while True:  # binary exponentiation
        if n & 1:
            result = square if result is None else matmul(result, square)
        n >>= 1
        if not n:
            return result
        square = matmul(square, square)


def lstsq(a: Any, b: Any, rcond: float | None = None) -> tuple[Any, Any, Any, Any]:
    """Least-squares solution of ``a @ x = b`` by the SVD: ``(x, residuals, rank, s)``.

    ``a`` is ``(m, n)``, ``b`` ``(m,)`` or ``(m, k)``. Singular values below ``rcond *
    max(s)`` (default ``eps * max(m, n)``) are treated as zero. As in JAX, ``residuals`` is
    always ``sum((b - a @ x)**2, axis=0)`` (shape ``(1,)`` for a vector ``b``, ``(k,)``
    otherwise), where NumPy returns an empty array when ``rank < n`` or ``m <= n``; ``rank``
    is a 0-d int64 array.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> x, res, rank, s = fnp.linalg.lstsq(np.array([[1.0], [1.0]]), np.array([1.0, 3.0]))
    >>> x, res, int(rank)
    (array([2.]), array([2.]), 1)
    """
    a, b = float_pair(a, b, "lstsq", square=False)
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    if len(a_shape) != 2:
        raise LinAlgError(f"lstsq: a must be 2-dimensional, got shape {a_shape}")
    m, n = a_shape
    if len(b_shape) not in (1, 2) or b_shape[0] != m:
        raise LinAlgError(f"lstsq: incompatible dimensions: a {a_shape}, b {b_shape}")
    vector = len(b_shape) == 1
    if vector:
        b = lax.reshape(b, (m, 1))
    dtype = get_aval(a).dtype
    u, s, vh = decomp.svd(a, full_matrices=False)
    if rcond is None:
        rcond = float(np.finfo(dtype).eps) * max(m, n)
    mask, s_inv = _inverse_above(s, rcond)
    x = matmul(adjoint(vh), lax.mul(as_dtype(lax.expand_dims(s_inv, (1,)), dtype),
                                     matmul(adjoint(u), b)))
    residual = lax.sub(b, matmul(a, x))
    residuals = red.sum(_squared_magnitudes(residual), 0)
    rank = red.sum(mask, -1, np.int64)
    if vector:
        x = lax.reshape(x, (n,))
    return x, residuals, rank, s


def _inverse_above(s: Any, rcond: Any) -> tuple[Any, Any]:
    """(s > rcond * max(s), 1/s there and 0 elsewhere), over the last axis; the reciprocal
    is taken of safe values only, so derivatives stay finite."""
    dtype = get_aval(s).dtype
    last = get_aval(s).ndim - 1
    if get_aval(s).shape[-1] == 0:
        return lax.gt(s, s), s
    cutoff = lax.mul(lax.stop_gradient(lax.expand_dims(lax.reduce_max(s, (last,)), (last,))),
                     np.asarray(rcond, dtype)[()])
    mask = lax.gt(s, cutoff)
    one, zero = np.ones((), dtype), np.zeros((), dtype)
    safe = lax.select_n(mask, lax.broadcast_to(one, get_aval(s).shape), s)
    return mask, lax.select_n(mask, lax.broadcast_to(zero, get_aval(s).shape),
                              lax.div(one, safe))


def as_dtype(x: Any, dtype: np.dtype) -> Any:
    """Real ``x`` in the (maybe complex) ``dtype``."""
    if dtype.kind == "c" and get_aval(x).dtype.kind != "c":
        return lax.complex(x, np.zeros((), get_aval(x).dtype))
    return x


def _pinv_impl(a: Any, rcond: float) -> Any:
    u, s, vh = decomp.svd(a, full_matrices=False)
    _, s_inv = _inverse_above(s, rcond)
    s_inv = as_dtype(lax.expand_dims(s_inv, (get_aval(s).ndim,)), get_aval(a).dtype)
    return matmul(adjoint(vh), lax.mul(s_inv, adjoint(u)))


_pinv = custom_jvp(_pinv_impl, nondiff_argnums=(1,))


@_pinv.defjvp
def _pinv_jvp(rcond: float, primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    # The derivative of the pseudo-inverse (Golub & Pereyra), as JAX: well defined where the
    # rank does not change, unlike the derivative through the SVD's vectors.
    (a,), (a_dot,) = primals, tangents
    p = _pinv(a, rcond)
    m, n = get_aval(a).shape[-2:]
    p_t, a_dot_t = adjoint(p), adjoint(a_dot)
    if m >= n:
        s = matmul(matmul(p, p_t), a_dot_t)
        t = matmul(matmul(a_dot_t, p_t), p)
        p_dot = (-matmul(matmul(p, a_dot), p) + s - matmul(matmul(s, a), p) + t
                 - matmul(matmul(p, a), t))
    else:
        s = matmul(p, matmul(p_t, a_dot_t))
        t = matmul(a_dot_t, matmul(p_t, p))
        p_dot = (-matmul(p, matmul(a_dot, p)) + s - matmul(s, matmul(a, p)) + t
                 - matmul(p, matmul(a, t)))
    return p, p_dot


def pinv(a: Any, rcond: float | None = None, hermitian: bool = False, *,
         rtol: Any = _UNSET) -> Any:
    """Moore-Penrose pseudo-inverse of ``(..., m, n)`` matrices by the SVD; singular values
    below ``rcond * max(s)`` count as zero (as NumPy: ``rcond`` 1e-15 by default, or ``rtol``,
    where ``rtol=None`` means ``max(m, n) * eps``). The derivative is the pseudo-inverse's own
    (JAX's rule), well defined where the rank does not change. ``hermitian`` is accepted for
    NumPy compatibility and ignored.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.pinv(np.array([[2.0, 0.0], [0.0, 0.0]]))
    array([[0.5, 0. ],
           [0. , 0. ]])
    """
    a = float_matrix(a, "pinv", square=False)
    if rcond is None:
        if rtol is _UNSET:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(get_aval(a).shape[-2:]) * float(np.finfo(get_aval(a).dtype).eps)
        else:
            rcond = rtol
    elif rtol is not _UNSET:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    assert rcond is not None  # (set above when not given)
    return _pinv(a, float(rcond))


# ---------------------------------------------------------------------------------------------
# Decompositions
# ---------------------------------------------------------------------------------------------


def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """Cholesky factor of symmetric positive-definite ``(..., n, n)`` matrices: lower ``L``
    with ``a = L @ L.T`` (``upper``: ``U = L.T``). As in JAX, ``(a + a.T) / 2`` is factored.

    Raises:
      LinAlgError: not square, or not positive definite.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[2., 0.],
           [1., 1.]])
    """
    lower = decomp.cholesky(float_matrix(a, "cholesky"))
    return adjoint(lower) if upper else lower


def qr(a: Any, mode: str = "reduced") -> Any:
    """QR decomposition of ``(..., m, n)`` matrices: ``QRResult(Q, R)`` for ``mode``
    'reduced' or 'complete', ``R`` alone for 'r' ('raw' is not supported).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> q, r = fnp.linalg.qr(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    >>> q.shape, r.shape
    ((3, 2), (2, 2))
    """
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr: mode {mode!r} is not supported (use 'reduced', 'complete' or "
                         f"'r')")
    out = decomp.qr(float_matrix(a, "qr", square=False), mode)
    return out[0] if mode == "r" else QRResult(*out)


def eig(a: Any) -> EigResult:
    """Eigenvalues and right eigenvectors (columns) of general ``(..., n, n)`` matrices:
    ``EigResult(eigenvalues, eigenvectors)``, always complex (as in JAX; NumPy returns real
    arrays when every eigenvalue is real). Each eigenvector has unit norm and a real
    largest-magnitude component (LAPACK's choice), and so does its derivative. Derivatives
    need distinct eigenvalues; unlike JAX, those of the eigenvectors are not opt-in here.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.eig(np.array([[2.0, 0.0], [0.0, 3.0]])).eigenvalues
    array([2.+0.j, 3.+0.j])
    """
    w, v = lax_eig(float_matrix(a, "eig"), compute_left_eigenvectors=False,
                   enable_eigvec_derivs=True)
    return EigResult(w, v)


def eigvals(a: Any) -> Any:
    """Eigenvalues of general ``(..., n, n)`` matrices, complex (see :func:`eig`).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.eigvals(np.array([[0.0, -1.0], [1.0, 0.0]]))
    array([0.+1.j, 0.-1.j])
    """
    (w,) = lax_eig(float_matrix(a, "eigvals"), compute_left_eigenvectors=False,
                   compute_right_eigenvectors=False)
    return w


def _symmetric_input(a: Any, name: str, uplo: str | None) -> Any:
    a = float_matrix(a, name)
    if uplo not in (None, "L", "U"):
        raise ValueError(f"{name}: UPLO argument must be 'L' or 'U', got {uplo!r}")
    return a


def eigh(a: Any, UPLO: str | None = None, symmetrize_input: bool = True) -> EighResult:  # noqa: N803
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric ``(..., n, n)``
    matrices: ``EighResult(eigenvalues, eigenvectors)``.

    With ``symmetrize_input`` (the default, as in JAX) ``(a + a.T) / 2`` is decomposed, so a
    symmetric ``a`` gives NumPy's answer; otherwise only the triangle ``UPLO`` ('L' by
    default) is read. Eigenvector signs are LAPACK's. The derivative needs distinct
    eigenvalues.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.eigh(np.array([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    array([1., 3.])
    """
    a = _symmetric_input(a, "eigh", UPLO)
    if not symmetrize_input and UPLO == "U":
        a = adjoint(a)  # the primitive reads the lower triangle
    w, v = decomp.eigh(a, symmetrize_input=symmetrize_input)
    return EighResult(w, v)


def eigvalsh(a: Any, UPLO: str | None = None, *,  # noqa: N803
             symmetrize_input: bool = True) -> Any:
    """Eigenvalues (ascending) of symmetric ``(..., n, n)`` matrices (see :func:`eigh`).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.eigvalsh(np.array([[2.0, 0.0], [0.0, 1.0]]))
    array([1., 2.])
    """
    return eigh(a, UPLO, symmetrize_input).eigenvalues


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False) -> Any:
    """Singular value decomposition ``a = U @ (S[..., None] * Vh)`` of ``(..., m, n)``
    matrices: ``SVDResult(U, S, Vh)``, or ``S`` alone without ``compute_uv``; ``S``
    descending. ``hermitian`` is accepted and ignored. Derivatives need distinct singular
    values, and ``full_matrices=False`` unless ``a`` is square.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.svd(np.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False)
    array([4., 3.])
    """
    a = float_matrix(a, "svd", square=False)
    if not compute_uv:
        return decomp.svd(a, compute_uv=False)[0]
    return SVDResult(*decomp.svd(a, full_matrices=full_matrices))


def svdvals(x: Any, /) -> Any:
    """Singular values of ``(..., m, n)`` matrices, descending.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.linalg.svdvals(np.array([[0.0, 2.0], [1.0, 0.0]]))
    array([2., 1.])
    """
    return svd(x, compute_uv=False)


def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *,  # noqa: N803
                rtol: Any = None) -> Any:
    """Number of singular values above ``tol`` (default ``S.max() * max(m, n) * eps``, or
    ``rtol * S.max()``), as NumPy; for vectors (rank < 2), 1 unless all zero. An int64 array;
    computed with primitives, so it works under ``jit`` and ``vmap`` too (it has no
    derivative).

    >>> import ftrans.numpy as fnp, numpy as np
    >>> int(fnp.linalg.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])))
    1
    """
    a = asarray_strong(A)
    if get_aval(a).ndim < 2:
        return lax.convert_element_type(red.any(lax.ne(a, np.zeros((), get_aval(a).dtype))),
                                        np.int64)
    s = svdvals(a)
    dtype = get_aval(s).dtype
    last = get_aval(s).ndim - 1
    s_max = lax.expand_dims(lax.reduce_max(s, (last,)), (last,))
    if tol is None:
        if rtol is None:
            rtol = max(get_aval(a).shape[-2:]) * float(np.finfo(dtype).eps)
        cutoff = lax.mul(s_max, cast(asarray_strong(rtol), dtype))
    else:
        if rtol is not None:
            raise ValueError("`tol` and `rtol` can't be both set.")
        cutoff = cast(asarray_strong(tol), dtype)
        if get_aval(cutoff).ndim:
            cutoff = lax.expand_dims(cutoff, (get_aval(cutoff).ndim,))
    return red.sum(lax.gt(s, lax.stop_gradient(cutoff)), -1, np.int64)


# ---------------------------------------------------------------------------------------------
# Norms
# ---------------------------------------------------------------------------------------------


def norm(x: Any, ord: Any = None, axis: int | Sequence[int] | None = None,  # noqa: A002
         keepdims: bool = False) -> Any:
    """Vector or matrix norm, as ``numpy.linalg.norm``.

    Vector norms (``axis`` an int, or a 1-d ``x``): ``ord`` None/2 (Euclidean), 1, inf, -inf,
    0 (count of nonzeros) or any other p. Matrix norms (``axis`` a pair, or a 2-d ``x`` with
    ``ord`` given): None/'fro', 1, -1, inf, -inf, 2, -2, 'nuc'. Integers are computed in
    float64. The derivative of the Euclidean norm at 0 is NaN (as for ``sqrt``).

    Matrix ``ord`` 2, -2 and 'nuc' use the singular values (:func:`svdvals`).

    Raises:
      ValueError: an invalid ``ord`` or ``axis``.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> float(fnp.linalg.norm(np.array([3.0, 4.0])))
    5.0
    """
    x = asarray_strong(x)
    dtype = get_aval(x).dtype
    if dtype.kind not in "fc":
        x = cast(x, np.dtype(np.float64))
    nd = get_aval(x).ndim
    if axis is None:
        if ord is None:
            return ew.sqrt(red.sum(_squared_magnitudes(x), None, keepdims=keepdims))
        if nd not in (1, 2):
            raise ValueError("Improper number of dimensions to norm.")
        axes = tuple(range(nd))
    elif isinstance(axis, (int, np.integer)):
        axes = (normalize_axis(axis, nd),)
    else:
        axes = tuple(normalize_axis(a, nd) for a in axis)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


def _squared_magnitudes(x: Any) -> Any:
    """``|x| ** 2`` elementwise, real for complex ``x`` (``x * x`` would be complex)."""
    if get_aval(x).dtype.kind == "c":
        re, im = lax.real(x), lax.imag(x)
        return lax.add(lax.mul(re, re), lax.mul(im, im))
    return lax.mul(x, x)


def _vector_norm(x: Any, ord: Any, axis: int, keepdims: bool) -> Any:  # noqa: A002
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord is None or ord == 2:
        return ew.sqrt(red.sum(_squared_magnitudes(x), axis, keepdims=keepdims))
    if ord == np.inf:
        return red.max(ew.abs(x), axis, keepdims=keepdims)
    if ord == -np.inf:
        return red.min(ew.abs(x), axis, keepdims=keepdims)
    if ord == 0:
        nonzero = ew.not_equal(x, 0)
        return red.sum(nonzero, axis, np.finfo(get_aval(x).dtype).dtype, keepdims=keepdims)
    if ord == 1:
        return red.sum(ew.abs(x), axis, keepdims=keepdims)
    p = float(ord)
    total = red.sum(ew.power(ew.abs(x), p), axis, keepdims=keepdims)
    return ew.power(total, 1.0 / p)


def _matrix_norm(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:  # noqa: A002
    row, col = axes
    if row == col:
        raise ValueError("Duplicate axes given.")
    if ord is None or ord in ("fro", "f"):
        out = ew.sqrt(red.sum(_squared_magnitudes(x), axes))
    elif ord in (1, -1):
        sums = red.sum(ew.abs(x), row)
        out = (red.max if ord == 1 else red.min)(sums, col - (col > row))
    elif ord in (np.inf, -np.inf):
        sums = red.sum(ew.abs(x), col)
        out = (red.max if ord == np.inf else red.min)(sums, row - (row > col))
    elif ord in (2, -2, "nuc"):
        s = svdvals(moveaxis(x, (row, col), (-2, -1)))
        last = get_aval(s).ndim - 1
        out = {2: red.max, -2: red.min, "nuc": red.sum}[ord](s, last)
    else:
        raise ValueError(f"Invalid norm order {ord!r} for matrices.")
    if keepdims:
        shape = list(get_aval(x).shape)
        shape[row] = shape[col] = 1
        out = lax.reshape(out, tuple(shape))
    return out
