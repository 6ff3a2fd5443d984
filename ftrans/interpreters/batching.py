"""Batching (vmap): run a function written for one example on a whole batch at once.

A :class:`BatchTracer` carries a value that has one extra axis, the batch axis, at position
``bdim``. Values that are not this trace's tracers are the same for every member of the batch
(``not_mapped``). Each primitive's rule in ``batching_rules`` rewrites the application to work
on the batched value directly, usually by moving the batch axis and calling the same primitive.
See docs/internals.md, "Batching".
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ftrans.core import (
    MissingRuleError,
    Primitive,
    ShapedArray,
    Trace,
    Tracer,
    current_trace_var,
    get_aval,
    new_trace,
)
from ftrans.interpreters.staging import trace_flat
from ftrans.ir import ClosedJaxpr, eval_jaxpr

__all__ = [
    "BatchTrace", "BatchTracer", "batch_jaxpr", "batching_rules", "bdim_at_front",
    "broadcast_batch", "collectives", "defbroadcasting", "defcollective", "defreducer",
    "defvectorized", "move_batch_axis", "not_mapped", "split_outputs",
]

not_mapped = None

# batching_rules[prim](axis_data, args, bdims, **params) -> (out, out_bdim): arrays positional,
# params keyword; a bdim is an int or not_mapped (None), and at least one argument is batched
# (collectives aside, below). For primitives with multiple results, out and out_bdim are lists.
# axis_data is the BatchTrace itself (its axis_size and axis_name), which most rules ignore;
# rules of primitives that hold programs (jit, control flow) batch them with it.
batching_rules: dict[Primitive, Callable[..., tuple[Any, Any]]] = {}

# Collectives (psum, all_gather, ...): primitives whose ``axis_name`` param may name this trace's
# axis. Their rule then runs even when no argument is batched by this trace, since the result
# still depends on the axis size. Registered with :func:`defcollective`.
collectives: set[Primitive] = set()


class BatchTracer(Tracer):
    """Carries a batched value and the position of its batch axis."""

    __slots__ = ("val", "bdim", "_aval")

    def __init__(self, trace: BatchTrace, val: Any, bdim: int):
        self._trace = trace
        self.val = val
        self.bdim = bdim
        self._aval: ShapedArray | None = None

    @property
    def aval(self) -> ShapedArray:
        aval = self._aval
        if aval is None:  # made on first use: rules, recording and jvp ask for it repeatedly
            aval = get_aval(self.val)
            shape = aval.shape
            aval = self._aval = aval.update(shape=shape[:self.bdim] + shape[self.bdim + 1:])
        return aval


class BatchTrace(Trace):
    """Applies ``batching_rules``; ``axis_size`` is the batch size, ``axis_name`` names the
    batch axis for collectives."""

    __slots__ = ("axis_size", "axis_name")

    def __init__(self, parent: Trace | None, axis_size: int, axis_name: Any = None,
                 description: str = "vmap"):
        super().__init__(parent, description)
        self.axis_size = axis_size
        self.axis_name = axis_name

    def process_primitive(self, prim: Primitive, args: tuple, params: dict) -> Any:
        # Trace.process_primitive's unpack / fast path / rule, in one pass over the arguments
        # that also splits them into values and batch dimensions (vmap's hot path).
        vals = []
        bdims = []
        mine = False
        for x in args:
            if type(x) is BatchTracer and x._trace is self:
                vals.append(x.val)
                bdims.append(x.bdim)
                mine = True
            else:
                vals.append(x)
                bdims.append(not_mapped)
        if not mine and not (prim in collectives and self.names_axis(params["axis_name"])):
            return self.parent.process_primitive(prim, args, params)
        rule = batching_rules.get(prim)
        if rule is None:
            raise MissingRuleError(prim, "vmap")
        token = current_trace_var.set(self.parent)
        try:
            out, out_bdim = rule(self, vals, bdims, **params)
        finally:
            current_trace_var.reset(token)
        if prim.multiple_results:
            return [o if d is not_mapped else BatchTracer(self, o, d)
                    for o, d in zip(out, out_bdim)]
        if out_bdim is not_mapped:
            return out
        return BatchTracer(self, out, out_bdim)

    def names_axis(self, axis_name: Any) -> bool:
        """Whether ``axis_name`` (a name or a tuple of names) names this trace's axis."""
        if isinstance(axis_name, tuple):
            return self.axis_name in axis_name
        return axis_name == self.axis_name


def split_outputs(trace: BatchTrace, outs: Sequence[Any]) -> list[tuple[Any, int | None]]:
    """``(value, bdim)`` for each output of a batched function (bdim None: not batched)."""
    return [(o.val, o.bdim) if isinstance(o, BatchTracer) and o._trace is trace else (o, None)
            for o in outs]


# ---------------------------------------------------------------------------------------------
# Axis helpers
# ---------------------------------------------------------------------------------------------


def _lax() -> Any:
    from ftrans import lax  # interpreters sit below lax; its functions are reached lazily
    return lax


def move_batch_axis(x: Any, bdim: int | None, to: int, axis_size: int | None = None) -> Any:
    """``x`` with its batch axis at position ``to``; an unbatched ``x`` is broadcast to
    ``axis_size`` first."""
    if bdim is None:  # not_mapped (spelled None here so that checkers narrow bdim to int)
        if axis_size is None:
            raise ValueError("an unbatched value needs axis_size to be broadcast")
        return broadcast_batch(x, axis_size, to)
    ndim = get_aval(x).ndim
    if to < 0:
        to += ndim
    if bdim == to:
        return x
    perm = [d for d in range(ndim) if d != bdim]
    perm.insert(to, bdim)
    return _lax().transpose(x, tuple(perm))


def broadcast_batch(x: Any, axis_size: int, at: int = 0) -> Any:
    """An unbatched ``x`` repeated ``axis_size`` times along a new axis ``at``."""
    aval = get_aval(x)
    if at < 0:
        at += aval.ndim + 1
    shape = aval.shape[:at] + (axis_size,) + aval.shape[at:]
    dims = tuple(d for d in range(len(shape)) if d != at)
    return _lax().broadcast_in_dim(x, shape, dims)


def bdim_at_front(x: Any, bdim: int | None, axis_size: int) -> Any:
    return move_batch_axis(x, bdim, 0, axis_size)


# ---------------------------------------------------------------------------------------------
# Rule helpers
# ---------------------------------------------------------------------------------------------


def defvectorized(prim: Primitive) -> None:
    """``prim`` is elementwise in its one array argument: apply it to the batched value as is."""

    def rule(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
             **params: Any) -> tuple[Any, Any]:
        return prim.bind(*args, **params), bdims[0]

    batching_rules[prim] = rule


def defbroadcasting(prim: Primitive) -> None:
    """``prim`` is elementwise over arguments that broadcast NumPy-style: batched arguments get
    their batch axis in front and are padded with unit axes to the common logical rank, so that
    NumPy broadcasting lines up the remaining axes. (Every result of a primitive with several
    is batched in front.)"""

    def rule(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
             **params: Any) -> tuple[Any, Any]:
        ndims = [get_aval(x).ndim for x in args]
        rank = max(n - (d is not not_mapped) for n, d in zip(ndims, bdims))
        # Common case: every batched argument already has its batch axis in front at full rank.
        aligned = []
        for x, d, ndim in zip(args, bdims, ndims):
            if d is not_mapped:
                aligned.append(x)
                continue
            if d != 0:
                x = move_batch_axis(x, d, 0)
            if ndim - 1 < rank:
                shape = get_aval(x).shape
                x = _lax().reshape(x, (shape[0],) + (1,) * (rank - ndim + 1) + shape[1:])
            aligned.append(x)
        out = prim.bind(*aligned, **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)

    batching_rules[prim] = rule


def defcollective(prim: Primitive, collective: Callable[..., tuple[Any, Any]],
                  other_axis: Callable[..., tuple[Any, Any]] | None = None) -> None:
    """``prim`` is a collective over the vmap axis named by its ``axis_name`` param: under the
    trace of that axis ``collective`` runs (even when no argument is batched); under another
    vmap, ``other_axis`` (both have the batching-rule signature)."""

    def rule(axis_data: BatchTrace, args: Sequence[Any], bdims: Sequence[Any],
             **params: Any) -> tuple[Any, Any]:
        if axis_data.names_axis(params["axis_name"]):
            return collective(axis_data, args, bdims, **params)
        if other_axis is None:
            raise MissingRuleError(prim, "vmap")
        return other_axis(axis_data, args, bdims, **params)

    collectives.add(prim)
    batching_rules[prim] = rule


def defreducer(prim: Primitive, axes_param: str = "axes") -> None:
    """``prim`` reduces over the axes named by its ``axes`` param: shift them past the batch
    axis, which then sits where it was among the remaining axes."""

    def rule(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
             **params: Any) -> tuple[Any, Any]:
        (x,), (bdim,) = args, bdims
        axes = params[axes_param]
        if isinstance(axes, int):
            new_axes: Any = axes + (axes >= bdim)
            reduced = (axes,)
        else:
            new_axes = tuple(a + (a >= bdim) for a in axes)
            reduced = axes
        out_bdim = bdim - sum(1 for a in reduced if a < bdim)
        return prim.bind(x, **{**params, axes_param: new_axes}), out_bdim

    batching_rules[prim] = rule


# ---------------------------------------------------------------------------------------------
# Programs: the batched form of a closed jaxpr
# ---------------------------------------------------------------------------------------------


def batch_jaxpr(closed: ClosedJaxpr, bdims: Sequence[int | None], axis_size: int,
                axis_name: Any = None, instantiate: bool | Sequence[bool] = False
                ) -> tuple[ClosedJaxpr, list[int | None]]:
    """``closed`` applied to a batch: inputs batched along ``bdims`` (None: not batched).

    Returns the batched program and, per output, 0 (batched in front) or None (the same for
    every member). Outputs marked in ``instantiate`` (one flag, or one per output) are always
    batched, broadcast where the program leaves them unbatched. Memoized on ``closed``.
    """
    n_out = len(closed.out_avals)
    inst = [instantiate] * n_out if isinstance(instantiate, bool) else list(instantiate)
    if any(inst):
        program, out_b = batch_jaxpr(closed, bdims, axis_size, axis_name)
        want = [None if d is None and not i else 0 for d, i in zip(out_b, inst)]
        if want == out_b:
            return program, out_b
        key: tuple = ("batch", tuple(bdims), axis_size, axis_name, tuple(want))
    else:
        key = ("batch", tuple(bdims), axis_size, axis_name)
    found = closed.derived.get(key)
    if found is not None:
        return found
    in_avals = []
    for aval, d in zip(closed.in_avals, bdims):
        if d is None:
            in_avals.append(aval)
        else:
            shape = aval.shape[:d] + (axis_size,) + aval.shape[d:]
            in_avals.append(aval.update(shape=shape))
    out_bdims: list[int | None] = []

    def fun(*args: Any) -> list[Any]:
        with new_trace(BatchTrace, axis_size, axis_name) as trace:
            ins = [x if d is None else BatchTracer(trace, x, d) for x, d in zip(args, bdims)]
            outs = eval_jaxpr(closed.jaxpr, closed.consts, *ins)
            unpacked = split_outputs(trace, outs)
        results = []
        for (val, d), i in zip(unpacked, inst):
            if d is None and i:
                val, d = broadcast_batch(val, axis_size, 0), 0
            out_bdims.append(None if d is None else 0)
            results.append(val if d is None else move_batch_axis(val, d, 0))
        return results

    result = (trace_flat(fun, in_avals, "vmap"), out_bdims)
    closed.derived[key] = result
    return result
