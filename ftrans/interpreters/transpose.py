"""Transposition: run a linear program backwards, from output cotangents to input cotangents.

Reverse mode is ``linearize`` followed by this backward pass; there are no separate reverse
rules. Linear inputs of an equation arrive at its transpose rule as :class:`UndefPrimal`;
cotangents of a variable used several times are summed with ``add_any``; a cotangent never
written is a symbolic ``Zero``, never a materialised array. See docs/internals.md,
"Differentiation".
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ftrans.core import (
    NUMPY_SCALAR_AVALS, EvalTrace, FtransError, MissingRuleError, Primitive, ShapedArray,
    current_trace_var, get_aval,
)
from ftrans.interpreters.jvp import Zero, add_any_p, instantiate_zeros
from ftrans.interpreters.staging import NO_PARAMS, StagingTrace, StagingTracer, trace_flat
from ftrans.ir import ClosedJaxpr, Jaxpr, Literal, Var

__all__ = [
    "NonLinearError", "UndefPrimal", "add_any_p", "add_cotangents", "aval_of", "backward_hook",
    "backward_pass", "check_linear_input", "is_undefined", "transpose_jaxpr", "transpose_rules",
    "zeros_like_aval",
]

# transpose_rules[prim](ct, *args, **params) -> list of cotangents, one per argument (None, or
# a Zero, for arguments that are not linear inputs). Linear inputs arrive as UndefPrimal; the
# others are their values. ct is never a Zero (an equation whose output cotangent is Zero is
# skipped); for primitives with multiple results, ct is a list in which Zeros may appear.
transpose_rules: dict[Primitive, Callable[..., Sequence[Any]]] = {}


# Set by ftrans.debugging while debug_nans / debug_infs is on; None otherwise.
backward_hook: Callable[..., Sequence[Any]] | None = None

# (mul, its transpose rule, its eager implementation, the NumPy scalar types on which that is
# the operator `*`), registered by ftrans.lax: where a pass finds the rule still in place, an
# equation ``mul`` of a linear first operand is transposed inline to the product the rule
# makes: with the plain eval trace current (and the eager implementation in place) where the
# cotangent and the other operand are scalars of one of those types, computed (eager grad's
# commonest equation); with a staging trace current where the cotangent is its tracer and the
# product needs no unbroadcasting, recorded (jit of grad's)
scalar_product: tuple[Primitive, Callable[..., Sequence[Any]], Callable[..., Any],
                      frozenset[type]] | None = None


class NonLinearError(FtransError, TypeError):
    """A program being transposed is not linear in the inputs it is transposed against."""


class UndefPrimal:
    """A linear input of an equation being transposed: only its type is known."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self) -> str:
        return f"UndefPrimal({self.aval.str_short()})"


def is_undefined(x: Any) -> bool:
    return type(x) is UndefPrimal


def add_cotangents(a: Any, b: Any) -> Any:
    """Sum two cotangents of one value; a Zero costs nothing."""
    if type(a) is Zero:
        return b
    if type(b) is Zero:
        return a
    return add_any_p.bind(a, b)


def backward_pass(jaxpr: Jaxpr, consts: Sequence[Any], args: Sequence[Any],
                  cts_out: Sequence[Any], consume: bool = False) -> list[Any]:
    """Cotangents of ``jaxpr``'s inputs given its outputs' cotangents.

    ``args`` holds, per input, an :class:`UndefPrimal` (a linear input) or a value. Equations
    that do not depend on a linear input are evaluated forwards first; the rest are transposed
    in reverse order. Returns a cotangent (possibly ``Zero``) for every input.

    With ``consume``, ``consts`` is a list handed over to the pass (the caller keeps no other
    reference to the program's constants): it is emptied, and each array constant or forward
    value is dropped after the last transpose rule that reads it, so residuals die as the
    backward pass goes (eager ``grad``, whose residuals serve one pass); the program's
    equation list is emptied once read, so that each equation is freed once transposed.
    """
    primal_env: dict[Var, Any] = dict(zip(jaxpr.constvars, consts))
    if consume:
        consts.clear()  # type: ignore[attr-defined]
    # with consume: position in linear_eqns -> the array values its transpose reads last
    frees: dict[int, list[Var]] = {}
    seen: set[Var] = set()
    linear_vars: set[Var] = set()
    for v, x in zip(jaxpr.invars, args):
        if type(x) is UndefPrimal:
            linear_vars.add(v)
        else:
            primal_env[v] = x

    linear_eqns = []
    for eqn in jaxpr.eqns:
        for x in eqn.inputs:
            if type(x) is Var and x in linear_vars:
                if consume:  # the first linear user of a value is the last to read it
                    for v in eqn.inputs:
                        if type(v) is Var and v not in linear_vars and v not in seen \
                                and v.aval.shape:
                            seen.add(v)
                            frees.setdefault(len(linear_eqns), []).append(v)
                linear_eqns.append(eqn)
                outvars = eqn.outvars
                if len(outvars) == 1:
                    linear_vars.add(outvars[0])
                else:
                    linear_vars.update(outvars)
                break
        else:
            invals = [primal_env[x] if type(x) is Var else x.val for x in eqn.inputs]
            out = eqn.primitive.bind(*invals, **eqn.params)
            if eqn.primitive.multiple_results:
                primal_env.update(zip(eqn.outvars, out))
            else:
                primal_env[eqn.outvars[0]] = out
    if consume:
        jaxpr.eqns.clear()  # the pass holds the equations it transposes, and drops each

    ct_env: dict[Var, Any] = {}
    for v, ct in zip(jaxpr.outvars, cts_out):
        if type(v) is Var and v in linear_vars and type(ct) is not Zero:
            ct_env[v] = add_cotangents(ct_env.pop(v, Zero(v.aval)), ct)

    hook = backward_hook
    product_p = staged_p = staging = None
    scalar_types: frozenset[type] = frozenset()
    product = scalar_product
    if product is not None and hook is None and transpose_rules.get(product[0]) is product[1]:
        current = current_trace_var.get()
        if type(current) is EvalTrace:
            if product[0].eager_impl is product[2]:
                product_p, scalar_types = product[0], product[3]
        elif type(current) is StagingTrace:
            staged_p, staging = product[0], current
    # one UndefPrimal per type (they carry only the type), found by the type's id: the types
    # outlive the pass (the program's variables hold them), and ids hash without a call
    undefined: dict[int, UndefPrimal] = {}
    while linear_eqns:  # each equation dropped once transposed
        eqn = linear_eqns.pop()
        if frees:  # the values whose last reader was the equation after this one
            dead = frees.pop(len(linear_eqns) + 1, None)
            if dead is not None:
                old = ct_in = cts_in = args_in = a = b = ct_x = ct_y = None
                for v in dead:
                    del primal_env[v]
        prim = eqn.primitive
        if prim.multiple_results:
            cts = [ct_env.pop(v, None) for v in eqn.outvars]
            if all(ct is None for ct in cts):
                continue
            ct = [Zero(v.aval) if c is None else c for v, c in zip(eqn.outvars, cts)]
        else:
            ct = ct_env.pop(eqn.outvars[0], None)
            if ct is None:
                continue
        inputs = eqn.inputs
        if len(inputs) == 2 and hook is None:
            # the commonest equations (products, sums), without lists or loops: each operand
            # is a linear input, a literal or a known value
            x, y = inputs
            # the operand itself when it is a linear input, else None
            x_linear = x if type(x) is Var and x in linear_vars else None
            y_linear = y if type(y) is Var and y in linear_vars else None
            if y_linear is None:
                b = y.val if type(y) is Literal else primal_env[y]
                if x_linear is not None:
                    ct_x = None
                    if prim is product_p and type(b) is type(ct) and type(ct) in scalar_types:
                        ct_x = ct * b  # what the rule's product runs on the eval trace
                    elif prim is staged_p and type(ct) is StagingTracer and ct._trace is staging \
                            and x_linear.aval is ct.aval and (
                                b.aval if type(b) is StagingTracer and b._trace is staging
                                else NUMPY_SCALAR_AVALS.get(type(b))) is ct.aval:
                        # what binding the rule's product records there (no unbroadcasting)
                        ct_x = staging.record(staged_p, (ct, b), NO_PARAMS)  # type: ignore[union-attr]
                    if ct_x is not None:
                        old = ct_env.get(x_linear)
                        ct_env[x_linear] = ct_x if old is None else add_any_p.bind(old, ct_x)
                        continue
            else:
                b = undefined.get(id(y.aval))
                if b is None:
                    b = undefined[id(y.aval)] = UndefPrimal(y.aval)
            if x_linear is not None:
                a = undefined.get(id(x.aval))
                if a is None:
                    a = undefined[id(x.aval)] = UndefPrimal(x.aval)
            else:
                a = x.val if type(x) is Literal else primal_env[x]
            rule = transpose_rules.get(prim)
            if rule is None:
                raise MissingRuleError(prim, "transpose")
            params = eqn.params
            cts_in = rule(ct, a, b, **params) if params else rule(ct, a, b)
            if type(cts_in) is list and len(cts_in) == 2:
                ct_x, ct_y = cts_in
                if x_linear is not None and ct_x is not None and type(ct_x) is not Zero:
                    old = ct_env.get(x_linear)
                    ct_env[x_linear] = ct_x if old is None else add_any_p.bind(old, ct_x)
                if y_linear is not None and ct_y is not None and type(ct_y) is not Zero:
                    old = ct_env.get(y_linear)
                    ct_env[y_linear] = ct_y if old is None else add_any_p.bind(old, ct_y)
                continue
        else:
            args_in = []
            for x in inputs:
                if type(x) is Literal:
                    args_in.append(x.val)
                elif x in linear_vars:
                    undef = undefined.get(id(x.aval))
                    if undef is None:
                        undef = undefined[id(x.aval)] = UndefPrimal(x.aval)
                    args_in.append(undef)
                else:
                    args_in.append(primal_env[x])
            rule = transpose_rules.get(prim)
            if rule is None:
                raise MissingRuleError(prim, "transpose")
            if hook is None:
                params = eqn.params
                cts_in = rule(ct, *args_in, **params) if params else rule(ct, *args_in)
            else:  # debug_nans / debug_infs: name the equation whose transpose went wrong
                cts_in = hook(eqn, rule, ct, args_in, eqn.params)
        for x, ct_in in zip(inputs, cts_in):
            if ct_in is not None and type(x) is Var and x in linear_vars \
                    and type(ct_in) is not Zero:
                old = ct_env.get(x)
                ct_env[x] = ct_in if old is None else add_any_p.bind(old, ct_in)

    return [ct_env.pop(v, Zero(v.aval)) if v in linear_vars else Zero(v.aval)
            for v in jaxpr.invars]


# ---------------------------------------------------------------------------------------------
# Rule helpers
# ---------------------------------------------------------------------------------------------


def _add_any_transpose(ct: Any, x: Any, y: Any) -> list[Any]:
    return [ct if is_undefined(x) else None, ct if is_undefined(y) else None]


transpose_rules[add_any_p] = _add_any_transpose


def check_linear_input(prim: Primitive, x: Any) -> None:
    if type(x) is not UndefPrimal:
        return
    raise NonLinearError(f"{prim.name} is not linear in this argument")


def zeros_like_aval(aval: ShapedArray) -> Any:
    return instantiate_zeros(Zero(aval))


def aval_of(x: Any) -> ShapedArray:
    """The type of a transpose-rule argument, defined or not."""
    return x.aval if type(x) is UndefPrimal else get_aval(x)


# ---------------------------------------------------------------------------------------------
# Programs: the transpose of a closed linear jaxpr
# ---------------------------------------------------------------------------------------------


def transpose_jaxpr(closed: ClosedJaxpr, linear: Sequence[bool],
                    ct_nonzero: Sequence[bool]) -> ClosedJaxpr:
    """The backward program of ``closed``, linear in the inputs marked ``linear``.

    It takes ``(*non-linear inputs, *cotangents of the outputs marked in ct_nonzero)`` and
    returns the cotangents of the linear inputs (zeros where nothing flows). Memoized.
    """
    key = ("transpose", tuple(linear), tuple(ct_nonzero))
    found = closed.derived.get(key)
    if found is not None:
        return found
    in_avals, out_avals = closed.in_avals, closed.out_avals
    res_avals = [a for a, lin in zip(in_avals, linear) if not lin]
    ct_avals = [a for a, nz in zip(out_avals, ct_nonzero) if nz]

    def fun(*args: Any) -> list[Any]:
        residuals = iter(args[:len(res_avals)])
        cts_given = iter(args[len(res_avals):])
        primal_args = [UndefPrimal(a) if lin else next(residuals)
                       for a, lin in zip(in_avals, linear)]
        cts = [next(cts_given) if nz else Zero(a) for a, nz in zip(out_avals, ct_nonzero)]
        cts_in = backward_pass(closed.jaxpr, closed.consts, primal_args, cts)
        return [instantiate_zeros(ct) for ct, lin in zip(cts_in, linear) if lin]

    result = trace_flat(fun, res_avals + ct_avals, "transpose")
    closed.derived[key] = result
    return result
