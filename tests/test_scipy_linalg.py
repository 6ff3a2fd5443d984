"""ftrans.scipy.linalg: values vs SciPy, check_grads, vmap vs loop, jit, errors."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import strategies as st

import ftrans as ft
import ftrans.scipy.linalg as fsl
from ftrans.test_util import check_grads
from tests.spec_util import OpSpec, make_family_tests

sl = pytest.importorskip("scipy.linalg")

F64_C128 = (np.float64, np.complex128)


def _cases(*shape_lists: tuple) -> st.SearchStrategy:
    return st.sampled_from(shape_lists)


def _normal(rng: np.random.Generator, shape: tuple, dtype: Any) -> np.ndarray:
    x = rng.normal(size=shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.normal(size=shape)
    return x.astype(dtype)


def _general(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    out = []
    for s in arg_shapes:
        x = _normal(rng, s, dtype)
        if len(s) == 2 and s[0] == s[1]:
            x = x + 3 * np.eye(s[0]) * rng.choice([-1, 1])
        out.append(x.astype(dtype))
    return tuple(out)


def _pd(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    (s, *rest) = arg_shapes
    n = s[-1]
    q, _ = np.linalg.qr(_normal(rng, s, dtype))
    w = np.arange(1, n + 1) * 1.5 + rng.uniform(0, 0.3, n)
    a = ((q * w) @ np.conj(q.T)).astype(dtype)
    return (a,) + tuple(_normal(rng, r, dtype) for r in rest)


def _scaled(scale: float) -> Callable:
    def make(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
        return tuple((scale * _normal(rng, s, dtype)).astype(dtype) for s in arg_shapes)
    return make


def _separated(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """Matrices with well separated singular values (far from 0)."""
    out = []
    for s in arg_shapes:
        m, n = s
        k = min(m, n)
        u, _ = np.linalg.qr(_normal(rng, (m, k), dtype))
        v, _ = np.linalg.qr(_normal(rng, (n, k), dtype))
        sv = np.arange(k, 0, -1) * 1.5 + rng.uniform(0, 0.3, k)
        out.append(((u * sv) @ np.conj(v.T)).astype(dtype))
    return tuple(out)


def both(name: str, call: Callable[..., Any], shapes: Any, make_args: Any = _general,
         dtypes: tuple = F64_C128, **kw: Any) -> OpSpec:
    kw.setdefault("rtol", 1e-7)
    kw.setdefault("grad_tol", 1e-4)
    return OpSpec(name, lambda *a: call(fsl, *a), lambda *a: call(sl, *a), shapes, dtypes,
                  make_args=make_args, **kw)


def _upper(x: Any) -> Any:
    return np.triu(x) if isinstance(x, np.ndarray) else x


SQUARE = _cases(((3, 3),), ((1, 1),))
SOLVE = _cases(((3, 3), (3,)), ((3, 3), (3, 2)))

SPECS = [
    both("cholesky:upper", lambda m, a: m.cholesky(a), SQUARE, _pd),
    both("cholesky:lower", lambda m, a: m.cholesky(a, lower=True), SQUARE, _pd),
    both("cho_solve", lambda m, a, b: m.cho_solve(m.cho_factor(a), b), SOLVE, _pd),
    both("cho_solve:lower", lambda m, a, b: m.cho_solve(m.cho_factor(a, lower=True), b),
         SOLVE, _pd),
    both("solve_triangular:N", lambda m, a, b: m.solve_triangular(a, b), SOLVE),
    both("solve_triangular:T", lambda m, a, b: m.solve_triangular(a, b, trans=1, lower=True),
         SOLVE),
    both("solve_triangular:C", lambda m, a, b: m.solve_triangular(
        a, b, trans="C", unit_diagonal=True), SOLVE),
    both("lu", lambda m, a: m.lu(a), _cases(((3, 3),), ((3, 4),), ((4, 2),)),
         grad_order=2, dtypes=(np.float64,)),
    both("lu:permute_l", lambda m, a: m.lu(a, permute_l=True), SQUARE),
    both("lu_factor", lambda m, a: m.lu_factor(a), SQUARE),
    both("lu_solve", lambda m, a, b: m.lu_solve(m.lu_factor(a), b), SOLVE),
    both("lu_solve:T", lambda m, a, b: m.lu_solve(m.lu_factor(a), b, trans=1), SOLVE),
    both("lu_solve:C", lambda m, a, b: m.lu_solve(m.lu_factor(a), b, trans=2), SOLVE),
    both("solve", lambda m, a, b: m.solve(a, b), SOLVE),
    both("solve:pos", lambda m, a, b: m.solve(a, b, assume_a="pos"), SOLVE, _pd),
    both("inv", lambda m, a: m.inv(a), SQUARE),
    both("det", lambda m, a: m.det(a), SQUARE),
    both("qr:r_abs", lambda m, a: np.abs(m.qr(a, mode="r")[0]) if m is sl else
         ft.numpy.abs(m.qr(a, mode="r")[0]), _cases(((4, 3),), ((3, 4),)),
         dtypes=(np.float64,)),
    both("qr:economic", lambda m, a: (lambda q, r: q @ r)(*m.qr(a, mode="economic")),
         _cases(((4, 3),), ((3, 3),))),
    both("svd:values", lambda m, a: m.svd(a, compute_uv=False), _cases(((4, 3),), ((2, 3),))),
    both("eigh:values", lambda m, a: m.eigh(a, eigvals_only=True), SQUARE, _pd),
    both("eigh:upper", lambda m, a: m.eigh(a, lower=False, eigvals_only=True), SQUARE, _pd),
    both("eigh:generalized", lambda m, a, b: m.eigh(a, b, eigvals_only=True),
         _cases(((3, 3), (3, 3))), lambda rng, s, d: _pd(rng, s[:1], d) + _pd(rng, s[1:], d),
         dtypes=(np.float64,)),
    both("expm", lambda m, a: m.expm(a), _cases(((3, 3),), ((1, 1),)), _scaled(0.7)),
    both("expm:large", lambda m, a: m.expm(a), _cases(((3, 3),)), _scaled(4.0),
         rtol=1e-6, grad_tol=1e-3, grad_order=1),
    both("expm_frechet", lambda m, a, e: m.expm_frechet(a, e), _cases(((3, 3), (3, 3))),
         _scaled(0.7), rtol=1e-6, grad_order=1),
    both("sqrtm", lambda m, a: np.asarray(m.sqrtm(a), complex) if m is sl else m.sqrtm(a),
         SQUARE, _pd, dtypes=(np.float64,)),
    both("polar:right", lambda m, a: m.polar(a), _cases(((3, 3),), ((4, 2),)), _separated),
    both("polar:left", lambda m, a: m.polar(a, "left"), _cases(((3, 3),), ((2, 4),)),
         _separated),
    both("funm", lambda m, a: np.asarray(m.funm(a, np.sin), complex) if m is sl else
         m.funm(a, ft.numpy.sin), _cases(((3, 3),)), _pd, dtypes=(np.float64,)),
    both("solve_sylvester", lambda m, a, b, c: m.solve_sylvester(a, b, c),
         _cases(((3, 3), (2, 2), (3, 2))), lambda rng, s, d: (
             _pd(rng, s[:1], d)[0], _pd(rng, s[1:2], d)[0], _normal(rng, s[2], d))),
    both("block_diag", lambda m, a, b, c: m.block_diag(a, b, c),
         _cases(((2, 2), (3,), ()), ((1, 3), (2, 1), (2, 2)))),
    both("toeplitz", lambda m, c, r: m.toeplitz(c, r), _cases(((3,), (4,)), ((1,), (2,)))),
    both("toeplitz:hermitian", lambda m, c: m.toeplitz(c), _cases(((3,),))),
    both("hankel", lambda m, c, r: m.hankel(c, r), _cases(((3,), (4,)), ((2,), (1,)))),
    both("circulant", lambda m, c: m.circulant(c), _cases(((3,),), ((1,),))),
]

(test_matches_scipy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS, max_examples=3)

RNG = np.random.default_rng(5)


def test_vmap_jit_and_batches() -> None:
    a = np.stack([0.5 * RNG.normal(size=(3, 3)) for _ in range(3)])
    np.testing.assert_allclose(fsl.expm(a), [sl.expm(m) for m in a], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ft.vmap(fsl.expm, in_axes=1)(np.moveaxis(a * 20, 0, 1)),
                               [sl.expm(m) for m in a * 20], rtol=1e-9)
    np.testing.assert_allclose(ft.jit(fsl.expm)(a[0] * 20), sl.expm(a[0] * 20), rtol=1e-9)
    grad = ft.jit(ft.grad(lambda m: ft.numpy.trace(fsl.expm(m))))(a[0])
    np.testing.assert_allclose(grad, sl.expm(a[0]).T, rtol=1e-10)  # d tr e^A = e^(A^T)
    solve = ft.vmap(lambda m, b: fsl.lu_solve(fsl.lu_factor(m), b))
    bs = RNG.normal(size=(3, 3))
    spd = a @ np.swapaxes(a, 1, 2) + 3 * np.eye(3)
    np.testing.assert_allclose(solve(spd, bs), np.linalg.solve(spd, bs[..., None])[..., 0])
    np.testing.assert_allclose(ft.jit(lambda m, b: fsl.cho_solve(fsl.cho_factor(m), b))(
        spd[0], bs[0]), np.linalg.solve(spd[0], bs[0]))
    np.testing.assert_allclose(fsl.solve_triangular(np.triu(spd), bs[..., None])[..., 0],
                               [sl.solve_triangular(m, b) for m, b in zip(np.triu(spd), bs)])
    np.testing.assert_allclose(fsl.toeplitz(bs, bs), np.stack([sl.toeplitz(b, b) for b in bs]))
    np.testing.assert_array_equal(ft.jit(fsl.expm)(np.full((2, 2), 1e20)), np.nan)


def _canonical(w: np.ndarray) -> np.ndarray:
    """Eigenvalues sorted robustly (rounded real parts first, then imaginary parts)."""
    return w[np.lexsort((np.round(w.imag, 8), np.round(w.real, 8)))]


def test_lu_second_order_and_schur() -> None:
    a = RNG.normal(size=(4, 4))
    check_grads(lambda m: fsl.lu(m)[1:], (a,), 2, ("fwd", "rev"), atol=1e-5, rtol=1e-5)
    check_grads(lambda m: fsl.expm(m), (0.5 * a,), 2, ("fwd", "rev"), atol=1e-5, rtol=1e-5)
    for out, x in (("real", a), ("complex", a), ("real", a + 1j * RNG.normal(size=(4, 4)))):
        t, z = fsl.schur(x, output=out)
        st_, sz = sl.schur(x, output=out)
        assert t.dtype == st_.dtype
        np.testing.assert_allclose(z @ t @ np.conj(z.T), x, atol=1e-10)
        np.testing.assert_allclose(np.conj(z.T) @ z, np.eye(4), atol=1e-12)
        np.testing.assert_array_equal(np.tril(t, -2), 0)
        np.testing.assert_allclose(_canonical(np.linalg.eigvals(t)),
                                   _canonical(np.linalg.eigvals(st_)), atol=1e-10)
        if out == "complex":
            np.testing.assert_array_equal(np.tril(t, -1), 0)
    with pytest.raises(NotImplementedError, match="schur has no derivative"):
        ft.jvp(lambda m: fsl.schur(m)[0], (a,), (a,))


def test_generalized_eigh_vectors() -> None:
    (a,), (b,) = _pd(RNG, ((3, 3),), np.float64), _pd(RNG, ((3, 3),), np.float64)
    w, v = fsl.eigh(a, b)
    np.testing.assert_allclose(a @ v, b @ v * w, atol=1e-10)
    np.testing.assert_allclose(v.T @ b @ v, np.eye(3), atol=1e-10)


def test_errors_name_the_function_and_argument() -> None:
    a = np.eye(3)
    with pytest.raises(ValueError, match="solve_triangular: trans must be"):
        fsl.solve_triangular(a, np.ones(3), trans=3)
    with pytest.raises(ValueError, match="solve_triangular: b of shape"):
        fsl.solve_triangular(a, np.ones(2))
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        fsl.expm(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        fsl.cholesky(np.ones(3))
    with pytest.raises(TypeError, match="cho_solve: c_and_lower must be the pair"):
        fsl.cho_solve(a, np.ones(3))
    with pytest.raises(TypeError, match="lu_solve: lu_and_piv must be the pair"):
        fsl.lu_solve(a, np.ones(3))
    with pytest.raises(ValueError, match="solve: assume_a"):
        fsl.solve(a, np.ones(3), assume_a="banded")
    with pytest.raises(ValueError, match="qr: mode"):
        fsl.qr(a, mode="raw")
    with pytest.raises(NotImplementedError, match="pivoting"):
        fsl.qr(a, pivoting=True)
    with pytest.raises(ValueError, match="block_diag: arguments must have rank 2"):
        fsl.block_diag(np.ones((1, 1, 1)))
    with pytest.raises(ValueError, match="expm_frechet: A and E"):
        fsl.expm_frechet(a, np.eye(2))
    with pytest.raises(ValueError, match="polar: side must be"):
        fsl.polar(a, "up")
    with pytest.raises(ValueError, match="solve_sylvester: A"):
        fsl.solve_sylvester(a, np.eye(2), np.ones((2, 2)))
    with pytest.raises(ValueError, match="funm: func must map"):
        fsl.funm(a, lambda w: w[:1])
    with pytest.raises(TypeError, match="float16"):
        fsl.inv(np.eye(2, dtype=np.float16))
    assert fsl.expm(np.eye(2, dtype=np.int32)).dtype == np.float64
    assert fsl.expm(np.eye(2, dtype=np.float32)).dtype == np.float32
