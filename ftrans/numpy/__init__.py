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
from ftrans.numpy._selection import *  # noqa: F401,F403
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

__all__ = [
    "ComplexWarning", "abs", "absolute", "acos", "acosh", "add", "all", "allclose", "amax", "amin",
    "angle", "any", "append", "apply_along_axis", "apply_over_axes", "arange", "arccos", "arccosh",
    "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin", "argpartition",
    "argsort", "argwhere", "around", "array", "array_equal", "array_equiv", "array_repr",
    "array_split", "array_str", "asarray", "asin", "asinh", "astype", "at", "at_indexer", "atan",
    "atan2", "atanh", "atleast_1d", "atleast_2d", "atleast_3d", "average", "bartlett", "bincount",
    "bitwise_and", "bitwise_count", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "blackman", "block", "bool", "bool_",
    "broadcast_arrays", "broadcast_shapes", "broadcast_to", "c_", "can_cast", "cbrt", "cdouble",
    "ceil", "character", "choose", "clip", "column_stack", "complex128", "complex64", "complex_",
    "complexfloating", "compress", "concat", "concatenate", "conj", "conjugate", "convolve", "copy",
    "copysign", "corrcoef", "correlate", "cos", "cosh", "count_nonzero", "cov", "cross", "csingle",
    "cumprod", "cumsum", "cumulative_prod", "cumulative_sum", "deg2rad", "degrees", "delete",
    "diag", "diag_indices", "diag_indices_from", "diagflat", "diagonal", "diff", "digitize",
    "divide", "divmod", "dot", "double", "dsplit", "dstack", "dtype", "e", "ediff1d", "einsum",
    "einsum_path", "empty", "empty_like", "equal", "euler_gamma", "exp", "exp2", "expand_dims",
    "expm1", "extract", "eye", "fabs", "fill_diagonal", "finfo", "fix", "flatnonzero", "flexible",
    "flip", "fliplr", "flipud", "float16", "float32", "float64", "float_", "float_power",
    "floating", "floor", "floor_divide", "fmax", "fmin", "fmod", "frexp", "from_dlpack",
    "frombuffer", "fromfile", "fromfunction", "fromiter", "frompyfunc", "fromstring", "full",
    "full_like", "gcd", "generic", "geomspace", "get_printoptions", "getitem", "gradient",
    "greater", "greater_equal", "hamming", "hanning", "heaviside", "histogram", "histogram2d",
    "histogram_bin_edges", "histogramdd", "hsplit", "hstack", "hypot", "i0", "identity", "iinfo",
    "imag", "index_exp", "indices", "inexact", "inf", "inner", "insert", "int16", "int32", "int64",
    "int8", "int_", "integer", "interp", "intersect1d", "intp", "invert", "isclose", "iscomplex",
    "iscomplexobj", "isdtype", "isfinite", "isin", "isinf", "isnan", "isneginf", "isposinf",
    "isreal", "isrealobj", "isscalar", "issubdtype", "iterable", "ix_", "kaiser", "kron", "lcm",
    "ldexp", "left_shift", "less", "less_equal", "lexsort", "linspace", "load", "log", "log10",
    "log1p", "log2", "logaddexp", "logaddexp2", "logical_and", "logical_not", "logical_or",
    "logical_xor", "logspace", "mask_indices", "matmul", "matrix_transpose", "matvec", "max",
    "maximum", "mean", "median", "meshgrid", "mgrid", "min", "minimum", "mod", "modf", "moveaxis",
    "multiply", "nan", "nan_to_num", "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax",
    "nanmean", "nanmedian", "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum",
    "nanvar", "ndarray", "ndim", "negative", "newaxis", "nextafter", "nonzero", "not_equal",
    "number", "object_", "ogrid", "ones", "ones_like", "outer", "packbits", "pad", "partition",
    "percentile", "permute_dims", "pi", "piecewise", "place", "poly", "polyadd", "polyder",
    "polydiv", "polyfit", "polyint", "polymul", "polysub", "polyval", "positive", "pow", "power",
    "printoptions", "prod", "promote_types", "ptp", "put", "put_along_axis", "quantile", "r_",
    "rad2deg", "radians", "ravel", "ravel_multi_index", "real", "real_if_close", "reciprocal",
    "remainder", "repeat", "reshape", "resize", "result_type", "right_shift", "rint", "roll",
    "rollaxis", "roots", "rot90", "round", "row_stack", "s_", "save", "savez", "searchsorted",
    "select",
    "set_printoptions", "setdiff1d", "setxor1d", "shape", "sign", "signbit", "signedinteger", "sin",
    "sinc", "single", "sinh", "size", "sort", "sort_complex", "spacing", "split", "sqrt", "square",
    "squeeze", "stack", "std", "subtract", "sum", "swapaxes", "take", "take_along_axis", "tan",
    "tanh", "tensordot", "tile", "trace", "transpose", "trapezoid", "tri", "tril", "tril_indices",
    "tril_indices_from", "trim_zeros", "triu", "triu_indices", "triu_indices_from", "true_divide",
    "trunc", "ufunc", "uint", "uint16", "uint32", "uint64", "uint8", "union1d", "unique",
    "unique_all", "unique_counts", "unique_inverse", "unique_values", "unpackbits", "unravel_index",
    "unsignedinteger", "unstack", "unwrap", "vander", "var", "vdot", "vecdot", "vecmat",
    "vectorize", "vsplit", "vstack", "where", "zeros", "zeros_like",
]

_tracer_methods.install()
