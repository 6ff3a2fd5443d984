"""ftrans.numpy.linalg solves and decompositions (and the lax primitives under them): values
vs NumPy, check_grads, vmap vs loop, errors."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import strategies as st

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.lax import linalg_decompositions as decomp
from ftrans.test_util import check_grads
from tests.spec_util import OpSpec, make_family_tests

F32_64 = (np.float64, np.float32)


def _general(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """Well-conditioned square matrices (diagonally dominated), other shapes random."""
    out = []
    for s in arg_shapes:
        x = rng.normal(size=s)
        if len(s) >= 2 and s[-1] == s[-2]:
            x = x + 3 * np.eye(s[-1]) * np.sign(rng.normal(size=s[:-2] + (1, 1)))
        out.append(x.astype(dtype))
    return tuple(out)


def _spd(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """Symmetric positive-definite matrices with well separated eigenvalues."""
    out = []
    for s in arg_shapes:
        n = s[-1]
        q, _ = np.linalg.qr(rng.normal(size=s))
        w = np.arange(1, n + 1) * 1.5 + rng.uniform(0, 0.3, s[:-2] + (n,))
        out.append(((q * w[..., None, :]) @ np.swapaxes(q, -1, -2)).astype(dtype))
    return tuple(out)


def _separated_singular(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    out = []
    for s in arg_shapes:
        m, n = s[-2:]
        k = min(m, n)
        u, _ = np.linalg.qr(rng.normal(size=s[:-2] + (m, k)))
        v, _ = np.linalg.qr(rng.normal(size=s[:-2] + (n, k)))
        sv = np.arange(k, 0, -1) * 1.5 + rng.uniform(0, 0.3, s[:-2] + (k,))
        out.append(((u * sv[..., None, :]) @ np.swapaxes(v, -1, -2)).astype(dtype))
    return tuple(out)


def _solve_args(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    (a,) = _general(rng, arg_shapes[:1], dtype)
    return a, rng.normal(size=arg_shapes[1]).astype(dtype)


def _cases(*shape_lists: tuple) -> st.SearchStrategy:
    return st.sampled_from(shape_lists)


SQUARE = _cases(((3, 3),), ((2, 2, 2),), ((1, 1),))
RECT = _cases(((4, 3),), ((3, 3),), ((2, 4, 2),))
WIDE_OR_TALL = _cases(((4, 3),), ((3, 4),), ((2, 3, 3),))


def both(name: str, call: Callable[..., Any], shapes: Any, make_args: Any,
         dtypes: tuple = F32_64, **kw: Any) -> OpSpec:
    kw.setdefault("rtol", 1e-5)
    kw.setdefault("grad_tol", 1e-4)
    return OpSpec(name, lambda *a: call(fnp.linalg, *a), lambda *a: call(np.linalg, *a), shapes,
                  dtypes, make_args=make_args, **kw)


def _sign_fixed(v: Any) -> Any:
    """Eigen/singular vectors up to sign: the products that do not depend on it."""
    return v * v


SPECS = [
    both("det", lambda m, a: m.det(a), SQUARE, _general),
    both("slogdet", lambda m, a: tuple(m.slogdet(a)), SQUARE, _general),
    both("inv", lambda m, a: m.inv(a), SQUARE, _general),
    both("solve:matrix", lambda m, a, b: m.solve(a, b),
         _cases(((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1))), _solve_args),
    both("solve:vector", lambda m, a, b: m.solve(a, b), _cases(((3, 3), (3,))), _solve_args),
    both("cholesky", lambda m, a: m.cholesky(a), SQUARE, _spd),
    both("eigvalsh", lambda m, a: m.eigvalsh(a), SQUARE, _spd),
    both("eigh:vectors", lambda m, a: _sign_fixed(m.eigh(a)[1]), SQUARE, _spd, grad_order=1),
    both("svdvals", lambda m, a: m.svd(a, compute_uv=False), WIDE_OR_TALL,
         _separated_singular),
    both("svd:vectors", lambda m, a: tuple(_sign_fixed(x) for x in m.svd(a, False)[::2]),
         WIDE_OR_TALL, _separated_singular, grad_order=1),
    both("qr:r_squared", lambda m, a: m.qr(a, "r") ** 2, RECT, _general),
    both("qr:q_times_r", lambda m, a: (lambda q, r: q @ r)(*m.qr(a)), RECT, _general),
    both("pinv", lambda m, a: m.pinv(a), WIDE_OR_TALL, _separated_singular),
    both("matrix_power:3", lambda m, a: m.matrix_power(a, 3), SQUARE, _general),
    both("matrix_power:-2", lambda m, a: m.matrix_power(a, -2), SQUARE, _general),
    both("norm:2", lambda m, a: m.norm(a, 2), _cases(((3, 4),)), _separated_singular),
    both("norm:-2", lambda m, a: m.norm(a, -2), _cases(((4, 3),)), _separated_singular),
    both("norm:nuc", lambda m, a: m.norm(a, "nuc", axis=(1, 2)), _cases(((2, 3, 3),)),
         _separated_singular),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


# ---------------------------------------------------------------------------------------------
# Decompositions reconstruct; lax primitives directly; second-order derivatives
# ---------------------------------------------------------------------------------------------

RNG = np.random.default_rng(0)
A = RNG.normal(size=(4, 4)) + 4 * np.eye(4)
(SPD,) = _spd(RNG, ((4, 4),), np.float64)


def test_decompositions_reconstruct() -> None:
    u, s, vh = fnp.linalg.svd(A[:, :3])
    np.testing.assert_allclose(u[:, :3] * s @ vh, A[:, :3], atol=1e-12)
    w, v = fnp.linalg.eigh(SPD)
    np.testing.assert_allclose(v * w @ v.T, SPD, atol=1e-12)
    q, r = fnp.linalg.qr(A, mode="complete")
    np.testing.assert_allclose(q @ r, A, atol=1e-12)
    lower = fnp.linalg.cholesky(SPD)
    np.testing.assert_allclose(fnp.linalg.cholesky(SPD, upper=True), lower.T)


@pytest.mark.parametrize("name,fun,args", [
    ("triangular_solve:left", lambda a, b: decomp.triangular_solve(a, b, left_side=True,
                                                                    lower=True), (A, A[:, :2])),
    ("triangular_solve:right_t", lambda a, b: decomp.triangular_solve(
        a, b, transpose_a=True, unit_diagonal=True), (A, A[:2])),
    ("det", lambda a: fnp.linalg.det(a), (A,)),
    ("slogdet", lambda a: fnp.linalg.slogdet(a)[1], (A,)),
    ("inv", lambda a: fnp.linalg.inv(a), (A,)),
    ("solve", lambda a, b: fnp.linalg.solve(a, b), (A, A[0])),
    ("cholesky", lambda a: fnp.linalg.cholesky(a), (SPD,)),
    ("eigh", lambda a: (lambda w, v: (w, v * v))(*fnp.linalg.eigh(a)), (SPD,)),
    ("svd:tall", lambda a: (lambda u, s, v: (u * u, s, v * v))(*fnp.linalg.svd(a, False)),
     (A[:, :3],)),
    ("svd:wide", lambda a: (lambda u, s, v: (u * u, s, v * v))(*fnp.linalg.svd(a, False)),
     (A[:3],)),
    ("qr", lambda a: tuple(fnp.linalg.qr(a)), (A[:, :3],)),
    ("lstsq", lambda a, b: fnp.linalg.lstsq(a, b)[0], (A[:, :3], A[:, 0])),
])
def test_second_order_grads(name: str, fun: Callable, args: tuple) -> None:
    check_grads(fun, args, 2, ("fwd", "rev"), atol=1e-4, rtol=1e-4)


def test_lstsq_matches_numpy() -> None:
    a, b = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))
    x, res, rank, s = fnp.linalg.lstsq(a, b)
    ex, eres, erank, es = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(x, ex, atol=1e-12)
    np.testing.assert_allclose(res, eres, atol=1e-12)
    assert int(rank) == erank
    np.testing.assert_allclose(s, es)
    deficient = np.outer(np.arange(1.0, 5.0), [1.0, 2.0, 3.0])
    assert int(fnp.linalg.lstsq(deficient, b[:4])[2]) == 1
    np.testing.assert_allclose(fnp.linalg.lstsq(deficient, b[:4])[0],
                               np.linalg.lstsq(deficient, b[:4])[0], atol=1e-12)


def test_matrix_rank_and_power_zero() -> None:
    assert int(fnp.linalg.matrix_rank(np.outer([1.0, 2.0], [3.0, 4.0]))) == 1
    np.testing.assert_array_equal(fnp.linalg.matrix_rank(np.stack([np.eye(3), np.zeros((3, 3))])),
                                  [3, 0])
    assert int(fnp.linalg.matrix_rank(np.zeros(3))) == 0
    assert int(ft.jit(fnp.linalg.matrix_rank)(A)) == 4
    np.testing.assert_array_equal(fnp.linalg.matrix_power(A, 0), np.eye(4))


def test_transformations_compose() -> None:
    f = ft.jit(ft.grad(lambda a: fnp.linalg.slogdet(a)[1]))
    np.testing.assert_allclose(f(A), np.linalg.inv(A).T, atol=1e-12)
    batch = np.stack([A, A + np.eye(4)])
    out = ft.vmap(ft.grad(lambda a: fnp.linalg.det(a)))(batch)
    expected = [np.linalg.det(m) * np.linalg.inv(m).T for m in batch]
    np.testing.assert_allclose(out, expected, rtol=1e-10)
    jac = ft.jacrev(lambda a: fnp.linalg.solve(a, np.ones(4)))(A)
    np.testing.assert_allclose(jac, ft.jacfwd(lambda a: fnp.linalg.solve(a, np.ones(4)))(A),
                               atol=1e-12)


def test_vmap_with_unbatched_matrix() -> None:
    bs = RNG.normal(size=(3, 4))
    out = ft.vmap(lambda b: fnp.linalg.solve(A, b))(bs)
    np.testing.assert_allclose(out, np.linalg.solve(A, bs.T).T, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def test_errors() -> None:
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        fnp.linalg.inv(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        fnp.linalg.det(np.ones(3))
    with pytest.raises(np.linalg.LinAlgError, match="Singular"):
        fnp.linalg.inv(np.ones((2, 2)))
    with pytest.raises(np.linalg.LinAlgError):
        fnp.linalg.cholesky(-np.eye(2))
    with pytest.raises(TypeError, match="det needs a floating-point"):
        decomp.det(np.eye(2, dtype=np.int64))
    with pytest.raises(TypeError, match="float16"):
        fnp.linalg.det(np.eye(2, dtype=np.float16))
    with pytest.raises(TypeError, match="floating-point"):
        decomp.solve(np.eye(2, dtype=np.int64), np.ones((2, 1), np.int64))
    with pytest.raises(ValueError, match="does not fit"):
        fnp.linalg.solve(np.eye(3), np.ones(2))
    with pytest.raises(ValueError, match="mode"):
        fnp.linalg.qr(np.eye(2), "raw")
    with pytest.raises(NotImplementedError, match="full_matrices"):
        ft.jvp(lambda a: fnp.linalg.svd(a)[0], (A[:, :3],), (A[:, :3],))
    with pytest.raises(NotImplementedError, match="'complete' mode is implemented for m <= n"):
        ft.jvp(lambda a: fnp.linalg.qr(a, "complete")[0], (A[:, :2],), (A[:, :2],))
    with pytest.raises(TypeError, match="Python int"):
        fnp.linalg.matrix_power(A, 1.5)


def test_integers_compute_in_float64_and_float32_stays() -> None:
    assert fnp.linalg.inv(np.eye(2, dtype=np.int32)).dtype == np.float64
    assert fnp.linalg.eigh(np.eye(2, dtype=np.float32)).eigenvalues.dtype == np.float32
