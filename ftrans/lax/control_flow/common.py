"""Shared machinery of the control-flow primitives: tracing user functions to programs, and
small program-to-program adapters the rules of cond, while and scan all need.

A branch or loop body is staged with a :class:`StagingTrace` into a :class:`ClosedJaxpr` taking
flat arrays. Values it closes over that are tracers of enclosing transformations become
explicit leading operands (as jit does), so each rule sees every value that carries a tangent
or a batch axis; concrete constants stay inside the program. See docs/control_flow.md.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import ShapedArray, Tracer, get_aval
from ftrans.interpreters.jvp import Zero
from ftrans.interpreters.staging import lift_tracer_consts, trace_flat
from ftrans.ir import ClosedJaxpr, Jaxpr, Var, eval_jaxpr
from ftrans.tree_util import PyTreeDef, tree_flatten, tree_unflatten

__all__ = [
    "add_unused_inputs", "any_flags", "aval_of", "check_same", "fixpoint", "flatten_operands",
    "instantiate", "is_zero", "memoized", "merge_lists", "partition_list", "restage", "run",
    "select_outputs", "split_invariant_residuals", "split_list", "trace_to_closed",
    "unknown_scan_body", "zeros",
]

# ---------------------------------------------------------------------------------------------
# User functions to programs
# ---------------------------------------------------------------------------------------------


def flatten_operands(tree: Any, api: str, what: str) -> tuple[list[Any], PyTreeDef]:
    """Leaves of ``tree`` as valid arrays (Python numbers become NumPy scalars)."""
    leaves, treedef = tree_flatten(tree)
    out = []
    for x in leaves:
        if isinstance(x, (Tracer, np.ndarray, np.generic)):
            out.append(x)
        elif type(x) in (bool, int, float, complex):
            out.append(np.asarray(x)[()])
        else:
            raise TypeError(f"{api}: {what} contains a value of type {type(x).__name__}; "
                            f"operands must be arrays, numbers, or tuples/lists/dicts of them")
    return out, treedef


def trace_to_closed(fun: Callable, in_tree: PyTreeDef, in_avals: Sequence[ShapedArray],
                    api: str, what: str) -> tuple[ClosedJaxpr, PyTreeDef, list[Any]]:
    """Stage ``fun`` (called with the pytree ``in_tree`` of values of types ``in_avals``).

    Returns ``(program, out_tree, lifted)``: constants of the program that are tracers of
    enclosing transformations become its leading inputs and are returned in ``lifted``.
    """
    out_tree_box: list[PyTreeDef] = []

    def flat_fun(*args: Any) -> list[Any]:
        out = fun(*tree_unflatten(in_tree, args))
        leaves, out_tree = flatten_operands(out, api, f"the output of {what}")
        out_tree_box.append(out_tree)
        return leaves

    closed = trace_flat(flat_fun, list(in_avals), api)
    closed, lifted = lift_tracer_consts(closed)
    return closed, out_tree_box[0], lifted


def add_unused_inputs(closed: ClosedJaxpr, before: Sequence[ShapedArray],
                      after: Sequence[ShapedArray] = ()) -> ClosedJaxpr:
    """``closed`` taking extra (ignored) inputs of types ``before`` first and ``after`` last."""
    if not before and not after:
        return closed
    jaxpr = closed.jaxpr
    invars = [Var(a) for a in before] + list(jaxpr.invars) + [Var(a) for a in after]
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, invars, jaxpr.eqns, jaxpr.outvars), closed.consts)


def select_outputs(closed: ClosedJaxpr, indices: Sequence[int]) -> ClosedJaxpr:
    """``closed`` returning only (or reordering to) the outputs at ``indices``."""
    jaxpr = closed.jaxpr
    outvars = [jaxpr.outvars[i] for i in indices]
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.eqns, outvars), closed.consts)


def restage(fun: Callable[..., Sequence[Any]], in_avals: Sequence[ShapedArray]) -> ClosedJaxpr:
    """A new program from ``fun`` (flat arrays in and out), for adapting programs."""
    return trace_flat(fun, list(in_avals), "control flow")


def run(closed: ClosedJaxpr, *args: Any) -> list[Any]:
    """Apply ``closed`` by binding its equations on the current trace."""
    return eval_jaxpr(closed.jaxpr, closed.consts, *args)


def zeros(aval: ShapedArray) -> Any:
    return np.zeros(aval.shape, aval.dtype)


def memoized(closed: ClosedJaxpr, key: Any, make: Callable[[], Any]) -> Any:
    """``make()`` memoized in ``closed.derived`` under ``key``."""
    found = closed.derived.get(key)
    if found is None:
        found = closed.derived[key] = make()
    return found


# ---------------------------------------------------------------------------------------------
# Checking structures and types
# ---------------------------------------------------------------------------------------------


def _describe(tree: PyTreeDef, avals: Sequence[ShapedArray]) -> str:
    leaves = [a.str_short() for a in avals]
    try:
        return str(tree_unflatten(tree, leaves)).replace("'", "")
    except Exception:  # noqa: BLE001  (a structure we cannot rebuild: show leaves only)
        return f"{tree} with leaves {leaves}"


def check_same(api: str, what_a: str, tree_a: PyTreeDef, avals_a: Sequence[ShapedArray],
               what_b: str, tree_b: PyTreeDef, avals_b: Sequence[ShapedArray]) -> None:
    """Raise a TypeError showing both sides when structures, shapes or dtypes differ."""
    if tree_a == tree_b and list(avals_a) == list(avals_b):
        return
    if tree_a != tree_b:
        problem = "different structures"
    else:
        diffs = [f"leaf {i}: {a.str_short()} vs {b.str_short()}"
                 for i, (a, b) in enumerate(zip(avals_a, avals_b)) if a != b]
        problem = "different shapes or dtypes (" + "; ".join(diffs) + ")"
    raise TypeError(
        f"{api}: {what_a} and {what_b} must have the same structure, shapes and dtypes, "
        f"but they have {problem}:\n  {what_a}: {_describe(tree_a, avals_a)}\n"
        f"  {what_b}: {_describe(tree_b, avals_b)}")


# ---------------------------------------------------------------------------------------------
# Bookkeeping over flags (which operands carry a tangent, are unknown, are batched)
# ---------------------------------------------------------------------------------------------


def fixpoint(flags: Sequence[bool], step: Callable[[list[bool]], Sequence[Any]]) -> list[bool]:
    """The carried flags of a loop: starting from ``flags`` (one per carry), turn on each flag
    that ``step(flags)`` (the body's flags for its carry outputs, first ``len(flags)`` used)
    turns on, until nothing changes. Flags only turn on, so this ends."""
    flags = list(flags)
    while True:
        new = [a or bool(b) for a, b in zip(flags, step(flags))]
        if new == flags:
            return flags
        flags = new


def any_flags(flag_lists: Any) -> list[bool]:
    """The elementwise or of flag lists (one a branch): what any branch turns on."""
    return [any(flags) for flags in zip(*flag_lists)]


def split_list(xs: Sequence[Any], sizes: Sequence[int]) -> list[list[Any]]:
    """``xs`` cut into consecutive pieces of ``sizes``, then the rest."""
    out, start = [], 0
    for n in sizes:
        out.append(list(xs[start:start + n]))
        start += n
    out.append(list(xs[start:]))
    return out


def partition_list(flags: Sequence[bool], xs: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """``(items whose flag is off, items whose flag is on)``, each in order."""
    off, on = [], []
    for f, x in zip(flags, xs):
        (on if f else off).append(x)
    return off, on


def merge_lists(flags: Sequence[bool], off: Sequence[Any], on: Sequence[Any]) -> list[Any]:
    """The inverse of :func:`partition_list`."""
    off_it, on_it = iter(off), iter(on)
    return [next(on_it) if f else next(off_it) for f in flags]


# ---------------------------------------------------------------------------------------------
# Loops split by partial evaluation: the known loop runs now, the unknown one is a scan over
# the residuals each known iteration left (while and scan share this)
# ---------------------------------------------------------------------------------------------


def split_invariant_residuals(known: ClosedJaxpr, n_consts: int, n_out: int
                              ) -> tuple[tuple[bool, ...], ClosedJaxpr, list[int]]:
    """Residuals of a known loop body that are its consts (the first ``n_consts`` inputs)
    themselves are loop-invariant: they go to the unknown scan as consts instead of being
    stacked once an iteration.

    ``known`` returns ``n_out`` outputs and then the residuals. Returns ``(invariant, body,
    positions)``: a flag a residual, ``known`` returning only the per-iteration residuals after
    its outputs, and for each invariant residual the index of the const it is.
    """
    const_index = {v: i for i, v in enumerate(known.jaxpr.invars[:n_consts])}
    res_vars = known.jaxpr.outvars[n_out:]
    invariant = tuple(type(v) is Var and v in const_index for v in res_vars)
    per_iteration = [n_out + k for k, inv in enumerate(invariant) if not inv]
    body = select_outputs(known, list(range(n_out)) + per_iteration)
    positions = [const_index[v] for v, inv in zip(res_vars, invariant)  # type: ignore[index]
                 if inv]  # invariant entries are Vars (checked above)
    return invariant, body, positions


def unknown_scan_body(unknown: ClosedJaxpr, num_res: int, invariant: tuple[bool, ...],
                      n_fixed: int) -> ClosedJaxpr:
    """The unknown program ``(residuals, unknown inputs) -> outputs`` in scan form: consts =
    invariant residuals + unknown consts; carry = unknown carry (the first ``n_fixed``
    unknown inputs are consts and carry); xs = per-iteration residuals + unknown xs."""

    def make() -> ClosedJaxpr:
        per_avals, inv_avals = partition_list(invariant, unknown.in_avals[:num_res])
        fixed_avals, xs_avals = split_list(unknown.in_avals[num_res:], [n_fixed])

        def fun(*args: Any) -> list[Any]:
            inv, fixed, per, xs = split_list(args, [len(inv_avals), n_fixed, len(per_avals)])
            return run(unknown, *merge_lists(invariant, per, inv), *fixed, *xs)
        return restage(fun, inv_avals + fixed_avals + per_avals + xs_avals)

    return memoized(unknown, ("unknown_scan_body", num_res, invariant, n_fixed), make)


def is_zero(t: Any) -> bool:
    return type(t) is Zero


def instantiate(t: Any, aval: ShapedArray) -> Any:
    return zeros(aval) if type(t) is Zero else t


def aval_of(x: Any) -> ShapedArray:
    return get_aval(x)
