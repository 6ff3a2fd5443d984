"""Loops with a data-dependent trip count: ``while_loop`` (primitive ``while_p``) and
``fori_loop``, which becomes a ``scan`` when its bounds are concrete and a ``while_loop``
otherwise.

``while_p`` takes ``(*cond consts, *body consts, *init carry)`` and holds two programs:
``cond_jaxpr`` (consts, carry) -> bool scalar and ``body_jaxpr`` (consts, carry) -> carry.
Its jvp carries the tangents in the loop; batching with a batched predicate runs until every
member is done and freezes the finished members' carries with ``select_n``.

Reverse mode works although the trip count is only known at run time (JAX refuses it):

- partial evaluation with concrete known values (eager ``grad`` / ``vjp``, also nested in an
  outer ``jvp``): the known loop runs now, one iteration at a time, keeping each iteration's
  residuals in a Python list; the trip count ``n`` is then a number, so the unknown part is
  recorded as a ``scan`` of length ``n`` over the stacked residuals, and every scan rule
  (transpose, vmap, jvp) applies to it;
- otherwise (under ``jit``, ``vmap``, or with ``checkpoint_every``): the known loop runs (or
  is staged) for the primal outputs and the whole loop is recorded; its transpose rule binds
  ``while_backward_p``, whose implementation re-runs the known loop keeping each iteration's
  residuals in a list grown at run time (with ``checkpoint_every=k``: only every k-th carry,
  recomputing a segment's residuals when the backward sweep reaches it), then applies the
  transposed body in reverse. Under ``vmap`` with a batched predicate it keeps each member's
  "still running" mask with the residuals.

See docs/control_flow.md and docs/beyond_jax.md.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ftrans.aliasing import detach_from
from ftrans.core import (
    Primitive, ShapedArray, Tracer, current_trace, eval_trace, get_aval, inline_rules,
)
from ftrans.interpreters.batching import (
    BatchTrace, batching_rules, batch_jaxpr, move_batch_axis, not_mapped,
)
from ftrans.interpreters.jvp import Zero, jvp_jaxpr, jvp_rules
from ftrans.interpreters.partial_eval import (
    PartialEvalTrace, partial_eval_jaxpr, partial_eval_rules,
)
from ftrans.interpreters.transpose import UndefPrimal, transpose_jaxpr, transpose_rules
from ftrans.ir import ClosedJaxpr
from ftrans.lax.control_flow.common import (
    add_unused_inputs, check_same, fixpoint, flatten_operands, memoized, merge_lists,
    partition_list, restage, run, select_outputs, split_invariant_residuals, trace_to_closed,
    unknown_scan_body, zeros,
)
from ftrans.lax.control_flow.scan import scan, scan_p
from ftrans.lax.control_flow.while_backward import (
    ReverseModeWhileError, checkpoint_param, while_backward_p,
)
from ftrans.tree_util import tree_structure, tree_unflatten
from ftrans.compile import compiled
from ftrans.lax.casts import convert_element_type
from ftrans.lax.comparisons import lt, select_n
from ftrans.lax.elementwise import add
from ftrans.lax.reductions import reduce_or
from ftrans.lax.structural import broadcast_in_dim, concatenate

__all__ = [
    "fori_loop", "jvp_rules", "partial_eval_rules", "transpose_rules", "while_loop", "while_p",
]


# ---------------------------------------------------------------------------------------------
# while_p
# ---------------------------------------------------------------------------------------------


def _while_impl(*args: Any, cond_jaxpr: ClosedJaxpr, body_jaxpr: ClosedJaxpr,
                cond_nconsts: int, body_nconsts: int,
                checkpoint_every: int | None = None) -> list[Any]:
    cond_fn, body_fn = compiled(cond_jaxpr), compiled(body_jaxpr)
    cond_consts = args[:cond_nconsts]
    body_consts = args[cond_nconsts:cond_nconsts + body_nconsts]
    carry = list(args[cond_nconsts + body_nconsts:])
    while cond_fn(*cond_consts, *carry)[0]:
        carry = body_fn(*body_consts, *carry)
    return carry


def _while_abstract_eval(*avals: ShapedArray, cond_jaxpr: ClosedJaxpr,
                         body_jaxpr: ClosedJaxpr, cond_nconsts: int,
                         body_nconsts: int, checkpoint_every: int | None = None
                         ) -> list[ShapedArray]:
    carry = list(avals[cond_nconsts + body_nconsts:])
    if cond_jaxpr.in_avals != list(avals[:cond_nconsts]) + carry:
        raise TypeError("while_loop: the condition's inputs do not match its operands")
    if body_jaxpr.in_avals != list(avals[cond_nconsts:]):
        raise TypeError("while_loop: the body's inputs do not match its operands")
    if body_jaxpr.out_avals != carry:
        raise TypeError(f"while_loop: the body returns "
                        f"{[a.str_short() for a in body_jaxpr.out_avals]} for a carry of "
                        f"{[a.str_short() for a in carry]}")
    return carry


while_p = Primitive("while", impl=_while_impl, abstract_eval=_while_abstract_eval,
                    multiple_results=True)


def while_loop(cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any],
               init_val: Any, *, checkpoint_every: int | None = None) -> Any:
    """Run ``body_fun`` while ``cond_fun`` holds, as one primitive: in Python,

    .. code-block:: python

        val = init_val
        while cond_fun(val):
            val = body_fun(val)
        return val

    Works under ``jit``, ``vmap`` (a batched condition keeps looping until every member is
    done; finished members keep their values) and both modes of differentiation: ``grad`` and
    ``vjp`` keep each iteration's residuals for the backward pass, although the number of
    iterations is only known at run time.

    Args:
      cond_fun: carry -> bool scalar.
      body_fun: carry -> carry of the same structure, shapes and dtypes.
      init_val: the initial carry (a pytree of arrays).
      checkpoint_every: for reverse mode, keep only every k-th carry instead of every
        iteration's residuals, and recompute a segment of k iterations when the backward pass
        reaches it (memory O(n/k + k) instead of O(n), one more forward pass).

    Returns:
      The final carry.

    >>> while_loop(lambda x: x < 100, lambda x: x * 2, 1)
    np.int64(128)
    """
    if checkpoint_every is not None and (isinstance(checkpoint_every, bool)
                                         or int(checkpoint_every) != checkpoint_every
                                         or checkpoint_every < 1):
        raise ValueError(f"while_loop: checkpoint_every must be a positive int, got "
                         f"{checkpoint_every!r}")
    init, in_tree = flatten_operands(init_val, "while_loop", "init_val")
    avals = [get_aval(x) for x in init]
    args_tree = _tuple_tree(in_tree)
    cond_closed, cond_tree, cond_consts = trace_to_closed(
        cond_fun, args_tree, avals, "while_loop", "cond_fun")
    pred = cond_closed.out_avals
    if cond_tree.num_leaves != 1 or pred[0].shape != () or pred[0].dtype != np.bool_:
        raise TypeError(f"while_loop: cond_fun must return a bool scalar, got "
                        f"{[a.str_short() for a in pred]}")
    body_closed, body_tree, body_consts = trace_to_closed(
        body_fun, args_tree, avals, "while_loop", "body_fun")
    check_same("while_loop", "init_val", in_tree, avals,
               "the output of body_fun", body_tree, body_closed.out_avals)
    ckpt = checkpoint_param(None if checkpoint_every is None else int(checkpoint_every))
    outs = while_p.bind(*cond_consts, *body_consts, *init, cond_jaxpr=cond_closed,
                        body_jaxpr=body_closed, cond_nconsts=len(cond_consts),
                        body_nconsts=len(body_consts), **ckpt)
    # zero iterations return init_val: the caller gets a copy, never the array they passed
    return tree_unflatten(in_tree, detach_from(outs, [*init, *cond_consts, *body_consts]))


def _tuple_tree(tree: Any) -> Any:
    """The tree of the one-element tuple ``(x,)`` for ``x`` of tree ``tree``."""
    return tree_structure((tree_unflatten(tree, [0] * tree.num_leaves),))


def _concrete_int(x: Any) -> int | None:
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return int(x)
    if isinstance(x, np.ndarray) and x.shape == () and x.dtype.kind in "iu":
        return int(x)
    if isinstance(x, Tracer) and x.aval.shape == () and x.aval.dtype.kind in "iu":
        value = x.to_concrete_value()
        return None if value is None else int(value)
    return None


def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any],
              init_val: Any, *, checkpoint_every: int | None = None) -> Any:
    """``for i in range(lower, upper): val = body_fun(i, val)``, as one primitive.

    With concrete bounds (Python or NumPy ints) it is a :func:`scan` of ``upper - lower``
    steps; with traced bounds it is a :func:`while_loop`. Every transformation works in both
    cases, reverse mode included.

    Args:
      lower, upper: integer scalars.
      body_fun: ``(i, val) -> val`` of the same structure, shapes and dtypes.
      init_val: the initial value.
      checkpoint_every: passed to :func:`while_loop` when the bounds are traced.

    Returns:
      The final value.

    >>> fori_loop(0, 5, lambda i, x: x + i, 0.0)
    np.float64(10.0)
    """
    for name, bound in (("lower", lower), ("upper", upper)):
        dtype = get_aval(bound).dtype if not isinstance(bound, (int, float)) else \
            np.dtype(type(bound))
        if isinstance(bound, bool) or dtype.kind not in "iu" or get_aval(bound).shape != ():
            raise TypeError(f"fori_loop: {name} must be an integer scalar, got {bound!r}")
    lo, hi = _concrete_int(lower), _concrete_int(upper)
    index_dtype = np.result_type(get_aval(lower).dtype, get_aval(upper).dtype)
    if lo is not None and hi is not None:
        def step(carry: Any, _: Any) -> Any:
            i, val = carry
            return (i + np.ones((), index_dtype)[()], body_fun(i, val)), None
        (_, result), _ = scan(step, (np.asarray(lo, index_dtype)[()], init_val), None,
                              length=max(hi - lo, 0))
        return result
    lower = convert_element_type(lower, index_dtype)
    upper = convert_element_type(upper, index_dtype)
    _, _, result = while_loop(
        lambda c: lt(c[0], c[1]),
        lambda c: (add(c[0], np.ones((), index_dtype)[()]), c[1], body_fun(c[0], c[2])),
        (lower, upper, init_val), checkpoint_every=checkpoint_every)
    return result


# ---------------------------------------------------------------------------------------------
# jvp: tangents ride in the carry (a fixpoint decides which are nonzero)
# ---------------------------------------------------------------------------------------------


def _while_jvp(primals: Sequence[Any], tangents: Sequence[Any], cond_jaxpr: ClosedJaxpr,
               body_jaxpr: ClosedJaxpr, cond_nconsts: int, body_nconsts: int,
               checkpoint_every: int | None = None) -> tuple[list[Any], list[Any]]:
    ckpt = checkpoint_param(checkpoint_every)
    n_fixed = cond_nconsts + body_nconsts
    nonzeros = [type(t) is not Zero for t in tangents]
    bc_nz = nonzeros[cond_nconsts:n_fixed]
    carry_nz = nonzeros[n_fixed:]
    n_carry = len(carry_nz)
    carry_nz = fixpoint(carry_nz, lambda nz: jvp_jaxpr(body_jaxpr, bc_nz + nz)[1])
    if not any(carry_nz):
        outs = while_p.bind(*primals, cond_jaxpr=cond_jaxpr, body_jaxpr=body_jaxpr,
                            cond_nconsts=cond_nconsts, body_nconsts=body_nconsts, **ckpt)
        return outs, [Zero(get_aval(o)) for o in outs]
    program, _ = jvp_jaxpr(body_jaxpr, bc_nz + carry_nz, carry_nz)
    bc_avals = body_jaxpr.in_avals[:body_nconsts]
    carry_avals = body_jaxpr.in_avals[body_nconsts:]
    bc_t_avals = partition_list(bc_nz, bc_avals)[1]
    carry_t_avals = partition_list(carry_nz, carry_avals)[1]

    def make_body() -> ClosedJaxpr:
        def fun(*args: Any) -> list[Any]:
            nb, nbt, nc = len(bc_avals), len(bc_t_avals), len(carry_avals)
            bc, bct = args[:nb], args[nb:nb + nbt]
            carry, carry_t = args[nb + nbt:nb + nbt + nc], args[nb + nbt + nc:]
            return run(program, *bc, *carry, *bct, *carry_t)
        return restage(fun, bc_avals + bc_t_avals + carry_avals + carry_t_avals)

    body = memoized(body_jaxpr, ("while_jvp", tuple(bc_nz), tuple(carry_nz)), make_body)
    cond = add_unused_inputs(cond_jaxpr, [], carry_t_avals)
    cc, bc, carry = primals[:cond_nconsts], primals[cond_nconsts:n_fixed], primals[n_fixed:]
    bct = partition_list(bc_nz, tangents[cond_nconsts:n_fixed])[1]
    carry_t = [zeros(get_aval(p)) if type(t) is Zero else t
               for p, t, nz in zip(carry, tangents[n_fixed:], carry_nz) if nz]
    outs = while_p.bind(*cc, *bc, *bct, *carry, *carry_t, cond_jaxpr=cond, body_jaxpr=body,
                        cond_nconsts=cond_nconsts, body_nconsts=body_nconsts + len(bct),
                        **ckpt)
    out_t = iter(outs[n_carry:])
    return outs[:n_carry], [next(out_t) if nz else Zero(a)
                            for nz, a in zip(carry_nz, carry_avals)]


jvp_rules[while_p] = _while_jvp


# ---------------------------------------------------------------------------------------------
# Partial evaluation. With concrete known values the known loop runs now, one iteration at a
# time, keeping each iteration's residuals; the unknown part becomes a scan of the now-known
# length over them. Otherwise the known loop runs (or is staged) and the whole loop is
# recorded; its transpose rule (below) re-runs the known part keeping the residuals.
# ---------------------------------------------------------------------------------------------


def _is_concrete(x: Any) -> bool:
    return not isinstance(x, Tracer) or x.to_concrete_value() is not None


def _while_partial_eval(trace: PartialEvalTrace, args: Sequence[Any], cond_jaxpr: ClosedJaxpr,
                        body_jaxpr: ClosedJaxpr, cond_nconsts: int, body_nconsts: int,
                        checkpoint_every: int | None = None) -> list[Any]:
    params = {"cond_jaxpr": cond_jaxpr, "body_jaxpr": body_jaxpr,
              "cond_nconsts": cond_nconsts, "body_nconsts": body_nconsts,
              **checkpoint_param(checkpoint_every)}
    n_fixed = cond_nconsts + body_nconsts
    unknowns = [isinstance(x, Tracer) and x._trace is trace for x in args]
    cc_uk, bc_uk, carry_uk = (unknowns[:cond_nconsts], unknowns[cond_nconsts:n_fixed],
                              unknowns[n_fixed:])
    carry_uk = fixpoint(carry_uk, lambda uk: partial_eval_jaxpr(body_jaxpr, bc_uk + uk)[2])
    pred_uk = partial_eval_jaxpr(cond_jaxpr, cc_uk + carry_uk)[2][0]
    if pred_uk or all(carry_uk):
        return trace.record(while_p, args, params)
    cond_known = select_outputs(partial_eval_jaxpr(cond_jaxpr, cc_uk + carry_uk)[0], [0])
    body_split = partial_eval_jaxpr(body_jaxpr, bc_uk + carry_uk, carry_uk)
    n_known_carry = carry_uk.count(False)
    known_cc, known_bc, known_carry = (
        partition_list(cc_uk, args[:cond_nconsts])[0],
        partition_list(bc_uk, args[cond_nconsts:n_fixed])[0],
        partition_list(carry_uk, args[n_fixed:])[0])
    if any(carry_uk) and checkpoint_every is None and all(
            _is_concrete(x) for x in known_cc + known_bc + known_carry):
        return _partial_eval_now(trace, args, cond_known, body_split, bc_uk, carry_uk,
                                 known_cc, known_bc, known_carry, n_fixed, cond_nconsts)
    body_known = select_outputs(body_split[0], list(range(n_known_carry)))
    known_outs = iter(while_p.bind(
        *known_cc, *known_bc, *known_carry, cond_jaxpr=cond_known, body_jaxpr=body_known,
        cond_nconsts=len(known_cc), body_nconsts=len(known_bc)))
    if not any(carry_uk):
        return list(known_outs)
    whole = trace.record(while_p, args, params)
    return [w if u else next(known_outs) for w, u in zip(whole, carry_uk)]


def _partial_eval_now(trace: PartialEvalTrace, args: Sequence[Any], cond_known: ClosedJaxpr,
                      body_split: tuple, bc_uk: list[bool], carry_uk: list[bool],
                      known_cc: list[Any], known_bc: list[Any], known_carry: list[Any],
                      n_fixed: int, cond_nconsts: int) -> list[Any]:
    """Run the known loop now, keeping each iteration's residuals; record the unknown part as
    a scan of the trip count just found."""
    known, unknown, _, num_res = body_split
    n_kc = len(known_carry)
    invariant, body_fwd, inv_positions = split_invariant_residuals(known, len(known_bc), n_kc)
    if current_trace() is eval_trace and not any(
            isinstance(x, Tracer) for x in known_cc + known_bc + known_carry):
        cond_fn, body_fn = compiled(cond_known), compiled(body_fwd)
    else:  # values of an enclosing transformation (an outer jvp): bind, so it sees the work
        def cond_fn(*a: Any) -> list[Any]:
            return run(cond_known, *a)

        def body_fn(*a: Any) -> list[Any]:
            return run(body_fwd, *a)
    tape: list[list[Any]] = []
    carry = list(known_carry)
    while bool(cond_fn(*known_cc, *carry)[0]):
        outs = body_fn(*known_bc, *carry)
        carry = list(outs[:n_kc])
        tape.append(outs[n_kc:])
    stacked = [_stack([step[k] for step in tape], aval)
               for k, aval in enumerate(body_fwd.out_avals[n_kc:])]
    invariant_res = [known_bc[i] for i in inv_positions]
    uk_bc = partition_list(bc_uk, args[cond_nconsts:n_fixed])[1]
    uk_carry = partition_list(carry_uk, args[n_fixed:])[1]
    scan_body = unknown_scan_body(unknown, num_res, invariant, len(uk_bc) + len(uk_carry))
    uk_outs = trace.record(
        scan_p, [*invariant_res, *uk_bc, *uk_carry, *stacked],
        {"jaxpr": scan_body, "length": len(tape), "reverse": False,
         "num_consts": len(invariant_res) + len(uk_bc), "num_carry": len(uk_carry)})
    return merge_lists(carry_uk, carry, uk_outs)


def _stack(values: list[Any], aval: ShapedArray) -> Any:
    """The per-iteration values of one residual, stacked along a new leading axis."""
    if not values:
        return np.zeros((0,) + aval.shape, aval.dtype)
    if not any(isinstance(v, Tracer) for v in values):
        return np.stack([np.asarray(v) for v in values])
    dims = tuple(range(1, aval.ndim + 1))
    return concatenate([broadcast_in_dim(v, (1,) + aval.shape, dims) for v in values], 0)


partial_eval_rules[while_p] = _while_partial_eval


# ---------------------------------------------------------------------------------------------
# Transpose: a while_p in a linear program has a known part (the primal loop: its condition
# and non-linear carries) and a linear part (the tangent carries). while_backward_p re-runs
# the known part keeping each iteration's residuals, then runs the transposed body backwards.
# ---------------------------------------------------------------------------------------------


def _while_transpose(cts: Sequence[Any], *args: Any, cond_jaxpr: ClosedJaxpr,
                     body_jaxpr: ClosedJaxpr, cond_nconsts: int, body_nconsts: int,
                     checkpoint_every: int | None = None) -> list[Any]:
    n_fixed = cond_nconsts + body_nconsts
    linear = [type(x) is UndefPrimal for x in args]
    cc_lin, bc_lin, carry_lin = (linear[:cond_nconsts], linear[cond_nconsts:n_fixed],
                                 linear[n_fixed:])
    # a carry that receives a linear value is linear (its start is a zero)
    carry_lin = fixpoint(carry_lin,
                         lambda lin: partial_eval_jaxpr(body_jaxpr, bc_lin + lin)[2])
    if any(cc_lin) or partial_eval_jaxpr(cond_jaxpr, cc_lin + carry_lin)[2][0]:
        raise ReverseModeWhileError(
            "while_loop: the loop condition depends on a value that is being differentiated "
            "linearly (a tangent or cotangent), so the loop cannot be transposed")
    cond_known = select_outputs(partial_eval_jaxpr(cond_jaxpr, cc_lin + carry_lin)[0], [0])
    known, unknown, _, num_res = partial_eval_jaxpr(
        body_jaxpr, bc_lin + carry_lin, carry_lin)
    n_ubc, n_uc = bc_lin.count(True), carry_lin.count(True)
    back = transpose_jaxpr(unknown, [False] * num_res + [True] * (n_ubc + n_uc), [True] * n_uc)
    carry_avals = body_jaxpr.in_avals[body_nconsts:]
    ct_carry = [zeros(a) if type(ct) is Zero else ct
                for ct, a, lin in zip(cts, carry_avals, carry_lin) if lin]
    known_cc = list(args[:cond_nconsts])
    known_bc = partition_list(bc_lin, args[cond_nconsts:n_fixed])[0]
    known_carry = partition_list(carry_lin, args[n_fixed:])[0]
    outs = while_backward_p.bind(
        *known_cc, *known_bc, *known_carry, *ct_carry, cond_jaxpr=cond_known, fwd_jaxpr=known,
        back_jaxpr=back, cond_nconsts=len(known_cc), fwd_nconsts=len(known_bc),
        num_carry=len(known_carry), **checkpoint_param(checkpoint_every))
    ct_bc, ct_init = iter(outs[:n_ubc]), iter(outs[n_ubc:])
    result: list[Any] = [None] * cond_nconsts
    result += [next(ct_bc) if lin else None for lin in bc_lin]
    for x, lin in zip(args[n_fixed:], carry_lin):
        ct = next(ct_init) if lin else None
        result.append(ct if type(x) is UndefPrimal else None)
    return result


transpose_rules[while_p] = _while_transpose




# ---------------------------------------------------------------------------------------------
# Batching: a batched predicate loops while any member continues, freezing the others
# ---------------------------------------------------------------------------------------------


def _while_batch(trace: BatchTrace, args: Sequence[Any], bdims: Sequence[Any],
                 cond_jaxpr: ClosedJaxpr, body_jaxpr: ClosedJaxpr, cond_nconsts: int,
                 body_nconsts: int, checkpoint_every: int | None = None
                 ) -> tuple[list[Any], list[Any]]:
    ckpt = checkpoint_param(checkpoint_every)
    size, name = trace.axis_size, trace.axis_name
    n_fixed = cond_nconsts + body_nconsts
    batched = [d is not not_mapped for d in bdims]
    cc_b, bc_b, carry_b = batched[:cond_nconsts], batched[cond_nconsts:n_fixed], batched[n_fixed:]
    n_carry = len(carry_b)

    def as_bdims(flags: list[bool]) -> list[int | None]:
        return [0 if b else None for b in flags]

    while True:
        carry_b = fixpoint(carry_b, lambda b: [
            d is not None for d in batch_jaxpr(body_jaxpr, as_bdims(bc_b + b), size, name)[1]])
        _, pred_b = batch_jaxpr(cond_jaxpr, as_bdims(cc_b + carry_b), size, name)
        pred_batched = pred_b[0] is not None
        if pred_batched and not all(carry_b):
            carry_b = [True] * n_carry  # members finish at different times: all carries differ
            continue
        break
    body, _ = batch_jaxpr(body_jaxpr, as_bdims(bc_b + carry_b), size, name, carry_b)
    cond, _ = batch_jaxpr(cond_jaxpr, as_bdims(cc_b + carry_b), size, name)
    moved = [x if d is not_mapped else move_batch_axis(x, d, 0) for x, d in
             zip(args[:n_fixed], bdims[:n_fixed])]
    moved += [move_batch_axis(x, d, 0, size) if b else x
              for x, d, b in zip(args[n_fixed:], bdims[n_fixed:], carry_b)]
    cc, bc, carry = moved[:cond_nconsts], moved[cond_nconsts:n_fixed], moved[n_fixed:]
    out_bdims = [0 if b else None for b in carry_b]
    if not pred_batched:
        outs = while_p.bind(*moved, cond_jaxpr=cond, body_jaxpr=body,
                            cond_nconsts=cond_nconsts, body_nconsts=body_nconsts, **ckpt)
        return outs, out_bdims

    cc_avals, carry_avals = cond.in_avals[:cond_nconsts], cond.in_avals[cond_nconsts:]
    bc_avals = body.in_avals[:body_nconsts]

    def make_cond() -> ClosedJaxpr:
        return restage(lambda *a: [reduce_or(run(cond, *a)[0], (0,))], cond.in_avals)

    def make_body() -> ClosedJaxpr:
        def fun(*a: Any) -> list[Any]:
            c_consts, b_consts = a[:cond_nconsts], a[cond_nconsts:n_fixed]
            old = a[n_fixed:]
            going = run(cond, *c_consts, *old)[0]
            new = run(body, *b_consts, *old)
            return [select_n(broadcast_in_dim(going, get_aval(o).shape, (0,)), o, n)
                    for o, n in zip(old, new)]
        return restage(fun, cc_avals + bc_avals + carry_avals)

    key = ("while_batched_pred", id(body))
    any_cond = memoized(cond, ("while_any",), make_cond)
    frozen_body = memoized(cond, key + (id(body),), make_body)
    outs = while_p.bind(*cc, *cc, *bc, *carry, cond_jaxpr=any_cond, body_jaxpr=frozen_body,
                        cond_nconsts=cond_nconsts, body_nconsts=n_fixed, **ckpt)
    return outs, out_bdims


batching_rules[while_p] = _while_batch


def _while_inline(*args: Any, cond_jaxpr: ClosedJaxpr, body_jaxpr: ClosedJaxpr,
                  cond_nconsts: int, body_nconsts: int,
                  checkpoint_every: int | None = None) -> list[Any]:
    # for interpreters without a while rule (core.inline_rules): the body while the
    # condition, read through the tracer's to_concrete_value, holds
    cond_consts = args[:cond_nconsts]
    body_consts = args[cond_nconsts:cond_nconsts + body_nconsts]
    carry = list(args[cond_nconsts + body_nconsts:])
    while bool(run(cond_jaxpr, *cond_consts, *carry)[0]):
        carry = list(run(body_jaxpr, *body_consts, *carry))
    return carry


inline_rules[while_p] = _while_inline
