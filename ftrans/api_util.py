"""Argument checking and flattening shared by the user-facing transformations (``api``,
``api_vmap``, ``api_jit``): user errors are caught here, with messages that name the
transformation. See docs/internals.md, "The API layer".
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import (
    NUMPY_SCALAR_AVALS, ArgumentTypeError, ShapedArray, Tracer, get_aval, is_valid_array,
    short_repr,
)
from ftrans.tree_util import PyTreeDef, tree_flatten, tree_structure

__all__ = [
    "as_leaf", "check_callable", "check_cotangent", "check_outputs", "flatten_args",
    "fun_name", "normalize_argnums", "writable",
]


def fun_name(fun: Callable) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1


def check_callable(fun: Any, api: str) -> None:
    """Every transformation's first check: a transformation takes the function itself."""
    if not callable(fun):
        raise TypeError(
            f"{api}: expected a callable value (the function to transform), got "
            f"{type(fun).__name__} {short_repr(fun, 60)}. Pass the function itself, e.g. {api}(f), "
            f"not {api}(f(x)).")


def check_cotangent(ct: Any, aval: ShapedArray, api: str, i: int) -> None:
    """A cotangent has its output's shape and dtype (a Python float serves any floating
    output, a Python complex any complex one, as weak scalars do everywhere)."""
    c_aval = get_aval(ct)
    if c_aval.shape != aval.shape:
        raise ValueError(f"{api}: cotangent {i} has shape {c_aval.shape} but the output has "
                         f"shape {aval.shape} (expected {aval.str_short()}, got "
                         f"{c_aval.str_short()})")
    if aval.dtype.kind not in "fc" or c_aval.dtype == aval.dtype:
        return
    weak = (type(ct) is float and aval.dtype.kind in "fc") or \
        (type(ct) is complex and aval.dtype.kind == "c")
    if not weak:
        raise ArgumentTypeError(f"{api}: cotangent {i} has dtype {c_aval.dtype} but the output has "
                        f"dtype {aval.dtype} (expected {aval.str_short()}, got "
                        f"{c_aval.str_short()}); cast it, e.g. ct.astype({aval.dtype.name!r})")


def as_leaf(x: Any, api: str, where: str) -> Any:
    """A valid array leaf: Python scalars become NumPy scalars (never upcast to arrays)."""
    if isinstance(x, (np.ndarray, np.generic, Tracer)):
        if isinstance(x, np.ndarray) and x.dtype == object:
            raise TypeError(f"{api}: {where} is an object array, which ftrans cannot "
                            f"transform; use a numeric dtype")
        return x
    if type(x) in (bool, int, float, complex):
        if type(x) is int and not _INT64_MIN <= x <= _INT64_MAX:
            raise OverflowError(
                f"{api}: {where or 'an argument'} is the Python int {x}, which does not fit in "
                f"int64 (the dtype of Python ints in ftrans); pass a float, or a NumPy array "
                f"of another dtype")
        return np.asarray(x)[()]
    raise TypeError(
        f"{api}: {where} has type {type(x).__name__}, which is not an array: transformed "
        f"functions take NumPy arrays, numbers, or tuples/lists/dicts of them. Pass "
        f"non-array arguments through static_argnums, or close over them.")


def flatten_args(args: Sequence[Any], api: str, what: str = "argument"
                  ) -> tuple[list[Any], PyTreeDef]:
    for x in args:
        t = type(x)
        if t not in NUMPY_SCALAR_AVALS and (t is not np.ndarray or x.dtype == object):
            break
    else:  # arrays and NumPy scalars only (the commonest call): leaves as they are
        return list(args), flat_tuple_tree(len(args))
    leaves, tree = tree_flatten(tuple(args))
    if len(leaves) == len(args) and all(type(x) in (np.ndarray, float) for x in leaves):
        # the common case: a flat tuple of arrays/floats; skip path bookkeeping
        return [as_leaf(x, api, "") for x in leaves], tree
    if all(type(x) in NUMPY_SCALAR_AVALS or (type(x) is np.ndarray and x.dtype != object)
           for x in leaves):
        return leaves, tree  # arrays and NumPy scalars: valid as they are (as_leaf's checks)
    out = []
    for i, arg in enumerate(args):
        for leaf in tree_flatten(arg)[0]:
            out.append(as_leaf(leaf, api, f"{what} {i}"))
    return out, tree


_flat_tuple_trees: dict[int, PyTreeDef] = {}


def flat_tuple_tree(n: int) -> PyTreeDef:
    """The structure of a tuple of ``n`` leaves, one shared object per ``n``: what
    ``flatten_args`` gives arguments that are all arrays (callers may test it with ``is``)."""
    tree = _flat_tuple_trees.get(n)
    if tree is None:
        tree = _flat_tuple_trees[n] = tree_structure(tuple(range(n)))
    return tree


def checked_cotangents(ct: Any, out_tree: PyTreeDef, out_avals: Sequence[ShapedArray],
                       api: str) -> list[Any]:
    """The leaves of ``ct``, a cotangent of outputs of structure ``out_tree`` and types
    ``out_avals``, checked (structure, shape, dtype: ``check_cotangent``) and as arrays: a
    Python float or complex takes its output's dtype."""
    ct_flat, ct_tree = tree_flatten(ct)
    if ct_tree != out_tree:
        raise TypeError(f"{api}: the cotangent has structure {ct_tree} but the function's "
                        f"output has {out_tree}")
    leaves = []
    for i, (c, aval) in enumerate(zip(ct_flat, out_avals)):
        if type(c) in (float, complex):  # weak: the output's dtype
            check_cotangent(c, aval, api, i)
            leaves.append(np.asarray(c, aval.dtype)[()])
        else:
            c = as_leaf(c, api, "cotangent")
            check_cotangent(c, aval, api, i)
            leaves.append(c)
    return leaves


def writable(leaves: list[Any]) -> list[Any]:
    """Results handed to the user are ordinary arrays: broadcast views (read-only, shared
    memory) are copied."""
    return [x.copy() if type(x) is np.ndarray and not x.flags.writeable else x for x in leaves]


def check_outputs(leaves: list[Any], fun: Callable, api: str) -> None:
    for x in leaves:
        if not is_valid_array(x):
            raise TypeError(
                f"{api}: function {fun_name(fun)} returned a value of type "
                f"{type(x).__name__}; transformed functions must return arrays, numbers, or "
                f"tuples/lists/dicts of them.")


def normalize_argnums(argnums: int | Sequence[int], nargs: int, api: str) -> tuple[int, ...]:
    many = not isinstance(argnums, (int, np.integer))
    nums = tuple(argnums) if many else (argnums,)
    if many and not nums:
        raise ValueError(f"{api}: argnums is empty; name at least one argument to "
                         f"differentiate with respect to")
    out = []
    for a in nums:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{api}: argnums must be ints, got {a!r}")
        if not -nargs <= a < nargs:
            raise ArgumentTypeError(f"{api}: argnums {a} is out of range: the function was "
                                    f"called with {nargs} positional argument(s); pass the "
                                    f"argument to differentiate or fix argnums")
        out.append(int(a) % nargs)
    return tuple(out)
