"""Staging: record every primitive application into a Jaxpr instead of running it.

A :class:`StagingTracer` carries a :class:`~ftrans.ir.Var` of the program being recorded.
Values that are not this trace's tracers (closed-over arrays, tracers of enclosing
transformations) become constants of the program; scalars become literals. ``make_jaxpr``
and ``jit`` are built on this trace. See docs/internals.md, "Staging".
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import (
    Primitive,
    ShapedArray,
    Trace,
    NUMPY_SCALAR_AVALS,
    Tracer,
    escaped_tracer_error,
    get_aval,
    new_trace,
)
from ftrans.ir import Atom, ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var

__all__ = [
    "StagingTrace", "StagingTracer", "lift_tracer_consts", "share_literal", "shared_literals",
    "trace_flat",
]


_PYTHON_SCALARS = (bool, int, float, complex)

# the params of every recorded equation that has none (nothing mutates an equation's params)
NO_PARAMS: dict[str, Any] = {}

# A binary primitive whose abstract_eval(a, a) is a for every type a (``mul``, registered by
# ftrans.lax): record_binary of two operands of one type knows the result's type without a call
same_type_product: Primitive | None = None

# id(constant) -> one Literal for all its uses, for constants registered by share_literal (the
# NumPy scalars ftrans.numpy makes from Python numbers, one object per value): a long program
# then holds one Literal per constant, not one per use. Each Literal keeps its constant alive,
# so an id here always names the object it was registered for.
shared_literals: dict[int, Literal] = {}


def share_literal(value: Any) -> None:
    """Record ``value`` (a NumPy scalar) as one Literal for every program that uses it."""
    shared_literals[id(value)] = Literal(value, NUMPY_SCALAR_AVALS[type(value)])


class StagingTracer(Tracer):
    """Carries the program variable that holds this value (``program_var``; not ``var``, which
    is the array method)."""

    __slots__ = ("aval", "program_var")
    aval: ShapedArray  # a slot here (Tracer's is a property)

    def __init__(self, trace: StagingTrace, var: Var):
        self._trace = trace
        self.program_var = var
        self.aval = var.aval


class StagingTrace(Trace):
    """Records each primitive application as an equation; nothing runs now.

    Unlike other traces it has no fast path: an application on constants only is staged too,
    so the recorded program is a faithful copy of the function.
    """

    __slots__ = ("invars", "eqns", "constvars", "consts", "_const_index")

    def __init__(self, parent: Trace | None, description: str = "make_jaxpr"):
        super().__init__(parent, description)
        self.invars: list[Var] = []
        self.eqns: list[JaxprEqn] = []
        self.constvars: list[Var] = []
        self.consts: list[Any] = []
        self._const_index: dict[int, Var] = {}

    def new_arg(self, aval: ShapedArray) -> StagingTracer:
        var = Var(aval)
        self.invars.append(var)
        return StagingTracer(self, var)

    def atom(self, x: Any) -> Atom:
        """The program atom for ``x``: its variable, a literal, or a new constant variable."""
        if isinstance(x, StagingTracer) and x._trace is self:
            return x.program_var
        if isinstance(x, Tracer):
            if not x._trace.is_alive:
                raise escaped_tracer_error(x)
        elif isinstance(x, np.generic) or type(x) in _PYTHON_SCALARS:
            return Literal(x)
        elif type(x) is np.ndarray and x.ndim == 0 and x.dtype.kind in "biufc":
            return Literal(x[()])  # a 0-d array constant reads as a scalar
        var = self._const_index.get(id(x))
        if var is None:
            var = self._const_index[id(x)] = Var(get_aval(x))
            self.constvars.append(var)
            self.consts.append(x)  # keeps x alive, so its id stays unique
        return var

    def process_primitive(self, prim: Primitive, args: tuple, params: dict) -> Any:
        return self.record(prim, args, params)

    def _input(self, x: Any) -> Atom:
        if type(x) is StagingTracer and x._trace is self:
            return x.program_var
        scalar_aval = NUMPY_SCALAR_AVALS.get(type(x))
        if scalar_aval is not None:  # a NumPy scalar: a literal of a known type
            return shared_literals.get(id(x)) or Literal(x, scalar_aval)
        return self.atom(x)

    def record(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        # lists of exactly their length, and one shared empty dict for no params: a long
        # program's memory is its equations
        if len(args) == 2:
            x, y = args
            inputs = [x.program_var if type(x) is StagingTracer and x._trace is self
                      else self._input(x),
                      y.program_var if type(y) is StagingTracer and y._trace is self
                      else shared_literals.get(id(y)) or Literal(y, NUMPY_SCALAR_AVALS[type(y)])
                      if type(y) in NUMPY_SCALAR_AVALS else self._input(y)]
            if not params:  # most primitives: no list of types to build
                out_aval = prim.abstract_eval(inputs[0].aval, inputs[1].aval)
                params = NO_PARAMS
            else:
                out_aval = prim.abstract_eval(inputs[0].aval, inputs[1].aval, **params)
        elif len(args) == 1:
            x = args[0]
            inputs = [x.program_var if type(x) is StagingTracer and x._trace is self
                      else self._input(x)]
            if not params:
                out_aval = prim.abstract_eval(inputs[0].aval)
                params = NO_PARAMS
            else:
                out_aval = prim.abstract_eval(inputs[0].aval, **params)
        else:
            inputs = list(tuple([self._input(x) for x in args]))
            if not params:
                params = NO_PARAMS
            out_aval = prim.abstract_eval(*[a.aval for a in inputs], **params)
        if prim.multiple_results:
            outvars = [Var(a) for a in out_aval]
            self.eqns.append(JaxprEqn(prim, inputs, params, outvars))
            return [StagingTracer(self, v) for v in outvars]
        outvar = Var(out_aval)
        self.eqns.append(JaxprEqn(prim, inputs, params, [outvar]))
        return StagingTracer(self, outvar)

    def record_binary(self, prim: Primitive, x: Var, y: Any) -> Var:
        """``record(prim, (x, y), {})`` for ``x`` a variable of this trace and ``prim`` a
        primitive of one result without params, returning the output's variable (no tracer):
        linearize's ``tangent * partial``."""
        scalar_aval = NUMPY_SCALAR_AVALS.get(type(y))
        if scalar_aval is not None:
            y_atom: Atom = shared_literals.get(id(y)) or Literal(y, scalar_aval)
        elif type(y) is StagingTracer and y._trace is self:
            y_atom = y.program_var
        else:
            y_atom = self._input(y)
        x_aval = x.aval
        if x_aval is y_atom.aval and prim is same_type_product:
            outvar = Var(x_aval)
        else:
            outvar = Var(prim.abstract_eval(x_aval, y_atom.aval))
        self.eqns.append(JaxprEqn(prim, [x, y_atom], NO_PARAMS, [outvar]))
        return outvar

    def to_closed_jaxpr(self, outputs: Sequence[Any]) -> ClosedJaxpr:
        """The recorded program, with ``outputs`` (tracers or constants) as its results."""
        outvars = [self.atom(x) for x in outputs]
        jaxpr = Jaxpr(list(self.constvars), list(self.invars), list(self.eqns), outvars)
        return ClosedJaxpr(jaxpr, list(self.consts))


def trace_flat(fun: Callable[..., Sequence[Any]], in_avals: Sequence[ShapedArray],
               description: str) -> ClosedJaxpr:
    """Stage ``fun`` (flat arrays in, a flat sequence of arrays out) at ``in_avals``.

    Used by transformations that derive one program from another (the jvp, transpose or
    batched form of a jaxpr).
    """
    with new_trace(StagingTrace, description) as trace:
        outs = fun(*[trace.new_arg(a) for a in in_avals])
        return trace.to_closed_jaxpr(list(outs))


def lift_tracer_consts(closed: ClosedJaxpr) -> tuple[ClosedJaxpr, list[Any]]:
    """Constants that are tracers (of enclosing transformations) become leading inputs, so the
    program holds only concrete values and every traced value reaches it as an operand.

    Returns the program and the lifted tracers, in the order of its new leading inputs.
    """
    jaxpr = closed.jaxpr
    lifted_vars, lifted, kept_vars, kept = [], [], [], []
    for v, c in zip(jaxpr.constvars, closed.consts):
        if isinstance(c, Tracer):
            lifted_vars.append(v)
            lifted.append(c)
        else:
            kept_vars.append(v)
            kept.append(c)
    if not lifted:
        return closed, []
    program = Jaxpr(kept_vars, lifted_vars + list(jaxpr.invars), jaxpr.eqns, jaxpr.outvars)
    return ClosedJaxpr(program, kept), lifted
