"""The algebraic pass: forward no-ops (``x * 1``, ``x + 0``, same-type casts, identity
reshapes), cancel double negations and inverse transposes, merge chains of scalar
multiplications and fold equations whose inputs are all constants. See docs/internals.md,
"jit".
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ftrans.compile.tables import (
    cancellation_rules, commutative, effects, forwarding_rules, rewrite_rules, scaling_rules,
    uniform_binary, uniform_rules,
)
from ftrans.core import ShapedArray
from ftrans.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, programs_in_params

__all__ = [
    "forward_identity_element", "forward_operand", "forward_same_type", "is_constant",
    "scaling_by_literal", "scaling_by_minus_one", "simplify",
]


def _is_scalar_literal(x: Any, value: float) -> bool:
    if type(x) is not Literal:
        return False
    v = x.val
    try:
        return bool(np.asarray(v) == value) and np.ndim(v) == 0
    except (TypeError, ValueError):
        return False


def is_constant(x: Any, value: float, known: dict[Var, Any]) -> bool:
    """Whether atom ``x`` is a literal or constant array whose elements all equal ``value``."""
    if type(x) is Literal:
        return _is_scalar_literal(x, value)
    array = known.get(x)
    if array is None or array.dtype.kind not in "biufc":
        return False
    return bool(np.all(array == value))


# ---------------------------------------------------------------------------------------------
# Helpers for the rules of ftrans.compile.tables, used in the primitives' blocks
# ---------------------------------------------------------------------------------------------


def forward_operand(eqn: JaxprEqn, known: dict[Var, Any]) -> Any:
    """A forwarding rule: the output is the operand (``stop_gradient``)."""
    return eqn.inputs[0]


def forward_same_type(eqn: JaxprEqn, known: dict[Var, Any]) -> Any:
    """A forwarding rule: the output is the operand when their types agree (a cast to the same
    dtype, a reshape to the same shape)."""
    x = eqn.inputs[0]
    return x if x.aval == eqn.outvars[0].aval else None


def forward_identity_element(value: float, either_side: bool
                             ) -> Callable[[JaxprEqn, dict[Var, Any]], Any]:
    """A forwarding rule for ``x op value`` (and ``value op x`` when ``either_side``): the
    output is ``x`` when ``value`` is the identity of ``op`` (``x * 1``, ``x + 0``)."""
    def rule(eqn: JaxprEqn, known: dict[Var, Any]) -> Any:
        ins, out_aval = eqn.inputs, eqn.outvars[0].aval
        if ins[0].aval == out_aval and is_constant(ins[1], value, known):
            return ins[0]
        if either_side and ins[1].aval == out_aval and is_constant(ins[0], value, known):
            return ins[1]
        return None
    return rule


def scaling_by_literal(eqn: JaxprEqn) -> tuple[Any, Any] | None:
    """A scaling rule for a product: ``(c, x)`` for ``c * x`` or ``x * c`` with a scalar
    literal ``c``."""
    out_aval = eqn.outvars[0].aval
    for c, x in (eqn.inputs, eqn.inputs[::-1]):
        if type(c) is Literal and np.ndim(c.val) == 0 and type(x) is Var and x.aval == out_aval:
            return c.val, x
    return None


def scaling_by_minus_one(eqn: JaxprEqn) -> tuple[Any, Any] | None:
    """A scaling rule for a negation: ``-x`` is ``-1 * x``."""
    return np.asarray(-1, eqn.outvars[0].aval.dtype)[()], eqn.inputs[0]


def _forwarded(eqn: JaxprEqn, known: dict[Var, Any]) -> Any:
    """The input an equation's single output equals, if it is an algebraic no-op."""
    rule = forwarding_rules.get(eqn.primitive)
    if rule is None or len(eqn.outvars) != 1:
        return None
    return rule(eqn, known)


def simplify(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Forward algebraic no-ops, cancel double negations and transposes, and fold equations
    whose inputs are all constants (literals or constant arrays) into constants."""
    jaxpr = closed.jaxpr
    constvars, consts = list(jaxpr.constvars), list(closed.consts)
    known: dict[Var, Any] = {v: c for v, c in zip(constvars, consts)
                             if isinstance(c, (np.ndarray, np.generic))}
    renames: dict[Var, Any] = {}
    producers: dict[Var, JaxprEqn] = {}
    uniform: dict[Var, Any] = {}  # arrays whose every element is one known scalar
    eqns = []
    for eqn in jaxpr.eqns:
        if renames and any(type(x) is Var and x in renames for x in eqn.inputs):
            inputs = [renames.get(x, x) if type(x) is Var else x for x in eqn.inputs]
            eqn = JaxprEqn(eqn.primitive, inputs, eqn.params, eqn.outvars)
        # (an unchanged equation is shared with the input program: nothing mutates one)
        eqn = _uniform_operands_as_literals(eqn, uniform)
        forward = _forwarded(eqn, known)
        if forward is None:
            forward = _cancelled(eqn, producers)
        if forward is not None:
            renames[eqn.outvars[0]] = forward
            continue
        rewrite = rewrite_rules.get(eqn.primitive)
        if rewrite is not None:
            eqn = rewrite(eqn, known)
        eqn = _merge_scalings(eqn, producers)
        eqn = _negated_addend_as_difference(eqn, producers)
        folded = _fold(eqn, known)
        if folded is not None:
            if type(folded) is Literal:
                renames[eqn.outvars[0]] = folded
            else:  # a new constant array
                var = eqn.outvars[0]
                constvars.append(var)
                consts.append(folded)
                known[var] = folded
            continue
        eqns.append(eqn)
        for v in eqn.outvars:
            producers[v] = eqn
    outvars = [renames.get(x, x) if type(x) is Var else x for x in jaxpr.outvars]
    return ClosedJaxpr(Jaxpr(constvars, jaxpr.invars, eqns, outvars), consts)


def _uniform_operands_as_literals(eqn: JaxprEqn, uniform: dict[Var, Any]) -> JaxprEqn:
    """Track arrays filled with one scalar (a broadcast literal: the cotangent of a sum, a
    vmapped constant), and use the scalar itself wherever the other operand of a broadcasting
    elementwise operation already has the output's type, so that ``ones * x`` is ``1.0 * x``
    (then forwarded) and the broadcast is dead code."""
    ins = eqn.inputs

    def scalar_of(x: Any) -> Any:
        if type(x) is Literal and np.ndim(x.val) == 0:
            return x.val
        return uniform.get(x) if type(x) is Var else None

    propagate = uniform_rules.get(eqn.primitive)
    if propagate is not None:
        if scalar_of(ins[0]) is not None:
            uniform[eqn.outvars[0]] = propagate(scalar_of(ins[0]))
        return eqn
    if eqn.primitive not in uniform_binary:
        return eqn
    out_aval = eqn.outvars[0].aval
    values = [scalar_of(x) for x in ins]
    if values[0] is not None and values[1] is not None:
        with np.errstate(all="ignore"):
            value = np.asarray(eqn.primitive.impl(values[0], values[1]))
        if value.dtype == out_aval.dtype:
            uniform[eqn.outvars[0]] = value[()]
        return eqn
    for i in (0, 1):
        other = ins[1 - i]
        if values[i] is not None and type(ins[i]) is Var and other.aval == out_aval:
            scalar = np.asarray(values[i], out_aval.dtype)[()]
            new_inputs = list(ins)
            new_inputs[i] = Literal(scalar, ShapedArray((), out_aval.dtype))
            return JaxprEqn(eqn.primitive, new_inputs, eqn.params, eqn.outvars)
    return eqn


def _same_value(x: Any, y: Any, producers: dict[Var, JaxprEqn]) -> bool:
    """Whether atoms ``x`` and ``y`` are one value: one variable, or the single results of two
    equations applying one primitive to the same inputs with the same params (common
    subexpressions, merged only by a later pass)."""
    if x is y:
        return True
    ex, ey = producers.get(x), producers.get(y)
    if ex is None or ey is None or ex.primitive is not ey.primitive or len(ex.outvars) != 1 \
            or ex.primitive in effects or len(ex.inputs) != len(ey.inputs):
        return False
    if any(a is not b for a, b in zip(ex.inputs, ey.inputs)) and not (
            ex.primitive in commutative and len(ex.inputs) == 2
            and ex.inputs[0] is ey.inputs[1] and ex.inputs[1] is ey.inputs[0]):
        return False
    try:
        return bool(ex.params == ey.params)
    except (TypeError, ValueError):  # params holding arrays
        return False


def _scaling(eqn: JaxprEqn | None, producers: dict[Var, JaxprEqn] | None = None
             ) -> tuple[Any, Any] | None:
    """``(c, x)`` when ``eqn`` computes ``c * x`` for a scalar ``c`` (``neg`` is ``-1 * x``)
    and ``x`` has the output's type (``scaling_rules``)."""
    if eqn is None or len(eqn.outvars) != 1 or eqn.outvars[0].aval.dtype.kind not in "fc":
        return None
    rule = scaling_rules.get(eqn.primitive)
    if rule is None:
        ins = eqn.inputs
        # x + x is 2 * x, exactly (inf, nan and -0.0 included)
        if eqn.primitive.impl is np.add and not eqn.params and len(ins) == 2 \
                and type(ins[0]) is Var and type(ins[1]) is Var \
                and ins[0].aval == eqn.outvars[0].aval \
                and (ins[0] is ins[1] or producers is not None
                     and _same_value(ins[0], ins[1], producers)):
            return np.asarray(2, eqn.outvars[0].aval.dtype)[()], ins[0]
        return None
    return rule(eqn)


def _product_primitive(eqns: tuple[JaxprEqn, JaxprEqn]) -> Any:
    """The multiplication to write a merged scaling with: the binary one of the two scalings
    if it multiplies, else any registered scaling that multiplies (or None)."""
    for e in eqns:
        if e.primitive in scaling_rules and len(e.inputs) == 2:
            return e.primitive
    return next((p for p in scaling_rules if p.impl is np.multiply), None)


def _merge_scalings(eqn: JaxprEqn, producers: dict[Var, JaxprEqn]) -> JaxprEqn:
    """``c1 * (c2 * x)``, ``-(c * x)`` and ``c * (-x)`` become one multiplication by a scalar
    (the inner product becomes dead code when nothing else uses it)."""
    outer = _scaling(eqn)
    if outer is None or type(outer[1]) is not Var:
        return eqn
    inner_eqn = producers.get(outer[1])
    inner = _scaling(inner_eqn, producers)
    if inner is None or inner_eqn is None:  # (_scaling(None) is None)
        return eqn
    # the product is written with the binary one of the two (two negations cancel earlier)
    product = _product_primitive((eqn, inner_eqn))
    if product is None:
        return eqn
    out_aval = eqn.outvars[0].aval
    factor = np.asarray(outer[0] * inner[0], out_aval.dtype)[()]
    return JaxprEqn(product, [Literal(factor, ShapedArray((), out_aval.dtype)), inner[1]], {},
                    eqn.outvars)


def _negated_addend_as_difference(eqn: JaxprEqn, producers: dict[Var, JaxprEqn]) -> JaxprEqn:
    """``x + (-y)`` (either order) is ``x - y``, exactly (IEEE subtraction is the addition of
    the negation; integers wrap alike): one pass instead of two when nothing else reads
    ``-y``. Primitives are told by their NumPy implementations."""
    if eqn.primitive.impl is not np.add or eqn.params or len(eqn.inputs) != 2 \
            or len(eqn.outvars) != 1:
        return eqn
    for i in (1, 0):
        negated, x = eqn.inputs[i], eqn.inputs[1 - i]
        inner = producers.get(negated) if type(negated) is Var else None
        if inner is None or inner.primitive.impl is not np.negative or inner.params \
                or len(inner.inputs) != 1:
            continue
        subtract = _subtraction_primitive()
        if subtract is None:
            return eqn
        return JaxprEqn(subtract, [x, inner.inputs[0]], {}, eqn.outvars)
    return eqn


def _subtraction_primitive() -> Any:
    """The registered elementwise subtraction (a primitive whose impl is ``np.subtract``), or
    None."""
    return next((p for p in forwarding_rules if p.impl is np.subtract), None)


def _cancelled(eqn: JaxprEqn, producers: dict[Var, JaxprEqn]) -> Any:
    """``p(p(x))`` that is ``x`` (``cancellation_rules``): neg(neg(x)), transpose(transpose(x))
    with inverse permutations."""
    rule = cancellation_rules.get(eqn.primitive)
    if rule is None:
        return None
    x = eqn.inputs[0]
    inner = producers.get(x) if type(x) is Var else None
    if inner is None or inner.primitive is not eqn.primitive:
        return None
    return rule(eqn, inner)


# A folded array may be kept if it is no larger than its inputs (or small): folding must not
# turn a broadcast into a large constant.
_FOLDABLE_SIZE = 4096


def _fold(eqn: JaxprEqn, known: dict[Var, Any]) -> Any:
    """The value of an equation whose inputs are all constants (a Literal when 0-d), or None."""
    if eqn.primitive.multiple_results or not eqn.inputs or eqn.primitive in effects:
        return None
    values = []
    largest = 0
    for x in eqn.inputs:
        if type(x) is Literal:
            values.append(x.val)
        elif x in known:
            values.append(known[x])
            largest = max(largest, np.size(known[x]))
        else:
            return None
    out_aval = eqn.outvars[0].aval
    if out_aval.size > max(_FOLDABLE_SIZE, largest) or any(programs_in_params(eqn.params)):
        return None
    with np.errstate(all="ignore"):
        value = eqn.primitive.impl(*values, **eqn.params)
    value = np.asarray(value)
    if value.shape != out_aval.shape or value.dtype != out_aval.dtype:
        return None
    if value.ndim == 0:
        return Literal(value[()], out_aval)
    return np.array(value)  # an owned, writable copy: never a view of another constant
