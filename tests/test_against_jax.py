"""ftrans against JAX as an oracle: values of derivatives and batched functions.

Skipped where JAX is not installed (it is never a dependency). Dtype rules are NumPy's in
ftrans, so inputs are float64 and JAX runs with x64.
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
jss = pytest.importorskip("jax.scipy.special")

import ftrans as ft  # noqa: E402
import ftrans.numpy as fnp  # noqa: E402

rng = np.random.default_rng(0)
X = rng.normal(size=(3, 4))
Y = rng.normal(size=4)
A = rng.normal(size=(4, 4))
SPD = A @ A.T + 4 * np.eye(4)
POS = np.abs(X) + 0.5


def _same(ours, theirs):
    ours_leaves = ft.tree_util.tree_leaves(ours)
    their_leaves = jax.tree_util.tree_leaves(theirs)
    assert len(ours_leaves) == len(their_leaves)
    for o, t in zip(ours_leaves, their_leaves):
        o, t = np.asarray(o), np.asarray(t)
        assert o.shape == t.shape
        np.testing.assert_allclose(o, t, rtol=1e-7, atol=1e-9, equal_nan=True)


UNARY = ["sin", "tanh", "exp", "log1p", "abs", "sqrt", "cbrt", "arctan", "sinh", "log10",
         "square", "reciprocal", "sign", "arcsinh", "expm1", "floor", "round"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_gradients_and_hessians(name):
    def ours(v):
        return getattr(fnp, name)(v).sum()

    def theirs(v):
        return getattr(jnp, name)(v).sum()

    _same(ft.grad(ours)(POS), jax.grad(theirs)(POS))
    _same(ft.hessian(ours)(POS[0]), jax.hessian(theirs)(POS[0]))


BINARY = [("dot", (X, Y)), ("matmul", (X, Y)), ("outer", (Y, Y)), ("maximum", (X, Y)),
          ("minimum", (X, Y)), ("arctan2", (X, Y)), ("hypot", (X, Y)), ("power", (POS, Y)),
          ("logaddexp", (X, Y)), ("true_divide", (X, Y + 3.0))]


@pytest.mark.parametrize("name, args", BINARY, ids=[b[0] for b in BINARY])
def test_binary_gradients(name, args):
    _same(ft.grad(lambda a, b: getattr(fnp, name)(a, b).sum(), argnums=(0, 1))(*args),
          jax.grad(lambda a, b: getattr(jnp, name)(a, b).sum(), argnums=(0, 1))(*args))


REDUCTIONS = [("max", {}), ("min", {"axis": 0}), ("prod", {"axis": 1}), ("var", {"axis": 0}),
              ("std", {}), ("mean", {"axis": -1}), ("cumsum", {"axis": 1}),
              ("cumprod", {"axis": 0}), ("sort", {"axis": 1}), ("median", {})]


@pytest.mark.parametrize("name, kwargs", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reductions_under_grad_and_vmap(name, kwargs):
    def ours(a):
        return (getattr(fnp, name)(a, **kwargs) ** 2).sum()

    def theirs(a):
        return (getattr(jnp, name)(a, **kwargs) ** 2).sum()

    _same(ft.grad(ours)(X), jax.grad(theirs)(X))
    if kwargs.get("axis", 0) in (0, -1):
        _same(ft.vmap(lambda a: getattr(fnp, name)(a, **kwargs))(X),
              jax.vmap(lambda a: getattr(jnp, name)(a, **kwargs))(X))


LINALG = [
    ("inv", lambda m, a: m.linalg.inv(a).sum(), A),
    ("solve", lambda m, a: m.linalg.solve(a, Y).sum(), A),
    ("slogdet", lambda m, a: m.linalg.slogdet(a)[1], A),
    ("det", lambda m, a: m.linalg.det(a), A),
    ("cholesky", lambda m, a: m.linalg.cholesky(a).sum(), SPD),
    ("eigh", lambda m, a: (m.linalg.eigh(a)[0] ** 2).sum(), SPD),
    ("svdvals", lambda m, a: m.linalg.svd(a, compute_uv=False).sum(), A),
    ("qr", lambda m, a: (m.linalg.qr(a)[1] ** 2).sum(), A),
    ("pinv", lambda m, a: m.linalg.pinv(a).sum(), A),
    ("norm2", lambda m, a: m.linalg.norm(a, 2), A),
    ("nuc", lambda m, a: m.linalg.norm(a, "nuc"), A),
    ("matrix_power", lambda m, a: m.linalg.matrix_power(a, 3).sum(), A),
    ("einsum", lambda m, a: m.einsum("ij,jk->ik", a, a).sum(), A),
]


@pytest.mark.parametrize("name, fun, arg", LINALG, ids=[c[0] for c in LINALG])
def test_linalg_values_and_gradients(name, fun, arg):
    _same(fun(fnp, arg), fun(jnp, arg))
    _same(ft.grad(lambda a: fun(fnp, a))(arg), jax.grad(lambda a: fun(jnp, a))(arg))


@pytest.mark.parametrize("name", ["erf", "erfc", "gammaln", "digamma"])
def test_special_functions(name):
    z = np.linspace(0.2, 3.0, 7)
    ours, theirs = getattr(ft.scipy.special, name), getattr(jss, name)
    _same(ours(z), theirs(z))
    _same(ft.grad(lambda v: ours(v).sum())(z), jax.grad(lambda v: theirs(v).sum())(z))


@pytest.mark.parametrize("name", ["relu", "sigmoid", "softplus", "silu", "log_sigmoid", "elu",
                                  "leaky_relu", "relu6", "gelu"])
def test_nn_activations(name):
    ours, theirs = getattr(ft.nn, name), getattr(jax.nn, name)
    _same(ours(X), theirs(X))
    _same(ft.grad(lambda v: ours(v).sum())(X), jax.grad(lambda v: theirs(v).sum())(X))


SEMANTICS = {
    "where_nan_trap": (
        lambda: ft.grad(lambda v: fnp.where(v > 0, fnp.sqrt(v), 0.0).sum())(np.array([0.0, 1.0])),
        lambda: jax.grad(lambda v: jnp.where(v > 0, jnp.sqrt(v), 0.0).sum())(
            np.array([0.0, 1.0]))),
    "max_ties": (lambda: ft.grad(fnp.max)(np.array([1.0, 3.0, 3.0])),
                 lambda: jax.grad(jnp.max)(np.array([1.0, 3.0, 3.0]))),
    "maximum_ties": (lambda: ft.grad(lambda v: fnp.maximum(v, 1.0).sum())(np.array([1.0, 3.0])),
                     lambda: jax.grad(lambda v: jnp.maximum(v, 1.0).sum())(np.array([1.0, 3.0]))),
    "abs_at_0": (lambda: ft.grad(fnp.abs)(0.0), lambda: jax.grad(jnp.abs)(0.0)),
    "sqrt_at_0": (lambda: ft.grad(fnp.sqrt)(0.0), lambda: jax.grad(jnp.sqrt)(0.0)),
    "clip_edges": (
        lambda: ft.grad(lambda v: fnp.clip(v, 0, 1).sum())(np.array([-1.0, 0.0, 0.5, 1.0, 2.0])),
        lambda: jax.grad(lambda v: jnp.clip(v, 0, 1).sum())(np.array([-1.0, 0.0, 0.5, 1.0, 2.0]))),
    "relu_at_0": (lambda: ft.grad(ft.nn.relu)(0.0), lambda: jax.grad(jax.nn.relu)(0.0)),
    "hessian_argnums": (
        lambda: ft.hessian(lambda a, b: (a * b ** 2).sum(), argnums=(0, 1))(Y, Y),
        lambda: jax.hessian(lambda a, b: (a * b ** 2).sum(), argnums=(0, 1))(Y, Y)),
    "jacfwd_dict": (lambda: ft.jacfwd(lambda d: {"o": d["a"] * 2})({"a": Y}),
                    lambda: jax.jacfwd(lambda d: {"o": d["a"] * 2})({"a": Y})),
    "vmap_out_axes": (lambda: ft.vmap(lambda a: (a, a.sum()), out_axes=(1, 0))(X),
                      lambda: jax.vmap(lambda a: (a, a.sum()), out_axes=(1, 0))(X)),
    "indexing_grad": (lambda: ft.grad(lambda a: (a[1, np.array([3, 0, 3])] ** 2).sum())(X),
                      lambda: jax.grad(lambda a: (a[1, np.array([3, 0, 3])] ** 2).sum())(X)),
    "at_add": (lambda: ft.grad(lambda a: (a.at[np.array([0, 0, 1])].add(a[2]) ** 2).sum())(Y),
               lambda: jax.grad(lambda a: (a.at[np.array([0, 0, 1])].add(a[2]) ** 2).sum())(Y)),
    "psum_grad_in_vmap": (
        lambda: ft.vmap(ft.grad(lambda v: v / ft.lax.psum(v, "i")), axis_name="i")(Y + 3),
        lambda: jax.vmap(jax.grad(lambda v: v / jax.lax.psum(v, "i")), axis_name="i")(Y + 3)),
    "all_gather": (lambda: ft.vmap(lambda v: ft.lax.all_gather(v, "i"), axis_name="i")(Y),
                   lambda: jax.vmap(lambda v: jax.lax.all_gather(v, "i"), axis_name="i")(Y)),
    "scan_grad": (
        lambda: ft.grad(lambda a: ft.lax.scan(lambda c, v: (c * v + 1.0, c), 0.5, a,
                                              reverse=True)[0])(Y),
        lambda: jax.grad(lambda a: jax.lax.scan(lambda c, v: (c * v + 1.0, c), 0.5, a,
                                                reverse=True)[0])(Y)),
    "cond_vmap": (lambda: ft.vmap(lambda v: ft.lax.cond(v > 0, fnp.sin, fnp.cos, v))(Y),
                  lambda: jax.vmap(lambda v: jax.lax.cond(v > 0, jnp.sin, jnp.cos, v))(Y)),
    "while_jvp": (
        lambda: ft.jvp(lambda a: ft.lax.while_loop(lambda c: c < 10.0, lambda c: c * a, 1.0),
                       (1.7,), (1.0,)),
        lambda: jax.jvp(lambda a: jax.lax.while_loop(lambda c: c < 10.0, lambda c: c * a, 1.0),
                        (1.7,), (1.0,))),
    "fori_grad": (
        lambda: ft.grad(lambda a: ft.lax.fori_loop(0, 3, lambda i, c: c * a, 1.0))(1.5),
        lambda: jax.grad(lambda a: jax.lax.fori_loop(0, 3, lambda i, c: c * a, 1.0))(1.5)),
    "linearize": (lambda: ft.linearize(fnp.sin, Y)[1](Y), lambda: jax.linearize(jnp.sin, Y)[1](Y)),
}


@pytest.mark.parametrize("name", SEMANTICS)
def test_semantics(name):
    ours, theirs = SEMANTICS[name]
    _same(ours(), theirs())
