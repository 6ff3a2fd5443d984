"""What every elementwise primitive shares: dtype kinds, NumPy broadcasting and its transpose
(``unbroadcast``), Python scalars taking the other operand's dtype, and the factories for
unary and binary primitives. See docs/internals.md, "Primitives".
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ftrans.core import NotAnArrayError, Primitive, ShapedArray, Tracer, get_aval, make_aval
from ftrans.lax.reductions_base import reduce_sum
from ftrans.lax.structural import reshape

__all__ = [
    "ANY", "CONCRETE_ARRAYS", "FLOAT", "NUMERIC", "PYTHON_SCALARS", "REAL", "REAL_FLOAT",
    "binary_primitive", "bind_binary", "broadcast_shapes", "check_kind", "check_operand",
    "INEXACT_SCALARS", "coerce_scalars", "operator_impl", "scalar_to", "unary_primitive",
    "unbroadcast",
]

PYTHON_SCALARS = (bool, int, float, complex)
FLOAT = "fc"
REAL_FLOAT = "f"  # floor, ceil, round: NumPy refuses complex operands
REAL = "iuf"  # rem: NumPy's fmod refuses complex operands
NUMERIC = "iufc"
ANY = "biufc"


def check_kind(name: str, aval: ShapedArray, kinds: str) -> None:
    if aval.dtype.kind not in kinds:
        wanted = {"fc": "floating", "iufc": "numeric", "biu": "integer or boolean",
                  "iu": "integer", "b": "boolean", "f": "real floating",
                  "iuf": "real (integer or floating)"}.get(kinds, kinds)
        raise TypeError(f"{name} needs {wanted} operands, got {aval.str_short()}")


def broadcast_shapes(name: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"{name}: shapes {' and '.join(map(str, shapes))} do not broadcast "
                         f"together (NumPy broadcasting rules)") from None


def unbroadcast(x: Any, aval: ShapedArray) -> Any:
    """Sum ``x`` down to ``aval``'s shape: the transpose of NumPy broadcasting."""
    shape = get_aval(x).shape
    if shape == aval.shape:
        return x
    lead = len(shape) - aval.ndim
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(aval.shape) if d == 1 and shape[lead + i] != 1)
    return reshape(reduce_sum(x, axes), aval.shape)


def scalar_to(value: Any, like: Any) -> Any:
    """A Python scalar given the dtype of the array it is combined with (NumPy's weak
    scalars)."""
    return np.asarray(value, dtype=get_aval(like).dtype)[()]


def coerce_scalars(*args: Any) -> list[Any]:
    """Python scalars among ``args`` take the dtype of the first non-scalar argument."""
    like = next((a for a in args if type(a) not in PYTHON_SCALARS), None)
    if like is None:
        return [np.asarray(a)[()] for a in args]
    return [scalar_to(a, like) if type(a) in PYTHON_SCALARS else a for a in args]


# ---------------------------------------------------------------------------------------------
# Factories for the common shapes of elementwise primitives
# ---------------------------------------------------------------------------------------------


def unary_primitive(name: str, impl: Callable[..., Any], kinds: str = FLOAT) -> Primitive:
    def abstract_eval(x: ShapedArray, **params: Any) -> ShapedArray:
        if x.dtype.kind not in kinds:
            check_kind(name, x, kinds)  # raises
        return x
    return Primitive(name, impl=impl, abstract_eval=abstract_eval)


# NumPy scalars on which an arithmetic operator computes what the ufunc does (integer scalars
# differ: their operators warn on overflow, the ufuncs wrap silently)
INEXACT_SCALARS = frozenset({np.float64, np.float32, np.float16, np.complex128, np.complex64})


def operator_impl(ufunc: Callable[[Any, Any], Any], operator: Callable[[Any, Any], Any]
                  ) -> Callable[[Any, Any], Any]:
    """``ufunc`` computed by ``operator`` where the two agree: on float and complex scalars,
    where the ufunc's overhead is ten times the operator's, and on arrays (the operator calls
    the ufunc)."""
    def eager_impl(x: Any, y: Any) -> Any:
        tx = type(x)
        if tx in INEXACT_SCALARS or tx is np.ndarray:
            return operator(x, y)
        return ufunc(x, y)
    eager_impl.__name__ = getattr(ufunc, "__name__", "eager_impl")
    return eager_impl


def binary_primitive(name: str, impl: Callable[..., Any], kinds: str = NUMERIC,
                     out_dtype: Any = None, operator: Callable[[Any, Any], Any] | None = None
                     ) -> Primitive:
    """An elementwise primitive of two operands of one dtype that broadcast together;
    ``operator`` (``operator.mul`` for ``np.multiply``) computes it eagerly where it agrees with
    ``impl`` (see :func:`operator_impl`)."""
    eager_impl = None if operator is None else operator_impl(impl, operator)
    out_dtype = None if out_dtype is None else np.dtype(out_dtype)

    def abstract_eval(x: ShapedArray, y: ShapedArray) -> ShapedArray:
        if x is y and out_dtype is None and x.dtype.kind in kinds:  # the commonest: one type
            return x
        if x.dtype != y.dtype:
            raise TypeError(f"{name} needs operands of one dtype, got {x.str_short()} and "
                            f"{y.str_short()}; convert one with convert_element_type (or use "
                            f"the ftrans.numpy function, which promotes)")
        check_kind(name, x, kinds)
        if x.shape == y.shape:
            return x if out_dtype is None else make_aval(x.shape, out_dtype)
        return make_aval(broadcast_shapes(name, x.shape, y.shape),
                         x.dtype if out_dtype is None else out_dtype)
    return Primitive(name, impl=impl, abstract_eval=abstract_eval, eager_impl=eager_impl)


def check_operand(x: Any, api: str) -> Any:
    """``x`` when it is an array, a NumPy or Python number or a tracer; otherwise a TypeError
    naming the lax function and the Python type passed (lax takes no lists or strings)."""
    t = type(x)
    if t in CONCRETE_ARRAYS or t in PYTHON_SCALARS or isinstance(x, Tracer):
        return x
    raise NotAnArrayError(x, api)


def bind_binary(prim: Primitive, x: Any, y: Any) -> Any:
    tx, ty = type(x), type(y)
    if tx in CONCRETE_ARRAYS and ty in CONCRETE_ARRAYS:
        # staged operands are checked by abstract_eval; these here (two NumPy scalars of one
        # type have one dtype: no need to ask, which costs more than the product)
        if (tx is not ty or tx is np.ndarray) and x.dtype != y.dtype:
            prim.abstract_eval(get_aval(x), get_aval(y))
    else:
        # mostly tracers here: the error message is built only when the quick test fails
        if not (isinstance(x, Tracer) or tx in CONCRETE_ARRAYS or tx in PYTHON_SCALARS):
            check_operand(x, f"lax.{prim.name}")
        if not (isinstance(y, Tracer) or ty in CONCRETE_ARRAYS or ty in PYTHON_SCALARS):
            check_operand(y, f"lax.{prim.name}")
        if tx in PYTHON_SCALARS or ty in PYTHON_SCALARS:
            x, y = coerce_scalars(x, y)
    return prim.bind(x, y)


CONCRETE_ARRAYS = frozenset({np.ndarray, np.float64, np.float32, np.float16, np.int64,
                              np.int32, np.int16, np.int8, np.uint8, np.uint16, np.uint32,
                              np.uint64, np.bool_, np.complex128, np.complex64})
