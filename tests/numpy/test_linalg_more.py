"""ftrans.numpy.linalg's array-API functions, eig / eigvals, and complex matrices through the
decompositions: values vs NumPy, check_grads, vmap vs loop, jit, errors."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import strategies as st

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.lax import linalg_eig
from ftrans.test_util import check_grads
from tests.spec_util import OpSpec, make_family_tests

F32_64 = (np.float64, np.float32)
C64_128 = (np.complex128, np.complex64)


def _cases(*shape_lists: tuple) -> st.SearchStrategy:
    return st.sampled_from(shape_lists)


def _normal(rng: np.random.Generator, shape: tuple, dtype: Any) -> np.ndarray:
    x = rng.normal(size=shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.normal(size=shape)
    return x


def _general(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """Well-conditioned square matrices (diagonally dominated), other shapes random."""
    out = []
    for s in arg_shapes:
        x = _normal(rng, s, dtype)
        if len(s) >= 2 and s[-1] == s[-2]:
            x = x + 3 * np.eye(s[-1]) * np.sign(rng.normal(size=s[:-2] + (1, 1)))
        out.append(x.astype(dtype))
    return tuple(out)


def _hermitian_pd(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """Hermitian positive-definite matrices with well separated eigenvalues."""
    out = []
    for s in arg_shapes:
        n = s[-1]
        q, _ = np.linalg.qr(_normal(rng, s, dtype))
        w = np.arange(1, n + 1) * 1.5 + rng.uniform(0, 0.3, s[:-2] + (n,))
        out.append(((q * w[..., None, :]) @ np.conj(np.swapaxes(q, -1, -2))).astype(dtype))
    return tuple(out)


def _separated_eigenvalues(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """Non-symmetric matrices V diag(w) V^-1 with eigenvalues well apart (real ones for real
    dtypes, so that finite differences do not cross a pair's collision)."""
    out = []
    for s in arg_shapes:
        n = s[-1]
        v = np.eye(n) + 0.3 * _normal(rng, s, dtype)
        w = np.arange(1, n + 1) * 1.0 + rng.uniform(0, 0.2, s[:-2] + (n,))
        if np.dtype(dtype).kind == "c":
            w = w + 1j * rng.uniform(-0.5, 0.5, w.shape)
        out.append((v * w[..., None, :]) @ np.linalg.inv(v))
    return tuple(x.astype(dtype) for x in out)


def _away_from_zero(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    return tuple((rng.uniform(0.5, 2.0, s) * rng.choice([-1, 1], s)).astype(dtype)
                 for s in arg_shapes)


def both(name: str, call: Callable[..., Any], shapes: Any, make_args: Any = _general,
         dtypes: tuple = F32_64, **kw: Any) -> OpSpec:
    kw.setdefault("rtol", 1e-5)
    kw.setdefault("grad_tol", 1e-4)
    return OpSpec(name, lambda *a: call(fnp.linalg, *a), lambda *a: call(np.linalg, *a), shapes,
                  dtypes, make_args=make_args, **kw)


def _eigvals_ref(a: Any) -> Any:
    w = np.linalg.eigvals(a)
    return w.astype(np.result_type(w.dtype, a.dtype, np.complex64))


def _abs2(v: Any) -> Any:
    return (v * v.conj()).real


def _eig_ref_projector(a: np.ndarray) -> np.ndarray:
    """v diag(w) v^-1 rebuilt from eig: independent of eigenvector scaling."""
    w, v = np.linalg.eig(a)
    dtype = np.result_type(a.dtype, np.complex64)
    w, v = w.astype(dtype), v.astype(dtype)
    return (v * w[..., None, :]) @ np.linalg.inv(v)


SQUARE = _cases(((3, 3),), ((2, 2, 2),), ((1, 1),))
RECT = _cases(((4, 3),), ((3, 3),), ((2, 4, 2),))
WIDE_OR_TALL = _cases(((4, 3),), ((3, 4),), ((2, 3, 3),))
STACK = _cases(((2, 3),), ((2, 3, 4),), ((3, 3),))

SPECS = [
    # the array-API names
    both("linalg.matrix_transpose", lambda m, a: m.matrix_transpose(a), STACK),
    both("linalg.diagonal", lambda m, a: m.diagonal(a, offset=1), STACK),
    both("linalg.trace", lambda m, a: m.trace(a, offset=-1), STACK),
    both("linalg.outer", lambda m, a, b: m.outer(a, b), _cases(((3,), (2,)), ((1,), (4,)))),
    both("linalg.tensordot", lambda m, a, b: m.tensordot(a, b, axes=1),
         _cases(((2, 3), (3, 4)), ((2, 2, 3), (3,)))),
    both("linalg.vecdot", lambda m, a, b: m.vecdot(a, b), _cases(((2, 3), (3,)), ((3,), (4, 3)))),
    both("linalg.vecdot:complex", lambda m, a, b: m.vecdot(a, b, axis=0),
         _cases(((3, 2), (3, 2))), dtypes=C64_128),
    both("linalg.cross", lambda m, a, b: m.cross(a, b), _cases(((3,), (3,)), ((2, 3), (3,)))),
    both("vector_norm:2", lambda m, a: m.vector_norm(a), STACK, _away_from_zero),
    both("vector_norm:axes", lambda m, a: m.vector_norm(a, axis=(0, -1), ord=3,
                                                        keepdims=True),
         _cases(((2, 3, 4),)), _away_from_zero),
    both("vector_norm:complex", lambda m, a: m.vector_norm(a, axis=-1), STACK,
         dtypes=C64_128),
    both("matrix_norm:fro", lambda m, a: m.matrix_norm(a), STACK, _away_from_zero),
    both("matrix_norm:nuc", lambda m, a: m.matrix_norm(a, ord="nuc", keepdims=True),
         _cases(((2, 3, 3),)), _general),
    both("multi_dot", lambda m, a, b, c: m.multi_dot([a, b, c]),
         _cases(((3,), (3, 4), (4, 2)), ((2, 3), (3, 4), (4,)), ((2, 5), (5, 1), (1, 3)))),
    both("multi_dot:four", lambda m, a, b, c, d: m.multi_dot([a, b, c, d]),
         _cases(((4, 1), (1, 5), (5, 2), (2, 3)))),
    both("cond", lambda m, a: m.cond(a), SQUARE),
    both("cond:1", lambda m, a: m.cond(a, 1), SQUARE, grad_order=0),
    both("tensorinv", lambda m, a: m.tensorinv(a, 1),
         _cases(((4, 2, 2),)), lambda rng, s, d: ((np.eye(4).reshape(4, 2, 2)
                                                    + 0.2 * rng.normal(size=s[0])).astype(d),)),
    both("tensorsolve", lambda m, a, b: m.tensorsolve(a, b),
         _cases(((6, 2, 3), (6,))), lambda rng, s, d: (
             (3 * np.eye(6).reshape(6, 2, 3) + 0.2 * rng.normal(size=s[0])).astype(d),
             rng.normal(size=s[1]).astype(d))),
    # eig / eigvals
    # LAPACK's order, the same in NumPy (the same routine runs)
    OpSpec("eigvals", fnp.linalg.eigvals, _eigvals_ref, SQUARE,
           (np.float64, np.complex128, np.float32), make_args=_separated_eigenvalues,
           rtol=1e-5, grad_tol=1e-4),
    OpSpec("eig:reconstruct", lambda a: (lambda w, v: fnp.linalg.solve(
        fnp.swapaxes(v, -1, -2), fnp.swapaxes(v * w[..., None, :], -1, -2)))(*fnp.linalg.eig(a)),
           lambda a: np.swapaxes(_eig_ref_projector(a), -1, -2), SQUARE,
           (np.float64, np.complex128), make_args=_separated_eigenvalues, rtol=1e-6,
           grad_tol=1e-4),
    OpSpec("eig:vectors", lambda a: tuple(fnp.linalg.eig(a)),
           lambda a: tuple(x.astype(np.result_type(x.dtype, np.complex64))
                           for x in np.linalg.eig(a)), SQUARE,
           (np.float64, np.complex128, np.float32), make_args=_separated_eigenvalues,
           rtol=1e-4, grad_tol=1e-4),
    # complex matrices through the decompositions
    both("det:complex", lambda m, a: m.det(a), SQUARE, dtypes=C64_128),
    both("slogdet:complex", lambda m, a: tuple(m.slogdet(a)), SQUARE, dtypes=C64_128),
    both("inv:complex", lambda m, a: m.inv(a), SQUARE, dtypes=C64_128),
    both("solve:complex", lambda m, a, b: m.solve(a, b), _cases(((3, 3), (3,)),
                                                             ((2, 3, 3), (2, 3, 2))),
         dtypes=C64_128),
    both("cholesky:complex", lambda m, a: m.cholesky(a), SQUARE, _hermitian_pd,
         dtypes=C64_128),
    both("eigvalsh:complex", lambda m, a: m.eigvalsh(a), SQUARE, _hermitian_pd,
         dtypes=C64_128),
    both("eigh:complex_vectors", lambda m, a: _abs2(m.eigh(a)[1]), SQUARE, _hermitian_pd,
         dtypes=C64_128, grad_order=1),
    both("svdvals:complex", lambda m, a: m.svd(a, compute_uv=False), WIDE_OR_TALL,
         dtypes=C64_128),
    both("svd:complex_product", lambda m, a: (lambda u, s, vh: (u * s[..., None, :]) @ vh)(
        *m.svd(a, full_matrices=False)), WIDE_OR_TALL, dtypes=C64_128),
    both("qr:complex", lambda m, a: (lambda q, r: (q @ r, _abs2(r)))(*m.qr(a)), RECT,
         dtypes=C64_128),
    both("pinv:complex", lambda m, a: m.pinv(a), WIDE_OR_TALL, dtypes=C64_128),
    both("norm:complex", lambda m, a: m.norm(a), STACK, dtypes=C64_128),
    both("matrix_power:complex", lambda m, a: m.matrix_power(a, -2), SQUARE, dtypes=C64_128),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS, max_examples=3)


RNG = np.random.default_rng(3)
(A,) = _separated_eigenvalues(RNG, ((4, 4),), np.float64)
(AC,) = _separated_eigenvalues(RNG, ((3, 3),), np.complex128)


def test_eig_under_jit_vmap_and_second_order() -> None:
    batch = np.stack([A, A.T, A + np.eye(4)])
    w = ft.vmap(fnp.linalg.eigvals, in_axes=2)(np.moveaxis(batch, 0, 2))
    np.testing.assert_allclose(w, [np.linalg.eigvals(m) for m in batch], atol=1e-12)
    w_jit, v_jit = ft.jit(fnp.linalg.eig)(AC)
    w_ref, v_ref = np.linalg.eig(AC)
    np.testing.assert_allclose(w_jit, w_ref, atol=1e-12)
    np.testing.assert_allclose(v_jit, v_ref, atol=1e-12)
    check_grads(lambda a: fnp.linalg.eig(a)[1], (AC,), 2, ("fwd", "rev"), atol=1e-4,
                rtol=1e-4)
    grad = ft.jit(ft.grad(lambda a: fnp.real(fnp.sum(fnp.linalg.eigvals(a) ** 2))))(A)
    np.testing.assert_allclose(grad, 2 * A.T, atol=1e-10)  # sum w^2 = tr(A^2)


def test_left_eigenvectors_and_the_opt_in() -> None:
    w, vl, vr = linalg_eig.eig(AC)
    np.testing.assert_allclose(np.conj(vl.T) @ AC, w[:, None] * np.conj(vl.T), atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(vl, axis=0), 1.0)
    with pytest.raises(NotImplementedError, match="enable_eigvec_derivs"):
        ft.jvp(lambda a: linalg_eig.eig(a, compute_left_eigenvectors=False)[1], (A,), (A,))
    dw = ft.jvp(lambda a: linalg_eig.eig(a, compute_left_eigenvectors=False,
                                         compute_right_eigenvectors=False)[0], (A,), (A,))[1]
    np.testing.assert_allclose(dw, np.linalg.eigvals(A), atol=1e-10)  # d w(tA)/dt = w
    with pytest.raises(NotImplementedError, match="left eigenvectors"):
        ft.jvp(lambda a: linalg_eig.eig(a, enable_eigvec_derivs=True)[1], (A,), (A,))


def test_complex_cholesky_and_triangular_solve() -> None:
    (h,) = _hermitian_pd(RNG, ((3, 3),), np.complex128)
    lower = fnp.linalg.cholesky(h)
    np.testing.assert_allclose(lower @ np.conj(lower.T), h, atol=1e-12)
    np.testing.assert_allclose(fnp.linalg.cholesky(h, upper=True), np.conj(lower.T))
    from ftrans.lax import linalg_decompositions as decomp
    b = _normal(RNG, (3, 2), np.complex128)
    x = decomp.triangular_solve(lower, b, left_side=True, lower=True, transpose_a=True,
                                conjugate_a=True)
    np.testing.assert_allclose(np.conj(lower.T) @ x, b, atol=1e-12)
    check_grads(lambda t, b: decomp.triangular_solve(t, b, left_side=True, lower=True,
                                                      transpose_a=True, conjugate_a=True),
                (lower, b), 2, ("fwd", "rev"), atol=1e-5, rtol=1e-5)


def test_lstsq_complex_matches_numpy() -> None:
    a, b = _normal(RNG, (5, 3), np.complex128), _normal(RNG, (5, 2), np.complex128)
    x, res, rank, s = fnp.linalg.lstsq(a, b)
    ex, eres, erank, es = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(x, ex, atol=1e-12)
    np.testing.assert_allclose(res, eres, atol=1e-12)
    assert int(rank) == erank
    check_grads(lambda a, b: fnp.linalg.lstsq(a, b)[0], (a, b), 1, ("fwd", "rev"), atol=1e-5,
                rtol=1e-5)


def test_names_match_jax_numpy_linalg() -> None:
    names = ["cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
             "eigvalsh", "inv", "lstsq", "matmul", "matrix_norm", "matrix_power",
             "matrix_rank", "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr",
             "slogdet", "solve", "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve",
             "trace", "vecdot", "vector_norm"]
    assert [n for n in names if not callable(getattr(fnp.linalg, n, None))] == []


def test_errors_name_the_function() -> None:
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        fnp.linalg.eig(np.ones((2, 3)))
    with pytest.raises(ValueError, match="matrix_transpose: x must be at least 2"):
        fnp.linalg.matrix_transpose(np.ones(3))
    with pytest.raises(ValueError, match="outer: input arrays must be one-dimensional"):
        fnp.linalg.outer(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="cross: x2 must have size 3"):
        fnp.linalg.cross(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="vecdot: x1 and x2 must have the same size"):
        fnp.linalg.vecdot(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="multi_dot: expecting at least two"):
        fnp.linalg.multi_dot([np.ones((2, 2))])
    with pytest.raises(ValueError, match="multi_dot: array 1 has 1 dimensions"):
        fnp.linalg.multi_dot([np.ones((2, 2)), np.ones(2), np.ones((2, 2))])
    with pytest.raises(ValueError, match="tensorinv: a.shape"):
        fnp.linalg.tensorinv(np.ones((2, 3)), 1)
    with pytest.raises(np.linalg.LinAlgError, match="tensorsolve"):
        fnp.linalg.tensorsolve(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="vector_norm: repeated axis"):
        fnp.linalg.vector_norm(np.ones((2, 2)), axis=(0, 0))
    with pytest.raises(TypeError, match="eig needs a floating-point"):
        linalg_eig.eig(np.eye(2, dtype=np.int64))
    assert fnp.linalg.eigvals(np.eye(2, dtype=np.int32)).dtype == np.complex128
    assert fnp.linalg.eigvals(np.eye(2, dtype=np.float32)).dtype == np.complex64
