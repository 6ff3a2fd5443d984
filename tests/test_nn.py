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
