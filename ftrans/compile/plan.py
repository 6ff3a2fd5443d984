"""The first-call tier: run a program as a list of (implementation, input slots, output slots)
steps, without optimising it or generating code, so that a program used once costs little.
See docs/internals.md, "jit".
"""

from __future__ import annotations

from typing import Any

from ftrans import aliasing
from ftrans.compile.buffers import Program, bound_impl, last_uses
from ftrans.ir import ClosedJaxpr, Var

__all__ = [
    "plan",
]


def plan(closed: ClosedJaxpr) -> Program:
    """Run ``closed`` as a list of (implementation, input slots, output slots) steps: no
    dispatch through traces, and each buffer dropped after its last use."""
    jaxpr = closed.jaxpr
    index: dict[Var, int] = {}
    initial: list[Any] = []
    for v, c in zip(jaxpr.constvars, closed.consts):
        index[v] = len(initial)
        initial.append(c)
    first_arg = len(initial)
    for v in jaxpr.invars:
        index[v] = len(initial)
        initial.append(None)
    last_arg = len(initial)

    def slot(x: Any) -> int:
        if type(x) is Var:
            return index[x]
        initial.append(x.val)
        return len(initial) - 1

    steps = []
    dying = last_uses(jaxpr)
    for eqn, dead in zip(jaxpr.eqns, dying):
        ins = tuple([slot(x) for x in eqn.inputs])  # tuples: a long plan's memory is its steps
        outs = []
        for v in eqn.outvars:
            index[v] = len(initial)
            initial.append(None)
            outs.append(index[v])
        free = tuple([index[v] for v in dead if index[v] >= first_arg])
        multiple = eqn.primitive.multiple_results
        steps.append((bound_impl(eqn), ins, tuple(outs) if multiple else outs[0], multiple,
                      free))
    results = [slot(x) for x in jaxpr.outvars]

    def run(*args: Any) -> list[Any]:
        env = list(initial)
        env[first_arg:last_arg] = args
        for fn, ins, out, multiple, free in steps:
            value = fn(*[env[i] for i in ins])
            if multiple:
                for i, v in zip(out, value):
                    env[i] = v
            else:
                env[out] = value
            for i in free:
                env[i] = None
        # the first call only: a complete check by buffer owner is cheap enough here
        return aliasing.detach_from([env[i] for i in results], [*args, *closed.consts])
    return run
