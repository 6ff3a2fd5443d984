"""``ftrans.scipy``: SciPy-compatible functions, differentiable and batchable.

``special`` (special functions), ``stats`` (probability distributions) and ``fft`` (the
discrete cosine transform) need no SciPy: the implementations are ftrans's own (on
``ftrans.lax.special*`` and ``ftrans.lax.fft``). See docs/scipy.md.
"""

from ftrans.scipy import fft, special, stats  # noqa: F401
