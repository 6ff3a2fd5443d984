"""jit's cached call: a function generated for one traced entry and the types of the
arguments it was called with, which checks that a new call fits (structure, leaf types, the
state of jit) and runs the compiled program directly, or else hands the call to jit's general
path having run nothing. A jitted function calls it without a frame of its own (it is the
function's ``__call__``, see ``api_jit.JitFunction``). See docs/internals.md, "jit" (the cached
call)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ftrans import zero_cotangent
from ftrans.api_util import writable
from ftrans.config import jit_enabled
from ftrans.core import NUMPY_SCALAR_AVALS, current_trace_var, eval_trace
from ftrans.tree_util import tree_flatten, tree_unflatten
from ftrans.tree_util.registry import sorted_dict_keys

if TYPE_CHECKING:
    from ftrans.api_jit import _JitCaches, _JitEntry

__all__ = ["PYTHON_TO_NUMPY", "generated_call"]

_MISSING = object()  # a dict key the arguments lack
PYTHON_TO_NUMPY = {float: np.float64, int: np.int64, bool: np.bool_, complex: np.complex128}
# the globals every generated cached call shares (with the caches, given to each)
_CALL_NAMESPACE: dict[str, Any] = {
    "MISSING": _MISSING, "ndarray": np.ndarray, "unflatten": tree_unflatten, "writable": writable,
    "jit_enabled": jit_enabled.get, "current_trace": current_trace_var.get,
    "eval_trace": eval_trace, "zero_cotangent_mode": zero_cotangent._mode.get,
    "zero_cotangent": zero_cotangent,
}


# what a generated cached call unpacks: containers of exactly these types (subclasses, such as
# named tuples, and other registered nodes take the general path), and leaves of these
_UNPACKED_CONTAINERS = (tuple, list, dict)
_LEAF_TYPES = frozenset(NUMPY_SCALAR_AVALS) | {np.ndarray, *PYTHON_TO_NUMPY}
_MAX_UNPACKED_NODES = 2048  # beyond these, the general path (generated code stays small)
_MAX_UNPACKED_DEPTH = 32


def _unpacking(args: tuple, namespace: dict[str, Any], miss: str
               ) -> tuple[list[str], list[str]] | None:
    """Lines that check that ``args`` (a tuple named ``args``) has the structure of the given
    one, exactly (container types, lengths, dict keys), running the statement ``miss`` where
    it does not, and name its leaves, in tree_flatten's order (dict keys sorted as it sorts
    them); and those names. None for other structures. Lines are indented for the body of a
    function nested in another."""
    lines: list[str] = []
    leaves: list[str] = []
    count = 0

    def visit(x: Any, name: str, depth: int = 0) -> bool:
        nonlocal count
        count += 1
        if count > _MAX_UNPACKED_NODES or depth > _MAX_UNPACKED_DEPTH:
            return False
        t = type(x)
        if t in _LEAF_TYPES:
            leaves.append(name)
            return True
        if x is None:
            lines.append(f"        if {name} is not None:")
            lines.append(f"            {miss}")
            return True
        if t not in _UNPACKED_CONTAINERS:
            return False
        lines.append(f"        if type({name}) is not {t.__name__} or len({name}) != {len(x)}:")
        lines.append(f"            {miss}")
        if t is dict:
            keys = sorted_dict_keys(x)
            children = [x[k] for k in keys]
            names = [f"{name}_{i}" for i in range(len(keys))]
            for child, key in zip(names, keys):
                namespace[f"key_{child}"] = key
                lines.append(f"        {child} = {name}.get(key_{child}, MISSING)")
                lines.append(f"        if {child} is MISSING:")
                lines.append(f"            {miss}")
        else:
            children = list(x)
            names = [f"{name}_{i}" for i in range(len(children))]
            if names:
                lines.append(f"        {', '.join(names)}, = {name}")
        return all(visit(child, n, depth + 1) for child, n in zip(children, names))

    if not visit(args, "args"):
        return None
    return lines, leaves


def generated_call(entry: _JitEntry, args: tuple, program: Callable[..., list[Any]],
                   zero_wins: bool, caches: _JitCaches
                   ) -> Callable[[Callable[..., Any]], Callable[..., Any]] | None:
    """The cached call of ``entry``'s compiled ``program`` for arguments like ``args`` (a
    pytree of tuples, lists, dicts and None whose leaves are arrays or scalars), as a maker:
    ``make(general)`` is a function taking the jitted function's arguments that checks the
    structure (``_unpacking``), the state the entry was found in (jit on, no enclosing trace,
    the zero-cotangent mode ``zero_wins``) and each leaf's type (an array's shape and dtype
    too), marks the entry used, converts Python scalars as ``flatten_args`` does, runs
    ``program`` (its ``scalar`` form directly, if it has one: see ``compile_jaxpr``) and
    returns what the general path would; or, for keywords or any other arguments or state,
    returns ``general(*args, **kwargs)`` having run nothing. Generated once per entry and
    leaf types (None for arguments of another structure); each call's ``entry`` is
    ``entry``. Never installed while ``debug_jit_outputs`` is set."""
    # an entry's arguments all have one structure (it is part of the entry's key): the leaves'
    # types tell its calls apart
    values = tree_flatten(args)[0]
    types = tuple(map(type, values))
    calls = entry.calls
    if calls is None:
        calls = entry.calls = {}
    if types in calls:
        return calls[types]
    namespace: dict[str, Any] = dict(_CALL_NAMESPACE, program=program, entry=entry,
                                     out_tree=entry.out_tree, zero_wins=zero_wins,
                                     caches=caches)
    miss = "return general(*args)"
    unpacking = _unpacking(args, namespace, miss)
    if unpacking is None:
        calls[types] = None  # not asked again for these arguments
        return None
    lines, params = unpacking
    checks, converts = [], []
    for i, (p, t, value) in enumerate(zip(params, types, values)):
        namespace[f"t{i}"] = t
        checks.append(f"type({p}) is not t{i}")
        if t is np.ndarray:
            namespace[f"s{i}"], namespace[f"d{i}"] = value.shape, value.dtype
            checks.append(f"{p}.shape != s{i} or {p}.dtype is not d{i}")
        elif t is int:
            checks.append(f"not {-(2 ** 63)} <= {p} < {2 ** 63}")
        if t in PYTHON_TO_NUMPY:
            namespace[f"n{i}"] = PYTHON_TO_NUMPY[t]
            converts.append(f"        {p} = n{i}({p})")
    lines = ["def make(general):",
             "    def call(*args, **kwargs):",
             "        if kwargs:",
             "            return general(*args, **kwargs)",
             *lines]
    for start in range(0, len(checks), 16):  # statements of bounded length
        lines += [f"        if {' or '.join(checks[start:start + 16])}:",
                  f"            {miss}"]
    # the state the entry is valid in: a traced program bakes in the zero-cotangent mode
    lines += ["        if not jit_enabled() or current_trace() is not eval_trace:",
              f"            {miss}",
              "        mode = zero_cotangent_mode()",
              "        if mode is None:",
              "            if zero_cotangent._default is not zero_wins:",
              f"                {miss}",
              "        elif mode is not zero_wins:",
              f"            {miss}",
              "        if caches.mru is not entry:",
              "            caches.hit(entry)"]
    lines += converts
    call_args = ", ".join(params)
    scalar = getattr(program, "scalar", None)
    value = getattr(program, "scalar_value", None)
    if value is not None and entry.single_output:
        # the one output bare, a NumPy scalar (never a read-only array): nothing to copy
        namespace["value"] = value
        lines += ["        try:",
                  f"            return value({call_args})",
                  "        except (ArithmeticError, ValueError):",
                  f"            outs = program({call_args})"]
    elif scalar is not None:  # the scalar form directly; the program when Python raises
        namespace["scalar"] = scalar
        lines += ["        try:",
                  f"            outs = scalar({call_args})",
                  "        except (ArithmeticError, ValueError):",
                  f"            outs = program({call_args})"]
    else:
        lines.append(f"        outs = program({call_args})")
    if entry.single_output:
        lines += ["        out = outs[0]",
                  "        if type(out) is ndarray and not out.flags.writeable:",
                  "            return out.copy()",
                  "        return out"]
    else:
        lines.append("        return unflatten(out_tree, writable(outs))")
    lines += ["    call.entry = entry", "    return call"]
    exec(compile("\n".join(lines) + "\n", "<ftrans.jit call>", "exec"), namespace)
    make = calls[types] = namespace["make"]
    return make
