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
from ftrans.core import get_aval
from ftrans.ir import ClosedJaxpr, JaxprEqn, Literal, Var


_F64 = np.dtype(np.float64)

# How each primitive reads on Python floats; None where the scalar form does not apply.
_SCALAR_TEMPLATES: dict[str, str] = {
    "add": "{0} + {1}", "add_any": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}",
    "div": "{0} / {1}", "neg": "-{0}", "sin": "math.sin({0})", "cos": "math.cos({0})",
    "tan": "math.tan({0})", "exp": "math.exp({0})", "log": "math.log({0})",
    "tanh": "math.tanh({0})", "sqrt": "math.sqrt({0})", "log1p": "math.log1p({0})",
    "expm1": "math.expm1({0})", "abs": "abs({0})", "stop_gradient": "{0}",
    "rsqrt": "1.0 / math.sqrt({0})", "pow": "math.pow({0}, {1})",
}


def _scalar_expression(eqn: JaxprEqn, args: list[str]) -> str | None:
    name = eqn.primitive.name
    if name == "integer_pow":
        y = eqn.params["y"]
        if type(y) is not int:  # only a genuine int is written into the source
            return None
        if y == 2:
            return f"{args[0]} * {args[0]}"
        return f"{args[0]} ** {y}" if y > 0 else f"1.0 / {args[0]} ** {-y}"
    if name == "logistic":
        return f"(1.0 / (1.0 + math.exp(-{args[0]})))"
    template = _SCALAR_TEMPLATES.get(name)
    if template is None or eqn.params:
        return None
    return template.format(*args)


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

    for eqn in jaxpr.eqns:
        expression = _scalar_expression(eqn, [ref(x) for x in eqn.inputs])
        if expression is None:
            return None
        out = atoms[eqn.outvars[0]] = names.var(eqn.outvars[0])
        lines.append(f"    {out} = {expression}")
    f64 = names.value(np.float64, "f")
    outs = ", ".join(f"{f64}({ref(x)})" for x in jaxpr.outvars)
    lines.append(f"    return [{outs}]")
    return build(lines, names.namespace)
