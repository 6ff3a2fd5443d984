"""The backward loop of a ``while_loop`` whose trip count is known only at run time:
``while_backward_p``, bound by ``while_p``'s transpose rule. Its implementation re-runs the
known (primal) loop keeping each iteration's residuals in a list grown at run time (with
``checkpoint_every=k``: only every k-th carry, recomputing a segment's residuals when the
backward sweep reaches it), then applies the transposed body in reverse. Under ``vmap`` with
a batched predicate it keeps each member's "still running" mask with the residuals. See
docs/control_flow.md and docs/beyond_jax.md.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ftrans.core import FtransError, Primitive, ShapedArray, get_aval
from ftrans.interpreters.batching import (
    BatchTrace, batching_rules, batch_jaxpr, move_batch_axis, not_mapped,
)
from ftrans.interpreters.jvp import jvp_rules
from ftrans.ir import ClosedJaxpr
from ftrans.lax.control_flow.common import (
    memoized, restage, run, zeros,
)
from ftrans.compile import compiled
from ftrans.lax.comparisons import select_n
from ftrans.lax.reductions import reduce_or
from ftrans.lax.structural import broadcast_in_dim

__all__ = [
    "ReverseModeWhileError", "checkpoint_param", "jvp_rules", "while_backward_p",
]


class ReverseModeWhileError(FtransError, TypeError):
    """A reverse-mode use of ``while_loop`` that is not supported: differentiating the
    backward loop again under ``jit`` or ``vmap`` (second order there), or a loop condition
    that depends on a value being differentiated linearly."""


def checkpoint_param(checkpoint_every: int | None) -> dict[str, Any]:
    """The optional ``checkpoint_every`` param: present only when set, so programs without it
    print as before."""
    return {} if checkpoint_every is None else {"checkpoint_every": checkpoint_every}



# ---------------------------------------------------------------------------------------------
# while_backward_p: operands (cond consts, forward consts, known carry, carry cotangents);
# cond_jaxpr (cond consts, carry) -> pred, fwd_jaxpr (forward consts, carry) -> (carry,
# residuals), back_jaxpr (residuals, carry cotangents) -> (cotangent terms of the linear
# consts, carry cotangents one iteration earlier). Returns (sums of the const cotangent terms,
# cotangents of the initial linear carry).
# ---------------------------------------------------------------------------------------------


def _while_backward_impl(*args: Any, cond_jaxpr: ClosedJaxpr, fwd_jaxpr: ClosedJaxpr,
                         back_jaxpr: ClosedJaxpr, cond_nconsts: int, fwd_nconsts: int,
                         num_carry: int, checkpoint_every: int | None = None) -> list[Any]:
    cond_fn, fwd_fn, back_fn = compiled(cond_jaxpr), compiled(fwd_jaxpr), compiled(back_jaxpr)
    n_fixed = cond_nconsts + fwd_nconsts
    cc, fc = args[:cond_nconsts], args[cond_nconsts:n_fixed]
    carry = list(args[n_fixed:n_fixed + num_carry])
    ct = list(args[n_fixed + num_carry:])
    n_sums = len(back_jaxpr.out_avals) - len(ct)
    sums = [zeros(a) for a in back_jaxpr.out_avals[:n_sums]]

    def backward(tape: list[list[Any]]) -> None:
        nonlocal ct
        for res in reversed(tape):
            outs = back_fn(*res, *ct)
            for k in range(n_sums):
                sums[k] = sums[k] + outs[k]
            ct = outs[n_sums:]

    if checkpoint_every is None:
        tape = []
        while cond_fn(*cc, *carry)[0]:
            outs = fwd_fn(*fc, *carry)
            carry = outs[:num_carry]
            tape.append(outs[num_carry:])
        backward(tape)
        return sums + list(ct)
    # Keep every k-th carry; rebuild one segment's residuals at a time, last segment first.
    starts: list[list[Any]] = []
    steps = 0
    while cond_fn(*cc, *carry)[0]:
        if steps % checkpoint_every == 0:
            starts.append(carry)
        carry = fwd_fn(*fc, *carry)[:num_carry]
        steps += 1
    for s in reversed(range(len(starts))):
        carry, tape = starts.pop(), []
        for _ in range(min(checkpoint_every, steps - s * checkpoint_every)):
            outs = fwd_fn(*fc, *carry)
            carry = outs[:num_carry]
            tape.append(outs[num_carry:])
        backward(tape)
    return sums + list(ct)


def _while_backward_abstract_eval(*avals: ShapedArray, cond_jaxpr: ClosedJaxpr,
                                  fwd_jaxpr: ClosedJaxpr, back_jaxpr: ClosedJaxpr,
                                  cond_nconsts: int, fwd_nconsts: int, num_carry: int,
                                  checkpoint_every: int | None = None) -> list[ShapedArray]:
    n_fixed = cond_nconsts + fwd_nconsts
    carry = list(avals[n_fixed:n_fixed + num_carry])
    if cond_jaxpr.in_avals != list(avals[:cond_nconsts]) + carry or \
            fwd_jaxpr.in_avals != list(avals[cond_nconsts:n_fixed]) + carry:
        raise TypeError("while_backward: programs do not match the operands")
    return back_jaxpr.out_avals


while_backward_p = Primitive("while_backward", impl=_while_backward_impl,
                             abstract_eval=_while_backward_abstract_eval, multiple_results=True)


def _while_backward_jvp(primals: Sequence[Any], tangents: Sequence[Any],
                        **params: Any) -> tuple[list[Any], list[Any]]:
    raise ReverseModeWhileError(
        "Differentiating the backward pass of a while_loop again (second-order reverse mode, "
        "e.g. hessian or grad of grad) works eagerly, but not when the loop is under jit or "
        "vmap, where its backward pass is one while_backward primitive. Take the outer "
        "derivative outside jit, or use jacfwd for the outer one.")


jvp_rules[while_backward_p] = _while_backward_jvp


def _while_backward_batch(trace: BatchTrace, args: Sequence[Any], bdims: Sequence[Any],
                          cond_jaxpr: ClosedJaxpr, fwd_jaxpr: ClosedJaxpr,
                          back_jaxpr: ClosedJaxpr, cond_nconsts: int, fwd_nconsts: int,
                          num_carry: int, checkpoint_every: int | None = None
                          ) -> tuple[list[Any], list[Any]]:
    """Carries, residuals and cotangents are all batched (in front). With a batched
    predicate the loop runs while any member does; each iteration keeps the members' "still
    running" mask as one more residual, and the backward step leaves finished members'
    cotangents unchanged."""
    size, name = trace.axis_size, trace.axis_name
    n_fixed = cond_nconsts + fwd_nconsts
    consts = [x if d is not_mapped else move_batch_axis(x, d, 0)
              for x, d in zip(args[:n_fixed], bdims[:n_fixed])]
    batched = [move_batch_axis(x, d, 0, size) for x, d in zip(args[n_fixed:], bdims[n_fixed:])]
    cc, fc = consts[:cond_nconsts], consts[cond_nconsts:]
    cc_b = [None if d is not_mapped else 0 for d in bdims[:cond_nconsts]]
    fc_b = [None if d is not_mapped else 0 for d in bdims[cond_nconsts:n_fixed]]
    cond, pred_b = batch_jaxpr(cond_jaxpr, cc_b + [0] * num_carry, size, name)
    n_fwd_out = len(fwd_jaxpr.out_avals)
    fwd, _ = batch_jaxpr(fwd_jaxpr, fc_b + [0] * num_carry, size, name,
                                     [True] * n_fwd_out)
    n_back_in, n_back_out = len(back_jaxpr.in_avals), len(back_jaxpr.out_avals)
    back, _ = batch_jaxpr(back_jaxpr, [0] * n_back_in, size, name,
                                      [True] * n_back_out)
    params = {"cond_nconsts": cond_nconsts, "fwd_nconsts": fwd_nconsts, "num_carry": num_carry,
              **checkpoint_param(checkpoint_every)}
    if pred_b[0] is None:
        outs = while_backward_p.bind(*cc, *fc, *batched, cond_jaxpr=cond, fwd_jaxpr=fwd,
                                     back_jaxpr=back, **params)
        return outs, [0] * len(outs)

    n_ct = n_back_in - (n_fwd_out - num_carry)
    n_sums = n_back_out - n_ct
    carry_avals = cond.in_avals[cond_nconsts:]

    def expand(mask: Any, like: Any) -> Any:
        return broadcast_in_dim(mask, get_aval(like).shape, (0,))

    def make_any_cond() -> ClosedJaxpr:
        return restage(lambda *a: [reduce_or(run(cond, *a)[0], (0,))], cond.in_avals)

    def make_fwd() -> ClosedJaxpr:
        def fun(*a: Any) -> list[Any]:
            c_consts, f_consts, old = a[:cond_nconsts], a[cond_nconsts:n_fixed], a[n_fixed:]
            going = run(cond, *c_consts, *old)[0]
            outs = run(fwd, *f_consts, *old)
            new = [select_n(expand(going, o), o, n) for o, n in zip(old, outs[:num_carry])]
            return new + list(outs[num_carry:]) + [going]
        return restage(fun, cond.in_avals[:cond_nconsts] + fwd.in_avals[:fwd_nconsts]
                       + carry_avals)

    def make_back() -> ClosedJaxpr:
        def fun(*a: Any) -> list[Any]:
            n_res = n_back_in - n_ct
            res, going, ct = a[:n_res], a[n_res], a[n_res + 1:]
            outs = run(back, *res, *ct)
            terms = [select_n(expand(going, t), zeros(get_aval(t)), t)
                     for t in outs[:n_sums]]
            return terms + [select_n(expand(going, c), c, n)
                            for c, n in zip(ct, outs[n_sums:])]
        res_avals = back.in_avals[:n_back_in - n_ct]
        going_aval = ShapedArray((size,), np.bool_)
        return restage(fun, res_avals + [going_aval] + back.in_avals[n_back_in - n_ct:])

    any_cond = memoized(cond, ("while_any",), make_any_cond)
    masked_fwd = memoized(fwd, ("while_backward_masked_fwd", id(cond)), make_fwd)
    masked_back = memoized(back, ("while_backward_masked_back", size), make_back)
    outs = while_backward_p.bind(
        *cc, *cc, *fc, *batched, cond_jaxpr=any_cond, fwd_jaxpr=masked_fwd,
        back_jaxpr=masked_back, **{**params, "fwd_nconsts": n_fixed})
    return outs, [0] * len(outs)


batching_rules[while_backward_p] = _while_backward_batch
