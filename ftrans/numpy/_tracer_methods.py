"""Operators and array methods of tracers, so traced values read like NumPy arrays.

Installed on :class:`ftrans.core.Tracer` when ``ftrans.numpy`` is imported: the core stays
free of the NumPy surface, and every operator means exactly the ``ftrans.numpy`` function.
NumPy itself dispatches to the same functions: ufuncs (``numpy.sin(tracer)``,
``ndarray * tracer``) through ``__array_ufunc__``, other functions (``numpy.concatenate``,
``numpy.sum``) through ``__array_function__``. See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

import types
from typing import Any, Callable

import numpy as np

from ftrans.core import Tracer, escaped_tracer_error, trace_is_active
import ftrans.numpy as fnp


def _swap(fn: Callable) -> Callable:
    return lambda self, other: fn(other, self)


def _check_alive(values: Any) -> None:
    for x in values:
        if isinstance(x, Tracer) and not trace_is_active(x._trace):
            raise escaped_tracer_error(x)


def _array_ufunc(self: Tracer, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """Lets ``numpy.sin(tracer)`` and ``ndarray * tracer`` call the ftrans.numpy function."""
    _check_alive(inputs)
    fn = getattr(fnp, ufunc.__name__, None)
    if method != "__call__" or kwargs or fn is None:
        raise TypeError(f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method}"
                        f"{' with ' + ', '.join(kwargs) if kwargs else ''} is not supported on "
                        f"traced values; use the ftrans.numpy function instead")
    return fn(*inputs)


def _array_function(self: Tracer, func: Callable, types: Any, args: tuple,
                    kwargs: dict) -> Any:
    """Lets ``numpy.concatenate([tracer, ...])`` and friends call the ftrans.numpy function of
    the same name."""
    _check_alive(args)
    module = getattr(func, "__module__", "") or ""
    namespace: Any = (fnp.linalg if module.endswith("linalg")
                      else fnp.fft if module.endswith("fft") else fnp)
    fn = getattr(namespace, func.__name__, None)
    if fn is None or not module.startswith("numpy"):
        raise TypeError(
            f"{module}.{func.__name__} has no ftrans.numpy counterpart, so it cannot be applied "
            f"to traced values (it would need their concrete values); express it with "
            f"ftrans.numpy functions")
    return fn(*args, **kwargs)


def _reshape(self: Tracer, *shape: Any, order: str = "C") -> Any:
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = tuple(shape[0])
    return fnp.reshape(self, shape, order)


def _transpose(self: Tracer, *axes: Any) -> Any:
    if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
        axes = tuple(axes[0]) if axes[0] is not None else ()
    return fnp.transpose(self, axes or None)


def _matrix_transpose(self: Tracer) -> Any:
    if self.ndim < 2:
        raise ValueError(f"matrix transpose (.mT) needs an array of at least 2 dimensions, got "
                         f"{self.aval.str_short()}")
    return fnp.swapaxes(self, -1, -2)


def _item(self: Tracer, *args: Any) -> Any:
    value = np.asarray(self._number_or_raise("item()"))
    return value.item(*args)


def _tolist(self: Tracer) -> Any:
    return np.asarray(self._number_or_raise("tolist()")).tolist()


def _at(self: Tracer) -> Any:
    return fnp.at_indexer(self)


# The array methods that are the ftrans.numpy function of the same name with the array first.
_METHODS = ("sum", "mean", "max", "min", "prod", "var", "std", "argmax", "argmin", "all",
            "any", "cumsum", "cumprod", "squeeze", "swapaxes", "clip", "round", "dot", "conj",
            "conjugate", "nonzero", "repeat", "trace", "diagonal", "take", "ptp", "argsort",
            "sort")


def _method(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``fn`` as the method ``self.op(other) = fn(self, other)``: a plain function is one
    already (binding passes ``self`` as its first argument, with no frame in between)."""
    if type(fn) is types.FunctionType:
        return fn
    return lambda self, other: fn(self, other)


def install() -> None:
    """Install the operators and methods on :class:`Tracer`."""

    binary = {
        "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
        "pow": "power", "matmul": "matmul", "mod": "remainder", "floordiv": "floor_divide",
        "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
    }
    for name, fn_name in binary.items():
        fn = getattr(fnp, fn_name)
        setattr(Tracer, f"__{name}__", _method(fn))
        setattr(Tracer, f"__r{name}__", _swap(fn))
    comparisons = {"eq": fnp.equal, "ne": fnp.not_equal, "lt": fnp.less, "le": fnp.less_equal,
                   "gt": fnp.greater, "ge": fnp.greater_equal}
    for name, fn in comparisons.items():
        setattr(Tracer, f"__{name}__", _method(fn))
    # assigned through setattr: the names are declared for type checkers in core.Tracer
    installed = {
        "__neg__": lambda self: fnp.negative(self),
        "__pos__": lambda self: fnp.positive(self),
        "__abs__": lambda self: fnp.abs(self),
        "__invert__": lambda self: fnp.invert(self),
        "__divmod__": lambda self, other: fnp.divmod(self, other),
        "__rdivmod__": lambda self, other: fnp.divmod(other, self),
        "__getitem__": lambda self, index: fnp.getitem(self, index),
        "__round__": lambda self, ndigits=None: fnp.round(self, ndigits or 0),
        "__array_ufunc__": _array_ufunc,
        "__array_function__": _array_function,
        "T": property(lambda self: fnp.transpose(self)),
        "mT": property(_matrix_transpose),
        "real": property(lambda self: fnp.real(self)),
        "imag": property(lambda self: fnp.imag(self)),
        "at": property(_at),
        "reshape": _reshape,
        "transpose": _transpose,
        "astype": lambda self, dtype: fnp.asarray(self, dtype),
        "flatten": lambda self, order="C": fnp.ravel(self, order),
        "ravel": lambda self, order="C": fnp.ravel(self, order),
        "copy": lambda self: self,
        "item": _item,
        "tolist": _tolist,
    }
    for name, value in installed.items():
        setattr(Tracer, name, value)
    for name in _METHODS:
        fn = getattr(fnp, name)
        setattr(Tracer, name, lambda self, *a, fn=fn, **k: fn(self, *a, **k))
