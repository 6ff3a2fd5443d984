"""Axis arguments as NumPy reads them: ints, tuples, None, negative values.

Errors use NumPy's wording and exception type (``numpy.exceptions.AxisError``, a ValueError and
an IndexError), so code written against NumPy catches them unchanged.
See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.exceptions import AxisError

from ftrans.core import Tracer, static_int

__all__: list[str] = []


def _as_int(axis: Any, argname: str) -> int:
    if isinstance(axis, Tracer):
        return static_int(axis, argname)  # raises unless concrete: axes are static
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{argname} must be an integer, got {type(axis).__name__} {axis!r}")
    return int(axis)


def normalize_axis(axis: Any, ndim: int, argname: str = "axis") -> int:
    """``axis`` as a non-negative int below ``ndim``; negative values count from the end.

    Raises:
      AxisError: "axis 3 is out of bounds for array of dimension 2".
    """
    axis = _as_int(axis, argname)
    if not -ndim <= axis < ndim:
        raise AxisError(axis, ndim, argname if argname != "axis" else None)
    return axis % ndim


def normalize_axes(axis: int | Sequence[int] | None, ndim: int,
                   argname: str = "axis") -> tuple[int, ...]:
    """``axis`` (an int, a sequence of ints, or None for all axes) as a sorted tuple of
    distinct non-negative axes.

    Raises:
      AxisError: an axis is out of bounds.
      ValueError: an axis is repeated.
    """
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, (tuple, list)):
        return (normalize_axis(axis, ndim, argname),)
    axes = [normalize_axis(a, ndim, argname) for a in axis]
    if len(set(axes)) != len(axes):
        raise ValueError(f"repeated axis in {argname} argument {tuple(axis)!r}")
    return tuple(sorted(axes))


def check_no_out(out: Any, name: str) -> None:
    """ftrans arrays are immutable: an ``out=`` argument cannot be honoured."""
    if out is not None:
        raise NotImplementedError(
            f"{name}: the out= argument is not supported; ftrans functions return new arrays "
            f"(use the return value instead)")
