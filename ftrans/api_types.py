"""Array types and shapes: ``Array``, ``ShapeDtypeStruct``, ``typeof``, ``eval_shape``, and the
device names a program written for an accelerator library calls.

ftrans computes with NumPy on the host, so its arrays *are* NumPy arrays (and NumPy scalars)
or, inside a transformation, tracers standing for them. ``Array`` names exactly those types for
``isinstance`` checks and annotations; ``devices()`` is the one host CPU, ``device_put`` makes
NumPy arrays of its leaves and ``block_until_ready`` has nothing to wait for. See
docs/transformations.md, "Names from JAX".
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ftrans.core import ShapedArray, Tracer, get_aval, make_aval
from ftrans.tree_util import tree_flatten, tree_map, tree_unflatten
from ftrans.api import check_callable
from ftrans.interpreters.staging import trace_flat

__all__ = ["Array", "ShapeDtypeStruct", "typeof", "eval_shape", "block_until_ready", "named_call",
           "Device", "devices", "local_devices", "device_count", "local_device_count",
           "default_backend", "device_put", "device_get"]


class _ArrayMeta(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        if isinstance(instance, Tracer):
            return True
        if isinstance(instance, np.ndarray):
            return instance.dtype != object
        return isinstance(instance, np.generic) and type(instance) is not np.object_

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, (np.ndarray, np.generic, Tracer))


class Array(metaclass=_ArrayMeta):
    """The type of ftrans arrays: NumPy arrays and scalars, and tracers standing for them
    inside transformations. For ``isinstance`` and annotations; it is not instantiated.

    >>> import numpy as np, ftrans as ft
    >>> isinstance(np.ones(3), ft.Array), isinstance(1.0, ft.Array)
    (True, False)
    >>> ft.grad(lambda x: float(isinstance(x, ft.Array)) * x)(2.0)
    np.float64(1.0)
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("ftrans.Array is an abstract type for isinstance checks; make arrays "
                        "with ftrans.numpy.asarray / array")


class ShapeDtypeStruct:
    """A shape and a dtype, standing for an array that is not there: the results of
    :func:`eval_shape`, and the ``result_shape_dtypes`` of ``pure_callback``.

    >>> ShapeDtypeStruct((2, 3), "float32")
    ShapeDtypeStruct(shape=(2, 3), dtype=float32)
    """

    __slots__ = ("shape", "dtype", "sharding", "weak_type")

    def __init__(self, shape: Any, dtype: Any, sharding: Any = None, weak_type: bool = False):
        try:
            self.shape = tuple(int(d) for d in shape)
        except TypeError:
            raise TypeError(f"ShapeDtypeStruct: shape must be a sequence of ints, got "
                            f"{shape!r}") from None
        if any(d < 0 for d in self.shape):
            raise ValueError(f"ShapeDtypeStruct: shape {self.shape} has a negative dimension")
        if dtype is None:
            raise TypeError("ShapeDtypeStruct: dtype must be given (e.g. np.float64)")
        self.dtype = np.dtype(dtype)
        self.sharding = sharding
        self.weak_type = bool(weak_type)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def update(self, shape: Any = None, dtype: Any = None) -> ShapeDtypeStruct:
        """A copy with a new shape and/or dtype."""
        return ShapeDtypeStruct(self.shape if shape is None else shape,
                                self.dtype if dtype is None else dtype, self.sharding,
                                self.weak_type)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ShapeDtypeStruct):
            return NotImplemented
        return (self.shape, self.dtype, self.weak_type) == (other.shape, other.dtype,
                                                            other.weak_type)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]


def typeof(x: Any) -> ShapedArray:
    """The abstract value (shape and dtype) of an array, scalar or tracer.

    >>> import numpy as np
    >>> typeof(np.ones((2, 3), np.float32))
    ShapedArray(f32[2,3])
    """
    return get_aval(x)


def _leaf_aval(x: Any) -> ShapedArray:
    if isinstance(x, (ShapeDtypeStruct, ShapedArray)):
        return make_aval(tuple(x.shape), np.dtype(x.dtype))
    if hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, (np.ndarray,
                                                                           np.generic, Tracer)):
        return make_aval(tuple(x.shape), np.dtype(x.dtype))
    return get_aval(x)


def eval_shape(fun: Callable, *args: Any, **kwargs: Any) -> Any:
    """The shapes and dtypes of ``fun(*args, **kwargs)``, found by tracing without computing.

    Args:
      fun: a function of pytrees of arrays.
      *args: pytrees whose leaves are arrays, scalars, or anything with ``shape`` and
        ``dtype`` (such as :class:`ShapeDtypeStruct`).
      **kwargs: likewise, by keyword.

    Returns:
      A pytree like ``fun``'s output with a :class:`ShapeDtypeStruct` at each leaf.

    Raises:
      TypeError: when ``fun`` is not callable or a leaf has no shape and dtype.

    >>> import ftrans.numpy as fnp
    >>> eval_shape(lambda x, y: fnp.dot(x, y), ShapeDtypeStruct((4, 3), "float64"),
    ...            ShapeDtypeStruct((3,), "float64"))
    ShapeDtypeStruct(shape=(4,), dtype=float64)
    """
    check_callable(fun, "eval_shape")
    leaves, in_tree = tree_flatten((args, kwargs))
    try:
        avals = [_leaf_aval(x) for x in leaves]
    except TypeError as err:
        raise TypeError(f"eval_shape: {err}") from None
    out_tree: list[Any] = []

    def flat_fun(*flat: Any) -> list[Any]:
        a, kw = tree_unflatten(in_tree, list(flat))
        out_leaves, tree = tree_flatten(fun(*a, **kw))
        out_tree.append(tree)
        return [x if isinstance(x, Tracer) else np.asarray(x) for x in out_leaves]

    closed = trace_flat(flat_fun, avals, "eval_shape")
    return tree_unflatten(out_tree[0], [ShapeDtypeStruct(a.shape, a.dtype)
                                        for a in closed.out_avals])


def named_call(fun: Callable, *, name: str | None = None) -> Callable:
    """``fun`` itself: names of calls only label profiles, and ftrans has none to label.

    >>> named_call(abs, name="magnitude")(-2)
    2
    """
    return fun


def block_until_ready(x: Any) -> Any:
    """``x`` itself: ftrans computes eagerly with NumPy, so every result is ready.

    >>> block_until_ready({'a': 1.0})
    {'a': 1.0}
    """
    return x


class Device:
    """The host CPU, the one device ftrans computes on."""

    platform = "cpu"
    device_kind = "cpu"
    id = 0
    process_index = 0

    def __repr__(self) -> str:
        return "CpuDevice(id=0)"


_CPU = Device()


def devices(backend: str | None = None) -> list[Device]:
    """The devices ftrans computes on: the host CPU.

    Raises:
      RuntimeError: for a backend other than ``"cpu"``.

    >>> devices()
    [CpuDevice(id=0)]
    """
    if backend not in (None, "cpu"):
        raise RuntimeError(f"ftrans computes with NumPy on the host CPU; there is no "
                           f"{backend!r} backend")
    return [_CPU]


def local_devices(process_index: int | None = None, backend: str | None = None
                  ) -> list[Device]:
    """Same as :func:`devices`: one process, one CPU."""
    return devices(backend)


def device_count(backend: str | None = None) -> int:
    """1: the host CPU."""
    return len(devices(backend))


def local_device_count(backend: str | None = None) -> int:
    """1: the host CPU."""
    return len(devices(backend))


def default_backend() -> str:
    """``"cpu"``."""
    return "cpu"


def device_put(x: Any, device: Any = None, **_: Any) -> Any:
    """The leaves of ``x`` as NumPy arrays (there is no other device to put them on).

    Raises:
      ValueError: when ``device`` is not the host CPU.

    >>> device_put([1.0, 2])
    [array(1.), array(2)]
    """
    if device is not None and device is not _CPU and not isinstance(device, Device):
        raise ValueError(f"device_put: ftrans has only the host CPU ({_CPU!r}), got "
                         f"{device!r}")
    return tree_map(lambda leaf: leaf if isinstance(leaf, Tracer) else np.asarray(leaf), x)


def device_get(x: Any) -> Any:
    """``x`` itself: arrays already live on the host."""
    return x
