"""``linear_transpose``: the transpose of a linear function, by the backward pass of reverse
mode over the function's linear program (partial evaluation with every input unknown)."""

from __future__ import annotations

from typing import Any, Callable

from ftrans.aliasing import detach_from
from ftrans.api import _materialize
from ftrans.api_util import check_callable, check_outputs, checked_cotangents, flatten_args
from ftrans.core import get_aval, new_trace
from ftrans.interpreters.partial_eval import PartialEvalTrace
from ftrans.interpreters.transpose import UndefPrimal, backward_pass
from ftrans.tree_util import tree_flatten, tree_unflatten

__all__ = ["linear_transpose"]


def linear_transpose(fun: Callable, *primals: Any) -> Callable[..., tuple[Any, ...]]:
    """The transpose of a linear function, traced at the shapes and dtypes of ``primals``.

    Returns:
      ``f_t`` with ``f_t(ct)`` giving a tuple of cotangents, one per argument.

    Raises:
      NonLinearError: (a TypeError) ``fun`` is not linear in its arguments.

    >>> import ftrans as ft
    >>> f_t = ft.linear_transpose(lambda x: 3.0 * x, 1.0)
    >>> f_t(2.0)
    (np.float64(6.0),)
    """
    check_callable(fun, "linear_transpose")
    flat, in_tree = flatten_args(primals, "linear_transpose")
    in_avals = [get_aval(x) for x in flat]
    with new_trace(PartialEvalTrace, "linear_transpose") as pe:
        ins = [pe.new_arg(a) for a in in_avals]
        out = fun(*tree_unflatten(in_tree, ins))
        out_flat, out_tree = tree_flatten(out)
        check_outputs(out_flat, fun, "linear_transpose")
        closed = pe.to_closed_jaxpr(out_flat)

    def f_t(ct: Any) -> tuple[Any, ...]:
        ct_leaves = checked_cotangents(ct, out_tree, closed.out_avals, "linear_transpose")
        cts = backward_pass(closed.jaxpr, closed.consts, [UndefPrimal(a) for a in in_avals],
                            ct_leaves)
        cts_out = [_materialize(c, a) for c, a in zip(cts, in_avals)]
        return tree_unflatten(in_tree, detach_from(cts_out, ct_leaves))

    return f_t
