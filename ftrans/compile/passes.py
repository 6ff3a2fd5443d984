"""The structural passes over a program, each one loop over its equations: inline nested jit
calls, eliminate common subexpressions (commutative operands in either order), gather the small
factors of elementwise products (``reassociate_products``), eliminate dead code. See
docs/internals.md, "jit".
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ftrans.compile.tables import commutative, effects, inlined_calls, reshapes, uniform_binary
from ftrans.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var

__all__ = [
    "eliminate_common_subexpressions", "eliminate_dead_code", "inline_calls",
    "reassociate_products",
]


def _is_jit_call(eqn: JaxprEqn) -> bool:
    return eqn.primitive in inlined_calls and "jaxpr" in eqn.params


def _jit_program(eqn: JaxprEqn) -> ClosedJaxpr | None:
    return eqn.params["jaxpr"] if _is_jit_call(eqn) else None


def inline_calls(closed: ClosedJaxpr,
                 program_of: Callable[[JaxprEqn], ClosedJaxpr | None] = _jit_program
                 ) -> ClosedJaxpr:
    """Replace nested calls by their equations (their constants become ours).

    ``program_of(eqn)`` is the program an equation calls, or None to keep the equation: by
    default the jit calls (the distributed runner also inlines other calls, see
    ``ftrans.distributed.stages``).
    """
    if not any(program_of(e) is not None for e in closed.jaxpr.eqns):
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
        inner = program_of(eqn)
        if inner is None:
            eqns.append(JaxprEqn(eqn.primitive, [rename(x) for x in eqn.inputs], eqn.params,
                                 eqn.outvars))
            continue
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
    # Equations are found by their key's hash, and a hash that matches is checked by the
    # earlier equation's key, made again: a long program's keys are then never all held (they
    # were most of the pass's memory, about 130 bytes an equation). Equal literals share one
    # key object.
    seen: dict[int, JaxprEqn | list[JaxprEqn]] = {}
    literal_keys: dict[Any, Any] = {}
    renames: dict[Var, Var] = {}
    eqns = []
    for eqn in jaxpr.eqns:
        inputs = eqn.inputs
        if renames and any(type(x) is Var and x in renames for x in inputs):
            inputs = [renames.get(x, x) if type(x) is Var else x for x in inputs]
            eqn = JaxprEqn(eqn.primitive, inputs, eqn.params, eqn.outvars)
        key = _cse_key(eqn, literal_keys)
        if key is not None:
            h = hash(key)
            earlier = seen.get(h)
            if earlier is None:
                seen[h] = eqn
            else:
                candidates = earlier if isinstance(earlier, list) else [earlier]
                found = next((e for e in candidates if _cse_key(e, literal_keys) == key), None)
                if found is not None:
                    renames.update(zip(eqn.outvars, found.outvars))
                    continue
                seen[h] = candidates + [eqn]  # another key of the same hash
        eqns.append(eqn)
    outvars = [renames.get(x, x) if type(x) is Var else x for x in jaxpr.outvars]
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, outvars), closed.consts)


def _cse_key(eqn: JaxprEqn, literal_keys: dict[Any, Any]) -> tuple | None:
    """What makes ``eqn``'s result: its primitive, params and inputs (a commutative
    primitive's in a fixed order); None if it must not be merged with another."""
    params_key = _hashable_params(eqn.params)
    if params_key is None or eqn.primitive in effects:
        return None
    atoms = []
    for x in eqn.inputs:
        if type(x) is not Var:
            lit = _literal_key(x)
            x = literal_keys.setdefault(lit, ("lit", lit))
        atoms.append(x)
    if eqn.primitive in commutative:  # x * y and y * x are one value
        atoms.sort(key=lambda a: (1, a[1]) if type(a) is tuple else (0, str(id(a))))
    return (eqn.primitive, params_key, *atoms)


def _literal_key(lit: Literal) -> Any:
    return (repr(lit.val), lit.aval)


def eliminate_dead_code(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Drop equations whose outputs are never used, and unused constants."""
    jaxpr = closed.jaxpr
    live = {x for x in jaxpr.outvars if type(x) is Var}
    kept = []
    for eqn in reversed(jaxpr.eqns):
        if eqn.primitive in effects or any(v in live for v in eqn.outvars):
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
# Reassociating elementwise products
# ---------------------------------------------------------------------------------------------


def _binary(eqn: JaxprEqn | None, impl: Any) -> bool:
    """Whether ``eqn`` applies a binary elementwise primitive implemented by ``impl`` (told by
    its NumPy implementation, as ``simplify`` tells additions) to float operands."""
    if eqn is None or eqn.primitive.impl is not impl or eqn.params:
        return False
    ins = eqn.inputs
    if len(ins) != 2 or len(eqn.outvars) != 1:
        return False
    dtype = eqn.outvars[0].aval.dtype
    return dtype.kind in "fc" and ins[0].aval.dtype == dtype and ins[1].aval.dtype == dtype


def _non_unit(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for d in shape if d != 1)


class _Products:
    """The rewriting state of ``reassociate_products``: the equations so far and the producer
    of each variable."""

    def __init__(self) -> None:
        self.eqns: list[JaxprEqn] = []
        self.producers: dict[Var, JaxprEqn] = {}
        self.add = next((p for p in uniform_binary if p.impl is np.add), None)
        # a rewritten equation's result -> (the equation before, the products it looked
        # through, first level only)
        self.originals: dict[Var, tuple[JaxprEqn, list[Var]]] = {}
        self.looked_through: list[Var] = []

    def emit(self, eqn: JaxprEqn) -> None:
        self.eqns.append(eqn)
        if len(eqn.outvars) == 1 and (len(eqn.inputs) == 2 and not eqn.params
                                      or eqn.primitive in reshapes):
            self.producers[eqn.outvars[0]] = eqn  # the only producers the rules look for

    def emitted(self, eqn: JaxprEqn) -> Var:
        """Emit a new equation of one result; that result."""
        self.emit(eqn)
        return eqn.outvars[0]

    def new(self, primitive: Any, inputs: list[Any], params: dict[str, Any]) -> JaxprEqn | None:
        """An equation applying ``primitive`` to ``inputs``, its result a new variable (None
        when the primitive refuses these operand types)."""
        try:
            aval = primitive.abstract_eval(*(x.aval for x in inputs), **params)
        except (TypeError, ValueError):
            return None
        return JaxprEqn(primitive, list(inputs), params, [Var(aval)])

    def product(self, x: Any) -> tuple[JaxprEqn, Any, Any] | None:
        """``(eqn, big, small)`` when ``x`` is the product of ``big``, a variable of ``x``'s
        type, and ``small``, an operand with fewer elements."""
        eqn = self.producers.get(x) if type(x) is Var else None
        if eqn is None or not _binary(eqn, np.multiply):
            return None
        aval = eqn.outvars[0].aval
        for big, small in (eqn.inputs, eqn.inputs[::-1]):
            if type(big) is Var and big.aval == aval and small.aval.size < aval.size:
                return eqn, big, small
        return None

    def rewrite(self, eqn: JaxprEqn) -> None:
        """Emit ``eqn``, or cheaper equations computing its outputs."""
        if len(eqn.inputs) != 2 or eqn.params or len(eqn.outvars) != 1 \
                or eqn.outvars[0].aval.dtype.kind not in "fc":
            self.emit(eqn)  # no rule applies
            return
        eqn = self.sink_reshapes(eqn)
        self.looked_through = []
        before = eqn
        eqn = self.gather(self.distribute(eqn))
        if eqn is not before:
            self.originals[eqn.outvars[0]] = before, self.looked_through
        self.emit(eqn)

    def undo_unprofitable(self, jaxpr: Jaxpr) -> list[JaxprEqn]:
        """The equations, a rewritten one put back as it was when the products it looked
        through stay needed anyway (read by an equation of the program left as it was, or
        returned): then the rewriting saved no pass and cost a small product. The small
        products it emitted are left to dead code elimination."""
        if not self.originals:
            return self.eqns
        unchanged = set(map(id, jaxpr.eqns))
        live = {x for x in jaxpr.outvars if type(x) is Var}
        needed = set(live)
        for eqn in reversed(self.eqns):
            if any(v in live for v in eqn.outvars):
                reads = [x for x in eqn.inputs if type(x) is Var]
                live.update(reads)
                if id(eqn) in unchanged:
                    needed.update(reads)
        eqns = []
        for eqn in self.eqns:
            undo = self.originals.get(eqn.outvars[0]) if eqn.outvars else None
            if undo is not None and all(v in needed for v in undo[1]):
                eqn = undo[0]
            eqns.append(eqn)
        return eqns

    def gather(self, eqn: JaxprEqn) -> JaxprEqn:
        """``(big * s1) * s2`` as ``big * (s1 * s2)`` when ``s1 * s2`` is smaller than the
        result: one pass over the result's elements instead of two (``s1 * s2`` is emitted),
        repeated while ``big`` is such a product in turn."""
        while _binary(eqn, np.multiply):
            out = eqn.outvars[0]
            found = None
            for inner, s2 in (eqn.inputs, eqn.inputs[::-1]):
                found = self.product(inner)
                if found is not None and s2.aval.size < out.aval.size:
                    break
                found = None
            if found is None:
                return eqn
            inner_eqn, big, s1 = found
            small = self.new(eqn.primitive, [s1, s2], {})
            if small is None or small.outvars[0].aval.size >= out.aval.size \
                    or big.aval != out.aval:
                return eqn
            if not self.looked_through:
                self.looked_through.append(inner_eqn.outvars[0])
            eqn = JaxprEqn(eqn.primitive, [big, self.emitted(small)], {}, eqn.outvars)
        return eqn

    def distribute(self, eqn: JaxprEqn) -> JaxprEqn:
        """``big * a + big * b`` (or ``-``) as ``big * (a + b)`` when ``a`` and ``b`` are
        smaller than the result: one pass over its elements instead of three."""
        if not (_binary(eqn, np.add) or _binary(eqn, np.subtract)):
            return eqn
        out = eqn.outvars[0]
        left, right = (self.product(x) for x in eqn.inputs)
        if left is None or right is None or left[1] is not right[1] or left[1].aval != out.aval:
            return eqn
        combine = eqn.primitive
        if eqn.primitive.impl is np.add and eqn.primitive not in uniform_binary:
            combine = self.add  # add_any's operands have one type: add with broadcasting
        if combine is None:
            return eqn
        small = self.new(combine, [left[2], right[2]], {})
        if small is None or small.outvars[0].aval.size >= out.aval.size:
            return eqn
        self.looked_through.extend(e.outvars[0] for e in (left[0], right[0]))
        return JaxprEqn(left[0].primitive, [left[1], self.emitted(small)], {}, eqn.outvars)

    def sink_reshapes(self, eqn: JaxprEqn) -> JaxprEqn:
        """``reshape(x) op y``, where the reshape only inserts unit dimensions, as
        ``reshape(x op y)`` (``y`` read as it is in ``x``'s shape, or the operand of a like
        reshape): products and sums then meet their factors in one shape. The reshape is a
        view; the operation is emitted in ``x``'s shape."""
        if len(eqn.inputs) != 2 or eqn.params or len(eqn.outvars) != 1 or not (
                eqn.primitive in uniform_binary or _binary(eqn, np.add)):
            return eqn
        out = eqn.outvars[0].aval
        for i in (0, 1):
            reshaped = self.unit_reshape(eqn.inputs[i], out.shape)
            if reshaped is None:
                continue
            reshape_eqn, x = reshaped
            y = self.in_shape(eqn.inputs[1 - i], out.shape, x.aval.shape)
            if y is None:
                continue
            inputs = [x, y] if i == 0 else [y, x]
            inner = self.new(eqn.primitive, inputs, {})
            if inner is None or inner.outvars[0].aval != x.aval:
                continue
            self.rewrite(inner)
            return JaxprEqn(reshape_eqn.primitive, [inner.outvars[0]], reshape_eqn.params,
                            eqn.outvars)
        return eqn

    def unit_reshape(self, v: Any, shape: tuple[int, ...]) -> tuple[JaxprEqn, Var] | None:
        """``(eqn, x)`` when ``v`` of shape ``shape`` is ``x`` reshaped by ``eqn``, which only
        inserts unit dimensions (sinking it moves the operation to fewer dimensions; one that
        drops them is left alone, so the rewriting has one direction)."""
        eqn = self.producers.get(v) if type(v) is Var else None
        if eqn is None or eqn.primitive not in reshapes or len(eqn.inputs) != 1 \
                or type(eqn.inputs[0]) is not Var or v.aval.shape != shape:
            return None
        x = eqn.inputs[0]
        if x.aval.dtype != v.aval.dtype or x.aval.ndim >= len(shape) \
                or _non_unit(x.aval.shape) != _non_unit(shape):
            return None
        return eqn, x

    def in_shape(self, y: Any, shape: tuple[int, ...], frame: tuple[int, ...]) -> Any:
        """An atom that broadcasts in ``frame`` as ``y`` does in ``shape`` (``frame`` is
        ``shape`` without some of its unit dimensions), or None."""
        ndim = y.aval.ndim
        if ndim == 0:
            return y
        reshaped = self.unit_reshape(y, shape)
        if reshaped is not None and reshaped[1].aval.shape == frame:
            return reshaped[1]
        if ndim > len(shape) or ndim > len(frame):
            return None
        padded = (1,) * (len(shape) - ndim) + y.aval.shape
        along = iter(d for d, s in zip(padded, shape) if s != 1)
        wanted = tuple(1 if f == 1 else next(along) for f in frame)
        return y if (1,) * (len(frame) - ndim) + y.aval.shape == wanted else None


def reassociate_products(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Gather the small factors of elementwise float products so that each large operand is
    multiplied once: ``(big * s1) * s2`` is ``big * (s1 * s2)`` and ``big * a + big * b`` is
    ``big * (a + b)`` when the small operands (scalars, vectors broadcast along the large
    one) have fewer elements than the result, looking through reshapes that only insert unit
    dimensions. The derivatives of ``f(A x)`` for an elementwise ``f`` are such
    chains: each rule of the chain rule multiplies the large tangent by one more vector.
    Reassociation may change the last bits of a result (as any reordering of floating-point
    operations), never its meaning. A rewriting whose old intermediates stay needed by the
    rest of the program is undone (it would only add a small product); the dead ones are
    left to dead code elimination."""
    state = _Products()
    jaxpr = closed.jaxpr
    for eqn in jaxpr.eqns:
        state.rewrite(eqn)
    eqns = state.undo_unprofitable(jaxpr)
    if len(eqns) == len(jaxpr.eqns) and all(a is b for a, b in zip(eqns, jaxpr.eqns)):
        return closed
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outvars),
                       closed.consts)
