"""``custom_gradient`` and ``closure_convert``: custom reverse-mode rules written as one
function returning its value and its vjp.

``closure_convert(fun, *example_args)`` traces ``fun`` and turns the floating-point values it
closes over into explicit arguments, so they can travel as data (as residuals of a
``custom_vjp``). ``custom_gradient`` is built on the two: its forward rule runs the user's
function, closure-converts the returned vjp closure and saves the hoisted values as the
residuals; the backward rule applies the converted vjp to them. See
docs/custom_derivatives.md.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from ftrans.core import Tracer, get_aval
from ftrans.custom_derivatives import custom_vjp
from ftrans.ir import ClosedJaxpr, Jaxpr, eval_jaxpr
from ftrans.tree_util import Partial, tree_flatten, tree_unflatten
from ftrans.api import check_callable, trace_to_jaxpr

__all__ = ["closure_convert", "custom_gradient"]


def _hoistable(x: Any) -> bool:
    return isinstance(x, Tracer) or get_aval(x).dtype.kind in "fc"


def closure_convert(fun: Callable, *example_args: Any) -> tuple[Callable, list[Any]]:
    """``fun`` with the floating-point values it closes over made explicit arguments.

    Args:
      fun: a function of pytrees of arrays.
      *example_args: arguments of the shapes and dtypes ``fun`` will be called with.

    Returns:
      ``(converted, hoisted)`` such that ``converted(*args, *hoisted)`` equals ``fun(*args)``
      for arguments shaped like ``example_args``. ``hoisted`` holds the closed-over floating
      values (tracers of enclosing transformations included); other constants stay inside.

    >>> import numpy as np, ftrans.numpy as fnp
    >>> w = np.array([1.0, 2.0])
    >>> converted, hoisted = closure_convert(lambda x: fnp.sum(w * x), np.ones(2))
    >>> len(hoisted), converted(np.ones(2), *hoisted)
    (1, np.float64(3.0))
    """
    check_callable(fun, "closure_convert")
    closed, out_tree = trace_to_jaxpr(fun, example_args, {}, (), "closure_convert")
    jaxpr = closed.jaxpr
    hoist = [_hoistable(c) for c in closed.consts]
    kept_vars = [v for v, h in zip(jaxpr.constvars, hoist) if not h]
    kept = [c for c, h in zip(closed.consts, hoist) if not h]
    hoisted_vars = [v for v, h in zip(jaxpr.constvars, hoist) if h]
    hoisted = [c for c, h in zip(closed.consts, hoist) if h]
    program = ClosedJaxpr(Jaxpr(kept_vars, list(jaxpr.invars) + hoisted_vars, jaxpr.eqns,
                                jaxpr.outvars), kept)
    num_hoisted = len(hoisted)

    def converted(*args: Any) -> Any:
        split = len(args) - num_hoisted
        flat, _ = tree_flatten(args[:split])
        outs = eval_jaxpr(program.jaxpr, program.consts, *flat, *args[split:])
        return tree_unflatten(out_tree, outs)

    # names only: functools.wraps would keep `fun` (and the tracers it closes over) alive
    # through __wrapped__ wherever `converted` is stored, e.g. in a primitive's params
    for attribute in ("__name__", "__qualname__", "__doc__"):
        if hasattr(fun, attribute):
            setattr(converted, attribute, getattr(fun, attribute))
    return converted, hoisted


def _apply_vjp(converted: Callable, num_hoisted: int, *hoisted_and_ct: Any) -> Any:
    hoisted, ct = hoisted_and_ct[:num_hoisted], hoisted_and_ct[num_hoisted:]
    return converted(*ct, *hoisted)


def custom_gradient(fun: Callable) -> Callable:
    """Define a reverse-mode derivative by returning it alongside the value.

    ``fun(*args)`` returns ``(value, vjp)``, where ``vjp(cotangent)`` returns a tuple with one
    cotangent per positional argument of ``fun``. ``grad``, ``vjp``, ``vmap``, ``jit`` and
    their nestings use it; forward mode raises (it is a ``custom_vjp``).

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> @custom_gradient
    ... def clipped_sin(x):
    ...     return fnp.sin(x), lambda g: (fnp.clip(g * fnp.cos(x), -0.5, 0.5),)
    >>> ft.grad(clipped_sin)(0.0)
    np.float64(0.5)
    """
    check_callable(fun, "custom_gradient")

    def value_and_vjp(*args: Any) -> tuple[Any, Callable]:
        result = fun(*args)
        if not isinstance(result, tuple) or len(result) != 2 or not callable(result[1]):
            raise TypeError(f"custom_gradient: {getattr(fun, '__name__', fun)} must return a "
                            f"pair (value, vjp function), got {type(result).__name__}")
        return result

    def primal(*args: Any) -> Any:
        return value_and_vjp(*args)[0]

    def fwd(*args: Any) -> tuple[Any, Partial]:
        value, vjp = value_and_vjp(*args)
        converted, hoisted = closure_convert(vjp, value)
        # the hoisted values are the residuals: the Partial's leaves
        return value, Partial(functools.partial(_apply_vjp, converted, len(hoisted)), *hoisted)

    def bwd(residual: Partial, ct: Any) -> Any:
        cts = residual(ct)
        return tuple(cts) if isinstance(cts, (tuple, list)) else (cts,)

    functools.update_wrapper(primal, fun)
    wrapped = custom_vjp(primal)
    wrapped.defvjp(fwd, bwd)
    return wrapped
