"""``ftrans.scipy``: SciPy-compatible functions, differentiable and batchable.

``special`` (special functions), ``stats`` (probability distributions), ``linalg``, ``fft``
(the discrete cosine transform), ``signal``, ``optimize``, ``integrate`` and ``interpolate``
need no SciPy: the implementations are ftrans's own (on ``ftrans.lax.special*``,
``ftrans.lax.linalg_decompositions`` and ``ftrans.lax.fft``). See docs/scipy.md,
docs/scipy_more.md and docs/linalg.md.
"""

from ftrans.scipy import (  # noqa: F401
    fft, integrate, interpolate, linalg, optimize, signal, special, stats,
)

__all__ = ["fft", "integrate", "interpolate", "linalg", "optimize", "signal", "special", "stats"]
