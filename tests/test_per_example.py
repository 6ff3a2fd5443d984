"""Per-example gradients and the products they are made of: ``matmul`` with vector operands
(one dot_general, no reshapes), ``vmap(grad)`` of a small MLP against a loop of ``grad`` and
the closed form, eager and jitted, and tanh's derivative."""

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.test_util import check_grads

VECTOR_SHAPES = [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (5, 3, 4)),
                 ((5, 2, 3), (3,)), ((2, 5, 2, 3), (3,)), ((3,), (2, 5, 3, 4))]


@pytest.mark.parametrize("sa,sb", VECTOR_SHAPES)
def test_matmul_with_a_vector_matches_numpy(sa, sb):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    result = fnp.matmul(a, b)
    assert np.shape(result) == np.shape(a @ b)
    np.testing.assert_allclose(result, a @ b, rtol=1e-12)
    check_grads(lambda a, b: fnp.sum(fnp.sin(fnp.matmul(a, b))), (a, b), order=2)


@pytest.mark.parametrize("sa,sb", VECTOR_SHAPES)
def test_vmap_of_matmul_with_a_vector_equals_loop(sa, sb):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4,) + sa), rng.normal(size=(4,) + sb)
    for in_axes in ((0, None), (None, 0), (0, 0)):
        got = ft.vmap(fnp.matmul, in_axes=in_axes)(a if in_axes[0] is not None else a[0],
                                                    b if in_axes[1] is not None else b[0])
        want = np.stack([(a[i] if in_axes[0] is not None else a[0])
                         @ (b[i] if in_axes[1] is not None else b[0]) for i in range(4)])
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_matmul_of_a_vector_is_one_dot_general():
    jaxpr = ft.make_jaxpr(fnp.matmul)(np.ones(3), np.ones((3, 4))).jaxpr
    assert [e.primitive.name for e in jaxpr.eqns] == ["dot_general"]
    jaxpr = ft.make_jaxpr(ft.vmap(ft.grad(lambda w, x: fnp.sum(fnp.tanh(x @ w))),
                                  in_axes=(None, 0)))(np.ones((3, 4)), np.ones((5, 3))).jaxpr
    assert "reshape" not in [e.primitive.name for e in jaxpr.eqns]


def test_matmul_with_a_vector_checks_sizes():
    with pytest.raises(ValueError, match="core dimension"):
        fnp.matmul(np.ones(3), np.ones((4, 2)))
    with pytest.raises(ValueError, match="core dimension"):
        fnp.matmul(np.ones((2, 4)), np.ones(3))


def _loss(params, x, y):
    (w1, b1), (w2, b2) = params
    h = fnp.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    z = z - ft.stop_gradient(fnp.max(z))
    return -fnp.sum(y * (z - fnp.log(fnp.sum(fnp.exp(z)))))


def _closed_form(params, x, y):
    """Per-example gradients of ``_loss`` written out (one-hot y)."""
    (w1, b1), (w2, b2) = params
    h = np.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    g_z = e / e.sum(axis=1, keepdims=True) - y
    g_pre = (g_z @ w2.T) * (1 - h * h)
    return [(x[:, :, None] * g_pre[:, None, :], g_pre), (h[:, :, None] * g_z[:, None, :], g_z)]


def _problem():
    rng = np.random.default_rng(2)
    params = [(rng.normal(size=(7, 5)) / 3, rng.normal(size=5)),
              (rng.normal(size=(5, 3)) / 2, rng.normal(size=3))]
    x = rng.normal(size=(6, 7))
    y = np.eye(3)[rng.integers(0, 3, size=6)]
    return params, x, y


@pytest.mark.parametrize("jit", [False, True])
def test_per_example_gradients_match_loop_and_closed_form(jit):
    params, x, y = _problem()
    per_example = ft.vmap(ft.grad(_loss), in_axes=(None, 0, 0))
    if jit:
        per_example = ft.jit(per_example)
    got = per_example(params, x, y)
    want = _closed_form(params, x, y)
    loop = [ft.grad(_loss)(params, x[i], y[i]) for i in range(len(x))]
    for layer in range(2):
        for k in range(2):
            np.testing.assert_allclose(got[layer][k], want[layer][k], rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(got[layer][k],
                                       np.stack([g[layer][k] for g in loop]), rtol=1e-12)


def test_tanh_derivatives():
    x = np.linspace(-3, 3, 13)
    t = np.tanh(x)
    np.testing.assert_allclose(ft.vmap(ft.grad(fnp.tanh))(x), 1 - t * t, rtol=1e-12)
    np.testing.assert_allclose(ft.vmap(ft.grad(ft.grad(fnp.tanh)))(x), -2 * t * (1 - t * t),
                               rtol=1e-10, atol=1e-14)
    check_grads(lambda x: fnp.sum(fnp.tanh(x) ** 2), (x,), order=2)


def test_vmap_plumbing_on_pytrees_and_per_example_types():
    from ftrans.core import MissingRuleError, Primitive
    from ftrans.core import ShapedArray

    seen = []

    def f(tree):
        seen.append((tree["a"].shape, tree["b"][0].shape))
        return tree["a"] * tree["b"][0]
    out = ft.vmap(f, in_axes=({"a": 0, "b": [1]},))({"a": np.ones((4, 3)), "b": [np.ones((3, 4))]})
    assert out.shape == (4, 3) and seen == [((3,), (3,))]
    with pytest.raises(TypeError, match="object array"):
        ft.vmap(f)({"a": np.array([object()]), "b": [np.ones(1)]})
    with pytest.raises(ValueError, match="inconsistent sizes"):
        ft.vmap(f)({"a": np.ones((4, 3)), "b": [np.ones((5, 3))]})
    no_rule = Primitive("no_batching_rule_here", impl=lambda x: x,
                        abstract_eval=lambda x: ShapedArray(x.shape, x.dtype))
    with pytest.raises(MissingRuleError, match="vmap"):
        ft.vmap(no_rule.bind)(np.ones((2, 3)))
    assert ft.vmap(lambda x: no_rule.bind(np.ones(3)) + x)(np.ones((2, 3))).shape == (2, 3)
