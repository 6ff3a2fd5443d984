"""Batching helpers of the custom-derivative primitives: their programs and rules keep every
output batched in front, so a rule sees one layout whatever its body did."""

from __future__ import annotations

from typing import Any, Sequence

from ftrans.core import ShapedArray
from ftrans.interpreters.batching import BatchTrace, BatchTracer, batch_jaxpr, move_batch_axis
from ftrans.interpreters.jvp import Zero
from ftrans.interpreters.staging import trace_flat
from ftrans.ir import ClosedJaxpr, eval_jaxpr

__all__ = ["batch_jaxpr_all_out", "open_batched", "unpack_batched", "to_front"]


def _unbatched(aval: ShapedArray, bdim: int | None) -> ShapedArray:
    if bdim is None:
        return aval
    return aval.update(shape=aval.shape[:bdim] + aval.shape[bdim + 1:])


def _batched(aval: ShapedArray, size: int) -> ShapedArray:
    return aval.update(shape=(size,) + aval.shape)


def batch_jaxpr_all_out(closed: ClosedJaxpr, bdims: Sequence[int | None], axis_size: int,
                        axis_name: Any) -> ClosedJaxpr:
    """``batch_jaxpr`` with every output batched in front (unbatched ones broadcast)."""
    key = ("batch_all_out", tuple(bdims), axis_size, axis_name)
    found = closed.derived.get(key)
    if found is not None:
        return found
    batched, out_bdims = batch_jaxpr(closed, bdims, axis_size, axis_name)
    if all(d == 0 for d in out_bdims):
        result = batched
    else:
        def fun(*args: Any) -> list[Any]:
            outs = eval_jaxpr(batched.jaxpr, batched.consts, *args)
            return [move_batch_axis(o, d, 0, axis_size) for o, d in zip(outs, out_bdims)]
        result = trace_flat(fun, batched.in_avals, "vmap")
    closed.derived[key] = result
    return result


def open_batched(trace: BatchTrace, x: Any, bdim: int | None) -> Any:
    if type(x) is Zero:
        return Zero(_unbatched(x.aval, bdim))
    return x if bdim is None else BatchTracer(trace, x, bdim)


def unpack_batched(trace: BatchTrace, x: Any) -> tuple[Any, int | None]:
    if isinstance(x, BatchTracer) and x._trace is trace:
        return x.val, x.bdim
    return x, None


def to_front(trace: BatchTrace, x: Any) -> Any:
    """A value returned inside ``trace``, as a batched value with its batch axis in front."""
    if type(x) is Zero:
        return Zero(_batched(x.aval, trace.axis_size))
    val, bdim = unpack_batched(trace, x)
    return move_batch_axis(val, bdim, 0, trace.axis_size)
