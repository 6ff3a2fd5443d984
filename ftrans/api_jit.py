"""jit: trace once per argument signature, cache, and run compiled programs.

The user-facing half of jit: the cache (weak per function, bounded, least recently used first
out), static arguments, the fast path of a cached call, ``disable_jit``, and ``lower`` /
``compile`` for reading the optimised program and its generated source. The call primitive and
its rules are in ``ftrans.lax.call``; the back end in ``ftrans.compile``. See
docs/internals.md, "jit".
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterator, ParamSpec, Sequence, overload

import numpy as np

from ftrans.api import trace_to_jaxpr
from ftrans.api_util import check_callable, flatten_args, fun_name, writable
from ftrans.core import (
    NUMPY_SCALAR_AVALS, ShapedArray, current_trace, eval_trace, get_aval,
    pause_gc, resume_gc,
)
from ftrans.interpreters.staging import lift_tracer_consts
from ftrans.ir import ClosedJaxpr
from ftrans.pickling import WrappedFunction
from ftrans.tree_util import PyTreeDef, tree_structure, tree_unflatten
from ftrans.api_jit_call import PYTHON_TO_NUMPY, generated_call
from ftrans.zero_cotangent import zero_cotangent_enabled
from ftrans.config import config, jit_enabled
from ftrans.compile import compile_jaxpr, compiled, generate, optimize
from ftrans.compile.execute import Tiered
from ftrans.compile.plan import Compact
from ftrans.lax.call import jit_p

__all__ = [
    "Compiled", "Lowered", "clear_caches", "debug_jit_outputs", "disable_jit", "jit",
    "jit_cache_info",
]

_MAX_ENTRIES_PER_FUNCTION = 64
# Programs longer than this (equations) are kept compactly until a transformation needs them.
# Encoding costs the first call about 1.5 µs an equation (a fifth more), worth it where the
# traced program alone holds tens of megabytes (about 50 MB at 200,000 equations).
_KEEP_COMPACT_ABOVE = 200_000


class _JitEntry:
    """One traced signature of a jitted function: its program and output structure.

    ``last_used`` is a tick of the caches' clock: it orders a function's own entries (at most
    ``_MAX_ENTRIES_PER_FUNCTION``, so finding the oldest is a bounded scan); the global order
    of all entries is the caches' ``lru``. A long program traced to be run is kept in its
    compact form (``compact``), which its first call runs and its second compiles; ``jaxpr``
    rebuilds the program from it the first time a transformation needs it."""

    __slots__ = ("_jaxpr", "compact", "out_tree", "program", "last_used", "single_output",
                 "calls", "__weakref__")

    def __init__(self, jaxpr: ClosedJaxpr | None, out_tree: PyTreeDef,
                 compact: Compact | None = None):
        self._jaxpr = jaxpr
        self.compact = compact
        self.out_tree = out_tree
        self.program: Callable[..., list[Any]] | None = None  # compiled at the first call
        self.last_used = 0
        self.single_output = out_tree.num_leaves == 1 and out_tree.num_nodes == 1
        # leaf types -> the maker of the generated call of the compiled program for them
        # (generated_call; None where the arguments have a structure it does not unpack)
        self.calls: dict[tuple, Callable[[Callable[..., Any]], Callable[..., Any]] | None] \
            | None = None

    @property
    def jaxpr(self) -> ClosedJaxpr:
        jaxpr = self._jaxpr
        if jaxpr is None:
            compact = self.compact
            assert compact is not None  # one of the two is always set
            pause_gc()
            try:
                jaxpr = compact.rebuild()
            finally:
                resume_gc()
            # threads rebuilding it together all use the first one stored
            if self._jaxpr is None:
                self._jaxpr = jaxpr
            else:
                jaxpr = self._jaxpr
        return jaxpr


class _Table(dict):
    """One function's entries (signature key -> entry) and ``users``, the jitted functions of
    this function, each of which may call a generated call of one of the entries directly
    (``JitFunction``; the call's ``entry`` names its entry). Whenever an entry leaves the
    table (under the caches' lock), the users' calls of it are dropped, so they never name an
    evicted program."""

    __slots__ = ("users", "__weakref__")

    def __init__(self) -> None:
        super().__init__()
        self.users: weakref.WeakSet[JitFunction] = weakref.WeakSet()

    def drop_calls(self, entry: _JitEntry | None = None) -> None:
        """The users' direct calls of ``entry`` (of every entry: None) are dropped: those
        users' calls take the general path again."""
        for user in list(self.users):
            if entry is None or getattr(user._call, "entry", None) is entry:
                user._call = user._general


class _JitCaches:
    """Traced programs per user function: held weakly (a dead function frees its entries),
    bounded per function and in total (config "jit_cache_size"); the least recently used
    entries are evicted first, in constant time: ``lru`` orders every entry (least recently
    used first), each with its table and key."""

    def __init__(self) -> None:
        self.weak: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.strong: dict[int, tuple[Any, _Table]] = {}
        # reentrant: a function dying while the lock is held (an evicted program was the last
        # holder of one) runs _forget on this thread
        self.lock = threading.RLock()
        self.clock = itertools.count(1)
        self.lru: OrderedDict[_JitEntry, tuple[_Table, Any]] = OrderedDict()
        # the entry last inserted or hit, i.e. the last of lru (when it is still cached): a
        # repeated hit of it leaves the order as it is, so it costs no bookkeeping
        self.mru: _JitEntry | None = None

    def tables(self) -> list[_Table]:
        return list(self.weak.values()) + [t for _, t in self.strong.values()]

    def insert(self, table: _Table, key: Any, entry: _JitEntry) -> None:
        """Add an entry, then evict least recently used ones over the bounds."""
        entry.last_used = next(self.clock)
        lru = self.lru
        with self.lock:
            replaced = table.get(key)  # another thread traced the same signature meanwhile
            if replaced is not None:
                lru.pop(replaced, None)
                self._removed(table, replaced)
            table[key] = entry
            lru[entry] = (table, key)
            self.mru = entry
            if len(table) > _MAX_ENTRIES_PER_FUNCTION:
                oldest = table.pop(min(table, key=lambda k: table[k].last_used))
                lru.pop(oldest, None)
                self._removed(table, oldest)
            limit = config.read("jit_cache_size")
            while len(lru) > limit:
                oldest, (oldest_table, oldest_key) = lru.popitem(last=False)
                if oldest_table.get(oldest_key) is oldest:
                    del oldest_table[oldest_key]
                self._removed(oldest_table, oldest)

    def _removed(self, table: _Table, entry: _JitEntry | None) -> None:
        """``entry`` left the cache (the caller holds the lock): nothing remembers it."""
        if entry is not None:
            table.drop_calls(entry)
        if self.mru is entry:
            self.mru = None

    def hit(self, entry: _JitEntry) -> None:
        entry.last_used = next(self.clock)
        try:
            self.lru.move_to_end(entry)
            self.mru = entry
        except KeyError:  # evicted by another thread meanwhile: this call still runs it
            pass

    def remember(self, table: _Table, key: Any, entry: _JitEntry,
                 make: Callable[..., Any], user: JitFunction) -> None:
        """Make the generated call ``make`` makes (``entry``'s) the one ``user`` calls
        directly, if ``entry`` is still cached (checked under the lock, so that an eviction
        meanwhile is not undone)."""
        with self.lock:
            if table.get(key) is entry:
                table.users.add(user)
                user._call = make(user._general)

    def drop_calls(self) -> None:
        """Every jitted function takes the general path at its next call (debug_nans and
        debug_infs turned on or off), keeping the traced programs."""
        with self.lock:
            for table in self.tables():
                table.drop_calls()

    def _forget(self, table: _Table) -> None:
        """A jitted function died: its entries leave the global order."""
        with self.lock:
            for entry in table.values():
                self.lru.pop(entry, None)
                if self.mru is entry:
                    self.mru = None
            table.clear()
            table.drop_calls()

    def for_function(self, fun: Callable) -> _Table:
        try:
            table = self.weak.get(fun)  # the common case needs no lock: lookups are atomic
        except TypeError:  # not weakly referenceable (a NumPy ufunc, a builtin)
            table = None
        if table is not None:
            return table
        with self.lock:
            try:
                table = self.weak.get(fun)
                if table is None:
                    table = self.weak[fun] = _Table()
                    weakref.finalize(fun, self._forget, table).atexit = False
                return table
            except TypeError:  # not weakly referenceable (a builtin): keep it alive with us
                held = self.strong.get(id(fun))
                if held is None:
                    held = self.strong[id(fun)] = (fun, _Table())
                return held[1]

    def info(self) -> dict[str, int]:
        tables = [t for t in self.tables() if t]
        return {"functions": len(tables), "entries": sum(len(t) for t in tables)}

    def clear(self) -> None:
        # tables are emptied in place: jitted functions keep a reference to their own
        with self.lock:
            for table in self.tables():
                table.clear()
                table.drop_calls()
            self.lru.clear()
            self.mru = None


_jit_caches = _JitCaches()


@contextlib.contextmanager
def disable_jit(disable: bool = True) -> Iterator[None]:
    """Run jitted functions as plain Python inside the block (for debugging with print,
    breakpoints and concrete values).

    >>> import ftrans as ft
    >>> with ft.disable_jit():
    ...     ft.jit(lambda x: float(x) + 1.0)(1.0)
    2.0
    """
    token = jit_enabled.set(not disable)
    try:
        yield
    finally:
        jit_enabled.reset(token)


def jit_cache_info() -> dict[str, int]:
    """How many functions have traced programs cached, and how many programs in total."""
    return _jit_caches.info()


def clear_caches() -> None:
    """Drop every cached jit program (they are traced again on next use)."""
    _jit_caches.clear()


_positional_trees: dict[int, PyTreeDef] = {}


def _flat_positional(args: tuple) -> tuple[list[Any], tuple[ShapedArray, ...]] | None:
    """``args`` as jit's flat leaves and their avals when every one is an array or a scalar
    (else None)."""
    flat = []
    avals = []
    for a in args:
        t = type(a)
        scalar_aval = NUMPY_SCALAR_AVALS.get(t)
        if scalar_aval is not None:  # a NumPy scalar: its type is its type
            flat.append(a)
            avals.append(scalar_aval)
            continue
        if t is np.ndarray:
            if a.dtype == object:
                return None
        elif t in PYTHON_TO_NUMPY:
            if t is int and not -(2 ** 63) <= a < 2 ** 63:
                return None  # the general path names the argument in its error
            a = PYTHON_TO_NUMPY[t](a)
        else:  # NumPy scalars of every dtype ftrans has were taken above
            return None
        flat.append(a)
        avals.append(get_aval(a))
    return flat, tuple(avals)


def _code_of(entry: _JitEntry) -> Callable[..., list[Any]] | None:
    """``entry``'s generated code, once it is compiled (then kept in place of its tiered
    program: one call less); None before."""
    program = entry.program
    if type(program) is Tiered and program.program is not None:
        program = entry.program = program.program
    return None if program is None or type(program) is Tiered else program


def _positional_tree(n: int) -> PyTreeDef:
    """The structure jit's general path gives ``n`` positional leaves and no keywords."""
    tree = _positional_trees.get(n)
    if tree is None:
        tree = _positional_trees[n] = tree_structure((tuple(range(n)), {}))
    return tree


P = ParamSpec("P")  # a jitted function has the parameters of the function it compiles


@overload
def jit(fun: Callable[P, Any], static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), *, donate_argnums: Any = (),
        donate_argnames: Any = (), keep_unused: bool = False, inline: bool = False
        ) -> JitFunction[P]: ...
@overload
def jit(fun: None = None, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), *, donate_argnums: Any = (),
        donate_argnames: Any = (), keep_unused: bool = False, inline: bool = False
        ) -> Callable[[Callable[P, Any]], JitFunction[P]]: ...
def jit(fun: Callable | None = None, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), *, donate_argnums: Any = (),
        donate_argnames: Any = (), keep_unused: bool = False, inline: bool = False) -> Any:
    """Compile ``fun``: trace it once per argument signature, optimise the program and run
    generated NumPy code.

    The cache key is the pytree structure, shapes and dtypes of the arguments and the values of
    the static arguments; a new key traces again. Inside other transformations the call is one
    ``jit`` primitive whose program is transformed (and cached) as a whole, so ``grad(jit(f))``
    and ``jit(grad(f))`` both run compiled code. Values closed over are constants of the
    program, fixed when it is traced.

    Args:
      fun: a function of arrays (pytrees) returning arrays (pytrees).
      static_argnums: positions of arguments that are Python values, not traced: they must be
        hashable, and each new value traces again.
      static_argnames: names of keyword arguments treated likewise.
      donate_argnums: accepted for programs written for JAX, without effect (as the next
        three): generated code never writes into a caller's arrays, keeps no unused inputs
        alive, and nested jitted calls are inlined by the compiler anyway.
      donate_argnames: likewise.
      keep_unused: likewise.
      inline: likewise.

    Returns:
      The compiled function; ``.cache_size()`` tells how many signatures it has traced.
      Without ``fun`` (``@jit(static_argnames="n")``), a decorator taking it.

    Raises:
      ConcretizationError: when ``fun`` uses a traced value in Python control flow.
      ValueError: for an unhashable static argument.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> f = ft.jit(lambda x: fnp.sin(x) * 2.0)
    >>> f(0.5)
    np.float64(0.958851077208406)
    """
    if fun is None:  # used as a decorator factory: @jit(static_argnames=...)
        return functools.partial(jit, static_argnums=static_argnums,
                                 static_argnames=static_argnames)
    check_callable(fun, "jit")
    return JitFunction(fun, static_argnums, static_argnames)


class JitFunction(WrappedFunction, Generic[P]):
    """What ``jit(fun)`` returns: ``fun`` compiled, with ``fun``'s name, docstring and
    signature. Calls look up the traced program for the argument signature (tracing on a
    miss); ``cache_size()`` and ``lower(*args)`` inspect it. Pickles as the global it is bound
    to or as ``jit(fun, ...)`` again, never with its traced programs.

    Calling it calls ``_call`` with no frame in between (``__call__`` is that slot, set below
    the class): the generated call of the entry found last (``api_jit_call.generated_call``),
    which hands any call it does not fit to ``_general``, or ``_general`` itself: a cached call
    runs one Python function before the program."""

    __slots__ = ("_call", "_general")

    if TYPE_CHECKING:
        def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Any: ...

    def __init__(self, fun: Callable[P, Any], static_argnums: int | Sequence[int] = (),
                 static_argnames: str | Sequence[str] = ()):
        functools.update_wrapper(self, fun)
        nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
        names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
        self._fun: Callable[..., Any] = fun  # called with rebuilt argument lists
        self._static_spec = (static_argnums, static_argnames)
        self._name = fun_name(fun)
        self._nums, self._names = _static_arguments(fun, nums, names, self._name)
        # this function's cache table, found at the first call without static arguments (its
        # generated calls are only valid for calls whose arguments are all dynamic)
        self._fast_table: _Table | None = None
        self._general: Callable[..., Any] = _general_path(weakref.ref(self))
        self._call: Callable[..., Any] = self._general

    def rebuild(self) -> tuple[Any, tuple]:
        return JitFunction, (self._fun, *self._static_spec)

    def _call_general(self, args: tuple, kwargs: dict[str, Any]) -> Any:
        """A call the generated call does not take (or made before there is one): find or
        trace the entry, run it, and remember its generated call for the next call."""
        fun, nums, names, name = self._fun, self._nums, self._names, self._name
        if not jit_enabled.get():
            return fun(*args, **kwargs)
        table = self._fast_table
        if not kwargs and not nums:
            # positional arrays only: the key without pytree flattening
            positional = _flat_positional(args)
            if positional is not None:
                flat, avals = positional
                zero_wins = zero_cotangent_enabled()
                if table is None:
                    table = self._fast_table = _jit_caches.for_function(fun)
                key = (_positional_tree(len(flat)), avals, (), (), (), zero_wins)
                entry = table.get(key)
                if entry is not None and current_trace() is eval_trace \
                        and debug_jit_outputs is None:
                    code = _code_of(entry)
                    if code is not None:
                        _jit_caches.hit(entry)
                        self._remember_call(table, key, entry, args, code, zero_wins)
                        return tree_unflatten(entry.out_tree, writable(code(*flat)))
        static_pos = tuple(sorted({i % len(args) for i in nums if -len(args) <= i < len(args)}))
        static_values = tuple(args[i] for i in static_pos)
        static_kw = tuple(sorted((k, v) for k, v in kwargs.items() if k in names))
        try:
            hash((static_values, static_kw))
        except TypeError:
            bad = next(v for v in static_values + tuple(v for _, v in static_kw)
                       if not _hashable(v))
            raise ValueError(
                f"jit: static arguments must be hashable, but {name} got a static argument of "
                f"type {type(bad).__name__}. Pass a tuple instead of a list, or make the "
                f"argument a traced array instead of static.") from None
        dynamic = tuple(a for i, a in enumerate(args) if i not in static_pos)
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in names}
        flat, in_tree = flatten_args((dynamic, dyn_kwargs), "jit")
        if not dyn_kwargs and in_tree == _positional_tree(len(flat)):
            in_tree = _positional_tree(len(flat))  # the fast path's key: one shared object
        # the zero-cotangent mode changes the derivative rules traced into the program
        key = (in_tree, tuple(get_aval(x) for x in flat), static_pos, static_values, static_kw,
               zero_cotangent_enabled())
        table = _jit_caches.for_function(fun)
        entry = table.get(key)
        extra: list[Any] = []
        if entry is None:
            def staged(*dyn: Any, **dyn_kw: Any) -> Any:
                it = iter(dyn)
                full = [args[i] if i in static_pos else next(it) for i in range(len(args))]
                return fun(*full, **dyn_kw, **dict(static_kw))
            staged.__name__ = name  # errors about the traced function name the user's
            closed, out_tree = trace_to_jaxpr(staged, dynamic, dyn_kwargs, (), "jit")
            closed, extra = lift_tracer_consts(closed)
            closed = _snapshot_constants(closed)
            if not extra and current_trace() is eval_trace \
                    and len(closed.jaxpr.eqns) > _KEEP_COMPACT_ABOVE:
                pause_gc()
                try:
                    compact = Compact(closed, consume=True)  # never both held whole
                finally:
                    resume_gc()
                del closed
                entry = _JitEntry(None, out_tree, compact)
                entry.program = Tiered(compact, compile_jaxpr)
            else:
                entry = _JitEntry(closed, out_tree)
            if not extra:  # a program closing over another transformation's values is per call
                _jit_caches.insert(table, key, entry)
        else:
            _jit_caches.hit(entry)
        if not extra and current_trace() is eval_trace:
            if entry.program is None:
                entry.program = compiled(entry.jaxpr)
            code = _code_of(entry)
            if code is not None and not nums and not kwargs and debug_jit_outputs is None:
                # pytrees of arrays: the next call of this structure unpacks it directly
                self._remember_call(table, key, entry, args, code, key[-1])
            outs = (entry.program if code is None else code)(*flat)
            if debug_jit_outputs is not None:  # debug_nans / debug_infs is on
                debug_jit_outputs(fun, args, kwargs, outs)
        else:
            outs = jit_p.bind(*extra, *flat, jaxpr=entry.jaxpr, name=name)
        return tree_unflatten(entry.out_tree, writable(outs))

    def _remember_call(self, table: _Table, key: Any, entry: _JitEntry, args: tuple,
                       code: Callable[..., list[Any]], zero_wins: bool) -> None:
        """Make ``entry``'s generated call for arguments like ``args`` the one the next call
        runs, where it takes arguments of their structure."""
        make = generated_call(entry, args, code, zero_wins, _jit_caches)
        if make is not None:
            self._fast_table = table
            _jit_caches.remember(table, key, entry, make, self)

    def cache_size(self) -> int:
        """How many argument signatures have a traced program cached."""
        return len(_jit_caches.for_function(self._fun))

    def lower(self, *args: P.args, **kwargs: P.kwargs) -> Lowered:
        """Trace ``fun`` at these arguments: ``.as_text()`` is the optimised program,
        ``.compile()`` generates its code."""
        fun, nums, names, name = self._fun, self._nums, self._names, self._name
        static_pos = tuple(sorted({i % len(args) for i in nums if -len(args) <= i < len(args)}))
        static_kw = {k: v for k, v in kwargs.items() if k in names}
        dynamic = tuple(a for i, a in enumerate(args) if i not in static_pos)
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in names}

        def staged(*dyn: Any, **dyn_kw: Any) -> Any:
            it = iter(dyn)
            full = [args[i] if i in static_pos else next(it) for i in range(len(args))]
            return fun(*full, **dyn_kw, **static_kw)
        closed, out_tree = trace_to_jaxpr(staged, dynamic, dyn_kwargs, (), "jit")
        closed, extra = lift_tracer_consts(closed)
        closed = _snapshot_constants(closed)
        if extra:
            raise TypeError(f"jit(...).lower: {name} closes over values of an enclosing "
                            f"transformation; lower it outside any transformation")
        _, in_tree = flatten_args((dynamic, dyn_kwargs), "jit")
        return Lowered(closed, in_tree, out_tree, static_pos, tuple(sorted(static_kw)), name)


def _snapshot_constants(closed: ClosedJaxpr) -> ClosedJaxpr:
    """The program with its captured arrays copied: a jitted function uses the values its
    closure held when it was traced (as JAX does), whatever is written into them later."""
    if not any(type(c) is np.ndarray for c in closed.consts):
        return closed
    return ClosedJaxpr(closed.jaxpr, [c.copy() if type(c) is np.ndarray else c
                                      for c in closed.consts])


# A jitted function is called through its `_call` slot (a generated call, or the general path):
# the class's `__call__` is the slot's descriptor, so calling the instance calls what the slot
# holds with the caller's arguments, with no frame of jit's own in between.
JitFunction.__call__ = JitFunction.__dict__["_call"]  # type: ignore[method-assign]


def _general_path(ref: weakref.ReferenceType[JitFunction]) -> Callable[..., Any]:
    """A jitted function's general path as a function of its arguments alone, holding the
    jitted function weakly (held by it, a strong reference would make a cycle that only the
    garbage collector frees, and the function's cache entries with it)."""
    def general(*args: Any, **kwargs: Any) -> Any:
        jitted = ref()
        if jitted is None:
            raise ReferenceError("this jitted function was deleted; keep a reference to the "
                                 "function jit returned, not to its __call__")
        return jitted._call_general(args, kwargs)
    return general


def _static_arguments(fun: Callable, nums: tuple, names: tuple, name: str
                      ) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Check ``static_argnums`` / ``static_argnames`` against ``fun``'s signature and complete
    each from the other, so that a static argument is static whether it is passed by position
    or by name (as in JAX). Functions without a readable signature are taken on trust."""
    for i in nums:
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise TypeError(f"jit: static_argnums must be ints, got {i!r}")
    for n in names:
        if not isinstance(n, str):
            raise TypeError(f"jit: static_argnames must be strings, got {n!r}")
    try:
        signature = inspect.signature(fun)
    except (TypeError, ValueError):
        return tuple(int(i) for i in nums), names
    params = list(signature.parameters.values())
    kinds = inspect.Parameter
    positional = [p for p in params if p.kind in (kinds.POSITIONAL_ONLY,
                                                    kinds.POSITIONAL_OR_KEYWORD)]
    varargs = any(p.kind is kinds.VAR_POSITIONAL for p in params)
    varkw = any(p.kind is kinds.VAR_KEYWORD for p in params)
    npos = len(positional)
    if not varargs:
        bad = [int(i) for i in nums if not -npos <= i < npos]
        if bad:
            raise ValueError(
                f"jit: static_argnums={tuple(int(i) for i in nums)} but {name} takes only "
                f"{npos} positional argument(s), so {bad[0]} is out of range")
    by_name = {p.name: p for p in params if p.kind is not kinds.VAR_POSITIONAL
               and p.kind is not kinds.VAR_KEYWORD}
    unknown = [n for n in names if n not in by_name or by_name[n].kind is kinds.POSITIONAL_ONLY]
    if unknown and not varkw:
        raise ValueError(
            f"jit: static_argnames {unknown[0]!r} is not a parameter of {name} (its "
            f"parameters are {', '.join(by_name) or 'none'}); fix the name or use "
            f"static_argnums for positional-only arguments")
    all_nums = {int(i) for i in nums}
    all_names = list(names)
    for i, p in enumerate(positional):
        if p.name in names and p.kind is kinds.POSITIONAL_OR_KEYWORD:
            all_nums.add(i)
    for i in nums:
        if not varargs or -npos <= i < npos:
            p = positional[int(i) % npos] if npos else None
            if p is not None and p.kind is kinds.POSITIONAL_OR_KEYWORD and p.name not in names:
                all_names.append(p.name)
    if not varargs:  # one position, one meaning: -1 and npos - 1 are the same argument
        all_nums = {i % npos for i in all_nums}
    return tuple(sorted(all_nums)), tuple(all_names)


# Set by ftrans.debugging while debug_nans / debug_infs is on: checks compiled outputs.
debug_jit_outputs: Callable[..., None] | None = None


class Lowered:
    """A jitted function traced at one signature (``jit(f).lower(*args)``).

    >>> import ftrans as ft
    >>> lowered = ft.jit(lambda x: x * 1.0 + 2.0).lower(1.0)
    >>> print(lowered.as_text())
    { lambda ; a:f64[]. let
        b:f64[] = add a 2.0
      in (b,) }
    >>> lowered.compile()(3.0)
    np.float64(5.0)
    """

    def __init__(self, closed: ClosedJaxpr, in_tree: PyTreeDef, out_tree: PyTreeDef,
                 static_pos: tuple[int, ...], static_names: tuple[str, ...], name: str):
        self.jaxpr = closed
        self.optimized = optimize(closed)
        self.in_tree = in_tree
        self.out_tree = out_tree
        self.static_pos = static_pos
        self.static_names = static_names
        self.name = name

    def as_text(self) -> str:
        """The optimised program, printed."""
        return str(self.optimized)

    def compile(self) -> Compiled:
        """Generate the program's Python code."""
        return Compiled(self)


class Compiled:
    """Generated code for a :class:`Lowered` program; call it with the same kinds of arguments
    (static ones included, which are ignored: they were fixed when lowering)."""

    def __init__(self, lowered: Lowered):
        self.lowered = lowered
        self.program = generate(lowered.optimized)

    def __reduce__(self) -> tuple:
        # generated code does not pickle: the program travels and is generated again
        return Compiled, (self.lowered,)

    def as_text(self) -> str:
        """The generated Python source."""
        return self.program.source  # type: ignore[attr-defined]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        low = self.lowered
        dynamic = tuple(a for i, a in enumerate(args) if i not in low.static_pos)
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in low.static_names}
        flat, in_tree = flatten_args((dynamic, dyn_kwargs), "jit")
        avals = [get_aval(x) for x in flat]
        if in_tree != low.in_tree or avals != low.jaxpr.in_avals:
            raise TypeError(f"compiled {low.name}: arguments of types "
                            f"{[a.str_short() for a in avals]} do not match the lowered "
                            f"program's {[a.str_short() for a in low.jaxpr.in_avals]}")
        return tree_unflatten(low.out_tree, writable(self.program(*flat)))


def _hashable(x: Any) -> bool:
    try:
        hash(x)
        return True
    except TypeError:
        return False
