"""``shard_map``: a function of one shard, run on every chunk of Dask arrays.

This module checks the arguments on the client (before any task exists), traces the function
once per distinct shard shape with the shard axis bound (so collectives over it are recorded),
splits each program into stages (``stages``) and builds the Dask graph (``graph``). The traced
plans and their program objects are kept per argument signature, so calling again with arrays
of the same shapes neither traces again nor ships new programs (workers key them by token).
See docs/distributed.md.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any, Callable

import dask.array as da
import numpy as np
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph

from ftrans.api import check_callable
from ftrans.config import config
from ftrans.core import (
    ShapedArray, Tracer, current_trace, eval_trace, get_aval, make_aval, new_trace,
)
from ftrans.distributed.graph import GraphBuilder, root_as_blockwise
from ftrans.distributed.stages import Plan, split
from ftrans.interpreters.staging import StagingTrace
from ftrans.ir import ClosedJaxpr
from ftrans.lax.parallel import UnboundAxisError, shard_axis
from ftrans.tree_util import (
    broadcast_prefix, keystr, tree_flatten, tree_flatten_with_path, tree_unflatten,
)

__all__ = [
    "shard_map",
]

_MAX_SIGNATURES = 16  # traced argument signatures kept per shard_map function


def shard_map(f: Callable, in_axes: Any = 0, out_axes: Any = 0,
              axis_name: Any = None) -> Callable[..., Any]:
    """Run ``f`` on every shard of Dask arrays: each chunk along a mapped axis is one shard.

    ``f`` sees one shard, with the mapped axis still there (its length is the chunk's), as the
    body of ``jax.shard_map`` does: write ``ft.vmap(ft.grad(loss))`` inside it for per-example
    work. Collectives over ``axis_name`` (``lax.psum``, ``pmean``, ``pmax``, ``pmin``,
    ``all_gather``, ``axis_index``, ``axis_size``) combine all shards; collectives over names of
    vmaps inside ``f`` stay within the shard. ``f`` is traced once per distinct shard shape and
    runs compiled, on the workers of the active Dask client or on Dask's local scheduler.

    Args:
      f: a function of arrays (pytrees) returning arrays (pytrees).
      in_axes: per positional argument (a pytree prefix, as for ``vmap``), the axis whose
        chunks are the shards, or None for an argument every shard sees whole (a NumPy value,
        sent once per worker).
      out_axes: per output (a pytree prefix), the axis along which the shards' blocks are
        joined, or None for a value that is the same on every shard (it comes from a
        collective), returned as a Dask array of one chunk.
      axis_name: the name collectives use for the shards.

    Returns:
      A function taking Dask arrays and returning Dask arrays (lazily: nothing runs until they
      are computed).

    Raises:
      ValueError: mapped arguments of different lengths or chunkings, an argument chunked
        along an axis that is not mapped, a collective over a name that nothing binds, or an
        ``out_axes=None`` output that differs between shards.
      NotImplementedError: a collective over the shards inside ``cond``, ``while_loop`` or
        ``scan``.

    >>> import dask.array as da, numpy as np, ftrans.numpy as fnp
    >>> from ftrans import lax
    >>> x = da.from_array(np.arange(6.0), chunks=2)
    >>> centred = shard_map(lambda s: s - lax.pmean(fnp.mean(s), "i"), axis_name="i")
    >>> centred(x).compute()
    array([-2.5, -1.5, -0.5,  0.5,  1.5,  2.5])
    """
    check_callable(f, "shard_map")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    for spec, what in ((in_axes, "in_axes"), (out_axes, "out_axes")):
        for leaf in tree_flatten(spec, is_leaf=lambda x: x is None)[0]:
            if leaf is not None and (not isinstance(leaf, (int, np.integer))
                                     or isinstance(leaf, bool)):
                raise TypeError(f"shard_map {what} must contain only ints and None, got {leaf!r}")
    name = getattr(f, "__name__", type(f).__name__)
    signatures: dict[Any, _Traced] = {}

    @functools.wraps(f)
    def sharded(*args: Any) -> Any:
        if current_trace() is not eval_trace:
            raise TypeError("shard_map runs Dask arrays and cannot be called inside another "
                            "transformation; transform the function you give it instead")
        leaves = _arguments(args, in_axes, name)
        ref = next((a for a in leaves if a.axis is not None and isinstance(a.value, da.Array)),
                   None)
        if ref is None:
            raise ValueError(f"shard_map({name}): no argument is a mapped Dask array; give at "
                             f"least one argument with an int in_axes as a Dask array (e.g. "
                             f"dask.array.from_array(x, chunks=1000))")
        _check_shards(leaves, ref, name)
        sizes = ref.value.chunks[ref.axis]
        n = len(sizes)
        shard_avals = [[a.shard_aval(size) for size in sizes] for a in leaves]
        groups = [tuple(col[i] for col in shard_avals) for i in range(n)]
        in_tree = tree_flatten(args)[1]
        key = (in_tree, tuple(a.axis for a in leaves), tuple(groups))
        traced = signatures.get(key)
        if traced is None:
            traced = _trace(f, name, in_tree, leaves, groups, n, axis_name, out_axes)
            if len(signatures) >= _MAX_SIGNATURES:
                signatures.pop(next(iter(signatures)))
            signatures[key] = traced
        return traced.build(leaves, groups, name)

    return sharded


class _Argument:
    """One flat argument: its value, mapped axis (or None) and path (for messages)."""

    __slots__ = ("value", "axis", "path")

    def __init__(self, value: Any, axis: int | None, path: str):
        self.value = value
        self.axis = axis
        self.path = path

    def shard_aval(self, size: int) -> ShapedArray:
        if self.axis is None:
            value = self.value
            if hasattr(value, "dask"):
                return make_aval(value.shape, np.dtype(value.dtype))
            return get_aval(value)
        shape = list(self.value.shape)
        shape[self.axis] = size
        return make_aval(tuple(shape), np.dtype(self.value.dtype))


def _arguments(args: tuple, in_axes: Any, name: str) -> list[_Argument]:
    try:
        prefix = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
        axes = broadcast_prefix(prefix, tuple(args))
    except ValueError as err:
        raise ValueError(f"shard_map({name}): in_axes must be an int, None, or a tuple with one "
                         f"entry per positional argument (or a pytree prefix of it); got "
                         f"in_axes={in_axes!r} for {len(args)} argument(s): {err}") from None
    leaves = []
    for (path, value), axis in zip(tree_flatten_with_path(tuple(args))[0], axes):
        where = f"args{keystr(path)}"
        ndim = getattr(value, "ndim", None)
        if axis is not None:
            if ndim is None:
                value = np.asarray(value)
                ndim = value.ndim
            if not -ndim <= axis < ndim:
                raise ValueError(f"shard_map({name}): in_axes {axis} for {where} is out of range "
                                 f"for an array of rank {ndim}; map an existing axis or pass "
                                 f"None for it")
            axis = int(axis) % ndim
        elif not hasattr(value, "dask"):
            if isinstance(value, Tracer):
                raise TypeError("shard_map cannot be called inside another transformation")
            get_aval(value)  # a clear error for a value that is not an array
        leaves.append(_Argument(value, axis, where))
    return leaves


def _check_shards(leaves: list[_Argument], ref: _Argument, name: str) -> None:
    """Every mapped argument is a Dask array split into the same shards along its mapped axis
    and whole along every other axis (checked here, before any task exists)."""
    length, chunks = ref.value.shape[ref.axis], ref.value.chunks[ref.axis]
    for a in leaves:
        if a.axis is None:
            if isinstance(a.value, da.Array) and a.value.npartitions > 1:  # pyright: ignore[reportAttributeAccessIssue]  # dask.array exports two Array classes; pyright sees the dask-expr one
                # every shard reads it whole: one block
                a.value = a.value.rechunk(-1)  # pyright: ignore[reportArgumentType]  # dask's chunks is unannotated (inferred str)
            continue
        if not isinstance(a.value, da.Array):
            a.value = da.from_array(np.asarray(a.value), chunks=tuple(  # pyright: ignore[reportArgumentType]  # dask's chunks is unannotated (inferred str)
                chunks if d == a.axis else -1 for d in range(np.ndim(a.value))))
        x = a.value
        if any(np.isnan(c) for dim in x.chunks for c in dim):
            raise ValueError(f"shard_map({name}): {a.path} has unknown chunk sizes; call "
                             f"x.compute_chunk_sizes() first")
        if x.shape[a.axis] != length:
            raise ValueError(
                f"shard_map({name}): mapped arguments have different lengths: {ref.path} has "
                f"{length} along axis {ref.axis}, {a.path} has {x.shape[a.axis]} along axis "
                f"{a.axis}. Give every mapped argument the same length (or in_axes=None to an "
                f"argument every shard should see whole).")
        for d, dim_chunks in enumerate(x.chunks):
            if d != a.axis and len(dim_chunks) > 1:
                raise ValueError(
                    f"shard_map({name}): {a.path} is chunked along axis {d}, which is not its "
                    f"mapped axis ({a.axis}); a shard holds whole non-mapped axes. Rechunk it: "
                    f"x.rechunk({{{d}: -1}})")
        if x.chunks[a.axis] != chunks:
            raise ValueError(
                f"shard_map({name}): {a.path} is split into chunks {x.chunks[a.axis]} along its "
                f"mapped axis but {ref.path} into {chunks}; shards must line up. Rechunk it: "
                f"x.rechunk({{{a.axis}: {chunks}}})")


class _Traced:
    """The plans of one argument signature, and the program objects built from them."""

    def __init__(self, plans: dict[Any, Plan], out_tree: Any, out_axes: list[int | None],
                 out_paths: list[str]):
        self.plans = plans
        self.out_tree = out_tree
        self.out_axes = out_axes
        self.out_paths = out_paths
        self.tasks: dict[tuple, Any] = {}
        self.counter = itertools.count()

    def build(self, leaves: list[_Argument], groups: list[Any], label: str) -> Any:
        deps = [a.value for a in leaves if isinstance(a.value, da.Array)]
        unmapped = [a.value for a in leaves if not isinstance(a.value, da.Array)]
        name = "shard_map-" + tokenize(id(self), [x.name for x in deps], unmapped,
                                       config.read("debug_nans"), config.read("debug_infs"))
        args = []
        for a in leaves:
            x = a.value
            if not isinstance(x, da.Array):
                args.append(("value", x))  # in the one value all tasks share
            elif a.axis is not None:
                args.append(("block", x.name, x.ndim, x.numblocks, tuple(x.__dask_layers__())))  # pyright: ignore[reportAttributeAccessIssue]  # dask.array exports two Array classes; pyright sees the dask-expr one
            else:
                args.append(("key", _block(x.__dask_keys__(), None, 0),
                             tuple(x.__dask_layers__())))  # pyright: ignore[reportAttributeAccessIssue]  # as above
        first = self.plans[groups[0]]
        layout = []
        for o, axis in enumerate(self.out_axes):
            ndim = len(first.out_avals[o].shape)
            layout.append((None if axis is None else axis % ndim, ndim))
        debug = (config.read("debug_nans"), config.read("debug_infs"))
        builder = GraphBuilder(name, self.plans, groups, args, label, debug, self.tasks)
        ours, dependencies = builder.build(layout)
        layers: dict[str, Any] = {}
        for x in deps:
            graph = x.__dask_graph__()
            layers.update(graph.layers)
            dependencies.update(graph.dependencies)
        for a in leaves:  # root layers (da.random's) as Blockwise, so Dask can fuse them in
            x = a.value
            if a.axis is not None and isinstance(x, da.Array) and x.name in layers:
                fusable = root_as_blockwise(layers[x.name], x.name, x.numblocks)
                if fusable is not None:
                    layers[x.name] = fusable
        layers.update(ours)
        graph = HighLevelGraph(layers, dependencies)
        outputs = []
        for o, (axis, ndim) in enumerate(layout):
            out_name = f"{name}-out{o}"
            aval = first.out_avals[o]
            if axis is None:
                chunks = tuple((d,) for d in aval.shape)
            else:
                chunks = tuple(
                    tuple(self.plans[g].out_avals[o].shape[axis] for g in groups) if d == axis
                    else (aval.shape[d],) for d in range(ndim))
            outputs.append(da.Array(graph, out_name, chunks, dtype=aval.dtype,  # pyright: ignore[reportCallIssue]  # dask.array exports two Array classes; pyright sees the dask-expr one
                                    meta=np.empty((0,) * ndim, aval.dtype)))
        return tree_unflatten(self.out_tree, outputs)


def _block(blocks: Any, axis: int | None, i: int) -> Any:
    """The key of block ``i`` along ``axis`` (0 along every other axis)."""
    d = 0
    while isinstance(blocks, list):
        blocks = blocks[i if d == axis else 0]
        d += 1
    return blocks


def _trace(f: Callable, name: str, in_tree: Any, leaves: list[_Argument], groups: list[Any],
           n: int, axis_name: Any, out_axes: Any) -> _Traced:
    """Trace ``f`` at each distinct shard shape and split each program into stages."""
    mapped = [a.axis is not None for a in leaves]
    plans: dict[Any, Plan] = {}
    out_tree = None
    out_ax: list[int | None] = []  # both set at the first group, with out_tree
    out_paths: list[str] = []
    for group in dict.fromkeys(groups):
        closed, tree, out = _trace_one(f, name, in_tree, group, n, axis_name)
        if out_tree is None:
            out_tree = tree
            try:
                out_ax = broadcast_prefix(out_axes, out, is_leaf=lambda x: x is None)
            except ValueError as err:
                raise ValueError(f"shard_map({name}): out_axes={out_axes!r} does not match the "
                                 f"output structure {tree}: {err}") from None
            out_paths = [f"output{keystr(p)}" for p, _ in tree_flatten_with_path(out)[0]]
        elif tree != out_tree:
            raise ValueError(f"shard_map({name}) returns {tree} for shards of shapes "
                             f"{_shapes(group)} but {out_tree} for others; the output structure "
                             f"must not depend on the shard's size")
        plan = split(closed, mapped, axis_name)
        for o, (axis, rep) in enumerate(zip(out_ax, plan.replicated)):
            aval = plan.out_avals[o]
            if axis is None and not rep:
                raise ValueError(
                    f"shard_map({name}): {out_paths[o]} has out_axes=None, but it differs "
                    f"between shards: it depends on the shard's data without going through a "
                    f"collective (psum, pmean, all_gather, ...). Give it an integer out_axes to "
                    f"join the shards' values, or reduce it with a collective.")
            if axis is not None and not -aval.ndim <= axis < max(aval.ndim, 1) or \
                    axis is not None and aval.ndim == 0:
                raise ValueError(f"shard_map({name}): out_axes {axis} for {out_paths[o]} is out "
                                 f"of range for its rank {aval.ndim}; use out_axes=None for a "
                                 f"value the collectives made the same on every shard")
        plans[group] = plan
    _check_plans_agree(plans, out_ax, out_paths, name)
    return _Traced(plans, out_tree, out_ax, out_paths)


def _trace_one(f: Callable, name: str, in_tree: Any, group: tuple, n: int,
               axis_name: Any) -> tuple[Any, Any, Any]:
    bound = shard_axis(axis_name, n) if axis_name is not None else _nothing()
    try:
        with bound, new_trace(StagingTrace, "shard_map") as trace:
            tracers = [trace.new_arg(aval) for aval in group]
            out = f(*tree_unflatten(in_tree, tracers))
            out_flat, out_tree = tree_flatten(out)
            for leaf in out_flat:
                get_aval(leaf)
            closed = trace.to_closed_jaxpr(out_flat)
    except UnboundAxisError as err:
        if axis_name is None:
            raise ValueError(
                f"shard_map({name}): {name} uses a collective over the axis "
                f"{err.axis_name!r}, but shard_map was given no axis_name; pass "
                f"shard_map(..., axis_name={err.axis_name!r}) to reduce across shards") from err
        raise ValueError(
            f"shard_map({name}): {name} uses a collective over the axis {err.axis_name!r}, "
            f"which neither shard_map (axis_name={axis_name!r}) nor a vmap inside it binds; "
            f"use axis_name={err.axis_name!r} or fix the name") from err
    if any(isinstance(c, Tracer) for c in closed.consts):
        raise TypeError("shard_map cannot be called inside another transformation")
    consts = [c.copy() if type(c) is np.ndarray else c for c in closed.consts]
    return ClosedJaxpr(closed.jaxpr, consts), out_tree, out


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _shapes(group: tuple) -> str:
    return ", ".join(a.str_short() for a in group)


def _check_plans_agree(plans: dict[Any, Plan], out_axes: list[int | None], out_paths: list[str],
                       name: str) -> None:
    """Shards of different sizes must meet at the same collectives with operands of the same
    types, and give results that can be joined."""
    items = list(plans.items())
    group0, plan0 = items[0]
    for group, plan in items[1:]:
        if plan.signature() != plan0.signature() or len(plan.stages) != len(plan0.stages):
            raise ValueError(
                f"shard_map({name}): shards of shapes {_shapes(group)} and {_shapes(group0)} "
                f"reach different collectives (or operands of different shapes), so they cannot "
                f"be reduced together. Rechunk so that every shard has the same size, e.g. "
                f"x.rechunk({{axis: size}}) with a size dividing the length.")
        for o, axis in enumerate(out_axes):
            a, b = plan.out_avals[o], plan0.out_avals[o]
            other = [d for d in range(a.ndim) if d != (None if axis is None else axis % a.ndim)]
            if a.dtype != b.dtype or a.ndim != b.ndim or \
                    any(a.shape[d] != b.shape[d] for d in other):
                raise ValueError(
                    f"shard_map({name}): {out_paths[o]} is {a.str_short()} on shards of shapes "
                    f"{_shapes(group)} but {b.str_short()} on others; blocks can only be joined "
                    f"along out_axes ({axis})")
