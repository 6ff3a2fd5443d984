"""Forward-mode differentiation: push (primal, tangent) pairs through each primitive.

A :class:`JVPTracer` carries a primal value and its tangent. A tangent may be a symbolic
:class:`Zero`: unused inputs, integer values and ``stop_gradient`` cost nothing, and an output
whose tangent is Zero leaves the rule as a plain (primal) value. Rules run with the parent
trace current, so the primal work happens in the enclosing interpreter (NumPy, or an outer
transformation) and the tangent work may be recorded (``linearize``). See docs/internals.md,
"Differentiation".
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import (
    MissingRuleError,
    Primitive,
    ShapedArray,
    Trace,
    Tracer,
    current_trace_var,
    get_aval,
    new_trace,
)
from ftrans.interpreters.staging import StagingTracer, trace_flat
from ftrans.ir import ClosedJaxpr, Var, eval_jaxpr

__all__ = [
    "JVPTrace", "JVPTracer", "Zero", "add_any_p", "add_tangents", "defbilinear", "defjvp",
    "defjvp_zero", "deflinear", "instantiate_zeros", "is_differentiable_dtype", "jvp_jaxpr",
    "jvp_rules", "match_shape", "split_outputs",
]

# jvp_rules[prim](primals, tangents, **params) -> (out, out_dot): arrays positional, params
# keyword. A tangent is an array of the primal's shape and dtype, or a Zero; for primitives with
# multiple results, out and out_dot are lists.
jvp_rules: dict[Primitive, Callable[..., tuple[Any, Any]]] = {}


class Zero:
    """A symbolic zero tangent or cotangent of the given abstract value."""

    __slots__ = ("_aval", "_like")

    def __init__(self, aval: ShapedArray):
        self._aval = aval

    @staticmethod
    def like(x: Any) -> Zero:
        """The zero tangent of value ``x``; its aval is computed only if asked for (rules
        written with the helpers never ask, and constants are frequent)."""
        zero = Zero(None)  # type: ignore[arg-type]
        zero._like = x
        return zero

    @property
    def aval(self) -> ShapedArray:
        if self._aval is None:
            self._aval = get_aval(self._like)
            self._like = None
        return self._aval

    def __repr__(self) -> str:
        return f"Zero({self.aval.str_short()})"


def instantiate_zeros(t: Any) -> Any:
    """Turn a symbolic Zero into a real zero array; other values pass through."""
    if type(t) is Zero:
        return np.zeros(t.aval.shape, t.aval.dtype)
    return t


def is_differentiable_dtype(dtype: np.dtype) -> bool:
    return dtype.kind in "fc"


class JVPTracer(Tracer):
    """Carries a primal value and its tangent (never a Zero: those leave as plain values).

    Under ``linearize`` the tangent may be held as the bare program variable (a ``Var``) of
    the recording trace below: its tracer is made only when something asks for ``tangent``.
    """

    __slots__ = ("primal", "_tangent", "aval")
    aval: ShapedArray  # a slot here (Tracer's is a property): read by every NumPy-layer call

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any,
                 aval: ShapedArray | None = None):
        self._trace = trace
        self.primal = primal
        self._tangent = tangent
        self.aval = get_aval(primal) if aval is None else aval

    @property
    def tangent(self) -> Any:
        t = self._tangent
        if type(t) is Var:  # linearize's: a variable of the trace that records the tangents
            return StagingTracer(self._trace.parent, t)  # type: ignore[arg-type]
        return t

    def to_concrete_value(self) -> Any:
        primal = self.primal
        if isinstance(primal, Tracer):
            return primal.to_concrete_value()
        return primal

    def carries_derivative(self) -> bool:
        return True


class JVPTrace(Trace):
    """Forward mode: applies ``jvp_rules`` to (primal, tangent) pairs."""

    __slots__ = ()

    def __init__(self, parent: Trace | None, description: str = "jvp"):
        super().__init__(parent, description)

    def process_primitive(self, prim: Primitive, args: tuple, params: dict) -> Any:
        # Trace.process_primitive and process in one: the hottest path of eager jvp
        primals = []
        tangents = []
        mine = False
        for x in args:
            if type(x) is JVPTracer and x._trace is self:
                primals.append(x.primal)
                t = x._tangent
                if type(t) is Var:  # linearize's tangent, held as its variable
                    t = StagingTracer(self.parent, t)  # type: ignore[arg-type]
                tangents.append(t)
                mine = True
            else:
                primals.append(x)
                tangents.append(Zero.like(x))
        if not mine:
            return self.parent.process_primitive(prim, args, params)
        rule = jvp_rules.get(prim)
        if rule is None:
            raise MissingRuleError(prim, "jvp")
        token = current_trace_var.set(self.parent)
        try:
            out, out_dot = rule(primals, tangents, **params)
        finally:
            current_trace_var.reset(token)
        if prim.multiple_results:
            return [o if type(t) is Zero else JVPTracer(self, o, t) for o, t in zip(out, out_dot)]
        if type(out_dot) is Zero:
            return out
        return JVPTracer(self, out, out_dot)


def split_outputs(trace: JVPTrace, outs: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """The primal and tangent parts of a transformed function's outputs: a value that is not
    one of ``trace``'s tracers has a symbolic ``Zero`` tangent."""
    primals, tangents = [], []
    for o in outs:
        if isinstance(o, JVPTracer) and o._trace is trace:
            primals.append(o.primal)
            tangents.append(o.tangent)
        else:
            primals.append(o)
            tangents.append(Zero.like(o))
    return primals, tangents


# ---------------------------------------------------------------------------------------------
# Rule helpers: they filter symbolic zeros, so the rules written with them never see one.
# ---------------------------------------------------------------------------------------------


def _add_any_abstract_eval(x: ShapedArray, y: ShapedArray) -> ShapedArray:
    if x != y:
        raise TypeError(f"add_any of different types {x.str_short()} and {y.str_short()}")
    return x


# Sums tangents and cotangents of one value; linear, so transpose and vmap see through it.
add_any_p = Primitive("add_any", impl=np.add, abstract_eval=_add_any_abstract_eval)


def add_tangents(a: Any, b: Any) -> Any:
    if get_aval(a) != get_aval(b):
        from ftrans.lax import add  # cycle: lax builds on jvp
        return add(a, b)
    return add_any_p.bind(a, b)


def match_shape(t: Any, aval: ShapedArray) -> Any:
    """A contribution to an output tangent made broadcast-compatible with the output."""
    t_aval = get_aval(t)
    if t_aval is aval:
        return t
    if t_aval.shape != aval.shape:
        from ftrans.lax import broadcast_to  # cycle: lax builds on jvp
        t = broadcast_to(t, aval.shape)
    if t_aval.dtype != aval.dtype:
        from ftrans.lax import convert_element_type  # cycle: lax builds on jvp
        t = convert_element_type(t, aval.dtype)
    return t


def defjvp(prim: Primitive, *partial_rules: Callable[..., Any] | None) -> None:
    """Define ``prim``'s jvp by one rule per argument: ``rule(g, ans, *primals, **params)``
    gives the contribution of argument i's tangent ``g`` to the output tangent (``ans`` is the
    primal output). ``None`` marks an argument the output does not depend on smoothly. Zero
    tangents are skipped; contributions are broadcast to the output's shape and summed."""

    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        ans = prim.bind(*primals, **params)
        out_dot = None
        for partial_rule, t in zip(partial_rules, tangents):
            if partial_rule is None or type(t) is Zero:
                continue
            contribution = partial_rule(t, ans, *primals, **params)
            out_dot = contribution if out_dot is None else add_tangents(out_dot, contribution)
        if out_dot is None:
            return ans, Zero.like(ans)
        return ans, match_shape(out_dot, get_aval(ans))

    def unary_rule(primals: Sequence[Any], tangents: Sequence[Any],
                   **params: Any) -> tuple[Any, Any]:
        # one argument: its tangent already has the output's shape and dtype
        ans = prim.bind(*primals, **params)
        t, only_rule = tangents[0], partial_rules[0]
        if type(t) is Zero or only_rule is None:  # None: defjvp(prim, None), no dependence
            return ans, Zero.like(ans)
        return ans, only_rule(t, ans, *primals, **params)

    def binary_rule(primals: Sequence[Any], tangents: Sequence[Any],
                    **params: Any) -> tuple[Any, Any]:
        ans = prim.bind(*primals, **params)
        x_dot, y_dot = tangents
        x_rule = None if type(x_dot) is Zero else rule_x
        y_rule = None if type(y_dot) is Zero else rule_y
        if x_rule is None:
            if y_rule is None:
                return ans, Zero.like(ans)
            out_dot = y_rule(y_dot, ans, *primals, **params)
        elif y_rule is None:
            out_dot = x_rule(x_dot, ans, *primals, **params)
        else:
            out_dot = add_tangents(x_rule(x_dot, ans, *primals, **params),
                                    y_rule(y_dot, ans, *primals, **params))
        return ans, match_shape(out_dot, get_aval(ans))

    if len(partial_rules) == 1:
        jvp_rules[prim] = unary_rule
    elif len(partial_rules) == 2:
        rule_x, rule_y = partial_rules
        jvp_rules[prim] = binary_rule
    else:
        jvp_rules[prim] = rule


def deflinear(prim: Primitive, transpose: Callable[..., Any] | None = None) -> None:
    """``prim`` is linear in all its array arguments: its tangent is ``prim`` of the tangents
    (Zero when every tangent is Zero; other Zeros become zero arrays). ``transpose``, a rule of
    the ``transpose_rules`` signature ``(ct, *args, **params) -> cts``, is registered as its
    transpose."""
    if transpose is not None:
        from ftrans.interpreters.transpose import transpose_rules  # transpose.py imports jvp.py
        transpose_rules[prim] = transpose

    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        ans = prim.bind(*primals, **params)
        if all(type(t) is Zero for t in tangents):
            if prim.multiple_results:
                return ans, [Zero.like(a) for a in ans]
            return ans, Zero.like(ans)
        return ans, prim.bind(*[instantiate_zeros(t) for t in tangents], **params)

    jvp_rules[prim] = rule


def defbilinear(prim: Primitive) -> None:
    """``prim(x, y)`` is linear in each argument separately (mul, dot_general):
    its tangent is ``prim(x_dot, y) + prim(x, y_dot)``."""
    defjvp(prim,
           lambda g, ans, x, y, **params: prim.bind(g, y, **params),
           lambda g, ans, x, y, **params: prim.bind(x, g, **params))


def defjvp_zero(prim: Primitive) -> None:
    """``prim``'s output does not change with its inputs (comparisons, floor, argmax, ...)."""

    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        ans = prim.bind(*primals, **params)
        if prim.multiple_results:
            return ans, [Zero.like(a) for a in ans]
        return ans, Zero.like(ans)

    jvp_rules[prim] = rule


deflinear(add_any_p)


# ---------------------------------------------------------------------------------------------
# Programs: the jvp of a closed jaxpr, for primitives that call one (jit, control flow)
# ---------------------------------------------------------------------------------------------


def jvp_jaxpr(closed: ClosedJaxpr, nonzeros: Sequence[bool],
              instantiate: bool | Sequence[bool] = False) -> tuple[ClosedJaxpr, list[bool]]:
    """The forward-mode program of ``closed``.

    The result takes ``(*primals, *tangents of the inputs marked in nonzeros)`` and returns
    ``(*outputs, *tangents of the outputs marked in the returned list)``; other tangents are
    symbolic zeros. The tangents of outputs marked in ``instantiate`` (one flag, or one per
    output) are always returned, as zeros where the program's tangent is symbolically zero.
    Memoized on ``closed``.
    """
    n_out = len(closed.out_avals)
    inst = [instantiate] * n_out if isinstance(instantiate, bool) else list(instantiate)
    if any(inst):
        program, out_nz = jvp_jaxpr(closed, nonzeros)
        want = [nz or i for nz, i in zip(out_nz, inst)]
        if want == out_nz:
            return program, out_nz
        key: tuple = ("jvp", tuple(nonzeros), tuple(want))
    else:
        key = ("jvp", tuple(nonzeros))
    found = closed.derived.get(key)
    if found is not None:
        return found
    in_avals = closed.in_avals
    n = len(in_avals)
    out_nonzeros: list[bool] = []

    def fun(*args: Any) -> list[Any]:
        tangents = iter(args[n:])
        with new_trace(JVPTrace, "jvp") as trace:
            ins = [JVPTracer(trace, p, next(tangents)) if nz else p
                   for p, nz in zip(args[:n], nonzeros)]
            primals_out, tangents_out = split_outputs(
                trace, eval_jaxpr(closed.jaxpr, closed.consts, *ins))
        tangents_out = [instantiate_zeros(t) if i else t for t, i in zip(tangents_out, inst)]
        out_nonzeros.extend(type(t) is not Zero for t in tangents_out)
        return primals_out + [t for t in tangents_out if type(t) is not Zero]

    tangent_avals = [a for a, nz in zip(in_avals, nonzeros) if nz]
    result = (trace_flat(fun, list(in_avals) + tangent_avals, "jvp"), out_nonzeros)
    closed.derived[key] = result
    return result
