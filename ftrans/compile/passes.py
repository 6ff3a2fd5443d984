"""The structural passes over a program, each one loop over its equations: inline nested jit
calls, eliminate common subexpressions (commutative operands in either order), eliminate dead
code. See docs/internals.md, "jit".
"""

from __future__ import annotations

from typing import Any, Callable

from ftrans.compile.tables import commutative, effects, inlined_calls
from ftrans.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var

__all__ = [
    "eliminate_common_subexpressions", "eliminate_dead_code", "inline_calls",
]


def _is_jit_call(eqn: JaxprEqn) -> bool:
    return eqn.primitive in inlined_calls and "jaxpr" in eqn.params


def _jit_program(eqn: JaxprEqn) -> ClosedJaxpr | None:
    return eqn.params["jaxpr"] if _is_jit_call(eqn) else None


def inline_calls(closed: ClosedJaxpr,
                 program_of: Callable[[JaxprEqn], ClosedJaxpr | None] = _jit_program
                 ) -> ClosedJaxpr:
    """Replace nested calls by their equations (their constants become ours).

    ``program_of(eqn)`` is the program an equation calls, or None to keep the equation: by
    default the jit calls (the distributed runner also inlines other calls, see
    ``ftrans.distributed.stages``).
    """
    if not any(program_of(e) is not None for e in closed.jaxpr.eqns):
        return closed
    jaxpr = closed.jaxpr
    constvars, consts = list(jaxpr.constvars), list(closed.consts)
    eqns: list[JaxprEqn] = []
    pending = list(reversed(jaxpr.eqns))  # a stack, so nested calls inline without recursion
    renames: dict[Var, Any] = {}

    def rename(x: Any) -> Any:
        while type(x) is Var and x in renames:  # a call's output may be another call's
            x = renames[x]
        return x

    while pending:
        eqn = pending.pop()
        inner = program_of(eqn)
        if inner is None:
            eqns.append(JaxprEqn(eqn.primitive, [rename(x) for x in eqn.inputs], eqn.params,
                                 eqn.outvars))
            continue
        local: dict[Var, Any] = {}
        for v, c in zip(inner.jaxpr.constvars, inner.consts):
            fresh = Var(v.aval)
            constvars.append(fresh)
            consts.append(c)
            local[v] = fresh
        for v, x in zip(inner.jaxpr.invars, eqn.inputs):
            local[v] = rename(x)
        copied = []
        for inner_eqn in inner.jaxpr.eqns:
            outvars = [Var(v.aval) for v in inner_eqn.outvars]
            copied.append(JaxprEqn(inner_eqn.primitive,
                                   [local.get(x, x) if type(x) is Var else x
                                    for x in inner_eqn.inputs],
                                   inner_eqn.params, outvars))
            local.update(zip(inner_eqn.outvars, outvars))
        for outer_v, inner_out in zip(eqn.outvars, inner.jaxpr.outvars):
            renames[outer_v] = local.get(inner_out, inner_out) if type(inner_out) is Var \
                else inner_out
        pending.extend(reversed(copied))
    outvars = [rename(x) for x in jaxpr.outvars]
    return ClosedJaxpr(Jaxpr(constvars, list(jaxpr.invars), eqns, outvars), consts)


def _hashable_params(params: dict[str, Any]) -> Any:
    if not params:
        return ()
    try:
        key = tuple(params.items())  # one primitive always binds its params in one order
        hash(key)
        return key
    except TypeError:
        return None


def eliminate_common_subexpressions(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Reuse the result of an identical earlier equation (same primitive, inputs, params)."""
    jaxpr = closed.jaxpr
    # one flat tuple a key, equal literals one key object: the keys are most of the pass's
    # memory on a long program
    seen: dict[Any, list[Var]] = {}
    literal_keys: dict[Any, Any] = {}
    renames: dict[Var, Var] = {}
    eqns = []
    for eqn in jaxpr.eqns:
        inputs = eqn.inputs
        if renames and any(type(x) is Var and x in renames for x in inputs):
            inputs = [renames.get(x, x) if type(x) is Var else x for x in inputs]
            eqn = JaxprEqn(eqn.primitive, inputs, eqn.params, eqn.outvars)
        params_key = _hashable_params(eqn.params)
        key = None
        if params_key is not None and eqn.primitive not in effects:
            atoms = []
            for x in inputs:
                if type(x) is not Var:
                    lit = _literal_key(x)
                    x = literal_keys.setdefault(lit, ("lit", lit))
                atoms.append(x)
            if eqn.primitive in commutative:  # x * y and y * x are one value
                atoms.sort(key=lambda a: (1, a[1]) if type(a) is tuple else (0, str(id(a))))
            key = (eqn.primitive, params_key, *atoms)
        if key is not None:
            found = seen.setdefault(key, eqn.outvars)
            if found is not eqn.outvars:
                renames.update(zip(eqn.outvars, found))
                continue
        eqns.append(eqn)
    outvars = [renames.get(x, x) if type(x) is Var else x for x in jaxpr.outvars]
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, outvars), closed.consts)


def _literal_key(lit: Literal) -> Any:
    return (repr(lit.val), lit.aval)


def eliminate_dead_code(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Drop equations whose outputs are never used, and unused constants."""
    jaxpr = closed.jaxpr
    live = {x for x in jaxpr.outvars if type(x) is Var}
    kept = []
    for eqn in reversed(jaxpr.eqns):
        if eqn.primitive in effects or any(v in live for v in eqn.outvars):
            kept.append(eqn)
            live.update(x for x in eqn.inputs if type(x) is Var)
    kept.reverse()
    constvars, consts = [], []
    for v, c in zip(jaxpr.constvars, closed.consts):
        if v in live:
            constvars.append(v)
            consts.append(c)
    return ClosedJaxpr(Jaxpr(constvars, jaxpr.invars, kept, jaxpr.outvars), consts)
