"""How ``ftrans.scipy.special`` and ``ftrans.scipy.stats`` take their arguments: SciPy's
ufunc dtype rules (int64 and float64 compute in float64; small integers, float16 and float32
in float32), Python scalars weak."""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans.core import get_aval
from ftrans.numpy._promotion import asarray_strong, cast, float_dtype_for

__all__ = ["as_float", "as_floats", "as_real_or_complex"]


def as_float(x: Any) -> Any:
    x = asarray_strong(x)
    dtype = get_aval(x).dtype
    if dtype.kind == "c":
        raise TypeError(f"complex arguments are not supported (got {dtype})")
    dtype = float_dtype_for(x)
    # SciPy's ufuncs have float32 and float64 loops only: small types compute in float32
    return cast(x, np.dtype(np.float32) if dtype == np.float16 else dtype)


def as_real_or_complex(x: Any) -> tuple[Any, bool]:
    """``x`` as a float array, or as a complex one (complex64 / complex128) when complex."""
    x = asarray_strong(x)
    if get_aval(x).dtype.kind == "c":
        return x, True
    return as_float(x), False


def as_floats(*args: Any) -> list[Any]:
    """Each argument as a float array (SciPy's ufunc rules), then all in their common dtype;
    Python scalars are weak (they take the arrays' dtype, as in NumPy 2 and JAX)."""
    floats = [as_float(a) for a in args]
    strong = [get_aval(f).dtype for a, f in zip(args, floats) if type(a) not in WEAK_SCALARS]
    dtype = np.result_type(*strong) if strong else np.dtype(np.float64)
    return [cast(f, dtype) for f in floats]


WEAK_SCALARS = (int, float, bool)
