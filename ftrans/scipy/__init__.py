"""``ftrans.scipy``: SciPy-compatible functions, differentiable and batchable.

``special`` and ``linalg``; they need no SciPy (the implementations are ftrans's own, see
``ftrans.lax.special`` and ``ftrans.lax.linalg_decompositions``).
"""

from ftrans.scipy import linalg, special  # noqa: F401
