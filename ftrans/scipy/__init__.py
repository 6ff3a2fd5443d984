"""``ftrans.scipy``: SciPy-compatible functions, differentiable and batchable.

``special`` (special functions) and ``stats`` (probability distributions) need no SciPy: the
implementations are ftrans's own (``ftrans.lax.special*``). See docs/scipy.md.
"""

from ftrans.scipy import special  # noqa: F401
from ftrans.scipy import stats  # noqa: F401
