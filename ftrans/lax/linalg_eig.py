"""The general (non-symmetric) eigendecomposition: ``eig``.

``eig_p`` maps real or complex ``(..., n, n)`` matrices to complex eigenvalues and, on request,
left and right eigenvectors (LAPACK's ``geev`` through NumPy). Eigenvectors are columns of unit
Euclidean norm whose largest-magnitude component is real: LAPACK's normalisation of the right
eigenvectors, which the derivative keeps (so the jvp is the derivative of the function
actually computed). The left eigenvectors are the columns of ``inv(vr)^H``, normalised the
same way (LAPACK may choose the opposite sign). The jvp is the standard perturbation result
for distinct eigenvalues: ``dw = diag(V^-1 dA V)``, ``dV = V (F * V^-1 dA V)`` with
``F_ij = 1 / (w_j - w_i)``, then corrected so that each column keeps unit norm and a real
largest component. See docs/linalg.md.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.jvp import Zero, jvp_rules
from ftrans.lax import elementwise as ew
from ftrans.lax.elementwise import (
    add, complex_dtype, conj, convert_element_type, div, eq, imag, mul, neg,
    real, sub,
)
from ftrans.lax.linalg_decompositions import (
    LinAlgError, as_column, as_row, bind_checked, check_matrix, leading_batch, matrix_diagonal,
    matrix_product, off_diagonal_inverse, solve_p, to_dtype,
)
from ftrans.lax.reductions import argmax, reduce_sum
from ftrans.lax.structural import broadcasted_iota, expand_dims


def _largest_component_real(v: np.ndarray) -> np.ndarray:
    """Columns of ``v`` scaled to unit norm with their largest-magnitude component real and
    positive."""
    v = v / np.linalg.norm(v, axis=-2, keepdims=True)
    k = np.argmax(np.abs(v), axis=-2)[..., None, :]
    top = np.take_along_axis(v, k, axis=-2)
    return v * (np.abs(top) / top)


def _eig_impl(a: Any, *, compute_left_eigenvectors: bool, compute_right_eigenvectors: bool,
              enable_eigvec_derivs: bool) -> list[Any]:
    a = np.asarray(a)
    out_dtype = complex_dtype(a.dtype)
    if not (compute_left_eigenvectors or compute_right_eigenvectors):
        return [np.linalg.eigvals(a).astype(out_dtype)]
    w, vr = np.linalg.eig(a)  # real arrays when every eigenvalue is real: always complex here
    w, vr = w.astype(out_dtype), vr.astype(out_dtype)
    out = [w]
    if compute_left_eigenvectors:
        out.append(_largest_component_real(np.conj(np.swapaxes(np.linalg.inv(vr), -1, -2))))
    if compute_right_eigenvectors:
        out.append(vr)
    return out


def _eig_abstract_eval(a: ShapedArray, *, compute_left_eigenvectors: bool,
                       compute_right_eigenvectors: bool,
                       enable_eigvec_derivs: bool) -> list[ShapedArray]:
    check_matrix("eig", a)
    dtype = complex_dtype(a.dtype)
    vectors = [make_aval(a.shape, dtype)] * (int(compute_left_eigenvectors)
                                             + int(compute_right_eigenvectors))
    return [make_aval(a.shape[:-1], dtype)] + vectors


eig_p = Primitive("eig", impl=_eig_impl, abstract_eval=_eig_abstract_eval,
                  multiple_results=True)


def eig(x: Any, *, compute_left_eigenvectors: bool = True,
        compute_right_eigenvectors: bool = True,
        enable_eigvec_derivs: bool = False) -> list[Any]:
    """Eigenvalues and eigenvectors of general ``(..., n, n)`` matrices: ``[w]``, then the
    left eigenvectors ``vl`` (``vl^H a = w vl^H``) if requested, then the right ones ``vr``
    (``a vr = vr w``), all complex; eigenvalues in LAPACK's order.

    Args:
      x: a real or complex floating-point matrix (or stack of them).
      compute_left_eigenvectors, compute_right_eigenvectors: which vectors to return.
      enable_eigvec_derivs: allow derivatives when eigenvectors are computed. They are valid
        only for distinct eigenvalues, which cannot be checked, so (as in JAX) they are
        opt-in; without vectors, the eigenvalues are always differentiable.

    Returns:
      ``[w, vl, vr]`` with the vectors not requested left out.

    Raises:
      TypeError: a non-floating matrix. LinAlgError: not square.
      NotImplementedError: a derivative with eigenvectors computed but not
        ``enable_eigvec_derivs``, or with left eigenvectors.

    >>> import numpy as np
    >>> w, v = eig(np.array([[0.0, 1.0], [-1.0, 0.0]]), compute_left_eigenvectors=False)
    >>> w
    array([0.+1.j, 0.-1.j])
    """
    return bind_checked(eig_p, x, compute_left_eigenvectors=bool(compute_left_eigenvectors),
                         compute_right_eigenvectors=bool(compute_right_eigenvectors),
                         enable_eigvec_derivs=bool(enable_eigvec_derivs))


def _eig_jvp(primals: Sequence[Any], tangents: Sequence[Any], *,
             compute_left_eigenvectors: bool, compute_right_eigenvectors: bool,
             enable_eigvec_derivs: bool) -> tuple[Any, Any]:
    (a,), (a_dot,) = primals, tangents
    params = dict(compute_left_eigenvectors=compute_left_eigenvectors,
                  compute_right_eigenvectors=compute_right_eigenvectors,
                  enable_eigvec_derivs=enable_eigvec_derivs)
    out = eig_p.bind(a, **params)
    if type(a_dot) is Zero:
        return out, [Zero.like(o) for o in out]
    vectors = compute_left_eigenvectors or compute_right_eigenvectors
    if vectors and not enable_eigvec_derivs:
        raise NotImplementedError(
            "derivatives of non-symmetric eigenvectors are valid only for distinct "
            "eigenvalues, which cannot be checked: pass enable_eigvec_derivs=True to "
            "ftrans.lax.linalg_eig.eig to opt in (ftrans.numpy.linalg.eig does), or compute "
            "eigenvalues only")
    if compute_left_eigenvectors:
        raise NotImplementedError("the derivative of eig's left eigenvectors is not "
                                  "implemented; ask for right eigenvectors only")
    # the eigenvalues' derivative needs the vectors, and its own derivative theirs
    w, v = eig_p.bind(a, compute_left_eigenvectors=False, compute_right_eigenvectors=True,
                      enable_eigvec_derivs=True)
    dtype = get_aval(v).dtype
    vinv_da_v = solve_p.bind(v, matrix_product(to_dtype(a_dot, dtype), v))  # V^-1 dA V
    w_dot = matrix_diagonal(vinv_da_v)
    if not compute_right_eigenvectors:
        return out, [w_dot]
    f = off_diagonal_inverse(sub(as_row(w), as_column(w)))  # F_ij = 1 / (w_j - w_i)
    v_dot = matrix_product(v, mul(f, vinv_da_v))
    # v_dot has no component along its own column; add v * c per column, c chosen so that
    # the norm stays 1 (real part) and the largest component stays real (imaginary part)
    ndim = get_aval(v).ndim
    top = argmax(ew.abs(v), ndim - 2)
    one_hot = eq(broadcasted_iota(top.dtype, get_aval(v).shape, ndim - 2),
                 expand_dims(top, (ndim - 2,)))
    one_hot = convert_element_type(one_hot, dtype)
    v_top = real(reduce_sum(mul(v, one_hot), (ndim - 2,)))
    dv_top = reduce_sum(mul(v_dot, one_hot), (ndim - 2,))
    norm_part = real(reduce_sum(mul(conj(v), v_dot), (ndim - 2,)))
    c = ew.complex(neg(norm_part), neg(div(imag(dv_top), v_top)))
    v_dot = add(v_dot, mul(v, expand_dims(c, (ndim - 2,))))
    return out, [w_dot, v_dot]


jvp_rules[eig_p] = _eig_jvp
leading_batch(eig_p)


# ---------------------------------------------------------------------------------------------
# schur
# ---------------------------------------------------------------------------------------------


def _invariant_basis(w: np.ndarray, v: np.ndarray, real: bool) -> np.ndarray:
    """The eigenvector matrix, or for a real Schur form a real basis of the same invariant
    subspaces: a conjugate pair of eigenvectors becomes its real and imaginary parts."""
    if not real:
        return v
    columns, j = [], 0
    while j < len(w):
        if w[j].imag != 0 and j + 1 < len(w):  # geev lists a conjugate pair together
            columns += [np.real(v[:, j]), np.imag(v[:, j])]
            j += 2
        else:
            columns.append(np.real(v[:, j]))
            j += 1
    return np.stack(columns, axis=1)


def _schur_one(a: np.ndarray, real: bool) -> tuple[np.ndarray, np.ndarray]:
    n = a.shape[-1]
    w, v = np.linalg.eig(a)
    real = real and w.dtype.kind == "c"  # a real spectrum gives real vectors anyway
    q, _ = np.linalg.qr(_invariant_basis(w, v, real))
    t = np.conj(q.T) @ a @ q  # A Q = Q (R D R^-1), block upper triangular
    keep = np.triu(np.ones((n, n), bool))
    if real:  # the 2x2 diagonal blocks of conjugate pairs keep their subdiagonal entry
        sub = np.zeros(n - 1, bool)
        j = 0
        while j < n:
            if w[j].imag != 0 and j + 1 < n:
                sub[j] = True
                j += 2
            else:
                j += 1
        keep |= np.diag(sub, -1)
    dropped = np.linalg.norm(np.where(keep, 0, t))
    scale = max(np.linalg.norm(a), np.finfo(a.dtype).tiny)
    if not np.isfinite(dropped) or dropped > 1e3 * np.finfo(a.dtype).eps * n * scale:
        raise LinAlgError("schur: the matrix is too close to defective (its eigenvectors "
                          "are nearly dependent) for ftrans's eigenvector-based Schur form")
    return np.where(keep, t, 0).astype(t.dtype), q


def _schur_impl(a: Any, *, output: str) -> list[Any]:
    a = np.asarray(a)
    real = output == "real" and a.dtype.kind == "f"
    dtype = a.dtype if real else complex_dtype(a.dtype)
    flat = a.reshape((-1,) + a.shape[-2:])
    pairs = [_schur_one(m, real) for m in flat]
    t = np.stack([p[0] for p in pairs]).astype(dtype).reshape(a.shape)
    q = np.stack([p[1] for p in pairs]).astype(dtype).reshape(a.shape)
    return [t, q]


def _schur_abstract_eval(a: ShapedArray, *, output: str) -> list[ShapedArray]:
    check_matrix("schur", a)
    if output not in ("real", "complex"):
        raise ValueError(f"schur: output must be 'real' or 'complex', got {output!r}")
    dtype = a.dtype if output == "real" and a.dtype.kind == "f" else complex_dtype(a.dtype)
    return [make_aval(a.shape, dtype)] * 2


schur_p = Primitive("schur", impl=_schur_impl, abstract_eval=_schur_abstract_eval,
                    multiple_results=True)


def schur(x: Any, output: str = "real") -> list[Any]:
    """Schur decomposition ``x = q @ t @ q^H`` of ``(..., n, n)`` matrices: ``[t, q]``, ``q``
    unitary, ``t`` upper triangular (``output='complex'``, or a complex ``x``) or, for real
    ``x`` and ``output='real'``, real and quasi-triangular with a 2x2 block per conjugate pair
    of eigenvalues.

    Computed from the eigenvectors (an orthonormal basis of each leading invariant subspace):
    exact for diagonalisable matrices, it raises LinAlgError for (nearly) defective ones
    rather than return a wrong factor. Schur forms are not unique; this one orders the
    eigenvalues as ``eig`` does. Not differentiable (as in JAX).

    >>> import numpy as np
    >>> t, q = schur(np.array([[1.0, 2.0], [0.0, 3.0]]))
    >>> np.allclose(q @ t @ q.T, [[1.0, 2.0], [0.0, 3.0]]), abs(float(t[1, 0]))
    (True, 0.0)
    """
    return bind_checked(schur_p, x, output=output)


def _schur_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, output: str) -> Any:
    (a,), (a_dot,) = primals, tangents
    if type(a_dot) is Zero:
        out = schur_p.bind(a, output=output)
        return out, [Zero.like(o) for o in out]
    raise NotImplementedError("schur has no derivative (nor in JAX); eig or eigh give "
                              "differentiable spectra")


jvp_rules[schur_p] = _schur_jvp
leading_batch(schur_p)

__all__ = ["eig", "eig_p", "schur", "schur_p"]
