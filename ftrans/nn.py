"""Neural-network activations, normalisation and losses, numerically stable.

Written in ``ftrans.numpy`` / ``ftrans.lax``, so every transformation applies. Where the
textbook formula overflows or has an infinite or NaN derivative for extreme inputs, a stable
form is used: ``logsumexp`` / ``softmax`` / ``log_softmax`` shift by the (gradient-stopped)
maximum, ``softplus`` is ``logaddexp(x, 0)`` with the derivative ``sigmoid(x)`` given by a
``custom_jvp``, ``log_sigmoid`` is ``-softplus(-x)``, ``elu`` and ``safe_norm`` use the
double-``where`` pattern. See docs/custom_derivatives.md.

>>> import ftrans as ft, numpy as np
>>> float(ft.grad(lambda x: softplus(x))(1000.0))
1.0
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans import numpy as fnp
from ftrans.core import get_aval
from ftrans.custom_derivatives import custom_jvp
from ftrans.lax.special import erfc

__all__ = [
    "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "softplus",
    "sigmoid", "log_sigmoid", "softmax", "log_softmax", "logsumexp", "one_hot", "standardize",
    "safe_norm", "softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels",
    "sigmoid_binary_cross_entropy", "mse",
]

Axis = int | Sequence[int] | None


def _float(x: Any) -> Any:
    """``x`` as a floating-point array (integers become float64, as in NumPy)."""
    x = fnp.asarray(x)
    if get_aval(x).dtype.kind not in "fc":
        x = x.astype(np.float64)
    return x


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------


@custom_jvp
def relu(x: Any) -> Any:
    """Rectified linear unit ``max(x, 0)``; its derivative at 0 is 0 (as in JAX).

    >>> relu(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    """
    return fnp.maximum(_float(x), 0.0)


@relu.defjvp
def _relu_jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    (x,), (x_dot,) = primals, tangents
    return relu(x), fnp.where(x > 0, x_dot, 0.0)


@custom_jvp
def relu6(x: Any) -> Any:
    """``min(max(x, 0), 6)``; its derivative is 0 at both kinks."""
    return fnp.minimum(fnp.maximum(_float(x), 0.0), 6.0)


@relu6.defjvp
def _relu6_jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    (x,), (x_dot,) = primals, tangents
    return relu6(x), fnp.where((x > 0) & (x < 6), x_dot, 0.0)


def leaky_relu(x: Any, negative_slope: float = 1e-2) -> Any:
    """``x`` where ``x >= 0``, else ``negative_slope * x``."""
    x = _float(x)
    return fnp.where(x >= 0, x, negative_slope * x)


def elu(x: Any, alpha: float = 1.0) -> Any:
    """Exponential linear unit: ``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    The unused branch is fed a safe value (double ``where``), so ``exp`` of a large positive
    input never overflows into the derivative.
    """
    x = _float(x)
    positive = x > 0
    safe_x = fnp.where(positive, 0.0, x)
    return fnp.where(positive, x, alpha * fnp.expm1(safe_x))


def selu(x: Any) -> Any:
    """Scaled ELU with the self-normalising constants."""
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


def gelu(x: Any, approximate: bool = True) -> Any:
    """Gaussian error linear unit ``x * Phi(x)``.

    ``approximate=True`` uses the tanh form; ``False`` the exact ``x/2 * erfc(-x / sqrt(2))``
    (``erfc`` keeps full relative accuracy in the far negative tail).
    """
    x = _float(x)
    if approximate:
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * (x * x * x))
        return 0.5 * x * (1.0 + fnp.tanh(inner))
    return 0.5 * x * erfc(-x * (1.0 / math.sqrt(2.0)))


def sigmoid(x: Any) -> Any:
    """The logistic function ``1 / (1 + exp(-x))``, without overflow."""
    return lax.logistic(_float(x))


def silu(x: Any) -> Any:
    """``x * sigmoid(x)`` (also called swish)."""
    x = _float(x)
    return x * sigmoid(x)


swish = silu


@custom_jvp
def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` computed as ``logaddexp(x, 0)``: no overflow, derivative
    ``sigmoid(x)`` at every order.

    >>> float(softplus(1000.0))
    1000.0
    """
    return fnp.logaddexp(_float(x), 0.0)


@softplus.defjvp
def _softplus_jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    (x,), (x_dot,) = primals, tangents
    return softplus(x), x_dot * sigmoid(x)


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x)) = -softplus(-x)``, finite (with a finite derivative) everywhere."""
    return -softplus(-_float(x))


# ---------------------------------------------------------------------------------------------
# Normalisation over an axis
# ---------------------------------------------------------------------------------------------


def _stable_max(x: Any, axis: Axis) -> Any:
    """The maximum over ``axis`` (kept), gradient-stopped, and 0 where it is infinite: the
    shift that makes ``exp`` safe without changing the result."""
    m = lax.stop_gradient(fnp.max(x, axis=axis, keepdims=True))
    return fnp.where(fnp.isfinite(m), m, 0.0)


def logsumexp(a: Any, axis: Axis = None, b: Any = None, keepdims: bool = False) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, without overflow: the maximum is shifted out
    first (it is a constant to differentiation, since the result does not depend on it).

    Args:
      a: the array.
      axis: axis or axes to reduce (None: all).
      b: optional non-negative weights broadcastable to ``a``.
      keepdims: keep the reduced axes with size 1.

    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # doctest: +ELLIPSIS
    1000.693147...
    """
    a = _float(a)
    shift = _stable_max(a, axis)
    terms = fnp.exp(a - shift)
    if b is not None:
        terms = terms * b
    out = fnp.log(fnp.sum(terms, axis=axis, keepdims=True)) + shift
    if not keepdims:
        axes = tuple(range(get_aval(a).ndim)) if axis is None else axis
        out = fnp.squeeze(out, axis=axes)
    return out


def softmax(x: Any, axis: Axis = -1) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis``, shifted by the maximum."""
    x = _float(x)
    unnormalized = fnp.exp(x - _stable_max(x, axis))
    return unnormalized / fnp.sum(unnormalized, axis=axis, keepdims=True)


def log_softmax(x: Any, axis: Axis = -1) -> Any:
    """``x - logsumexp(x)`` over ``axis``, shifted by the maximum."""
    x = _float(x)
    shifted = x - _stable_max(x, axis)
    return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True))


def standardize(x: Any, axis: Axis = -1, mean: Any = None, variance: Any = None,
                epsilon: float = 1e-5) -> Any:
    """``(x - mean) / sqrt(variance + epsilon)`` over ``axis`` (mean and variance computed
    when not given). ``epsilon`` keeps a constant input finite, derivative included."""
    x = _float(x)
    if mean is None:
        mean = fnp.mean(x, axis=axis, keepdims=True)
    if variance is None:
        centered = x - mean
        variance = fnp.mean(centered * centered, axis=axis, keepdims=True)
    return (x - mean) * lax.rsqrt(variance + fnp.asarray(epsilon, get_aval(x).dtype))


def safe_norm(x: Any, min_norm: float = 0.0, axis: Axis = None, keepdims: bool = False) -> Any:
    """The Euclidean norm ``max(||x||, min_norm)`` with a finite derivative at ``x = 0``.

    ``sqrt`` has an infinite derivative at 0, so the naive norm's gradient at the zero vector
    is NaN. Double ``where``: where the norm is at most ``min_norm``, the norm is taken of a
    harmless stand-in (ones) and its result discarded, so no NaN reaches the derivative.
    """
    x = _float(x)
    squared = fnp.sum(x * x, axis=axis, keepdims=True)
    small = squared <= min_norm * min_norm
    safe_x = fnp.where(small, 1.0, x)
    norm = fnp.sqrt(fnp.sum(safe_x * safe_x, axis=axis, keepdims=True))
    out = fnp.where(small, min_norm, norm)
    if not keepdims:
        axes = tuple(range(get_aval(x).ndim)) if axis is None else axis
        out = fnp.squeeze(out, axis=axes)
    return out


def one_hot(x: Any, num_classes: int, dtype: Any = np.float64, axis: int = -1) -> Any:
    """Integer labels as one-hot vectors along a new axis (``axis``) of length
    ``num_classes``; labels outside ``[0, num_classes)`` give all zeros.

    >>> one_hot(np.array([0, 2]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    x = fnp.asarray(x)
    ndim = get_aval(x).ndim
    axis = axis % (ndim + 1)
    classes = fnp.arange(num_classes).reshape((num_classes,) + (1,) * (ndim - axis))
    return (fnp.expand_dims(x, axis) == classes).astype(dtype)


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------


def softmax_cross_entropy(logits: Any, labels: Any, axis: int = -1) -> Any:
    """Cross-entropy between ``labels`` (probabilities over ``axis``) and
    ``softmax(logits)``: ``-sum(labels * log_softmax(logits))``; one value per example."""
    return -fnp.sum(labels * log_softmax(logits, axis=axis), axis=axis)


def softmax_cross_entropy_with_integer_labels(logits: Any, labels: Any) -> Any:
    """Cross-entropy with integer class labels over the last axis of ``logits``:
    ``logsumexp(logits) - logits[label]``."""
    logits = _float(logits)
    picked = fnp.take_along_axis(logits, fnp.expand_dims(fnp.asarray(labels), -1), axis=-1)
    return logsumexp(logits, axis=-1) - fnp.squeeze(picked, axis=-1)


def sigmoid_binary_cross_entropy(logits: Any, labels: Any) -> Any:
    """Binary cross-entropy of ``sigmoid(logits)`` against ``labels`` in [0, 1], elementwise,
    from ``log_sigmoid`` (finite for any logits)."""
    logits = _float(logits)
    return -labels * log_sigmoid(logits) - (1.0 - labels) * log_sigmoid(-logits)


def mse(predictions: Any, targets: Any, axis: Axis = None) -> Any:
    """Mean squared error ``mean((predictions - targets) ** 2)`` over ``axis`` (None: all)."""
    diff = _float(predictions) - targets
    return fnp.mean(diff * diff, axis=axis)
