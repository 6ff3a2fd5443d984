"""``ftrans.scipy``: SciPy-compatible functions, differentiable and batchable.

``special`` (special functions), ``stats`` (probability distributions), ``linalg`` and ``fft``
(the discrete cosine transform) need no SciPy: the implementations are ftrans's own (on
``ftrans.lax.special*``, ``ftrans.lax.linalg_decompositions`` and ``ftrans.lax.fft``). See
docs/scipy.md and docs/linalg.md.
"""

from ftrans.scipy import fft, linalg, special, stats  # noqa: F401
