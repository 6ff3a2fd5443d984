"""The first-call tier: run a program once, equation by equation, without optimising it or
generating code, so that a program used once costs little; and the compact form a long program
is kept in meanwhile (``Compact``), which the plan runs and from which the program is rebuilt
when it is compiled. See docs/internals.md, "jit".
"""

from __future__ import annotations

from array import array
from typing import Any, Sequence

import numpy as np

from ftrans import aliasing
from ftrans.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var

__all__ = [
    "Compact", "run_plan",
]


def _narrow(values: array) -> array:
    """``values`` (non-negative integers) in the narrowest array type that holds them."""
    top = max(values, default=0)
    for code in "BHIQ":
        if top < 1 << (8 * array(code).itemsize):
            return values if values.typecode == code else array(code, values)
    raise OverflowError(top)


class _Interned:
    """Distinct objects (by identity) and each one's index, for storing references to few
    objects in an array of small integers."""

    def __init__(self) -> None:
        self.table: list[Any] = []
        self.index: dict[int, int] = {}

    def __call__(self, x: Any) -> int:
        i = self.index.get(id(x))
        if i is None:
            i = self.index[id(x)] = len(self.table)
            self.table.append(x)  # held: its id stays unique while the table lives
        return i


class Compact:
    """A program in flat arrays of small integers, a sixth of the memory of its
    ``ClosedJaxpr``.

    Variables are numbered in the order they are defined (constants, inputs, then each
    equation's outputs), literals after them; an equation is its primitive and its params
    (indices into tables of the distinct objects, held as they are), its number of inputs and
    outputs, and its inputs' numbers in one array of all the equations' inputs. ``rebuild``
    makes the same program again: new variables of the same avals, literals of the same values,
    the same primitives, params and constants, in the same order, so it prints, transforms and
    compiles as the original."""

    __slots__ = ("num_vars", "num_consts", "num_inputs", "avals", "primitives", "params",
                 "var_avals", "eqn_primitives", "eqn_params", "num_ins", "num_outs", "codes",
                 "literal_floats", "literal_others", "literal_avals", "outs", "consts")

    def __init__(self, closed: ClosedJaxpr, consume: bool = False):
        """``consume``: empty ``closed``'s list of equations while encoding it, so that the
        program and its compact form are never both held whole (``closed`` is unusable
        afterwards)."""
        jaxpr = closed.jaxpr
        avals, primitives, params = _Interned(), _Interned(), _Interned()
        number: dict[Var, int] = {}
        var_avals = array("I")
        for v in (*jaxpr.constvars, *jaxpr.invars):
            number[v] = len(var_avals)
            var_avals.append(avals(v.aval))
        self.num_consts, self.num_inputs = len(jaxpr.constvars), len(jaxpr.invars)
        eqn_primitives, eqn_params = array("I"), array("I")
        num_ins, num_outs = array("I"), array("I")
        codes = array("q")
        literal_floats = array("d")  # float64 values, bit for bit (0.0 for others')
        literal_others: dict[int, Any] = {}  # literal -> its value, when not a float64
        literal_avals = array("I")

        def literal(x: Literal) -> int:
            value = x.val
            if type(value) is np.float64:
                literal_floats.append(value)
            else:
                literal_others[len(literal_floats)] = value
                literal_floats.append(0.0)
            literal_avals.append(avals(x.aval))
            return -len(literal_floats)  # made an index after the variables below
        # the loop runs once per equation of a long program: everything bound locally, and
        # the commonest objects (a primitive or params like the last equation's) looked up
        # without a call
        add_code, add_primitive, add_params = codes.append, eqn_primitives.append, \
            eqn_params.append
        add_in, add_out, add_aval = num_ins.append, num_outs.append, var_avals.append
        last_primitive, last_primitive_index = None, 0
        last_params, last_params_index = None, 0
        last_aval, last_aval_index = None, 0
        defined = len(var_avals)
        eqns = jaxpr.eqns
        for i, eqn in enumerate(eqns):
            if consume:
                eqns[i] = None  # type: ignore[call-overload]
            prim = eqn.primitive
            if prim is not last_primitive:
                last_primitive, last_primitive_index = prim, primitives(prim)
            add_primitive(last_primitive_index)
            eqn_param = eqn.params
            if eqn_param is not last_params:
                last_params, last_params_index = eqn_param, params(eqn_param)
            add_params(last_params_index)
            inputs = eqn.inputs
            add_in(len(inputs))
            for x in inputs:
                add_code(number[x] if type(x) is Var else literal(x))
            outvars = eqn.outvars
            add_out(len(outvars))
            for v in outvars:
                number[v] = defined
                defined += 1
                aval = v.aval
                if aval is not last_aval:
                    last_aval, last_aval_index = aval, avals(aval)
                add_aval(last_aval_index)
        eqn = inputs = outvars = None  # the last one goes too
        outs = array("q", [number[x] if type(x) is Var else literal(x) for x in jaxpr.outvars])
        number.clear()
        if consume:
            eqns.clear()
        num_vars = self.num_vars = len(var_avals)
        for a in (codes, outs):  # literal -k is the k-th literal: atom num_vars + k - 1
            view = np.frombuffer(a, np.int64) if len(a) else np.zeros(0, np.int64)
            negative = view < 0
            view[negative] = num_vars - 1 - view[negative]
        del view, negative
        self.codes, self.outs = _narrow(codes), _narrow(outs)
        self.var_avals, self.literal_avals = _narrow(var_avals), _narrow(literal_avals)
        self.eqn_primitives, self.eqn_params = _narrow(eqn_primitives), _narrow(eqn_params)
        self.num_ins, self.num_outs = _narrow(num_ins), _narrow(num_outs)
        self.avals, self.primitives, self.params = avals.table, primitives.table, params.table
        # NumPy scalars are stored as the numbers they hold, not as the objects a trace left
        # scattered over memory (each would keep a block of the trace's freed memory in use)
        self.literal_floats, self.literal_others = literal_floats, literal_others
        self.consts = list(closed.consts)

    @property
    def num_eqns(self) -> int:
        return len(self.eqn_primitives)

    def literal_values(self) -> list[Any]:
        """The literals' values: the float64 ones as new NumPy scalars of the same bits, one
        per distinct value (values are immutable; the passes compare literals by value)."""
        values: list[Any] = []
        if self.literal_floats:
            bits = np.frombuffer(self.literal_floats, np.int64)
            distinct, which = np.unique(bits, return_inverse=True)
            scalars = list(distinct.view(np.float64))
            values = list(map(scalars.__getitem__, which.tolist()))
        for i, value in self.literal_others.items():
            values[i] = value
        return values

    def rebuild(self) -> ClosedJaxpr:
        """The program again (see the class)."""
        avals = self.avals
        variables = [Var(avals[a]) for a in self.var_avals]
        # one literal per distinct float64 value and aval: literals are read by value (the
        # passes key them by value, the interpreters read .val), never told apart by identity
        literals: list[Any] = []
        shared: dict[tuple[int, int], Literal] = {}
        others = self.literal_others
        for i, (value, a) in enumerate(zip(self.literal_values(), self.literal_avals)):
            if i in others:
                literals.append(Literal(value, avals[a]))
                continue
            literal = shared.get((id(value), a))
            if literal is None:
                literal = shared[id(value), a] = Literal(value, avals[a])
            literals.append(literal)
        shared.clear()
        atoms: list[Any] = variables + literals
        del literals
        get = atoms.__getitem__
        eqns = []
        position = 0
        defined = self.num_consts + self.num_inputs
        codes = self.codes
        primitives, params = self.primitives, self.params
        for p, q, n_in, n_out in zip(self.eqn_primitives, self.eqn_params, self.num_ins,
                                     self.num_outs):
            # tuples: one allocation each, about a third of a long program's memory less than
            # lists (the passes never change an equation's inputs or outputs in place)
            if n_in == 1:
                inputs = (get(codes[position]),)
            elif n_in == 2:
                inputs = (get(codes[position]), get(codes[position + 1]))
            else:
                inputs = tuple(map(get, codes[position:position + n_in]))
            position += n_in
            eqns.append(JaxprEqn(primitives[p], inputs, params[q],
                                 tuple(variables[defined:defined + n_out])))
            defined += n_out
        first_input = self.num_consts
        jaxpr = Jaxpr(variables[:first_input],
                      variables[first_input:first_input + self.num_inputs],
                      eqns, [atoms[c] for c in self.outs])
        return ClosedJaxpr(jaxpr, self.consts)


def _run_compact(program: Compact, args: Sequence[Any]) -> list[Any]:
    """``run_plan`` on the compact form: values in a list indexed by the atoms' numbers, each
    dropped after the equation that reads it last."""
    num_vars = program.num_vars
    codes = program.codes
    last = array("q", [-1]) * (num_vars + len(program.literal_floats))  # -1: never dropped
    position = 0
    for k, n_in in enumerate(program.num_ins):
        for c in codes[position:position + n_in]:
            last[c] = k
        position += n_in
    for c in program.outs:
        last[c] = -1  # outputs stay alive
    for j in range(num_vars, len(last)):
        last[j] = -1  # literals too
    env: list[Any] = [None] * num_vars
    env[:program.num_consts] = program.consts
    env[program.num_consts:program.num_consts + program.num_inputs] = args
    env += program.literal_values()
    value = env.__getitem__
    defined = program.num_consts + program.num_inputs
    position = 0
    primitives, params_table = program.primitives, program.params
    for k, (p, q, n_in, n_out) in enumerate(zip(
            program.eqn_primitives, program.eqn_params, program.num_ins, program.num_outs)):
        prim = primitives[p]
        params = params_table[q]
        inputs = codes[position:position + n_in]
        position += n_in
        if params:
            out = prim.eager_impl(*map(value, inputs), **params)
        else:
            out = prim.eager_impl(*map(value, inputs))
        if prim.multiple_results:
            env[defined:defined + n_out] = out
        else:
            env[defined] = out
        defined += n_out
        for c in inputs:
            if last[c] == k:
                env[c] = None
    del last
    outs = [env[c] for c in program.outs]
    env.clear()
    return aliasing.detach_from(outs, [*args, *program.consts])


def run_plan(closed: ClosedJaxpr | Compact, args: Sequence[Any]) -> list[Any]:
    """Run ``closed`` once on ``args``, equation by equation: each primitive's eager
    implementation (the same results as ``impl``, faster on NumPy scalars) called directly,
    with no dispatch through traces, and each value dropped after its last use."""
    if isinstance(closed, Compact):
        return _run_compact(closed, args)
    jaxpr = closed.jaxpr
    eqns = jaxpr.eqns
    last: dict[Any, int] = {}  # atom -> the equation that reads it last
    for i, eqn in enumerate(eqns):
        for x in eqn.inputs:
            last[x] = i
    for x in jaxpr.outvars:
        if type(x) is Var:
            last.pop(x, None)  # outputs stay alive
    # literals sit in the values too, so that operands are looked up without a test; each
    # atom is dropped after the equation that reads it last
    env: dict[Any, Any] = {}
    dying: list[Any] = [None] * len(eqns)  # per equation: the atom, or list of them, dying
    for x, i in last.items():
        if type(x) is Literal:
            env[x] = x.val
        dead = dying[i]
        if dead is None:
            dying[i] = x
        elif type(dead) is list:
            dead.append(x)
        else:
            dying[i] = [dead, x]
    del last
    env.update(zip(jaxpr.constvars, closed.consts))
    env.update(zip(jaxpr.invars, args))
    value = env.__getitem__
    for eqn, dead in zip(eqns, dying):
        prim = eqn.primitive
        params = eqn.params
        inputs = eqn.inputs
        if params:
            out = prim.eager_impl(*map(value, inputs), **params)
        elif len(inputs) == 2:  # the commonest equations, without an argument iterator
            x, y = inputs
            out = prim.eager_impl(env[x], env[y])
        elif len(inputs) == 1:
            out = prim.eager_impl(env[inputs[0]])
        else:
            out = prim.eager_impl(*map(value, inputs))
        if prim.multiple_results:
            env.update(zip(eqn.outvars, out))
        else:
            env[eqn.outvars[0]] = out
        if dead is not None:
            if type(dead) is list:
                for x in dead:
                    del env[x]
            else:
                del env[dead]
    del dying
    outs = [env[x] if type(x) is Var else x.val for x in jaxpr.outvars]
    env.clear()
    # the first call only: a complete check by buffer owner is cheap enough here
    return aliasing.detach_from(outs, [*args, *closed.consts])
