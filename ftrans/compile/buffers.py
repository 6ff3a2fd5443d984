"""The buffer model shared by code generation, the first-call plan and the memory estimator:
when each variable dies, which primitives are NumPy ufuncs (whose results are fresh arrays
that may be overwritten), and which dead input a ufunc may write its result into. See
docs/internals.md, "jit".
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from ftrans.core import Primitive
from ftrans.ir import Jaxpr, JaxprEqn, Var

__all__ = [
    "Program", "bound_impl", "is_ufunc_primitive", "last_uses", "reusable_input",
]

Program = Callable[..., list[Any]]


def is_ufunc_primitive(prim: Primitive) -> bool:
    return isinstance(prim.impl, np.ufunc)



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



def bound_impl(eqn: JaxprEqn) -> Callable[..., Any]:
    impl = eqn.primitive.impl
    if not eqn.params:
        return impl
    return functools.partial(impl, **eqn.params)


def reusable_input(eqn: JaxprEqn, dying: list[Var], owned: set[Var]) -> Var | None:
    if eqn.params or not is_ufunc_primitive(eqn.primitive) or eqn.primitive.multiple_results:
        return None
    out_aval = eqn.outvars[0].aval
    if out_aval.ndim == 0:
        return None
    for x in eqn.inputs:
        if type(x) is Var and x in owned and x in dying and x.aval == out_aval:
            return x
    return None

