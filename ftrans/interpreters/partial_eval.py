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

from ftrans.core import EvalTrace, Primitive, Trace, Tracer, new_trace, set_current_trace
from ftrans.interpreters.staging import StagingTrace, lift_tracer_consts, trace_flat
from ftrans.ir import ClosedJaxpr, Jaxpr, Var, eval_jaxpr

__all__ = [
    "PartialEvalTrace", "partial_eval_jaxpr", "partial_eval_rules",
]

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
        traced = False
        for x in args:
            if isinstance(x, Tracer):
                if x._trace is self:
                    break
                traced = True
        else:  # all inputs known: run it now, on the parent
            parent = self.parent
            if type(parent) is EvalTrace and not traced:
                # eager linearize on the plain eval trace (not debug_nans' checking one, which
                # must see every primitive): skip a call
                return prim.eager_impl(*args, **params)
            return parent.process_primitive(prim, args, params)
        rule = partial_eval_rules.get(prim)
        if rule is None:
            return self.record(prim, args, params)  # recording runs nothing: no trace switch
        with set_current_trace(self.parent):
            return rule(self, args, **params)


# ---------------------------------------------------------------------------------------------
# Programs: splitting a closed jaxpr into its known and unknown parts
# ---------------------------------------------------------------------------------------------


def partial_eval_jaxpr(closed: ClosedJaxpr, unknowns: Sequence[bool],
                       instantiate: bool | Sequence[bool] = False
                       ) -> tuple[ClosedJaxpr, ClosedJaxpr, list[bool], int]:
    """Split ``closed`` for inputs of which ``unknowns`` are not yet known.

    Returns ``(known, unknown, out_unknowns, num_residuals)``: ``known`` takes the known
    inputs and returns the known outputs followed by the residuals; ``unknown`` takes the
    residuals followed by the unknown inputs and returns the unknown outputs. Outputs marked
    in ``instantiate`` (one flag, or one per output) are unknown even when they could be
    computed now: their known values travel as extra (last) residuals.

    The split runs this module's interpreter over the program inside a staging trace: known
    work is staged into ``known``, unknown work recorded into ``unknown``, and a nested
    higher-order primitive (a scan inside a jit) splits through its own
    ``partial_eval_rules`` entry. The unknown program's constants that are values of the known
    program are the residuals. Memoized on ``closed``.
    """
    if instantiate is not False:
        n_out = len(closed.out_avals)
        inst = [instantiate] * n_out if isinstance(instantiate, bool) else list(instantiate)
        base = partial_eval_jaxpr(closed, unknowns)
        forced = [i and not uk for uk, i in zip(base[2], inst)]
        if not any(forced):
            return base
        key: tuple = ("partial_eval", tuple(unknowns), tuple(forced))
        found = closed.derived.get(key)
        if found is None:
            found = closed.derived[key] = _force_unknown(closed, *base, forced)
        return found
    key = ("partial_eval", tuple(unknowns))
    found = closed.derived.get(key)
    if found is not None:
        return found
    in_avals = closed.in_avals
    split: list[Any] = []

    def known_fun(*known_args: Any) -> list[Any]:
        with new_trace(PartialEvalTrace, "partial_eval") as trace:
            given = iter(known_args)
            args = [trace.new_arg(a) if u else next(given) for a, u in zip(in_avals, unknowns)]
            outs = eval_jaxpr(closed.jaxpr, closed.consts, *args)
            out_unknowns = [isinstance(o, Tracer) and o._trace is trace for o in outs]
            unknown = trace.to_closed_jaxpr([o for o, u in zip(outs, out_unknowns) if u])
        unknown, residuals = lift_tracer_consts(unknown)
        split.append((unknown, out_unknowns, len(residuals)))
        return [o for o, u in zip(outs, out_unknowns) if not u] + residuals

    known = trace_flat(known_fun, [a for a, u in zip(in_avals, unknowns) if not u],
                       "partial_eval")
    unknown, out_unknowns, num_res = split[0]
    result = (known, unknown, out_unknowns, num_res)
    closed.derived[key] = result
    return result


def _force_unknown(closed: ClosedJaxpr, known: ClosedJaxpr, unknown: ClosedJaxpr,
                   out_uk: list[bool], num_res: int, forced: list[bool]
                   ) -> tuple[ClosedJaxpr, ClosedJaxpr, list[bool], int]:
    """The split with the known outputs marked in ``forced`` moved to the unknown side: the
    known program returns them after its residuals, the unknown program takes them after the
    old residuals and returns them in their places."""
    kjaxpr, ujaxpr = known.jaxpr, unknown.jaxpr
    n_known = len(kjaxpr.outvars) - num_res
    known_positions = [i for i, uk in enumerate(out_uk) if not uk]
    keep = [k for k, i in enumerate(known_positions) if not forced[i]]
    extra = [k for k, i in enumerate(known_positions) if forced[i]]
    order = keep + list(range(n_known, n_known + num_res)) + extra
    new_known = ClosedJaxpr(Jaxpr(kjaxpr.constvars, kjaxpr.invars, kjaxpr.eqns,
                                  [kjaxpr.outvars[k] for k in order]), known.consts)
    forced_vars = [Var(closed.out_avals[known_positions[k]]) for k in extra]
    old_res, uk_ins = ujaxpr.invars[:num_res], ujaxpr.invars[num_res:]
    given, forced_iter = iter(ujaxpr.outvars), iter(forced_vars)
    outs = [next(given) if uk else next(forced_iter)
            for uk, f in zip(out_uk, forced) if uk or f]
    new_unknown = ClosedJaxpr(Jaxpr(ujaxpr.constvars, list(old_res) + forced_vars + list(uk_ins),
                                    ujaxpr.eqns, outs), unknown.consts)
    new_uk = [uk or f for uk, f in zip(out_uk, forced)]
    return new_known, new_unknown, new_uk, num_res + len(extra)
