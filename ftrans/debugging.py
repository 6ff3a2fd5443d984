"""Debugging aids: the leak checker and NaN / Inf checking.

**NaN / Inf checking** (``debug_nans`` / ``debug_infs``). Turning a flag on swaps the class of
the bottom trace (``core.eval_trace``) for :class:`CheckingEvalTrace`, which checks every
primitive's outputs and raises ``FloatingPointError`` naming the primitive and the user's
source line; turning both off swaps it back, so the bind path costs nothing when they are off.
Compiled (jit) code is checked on its outputs; on a bad value the function runs again without
compiled code (the checking trace then finds the primitive) and the error is raised: a
de-optimised result is never returned, and the jit cache is left as it was. The backward pass
binds primitives too, so it is checked the same way; ``interpreters.transpose`` reports which
equation was being transposed.

**Leak checker** (``checking_leaks``). While on, ``core.new_trace`` tells this module when a
trace starts (it records the transformation, the function and the call site) and ends (the
trace is remembered weakly). Finished traces are examined at quiet moments: when the next
outermost transformation starts, when a ``checking_leaks()`` block ends, or on
:func:`check_leaks`. A finished trace that is still alive after a garbage collection has a
tracer held somewhere; the holders are found with ``gc.get_referrers`` and reported in a
:class:`LeakedTracerError`. References from ftrans's own frames still on the stack and from
exception tracebacks are not leaks. See docs/debugging.md.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import os
import sys
import threading
import types
import weakref
from typing import Any, Iterator

import numpy as np

from ftrans import api_jit, core
from ftrans.config import config
from ftrans.core import EvalTrace, FtransError, Trace, Tracer, escaped_tracer_error
from ftrans.interpreters import transpose
from ftrans.api_jit import disable_jit
from ftrans.ir import eval_jaxpr

__all__ = ["LeakedTracerError", "checking_leaks", "check_leaks", "debug_nans", "debug_infs",
           "CheckingEvalTrace"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_CONTEXTLIB = os.path.dirname(contextlib.__file__)


def _is_library_frame(frame: types.FrameType) -> bool:
    filename = frame.f_code.co_filename
    return filename.startswith(_PACKAGE_DIR) or filename.startswith(_CONTEXTLIB) \
        or filename.startswith("<ftrans")


def _user_frame(frame: types.FrameType | None) -> types.FrameType | None:
    """The innermost frame outside ftrans (and contextlib)."""
    while frame is not None and _is_library_frame(frame):
        frame = frame.f_back
    return frame


def _where(frame: types.FrameType | None) -> str:
    if frame is None:
        return "an unknown location"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} (in {frame.f_code.co_name})"


# ---------------------------------------------------------------------------------------------
# NaN / Inf checking
# ---------------------------------------------------------------------------------------------

# The equation being transposed by the backward pass, while checking is on.
_transposing: contextvars.ContextVar[Any] = contextvars.ContextVar("ftrans_transposing",
                                                                   default=None)


def _bad_kind(x: Any) -> str | None:
    """'NaN' or 'Inf' if ``x`` (an array or number) holds one that the flags ask about."""
    if isinstance(x, Tracer):
        return None
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        if type(x) is not float and type(x) is not complex:
            return None
    elif dtype.kind not in "fc":
        return None
    with np.errstate(all="ignore"):
        if config.read("debug_nans") and np.isnan(x).any():
            return "NaN"
        if config.read("debug_infs") and np.isinf(x).any():
            return "Inf"
    return None


def first_bad_value(values: Any) -> str | None:
    """'NaN' / 'Inf' for the first value in ``values`` that the flags ask about, else None."""
    for x in values:
        kind = _bad_kind(x)
        if kind is not None:
            return kind
    return None


def _primitive_error(prim_name: str, kind: str, detail: str = "") -> FloatingPointError:
    eqn = _transposing.get()
    if eqn is not None:
        what = (f"the backward pass: the derivative (transpose rule) of primitive "
                f"'{eqn.primitive.name}' produced a {kind} (in its '{prim_name}' step)")
    else:
        what = f"primitive '{prim_name}' produced a {kind}"
    frame = _user_frame(sys._getframe(1))
    flag = "debug_nans" if kind == "NaN" else "debug_infs"
    return FloatingPointError(
        f"{flag}: {what}{detail}, at {_where(frame)}. Inputs that reach a singularity "
        f"(log(0), 0/0, sqrt(-1), inf - inf, ...) usually cause this; guard them with "
        f"ftrans.numpy.where on the inputs (not only on the outputs). Turn the check off with "
        f"ft.config.update({flag!r}, False).")


class CheckingEvalTrace(EvalTrace):
    """The bottom trace while debug_nans / debug_infs is on: applies each primitive's NumPy
    implementation and checks its outputs. It carries no tracers."""

    __slots__ = ()

    def process_primitive(self, prim: core.Primitive, args: tuple, params: dict) -> Any:
        for x in args:
            if isinstance(x, Tracer):
                raise escaped_tracer_error(x)
        out = prim.eager_impl(*args, **params)
        kind = first_bad_value(out if prim.multiple_results else (out,))
        if kind is None:
            return out
        inner = params.get("jaxpr")
        if inner is not None and hasattr(inner, "jaxpr") and first_bad_value(args) is None:
            # a program applied as one primitive: run it equation by equation to find which
            eval_jaxpr(inner.jaxpr, inner.consts, *args)
        raise _primitive_error(prim.name, kind)


def _install_checking(_: Any = None) -> None:
    on = config.read("debug_nans") or config.read("debug_infs")
    core.eval_trace.__class__ = CheckingEvalTrace if on else EvalTrace
    api_jit.debug_jit_outputs = _check_jit_outputs if on else None
    api_jit._jit_caches.drop_calls()  # generated calls do not check outputs: general path
    transpose.backward_hook = _transpose_checked if on else None


config.on_update("debug_nans", _install_checking)
config.on_update("debug_infs", _install_checking)


def _check_jit_outputs(fun: Any, args: tuple, kwargs: dict, outs: list[Any]) -> None:
    """Called by ``jit`` on the outputs of compiled code while checking is on."""
    kind = first_bad_value(outs)
    if kind is None:
        return
    with disable_jit():
        fun(*args, **kwargs)  # the checking trace raises at the primitive
    name = getattr(fun, "__name__", type(fun).__name__)
    raise FloatingPointError(
        f"debug_{kind.lower()}s: the jit-compiled function {name} returned a {kind}, but "
        f"running it again without compilation did not produce one (the optimised program "
        f"computes differently). Call it under ft.disable_jit() to compare.")


def _transpose_checked(eqn: Any, rule: Any, ct: Any, args: list[Any], params: dict) -> Any:
    """Called by the backward pass for each equation while checking is on."""
    token = _transposing.set(eqn)
    try:
        cts = rule(ct, *args, **params)
        kind = first_bad_value([c for c in cts if c is not None and hasattr(c, "dtype")])
        if kind is not None and first_bad_value(ct if isinstance(ct, list) else [ct]) is None:
            raise _primitive_error(eqn.primitive.name, kind)
        return cts
    finally:
        _transposing.reset(token)


@contextlib.contextmanager
def debug_nans(enabled: bool = True) -> Iterator[None]:
    """Raise ``FloatingPointError`` at the first primitive that produces a NaN, inside the
    block (eagerly, in the backward pass, and in jit-compiled code).

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> try:
    ...     with ft.debug_nans(True):
    ...         _ = fnp.log(-1.0)
    ... except FloatingPointError as err:
    ...     print(str(err).split(",")[0])
    debug_nans: primitive 'log' produced a NaN
    """
    old = config.read("debug_nans")
    config.update("debug_nans", bool(enabled))
    try:
        yield
    finally:
        config.update("debug_nans", old)


@contextlib.contextmanager
def debug_infs(enabled: bool = True) -> Iterator[None]:
    """Like :func:`debug_nans`, for infinities."""
    old = config.read("debug_infs")
    config.update("debug_infs", bool(enabled))
    try:
        yield
    finally:
        config.update("debug_infs", old)


# ---------------------------------------------------------------------------------------------
# Leak checker
# ---------------------------------------------------------------------------------------------


class LeakedTracerError(FtransError, RuntimeError):
    """A tracer was still referenced after the transformation that created it had finished."""


class _TraceInfo:
    __slots__ = ("description", "function", "call_site", "trace_type")

    def __init__(self, trace: Trace, frame: types.FrameType) -> None:
        self.description = trace.description
        self.trace_type = type(trace).__name__
        self.function = _transformed_function(frame)
        self.call_site = _where(_user_frame(frame))

    def __str__(self) -> str:
        return (f"the {self.description} transformation ({self.trace_type}) of {self.function}, "
                f"started at {self.call_site}")


# the names ftrans's own frames give the user's function (api: fun; lax: f, body_fun, ...)
_FUNCTION_NAMES = ("fun", "f", "body_fun", "cond_fun", "fwd", "bwd", "jvp")


def _transformed_function(frame: types.FrameType | None) -> str:
    """The user's function that the transformation starting here applies to: the nearest
    ``fun`` variable of an ftrans frame that is not ftrans's own code."""
    fallback = None
    while frame is not None and _is_library_frame(frame):
        code = frame.f_code
        names = [n for n in _FUNCTION_NAMES if n in code.co_varnames or n in code.co_freevars
                 or n in code.co_cellvars]
        if not names:
            frame = frame.f_back
            continue
        local = frame.f_locals
        fun = next((local[n] for n in names if callable(local.get(n))), None)
        if fun is not None:
            code = getattr(fun, "__code__", None)
            name = getattr(fun, "__qualname__", getattr(fun, "__name__", type(fun).__name__))
            if code is None:
                fallback = fallback or name
            elif not code.co_filename.startswith(_PACKAGE_DIR):
                return f"{name} ({code.co_filename}:{code.co_firstlineno})"
        frame = frame.f_back
    return fallback or "an internal function"


class _Pending(threading.local):
    def __init__(self) -> None:
        self.traces: list[tuple[weakref.ref, _TraceInfo]] = []
        self.running: dict[int, _TraceInfo] = {}
        # finished traces whose tracers were still alive at a quiet moment (often held only
        # by an exception a caller keeps): examined at the end of the block
        self.deferred: list[tuple[weakref.ref, _TraceInfo]] = []
        _all_pending.append((threading.current_thread(), self.traces))
        _all_pending.append((threading.current_thread(), self.deferred))


_all_pending: list[tuple[threading.Thread, list]] = []
_pending = _Pending()


class _LeakHook:
    """What ``core.new_trace`` calls while the leak checker is on."""

    @staticmethod
    def started(trace: Trace) -> None:
        state = _pending
        if not state.running and state.traces:  # none running in this thread: a quiet moment
            _check_quietly(state)
        state.running[id(trace)] = _TraceInfo(trace, sys._getframe(2))

    @staticmethod
    def finished(trace: Trace) -> None:
        # examined later, once the frames that ran the transformation have returned
        info = _pending.running.pop(id(trace), None)
        if info is not None:
            _pending.traces.append((weakref.ref(trace), info))


def _install_leak_checker(on: bool) -> None:
    core.trace_hook = _LeakHook if on else None


config.on_update("checking_leaks", _install_leak_checker)


def check_leaks() -> None:
    """Examine the finished transformations of this thread (and of threads that have ended)
    and raise :class:`LeakedTracerError` if any tracer of theirs is still referenced."""
    own = [_pending.traces, _pending.deferred]
    lists = list(own)
    for thread, traces in list(_all_pending):
        if not thread.is_alive() and not any(traces is o for o in own):
            lists.append(traces)
    _all_pending[:] = [(t, tr) for t, tr in _all_pending if t.is_alive()
                       or any(tr is o for o in own)]
    merged = []
    for traces in lists:
        merged.extend(traces)
        traces.clear()
    _check_list(merged)


_MAX_DEFERRED = 256


def _check_quietly(state: _Pending) -> None:
    """The cheap part of the check between transformations: traces whose tracers are gone
    are dropped, the others deferred to the end of the block, where one garbage collection
    and the search for holders (a scan of the whole heap per step) run once. Too many
    deferred (a loop that leaks, or cycles the collector has not freed yet): check now."""
    state.deferred.extend((ref, info) for ref, info in state.traces if ref() is not None)
    state.traces.clear()
    if len(state.deferred) > _MAX_DEFERRED:
        _check_list(state.deferred)


def _check_list(traces: list[tuple[weakref.ref, _TraceInfo]]) -> None:
    alive = [(ref, info) for ref, info in traces if ref() is not None]
    traces.clear()
    if not alive:
        return
    gc.collect()
    alive = [(ref, info) for ref, info in alive if ref() is not None]
    if not alive:
        return
    report = _find_leaks({id(ref()): info for ref, info in alive})
    if report:
        raise LeakedTracerError(report)


def _find_leaks(infos: dict[int, _TraceInfo]) -> str:
    found: list[Tracer] = []
    for obj in gc.get_objects():
        if isinstance(obj, Tracer) and id(obj._trace) in infos:
            found.append(obj)
    if not found:
        return ""
    stack = _stack_frames()
    ignore = {id(found), id(sys._getframe()), id(stack)}
    lines = []
    count = 0
    unexamined = 0
    for i, tracer in enumerate(found):
        if count == 5:  # enough to show; each search scans the heap, so stop here
            unexamined = len(found) - i
            break
        holders = _holders(tracer, stack, ignore)
        if not holders:
            continue
        count += 1
        info = infos[id(tracer._trace)]
        lines.append(f"  {tracer!r} of {info}:\n    " + "\n    and ".join(holders))
    del found
    if not count:
        return ""
    more = f"\n  ... and up to {unexamined} more" if unexamined else ""
    return (f"{count} tracer(s) outlived their transformation:\n" + "\n".join(lines) + more +
            "\nA value computed inside a transformed function must be returned from it, not "
            "stored in a global, an attribute, a closure or a list that outlives the call.")


def _stack_frames() -> set[int]:
    ids = set()
    for frame in sys._current_frames().values():
        while frame is not None:
            ids.add(id(frame))
            frame = frame.f_back
    return ids


_TRANSPARENT = (list, tuple, dict, set, frozenset, types.CellType, types.MethodType, Tracer)


def _holders(tracer: Tracer, stack: set[int], ignore: set[int], limit: int = 8) -> list[str]:
    """Descriptions of what keeps ``tracer`` alive, other than ftrans frames still running
    and exception tracebacks: a walk up the referrers through containers."""
    results: list[str] = []
    seen = set(ignore)
    frontier: list[tuple[Any, str]] = [(tracer, "the tracer")]
    local_ignore: list[Any] = [frontier]
    for _ in range(limit):
        if not frontier:
            break
        next_frontier: list[tuple[Any, str]] = []
        local_ignore.append(next_frontier)
        # one scan of the heap per level (gc.get_referrers walks every object): the
        # referrers of the whole frontier at once, then which member each one refers to
        paths = {id(obj): (obj, path) for obj, path in frontier}
        referrers = gc.get_referrers(*[obj for obj, _ in frontier])
        local_ignore.append(referrers)
        ids = {id(x) for x in local_ignore} | {id(sys._getframe()), id(paths)}
        for ref in referrers:
            if id(ref) in seen or id(ref) in ids:
                continue
            seen.add(id(ref))
            held = [paths[id(r)] for r in gc.get_referents(ref) if id(r) in paths]
            for obj, path in held[:1]:
                desc = _describe(ref, obj)
                if isinstance(ref, types.FrameType):
                    if id(ref) in stack and not _is_library_frame(ref):
                        results.append(f"{path} <- {desc}")
                    continue  # ftrans frames still running, or frames of a traceback
                if isinstance(ref, dict) and _is_namespace(ref):
                    results.append(f"{path} <- {desc}")
                elif isinstance(ref, _TRANSPARENT) or type(ref).__name__ in _INTERNAL or (
                        type(ref).__module__ == "builtins" and not isinstance(ref, _HOLDERS)) \
                        or (isinstance(ref, types.FunctionType)  # ftrans's own closures
                            and ref.__code__.co_filename.startswith(_PACKAGE_DIR)):
                    # containers, iterators, views: whoever holds them holds the tracer
                    next_frontier.append((ref, f"{path} <- {desc}"))
                elif isinstance(ref, (types.TracebackType, weakref.ref)):
                    continue
                else:
                    results.append(f"{path} <- {desc}")
        del referrers, paths
        local_ignore.pop()
        if results:  # the nearest holders name the leak; deeper levels cost a heap scan each
            return results
        frontier = next_frontier
    return results


_HOLDERS = (types.FunctionType, types.BuiltinFunctionType, type, types.ModuleType)

# ftrans objects that hold values while their owner runs (not holders in their own right).
_INTERNAL = {"_GeneratorContextManager", "generator", "Zero", "UndefPrimal"}


def _is_namespace(d: dict) -> bool:
    return "__name__" in d and ("__builtins__" in d or "__module__" in d or "__qualname__" in d)


def _describe(ref: Any, obj: Any) -> str:
    if isinstance(ref, types.FrameType):
        names = [k for k, v in ref.f_locals.items() if v is obj]
        what = f"variable {names[0]!r}" if names else "a variable"
        return f"local {what} of {ref.f_code.co_name} at {_where(ref)}"
    if isinstance(ref, dict):
        keys = [k for k, v in ref.items() if v is obj]
        key = repr(keys[0])[:60] if keys else "?"
        if _is_namespace(ref):
            return f"global variable {key} of module {ref.get('__name__')}"
        return f"dict entry {key}"
    if isinstance(ref, (list, tuple)):
        idx = next((i for i, v in enumerate(ref) if v is obj), "?")
        return f"item {idx} of a {type(ref).__name__}"
    if isinstance(ref, types.CellType):
        return "a closure variable"
    if isinstance(ref, types.FunctionType):
        return (f"function {ref.__qualname__} ({ref.__code__.co_filename}:"
                f"{ref.__code__.co_firstlineno})")
    if isinstance(ref, Tracer):
        return f"{ref!r}"
    attrs = []
    try:
        attrs = [k for k, v in vars(ref).items() if v is obj]
    except TypeError:
        for cls in type(ref).__mro__:
            for slot in getattr(cls, "__slots__", ()):
                if getattr(ref, slot, None) is obj:
                    attrs.append(slot)
    where = f"attribute {attrs[0]!r} of " if attrs else ""
    return f"{where}a {type(ref).__qualname__} object"


@contextlib.contextmanager
def checking_leaks(enabled: bool = True) -> Iterator[None]:
    """Report tracers that outlive their transformation, inside the block.

    Raises :class:`LeakedTracerError` (at the end of the block, or earlier once many
    finished transformations have left live tracers) naming the transformation, the
    function, where it was called and what holds the tracer.

    >>> import ftrans as ft
    >>> saved = []
    >>> try:
    ...     with ft.checking_leaks():
    ...         _ = ft.jit(lambda x: saved.append(x) or x)(1.0)
    ... except ft.LeakedTracerError as err:
    ...     print(str(err).splitlines()[0])
    1 tracer(s) outlived their transformation:
    """
    old = config.read("checking_leaks")
    if not enabled:
        config.update("checking_leaks", False)
        try:
            yield
        finally:
            config.update("checking_leaks", old)
        return
    config.update("checking_leaks", True)
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        try:
            if failed:
                _pending.traces.clear()
                _pending.deferred.clear()
                _pending.running.clear()
            else:
                check_leaks()
        finally:
            config.update("checking_leaks", old)
