"""``ftrans.scipy``: SciPy-compatible functions, differentiable and batchable.

``special`` and ``fft`` (the discrete cosine transform), ``signal``, ``optimize``,
``integrate`` and ``interpolate``. None of it needs SciPy (the implementations are ftrans's
own, on ``ftrans.lax.special`` and ``ftrans.lax.fft``).
"""

from ftrans.scipy import fft, integrate, interpolate, optimize, signal, special  # noqa: F401
