"""custom_linear_solve and custom_root: values, derivatives (implicit, both modes, order 2),
vmap and jit, against dense solves and closed forms."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.test_util import check_grads

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
B = RNG.normal(size=3)


def _dense_solve(matvec, b):
    return fnp.linalg.solve(ft.jacfwd(matvec)(b), b)


def _iterative_solve(matvec, b):
    # Richardson iteration in a while_loop: not differentiable itself (reverse mode through a
    # while loop is refused), so only the implicit derivative can be used
    def body(carry):
        i, x = carry
        return i + 1, x + 0.2 * (b - matvec(x))
    return lax.while_loop(lambda c: c[0] < 300, body, (0, fnp.zeros_like(b)))[1]


def _solve(a, b):
    return lax.custom_linear_solve(lambda x: a @ x, b, _dense_solve,
                                   transpose_solve=_dense_solve)


def _reference(a, b):
    return fnp.linalg.solve(a, b)


def test_linear_solve_values_and_derivatives() -> None:
    np.testing.assert_allclose(_solve(A, B), np.linalg.solve(A, B))
    loss = lambda a, b: fnp.sum(_solve(a, b) ** 2)  # noqa: E731
    ref = lambda a, b: fnp.sum(_reference(a, b) ** 2)  # noqa: E731
    for got, want in zip(ft.grad(loss, (0, 1))(A, B), ft.grad(ref, (0, 1))(A, B)):
        np.testing.assert_allclose(got, want, rtol=1e-10)
    np.testing.assert_allclose(ft.jacfwd(_solve)(A, B), ft.jacfwd(_reference)(A, B), rtol=1e-10)
    np.testing.assert_allclose(ft.jit(ft.grad(loss))(A, B), ft.grad(ref)(A, B), rtol=1e-10)
    check_grads(_solve, (A, B), order=2)


def test_linear_solve_vmap() -> None:
    As, Bs = np.stack([A, 2 * A + np.eye(3)]), np.stack([B, -B])
    expected = np.stack([np.linalg.solve(a, b) for a, b in zip(As, Bs)])
    np.testing.assert_allclose(ft.vmap(_solve)(As, Bs), expected)
    np.testing.assert_allclose(ft.vmap(_solve, (0, None))(As, B),
                               np.stack([np.linalg.solve(a, B) for a in As]))
    np.testing.assert_allclose(ft.vmap(_solve, (None, 1))(A, Bs.T),
                               np.stack([np.linalg.solve(A, b) for b in Bs]))
    loss = lambda a, b: fnp.sum(_solve(a, b) ** 2)  # noqa: E731
    ref = lambda a, b: fnp.sum(_reference(a, b) ** 2)  # noqa: E731
    np.testing.assert_allclose(ft.vmap(ft.grad(loss))(As, Bs), ft.vmap(ft.grad(ref))(As, Bs),
                               rtol=1e-10)


def test_linear_solve_iterative_symmetric() -> None:
    s = np.array([[2.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 2.0]])

    def f(m, b):
        return lax.custom_linear_solve(lambda x: m @ x, b, _iterative_solve, symmetric=True)
    np.testing.assert_allclose(f(s, B), np.linalg.solve(s, B), rtol=1e-8)
    g_b = ft.grad(lambda b: fnp.sum(f(s, b)))(B)
    np.testing.assert_allclose(g_b, np.linalg.solve(s.T, np.ones(3)), rtol=1e-8)
    g_m = ft.grad(lambda m: fnp.sum(f(m, B)))(s)
    np.testing.assert_allclose(g_m, ft.grad(lambda m: fnp.sum(_reference(m, B)))(s), rtol=1e-7)
    np.testing.assert_allclose(ft.jit(f)(s, B), np.linalg.solve(s, B), rtol=1e-8)


def test_linear_solve_pytree_and_errors() -> None:
    def matvec(x):
        return {"u": 2.0 * x["u"] + x["v"], "v": x["u"] + 3.0 * x["v"]}

    def solve(mv, b):
        m = np.array([[2.0, 1.0], [1.0, 3.0]])
        sol = fnp.linalg.solve(m, fnp.stack([b["u"], b["v"]]))
        return {"u": sol[0], "v": sol[1]}
    b = {"u": np.float64(1.0), "v": np.float64(2.0)}
    out = lax.custom_linear_solve(matvec, b, solve, symmetric=True)
    np.testing.assert_allclose([out["u"], out["v"]], [0.2, 0.6])
    with pytest.raises(Exception, match="transpose_solve"):
        ft.grad(lambda v: lax.custom_linear_solve(lambda x: A @ x, v, _dense_solve).sum())(B)
    with pytest.raises(ValueError, match="pytree like b"):
        lax.custom_linear_solve(lambda x: A @ x, B, lambda mv, b: (b, b))
    with pytest.raises(NotImplementedError, match="has_aux"):
        lax.custom_linear_solve(lambda x: A @ x, B, _dense_solve, has_aux=True)


def _newton_sqrt(a):
    def solve(f, x):
        return lax.fori_loop(0, 40, lambda i, x: x - f(x) / ft.grad(f)(x), x)
    return lax.custom_root(lambda x: x * x - a, 1.0, solve, lambda g, y: y / g(1.0))


def test_custom_root_scalar() -> None:
    a = 2.0
    assert np.isclose(_newton_sqrt(a), np.sqrt(a))
    assert np.isclose(ft.grad(_newton_sqrt)(a), 0.5 / np.sqrt(a))
    assert np.isclose(ft.grad(ft.grad(_newton_sqrt))(a), -0.25 * a ** -1.5)
    assert np.isclose(ft.jacfwd(_newton_sqrt)(a), 0.5 / np.sqrt(a))
    assert np.isclose(ft.jit(ft.grad(_newton_sqrt))(a), 0.5 / np.sqrt(a))
    xs = np.array([1.0, 4.0, 9.0])
    np.testing.assert_allclose(ft.vmap(ft.grad(_newton_sqrt))(xs), 0.5 / np.sqrt(xs))


def test_custom_root_vector_with_aux() -> None:
    # root of x -> m x - c with respect to m and c: x = m^-1 c
    def solve_root(m, c):
        def solve(f, x0):
            jac = ft.jacfwd(f)(x0)
            return x0 - fnp.linalg.solve(jac, f(x0)), fnp.float64(1.0)

        def tangent_solve(g, y):
            return fnp.linalg.solve(ft.jacfwd(g)(y), y)
        root, aux = lax.custom_root(lambda x: m @ x - c, np.zeros(3), solve, tangent_solve,
                                    has_aux=True)
        assert aux == 1.0 or isinstance(aux, ft.core.Tracer)
        return root
    np.testing.assert_allclose(solve_root(A, B), np.linalg.solve(A, B))
    check_grads(solve_root, (A, B), order=2, modes=("fwd", "rev"))
