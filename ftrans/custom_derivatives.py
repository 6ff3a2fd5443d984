"""Custom derivatives: ``custom_jvp`` and ``custom_vjp``, as higher-order primitives.

A decorated function is traced to a program (``call_jaxpr``) and applied as one primitive that
also carries the user's rule as a parameter:

- ``custom_jvp_call`` evaluates (and batches, and stages) its program like any call; its jvp
  rule runs the user's jvp function instead. That function is ordinary code, so under
  ``linearize`` its tangent part is recorded and transposed like anything else: a custom_jvp
  function is reverse-differentiable through its (linear) jvp.
- ``custom_vjp_call`` evaluates its program; its jvp rule runs the user's ``fwd`` on the primals
  and records the linear primitive ``custom_lin`` on the tangents, whose transpose runs
  ``bwd``. Evaluating ``custom_lin`` forwards is forward mode, which a custom_vjp function does
  not support: that raises a clear error.

Batching wraps the user's rules in ``vmap`` (every output batched in front). See
docs/custom_derivatives.md.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import (
    ConcretizationError,
    FtransError,
    Primitive,
    ShapedArray,
    Tracer,
    current_trace,
    eval_trace,
    get_aval,
    is_valid_array,
    new_trace,
    set_current_trace,
)
from ftrans.interpreters.batching import (
    BatchTrace,
    batching_rules,
    move_batch_axis,
)
from ftrans.interpreters.jvp import (
    JVPTrace,
    JVPTracer,
    Zero,
    instantiate_zeros,
    is_differentiable_dtype,
    jvp_rules,
)
from ftrans.interpreters.staging import lift_tracer_consts, trace_flat
from ftrans.interpreters.transpose import transpose_rules
from ftrans.ir import ClosedJaxpr
from ftrans.custom_derivatives_batching import (
    batch_jaxpr_all_out, open_batched as _open, to_front as _to_front, unpack_batched as _unpack,
)
from ftrans.pickling import importable_name
from ftrans.tree_util import PyTreeDef, tree_flatten, tree_unflatten
from ftrans.compile import compiled
from ftrans.lax.reductions import reduce_sum

__all__ = ["custom_jvp", "custom_vjp", "SymbolicZero", "CustomDerivativeError",
           "CustomVJPForwardModeError"]

# With ``defjvp(..., symbolic_zeros=True)`` the jvp rule receives this for a tangent known to be
# zero (and may return it); it is the library's own symbolic zero.
SymbolicZero = Zero


class CustomDerivativeError(FtransError, TypeError):
    """A custom derivative rule was used wrongly or returned values of the wrong form."""


class CustomVJPForwardModeError(CustomDerivativeError):
    """Forward mode (``jvp``, ``jacfwd``) reached a ``custom_vjp`` function, which has only a
    reverse-mode rule."""


# ---------------------------------------------------------------------------------------------
# Shared plumbing: arguments, tracing the primal function, checking rule outputs
# ---------------------------------------------------------------------------------------------


def _name(fun: Callable) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


def _signature(fun: Callable) -> inspect.Signature | None:
    try:
        return inspect.signature(fun)
    except (TypeError, ValueError):  # builtins without a signature
        return None


def _resolve_args(fun: Callable, signature: inspect.Signature | None, args: tuple,
                  kwargs: dict, what: str) -> tuple:
    """Keyword and default arguments bound to positions: the rules receive positional
    arguments only (as in JAX)."""
    if signature is None:
        if kwargs:
            raise TypeError(f"{what} {_name(fun)}: keyword arguments need a function with an "
                            f"inspectable signature")
        return args
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as err:
        raise TypeError(f"{what} {_name(fun)}: {err}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(f"{what} {_name(fun)}: keyword-only arguments are not supported; "
                        f"pass them positionally")
    return tuple(bound.args)


def _normalize_nondiff(nums: int | Sequence[int]) -> tuple[int, ...]:
    nums = (nums,) if isinstance(nums, int) else tuple(nums)
    for n in nums:
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"nondiff_argnums must be ints, got {n!r}")
    return nums


def _as_array(x: Any, where: str) -> Any:
    if isinstance(x, (np.ndarray, np.generic, Tracer)):
        return x
    if type(x) in (bool, int, float, complex):
        return np.asarray(x)[()]
    raise TypeError(f"{where} has type {type(x).__name__}, which is not an array; pass "
                    f"non-array arguments through nondiff_argnums")


class _Call:
    """One application of a custom function: nondiff values, flat differentiable leaves and
    the traced primal program (closed-over tracers lifted to leading inputs)."""

    # set up in __init__; operands() hands them over and drops them
    consts: list[Any]
    flat: list[Any]

    def __init__(self, fun: Callable, nondiff_argnums: tuple[int, ...], args: tuple,
                 what: str):
        self.name = _name(fun)
        n = len(args)
        for i in nondiff_argnums:
            if not -n <= i < n:
                raise ValueError(f"{what} {self.name}: nondiff_argnums {i} is out of range for "
                                 f"a call with {n} argument(s)")
        nondiff = {i % n for i in nondiff_argnums}
        self.n_args = n
        self.nondiff = sorted(nondiff)
        self.nondiff_vals = [args[i] for i in self.nondiff]
        diff_args = tuple(a for i, a in enumerate(args) if i not in nondiff)
        leaves, self.in_tree = tree_flatten(diff_args)
        self.flat = [_as_array(x, f"{what} {self.name}: an argument") for x in leaves]
        self.num_flat = len(self.flat)
        self.in_avals = [get_aval(x) for x in self.flat]
        out_tree: list[PyTreeDef] = []

        def fun_flat(*leaves: Any) -> list[Any]:
            out_flat, tree = tree_flatten(fun(*self.full_args(leaves)))
            for o in out_flat:
                if not is_valid_array(o):
                    raise TypeError(f"{what} {self.name} returned a value of type "
                                    f"{type(o).__name__}; it must return arrays")
            out_tree.append(tree)
            return out_flat

        closed = trace_flat(fun_flat, self.in_avals, what)
        self.jaxpr, self.consts = lift_tracer_consts(closed)
        self.out_tree = out_tree[0]
        self.out_avals = closed.out_avals

    def operands(self) -> list[Any]:
        """The primitive's operands (lifted constants, then the flat arguments), handed over
        once: the rules keep this object, and must not keep the values of one application
        alive (they may be tracers of a transformation that has finished)."""
        operands = [*self.consts, *self.flat]
        self.consts = self.flat = None  # type: ignore[assignment]
        return operands

    def full_args(self, leaves: Sequence[Any]) -> list[Any]:
        """The user's positional arguments, nondiff values in their places."""
        diff = iter(tree_unflatten(self.in_tree, leaves))
        nondiff = dict(zip(self.nondiff, self.nondiff_vals))
        return [nondiff[i] if i in nondiff else next(diff) for i in range(self.n_args)]

    def diff_args(self, leaves: Sequence[Any]) -> tuple:
        return tuple(tree_unflatten(self.in_tree, leaves))


def _flatten_checked(tree: Any, expected_tree: PyTreeDef, expected_avals: Sequence[ShapedArray],
                     where: str, tangent: bool) -> list[Any]:
    """Leaves of ``tree`` checked against the expected structure, shapes and dtypes. Python
    scalars take the expected dtype. For tangents and cotangents (``tangent``), a None or
    Zero leaf is a symbolic zero, and so is any leaf of integer dtype (no derivative flows
    through integers)."""
    leaves, tree_def = tree_flatten(tree, is_leaf=lambda x: x is None)
    if tree_def != expected_tree:
        raise CustomDerivativeError(f"{where} has structure {tree_def}, but {expected_tree} "
                                    f"was expected")
    out = []
    for i, (x, aval) in enumerate(zip(leaves, expected_avals)):
        if x is None or type(x) is Zero:
            if not tangent:
                raise CustomDerivativeError(f"{where}: leaf {i} is {x!r}, not an array")
            out.append(Zero(aval))
            continue
        if type(x) in (bool, int, float, complex):
            x = np.asarray(x, aval.dtype)[()]
        if not is_valid_array(x):
            raise CustomDerivativeError(f"{where}: leaf {i} has type {type(x).__name__}, not "
                                        f"an array")
        got = get_aval(x)
        if got.shape != aval.shape or (got.dtype != aval.dtype and (
                not tangent or is_differentiable_dtype(aval.dtype))):
            raise CustomDerivativeError(f"{where}: leaf {i} has type {got.str_short()}, but "
                                        f"{aval.str_short()} was expected")
        out.append(x if not tangent or is_differentiable_dtype(aval.dtype) else Zero(aval))
    return out


def _closure_error(kind: str, name: str) -> CustomDerivativeError:
    return CustomDerivativeError(
        f"{kind} function {name} closes over a value that is being differentiated. Its "
        f"derivative rule cannot account for it: pass the value as an explicit argument.")


# ---------------------------------------------------------------------------------------------
# custom_jvp
# ---------------------------------------------------------------------------------------------


class custom_jvp:  # noqa: N801  (a decorator, named like JAX's)
    """A function with a custom forward-mode derivative rule.

    Decorate the primal function, then give its jvp with :meth:`defjvp`. The jvp rule takes
    ``(*nondiff_args, primals, tangents)`` (tuples of the differentiable arguments and of their
    tangents) and returns ``(primal_out, tangent_out)``. ``grad``, ``vjp``, ``vmap``, ``jit``
    and nesting all work: reverse mode transposes the (linear) tangent part of the rule.

    Args:
      fun: the primal function.
      nondiff_argnums: positions of arguments that are not differentiated (Python values such
        as functions or flags); the rule receives them first.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> @custom_jvp
    ... def log1pexp(x):
    ...     return fnp.log1p(fnp.exp(x))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     (x,), (x_dot,) = primals, tangents
    ...     return log1pexp(x), x_dot * (1.0 - 1.0 / (1.0 + fnp.exp(x)))
    >>> ft.grad(log1pexp)(1000.0)
    np.float64(1.0)
    """

    __name__: str  # the function's, copied by functools.update_wrapper

    def __init__(self, fun: Callable, nondiff_argnums: int | Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self._signature = _signature(fun)
        self.nondiff_argnums = _normalize_nondiff(nondiff_argnums)
        self.jvp: Callable | None = None
        self.symbolic_zeros = False

    def __reduce_ex__(self, protocol: Any) -> Any:
        # a decorated module-level function is the global of its name: pickle it as that
        return importable_name(self) or super().__reduce_ex__(protocol)

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        """Set the jvp rule (usable as a decorator; returns ``jvp``).

        With ``symbolic_zeros=True`` the rule receives :data:`SymbolicZero` for tangents known
        to be zero instead of zero arrays, and may return it.
        """
        self.jvp = jvp
        self.symbolic_zeros = bool(symbolic_zeros)
        return jvp

    def defjvps(self, *jvps: Callable | None) -> None:
        """Set the jvp from one function per differentiable argument:
        ``jvps[i](tangent_i, primal_out, *primals)`` is argument i's contribution to the output
        tangent (None: the output does not depend on it)."""
        if self.nondiff_argnums:
            raise TypeError("defjvps is not supported with nondiff_argnums; use defjvp")

        def jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
            out = self(*primals)
            total = None
            for rule, t in zip(jvps, tangents):
                if rule is None or type(t) is Zero:
                    continue
                term = rule(t, out, *primals)
                total = term if total is None else total + term
            return out, (Zero(get_aval(out)) if total is None else total)

        jvp.__name__ = f"{self.__name__}_jvps"
        self.defjvp(jvp, symbolic_zeros=True)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = _name(self.fun)
        if self.jvp is None:
            raise AttributeError(f"No jvp rule is defined for the custom_jvp function {name}; "
                                 f"define one with @{name}.defjvp")
        args = _resolve_args(self.fun, self._signature, args, kwargs, "custom_jvp function")
        trace = current_trace()
        if trace is eval_trace:  # nothing to differentiate: plain call
            return self.fun(*args)
        try:
            call = _Call(self.fun, self.nondiff_argnums, args, "custom_jvp function")
        except ConcretizationError:
            # The body needs concrete values (Python control flow on an argument), so it
            # cannot be traced to a program. Where the values are concrete, run without one.
            direct = self._call_on_concrete_values(args)
            if direct is _NOT_CONCRETE:
                raise
            return direct
        jvp_flat = _jvp_flat(self.jvp, call, self.symbolic_zeros)
        num_consts = len(call.consts)
        outs = custom_jvp_call_p.bind(*call.operands(), call_jaxpr=call.jaxpr,
                                      jvp=jvp_flat, num_consts=num_consts,
                                      symbolic_zeros=self.symbolic_zeros, name=name)
        return tree_unflatten(call.out_tree, outs)


    def _call_on_concrete_values(self, args: tuple) -> Any:
        """The application without a traced program, when every argument is concrete: the
        function itself if no argument is a tracer (nothing to differentiate), the jvp rule on
        the concrete primals if the arguments are forward-mode tracers of one trace over
        concrete values (``grad`` of a function with Python ``if`` on its argument, to any
        order). Otherwise ``_NOT_CONCRETE``."""
        leaves = tree_flatten(args)[0]
        tracers = [x for x in leaves if isinstance(x, Tracer)]
        if not tracers:
            return self.fun(*args)
        trace = tracers[0]._trace  # the forward-mode trace these values belong to
        if not isinstance(trace, JVPTrace) or not trace.is_alive or not all(
                isinstance(x, JVPTracer) and x._trace is trace
                and x.to_concrete_value() is not None for x in tracers):
            return _NOT_CONCRETE
        nondiff = {i % len(args) for i in self.nondiff_argnums}

        def split(tree: Any, tangent: bool) -> Any:
            flat, treedef = tree_flatten(tree)
            pairs = [(x.primal, x.tangent) if isinstance(x, JVPTracer) else (x, Zero.like(x))
                     for x in flat]
            parts = [p[1] if tangent else p[0] for p in pairs]
            if tangent and not self.symbolic_zeros:
                parts = [instantiate_zeros(t) for t in parts]
            return tree_unflatten(treedef, parts)

        diff = [a for i, a in enumerate(args) if i not in nondiff]
        assert self.jvp is not None  # checked by __call__, the only caller
        with set_current_trace(trace.parent):
            result = self.jvp(*[args[i] for i in sorted(nondiff)],
                              tuple(split(a, False) for a in diff),
                              tuple(split(a, True) for a in diff))
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise CustomDerivativeError(f"the jvp rule of custom_jvp function "
                                        f"{_name(self.fun)} must return a pair (primal_out, "
                                        f"tangent_out), got {type(result).__name__}")
        outs, out_tree = tree_flatten(result[0])
        out_dots, dot_tree = tree_flatten(result[1], is_leaf=lambda t: type(t) is Zero)
        if dot_tree != out_tree:
            raise CustomDerivativeError(f"the jvp rule of custom_jvp function "
                                        f"{_name(self.fun)} returned a tangent of structure "
                                        f"{dot_tree}, for a primal output of structure "
                                        f"{out_tree}")
        return tree_unflatten(out_tree, [o if type(t) is Zero else JVPTracer(trace, o, t)
                                         for o, t in zip(outs, out_dots)])


_NOT_CONCRETE = object()


def _jvp_flat(jvp: Callable, call: _Call, symbolic_zeros: bool) -> Callable:
    """The user's rule on flat lists: ``(primals, tangents) -> (outs, out_tangents)``."""
    where = f"the jvp rule {_name(jvp)} of custom_jvp function {call.name}"

    def rule(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        if not symbolic_zeros:
            tangents = [instantiate_zeros(t) for t in tangents]
        result = jvp(*call.nondiff_vals, call.diff_args(primals), call.diff_args(tangents))
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise CustomDerivativeError(f"{where} must return a pair (primal_out, tangent_out), "
                                        f"got {type(result).__name__}")
        outs = _flatten_checked(result[0], call.out_tree, call.out_avals,
                                f"The primal output of {where} (it must match what "
                                f"{call.name} returns)", tangent=False)
        out_tangents = _flatten_checked(result[1], call.out_tree, call.out_avals,
                                        f"The tangent output of {where}", tangent=True)
        return outs, out_tangents

    rule.__name__ = _name(jvp)
    return rule


def _custom_jvp_call_impl(*args: Any, call_jaxpr: ClosedJaxpr, **_: Any) -> list[Any]:
    return compiled(call_jaxpr)(*args)


def _call_abstract_eval(*avals: ShapedArray, call_jaxpr: ClosedJaxpr, name: str,
                        **_: Any) -> list[ShapedArray]:
    if list(avals) != call_jaxpr.in_avals:
        raise TypeError(f"custom function {name}: arguments of types "
                        f"{[a.str_short() for a in avals]} for a program taking "
                        f"{[a.str_short() for a in call_jaxpr.in_avals]}")
    return call_jaxpr.out_avals


custom_jvp_call_p = Primitive("custom_jvp_call", impl=_custom_jvp_call_impl,
                              abstract_eval=_call_abstract_eval, multiple_results=True)


def _custom_jvp_call_jvp(primals: Sequence[Any], tangents: Sequence[Any], *,
                         call_jaxpr: ClosedJaxpr, jvp: Callable, num_consts: int,
                         symbolic_zeros: bool, name: str) -> tuple[list[Any], list[Any]]:
    if any(type(t) is not Zero for t in tangents[:num_consts]):
        raise _closure_error("custom_jvp", name)
    arg_tangents = tangents[num_consts:]
    if all(type(t) is Zero for t in arg_tangents):
        outs = custom_jvp_call_p.bind(*primals, call_jaxpr=call_jaxpr, jvp=jvp,
                                      num_consts=num_consts, symbolic_zeros=symbolic_zeros,
                                      name=name)
        return outs, [Zero(a) for a in call_jaxpr.out_avals]
    arg_tangents = [Zero(t.aval) if type(t) is Zero else t for t in arg_tangents]
    return jvp(list(primals[num_consts:]), arg_tangents)


jvp_rules[custom_jvp_call_p] = _custom_jvp_call_jvp


def _custom_jvp_call_batch(trace: BatchTrace, args: Sequence[Any], bdims: Sequence[Any], *,
                           call_jaxpr: ClosedJaxpr, jvp: Callable, num_consts: int,
                           symbolic_zeros: bool, name: str) -> tuple[list[Any], list[Any]]:
    size, axis_name = trace.axis_size, trace.axis_name
    batched = batch_jaxpr_all_out(call_jaxpr, bdims, size, axis_name)
    arg_bdims = list(bdims[num_consts:])

    def batched_jvp(primals: Sequence[Any], tangents: Sequence[Any]
                    ) -> tuple[list[Any], list[Any]]:
        with new_trace(BatchTrace, size, axis_name) as inner:
            outs, out_tangents = jvp([_open(inner, p, d) for p, d in zip(primals, arg_bdims)],
                                     [_open(inner, t, d) for t, d in zip(tangents, arg_bdims)])
            outs = [_to_front(inner, o) for o in outs]
            out_tangents = [_to_front(inner, t) for t in out_tangents]
        return outs, out_tangents

    batched_jvp.__name__ = f"vmap({_name(jvp)})"
    outs = custom_jvp_call_p.bind(*args, call_jaxpr=batched, jvp=batched_jvp,
                                  num_consts=num_consts, symbolic_zeros=symbolic_zeros,
                                  name=name)
    return outs, [0] * len(outs)


batching_rules[custom_jvp_call_p] = _custom_jvp_call_batch


# ---------------------------------------------------------------------------------------------
# custom_vjp
# ---------------------------------------------------------------------------------------------


class custom_vjp:  # noqa: N801  (a decorator, named like JAX's)
    """A function with a custom reverse-mode derivative rule.

    Decorate the primal function, then give ``fwd`` and ``bwd`` with :meth:`defvjp`:
    ``fwd(*args) -> (output, residuals)`` computes the output and whatever the backward pass
    needs (a pytree of arrays); ``bwd(*nondiff_args, residuals, output_cotangent)`` returns a
    tuple with one cotangent per differentiable argument, each shaped like its argument (None
    for zero). ``grad``, ``vjp``, ``vmap``, ``jit`` and nesting work; forward mode (``jvp``,
    ``jacfwd``) raises an error, as in JAX.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> @custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> clip_gradient.defvjp(lambda x: (x, None),
    ...                      lambda res, g: (fnp.clip(g, -1.0, 1.0),))
    >>> ft.grad(lambda x: 5.0 * clip_gradient(x))(2.0)
    np.float64(1.0)
    """

    def __init__(self, fun: Callable, nondiff_argnums: int | Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self._signature = _signature(fun)
        self.nondiff_argnums = _normalize_nondiff(nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None
        self.symbolic_zeros = False

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False) -> None:
        """Set the forward and backward rules. With ``symbolic_zeros=True``, ``bwd`` receives
        :data:`SymbolicZero` for output cotangents known to be zero."""
        self.fwd = fwd
        self.bwd = bwd
        self.symbolic_zeros = bool(symbolic_zeros)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return importable_name(self) or super().__reduce_ex__(protocol)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = _name(self.fun)
        if self.fwd is None or self.bwd is None:
            raise AttributeError(f"No vjp rule is defined for the custom_vjp function {name}; "
                                 f"define one with {name}.defvjp(fwd, bwd)")
        args = _resolve_args(self.fun, self._signature, args, kwargs, "custom_vjp function")
        if current_trace() is eval_trace:
            return self.fun(*args)
        call = _Call(self.fun, self.nondiff_argnums, args, "custom_vjp function")
        fwd_flat = _fwd_flat(self.fwd, self.bwd, call, self.symbolic_zeros)
        num_consts = len(call.consts)
        outs = custom_vjp_call_p.bind(*call.operands(), call_jaxpr=call.jaxpr,
                                      fwd=fwd_flat, num_consts=num_consts, name=name)
        return tree_unflatten(call.out_tree, outs)


def _fwd_flat(fwd: Callable, bwd: Callable, call: _Call, symbolic_zeros: bool) -> Callable:
    """The user's fwd on flat lists: ``primals -> (outs, residuals, bwd_flat)`` where
    ``bwd_flat(residuals, cts) -> [ct per flat input]`` (Zero where none flows)."""
    fwd_where = f"the fwd rule {_name(fwd)} of custom_vjp function {call.name}"
    bwd_where = f"the bwd rule {_name(bwd)} of custom_vjp function {call.name}"

    def fwd_rule(primals: Sequence[Any]) -> tuple[list[Any], list[Any], Callable]:
        result = fwd(*call.full_args(primals))
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise CustomDerivativeError(f"{fwd_where} must return a pair (output, residuals), "
                                        f"got {type(result).__name__}")
        out, res = result
        outs = _flatten_checked(out, call.out_tree, call.out_avals,
                                f"The output of {fwd_where} (it must match what "
                                f"{call.name} returns)", tangent=False)
        res_flat, res_tree = tree_flatten(res)
        for i, r in enumerate(res_flat):
            if not is_valid_array(r):
                raise CustomDerivativeError(
                    f"The residuals of {fwd_where} must be arrays (or pytrees of them); leaf "
                    f"{i} has type {type(r).__name__}. Pass Python values through "
                    f"nondiff_argnums.")
        no_cts = call.diff_args([None] * call.num_flat)
        n_diff = len(no_cts)

        def bwd_rule(residuals: Sequence[Any], cts: Sequence[Any]) -> list[Any]:
            if not symbolic_zeros:
                cts = [instantiate_zeros(c) for c in cts]
            cts_in = bwd(*call.nondiff_vals, tree_unflatten(res_tree, residuals),
                         tree_unflatten(call.out_tree, cts))
            if not isinstance(cts_in, (tuple, list)) or len(cts_in) != n_diff:
                got = (f"a {type(cts_in).__name__} of length {len(cts_in)}"
                       if isinstance(cts_in, (tuple, list)) else type(cts_in).__name__)
                raise CustomDerivativeError(
                    f"{bwd_where} must return a tuple with one cotangent per differentiable "
                    f"argument ({n_diff}), got {got}")
            # None for a whole argument means zeros for all its leaves
            cts_in = tuple(zeros if ct is None else ct for ct, zeros in zip(cts_in, no_cts))
            return _flatten_checked(cts_in, call.in_tree, call.in_avals,
                                    f"The cotangents returned by {bwd_where} (they must match "
                                    f"the arguments of {call.name})", tangent=True)

        bwd_rule.__name__ = _name(bwd)
        return outs, res_flat, bwd_rule

    fwd_rule.__name__ = _name(fwd)
    return fwd_rule


custom_vjp_call_p = Primitive("custom_vjp_call", impl=_custom_jvp_call_impl,
                              abstract_eval=_call_abstract_eval, multiple_results=True)


def _forward_mode_error(name: str) -> CustomVJPForwardModeError:
    return CustomVJPForwardModeError(
        f"can't apply forward-mode autodiff (jvp) to a custom_vjp function: {name} defines "
        f"only a reverse-mode rule. Use grad/vjp/jacrev, or define it with custom_jvp.")


def _custom_lin_impl(*args: Any, name: str, **_: Any) -> Any:
    raise _forward_mode_error(name)


def _custom_lin_abstract_eval(*avals: ShapedArray, out_avals: tuple, **_: Any) -> list[Any]:
    return list(out_avals)


# custom_lin(*residuals, *nonzero tangents): the linear map of a custom_vjp function at a
# point. It only exists to be transposed (by bwd); evaluating it is forward mode.
custom_lin_p = Primitive("custom_lin", impl=_custom_lin_impl,
                         abstract_eval=_custom_lin_abstract_eval, multiple_results=True)


def _custom_vjp_call_jvp(primals: Sequence[Any], tangents: Sequence[Any], *,
                         call_jaxpr: ClosedJaxpr, fwd: Callable, num_consts: int,
                         name: str) -> tuple[list[Any], list[Any]]:
    if any(type(t) is not Zero for t in tangents[:num_consts]):
        raise _closure_error("custom_vjp", name)
    arg_tangents = tangents[num_consts:]
    if all(type(t) is Zero for t in arg_tangents):
        outs = custom_vjp_call_p.bind(*primals, call_jaxpr=call_jaxpr, fwd=fwd,
                                      num_consts=num_consts, name=name)
        return outs, [Zero(a) for a in call_jaxpr.out_avals]
    outs, residuals, bwd = fwd(list(primals[num_consts:]))
    nonzero = tuple(type(t) is not Zero for t in arg_tangents)
    out_avals = call_jaxpr.out_avals
    lin_outs = custom_lin_p.bind(*residuals, *[t for t in arg_tangents if type(t) is not Zero],
                                 num_res=len(residuals), bwd=bwd, nonzero=nonzero,
                                 out_avals=tuple(out_avals), name=name)
    return outs, [t if is_differentiable_dtype(a.dtype) else Zero(a)
                  for t, a in zip(lin_outs, out_avals)]


jvp_rules[custom_vjp_call_p] = _custom_vjp_call_jvp


def _custom_lin_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, name: str,
                    **_: Any) -> Any:
    raise _forward_mode_error(name)


def _custom_lin_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any], *, name: str,
                      **_: Any) -> Any:
    raise _forward_mode_error(name)


jvp_rules[custom_lin_p] = _custom_lin_jvp
batching_rules[custom_lin_p] = _custom_lin_batch


def _custom_lin_transpose(cts: Sequence[Any], *args: Any, num_res: int, bwd: Callable,
                          nonzero: tuple[bool, ...], out_avals: tuple, name: str) -> list[Any]:
    cts_in = bwd(list(args[:num_res]), list(cts))
    return [None] * num_res + [ct for ct, nz in zip(cts_in, nonzero) if nz]


transpose_rules[custom_lin_p] = _custom_lin_transpose


def _custom_vjp_call_batch(trace: BatchTrace, args: Sequence[Any], bdims: Sequence[Any], *,
                           call_jaxpr: ClosedJaxpr, fwd: Callable, num_consts: int,
                           name: str) -> tuple[list[Any], list[Any]]:
    size, axis_name = trace.axis_size, trace.axis_name
    batched = batch_jaxpr_all_out(call_jaxpr, bdims, size, axis_name)
    arg_bdims = list(bdims[num_consts:])

    def batched_fwd(primals: Sequence[Any]) -> tuple[list[Any], list[Any], Callable]:
        in_avals = [get_aval(p) for p in primals]
        with new_trace(BatchTrace, size, axis_name) as inner:
            outs, residuals, bwd = fwd([_open(inner, p, d) for p, d in zip(primals, arg_bdims)])
            outs = [_to_front(inner, o) for o in outs]
            residuals = [_to_front(inner, r) for r in residuals]

        def batched_bwd(res: Sequence[Any], cts: Sequence[Any]) -> list[Any]:
            with new_trace(BatchTrace, size, axis_name) as inner_bwd:
                cts_in = bwd([_open(inner_bwd, r, 0) for r in res],
                             [_open(inner_bwd, c, 0) for c in cts])
                unpacked = [(ct, None) if type(ct) is Zero else _unpack(inner_bwd, ct)
                            for ct in cts_in]
            out = []
            for (ct, ct_bdim), d, aval in zip(unpacked, arg_bdims, in_avals):
                if type(ct) is Zero:
                    out.append(Zero(aval))
                elif d is None:  # one value shared by the batch: its cotangents add up
                    out.append(ct if ct_bdim is None else reduce_sum(ct, (ct_bdim,)))
                else:
                    out.append(move_batch_axis(ct, ct_bdim, d, size))
            return out

        batched_bwd.__name__ = f"vmap({_name(bwd)})"
        return outs, residuals, batched_bwd

    batched_fwd.__name__ = f"vmap({_name(fwd)})"
    outs = custom_vjp_call_p.bind(*args, call_jaxpr=batched, fwd=batched_fwd,
                                  num_consts=num_consts, name=name)
    return outs, [0] * len(outs)


batching_rules[custom_vjp_call_p] = _custom_vjp_call_batch

