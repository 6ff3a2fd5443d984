"""``pure_callback``: call ordinary Python (NumPy, SciPy, anything) from transformed code.

The callback is applied as one ``pure_callback`` primitive whose params hold the callback and
the declared shapes and dtypes of its results, so it stages into jitted programs (the compiled
code calls it with NumPy arrays) and batches under ``vmap`` as ``vmap_method`` says. It has no
derivative: differentiating it raises an error pointing to ``custom_jvp``, the way to give a
callback one. See docs/transformations.md, "Names from JAX".
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import FtransError, Primitive, ShapedArray, get_aval, make_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import Zero, jvp_rules
from ftrans.tree_util import PyTreeDef, tree_flatten, tree_unflatten
from ftrans.lax.structural import broadcast_in_dim
from ftrans.lax.control_flow import scan

__all__ = ["pure_callback", "pure_callback_p", "CallbackError"]

_VMAP_METHODS = ("sequential", "sequential_unrolled", "expand_dims", "broadcast_all",
                 "legacy_vectorized", None)


class CallbackError(FtransError, ValueError):
    """A callback returned values of the wrong form, or was differentiated."""


class _FlatCallback:
    """The user's callback on flat leaves; compared by identity (a primitive param)."""

    __slots__ = ("callback", "in_tree", "name")

    def __init__(self, callback: Callable, in_tree: PyTreeDef):
        self.callback = callback
        self.in_tree = in_tree
        self.name = getattr(callback, "__name__", type(callback).__name__)

    def __call__(self, *flat: Any) -> Any:
        args, kwargs = tree_unflatten(self.in_tree, list(flat))
        return self.callback(*args, **kwargs)

    def __repr__(self) -> str:
        return self.name


def _pure_callback_impl(*args: Any, callback: _FlatCallback, result_avals: tuple,
                        out_tree: PyTreeDef, vmap_method: str | None) -> list[Any]:
    out = callback(*[np.asarray(a) for a in args])
    leaves, tree = tree_flatten(out)
    if tree != out_tree:
        raise CallbackError(f"pure_callback: {callback.name} returned a value of structure "
                            f"{tree}, but result_shape_dtypes has structure {out_tree}")
    results = []
    for i, (leaf, aval) in enumerate(zip(leaves, result_avals)):
        value = np.asarray(leaf)
        if value.shape != aval.shape:
            raise CallbackError(f"pure_callback: result {i} of {callback.name} has shape "
                                f"{value.shape}, but result_shape_dtypes declares "
                                f"{aval.str_short()}")
        if value.dtype != aval.dtype:
            if not isinstance(leaf, (int, float, complex, bool)):
                raise CallbackError(f"pure_callback: result {i} of {callback.name} has dtype "
                                    f"{value.dtype}, but result_shape_dtypes declares "
                                    f"{aval.str_short()}; return it with .astype("
                                    f"{aval.dtype.name!r})")
            value = value.astype(aval.dtype)
        results.append(value if value.ndim else value[()])
    return results


def _pure_callback_abstract_eval(*avals: ShapedArray, result_avals: tuple,
                                 **_: Any) -> list[ShapedArray]:
    return list(result_avals)


pure_callback_p = Primitive("pure_callback", impl=_pure_callback_impl,
                            abstract_eval=_pure_callback_abstract_eval, multiple_results=True)


def pure_callback(callback: Callable, result_shape_dtypes: Any, *args: Any,
                  sharding: Any = None, vmap_method: str | None = None,
                  **kwargs: Any) -> Any:
    """Call ``callback(*args, **kwargs)`` on NumPy arrays from inside transformed code.

    The callback must be pure (the same result for the same arguments, no effects that
    matter): jit may drop a call whose result is unused. Under ``jit`` the program calls it;
    under ``vmap`` ``vmap_method`` decides how:

    - ``"sequential"`` (or ``"sequential_unrolled"``): once per batch member, in a loop;
    - ``"expand_dims"``: once, batched arguments with the batch axis in front, unbatched ones
      with a new leading axis of size 1; it must return results with the batch axis in front;
    - ``"broadcast_all"``: like ``expand_dims``, unbatched arguments tiled to the batch size;
    - ``"legacy_vectorized"``: once, batched arguments with the batch axis in front, unbatched
      ones unchanged;
    - ``None`` (the default): ``vmap`` raises ``NotImplementedError``.

    It has no derivative. To differentiate through one, wrap it in ``custom_jvp`` and give
    the derivative (another callback, or ftrans code): see docs/transformations.md.

    Args:
      callback: a Python function of NumPy arrays returning a pytree of arrays.
      result_shape_dtypes: a pytree of objects with ``shape`` and ``dtype`` (e.g.
        ``ShapeDtypeStruct``) matching what ``callback`` returns.
      *args: pytrees of arrays passed to ``callback``.
      **kwargs: likewise, passed by keyword.
      sharding: accepted and ignored (one device).
      vmap_method: how to batch, above.

    Returns:
      The callback's results, a pytree like ``result_shape_dtypes``.

    Raises:
      ValueError: an unknown ``vmap_method``. CallbackError: results of the wrong shape or
        dtype, or differentiation.

    >>> import numpy as np, ftrans as ft
    >>> def host_sin(x):
    ...     return np.sin(x)
    >>> f = ft.jit(lambda x: ft.pure_callback(host_sin, ft.ShapeDtypeStruct(x.shape, x.dtype),
    ...                                       x, vmap_method="sequential"))
    >>> f(np.zeros(2))
    array([0., 0.])
    """
    if vmap_method not in _VMAP_METHODS:
        raise ValueError(f"pure_callback: vmap_method must be one of "
                         f"{', '.join(map(repr, _VMAP_METHODS))}; got {vmap_method!r}")
    if not callable(callback):
        raise TypeError(f"pure_callback: callback must be callable, got "
                        f"{type(callback).__name__}")
    flat_args, in_tree = tree_flatten((args, kwargs))
    shape_leaves, out_tree = tree_flatten(result_shape_dtypes)
    result_avals = []
    for i, s in enumerate(shape_leaves):
        if not (hasattr(s, "shape") and hasattr(s, "dtype")):
            raise TypeError(f"pure_callback: leaf {i} of result_shape_dtypes has type "
                            f"{type(s).__name__}; give objects with .shape and .dtype, such "
                            f"as ftrans.ShapeDtypeStruct(shape, dtype)")
        result_avals.append(make_aval(tuple(s.shape), np.dtype(s.dtype)))
    for a in flat_args:
        get_aval(a)  # a clear error for a leaf that is not an array
    outs = pure_callback_p.bind(*flat_args, callback=_FlatCallback(callback, in_tree),
                                result_avals=tuple(result_avals), out_tree=out_tree,
                                vmap_method=vmap_method)
    return tree_unflatten(out_tree, outs)


def _pure_callback_jvp(primals: Sequence[Any], tangents: Sequence[Any], *,
                       callback: _FlatCallback, **params: Any) -> tuple[list[Any], list[Any]]:
    if all(type(t) is Zero for t in tangents):
        outs = pure_callback_p.bind(*primals, callback=callback, **params)
        return outs, [Zero(get_aval(o)) for o in outs]
    raise CallbackError(
        f"pure_callback: {callback.name} has no derivative (ftrans cannot see into Python "
        f"callbacks). To differentiate through it, wrap the call in ftrans.custom_jvp and "
        f"define its jvp (e.g. with another pure_callback computing the derivative); see "
        f"docs/transformations.md, 'Names from JAX'.")


jvp_rules[pure_callback_p] = _pure_callback_jvp


def _pure_callback_batch(axis_data: Any, args: Sequence[Any], bdims: Sequence[Any], *,
                         callback: _FlatCallback, result_avals: tuple, out_tree: PyTreeDef,
                         vmap_method: str | None) -> tuple[list[Any], list[int]]:
    if vmap_method is None:
        raise NotImplementedError(
            f"vmap of pure_callback ({callback.name}) needs vmap_method: 'sequential' (one "
            f"call per batch member), 'expand_dims' or 'broadcast_all' (one call on batched "
            f"arrays), or 'legacy_vectorized'")
    size = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not not_mapped)
    params = dict(callback=callback, out_tree=out_tree, vmap_method=vmap_method)
    batched_avals = tuple(a.update(shape=(size,) + a.shape) for a in result_avals)
    front = [a if d is not_mapped else move_batch_axis(a, d, 0) for a, d in zip(args, bdims)]
    if vmap_method in ("sequential", "sequential_unrolled"):
        is_batched = [d is not not_mapped for d in bdims]
        batched_args = [a for a, b in zip(front, is_batched) if b]

        def one(carry: Any, xs: list[Any]) -> tuple[Any, list[Any]]:
            it = iter(xs)
            full = [next(it) if b else a for a, b in zip(front, is_batched)]
            return carry, pure_callback_p.bind(*full, result_avals=result_avals, **params)
        _, outs = scan(one, (), batched_args)
        return list(outs), [0] * len(outs)
    if vmap_method == "legacy_vectorized":
        new_args = front
    else:
        lead = size if vmap_method == "broadcast_all" else 1

        def expand(a: Any) -> Any:
            aval = get_aval(a)
            return broadcast_in_dim(a, (lead,) + aval.shape, tuple(range(1, aval.ndim + 1)))
        new_args = [expand(a) if d is not_mapped else a for a, d in zip(front, bdims)]
    outs = pure_callback_p.bind(*new_args, result_avals=batched_avals, **params)
    return outs, [0] * len(outs)


batching_rules[pure_callback_p] = _pure_callback_batch
