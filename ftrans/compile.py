"""jit's back end: optimise a program, then turn it into a straight-line Python function.

Passes (each a loop over equations): inline nested jit calls, forward algebraic no-ops
(``x * 1``, ``x + 0``, casts to the same dtype, ``stop_gradient``), fold constants, eliminate
common subexpressions, eliminate dead code. Code generation then writes one Python function
that calls each primitive's NumPy implementation directly: no interpreter dispatch per
equation, buffers deleted after their last use, and dead intermediates reused as ``out=`` of
NumPy ufuncs when shape and dtype match (never an argument or a constant: only arrays the
program itself allocated). Programs on 0-d float64 values run on Python floats and ``math``,
falling back to the NumPy version if Python raises (division by zero, overflow, domain).

Generated source never contains user text: names are generated, and constants, callables and
parameters reach the code through a namespace dict. See docs/internals.md, "jit".
"""

from __future__ import annotations

import functools
import math
import threading
from typing import Any, Callable

import numpy as np

from ftrans import aliasing
from ftrans.core import Primitive, ShapedArray, get_aval, pause_gc, resume_gc
from ftrans.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, programs_in_params

Program = Callable[..., list[Any]]


def compiled(closed: ClosedJaxpr) -> Program:
    """The executable form of ``closed`` (memoized on it).

    Execution is tiered: the first call runs a cheap plan of the program as traced (no
    optimisation, no code generation), so a program used once costs little; the second call
    optimises and generates code, which every later call runs.
    """
    program = closed.derived.get("compiled")
    if program is None:
        program = closed.derived["compiled"] = _Tiered(closed)
    return program


class _Tiered:
    """Runs the plan on the first call and generated code from the second on. Threads may make
    the first calls together: the hand-over from one tier to the next happens under a lock,
    and each call works on its own reference to the program it runs."""

    __slots__ = ("closed", "calls", "program", "lock")

    def __init__(self, closed: ClosedJaxpr):
        self.closed: ClosedJaxpr | None = closed  # None once code is generated
        self.calls = 0
        self.program: Program | None = None
        self.lock = threading.Lock()

    def __call__(self, *args: Any) -> list[Any]:
        program = self.program
        if program is None:
            with self.lock:
                program = self.program
                closed = self.closed
                if program is None:
                    assert closed is not None  # dropped only once self.program is set
                    self.calls += 1
                    if self.calls > 1 or len(closed.jaxpr.eqns) <= _INTERPRET_FIRST_CALL_ABOVE:
                        program = self._compile()
            if program is None:
                assert closed is not None
                pause_gc()
                try:
                    return plan(closed)(*args)
                finally:
                    resume_gc()
        return program(*args)

    def _compile(self) -> Program:
        """Generate the code (the caller holds the lock); the program text is then dropped,
        since the generated code holds all it needs."""
        closed = self.closed
        assert closed is not None  # the caller found no program, so the text is still here
        pause_gc()
        try:
            program = self.program = compile_jaxpr(closed)
        finally:
            resume_gc()
        self.closed = None
        return program

    @property
    def source(self) -> str:
        program = self.program
        if program is None:
            with self.lock:
                program = self.program if self.program is not None else self._compile()
        return program.source  # type: ignore[attr-defined]


# Small programs compile at once (cheap); large ones run as a plan on their first call.
_INTERPRET_FIRST_CALL_ABOVE = 50


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
    dying = _last_uses(jaxpr)
    for eqn, dead in zip(jaxpr.eqns, dying):
        ins = [slot(x) for x in eqn.inputs]
        outs = []
        for v in eqn.outvars:
            index[v] = len(initial)
            initial.append(None)
            outs.append(index[v])
        free = [index[v] for v in dead if index[v] >= first_arg]
        steps.append((_bound_impl(eqn), ins, outs if eqn.primitive.multiple_results else outs[0],
                      eqn.primitive.multiple_results, free))
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


def compile_jaxpr(closed: ClosedJaxpr) -> Program:
    """Optimise ``closed`` and generate its Python function."""
    return generate(optimize(closed))


# ---------------------------------------------------------------------------------------------
# Passes
# ---------------------------------------------------------------------------------------------


def optimize(closed: ClosedJaxpr) -> ClosedJaxpr:
    """All passes, in an order where each one feeds the next."""
    closed = inline_calls(closed)
    closed = simplify(closed)
    closed = eliminate_common_subexpressions(closed)
    return eliminate_dead_code(closed)


def _is_jit_call(eqn: JaxprEqn) -> bool:
    return eqn.primitive.name == "jit" and "jaxpr" in eqn.params


def inline_calls(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Replace nested jit calls by their equations (their constants become ours)."""
    if not any(_is_jit_call(e) for e in closed.jaxpr.eqns):
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
        if not _is_jit_call(eqn):
            eqns.append(JaxprEqn(eqn.primitive, [rename(x) for x in eqn.inputs], eqn.params,
                                 eqn.outvars))
            continue
        inner: ClosedJaxpr = eqn.params["jaxpr"]
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
    seen: dict[Any, list[Var]] = {}
    renames: dict[Var, Var] = {}
    eqns = []
    for eqn in jaxpr.eqns:
        inputs = [renames.get(x, x) if type(x) is Var else x for x in eqn.inputs]
        eqn = JaxprEqn(eqn.primitive, inputs, eqn.params, eqn.outvars)
        params_key = _hashable_params(eqn.params)
        key = None
        if params_key is not None and eqn.primitive.name not in _IMPURE:
            atoms = [x if type(x) is Var else ("lit", _literal_key(x)) for x in inputs]
            if eqn.primitive.name in _COMMUTATIVE:  # x * y and y * x are one value
                atoms.sort(key=lambda a: (1, a[1]) if type(a) is tuple else (0, str(id(a))))
            key = (eqn.primitive, tuple(atoms), params_key)
        if key is not None and key in seen:
            renames.update(zip(eqn.outvars, seen[key]))
            continue
        if key is not None:
            seen[key] = eqn.outvars
        eqns.append(eqn)
    outvars = [renames.get(x, x) if type(x) is Var else x for x in jaxpr.outvars]
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, outvars), closed.consts)


_COMMUTATIVE = {"add", "add_any", "mul", "max", "min", "eq", "ne", "and", "or", "xor"}

# Primitives whose repeated applications must not be merged (random numbers, effects).
_IMPURE: set[str] = {"debug_print"}


def _literal_key(lit: Literal) -> Any:
    return (repr(lit.val), lit.aval)


def eliminate_dead_code(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Drop equations whose outputs are never used, and unused constants."""
    jaxpr = closed.jaxpr
    live = {x for x in jaxpr.outvars if type(x) is Var}
    kept = []
    for eqn in reversed(jaxpr.eqns):
        if eqn.primitive.name in _IMPURE or any(v in live for v in eqn.outvars):
            kept.append(eqn)
            live.update(x for x in eqn.inputs if type(x) is Var)
    kept.reverse()
    constvars, consts = [], []
    for v, c in zip(jaxpr.constvars, closed.consts):
        if v in live:
            constvars.append(v)
            consts.append(c)
    return ClosedJaxpr(Jaxpr(constvars, jaxpr.invars, kept, jaxpr.outvars), consts)


# ---------------------------------------------------------------------------------------------
# Code generation
# ---------------------------------------------------------------------------------------------


def _is_ufunc_primitive(prim: Primitive) -> bool:
    return isinstance(prim.impl, np.ufunc)


class _Names:
    """Generated names for variables (v0, v1, ...) and for namespace entries (c0, f0, ...)."""

    def __init__(self) -> None:
        self.vars: dict[Var, str] = {}
        self.namespace: dict[str, Any] = {"np": np, "math": math}

    def var(self, v: Var) -> str:
        name = self.vars.get(v)
        if name is None:
            name = self.vars[v] = f"v{len(self.vars)}"
        return name

    def value(self, value: Any, prefix: str) -> str:
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name


def _last_uses(jaxpr: Jaxpr) -> list[list[Var]]:
    """For each equation, the variables whose last use it is (outputs stay alive)."""
    last: dict[Var, int] = {}
    for i, eqn in enumerate(jaxpr.eqns):
        for x in eqn.inputs:
            if type(x) is Var:
                last[x] = i
    for x in jaxpr.outvars:
        if type(x) is Var:
            last.pop(x, None)
    per_eqn: list[list[Var]] = [[] for _ in jaxpr.eqns]
    for v, i in last.items():
        per_eqn[i].append(v)
    return per_eqn


def generate(closed: ClosedJaxpr) -> Program:
    """Straight-line Python for ``closed``; the scalar float form when it applies (its NumPy
    fallback is generated the first time it is needed)."""
    scalar_program = _generate_scalar(closed)
    if scalar_program is None:
        return _generate_numpy(closed)
    fallback: list[Program] = []

    def run(*args: Any) -> list[Any]:
        try:
            return scalar_program(*args)
        except (ArithmeticError, ValueError):  # Python refuses what NumPy turns into inf/nan
            if not fallback:
                fallback.append(_generate_numpy(closed))
            return fallback[0](*args)
    run.source = scalar_program.source  # type: ignore[attr-defined]
    return run


def _generate_numpy(closed: ClosedJaxpr) -> Program:
    jaxpr = closed.jaxpr
    names = _Names()
    atoms: dict[Var, str] = {}
    for v, c in zip(jaxpr.constvars, closed.consts):
        atoms[v] = names.value(c, "c")
    params_in = [names.var(v) for v in jaxpr.invars]
    for v, p in zip(jaxpr.invars, params_in):
        atoms[v] = p

    def ref(x: Any) -> str:
        if type(x) is Literal:
            return names.value(x.val, "k")
        return atoms[x]

    owned: set[Var] = set()  # arrays this program allocated: safe to overwrite when dead
    lines = [f"def program({', '.join(params_in)}):"]
    dead_after = _last_uses(jaxpr)
    for eqn, dying in zip(jaxpr.eqns, dead_after):
        outs = [names.var(v) for v in eqn.outvars]
        for v, n in zip(eqn.outvars, outs):
            atoms[v] = n
        fn = names.value(_bound_impl(eqn), "f")
        args = ", ".join(ref(x) for x in eqn.inputs)
        target = ", ".join(outs) if eqn.primitive.multiple_results else outs[0]
        if eqn.primitive.multiple_results and len(outs) == 1:
            target += ","
        reuse = _reusable_input(eqn, dying, owned)
        if reuse is not None:
            lines.append(f"    {target} = {fn}({args}, out={atoms[reuse]})")
        else:
            lines.append(f"    {target} = {fn}({args})")
        if _is_ufunc_primitive(eqn.primitive):
            if eqn.outvars[0].aval.ndim > 0:
                owned.add(eqn.outvars[0])
        else:  # its result may be a view of an input, which must then never be overwritten
            owned.difference_update(x for x in eqn.inputs if type(x) is Var)
        dead_names = [atoms[v] for v in dying if v in atoms and atoms[v].startswith("v")
                      and v is not reuse]
        if dead_names:
            lines.append(f"    del {', '.join(dead_names)}")
    prologue, return_line = _unaliased_return(jaxpr, names, ref)
    lines[1:1] = prologue  # the arguments are named before any of them is freed
    lines.append(return_line)
    return _build(lines, names.namespace)


def _unaliased_return(jaxpr: Jaxpr, names: _Names, ref: Callable[[Any], str]
                      ) -> tuple[list[str], str]:
    """The return statement: outputs never share memory with the program's arguments or
    constants. An output that is an argument or a constant is copied; one computed from them
    by anything but a ufunc (a view, or a higher-order primitive that may hand back its
    operand) is checked when the program runs; a ufunc's result is fresh, so it is returned
    as it is."""
    external = set(jaxpr.invars) | set(jaxpr.constvars)
    for eqn in jaxpr.eqns:
        if not _is_ufunc_primitive(eqn.primitive) and any(
                type(x) is Var and x in external for x in eqn.inputs):
            external.update(eqn.outvars)
    direct = set(jaxpr.invars) | set(jaxpr.constvars)
    lines = []
    outs = []
    detach_all = names.value(aliasing.detach_all, "f")
    detach = None
    for x in jaxpr.outvars:
        if type(x) is not Var or x not in external:
            outs.append(ref(x))
        elif x in direct:
            outs.append(f"{detach_all}({ref(x)})")
        else:
            if detach is None:
                sources = [ref(v) for v in list(jaxpr.invars) + list(jaxpr.constvars)]
                listed = "".join(s + ", " for s in sources)
                if len(sources) <= _LINEAR_SOURCE_SCAN:
                    detach = names.value(aliasing.detach, "f")
                    lines.append(f"    sources = ({listed})")
                else:
                    detach = names.value(aliasing.detach_by_id, "f")
                    lines.append(f"    sources = {{id(s) for s in ({listed})}}")
            outs.append(f"{detach}({ref(x)}, sources)")
    return lines, f"    return [{', '.join(outs)}]"


# Up to this many arguments and constants an output is compared with each; beyond, by id.
_LINEAR_SOURCE_SCAN = 16


def _bound_impl(eqn: JaxprEqn) -> Callable[..., Any]:
    impl = eqn.primitive.impl
    if not eqn.params:
        return impl
    return functools.partial(impl, **eqn.params)


def _reusable_input(eqn: JaxprEqn, dying: list[Var], owned: set[Var]) -> Var | None:
    if eqn.params or not _is_ufunc_primitive(eqn.primitive) or eqn.primitive.multiple_results:
        return None
    out_aval = eqn.outvars[0].aval
    if out_aval.ndim == 0:
        return None
    for x in eqn.inputs:
        if type(x) is Var and x in owned and x in dying and x.aval == out_aval:
            return x
    return None


def _build(lines: list[str], namespace: dict[str, Any]) -> Program:
    source = "\n".join(lines) + "\n"
    code = compile(source, "<ftrans.compile>", "exec")
    exec(code, namespace)  # the source holds generated names only; values live in namespace
    program = namespace["program"]
    program.source = source
    return program


# ---------------------------------------------------------------------------------------------
# Scalar float programs
# ---------------------------------------------------------------------------------------------

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


def _generate_scalar(closed: ClosedJaxpr) -> Program | None:
    jaxpr = closed.jaxpr
    all_vars = list(jaxpr.invars) + list(jaxpr.constvars) + [
        v for e in jaxpr.eqns for v in e.outvars]
    if not all_vars or any(v.aval.shape != () or v.aval.dtype != _F64 for v in all_vars):
        return None
    if any(type(x) is Literal and get_aval(x.val) != get_aval(np.float64(0))
           for e in jaxpr.eqns for x in e.inputs):
        return None
    names = _Names()
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
    return _build(lines, names.namespace)


__all__ = ["compiled", "compile_jaxpr", "optimize", "inline_calls", "simplify",
           "eliminate_common_subexpressions", "eliminate_dead_code", "generate"]

