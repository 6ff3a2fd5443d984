"""Windowed reductions: reduce a sliding window of an array, as pooling layers do.

A *window* is described by five tuples with one entry per operand axis (the params of every
primitive here): ``window_dimensions`` (its size), ``window_strides`` (its step), ``padding``
(``(lo, hi)`` elements added before and after the axis; negative crops), ``base_dilation``
(``d - 1`` holes inserted between neighbouring elements of the operand) and
``window_dilation`` (``d - 1`` holes between the window's taps). Padding and holes hold the
reduction's identity, so they never win a max and add nothing to a sum.

reduce_window_sum, reduce_window_max, reduce_window_min and reduce_window_prod are primitives;
``reduce_window`` recognises them from ``(computation, init_value)`` and folds any other
computation over the window's taps. Max and min differentiate through a pair of primitives
(in ``select_and_scatter``; the window geometry is in ``window_geometry``):
``select_and_gather_add`` (the tangent of the element each window selects; the jvp) and its
transpose ``select_and_scatter_add`` (each window's cotangent added to the element it
selects; the vjp). Each is linear in its first argument and transposes to the other, so every
derivative order works. Ties go to the first element of the window in row-major order. Each
primitive is one block: primitive, wrapper, jvp, transpose, batching. See docs/internals.md,
"Primitives", and docs/nn.md for pooling.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Sequence

import numpy as np

from ftrans import tree_util
from ftrans.core import Primitive, ShapedArray, Tracer, get_aval
from ftrans.interpreters.jvp import defjvp, deflinear
from ftrans.interpreters.transpose import transpose_rules
from ftrans.lax import elementwise as ew
from ftrans.lax.reductions import highest_value, lowest_value, reduce_prod_jvp
from ftrans.lax.select_and_scatter import (  # noqa: F401  (public names, re-exported)
    select_and_gather_add, select_and_gather_add_p, select_and_scatter_add,
    select_and_scatter_add_p,
)
from ftrans.lax.structural import broadcast_in_dim, pad
from ftrans.lax.window_blocks import block_reduce, tiles
from ftrans.lax.window_geometry import (
    Pairs, bind_window, dilated_size, reduce_windows, stack_last, window_abstract_eval,
    window_batch, window_params, windowed_shape, window_taps, window_views,
)
from ftrans.lax.window_geometry import padtype_to_pads  # noqa: F401  (public, re-exported)

__all__ = [
    "Pairs", "padtype_to_pads", "reduce_window", "reduce_window_max", "reduce_window_max_p",
    "reduce_window_min", "reduce_window_min_p", "reduce_window_prod", "reduce_window_prod_p",
    "reduce_window_shape_tuple", "reduce_window_sum", "reduce_window_sum_p",
    "select_and_gather_add", "select_and_gather_add_p", "select_and_scatter_add",
    "select_and_scatter_add_p",
]

# ---------------------------------------------------------------------------------------------
# reduce_window_sum
# ---------------------------------------------------------------------------------------------

reduce_window_sum_p = Primitive(
    "reduce_window_sum", impl=reduce_windows(np.sum, lambda dtype: 0),
    abstract_eval=window_abstract_eval("reduce_window_sum", "iufc"))


def reduce_window_sum(operand: Any, window_dimensions: Sequence[int],
                      window_strides: Sequence[int] | None = None,
                      padding: str | Sequence[tuple[int, int]] = "VALID",
                      base_dilation: Sequence[int] | None = None,
                      window_dilation: Sequence[int] | None = None) -> Any:
    """The sum of each window of ``operand`` (the dtype is kept); padding adds nothing.

    Args and Raises: as :func:`reduce_window` (without ``init_value`` and ``computation``).

    >>> import numpy as np
    >>> reduce_window_sum(np.arange(5.0), (2,), (1,), "VALID").tolist()
    [1.0, 3.0, 5.0, 7.0]
    """
    return bind_window(reduce_window_sum_p, operand, window_dimensions, window_strides,
                        padding, base_dilation, window_dilation)


deflinear(reduce_window_sum_p)


def _reduce_window_sum_transpose(ct: Any, x: Any, window_dimensions: tuple[int, ...],
                                 window_strides: tuple[int, ...], padding: Pairs,
                                 base_dilation: tuple[int, ...],
                                 window_dilation: tuple[int, ...]) -> list[Any]:
    # Output o sums the padded input at o*s + k*wd. Backwards, padded position j receives
    # ct[o] for every (o, k) with o*s + k*wd = j: the cotangent dilated by the strides, padded,
    # and summed over windows again; input i sits at padded position lo + i*bd, so the second
    # window sum steps by the base dilation.
    shape = x.aval.shape
    ct_aval = get_aval(ct)
    if 0 in ct_aval.shape:
        return [broadcast_in_dim(np.zeros((), ct_aval.dtype), shape, ())]
    config = []
    for n, o, w, s, (lo, _), bd, wd in zip(shape, ct_aval.shape, window_dimensions,
                                           window_strides, padding, base_dilation,
                                           window_dilation):
        span = dilated_size(w, wd)
        config.append((span - 1 - lo, (n - 1) * bd + lo - (o - 1) * s, s - 1))
    spread = pad(ct, np.zeros((), ct_aval.dtype), config)
    ones = (1,) * len(shape)
    return [reduce_window_sum_p.bind(
        spread, window_dimensions=window_dimensions, window_strides=base_dilation,
        padding=((0, 0),) * len(shape), base_dilation=ones, window_dilation=window_dilation)]


transpose_rules[reduce_window_sum_p] = _reduce_window_sum_transpose
window_batch(reduce_window_sum_p)


# ---------------------------------------------------------------------------------------------
# reduce_window_max, reduce_window_min
# ---------------------------------------------------------------------------------------------

def _extremum_impl(select: str) -> Callable[..., Any]:
    generic = reduce_windows(np.max if select == "max" else np.min,
                              lowest_value if select == "max" else highest_value)

    def impl(x: Any, **params: Any) -> Any:
        x = np.asarray(x)
        if tiles(x.shape, params):  # non-overlapping windows: a maximum over strided slices
            return block_reduce(x, select, params["window_dimensions"])
        return generic(x, **params)
    return impl


reduce_window_max_p = Primitive(
    "reduce_window_max", impl=_extremum_impl("max"),
    abstract_eval=window_abstract_eval("reduce_window_max", "biuf"))
reduce_window_min_p = Primitive(
    "reduce_window_min", impl=_extremum_impl("min"),
    abstract_eval=window_abstract_eval("reduce_window_min", "biuf"))


def reduce_window_max(operand: Any, window_dimensions: Sequence[int],
                      window_strides: Sequence[int] | None = None,
                      padding: str | Sequence[tuple[int, int]] = "VALID",
                      base_dilation: Sequence[int] | None = None,
                      window_dilation: Sequence[int] | None = None) -> Any:
    """The maximum of each window of ``operand`` (padding is -inf, never selected). Its
    derivative is the tangent of the first maximal element of each window.

    Args and Raises: as :func:`reduce_window` (without ``init_value`` and ``computation``).

    >>> import numpy as np
    >>> reduce_window_max(np.array([1.0, 3.0, 2.0, 0.0]), (2,), (2,)).tolist()
    [3.0, 2.0]
    """
    return bind_window(reduce_window_max_p, operand, window_dimensions, window_strides,
                        padding, base_dilation, window_dilation)


def reduce_window_min(operand: Any, window_dimensions: Sequence[int],
                      window_strides: Sequence[int] | None = None,
                      padding: str | Sequence[tuple[int, int]] = "VALID",
                      base_dilation: Sequence[int] | None = None,
                      window_dilation: Sequence[int] | None = None) -> Any:
    """The minimum of each window of ``operand`` (padding is +inf, never selected). Its
    derivative is the tangent of the first minimal element of each window.

    Args and Raises: as :func:`reduce_window` (without ``init_value`` and ``computation``).

    >>> import numpy as np
    >>> reduce_window_min(np.array([1.0, 3.0, 2.0, 0.0]), (2,), (2,)).tolist()
    [1.0, 0.0]
    """
    return bind_window(reduce_window_min_p, operand, window_dimensions, window_strides,
                        padding, base_dilation, window_dilation)


defjvp(reduce_window_max_p,
       lambda g, ans, x, **params: select_and_gather_add_p.bind(g, x, select="max", **params))
defjvp(reduce_window_min_p,
       lambda g, ans, x, **params: select_and_gather_add_p.bind(g, x, select="min", **params))
window_batch(reduce_window_max_p)
window_batch(reduce_window_min_p)


# ---------------------------------------------------------------------------------------------
# reduce_window_prod
# ---------------------------------------------------------------------------------------------

reduce_window_prod_p = Primitive(
    "reduce_window_prod", impl=reduce_windows(np.prod, lambda dtype: 1),
    abstract_eval=window_abstract_eval("reduce_window_prod", "iufc"))


def reduce_window_prod(operand: Any, window_dimensions: Sequence[int],
                       window_strides: Sequence[int] | None = None,
                       padding: str | Sequence[tuple[int, int]] = "VALID",
                       base_dilation: Sequence[int] | None = None,
                       window_dilation: Sequence[int] | None = None) -> Any:
    """The product of each window of ``operand`` (the dtype is kept); padding multiplies
    by 1. Its derivative is exact with zeros in the window (no division).

    Args and Raises: as :func:`reduce_window` (without ``init_value`` and ``computation``).

    >>> import numpy as np
    >>> reduce_window_prod(np.array([1.0, 2.0, 3.0, 4.0]), (2,), (2,)).tolist()
    [2.0, 12.0]
    """
    return bind_window(reduce_window_prod_p, operand, window_dimensions, window_strides,
                        padding, base_dilation, window_dilation)


def _reduce_window_prod_jvp(g: Any, ans: Any, x: Any, **params: Any) -> Any:
    # The windows as a trailing axis of taps (pad + strided slices), then the product rule of
    # reduce_prod over that axis: products of the taps before and after each tap.
    dtype = get_aval(x).dtype
    taps = stack_last(window_taps(x, np.ones((), dtype), params))
    tangent_taps = stack_last(window_taps(g, np.zeros((), dtype), params))
    return reduce_prod_jvp(tangent_taps, ans, taps, (get_aval(ans).ndim,))


defjvp(reduce_window_prod_p, _reduce_window_prod_jvp)
window_batch(reduce_window_prod_p)


# ---------------------------------------------------------------------------------------------
# reduce_window: the general form
# ---------------------------------------------------------------------------------------------

#: The computations reduce_window recognises as one of its monoid primitives, with the
#: identity element that makes the fast path exact; ``ftrans.numpy`` adds its own ufunc-named
#: functions (numpy sits above lax, so lax never names them).
window_monoids: dict[Any, tuple[Primitive, Callable[[np.dtype], Any]]] = {
    ew.add: (reduce_window_sum_p, lambda dtype: 0),
    ew.max: (reduce_window_max_p, lowest_value),
    ew.min: (reduce_window_min_p, highest_value),
    ew.mul: (reduce_window_prod_p, lambda dtype: 1),
}


def _concrete_scalar(x: Any) -> Any:
    """The value of a scalar known now (not a tracer), else None."""
    if isinstance(x, Tracer):
        return None
    x = np.asarray(x)
    return x[()] if x.ndim == 0 else None


def reduce_window(operand: Any, init_value: Any, computation: Callable[[Any, Any], Any],
                  window_dimensions: Sequence[int], window_strides: Sequence[int] | None,
                  padding: str | Sequence[tuple[int, int]],
                  base_dilation: Sequence[int] | None = None,
                  window_dilation: Sequence[int] | None = None) -> Any:
    """Reduce every window of ``operand`` with ``computation``, starting from ``init_value``.

    ``lax.add`` with 0, ``lax.max`` with -inf (the dtype's minimum), ``lax.min`` with +inf and
    ``lax.mul`` with 1 (or their ``ftrans.numpy`` counterparts) are the primitives
    :func:`reduce_window_sum`, ``_max``, ``_min`` and ``_prod``. Any other computation (or
    init value) is folded over the window's taps, ``acc = computation(acc, tap)`` from
    ``acc = init_value``, skipping padding and dilation holes; it must work elementwise on
    arrays (write it with ``ftrans.lax`` / ``ftrans.numpy`` operations), and is then
    differentiable like any such function. A pytree operand (with a matching pytree
    ``init_value``) is reduced with a computation on pytrees.

    Args:
      operand: the array (or pytree of arrays of one shape).
      init_value: the scalar starting value (a pytree like ``operand``).
      computation: ``(accumulated, element) -> accumulated``.
      window_dimensions: the window's size along each axis of ``operand``.
      window_strides: the window's step along each axis (None: all 1).
      padding: ``"VALID"``, ``"SAME"``, ``"SAME_LOWER"``, or one ``(lo, hi)`` pair per axis
        (negative crops); padding holds the identity, i.e. is skipped.
      base_dilation: ``d`` puts ``d - 1`` holes between neighbouring operand elements.
      window_dilation: ``d`` puts ``d - 1`` holes between the window's taps.

    Returns:
      An array with one element per window position: along each axis,
      ``(padded - dilated_window) // stride + 1`` elements.

    Raises:
      TypeError: a window tuple whose length is not the operand's rank, a size, stride or
        dilation below 1, malformed padding, an ``init_value`` that is not a scalar of the
        operand's dtype, or a computation that does not return the operand's shape and dtype.
      ValueError: an unknown padding name, or negative padding cropping more than the axis.

    >>> import numpy as np
    >>> from ftrans import lax
    >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> reduce_window(x, -np.inf, lax.max, (2, 2), (1, 1), "VALID").tolist()
    [[5.0, 6.0]]
    >>> reduce_window(np.arange(4.0), 0.0, lambda a, b: a + 2 * b, (2,), (1,), "VALID").tolist()
    [2.0, 6.0, 10.0]
    """
    leaves, treedef = tree_util.tree_flatten(operand)
    init_leaves, init_treedef = tree_util.tree_flatten(init_value)
    if init_treedef != treedef:
        raise TypeError(f"reduce_window: init_value must have the pytree structure of the "
                        f"operand: {init_treedef} vs {treedef}")
    if not leaves:
        raise TypeError("reduce_window needs at least one operand")
    avals = [get_aval(x) for x in leaves]
    if any(a.shape != avals[0].shape for a in avals):
        raise TypeError(f"reduce_window: every operand must have one shape, got "
                        f"{[a.str_short() for a in avals]}")
    params = window_params("reduce_window", avals[0].shape, window_dimensions,
                            window_strides, padding, base_dilation, window_dilation)
    inits = [_check_init(v, a) for v, a in zip(init_leaves, avals)]
    if len(leaves) == 1:
        monoid = window_monoids.get(computation)
        value = _concrete_scalar(inits[0])
        if monoid is not None and value is not None:
            prim, identity = monoid
            expected = identity(avals[0].dtype)
            if value == expected and avals[0].dtype.kind in (
                    "iufc" if prim in (reduce_window_sum_p, reduce_window_prod_p) else "biuf"):
                return prim.bind(leaves[0], **params)
    return _fold_window(leaves, inits, treedef, computation, params)


def _check_init(init: Any, aval: ShapedArray) -> Any:
    if type(init) in (bool, int, float, complex):
        with np.errstate(all="ignore"):
            converted = np.asarray(init).astype(aval.dtype)
        if not (converted == init or init != init):  # NaN is representable as NaN
            raise TypeError(f"reduce_window: init_value {init!r} is not representable in the "
                            f"operand's dtype {aval.dtype}")
        return converted[()]
    init_aval = get_aval(init)
    if init_aval.ndim != 0 or init_aval.dtype != aval.dtype:
        raise TypeError(f"reduce_window: init_value must be a scalar of the operand's dtype "
                        f"{aval.dtype}, got {init_aval.str_short()}")
    return init


def _fold_window(leaves: list[Any], inits: list[Any], treedef: Any,
                 computation: Callable[[Any, Any], Any], params: dict[str, Any]) -> Any:
    """The general reduce_window: ``acc = computation(acc, tap)`` over the taps, where a tap
    is real (not padding, not a dilation hole)."""
    shape = get_aval(leaves[0]).shape
    out_shape = windowed_shape(shape, **params)
    accs = [broadcast_in_dim(i, out_shape, ()) for i in inits]
    if 0 in out_shape:
        return tree_util.tree_unflatten(treedef, accs)
    # Which taps are real elements: NumPy, known now whatever the trace.
    real_windows = window_views(np.ones(shape, bool), False, params)
    real = [real_windows[(Ellipsis,) + tap] for tap in itertools.product(
        *(range(w) for w in params["window_dimensions"]))]
    taps = [window_taps(x, i, params) for x, i in zip(leaves, inits)]
    out_avals = [get_aval(a) for a in accs]
    for k, where in enumerate(real):
        if not np.any(where):
            continue
        new = computation(tree_util.tree_unflatten(treedef, accs),
                          tree_util.tree_unflatten(treedef, [t[k] for t in taps]))
        new_leaves, new_treedef = tree_util.tree_flatten(new)
        if new_treedef != treedef or [get_aval(n) for n in new_leaves] != out_avals:
            raise TypeError(f"reduce_window: computation must return the operand's structure, "
                            f"shape and dtype elementwise ({[a.str_short() for a in out_avals]}"
                            f"), got {[get_aval(n).str_short() for n in new_leaves]}")
        if np.all(where):
            accs = list(new_leaves)
        else:
            accs = [ew.select_n(where, a, n) for a, n in zip(accs, new_leaves)]
    return tree_util.tree_unflatten(treedef, accs)


def reduce_window_shape_tuple(operand_shape: Sequence[int], window_dimensions: Sequence[int],
                              window_strides: Sequence[int], padding: Sequence[tuple[int, int]],
                              base_dilation: Sequence[int] | None = None,
                              window_dilation: Sequence[int] | None = None) -> tuple[int, ...]:
    """The shape :func:`reduce_window` returns for these window arguments (padding as
    pairs).

    >>> reduce_window_shape_tuple((6,), (2,), (2,), ((0, 0),))
    (3,)
    """
    ndim = len(operand_shape)
    return windowed_shape(tuple(operand_shape), tuple(window_dimensions), tuple(window_strides),
                         tuple((int(lo), int(hi)) for lo, hi in padding),
                         (1,) * ndim if base_dilation is None else tuple(base_dilation),
                         (1,) * ndim if window_dilation is None else tuple(window_dilation))
