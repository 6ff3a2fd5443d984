"""Automatic differentiation: jvp, linearize, vjp, grad, jacobians, hessians, any order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.test_util import check_grads, check_jvp, check_vjp


def seed(x, y):
    return (x + y) * (x - y)


# ---------------------------------------------------------------------------------------------
# The seed example
# ---------------------------------------------------------------------------------------------


def test_seed_forward_mode_two_jvps():
    x, y = 3.0, 2.0
    value, dfdx = ft.jvp(seed, (x, y), (1.0, 0.0))
    _, dfdy = ft.jvp(seed, (x, y), (0.0, 1.0))
    assert value == 5.0 and dfdx == 2 * x and dfdy == -2 * y


def test_seed_reverse_mode_one_vjp():
    value, f_vjp = ft.vjp(seed, 3.0, 2.0)
    assert value == 5.0
    assert f_vjp(1.0) == (6.0, -4.0)


LINEAR_PRIMITIVES = {"mul", "neg", "add", "sub", "add_any", "reduce_sum", "broadcast_in_dim",
                     "reshape", "transpose", "convert_element_type", "select_n", "div",
                     "dot_general", "concatenate", "pad", "slice", "rev", "squeeze"}


def test_seed_programs_are_readable_and_linear():
    jvp_program = ft.make_jaxpr(lambda x, y, tx, ty: ft.jvp(seed, (x, y), (tx, ty)))(
        3.0, 2.0, 1.0, 0.0)
    assert [e.primitive.name for e in jvp_program.eqns].count("mul") >= 3
    _, f_lin = ft.linearize(seed, 3.0, 2.0)
    linear = f_lin.jaxpr
    names = {e.primitive.name for e in linear.eqns}
    assert names <= LINEAR_PRIMITIVES
    assert f_lin(1.0, 0.0) == 6.0 and f_lin(0.0, 1.0) == -4.0
    vjp_program = ft.make_jaxpr(lambda x, y: ft.vjp(seed, x, y)[1](1.0))(3.0, 2.0)
    assert str(vjp_program).count("\n") > 3
    assert vjp_program(3.0, 2.0) == [6.0, -4.0]


def test_linearize_does_no_primal_work_when_called():
    calls = []

    def f(x):
        calls.append(1)
        return fnp.sin(x) * x

    y, f_jvp = ft.linearize(f, 0.7)
    assert len(calls) == 1
    for t in (1.0, 2.0, -3.0):
        np.testing.assert_allclose(f_jvp(t), t * (np.cos(0.7) * 0.7 + np.sin(0.7)))
    assert len(calls) == 1
    assert "sin" not in {e.primitive.name for e in f_jvp.jaxpr.eqns}


# ---------------------------------------------------------------------------------------------
# Higher order and nesting
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1.3, 0.0, 0.4, 2.5])
def test_fourth_derivative_of_sin_is_sin(x):
    d4 = ft.grad(ft.grad(ft.grad(ft.grad(fnp.sin))))
    np.testing.assert_allclose(d4(x), np.sin(x), atol=1e-12)


def test_mixed_mode_higher_derivatives():
    def f(x):
        return fnp.exp(x) * fnp.sin(x)

    def exact_d2(x):
        return 2 * np.exp(x) * np.cos(x)

    def fwd(g):
        return lambda x: ft.jvp(g, (x,), (1.0,))[1]

    for d2 in (ft.grad(ft.grad(f)), fwd(fwd(f)), ft.grad(fwd(f)), fwd(ft.grad(f))):
        np.testing.assert_allclose(d2(0.3), exact_d2(0.3))


def test_perturbation_confusion():
    # the inner derivative must not see the outer perturbation of x
    result = ft.grad(lambda x: x * ft.grad(lambda y: x * y)(2.0))(3.0)
    assert result == 6.0


def test_should_be_zero():
    def f(x):
        def g(y):
            return x  # g does not depend on y
        should_be_zero = ft.jvp(g, (0.0,), (1.0,))[1]
        return x * should_be_zero

    assert ft.jvp(f, (0.0,), (1.0,)) == (0.0, 0.0)
    assert ft.grad(f)(1.0) == 0.0


def mlp_loss(params, x, y):
    h = fnp.tanh(x @ params["w1"] + params["b1"])
    out = h @ params["w2"] + params["b2"]
    return fnp.mean((out - y) ** 2)


def mlp_setup(seed_=0):
    rng = np.random.default_rng(seed_)
    params = {"w1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4),
              "w2": rng.normal(size=(4, 2)), "b2": rng.normal(size=2)}
    return params, rng.normal(size=(5, 3)), rng.normal(size=(5, 2))


def test_hessian_equals_jacfwd_jacrev_equals_jacrev_jacfwd():
    params, x, y = mlp_setup()

    def loss_w2(w2):
        return mlp_loss({**params, "w2": w2}, x, y)

    w2 = params["w2"]
    h = ft.hessian(loss_w2)(w2)
    assert h.shape == (4, 2, 4, 2)
    np.testing.assert_allclose(h, ft.jacfwd(ft.jacrev(loss_w2))(w2), atol=1e-10)
    np.testing.assert_allclose(h, ft.jacrev(ft.jacfwd(loss_w2))(w2), atol=1e-10)
    np.testing.assert_allclose(h, ft.jacrev(ft.jacrev(loss_w2))(w2), atol=1e-10)
    flat = h.reshape(8, 8)
    np.testing.assert_allclose(flat, flat.T, atol=1e-10)


def test_mlp_gradients_check_against_finite_differences():
    params, x, y = mlp_setup(1)
    check_grads(mlp_loss, (params, x, y), order=2)


# ---------------------------------------------------------------------------------------------
# Jacobians against each other, over random shapes
# ---------------------------------------------------------------------------------------------


def vector_fn(x, y):
    return fnp.sin(x)[:, None] * fnp.exp(y)[None, :] + x[:, None] ** 2


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 4), m=st.integers(1, 4), seed_=st.integers(0, 1000))
def test_jacfwd_equals_jacrev(n, m, seed_):
    rng = np.random.default_rng(seed_)
    x, y = rng.normal(size=n), rng.normal(size=m)
    jf = ft.jacfwd(vector_fn, argnums=(0, 1))(x, y)
    jr = ft.jacrev(vector_fn, argnums=(0, 1))(x, y)
    assert jf[0].shape == (n, m, n) and jf[1].shape == (n, m, m)
    for a, b in zip(jf, jr):
        np.testing.assert_allclose(a, b, atol=1e-12)
    expected_dx = np.zeros((n, m, n))
    for i in range(n):
        expected_dx[i, :, i] = np.cos(x[i]) * np.exp(y) + 2 * x[i]
    np.testing.assert_allclose(jf[0], expected_dx, atol=1e-12)


def test_jacobian_pytrees_and_has_aux():
    def f(p):
        return {"s": p["a"] * p["b"], "t": fnp.sum(p["a"])}, p["a"] * 2

    p = {"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])}
    for jac in (ft.jacfwd, ft.jacrev):
        j, aux = jac(f, has_aux=True)(p)
        np.testing.assert_allclose(j["s"]["a"], np.diag([3.0, 4.0]))
        np.testing.assert_allclose(j["s"]["b"], np.diag([1.0, 2.0]))
        np.testing.assert_allclose(j["t"]["a"], [1.0, 1.0])
        np.testing.assert_allclose(j["t"]["b"], [0.0, 0.0])
        np.testing.assert_allclose(aux, [2.0, 4.0])


# ---------------------------------------------------------------------------------------------
# grad's options
# ---------------------------------------------------------------------------------------------


def test_grad_argnums_and_has_aux():
    def f(x, y, z):
        return x * y * z, {"y": y}

    g, aux = ft.grad(f, argnums=(0, 2), has_aux=True)(2.0, 3.0, 4.0)
    assert g == (12.0, 6.0)
    assert aux == {"y": 3.0}
    (value, aux), g = ft.value_and_grad(f, argnums=1, has_aux=True)(2.0, 3.0, 4.0)
    assert value == 24.0 and g == 8.0
    assert ft.grad(lambda x, y: x * y, argnums=-1)(2.0, 5.0) == 2.0


def test_grad_of_pytree_argument():
    g = ft.grad(lambda p: p["w"] * p["b"][0] + p["b"][1])({"w": 2.0, "b": (3.0, 4.0)})
    assert g == {"w": 3.0, "b": (2.0, 1.0)}


def test_grad_keeps_float32():
    g = ft.grad(lambda x: fnp.sum(fnp.sin(x)))(np.ones(3, np.float32))
    assert g.dtype == np.float32


def test_allow_int():
    g = ft.grad(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert g[0] == 3.0
    assert g[1].dtype == ft.float0


# ---------------------------------------------------------------------------------------------
# Symbolic zeros and stop_gradient
# ---------------------------------------------------------------------------------------------


def test_unused_and_stopped_inputs_get_exact_zeros():
    def f(x, y, z):
        return fnp.sum(fnp.sin(x)) + fnp.sum(lax.stop_gradient(z) * 0.0 + 1.0) * 0.0

    x, y, z = np.ones(3), np.ones((2, 2), np.float32), np.ones(4)
    gx, gy, gz = ft.grad(f, argnums=(0, 1, 2))(x, y, z)
    assert gy.shape == (2, 2) and gy.dtype == np.float32 and not gy.any()
    assert gz.shape == (4,) and not gz.any()
    alone = ft.make_jaxpr(ft.grad(lambda x: fnp.sum(fnp.sin(x))))(x)
    with_unused = ft.make_jaxpr(ft.grad(lambda x, y: fnp.sum(fnp.sin(x)), argnums=(0, 1)))(x, y)
    assert len(with_unused.eqns) == len(alone.eqns)


def test_stop_gradient():
    assert ft.grad(lambda x: x * lax.stop_gradient(x))(3.0) == 3.0
    assert ft.grad(lambda x: lax.stop_gradient(x * x))(3.0) == 0.0
    assert ft.grad(ft.grad(lambda x: x * lax.stop_gradient(x) ** 2))(3.0) == 0.0


# ---------------------------------------------------------------------------------------------
# linear_transpose and the transpose identity
# ---------------------------------------------------------------------------------------------


def test_linear_transpose_is_the_adjoint():
    a = np.arange(6.0).reshape(2, 3)

    def f(x):
        return (a * x).sum(axis=0) * 2.0 - x[0]

    x = np.ones((2, 3))
    f_t = ft.linear_transpose(f, x)
    u = np.array([1.0, -2.0, 0.5])
    v = np.random.default_rng(0).normal(size=(2, 3))
    (ct,) = f_t(u)
    np.testing.assert_allclose(np.vdot(u, f(v)), np.vdot(ct, v))


def test_linear_transpose_rejects_nonlinear():
    with pytest.raises(TypeError, match="not linear"):
        ft.linear_transpose(lambda x: x * x, 1.0)(1.0)


@pytest.mark.parametrize("fun, args", [
    (lambda x, y: fnp.sum(x * y + fnp.sin(x) / (1.5 + fnp.cos(y))), (np.ones(3), np.ones(3))),
    (lambda x: fnp.tanh(x) ** 3 - fnp.sqrt(x * x + 1.0), (np.linspace(-1, 1, 4),)),
    (lambda x, y: fnp.maximum(x, y) * fnp.exp(-x), (np.array([0.1, 2.0]), np.array([1.0, 0.5]))),
])
def test_check_grads_order_3(fun, args):
    check_grads(fun, args, order=3)


def test_check_helpers_catch_wrong_rules():
    bad_p = ft.core.Primitive("bad_sin", impl=np.sin, abstract_eval=lambda x: x)
    from ftrans.interpreters.batching import defvectorized
    from ftrans.interpreters.jvp import defjvp
    defjvp(bad_p, lambda g, ans, x: g * fnp.sin(x))  # wrong: should be cos
    defvectorized(bad_p)
    with pytest.raises(AssertionError):
        check_jvp(bad_p.bind, (np.float64(0.3),))
    with pytest.raises(AssertionError):
        check_vjp(bad_p.bind, (np.float64(0.3),))


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def test_grad_errors():
    with pytest.raises(TypeError, match="scalar output"):
        ft.grad(lambda x: x * 2)(np.ones(3))
    with pytest.raises(TypeError, match="real floating-point output"):
        ft.grad(lambda x: x > 0)(1.0)
    with pytest.raises(TypeError, match="allow_int"):
        ft.grad(lambda x: x * 2.0)(3)
    with pytest.raises(ValueError, match="argnums 2 is out of range"):
        ft.grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)
    with pytest.raises(TypeError, match="one scalar array"):
        ft.grad(lambda x: "nope")(1.0)
    with pytest.raises(TypeError, match="pair"):
        ft.grad(lambda x: x, has_aux=True)(1.0)


def test_jvp_errors():
    with pytest.raises(ValueError, match="tangent 0 has shape"):
        ft.jvp(fnp.sin, (np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError, match="tangent 0 has dtype float32"):
        ft.jvp(fnp.sin, (np.ones(3),), (np.ones(3, np.float32),))
    with pytest.raises(TypeError, match="tuples or lists"):
        ft.jvp(fnp.sin, 1.0, 1.0)
    with pytest.raises(TypeError, match="different structures"):
        ft.jvp(lambda a: a[0], ((1.0, 2.0),), ([1.0, 2.0],))


def test_vjp_cotangent_errors():
    _, f_vjp = ft.vjp(fnp.sin, np.ones(3))
    with pytest.raises(ValueError, match="cotangent 0 has shape"):
        f_vjp(np.ones(2))
