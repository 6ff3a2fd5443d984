"""Partial evaluation: run what is known now, record what is unknown as a program.

Tracers of a :class:`PartialEvalTrace` are the *unknown* values; everything else (plain arrays,
tracers of enclosing transformations) is *known*. An application with only known inputs takes
the fast path to the parent trace and runs now; one with an unknown input is recorded, its known
inputs becoming constants of the program. ``linearize`` runs the jvp interpreter above this
trace with tangents unknown, so the primal work runs eagerly and the tangent work becomes a
linear program. Higher-order primitives may split themselves with a rule in
``partial_eval_rules``. See docs/internals.md, "Differentiation".
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ftrans.core import Primitive, Trace, Tracer, set_current_trace
from ftrans.interpreters.staging import StagingTrace
from ftrans.ir import ClosedJaxpr, Jaxpr, Var

# partial_eval_rules[prim](trace, args, **params) -> outputs (tracers of `trace` or known
# values). Only needed for primitives that hold programs and can run their known part now;
# the default records the whole application as unknown.
partial_eval_rules: dict[Primitive, Callable[..., Any]] = {}


class PartialEvalTrace(StagingTrace):
    """Known work runs on the parent trace now; unknown work is recorded.

    Its tracers (:class:`~ftrans.interpreters.staging.StagingTracer`) are the unknown values
    and carry their program variable.
    """

    __slots__ = ()

    def __init__(self, parent: Trace | None, description: str = "linearize"):
        super().__init__(parent, description)

    def process_primitive(self, prim: Primitive, args: tuple, params: dict) -> Any:
        for x in args:
            if isinstance(x, Tracer) and x._trace is self:
                break
        else:  # all inputs known: run it now, on the parent
            return self.parent.process_primitive(prim, args, params)
        rule = partial_eval_rules.get(prim)
        if rule is None:
            return self.record(prim, args, params)  # recording runs nothing: no trace switch
        with set_current_trace(self.parent):
            return rule(self, args, **params)


# ---------------------------------------------------------------------------------------------
# Programs: splitting a closed jaxpr into its known and unknown parts
# ---------------------------------------------------------------------------------------------


def partial_eval_jaxpr(closed: ClosedJaxpr, unknowns: Sequence[bool]
                       ) -> tuple[ClosedJaxpr, ClosedJaxpr, list[bool], int]:
    """Split ``closed`` for inputs of which ``unknowns`` are not yet known.

    Returns ``(known, unknown, out_unknowns, num_residuals)``: ``known`` takes the known
    inputs and returns the known outputs followed by the residuals; ``unknown`` takes the
    residuals followed by the unknown inputs and returns the unknown outputs. An equation is
    known when all its inputs are. Memoized on ``closed``.
    """
    key = ("partial_eval", tuple(unknowns))
    found = closed.derived.get(key)
    if found is not None:
        return found
    jaxpr = closed.jaxpr
    unknown_vars = {v for v, u in zip(jaxpr.invars, unknowns) if u}
    known_eqns, unknown_eqns = [], []
    for eqn in jaxpr.eqns:
        if any(type(x) is Var and x in unknown_vars for x in eqn.inputs):
            unknown_eqns.append(eqn)
            unknown_vars.update(eqn.outvars)
        else:
            known_eqns.append(eqn)
    out_unknowns = [type(v) is Var and v in unknown_vars for v in jaxpr.outvars]

    residuals: list[Var] = []
    seen: set[Var] = set()

    def need(x: Any) -> None:
        if type(x) is Var and x not in unknown_vars and x not in seen:
            seen.add(x)
            residuals.append(x)

    for eqn in unknown_eqns:
        for x in eqn.inputs:
            need(x)
    for v, u in zip(jaxpr.outvars, out_unknowns):
        if u:
            need(v)
    known_invars = [v for v, u in zip(jaxpr.invars, unknowns) if not u]
    known_outvars = [v for v, u in zip(jaxpr.outvars, out_unknowns) if not u]
    known = ClosedJaxpr(Jaxpr(list(jaxpr.constvars), known_invars, known_eqns,
                              known_outvars + residuals), closed.consts)
    unknown_invars = [v for v, u in zip(jaxpr.invars, unknowns) if u]
    unknown = ClosedJaxpr(Jaxpr([], residuals + unknown_invars, unknown_eqns,
                                [v for v, u in zip(jaxpr.outvars, out_unknowns) if u]), [])
    result = (known, unknown, out_unknowns, len(residuals))
    closed.derived[key] = result
    return result
