"""Convolution geometry: dimension numbers (which axis of each operand is batch / feature /
spatial), string paddings made explicit, dilated sizes and argument checks. Shared by the
primitive (``convolution``) and its implementation (``conv_algorithms``).
"""

from __future__ import annotations

import operator
from typing import Any, NamedTuple, Sequence

__all__ = [
    "ConvDimensionNumbers", "Padding", "conv_dimension_numbers",
]

Padding = tuple[tuple[int, int], ...]

class ConvDimensionNumbers(NamedTuple):
    """Which axis of each operand plays which role, as axis numbers.

    ``lhs_spec`` is (batch axis, feature axis, spatial axes...) of the input, ``rhs_spec``
    (output-feature axis, input-feature axis, spatial axes...) of the kernel, ``out_spec``
    (batch axis, feature axis, spatial axes...) of the result. The i-th spatial axes of the
    three correspond.
    """

    lhs_spec: tuple[int, ...]
    rhs_spec: tuple[int, ...]
    out_spec: tuple[int, ...]


# ---------------------------------------------------------------------------------------------
# Dimension numbers and padding
# ---------------------------------------------------------------------------------------------

_ROLE_LETTERS = (("N", "C"), ("O", "I"), ("N", "C"))
ROLE_NAMES = ("lhs", "rhs", "out")


def _spec_from_string(spec: str, which: int, rhs_string: str) -> tuple[int, ...]:
    """Axis numbers of one layout string: its two role letters, then its spatial letters in
    the order the kernel's string lists them (so 'NHWC' with 'HWIO' has spatial axes 1, 2)."""
    first, second = _ROLE_LETTERS[which]
    spatial = [i for i, c in enumerate(spec) if c not in (first, second)]
    if which != 1:
        spatial.sort(key=lambda i: rhs_string.index(spec[i]))
    return (spec.index(first), spec.index(second)) + tuple(spatial)


def conv_dimension_numbers(lhs_shape: Sequence[int], rhs_shape: Sequence[int],
                           dimension_numbers: Any) -> ConvDimensionNumbers:
    """Canonical :class:`ConvDimensionNumbers` from None, three layout strings or a
    ``ConvDimensionNumbers``.

    Args:
      lhs_shape, rhs_shape: the shapes of the input and the kernel (same rank).
      dimension_numbers: ``None`` (``'NC...'``, ``'OI...'``, ``'NC...'``: axes in that order),
        three strings such as ``('NHWC', 'HWIO', 'NHWC')`` (``N`` batch, ``C`` feature, ``O`` /
        ``I`` the kernel's output / input features, any other letters spatial, the same set in
        all three), or a ``ConvDimensionNumbers`` (returned with its specs as tuples).

    Returns:
      The ``ConvDimensionNumbers``.

    Raises:
      TypeError: ranks that differ, or strings of the wrong length, with a role letter missing
        or repeated, a letter used twice, or spatial letters that differ.

    >>> conv_dimension_numbers((8, 28, 28, 1), (5, 5, 1, 32), ("NHWC", "HWIO", "NHWC"))
    ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
    """
    if isinstance(dimension_numbers, ConvDimensionNumbers):  # axis numbers as tuples of ints
        return ConvDimensionNumbers(*(tuple(operator.index(d) for d in spec)
                                      for spec in dimension_numbers))
    lhs_shape, rhs_shape = tuple(lhs_shape), tuple(rhs_shape)
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError(f"convolution needs lhs and rhs of one rank, got shapes {lhs_shape} "
                        f"and {rhs_shape}")
    ndim = len(lhs_shape)
    if dimension_numbers is None:
        iota = tuple(range(ndim))
        return ConvDimensionNumbers(iota, iota, iota)
    if not isinstance(dimension_numbers, (tuple, list)) or len(dimension_numbers) != 3:
        raise TypeError(f"dimension_numbers must be None, a ConvDimensionNumbers or three "
                        f"layout strings such as ('NCHW', 'OIHW', 'NCHW'); got "
                        f"{dimension_numbers!r}")
    if not all(isinstance(s, str) for s in dimension_numbers):
        raise TypeError(f"dimension_numbers must be three strings such as ('NHWC', 'HWIO', "
                        f"'NHWC'); got {dimension_numbers!r}")
    for which, spec in enumerate(dimension_numbers):
        name = ROLE_NAMES[which]
        if len(spec) != ndim:
            raise TypeError(f"dimension_numbers: the {name} layout {spec!r} has {len(spec)} "
                            f"letters but the operands have rank {ndim} (shapes {lhs_shape} "
                            f"and {rhs_shape}); give one letter per axis")
        first, second = _ROLE_LETTERS[which]
        if spec.count(first) != 1 or spec.count(second) != 1:
            raise TypeError(f"dimension_numbers: the {name} layout {spec!r} must contain "
                            f"{first!r} and {second!r} exactly once")
        repeated = sorted({c for c in spec if spec.count(c) > 1})
        if repeated:
            raise TypeError(f"dimension_numbers: the {name} layout {spec!r} repeats "
                            f"{''.join(repeated)!r}; each axis needs its own letter")
    spatial_sets = [set(s) - set(pair) for s, pair in zip(dimension_numbers, _ROLE_LETTERS)]
    if not spatial_sets[0] == spatial_sets[1] == spatial_sets[2]:
        letters = [''.join(sorted(s)) for s in spatial_sets]
        raise TypeError(f"dimension_numbers: the three layouts {tuple(dimension_numbers)} must "
                        f"name the same spatial letters (got {letters})")
    rhs_string = dimension_numbers[1]
    return ConvDimensionNumbers(*(_spec_from_string(s, i, rhs_string)
                                  for i, s in enumerate(dimension_numbers)))


def padding_for(padding: str, in_sizes: Sequence[int], window_sizes: Sequence[int],
                 strides: Sequence[int]) -> Padding:
    """Explicit (lo, hi) pads of 'VALID', 'SAME' or 'SAME_LOWER' for windows (already dilated)
    over inputs: 'SAME' keeps ceil(size / stride) outputs, the odd element of padding going at
    the end ('SAME') or at the start ('SAME_LOWER')."""
    mode = padding.upper()
    if mode == "VALID":
        return tuple((0, 0) for _ in in_sizes)
    if mode not in ("SAME", "SAME_LOWER"):
        raise ValueError(f"padding must be 'SAME', 'SAME_LOWER', 'VALID' or a sequence of "
                         f"(low, high) pairs, got {padding!r}")
    pads = []
    for size, window, stride in zip(in_sizes, window_sizes, strides):
        out = -(-size // stride)
        total = max((out - 1) * stride + window - size, 0)
        small, big = total // 2, total - total // 2
        pads.append((small, big) if mode == "SAME" else (big, small))
    return tuple(pads)


def int_tuple(name: str, value: Any, n: int, default: int | None = None,
               positive: bool = True) -> tuple[int, ...]:
    if default is not None and value is None:
        return (default,) * n
    try:  # (None without a default fails here: TypeError)
        out = tuple(operator.index(v) for v in value)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of {n} integers, got {value!r}") from None
    if len(out) != n:
        raise ValueError(f"{name} must have one entry per spatial dimension ({n}), got "
                         f"{value!r}")
    if positive and any(v <= 0 for v in out):
        raise ValueError(f"{name} must be positive integers, got {value!r}")
    return out

