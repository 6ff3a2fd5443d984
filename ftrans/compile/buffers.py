"""The buffer model shared by code generation, the first-call plan and the memory estimator:
when each variable dies, which primitives are NumPy ufuncs (whose results are fresh arrays
that may be overwritten), and which dead input a ufunc may write its result into. See
docs/internals.md, "jit".
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from ftrans.compile.tables import fresh_results, in_place_forms, lowerings
from ftrans.core import Primitive
from ftrans.ir import Jaxpr, JaxprEqn, Var

__all__ = [
    "Program", "bound_impl", "bound_in_place", "has_fresh_result", "in_place_operand",
    "is_ufunc_primitive", "last_uses", "lowered_impl", "reusable_input", "use_counts",
]

Program = Callable[..., list[Any]]


def is_ufunc_primitive(prim: Primitive) -> bool:
    return isinstance(prim.impl, np.ufunc)


def has_fresh_result(prim: Primitive) -> bool:
    """Whether ``prim``'s result is a new array sharing memory with none of its operands (a
    ufunc's, or one listed in ``fresh_results``)."""
    return isinstance(prim.impl, np.ufunc) or prim in fresh_results



def last_uses(jaxpr: Jaxpr) -> list[list[Var]]:
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



def use_counts(jaxpr: Jaxpr) -> dict[Var, int]:
    """How many times each variable is read by an equation; an output counts two more, so that
    a variable read once and not returned is exactly the one with a count of 1."""
    uses: dict[Var, int] = {}
    for eqn in jaxpr.eqns:
        for x in eqn.inputs:
            if type(x) is Var:
                uses[x] = uses.get(x, 0) + 1
    for x in jaxpr.outvars:
        if type(x) is Var:
            uses[x] = uses.get(x, 0) + 2
    return uses


def lowered_impl(eqn: JaxprEqn) -> Callable[..., Any] | None:
    """The primitive's implementation specialised to this equation (``lowerings``), or None."""
    lowering = lowerings.get(eqn.primitive)
    return None if lowering is None else lowering(eqn)


def bound_impl(eqn: JaxprEqn) -> Callable[..., Any]:
    impl = eqn.primitive.impl
    if not eqn.params:
        return impl
    return functools.partial(impl, **eqn.params)


def reusable_input(eqn: JaxprEqn, dying: list[Var], owned: set[Var],
                   lowered: Callable[..., Any] | None = None) -> Var | None:
    """A dead buffer of the program's, of the result's type, that ``eqn`` may write its result
    into: ``eqn`` must be a ufunc, by its primitive (no params) or by its lowering (``lowered``,
    as ``integer_pow[y=2]`` is ``np.square``)."""
    if eqn.primitive.multiple_results:
        return None
    if eqn.params or not is_ufunc_primitive(eqn.primitive):
        if not isinstance(lowered, np.ufunc):
            return None
    out_aval = eqn.outvars[0].aval
    if out_aval.ndim == 0:
        return None
    for x in eqn.inputs:
        if type(x) is Var and x in owned and x in dying and x.aval == out_aval:
            return x
    return None



def in_place_operand(eqn: JaxprEqn, dying: list[Var], owned: set[Var]) -> Var | None:
    """The first operand, when ``eqn``'s primitive has an in-place form (``in_place_forms``)
    and that operand is a dead buffer of the program's of the result's type."""
    if eqn.primitive not in in_place_forms or not eqn.inputs:
        return None
    x = eqn.inputs[0]
    if type(x) is Var and x in owned and x in dying and x.aval == eqn.outvars[0].aval \
            and x.aval.ndim > 0 and x not in eqn.inputs[1:]:
        return x
    return None


def bound_in_place(eqn: JaxprEqn) -> Callable[..., Any]:
    impl = in_place_forms[eqn.primitive]
    return functools.partial(impl, **eqn.params) if eqn.params else impl
