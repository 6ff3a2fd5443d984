"""The core: abstract values, primitives, traces, tracers and the current-trace context.

Every transformation is an interpreter of primitive applications. ``prim.bind(*args, **params)``
hands the application to the *current trace*; the bottom one, :class:`EvalTrace`, runs NumPy.
A transformation installs a trace of its own (whose parent is the trace current when it
started) while the user's function runs, and its tracers carry the transformation's extra
meaning. Identity is by trace object: a trace opens only tracers whose ``_trace`` is itself;
everything else is a constant to it. See docs/internals.md, "The trace contract".
"""

from __future__ import annotations

import contextvars
import importlib
import pickle
import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterator, TypeVar, cast

import numpy as np

from ftrans.gc_pause import pause_gc, resume_gc

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

__all__ = [
    "ArgumentTypeError", "ConcretizationError", "EscapedTracerError", "EvalTrace", "FtransError",
    "MissingRuleError", "NotAnArrayError", "Primitive", "ShapedArray", "Trace", "Tracer",
    "NUMPY_SCALAR_AVALS", "canonicalize_shape", "current_trace", "current_trace_var",
    "escaped_tracer_error", "eval_trace", "get_aval", "is_valid_array", "make_aval", "new_trace",
    "pause_gc", "resume_gc", "set_current_trace", "short_dtype_name", "short_repr", "static_int",
    "TraceScope", "trace_hook", "trace_is_active",
]

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class FtransError(Exception):
    """Base class of the errors raised by ftrans itself."""


class ConcretizationError(FtransError, TypeError):
    """A traced (abstract) value was used where a concrete Python or NumPy value is needed."""


# The particular conversions, under the class names JAX users catch (``jax.errors``); each is
# a ConcretizationError, so code catching the general error still catches them.
class TracerBoolConversionError(ConcretizationError):
    """``bool()`` of an abstract value: Python ``if``/``while``/``and`` on a traced value."""


class TracerIntegerConversionError(ConcretizationError):
    """``int()`` or ``__index__`` of an abstract value (a traced loop bound or list index)."""


class TracerArrayConversionError(ConcretizationError):
    """A NumPy function (``numpy.asarray``) was applied to a traced value."""


class NonConcreteBooleanIndexError(ConcretizationError, IndexError):
    """Boolean-mask indexing with a traced mask: the result's shape depends on its values."""


class ArgumentTypeError(FtransError, TypeError, ValueError):
    """An argument that does not fit where it goes (a cotangent of the wrong dtype for its
    output, an ``argnums`` beyond the arguments passed): both a TypeError and a ValueError, so
    code written for JAX or for NumPy catches it whichever of the two it expects."""


class NotAnArrayError(TypeError):
    """A value that is neither an array nor a number reached a numeric function."""

    def __init__(self, x: Any, function: str | None = None):
        where = f"{function}: " if function else ""
        super().__init__(f"{where}expected an array or a number, got {type(x).__name__} "
                         f"{short_repr(x, 40)}")
        self.value = x


class EscapedTracerError(FtransError, RuntimeError):
    """A tracer was used after the transformation that created it had finished."""


class MissingRuleError(FtransError, NotImplementedError):
    """A transformation met a primitive for which it has no rule."""

    def __init__(self, primitive: Primitive, transformation: str):
        super().__init__(
            f"primitive '{primitive.name}' has no {transformation} rule, so it cannot be used "
            f"under {transformation}. Register one in the interpreter's rule table "
            f"(see docs/extending.md)."
        )
        self.primitive = primitive
        self.transformation = transformation


# ---------------------------------------------------------------------------------------------
# Abstract values
# ---------------------------------------------------------------------------------------------

_SHORT_DTYPE_NAMES = {
    "float64": "f64", "float32": "f32", "float16": "f16",
    "int64": "i64", "int32": "i32", "int16": "i16", "int8": "i8",
    "uint64": "u64", "uint32": "u32", "uint16": "u16", "uint8": "u8",
    "bool": "bool", "complex128": "c128", "complex64": "c64",
}


def short_dtype_name(dtype: np.dtype) -> str:
    """``float64`` -> ``f64``: the spelling used in printed programs."""
    name = str(dtype.name)  # NumPy's stubs allow None for some dtypes
    return _SHORT_DTYPE_NAMES.get(name, name)


class ShapedArray:
    """The abstract value of an array: its shape and dtype, printed as ``f64[3,4]``."""

    __slots__ = ("shape", "dtype", "_hash")

    def __init__(self, shape: tuple[int, ...], dtype: Any):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self._hash = hash((self.shape, self.dtype))

    def __reduce__(self) -> tuple:
        # the hash is recomputed: string hashes differ from one process to the next
        return make_aval, (self.shape, self.dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        size = 1
        for d in self.shape:
            size *= d
        return size

    def update(self, shape: tuple[int, ...] | None = None, dtype: Any = None) -> ShapedArray:
        return make_aval(self.shape if shape is None else tuple(shape),
                         self.dtype if dtype is None else np.dtype(dtype))

    def str_short(self) -> str:
        return f"{short_dtype_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    def __eq__(self, other: object) -> bool:
        return (type(other) is ShapedArray and self.shape == other.shape
                and self.dtype == other.dtype)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"ShapedArray({self.str_short()})"

    __str__ = str_short


_aval_cache: dict[tuple, ShapedArray] = {}


def make_aval(shape: tuple[int, ...], dtype: DTypeLike) -> ShapedArray:
    """A cached ShapedArray: avals are made on every traced operation, so reuse them."""
    key = (shape, dtype)
    aval = _aval_cache.get(key)
    if aval is None:
        if len(_aval_cache) > 4096:
            _aval_cache.clear()
        aval = _aval_cache[key] = ShapedArray(shape, dtype)
    return aval


_PYTHON_SCALAR_DTYPES = {
    bool: np.dtype(bool), int: np.dtype(np.int64),
    float: np.dtype(np.float64), complex: np.dtype(np.complex128),
}


def get_aval(x: Any) -> ShapedArray:
    """The abstract value of an array, NumPy scalar, Python scalar or tracer."""
    scalar_aval = NUMPY_SCALAR_AVALS.get(type(x))
    if scalar_aval is not None:  # the commonest case in scalar programs
        return scalar_aval
    if isinstance(x, Tracer):
        return x.aval
    if isinstance(x, (np.ndarray, np.generic)):
        key = (x.shape, x.dtype)
        aval = _aval_cache.get(key)
        return make_aval(*key) if aval is None else aval
    dtype = _PYTHON_SCALAR_DTYPES.get(type(x))
    if dtype is not None:
        return make_aval((), dtype)
    raise TypeError(
        f"value of type {type(x).__name__} is not a valid array: ftrans functions take NumPy "
        f"arrays, NumPy scalars, Python numbers, or nested tuples/lists/dicts of them "
        f"(got {short_repr(x)})."
    )


NUMPY_SCALAR_AVALS: dict[type, ShapedArray] = {t: make_aval((), np.dtype(t)) for t in (
    np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8,
    np.bool_, np.complex128, np.complex64)}


def is_valid_array(x: Any) -> bool:
    return isinstance(x, (Tracer, np.ndarray, np.generic)) or type(x) in _PYTHON_SCALAR_DTYPES


def short_repr(x: Any, limit: int = 79) -> str:
    """``repr(x)`` cut to ``limit`` characters, for naming a user's value in an error."""
    text = repr(x)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# ---------------------------------------------------------------------------------------------
# Primitives
# ---------------------------------------------------------------------------------------------


class Primitive:
    """A named operation with a NumPy implementation and a shape/dtype rule.

    Arrays are positional, parameters are keywords (and hashable). ``impl(*arrays, **params)``
    computes the result with NumPy; ``abstract_eval(*avals, **params)`` returns the result's
    :class:`ShapedArray` (a list of them when ``multiple_results``). Transformation rules live
    in the interpreters' tables (``jvp_rules``, ``transpose_rules``, ``batching_rules``, ...).
    ``eager_impl`` (default ``impl``) is what eager evaluation calls: the same results, faster
    on NumPy scalars (a binary ufunc on two costs 0.5 µs, ``*`` 0.04); the compiler uses ``impl``.
    """

    __slots__ = ("name", "_impl", "eager_impl", "abstract_eval", "multiple_results", "module")

    def __init__(self, name: str, *, impl: Callable, abstract_eval: Callable,
                 multiple_results: bool = False, eager_impl: Callable | None = None):
        if not callable(impl) or not callable(abstract_eval):
            raise TypeError(f"primitive '{name}' needs callable impl and abstract_eval")
        self.name = name
        self._impl = impl
        self.eager_impl = impl if eager_impl is None else eager_impl
        self.abstract_eval = abstract_eval
        self.multiple_results = multiple_results
        # the module that made it: importing that module registers it in another process
        self.module = sys._getframe(1).f_globals.get("__name__", "")
        _registered_primitives[(self.module, name)] = self  # the newest of a name wins

    @property
    def impl(self) -> Callable:
        return self._impl

    @impl.setter
    def impl(self, impl: Callable) -> None:
        # a replaced implementation replaces the eager one too (it may not compute the same)
        self._impl = self.eager_impl = impl

    def bind(self, *args: Any, **params: Any) -> Any:
        return _current_trace.get().process_primitive(self, args, params)

    def __reduce__(self) -> tuple:
        # By reference, never by value: a copy would be missing from every rule table (its
        # grad would raise MissingRuleError) and would not be `is` the registered primitive.
        if _registered_primitives.get((self.module, self.name)) is not self:
            raise pickle.PicklingError(
                f"primitive '{self.name}' cannot be pickled: a newer primitive of the same name "
                f"was made in module {self.module!r} after it, so the name no longer refers to "
                f"it. Give each primitive a unique name.")
        return registered_primitive, (self.module, self.name)

    def __repr__(self) -> str:
        return self.name


# (defining module, name) -> the primitive: what a pickled primitive refers to
_registered_primitives: dict[tuple[str, str], Primitive] = {}


def registered_primitive(module: str, name: str) -> Primitive:
    """The primitive called ``name`` made in ``module`` (imported first if need be): how a
    pickled primitive is found again, in this process or another."""
    prim = _registered_primitives.get((module, name))
    if prim is None:
        try:
            importlib.import_module(module)
        except ImportError as err:
            raise pickle.UnpicklingError(
                f"primitive '{name}' is defined in module {module!r}, which cannot be imported "
                f"here ({err}); make that module importable in this process") from None
        prim = _registered_primitives.get((module, name))
    if prim is None:
        raise pickle.UnpicklingError(
            f"primitive '{name}' was not found in module {module!r} in this process. A "
            f"primitive defined in a script's __main__ exists only in that process: define it "
            f"in an importable module.")
    return prim


# ---------------------------------------------------------------------------------------------
# Traces and tracers
# ---------------------------------------------------------------------------------------------


class Trace:
    """An interpreter of primitive applications.

    Subclasses implement :meth:`process`, which receives an application in which at least one
    argument is a tracer of this trace, runs with the parent trace current, applies the
    interpreter's rule and wraps the results in this trace's tracers.
    """

    __slots__ = ("parent", "is_alive", "description", "__weakref__")  # weakref: leak checker

    def __init__(self, parent: Trace | None, description: str = "a transformation"):
        # Typed as a Trace: only the eval trace has none, and it never defers to a parent.
        self.parent: Trace = cast("Trace", parent)
        self.is_alive = True
        self.description = description

    def process_primitive(self, prim: Primitive, args: tuple, params: dict) -> Any:
        for x in args:
            if isinstance(x, Tracer) and x._trace is self:
                break
        else:  # nothing of mine: the application belongs to an enclosing trace
            return self.parent.process_primitive(prim, args, params)
        token = _current_trace.set(self.parent)
        try:
            return self.process(prim, args, params)
        finally:
            _current_trace.reset(token)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        raise NotImplementedError

    def inline(self, prim: Primitive, args: tuple, params: dict) -> Any:
        """Apply a primitive that holds programs (``jit``, ``checkpoint``, ``cond``, ``scan``,
        ``while``) by its entry in :data:`inline_rules`, with this trace current: the programs
        run through ``eval_jaxpr``, so every application inside them comes back to this trace.
        An interpreter with rules for first-order primitives only gets the call-like ones this
        way (docs/extending.md, "Primitives that hold programs"). Raises ``MissingRuleError``
        for a primitive without an inline rule."""
        rule = inline_rules.get(prim)
        if rule is None:
            raise MissingRuleError(prim, self.description)
        token = _current_trace.set(self)
        try:
            return rule(*args, **params)
        finally:
            _current_trace.reset(token)

    def __repr__(self) -> str:
        state = "" if self.is_alive else ", finished"
        return f"{type(self).__name__}({self.description}{state})"


class EvalTrace(Trace):
    """The bottom trace: applies each primitive's NumPy implementation."""

    __slots__ = ()

    def process_primitive(self, prim: Primitive, args: tuple, params: dict) -> Any:
        for x in args:
            if isinstance(x, Tracer):
                raise escaped_tracer_error(x)
        if params:
            return prim.eager_impl(*args, **params)
        return prim.eager_impl(*args)


eval_trace = EvalTrace(None, "evaluation")

# inline_rules[p](*args, **params) -> outputs: what a primitive that holds programs computes,
# written with bind (its programs run through eval_jaxpr), so that whichever trace is current
# interprets the applications inside; filled in each such primitive's block, used by
# Trace.inline.
inline_rules: dict[Primitive, Callable[..., Any]] = {}
_current_trace: contextvars.ContextVar[Trace] = contextvars.ContextVar(
    "ftrans_current_trace", default=eval_trace)


current_trace_var = _current_trace  # for hot paths that switch traces without a `with`


def current_trace() -> Trace:
    """The trace that ``bind`` hands primitive applications to."""
    return _current_trace.get()


@contextmanager
def set_current_trace(trace: Trace) -> Iterator[Trace]:
    """Make ``trace`` current for the block; the previous trace is restored even on error."""
    token = _current_trace.set(trace)
    try:
        yield trace
    finally:
        _current_trace.reset(token)


TraceT = TypeVar("TraceT", bound="Trace")


def new_trace(trace_type: type[TraceT], *args: Any, **kwargs: Any) -> TraceScope[TraceT]:
    """Create a trace whose parent is the current one, make it current, and finish it on exit
    (``with new_trace(JVPTrace) as trace: ...``).

    A finished trace is marked dead, so its tracers raise :class:`EscapedTracerError` if used.
    Python's cyclic garbage collector is paused while any transformation runs (see
    :func:`pause_gc`).
    """
    return TraceScope(trace_type, args, kwargs)


class TraceScope(Generic[TraceT]):
    """The block of :func:`new_trace`: the trace is made when the block is entered. A class
    rather than a generator-based context manager: every transformation enters one (two for
    grad), and this costs a third as much."""

    __slots__ = ("trace_type", "args", "kwargs", "trace", "token", "hook")
    trace: TraceT
    token: contextvars.Token
    hook: Any

    def __init__(self, trace_type: type[TraceT], args: tuple, kwargs: dict):
        self.trace_type = trace_type
        self.args = args
        self.kwargs = kwargs

    def __enter__(self) -> TraceT:
        trace = self.trace = self.trace_type(_current_trace.get(), *self.args, **self.kwargs)
        hook = self.hook = trace_hook
        if hook is not None:
            hook.started(trace)
        self.token = _current_trace.set(trace)
        pause_gc()
        return trace

    def __exit__(self, *exc_info: Any) -> None:
        resume_gc()
        _current_trace.reset(self.token)
        trace = self.trace
        trace.is_alive = False
        if self.hook is not None:
            self.hook.finished(trace)


# Told when each transformation starts and finishes (``started(trace)`` / ``finished(trace)``);
# None unless the leak checker is on (ftrans.debugging), so new_trace costs nothing extra.
trace_hook: Any = None


def trace_is_active(trace: Trace) -> bool:
    """Whether ``trace`` is the current trace or one of its ancestors."""
    t: Trace | None = _current_trace.get()
    while t is not None:
        if t is trace:
            return True
        t = t.parent
    return False


def escaped_tracer_error(tracer: Tracer) -> EscapedTracerError:
    trace = tracer._trace
    if not trace.is_alive:
        why = f"its {trace.description} transformation has already finished"
    else:
        why = (f"it belongs to a {trace.description} transformation that is not active here "
               f"(another thread, or a value stored from inside a transformation)")
    return EscapedTracerError(
        f"Encountered an escaped tracer {tracer!r}: {why}. A value computed inside a "
        f"transformed function must be returned from it, not saved in a global, an attribute "
        f"or a closure and used later."
    )


def _user_location() -> str:
    """`` (in function f at file:line)`` for the innermost frame outside ftrans, for errors."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame = sys._getframe(1)
    while frame is not None and (frame.f_code.co_filename.startswith(package)
                                 or "contextlib" in frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return ""
    code = frame.f_code
    return f" (in function {code.co_name} at {code.co_filename}:{frame.f_lineno})"


class Tracer:
    """A value of a traced computation; behaves like an array.

    Subclasses say what they carry (a tangent, a batch axis, a program variable) and provide
    ``aval``. Operators and array methods are installed by ``ftrans.numpy``.
    """

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    @property
    def aval(self) -> ShapedArray:
        raise NotImplementedError

    if TYPE_CHECKING:
        # ftrans.numpy installs the operators and methods when it is imported
        # (numpy/_tracer_methods.py); declared here so that type checkers see that a tracer
        # behaves like an array.
        def __add__(self, other: Any) -> Any: ...
        def __radd__(self, other: Any) -> Any: ...
        def __sub__(self, other: Any) -> Any: ...
        def __rsub__(self, other: Any) -> Any: ...
        def __mul__(self, other: Any) -> Any: ...
        def __rmul__(self, other: Any) -> Any: ...
        def __truediv__(self, other: Any) -> Any: ...
        def __rtruediv__(self, other: Any) -> Any: ...
        def __floordiv__(self, other: Any) -> Any: ...
        def __rfloordiv__(self, other: Any) -> Any: ...
        def __mod__(self, other: Any) -> Any: ...
        def __rmod__(self, other: Any) -> Any: ...
        def __pow__(self, other: Any) -> Any: ...
        def __rpow__(self, other: Any) -> Any: ...
        def __matmul__(self, other: Any) -> Any: ...
        def __rmatmul__(self, other: Any) -> Any: ...
        def __and__(self, other: Any) -> Any: ...
        def __rand__(self, other: Any) -> Any: ...
        def __or__(self, other: Any) -> Any: ...
        def __ror__(self, other: Any) -> Any: ...
        def __xor__(self, other: Any) -> Any: ...
        def __rxor__(self, other: Any) -> Any: ...
        def __lt__(self, other: Any) -> Any: ...
        def __le__(self, other: Any) -> Any: ...
        def __gt__(self, other: Any) -> Any: ...
        def __ge__(self, other: Any) -> Any: ...
        def __neg__(self) -> Any: ...
        def __pos__(self) -> Any: ...
        def __abs__(self) -> Any: ...
        def __invert__(self) -> Any: ...
        def __getitem__(self, index: Any) -> Any: ...
        def __getattr__(self, name: str) -> Any: ...  # methods: x.sum(), x.T, x.at, ...

    @property
    def shape(self) -> tuple[int, ...]:
        return self.aval.shape

    @property
    def dtype(self) -> np.dtype:
        return self.aval.dtype

    @property
    def ndim(self) -> int:
        return len(self.aval.shape)

    @property
    def size(self) -> int:
        return self.aval.size

    def to_concrete_value(self) -> Any:
        """The concrete value behind this tracer, or None when it is abstract."""
        return None

    def _concrete_or_raise(self, what: str,
                           error: type[ConcretizationError] = ConcretizationError) -> Any:
        if not self._trace.is_alive:
            raise escaped_tracer_error(self)
        value = self.to_concrete_value()
        if value is None:
            raise error(
                f"{what} was called on an abstract value {self.aval.str_short()} inside "
                f"{self._trace.description}{_user_location()}: its concrete value is not "
                f"known while the function is being transformed. Use ftrans.numpy.where or "
                f"lax.cond instead of Python `if`, lax.fori_loop / lax.while_loop instead of "
                f"loops on traced values, or mark the argument static (static_argnums) so it "
                f"stays concrete."
            )
        return value

    def carries_derivative(self) -> bool:
        """Whether this value is being differentiated (it has a tangent or a cotangent path):
        converting it to a Python number would silently drop its derivative."""
        return False

    def _number_or_raise(self, what: str) -> Any:
        """The concrete value for a conversion to a Python float/complex (``float()``,
        ``math.sin``, ``item()``): refused for a value being differentiated, whose derivative
        the number could not carry. ``bool()`` (Python control flow) and ``int()``
        (piecewise constant, so zero derivative) stay allowed, as in JAX."""
        if self._trace.is_alive and self.carries_derivative():
            raise ConcretizationError(
                f"{what} was called on {self.aval.str_short()}, a value being differentiated "
                f"by {self._trace.description}{_user_location()}: a Python number carries no "
                f"derivative, so the result would silently be a constant with derivative 0. "
                f"Use ftrans.numpy functions on the value (fnp.sin(x), not math.sin(x)) to "
                f"keep the derivative, or ftrans.lax.stop_gradient(x) first if a constant "
                f"was meant."
            )
        return self._concrete_or_raise(what)

    def __bool__(self) -> bool:
        return bool(self._concrete_or_raise("bool()", TracerBoolConversionError))

    def __int__(self) -> int:
        return int(self._concrete_or_raise("int()", TracerIntegerConversionError))

    def __float__(self) -> float:
        return float(self._number_or_raise("float()"))

    def __complex__(self) -> complex:
        return complex(self._number_or_raise("complex()"))

    def __index__(self) -> int:
        return int(self._concrete_or_raise("an integer index (__index__)",
                                           TracerIntegerConversionError))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if not self._trace.is_alive:
            raise escaped_tracer_error(self)
        raise TracerArrayConversionError(
            f"numpy.asarray() (or another NumPy function) was called on a traced value "
            f"{self.aval.str_short()} inside {self._trace.description}{_user_location()}. "
            f"Converting it to a "
            f"NumPy array would drop the transformation: use the ftrans.numpy function of the "
            f"same name instead of the numpy one (to index a NumPy array with a traced index, "
            f"use ftrans.numpy.take or ftrans.numpy.getitem)."
        )

    def __len__(self) -> int:
        if not self.aval.shape:
            raise TypeError("len() of a 0-d array")
        return self.aval.shape[0]

    def __iter__(self) -> Iterator[Any]:
        if not self.aval.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.aval.shape[0]))

    __hash__ = None  # type: ignore[assignment]  # arrays are unhashable, as in NumPy

    def __repr__(self) -> str:
        return f"{type(self).__name__}<{self.aval.str_short()}>"


# ---------------------------------------------------------------------------------------------
# Static integers: shapes, sizes and axes are known when a program is traced
# ---------------------------------------------------------------------------------------------


def static_int(x: Any, what: str) -> int:
    """``x`` as a Python int for a shape, a size or an axis (``what`` names it in errors).

    Raises:
      ConcretizationError: ``x`` is a traced value (say which argument to mark static).
      TypeError: ``x`` is not an integer (a float, a string, ...).
    """
    if isinstance(x, Tracer):
        value = x.to_concrete_value() if x._trace.is_alive else None
        if value is not None and np.ndim(value) == 0 and np.asarray(value).dtype.kind in "iub":
            return int(value)
        raise ConcretizationError(
            f"{what} must be known when the function is traced, but it is a traced value "
            f"{x.aval.str_short()} inside {x._trace.description}{_user_location()}. Shapes, "
            f"sizes and axes are static: mark the argument it comes from static "
            f"(jit(f, static_argnums=...) or static_argnames=...), or compute it from "
            f"x.shape or other Python values.")
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iu":
        return int(x)
    raise TypeError(f"{what} must be an integer, got {type(x).__name__} {x!r}")


def canonicalize_shape(shape: Any, what: str = "shape") -> tuple[int, ...]:
    """``shape`` (an int or a sequence of ints) as a tuple of non-negative Python ints.

    Raises:
      ConcretizationError: a traced value appears in the shape.
      TypeError: the shape is not an int or a sequence of ints.
      ValueError: a dimension is negative.
    """
    if isinstance(shape, (int, np.integer)) or (isinstance(shape, (Tracer, np.ndarray))
                                                 and np.ndim(shape) == 0):
        dims: tuple[int, ...] = (static_int(shape, what),)
    else:  # a sequence, or a traced vector whose elements static_int refuses
        if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
            raise TypeError(f"{what} must be an int or a sequence of ints, got "
                            f"{type(shape).__name__} {shape!r}")
        dims = tuple(static_int(d, what) for d in shape)
    if any(d < 0 for d in dims):
        raise ValueError(f"{what} has a negative dimension: {dims} (dimensions are sizes, "
                         f">= 0)")
    return dims
