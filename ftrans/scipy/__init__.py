"""``ftrans.scipy``: SciPy-compatible functions, differentiable and batchable.

None of it needs SciPy (the implementations are ftrans's own; ``special`` builds on
``ftrans.lax.special``). Also ``signal``, ``optimize``, ``integrate`` and ``interpolate``.
"""

from ftrans.scipy import special  # noqa: F401
from ftrans.scipy import integrate, interpolate, optimize, signal  # noqa: F401
