"""NumPy's dtype rules for the ftrans.numpy surface.

Each NumPy ufunc knows the dtypes it computes in for given operand dtypes
(``ufunc.resolve_dtypes``), with Python scalars weak as in NumPy 2: ``f32_array + 1.0`` stays
float32. We ask NumPy once per (ufunc, operand dtypes) and cache the answer, so the surface
follows NumPy's promotion exactly, including int / int -> float64 for ``true_divide``.
See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans.core import NotAnArrayError, Tracer, get_aval  # noqa: F401  (re-exported)
from ftrans.lax import convert_element_type

_PYTHON_SCALARS = (int, float, complex)
_resolved: dict[tuple, tuple[np.dtype, ...]] = {}


def asarray_leaf(x: Any) -> Any:
    """An array-like as an array, tracer or NumPy scalar; lists become arrays."""
    if isinstance(x, (Tracer, np.ndarray, np.generic)):
        return x
    if type(x) in _PYTHON_SCALARS or type(x) is bool:
        return x
    if isinstance(x, (list, tuple)):
        from ftrans.numpy._creation import array  # cycle: numpy._creation imports numpy._promotion
        return array(x)
    if isinstance(x, (str, bytes)) or x is None:
        raise NotAnArrayError(x)
    try:
        arr = np.asarray(x)
    except Exception as err:  # the object's own conversion (__array__, __len__...) failed
        raise TypeError(f"cannot convert {type(x).__name__} to an array: converting it raised "
                        f"{type(err).__name__}: {err}") from err
    if arr.dtype.kind in "OUSV":
        raise NotAnArrayError(x)
    return arr


def concrete_numeric_array(x: Any, function: str, dtype: Any = None) -> np.ndarray:
    """``np.asarray(x, dtype)`` for a value that is not traced, refusing what is not numeric
    data (strings, None, arbitrary objects) with an error that names ``function`` and the
    Python type the user passed."""
    if isinstance(x, (str, bytes)) or x is None:
        raise NotAnArrayError(x, function)
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{function}: cannot make an array of {type(x).__name__}: {err}"
                        ) from None
    except Exception as err:  # the object's own conversion (__array__, __len__...) failed
        raise TypeError(f"{function}: cannot convert {type(x).__name__} to an array: "
                        f"converting it raised {type(err).__name__}: {err}") from err
    if arr.dtype.kind in "OUSV":
        raise NotAnArrayError(x, function)
    return arr


def check_sequence(x: Any, function: str, what: str) -> None:
    """``x`` must be a sequence (of arrays, of indices): name the argument when it is not."""
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__") and not hasattr(
            x, "__getitem__"):
        raise TypeError(f"{function}: {what} must be a sequence, got {type(x).__name__} "
                        f"{x!r:.40}")


def asarray_strong(x: Any) -> Any:
    """Like :func:`asarray_leaf`, but a Python scalar becomes a NumPy scalar of its default
    dtype (for functions whose result dtype depends on one operand alone)."""
    x = asarray_leaf(x)
    if type(x) in _PYTHON_SCALARS or type(x) is bool:
        return np.asarray(x)[()]
    return x


def promote(*args: Any) -> list[Any]:
    """``args`` (array-likes, tracers, weak Python scalars) cast to their NumPy result type."""
    arrays = [asarray_leaf(a) for a in args]
    dtype = result_type(*arrays)
    return [cast(a, dtype) for a in arrays]


def dtype_key(x: Any) -> Any:
    """What ``resolve_dtypes`` needs: the dtype, or the Python type of a weak scalar."""
    t = type(x)
    if t in _PYTHON_SCALARS:
        return t
    if t is bool:
        return np.dtype(bool)
    if t is np.ndarray:
        return x.dtype
    return get_aval(x).dtype


def resolve(ufunc: np.ufunc, *args: Any) -> tuple[np.dtype, ...]:
    """(input dtypes..., output dtype) NumPy would use for ``ufunc(*args)``."""
    keys = tuple(dtype_key(a) for a in args)
    cache_key = (ufunc, keys)
    found = _resolved.get(cache_key)
    if found is None:
        try:
            found = ufunc.resolve_dtypes(keys + (None,) * ufunc.nout)
        except TypeError as err:
            names = ", ".join(k.__name__ if isinstance(k, type) else str(k) for k in keys)
            raise TypeError(f"{ufunc.__name__} is not defined for operands of dtype {names} "
                            f"(NumPy's rule: {err})") from None
        _resolved[cache_key] = found
    return found


def cast(x: Any, dtype: np.dtype) -> Any:
    """``x`` in ``dtype``: Python scalars become NumPy scalars, arrays are converted."""
    t = type(x)
    if t in _PYTHON_SCALARS or t is bool:
        return np.asarray(x, dtype=dtype)[()]
    if t is np.ndarray:
        return x if x.dtype == dtype else x.astype(dtype)
    if isinstance(x, np.generic):
        return x if x.dtype == dtype else np.asarray(x, dtype=dtype)[()]
    return convert_element_type(x, dtype)


def result_type(*args: Any) -> np.dtype:
    """NumPy's ``result_type`` for arrays, tracers, dtypes and (weak) Python scalars."""
    keys = []
    for a in args:
        if isinstance(a, (np.dtype, type)) and not (isinstance(a, type) and
                                                    a in _PYTHON_SCALARS + (bool,)):
            keys.append(np.dtype(a))
        elif type(a) in _PYTHON_SCALARS or type(a) is bool:
            keys.append(a)
        elif isinstance(a, str):
            keys.append(np.dtype(a))
        else:
            keys.append(get_aval(a).dtype)
    return np.result_type(*keys)


def float_dtype_for(x: Any) -> np.dtype:
    """The floating dtype NumPy computes ``sin(x)`` in (ints and bools become float64)."""
    return resolve(np.sin, x)[0]
