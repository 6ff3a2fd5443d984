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
from ftrans.interpreters.batching import batch_jaxpr, broadcast_batch
from ftrans.interpreters.jvp import Zero, jvp_jaxpr
from ftrans.interpreters.partial_eval import partial_eval_jaxpr
from ftrans.interpreters.staging import lift_tracer_consts, trace_flat
from ftrans.ir import ClosedJaxpr, Jaxpr, eval_jaxpr
from ftrans.tree_util import PyTreeDef, tree_flatten, tree_unflatten

__all__ = [
    "add_unused_inputs", "aval_of", "batch_jaxpr_instantiate", "check_same", "flatten_operands",
    "instantiate", "is_zero", "jvp_jaxpr_instantiate", "memoized", "partial_eval_jaxpr_instantiate",
    "restage", "run", "select_outputs", "trace_to_closed", "zeros",
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
    from ftrans.ir import Var
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
# Derived programs with forced outputs (the rules need branch/body outputs to agree)
# ---------------------------------------------------------------------------------------------


def jvp_jaxpr_instantiate(closed: ClosedJaxpr, nonzeros: Sequence[bool],
                          instantiate: Sequence[bool]) -> tuple[ClosedJaxpr, list[bool]]:
    """Like ``jvp_jaxpr``, but the tangents of the outputs marked in ``instantiate`` are
    always returned (zeros where the program's tangent is symbolically zero)."""
    program, out_nz = jvp_jaxpr(closed, nonzeros)
    want = [nz or inst for nz, inst in zip(out_nz, instantiate)]
    if want == out_nz:
        return program, out_nz

    def make() -> ClosedJaxpr:
        n_out = len(closed.out_avals)

        def fun(*args: Any) -> list[Any]:
            outs = run(program, *args)
            given = iter(outs[n_out:])
            tangents = [next(given) if nz else zeros(a)
                        for nz, a, w in zip(out_nz, closed.out_avals, want) if w or nz]
            return outs[:n_out] + tangents
        return restage(fun, program.in_avals)

    key = ("jvp_instantiate", tuple(nonzeros), tuple(want))
    return memoized(closed, key, make), want


def partial_eval_jaxpr_instantiate(closed: ClosedJaxpr, unknowns: Sequence[bool],
                                   instantiate: Sequence[bool]
                                   ) -> tuple[ClosedJaxpr, ClosedJaxpr, list[bool], int]:
    """Like ``partial_eval_jaxpr``, but the outputs marked in ``instantiate`` are unknown even
    when they could be computed now: their known values travel as extra residuals."""
    known, unknown, out_uk, num_res = partial_eval_jaxpr(closed, unknowns)
    forced = [inst and not uk for uk, inst in zip(out_uk, instantiate)]
    if not any(forced):
        return known, unknown, out_uk, num_res

    def make() -> tuple[ClosedJaxpr, ClosedJaxpr, list[bool], int]:
        from ftrans.ir import Var
        n_known = len(known.jaxpr.outvars) - num_res
        known_positions = [i for i, uk in enumerate(out_uk) if not uk]
        keep, extra = [], []
        for k, i in enumerate(known_positions):
            (extra if forced[i] else keep).append(k)
        residuals = list(range(n_known, n_known + num_res))
        new_known = select_outputs(known, keep + residuals + extra)
        # the unknown program takes (old residuals, forced values, unknown inputs)
        forced_vars = [Var(closed.out_avals[known_positions[k]]) for k in extra]
        ujaxpr = unknown.jaxpr
        old_res, uk_ins = ujaxpr.invars[:num_res], ujaxpr.invars[num_res:]
        outs, given, forced_iter = [], iter(ujaxpr.outvars), iter(forced_vars)
        new_uk = []
        for uk, f in zip(out_uk, forced):
            if uk:
                outs.append(next(given))
            elif f:
                outs.append(next(forced_iter))
            new_uk.append(uk or f)
        new_unknown = ClosedJaxpr(
            Jaxpr(ujaxpr.constvars, list(old_res) + forced_vars + list(uk_ins), ujaxpr.eqns,
                  outs), unknown.consts)
        return new_known, new_unknown, new_uk, num_res + len(extra)

    key = ("partial_eval_instantiate", tuple(unknowns), tuple(forced))
    return memoized(closed, key, make)


def batch_jaxpr_instantiate(closed: ClosedJaxpr, bdims: Sequence[int | None], axis_size: int,
                            axis_name: Any, instantiate: Sequence[bool]
                            ) -> tuple[ClosedJaxpr, list[int | None]]:
    """Like ``batch_jaxpr``, but the outputs marked in ``instantiate`` are always batched (in
    front), broadcast when the program leaves them unbatched."""
    program, out_bdims = batch_jaxpr(closed, bdims, axis_size, axis_name)
    want = [None if d is None and not inst else 0 for d, inst in zip(out_bdims, instantiate)]
    if want == out_bdims:
        return program, out_bdims

    def make() -> ClosedJaxpr:
        def fun(*args: Any) -> list[Any]:
            outs = run(program, *args)
            return [broadcast_batch(o, axis_size, 0) if d is None and w == 0 else o
                    for o, d, w in zip(outs, out_bdims, want)]
        return restage(fun, program.in_avals)

    key = ("batch_instantiate", tuple(bdims), axis_size, axis_name, tuple(want))
    return memoized(closed, key, make), want


def is_zero(t: Any) -> bool:
    return type(t) is Zero


def instantiate(t: Any, aval: ShapedArray) -> Any:
    return zeros(aval) if type(t) is Zero else t


def aval_of(x: Any) -> ShapedArray:
    return get_aval(x)
