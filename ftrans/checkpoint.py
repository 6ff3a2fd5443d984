"""Checkpointing (rematerialization): trade compute for memory in reverse mode.

``checkpoint(f)`` applies ``f`` as one ``remat`` primitive holding its program. Its rules
transform the program like the jit call's, except partial evaluation: under ``linearize`` (so
``grad`` and ``vjp``) the linear program keeps only the *inputs* of ``f`` as residuals (plus,
under a policy, some intermediates such as matrix products), and the backward pass recomputes
the rest of the forward pass from them. Without checkpointing every intermediate the tangent
computation needs is stored from the forward pass until the backward pass uses it. See
docs/custom_derivatives.md, "checkpoint (remat): recompute instead of storing".
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Sequence

from ftrans.core import Primitive, Tracer, current_trace, eval_trace, inline_rules
from ftrans.interpreters.partial_eval import (
    PartialEvalTrace, partial_eval_jaxpr, partial_eval_rules,
)
from ftrans.interpreters.staging import lift_tracer_consts, trace_flat
from ftrans.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Var, eval_jaxpr
from ftrans.pickling import WrappedFunction
from ftrans.lax.call import (
    def_program_batching, def_program_jvp, def_program_transpose, inline_program,
    program_abstract_eval, run_program,
)
from ftrans.tree_util import tree_map, tree_unflatten
from ftrans.interpreters.batching import defvectorized
from ftrans.interpreters.jvp import jvp_rules
from ftrans.interpreters.transpose import transpose_rules
from ftrans.lax.linalg import dot_general_p
from ftrans.api import check_callable, trace_to_jaxpr
from ftrans.compile import eliminate_dead_code
from ftrans.api_util import flatten_args

__all__ = ["checkpoint", "remat", "checkpoint_name", "checkpoint_policies", "remat_p", "name_p"]


# ---------------------------------------------------------------------------------------------
# checkpoint_name: an identity that labels a value, so that policies can pick it by name
# ---------------------------------------------------------------------------------------------

name_p = Primitive("name", impl=lambda x, name: x, abstract_eval=lambda x, name: x)


def checkpoint_name(x: Any, name: str) -> Any:
    """``x`` itself (every leaf of a pytree), labelled ``name`` for checkpoint policies such
    as ``checkpoint_policies.save_only_these_names(name)``.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> policy = checkpoint_policies.save_only_these_names("hidden")
    >>> f = checkpoint(lambda x: fnp.sin(checkpoint_name(fnp.sin(x), "hidden")), policy=policy)
    >>> round(float(ft.grad(f)(1.0)), 6)
    0.360039
    """
    return tree_map(lambda leaf: name_p.bind(leaf, name=name), x)


def _name_jvp(primals: Sequence[Any], tangents: Sequence[Any], name: str) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    return name_p.bind(x, name=name), t  # the label is for the primal value only


def _register_name_rules() -> None:
    jvp_rules[name_p] = _name_jvp
    transpose_rules[name_p] = lambda ct, x, name: [ct]
    defvectorized(name_p)


_register_name_rules()


# ---------------------------------------------------------------------------------------------
# Policies: which intermediates of the forward pass may be saved for the backward pass
# ---------------------------------------------------------------------------------------------
# A policy is a function of an equation; one written as JAX's (prim, *avals, **params) is
# adapted by ``_as_eqn_policy``.


def nothing_saveable(eqn: JaxprEqn) -> bool:
    """Save only the checkpointed function's inputs; recompute everything else."""
    return False


def _is_dot(eqn: JaxprEqn) -> bool:
    return eqn.primitive is dot_general_p


def dots_saveable(eqn: JaxprEqn) -> bool:
    """Also save the results of matrix products (``dot_general``), the costly part to redo."""
    return _is_dot(eqn)


def dots_with_no_batch_dims_saveable(eqn: JaxprEqn) -> bool:
    """Save the results of matrix products without batch dimensions (plain matmuls)."""
    if not _is_dot(eqn):
        return False
    (_, (lhs_batch, rhs_batch)) = eqn.params["dimension_numbers"]
    return not lhs_batch and not rhs_batch


def everything_saveable(eqn: JaxprEqn) -> bool:
    """Save every intermediate: no recomputation (what differentiation does without remat)."""
    return True


def _names(names: tuple) -> frozenset:
    if not all(isinstance(n, str) for n in names):
        raise TypeError(f"checkpoint policy names must be strings, got {names!r}")
    return frozenset(names)


def save_only_these_names(*names: str) -> Callable[[JaxprEqn], bool]:
    """Save the values labelled with one of ``names`` by ``checkpoint_name``, nothing else."""
    wanted = _names(names)
    return lambda eqn: eqn.primitive is name_p and eqn.params["name"] in wanted


def save_any_names_but_these(*names: str) -> Callable[[JaxprEqn], bool]:
    """Save every value labelled by ``checkpoint_name`` except those named in ``names``."""
    unwanted = _names(names)
    return lambda eqn: eqn.primitive is name_p and eqn.params["name"] not in unwanted


def save_anything_except_these_names(*names: str) -> Callable[[JaxprEqn], bool]:
    """Save every intermediate except the values labelled with one of ``names``."""
    unwanted = _names(names)
    return lambda eqn: not (eqn.primitive is name_p and eqn.params["name"] in unwanted)


def save_from_both_policies(policy_1: Callable, policy_2: Callable
                            ) -> Callable[[JaxprEqn], bool]:
    """Save what either policy saves."""
    p1, p2 = _as_eqn_policy(policy_1), _as_eqn_policy(policy_2)
    return lambda eqn: p1(eqn) or p2(eqn)


class checkpoint_policies:  # noqa: N801  (a namespace, named like JAX's)
    """The policies ``checkpoint`` accepts: a function of an equation saying whether its
    outputs may be saved as residuals (a function ``(prim, *avals, **params) -> bool``, as
    written for JAX, works too)."""

    nothing_saveable = staticmethod(nothing_saveable)
    dots_saveable = staticmethod(dots_saveable)
    checkpoint_dots = staticmethod(dots_saveable)
    dots_with_no_batch_dims_saveable = staticmethod(dots_with_no_batch_dims_saveable)
    checkpoint_dots_with_no_batch_dims = staticmethod(dots_with_no_batch_dims_saveable)
    everything_saveable = staticmethod(everything_saveable)
    save_only_these_names = staticmethod(save_only_these_names)
    save_any_names_but_these = staticmethod(save_any_names_but_these)
    save_anything_except_these_names = staticmethod(save_anything_except_these_names)
    save_from_both_policies = staticmethod(save_from_both_policies)


_adapted: dict[Callable, Callable[[JaxprEqn], bool]] = {}


def _as_eqn_policy(policy: Callable) -> Callable[[JaxprEqn], bool]:
    """``policy`` as a function of an equation. A policy taking ``(prim, *avals, **params)``
    is wrapped (once per policy, so programs derived under it stay memoized)."""
    try:
        params = list(inspect.signature(policy).parameters.values())
    except (TypeError, ValueError):
        return policy
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) == 1 and not any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                                        for p in params):
        return policy
    if policy in _adapted:
        return _adapted[policy]

    def found(eqn: JaxprEqn) -> bool:
        avals = [x.aval for x in eqn.inputs]
        return bool(policy(eqn.primitive, *avals, **eqn.params))
    _adapted[policy] = found
    return found


# ---------------------------------------------------------------------------------------------
# The decorator
# ---------------------------------------------------------------------------------------------


def checkpoint(fun: Callable | None = None, *, static_argnums: int | Sequence[int] = (),
               policy: Callable[[JaxprEqn], bool] | None = None,
               prevent_cse: bool = True) -> Callable:
    """Make reverse-mode differentiation of ``fun`` recompute its forward pass instead of
    storing its intermediates.

    The values and derivatives are unchanged; the backward pass costs one more forward pass of
    ``fun``, and the memory held between the forward and backward passes shrinks to ``fun``'s
    inputs (plus what ``policy`` allows to be saved).

    Args:
      fun: the function to checkpoint (pytrees of arrays in and out).
      static_argnums: positions of arguments that are Python values, not traced.
      policy: which intermediates may be saved, e.g. ``checkpoint_policies.dots_saveable``;
        default ``nothing_saveable``.
      prevent_cse: accepted for programs written for JAX; the recomputation is a program of
        its own, which the compiler never merges with the forward pass.

    Returns:
      The checkpointed function. Usable as ``@checkpoint`` or ``@checkpoint(policy=...)``.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> g = ft.grad(checkpoint(lambda x: fnp.sin(fnp.sin(x))))
    >>> round(float(g(1.0)), 6)
    0.360039
    """
    if fun is None:
        return functools.partial(checkpoint, static_argnums=static_argnums, policy=policy)
    check_callable(fun, "checkpoint")
    return Checkpointed(fun, static_argnums, policy)


class Checkpointed(WrappedFunction):
    """What ``checkpoint(fun)`` returns: ``fun``, recomputed in the backward pass. Pickles as
    the global it is bound to, or as ``checkpoint(fun, ...)`` again."""

    def __init__(self, fun: Callable, static_argnums: int | Sequence[int] = (),
                 policy: Callable | None = None):
        functools.update_wrapper(self, fun)
        self._fun = fun
        self._spec = (static_argnums, policy)
        self._nums = (static_argnums,) if isinstance(static_argnums, int) \
            else tuple(static_argnums)
        self._policy = nothing_saveable if policy is None else _as_eqn_policy(policy)
        self._name = getattr(fun, "__name__", type(fun).__name__)

    def rebuild(self) -> tuple[Any, tuple]:
        return Checkpointed, (self._fun, *self._spec)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fun, nums = self._fun, self._nums
        if current_trace() is eval_trace:  # nothing is being differentiated
            return fun(*args, **kwargs)
        closed, out_tree = trace_to_jaxpr(fun, args, kwargs, nums, "checkpoint")
        closed, lifted = lift_tracer_consts(closed)
        static = {i % len(args) for i in nums} if args else set()
        dynamic = tuple(a for i, a in enumerate(args) if i not in static)
        flat, _ = flatten_args((dynamic, kwargs), "checkpoint")
        outs = remat_p.bind(*lifted, *flat, jaxpr=closed, policy=self._policy, name=self._name)
        return tree_unflatten(out_tree, outs)


remat = checkpoint


# ---------------------------------------------------------------------------------------------
# The primitive and its rules
# ---------------------------------------------------------------------------------------------


remat_p = Primitive("remat", impl=run_program, abstract_eval=program_abstract_eval("checkpoint"),
                    multiple_results=True)
inline_rules[remat_p] = inline_program


def_program_jvp(remat_p, relabel=False)


def remat_partial_eval_jaxpr(closed: ClosedJaxpr, unknowns: Sequence[bool], policy: Callable
                             ) -> tuple[ClosedJaxpr, ClosedJaxpr, list[bool], int]:
    """Split ``closed`` like ``partial_eval_jaxpr``, but save only what ``policy`` allows.

    Returns ``(known, recompute, out_unknowns, num_saved)``: ``known`` maps the known inputs to
    the known outputs followed by the saved intermediates; ``recompute`` maps (known inputs,
    saved intermediates, unknown inputs) to the unknown outputs, recomputing from the known
    inputs every residual that was not saved. Memoized on ``closed``.
    """
    key = ("remat_partial_eval", tuple(unknowns), policy)
    found = closed.derived.get(key)
    if found is not None:
        return found
    known, unknown, out_unknowns, num_res = partial_eval_jaxpr(closed, unknowns)
    known_jaxpr = known.jaxpr
    n_known_outs = len(known_jaxpr.outvars) - num_res
    residual_vars = known_jaxpr.outvars[n_known_outs:]
    needed = _needed_by(known_jaxpr, residual_vars)
    saved = [v for eqn in known_jaxpr.eqns
             if policy(eqn) and any(v in needed for v in eqn.outvars) for v in eqn.outvars]
    saved_set = set(saved)
    forward = eliminate_dead_code(ClosedJaxpr(
        Jaxpr(known_jaxpr.constvars, known_jaxpr.invars, known_jaxpr.eqns,
              known_jaxpr.outvars[:n_known_outs] + saved), known.consts))
    n_known_in = len(known_jaxpr.invars)

    def recompute(*args: Any) -> list[Any]:
        env: dict[Var, Any] = dict(zip(known_jaxpr.constvars, known.consts))
        env.update(zip(known_jaxpr.invars, args[:n_known_in]))
        env.update(zip(saved, args[n_known_in:n_known_in + len(saved)]))
        for eqn in known_jaxpr.eqns:
            if eqn.outvars[0] in saved_set:
                continue
            ins = [env[x] if type(x) is Var else x.val for x in eqn.inputs]
            out = eqn.primitive.bind(*ins, **eqn.params)
            env.update(zip(eqn.outvars, out if eqn.primitive.multiple_results else [out]))
        residuals = [env[v] if type(v) is Var else v.val for v in residual_vars]
        return eval_jaxpr(unknown.jaxpr, unknown.consts, *residuals,
                          *args[n_known_in + len(saved):])

    in_avals = ([v.aval for v in known_jaxpr.invars] + [v.aval for v in saved]
                + [a for a, u in zip(closed.in_avals, unknowns) if u])
    recompute_program = eliminate_dead_code(trace_flat(recompute, in_avals, "checkpoint"))
    result = (forward, recompute_program, out_unknowns, len(saved))
    closed.derived[key] = result
    return result


def _needed_by(jaxpr: Jaxpr, targets: Sequence[Any]) -> set[Var]:
    """The variables of ``jaxpr`` that ``targets`` depend on (a backward walk)."""
    live = {v for v in targets if type(v) is Var}
    for eqn in reversed(jaxpr.eqns):
        if any(v in live for v in eqn.outvars):
            live.update(x for x in eqn.inputs if type(x) is Var)
    return live


def _remat_partial_eval(trace: PartialEvalTrace, args: Sequence[Any], *, jaxpr: ClosedJaxpr,
                        policy: Callable, name: str) -> list[Any]:
    unknowns = [isinstance(x, Tracer) and x._trace is trace for x in args]
    forward, recompute, out_unknowns, num_saved = remat_partial_eval_jaxpr(jaxpr, unknowns,
                                                                           policy)
    known_args = [x for x, u in zip(args, unknowns) if not u]
    known_outs = remat_p.bind(*known_args, jaxpr=forward, policy=policy, name=name)
    split = len(known_outs) - num_saved
    saved, known_outs = known_outs[split:], known_outs[:split]
    unknown_args = [x for x, u in zip(args, unknowns) if u]
    # The residuals of the linear program are the known inputs and the saved values only.
    unknown_outs = iter(trace.record(
        remat_p, [*known_args, *saved, *unknown_args],
        {"jaxpr": recompute, "policy": policy, "name": name})
        if recompute.jaxpr.outvars else [])
    known_iter = iter(known_outs)
    return [next(unknown_outs) if u else next(known_iter) for u in out_unknowns]


partial_eval_rules[remat_p] = _remat_partial_eval


def_program_transpose(remat_p, relabel=False)
def_program_batching(remat_p, relabel=False)
