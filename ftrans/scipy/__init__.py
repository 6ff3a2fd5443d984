"""``ftrans.scipy``: SciPy-compatible functions, differentiable and batchable.

``special`` and ``fft`` (the discrete cosine transform) so far; they need no SciPy (the
implementations are ftrans's own, on ``ftrans.lax.special`` and ``ftrans.lax.fft``).
"""

from ftrans.scipy import fft, special  # noqa: F401
