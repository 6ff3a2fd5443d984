"""Matrix functions and special matrices of ``ftrans.scipy.linalg``: expm (a degree-13 Padé
approximant with scaling and squaring, written in ftrans operations, so its derivatives are
those of the computation), expm_frechet, sqrtm, funm, polar, solve_sylvester; block_diag,
toeplitz, hankel, circulant. See docs/linalg.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import lax, numpy as fnp
from ftrans.core import Tracer, get_aval
from ftrans.lax import linalg_decompositions as decomp
from ftrans.numpy._promotion import asarray_strong, cast, result_type
from ftrans.numpy._linalg_core import (
    adjoint, float_matrix, float_pair, as_dtype, swap_matrix_axes,
)
from ftrans.api import jvp

__all__ = [
    "block_diag", "circulant", "expm", "expm_frechet", "funm", "hankel", "polar", "solve_sylvester",
    "sqrtm", "toeplitz",
]


# ---------------------------------------------------------------------------------------------
# Matrix functions
# ---------------------------------------------------------------------------------------------

# Padé [13/13] coefficients for exp (Higham 2005) and the norm below which, after scaling,
# the approximant is accurate to double precision.
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
           1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
           33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _pade13(a: Any) -> Any:
    b = _PADE13
    dtype = get_aval(a).dtype
    eye = lax.broadcast_to(np.eye(get_aval(a).shape[-1], dtype=dtype), get_aval(a).shape)
    a2 = fnp.matmul(a, a)
    a4 = fnp.matmul(a2, a2)
    a6 = fnp.matmul(a4, a2)

    def combo(*terms: tuple[float, Any]) -> Any:
        out = None
        for c, x in terms:
            x = lax.mul(x, np.asarray(c, dtype)[()])
            out = x if out is None else lax.add(out, x)
        return out

    u = fnp.matmul(a, lax.add(fnp.matmul(a6, combo((b[13], a6), (b[11], a4), (b[9], a2))),
                              combo((b[7], a6), (b[5], a4), (b[3], a2), (b[1], eye))))
    v = lax.add(fnp.matmul(a6, combo((b[12], a6), (b[10], a4), (b[8], a2))),
                combo((b[6], a6), (b[4], a4), (b[2], a2), (b[0], eye)))
    return decomp.solve(lax.sub(v, u), lax.add(v, u))


def expm(A: Any, *, upper_triangular: bool = False, max_squarings: int = 16) -> Any:  # noqa: N803
    """The matrix exponential of ``(..., n, n)`` matrices: a Padé [13/13] approximant of
    ``exp(A / 2^s)`` squared ``s`` times, ``s`` chosen from the 1-norm so that the
    approximant is accurate to double precision (Higham's scaling and squaring). The
    derivative is that of the computation (forward and reverse, any order): the Fréchet
    derivative to working accuracy (:func:`expm_frechet`).

    Args:
      A: real or complex square matrices.
      upper_triangular: accepted for JAX compatibility (a hint; ignored).
      max_squarings: the most squarings allowed; a matrix that needs more gives NaNs (JAX's
        contract).

    Raises:
      LinAlgError: ``A`` not square.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.expm(np.zeros((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    """
    a = float_matrix(A, "expm")
    aval = get_aval(a)
    real_dtype = np.finfo(aval.dtype).dtype
    # s = max(0, ceil(log2(|A|_1 / theta))), per matrix; piecewise constant: no derivative
    norm1 = lax.stop_gradient(fnp.max(fnp.sum(fnp.abs(a), -2), -1))
    ratio = lax.div(norm1, np.asarray(_THETA13, real_dtype)[()])
    safe = lax.select_n(lax.gt(ratio, np.zeros((), real_dtype)),
                        lax.broadcast_to(np.ones((), real_dtype), get_aval(ratio).shape), ratio)
    s = lax.max(lax.ceil(lax.div(lax.log(safe), np.asarray(np.log(2.0), real_dtype)[()])),
                np.zeros((), real_dtype))
    scale = lax.pow(np.asarray(2.0, real_dtype)[()], s)
    scale = lax.expand_dims(lax.expand_dims(as_dtype(scale, aval.dtype), (aval.ndim - 2,)),
                            (aval.ndim - 1,))
    r = _pade13(lax.div(a, scale))
    too_many = lax.gt(s, np.asarray(max_squarings, real_dtype)[()])
    s = lax.select_n(too_many, s, lax.broadcast_to(np.zeros((), real_dtype),
                                                   get_aval(s).shape))  # NaNs below anyway
    if not isinstance(s, Tracer):  # s is known: square exactly s times
        steps = int(np.max(s, initial=0)) if np.size(s) else 0
        for i in range(steps):
            squared = fnp.matmul(r, r)
            r = squared if np.ndim(s) == 0 else fnp.where(
                (s > i)[..., None, None], squared, r)
    else:  # under jit or vmap: a fixed number of squarings, each applied where s asks
        zero = np.zeros((), aval.dtype)
        for i in range(max_squarings):
            active = lax.expand_dims(lax.gt(s, np.asarray(i, real_dtype)[()]),
                                     (aval.ndim - 2, aval.ndim - 1))
            # square zeros where inactive, so that no discarded product can overflow
            candidate = fnp.where(active, r, zero)
            r = fnp.where(active, fnp.matmul(candidate, candidate), r)
    nan = np.asarray(np.nan, aval.dtype)[()]
    return fnp.where(lax.expand_dims(too_many, (aval.ndim - 2, aval.ndim - 1)), nan, r)


def expm_frechet(A: Any, E: Any, *, method: str | None = None,  # noqa: N803
                 compute_expm: bool = True) -> Any:
    """The Fréchet derivative of :func:`expm` at ``A`` in the direction ``E``, as the jvp
    of ``expm``: ``(expm(A), L(A, E))``, or ``L(A, E)`` alone without ``compute_expm``.

    Raises:
      ValueError: an unknown ``method``, or ``A`` and ``E`` of different shapes.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.expm_frechet(np.zeros((2, 2)), np.eye(2), compute_expm=False)
    array([[1., 0.],
           [0., 1.]])
    """
    if method not in (None, "SPS", "blockEnlarge"):
        raise ValueError(f"expm_frechet: method must be None, 'SPS' or 'blockEnlarge', got "
                         f"{method!r}")
    a, e = float_pair(A, E, "expm_frechet")
    if get_aval(a).shape != get_aval(e).shape:
        raise ValueError(f"expm_frechet: A and E must have the same shape, got "
                         f"{get_aval(a).shape} and {get_aval(e).shape}")
    value, derivative = jvp(expm, (a,), (e,))
    return (value, derivative) if compute_expm else derivative


def sqrtm(A: Any, blocksize: int = 1) -> Any:  # noqa: N803
    """The principal square root of ``(..., n, n)`` matrices, ``V diag(sqrt(w)) V^-1`` from
    :func:`ftrans.numpy.linalg.eig`: complex, as in JAX (SciPy returns real arrays when it
    can). Differentiable where the eigenvalues are distinct (JAX's is not differentiable);
    for defective matrices the eigenvectors, and so the result, are inaccurate.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> np.allclose(fsl.sqrtm(np.diag([4.0, 9.0])), np.diag([2.0, 3.0]))
    True
    """
    a = float_matrix(A, "sqrtm")
    w, v = fnp.linalg.eig(a)
    root = fnp.sqrt(w)
    return decomp.swap_last(decomp.solve(swap_matrix_axes(v), swap_matrix_axes(lax.mul(
        v, lax.expand_dims(root, (get_aval(root).ndim - 1,))))))


def funm(A: Any, func: Any, disp: bool = True) -> Any:  # noqa: N803
    """``func`` of a matrix: ``V diag(func(w)) V^-1`` from :func:`ftrans.numpy.linalg.eig`
    (complex, as in JAX). ``func`` maps the vector of (complex) eigenvalues elementwise, e.g.
    ``ftrans.numpy.exp``. With ``disp=False``, ``(F, err)`` where ``err`` is the relative
    commutator residual ``|A F - F A|_1 / |F|_1`` (ftrans's estimate; SciPy's differs).
    Differentiable where the eigenvalues are distinct.

    >>> import ftrans.numpy as fnp, ftrans.scipy.linalg as fsl, numpy as np
    >>> np.allclose(fsl.funm(np.diag([1.0, 2.0]), fnp.exp), np.diag(np.exp([1.0, 2.0])))
    True
    """
    a = float_matrix(A, "funm")
    w, v = fnp.linalg.eig(a)
    values = asarray_strong(func(w))
    if get_aval(values).shape != get_aval(w).shape:
        raise ValueError(f"funm: func must map the eigenvalues elementwise, got shape "
                         f"{get_aval(values).shape} from eigenvalues of shape "
                         f"{get_aval(w).shape}")
    values = cast(values, get_aval(w).dtype)
    f = decomp.swap_last(decomp.solve(swap_matrix_axes(v), swap_matrix_axes(lax.mul(
        v, lax.expand_dims(values, (get_aval(values).ndim - 1,))))))
    if disp:
        return f
    ac = cast(a, get_aval(f).dtype)
    residual = lax.sub(fnp.matmul(ac, f), fnp.matmul(f, ac))
    return f, lax.div(fnp.linalg.norm(residual, 1, (-2, -1)), fnp.linalg.norm(f, 1, (-2, -1)))


def polar(a: Any, side: str = "right", *, method: str = "svd", eps: float | None = None,
          max_iterations: int | None = None) -> tuple[Any, Any]:
    """The polar decomposition through the SVD: ``(u, p)`` with ``a = u p`` (``side=
    'right'``) or ``a = p u`` ('left'), ``u`` with orthonormal columns (rows) and ``p``
    Hermitian positive semi-definite. ``method`` 'qdwh' (JAX's iteration) gives the same
    factors; ``eps`` and ``max_iterations`` are accepted and ignored.

    Raises:
      ValueError: an unknown ``side`` or ``method``.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> u, p = fsl.polar(np.array([[0.0, 2.0], [-3.0, 0.0]]))
    >>> p
    array([[3., 0.],
           [0., 2.]])
    """
    if side not in ("right", "left"):
        raise ValueError(f"polar: side must be 'right' or 'left', got {side!r}")
    if method not in ("svd", "qdwh"):
        raise ValueError(f"polar: method must be 'svd' or 'qdwh', got {method!r}")
    a = float_matrix(a, "polar", square=False)
    u, s, vh = fnp.linalg.svd(a, full_matrices=False)
    s = as_dtype(lax.expand_dims(s, (get_aval(s).ndim,)), get_aval(a).dtype)
    unitary = fnp.matmul(u, vh)
    if side == "right":  # p = V S V^H
        return unitary, fnp.matmul(adjoint(vh), lax.mul(s, vh))
    return unitary, fnp.matmul(u, lax.mul(s, adjoint(u)))  # p = U S U^H


def solve_sylvester(A: Any, B: Any, C: Any, *, method: str = "schur",  # noqa: N803
                    tol: float = 1e-8) -> Any:
    """Solve the Sylvester equation ``A X + X B = C`` (``A`` ``(m, m)``, ``B`` ``(n, n)``,
    ``C`` ``(m, n)``) as one linear system of size ``m n``, ``(I kron A + B^T kron I)
    vec(X) = vec(C)``: exact and differentiable, with ``O((m n)^3)`` cost (fine for the small
    matrices it is used on). ``method`` is accepted for JAX compatibility; ``tol`` ignored.

    Raises:
      ValueError: an unknown ``method``, or shapes that do not fit.
      LinAlgError: ``A`` and ``-B`` share an eigenvalue (no unique solution).

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.solve_sylvester(np.eye(2), np.eye(2), np.ones((2, 2)))
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    if method not in ("schur", "eigen"):
        raise ValueError(f"solve_sylvester: method must be 'schur' or 'eigen', got {method!r}")
    arrays = [asarray_strong(x) for x in (A, B, C)]
    dtype = result_type(*arrays)
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    a, b, c = (float_matrix(cast(x, dtype), "solve_sylvester", square=(i < 2))
               for i, x in enumerate(arrays))
    m, n = get_aval(a).shape[-1], get_aval(b).shape[-1]
    if get_aval(a).ndim != 2 or get_aval(b).ndim != 2 or get_aval(c).shape != (m, n):
        raise ValueError(f"solve_sylvester: A (m, m), B (n, n) and C (m, n) needed, got "
                         f"{get_aval(a).shape}, {get_aval(b).shape} and {get_aval(c).shape}")
    system = lax.add(fnp.kron(np.eye(n, dtype=dtype), a),
                     fnp.kron(swap_matrix_axes(b), np.eye(m, dtype=dtype)))
    # vec stacks columns: vec(X) = X^T flattened
    x = decomp.solve(system, lax.reshape(swap_matrix_axes(c), (m * n, 1)))
    return swap_matrix_axes(lax.reshape(x, (n, m)))


# ---------------------------------------------------------------------------------------------
# Special matrices
# ---------------------------------------------------------------------------------------------


def block_diag(*arrs: Any) -> Any:
    """The block-diagonal matrix of the arrays (0-d and 1-d ones count as ``(1, 1)`` and
    ``(1, n)``), in their common dtype.

    Raises:
      ValueError: an array of rank above 2.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.block_diag(np.ones((1, 2)), 2.0)
    array([[1., 1., 0.],
           [0., 0., 2.]])
    """
    if not arrs:
        return np.zeros((1, 0))
    blocks = [asarray_strong(a) for a in arrs]
    dtype = result_type(*blocks)
    shaped = []
    for i, x in enumerate(blocks):
        shape = get_aval(x).shape
        if len(shape) > 2:
            raise ValueError(f"block_diag: arguments must have rank 2 or less, argument {i} "
                             f"has shape {shape}")
        shaped.append(lax.reshape(cast(x, dtype), ((1,) * (2 - len(shape))) + shape))
    rows = sum(get_aval(x).shape[0] for x in shaped)
    cols = sum(get_aval(x).shape[1] for x in shaped)
    out, r, c = None, 0, 0
    zero = np.zeros((), dtype)
    for x in shaped:
        h, w = get_aval(x).shape
        placed = lax.pad(x, zero, [(r, rows - r - h, 0), (c, cols - c - w, 0)])
        out = placed if out is None else lax.add(out, placed)
        r, c = r + h, c + w
    return out


def _last_axis_vectors(c: Any, r: Any) -> tuple[Any, Any]:
    c, r = asarray_strong(c), asarray_strong(r)
    dtype = result_type(c, r)
    c, r = cast(c, dtype), cast(r, dtype)
    if get_aval(c).ndim == 0:
        c = lax.reshape(c, (1,))
    if get_aval(r).ndim == 0:
        r = lax.reshape(r, (1,))
    lead = np.broadcast_shapes(get_aval(c).shape[:-1], get_aval(r).shape[:-1])
    return (lax.broadcast_to(c, lead + get_aval(c).shape[-1:]),
            lax.broadcast_to(r, lead + get_aval(r).shape[-1:]))


def toeplitz(c: Any, r: Any = None) -> Any:
    """The Toeplitz matrix with first column ``c`` and first row ``r`` (``r[0]`` ignored;
    ``conj(c)`` by default, a Hermitian matrix). Leading axes of ``c`` and ``r`` are a batch.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.toeplitz(np.array([1.0, 2.0, 3.0]), np.array([1.0, 4.0]))
    array([[1., 4.],
           [2., 1.],
           [3., 2.]])
    """
    if r is None:
        c = asarray_strong(c)
        r = lax.conj(c) if get_aval(c).dtype.kind == "c" else c
    c, r = _last_axis_vectors(c, r)
    m, n = get_aval(c).shape[-1], get_aval(r).shape[-1]
    last = get_aval(c).ndim - 1
    tail = lax.rev(lax.slice_in_dim(r, 1, n, axis=last), (last,))
    values = lax.concatenate([tail, c], last)  # values[n - 1 + i - j] is entry (i, j)
    index = (n - 1) + np.arange(m)[:, None] - np.arange(n)[None, :]
    return fnp.take(values, index, axis=-1)


def hankel(c: Any, r: Any = None) -> Any:
    """The Hankel matrix with first column ``c`` and last row ``r`` (``r[0]`` ignored; zeros
    by default). Leading axes of ``c`` and ``r`` are a batch.

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.hankel(np.array([1.0, 2.0]), np.array([2.0, 3.0, 4.0]))
    array([[1., 2., 3.],
           [2., 3., 4.]])
    """
    if r is None:
        r = fnp.zeros_like(asarray_strong(c))
    c, r = _last_axis_vectors(c, r)
    m, n = get_aval(c).shape[-1], get_aval(r).shape[-1]
    last = get_aval(c).ndim - 1
    values = lax.concatenate([c, lax.slice_in_dim(r, 1, n, axis=last)], last)
    index = np.arange(m)[:, None] + np.arange(n)[None, :]
    return fnp.take(values, index, axis=-1)


def circulant(c: Any) -> Any:
    """The circulant matrix with first column ``c`` (leading axes a batch).

    >>> import ftrans.scipy.linalg as fsl, numpy as np
    >>> fsl.circulant(np.array([1.0, 2.0, 3.0]))
    array([[1., 3., 2.],
           [2., 1., 3.],
           [3., 2., 1.]])
    """
    c = asarray_strong(c)
    if get_aval(c).ndim == 0:
        c = lax.reshape(c, (1,))
    n = get_aval(c).shape[-1]
    index = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
    return fnp.take(c, index, axis=-1)
