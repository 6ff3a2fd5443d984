"""Fusions of the compiler's own: zero paddings written as slice assignments, and additions of a
zero padding as an addition into a slice of the other operand (in place when that operand is a
dead buffer of the program's).

The transpose of a slice is a zero padding, so the gradient of any program that slices (finite
differences, stencils, shifted windows) sums paddings: ``a + pad(y)`` allocates a padded
array, fills it and adds it. ``fuse_embeddings`` rewrites it as ``add_at(a, y)``: ``a``
copied (or reused) and ``y`` added into the slice it occupies. The two primitives here appear
only in optimised programs. See docs/internals.md, "jit".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftrans.compile.buffers import use_counts
from ftrans.compile.tables import fresh_results, in_place_forms, zero_embeddings
from ftrans.core import Primitive, ShapedArray
from ftrans.ir import ClosedJaxpr, Jaxpr, JaxprEqn, Var

__all__ = [
    "Index", "add_at_p", "embed_p", "fuse_embeddings",
]


class Index:
    """A basic index (one slice per axis) as a param: compared, hashed and printed by its
    ``(start, stop, step)`` triples."""

    __slots__ = ("slices", "_key")

    def __init__(self, triples: tuple[tuple[int, int, int], ...]):
        self._key = tuple(triples)
        self.slices = tuple(slice(*t) for t in self._key)

    def __eq__(self, other: object) -> bool:
        return type(other) is Index and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return "[" + ", ".join(f"{a}:{b}" + (f":{c}" if c != 1 else "")
                               for a, b, c in self._key) + "]"

    def __reduce__(self) -> tuple:
        return Index, (self._key,)


def _embed_impl(y: Any, *, shape: tuple[int, ...], index: Index) -> np.ndarray:
    y = np.asarray(y)
    out = np.zeros(shape, y.dtype)
    out[index.slices] = y
    return out


def _embed_abstract_eval(y: ShapedArray, *, shape: tuple[int, ...], index: Index
                         ) -> ShapedArray:
    return ShapedArray(shape, y.dtype)


# embed(y): zeros of ``shape`` with ``y`` at ``index`` (a zero padding).
embed_p = Primitive("embed", impl=_embed_impl, abstract_eval=_embed_abstract_eval)
fresh_results.add(embed_p)


def _add_at_impl(a: Any, y: Any, *, index: Index) -> np.ndarray:
    out = np.array(a)  # a fresh copy
    part = out[index.slices]
    np.add(part, y, out=part)
    return out


def _add_at_in_place(a: np.ndarray, y: Any, *, index: Index) -> np.ndarray:
    part = a[index.slices]
    np.add(part, y, out=part)
    return a


def _add_at_abstract_eval(a: ShapedArray, y: ShapedArray, *, index: Index) -> ShapedArray:
    return a


# add_at(a, y): ``a + embed(y)``, ``y`` added into the slice ``index`` of a copy of ``a``.
add_at_p = Primitive("add_at", impl=_add_at_impl, abstract_eval=_add_at_abstract_eval)
fresh_results.add(add_at_p)
in_place_forms[add_at_p] = _add_at_in_place


def _is_addition(eqn: JaxprEqn) -> bool:
    return (eqn.primitive.impl is np.add and not eqn.params and len(eqn.inputs) == 2
            and not eqn.primitive.multiple_results)


def fuse_embeddings(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Zero paddings (``zero_embeddings``) become ``embed``; an addition of one used nowhere
    else to an operand of the result's type becomes ``add_at`` (the padding is dropped)."""
    jaxpr = closed.jaxpr
    if not any(e.primitive in zero_embeddings for e in jaxpr.eqns):
        return closed
    uses = use_counts(jaxpr)  # an output is never fused away
    eqns: list[JaxprEqn | None] = []
    embedded: dict[Var, int] = {}  # an embedding's result -> its position in eqns
    for eqn in jaxpr.eqns:
        rule = zero_embeddings.get(eqn.primitive)
        if rule is not None and len(eqn.outvars) == 1 and eqn.outvars[0].aval.ndim > 0:
            triples = rule(eqn)
            if triples is not None:
                out = eqn.outvars[0]
                eqn = JaxprEqn(embed_p, [eqn.inputs[0]],
                               {"shape": out.aval.shape, "index": Index(triples)}, [out])
                embedded[out] = len(eqns)
        elif _is_addition(eqn) and eqn.outvars[0].aval.ndim > 0:
            out_aval = eqn.outvars[0].aval
            for i in (1, 0):
                b, a = eqn.inputs[i], eqn.inputs[1 - i]
                if type(b) is Var and b in embedded and uses.get(b) == 1 \
                        and a.aval == out_aval:
                    position = embedded.pop(b)
                    embedding = eqns[position]
                    assert embedding is not None
                    eqns[position] = None
                    eqn = JaxprEqn(add_at_p, [a, embedding.inputs[0]],
                                   {"index": embedding.params["index"]}, eqn.outvars)
                    break
        eqns.append(eqn)
    kept = [e for e in eqns if e is not None]
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars, kept, jaxpr.outvars),
                       closed.consts)
