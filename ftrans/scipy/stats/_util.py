"""Shared pieces of the distributions: argument promotion, standardization by loc/scale,
support and parameter masks that keep every branch finite (so no NaN reaches a derivative
through an unused ``where`` branch)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans import numpy as fnp
from ftrans.core import get_aval
from ftrans.scipy.special_args import as_floats

__all__ = ["promote", "constant", "safe", "standardize", "finish", "integer_valued",
           "log1mexp"]


def promote(*args: Any) -> list[Any]:
    """Every argument as a float array (integers -> float64), all in their common dtype."""
    return as_floats(*args)


def constant(value: float, like: Any) -> Any:
    return np.asarray(value, get_aval(like).dtype)[()]


def safe(condition: Any, x: Any, fill: float) -> Any:
    """``x`` where ``condition`` holds, else ``fill`` (a harmless stand-in)."""
    return fnp.where(condition, x, constant(fill, x))


def standardize(x: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any]:
    """``(z, log(scale), scale_ok)`` with ``z = (x - loc) / scale``; where ``scale <= 0`` the
    scale is replaced by 1 (the caller turns those results into NaN with :func:`finish`)."""
    scale_ok = scale > 0
    scale = safe(scale_ok, scale, 1.0)
    return (x - loc) / scale, fnp.log(scale), scale_ok


def finish(valid_parameters: Any, value: Any) -> Any:
    """NaN where the distribution's parameters are invalid (as SciPy)."""
    return fnp.where(valid_parameters, value, constant(np.nan, value))


def integer_valued(k: Any) -> Any:
    return fnp.floor(k) == k


def log1mexp(x: Any) -> Any:
    """``log(1 - exp(x))`` for ``x <= 0``, accurate at both ends (expm1 near 0, log1p far)."""
    near = x > constant(-np.log(2.0), x)
    close = fnp.log(-fnp.expm1(safe(near, x, -1.0)))
    far = fnp.log1p(-fnp.exp(fnp.where(near, constant(-1.0, x), x)))
    return fnp.where(near, close, far)
