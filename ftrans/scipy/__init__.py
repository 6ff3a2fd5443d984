"""``ftrans.scipy``: SciPy-compatible functions, differentiable and batchable.

``special``, ``linalg`` and ``fft`` (the discrete cosine transform); they need no SciPy (the
implementations are ftrans's own, see ``ftrans.lax.special``,
``ftrans.lax.linalg_decompositions`` and ``ftrans.lax.fft``).
"""

from ftrans.scipy import fft, linalg, special  # noqa: F401
