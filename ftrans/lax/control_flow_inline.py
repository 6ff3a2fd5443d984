"""The inline rules of the control-flow primitives (``core.inline_rules``): ``cond``, ``scan``
and ``while`` written with bind, their programs run through ``eval_jaxpr``, so that a new
interpreter with rules for first-order primitives only runs them by ``Trace.inline``
(docs/extending.md, "Primitives that hold programs").

The branch index of ``cond`` and the condition of ``while`` are read with ``int()`` /
``bool()``, i.e. through the tracer's ``to_concrete_value``: an interpreter whose values
are not concrete there gets a ``ConcretizationError``. ``scan`` is unrolled.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans.core import inline_rules
from ftrans.ir import ClosedJaxpr, eval_jaxpr
from ftrans.lax.control_flow import cond_p, scan_p, while_p
from ftrans.lax.indexing import slice_in_dim
from ftrans.lax.structural import concatenate, reshape, squeeze

__all__ = ["cond_inline", "scan_inline", "while_inline"]


def _run(closed: ClosedJaxpr, *args: Any) -> list[Any]:
    return eval_jaxpr(closed.jaxpr, closed.consts, *args)


def cond_inline(index: Any, *operands: Any, branches: tuple[ClosedJaxpr, ...]) -> list[Any]:
    """The branch the (concrete) index picks, clamped as ``cond`` clamps it."""
    return _run(branches[min(max(int(index), 0), len(branches) - 1)], *operands)


def scan_inline(*args: Any, jaxpr: ClosedJaxpr, length: int, reverse: bool, num_consts: int,
                num_carry: int) -> list[Any]:
    """The body applied ``length`` times, the stacked outputs concatenated."""
    consts = args[:num_consts]
    carry = list(args[num_consts:num_consts + num_carry])
    xs = args[num_consts + num_carry:]
    steps: list[list[Any]] = [[] for _ in range(length)]
    for step in range(length):
        i = length - 1 - step if reverse else step
        outs = _run(jaxpr, *consts, *carry, *[squeeze(slice_in_dim(x, i, i + 1, axis=0), (0,))
                                              for x in xs])
        carry, steps[i] = list(outs[:num_carry]), outs[num_carry:]
    ys = []
    for k, aval in enumerate(jaxpr.out_avals[num_carry:]):
        if length == 0:
            ys.append(np.zeros((0,) + aval.shape, aval.dtype))
        else:
            ys.append(concatenate([reshape(s[k], (1,) + aval.shape) for s in steps], 0))
    return [*carry, *ys]


def while_inline(*args: Any, cond_jaxpr: ClosedJaxpr, body_jaxpr: ClosedJaxpr,
                 cond_nconsts: int, body_nconsts: int,
                 checkpoint_every: int | None = None) -> list[Any]:
    """The body while the (concrete) condition holds."""
    cond_consts = args[:cond_nconsts]
    body_consts = args[cond_nconsts:cond_nconsts + body_nconsts]
    carry = list(args[cond_nconsts + body_nconsts:])
    while bool(_run(cond_jaxpr, *cond_consts, *carry)[0]):
        carry = list(_run(body_jaxpr, *body_consts, *carry))
    return carry


inline_rules[cond_p] = cond_inline
inline_rules[scan_p] = scan_inline
inline_rules[while_p] = while_inline
