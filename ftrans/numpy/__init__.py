"""``ftrans.numpy``: the NumPy API, differentiable and batchable.

Functions take and return plain NumPy arrays outside transformations and follow NumPy's
broadcasting and dtype promotion (float64 by default; Python scalars do not upcast arrays, as
in NumPy 2). Inside transformations they are built from ``ftrans.lax`` primitives, so every
transformation applies. Traced values get NumPy's operators and methods (``x @ y``, ``x[i]``,
``x.sum(axis=0)``), and NumPy's own functions called on them dispatch here. See
docs/internals.md, "The NumPy layer".

>>> import ftrans as ft, ftrans.numpy as fnp, numpy as np
>>> ft.grad(lambda x: fnp.sum(x[::2] ** 2))(np.arange(4.0))
array([0., 0., 4., 0.])
"""

# dtypes, constants and dtype utilities, as in NumPy
from numpy import bool as bool  # noqa: A004  (NumPy 2's name for bool_)
from numpy import (  # noqa: F401
    bool_,
    can_cast,
    complex64,
    complex128,
    dtype,
    e,
    euler_gamma,
    finfo,
    float16,
    float32,
    float64,
    iinfo,
    inf,
    int8,
    int16,
    int32,
    int64,
    intp,
    issubdtype,
    nan,
    ndarray,
    newaxis,
    pi,
    promote_types,
    uint8,
    uint16,
    uint32,
    uint64,
)

from ftrans.numpy import _tracer_methods, fft, linalg  # noqa: F401
from ftrans.numpy._calculus import *  # noqa: F401,F403
from ftrans.numpy._complex import *  # noqa: F401,F403
from ftrans.numpy._creation import *  # noqa: F401,F403
from ftrans.numpy._elementwise import *  # noqa: F401,F403
from ftrans.numpy._indexing import *  # noqa: F401,F403
from ftrans.numpy._linalg import *  # noqa: F401,F403
from ftrans.numpy._math import *  # noqa: F401,F403
from ftrans.numpy._more_shapes import *  # noqa: F401,F403
from ftrans.numpy._promotion import result_type  # noqa: F401
from ftrans.numpy._reductions import *  # noqa: F401,F403
from ftrans.numpy._shapes import *  # noqa: F401,F403
from ftrans.numpy._sorting import *  # noqa: F401,F403
from ftrans.numpy._statistics import *  # noqa: F401,F403
from ftrans.numpy._trig import *  # noqa: F401,F403
# the rest of NumPy's top-level names, grouped by idea
from ftrans.numpy._array_utils import *  # noqa: F401,F403
from ftrans.numpy._covariance import *  # noqa: F401,F403
from ftrans.numpy._float_ops import *  # noqa: F401,F403
from ftrans.numpy._functional import *  # noqa: F401,F403
from ftrans.numpy._histograms import *  # noqa: F401,F403
from ftrans.numpy._index_tricks import *  # noqa: F401,F403
from ftrans.numpy._integer_ops import *  # noqa: F401,F403
from ftrans.numpy._names import *  # noqa: F401,F403
from ftrans.numpy._polynomial import *  # noqa: F401,F403
from ftrans.numpy._setops import *  # noqa: F401,F403
from ftrans.numpy._windows import *  # noqa: F401,F403

_tracer_methods.install()
