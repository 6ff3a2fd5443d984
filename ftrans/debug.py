"""Debugging inside transformations: printing that every transformation understands, and the
table of what reverse mode saves.

``print`` binds ``debug_print_p``, a primitive whose effect is printing. Its rules give it a
meaning under each transformation: the jvp rule prints the primal and (``ad=True``) the
tangent; the transpose rule prints the cotangent; the batching rule prints one line per batch
member; staging records it, and jit's compiler keeps it (it is impure: never merged, never dead
code). Each line is labelled with the transformations that were active where ``print`` was
called (up to the nearest enclosing staged program: ``jit``, a loop body, ...) and with the
role of the values (tangent, cotangent, batch member).

``saved_residuals`` runs ``vjp`` of a function below a small interpreter that remembers, for
every value computed, the user's source line that computed it; the residuals are the
constants of the linear program ``vjp`` records. See docs/beyond_jax.md.
"""

from __future__ import annotations

import builtins
import linecache
import os
import sys
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from ftrans.compile.tables import effects
from ftrans.core import (
    Primitive, ShapedArray, Trace, Tracer, current_trace, eval_trace, get_aval, new_trace,
)
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import Zero, instantiate_zeros, jvp_rules
from ftrans.interpreters.partial_eval import PartialEvalTrace
from ftrans.interpreters.staging import StagingTrace
from ftrans.interpreters.transpose import UndefPrimal, transpose_rules
from ftrans.tree_util import PyTreeDef, tree_flatten, tree_unflatten
from ftrans.api import linearize_flat

__all__ = ["print", "callback", "debug_print_p", "saved_residuals", "print_saved_residuals",
           "SavedResidual"]

# ---------------------------------------------------------------------------------------------
# debug_print_p
# ---------------------------------------------------------------------------------------------


def _debug_print_impl(*leaves: Any, fmt: str, tree: PyTreeDef, ad: bool,
                      labels: tuple[str, ...], role: str, vmap_levels: int) -> list[Any]:
    parts = list(labels) + ([role] if role else [])
    values = leaves[:tree.num_leaves]  # a print of no values carries one unused token
    if vmap_levels == 0:
        _emit(parts, fmt, tree, values)
    else:  # every leaf has the batch axes of the enclosing vmaps in front, outermost first
        for index in np.ndindex(*np.shape(leaves[0])[:vmap_levels]):
            member = index[0] if len(index) == 1 else index
            _emit(parts + [f"member {member}"], fmt, tree,
                  [np.asarray(x)[index] for x in values])
    return list(leaves)


class _Callback:
    """A ``debug.callback`` rides on the print primitive in place of its format string."""

    __slots__ = ("fun",)

    def __init__(self, fun: Callable):
        self.fun = fun

    def __repr__(self) -> str:
        return getattr(self.fun, "__name__", type(self.fun).__name__)


def _emit(parts: list[str], fmt: Any, tree: PyTreeDef, leaves: Sequence[Any]) -> None:
    if type(fmt) is _Callback:
        args, kwargs = tree_unflatten(tree, [np.asarray(x) for x in leaves])
        fmt.fun(*args, **kwargs)
        return
    # 0-d values print as Python numbers, also inside containers ("(1.0, 2.0)")
    leaves = [x.item() if np.ndim(x) == 0 and hasattr(x, "item") else x for x in leaves]
    args, kwargs = tree_unflatten(tree, leaves)
    prefix = f"[{', '.join(parts)}] " if parts else ""
    builtins.print(prefix + fmt.format(*args, **kwargs))


def _debug_print_abstract_eval(*avals: ShapedArray, **_: Any) -> list[ShapedArray]:
    # The outputs are the inputs: with ad=True the user computes with them, so cotangents
    # reach the print; there is always at least one (the compiler emits no zero-output
    # equations).
    return list(avals)


debug_print_p = Primitive("debug_print", impl=_debug_print_impl,
                          abstract_eval=_debug_print_abstract_eval, multiple_results=True)

# The compiler must neither merge two prints nor drop one whose outputs are unused.
effects.add(debug_print_p)


def print(fmt: str, *args: Any, ad: bool = False, **kwargs: Any) -> Any:  # noqa: A001
    """Print ``fmt.format(*args, **kwargs)`` when the values exist, under any transformation.

    Inside ``jit`` the line is printed each time the compiled program runs (not when it is
    traced); under ``vmap`` once per batch member; under ``grad`` during the forward pass.
    With ``ad=True`` it also prints the tangents under ``jvp`` / ``linearize`` and the
    cotangents under ``grad`` / ``vjp``. Every line is labelled with the transformations it
    comes from, e.g. ``[jit]``, ``[jvp, tangent]``, ``[vmap, member 2]``.

    Args:
      fmt: a ``str.format`` template.
      *args, **kwargs: the values to print (pytrees of arrays).
      ad: also print tangents and cotangents. A cotangent flows to a value backwards along
        its uses, so to see it, continue the computation with the value ``print`` returns.

    Returns:
      None; with ``ad=True``, the values printed (the single value when one was given,
      else a tuple of the positional then the keyword values), to compute with.

    >>> import ftrans as ft
    >>> def f(x):
    ...     x = ft.debug.print("x = {}", x, ad=True)
    ...     return x * x
    >>> ft.grad(f)(3.0)
    [grad] x = 3.0
    [grad, cotangent] x = 6.0
    np.float64(6.0)
    """
    outs, tree = _bind_debug_print(args, kwargs, fmt, ad=bool(ad), labels=_context_labels())
    if not ad:
        return None
    out_args, out_kwargs = tree_unflatten(tree, outs[:tree.num_leaves])
    values = list(out_args) + list(out_kwargs.values())
    return values[0] if len(values) == 1 else tuple(values)


def callback(callback: Callable, *args: Any, ordered: bool = False, **kwargs: Any) -> None:
    """Call ``callback(*args, **kwargs)`` with the values (NumPy arrays) when they exist, for
    its effect (logging, plotting, checks), under any transformation: inside ``jit`` each time
    the compiled program runs, under ``vmap`` once per batch member, under ``grad`` during the
    forward pass. Its result is ignored; the compiler never drops or merges the call.

    Args:
      callback: a Python function.
      *args, **kwargs: pytrees of arrays to pass to it.
      ordered: accepted; calls always happen in program order.

    >>> import ftrans as ft, numpy as np
    >>> seen = []
    >>> f = ft.jit(lambda x: (callback(lambda v: seen.append(float(v)), x), x * 2)[1])
    >>> f(1.0), f(2.0), seen
    (np.float64(2.0), np.float64(4.0), [1.0, 2.0])
    """
    if not callable(callback):
        raise TypeError(f"debug.callback: callback must be callable, got "
                        f"{type(callback).__name__}")
    _bind_debug_print(args, kwargs, _Callback(callback), ad=False, labels=())


def _bind_debug_print(args: tuple, kwargs: dict, fmt: Any, ad: bool,
                      labels: tuple[str, ...]) -> tuple[list[Any], PyTreeDef]:
    """Bind the print primitive on the leaves of ``(args, kwargs)`` (a token when there are
    none, so that the application is never dropped); its outputs and the leaves' structure."""
    leaves, tree = tree_flatten((args, kwargs))
    leaves = [x if isinstance(x, (Tracer, np.ndarray, np.generic)) else np.asarray(x)[()]
              for x in leaves]
    for x in leaves:
        get_aval(x)  # a clear error for values that are not arrays
    token = [] if leaves else [np.False_]
    outs = debug_print_p.bind(*leaves, *token, fmt=fmt, tree=tree, ad=ad, labels=labels,
                              role="", vmap_levels=0)
    return outs, tree


def _context_labels() -> tuple[str, ...]:
    """Descriptions of the active traces, outermost first, up to the nearest staged program
    (a jit program is reused outside the transformations active when it was traced)."""
    labels: list[str] = []
    trace: Trace | None = current_trace()
    while trace is not None and trace is not eval_trace:
        if not labels or labels[-1] != trace.description:
            labels.append(trace.description)
        if isinstance(trace, StagingTrace) and not isinstance(trace, PartialEvalTrace):
            break
        trace = trace.parent
    return tuple(reversed(labels))


def _flip_role(role: str) -> str:
    """The role of a transposed print: tangents become cotangents and back."""
    if role.endswith("cotangent"):
        return role[:-len("cotangent")] + "tangent"
    if role.endswith("tangent"):
        return role[:-len("tangent")] + "cotangent"
    return (role + " cotangent").strip()


def _debug_print_jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any
                     ) -> tuple[list[Any], list[Any]]:
    outs = debug_print_p.bind(*primals, **params)
    if not params["ad"]:
        return outs, [Zero(get_aval(p)) for p in primals]
    nonzero = [type(t) is not Zero for t in tangents]
    if not any(nonzero):
        return outs, [Zero(get_aval(p)) for p in primals]
    role = (params["role"] + " tangent").strip()
    t_outs = debug_print_p.bind(*[instantiate_zeros(t) for t in tangents],
                                **{**params, "role": role})
    return outs, [t if nz else Zero(get_aval(p)) for t, nz, p in zip(t_outs, nonzero, primals)]


jvp_rules[debug_print_p] = _debug_print_jvp


def _debug_print_transpose(cts: Sequence[Any], *args: Any, **params: Any) -> list[Any]:
    cts = [instantiate_zeros(ct) for ct in cts]
    outs = debug_print_p.bind(*cts, **{**params, "role": _flip_role(params["role"])})
    return [ct if type(x) is UndefPrimal else None for ct, x in zip(outs, args)]


transpose_rules[debug_print_p] = _debug_print_transpose


def _debug_print_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any], **params: Any
                       ) -> tuple[list[Any], list[Any]]:
    size = next(np.shape(x)[d] for x, d in zip(args, bdims) if d is not not_mapped)
    moved = [move_batch_axis(x, d, 0, size) for x, d in zip(args, bdims)]
    outs = debug_print_p.bind(*moved, **{**params, "vmap_levels": params["vmap_levels"] + 1})
    return outs, [0] * len(outs)


batching_rules[debug_print_p] = _debug_print_batch


# ---------------------------------------------------------------------------------------------
# saved_residuals: a provenance interpreter under vjp
# ---------------------------------------------------------------------------------------------


class SavedResidual(NamedTuple):
    """One value kept from the forward pass for the backward pass."""

    shape: tuple[int, ...]
    dtype: np.dtype
    nbytes: int
    source: str


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _user_line() -> str:
    """``file:line  code`` of the innermost frame outside ftrans."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
            _PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "<ftrans>"
    filename, lineno = frame.f_code.co_filename, frame.f_lineno
    code = linecache.getline(filename, lineno).strip()
    where = f"{os.path.basename(filename)}:{lineno}"
    return f"{where}  {code}" if code else where


class _SourceTracer(Tracer):
    """Carries a concrete value and the source line that computed it."""

    __slots__ = ("val", "source")

    def __init__(self, trace: _SourceTrace, val: Any, source: str):
        self._trace = trace
        self.val = val
        self.source = source

    @property
    def aval(self) -> ShapedArray:
        return get_aval(self.val)

    def to_concrete_value(self) -> Any:
        return self.val

    def carries_derivative(self) -> bool:
        return isinstance(self.val, Tracer) and self.val.carries_derivative()


class _SourceTrace(Trace):
    """Evaluates each primitive on its parent and labels the results with the user's line."""

    __slots__ = ()

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        vals = [x.val if isinstance(x, _SourceTracer) and x._trace is self else x for x in args]
        out = prim.bind(*vals, **params)
        source = _user_line()
        if prim.multiple_results:
            return [_SourceTracer(self, o, source) for o in out]
        return _SourceTracer(self, out, source)


def saved_residuals(fun: Callable, *args: Any) -> list[SavedResidual]:
    """The values ``vjp(fun, *args)`` keeps for the backward pass, with where each comes from.

    These are the constants of the linear program that reverse mode records: what stays in
    memory between the forward and the backward pass. ``checkpoint`` (and its policies)
    changes this list, which makes it the way to see what a policy saves.

    Args:
      fun: the function (pytrees of arrays in and out).
      *args: its arguments.

    Returns:
      One :class:`SavedResidual` (shape, dtype, nbytes, source) per saved value; ``source``
      is the user's ``file:line  code`` that computed it, ``argument i`` for an input, or
      ``constant`` for a value that was never computed by ``fun``.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> [(r.shape, r.nbytes, r.source) for r in saved_residuals(lambda x: x * x, fnp.ones(3))]
    [((3,), 24, 'argument 0')]
    """
    flat, in_tree = tree_flatten(args)
    with new_trace(_SourceTrace, "saved_residuals") as trace:
        ins = [_SourceTracer(trace, x, f"argument {i}") for i, x in enumerate(flat)]

        def fun_flat(values: list[Any]) -> tuple[list[Any], None]:
            return tree_flatten(fun(*tree_unflatten(in_tree, values)))[0], None

        lin, _ = linearize_flat(fun_flat, ins, "vjp")
        rows = []
        for c in lin.jaxpr.consts:
            if isinstance(c, _SourceTracer) and c._trace is trace:
                value, source = c.val, c.source
            else:
                value, source = c, "constant"
            aval = get_aval(value)
            rows.append(SavedResidual(aval.shape, aval.dtype,
                                      int(aval.size * aval.dtype.itemsize), source))
    return rows


def print_saved_residuals(fun: Callable, *args: Any) -> None:
    """Print :func:`saved_residuals` as a table, with the total bytes.

    >>> import ftrans.numpy as fnp
    >>> print_saved_residuals(lambda x: fnp.sum(x * x), fnp.ones(3))  # doctest: +ELLIPSIS
    shape  dtype    bytes  source
    (3,)   float64     24  argument 0
    total: 1 value, 24 bytes
    """
    rows = saved_residuals(fun, *args)
    table = [("shape", "dtype", "bytes", "source")]
    table += [(str(r.shape), r.dtype.name, str(r.nbytes), r.source) for r in rows]
    widths = [max(len(row[k]) for row in table) for k in range(3)]
    for shape, dtype, nbytes, source in table:
        builtins.print(f"{shape:<{widths[0]}}  {dtype:<{widths[1]}}  "
                       f"{nbytes:>{widths[2]}}  {source}".rstrip())
    total = sum(r.nbytes for r in rows)
    builtins.print(f"total: {len(rows)} value{'s' if len(rows) != 1 else ''}, {total} bytes")
