"""The algebraic pass: forward no-ops (``x * 1``, ``x + 0``, same-type casts, identity
reshapes), cancel double negations and inverse transposes, merge chains of scalar
multiplications and fold equations whose inputs are all constants. See docs/internals.md,
"jit".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans.compile.passes import _IMPURE
from ftrans.core import ShapedArray
from ftrans.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, programs_in_params


def _is_scalar_literal(x: Any, value: float) -> bool:
    if type(x) is not Literal:
        return False
    v = x.val
    try:
        return bool(np.asarray(v) == value) and np.ndim(v) == 0
    except (TypeError, ValueError):
        return False


def _is_constant(x: Any, value: float, known: dict[Var, Any]) -> bool:
    """Whether atom ``x`` is a literal or constant array whose elements all equal ``value``."""
    if type(x) is Literal:
        return _is_scalar_literal(x, value)
    array = known.get(x)
    if array is None or array.dtype.kind not in "biufc":
        return False
    return bool(np.all(array == value))


def _forwarded(eqn: JaxprEqn, known: dict[Var, Any]) -> Any:
    """The input an equation's single output equals, if it is an algebraic no-op."""
    name = eqn.primitive.name
    ins = eqn.inputs
    out_aval = eqn.outvars[0].aval if len(eqn.outvars) == 1 else None
    if out_aval is None:
        return None

    def same_type(x: Any) -> bool:
        return x.aval == out_aval

    if name == "stop_gradient" or (name == "convert_element_type" and same_type(ins[0])):
        return ins[0]
    if name in ("reshape", "broadcast_in_dim") and same_type(ins[0]):
        return ins[0]
    if name == "mul":
        if same_type(ins[0]) and _is_constant(ins[1], 1, known):
            return ins[0]
        if same_type(ins[1]) and _is_constant(ins[0], 1, known):
            return ins[1]
    if name in ("add", "add_any"):
        if same_type(ins[0]) and _is_constant(ins[1], 0, known):
            return ins[0]
        if same_type(ins[1]) and _is_constant(ins[0], 0, known):
            return ins[1]
    if name == "sub" and same_type(ins[0]) and _is_constant(ins[1], 0, known):
        return ins[0]
    if name == "div" and same_type(ins[0]) and _is_constant(ins[1], 1, known):
        return ins[0]
    return None


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
        inputs = [renames.get(x, x) if type(x) is Var else x for x in eqn.inputs]
        eqn = JaxprEqn(eqn.primitive, inputs, eqn.params, eqn.outvars)
        eqn = _uniform_operands_as_literals(eqn, uniform)
        forward = _forwarded(eqn, known)
        if forward is None:
            forward = _cancelled(eqn, producers)
        if forward is not None:
            renames[eqn.outvars[0]] = forward
            continue
        eqn = _ones_product_as_reshape(eqn, known)
        eqn = _merge_scalings(eqn, producers)
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


_UNIFORM_BINARY = {"add", "sub", "mul", "div", "max", "min", "pow"}


def _uniform_operands_as_literals(eqn: JaxprEqn, uniform: dict[Var, Any]) -> JaxprEqn:
    """Track arrays filled with one scalar (a broadcast literal: the cotangent of a sum, a
    vmapped constant), and use the scalar itself wherever the other operand of a broadcasting
    elementwise operation already has the output's type, so that ``ones * x`` is ``1.0 * x``
    (then forwarded) and the broadcast is dead code."""
    name = eqn.primitive.name
    ins = eqn.inputs

    def scalar_of(x: Any) -> Any:
        if type(x) is Literal and np.ndim(x.val) == 0:
            return x.val
        return uniform.get(x) if type(x) is Var else None

    if name == "broadcast_in_dim" and scalar_of(ins[0]) is not None:
        uniform[eqn.outvars[0]] = scalar_of(ins[0])
        return eqn
    if name == "neg" and scalar_of(ins[0]) is not None:
        uniform[eqn.outvars[0]] = -scalar_of(ins[0])
        return eqn
    if name not in _UNIFORM_BINARY:
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


def _scaling(eqn: JaxprEqn | None) -> tuple[Any, Any] | None:
    """``(c, x)`` when ``eqn`` computes ``c * x`` for a scalar literal ``c`` (``neg`` is
    ``-1 * x``) and ``x`` has the output's type."""
    if eqn is None or len(eqn.outvars) != 1:
        return None
    out_aval = eqn.outvars[0].aval
    if out_aval.dtype.kind not in "fc":
        return None
    name = eqn.primitive.name
    if name == "neg":
        return np.asarray(-1, out_aval.dtype)[()], eqn.inputs[0]
    if name == "mul":
        for c, x in (eqn.inputs, eqn.inputs[::-1]):
            if type(c) is Literal and np.ndim(c.val) == 0 and type(x) is Var \
                    and x.aval == out_aval:
                return c.val, x
    return None


def _merge_scalings(eqn: JaxprEqn, producers: dict[Var, JaxprEqn]) -> JaxprEqn:
    """``c1 * (c2 * x)``, ``-(c * x)`` and ``c * (-x)`` become one multiplication by a scalar
    (the inner product becomes dead code when nothing else uses it)."""
    outer = _scaling(eqn)
    if outer is None or type(outer[1]) is not Var:
        return eqn
    inner = _scaling(producers.get(outer[1]))
    if inner is None:
        return eqn
    out_aval = eqn.outvars[0].aval
    factor = np.asarray(outer[0] * inner[0], out_aval.dtype)[()]
    from ftrans.lax.elementwise import mul_p
    return JaxprEqn(mul_p, [Literal(factor, ShapedArray((), out_aval.dtype)), inner[1]], {},
                    eqn.outvars)


def _ones_product_as_reshape(eqn: JaxprEqn, known: dict[Var, Any]) -> JaxprEqn:
    """``ones * x`` that only adds unit axes to ``x`` becomes a reshape (a view, no work)."""
    if eqn.primitive.name != "mul" or len(eqn.inputs) != 2:
        return eqn
    out_aval = eqn.outvars[0].aval
    for ones, other in (eqn.inputs, eqn.inputs[::-1]):
        if (type(other) is Var and other.aval.size == out_aval.size
                and other.aval.dtype == out_aval.dtype and _is_constant(ones, 1, known)):
            from ftrans.lax.structural import reshape_p
            return JaxprEqn(reshape_p, [other], {"new_sizes": out_aval.shape}, eqn.outvars)
    return eqn


def _cancelled(eqn: JaxprEqn, producers: dict[Var, JaxprEqn]) -> Any:
    """neg(neg(x)) -> x; transpose(transpose(x)) with inverse permutations -> x."""
    name = eqn.primitive.name
    if name not in ("neg", "transpose"):
        return None
    x = eqn.inputs[0]
    inner = producers.get(x) if type(x) is Var else None
    if inner is None or inner.primitive is not eqn.primitive:
        return None
    if name == "neg":
        return inner.inputs[0]
    outer_perm, inner_perm = eqn.params["permutation"], inner.params["permutation"]
    if tuple(inner_perm[p] for p in outer_perm) == tuple(range(len(outer_perm))):
        return inner.inputs[0]
    return None


# A folded array may be kept if it is no larger than its inputs (or small): folding must not
# turn a broadcast into a large constant.
_FOLDABLE_SIZE = 4096


def _fold(eqn: JaxprEqn, known: dict[Var, Any]) -> Any:
    """The value of an equation whose inputs are all constants (a Literal when 0-d), or None."""
    if eqn.primitive.multiple_results or not eqn.inputs or eqn.primitive.name in _IMPURE:
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
