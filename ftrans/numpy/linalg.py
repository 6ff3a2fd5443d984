"""``ftrans.numpy.linalg``: norms, solves, inverses, determinants and decompositions.

Written on the primitives of ``ftrans.lax.linalg_decompositions`` (every transformation
applies). As in NumPy, functions run over leading axes (``(..., m, n)`` stacks), integers are
computed in float64, float32 stays float32 (complex64 stays complex64), float16 is refused.
Complex matrices work throughout, with conjugate transposes where NumPy uses them. Errors are
NumPy's ``LinAlgError`` (non-square, singular, not positive definite). Differences from NumPy,
as in JAX: ``eigh`` and ``cholesky`` factor the symmetrized ``(a + a^H) / 2``; ``eig`` and
``eigvals`` always return complex arrays; ``lstsq`` always returns the residuals
``sum(|b - a x|**2, axis=0)`` (a shape that does not depend on the rank); the derivatives of
``eig`` / ``eigh`` / ``svd`` need distinct eigenvalues / singular values. See docs/linalg.md.

>>> import ftrans as ft, ftrans.numpy as fnp, numpy as np
>>> a = np.array([[3.0, 1.0], [1.0, 2.0]])
>>> round(float(fnp.linalg.det(a)), 12)
5.0
>>> np.allclose(ft.grad(lambda m: fnp.linalg.det(m))(a), 5.0 * np.linalg.inv(a).T)
True
"""

from ftrans.numpy._linalg import matmul  # NumPy 2 exposes it here too
from ftrans.numpy._linalg_core import (
    EigResult, EighResult, LinAlgError, QRResult, SlogdetResult, SVDResult, cholesky, det, eig,
    eigh, eigvals, eigvalsh, inv, lstsq, matrix_power, matrix_rank, norm, pinv, qr, slogdet,
    solve, svd, svdvals,
)
from ftrans.numpy._linalg_array_api import (
    cond, cross, diagonal, matrix_norm, matrix_transpose, multi_dot, outer, tensordot,
    tensorinv, tensorsolve, trace, vecdot, vector_norm,
)

__all__ = [
    "LinAlgError", "norm", "matmul", "det", "slogdet", "inv", "solve", "lstsq", "cholesky",
    "qr", "eig", "eigvals", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "matrix_power",
    "matrix_rank", "EigResult", "EighResult", "QRResult", "SlogdetResult", "SVDResult",
    "matrix_transpose", "diagonal", "trace", "outer", "tensordot", "vecdot", "cross",
    "vector_norm", "matrix_norm", "multi_dot", "cond", "tensorinv", "tensorsolve",
]
