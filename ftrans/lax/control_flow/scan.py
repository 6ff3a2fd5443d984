"""Loops with a static trip count: ``scan`` and ``map``, one primitive ``scan_p``.

``scan_p`` takes ``(*consts, *init carry, *xs)``; its ``jaxpr`` param maps
``(consts, carry, x slices) -> (new carry, y slices)`` and runs ``length`` times (backwards
when ``reverse``), returning the final carry and the ys stacked along a new leading axis.
The rules transform the body: jvp scans the body's jvp (a fixpoint decides which carry
tangents are nonzero); partial evaluation splits the body into a known scan, which also
returns the residuals stacked as extra ys, and an unknown scan consuming them; transposition
scans the transposed body in the opposite direction, accumulating the constants' cotangents
in the carry; batching scans the batched body (a fixpoint decides which carries are batched).
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
from ftrans.ir import ClosedJaxpr
from ftrans.lax.control_flow.common import (
    check_same, fixpoint, flatten_operands, memoized, merge_lists, partition_list, restage,
    run, split_invariant_residuals, split_list, trace_to_closed, unknown_scan_body, zeros,
)
from ftrans.progress import Progress, ProgressArg, advance_when_run, check_progress, make_progress
from ftrans.tree_util import tree_flatten, tree_map, tree_unflatten
from ftrans.compile import compiled
from ftrans.lax.elementwise import add
from ftrans.lax.indexing import slice_in_dim
from ftrans.lax.structural import concatenate, reshape, squeeze

__all__ = [
    "jvp_rules", "map", "partial_eval_rules", "scan", "scan_p", "transpose_rules",
]

# ---------------------------------------------------------------------------------------------
# scan_p
# ---------------------------------------------------------------------------------------------


def _scan_impl(*args: Any, jaxpr: ClosedJaxpr, length: int, reverse: bool, num_consts: int,
               num_carry: int) -> list[Any]:
    body = compiled(jaxpr)
    consts = args[:num_consts]
    carry = list(args[num_consts:num_consts + num_carry])
    xs = args[num_consts + num_carry:]
    y_avals = jaxpr.out_avals[num_carry:]
    ys = [np.empty((length,) + a.shape, a.dtype) for a in y_avals]
    for step in range(length):
        i = length - 1 - step if reverse else step
        outs = body(*consts, *carry, *[x[i] for x in xs])
        carry = outs[:num_carry]
        for y, out in zip(ys, outs[num_carry:]):
            y[i] = out
    return [*carry, *ys]


def _scan_abstract_eval(*avals: ShapedArray, jaxpr: ClosedJaxpr, length: int, reverse: bool,
                        num_consts: int, num_carry: int) -> list[ShapedArray]:
    n_fixed = num_consts + num_carry
    x_avals = [a.update(shape=a.shape[1:]) for a in avals[n_fixed:]]
    if any(a.shape[:1] != (length,) for a in avals[n_fixed:]):
        raise TypeError(f"scan: every xs must have leading axis {length}, got "
                        f"{[a.str_short() for a in avals[n_fixed:]]}")
    expected = list(avals[:n_fixed]) + x_avals
    if jaxpr.in_avals != expected:
        raise TypeError(f"scan: body takes {[a.str_short() for a in jaxpr.in_avals]} but is "
                        f"given {[a.str_short() for a in expected]}")
    out = jaxpr.out_avals
    if out[:num_carry] != list(avals[num_consts:n_fixed]):
        raise TypeError(f"scan: body returns carry {[a.str_short() for a in out[:num_carry]]} "
                        f"for carry {[a.str_short() for a in avals[num_consts:n_fixed]]}")
    return out[:num_carry] + [a.update(shape=(length,) + a.shape) for a in out[num_carry:]]


scan_p = Primitive("scan", impl=_scan_impl, abstract_eval=_scan_abstract_eval,
                   multiple_results=True)


def scan(f: Callable, init: Any, xs: Any = None, length: int | None = None,
         reverse: bool = False) -> tuple[Any, Any]:
    """Loop ``f`` over the leading axis of ``xs``, threading a carry: in Python,

    .. code-block:: python

        carry = init
        ys = []
        for x in xs:
            carry, y = f(carry, x)
            ys.append(y)
        return carry, stack(ys)

    as one primitive: the body is traced once, and every transformation (``grad``, ``jvp``,
    ``vmap``, ``jit``) transforms the body rather than an unrolled loop.

    Args:
      f: ``(carry, x) -> (carry, y)``; the new carry must have the structure, shapes and
        dtypes of ``init``.
      init: the initial carry (a pytree of arrays).
      xs: a pytree of arrays scanned along their leading axis, or None.
      length: the number of iterations; required when ``xs`` is None, else checked.
      reverse: scan from the end of ``xs`` to the start (ys keep their positions).

    Returns:
      ``(final carry, stacked ys)``.

    Raises:
      TypeError: when the carry returned by ``f`` differs from ``init`` (both are shown).

    >>> import numpy as np
    >>> scan(lambda c, x: (c + x, c * x), 0.0, np.arange(4.0))
    (np.float64(6.0), array([0., 0., 2., 9.]))
    """
    init_flat, init_tree = flatten_operands(init, "scan", "init")
    xs_flat, xs_tree = flatten_operands(xs, "scan", "xs")
    leading = [get_aval(x).shape[0] for x in xs_flat if get_aval(x).shape]
    if len(leading) != len(xs_flat):
        raise ValueError("scan: every leaf of xs must have a leading axis to scan over")
    lengths = set(leading)
    if length is not None:
        length = int(length)
        lengths.add(length)
    if len(lengths) > 1:
        raise ValueError(f"scan: the leading axes of xs (and length) disagree: "
                         f"{sorted(lengths)}")
    if not lengths:
        raise ValueError("scan: length is required when xs is None (or has no arrays)")
    length = lengths.pop()
    carry_avals = [get_aval(x) for x in init_flat]
    x_avals = [get_aval(x).update(shape=get_aval(x).shape[1:]) for x in xs_flat]
    _, in_tree = tree_flatten((init, xs))
    trees: list[Any] = []

    def body(carry: Any, x: Any) -> Any:
        out = f(carry, x)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError(f"scan: the body must return a pair (carry, y), got "
                            f"{type(out).__name__}")
        trees.append(tree_flatten(out[0])[1])
        trees.append(tree_flatten(out[1])[1])
        return tuple(out)

    closed, _, lifted = trace_to_closed(body, in_tree, carry_avals + x_avals, "scan",
                                        "the scan body")
    carry_tree, y_tree = trees
    n_carry = len(init_flat)
    check_same("scan", "the initial carry (init)", init_tree, carry_avals,
               "the carry returned by the body", carry_tree,
               closed.out_avals[:carry_tree.num_leaves])
    outs = scan_p.bind(*lifted, *init_flat, *xs_flat, jaxpr=closed, length=length,
                       reverse=bool(reverse), num_consts=len(lifted), num_carry=n_carry)
    outs = detach_from(outs, [*lifted, *init_flat, *xs_flat])  # a zero-length scan's carry
    return (tree_unflatten(carry_tree, outs[:n_carry]), tree_unflatten(y_tree, outs[n_carry:]))


def map(f: Callable, xs: Any, *, batch_size: int | None = None,  # noqa: A001
        progress: ProgressArg = None) -> Any:
    """``f`` applied to each slice of ``xs`` along its leading axis, results stacked: a
    ``scan`` without carry (sequential, unlike ``vmap``; memory for one slice at a time).

    With ``batch_size``, ``f`` is ``vmap``-ed over groups of that many slices, the groups run
    in sequence (and a last, smaller group for the remainder): a trade between the two.
    ``progress`` reports the slices done after each step: ``True`` for a tqdm bar (when tqdm
    is installed), or a callable ``progress(done, total)``; a callback in the loop makes the
    reports, so they come as the loop runs, under ``jit`` too.

    Raises:
      ValueError: ``batch_size`` not a positive int. TypeError: a bad ``progress``.

    >>> import numpy as np
    >>> map(lambda x: x * 2, np.arange(3.0))
    array([0., 2., 4.])
    >>> map(lambda x: x * 2, np.arange(5.0), batch_size=2)
    array([0., 2., 4., 6., 8.])
    """
    check_progress(progress, "lax.map")
    leaves, tree = tree_flatten(xs)
    n = get_aval(leaves[0]).shape[0] if leaves else 0
    reporter = make_progress(progress, n, "lax.map")
    if batch_size is None or not leaves:
        return _map_slices(f, xs, reporter, 1)
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) \
            or batch_size < 1:
        raise ValueError(f"lax.map: batch_size must be a positive int, got {batch_size!r}")
    from ftrans.api import vmap  # cycle: api imports lax
    groups, rest = divmod(n, int(batch_size))

    def grouped(x: Any) -> Any:
        shape = get_aval(x).shape
        return reshape(slice_in_dim(x, 0, groups * batch_size, 1, 0),
                       (groups, batch_size) + shape[1:])
    parts = []
    if groups:
        ys = _map_slices(vmap(f), tree_unflatten(tree, [grouped(x) for x in leaves]),
                         reporter, int(batch_size))
        parts.append(tree_map(lambda y: reshape(y, (groups * batch_size,)
                                                + get_aval(y).shape[2:]), ys))
    if rest:
        tail = tree_unflatten(tree, [slice_in_dim(x, groups * batch_size, n, 1, 0)
                                     for x in leaves])
        parts.append(vmap(f)(tail))
        advance_when_run(reporter, rest)
    if len(parts) == 1:
        return parts[0]
    return tree_map(lambda a, b: concatenate([a, b], 0), parts[0], parts[1])


def _map_slices(f: Callable, xs: Any, reporter: Progress | None, per_step: int) -> Any:
    """``f`` over the leading axis of ``xs`` by a scan; each step reports ``per_step`` more
    members done (through a callback in the body, so the report comes as the loop runs)."""
    def body(carry: Any, x: Any) -> tuple[Any, Any]:
        y = f(x)
        advance_when_run(reporter, per_step)
        return carry, y
    _, ys = scan(body, (), xs)
    return ys


# ---------------------------------------------------------------------------------------------
# jvp: scan of the body's jvp, with a fixpoint on which carry tangents are nonzero
# ---------------------------------------------------------------------------------------------


def _interleave_jvp_body(closed: ClosedJaxpr, num_consts: int, num_carry: int,
                         nonzeros: list[bool]) -> tuple[ClosedJaxpr, list[bool]]:
    """The body's jvp in scan form: inputs (consts, const tangents, carry, carry tangents,
    xs, x tangents), outputs (carry, carry tangents, ys, y tangents). Carry tangents are
    those marked in ``nonzeros`` (the fixpoint guarantees the body keeps them nonzero)."""
    n_in, num_fixed = len(nonzeros), num_consts + num_carry
    carry_nz = nonzeros[num_consts:num_fixed]
    program, out_nz = jvp_jaxpr(
        closed, nonzeros, carry_nz + [False] * (len(closed.out_avals) - num_carry))
    key = ("scan_jvp", tuple(nonzeros), tuple(out_nz))

    def make() -> ClosedJaxpr:
        in_avals = closed.in_avals
        groups = [(0, num_consts), (num_consts, num_fixed), (num_fixed, n_in)]
        order_avals: list[ShapedArray] = []
        for lo, hi in groups:
            order_avals += in_avals[lo:hi]
            order_avals += [a for a, nz in zip(in_avals[lo:hi], nonzeros[lo:hi]) if nz]

        def fun(*args: Any) -> list[Any]:
            it = iter(args)
            primals, tangents = [], []
            for lo, hi in groups:
                primals += [next(it) for _ in range(hi - lo)]
                tangents += [next(it) for nz in nonzeros[lo:hi] if nz]
            outs = run(program, *primals, *tangents)
            n_out = len(closed.out_avals)
            prim_out, tan_out = outs[:n_out], iter(outs[n_out:])
            tan_full = [next(tan_out) if nz else None for nz in out_nz]
            carry_t = [t for t in tan_full[:num_carry] if t is not None]
            ys_t = [t for t in tan_full[num_carry:] if t is not None]
            return prim_out[:num_carry] + carry_t + prim_out[num_carry:] + ys_t
        return restage(fun, order_avals)

    return memoized(closed, key, make), out_nz


def _scan_jvp(primals: Sequence[Any], tangents: Sequence[Any], jaxpr: ClosedJaxpr, length: int,
              reverse: bool, num_consts: int, num_carry: int) -> tuple[list[Any], list[Any]]:
    num_fixed = num_consts + num_carry
    nonzeros = [type(t) is not Zero for t in tangents]
    carry_nz = nonzeros[num_consts:num_fixed]
    carry_nz = fixpoint(carry_nz, lambda nz: jvp_jaxpr(
        jaxpr, nonzeros[:num_consts] + nz + nonzeros[num_fixed:])[1])
    nonzeros = nonzeros[:num_consts] + carry_nz + nonzeros[num_fixed:]
    body, out_nz = _interleave_jvp_body(jaxpr, num_consts, num_carry, nonzeros)
    tangents = [zeros(get_aval(p)) if nz and type(t) is Zero else t
                for p, t, nz in zip(primals, tangents, nonzeros)]
    args = []
    for lo, hi in [(0, num_consts), (num_consts, num_fixed), (num_fixed, len(primals))]:
        args += primals[lo:hi]
        args += [t for t, nz in zip(tangents[lo:hi], nonzeros[lo:hi]) if nz]
    n_const_t = sum(nonzeros[:num_consts])
    n_carry_t = sum(carry_nz)
    outs = scan_p.bind(*args, jaxpr=body, length=length, reverse=reverse,
                       num_consts=num_consts + n_const_t, num_carry=num_carry + n_carry_t)
    carry, carry_t = outs[:num_carry], iter(outs[num_carry:num_carry + n_carry_t])
    rest = outs[num_carry + n_carry_t:]
    n_ys = len(jaxpr.out_avals) - num_carry
    ys, ys_t = rest[:n_ys], iter(rest[n_ys:])
    out_avals = _scan_abstract_eval(*[get_aval(p) for p in primals], jaxpr=jaxpr, length=length,
                                    reverse=reverse, num_consts=num_consts, num_carry=num_carry)
    out_t = [next(carry_t) if nz else Zero(a) for nz, a in zip(out_nz[:num_carry], out_avals)]
    out_t += [next(ys_t) if nz else Zero(a)
              for nz, a in zip(out_nz[num_carry:], out_avals[num_carry:])]
    return carry + ys, out_t


jvp_rules[scan_p] = _scan_jvp


# ---------------------------------------------------------------------------------------------
# Partial evaluation: a known scan now (residuals stacked as extra ys), an unknown scan recorded
# ---------------------------------------------------------------------------------------------


def _scan_partial_eval(trace: PartialEvalTrace, args: Sequence[Any], jaxpr: ClosedJaxpr,
                       length: int, reverse: bool, num_consts: int, num_carry: int) -> list[Any]:
    num_fixed = num_consts + num_carry
    unknowns = [isinstance(x, Tracer) and x._trace is trace for x in args]
    n_out = len(jaxpr.out_avals)
    carry_uk = unknowns[num_consts:num_fixed]
    carry_uk = fixpoint(carry_uk, lambda uk: partial_eval_jaxpr(
        jaxpr, unknowns[:num_consts] + uk + unknowns[num_fixed:])[2])
    body_uk = unknowns[:num_consts] + carry_uk + unknowns[num_fixed:]
    known, unknown, out_uk, num_res = partial_eval_jaxpr(
        jaxpr, body_uk, carry_uk + [False] * (n_out - num_carry))
    n_known_out = out_uk.count(False)
    n_known_carry = carry_uk.count(False)
    n_known_consts = unknowns[:num_consts].count(False)

    invariant, known_body, inv_positions = split_invariant_residuals(
        known, n_known_consts, n_known_out)
    known_args, uk_args = partition_list(body_uk, args)
    known_outs = scan_p.bind(*known_args, jaxpr=known_body, length=length, reverse=reverse,
                             num_consts=n_known_consts, num_carry=n_known_carry)
    stacked = known_outs[n_known_out:]
    known_outs = known_outs[:n_known_out]
    invariant_res = [known_args[i] for i in inv_positions]
    if n_known_out == n_out:
        return known_outs
    n_uk_consts, n_uk_carry = sum(body_uk[:num_consts]), sum(carry_uk)
    uk_fixed, uk_xs = split_list(uk_args, [n_uk_consts + n_uk_carry])
    uk_outs = trace.record(
        scan_p, [*invariant_res, *uk_fixed, *stacked, *uk_xs],
        {"jaxpr": unknown_scan_body(unknown, num_res, invariant, len(uk_fixed)),
         "length": length, "reverse": reverse,
         "num_consts": len(invariant_res) + n_uk_consts, "num_carry": n_uk_carry})
    return merge_lists(out_uk, known_outs, uk_outs)


partial_eval_rules[scan_p] = _scan_partial_eval


# ---------------------------------------------------------------------------------------------
# Transpose: the transposed body scanned the other way; consts' cotangents summed in the carry
# ---------------------------------------------------------------------------------------------


def _scan_transpose(cts: Sequence[Any], *args: Any, jaxpr: ClosedJaxpr, length: int,
                    reverse: bool, num_consts: int, num_carry: int) -> list[Any]:
    num_fixed = num_consts + num_carry
    consts, init, xs = args[:num_consts], args[num_consts:num_fixed], args[num_fixed:]
    const_lin = [type(x) is UndefPrimal for x in consts]
    xs_lin = [type(x) is UndefPrimal for x in xs]
    # The carry is linear even when its initial value is a known zero (an instantiated zero
    # tangent): the body is linear in it.
    linear = const_lin + [True] * num_carry + xs_lin
    carry_avals = jaxpr.in_avals[num_consts:num_fixed]
    ct_carry = [zeros(a) if type(ct) is Zero else ct for ct, a in zip(cts[:num_carry],
                                                                        carry_avals)]
    ys_nz = [type(ct) is not Zero for ct in cts[num_carry:]]
    ct_ys = [ct for ct in cts[num_carry:] if type(ct) is not Zero]
    res_consts = partition_list(const_lin, consts)[0]
    res_xs = partition_list(xs_lin, xs)[0]
    lin_const_avals = partition_list(const_lin, jaxpr.in_avals[:num_consts])[1]
    body = _transposed_body(jaxpr, tuple(linear), tuple(ys_nz), num_consts, num_carry)
    ct_consts0 = [zeros(a) for a in lin_const_avals]
    outs = scan_p.bind(*res_consts, *ct_consts0, *ct_carry, *res_xs, *ct_ys, jaxpr=body,
                       length=length, reverse=not reverse, num_consts=len(res_consts),
                       num_carry=len(ct_consts0) + num_carry)
    n_cc = len(ct_consts0)
    ct_consts, ct_init, ct_xs = iter(outs[:n_cc]), outs[n_cc:n_cc + num_carry], \
        iter(outs[n_cc + num_carry:])
    result: list[Any] = [next(ct_consts) if lin else None for lin in const_lin]
    result += [ct if type(x) is UndefPrimal else None for ct, x in zip(ct_init, init)]
    result += [next(ct_xs) if lin else None for lin in xs_lin]
    return result


def _transposed_body(jaxpr: ClosedJaxpr, linear: tuple[bool, ...], ys_nz: tuple[bool, ...],
                     num_consts: int, num_carry: int) -> ClosedJaxpr:
    """Body of the transposed scan: consts = non-linear consts; carry = (cotangent sums of the
    linear consts, cotangents of the carry); xs = (non-linear xs, cotangents of the ys).
    Returns (updated sums, cotangents of the carry before this step), cotangents of the
    linear xs."""
    num_fixed = num_consts + num_carry
    ct_nonzero = [True] * num_carry + list(ys_nz)
    backward = transpose_jaxpr(jaxpr, linear, ct_nonzero)
    key = ("scan_transpose_body", linear, ys_nz)

    def make() -> ClosedJaxpr:
        in_avals, out_avals = jaxpr.in_avals, jaxpr.out_avals
        res_c, lin_c = partition_list(linear[:num_consts], in_avals[:num_consts])
        res_x = partition_list(linear[num_fixed:], in_avals[num_fixed:])[0]
        ct_y = partition_list(ys_nz, out_avals[num_carry:])[1]
        carry = list(out_avals[:num_carry])

        def fun(*args: Any) -> list[Any]:
            sizes = [len(res_c), len(lin_c), num_carry, len(res_x), len(ct_y)]
            parts, start = [], 0
            for s in sizes:
                parts.append(list(args[start:start + s]))
                start += s
            rc, sums, ct_carry, rx, cty = parts
            cts_in = run(backward, *rc, *rx, *ct_carry, *cty)
            n_lc = len(lin_c)
            # add, not add_any: under vmap a sum may be unbatched while its term is not
            new_sums = [add(s, c) for s, c in zip(sums, cts_in[:n_lc])]
            return new_sums + cts_in[n_lc:n_lc + num_carry] + cts_in[n_lc + num_carry:]
        return restage(fun, res_c + lin_c + carry + res_x + ct_y)

    return memoized(jaxpr, key, make)


transpose_rules[scan_p] = _scan_transpose


# ---------------------------------------------------------------------------------------------
# Batching: scan of the batched body, with a fixpoint on which carries are batched
# ---------------------------------------------------------------------------------------------


def _scan_batch(trace: BatchTrace, args: Sequence[Any], bdims: Sequence[Any],
                jaxpr: ClosedJaxpr, length: int, reverse: bool, num_consts: int,
                num_carry: int) -> tuple[list[Any], list[Any]]:
    size, name = trace.axis_size, trace.axis_name
    num_fixed = num_consts + num_carry
    const_b = [d is not not_mapped for d in bdims[:num_consts]]
    xs_b = [d is not not_mapped for d in bdims[num_fixed:]]
    carry_b = [d is not not_mapped for d in bdims[num_consts:num_fixed]]
    n_out = len(jaxpr.out_avals)

    def body_bdims(carry_b: list[bool]) -> list[int | None]:
        return [0 if b else None for b in const_b + carry_b + xs_b]

    carry_b = fixpoint(carry_b, lambda b: [
        d is not None for d in batch_jaxpr(jaxpr, body_bdims(b), size, name)[1]])
    body, out_bdims = batch_jaxpr(
        jaxpr, body_bdims(carry_b), size, name, carry_b + [False] * (n_out - num_carry))
    new_args = []
    for k, (x, d) in enumerate(zip(args, bdims)):
        if num_consts <= k < num_fixed:
            new_args.append(move_batch_axis(x, d, 0, size) if carry_b[k - num_consts] else x)
        elif k < num_consts:
            new_args.append(x if d is not_mapped else move_batch_axis(x, d, 0))
        else:  # xs: the scanned axis stays in front, the batch axis goes second
            new_args.append(x if d is not_mapped else move_batch_axis(x, d, 1))
    outs = scan_p.bind(*new_args, jaxpr=body, length=length, reverse=reverse,
                       num_consts=num_consts, num_carry=num_carry)
    result_bdims = [None if d is None else 0 for d in out_bdims[:num_carry]]
    result_bdims += [None if d is None else 1 for d in out_bdims[num_carry:]]
    return outs, result_bdims


batching_rules[scan_p] = _scan_batch


def _scan_inline(*args: Any, jaxpr: ClosedJaxpr, length: int, reverse: bool, num_consts: int,
                 num_carry: int) -> list[Any]:
    # for interpreters without a scan rule (core.inline_rules): the body unrolled ``length``
    # times, the stacked outputs concatenated
    consts = args[:num_consts]
    carry = list(args[num_consts:num_consts + num_carry])
    xs = args[num_consts + num_carry:]
    steps: list[list[Any]] = [[] for _ in range(length)]
    for step in range(length):
        i = length - 1 - step if reverse else step
        outs = run(jaxpr, *consts, *carry,
                   *[squeeze(slice_in_dim(x, i, i + 1, axis=0), (0,)) for x in xs])
        carry, steps[i] = list(outs[:num_carry]), outs[num_carry:]
    ys = []
    for k, aval in enumerate(jaxpr.out_avals[num_carry:]):
        if length == 0:
            ys.append(np.zeros((0,) + aval.shape, aval.dtype))
        else:
            ys.append(concatenate([reshape(s[k], (1,) + aval.shape) for s in steps], 0))
    return [*carry, *ys]


inline_rules[scan_p] = _scan_inline
