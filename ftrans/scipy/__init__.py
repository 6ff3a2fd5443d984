"""``ftrans.scipy``: SciPy-compatible functions, differentiable and batchable.

Only ``special`` so far; it needs no SciPy (the implementations are ftrans's own, see
``ftrans.lax.special``).
"""

from ftrans.scipy import special  # noqa: F401
