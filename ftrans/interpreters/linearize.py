"""linearize's jvp interpreter: elementwise tangents recorded from partial derivatives.

``linearize`` (and so ``vjp`` and ``grad``) runs a jvp interpreter above a partial-evaluation
trace that records the tangent work. For most primitives that is the jvp rule run as under
:class:`~ftrans.interpreters.jvp.JVPTrace`. An elementwise primitive whose derivative is given
by its partial derivatives (``ftrans.lax.elementwise.defpartials``) takes a short path: the
primal output and the partials are computed below the recording trace, and each
``tangent * partial`` is recorded at once. See docs/internals.md, "Differentiation".
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ftrans.core import Primitive, current_trace_var, get_aval
from ftrans.interpreters.jvp import JVPTrace, JVPTracer, add_tangents, match_shape
from ftrans.interpreters.staging import StagingTracer

__all__ = ["IDENTITY", "NEGATE", "LinearizeTrace", "PartialRules", "partial_rules"]

IDENTITY = "identity"  # a partial of one: the tangent passes unchanged (add)
NEGATE = "negate"      # a partial of minus one: the tangent negated (sub's second operand)


class PartialRules:
    """How an elementwise primitive's tangent is made from its partial derivatives.

    ``rules[i](ans, *primals, **params)`` is the partial derivative by argument ``i`` (or
    :data:`IDENTITY`, :data:`NEGATE`, or None where the output does not depend on the
    argument); argument i's tangent contributes ``product(tangent, partial)``. ``product`` is
    ``mul``; with ``zero_wins`` the rule follows the zero-cotangent mode, which swaps in
    ``zero_wins_product`` when ``zero_wins_mode()`` says so.
    """

    __slots__ = ("rules", "product", "negate", "zero_wins_product", "zero_wins_mode")

    def __init__(self, rules: Sequence[Any], product: Primitive, negate: Primitive,
                 zero_wins_product: Primitive | None = None,
                 zero_wins_mode: Callable[[], bool] | None = None):
        self.rules = tuple(rules)
        self.product = product
        self.negate = negate
        self.zero_wins_product = product if zero_wins_product is None else zero_wins_product
        self.zero_wins_mode = zero_wins_mode


# partial_rules[prim]: a PartialRules, registered (with the jvp rule they define) by
# ftrans.lax.elementwise.defpartials. LinearizeTrace uses them to record the tangent directly.
partial_rules: dict[Primitive, PartialRules] = {}


class LinearizeTrace(JVPTrace):
    """The jvp interpreter of ``linearize``, above the partial-evaluation trace that records
    the tangents (its parent).

    A primitive with :data:`partial_rules` takes a short path: the primal output and the
    partial derivatives are computed on the trace below the recording one, and each tangent
    term is recorded directly (one ``mul`` per differentiated argument), instead of running
    the jvp rule with every primal operation passing through partial evaluation first. Other
    primitives run their jvp rule as under :class:`JVPTrace`. Both record the same program.
    """

    __slots__ = ()

    def process_primitive(self, prim: Primitive, args: tuple, params: dict) -> Any:
        entry = partial_rules.get(prim)
        if entry is None:
            return JVPTrace.process_primitive(self, prim, args, params)
        # one differentiated argument (unary primitives, a product by a constant): the
        # commonest applications, taken without building lists
        if len(args) == 1:
            x = args[0]
            if type(x) is JVPTracer and x._trace is self:
                return self._one_tangent(prim, entry, (x.primal,), 0, x.tangent, params)
            return self.parent.process_primitive(prim, args, params)
        if len(args) == 2:
            x, y = args
            x_mine = type(x) is JVPTracer and x._trace is self
            if x_mine != (type(y) is JVPTracer and y._trace is self):
                if x_mine:
                    return self._one_tangent(prim, entry, (x.primal, y), 0, x.tangent, params)
                return self._one_tangent(prim, entry, (x, y.primal), 1, y.tangent, params)
        primals = []
        tangents = []
        mine = False
        for x in args:
            if type(x) is JVPTracer and x._trace is self:
                primals.append(x.primal)
                tangents.append(x.tangent)
                mine = True
            else:
                primals.append(x)
                tangents.append(None)
        if not mine:
            return self.parent.process_primitive(prim, args, params)
        tape = self.parent
        below = tape.parent
        product = entry.product
        if entry.zero_wins_mode is not None and entry.zero_wins_mode():
            product = entry.zero_wins_product
        ans = below.process_primitive(prim, tuple(primals), params)
        terms = []
        token = current_trace_var.set(below)  # the partials' work skips the recording trace
        try:
            for t, rule in zip(tangents, entry.rules):
                if t is None or rule is None:
                    continue
                if rule is IDENTITY:
                    terms.append(t)
                elif rule is NEGATE:
                    terms.append(tape.process_primitive(entry.negate, (t,), {}))
                else:
                    partial = rule(ans, *primals, **params)
                    terms.append(tape.process_primitive(product, (t, partial), {}))
        finally:
            current_trace_var.reset(token)
        if not terms:
            return ans
        token = current_trace_var.set(tape)
        try:
            out_dot = terms[0]
            for term in terms[1:]:
                out_dot = add_tangents(out_dot, term)
            out_dot = match_shape(out_dot, get_aval(ans))
        finally:
            current_trace_var.reset(token)
        return JVPTracer(self, ans, out_dot)

    def _one_tangent(self, prim: Primitive, entry: PartialRules, primals: tuple, i: int,
                     t: Any, params: dict) -> Any:
        """The application when only argument ``i`` has a tangent, ``t``."""
        tape = self.parent
        below = tape.parent
        ans = below.process_primitive(prim, primals, params)
        rule = entry.rules[i]
        if rule is None:
            return ans
        if rule is IDENTITY:
            term = t
        elif rule is NEGATE:
            term = tape.process_primitive(entry.negate, (t,), {})
        else:
            product = entry.product
            if entry.zero_wins_mode is not None and entry.zero_wins_mode():
                product = entry.zero_wins_product
            token = current_trace_var.set(below)  # the partial's work skips the recording
            try:
                partial = rule(ans, *primals, **params)
            finally:
                current_trace_var.reset(token)
            if type(t) is StagingTracer and t._trace is tape:
                # the parent of a LinearizeTrace is a PartialEvalTrace (linearize_flat)
                term = tape.record(product, (t, partial), {})  # pyright: ignore[reportAttributeAccessIssue]
            else:
                term = tape.process_primitive(product, (t, partial), {})
        out_aval = get_aval(ans)
        if get_aval(term) is not out_aval:
            token = current_trace_var.set(tape)
            try:
                term = match_shape(term, out_aval)
            finally:
                current_trace_var.reset(token)
        return JVPTracer(self, ans, term)
