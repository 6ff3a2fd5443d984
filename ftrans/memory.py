"""Memory: chunked vectorisation, and estimates of a program's peak memory before it runs.

Two tools for the same worry, running out of memory. ``vmap``, ``jacfwd`` and ``jacrev`` take
``chunk_size=k``: the batch (or the Jacobian's basis) is processed ``k`` members at a time and
the pieces are assembled, so the working set scales with ``k``, not with the batch.
Eagerly the chunks run one after another and are written into one preallocated result; under
an outer transformation they are traced one after another (unrolled) and concatenated.

:func:`memory_estimate` stages a function with ``make_jaxpr`` (nothing runs), optimises the
program as ``jit`` does and simulates the compiled program's buffers: arguments and constants
live throughout, each equation allocates its outputs, a buffer is freed after its last use,
views (reshape, transpose, broadcast, squeeze, slice, rev) cost nothing and share their
operand's buffer, and an elementwise ufunc writes into a dead intermediate of its own type
when the generated code would. See docs/beyond_jax_memory.md.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import ShapedArray, Tracer, current_trace, eval_trace, get_aval
from ftrans.ir import ClosedJaxpr, Literal, Var, programs_in_params
from ftrans.progress import Progress, advance_when_run
from ftrans.tree_util import PyTreeDef, broadcast_prefix, tree_flatten, tree_unflatten

__all__ = ["memory_estimate", "MemoryEstimate", "EquationMemory", "map_in_chunks",
           "vmap_basis", "basis_rows", "slice_axis"]

# ---------------------------------------------------------------------------------------------
# Chunked vectorisation
# ---------------------------------------------------------------------------------------------


def check_chunk_size(chunk_size: int | None, api: str) -> None:
    if chunk_size is None:
        return
    if (not isinstance(chunk_size, (int, np.integer)) or isinstance(chunk_size, bool)
            or chunk_size < 1):
        raise ValueError(f"{api}: chunk_size must be a positive int or None, got "
                         f"{chunk_size!r}")


def slice_axis(x: Any, axis: int, start: int, stop: int) -> Any:
    """``x[start:stop]`` along ``axis``: a NumPy view for arrays, a ``slice`` for tracers."""
    ndim = get_aval(x).ndim
    axis %= ndim
    if isinstance(x, Tracer):
        from ftrans.lax import slice_in_dim
        return slice_in_dim(x, start, stop, axis=axis)
    return np.asarray(x)[(slice(None),) * axis + (slice(start, stop),)]


def map_in_chunks(run_chunk: Callable[[int, int], Any], size: int, chunk_size: int,
                  out_axes: Any = 0, progress: Progress | None = None) -> Any:
    """Run ``run_chunk(start, stop)`` for consecutive chunks of ``range(size)`` and join the
    outputs along ``out_axes`` (a pytree prefix of the output, as vmap's; ``None`` leaves are
    taken from the first chunk). NumPy outputs go into one preallocated array per leaf, so
    only one chunk's working set is alive at a time; tracers are concatenated. ``progress``
    is told of each chunk done (ftrans.progress)."""
    starts = list(range(0, size, chunk_size))
    out_tree: PyTreeDef | None = None  # set by the first chunk
    axes: list[Any] = []
    buffers: list[Any] = []   # per leaf: a NumPy array being filled, or a list of pieces
    for start in starts:
        stop = min(start + chunk_size, size)
        out = run_chunk(start, stop)
        advance_when_run(progress, stop - start)
        leaves, tree = tree_flatten(out)
        if out_tree is None:
            out_tree = tree
            axes = broadcast_prefix(out_axes, out)
            for leaf, ax in zip(leaves, axes):
                buffers.append(_new_buffer(leaf, ax, size, start == 0 and stop == size))
        for i, (leaf, ax) in enumerate(zip(leaves, axes)):
            if ax is None:
                continue
            target = buffers[i]
            if isinstance(target, np.ndarray) and not isinstance(leaf, Tracer):
                ax_norm = ax % target.ndim
                target[(slice(None),) * ax_norm + (slice(start, stop),)] = leaf
            else:
                if isinstance(target, np.ndarray):  # a tracer after arrays: switch to pieces
                    done = slice_axis(target, ax, 0, start)
                    target = buffers[i] = [done] if start else []
                target.append(leaf)
    results = []
    for buffer, ax in zip(buffers, axes):
        if isinstance(buffer, list):
            from ftrans.lax import concatenate
            ndim = get_aval(buffer[0]).ndim
            buffer = buffer[0] if len(buffer) == 1 else concatenate(buffer, ax % ndim)
        results.append(buffer)
    assert out_tree is not None, "map_in_chunks needs size >= 1"  # callers chunk only then
    return tree_unflatten(out_tree, results)


def _new_buffer(leaf: Any, ax: int | None, size: int, whole: bool) -> Any:
    if ax is None:
        return leaf
    if isinstance(leaf, Tracer) or whole:
        return [] if isinstance(leaf, Tracer) or not whole else [leaf]
    aval = get_aval(leaf)
    ax_norm = ax % aval.ndim
    shape = aval.shape[:ax_norm] + (size,) + aval.shape[ax_norm + 1:]
    return np.empty(shape, aval.dtype)


def basis_rows(aval: ShapedArray, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` of the identity on ``aval``'s elements: shape
    ``(stop - start, *aval.shape)``."""
    rows = np.zeros((stop - start, aval.size), aval.dtype)
    rows[np.arange(stop - start), np.arange(start, stop)] = 1
    return rows.reshape((stop - start,) + aval.shape)


def vmap_basis(fun: Callable[[Any], Any], aval: ShapedArray, chunk_size: int | None,
               out_axes: Any = 0, progress: Progress | None = None) -> Any:
    """``vmap(fun, out_axes=out_axes)`` over the standard basis of ``aval`` (for jacfwd and
    jacrev); with ``chunk_size`` the basis is made and used a chunk at a time, each chunk
    reported to ``progress``."""
    from ftrans.api import vmap
    batched = vmap(fun, out_axes=out_axes)
    if chunk_size is None or chunk_size >= aval.size:
        out = batched(basis_rows(aval, 0, aval.size))
        advance_when_run(progress, aval.size)
        return out
    # Under a transformation (jit, make_jaxpr, ...), the rows are computed by the program, so
    # the unrolled chunks do not hold the whole basis as constants.
    rows = basis_rows if current_trace() is eval_trace else _computed_basis_rows
    return map_in_chunks(lambda start, stop: batched(rows(aval, start, stop)),
                         aval.size, chunk_size, out_axes, progress)


def _computed_basis_rows(aval: ShapedArray, start: int, stop: int) -> Any:
    from ftrans import lax
    rows = lax.add(lax.broadcasted_iota(np.int64, (stop - start, 1), 0), np.int64(start))
    columns = lax.broadcasted_iota(np.int64, (1, aval.size), 1)
    ones = lax.convert_element_type(lax.eq(rows, columns), aval.dtype)  # eq broadcasts
    return lax.reshape(ones, (stop - start,) + aval.shape)


# ---------------------------------------------------------------------------------------------
# Memory estimates
# ---------------------------------------------------------------------------------------------

# Primitives whose NumPy implementation returns a view of its (first) operand.
@functools.cache
def _view_primitives() -> frozenset:
    """Primitives whose NumPy implementation returns a view of its first input (no new
    buffer). Keyed by Primitive, so that a renamed primitive cannot silently drop out."""
    from ftrans.lax import elementwise, indexing, structural
    return frozenset({structural.reshape_p, structural.transpose_p,
                      structural.broadcast_in_dim_p, structural.squeeze_p, indexing.slice_p,
                      structural.rev_p, elementwise.stop_gradient_p})


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
    from ftrans.api import make_jaxpr

    @functools.wraps(fun)
    def estimate(*args: Any, **kwargs: Any) -> MemoryEstimate:
        # abstract arguments (ShapedArray, ShapeDtypeStruct) are accepted by make_jaxpr
        closed = make_jaxpr(fun, static_argnums)(*args, **kwargs)
        return estimate_jaxpr(closed)
    return estimate


def estimate_jaxpr(closed: ClosedJaxpr, optimize: bool = True) -> MemoryEstimate:
    """The :class:`MemoryEstimate` of a staged program (optimised first, as jit does)."""
    if optimize:
        from ftrans.compile import optimize as optimize_program
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
    from ftrans.compile import _is_ufunc_primitive, _last_uses, _reusable_input
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
    for i, (eqn, dying) in enumerate(zip(jaxpr.eqns, _last_uses(jaxpr))):
        is_view = eqn.primitive in views
        allocated = 0
        first = eqn.inputs[0] if eqn.inputs else None
        reuse = _reusable_input(eqn, dying, owned) if eqn.outvars else None
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
        if _is_ufunc_primitive(eqn.primitive):
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
