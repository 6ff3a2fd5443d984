"""Convolution: conv_general_dilated, the one primitive every N-d convolution is made of.

``conv_general_dilated(lhs, rhs, ...)`` slides the kernel ``rhs`` over the input ``lhs`` (a
cross-correlation, as in neural networks and XLA: the kernel is not flipped). Dimension numbers
say which axes of each operand are batch / feature / spatial; the input may be padded (also
negatively) and dilated (zeros between its elements: a transposed convolution), the kernel
dilated (atrous convolution), the windows strided; features and batch may be split into groups
(grouped and depthwise convolutions). ``conv``, ``conv_with_general_padding`` and
``conv_transpose`` are wrappers.

It is bilinear: its jvp is two convolutions, and its transposes with respect to either operand
are again ``conv_general_dilated`` (dilations, strides and paddings trade places, groups move
between features and batch), so derivatives of any order stay convolutions. Batching folds the
mapped axis into the batch dimension, or into feature / batch groups when the kernel is mapped.
The implementation (``conv_algorithms``) picks an algorithm by shape (docs/convolutions.md has
the measurements); dimension numbers and paddings are in ``conv_dimensions``.
See docs/internals.md, "Primitives".
"""

from __future__ import annotations

import functools
import operator
from typing import Any, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import defbilinear
from ftrans.interpreters.transpose import (
    NonLinearError,
    is_undefined,
    transpose_rules,
    zeros_like_aval,
)
from ftrans.lax.conv_algorithms import conv_impl
from ftrans.lax.conv_dimensions import (
    ROLE_NAMES, ConvDimensionNumbers, Padding, int_tuple, padding_for, conv_dimension_numbers,
)
from ftrans.lax.elementwise import convert_element_type
from ftrans.lax.structural import reshape, rev, transpose
from ftrans.lax.window_geometry import dilated_size

__all__ = ["ConvDimensionNumbers", "conv_dimension_numbers", "conv_general_dilated",
           "conv_general_dilated_p", "conv", "conv_with_general_padding", "conv_transpose"]


# ---------------------------------------------------------------------------------------------
# conv_general_dilated
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)  # checked on every eager call: remember the answers
def _conv_abstract_eval(lhs: ShapedArray, rhs: ShapedArray, *, window_strides: tuple[int, ...],
                        padding: Padding, lhs_dilation: tuple[int, ...],
                        rhs_dilation: tuple[int, ...], dimension_numbers: ConvDimensionNumbers,
                        feature_group_count: int, batch_group_count: int,
                        preferred_element_type: np.dtype | None) -> ShapedArray:
    if lhs.dtype != rhs.dtype:
        raise TypeError(f"conv_general_dilated needs operands of one dtype, got "
                        f"{lhs.str_short()} and {rhs.str_short()}; convert one with "
                        f"convert_element_type")
    if lhs.dtype.kind not in "iufc":
        raise TypeError(f"conv_general_dilated needs numeric operands, got {lhs.str_short()}")
    if preferred_element_type is not None and not np.can_cast(lhs.dtype, preferred_element_type,
                                                              "same_kind"):
        raise TypeError(f"conv_general_dilated: preferred_element_type {preferred_element_type}"
                        f" cannot hold results of {lhs.dtype} operands")
    if lhs.ndim != rhs.ndim or lhs.ndim < 2:
        raise ValueError(f"conv_general_dilated needs lhs and rhs of one rank (at least 2: "
                         f"batch and feature axes), got {lhs.str_short()} and "
                         f"{rhs.str_short()}")
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    for name, spec in zip(ROLE_NAMES, dimension_numbers):
        if sorted(spec) != list(range(lhs.ndim)):
            raise ValueError(f"conv_general_dilated: dimension_numbers.{name}_spec {spec} must "
                             f"be a permutation of range({lhs.ndim}) for operands "
                             f"{lhs.str_short()} and {rhs.str_short()}")
    n = lhs.ndim - 2
    for name, value in (("window_strides", window_strides), ("padding", padding),
                        ("lhs_dilation", lhs_dilation), ("rhs_dilation", rhs_dilation)):
        if len(value) != n:
            raise ValueError(f"conv_general_dilated: {name} {value} needs one entry per "
                             f"spatial dimension ({n} for {lhs.str_short()})")
    g_f, g_b = feature_group_count, batch_group_count
    if g_f < 1 or g_b < 1:
        raise ValueError(f"conv_general_dilated: feature_group_count and batch_group_count "
                         f"must be positive, got {g_f} and {g_b}")
    if g_f > 1 and g_b > 1:
        raise ValueError(f"conv_general_dilated: at most one of feature_group_count ({g_f}) "
                         f"and batch_group_count ({g_b}) may exceed 1")
    batch, features = lhs.shape[lhs_spec[0]], lhs.shape[lhs_spec[1]]
    out_features, in_features = rhs.shape[rhs_spec[0]], rhs.shape[rhs_spec[1]]
    shapes = f"lhs {lhs.str_short()}, rhs {rhs.str_short()}"
    if features % g_f:
        raise ValueError(f"conv_general_dilated: feature_group_count={g_f} must divide the "
                         f"lhs feature size {features} ({shapes})")
    if features // g_f != in_features:
        raise ValueError(f"conv_general_dilated: the lhs feature size {features} divided by "
                         f"feature_group_count={g_f} must equal the rhs input-feature size "
                         f"{in_features} ({shapes}); check dimension_numbers or make the "
                         f"kernel's input features {features // g_f}")
    if out_features % g_f:
        raise ValueError(f"conv_general_dilated: feature_group_count={g_f} must divide the "
                         f"rhs output-feature size {out_features} ({shapes})")
    if batch % g_b:
        raise ValueError(f"conv_general_dilated: batch_group_count={g_b} must divide the lhs "
                         f"batch size {batch} ({shapes})")
    if out_features % g_b:
        raise ValueError(f"conv_general_dilated: batch_group_count={g_b} must divide the rhs "
                         f"output-feature size {out_features} ({shapes})")
    out_shape = [0] * lhs.ndim
    out_shape[out_spec[0]] = batch // g_b
    out_shape[out_spec[1]] = out_features
    for i in range(n):
        size = dilated_size(lhs.shape[lhs_spec[2 + i]], lhs_dilation[i])
        lo, hi = padding[i]
        padded = size + lo + hi
        if padded < 0:
            raise ValueError(f"conv_general_dilated: negative padding {padding[i]} is larger "
                             f"than spatial dimension {i} of {lhs.str_short()} (size "
                             f"{size} after lhs_dilation)")
        window = dilated_size(rhs.shape[rhs_spec[2 + i]], rhs_dilation[i])
        out_shape[out_spec[2 + i]] = (max(0, (padded - window) // window_strides[i] + 1)
                                      if padded >= window else 0)
    dtype = lhs.dtype if preferred_element_type is None else preferred_element_type
    return make_aval(tuple(out_shape), dtype)


conv_general_dilated_p = Primitive("conv_general_dilated", impl=conv_impl,
                                   abstract_eval=_conv_abstract_eval)


def conv_general_dilated(lhs: Any, rhs: Any, window_strides: Sequence[int],
                         padding: str | Sequence[tuple[int, int]],
                         lhs_dilation: Sequence[int] | None = None,
                         rhs_dilation: Sequence[int] | None = None,
                         dimension_numbers: Any = None, feature_group_count: int = 1,
                         batch_group_count: int = 1, precision: Any = None,
                         preferred_element_type: Any = None) -> Any:
    """General N-d convolution (cross-correlation) with padding, dilations and groups.

    Args:
      lhs: the input, rank n + 2 (batch, feature and n spatial axes, laid out as
        ``dimension_numbers`` says).
      rhs: the kernel, rank n + 2 (output features, input features, n spatial axes), of the
        input's dtype.
      window_strides: n positive integers, the step between windows.
      padding: 'VALID' (none), 'SAME' (ceil(size / stride) outputs, the odd element of
        padding at the end), 'SAME_LOWER' (odd element at the start), or n ``(low, high)``
        pairs (negative values crop).
      lhs_dilation: n positive integers: ``d - 1`` zeros between input elements (a
        transposed, "fractionally strided" convolution); default 1s. String padding is
        computed on the undilated input.
      rhs_dilation: n positive integers: ``d - 1`` zeros between kernel taps (atrous
        convolution); default 1s.
      dimension_numbers: None (``'NC...'`` / ``'OI...'`` / ``'NC...'``), three layout strings
        such as ``('NHWC', 'HWIO', 'NHWC')``, or a :class:`ConvDimensionNumbers`.
      feature_group_count: split the input features into this many groups, each convolved
        with its own slice of the kernel's output features (``= features`` is a depthwise
        convolution).
      batch_group_count: split the batch into this many groups, each with its own slice of
        the kernel's output features (what the kernel gradient of a grouped convolution is).
      precision: accepted for compatibility; NumPy computes in the operands' precision.
      preferred_element_type: the result's dtype (accumulating in the wider type).

    Returns:
      The result, laid out as ``dimension_numbers``' output spec: batch ``N / batch_group_count``,
      features the kernel's output features, spatial sizes
      ``(padded - dilated_window) // stride + 1``.

    Raises:
      TypeError: operands of different dtypes or malformed ``dimension_numbers``.
      ValueError: ranks that differ, feature or group counts that do not match, strides,
        dilations or padding of the wrong length or not positive.

    >>> import numpy as np
    >>> x = np.arange(5.0).reshape(1, 1, 5)             # N C W
    >>> k = np.array([1.0, 0.0, -1.0]).reshape(1, 1, 3)  # O I W
    >>> conv_general_dilated(x, k, (1,), "VALID")
    array([[[-2., -2., -2.]]])
    """
    del precision
    lhs_shape, rhs_shape = get_aval(lhs).shape, get_aval(rhs).shape
    if len(lhs_shape) != len(rhs_shape) or len(lhs_shape) < 2:
        raise ValueError(f"conv_general_dilated needs lhs and rhs of one rank (at least 2), "
                         f"got shapes {lhs_shape} and {rhs_shape}")
    dimension_numbers = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    n = len(lhs_shape) - 2
    window_strides = int_tuple("window_strides", window_strides, n)
    lhs_dilation = int_tuple("lhs_dilation", lhs_dilation, n, default=1)
    rhs_dilation = int_tuple("rhs_dilation", rhs_dilation, n, default=1)
    for name, count in (("feature_group_count", feature_group_count),
                        ("batch_group_count", batch_group_count)):
        if operator.index(count) < 1:
            raise ValueError(f"{name} must be a positive integer, got {count!r}")
    lhs_spec, rhs_spec, _ = dimension_numbers
    if isinstance(padding, str):
        if any(d != 1 for d in lhs_dilation):
            raise ValueError(f"string padding {padding!r} is not defined with lhs_dilation "
                             f"{lhs_dilation}; give explicit (low, high) pairs (or use "
                             f"conv_transpose)")
        in_sizes = [lhs_shape[d] for d in lhs_spec[2:]]
        windows = [dilated_size(rhs_shape[d], r) for d, r in zip(rhs_spec[2:], rhs_dilation)]
        padding = padding_for(padding, in_sizes, windows, window_strides)
    else:
        try:
            padding = tuple((operator.index(lo), operator.index(hi)) for lo, hi in padding)
        except (TypeError, ValueError):
            raise TypeError(f"padding must be 'SAME', 'SAME_LOWER', 'VALID' or a sequence of "
                            f"{n} (low, high) integer pairs, got {padding!r}") from None
        if len(padding) != n:
            raise ValueError(f"padding needs one (low, high) pair per spatial dimension ({n}),"
                             f" got {padding!r}")
    params = dict(window_strides=window_strides, padding=padding, lhs_dilation=lhs_dilation,
                  rhs_dilation=rhs_dilation, dimension_numbers=dimension_numbers,
                  feature_group_count=operator.index(feature_group_count),
                  batch_group_count=operator.index(batch_group_count),
                  preferred_element_type=None if preferred_element_type is None
                  else np.dtype(preferred_element_type))
    # Check here: eager evaluation runs the impl directly, which would not name the mistake.
    _conv_abstract_eval(get_aval(lhs), get_aval(rhs), **params)
    return conv_general_dilated_p.bind(lhs, rhs, **params)


def conv(lhs: Any, rhs: Any, window_strides: Sequence[int], padding: str,
         precision: Any = None, preferred_element_type: Any = None) -> Any:
    """Convolution of an ``NC...`` input with an ``OI...`` kernel (no dilation, no groups).

    Args:
      lhs, rhs: input (batch, features, spatial...) and kernel (out features, in features,
        spatial...), of one dtype and rank.
      window_strides: one positive integer per spatial axis.
      padding: 'SAME', 'SAME_LOWER', 'VALID' or one (low, high) pair per spatial axis.
      precision: accepted for compatibility.
      preferred_element_type: the result's dtype.

    Returns:
      The ``NC...`` result of :func:`conv_general_dilated`.

    Raises:
      TypeError, ValueError: as :func:`conv_general_dilated`.

    >>> import numpy as np
    >>> conv(np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3)), (1, 1), "SAME").shape
    (2, 4, 8, 8)
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs: Any, rhs: Any, window_strides: Sequence[int],
                              padding: str | Sequence[tuple[int, int]],
                              lhs_dilation: Sequence[int] | None,
                              rhs_dilation: Sequence[int] | None, precision: Any = None,
                              preferred_element_type: Any = None) -> Any:
    """Convolution of an ``NC...`` input with an ``OI...`` kernel, with explicit padding and
    dilations.

    Args:
      lhs, rhs: input and kernel, as in :func:`conv`.
      window_strides: one positive integer per spatial axis.
      padding: 'SAME', 'SAME_LOWER', 'VALID' or one (low, high) pair per spatial axis
        (strings need an undilated input).
      lhs_dilation, rhs_dilation: one positive integer per spatial axis, or None for 1s.
      precision: accepted for compatibility.
      preferred_element_type: the result's dtype.

    Returns:
      The ``NC...`` result of :func:`conv_general_dilated`.

    Raises:
      TypeError, ValueError: as :func:`conv_general_dilated`.

    >>> import numpy as np
    >>> conv_with_general_padding(np.ones((1, 1, 4)), np.ones((1, 1, 2)), (1,), [(1, 1)],
    ...                           (2,), None)
    array([[[1., 1., 1., 1., 1., 1., 1., 1.]]])
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                                rhs_dilation=rhs_dilation, precision=precision,
                                preferred_element_type=preferred_element_type)


def _conv_transpose_pads(window: int, stride: int, padding: Any) -> tuple[int, int]:
    """The pads of a transposed convolution, given the forward convolution's padding."""
    if padding == "SAME":
        total = window + stride - 2
        lo = window - 1 if stride > window - 1 else -(-total // 2)
    elif padding == "VALID":
        total = window + stride - 2 + max(window - stride, 0)
        lo = window - 1
    else:
        lo, hi = (window - 1 - p for p in padding)
        total = lo + hi
    return lo, total - lo


def conv_transpose(lhs: Any, rhs: Any, strides: Sequence[int],
                   padding: str | Sequence[tuple[int, int]],
                   rhs_dilation: Sequence[int] | None = None, dimension_numbers: Any = None,
                   transpose_kernel: bool = False, precision: Any = None,
                   preferred_element_type: Any = None,
                   use_consistent_padding: bool = False) -> Any:
    """Transposed ("fractionally strided") convolution: the input dilated by ``strides``,
    then convolved with unit strides; the spatial sizes grow by about ``strides``.

    Args:
      lhs, rhs: input and kernel of rank n + 2.
      strides: n positive integers, the upsampling factors.
      padding: 'SAME' or 'VALID' (the padding of the forward convolution this inverts), or n
        ``(low, high)`` pairs: the transposed convolution's own padding, unless
        ``use_consistent_padding`` (then they are the forward convolution's, as 'SAME' and
        'VALID' are, so that this is the gradient of ``conv`` with that padding).
      rhs_dilation: n positive integers, the kernel dilation.
      dimension_numbers: as in :func:`conv_general_dilated`; default ``('NC', 'IO', 'NC')``,
        ``('NHC', 'HIO', 'NHC')``, ``('NHWC', 'HWIO', 'NHWC')`` or ``('NHWDC', 'HWDIO',
        'NHWDC')`` by rank.
      transpose_kernel: flip the kernel's spatial axes and swap its feature axes (the
        kernel of the forward convolution; what Keras' Conv2DTranspose does).
      precision: accepted for compatibility.
      preferred_element_type: the result's dtype.

    Returns:
      The transposed convolution.

    Raises:
      ValueError: operands of rank above 5 without ``dimension_numbers``, or bad padding.

    >>> import numpy as np
    >>> conv_transpose(np.ones((1, 4, 4, 2)), np.ones((3, 3, 2, 5)), (2, 2), "SAME").shape
    (1, 8, 8, 5)
    """
    lhs_shape, rhs_shape = get_aval(lhs).shape, get_aval(rhs).shape
    ndim = len(lhs_shape)
    if ndim != len(rhs_shape) or ndim < 2:
        raise ValueError(f"conv_transpose needs lhs and rhs of one rank (at least 2), got "
                         f"shapes {lhs_shape} and {rhs_shape}")
    if dimension_numbers is None:
        defaults = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                    4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}
        if ndim not in defaults:
            raise ValueError(f"conv_transpose has no default dimension_numbers for rank "
                             f"{ndim}; pass dimension_numbers")
        dimension_numbers = defaults[ndim]
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    n = ndim - 2
    strides = int_tuple("strides", strides, n)
    rhs_dilation = int_tuple("rhs_dilation", rhs_dilation, n, default=1)
    windows = [dilated_size(rhs_shape[d], r) for d, r in zip(dn.rhs_spec[2:], rhs_dilation)]
    if isinstance(padding, str):
        if padding.upper() not in ("SAME", "VALID"):
            raise ValueError(f"conv_transpose: padding must be 'SAME', 'VALID' or (low, high) "
                             f"pairs, got {padding!r}")
        pads: Any = tuple(_conv_transpose_pads(k, s, padding.upper())
                          for k, s in zip(windows, strides))
    elif use_consistent_padding:
        pads = tuple(_conv_transpose_pads(k, s, tuple(p))
                     for k, s, p in zip(windows, strides, padding))
    else:
        pads = padding
    if transpose_kernel:
        rhs = rev(rhs, tuple(dn.rhs_spec[2:]))
        perm = list(range(ndim))
        perm[dn.rhs_spec[0]], perm[dn.rhs_spec[1]] = dn.rhs_spec[1], dn.rhs_spec[0]
        rhs = transpose(rhs, tuple(perm))
    return conv_general_dilated(lhs, rhs, (1,) * n, pads, lhs_dilation=strides,
                                rhs_dilation=rhs_dilation, dimension_numbers=dn,
                                precision=precision,
                                preferred_element_type=preferred_element_type)


# The jvp: bilinear, so two convolutions with the same parameters.
defbilinear(conv_general_dilated_p)


# Axis surgery for the transposes and batching: split an axis into (major, minor), or merge an
# axis into another as its major part.

def _split_axis(x: Any, axis: int, major: int) -> Any:
    shape = get_aval(x).shape
    return reshape(x, shape[:axis] + (major, shape[axis] // major) + shape[axis + 1:])


def _merge_axis_into(x: Any, src: int, dst: int) -> Any:
    """``x`` with axis ``src`` folded into axis ``dst`` as its major part; the merged axis keeps
    ``dst``'s place among the remaining axes."""
    shape = get_aval(x).shape
    perm = [d for d in range(len(shape)) if d != src]
    at = perm.index(dst)
    perm.insert(at, src)
    x = transpose(x, tuple(perm)) if perm != list(range(len(shape))) else x
    new_shape = [shape[d] for d in perm]
    new_shape[at:at + 2] = [new_shape[at] * new_shape[at + 1]]
    return reshape(x, tuple(new_shape))


def _swap_roles(spec: tuple[int, ...]) -> tuple[int, ...]:
    return (spec[1], spec[0]) + spec[2:]


def _lhs_cotangent(ct: Any, rhs: Any, lhs_aval: ShapedArray, *, window_strides: tuple[int, ...],
                   padding: Padding, lhs_dilation: tuple[int, ...],
                   rhs_dilation: tuple[int, ...], dimension_numbers: ConvDimensionNumbers,
                   feature_group_count: int, batch_group_count: int) -> Any:
    """The input's cotangent: the output cotangent dilated by the strides, convolved with the
    spatially flipped kernel whose feature roles are swapped, strided by the input dilation.
    Groups of either kind become feature groups of the kernel's (swapped) output features."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    rhs_shape = get_aval(rhs).shape
    ct_shape = get_aval(ct).shape
    groups = max(feature_group_count, batch_group_count)
    if groups > 1:  # kernel (G * O, I, ...) -> (O, G * I, ...): the group moves to the inputs
        rhs = _split_axis(rhs, rhs_spec[0], groups)
        rhs = _merge_axis_into(rhs, rhs_spec[0], rhs_spec[1] + (rhs_spec[1] > rhs_spec[0]))
    pads = []
    for i in range(len(window_strides)):
        window = dilated_size(rhs_shape[rhs_spec[2 + i]], rhs_dilation[i])
        in_size = dilated_size(lhs_aval.shape[lhs_spec[2 + i]], lhs_dilation[i])
        out_size = dilated_size(ct_shape[out_spec[2 + i]], window_strides[i])
        lo = window - 1 - padding[i][0]
        pads.append((lo, in_size + window - 1 - out_size - lo))
    out = conv_general_dilated_p.bind(
        ct, rev(rhs, tuple(rhs_spec[2:])), window_strides=lhs_dilation, padding=tuple(pads),
        lhs_dilation=window_strides, rhs_dilation=rhs_dilation,
        dimension_numbers=ConvDimensionNumbers(out_spec, _swap_roles(rhs_spec), lhs_spec),
        feature_group_count=groups, batch_group_count=1, preferred_element_type=None)
    if batch_group_count > 1:  # features (G * C) -> batch (G * N): each group's own examples
        out = _split_axis(out, lhs_spec[1], batch_group_count)
        src = lhs_spec[1]
        dst = lhs_spec[0] + (lhs_spec[0] > lhs_spec[1])
        out = _merge_axis_into(out, src, dst)
    return out


def _rhs_cotangent(ct: Any, lhs: Any, rhs_aval: ShapedArray, *, window_strides: tuple[int, ...],
                   padding: Padding, lhs_dilation: tuple[int, ...],
                   rhs_dilation: tuple[int, ...], dimension_numbers: ConvDimensionNumbers,
                   feature_group_count: int, batch_group_count: int) -> Any:
    """The kernel's cotangent: the input (batch and features swapped) convolved with the
    output cotangent as the kernel, contracting over the batch; strides and kernel dilation
    trade places. Feature groups become batch groups and vice versa."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    lhs_shape = get_aval(lhs).shape
    ct_shape = get_aval(ct).shape
    pads = []
    for i in range(len(window_strides)):
        window = dilated_size(rhs_aval.shape[rhs_spec[2 + i]], rhs_dilation[i])
        in_size = dilated_size(lhs_shape[lhs_spec[2 + i]], lhs_dilation[i])
        out_size = dilated_size(ct_shape[out_spec[2 + i]], window_strides[i])
        lo = padding[i][0]
        pads.append((lo, out_size - in_size + window - 1 - lo))
    return conv_general_dilated_p.bind(
        lhs, ct, window_strides=rhs_dilation, padding=tuple(pads), lhs_dilation=lhs_dilation,
        rhs_dilation=window_strides,
        dimension_numbers=ConvDimensionNumbers(_swap_roles(lhs_spec), _swap_roles(out_spec),
                                               _swap_roles(rhs_spec)),
        feature_group_count=batch_group_count, batch_group_count=feature_group_count,
        preferred_element_type=None)


def _conv_transpose_rule(ct: Any, lhs: Any, rhs: Any, **params: Any) -> list[Any]:
    # a preferred_element_type widened the output: its cotangent returns to the operands' type
    del params["preferred_element_type"]
    if is_undefined(lhs) and is_undefined(rhs):
        raise NonLinearError("conv_general_dilated of two linear values is not linear")
    operand = lhs if is_undefined(lhs) else rhs
    if get_aval(ct).dtype != operand.aval.dtype:
        ct = convert_element_type(ct, operand.aval.dtype)
    if 0 in get_aval(ct).shape:  # an empty output: nothing flows back
        return [zeros_like_aval(lhs.aval) if is_undefined(lhs) else None,
                zeros_like_aval(rhs.aval) if is_undefined(rhs) else None]
    if is_undefined(lhs):
        return [_lhs_cotangent(ct, rhs, lhs.aval, **params), None]
    return [None, _rhs_cotangent(ct, lhs, rhs.aval, **params)]


transpose_rules[conv_general_dilated_p] = _conv_transpose_rule


def _conv_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any], *,
                dimension_numbers: ConvDimensionNumbers, feature_group_count: int,
                batch_group_count: int, **params: Any) -> tuple[Any, int]:
    """Fold the mapped axis into the problem: into the batch (mapped input), into the kernel's
    output features inside each group (mapped kernel), or into the groups (both mapped)."""
    (lhs, rhs), (lhs_bdim, rhs_bdim) = args, bdims
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    g_f, g_b = feature_group_count, batch_group_count
    if lhs_bdim is not not_mapped:
        size = get_aval(lhs).shape[lhs_bdim]
        lhs = move_batch_axis(lhs, lhs_bdim, 0)
    if rhs_bdim is not not_mapped:
        size = get_aval(rhs).shape[rhs_bdim]
        rhs = move_batch_axis(rhs, rhs_bdim, 0)

    def bind(lhs: Any, rhs: Any, g_f: int, g_b: int) -> Any:
        return conv_general_dilated_p.bind(lhs, rhs, dimension_numbers=dimension_numbers,
                                           feature_group_count=g_f, batch_group_count=g_b,
                                           **params)

    # After the moves, logical axis d of an operand is physical axis d + 1.
    if rhs_bdim is not_mapped:
        if g_b == 1:  # the mapped axis is more examples
            out = bind(_merge_axis_into(lhs, 0, lhs_spec[0] + 1), rhs, g_f, g_b)
        else:  # batch (G, N) -> (G, V, N): each group keeps its own examples
            lhs = _split_axis(lhs, lhs_spec[0] + 1, g_b)
            lhs = _merge_axis_into(lhs, 0, lhs_spec[0] + 2)
            lhs = _merge_axis_into(lhs, lhs_spec[0], lhs_spec[0] + 1)
            out = bind(lhs, rhs, g_f, g_b)
        return _split_axis(out, out_spec[0], size), out_spec[0]
    if lhs_bdim is not_mapped:
        groups = max(g_f, g_b)
        # output features (G, O) -> (G, V, O): more output features inside each group
        rhs = _split_axis(rhs, rhs_spec[0] + 1, groups)
        rhs = _merge_axis_into(rhs, 0, rhs_spec[0] + 2)
        rhs = _merge_axis_into(rhs, rhs_spec[0], rhs_spec[0] + 1)
        out = bind(lhs, rhs, g_f, g_b)
        out = _split_axis(out, out_spec[1], groups)           # (G, V * O)
        out = _split_axis(out, out_spec[1] + 1, size)         # (G, V, O)
        out = _merge_axis_into(out, out_spec[1], out_spec[1] + 2)  # (V, G * O)
        return out, out_spec[1]
    # Both mapped: every member is its own group.
    rhs = _merge_axis_into(rhs, 0, rhs_spec[0] + 1)
    if g_b == 1:
        lhs = _merge_axis_into(lhs, 0, lhs_spec[1] + 1)
        out = bind(lhs, rhs, g_f * size, 1)
    else:
        lhs = _merge_axis_into(lhs, 0, lhs_spec[0] + 1)
        out = bind(lhs, rhs, 1, g_b * size)
    return _split_axis(out, out_spec[1], size), out_spec[1]


batching_rules[conv_general_dilated_p] = _conv_batch
