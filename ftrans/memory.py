"""Memory estimates: a program's peak memory, before it runs.

:func:`memory_estimate` stages a function with ``make_jaxpr`` (nothing runs), optimises the
program as ``jit`` does and simulates the compiled program's buffers: arguments and constants
live throughout, each equation allocates its outputs, a buffer is freed after its last use,
views (reshape, transpose, broadcast, squeeze, slice, rev) cost nothing and share their
operand's buffer, and an elementwise ufunc writes into a dead intermediate of its own type
when the generated code would, by the compiler's own buffer model
(``ftrans.compile.buffers``). Chunked vectorisation is in ``ftrans.api_vmap``. See
docs/beyond_jax_memory.md.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

from ftrans.compile.tables import views
from ftrans.core import ShapedArray
from ftrans.ir import ClosedJaxpr, Literal, Var, programs_in_params
from ftrans.api import make_jaxpr
from ftrans.compile.buffers import (
    is_ufunc_primitive, last_uses, lowered_impl, reusable_input,
)
from ftrans.compile import optimize as optimize_program

__all__ = ["memory_estimate", "MemoryEstimate", "EquationMemory"]


# ---------------------------------------------------------------------------------------------
# Memory estimates
# ---------------------------------------------------------------------------------------------

def _view_primitives() -> frozenset:
    """Primitives whose NumPy implementation returns a view of its first input (no new
    buffer): the compiler's ``views`` table, keyed by Primitive and filled in each
    primitive's block."""
    return frozenset(views)


def _nbytes(aval: ShapedArray) -> int:
    return aval.size * aval.dtype.itemsize


def _format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


class EquationMemory:
    """One equation of the simulated program: what it allocates and what is alive."""

    __slots__ = ("index", "primitive", "out_types", "allocated_bytes", "live_bytes",
                 "freed_bytes")

    def __init__(self, index: int, primitive: str, out_types: str, allocated_bytes: int,
                 live_bytes: int, freed_bytes: int):
        self.index = index
        self.primitive = primitive
        self.out_types = out_types
        self.allocated_bytes = allocated_bytes  # new buffers for its outputs (0 for views)
        self.live_bytes = live_bytes            # alive while it runs: inputs, outputs, the rest
        self.freed_bytes = freed_bytes          # released right after it (last uses)

    def __repr__(self) -> str:
        return (f"EquationMemory({self.index}: {self.primitive} -> {self.out_types}, "
                f"allocates {_format_bytes(self.allocated_bytes)}, "
                f"live {_format_bytes(self.live_bytes)})")


class MemoryEstimate:
    """The simulated memory of a staged program: ``peak_bytes`` and a per-equation
    breakdown (``equations``, a list of :class:`EquationMemory`)."""

    def __init__(self, jaxpr: ClosedJaxpr, peak_bytes: int, argument_bytes: int,
                 constant_bytes: int, output_bytes: int, equations: list[EquationMemory],
                 peak_index: int | None):
        self.jaxpr = jaxpr
        self.peak_bytes = peak_bytes
        self.argument_bytes = argument_bytes
        self.constant_bytes = constant_bytes
        self.output_bytes = output_bytes
        self.equations = equations
        self.peak_index = peak_index

    @property
    def peak_equation(self) -> EquationMemory | None:
        return None if self.peak_index is None else self.equations[self.peak_index]

    def __repr__(self) -> str:
        return f"MemoryEstimate(peak_bytes={self.peak_bytes})"

    def __str__(self) -> str:
        peak = self.peak_equation
        where = "" if peak is None else f" at equation {peak.index} ({peak.primitive})"
        lines = [
            f"peak {_format_bytes(self.peak_bytes)}{where} over {len(self.equations)} "
            f"equations; arguments {_format_bytes(self.argument_bytes)}, constants "
            f"{_format_bytes(self.constant_bytes)}, outputs {_format_bytes(self.output_bytes)}",
        ]
        if self.equations:
            top = sorted(self.equations, key=lambda e: -e.live_bytes)[:8]
            lines.append(f"{'#':>6}  {'primitive':<20} {'output':<24} {'allocates':>11} "
                         f"{'live':>11}")
            for e in sorted(top, key=lambda e: e.index):
                mark = "  <- peak" if e.index == self.peak_index else ""
                types = e.out_types if len(e.out_types) <= 24 else e.out_types[:21] + "..."
                lines.append(f"{e.index:>6}  {e.primitive:<20} {types:<24} "
                             f"{_format_bytes(e.allocated_bytes):>11} "
                             f"{_format_bytes(e.live_bytes):>11}{mark}")
        return "\n".join(lines)


def memory_estimate(fun: Callable, static_argnums: int | Sequence[int] = ()
                    ) -> Callable[..., MemoryEstimate]:
    """A function that traces ``fun`` at its arguments' shapes (running nothing) and returns
    the estimated peak memory of its compiled program.

    Arguments (held by the caller) and constants count for the whole run; each equation
    allocates its outputs, freed after their last use; views are free; elementwise ufuncs
    reuse dead intermediates of their type as the generated code does. Temporaries inside a
    primitive's NumPy implementation are not modelled; programs held by control-flow
    primitives count as their outputs plus their own peak while they run.

    Returns:
      A function taking ``fun``'s arguments (arrays, or abstract ``ShapedArray`` /
      ``ShapeDtypeStruct`` values for sizes too large to allocate) and returning a
      :class:`MemoryEstimate` with ``peak_bytes`` and a per-equation breakdown (printable).

    >>> import ftrans as ft, numpy as np
    >>> est = ft.memory_estimate(lambda x: (x * 2.0).sum())(np.ones(1000))
    >>> est.peak_bytes  # the argument and one temporary of 1000 float64
    16008
    """

    @functools.wraps(fun)
    def estimate(*args: Any, **kwargs: Any) -> MemoryEstimate:
        # abstract arguments (ShapedArray, ShapeDtypeStruct) are accepted by make_jaxpr
        closed = make_jaxpr(fun, static_argnums)(*args, **kwargs)
        return estimate_jaxpr(closed)
    return estimate


def estimate_jaxpr(closed: ClosedJaxpr, optimize: bool = True) -> MemoryEstimate:
    """The :class:`MemoryEstimate` of a staged program (optimised first, as jit does)."""
    if optimize:
        closed = optimize_program(closed)
    return _simulate(closed)


def _inner_peak(params: dict) -> int:
    """Extra memory of the programs an equation holds (cond branches, loop bodies): the
    largest peak among them, minus their arguments (which are the equation's inputs)."""
    extra = 0
    for program in programs_in_params(params):
        inner = _simulate(program if isinstance(program, ClosedJaxpr)
                          else ClosedJaxpr(program, []))
        extra = max(extra, inner.peak_bytes - inner.argument_bytes)
    return extra


def _simulate(closed: ClosedJaxpr) -> MemoryEstimate:
    jaxpr = closed.jaxpr
    buffer_of: dict[Var, int] = {}     # variable -> buffer id (views share their operand's)
    size_of: dict[int, int] = {}       # buffer id -> bytes
    users: dict[int, int] = {}         # buffer id -> number of live variables viewing it
    pinned: set[int] = set()           # arguments and constants: never freed, never reused
    live = 0

    def new_buffer(v: Var, nbytes: int, pin: bool = False) -> None:
        nonlocal live
        b = len(size_of)
        size_of[b] = nbytes
        users[b] = 1
        buffer_of[v] = b
        live += nbytes
        if pin:
            pinned.add(b)

    argument_bytes = constant_bytes = 0
    for v in jaxpr.constvars:
        new_buffer(v, _nbytes(v.aval), pin=True)
        constant_bytes += _nbytes(v.aval)
    for v in jaxpr.invars:
        if v not in buffer_of:
            new_buffer(v, _nbytes(v.aval), pin=True)
            argument_bytes += _nbytes(v.aval)
    owned: set[Var] = set()            # intermediates a ufunc may overwrite when dead
    used = {x for eqn in jaxpr.eqns for x in eqn.inputs if type(x) is Var}
    used.update(x for x in jaxpr.outvars if type(x) is Var)
    equations: list[EquationMemory] = []
    views = _view_primitives()
    peak, peak_index = live, None
    for i, (eqn, dying) in enumerate(zip(jaxpr.eqns, last_uses(jaxpr))):
        is_view = eqn.primitive in views
        allocated = 0
        first = eqn.inputs[0] if eqn.inputs else None
        reuse = reusable_input(eqn, dying, owned, lowered_impl(eqn)) if eqn.outvars else None
        if is_view and type(first) is Var and len(eqn.outvars) == 1:
            b = buffer_of[first]
            buffer_of[eqn.outvars[0]] = b
            users[b] += 1
        elif is_view and type(first) is Literal:  # a view of a scalar literal
            new_buffer(eqn.outvars[0], 0)
        elif reuse is not None:
            b = buffer_of[reuse]
            buffer_of[eqn.outvars[0]] = b
            users[b] += 1
        else:
            for v in eqn.outvars:
                new_buffer(v, _nbytes(v.aval))
                allocated += _nbytes(v.aval)
        running = live + _inner_peak(eqn.params)
        if is_ufunc_primitive(eqn.primitive):
            if eqn.outvars[0].aval.ndim > 0:
                owned.add(eqn.outvars[0])
        else:  # as the generated code: an input a view may share is never overwritten
            owned.difference_update(x for x in eqn.inputs if type(x) is Var)
        freed = 0
        for v in dying:
            b = buffer_of.get(v)
            if b is None:
                continue
            users[b] -= 1
            if users[b] == 0 and b not in pinned:
                live -= size_of[b]
                freed += size_of[b]
        for v in eqn.outvars:  # outputs never used and not returned die at once
            if v not in used:
                b = buffer_of[v]
                users[b] -= 1
                if users[b] == 0 and b not in pinned:
                    live -= size_of[b]
                    freed += size_of[b]
        types = " ".join(v.aval.str_short() for v in eqn.outvars)
        equations.append(EquationMemory(i, eqn.primitive.name, types, allocated, running, freed))
        if running > peak:
            peak, peak_index = running, i
    output_bytes = sum(_nbytes(x.aval) for x in jaxpr.outvars if type(x) is Var)
    output_bytes += sum(_nbytes(x.aval) for x in jaxpr.outvars if type(x) is Literal)
    return MemoryEstimate(closed, peak, argument_bytes, constant_bytes, output_bytes,
                          equations, peak_index)
