"""Loops with a data-dependent trip count: ``while_loop`` (primitive ``while_p``) and
``fori_loop``, which becomes a ``scan`` when its bounds are concrete (so reverse mode works)
and a ``while_loop`` otherwise.

``while_p`` takes ``(*cond consts, *body consts, *init carry)`` and holds two programs:
``cond_jaxpr`` (consts, carry) -> bool scalar and ``body_jaxpr`` (consts, carry) -> carry.
Its jvp carries the tangents in the loop; partial evaluation runs the known part of the loop
now and records the whole loop for the unknown outputs (it cannot save per-iteration values,
so reverse mode is an error that points to ``fori_loop`` / ``scan``); batching with a batched
predicate runs until every member is done and freezes the finished members' carries with
``select_n``. See docs/control_flow.md.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import FtransError, Primitive, ShapedArray, Tracer, get_aval
from ftrans.interpreters.batching import (
    BatchTrace, axis_batching_rules, batch_jaxpr, move_batch_axis, not_mapped,
)
from ftrans.interpreters.jvp import Zero, jvp_rules
from ftrans.interpreters.partial_eval import PartialEvalTrace, partial_eval_rules
from ftrans.interpreters.transpose import transpose_rules
from ftrans.ir import ClosedJaxpr
from ftrans.lax.control_flow.common import (
    add_unused_inputs, batch_jaxpr_instantiate, check_same, flatten_operands,
    jvp_jaxpr_instantiate, memoized, partial_eval_jaxpr, partial_eval_jaxpr_instantiate,
    restage, run,
    select_outputs, trace_to_closed, zeros,
)
from ftrans.lax.control_flow.scan import scan
from ftrans.tree_util import tree_unflatten


class ReverseModeWhileError(FtransError, TypeError):
    """Reverse-mode differentiation of a ``while_loop`` (its trip count is not static)."""


# ---------------------------------------------------------------------------------------------
# while_p
# ---------------------------------------------------------------------------------------------


def _while_impl(*args: Any, cond_jaxpr: ClosedJaxpr, body_jaxpr: ClosedJaxpr,
                cond_nconsts: int, body_nconsts: int) -> list[Any]:
    from ftrans.compile import compiled
    cond_fn, body_fn = compiled(cond_jaxpr), compiled(body_jaxpr)
    cond_consts = args[:cond_nconsts]
    body_consts = args[cond_nconsts:cond_nconsts + body_nconsts]
    carry = list(args[cond_nconsts + body_nconsts:])
    while cond_fn(*cond_consts, *carry)[0]:
        carry = body_fn(*body_consts, *carry)
    return carry


def _while_abstract_eval(*avals: ShapedArray, cond_jaxpr: ClosedJaxpr,
                         body_jaxpr: ClosedJaxpr, cond_nconsts: int,
                         body_nconsts: int) -> list[ShapedArray]:
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
               init_val: Any) -> Any:
    """Run ``body_fun`` while ``cond_fun`` holds, as one primitive: in Python,

    .. code-block:: python

        val = init_val
        while cond_fun(val):
            val = body_fun(val)
        return val

    Works under ``jit``, ``vmap`` (a batched condition keeps looping until every member is
    done; finished members keep their values) and forward-mode differentiation. Reverse mode
    (``grad``, ``vjp``) needs a static trip count: use :func:`fori_loop` with Python-int
    bounds, or :func:`scan`.

    Args:
      cond_fun: carry -> bool scalar.
      body_fun: carry -> carry of the same structure, shapes and dtypes.
      init_val: the initial carry (a pytree of arrays).

    Returns:
      The final carry.

    >>> while_loop(lambda x: x < 100, lambda x: x * 2, 1)
    np.int64(128)
    """
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
    outs = while_p.bind(*cond_consts, *body_consts, *init, cond_jaxpr=cond_closed,
                        body_jaxpr=body_closed, cond_nconsts=len(cond_consts),
                        body_nconsts=len(body_consts))
    return tree_unflatten(in_tree, outs)


def _tuple_tree(tree: Any) -> Any:
    """The tree of the one-element tuple ``(x,)`` for ``x`` of tree ``tree``."""
    from ftrans.tree_util import tree_structure
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
              init_val: Any) -> Any:
    """``for i in range(lower, upper): val = body_fun(i, val)``, as one primitive.

    With concrete bounds (Python or NumPy ints) it is a :func:`scan` of ``upper - lower``
    steps, so every transformation works, reverse mode included; with traced bounds it is a
    :func:`while_loop` (forward mode only).

    Args:
      lower, upper: integer scalars.
      body_fun: ``(i, val) -> val`` of the same structure, shapes and dtypes.
      init_val: the initial value.

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
    from ftrans import lax
    lower = lax.convert_element_type(lower, index_dtype)
    upper = lax.convert_element_type(upper, index_dtype)
    _, _, result = while_loop(
        lambda c: lax.lt(c[0], c[1]),
        lambda c: (lax.add(c[0], np.ones((), index_dtype)[()]), c[1], body_fun(c[0], c[2])),
        (lower, upper, init_val))
    return result


# ---------------------------------------------------------------------------------------------
# jvp: tangents ride in the carry (a fixpoint decides which are nonzero)
# ---------------------------------------------------------------------------------------------


def _while_jvp(primals: Sequence[Any], tangents: Sequence[Any], cond_jaxpr: ClosedJaxpr,
               body_jaxpr: ClosedJaxpr, cond_nconsts: int, body_nconsts: int
               ) -> tuple[list[Any], list[Any]]:
    n_fixed = cond_nconsts + body_nconsts
    nonzeros = [type(t) is not Zero for t in tangents]
    bc_nz = nonzeros[cond_nconsts:n_fixed]
    carry_nz = nonzeros[n_fixed:]
    n_carry = len(carry_nz)
    while True:
        _, out_nz = jvp_jaxpr_instantiate(body_jaxpr, bc_nz + carry_nz, [False] * n_carry)
        new = [a or b for a, b in zip(carry_nz, out_nz)]
        if new == carry_nz:
            break
        carry_nz = new
    if not any(carry_nz):
        outs = while_p.bind(*primals, cond_jaxpr=cond_jaxpr, body_jaxpr=body_jaxpr,
                            cond_nconsts=cond_nconsts, body_nconsts=body_nconsts)
        return outs, [Zero(get_aval(o)) for o in outs]
    program, _ = jvp_jaxpr_instantiate(body_jaxpr, bc_nz + carry_nz, carry_nz)
    bc_avals = body_jaxpr.in_avals[:body_nconsts]
    carry_avals = body_jaxpr.in_avals[body_nconsts:]
    bc_t_avals = [a for a, nz in zip(bc_avals, bc_nz) if nz]
    carry_t_avals = [a for a, nz in zip(carry_avals, carry_nz) if nz]

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
    bct = [t for t, nz in zip(tangents[cond_nconsts:n_fixed], bc_nz) if nz]
    carry_t = [zeros(get_aval(p)) if type(t) is Zero else t
               for p, t, nz in zip(carry, tangents[n_fixed:], carry_nz) if nz]
    outs = while_p.bind(*cc, *bc, *bct, *carry, *carry_t, cond_jaxpr=cond, body_jaxpr=body,
                        cond_nconsts=cond_nconsts, body_nconsts=body_nconsts + len(bct))
    out_t = iter(outs[n_carry:])
    return outs[:n_carry], [next(out_t) if nz else Zero(a)
                            for nz, a in zip(carry_nz, carry_avals)]


jvp_rules[while_p] = _while_jvp


# ---------------------------------------------------------------------------------------------
# Partial evaluation: the known part of the loop runs now; the unknown outputs come from the
# whole loop, recorded (so the linear program recomputes the known part and is not
# transposable: reverse mode raises ReverseModeWhileError)
# ---------------------------------------------------------------------------------------------


def _while_partial_eval(trace: PartialEvalTrace, args: Sequence[Any], cond_jaxpr: ClosedJaxpr,
                        body_jaxpr: ClosedJaxpr, cond_nconsts: int, body_nconsts: int
                        ) -> list[Any]:
    params = {"cond_jaxpr": cond_jaxpr, "body_jaxpr": body_jaxpr,
              "cond_nconsts": cond_nconsts, "body_nconsts": body_nconsts}
    n_fixed = cond_nconsts + body_nconsts
    unknowns = [isinstance(x, Tracer) and x._trace is trace for x in args]
    cc_uk, bc_uk, carry_uk = (unknowns[:cond_nconsts], unknowns[cond_nconsts:n_fixed],
                              unknowns[n_fixed:])
    n_carry = len(carry_uk)
    while True:
        out_uk = partial_eval_jaxpr(body_jaxpr, bc_uk + carry_uk)[2]
        new = [a or b for a, b in zip(carry_uk, out_uk)]
        if new == carry_uk:
            break
        carry_uk = new
    pred_uk = partial_eval_jaxpr(cond_jaxpr, cc_uk + carry_uk)[2][0]
    if pred_uk or all(carry_uk):
        return trace.record(while_p, args, params)
    cond_known = select_outputs(partial_eval_jaxpr(cond_jaxpr, cc_uk + carry_uk)[0], [0])
    body_split = partial_eval_jaxpr_instantiate(body_jaxpr, bc_uk + carry_uk, carry_uk)
    n_known_carry = carry_uk.count(False)
    body_known = select_outputs(body_split[0], list(range(n_known_carry)))
    known_args = [x for x, u in zip(args, cc_uk + bc_uk + carry_uk) if not u]
    known_outs = iter(while_p.bind(
        *known_args, cond_jaxpr=cond_known, body_jaxpr=body_known,
        cond_nconsts=cc_uk.count(False), body_nconsts=bc_uk.count(False)))
    if any(carry_uk):
        whole = trace.record(while_p, args, params)
    else:
        whole = [None] * n_carry
    return [w if u else next(known_outs) for w, u in zip(whole, carry_uk)]


partial_eval_rules[while_p] = _while_partial_eval


def _while_transpose(cts: Sequence[Any], *args: Any, **params: Any) -> list[Any]:
    raise ReverseModeWhileError(
        "Reverse-mode differentiation (grad, vjp, jacrev) does not work through "
        "lax.while_loop: its number of iterations is only known at run time, so the values "
        "of each iteration cannot be saved for the backward pass. Use lax.fori_loop with "
        "concrete (Python int) bounds, which becomes a lax.scan, or write the loop with "
        "lax.scan; forward mode (jvp, jacfwd, linearize) does work with while_loop.")


transpose_rules[while_p] = _while_transpose


# ---------------------------------------------------------------------------------------------
# Batching: a batched predicate loops while any member continues, freezing the others
# ---------------------------------------------------------------------------------------------


def _while_batch(trace: BatchTrace, args: Sequence[Any], bdims: Sequence[Any],
                 cond_jaxpr: ClosedJaxpr, body_jaxpr: ClosedJaxpr, cond_nconsts: int,
                 body_nconsts: int) -> tuple[list[Any], list[Any]]:
    from ftrans import lax
    size, name = trace.axis_size, trace.axis_name
    n_fixed = cond_nconsts + body_nconsts
    batched = [d is not not_mapped for d in bdims]
    cc_b, bc_b, carry_b = batched[:cond_nconsts], batched[cond_nconsts:n_fixed], batched[n_fixed:]
    n_carry = len(carry_b)

    def as_bdims(flags: list[bool]) -> list[int | None]:
        return [0 if b else None for b in flags]

    while True:
        while True:
            _, out_b = batch_jaxpr_instantiate(body_jaxpr, as_bdims(bc_b + carry_b), size, name,
                                               [False] * n_carry)
            new = [a or (d is not None) for a, d in zip(carry_b, out_b)]
            if new == carry_b:
                break
            carry_b = new
        _, pred_b = batch_jaxpr(cond_jaxpr, as_bdims(cc_b + carry_b), size, name)
        pred_batched = pred_b[0] is not None
        if pred_batched and not all(carry_b):
            carry_b = [True] * n_carry  # members finish at different times: all carries differ
            continue
        break
    body, _ = batch_jaxpr_instantiate(body_jaxpr, as_bdims(bc_b + carry_b), size, name, carry_b)
    cond, _ = batch_jaxpr(cond_jaxpr, as_bdims(cc_b + carry_b), size, name)
    moved = [x if d is not_mapped else move_batch_axis(x, d, 0) for x, d in
             zip(args[:n_fixed], bdims[:n_fixed])]
    moved += [move_batch_axis(x, d, 0, size) if b else x
              for x, d, b in zip(args[n_fixed:], bdims[n_fixed:], carry_b)]
    cc, bc, carry = moved[:cond_nconsts], moved[cond_nconsts:n_fixed], moved[n_fixed:]
    out_bdims = [0 if b else None for b in carry_b]
    if not pred_batched:
        outs = while_p.bind(*moved, cond_jaxpr=cond, body_jaxpr=body,
                            cond_nconsts=cond_nconsts, body_nconsts=body_nconsts)
        return outs, out_bdims

    cc_avals, carry_avals = cond.in_avals[:cond_nconsts], cond.in_avals[cond_nconsts:]
    bc_avals = body.in_avals[:body_nconsts]

    def make_cond() -> ClosedJaxpr:
        return restage(lambda *a: [lax.reduce_or(run(cond, *a)[0], (0,))], cond.in_avals)

    def make_body() -> ClosedJaxpr:
        def fun(*a: Any) -> list[Any]:
            c_consts, b_consts = a[:cond_nconsts], a[cond_nconsts:n_fixed]
            old = a[n_fixed:]
            going = run(cond, *c_consts, *old)[0]
            new = run(body, *b_consts, *old)
            return [lax.select_n(lax.broadcast_in_dim(going, get_aval(o).shape, (0,)), o, n)
                    for o, n in zip(old, new)]
        return restage(fun, cc_avals + bc_avals + carry_avals)

    key = ("while_batched_pred", id(body))
    any_cond = memoized(cond, ("while_any",), make_cond)
    frozen_body = memoized(cond, key + (id(body),), make_body)
    outs = while_p.bind(*cc, *cc, *bc, *carry, cond_jaxpr=any_cond, body_jaxpr=frozen_body,
                        cond_nconsts=cond_nconsts, body_nconsts=n_fixed)
    return outs, out_bdims


axis_batching_rules[while_p] = _while_batch
