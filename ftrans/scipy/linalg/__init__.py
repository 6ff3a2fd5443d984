"""``ftrans.scipy.linalg``: SciPy's linear-algebra names, differentiable and batchable.

Written on the primitives of ``ftrans.lax.linalg_decompositions``, ``linalg_lu`` and
``linalg_eig`` and on ``ftrans.numpy``; no SciPy is needed. Signatures follow
``jax.scipy.linalg`` (SciPy's, with its buffer-management arguments ``overwrite_*`` and
``check_finite`` accepted and ignored). As in JAX, ``cholesky`` / ``cho_factor`` / ``eigh``
read only the triangle they are told to, ``cho_factor`` zeroes the other triangle, and
``sqrtm`` returns complex arrays. ``expm`` is a degree-13 Padé approximant with scaling and
squaring, written in ftrans operations, so its derivatives (any order, either mode) are those
of the computation. See docs/linalg.md.

>>> import ftrans as ft, ftrans.scipy.linalg as fsl, numpy as np
>>> np.allclose(fsl.expm(np.array([[0.0, 1.0], [0.0, 0.0]])), [[1.0, 1.0], [0.0, 1.0]])
True
"""

from ftrans.numpy.linalg import LinAlgError
from ftrans.scipy.linalg.decompositions import (
    cho_factor, cho_solve, cholesky, det, eigh, inv, lu, lu_factor, lu_solve, qr, schur, solve,
    solve_banded, solve_triangular, svd,
)
from ftrans.scipy.linalg.matrix_functions import (
    block_diag, circulant, expm, expm_frechet, funm, hankel, polar, solve_sylvester, sqrtm,
    toeplitz,
)

__all__ = [
    "LinAlgError", "block_diag", "cho_factor", "cho_solve", "cholesky", "circulant", "det",
    "eigh", "expm", "expm_frechet", "funm", "hankel", "inv", "lu", "lu_factor", "lu_solve",
    "polar", "qr", "schur", "solve", "solve_banded", "solve_sylvester", "solve_triangular",
    "sqrtm", "svd", "toeplitz",
]
