"""What the reductions share: axis checks and canonical axes, ``reduce_sum`` (which the
elementwise transposes need), and the helpers that build and bind reduction primitives. See
docs/internals.md, "Primitives".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, Tracer, get_aval, make_aval, static_int
from ftrans.interpreters.batching import defreducer
from ftrans.interpreters.jvp import deflinear
from ftrans.interpreters.transpose import transpose_rules
from ftrans.lax.structural import broadcast_in_dim

__all__ = [
    "bind_checked", "bind_reduction", "canonicalize_axes", "check_axes", "check_operand_kind",
    "kept_dims", "reduce_sum", "reduce_sum_p", "reduced_shape", "reduction_primitive",
    "transpose_rules",
]


def check_axes(x: ShapedArray, axes: tuple[int, ...], name: str) -> None:
    if any(not 0 <= a < x.ndim for a in axes) or len(set(axes)) != len(axes):
        raise ValueError(f"{name}: axes {axes} are invalid for an array of rank {x.ndim}")


def reduced_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def canonicalize_axes(axes: int | Tracer | Sequence[int | Tracer] | None, ndim: int
                      ) -> tuple[int, ...]:
    """Axes as a sorted tuple of non-negative ints; None means all axes."""
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, (int, np.integer)) or (isinstance(axes, Tracer) and not axes.shape):
        axes = (axes,)
    out = []
    for a in axes:
        a = static_int(a, "axis")
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for an array of rank {ndim}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in {tuple(axes)}")
    return tuple(sorted(out))


# ---------------------------------------------------------------------------------------------
# reduce_sum
# ---------------------------------------------------------------------------------------------


def _reduce_sum_abstract_eval(x: ShapedArray, axes: tuple[int, ...]) -> ShapedArray:
    check_axes(x, axes, "reduce_sum")
    return make_aval(reduced_shape(x.shape, axes), x.dtype)


def _reduce_sum_impl(x: Any, axes: tuple[int, ...]) -> Any:
    return np.sum(x, axis=axes, dtype=x.dtype)


reduce_sum_p = Primitive("reduce_sum", impl=_reduce_sum_impl,
                         abstract_eval=_reduce_sum_abstract_eval)


def reduce_sum(x: Any, axes: Sequence[int]) -> Any:
    """Sum of ``x`` over ``axes`` (which are removed); the dtype is kept."""
    axes = canonicalize_axes(axes, get_aval(x).ndim)
    if not axes:
        return x
    return reduce_sum_p.bind(x, axes=axes)




def _reduce_sum_transpose(ct: Any, x: Any, axes: tuple[int, ...]) -> list[Any]:
    shape = x.aval.shape
    kept = tuple(d for d in range(len(shape)) if d not in axes)
    return [broadcast_in_dim(ct, shape, kept)]


deflinear(reduce_sum_p, transpose=_reduce_sum_transpose)
defreducer(reduce_sum_p)


# ---------------------------------------------------------------------------------------------
# Shared pieces of the reductions below
# ---------------------------------------------------------------------------------------------

_KIND_NAMES = {"biuf": "real (bool, integer or floating)", "iufc": "numeric", "b": "boolean",
               "biufc": "bool or numeric"}


def check_operand_kind(name: str, x: ShapedArray, kinds: str, hint: str = "") -> None:
    if x.dtype.kind not in kinds:
        raise TypeError(f"{name} needs a {_KIND_NAMES[kinds]} operand, got {x.str_short()}"
                        f"{hint}")


def reduction_primitive(name: str, impl: Any, kinds: str, hint: str = "") -> Primitive:
    """A primitive ``name(x, axes=...)`` whose result keeps ``x``'s dtype."""

    def abstract_eval(x: ShapedArray, axes: tuple[int, ...]) -> ShapedArray:
        check_axes(x, axes, name)
        check_operand_kind(name, x, kinds, hint)
        return make_aval(reduced_shape(x.shape, axes), x.dtype)

    return Primitive(name, impl=impl, abstract_eval=abstract_eval)


def bind_checked(prim: Primitive, *args: Any, **params: Any) -> Any:
    """``prim.bind`` after checking the arguments with the primitive's shape/dtype rule: eager
    evaluation runs the NumPy impl directly, which would compute something else (or fail
    obscurely) instead of naming the user's mistake."""
    prim.abstract_eval(*[get_aval(x) for x in args], **params)
    return prim.bind(*args, **params)


def bind_reduction(prim: Primitive, x: Any, axes: Any) -> Any:
    """The wrapper of a reduction: canonical axes, checked; reducing no axis is the identity."""
    aval = get_aval(x)
    axes = canonicalize_axes(axes, aval.ndim)
    prim.abstract_eval(aval, axes=axes)
    return prim.bind(x, axes=axes) if axes else x


def kept_dims(ndim: int, axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for d in range(ndim) if d not in axes)


def lowest_value(dtype: np.dtype) -> Any:
    """The identity of max: the smallest value of ``dtype`` (complex values order
    lexicographically, as in NumPy)."""
    if dtype.kind in "fc":
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


def highest_value(dtype: np.dtype) -> Any:
    """The identity of min: the largest value of ``dtype``."""
    if dtype.kind in "fc":
        return np.inf
    if dtype.kind == "b":
        return True
    return np.iinfo(dtype).max
