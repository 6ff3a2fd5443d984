"""Scalar code generation: a program whose values are all 0-d float64 runs on Python floats
and ``math``, several times cheaper than NumPy scalars (the caller falls back to the NumPy
version when Python raises). See docs/internals.md, "jit".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ftrans.compile.buffers import Program
from ftrans.compile.source import Names, build
from ftrans.compile.tables import scalar_lowerings
from ftrans.core import get_aval
from ftrans.ir import ClosedJaxpr, JaxprEqn, Literal, Var

__all__ = [
    "generate_scalar",
]


_F64 = np.dtype(np.float64)
_MAX_NESTING = 64
_MAX_FOLDED = 8


def _scalar_expression(eqn: JaxprEqn, args: list[str]) -> str | None:
    """The Python-float expression of an application (``scalar_lowerings``), or None."""
    lowering = scalar_lowerings.get(eqn.primitive)
    if lowering is None:
        return None
    if isinstance(lowering, str):
        return None if eqn.params else lowering.format(*args)
    return lowering(args, **eqn.params)


def generate_scalar(closed: ClosedJaxpr) -> Program | None:
    jaxpr = closed.jaxpr
    all_vars = list(jaxpr.invars) + list(jaxpr.constvars) + [
        v for e in jaxpr.eqns for v in e.outvars]
    if not all_vars or any(v.aval.shape != () or v.aval.dtype != _F64 for v in all_vars):
        return None
    if any(type(x) is Literal and get_aval(x.val) != get_aval(np.float64(0))
           for e in jaxpr.eqns for x in e.inputs):
        return None
    names = Names()
    atoms: dict[Var, str] = {}
    params_in = [names.var(v) for v in jaxpr.invars]
    lines = [f"def program({', '.join(params_in)}):"]
    for v, p in zip(jaxpr.invars, params_in):
        atoms[v] = p
        lines.append(f"    {p} = float({p})")
    for v, c in zip(jaxpr.constvars, closed.consts):
        atoms[v] = names.value(float(c), "c")

    def ref(x: Any) -> str:
        if type(x) is not Literal:
            return atoms[x]
        value = float(x.val)
        return repr(value) if math.isfinite(value) else names.value(value, "k")

    # A value used once, by a later equation, is written into that equation's expression
    # rather than stored and loaded (a fifth of a float operation's cost in CPython); the
    # floating operations and their order are the same. Parentheses nest at most
    # _MAX_NESTING deep, well below CPython's limit (200).
    uses: dict[Var, int] = {}
    for eqn in jaxpr.eqns:
        for x in eqn.inputs:
            if type(x) is Var:
                uses[x] = uses.get(x, 0) + 1
    for x in jaxpr.outvars:
        if type(x) is Var:
            uses[x] = uses.get(x, 0) + 2  # never inlined
    # pending: a value used once, not yet written: its expression, how deep parentheses nest
    # in it (bounded by the template's own parentheses plus the deepest operand's) and how
    # many equations it holds (a statement holds at most _MAX_FOLDED, so that a chunk of
    # statements stays a bounded amount of code to compile)
    pending: dict[Var, tuple[str, int, int]] = {}
    for eqn in jaxpr.eqns:
        operands, deepest, inner, folded = [], 0, 0, 1
        for x in eqn.inputs:
            inlined = pending.pop(x, None) if type(x) is Var else None
            if inlined is None:
                operands.append(ref(x))
            else:
                operand = f"({inlined[0]})"
                operands.append(operand)
                deepest = max(deepest, inlined[1] + 1)
                inner += operand.count("(")
                folded += inlined[2]
        expression = _scalar_expression(eqn, operands)
        if expression is None:
            return None
        out_var = eqn.outvars[0]
        depth = expression.count("(") - inner + deepest
        if uses.get(out_var, 0) == 1 and depth < _MAX_NESTING and folded < _MAX_FOLDED:
            pending[out_var] = (expression, depth, folded)
            continue
        out = atoms[out_var] = names.var(out_var)
        lines.append(f"    {out} = {expression}")
    f64 = names.value(np.float64, "f")
    outs = ", ".join(f"{f64}({ref(x)})" for x in jaxpr.outvars)
    lines.append(f"    return [{outs}]")
    return build(lines, names.namespace, free_slots=False)
