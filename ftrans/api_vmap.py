"""``vmap`` and chunked vectorisation.

``vmap`` installs a ``BatchTrace`` around the user's function (the rules are in
``ftrans.interpreters.batching``). ``vmap``, ``jacfwd`` and ``jacrev`` take ``chunk_size=k``:
the batch (or the Jacobian's basis) is processed ``k`` members at a time and the pieces are
assembled, so the working set scales with ``k``, not with the batch. Eagerly the chunks run
one after another and are written into one preallocated result; under an outer
transformation they are traced one after another (unrolled) and concatenated. See
docs/internals.md, "Batching", and docs/beyond_jax_memory.md.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, ParamSpec

import numpy as np

from ftrans.aliasing import detach_from
from ftrans.api_util import as_leaf, check_callable, check_outputs, flat_tuple_tree, flatten_args
from ftrans.core import ShapedArray, Tracer, current_trace, eval_trace, get_aval, new_trace
from ftrans.interpreters.batching import BatchTrace, BatchTracer, move_batch_axis
from ftrans.interpreters.batching import split_outputs as split_outputs_batched
from ftrans.progress import Progress, ProgressArg, advance_when_run, check_progress, make_progress
from ftrans.tree_util import PyTreeDef, broadcast_prefix, tree_flatten, tree_structure
from ftrans.tree_util import tree_unflatten
from ftrans.tree_util import keystr, tree_flatten_with_path
from ftrans import lax
from ftrans.lax import concatenate, slice_in_dim


P = ParamSpec("P")  # vmap(f) takes f's parameters (with a batch axis)
__all__ = ["vmap", "map_in_chunks", "vmap_basis", "basis_rows", "slice_axis", "check_chunk_size"]


def vmap(fun: Callable[P, Any], in_axes: Any = 0, out_axes: Any = 0, axis_size: int | None = None,
         axis_name: Any = None, chunk_size: int | None = None,
         progress: ProgressArg = None) -> Callable[P, Any]:
    """Vectorize ``fun`` over a batch axis of its arguments.

    Args:
      fun: function written for one example.
      in_axes: int, None, or a pytree prefix of the positional arguments, giving per argument
        (leaf) the axis to map over (None: not mapped). Negative axes count from the end.
      out_axes: likewise for the outputs; unbatched outputs are broadcast, unless None.
      axis_size: the batch size when no argument is mapped.
      axis_name: a name for the batch axis, used by collectives such as ``lax.psum``.
      chunk_size: run the batch ``chunk_size`` members at a time and join the results (same
        values, peak memory scaling with ``chunk_size``; see docs/beyond_jax_memory.md).
      progress: report the members done after each chunk: ``True`` for a tqdm bar (when
        tqdm is installed; silent otherwise), or a callable ``progress(done, total)``.

    Returns:
      The batched function.

    Raises:
      ValueError: inconsistent batch sizes, an axis out of range, no mapped input without
        axis_size, or in_axes that do not match the arguments.

    >>> import ftrans as ft, ftrans.numpy as fnp, numpy as np
    >>> ft.vmap(fnp.dot, in_axes=(0, None))(np.ones((3, 2)), np.arange(2.0))
    array([1., 1., 1.])
    """
    check_callable(fun, "vmap")
    call: Callable[..., Any] = fun  # called with rebuilt argument lists
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    _check_axes_spec(in_axes, "in_axes")
    _check_axes_spec(out_axes, "out_axes")
    check_chunk_size(chunk_size, "vmap")
    check_progress(progress, "vmap")
    if chunk_size is not None and axis_name is not None:
        raise ValueError("vmap: chunk_size cannot be combined with axis_name (a collective "
                         "would see one chunk, not the whole axis)")

    @functools.wraps(fun)
    def batched_fun(*args: Any, **kwargs: Any) -> Any:
        flat, in_tree = flatten_args(args, "vmap")
        one_array_each = in_tree is flat_tuple_tree(len(args))
        if one_array_each and (in_axes is None or type(in_axes) is int):
            axes = [in_axes] * len(flat)  # each argument its axis, as the general path gives
        elif one_array_each and type(in_axes) is tuple and len(in_axes) == len(args) \
                and all(a is None or type(a) is int for a in in_axes):
            axes = list(in_axes)
        else:
            try:
                prefix = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
                axes = broadcast_prefix(prefix, tuple(args))
            except ValueError as err:
                raise ValueError(
                    f"vmap in_axes must be an int, None, or a tuple with one entry per "
                    f"positional argument (or a pytree prefix of it); got in_axes={in_axes!r} "
                    f"for {len(args)} argument(s): {err}") from None
        kw_flat, kw_tree = tree_flatten(kwargs) if kwargs else ([], _NO_KEYWORDS)
        size = _batch_size(tuple(args), flat, axes, axis_size, kw_flat)
        reporter = make_progress(progress, size, "vmap")
        if chunk_size is not None and size > chunk_size:
            def run_chunk(start: int, stop: int) -> Any:
                ins = [x if ax is None else slice_axis(x, ax, start, stop)
                       for x, ax in zip(flat, axes)]
                kw_ins = [slice_axis(x, 0, start, stop) for x in kw_flat]
                return vmap(call, in_axes, out_axes, None if axis_size is None else stop - start)(
                    *tree_unflatten(in_tree, ins), **tree_unflatten(kw_tree, kw_ins))
            return map_in_chunks(run_chunk, size, chunk_size, out_axes, reporter)
        with new_trace(BatchTrace, size, axis_name) as trace:
            ins = []
            for x, ax in zip(flat, axes):
                if ax is None:
                    ins.append(x)
                else:
                    ins.append(BatchTracer(trace, x, ax % get_aval(x).ndim))
            kw_ins = [BatchTracer(trace, as_leaf(x, "vmap", "keyword argument"), 0)
                      for x in kw_flat]
            out = call(*tree_unflatten(in_tree, ins), **tree_unflatten(kw_tree, kw_ins))
            out_flat, out_tree = tree_flatten(out)
            check_outputs(out_flat, fun, "vmap")
            vals = split_outputs_batched(trace, out_flat)
        advance_when_run(reporter, size)  # the whole batch was one chunk
        try:
            if (out_axes is None or type(out_axes) is int) and out_tree.num_nodes == 1:
                out_ax = [out_axes] * out_tree.num_leaves  # one leaf (or none): its axis
            else:
                out_ax = broadcast_prefix(out_axes, out)
        except ValueError as err:
            raise ValueError(f"vmap out_axes={out_axes!r} does not match the output structure "
                             f"{out_tree}: {err}") from None
        results = []
        for (val, bdim), ax in zip(vals, out_ax):
            if ax is None:
                if bdim is not None:
                    raise ValueError(f"vmap has out_axes=None for an output that depends on the "
                                     f"mapped inputs (shape {get_aval(val).shape}); use an "
                                     f"integer out_axes for it")
                results.append(val)
                continue
            ndim = get_aval(val).ndim + (bdim is None)
            if not -ndim <= ax < ndim:
                raise ValueError(f"vmap out_axes {ax} is out of bounds for an output of rank "
                                 f"{ndim - 1}")
            results.append(move_batch_axis(val, bdim, ax % ndim, size))
        return tree_unflatten(out_tree, detach_from(results, flat + kw_flat))

    return batched_fun


_NO_KEYWORDS = tree_structure({})


def _check_axes_spec(spec: Any, name: str) -> None:
    for leaf in tree_flatten(spec, is_leaf=lambda x: x is None)[0]:
        if leaf is not None and (not isinstance(leaf, (int, np.integer)) or isinstance(leaf, bool)):
            raise TypeError(f"vmap {name} must contain only ints and None, got {leaf!r}")


def _batch_size(args: tuple, flat: list[Any], axes: list[Any], axis_size: int | None,
                kw_flat: list[Any]) -> int:
    # the common case first: every mapped axis in range and of one size, no paths needed
    found = set()
    for x, ax in zip(flat, axes):
        if ax is not None:
            shape = get_aval(x).shape
            if not -len(shape) <= ax < len(shape):
                break
            found.add(shape[ax])
    else:
        found.update(get_aval(x).shape[0] for x in kw_flat if get_aval(x).ndim)
        if axis_size is not None:
            found.add(int(axis_size))
        if len(found) == 1:
            return found.pop()
    # otherwise name the arguments in the error
    paths = [f"args{keystr(path)}" for path, _ in tree_flatten_with_path(args)[0]]
    sizes = []  # (where, size)
    for path, x, ax in zip(paths, flat, axes):
        if ax is None:
            continue
        ndim = get_aval(x).ndim
        if not -ndim <= ax < ndim:
            raise ValueError(f"vmap was asked to map axis {ax} of an argument of rank {ndim} "
                             f"({path}, shape {get_aval(x).shape}); in_axes must be within its "
                             f"rank")
        sizes.append((f"{path} (axis {ax})", get_aval(x).shape[ax]))
    sizes.extend(("a keyword argument (axis 0)", get_aval(x).shape[0])
                 for x in kw_flat if get_aval(x).ndim)
    if axis_size is not None:
        sizes.append(("axis_size", int(axis_size)))
    if not sizes:
        raise ValueError("vmap must have at least one non-None value in in_axes, or be given "
                         "axis_size")
    if len({size for _, size in sizes}) > 1:
        listing = "\n".join(f"  {where}: size {size}" for where, size in sizes)
        raise ValueError(f"vmap got inconsistent sizes for the mapped axes; every mapped "
                         f"argument must have the same size along its mapped axis:\n{listing}")
    return sizes[0][1]


# ---------------------------------------------------------------------------------------------
# Chunked vectorisation
# ---------------------------------------------------------------------------------------------


def check_chunk_size(chunk_size: int | None, api: str) -> None:
    if chunk_size is None:
        return
    if (not isinstance(chunk_size, (int, np.integer)) or isinstance(chunk_size, bool)
            or chunk_size < 1):
        raise ValueError(f"{api}: chunk_size must be a positive int or None, got "
                         f"{chunk_size!r}")


def slice_axis(x: Any, axis: int, start: int, stop: int) -> Any:
    """``x[start:stop]`` along ``axis``: a NumPy view for arrays, a ``slice`` for tracers."""
    ndim = get_aval(x).ndim
    axis %= ndim
    if isinstance(x, Tracer):
        return slice_in_dim(x, start, stop, axis=axis)
    return np.asarray(x)[(slice(None),) * axis + (slice(start, stop),)]


def map_in_chunks(run_chunk: Callable[[int, int], Any], size: int, chunk_size: int,
                  out_axes: Any = 0, progress: Progress | None = None) -> Any:
    """Run ``run_chunk(start, stop)`` for consecutive chunks of ``range(size)`` and join the
    outputs along ``out_axes`` (a pytree prefix of the output, as vmap's; ``None`` leaves are
    taken from the first chunk). NumPy outputs go into one preallocated array per leaf, so
    only one chunk's working set is alive at a time; tracers are concatenated. ``progress``
    is told of each chunk done (ftrans.progress)."""
    starts = list(range(0, size, chunk_size))
    out_tree: PyTreeDef | None = None  # set by the first chunk
    axes: list[Any] = []
    buffers: list[Any] = []   # per leaf: a NumPy array being filled, or a list of pieces
    for start in starts:
        stop = min(start + chunk_size, size)
        out = run_chunk(start, stop)
        advance_when_run(progress, stop - start)
        leaves, tree = tree_flatten(out)
        if out_tree is None:
            out_tree = tree
            axes = broadcast_prefix(out_axes, out)
            for leaf, ax in zip(leaves, axes):
                buffers.append(_new_buffer(leaf, ax, size, start == 0 and stop == size))
        for i, (leaf, ax) in enumerate(zip(leaves, axes)):
            if ax is None:
                continue
            target = buffers[i]
            if isinstance(target, np.ndarray) and not isinstance(leaf, Tracer):
                ax_norm = ax % target.ndim
                target[(slice(None),) * ax_norm + (slice(start, stop),)] = leaf
            else:
                if isinstance(target, np.ndarray):  # a tracer after arrays: switch to pieces
                    done = slice_axis(target, ax, 0, start)
                    target = buffers[i] = [done] if start else []
                target.append(leaf)
    results = []
    for buffer, ax in zip(buffers, axes):
        if isinstance(buffer, list):
            ndim = get_aval(buffer[0]).ndim
            buffer = buffer[0] if len(buffer) == 1 else concatenate(buffer, ax % ndim)
        results.append(buffer)
    assert out_tree is not None, "map_in_chunks needs size >= 1"  # callers chunk only then
    return tree_unflatten(out_tree, results)


def _new_buffer(leaf: Any, ax: int | None, size: int, whole: bool) -> Any:
    if ax is None:
        return leaf
    if isinstance(leaf, Tracer) or whole:
        return [] if isinstance(leaf, Tracer) or not whole else [leaf]
    aval = get_aval(leaf)
    ax_norm = ax % aval.ndim
    shape = aval.shape[:ax_norm] + (size,) + aval.shape[ax_norm + 1:]
    return np.empty(shape, aval.dtype)


def basis_rows(aval: ShapedArray, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` of the identity on ``aval``'s elements: shape
    ``(stop - start, *aval.shape)``."""
    rows = np.zeros((stop - start, aval.size), aval.dtype)
    rows[np.arange(stop - start), np.arange(start, stop)] = 1
    return rows.reshape((stop - start,) + aval.shape)


def vmap_basis(fun: Callable[[Any], Any], aval: ShapedArray, chunk_size: int | None,
               out_axes: Any = 0, progress: Progress | None = None) -> Any:
    """``vmap(fun, out_axes=out_axes)`` over the standard basis of ``aval`` (for jacfwd and
    jacrev); with ``chunk_size`` the basis is made and used a chunk at a time, each chunk
    reported to ``progress``."""
    batched = vmap(fun, out_axes=out_axes)
    if chunk_size is None or chunk_size >= aval.size:
        out = batched(basis_rows(aval, 0, aval.size))
        advance_when_run(progress, aval.size)
        return out
    # Under a transformation (jit, make_jaxpr, ...), the rows are computed by the program, so
    # the unrolled chunks do not hold the whole basis as constants.
    rows = basis_rows if current_trace() is eval_trace else _computed_basis_rows
    return map_in_chunks(lambda start, stop: batched(rows(aval, start, stop)),
                         aval.size, chunk_size, out_axes, progress)


def _computed_basis_rows(aval: ShapedArray, start: int, stop: int) -> Any:
    rows = lax.add(lax.broadcasted_iota(np.int64, (stop - start, 1), 0), np.int64(start))
    columns = lax.broadcasted_iota(np.int64, (1, aval.size), 1)
    ones = lax.convert_element_type(lax.eq(rows, columns), aval.dtype)  # eq broadcasts
    return lax.reshape(ones, (stop - start,) + aval.shape)
