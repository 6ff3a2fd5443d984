"""Conditionals: ``cond`` and ``switch``, one primitive ``cond_p`` choosing among programs.

``cond_p`` takes an int32 scalar index and the operands; its ``branches`` param is a tuple of
:class:`ClosedJaxpr` with identical input and output types. Every rule transforms all the
branches the same way, so the result is again one ``cond_p``: the jvp of each branch, each
branch split into known and unknown parts (residuals padded to one common list), each branch
transposed, each branch batched. A batched index becomes a ``select_n`` of all branches.
See docs/control_flow.md.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ftrans.aliasing import detach_from
from ftrans.core import Primitive, ShapedArray, Tracer, get_aval, inline_rules
from ftrans.interpreters.batching import (
    BatchTrace, batching_rules, batch_jaxpr, move_batch_axis, not_mapped,
)
from ftrans.interpreters.jvp import Zero, jvp_jaxpr, jvp_rules
from ftrans.interpreters.partial_eval import (
    PartialEvalTrace, partial_eval_jaxpr, partial_eval_rules,
)
from ftrans.interpreters.transpose import UndefPrimal, transpose_jaxpr, transpose_rules
from ftrans.ir import ClosedJaxpr, Jaxpr, Var
from ftrans.lax.control_flow.common import (
    any_flags, check_same, flatten_operands, merge_lists, partition_list, restage, run,
    trace_to_closed, zeros,
)
from ftrans.tree_util import tree_unflatten
from ftrans.compile import compiled
from ftrans.lax.casts import convert_element_type
from ftrans.lax.comparisons import ne, select_n
from ftrans.lax.elementwise import max as lax_max, min as lax_min
from ftrans.lax.structural import broadcast_in_dim

__all__ = [
    "cond", "cond_p", "jvp_rules", "partial_eval_rules", "switch", "transpose_rules",
]

_INDEX_DTYPE = np.dtype(np.int32)

# ---------------------------------------------------------------------------------------------
# cond_p
# ---------------------------------------------------------------------------------------------


def _cond_impl(index: Any, *operands: Any, branches: tuple[ClosedJaxpr, ...]) -> list[Any]:
    i = min(max(int(index), 0), len(branches) - 1)
    return compiled(branches[i])(*operands)


def _cond_abstract_eval(index: ShapedArray, *operands: ShapedArray,
                        branches: tuple[ClosedJaxpr, ...]) -> list[ShapedArray]:
    if index.shape != () or index.dtype.kind not in "iu":
        raise TypeError(f"cond: the branch index must be an integer scalar, got "
                        f"{index.str_short()}")
    for i, branch in enumerate(branches):
        if branch.in_avals != list(operands):
            raise TypeError(f"cond: branch {i} takes {[a.str_short() for a in branch.in_avals]}"
                            f" but the operands are {[a.str_short() for a in operands]}")
        if branch.out_avals != branches[0].out_avals:
            raise TypeError(f"cond: branch {i} returns "
                            f"{[a.str_short() for a in branch.out_avals]} but branch 0 returns "
                            f"{[a.str_short() for a in branches[0].out_avals]}")
    return list(branches[0].out_avals)


cond_p = Primitive("cond", impl=_cond_impl, abstract_eval=_cond_abstract_eval,
                   multiple_results=True)


def _trace_branches(api: str, branch_funs: Sequence[Callable], operands: tuple
                    ) -> tuple[tuple[ClosedJaxpr, ...], list[Any], Any]:
    """Stage every branch on the operands' types; closed-over tracers of all branches become
    common leading operands. Returns (branches, flat operands, output tree)."""
    ops, in_tree = flatten_operands(operands, api, "the operands")
    avals = [get_aval(x) for x in ops]
    traced = []
    for i, fun in enumerate(branch_funs):
        if not callable(fun):
            raise TypeError(f"{api}: branch {i} is not callable (got {type(fun).__name__})")
        traced.append(trace_to_closed(fun, in_tree, avals, api, f"branch {i}"))
    names = (["false_fun", "true_fun"] if api == "cond" and len(branch_funs) == 2
             else [f"branches[{i}]" for i in range(len(branch_funs))])
    _, tree0, _ = traced[0]
    for i, (closed, tree, _) in enumerate(traced[1:], 1):
        check_same(api, f"the output of {names[0]}", tree0, traced[0][0].out_avals,
                   f"the output of {names[i]}", tree, closed.out_avals)
    # every branch takes every branch's lifted constants (ignoring the others')
    all_lifted = [c for _, _, lifted in traced for c in lifted]
    lifted_avals = [get_aval(c) for c in all_lifted]
    branches, start = [], 0
    for closed, _, lifted in traced:
        n = len(lifted)
        branches.append(_with_inputs(closed, lifted_avals, start, n))
        start += n
    return tuple(branches), all_lifted + ops, tree0


def _with_inputs(closed: ClosedJaxpr, lifted_avals: list[ShapedArray], start: int,
                 n: int) -> ClosedJaxpr:
    if len(lifted_avals) == n:
        return closed
    jaxpr = closed.jaxpr
    own, rest = jaxpr.invars[:n], jaxpr.invars[n:]
    invars = ([Var(a) for a in lifted_avals[:start]] + list(own)
              + [Var(a) for a in lifted_avals[start + n:]] + list(rest))
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, invars, jaxpr.eqns, jaxpr.outvars), closed.consts)


def _as_index(pred: Any, api: str) -> Any:
    if type(pred) in (bool, int, float) or isinstance(pred, (np.ndarray, np.generic)):
        pred = np.asarray(pred)
    elif not isinstance(pred, Tracer):
        raise TypeError(f"{api}: the predicate must be a scalar bool or number, got "
                        f"{type(pred).__name__} {pred!r:.40}")
    aval = get_aval(pred)
    if aval.shape != ():
        raise TypeError(f"{api}: the predicate must be a scalar, got {aval.str_short()}; use "
                        f"ftrans.numpy.where for elementwise choice, or vmap")
    if aval.dtype.kind not in "biuf":
        raise TypeError(f"{api}: the predicate must be bool or a number, got {aval.dtype}")
    if aval.dtype != np.bool_:
        pred = ne(pred, np.zeros((), aval.dtype))
    return convert_element_type(pred, _INDEX_DTYPE)


def _unaliased(outs: list[Any], ops: list[Any], branches: Sequence[ClosedJaxpr]) -> list[Any]:
    """A branch that returns an operand or a captured array does not hand it out itself."""
    return detach_from(outs, [*ops, *(c for b in branches for c in b.consts)])


def cond(pred: Any, true_fun: Callable, false_fun: Callable, *operands: Any) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, as one primitive.

    Both branches are traced (they must return the same structure, shapes and dtypes) and
    the choice happens when the program runs, so ``pred`` may be a traced value: under
    ``jit`` or ``make_jaxpr`` the program holds both branches; under ``vmap`` with a batched
    ``pred`` both run and ``select_n`` picks per member; ``grad`` differentiates the branch
    taken.

    Args:
      pred: a scalar bool (or number: nonzero is true).
      true_fun, false_fun: functions of ``*operands`` (pytrees of arrays).
      operands: the arguments passed to the chosen branch.

    Returns:
      The chosen branch's output.

    Raises:
      TypeError: when the branches' outputs differ in structure, shape or dtype (both are
        shown), or ``pred`` is not a scalar.

    >>> from ftrans import lax
    >>> cond(3.0 > 0, lambda x: x * 2, lambda x: -x, 5.0)
    np.float64(10.0)
    """
    index = _as_index(pred, "cond")
    branches, ops, out_tree = _trace_branches("cond", (false_fun, true_fun), operands)
    outs = cond_p.bind(index, *ops, branches=branches)
    return tree_unflatten(out_tree, _unaliased(outs, ops, branches))


def switch(index: Any, branches: Sequence[Callable], *operands: Any) -> Any:
    """``branches[index](*operands)`` with ``index`` clamped to ``[0, len(branches) - 1]``.

    Like :func:`cond` (which is ``switch`` on ``int(pred)`` over ``(false_fun, true_fun)``),
    ``index`` may be traced; every branch is traced and must return the same types.

    Args:
      index: an integer scalar.
      branches: a non-empty sequence of functions of ``*operands``.
      operands: the arguments passed to the chosen branch.

    Returns:
      The chosen branch's output.

    >>> switch(2, [lambda x: x, lambda x: x + 1, lambda x: x * 10], 4.0)
    np.float64(40.0)
    """
    branches = tuple(branches)
    if not branches:
        raise ValueError("switch: branches must be a non-empty sequence of functions")
    if type(index) in (bool, float) or (not isinstance(index, (int, Tracer))
                                         and np.asarray(index).dtype.kind not in "iu"):
        raise TypeError(f"switch: the index must be an integer scalar, got {index!r}")
    index = np.asarray(index) if isinstance(index, int) else index
    aval = get_aval(index)
    if aval.shape != () or aval.dtype.kind not in "iu":
        raise TypeError(f"switch: the index must be an integer scalar, got {aval.str_short()}")
    if len(branches) == 1:
        return branches[0](*operands)
    index = convert_element_type(index, _INDEX_DTYPE)
    index = lax_max(lax_min(index, np.asarray(len(branches) - 1, _INDEX_DTYPE)),
                    np.zeros((), _INDEX_DTYPE))
    closed, ops, out_tree = _trace_branches("switch", branches, operands)
    outs = cond_p.bind(index, *ops, branches=closed)
    return tree_unflatten(out_tree, _unaliased(outs, ops, closed))


# ---------------------------------------------------------------------------------------------
# jvp: the cond of the branches' jvps (tangent outputs made to agree across branches)
# ---------------------------------------------------------------------------------------------


def _cond_jvp(primals: Sequence[Any], tangents: Sequence[Any],
              branches: tuple[ClosedJaxpr, ...]) -> tuple[list[Any], list[Any]]:
    index, *ops = primals
    nonzeros = [type(t) is not Zero for t in tangents[1:]]
    n_out = len(branches[0].out_avals)
    out_nz = any_flags(jvp_jaxpr(b, nonzeros)[1] for b in branches)
    jvp_branches = tuple(jvp_jaxpr(b, nonzeros, out_nz)[0] for b in branches)
    outs = cond_p.bind(index, *ops, *[t for t in tangents[1:] if type(t) is not Zero],
                       branches=jvp_branches)
    out_tangents = iter(outs[n_out:])
    return outs[:n_out], [next(out_tangents) if nz else Zero(a)
                          for nz, a in zip(out_nz, branches[0].out_avals)]


jvp_rules[cond_p] = _cond_jvp


# ---------------------------------------------------------------------------------------------
# Partial evaluation: known cond now, unknown (linear) cond recorded with the index as residual
# ---------------------------------------------------------------------------------------------


def _merge_residuals(res_avals: list[list[ShapedArray]]
                     ) -> tuple[list[ShapedArray], list[list[int]]]:
    """One residual list for all branches: a slot per (type, k-th use) so branches share
    slots of the same type. Returns the slot types and, per branch, its residuals' slots."""
    slots: list[ShapedArray] = []
    positions: list[list[int]] = []
    for avals in res_avals:
        used: dict[ShapedArray, int] = {}
        mine = []
        for a in avals:
            k = used.get(a, 0)
            used[a] = k + 1
            matches = [s for s, sa in enumerate(slots) if sa == a]
            if k < len(matches):
                mine.append(matches[k])
            else:
                slots.append(a)
                mine.append(len(slots) - 1)
        positions.append(mine)
    return slots, positions


def _cond_partial_eval(trace: PartialEvalTrace, args: Sequence[Any],
                       branches: tuple[ClosedJaxpr, ...]) -> list[Any]:
    unknowns = [isinstance(x, Tracer) and x._trace is trace for x in args]
    if unknowns[0]:  # an unknown index: nothing can run now
        return trace.record(cond_p, args, {"branches": branches})
    index, *ops = args
    op_uk = unknowns[1:]
    n_out = len(branches[0].out_avals)
    out_uk = any_flags(partial_eval_jaxpr(b, op_uk)[2] for b in branches)
    splits = [partial_eval_jaxpr(b, op_uk, out_uk) for b in branches]
    n_known = out_uk.count(False)
    slots, positions = _merge_residuals(
        [list(known.out_avals[n_known:]) for known, _, _, _ in splits])

    known_branches, unknown_branches = [], []
    for (known, unknown, _, _num_res), where in zip(splits, positions):
        def known_fun(*args: Any, known: ClosedJaxpr = known, where: list[int] = where
                      ) -> list[Any]:
            outs = run(known, *args)
            res = [zeros(a) for a in slots]
            for slot, r in zip(where, outs[n_known:]):
                res[slot] = r
            return outs[:n_known] + res
        known_branches.append(restage(known_fun, known.in_avals))

        def unknown_fun(*args: Any, unknown: ClosedJaxpr = unknown,
                        where: list[int] = where) -> list[Any]:
            res, rest = args[:len(slots)], args[len(slots):]
            return run(unknown, *[res[s] for s in where], *rest)
        unknown_branches.append(restage(
            unknown_fun, slots + partition_list(op_uk, branches[0].in_avals)[1]))

    known_ops, unknown_ops = partition_list(op_uk, ops)
    known_outs = cond_p.bind(index, *known_ops, branches=tuple(known_branches))
    residuals = known_outs[n_known:]
    unknown_outs = trace.record(
        cond_p, [index, *residuals, *unknown_ops],
        {"branches": tuple(unknown_branches)}) if n_known < n_out else []
    return merge_lists(out_uk, known_outs[:n_known], unknown_outs)


partial_eval_rules[cond_p] = _cond_partial_eval


# ---------------------------------------------------------------------------------------------
# Transpose: the cond of the transposed branches (the index is never linear)
# ---------------------------------------------------------------------------------------------


def _cond_transpose(cts: Sequence[Any], index: Any, *ops: Any,
                    branches: tuple[ClosedJaxpr, ...]) -> list[Any]:
    if type(index) is UndefPrimal:
        raise TypeError("cond: cannot transpose with respect to the branch index")
    linear = [type(x) is UndefPrimal for x in ops]
    if not any(linear):
        return [None] * (1 + len(ops))
    ct_nonzero = [type(ct) is not Zero for ct in cts]
    backward = tuple(transpose_jaxpr(b, linear, ct_nonzero) for b in branches)
    outs = iter(cond_p.bind(index, *partition_list(linear, ops)[0],
                            *[ct for ct in cts if type(ct) is not Zero], branches=backward))
    return [None] + [next(outs) if lin else None for lin in linear]


transpose_rules[cond_p] = _cond_transpose


# ---------------------------------------------------------------------------------------------
# Batching: unbatched index -> cond of batched branches; batched index -> select_n of all
# ---------------------------------------------------------------------------------------------


def _cond_batch(trace: BatchTrace, args: Sequence[Any], bdims: Sequence[Any],
                branches: tuple[ClosedJaxpr, ...]) -> tuple[list[Any], list[Any]]:
    size, name = trace.axis_size, trace.axis_name
    index, *ops = args
    index_bdim, *op_bdims = bdims
    n_out = len(branches[0].out_avals)
    if index_bdim is not_mapped:
        out_b = any_flags([d is not None for d in batch_jaxpr(b, op_bdims, size, name)[1]]
                          for b in branches)
        batched = [batch_jaxpr(b, op_bdims, size, name, out_b) for b in branches]
        out_bdims = batched[0][1]
        outs = cond_p.bind(index, *ops, branches=tuple(p for p, _ in batched))
        return outs, out_bdims
    # A batched index: every branch runs on the whole batch, then each member picks its own.
    index = move_batch_axis(index, index_bdim, 0)
    results = []
    for b in branches:
        program, _ = batch_jaxpr(b, op_bdims, size, name, [True] * n_out)
        results.append(run(program, *ops))
    outs = []
    for k, aval in enumerate(branches[0].out_avals):
        shape = (size,) + aval.shape
        which = broadcast_in_dim(index, shape, (0,))
        outs.append(select_n(which, *[r[k] for r in results]))
    return outs, [0] * n_out


batching_rules[cond_p] = _cond_batch


def _cond_inline(index: Any, *operands: Any, branches: tuple[ClosedJaxpr, ...]) -> list[Any]:
    # for interpreters without a cond rule (core.inline_rules): the branch the index picks,
    # read through the tracer's to_concrete_value and clamped as _cond_impl clamps it
    return run(branches[min(max(int(index), 0), len(branches) - 1)], *operands)


inline_rules[cond_p] = _cond_inline
