"""Array construction: array, asarray, zeros, ones, full, arange, linspace, eye, ... and the
``_like`` forms.

Outside transformations these return plain NumPy arrays. Shapes and sizes must be concrete;
values may be traced where NumPy's result depends on them smoothly (a list holding tracers is
stacked; ``full`` broadcasts a traced fill value; ``linspace`` takes traced end points).
See docs/internals.md, "The NumPy layer".
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans import lax
from ftrans.core import Tracer, canonicalize_shape, get_aval
from ftrans.numpy._promotion import asarray_strong, cast, concrete_numeric_array, result_type
from ftrans.numpy._elementwise import add, multiply, subtract, true_divide
from ftrans.numpy._shapes import moveaxis, stack

__all__ = ["array", "asarray", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
           "full_like", "empty_like", "arange", "linspace", "eye", "identity", "tri",
           "meshgrid"]


def _contains_tracer(x: Any) -> bool:
    if isinstance(x, Tracer):
        return True
    if isinstance(x, (list, tuple)):
        return any(_contains_tracer(e) for e in x)
    return False


def _shape(shape: int | Sequence[int]) -> tuple[int, ...]:
    return canonicalize_shape(shape)


def array(object: Any, dtype: Any = None, copy: bool = True, *,  # noqa: A002
          ndmin: int = 0) -> Any:
    """NumPy's ``array``; also accepts (nested) lists holding traced values, which are
    stacked into a traced array."""
    if isinstance(object, Tracer):
        out = object if dtype is None else lax.convert_element_type(object, dtype)
    elif isinstance(object, (list, tuple)) and _contains_tracer(object):
        elements = [array(e) for e in object]
        target = np.dtype(dtype) if dtype is not None else result_type(*elements)
        out = stack([asarray(e, target) for e in elements])
    else:
        concrete_numeric_array(object, "array", dtype)  # refuses non-numeric data
        out = np.array(object, dtype=dtype, copy=copy)
    aval = get_aval(out)
    if aval.ndim < ndmin:
        out = lax.reshape(out, (1,) * (ndmin - aval.ndim) + aval.shape)
    return out


def asarray(a: Any, dtype: Any = None, order: str | None = None, *,
            copy: bool | None = None) -> Any:
    """NumPy's ``asarray``: no copy when ``a`` already is an array of ``dtype``; a tracer is
    returned as is (or cast)."""
    if isinstance(a, Tracer):
        return a if dtype is None else lax.convert_element_type(a, dtype)
    if isinstance(a, (list, tuple)) and _contains_tracer(a):
        return array(a, dtype)
    return concrete_numeric_array(a, "asarray", dtype)


def zeros(shape: int | Sequence[int], dtype: Any = None) -> np.ndarray:
    """An array of zeros (float64 by default)."""
    return np.zeros(_shape(shape), dtype=dtype or np.float64)


def ones(shape: int | Sequence[int], dtype: Any = None) -> np.ndarray:
    """An array of ones (float64 by default)."""
    return np.ones(_shape(shape), dtype=dtype or np.float64)


def empty(shape: int | Sequence[int], dtype: Any = None) -> np.ndarray:
    """Like :func:`zeros` (ftrans never hands out uninitialised memory)."""
    return zeros(shape, dtype)


def full(shape: int | Sequence[int], fill_value: Any, dtype: Any = None) -> Any:
    """An array of ``shape`` filled with ``fill_value``; a traced (or array) fill value is
    broadcast, giving a traced array."""
    shape = _shape(shape)
    if isinstance(fill_value, Tracer):
        value = fill_value if dtype is None else lax.convert_element_type(fill_value, dtype)
        return lax.broadcast_to(value, shape)
    if type(fill_value) not in (bool, int, float, complex):
        fill_value = concrete_numeric_array(fill_value, "full: fill_value")
    return np.full(shape, fill_value, dtype=dtype)


def _like_shape_dtype(a: Any, dtype: Any, shape: Any, function: str = "zeros_like"
                      ) -> tuple[tuple[int, ...], np.dtype]:
    aval = get_aval(a) if isinstance(a, Tracer) else get_aval(
        a if type(a) in (bool, int, float, complex) else concrete_numeric_array(a, function))
    out_shape = aval.shape if shape is None else _shape(shape)
    return out_shape, np.dtype(dtype) if dtype is not None else aval.dtype


def zeros_like(a: Any, dtype: Any = None, shape: Any = None) -> np.ndarray:
    """Zeros with the shape and dtype of ``a`` (a constant: it does not depend on ``a``)."""
    return np.zeros(*_like_shape_dtype(a, dtype, shape))


def ones_like(a: Any, dtype: Any = None, shape: Any = None) -> np.ndarray:
    """Ones with the shape and dtype of ``a``."""
    return np.ones(*_like_shape_dtype(a, dtype, shape, "ones_like"))


def empty_like(a: Any, dtype: Any = None, shape: Any = None) -> np.ndarray:
    """Like :func:`zeros_like`."""
    return zeros_like(a, dtype, shape)


def full_like(a: Any, fill_value: Any, dtype: Any = None, shape: Any = None) -> Any:
    """An array shaped like ``a`` filled with ``fill_value`` (in ``a``'s dtype by default)."""
    out_shape, out_dtype = _like_shape_dtype(a, dtype, shape)
    return full(out_shape, fill_value, out_dtype)


def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> np.ndarray:
    """NumPy's ``arange``: evenly spaced values in ``[start, stop)``. The arguments must be
    concrete (they decide the length)."""
    args = [start] + ([] if stop is None else [stop]) + ([] if step is None else [step])
    for arg in args:
        if isinstance(arg, Tracer):
            arg._concrete_or_raise("arange (its length depends on its arguments)")
    args = [a.to_concrete_value() if isinstance(a, Tracer) else a for a in args]
    return np.arange(*args, dtype=dtype)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: Any = None, axis: int = 0) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop``. ``start`` and ``stop`` may be
    traced (and arrays, which add axes); ``num`` must be concrete."""
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    if not (isinstance(start, Tracer) or isinstance(stop, Tracer)):
        start = concrete_numeric_array(start, "linspace")
        stop = concrete_numeric_array(stop, "linspace")
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)  # pyright: ignore[reportCallIssue, reportArgumentType]  # numpy's overloads take retstep only as a literal
    start, stop = asarray_strong(start), asarray_strong(stop)
    compute = result_type(start, stop, 1.0)
    start, stop = cast(start, compute), cast(stop, compute)
    div = (num - 1) if endpoint else num
    delta = subtract(stop, start)
    base = np.arange(num, dtype=compute).reshape((-1,) + (1,) * get_aval(delta).ndim)
    # as in NumPy: a single sample has step NaN and sits at start
    step = true_divide(delta, div) if div > 0 else multiply(delta, np.nan)
    out = add(multiply(base, step if div > 0 else delta), start)
    if endpoint and num > 1:
        last = np.arange(num).reshape(base.shape) == num - 1
        out = lax.select_n(last, out, lax.broadcast_to(stop, get_aval(out).shape))
    out = moveaxis(out, 0, axis)
    if dtype is not None:
        if np.dtype(dtype).kind in "iu":  # NumPy floors before casting to integers
            out = lax.floor(out)
        out = cast(out, np.dtype(dtype))
    return (out, step) if retstep else out


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = float) -> np.ndarray:  # noqa: N803
    """A 2-d array with ones on diagonal ``k`` and zeros elsewhere."""
    return np.eye(N, M, k, dtype=dtype)


def identity(n: int, dtype: Any = float) -> np.ndarray:
    """The ``n`` x ``n`` identity matrix."""
    return np.identity(n, dtype=dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = float) -> np.ndarray:  # noqa: N803
    """Ones at and below diagonal ``k``, zeros above."""
    return np.tri(N, M, k, dtype=dtype)


def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False,
             indexing: str = "xy") -> tuple[Any, ...]:
    """Coordinate arrays from coordinate vectors (``indexing='xy'`` swaps the first two
    axes, as in NumPy)."""
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    vectors = [lax.reshape(asarray_strong(x), (-1,)) for x in xi]
    n = len(vectors)
    shapes = [[1] * n for _ in vectors]
    for i, v in enumerate(vectors):
        shapes[i][i] = get_aval(v).shape[0]
    if indexing == "xy" and n > 1:
        for s in shapes:
            s[0], s[1] = s[1], s[0]
    outs = [lax.reshape(v, s) for v, s in zip(vectors, shapes)]
    if sparse:
        return tuple(outs)
    full_shape = np.broadcast_shapes(*[tuple(s) for s in shapes])
    return tuple(lax.broadcast_to(o, full_shape) for o in outs)
