"""Elementwise NumPy functions (ufuncs) that map onto one lax primitive, with NumPy's promotion.

Each function asks NumPy which dtypes the ufunc computes in for its operands (see
``_promotion``), casts the operands, and applies the primitive. Shapes broadcast as in NumPy.
Functions built from several primitives (floor_divide, logaddexp, where, ...) are in ``_math``.
See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ftrans import lax
from ftrans.core import Tracer, get_aval
from ftrans.interpreters.staging import share_literal, shared_literals
from ftrans.lax.windowed_reductions import window_monoids
from ftrans.numpy._promotion import NotAnArrayError, asarray_leaf, cast, resolve


_WEAK_SCALARS = (int, float, complex)  # NumPy 2: Python scalars take the array's dtype


def _dtype_key(x: Any) -> Any:
    """The operand as ``resolve`` sees it: the type of a NumPy or Python scalar (which decides
    its dtype, and whether it is weak), or the dtype of an array or tracer."""
    t = type(x)
    if t in _TYPE_KEYS:
        return t
    if isinstance(x, Tracer):
        return x.aval.dtype
    return x.dtype


_BOOL = np.dtype(bool)
_TYPE_KEYS = frozenset({int, float, complex, bool, *(
    np.dtype(c).type for c in "?bhilqBHILQefdgFDG")})


def _needs_cast(x: Any, dtype: np.dtype) -> bool:
    return type(x) in _WEAK_SCALARS or type(x) is bool or get_aval(x).dtype != dtype


def _operand(x: Any) -> Any:
    """Lists and other array-likes as arrays; arrays, scalars and tracers as they are."""
    if type(x) in _PLAIN_TYPES or isinstance(x, Tracer) or isinstance(x, np.generic):
        return x
    return asarray_leaf(x)


_PLAIN_TYPES = _TYPE_KEYS | {np.ndarray}


def _checked_operand(x: Any, function: str) -> Any:
    try:
        return _operand(x)
    except NotAnArrayError as err:
        raise NotAnArrayError(err.value, function) from None


_FLOAT64 = np.dtype(np.float64)
# Python float -> its float64, one object per value (``x * 0.5`` in a loop makes one constant,
# and programs share one Literal for it). Keyed by value, so only values that equal no other
# are kept: not 0.0 (equal to -0.0) and not NaN (equal to nothing, itself included).
_float64_constants: dict[Any, np.float64] = {}  # keys: Python floats
_MAX_FLOAT64_CONSTANTS = 1024


def _float64_constant(x: float) -> np.float64:
    found = _float64_constants.get(x)
    if found is None:
        if len(_float64_constants) >= _MAX_FLOAT64_CONSTANTS:
            for value in _float64_constants.values():
                shared_literals.pop(id(value), None)
            _float64_constants.clear()
        found = _float64_constants[x] = np.float64(x)
        share_literal(found)
    return found


def _cast(x: Any, dtype: np.dtype) -> Any:
    if type(x) is float and dtype is _FLOAT64 and x and x == x:
        found = _float64_constants.get(x)
        return _float64_constant(x) if found is None else found
    if type(x) in _WEAK_SCALARS or type(x) is bool:
        return dtype.type(x)  # raises OverflowError for out-of-range ints, as NumPy does
    return cast(x, dtype)


# A binary function's operand that is a Python float converted to float64: `_cast` finds most in
# `_float64_constants` (0.0 and NaN, never kept there, are converted by `_cast` itself)
_TO_FLOAT64_CONSTANT = "float64 constant"


def _cast_kind(x: Any, dtype: np.dtype) -> bool | str:
    """How a binary function converts an operand like ``x`` to ``dtype``: not at all (False),
    as a float64 constant (``_TO_FLOAT64_CONSTANT``) or by ``_cast`` (True)."""
    if not _needs_cast(x, dtype):
        return False
    return _TO_FLOAT64_CONSTANT if type(x) is float and dtype is _FLOAT64 else True


def _unary(ufunc: np.ufunc, lax_fn: Callable[[Any], Any], name: str | None = None) -> Callable:
    resolved: dict[Any, tuple[np.dtype, bool]] = {}  # operand key -> (dtype, needs a cast)

    def fn(x: Any, /) -> Any:
        key = type(x)
        if key not in _TYPE_KEYS:  # a scalar's type is its key: no call for the commonest case
            if isinstance(x, Tracer):
                key = x.aval.dtype
            else:
                x = _checked_operand(x, fn.__name__)
                key = _dtype_key(x)
        found = resolved.get(key)
        if found is None:
            dtype = resolve(ufunc, x)[0]
            found = resolved[key] = (dtype, _needs_cast(x, dtype))
        if found[1]:
            x = _cast(x, found[0])
        return lax_fn(x)
    return _export(fn, name or ufunc.__name__, ufunc)


def _binary(ufunc: np.ufunc, lax_fn: Callable[[Any, Any], Any],
            name: str | None = None) -> Callable:
    # (key of x, key of y) -> (dtype of x, dtype of y, how x is cast, how y is cast: _cast_kind):
    # promotion is decided once per combination of operand dtypes
    resolved: dict[tuple[Any, Any], tuple[np.dtype, np.dtype, bool | str, bool | str]] = {}

    def fn(x: Any, y: Any, /) -> Any:
        # keys without calls for the commonest operands: scalars (by type) and tracers
        kx = type(x)
        if kx not in _TYPE_KEYS:
            if isinstance(x, Tracer):
                kx = x.aval.dtype
            else:
                x = _checked_operand(x, fn.__name__)
                kx = _dtype_key(x)
        ky = type(y)
        if ky not in _TYPE_KEYS:
            if isinstance(y, Tracer):
                ky = y.aval.dtype
            else:
                y = _checked_operand(y, fn.__name__)
                ky = _dtype_key(y)
        key = (kx, ky)
        found = resolved.get(key)
        if found is None:
            dx, dy = resolve(ufunc, x, y)[:2]
            found = resolved[key] = (dx, dy, _cast_kind(x, dx), _cast_kind(y, dy))
        cast_x, cast_y = found[2], found[3]
        if cast_x:
            if cast_x is _TO_FLOAT64_CONSTANT:  # _cast's commonest case, without its call
                c = _float64_constants.get(x)
                x = _cast(x, found[0]) if c is None else c
            else:
                x = _cast(x, found[0])
        if cast_y:
            if cast_y is _TO_FLOAT64_CONSTANT:
                c = _float64_constants.get(y)
                y = _cast(y, found[1]) if c is None else c
            else:
                y = _cast(y, found[1])
        return lax_fn(x, y)
    return _export(fn, name or ufunc.__name__, ufunc)


def _export(fn: Callable, name: str, ufunc: np.ufunc | None = None) -> Callable:
    fn.__name__ = fn.__qualname__ = name
    if fn.__doc__ is None:
        target = f"numpy.{ufunc.__name__}" if ufunc is not None else name
        fn.__doc__ = (f"Elementwise ``{target}``, differentiable and batchable.\n\n"
                      f"NumPy's broadcasting and dtype promotion (Python scalars are weak: "
                      f"they take the array's dtype).")
    return fn


# ---------------------------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------------------------

def _add(x: Any, y: Any) -> Any:
    # NumPy adds booleans with logical or; lax's add is numeric only
    if x.dtype == _BOOL:
        return lax.bitwise_or(x, y)
    return lax.add_p.bind(x, y)


add = _binary(np.add, _add)
subtract = _binary(np.subtract, lax.sub_p.bind)
multiply = _binary(np.multiply, lax.mul_p.bind)
true_divide = _binary(np.true_divide, lax.div_p.bind, "true_divide")
divide = _binary(np.divide, lax.div_p.bind, "divide")
maximum = _binary(np.maximum, lax.max_p.bind)
minimum = _binary(np.minimum, lax.min_p.bind)
negative = _unary(np.negative, lax.neg_p.bind)


def positive(x: Any, /) -> Any:
    """Elementwise ``+x`` (``x`` itself; NumPy rejects booleans)."""
    x = asarray_leaf(x)
    return cast(x, resolve(np.positive, x)[0])


def _integer_power(x: Any, y: Any) -> Any:
    """``x ** y`` for integer arrays by square-and-multiply over the bits of ``y`` (exact, with
    NumPy's wrap-around on overflow). Negative exponents are an error in NumPy; when ``y`` is
    traced they cannot be detected and give an unspecified result."""
    dtype = get_aval(x).dtype
    if not isinstance(y, Tracer):
        y_concrete = np.asarray(y)
        if y_concrete.size and y_concrete.min() < 0:
            raise ValueError("Integers to negative integer powers are not allowed.")
        nbits = int(y_concrete.max()).bit_length() if y_concrete.size else 0
    else:
        nbits = dtype.itemsize * 8 - (dtype.kind == "i")
    one = np.ones((), dtype)
    zero = np.zeros((), dtype)
    result = lax.broadcast_to(one, np.broadcast_shapes(get_aval(x).shape, get_aval(y).shape))
    base, exponent = x, y
    for i in range(nbits):
        odd = lax.ne(lax.bitwise_and(exponent, one), zero)
        result = lax.select_n(odd, result, lax.mul(result, base))
        if i + 1 < nbits:
            base = lax.mul(base, base)
            exponent = lax.div(exponent, np.full((), 2, dtype))
    return result


def power(x: Any, y: Any, /) -> Any:
    """Elementwise ``x ** y`` with NumPy's promotion.

    A Python int exponent uses repeated multiplication (exact, and differentiable at x = 0).
    Integer arrays raised to integer arrays use square-and-multiply, exact as in NumPy.
    """
    x = asarray_leaf(x)
    if type(y) is int:
        dtype = resolve(np.power, x, y)[0]
        if dtype.kind in "fc" or (dtype.kind in "iu" and y >= 0):
            return lax.integer_pow(cast(x, dtype), y)
    y = asarray_leaf(y)
    dx, dy = resolve(np.power, x, y)[:2]
    x, y = cast(x, dx), cast(y, dy)
    if dx.kind in "iu":
        return _integer_power(x, y)
    return lax.pow(x, y)


def float_power(x: Any, y: Any, /) -> Any:
    """Elementwise ``x ** y`` computed in at least float64 (NumPy's ``float_power``)."""
    x, y = asarray_leaf(x), asarray_leaf(y)
    dx, dy = resolve(np.float_power, x, y)[:2]
    return lax.pow(cast(x, dx), cast(y, dy))


def square(x: Any, /) -> Any:
    """Elementwise ``x * x``."""
    x = asarray_leaf(x)
    return lax.integer_pow(cast(x, resolve(np.square, x)[0]), 2)


def reciprocal(x: Any, /) -> Any:
    """Elementwise ``1 / x`` (integer division for integers, as in NumPy)."""
    x = asarray_leaf(x)
    return lax.integer_pow(cast(x, resolve(np.reciprocal, x)[0]), -1)


for _fn in (positive, power, float_power, square, reciprocal):
    _export(_fn, _fn.__name__)
pow = power  # noqa: A001  (NumPy 2 alias)

# ---------------------------------------------------------------------------------------------
# Exponentials, logarithms, trigonometry
# ---------------------------------------------------------------------------------------------

exp = _unary(np.exp, lax.exp_p.bind)
log = _unary(np.log, lax.log_p.bind)
log1p = _unary(np.log1p, lax.log1p_p.bind)
expm1 = _unary(np.expm1, lax.expm1_p.bind)
sin = _unary(np.sin, lax.sin_p.bind)
cos = _unary(np.cos, lax.cos_p.bind)
tan = _unary(np.tan, lax.tan_p.bind)
tanh = _unary(np.tanh, lax.tanh_p.bind)
sqrt = _unary(np.sqrt, lax.sqrt_p.bind)

# ---------------------------------------------------------------------------------------------
# Sign and rounding
# ---------------------------------------------------------------------------------------------


def _abs(x: Any) -> Any:
    # NumPy's absolute of booleans and unsigned integers is the identity
    return x if get_aval(x).dtype.kind in "bu" else lax.abs(x)


absolute = _unary(np.absolute, _abs)
abs = _unary(np.absolute, _abs, "abs")  # noqa: A001
fabs = _unary(np.fabs, lax.abs)
sign = _unary(np.sign, lax.sign)


def _rounding(ufunc: np.ufunc, lax_fn: Callable[[Any], Any]) -> Callable:
    # NumPy returns integers unchanged
    return _unary(ufunc, lambda x: x if get_aval(x).dtype.kind in "iub" else lax_fn(x))


floor = _rounding(np.floor, lax.floor)
ceil = _rounding(np.ceil, lax.ceil)
rint = _rounding(np.rint, lambda x: lax.round(x, lax.ROUND_TO_NEAREST_EVEN))
# trunc(-0.5) is -0.0, as ceil gives
trunc = _rounding(np.trunc, lambda x: lax.select_n(lax.lt(x, 0), lax.floor(x), lax.ceil(x)))
fix = trunc

# ---------------------------------------------------------------------------------------------
# Comparisons and logic
# ---------------------------------------------------------------------------------------------

equal = _binary(np.equal, lax.eq_p.bind)
not_equal = _binary(np.not_equal, lax.ne_p.bind)
less = _binary(np.less, lax.lt_p.bind)
less_equal = _binary(np.less_equal, lax.le_p.bind)
greater = _binary(np.greater, lax.gt_p.bind)
greater_equal = _binary(np.greater_equal, lax.ge_p.bind)
bitwise_and = _binary(np.bitwise_and, lax.bitwise_and)
bitwise_or = _binary(np.bitwise_or, lax.bitwise_or)
bitwise_xor = _binary(np.bitwise_xor, lax.bitwise_xor)
invert = _unary(np.invert, lax.bitwise_not)
bitwise_not = invert


def to_bool(x: Any) -> Any:
    """``x != 0`` as a bool array (NumPy's truth value of each element; NaN is true)."""
    x = asarray_leaf(x)
    if type(x) in (bool, int, float, complex):
        return np.bool_(x)
    if get_aval(x).dtype.kind == "b":
        return x
    return lax.ne(x, np.zeros((), get_aval(x).dtype))


def logical_and(x: Any, y: Any, /) -> Any:
    """Elementwise truth of ``x and y``."""
    return lax.bitwise_and(to_bool(x), to_bool(y))


def logical_or(x: Any, y: Any, /) -> Any:
    """Elementwise truth of ``x or y``."""
    return lax.bitwise_or(to_bool(x), to_bool(y))


def logical_xor(x: Any, y: Any, /) -> Any:
    """Elementwise truth of ``x xor y``."""
    return lax.bitwise_xor(to_bool(x), to_bool(y))


def logical_not(x: Any, /) -> Any:
    """Elementwise truth of ``not x``."""
    return lax.bitwise_not(to_bool(x))


for _fn in (logical_and, logical_or, logical_xor, logical_not):
    _export(_fn, _fn.__name__)
del _fn

# lax.reduce_window(x, 0., fnp.add, ...) takes the same fast path as with lax.add
window_monoids.update({add: window_monoids[lax.add], multiply: window_monoids[lax.mul],
                       maximum: window_monoids[lax.max], minimum: window_monoids[lax.min]})

# Listed literally (not appended as the functions are made) so that type checkers and editors
# see every name `from ftrans.numpy._elementwise import *` brings in.
__all__ = [
    "add", "subtract", "multiply", "true_divide", "divide", "maximum", "minimum", "negative",
    "positive", "power", "float_power", "square", "reciprocal", "pow", "exp", "log", "log1p",
    "expm1", "sin", "cos", "tan", "tanh", "sqrt", "absolute", "abs", "fabs", "sign", "floor",
    "ceil", "rint", "trunc", "fix", "equal", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "bitwise_and", "bitwise_or", "bitwise_xor", "invert", "bitwise_not",
    "logical_and", "logical_or", "logical_xor", "logical_not",
]
