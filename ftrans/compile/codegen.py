"""NumPy code generation: one straight-line Python function per program that calls each
primitive's implementation directly, deletes buffers after their last use, reuses dead
intermediates as ``out=`` of ufuncs, and never returns memory shared with its arguments or
constants. Programs on 0-d float64 values use the scalar form (``codegen_scalar``) with this
one as fallback. See docs/internals.md, "jit".
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ftrans import aliasing
from ftrans.compile.buffers import (
    Program, bound_impl, bound_in_place, has_fresh_result, in_place_operand, last_uses,
    lowered_impl, reusable_input,
)
from ftrans.compile.codegen_scalar import generate_scalar
from ftrans.compile.fused import Index
from ftrans.compile.source import Names, build
from ftrans.compile.tables import rearrangements
from ftrans.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var

__all__ = [
    "generate", "with_numpy_fallback",
]


def generate(closed: ClosedJaxpr) -> Program:
    """Straight-line Python for ``closed``; the scalar float form when it applies (its NumPy
    fallback is generated the first time it is needed)."""
    scalar_program = generate_scalar(closed)
    if scalar_program is None:
        return _generate_numpy(closed)
    return with_numpy_fallback(scalar_program, lambda: _generate_numpy(closed))


def with_numpy_fallback(scalar_program: Program, numpy_program: Callable[[], Program]
                        ) -> Program:
    """``scalar_program``, running ``numpy_program()`` (made the first time it is needed) when
    Python raises. The scalar form is also the result's ``scalar`` (and, for one output, its
    ``scalar_value``, returning that output bare): a caller may run it directly and call the
    result only when it raises ArithmeticError or ValueError."""
    fallback: list[Program] = []

    def run(*args: Any) -> list[Any]:
        try:
            return scalar_program(*args)
        except (ArithmeticError, ValueError):  # Python refuses what NumPy turns into inf/nan
            if not fallback:
                fallback.append(numpy_program())
            return fallback[0](*args)
    run.source = scalar_program.source  # type: ignore[attr-defined]
    run.scalar = scalar_program  # type: ignore[attr-defined]
    run.scalar_value = getattr(scalar_program, "value", None)  # type: ignore[attr-defined]
    return run


def _generate_numpy(closed: ClosedJaxpr) -> Program:
    jaxpr = closed.jaxpr
    names = Names()
    atoms: dict[Var, str] = {}
    for v, c in zip(jaxpr.constvars, closed.consts):
        atoms[v] = names.value(c, "c")
    params_in = [names.var(v) for v in jaxpr.invars]
    for v, p in zip(jaxpr.invars, params_in):
        atoms[v] = p

    def ref(x: Any) -> str:
        if type(x) is Literal:
            return names.value(x.val, "k", _literal_key(x.val))
        return atoms[x]

    def implementation(eqn: JaxprEqn, lowered: Callable[..., Any] | None) -> str:
        key = _impl_key(eqn)
        if lowered is None:
            return names.value(bound_impl(eqn), "f", key)
        if key is not None:  # specialised to the operands' types as well
            key = ("lowered", key, tuple(x.aval for x in eqn.inputs))
        return names.value(lowered, "f", key)

    owned: set[Var] = set()  # arrays this program allocated: safe to overwrite when dead
    lines = [f"def program({', '.join(params_in)}):"]
    dead_after = last_uses(jaxpr)
    for eqn, dying in zip(jaxpr.eqns, dead_after):
        args = ", ".join(ref(x) for x in eqn.inputs)
        lowered = lowered_impl(eqn)
        reuse = reusable_input(eqn, dying, owned, lowered)
        overwritten = None if reuse is not None else in_place_operand(eqn, dying, owned)
        if overwritten is not None:  # the in-place form, on the dead first operand
            reuse = overwritten
            key = _impl_key(eqn)
            fn = names.value(bound_in_place(eqn), "f", None if key is None else ("in place", key))
            out = atoms[eqn.outvars[0]] = atoms[reuse]
            lines.append(f"    {out} = {fn}({args})")
        elif reuse is not None:
            fn = implementation(eqn, lowered)
            # the result takes over the dead input's name as well as its buffer: no second
            # name keeps the buffer alive after the result's own last use
            out = atoms[eqn.outvars[0]] = atoms[reuse]
            lines.append(f"    {out} = {fn}({args}, out={out})")
        else:
            fn = implementation(eqn, lowered)
            outs = [names.var(v) for v in eqn.outvars]
            for v, n in zip(eqn.outvars, outs):
                atoms[v] = n
            target = ", ".join(outs) if eqn.primitive.multiple_results else outs[0]
            if eqn.primitive.multiple_results and len(outs) == 1:
                target += ","
            lines.append(f"    {target} = {fn}({args})")
        if has_fresh_result(eqn.primitive):
            if eqn.outvars[0].aval.ndim > 0:
                owned.add(eqn.outvars[0])
        elif eqn.primitive in rearrangements and eqn.inputs[0] in owned \
                and eqn.inputs[0] in dying and eqn.outvars[0].aval.ndim > 0:
            # the only reference left to a buffer of ours, each element once: still ours
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
    return build(lines, names.namespace)


def _unaliased_return(jaxpr: Jaxpr, names: Names, ref: Callable[[Any], str]
                      ) -> tuple[list[str], str]:
    """The return statement: outputs never share memory with the program's arguments or
    constants. An output that is an argument or a constant is copied; one computed from them
    by anything but a ufunc (a view, or a higher-order primitive that may hand back its
    operand) is checked when the program runs; a ufunc's result is fresh, so it is returned
    as it is."""
    external = set(jaxpr.invars) | set(jaxpr.constvars)
    for eqn in jaxpr.eqns:
        if not has_fresh_result(eqn.primitive) and any(
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


def _literal_key(value: Any) -> Any:
    """Equal literals of one type share a name: NumPy scalars by their bytes (so -0.0 and 0.0,
    or two NaNs, stay apart only if they differ), Python scalars by their repr."""
    if isinstance(value, np.generic):
        return type(value), value.tobytes()
    if type(value) in _SCALAR_TYPES:
        return type(value), repr(value)
    return None


def _impl_key(eqn: JaxprEqn) -> Any:
    """One name for a primitive's implementation bound to equal params, or None when the params
    are not plain data (arrays, programs, callables): those get a name each."""
    try:
        return eqn.primitive, tuple((k, _param_key(v)) for k, v in eqn.params.items())
    except TypeError:
        return None


_SCALAR_TYPES = (int, float, bool, complex, str, type(None))


def _param_key(value: Any) -> Any:
    """``value`` as a key that only equal params share (1 and 1.0, 0.0 and -0.0 differ)."""
    t = type(value)
    if t in _SCALAR_TYPES:
        return t, repr(value)
    if t is tuple:
        return t, tuple(_param_key(v) for v in value)
    if isinstance(value, np.dtype):
        return np.dtype, value.str
    if t is Index:
        return t, hash(value), value
    raise TypeError(t)
