"""The first-call tier: run a program once, equation by equation, without optimising it or
generating code, so that a program used once costs little.
See docs/internals.md, "jit".
"""

from __future__ import annotations

from typing import Any, Sequence

from ftrans import aliasing
from ftrans.ir import ClosedJaxpr, Literal, Var

__all__ = [
    "run_plan",
]


def run_plan(closed: ClosedJaxpr, args: Sequence[Any]) -> list[Any]:
    """Run ``closed`` once on ``args``, equation by equation: each primitive's eager
    implementation (the same results as ``impl``, faster on NumPy scalars) called directly,
    with no dispatch through traces, and each value dropped after its last use."""
    jaxpr = closed.jaxpr
    eqns = jaxpr.eqns
    last: dict[Any, int] = {}  # atom -> the equation that reads it last
    for i, eqn in enumerate(eqns):
        for x in eqn.inputs:
            last[x] = i
    for x in jaxpr.outvars:
        if type(x) is Var:
            last.pop(x, None)  # outputs stay alive
    # literals sit in the values too, so that operands are looked up without a test; each
    # atom is dropped after the equation that reads it last
    env: dict[Any, Any] = {}
    dying: list[Any] = [None] * len(eqns)  # per equation: the atom, or list of them, dying
    for x, i in last.items():
        if type(x) is Literal:
            env[x] = x.val
        dead = dying[i]
        if dead is None:
            dying[i] = x
        elif type(dead) is list:
            dead.append(x)
        else:
            dying[i] = [dead, x]
    del last
    env.update(zip(jaxpr.constvars, closed.consts))
    env.update(zip(jaxpr.invars, args))
    value = env.__getitem__
    for eqn, dead in zip(eqns, dying):
        prim = eqn.primitive
        params = eqn.params
        if params:
            out = prim.eager_impl(*map(value, eqn.inputs), **params)
        else:
            out = prim.eager_impl(*map(value, eqn.inputs))
        if prim.multiple_results:
            env.update(zip(eqn.outvars, out))
        else:
            env[eqn.outvars[0]] = out
        if dead is not None:
            if type(dead) is list:
                for x in dead:
                    del env[x]
            else:
                del env[dead]
    del dying
    outs = [env[x] if type(x) is Var else x.val for x in jaxpr.outvars]
    env.clear()
    # the first call only: a complete check by buffer owner is cheap enough here
    return aliasing.detach_from(outs, [*args, *closed.consts])
