"""Scalar code generation: a program whose values are all 0-d float64 runs on Python floats
and ``math``, several times cheaper than NumPy scalars (the caller falls back to the NumPy
version when Python raises). See docs/internals.md, "jit".
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from ftrans.compile.buffers import Program, use_counts
from ftrans.compile.source import Names, build
from ftrans.compile.tables import scalar_lowerings
from ftrans.core import ShapedArray, get_aval, make_aval
from ftrans.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var

__all__ = [
    "generate_scalar",
]


_F64 = np.dtype(np.float64)
_SCALAR = make_aval((), _F64)
# An expression holds at most _MAX_FOLDED equations, with parentheses nested less than
# _MAX_NESTING deep (CPython's parser allows 200): a chunk of statements stays a bounded
# amount of code to compile.
_MAX_NESTING = 64
_MAX_FOLDED = 8
# ``math.sin(x)`` is written ``math_sin(x)``, a global of the generated code: one load per call
# instead of a load and an attribute lookup (a seventh of a chain of sines' time).
_MATH_ATTRIBUTE = re.compile(r"(?<![\w.])math\.(\w+)")
_MATH_GLOBALS = {f"math_{name}": value for name, value in vars(math).items()
                 if not name.startswith("_")}
_global_forms: dict[str, str] = {}  # a lowering's format string, with math_ globals


def _float_scalar(aval: ShapedArray) -> bool:
    return aval is _SCALAR or (aval.shape == () and aval.dtype == _F64)

def _scalar_expression(eqn: JaxprEqn, args: list[str]) -> str | None:
    """The Python-float expression of an application (``scalar_lowerings``), or None."""
    lowering = scalar_lowerings.get(eqn.primitive)
    if lowering is None:
        return None
    if isinstance(lowering, str):
        if eqn.params:
            return None
        form = _global_forms.get(lowering)
        if form is None:
            form = _global_forms[lowering] = _MATH_ATTRIBUTE.sub(r"math_\1", lowering)
        return form.format(*args)
    expression = lowering(args, **eqn.params)
    if expression is not None and "math." in expression:
        expression = _MATH_ATTRIBUTE.sub(r"math_\1", expression)
    return expression


def generate_scalar(closed: ClosedJaxpr) -> Program | None:
    jaxpr = closed.jaxpr
    if not (jaxpr.invars or jaxpr.constvars or jaxpr.eqns):
        return None
    if not all(_float_scalar(v.aval) for v in jaxpr.invars) \
            or not all(_float_scalar(v.aval) for v in jaxpr.constvars) \
            or not all(_float_scalar(v.aval) for e in jaxpr.eqns for v in e.outvars):
        return None
    if any(type(x) is Literal and not _float_scalar(get_aval(x.val))
           for e in jaxpr.eqns for x in e.inputs):
        return None
    inlined = _inlined(jaxpr)
    if inlined is None:
        return None
    names = Names()
    names.namespace.update(_MATH_GLOBALS)
    params_in = [names.var(v) for v in jaxpr.invars]
    consts = {v: names.value(float(c), "c") for v, c in zip(jaxpr.constvars, closed.consts)}
    arguments = dict(zip(jaxpr.invars, params_in))
    # Local names are allocated walking the program backwards: a value takes a name at its
    # last use and gives it back where it is defined, so a name is reused once its value is
    # dead (Python floats need no del) and a long program's code holds a few names, not one
    # per equation. Only the values alive at a point are held while generating.
    live: dict[Var, str] = {}
    free: list[str] = []

    def ref(x: Any) -> str:
        if type(x) is Literal:
            value = float(x.val)
            return repr(value) if math.isfinite(value) else names.value(value, "k")
        name = consts.get(x) or arguments.get(x) or live.get(x)
        if name is None:  # its last use
            name = live[x] = free.pop() if free else names.var(x)
        return name

    f64 = names.value(np.float64, "f")
    outputs = ", ".join(f"{f64}({ref(x)})" for x in jaxpr.outvars)
    # one output is returned bare (see _listed): a cached call takes it without a list
    single = len(jaxpr.outvars) == 1
    body = [f"    return {outputs}" if single else f"    return [{outputs}]"]

    def render(eqn: JaxprEqn) -> str:
        # the operands of the equations written into this one are read here
        expression = _scalar_expression(eqn, [
            f"({render(inlined[x])})" if type(x) is Var and x in inlined else ref(x)
            for x in eqn.inputs])
        assert expression is not None  # _inlined has seen every equation's
        return expression

    for eqn in reversed(jaxpr.eqns):
        v = eqn.outvars[0]
        if v in inlined:  # written where it is used
            continue
        out = live.pop(v, None)
        if out is None:  # never read: a name that is free again at once
            out = free[-1] if free else names.var(v)
        else:
            free.append(out)
        body.append(f"    {out} = {render(eqn)}")
    lines = [f"def program({', '.join(params_in)}):"]
    lines += [f"    {p} = float({p})" for p in params_in]
    body.reverse()
    lines += body
    del body
    for done in (consts, arguments, live, names.vars, inlined):  # what only generation
        done.clear()                                              # needed goes first
    program = build(lines, names.namespace, free_slots=False)
    return _listed(program) if single else program


def _listed(value: Any) -> Program:
    """The program of one output from ``value``, its generated function returning that output
    bare: the program returns it in a list, as every program does, and keeps ``value`` (for
    callers that want the value alone, without the list: jit's cached call) and its source."""
    def program(*args: Any) -> list[Any]:
        return [value(*args)]
    program.source = value.source  # type: ignore[attr-defined]
    program.value = value  # type: ignore[attr-defined]
    return program


def _inlined(jaxpr: Jaxpr) -> dict[Var, JaxprEqn] | None:
    """The values written into the one expression that uses them rather than stored and
    loaded (a fifth of a float operation's cost in CPython), with the equations computing them;
    the floating operations and their order are the same. None if an equation has no scalar
    form. A value is inlined when it is used once, by an operand that its user's expression
    reads once (``x * x`` is a square), within the caps on an expression's size."""
    uses = use_counts(jaxpr)  # a returned value is never inlined
    inlined: dict[Var, JaxprEqn] = {}
    pending: dict[Var, tuple[int, int]] = {}  # inlined, not yet used: (nesting, equations)
    for eqn in jaxpr.eqns:
        tokens = [f"_{i}_" if type(x) is Var else "0.0" for i, x in enumerate(eqn.inputs)]
        expression = _scalar_expression(eqn, tokens)
        if expression is None:
            return None
        deepest, folded = 0, 1
        for x, token in zip(eqn.inputs, tokens):
            if type(x) is not Var:
                continue
            size = pending.pop(x, None)
            if size is None:
                continue
            if expression.count(token) != 1:  # read twice: computed once, stored
                del inlined[x]
                continue
            deepest = max(deepest, size[0] + 1)
            folded += size[1]
        out = eqn.outvars[0]
        depth = expression.count("(") + deepest
        if uses.get(out, 0) == 1 and depth < _MAX_NESTING and folded < _MAX_FOLDED:
            inlined[out] = eqn
            pending[out] = (depth, folded)
    return inlined
