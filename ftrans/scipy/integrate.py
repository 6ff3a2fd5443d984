"""``ftrans.scipy.integrate``: the composite trapezoidal rule.

The same function as ``ftrans.numpy.trapezoid`` (SciPy's ``trapezoid`` is NumPy's rule),
differentiable in the samples and the sample points.
"""

from __future__ import annotations

from typing import Any

from ftrans.numpy._calculus import trapezoid as _trapezoid

__all__ = ["trapezoid"]


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Any:
    """The integral of samples ``y`` along ``axis`` by the trapezoidal rule, at points ``x``
    (or spaced ``dx`` apart).

    Raises:
      ValueError: ``x`` and ``y`` of incompatible shapes.

    >>> import numpy as np
    >>> from ftrans.scipy.integrate import trapezoid
    >>> float(trapezoid(np.array([1.0, 2.0, 3.0]), x=np.array([0.0, 1.0, 3.0])))
    6.5
    """
    return _trapezoid(y, x, dx, axis)
