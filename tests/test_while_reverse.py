"""Reverse-mode while_loop: grad / vjp / linearize + transpose through a loop whose trip count
depends on the data, eagerly, under jit, under vmap (batched predicate) and with
checkpoint_every. Oracles: closed forms, finite differences, and autograd's Python loop."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.lax import fori_loop, while_loop
from ftrans.lax.control_flow import ReverseModeWhileError


def close(a, b, tol=1e-7):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=tol, atol=tol)


def fd(f, x, eps=1e-6):
    x = np.asarray(x, float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


# ---------------------------------------------------------------------------------------------
# The three workloads, each written once for ftrans and once as a plain Python loop (which
# autograd differentiates, and which gives the trip count)
# ---------------------------------------------------------------------------------------------


def newton_sqrt(a, checkpoint_every=None):
    """sqrt(a) by Newton's method to convergence; d/da = 1 / (2 sqrt(a))."""
    def body(c):
        x, i = c
        return 0.5 * (x + a / x), i + 1
    x, _ = while_loop(lambda c: (fnp.abs(c[0] * c[0] - a) > 1e-12 * a) & (c[1] < 100), body,
                      (a + 1.0, 0), checkpoint_every=checkpoint_every)
    return x


def bisect(lo_hi, checkpoint_every=None):
    """Bisection for the root of x^3 - 2 in [lo, hi]: piecewise linear in the endpoints."""
    def body(c):
        lo, hi = c
        mid = 0.5 * (lo + hi)
        left = mid * mid * mid - 2.0 > 0.0
        return fnp.where(left, lo, mid), fnp.where(left, mid, hi)
    lo, hi = while_loop(lambda c: c[1] - c[0] > 1e-6, body, (lo_hi[0], lo_hi[1]),
                        checkpoint_every=checkpoint_every)
    return 0.3 * lo + 0.7 * hi


def bisect_python(lo_hi, np_=np):
    lo, hi = lo_hi[0], lo_hi[1]
    while hi - lo > 1e-6:
        mid = 0.5 * (lo + hi)
        if mid * mid * mid - 2.0 > 0.0:
            hi = mid
        else:
            lo = mid
    return 0.3 * lo + 0.7 * hi


def ode(params, checkpoint_every=None):
    """y' = -k y from t = 0 to 1 by Heun's method with adaptive steps (error control)."""
    k, y0 = params[0], params[1]

    def body(c):
        t, y, h = c
        h = fnp.minimum(h, 1.0 - t)
        f0 = -k * y
        y_euler = y + h * f0
        y_heun = y + 0.5 * h * (f0 - k * y_euler)
        err = fnp.abs(y_heun - y_euler) + 1e-12
        ok = err < 1e-4
        h_next = h * fnp.clip(0.9 * fnp.sqrt(1e-4 / err), 0.2, 2.0)
        return fnp.where(ok, t + h, t), fnp.where(ok, y_heun, y), h_next
    _, y, _ = while_loop(lambda c: c[0] < 1.0 - 1e-12, body, (0.0 * k, y0, 0.1 + 0.0 * k),
                         checkpoint_every=checkpoint_every)
    return y


def ode_python(params, np_=np):
    k, y0 = params[0], params[1]
    t, y, h = 0.0, y0, 0.1
    while t < 1.0 - 1e-12:
        h = np_.minimum(h, 1.0 - t)
        f0 = -k * y
        y_euler = y + h * f0
        y_heun = y + 0.5 * h * (f0 - k * y_euler)
        err = np_.abs(y_heun - y_euler) + 1e-12
        h_next = h * np_.clip(0.9 * np_.sqrt(1e-4 / err), 0.2, 2.0)
        if err < 1e-4:
            t, y = t + h, y_heun
        h = h_next
    return y


# ---------------------------------------------------------------------------------------------
# Closed forms and finite differences
# ---------------------------------------------------------------------------------------------


def test_newton_gradient_is_closed_form():
    for a in [0.5, 2.0, 9.0, 1e4]:
        close(ft.grad(newton_sqrt)(a), 0.5 / np.sqrt(a), tol=1e-6)


def test_vjp_and_linearize_transpose():
    y, f_vjp = ft.vjp(newton_sqrt, 4.0)
    close(y, 2.0)
    close(f_vjp(1.0)[0], 0.25, tol=1e-6)
    _, f_jvp = ft.linearize(newton_sqrt, 4.0)
    close(f_jvp(1.0), 0.25, tol=1e-6)
    close(ft.linear_transpose(f_jvp, 1.0)(1.0)[0], 0.25, tol=1e-6)


def test_bisection_and_ode_against_finite_differences():
    x = np.array([1.0, 2.0])
    close(ft.grad(bisect)(x), fd(lambda v: bisect_python(v), x, eps=1e-9), tol=1e-5)
    p = np.array([1.3, 2.0])
    g = ft.grad(ode)(p)
    close(g, fd(lambda v: ode_python(v), p), tol=1e-4)
    # and roughly the exact solution's gradient, y(1) = y0 exp(-k)
    close(g, [-p[1] * np.exp(-p[0]), np.exp(-p[0])], tol=1e-3)


def test_against_autograd():
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    x = np.array([1.0, 2.0])
    close(ft.grad(bisect)(x), ag.grad(lambda v: bisect_python(v, anp))(x))
    p = np.array([1.3, 2.0])
    close(ft.grad(ode)(p), ag.grad(lambda v: ode_python(v, anp))(p), tol=1e-10)


# ---------------------------------------------------------------------------------------------
# Under jit, vmap (batched predicate), and with checkpoint_every: the same gradients
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fun,x", [(newton_sqrt, 3.0), (bisect, np.array([1.0, 2.0])),
                                   (ode, np.array([1.3, 2.0]))], ids=["newton", "bisect", "ode"])
def test_jit_and_checkpoint_agree_with_eager(fun, x):
    eager = ft.grad(fun)(x)
    close(ft.jit(ft.grad(fun))(x), eager, tol=1e-12)
    close(ft.grad(ft.jit(fun))(x), eager, tol=1e-12)
    for k in (1, 3, 1000):
        close(ft.grad(lambda v: fun(v, checkpoint_every=k))(x), eager, tol=1e-12)
    close(ft.jit(ft.grad(lambda v: fun(v, checkpoint_every=2)))(x), eager, tol=1e-12)


def test_vmap_of_grad_with_a_batched_predicate():
    a = np.array([0.5, 4.0, 100.0, 1e6])
    expected = [ft.grad(newton_sqrt)(v) for v in a]
    close(ft.vmap(ft.grad(newton_sqrt))(a), expected, tol=1e-12)
    close(ft.jit(ft.vmap(ft.grad(newton_sqrt)))(a), expected, tol=1e-12)
    close(ft.vmap(ft.grad(lambda v: newton_sqrt(v, checkpoint_every=2)))(a), expected, tol=1e-12)
    ps = np.array([[1.3, 2.0], [0.2, 1.0], [3.0, -1.0]])
    close(ft.vmap(ft.grad(ode))(ps), [ft.grad(ode)(p) for p in ps], tol=1e-12)
    # grad of vmap: the batched loop (any member running) is differentiated
    close(ft.grad(lambda v: ft.vmap(newton_sqrt)(v).sum())(a), expected, tol=1e-12)


def test_jacrev_hessian_and_second_order():
    close(ft.jacrev(newton_sqrt)(4.0), 0.25, tol=1e-6)
    close(ft.jit(ft.jacrev(newton_sqrt))(4.0), 0.25, tol=1e-6)
    close(ft.hessian(newton_sqrt)(4.0), -0.25 / 8.0, tol=1e-6)
    close(ft.grad(ft.grad(newton_sqrt))(4.0), -0.25 / 8.0, tol=1e-6)
    p = np.array([1.3, 2.0])
    close(ft.jacrev(ode)(p), ft.jacfwd(ode)(p), tol=1e-12)
    with pytest.raises(ReverseModeWhileError, match="second-order"):
        ft.jit(ft.hessian(newton_sqrt))(4.0)


def test_fori_loop_with_traced_bounds():
    def f(x, n):
        return fori_loop(0, n, lambda i, c: fnp.sin(c) * 0.5 + c, x)

    def unrolled(x):
        for _ in range(5):
            x = fnp.sin(x) * 0.5 + x
        return x
    expected = ft.grad(unrolled)(0.3)
    close(ft.jit(ft.grad(f))(0.3, 5), expected, tol=1e-12)
    close(ft.grad(f)(0.3, np.int64(5)), expected, tol=1e-12)


def test_zero_iterations_and_closed_over_values():
    # the loop does not run: the carry passes through
    close(ft.grad(lambda x: while_loop(lambda c: c > 10.0, lambda c: c * 2.0, x))(1.0), 1.0)
    close(ft.jit(ft.grad(lambda x: while_loop(lambda c: c > 10.0, lambda c: c * 2.0, x)))(1.0),
          1.0)
    # a closed-over differentiated value (a body constant) gets its cotangent summed

    def g(w):
        return while_loop(lambda c: c[1] < 4, lambda c: (c[0] * w + 1.0, c[1] + 1),
                          (1.0, 0))[0]
    expected = fd(lambda v: g(float(v)), np.array(0.7))
    close(ft.grad(g)(0.7), expected, tol=1e-6)
    close(ft.jit(ft.grad(g))(0.7), expected, tol=1e-6)
    close(ft.vmap(ft.grad(g))(np.array([0.7, 0.7])), [expected, expected], tol=1e-6)


def test_the_backward_loop_keeps_only_checkpoints():
    """With checkpoint_every=k the tape holds a segment at a time: the gradient is unchanged
    and the traced program holds one while_backward with the param."""
    def f(x):
        return while_loop(lambda c: c[1] < 50, lambda c: (fnp.sin(c[0]) + c[0], c[1] + 1),
                          (x, 0), checkpoint_every=7)[0]
    program = ft.make_jaxpr(ft.grad(ft.jit(f)))(0.3)
    assert "while_backward" in str(program) and "checkpoint_every=7" in str(program)
    close(ft.grad(f)(0.3), fd(lambda v: f(float(v)), np.array(0.3)), tol=1e-5)
    with pytest.raises(ValueError, match="positive int"):
        while_loop(lambda c: c < 1.0, lambda c: c, 0.0, checkpoint_every=0)
