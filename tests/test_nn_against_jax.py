"""ftrans.nn and lax.reduce_window against JAX as an oracle, in float64: activations (values,
first and second derivatives, kinks included), masked softmax, attention, pooling.

Skipped where JAX is not installed (it is never a dependency).
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
jlax = jax.lax

import ftrans as ft  # noqa: E402
import ftrans.numpy as fnp  # noqa: E402
from ftrans import lax, nn  # noqa: E402

rng = np.random.default_rng(0)
# smooth points and every kink of the piecewise activations (0, +-1, +-3, 6)
POINTS = np.array([-3.0, -2.2, -1.0, -0.3, 0.0, 1e-5, 0.4, 1.0, 2.5, 3.0, 6.0, 31.0])


def _close(ours, theirs, rtol=1e-10, atol=1e-12):
    ours_leaves = ft.tree_util.tree_leaves(ours)
    their_leaves = jax.tree_util.tree_leaves(theirs)
    assert len(ours_leaves) == len(their_leaves)
    for o, t in zip(ours_leaves, their_leaves):
        o, t = np.asarray(o), np.asarray(t)
        assert o.shape == t.shape
        np.testing.assert_allclose(o, t, rtol=rtol, atol=atol, equal_nan=True)


ACTIVATIONS = ["relu", "relu6", "leaky_relu", "elu", "celu", "selu", "gelu", "silu", "swish",
               "softplus", "sigmoid", "log_sigmoid", "hard_sigmoid", "hard_silu", "hard_swish",
               "hard_tanh", "mish", "soft_sign", "sparse_plus", "sparse_sigmoid", "squareplus",
               "tanh", "identity"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_values_and_two_derivatives(name):
    ours, theirs = getattr(nn, name), getattr(jax.nn, name)
    _close(ours(POINTS), theirs(POINTS))
    d1, j1 = ft.grad(ours), jax.grad(theirs)
    _close(ft.vmap(d1)(POINTS), jax.vmap(j1)(POINTS))
    _close(ft.vmap(ft.grad(d1))(POINTS), jax.vmap(jax.grad(j1))(POINTS))


def test_parametrised_activations():
    x = rng.normal(size=(4, 6))
    _close(nn.gelu(x, approximate=False), jax.nn.gelu(x, approximate=False))
    _close(ft.grad(lambda v: fnp.sum(nn.gelu(v, approximate=False)))(x),
           jax.grad(lambda v: jnp.sum(jax.nn.gelu(v, approximate=False)))(x))
    _close(nn.celu(x, 0.5), jax.nn.celu(x, 0.5))
    _close(nn.leaky_relu(x, 0.3), jax.nn.leaky_relu(x, 0.3))
    _close(nn.squareplus(x, 2.0), jax.nn.squareplus(x, 2.0))
    _close(nn.glu(x), jax.nn.glu(x))
    _close(nn.glu(x, axis=0), jax.nn.glu(x, axis=0))
    _close(nn.log1mexp(np.abs(x) + 0.01), jax.nn.log1mexp(np.abs(x) + 0.01))
    _close(nn.one_hot(np.array([0, 3, -1, 7]), 5), jax.nn.one_hot(np.array([0, 3, -1, 7]), 5))


def test_masked_normalisations():
    x = rng.normal(size=(3, 5))
    w = x > -0.4
    w[1] = False
    ct = rng.normal(size=x.shape)
    for name in ("softmax", "log_softmax"):
        for kwargs in ({"where": w}, {"axis": 0, "where": w}):
            ours, theirs = getattr(nn, name), getattr(jax.nn, name)
            _close(ours(x, **kwargs), theirs(x, **kwargs))
            _close(ft.grad(lambda v: fnp.sum(fnp.where(w, ours(v, **kwargs), 0.0) * ct))(x),
                   jax.grad(lambda v: jnp.sum(jnp.where(w, theirs(v, **kwargs), 0.0) * ct))(x))
    with np.errstate(all="ignore"):
        for kwargs in ({"axis": 1, "where": w}, {"axis": 0, "keepdims": True}):
            _close(nn.logsumexp(x, **kwargs), jax.nn.logsumexp(x, **kwargs))
            _close(nn.logmeanexp(x, **kwargs), jax.nn.logmeanexp(x, **kwargs))
        _close(nn.standardize(x, where=w), jax.nn.standardize(x, where=w))
    b = np.array([1.0, -2.0, 0.5, 0.0, 1.0])
    _close(nn.logsumexp(x, axis=1, b=b, return_sign=True),
           jax.nn.logsumexp(x, axis=1, b=b, return_sign=True))


B, T, S, N, KV, H = 2, 3, 5, 4, 2, 3
Q, K, V = (rng.normal(size=shape) for shape in ((B, T, N, H), (B, S, KV, H), (B, S, KV, H)))
MASK = rng.random((B, 1, T, S)) > 0.3
MASK[0, 0, 1] = False  # a query that sees no key


@pytest.mark.parametrize("kwargs", [
    {}, {"bias": rng.normal(size=(1, N, 1, S))}, {"mask": MASK}, {"is_causal": True},
    {"scale": 0.4, "is_causal": True, "mask": MASK}, {"local_window_size": (1, 0)},
    {"key_value_seq_lengths": np.array([2, 5], np.int32),
     "query_seq_lengths": np.array([3, 1], np.int32)},
], ids=["plain", "bias", "mask", "causal", "scaled_causal_mask", "window", "lengths"])
def test_attention(kwargs):
    # JAX takes the softmax in float32 whatever the input's precision: hence the tolerance
    ours = lambda q, k, v: nn.dot_product_attention(q, k, v, **kwargs)  # noqa: E731
    theirs = lambda q, k, v: jax.nn.dot_product_attention(q, k, v, **kwargs)  # noqa: E731
    _close(ours(Q, K, V), theirs(Q, K, V), rtol=1e-5, atol=1e-6)
    ct = rng.normal(size=Q.shape)
    _close(ft.grad(lambda *a: fnp.sum(ours(*a) * ct), argnums=(0, 1, 2))(Q, K, V),
           jax.grad(lambda *a: jnp.sum(theirs(*a) * ct), argnums=(0, 1, 2))(Q, K, V),
           rtol=1e-4, atol=1e-5)


def test_attention_unbatched():
    bias = rng.normal(size=(N, T, S))
    _close(nn.dot_product_attention(Q[0], K[0], V[0], bias, MASK[0], is_causal=True),
           jax.nn.dot_product_attention(Q[0], K[0], V[0], bias, MASK[0], is_causal=True),
           rtol=1e-5, atol=1e-6)


WINDOWS = [((2, 2), (2, 2), "VALID", None, None), ((3, 2), (1, 2), "SAME", None, None),
           ((2, 3), (2, 1), ((1, 2), (0, 1)), (2, 1), None),
           ((2, 2), (1, 1), "SAME", None, (1, 2))]
MONOIDS = [(lax.add, jlax.add, 0.0), (lax.max, jlax.max, -np.inf), (lax.min, jlax.min, np.inf)]


@pytest.mark.parametrize("window", WINDOWS, ids=["pool", "same", "base_dilation", "dilated"])
@pytest.mark.parametrize("ours_op, their_op, init", MONOIDS, ids=["sum", "max", "min"])
def test_reduce_window(window, ours_op, their_op, init):
    x = rng.permutation(30).reshape(5, 6) * 0.25  # no ties
    ours = lambda v: lax.reduce_window(v, init, ours_op, *window)  # noqa: E731
    theirs = lambda v: jlax.reduce_window(v, init, their_op, *window)  # noqa: E731
    _close(ours(x), theirs(x))
    _close(ft.jvp(ours, (x,), (np.cos(x),))[1], jax.jvp(theirs, (x,), (np.cos(x),))[1])
    if window[4] is None or their_op is jlax.add:  # JAX has no vjp of dilated max windows
        f = lambda v: fnp.sum(fnp.sin(ours(v)) ** 2)  # noqa: E731
        g = lambda v: jnp.sum(jnp.sin(theirs(v)) ** 2)  # noqa: E731
        _close(ft.grad(f)(x), jax.grad(g)(x))
        if window is WINDOWS[0]:
            _close(ft.hessian(f)(x[:3, :4]), jax.hessian(g)(x[:3, :4]))


def test_reduce_window_general_computation_and_ties():
    x = rng.normal(size=(4, 5))
    _close(lax.reduce_window(x, 0.5, lambda a, b: a + 2 * b, (2, 2), (1, 1), ((1, 0), (0, 1))),
           jlax.reduce_window(x, 0.5, lambda a, b: a + 2 * b, (2, 2), (1, 1), ((1, 0), (0, 1))))
    _close(lax.reduce_window(x, 1.0, lax.mul, (2, 2), (1, 2), "SAME"),
           jlax.reduce_window(x, 1.0, jlax.mul, (2, 2), (1, 2), "SAME"))
    ties = np.array([[1.0, 1.0, 2.0, 2.0], [1.0, 0.0, 2.0, 2.0], [3.0, 3.0, 3.0, 3.0]])
    _close(ft.grad(lambda v: fnp.sum(lax.reduce_window(v, -np.inf, lax.max, (2, 2), (1, 1),
                                                       "SAME")))(ties),
           jax.grad(lambda v: jnp.sum(jlax.reduce_window(v, -np.inf, jlax.max, (2, 2), (1, 1),
                                                         "SAME")))(ties))
