"""Collectives over a named axis: psum, pmean, pmax, pmin, all_gather, axis_index, axis_size.

Inside ``vmap(f, axis_name="i")`` each member of the batch can combine values with the other
members: ``psum(x, "i")`` is the sum of ``x`` over the batch, the same for every member. The
primitives carry ``axis_name``; the :class:`~ftrans.interpreters.batching.BatchTrace` of that
name handles them through their batching rule, made by ``defcollective`` (even when the
operand is not batched by it), and every other interpreter treats them like any primitive.
Outside a vmap with that name they raise a NameError (``UnboundAxisError``). The one exception
is a shard axis: while ``ftrans.distributed.shard_map`` traces a shard's function it binds its
``axis_name`` (``shard_axis``), and collectives over it are recorded as equations that the
distributed runner splits the program at (docs/distributed.md).
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, current_trace, get_aval, make_aval
from ftrans.interpreters.batching import (
    BatchTrace, defcollective, move_batch_axis, not_mapped,
)
from ftrans.interpreters.jvp import Zero, defjvp_zero, deflinear, jvp_rules
from ftrans.interpreters.transpose import transpose_rules
from ftrans.lax import elementwise as ew, reductions
from ftrans.lax.reductions import reduce_sum
from ftrans.lax.structural import broadcast_in_dim, reshape
from ftrans.tree_util import tree_map

__all__ = [
    "UnboundAxisError", "all_gather", "all_gather_p", "axis_index", "axis_index_p", "axis_size",
    "find_axis", "pmax", "pmax_p", "pmean", "pmin", "pmin_p", "psum", "psum_p", "shard_axis",
    "transpose_rules",
]


def _names(axis_name: Any) -> tuple[Any, ...]:
    return axis_name if isinstance(axis_name, tuple) else (axis_name,)


def _rest(axis_name: Any, done: Any) -> Any:
    rest = tuple(n for n in _names(axis_name) if n != done)
    return rest[0] if len(rest) == 1 else rest


class UnboundAxisError(NameError):
    """A collective named an axis that no enclosing ``vmap`` (or ``shard_map``) binds."""

    def __init__(self, message: str, axis_name: Any):
        super().__init__(message)
        self.axis_name = axis_name


class ShardAxis:
    """An axis bound outside every trace: the shards of ``ftrans.distributed.shard_map``.

    While a shard's function is traced, collectives over this name are recorded as equations
    (the distributed runner splits the program at them); ``axis_size`` is the number of shards.
    """

    __slots__ = ("axis_name", "axis_size")

    def __init__(self, axis_name: Any, axis_size: int):
        self.axis_name = axis_name
        self.axis_size = axis_size


_shard_axes: contextvars.ContextVar[tuple[ShardAxis, ...]] = contextvars.ContextVar(
    "ftrans_shard_axes", default=())


@contextlib.contextmanager
def shard_axis(axis_name: Any, axis_size: int) -> Iterator[ShardAxis]:
    """Bind ``axis_name`` to the shards while tracing one shard's function."""
    axis = ShardAxis(axis_name, axis_size)
    token = _shard_axes.set(_shard_axes.get() + (axis,))
    try:
        yield axis
    finally:
        _shard_axes.reset(token)


def find_axis(axis_name: Any) -> BatchTrace | ShardAxis:
    """The active vmap whose ``axis_name`` is ``axis_name`` (the innermost binds), else the
    shard axis of that name; either has ``axis_size``."""
    trace = current_trace()
    while trace is not None:
        if isinstance(trace, BatchTrace) and trace.axis_name == axis_name:
            return trace
        trace = trace.parent
    for axis in reversed(_shard_axes.get()):
        if axis.axis_name == axis_name:
            return axis
    raise UnboundAxisError(f"unbound axis name: {axis_name!r}. Collectives such as psum must "
                           f"run inside vmap(..., axis_name={axis_name!r}) (or shard_map with "
                           f"that axis_name).", axis_name)


def _unbound(name: str) -> Any:
    def impl(*args: Any, axis_name: Any, **params: Any) -> Any:
        raise UnboundAxisError(f"unbound axis name: {axis_name!r}. {name} must run inside "
                               f"vmap(..., axis_name={axis_name!r}).", axis_name)
    return impl


def _same_aval(x: ShapedArray, **params: Any) -> ShapedArray:
    return x


# ---------------------------------------------------------------------------------------------
# psum, pmean
# ---------------------------------------------------------------------------------------------

psum_p = Primitive("psum", impl=_unbound("psum"), abstract_eval=_same_aval)


def psum(x: Any, axis_name: Any) -> Any:
    """Sum of ``x`` (a pytree) over the members of the named vmap axis (or axes)."""
    for name in _names(axis_name):
        find_axis(name)
    return tree_map(lambda leaf: psum_p.bind(leaf, axis_name=axis_name), x)


def pmean(x: Any, axis_name: Any) -> Any:
    """Mean of ``x`` (a pytree) over the members of the named vmap axis (or axes)."""
    size = 1
    for name in _names(axis_name):
        size *= find_axis(name).axis_size
    return tree_map(lambda leaf: ew.div(psum_p.bind(leaf, axis_name=axis_name),
                                        np.asarray(size, get_aval(leaf).dtype)[()]), x)


deflinear(psum_p, transpose=lambda ct, x, axis_name: [psum_p.bind(ct, axis_name=axis_name)])


def _psum_collective(trace: BatchTrace, args: Sequence[Any], bdims: Sequence[Any],
                     axis_name: Any) -> tuple[Any, Any]:
    (x,), (bdim,) = args, bdims
    if bdim is not_mapped:
        out = ew.mul(x, np.asarray(trace.axis_size, get_aval(x).dtype)[()])
    else:
        out = reduce_sum(x, (bdim,))
    rest = _rest(axis_name, trace.axis_name)
    return (psum_p.bind(out, axis_name=rest) if rest != () else out), not_mapped


defcollective(psum_p, _psum_collective, lambda axis_data, args, bdims, axis_name: (
    psum_p.bind(args[0], axis_name=axis_name), bdims[0]))


# ---------------------------------------------------------------------------------------------
# pmax, pmin
# ---------------------------------------------------------------------------------------------

pmax_p = Primitive("pmax", impl=_unbound("pmax"), abstract_eval=_same_aval)
pmin_p = Primitive("pmin", impl=_unbound("pmin"), abstract_eval=_same_aval)


def pmax(x: Any, axis_name: Any) -> Any:
    """Maximum of ``x`` (a pytree) over the members of the named vmap axis."""
    for name in _names(axis_name):
        find_axis(name)
    return tree_map(lambda leaf: pmax_p.bind(leaf, axis_name=axis_name), x)


def pmin(x: Any, axis_name: Any) -> Any:
    """Minimum of ``x`` (a pytree) over the members of the named vmap axis."""
    for name in _names(axis_name):
        find_axis(name)
    return tree_map(lambda leaf: pmin_p.bind(leaf, axis_name=axis_name), x)


def _extremum_jvp(prim: Primitive) -> Any:
    def rule(primals: Sequence[Any], tangents: Sequence[Any], axis_name: Any) -> tuple[Any, Any]:
        (x,), (t,) = primals, tangents
        ans = prim.bind(x, axis_name=axis_name)
        if type(t) is Zero:
            return ans, Zero.like(ans)
        # members that attain the extremum share its derivative equally
        at_extremum = ew.convert_element_type(ew.eq(x, ans), np.result_type(ans))
        count = psum_p.bind(at_extremum, axis_name=axis_name)
        return ans, ew.div(psum_p.bind(ew.mul(t, at_extremum), axis_name=axis_name), count)
    return rule


def _extremum_collective(reducer: str) -> Any:
    def rule(trace: BatchTrace, args: Sequence[Any], bdims: Sequence[Any],
             axis_name: Any) -> tuple[Any, Any]:
        (x,), (bdim,) = args, bdims
        out = x if bdim is not_mapped else getattr(reductions, reducer)(x, (bdim,))
        rest = _rest(axis_name, trace.axis_name)
        prim = pmax_p if reducer == "reduce_max" else pmin_p
        return (prim.bind(out, axis_name=rest) if rest != () else out), not_mapped
    return rule


for _prim, _reducer in ((pmax_p, "reduce_max"), (pmin_p, "reduce_min")):
    jvp_rules[_prim] = _extremum_jvp(_prim)
    defcollective(_prim, _extremum_collective(_reducer),
                  (lambda prim: lambda axis_data, args, bdims, axis_name: (
                      prim.bind(args[0], axis_name=axis_name), bdims[0]))(_prim))


# ---------------------------------------------------------------------------------------------
# all_gather
# ---------------------------------------------------------------------------------------------


def _all_gather_abstract_eval(x: ShapedArray, axis_name: Any, axis: int, axis_size: int,
                              tiled: bool) -> ShapedArray:
    if tiled:
        if not x.shape:
            raise ValueError("all_gather(tiled=True) needs an operand with at least one axis")
        shape = x.shape[:axis] + (x.shape[axis] * axis_size,) + x.shape[axis + 1:]
    else:
        shape = x.shape[:axis] + (axis_size,) + x.shape[axis:]
    return make_aval(shape, x.dtype)


all_gather_p = Primitive("all_gather", impl=_unbound("all_gather"),
                         abstract_eval=_all_gather_abstract_eval)


def all_gather(x: Any, axis_name: Any, *, axis: int = 0, tiled: bool = False) -> Any:
    """Every member's ``x`` stacked along a new axis ``axis`` (concatenated along ``axis``
    when ``tiled``), the same for every member of the named vmap axis."""
    size = find_axis(axis_name).axis_size

    def gather(leaf: Any) -> Any:
        ndim = get_aval(leaf).ndim
        ax = axis % (ndim + (0 if tiled else 1)) if ndim or not tiled else axis
        return all_gather_p.bind(leaf, axis_name=axis_name, axis=ax, axis_size=size,
                                 tiled=bool(tiled))
    return tree_map(gather, x)




def _all_gather_transpose(ct: Any, x: Any, axis_name: Any, axis: int, axis_size: int,
                          tiled: bool) -> list[Any]:
    # member i's x reached slot i of every member's output: its cotangent is the sum over
    # members of their slot-i cotangents
    total = psum_p.bind(ct, axis_name=axis_name)
    index = axis_index_p.bind(axis_name=axis_name, axis_size=axis_size)
    shape = x.aval.shape
    if tiled:
        total = reshape(total, shape[:axis] + (axis_size, shape[axis]) + shape[axis + 1:])
    slots = ew.convert_element_type(
        ew.eq(index, np.arange(axis_size, dtype=np.int64)), x.aval.dtype)
    onehot = broadcast_in_dim(slots, get_aval(total).shape, (axis,))
    return [reduce_sum(ew.mul(total, onehot), (axis,))]


deflinear(all_gather_p, transpose=_all_gather_transpose)


def _all_gather_collective(trace: BatchTrace, args: Sequence[Any], bdims: Sequence[Any],
                           axis_name: Any, axis: int, axis_size: int,
                           tiled: bool) -> tuple[Any, Any]:
    (x,), (bdim,) = args, bdims
    x = move_batch_axis(x, bdim, axis, axis_size)
    if tiled:
        shape = get_aval(x).shape
        x = reshape(x, shape[:axis] + (shape[axis] * shape[axis + 1],) + shape[axis + 2:])
    return x, not_mapped


def _all_gather_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any],
                      axis_name: Any, axis: int, axis_size: int, tiled: bool
                      ) -> tuple[Any, Any]:
    (x,), (bdim,) = args, bdims
    # the gathered axis lands at logical position `axis`; the batch axis keeps its place
    if tiled:  # the gathered members extend an existing axis
        new_axis = axis if axis < bdim else axis + 1
        out_bdim = bdim
    else:  # a new axis at logical position `axis`
        new_axis = axis if axis <= bdim else axis + 1
        out_bdim = bdim + 1 if axis <= bdim else bdim
    return all_gather_p.bind(x, axis_name=axis_name, axis=new_axis, axis_size=axis_size,
                             tiled=tiled), out_bdim


defcollective(all_gather_p, _all_gather_collective, _all_gather_batch)


# ---------------------------------------------------------------------------------------------
# axis_index
# ---------------------------------------------------------------------------------------------

axis_index_p = Primitive(
    "axis_index", impl=_unbound("axis_index"),
    abstract_eval=lambda axis_name, axis_size: make_aval((), np.dtype(np.int64)))


def axis_index(axis_name: Any) -> Any:
    """The position (int64) of the current member along the named vmap axis."""
    size = find_axis(axis_name).axis_size
    return axis_index_p.bind(axis_name=axis_name, axis_size=size)


defjvp_zero(axis_index_p)


def axis_size(axis_name: Any) -> int:
    """The number of members of the named vmap axis (of shards, for shard_map's axis)."""
    return find_axis(axis_name).axis_size


defcollective(axis_index_p, lambda axis_data, args, bdims, axis_name, axis_size: (
    np.arange(axis_size, dtype=np.int64), 0))

del _prim, _reducer
