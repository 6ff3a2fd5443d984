"""ftrans.nn: values against NumPy references, derivatives to order 2, finite values and
gradients at extreme inputs, and the transformations."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import nn
from ftrans.test_util import check_grads

X = np.array([-2.3, -0.7, 0.4, 1.9, 3.1])  # away from kinks (0, 6) so finite differences hold
EXTREME = np.array([-1000.0, -50.0, 50.0, 1000.0])
_erf = np.vectorize(math.erf)


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softplus(x):
    return np.logaddexp(x, 0.0)


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


ELEMENTWISE = {
    "relu": (nn.relu, lambda x: np.maximum(x, 0)),
    "relu6": (nn.relu6, lambda x: np.clip(x, 0, 6)),
    "leaky_relu": (nn.leaky_relu, lambda x: np.where(x >= 0, x, 0.01 * x)),
    "elu": (nn.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    "selu": (nn.selu, lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0)))),
    "gelu_tanh": (nn.gelu, _gelu_tanh),
    "gelu_exact": (lambda x: nn.gelu(x, approximate=False),
                   lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    "silu": (nn.silu, lambda x: x * _sigmoid(x)),
    "softplus": (nn.softplus, _softplus),
    "sigmoid": (nn.sigmoid, _sigmoid),
    "log_sigmoid": (nn.log_sigmoid, lambda x: -_softplus(-x)),
    "celu": (lambda x: nn.celu(x, 1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(x / 1.5))),
    "hard_sigmoid": (nn.hard_sigmoid, lambda x: np.clip((x + 3) / 6, 0, 1)),
    "hard_silu": (nn.hard_silu, lambda x: x * np.clip((x + 3) / 6, 0, 1)),
    "hard_tanh": (nn.hard_tanh, lambda x: np.clip(x, -1, 1)),
    "mish": (nn.mish, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    "soft_sign": (nn.soft_sign, lambda x: x / (1 + np.abs(x))),
    "sparse_plus": (nn.sparse_plus, lambda x: np.where(x <= -1, 0, np.where(x >= 1, x,
                                                                            (x + 1) ** 2 / 4))),
    "sparse_sigmoid": (nn.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1)),
    "squareplus": (nn.squareplus, lambda x: (x + np.sqrt(x * x + 4)) / 2),
    "tanh": (nn.tanh, np.tanh),
}

REDUCING = {
    "softmax": (lambda x: nn.softmax(x), lambda x: np.exp(x - _logsumexp(x, -1, True))),
    "log_softmax": (lambda x: nn.log_softmax(x), lambda x: x - _logsumexp(x, -1, True)),
    "logsumexp": (lambda x: nn.logsumexp(x), lambda x: _logsumexp(x)),
    "logsumexp_axis0": (lambda x: nn.logsumexp(x, axis=0, keepdims=True),
                        lambda x: _logsumexp(x, 0, True)),
    "softmax_axis0": (lambda x: nn.softmax(x, axis=0),
                      lambda x: np.exp(x - _logsumexp(x, 0, True))),
    "standardize": (lambda x: nn.standardize(x), lambda x: (x - x.mean(-1, keepdims=True))
                    / np.sqrt(x.var(-1, keepdims=True) + 1e-5)),
    "safe_norm": (lambda x: nn.safe_norm(x, axis=-1), lambda x: np.linalg.norm(x, axis=-1)),
    "glu": (lambda x: nn.glu(x, axis=0), lambda x: x[:1] * _sigmoid(x[1:])),
    "logmeanexp": (lambda x: nn.logmeanexp(x, axis=-1),
                   lambda x: _logsumexp(x, -1) - np.log(x.shape[-1])),
}
ALL = {**ELEMENTWISE, **REDUCING}
M = np.array([[-2.3, -0.7, 0.4], [1.9, 3.1, -1.2]])


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_values_and_derivatives(name):
    f, reference = ELEMENTWISE[name]
    np.testing.assert_allclose(f(X), reference(X), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ft.jit(f)(X), reference(X), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ft.vmap(f)(X), reference(X), rtol=1e-12, atol=1e-15)
    check_grads(f, (X,), order=2)
    # the derivative, elementwise, equals vmap of grad
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(X), ft.grad(lambda x: fnp.sum(f(x)))(X))


@pytest.mark.parametrize("name", sorted(REDUCING))
def test_reducing_values_and_derivatives(name):
    f, reference = REDUCING[name]
    np.testing.assert_allclose(f(M), reference(M), rtol=1e-12)
    np.testing.assert_allclose(ft.jit(f)(M), reference(M), rtol=1e-12)
    np.testing.assert_allclose(ft.vmap(f)(M[None]), reference(M)[None], rtol=1e-12)
    check_grads(f, (M,), order=2)


@pytest.mark.parametrize("name", sorted(ALL))
def test_extreme_inputs_give_finite_values_and_gradients(name):
    f, _ = ALL[name]
    x = EXTREME if name in ELEMENTWISE else np.stack([EXTREME, EXTREME[::-1]])
    assert np.all(np.isfinite(f(x)))
    out = f(x)
    w = np.linspace(0.5, 1.5, np.size(out)).reshape(np.shape(out))
    g = ft.grad(lambda x: fnp.sum(f(x) * w))(x)
    assert np.all(np.isfinite(g)), g
    h = ft.grad(lambda x: fnp.sum(ft.grad(lambda y: fnp.sum(f(y) ** 2))(x)))(x)
    assert np.all(np.isfinite(h)), h


def test_extreme_values_are_right():
    assert float(nn.softplus(1000.0)) == 1000.0 and float(nn.softplus(-1000.0)) == 0.0
    assert float(nn.log_sigmoid(-1000.0)) == -1000.0
    assert np.isclose(nn.logsumexp(np.array([1000.0, 1000.0])), 1000.0 + np.log(2))
    np.testing.assert_allclose(nn.softmax(np.array([1000.0, 0.0, -1000.0])), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(ft.grad(nn.logsumexp)(np.array([1000.0, 1000.0])), [0.5, 0.5])
    assert float(ft.grad(nn.softplus)(1000.0)) == 1.0
    assert float(ft.grad(nn.log_sigmoid)(-1000.0)) == 1.0
    assert float(nn.gelu(-1000.0, approximate=False)) == 0.0
    # exact gelu keeps relative accuracy in the tail (erfc, not 1 + erf)
    assert np.isclose(nn.gelu(-10.0, approximate=False), -10.0 * 0.5 * math.erfc(10 / math.sqrt(2)),
                      rtol=1e-12)


def test_where_trap_and_double_where_fix():
    naive = ft.grad(lambda x: fnp.sum(fnp.where(x > 0, fnp.sqrt(fnp.abs(x)), 0.0)))
    assert np.isnan(naive(np.array([0.0, 4.0]))).any()
    np.testing.assert_allclose(ft.grad(nn.safe_norm)(np.zeros(3)), np.zeros(3))
    np.testing.assert_allclose(ft.grad(nn.safe_norm)(np.array([3.0, 4.0])), [0.6, 0.8])
    assert float(nn.safe_norm(np.zeros(3), min_norm=1e-3)) == 1e-3


def test_relu_derivative_at_zero_is_zero():
    assert float(ft.grad(nn.relu)(0.0)) == 0.0
    assert float(ft.grad(nn.relu6)(6.0)) == 0.0


def test_logsumexp_axes_and_weights():
    x = np.arange(24.0).reshape(2, 3, 4) / 7
    for axis in (None, 0, 1, (0, 2), -1):
        for keepdims in (False, True):
            np.testing.assert_allclose(nn.logsumexp(x, axis=axis, keepdims=keepdims),
                                       _logsumexp(x, axis, keepdims))
    b = np.array([0.5, 0.0, 2.0, 1.0])
    np.testing.assert_allclose(nn.logsumexp(x, axis=-1, b=b),
                               np.log(np.sum(b * np.exp(x), axis=-1)))
    check_grads(lambda x: nn.logsumexp(x, axis=(0, 2)), (x,), order=2)


def test_one_hot():
    np.testing.assert_array_equal(nn.one_hot(np.array([0, 2, 5]), 3),
                                  [[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    labels = np.array([[0, 1], [2, 0]])
    assert nn.one_hot(labels, 3).shape == (2, 2, 3)
    np.testing.assert_array_equal(nn.one_hot(labels, 3, axis=0),
                                  np.moveaxis(nn.one_hot(labels, 3), -1, 0))
    assert nn.one_hot(np.array([1]), 2, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(ft.vmap(lambda y: nn.one_hot(y, 3))(labels),
                                  nn.one_hot(labels, 3))


def test_losses():
    logits = np.array([[2.0, -1.0, 0.5], [1000.0, -1000.0, 0.0]])
    labels = np.array([0, 2])
    onehot = nn.one_hot(labels, 3)
    expected = _logsumexp(logits, -1) - logits[np.arange(2), labels]
    np.testing.assert_allclose(nn.softmax_cross_entropy(logits, onehot), expected)
    np.testing.assert_allclose(nn.softmax_cross_entropy_with_integer_labels(logits, labels),
                               expected)
    g = ft.grad(lambda z: fnp.sum(nn.softmax_cross_entropy(z, onehot)))(logits)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, nn.softmax(logits) - onehot, atol=1e-12)
    check_grads(lambda z: nn.softmax_cross_entropy(z, onehot), (logits[:1],), order=2)
    z = np.array([-1000.0, -1.0, 0.5, 1000.0])
    y = np.array([0.0, 1.0, 0.3, 1.0])
    bce = nn.sigmoid_binary_cross_entropy(z, y)
    np.testing.assert_allclose(bce, -y * -_softplus(-z) - (1 - y) * -_softplus(z))
    g = ft.grad(lambda z: fnp.sum(nn.sigmoid_binary_cross_entropy(z, y)))(z)
    assert np.all(np.isfinite(g))
    p, t = np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 3.0])
    assert np.isclose(nn.mse(p, t), np.mean((p - t) ** 2))
    np.testing.assert_allclose(ft.grad(nn.mse)(p, t), 2 * (p - t) / 3)


def test_float32_stays_float32():
    x = X.astype(np.float32)
    for name, (f, _) in ALL.items():
        y = f(x if name in ELEMENTWISE else M.astype(np.float32))
        assert y.dtype == np.float32, name


# ---------------------------------------------------------------------------------------------
# Kinks, masks, attention, pooling
# ---------------------------------------------------------------------------------------------

# (function, point, first derivative, second derivative): the one-sided choices at kinks.
KINKS = [
    (nn.relu, 0.0, 0.0, 0.0), (nn.relu6, 6.0, 0.0, 0.0), (nn.leaky_relu, 0.0, 1.0, 0.0),
    (nn.elu, 0.0, 1.0, 1.0), (nn.celu, 0.0, 1.0, 0.25), (nn.hard_tanh, 1.0, 1.0, 0.0),
    (nn.hard_tanh, -1.0, 1.0, 0.0), (nn.hard_sigmoid, 3.0, 0.0, 0.0),
    (nn.hard_silu, -3.0, 0.0, 0.0), (nn.hard_silu, 3.0, 1.0, 0.0),
    (nn.sparse_plus, 1.0, 1.0, 0.0), (nn.sparse_plus, -1.0, 0.0, 0.0),
    (nn.sparse_sigmoid, 1.0, 0.25, 0.0), (nn.soft_sign, 0.0, 1.0, -2.0),
]


@pytest.mark.parametrize("f, x, d1, d2", KINKS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_derivatives_at_kinks(f, x, d1, d2):
    assert float(ft.grad(f)(x)) == pytest.approx(d1, abs=1e-12)
    assert float(ft.grad(ft.grad(f))(x)) == pytest.approx(d2, abs=1e-12)


def test_log1mexp_is_accurate_on_both_sides_of_log2():
    x = np.array([1e-8, 0.3, 0.69, 0.7, 5.0, 40.0])
    # log(1 - u) for u = exp(-x): log1p keeps the small u, expm1 the u near 1
    expected = np.array([math.log(-math.expm1(-v)) if v < 0.5 else math.log1p(-math.exp(-v))
                         for v in x])
    np.testing.assert_allclose(nn.log1mexp(x), expected, rtol=1e-13)
    check_grads(nn.log1mexp, (x[1:],), order=2)


def test_where_masks():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    w = np.array([[True, False, True], [True, True, True]])
    e = np.exp(x - 3.0) * w
    np.testing.assert_allclose(nn.softmax(x, where=w), e / e.sum(-1, keepdims=True))
    log_sm = nn.log_softmax(x, where=w)
    assert np.isneginf(log_sm[0, 1])
    np.testing.assert_allclose(log_sm[w], (x - 3.0 - np.log(e.sum(-1, keepdims=True)))[w])
    np.testing.assert_allclose(nn.logsumexp(x, axis=1, where=w), np.log(e.sum(-1)) + 3.0)
    value, sign = nn.logsumexp(np.array([1.0, 2.0]), b=np.array([1.0, -2.0]), return_sign=True)
    assert sign == -1.0 and np.isclose(value, np.log(2 * np.e ** 2 - np.e))
    np.testing.assert_allclose(nn.standardize(x, where=w)[0, [0, 2]], [-1, 1], rtol=1e-5)
    check_grads(lambda x: nn.softmax(x, where=w), (x,), order=2)
    check_grads(lambda x: fnp.where(w, nn.log_softmax(x, where=w), 0.0), (x,), order=2)


def _attention_reference(q, k, v, bias=None, mask=None, scale=None, causal=False):
    """Loops over heads in NumPy: query head n uses key/value head n // (N // K)."""
    b, t, n, h = q.shape
    s, kh = k.shape[1], k.shape[2]
    scale = 1 / np.sqrt(h) if scale is None else scale
    out = np.zeros((b, t, n, h))
    for bi in range(b):
        for ni in range(n):
            logits = scale * q[bi, :, ni] @ k[bi, :, ni // (n // kh)].T
            if bias is not None:
                logits = logits + np.broadcast_to(bias, (b, n, t, s))[bi, ni]
            keep = np.ones((t, s), bool)
            if mask is not None:
                keep &= np.broadcast_to(mask, (b, n, t, s))[bi, ni]
            if causal:
                keep &= np.tri(t, s, dtype=bool)
            logits = np.where(keep, logits, -0.7 * np.finfo(float).max)
            p = np.exp(logits - logits.max(-1, keepdims=True))
            out[bi, :, ni] = (p / p.sum(-1, keepdims=True)) @ v[bi, :, ni // (n // kh)]
    return out


RNG = np.random.default_rng(0)
Q, K, V = (RNG.normal(size=s) for s in ((2, 3, 4, 5), (2, 6, 2, 5), (2, 6, 2, 5)))
BIAS = RNG.normal(size=(1, 4, 1, 6))
MASK = RNG.random((2, 1, 3, 6)) > 0.3


@pytest.mark.parametrize("kwargs", [{}, {"bias": BIAS}, {"mask": MASK}, {"causal": True},
                                    {"bias": BIAS, "mask": MASK, "causal": True, "scale": 0.7}],
                         ids=["plain", "bias", "mask", "causal", "all"])
def test_attention_values_and_grads(kwargs):
    causal = kwargs.pop("causal", False)
    f = lambda q, k, v: nn.dot_product_attention(q, k, v, is_causal=causal, **kwargs)  # noqa: E731
    expected = _attention_reference(Q, K, V, causal=causal, **kwargs)
    np.testing.assert_allclose(f(Q, K, V), expected, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ft.jit(f)(Q, K, V), expected, rtol=1e-12, atol=1e-13)
    check_grads(f, (Q[:1, :2], K[:1, :3], V[:1, :3]), order=2) if not kwargs else None
    check_grads(lambda q, k, v: f(q, k, v)[:, :, :1], (Q, K, V), order=1)


def test_attention_unbatched_fully_masked_and_vmap():
    out = nn.dot_product_attention(Q[0], K[0], V[0], mask=MASK[0])
    np.testing.assert_allclose(out, _attention_reference(Q, K, V, mask=MASK)[0], atol=1e-13)
    none = np.zeros((1, 1, 3, 6), bool)  # no key at all: a uniform average, not NaN
    out = nn.dot_product_attention(Q, K, V, mask=none)
    np.testing.assert_allclose(out, np.repeat(V.mean(1, keepdims=True), 2, 2).repeat(3, 1),
                               atol=1e-12)
    batched = ft.vmap(nn.dot_product_attention)(Q, K, V)
    np.testing.assert_allclose(batched, nn.dot_product_attention(Q, K, V), atol=1e-13)
    lengths = np.array([2, 6])
    out = nn.dot_product_attention(Q, K, V, key_value_seq_lengths=lengths,
                                   query_seq_lengths=np.array([3, 1]))
    np.testing.assert_allclose(out[0], nn.dot_product_attention(Q[:1], K[:1, :2], V[:1, :2])[0],
                               atol=1e-13)
    assert np.all(out[1, 1:] == 0)
    window = nn.dot_product_attention(Q, K, V, local_window_size=(0, 0))
    np.testing.assert_allclose(window, np.repeat(V[:, :3], 2, 2), atol=1e-12)


@pytest.mark.parametrize("args, kwargs, match", [
    ((Q, K[..., :3], V[..., :3]), {}, "batch and head size"),
    ((Q, K[:, :, :1].repeat(3, 2), V[:, :, :1].repeat(3, 2)), {}, "multiple of"),
    ((Q[0, 0], K, V), {}, "must all be"),
    ((Q, K, V[:, :2]), {}, "shape of key"),
    ((Q, K, V), {"mask": MASK.astype(float)}, "boolean"),
    ((Q, K, V), {"bias": np.ones((3, 3))}, "does not broadcast"),
    ((Q, K, V), {"implementation": "cudnn"}, "implementation"),
    ((Q, K, V), {"key_value_seq_lengths": np.array([1.0, 2.0])}, "integer array"),
])
def test_attention_bad_arguments(args, kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        nn.dot_product_attention(*args, **kwargs)


def _np_pool(x, window, strides, op):
    view = np.lib.stride_tricks.sliding_window_view(x, window, axis=(1, 2))
    return op(view[:, ::strides[0], ::strides[1]], axis=(-2, -1))


def test_pooling_values_grads_and_layouts():
    x = ((RNG.permutation(2 * 5 * 6 * 3) - 90) * 0.25).reshape(2, 5, 6, 3)
    np.testing.assert_allclose(nn.max_pool(x, (2, 3), (2, 1)), _np_pool(x, (2, 3), (2, 1), np.max))
    np.testing.assert_allclose(nn.min_pool(x, (2, 3), (2, 1)), _np_pool(x, (2, 3), (2, 1), np.min))
    np.testing.assert_allclose(nn.avg_pool(x, (2, 2), (1, 2)),
                               _np_pool(x, (2, 2), (1, 2), np.mean))
    np.testing.assert_allclose(nn.max_pool(x[0], (2, 3)), nn.max_pool(x, (2, 3))[0])
    padded = np.pad(x, ((0, 0), (0, 1), (1, 1), (0, 0)))
    np.testing.assert_allclose(nn.avg_pool(x, (2, 3), (2, 1), "SAME"),
                               _np_pool(padded, (2, 3), (2, 1), np.mean))
    counts = _np_pool(np.pad(np.ones((1, 5, 6, 1)), ((0, 0), (0, 1), (1, 1), (0, 0))), (2, 3),
                      (2, 1), np.sum)
    np.testing.assert_allclose(nn.avg_pool(x, (2, 3), (2, 1), "SAME", count_include_pad=False),
                               _np_pool(padded, (2, 3), (2, 1), np.sum) / counts)
    for pool in (nn.max_pool, nn.avg_pool):
        check_grads(lambda x: pool(x, (2, 2), (2, 2), ((1, 0), (0, 1))), (x[:1, :3],), order=2)
    with pytest.raises(ValueError, match="spatial axes"):
        nn.max_pool(x, (2,))
    with pytest.raises(ValueError, match="one entry per spatial axis"):
        nn.max_pool(x, (2, 2), strides=(1,))
    with pytest.raises(TypeError, match="padding"):
        nn.avg_pool(x, (2, 2), padding=3)
