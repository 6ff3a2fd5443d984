"""checkpoint / remat: same values and derivatives as without, recomputation visible in the
linear program, policies, static arguments, composition with vmap / jit / nesting."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.checkpoint import checkpoint, checkpoint_policies, remat
from ftrans.custom_derivatives import custom_jvp
from ftrans.test_util import check_grads

rng = np.random.default_rng(0)
W1, W2 = rng.standard_normal((4, 3)), rng.standard_normal((2, 4))
X = rng.standard_normal(3)


def block(x):
    return fnp.sin(fnp.sin(x)) * fnp.cos(x)


def mlp(w1, w2, x):
    return fnp.sum(fnp.tanh(w2 @ fnp.tanh(w1 @ x)))


POLICIES = [None, checkpoint_policies.dots_saveable, checkpoint_policies.everything_saveable]


@pytest.mark.parametrize("policy", POLICIES, ids=["nothing", "dots", "everything"])
def test_same_gradients_as_without(policy):
    f = checkpoint(mlp, policy=policy)
    expected = ft.grad(mlp, argnums=(0, 1, 2))(W1, W2, X)
    for transformed in (ft.grad(f, argnums=(0, 1, 2)), ft.jit(ft.grad(f, argnums=(0, 1, 2))),
                        ft.grad(ft.jit(f), argnums=(0, 1, 2))):
        for got, want in zip(transformed(W1, W2, X), expected):
            np.testing.assert_allclose(got, want, rtol=1e-12)
    assert np.isclose(f(W1, W2, X), mlp(W1, W2, X))
    check_grads(lambda x: f(W1, W2, x), (X,), order=2)


def test_vmap_and_nesting():
    f = checkpoint(block)
    x = np.array([0.1, 0.7, 1.3])
    expected = ft.vmap(ft.grad(block))(x)
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(x), expected)
    np.testing.assert_allclose(ft.grad(lambda x: fnp.sum(ft.vmap(f)(x)))(x), expected)
    np.testing.assert_allclose(ft.vmap(ft.grad(ft.grad(f)))(x),
                               ft.vmap(ft.grad(ft.grad(block)))(x))
    np.testing.assert_allclose(ft.grad(lambda x: fnp.sum(checkpoint(
        lambda y: block(checkpoint(block)(y)))(x)))(x),
        ft.grad(lambda x: fnp.sum(block(block(x))))(x))
    np.testing.assert_allclose(ft.jvp(f, (x,), (np.ones(3),))[1],
                               ft.jvp(block, (x,), (np.ones(3),))[1])


def _linear_program(f, *args):
    return ft.linearize(f, *args)[1].jaxpr


def test_linear_program_keeps_only_inputs_and_recomputes():
    plain = _linear_program(block, X)
    remat_program = _linear_program(checkpoint(block), X)
    # without checkpoint the residuals are intermediates (cos(sin x), cos x, ...)
    assert len(plain.consts) >= 3 and "sin" not in str(plain)
    # with it the only residual is the input itself, and the forward is recomputed inside
    assert [c is X for c in remat_program.consts] == [True]
    (eqn,) = remat_program.eqns
    assert eqn.primitive.name == "remat"
    inner = str(eqn.params["jaxpr"])
    assert inner.count("sin") >= 2 and "cos" in inner


def test_backward_pass_recomputes_in_the_jaxpr_of_grad():
    text = str(ft.make_jaxpr(ft.grad(checkpoint(block)))(0.5))
    forward, backward = text.split("remat[")[1:3]
    assert "sin" in forward and "sin" in backward  # the backward remat recomputes sin(x)


def test_dots_saveable_saves_matrix_products_only():
    f = checkpoint(lambda w1: mlp(w1, W2, X), policy=checkpoint_policies.dots_saveable)
    program = _linear_program(f, W1)
    shapes = sorted(tuple(np.shape(c)) for c in program.consts)
    # inputs (w1, w2, x) and the two matrix products (4,) and (2,): no tanh values
    assert (4,) in shapes or (4, 1) in shapes
    inner = str(program.eqns[0].params["jaxpr"])
    assert "tanh" in inner  # tanh is recomputed from the saved product
    nothing = _linear_program(checkpoint(lambda w1: mlp(w1, W2, X)), W1)
    assert "dot_general" in str(nothing.eqns[0].params["jaxpr"]).split("tanh")[0]


def test_static_argnums_and_decorator_forms():
    @remat(static_argnums=(1,))
    def power(x, n):
        out = x
        for _ in range(n - 1):
            out = out * x
        return out

    assert float(ft.grad(power)(2.0, 3)) == 12.0
    assert float(ft.grad(power)(2.0, 4)) == 32.0

    @checkpoint
    def g(x, y=2.0):
        return fnp.sin(x) * y

    assert np.isclose(ft.grad(g)(0.0, y=3.0), 3.0)


def test_pytrees_and_closures():
    a = np.array([1.0, 2.0])

    @checkpoint
    def f(params):
        return fnp.sum(fnp.sin(params["w"] * a) * params["b"])

    g = ft.grad(f)({"w": np.array([0.5, 0.1]), "b": 2.0})
    np.testing.assert_allclose(g["w"], 2.0 * a * np.cos(np.array([0.5, 0.1]) * a))
    # closing over a traced value of an enclosing transformation
    out = ft.grad(lambda s: checkpoint(lambda x: fnp.sin(x * s))(2.0))(0.3)
    assert np.isclose(out, 2.0 * np.cos(0.6))


def test_custom_jvp_inside_checkpoint():
    @custom_jvp
    def f(x):
        return fnp.sin(x)

    f.defjvp(lambda p, t: (f(p[0]), 7.0 * t[0]))
    assert float(ft.grad(checkpoint(lambda x: f(x) * 2.0))(1.0)) == 14.0


def test_eager_call_runs_the_function():
    calls = []

    def f(x):
        calls.append(1)
        return x * 2.0

    assert float(checkpoint(f)(3.0)) == 6.0 and len(calls) == 1
