"""The activations, normalisation and losses of ``ftrans.nn`` (``ftrans/nn/__init__.py``
re-exports them; the module docstring there says how they stay stable)."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ftrans import lax, numpy as fnp
from ftrans.core import get_aval
from ftrans.custom_derivatives import custom_jvp
from ftrans.lax.special import erfc

__all__ = [
    "relu", "relu6", "leaky_relu", "elu", "celu", "selu", "gelu", "silu", "swish", "softplus",
    "sigmoid", "log_sigmoid", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "mish",
    "soft_sign", "sparse_plus", "sparse_sigmoid", "squareplus", "glu", "tanh", "identity",
    "log1mexp", "softmax", "log_softmax", "logsumexp", "logmeanexp", "one_hot", "standardize",
    "safe_norm", "softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels",
    "sigmoid_binary_cross_entropy", "mse",
]

Axis = int | Sequence[int] | None


def as_float(x: Any) -> Any:
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
    return fnp.maximum(as_float(x), 0.0)


@relu.defjvp
def _relu_jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    (x,), (x_dot,) = primals, tangents
    return relu(x), fnp.where(x > 0, x_dot, 0.0)


@custom_jvp
def relu6(x: Any) -> Any:
    """``min(max(x, 0), 6)``; its derivative is 0 at both kinks."""
    return fnp.minimum(fnp.maximum(as_float(x), 0.0), 6.0)


@relu6.defjvp
def _relu6_jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    (x,), (x_dot,) = primals, tangents
    return relu6(x), fnp.where((x > 0) & (x < 6), x_dot, 0.0)


def leaky_relu(x: Any, negative_slope: float = 1e-2) -> Any:
    """``x`` where ``x >= 0``, else ``negative_slope * x``."""
    x = as_float(x)
    return fnp.where(x >= 0, x, negative_slope * x)


def elu(x: Any, alpha: float = 1.0) -> Any:
    """Exponential linear unit: ``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    The unused branch is fed a safe value (double ``where``), so ``exp`` of a large positive
    input never overflows into the derivative.
    """
    x = as_float(x)
    positive = x > 0
    safe_x = fnp.where(positive, 0.0, x)
    return fnp.where(positive, x, alpha * fnp.expm1(safe_x))


def celu(x: Any, alpha: float = 1.0) -> Any:
    """Continuously differentiable ELU: ``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``.

    >>> float(celu(-1.0, alpha=2.0))  # doctest: +ELLIPSIS
    -0.786938...
    """
    x = as_float(x)
    return fnp.maximum(x, 0.0) + alpha * fnp.expm1(fnp.minimum(x, 0.0) / alpha)


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
    x = as_float(x)
    if approximate:
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * (x * x * x))
        return 0.5 * x * (1.0 + fnp.tanh(inner))
    return 0.5 * x * erfc(-x * (1.0 / math.sqrt(2.0)))


def sigmoid(x: Any) -> Any:
    """The logistic function ``1 / (1 + exp(-x))``, without overflow."""
    return lax.logistic(as_float(x))


def silu(x: Any) -> Any:
    """``x * sigmoid(x)`` (also called swish)."""
    x = as_float(x)
    return x * sigmoid(x)


swish = silu


@custom_jvp
def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` computed as ``logaddexp(x, 0)``: no overflow, derivative
    ``sigmoid(x)`` at every order.

    >>> float(softplus(1000.0))
    1000.0
    """
    return fnp.logaddexp(as_float(x), 0.0)


@softplus.defjvp
def _softplus_jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
    (x,), (x_dot,) = primals, tangents
    return softplus(x), x_dot * sigmoid(x)


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x)) = -softplus(-x)``, finite (with a finite derivative) everywhere."""
    return -softplus(-as_float(x))


def hard_sigmoid(x: Any) -> Any:
    """The piecewise-linear sigmoid ``relu6(x + 3) / 6``; derivative 0 at the kinks (+-3).

    >>> hard_sigmoid(np.array([-4.0, 0.0, 1.5])).tolist()
    [0.0, 0.5, 0.75]
    """
    return relu6(as_float(x) + 3.0) / 6.0


def hard_silu(x: Any) -> Any:
    """``x * hard_sigmoid(x)`` (also called hard swish)."""
    x = as_float(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def hard_tanh(x: Any) -> Any:
    """``x`` clipped to ``[-1, 1]``; derivative 1 at the kinks (+-1).

    >>> hard_tanh(np.array([-2.0, 0.5, 3.0])).tolist()
    [-1.0, 0.5, 1.0]
    """
    x = as_float(x)
    return fnp.where(x > 1, 1.0, fnp.where(x < -1, -1.0, x))


def mish(x: Any) -> Any:
    """``x * tanh(softplus(x))``, smooth and finite everywhere."""
    x = as_float(x)
    return x * fnp.tanh(softplus(x))


def soft_sign(x: Any) -> Any:
    """``x / (|x| + 1)``."""
    x = as_float(x)
    return x / (fnp.abs(x) + 1.0)


def sparse_plus(x: Any) -> Any:
    """A sparse softplus: 0 for ``x <= -1``, ``x`` for ``x >= 1``, ``(x + 1)^2 / 4`` between
    (continuously differentiable; the derivative is :func:`sparse_sigmoid`).

    >>> sparse_plus(np.array([-2.0, 0.0, 2.0])).tolist()
    [0.0, 0.25, 2.0]
    """
    x = as_float(x)
    return fnp.where(x <= -1.0, 0.0, fnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4.0))


def sparse_sigmoid(x: Any) -> Any:
    """A sparse sigmoid ``clip(x + 1, 0, 2) / 2``: exactly 0 below -1 and 1 above 1."""
    return 0.5 * fnp.clip(as_float(x) + 1.0, 0.0, 2.0)


def squareplus(x: Any, b: float = 4) -> Any:
    """A smooth ReLU ``(x + sqrt(x^2 + b)) / 2`` made of algebraic functions only."""
    x = as_float(x)
    return (x + fnp.sqrt(x * x + b)) / 2.0


def glu(x: Any, axis: int = -1) -> Any:
    """Gated linear unit: ``x`` split into halves ``a, b`` along ``axis``, then
    ``a * sigmoid(b)``.

    Raises:
      ValueError: the axis has odd length.

    >>> glu(np.array([1.0, 2.0, 0.0, 100.0])).round(6).tolist()
    [0.5, 2.0]
    """
    x = as_float(x)
    size = get_aval(x).shape[axis]
    if size % 2:
        raise ValueError(f"glu: axis {axis} of the input has odd length {size}; it is split in "
                         f"two halves, so it must be even")
    a, b = fnp.split(x, 2, axis=axis)
    return a * sigmoid(b)


def tanh(x: Any) -> Any:
    """The hyperbolic tangent (``ftrans.numpy.tanh``)."""
    return fnp.tanh(x)


def identity(x: Any) -> Any:
    """The identity activation: ``x`` unchanged (as an array)."""
    return fnp.asarray(x)


def log1mexp(x: Any) -> Any:
    """``log(1 - exp(-x))`` for ``x > 0``, accurate for small and large ``x`` alike (the
    branch at ``log 2`` that keeps each form away from cancellation).

    >>> float(log1mexp(50.0))  # doctest: +ELLIPSIS
    -1.92874...e-22
    """
    x = as_float(x)
    return fnp.where(x < math.log(2.0), fnp.log(-fnp.expm1(-x)), fnp.log1p(-fnp.exp(-x)))


# ---------------------------------------------------------------------------------------------
# Normalisation over an axis
# ---------------------------------------------------------------------------------------------


def _stable_max(x: Any, axis: Axis, where: Any = None) -> Any:
    """The maximum over ``axis`` (kept; over the ``where`` elements), gradient-stopped, and 0
    where it is infinite: the shift that makes ``exp`` safe without changing the result."""
    if where is None:
        m = fnp.max(x, axis=axis, keepdims=True)
    else:
        m = fnp.max(x, axis=axis, keepdims=True, initial=-np.inf, where=where)
    m = lax.stop_gradient(m)
    return fnp.where(fnp.isfinite(m), m, 0.0)


def _squeeze_axes(out: Any, ndim: int, axis: Axis) -> Any:
    axes = tuple(range(ndim)) if axis is None else axis
    return fnp.squeeze(out, axis=axes)


def logsumexp(a: Any, axis: Axis = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False, where: Any = None) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, without overflow: the maximum is shifted out
    first (it is a constant to differentiation, since the result does not depend on it).

    Args:
      a: the array.
      axis: axis or axes to reduce (None: all).
      b: optional weights broadcastable to ``a``; negative weights need ``return_sign``.
      keepdims: keep the reduced axes with size 1.
      return_sign: return ``(log|sum|, sign of the sum)``; otherwise a negative sum gives NaN.
      where: optional boolean mask broadcastable to ``a``: only those elements are summed
        (-inf when none is).

    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # doctest: +ELLIPSIS
    1000.693147...
    """
    a = as_float(a)
    shift = _stable_max(a, axis, where)
    terms = fnp.exp(a - shift)
    if b is not None:
        terms = terms * b
    if where is not None:
        terms = fnp.where(where, terms, 0.0)
    total = fnp.sum(terms, axis=axis, keepdims=True)
    if return_sign:
        sign = lax.stop_gradient(fnp.sign(total))
        out = fnp.log(fnp.abs(total)) + shift
    else:
        out = fnp.log(total) + shift
    if not keepdims:
        out = _squeeze_axes(out, get_aval(a).ndim, axis)
        if return_sign:
            sign = _squeeze_axes(sign, get_aval(a).ndim, axis)
    return (out, sign) if return_sign else out


def logmeanexp(x: Any, axis: Axis = None, where: Any = None, keepdims: bool = False) -> Any:
    """``log(mean(exp(x)))`` over ``axis`` (over the ``where`` elements), without overflow.

    >>> float(logmeanexp(np.array([1000.0, 1000.0])))
    1000.0
    """
    x = as_float(x)
    total = logsumexp(x, axis=axis, keepdims=keepdims, where=where)
    ones = fnp.ones_like(x) if where is None else fnp.where(where, 1.0, 0.0) + fnp.zeros_like(x)
    count = fnp.sum(ones, axis=axis, keepdims=keepdims)
    return total - fnp.log(count)


def softmax(x: Any, axis: Axis = -1, where: Any = None) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis``, shifted by the maximum. With a boolean
    ``where`` (broadcastable to ``x``) only those elements take part; the others are 0."""
    x = as_float(x)
    shift = _stable_max(x, axis, where)
    if where is None:
        unnormalized = fnp.exp(x - shift)
        return unnormalized / fnp.sum(unnormalized, axis=axis, keepdims=True)
    unnormalized = fnp.where(where, fnp.exp(fnp.where(where, x, shift) - shift), 0.0)
    result = unnormalized / fnp.sum(unnormalized, axis=axis, keepdims=True)
    return fnp.where(where, result, 0.0)


def log_softmax(x: Any, axis: Axis = -1, where: Any = None) -> Any:
    """``x - logsumexp(x)`` over ``axis``, shifted by the maximum. With a boolean ``where``
    only those elements take part; the others are -inf."""
    x = as_float(x)
    shift = _stable_max(x, axis, where)
    if where is None:
        shifted = x - shift
        return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True))
    shifted = fnp.where(where, x, shift) - shift
    terms = fnp.where(where, fnp.exp(shifted), 0.0)
    result = shifted - fnp.log(fnp.sum(terms, axis=axis, keepdims=True))
    return fnp.where(where, result, -np.inf)


def standardize(x: Any, axis: Axis = -1, mean: Any = None, variance: Any = None,
                epsilon: float = 1e-5, where: Any = None) -> Any:
    """``(x - mean) / sqrt(variance + epsilon)`` over ``axis`` (mean and variance computed
    when not given, over the ``where`` elements if a mask is given). ``epsilon`` keeps a
    constant input finite, derivative included."""
    x = as_float(x)
    mask = True if where is None else where
    if mean is None:
        mean = fnp.mean(x, axis=axis, keepdims=True, where=mask)
    if variance is None:
        centered = x - mean
        variance = fnp.mean(centered * centered, axis=axis, keepdims=True, where=mask)
    return (x - mean) * lax.rsqrt(variance + fnp.asarray(epsilon, get_aval(x).dtype))


def safe_norm(x: Any, min_norm: float = 0.0, axis: Axis = None, keepdims: bool = False) -> Any:
    """The Euclidean norm ``max(||x||, min_norm)`` with a finite derivative at ``x = 0``.

    ``sqrt`` has an infinite derivative at 0, so the naive norm's gradient at the zero vector
    is NaN. Double ``where``: where the norm is at most ``min_norm``, the norm is taken of a
    harmless stand-in (ones) and its result discarded, so no NaN reaches the derivative.
    """
    x = as_float(x)
    squared = fnp.sum(x * x, axis=axis, keepdims=True)
    small = squared <= min_norm * min_norm
    safe_x = fnp.where(small, 1.0, x)
    norm = fnp.sqrt(fnp.sum(safe_x * safe_x, axis=axis, keepdims=True))
    out = fnp.where(small, min_norm, norm)
    return out if keepdims else _squeeze_axes(out, get_aval(x).ndim, axis)


def one_hot(x: Any, num_classes: int, dtype: Any = None, axis: int = -1) -> Any:
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
    return (fnp.expand_dims(x, axis) == classes).astype(np.float64 if dtype is None else dtype)


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
    logits = as_float(logits)
    picked = fnp.take_along_axis(logits, fnp.expand_dims(fnp.asarray(labels), -1), axis=-1)
    return logsumexp(logits, axis=-1) - fnp.squeeze(picked, axis=-1)


def sigmoid_binary_cross_entropy(logits: Any, labels: Any) -> Any:
    """Binary cross-entropy of ``sigmoid(logits)`` against ``labels`` in [0, 1], elementwise,
    from ``log_sigmoid`` (finite for any logits)."""
    logits = as_float(logits)
    return -labels * log_sigmoid(logits) - (1.0 - labels) * log_sigmoid(-logits)


def mse(predictions: Any, targets: Any, axis: Axis = None) -> Any:
    """Mean squared error ``mean((predictions - targets) ** 2)`` over ``axis`` (None: all)."""
    diff = as_float(predictions) - targets
    return fnp.mean(diff * diff, axis=axis)
