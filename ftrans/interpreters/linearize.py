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

import numpy as np

from ftrans.core import (
    NUMPY_SCALAR_AVALS, EvalTrace, Primitive, Trace, current_trace_var, get_aval,
)
from ftrans.interpreters.jvp import JVPTrace, JVPTracer, add_tangents, match_shape
from ftrans.interpreters.staging import StagingTracer
from ftrans.ir import Var

__all__ = [
    "ANSWER", "IDENTITY", "NEGATE", "LinearizeTrace", "PartialRules", "PrimitivePartial",
    "partial_rules",
]

IDENTITY = "identity"  # a partial of one: the tangent passes unchanged (add)
NEGATE = "negate"      # a partial of minus one: the tangent negated (sub's second operand)
ANSWER = "answer"      # the partial is the output itself (exp)
# an int i: the partial is argument i itself (mul: d(x*y)/dx = y is argument 1)


class PartialRules:
    """How an elementwise primitive's tangent is made from its partial derivatives.

    ``rules[i](ans, *primals, **params)`` is the partial derivative by argument ``i`` (or
    :data:`IDENTITY`, :data:`NEGATE`, :data:`ANSWER`, the index of the argument that is the
    partial, or None where the output does not depend on the argument); argument i's tangent
    contributes ``product(tangent, partial)``. ``product`` is ``mul``; with ``zero_wins`` the
    rule follows the zero-cotangent mode, which swaps in ``zero_wins_product`` when
    ``zero_wins_mode()`` says so.
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


class PrimitivePartial:
    """A partial derivative that is primitives applied in turn to the primal operands (sin's
    is ``cos``, cos's ``neg`` of ``sin``): eager ``linearize`` computes it with the primitives'
    NumPy implementations at once, which is what binding them on the eval trace runs."""

    __slots__ = ("primitives", "first", "rest")

    def __init__(self, first: Primitive, *rest: Primitive):
        self.primitives = (first, *rest)
        self.first = first
        self.rest = rest

    def __call__(self, ans: Any, *primals: Any, **params: Any) -> Any:
        out = self.first.bind(*primals)
        for prim in self.rest:
            out = prim.bind(out)
        return out

    def __repr__(self) -> str:
        return f"PrimitivePartial({', '.join(p.name for p in self.primitives)})"


# The operands on which the eval trace runs a primitive's eager_impl (it checks only that none
# is a tracer): what eager linearize may hand to eager_impl directly
_CONCRETE = frozenset(NUMPY_SCALAR_AVALS) | {np.ndarray, float, int, complex, bool}


class LinearizeTrace(JVPTrace):
    """The jvp interpreter of ``linearize``, above the partial-evaluation trace that records
    the tangents (its parent).

    A primitive with :data:`partial_rules` takes a short path: the primal output and the
    partial derivatives are computed on the trace below the recording one, and each tangent
    term is recorded directly (one ``mul`` per differentiated argument), instead of running
    the jvp rule with every primal operation passing through partial evaluation first. Other
    primitives run their jvp rule as under :class:`JVPTrace`. Both record the same program.
    When the trace below the recording one is the plain eval trace (eager ``linearize``; not
    debug_nans' checking one), primal work on concrete operands calls the primitives'
    ``eager_impl`` directly, as that trace would.
    """

    __slots__ = ("below",)

    def __init__(self, parent: Trace | None, description: str = "jvp"):
        super().__init__(parent, description)
        # the trace the primal work runs on, below the one that records the tangents
        self.below: Trace = getattr(parent, "parent", None)  # type: ignore[assignment]

    def process_primitive(self, prim: Primitive, args: tuple, params: dict) -> Any:
        entry = partial_rules.get(prim)
        if entry is None:
            return JVPTrace.process_primitive(self, prim, args, params)
        # one differentiated argument (unary primitives, a product by a constant): the
        # commonest applications, taken without building lists; eager ones, inline, run
        # what the eval trace would for the output and the partial, then record the product
        if len(args) == 1:
            x = args[0]
            if type(x) is not JVPTracer or x._trace is not self:
                return self.parent.process_primitive(prim, args, params)
            p, t, rule = x.primal, x._tangent, entry.rules[0]
            if not (type(self.below) is EvalTrace and type(rule) is PrimitivePartial
                    and type(t) is Var and type(p) in _CONCRETE
                    and entry.zero_wins_mode is None):
                return self._unary(prim, entry, x, params)
            # a unary primitive whose partial is primitives (sin, cos)
            ans = prim.eager_impl(p, **params) if params else prim.eager_impl(p)
            partial = rule.first.eager_impl(p)
            for then in rule.rest:
                partial = then.eager_impl(partial)
        elif len(args) == 2:
            x, y = args
            x_mine = type(x) is JVPTracer and x._trace is self
            if x_mine == (type(y) is JVPTracer and y._trace is self):
                return self._applied(prim, entry, args, params)
            if x_mine:
                primals, i, t = (x.primal, y), 0, x._tangent
            else:
                primals, i, t = (x, y.primal), 1, y._tangent
            rule = entry.rules[i]
            if not (type(self.below) is EvalTrace and type(rule) is int and type(t) is Var
                    and type(primals[0]) in _CONCRETE and type(primals[1]) in _CONCRETE
                    and entry.zero_wins_mode is None):
                return self._one_tangent(prim, entry, primals, i, t, params)
            # a product by a constant: the other operand is the partial
            ans = prim.eager_impl(*primals, **params) if params else prim.eager_impl(*primals)
            partial = primals[rule]
        else:
            return self._applied(prim, entry, args, params)
        # what _held_product does, without its call
        term = self.parent.record_binary(entry.product, t, partial)  # pyright: ignore[reportAttributeAccessIssue]
        out_aval = NUMPY_SCALAR_AVALS.get(type(ans)) or get_aval(ans)
        if term.aval is out_aval:
            return JVPTracer(self, ans, term, out_aval)
        return self._tangent_of(ans, term)

    def _applied(self, prim: Primitive, entry: PartialRules, args: tuple, params: dict) -> Any:
        """The application of ``prim`` (which has partial rules) to any arguments: its
        output, with the tangent the sum of each differentiated argument's term."""
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
        below = self.below
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
                    if type(rule) is int:
                        partial = primals[rule]
                    elif rule is ANSWER:
                        partial = ans
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

    def _unary(self, prim: Primitive, entry: PartialRules, x: JVPTracer, params: dict) -> Any:
        """The application of a unary primitive to this trace's tracer ``x``."""
        p = x.primal
        if type(self.below) is EvalTrace and type(p) in _CONCRETE:
            ans = prim.eager_impl(p, **params) if params else prim.eager_impl(p)
            rule = entry.rules[0]
            if type(rule) is PrimitivePartial:  # as the eval trace would compute it
                partial = rule.first.eager_impl(p)
                for then in rule.rest:
                    partial = then.eager_impl(partial)
                return self._product_term(entry, ans, x._tangent, partial)
            return self._term(entry, 0, ans, (p,), x._tangent, params)
        return self._one_tangent(prim, entry, (p,), 0, x._tangent, params)

    def _one_tangent(self, prim: Primitive, entry: PartialRules, primals: tuple, i: int,
                     t: Any, params: dict) -> Any:
        """The application when only argument ``i`` has a tangent, ``t``."""
        if type(self.below) is EvalTrace and type(primals[0]) in _CONCRETE and (
                len(primals) == 1 or type(primals[1]) in _CONCRETE):
            ans = prim.eager_impl(*primals, **params) if params else prim.eager_impl(*primals)
        else:
            ans = self.below.process_primitive(prim, primals, params)
        rule = entry.rules[i]
        if type(rule) is int:  # a product: the other argument is the partial
            return self._product_term(entry, ans, t, primals[rule])
        return self._term(entry, i, ans, primals, t, params)

    def _term(self, entry: PartialRules, i: int, ans: Any, primals: tuple, t: Any,
              params: dict) -> Any:
        """The output ``ans`` with argument ``i``'s contribution to its tangent, ``t`` times
        the partial by argument ``i``."""
        rule = entry.rules[i]
        if rule is None:
            return ans
        if rule is IDENTITY:
            term = t
        elif rule is NEGATE:
            term = self.parent.process_primitive(entry.negate, (self._tracer(t),), {})
        else:
            if type(rule) is int:  # no work, no trace to switch to
                partial = primals[rule]
            elif rule is ANSWER:
                partial = ans
            elif type(rule) is PrimitivePartial:  # what binding with `below` current does
                below = self.below
                partial = below.process_primitive(rule.first, primals, {})
                for then in rule.rest:
                    partial = below.process_primitive(then, (partial,), {})
            else:
                token = current_trace_var.set(self.below)  # the partial's work skips the tape
                try:
                    partial = rule(ans, *primals, **params)
                finally:
                    current_trace_var.reset(token)
            return self._product_term(entry, ans, t, partial)
        return self._tangent_of(ans, term)

    def _product_term(self, entry: PartialRules, ans: Any, t: Any, partial: Any) -> Any:
        """The output ``ans`` with tangent ``t * partial``, recorded."""
        tape = self.parent
        product = entry.product
        if entry.zero_wins_mode is not None and entry.zero_wins_mode():
            product = entry.zero_wins_product
        if type(t) is Var:
            return self._held_product(product, ans, t, partial)
        if type(t) is StagingTracer and t._trace is tape:
            return self._held_product(product, ans, t.program_var, partial)
        return self._tangent_of(ans, tape.process_primitive(product, (t, partial), {}))

    def _held_product(self, product: Primitive, ans: Any, t: Var, partial: Any) -> JVPTracer:
        """The output ``ans`` with tangent ``product(t, partial)``, recorded for ``t`` a
        variable of the recording trace; the product's variable becomes the tangent, its
        tracer made only if asked for."""
        # the parent of a LinearizeTrace is a PartialEvalTrace (linearize_flat)
        term = self.parent.record_binary(product, t, partial)  # pyright: ignore[reportAttributeAccessIssue]
        out_aval = NUMPY_SCALAR_AVALS.get(type(ans)) or get_aval(ans)
        if term.aval is out_aval:
            return JVPTracer(self, ans, term, out_aval)
        return self._tangent_of(ans, term)

    def _tracer(self, t: Any) -> Any:
        """A tangent as a value rules can take: a held variable becomes its tracer."""
        return StagingTracer(self.parent, t) if type(t) is Var else t  # type: ignore[arg-type]

    def _tangent_of(self, ans: Any, term: Any) -> JVPTracer:
        """``ans`` with tangent ``term``, broadcast to its type if it has another."""
        out_aval = NUMPY_SCALAR_AVALS.get(type(ans)) or get_aval(ans)
        if (term.aval if type(term) is Var else get_aval(term)) is not out_aval:
            token = current_trace_var.set(self.parent)
            try:
                term = match_shape(self._tracer(term), out_aval)
            finally:
                current_trace_var.reset(token)
        return JVPTracer(self, ans, term, out_aval)
