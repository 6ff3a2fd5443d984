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

from ftrans.nn.functions import *  # noqa: F401,F403
from ftrans.nn.functions import __all__ as _functions_all
from ftrans.nn.layers import *  # noqa: F401,F403
from ftrans.nn.layers import __all__ as _layers_all

__all__ = [*_functions_all, *_layers_all]
