"""The jit call: a whole program applied as one primitive.

``jit`` binds ``jit_p`` with the traced program in its ``jaxpr`` param. Evaluated, it runs the
program's compiled form (``ftrans.compile``). Under a transformation, its rules transform the
inner program instead of the call being unrolled: the jvp program, the known/unknown split, the
transposed program and the batched program are each derived once, memoized on the program, and
bound as a new ``jit_p``, so ``grad(jit(f))`` and ``vmap(jit(f))`` run compiled code too.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ftrans.compile.tables import inlined_calls
from ftrans.core import Primitive, Tracer, inline_rules
from ftrans.interpreters.batching import BatchTrace, batching_rules, batch_jaxpr
from ftrans.interpreters.jvp import Zero, jvp_jaxpr, jvp_rules
from ftrans.interpreters.partial_eval import (
    PartialEvalTrace, partial_eval_jaxpr, partial_eval_rules,
)
from ftrans.interpreters.transpose import UndefPrimal, transpose_jaxpr, transpose_rules
from ftrans.ir import ClosedJaxpr, eval_jaxpr
from ftrans.compile import compiled

__all__ = [
    "call_jit", "def_program_batching", "def_program_jvp", "def_program_transpose", "jit_p",
    "partial_eval_rules", "program_abstract_eval", "run_program",
]


def run_program(*args: Any, jaxpr: ClosedJaxpr, **params: Any) -> list[Any]:
    """The implementation of a primitive that calls the program in its ``jaxpr`` param."""
    return compiled(jaxpr)(*args)


def inline_program(*args: Any, jaxpr: ClosedJaxpr, **params: Any) -> list[Any]:
    """The inline rule of a primitive that calls the program in its ``jaxpr`` param: the
    program's equations, bound on the current trace."""
    return eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)


def program_abstract_eval(what: str) -> Callable[..., list[Any]]:
    """The shape rule of a primitive that calls the program in its ``jaxpr`` param."""
    def abstract_eval(*avals: Any, jaxpr: ClosedJaxpr, name: str, **params: Any) -> list[Any]:
        if list(avals) != jaxpr.in_avals:
            raise TypeError(f"{what} of {name}: arguments of types "
                            f"{[a.str_short() for a in avals]} for a program taking "
                            f"{[a.str_short() for a in jaxpr.in_avals]}")
        return jaxpr.out_avals
    return abstract_eval


jit_p = Primitive("jit", impl=run_program, abstract_eval=program_abstract_eval("jit call"),
                  multiple_results=True)


def call_jit(jaxpr: ClosedJaxpr, args: Sequence[Any], name: str) -> list[Any]:
    """Apply the program ``jaxpr`` to ``args`` as one ``jit`` primitive."""
    return jit_p.bind(*args, jaxpr=jaxpr, name=name)


# The rules below serve every primitive that calls the program in its ``jaxpr`` param (jit
# here, checkpoint's remat too): each derives a program and binds the same primitive on it,
# other params passed through. ``relabel`` names the derived calls (``jvp(f)``) when printed.


def def_program_jvp(prim: Primitive, relabel: bool = True) -> None:
    def rule(primals: Sequence[Any], tangents: Sequence[Any], *, jaxpr: ClosedJaxpr, name: str,
             **params: Any) -> tuple[list[Any], list[Any]]:
        nonzeros = [type(t) is not Zero for t in tangents]
        jvp_program, out_nonzeros = jvp_jaxpr(jaxpr, nonzeros)
        outs = prim.bind(*primals, *[t for t in tangents if type(t) is not Zero],
                         jaxpr=jvp_program, name=f"jvp({name})" if relabel else name, **params)
        n = len(jaxpr.out_avals)
        out_tangents = iter(outs[n:])
        return outs[:n], [next(out_tangents) if nz else Zero(a)
                          for nz, a in zip(out_nonzeros, jaxpr.out_avals)]
    jvp_rules[prim] = rule


def def_program_transpose(prim: Primitive, relabel: bool = True) -> None:
    def rule(cts: Sequence[Any], *args: Any, jaxpr: ClosedJaxpr, name: str,
             **params: Any) -> list[Any]:
        linear = [type(x) is UndefPrimal for x in args]
        ct_nonzero = [type(ct) is not Zero for ct in cts]
        backward = transpose_jaxpr(jaxpr, linear, ct_nonzero)
        outs = iter(prim.bind(*[x for x, lin in zip(args, linear) if not lin],
                              *[ct for ct in cts if type(ct) is not Zero], jaxpr=backward,
                              name=f"transpose({name})" if relabel else name, **params))
        return [next(outs) if lin else None for lin in linear]
    transpose_rules[prim] = rule


def def_program_batching(prim: Primitive, relabel: bool = True) -> None:
    def rule(trace: BatchTrace, args: Sequence[Any], bdims: Sequence[Any], *,
             jaxpr: ClosedJaxpr, name: str, **params: Any) -> tuple[list[Any], list[Any]]:
        batched, out_bdims = batch_jaxpr(jaxpr, bdims, trace.axis_size, trace.axis_name)
        return prim.bind(*args, jaxpr=batched, name=f"vmap({name})" if relabel else name,
                         **params), out_bdims
    batching_rules[prim] = rule


def_program_jvp(jit_p)
def_program_transpose(jit_p)
def_program_batching(jit_p)
inlined_calls.add(jit_p)  # the compiler inlines nested jit calls
inline_rules[jit_p] = inline_program


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
