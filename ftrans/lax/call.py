"""The jit call: a whole program applied as one primitive.

``jit`` binds ``jit_p`` with the traced program in its ``jaxpr`` param. Evaluated, it runs the
program's compiled form (``ftrans.compile``). Under a transformation, its rules transform the
inner program instead of the call being unrolled: the jvp program, the known/unknown split, the
transposed program and the batched program are each derived once, memoized on the program, and
bound as a new ``jit_p``, so ``grad(jit(f))`` and ``vmap(jit(f))`` run compiled code too.
"""

from __future__ import annotations

from typing import Any, Sequence

from ftrans.core import Primitive, Tracer
from ftrans.interpreters.batching import BatchTrace, axis_batching_rules, batch_jaxpr
from ftrans.interpreters.jvp import Zero, jvp_jaxpr, jvp_rules
from ftrans.interpreters.partial_eval import (
    PartialEvalTrace, partial_eval_jaxpr, partial_eval_rules,
)
from ftrans.interpreters.transpose import UndefPrimal, transpose_jaxpr, transpose_rules
from ftrans.ir import ClosedJaxpr


def _jit_impl(*args: Any, jaxpr: ClosedJaxpr, name: str) -> list[Any]:
    from ftrans.compile import compiled
    return compiled(jaxpr)(*args)


def _jit_abstract_eval(*avals: Any, jaxpr: ClosedJaxpr, name: str) -> list[Any]:
    if list(avals) != jaxpr.in_avals:
        raise TypeError(f"jit call of {name}: arguments of types "
                        f"{[a.str_short() for a in avals]} for a program taking "
                        f"{[a.str_short() for a in jaxpr.in_avals]}")
    return jaxpr.out_avals


jit_p = Primitive("jit", impl=_jit_impl, abstract_eval=_jit_abstract_eval,
                  multiple_results=True)


def call_jit(jaxpr: ClosedJaxpr, args: Sequence[Any], name: str) -> list[Any]:
    """Apply the program ``jaxpr`` to ``args`` as one ``jit`` primitive."""
    return jit_p.bind(*args, jaxpr=jaxpr, name=name)


def _jit_jvp(primals: Sequence[Any], tangents: Sequence[Any], jaxpr: ClosedJaxpr,
             name: str) -> tuple[list[Any], list[Any]]:
    nonzeros = [type(t) is not Zero for t in tangents]
    jvp_program, out_nonzeros = jvp_jaxpr(jaxpr, nonzeros)
    outs = jit_p.bind(*primals, *[t for t in tangents if type(t) is not Zero],
                      jaxpr=jvp_program, name=f"jvp({name})")
    n = len(jaxpr.out_avals)
    out_tangents = iter(outs[n:])
    return outs[:n], [next(out_tangents) if nz else Zero(a)
                      for nz, a in zip(out_nonzeros, jaxpr.out_avals)]


jvp_rules[jit_p] = _jit_jvp


def _jit_partial_eval(trace: PartialEvalTrace, args: Sequence[Any], jaxpr: ClosedJaxpr,
                      name: str) -> list[Any]:
    unknowns = [isinstance(x, Tracer) and x._trace is trace for x in args]
    known, unknown, out_unknowns, num_res = partial_eval_jaxpr(jaxpr, unknowns)
    known_outs = jit_p.bind(*[x for x, u in zip(args, unknowns) if not u], jaxpr=known,
                            name=name)
    split = len(known_outs) - num_res
    residuals, known_outs = known_outs[split:], known_outs[:split]
    unknown_outs = iter(trace.record(
        jit_p, [*residuals, *[x for x, u in zip(args, unknowns) if u]],
        {"jaxpr": unknown, "name": name}) if unknown.jaxpr.outvars else [])
    known_iter = iter(known_outs)
    return [next(unknown_outs) if u else next(known_iter) for u in out_unknowns]


partial_eval_rules[jit_p] = _jit_partial_eval


def _jit_transpose(cts: Sequence[Any], *args: Any, jaxpr: ClosedJaxpr, name: str) -> list[Any]:
    linear = [type(x) is UndefPrimal for x in args]
    ct_nonzero = [type(ct) is not Zero for ct in cts]
    backward = transpose_jaxpr(jaxpr, linear, ct_nonzero)
    outs = iter(jit_p.bind(*[x for x, lin in zip(args, linear) if not lin],
                           *[ct for ct in cts if type(ct) is not Zero],
                           jaxpr=backward, name=f"transpose({name})"))
    return [next(outs) if lin else None for lin in linear]


transpose_rules[jit_p] = _jit_transpose


def _jit_batch(trace: BatchTrace, args: Sequence[Any], bdims: Sequence[Any],
               jaxpr: ClosedJaxpr, name: str) -> tuple[list[Any], list[Any]]:
    batched, out_bdims = batch_jaxpr(jaxpr, bdims, trace.axis_size, trace.axis_name)
    return jit_p.bind(*args, jaxpr=batched, name=f"vmap({name})"), out_bdims


axis_batching_rules[jit_p] = _jit_batch

