"""NumPy's type hierarchy, dtype aliases, and the helpers that act on Python objects rather
than on array values (printing, files, buffers): re-exported or thin wrappers.

Arrays outside transformations are NumPy arrays, so NumPy's own printing and I/O functions are
exactly right for them; they are re-exported unchanged. ``isscalar`` and ``isdtype`` also
accept traced values. See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans.core import Tracer, get_aval
from ftrans.numpy._promotion import concrete_numeric_array

# abstract scalar types (for issubdtype) and NumPy's C-named aliases of concrete dtypes
from numpy import (  # noqa: F401
    cdouble,
    character,
    complexfloating,
    csingle,
    double,
    flexible,
    floating,
    generic,
    inexact,
    integer,
    number,
    object_,
    signedinteger,
    single,
    unsignedinteger,
)
from numpy import complex128 as complex_  # noqa: F401  (NumPy 1's names)
from numpy import float64 as float_  # noqa: F401
from numpy import int64 as int_  # noqa: F401
from numpy import uint64 as uint  # noqa: F401
from numpy.exceptions import ComplexWarning  # noqa: F401

# printing, files and buffers act on concrete NumPy arrays: NumPy's functions are the right ones
from numpy import (  # noqa: F401
    frombuffer,
    fromfile,
    fromiter,
    fromstring,
    get_printoptions,
    iterable,
    load,
    printoptions,
    save,
    savez,
    set_printoptions,
)

__all__ = [
    "cdouble", "character", "complexfloating", "csingle", "double", "flexible", "floating",
    "generic", "inexact", "integer", "number", "object_", "signedinteger", "single",
    "unsignedinteger", "complex_", "float_", "int_", "uint", "ComplexWarning",
    "array_repr", "array_str", "from_dlpack", "frombuffer", "fromfile", "fromiter", "fromstring",
    "get_printoptions", "iterable", "load", "printoptions", "save", "savez", "set_printoptions",
    "isscalar", "isdtype",
]


def isscalar(element: Any) -> bool:
    """Whether ``element`` is a scalar: a Python or NumPy number, or a 0-d (traced) array.

    As in JAX, 0-d arrays count as scalars (NumPy's ``isscalar`` says False for them), and so do
    0-d traced values; strings and other non-numeric objects do not.

    Args:
      element: any object.

    Returns:
      A Python bool.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.isscalar(1.5), fnp.isscalar(np.array(2.0)), fnp.isscalar(np.ones(2))
    (True, True, False)
    """
    if isinstance(element, Tracer):
        return get_aval(element).ndim == 0
    if isinstance(element, (bool, int, float, complex, np.generic)):
        return not isinstance(element, (np.str_, np.bytes_, np.void, np.object_))
    if isinstance(element, np.ndarray):
        return element.ndim == 0 and element.dtype.kind in "biufc"
    return False


def isdtype(dtype: Any, kind: Any) -> bool:
    """The Array API's dtype test: whether ``dtype`` is of ``kind`` (a dtype, or one of
    ``'bool'``, ``'signed integer'``, ``'unsigned integer'``, ``'integral'``,
    ``'real floating'``, ``'complex floating'``, ``'numeric'``, or a tuple of these).

    Args:
      dtype: a dtype or scalar type.
      kind: a dtype, a kind name, or a tuple of them.

    Returns:
      A Python bool.

    Raises:
      TypeError: ``dtype`` is not a dtype, or ``kind`` is not a dtype or known kind name.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.isdtype(np.float32, "real floating"), fnp.isdtype(np.int8, ("bool", "integral"))
    (True, True)
    """
    if isinstance(dtype, Tracer) or isinstance(dtype, np.ndarray):
        raise TypeError(f"isdtype: dtype must be a dtype, not an array (use x.dtype); got "
                        f"{type(dtype).__name__}")
    return bool(np.isdtype(np.dtype(dtype), kind))


def array_repr(arr: Any, max_line_width: int | None = None, precision: int | None = None,
               suppress_small: bool | None = None) -> str:
    """NumPy's ``array_repr`` of a concrete array (a traced value gives its own repr).

    Raises:
      TypeError: ``arr`` is not numeric array data.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.array_repr(np.array([1.0, 2.0]))
    'array([1., 2.])'
    """
    if isinstance(arr, Tracer):
        return repr(arr)
    return np.array_repr(concrete_numeric_array(arr, "array_repr"), max_line_width, precision,
                         suppress_small)


def array_str(a: Any, max_line_width: int | None = None, precision: int | None = None,
              suppress_small: bool | None = None) -> str:
    """NumPy's ``array_str`` of a concrete array (a traced value gives its own str).

    Raises:
      TypeError: ``a`` is not numeric array data.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.array_str(np.array([1.0, 2.0]))
    '[1. 2.]'
    """
    if isinstance(a, Tracer):
        return str(a)
    return np.array_str(concrete_numeric_array(a, "array_str"), max_line_width, precision,
                        suppress_small)


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> np.ndarray:
    """A NumPy array from an object supporting the DLPack protocol (``__dlpack__``).

    Raises:
      TypeError: ``x`` does not support DLPack.

    >>> import ftrans.numpy as fnp, numpy as np
    >>> fnp.from_dlpack(np.arange(3))
    array([0, 1, 2])
    """
    if not hasattr(x, "__dlpack__"):
        raise TypeError(f"from_dlpack: expected an object supporting the DLPack protocol "
                        f"(with __dlpack__), got {type(x).__name__}")
    return np.from_dlpack(x, device=device, copy=copy)
