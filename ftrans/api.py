"""What users call: the transformations, with pytree plumbing and checks of user input.

Each function here flattens its arguments, installs one interpreter's trace around the user's
function, and unflattens the results; the work is in ``ftrans.interpreters``. See
docs/internals.md, "The API layer".
"""

from __future__ import annotations

import functools
from typing import Any, Callable, ParamSpec, Sequence

import numpy as np

from ftrans.aliasing import detach_from
from ftrans.core import ShapedArray, Tracer, get_aval, is_valid_array, new_trace
from ftrans.interpreters.jvp import (
    JVPTrace, JVPTracer, Zero, is_differentiable_dtype, split_outputs,
)
from ftrans.interpreters.linearize import LinearizeTrace
from ftrans.interpreters.partial_eval import PartialEvalTrace
from ftrans.interpreters.staging import StagingTrace
from ftrans.interpreters.transpose import UndefPrimal, backward_pass
from ftrans.ir import ClosedJaxpr, eval_jaxpr
from ftrans.tree_util import (
    Partial,
    PyTreeDef,
    tree_flatten,
    tree_map,
    tree_structure,
    tree_unflatten,
)
from ftrans.api_util import (
    as_leaf, check_callable, check_outputs, checked_cotangents, flatten_args, fun_name,
    normalize_argnums,
)
from ftrans.api_vmap import check_chunk_size, vmap, vmap_basis  # noqa: F401  (ftrans.api.vmap)
from ftrans.progress import ProgressArg, check_progress, make_progress
from ftrans.lax import reshape

P = ParamSpec("P")  # a transformed function has the parameters of the function it transforms

__all__ = [
    "abstract_placeholders", "check_chunk_size", "float0", "grad", "hessian", "jacfwd", "jacrev",
    "jvp", "linearize", "linearize_flat", "make_jaxpr", "trace_to_jaxpr",
    "value_and_grad", "vjp", "vmap", "vmap_basis",
]

# The dtype of the gradient of an integer input under allow_int (as in JAX): zero-size items.
float0 = np.dtype([("float0", np.void, 0)])



# ---------------------------------------------------------------------------------------------
# make_jaxpr
# ---------------------------------------------------------------------------------------------


def _split_static(args: tuple, static_argnums: tuple[int, ...]
                  ) -> tuple[list[Any], Callable[[list[Any]], tuple]]:
    static = {i % len(args) if args else i for i in static_argnums}
    dynamic = [a for i, a in enumerate(args) if i not in static]

    def merge(dyn: Sequence[Any]) -> tuple:
        it = iter(dyn)
        return tuple(a if i in static else next(it) for i, a in enumerate(args))
    return dynamic, merge


def make_jaxpr(fun: Callable[P, Any], static_argnums: int | Sequence[int] = ()
               ) -> Callable[P, ClosedJaxpr]:
    """A function that traces ``fun`` at the given arguments' shapes and dtypes and returns the
    recorded program.

    Args:
      fun: the function to trace; takes and returns pytrees of arrays.
      static_argnums: positions of arguments that are not traced (passed through as is).

    Returns:
      A function taking ``fun``'s arguments and returning a printable :class:`ClosedJaxpr`.

    >>> import ftrans as ft
    >>> print(ft.make_jaxpr(lambda x, y: (x + y) * (x - y))(3., 2.))
    { lambda ; a:f64[] b:f64[]. let
        c:f64[] = add a b
        d:f64[] = sub a b
        e:f64[] = mul c d
      in (e,) }
    """
    check_callable(fun, "make_jaxpr")
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)

    @functools.wraps(fun)
    def traced(*args: Any, **kwargs: Any) -> ClosedJaxpr:
        args, kwargs = abstract_placeholders((args, kwargs))
        closed, _ = trace_to_jaxpr(fun, args, kwargs, tuple(static_argnums), "make_jaxpr")
        return closed
    return traced


def abstract_placeholders(tree: Any) -> Any:
    """``tree`` with abstract leaves (a ``ShapedArray``, or any object with ``shape`` and
    ``dtype`` that is not an array, such as ``ShapeDtypeStruct``) replaced by arrays of that
    shape and dtype that occupy no memory (a broadcast scalar), for functions that only trace:
    a program can be read, or its memory estimated, at sizes too large to allocate."""
    def placeholder(x: Any) -> Any:
        if isinstance(x, (np.ndarray, np.generic, Tracer)) or type(x) in (bool, int, float,
                                                                          complex):
            return x
        shape, dtype = getattr(x, "shape", None), getattr(x, "dtype", None)
        if shape is None or dtype is None:
            return x
        try:
            dims = tuple(int(d) for d in shape)
            dtype = np.dtype(dtype)
        except (TypeError, ValueError):
            return x
        return np.broadcast_to(np.zeros((), dtype), dims)
    return tree_map(placeholder, tree)


def trace_to_jaxpr(fun: Callable, args: tuple, kwargs: dict, static_argnums: tuple[int, ...],
                   description: str) -> tuple[ClosedJaxpr, PyTreeDef]:
    """Stage ``fun(*args, **kwargs)`` into a program over the flattened dynamic arguments."""
    dynamic, merge = _split_static(args, static_argnums)
    flat, in_tree = flatten_args((tuple(dynamic), kwargs), description)
    with new_trace(StagingTrace, description) as trace:
        in_tracers = [trace.new_arg(get_aval(x)) for x in flat]
        dyn_args, dyn_kwargs = tree_unflatten(in_tree, in_tracers)
        out = fun(*merge(dyn_args), **dyn_kwargs)
        out_flat, out_tree = tree_flatten(out)
        check_outputs(out_flat, fun, description)
        closed = trace.to_closed_jaxpr(out_flat)
    return closed, out_tree


# ---------------------------------------------------------------------------------------------
# Forward mode
# ---------------------------------------------------------------------------------------------


def _check_tangent(primal: Any, tangent: Any, api: str, i: int) -> Any:
    p_aval, t_aval = get_aval(primal), get_aval(tangent)
    if not is_differentiable_dtype(p_aval.dtype):
        return None
    if p_aval.shape != t_aval.shape:
        raise ValueError(f"{api}: tangent {i} has shape {t_aval.shape} but its primal has shape "
                         f"{p_aval.shape}; a tangent must match its primal's shape and dtype")
    if p_aval.dtype != t_aval.dtype:
        raise TypeError(f"{api}: tangent {i} has dtype {t_aval.dtype} but its primal has dtype "
                        f"{p_aval.dtype}; a tangent must match its primal's shape and dtype")
    return tangent


def jvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False) -> tuple[Any, ...]:
    """Evaluate ``fun`` and its directional derivative (forward mode).

    Args:
      fun: function of ``len(primals)`` pytree arguments.
      primals: tuple or list of the arguments.
      tangents: tuple or list of the same structure, shapes and dtypes: the direction.
      has_aux: ``fun`` returns ``(output, aux)``; aux is returned without derivative.

    Returns:
      ``(fun(*primals), derivative along tangents)``, plus aux when ``has_aux``.

    Raises:
      TypeError / ValueError: when primals and tangents differ in structure, shape or dtype.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> ft.jvp(fnp.sin, (0.0,), (2.0,))
    (np.float64(0.0), np.float64(2.0))
    """
    check_callable(fun, "jvp")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples or lists, e.g. "
                        "jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    flat_p, tree_p = flatten_args(primals, "jvp", "primal")
    flat_t, tree_t = flatten_args(tangents, "jvp", "tangent")
    if tree_p != tree_t:
        raise TypeError(f"jvp: primals and tangents have different structures:\n"
                        f"  primals:  {tree_p}\n  tangents: {tree_t}")
    flat_t = [_check_tangent(p, t, "jvp", i) for i, (p, t) in enumerate(zip(flat_p, flat_t))]
    with new_trace(JVPTrace, "jvp") as trace:
        ins = [p if t is None else JVPTracer(trace, p, t) for p, t in zip(flat_p, flat_t)]
        out = fun(*tree_unflatten(tree_p, ins))
        out, aux = _split_aux(out, has_aux, "jvp")
        aux = _primal_part(aux, trace)
        out_flat, out_tree = tree_flatten(out)
        check_outputs(out_flat, fun, "jvp")
        out_p, out_t = split_outputs(trace, out_flat)
        out_t = [_zeros_like(p) if type(t) is Zero else t for p, t in zip(out_p, out_t)]
    result = (tree_unflatten(out_tree, detach_from(out_p, flat_p + flat_t)),
              tree_unflatten(out_tree, detach_from(out_t, flat_p + flat_t)))
    return result + (aux,) if has_aux else result


def _primal_part(tree: Any, trace: JVPTrace) -> Any:
    """``tree`` without the derivatives of ``trace`` (auxiliary outputs carry none)."""
    if tree is None:
        return None
    return tree_map(lambda x: x.primal if isinstance(x, JVPTracer) and x._trace is trace else x,
                    tree)


def _split_aux(out: Any, has_aux: bool, api: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{api}: with has_aux=True the function must return a pair "
                        f"(output, aux), got {type(out).__name__}")
    return out[0], out[1]


def _zeros_like(x: Any) -> Any:
    aval = get_aval(x)
    if not is_differentiable_dtype(aval.dtype):
        return np.zeros(aval.shape, float0)
    return np.zeros(aval.shape, aval.dtype)[()] if not aval.shape else np.zeros(aval.shape,
                                                                                  aval.dtype)


# ---------------------------------------------------------------------------------------------
# Linearize, vjp, grad
# ---------------------------------------------------------------------------------------------


class _Linearized:
    """The result of linearizing a flat function: primal outputs and a linear program."""

    __slots__ = ("out_primals", "jaxpr", "out_is_zero", "in_avals", "out_avals")

    def __init__(self, out_primals: list[Any], jaxpr: ClosedJaxpr, out_is_zero: list[bool],
                 in_avals: list[ShapedArray]):
        self.out_primals = out_primals
        self.jaxpr = jaxpr
        self.out_is_zero = out_is_zero
        self.in_avals = in_avals
        self.out_avals = [get_aval(p) for p in out_primals]


def linearize_flat(fun_flat: Callable[[list[Any]], tuple[list[Any], Any]],
                   flat_primals: list[Any], description: str) -> tuple[_Linearized, Any]:
    """jvp under partial evaluation: primals known (computed now), tangents unknown
    (recorded). ``fun_flat`` returns (flat outputs, extra) where extra is passed through."""
    in_avals = [get_aval(p) for p in flat_primals]
    with new_trace(PartialEvalTrace, description) as pe:
        tangent_args = [pe.new_arg(a) for a in in_avals]
        with new_trace(LinearizeTrace, description) as jt:
            ins = [JVPTracer(jt, p, t) if is_differentiable_dtype(a.dtype) else p
                   for p, t, a in zip(flat_primals, tangent_args, in_avals)]
            out_flat, extra = fun_flat(ins)
            extra = _primal_part(extra, jt)
            out_primals, out_tangents = split_outputs(jt, out_flat)
        out_is_zero = [type(t) is Zero for t in out_tangents]
        jaxpr = pe.to_closed_jaxpr([t for t in out_tangents if type(t) is not Zero])
    return _Linearized(out_primals, jaxpr, out_is_zero, in_avals), extra


def _run_linear(lin: _Linearized, tangents: list[Any]) -> list[Any]:
    outs = iter(eval_jaxpr(lin.jaxpr.jaxpr, lin.jaxpr.consts, *tangents))
    return [_zeros_like(p) if z else next(outs) for p, z in zip(lin.out_primals, lin.out_is_zero)]


def _transpose_linear(lin: _Linearized, cts: list[Any], consts: Sequence[Any] | None = None,
                      consume: bool = False) -> list[Any]:
    """Input cotangents (symbolic Zeros where nothing flows) for output cotangents ``cts``.
    With ``consume`` the linear program is used up: the pass frees each residual after its
    last use and drops each equation once transposed."""
    cts = [ct for ct, z in zip(cts, lin.out_is_zero) if not z]
    args = [UndefPrimal(a) for a in lin.in_avals]
    closed, j = lin.jaxpr, lin.jaxpr.jaxpr
    if consume:  # the pass empties the program's equation list and takes its constants
        consts, closed.consts = closed.consts, []  # type: ignore[assignment]
    return backward_pass(j, closed.consts if consts is None else consts, args, cts, consume)


def _materialize(ct: Any, aval: ShapedArray) -> Any:
    if type(ct) is Zero:
        dtype = aval.dtype if is_differentiable_dtype(aval.dtype) else float0
        zeros = np.zeros(aval.shape, dtype)
        return zeros[()] if not aval.shape and dtype != float0 else zeros
    return ct


def linearize(fun: Callable, *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """Evaluate ``fun`` and return its linear approximation at ``primals``.

    The primal work runs once, now; the returned function evaluates the recorded linear
    program, so calling it repeatedly does no primal work.

    Returns:
      ``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the jvp along ``tangents``.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> y, f_jvp = ft.linearize(fnp.sin, 0.0)
    >>> f_jvp(3.0)
    np.float64(3.0)
    """
    check_callable(fun, "linearize")
    flat, in_tree = flatten_args(primals, "linearize")

    def fun_flat(ins: list[Any]) -> tuple[list[Any], PyTreeDef]:
        out_flat, out_tree = tree_flatten(fun(*tree_unflatten(in_tree, ins)))
        check_outputs(out_flat, fun, "linearize")
        return out_flat, out_tree

    lin, out_tree = linearize_flat(fun_flat, flat, "linearize")

    def f_jvp(*tangents: Any) -> Any:
        flat_t, tree_t = flatten_args(tangents, "linearize", "tangent")
        if tree_t != in_tree:
            raise TypeError(f"linearized function: tangents have structure {tree_t} but the "
                            f"primals had {in_tree}")
        for i, (p, t) in enumerate(zip(flat, flat_t)):
            _check_tangent(p, t, "linearized function", i)
        return tree_unflatten(out_tree, detach_from(_run_linear(lin, flat_t), flat_t))

    f_jvp.jaxpr = lin.jaxpr  # type: ignore[attr-defined]  # the linear program, for inspection
    return tree_unflatten(out_tree, detach_from(lin.out_primals, flat)), f_jvp


def vjp(fun: Callable, *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """Evaluate ``fun`` and return a function that pulls output cotangents back to inputs.

    Reverse mode is linearize then transpose: the returned ``vjp_fun(ct)`` runs the linear
    program backwards.

    Returns:
      ``(fun(*primals), vjp_fun)`` (plus aux when ``has_aux``), where ``vjp_fun(ct)`` returns a
      tuple with one cotangent per primal. ``vjp_fun`` is a ``tree_util.Partial`` whose leaves
      are the residuals, so it can be passed to and returned from jitted functions.

    >>> import ftrans as ft
    >>> y, f_vjp = ft.vjp(lambda x, y: x * y, 3.0, 4.0)
    >>> f_vjp(1.0)
    (np.float64(4.0), np.float64(3.0))
    """
    check_callable(fun, "vjp")
    flat, in_tree = flatten_args(primals, "vjp")

    def fun_flat(ins: list[Any]) -> tuple[list[Any], tuple[PyTreeDef, Any]]:
        out, aux = _split_aux(fun(*tree_unflatten(in_tree, ins)), has_aux, "vjp")
        out_flat, out_tree = tree_flatten(out)
        check_outputs(out_flat, fun, "vjp")
        return out_flat, (out_tree, aux)

    lin, (out_tree, aux) = linearize_flat(fun_flat, flat, "vjp")

    num_res = len(lin.jaxpr.consts)

    def vjp_fun(*residuals_and_ct: Any) -> tuple[Any, ...]:
        if len(residuals_and_ct) != num_res + 1:
            raise TypeError(f"vjp function takes one cotangent (a pytree like the output), "
                            f"got {len(residuals_and_ct) - num_res} arguments")
        residuals, ct = residuals_and_ct[:num_res], residuals_and_ct[num_res]
        ct_flat = checked_cotangents(ct, out_tree, lin.out_avals, "vjp function")
        cts_in = _transpose_linear(lin, ct_flat, residuals)
        cts_out = [_materialize(c, a) for c, a in zip(cts_in, lin.in_avals)]
        return tree_unflatten(in_tree, detach_from(cts_out, ct_flat))

    # the residuals are the Partial's leaves: the function is a pytree, as in JAX
    result = (tree_unflatten(out_tree, detach_from(lin.out_primals, flat)),
              Partial(vjp_fun, *lin.jaxpr.consts))
    return result + (aux,) if has_aux else result


def _check_holomorphic_input(aval: ShapedArray, api: str, holomorphic: bool) -> None:
    if holomorphic and aval.dtype.kind != "c":
        raise TypeError(f"{api} with holomorphic=True requires inputs with complex dtype, but "
                        f"got {aval.dtype.name}.")


def _check_real_output(aval: ShapedArray, api: str, holomorphic: bool, fun: Callable) -> None:
    """Reverse-mode derivatives of a whole function: its outputs must be real, or complex with
    ``holomorphic=True`` (a complex output's derivative is otherwise not one array)."""
    if holomorphic:
        if aval.dtype.kind != "c":
            raise TypeError(f"{api} with holomorphic=True requires outputs with complex dtype, "
                            f"but {fun_name(fun)} returned {aval.dtype.name}.")
    elif aval.dtype.kind == "c":
        raise TypeError(f"{api} requires real-valued outputs (output dtype that is a sub-dtype "
                        f"of np.floating), but {fun_name(fun)} returned {aval.dtype.name}. "
                        f"For holomorphic differentiation, pass holomorphic=True. For "
                        f"differentiation of non-holomorphic functions involving complex "
                        f"outputs, use vjp directly.")
    elif aval.dtype.kind != "f":
        raise TypeError(f"{api} requires a real floating-point output, but {fun_name(fun)} "
                        f"returned {aval.dtype.name}. Use vjp for integer or boolean outputs.")


def value_and_grad(fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False, allow_int: bool = False) -> Callable[P, Any]:
    """Like :func:`grad`, but the function returns ``(value, gradient)`` (or
    ``((value, aux), gradient)`` with ``has_aux``)."""
    check_callable(fun, "value_and_grad")
    call: Callable[..., Any] = fun  # called with rebuilt argument lists

    @functools.wraps(fun)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        api = "grad"
        if type(argnums) is int and 0 <= argnums < len(args):  # the commonest: one position
            nums: tuple[int, ...] = (argnums,)
            diff_args: tuple[Any, ...] = (args[argnums],)
        else:
            nums = normalize_argnums(argnums, len(args), api)
            diff_args = tuple(args[i] for i in nums)
        flat, in_tree = flatten_args(diff_args, api)
        for aval in map(get_aval, flat):
            _check_holomorphic_input(aval, api, holomorphic)
            if not is_differentiable_dtype(aval.dtype) and not allow_int:
                raise TypeError(
                    f"grad requires real- or complex-valued inputs (input dtype that is a "
                    f"sub-dtype of np.inexact), but got {aval.dtype.name}. If you want to use "
                    f"integer-valued inputs, use vjp or set allow_int to True.")

        def fun_flat(ins: list[Any]) -> tuple[list[Any], Any]:
            full = list(args)
            for i, a in zip(nums, tree_unflatten(in_tree, ins)):
                full[i] = a
            out, aux = _split_aux(call(*full, **kwargs), has_aux, api)
            out_flat, _ = tree_flatten(out)
            if len(out_flat) != 1 or not is_valid_array(out_flat[0]):
                raise TypeError(f"grad requires a function returning one scalar array, but "
                                f"{fun_name(fun)} returned {_describe(out)}")
            aval = get_aval(out_flat[0])
            if aval.shape != ():
                raise TypeError(f"grad requires a scalar output, but {fun_name(fun)} returned "
                                f"shape {aval.shape}. Reduce it (e.g. .sum()), or use vjp, "
                                f"jacrev or jacfwd for non-scalar outputs.")
            _check_real_output(aval, api, holomorphic, fun)
            return out_flat, aux  # the value is the linearized output's primal

        lin, aux = linearize_flat(fun_flat, flat, api)
        value = lin.out_primals[0]
        cts_in = _transpose_linear(lin, [_one(get_aval(value).dtype)], consume=True)
        grads = tree_unflatten(in_tree, detach_from(
            [_materialize(c, a) for c, a in zip(cts_in, lin.in_avals)], flat))
        g = grads if not isinstance(argnums, (int, np.integer)) else grads[0]
        return ((value, aux), g) if has_aux else (value, g)

    return value_and_grad_f


_ONES: dict[np.dtype, Any] = {}  # dtype -> its NumPy scalar one (immutable: shared)


def _one(dtype: np.dtype) -> Any:
    """The output cotangent of a gradient."""
    one = _ONES.get(dtype)
    if one is None:
        one = _ONES[dtype] = np.ones((), dtype)[()]
    return one


def _describe(out: Any) -> str:
    if is_valid_array(out):
        return get_aval(out).str_short()
    return f"a {type(out).__name__} with structure {tree_structure(out)}"


def grad(fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False, allow_int: bool = False) -> Callable[P, Any]:
    """The gradient of a scalar-valued function, by reverse mode (linearize then transpose).

    Args:
      fun: function returning a real scalar (or ``(scalar, aux)`` with ``has_aux``).
      argnums: position (or tuple of positions) of the arguments to differentiate.
      has_aux: ``fun`` returns ``(scalar, aux)``; the gradient function then returns
        ``(gradient, aux)``.
      holomorphic: ``fun`` is holomorphic, with complex inputs and a complex output; the
        result is the complex derivative ``f'(z)``. Without it, complex inputs are allowed
        when the output is real, and the result is the conjugate of ``df/dz`` times 2
        (``grad(lambda z: abs(z) ** 2)(z) == 2 * conj(z)``; see docs/complex.md).
      allow_int: allow integer inputs; their gradient is a ``float0`` zero array.

    Returns:
      A function with ``fun``'s signature returning the gradient, shaped like the argument(s).

    Raises:
      TypeError: for a non-scalar or non-float output (a complex one without
        ``holomorphic=True``), a real input with ``holomorphic=True``, or an integer input
        without ``allow_int``. ValueError: for ``argnums`` out of range.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> ft.grad(lambda x: x ** 3)(2.0)
    np.float64(12.0)
    >>> ft.grad(lambda z: z ** 2, holomorphic=True)(1j)
    np.complex128(2j)
    """
    check_callable(fun, "grad")
    value_and_grad_f = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

    @functools.wraps(fun)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        if has_aux:
            (_, aux), g = value_and_grad_f(*args, **kwargs)
            return g, aux
        return value_and_grad_f(*args, **kwargs)[1]

    return grad_f


# ---------------------------------------------------------------------------------------------
# vmap

# ---------------------------------------------------------------------------------------------
# Jacobians
# ---------------------------------------------------------------------------------------------


def _jac_args(args: tuple, argnums: int | Sequence[int], api: str,
              holomorphic: bool) -> tuple[tuple[int, ...], Any]:
    nums = normalize_argnums(argnums, len(args), api)
    for i in nums:
        for leaf in tree_flatten(args[i])[0]:
            aval = get_aval(as_leaf(leaf, api, f"argument {i}"))
            _check_holomorphic_input(aval, api, holomorphic)
            if holomorphic or aval.dtype.kind == "f":
                continue
            if aval.dtype.kind == "c" and api == "jacrev":
                continue  # a real output's reverse-mode Jacobian is defined for complex inputs
            hint = (" For holomorphic differentiation, pass holomorphic=True. For "
                    "differentiation of non-holomorphic functions involving complex inputs, "
                    "use jvp directly." if aval.dtype.kind == "c" else "")
            raise TypeError(f"{api} requires real floating-point inputs, got "
                            f"{aval.dtype.name} for argument {i}.{hint}")
    return nums, tuple(args[i] for i in nums)


def _partial(fun: Callable, args: tuple, nums: tuple[int, ...], kwargs: dict) -> Callable:
    def f(*diff_args: Any) -> Any:
        full = list(args)
        for i, a in zip(nums, diff_args):
            full[i] = a
        return fun(*full, **kwargs)
    return f


def _pick(per_arg: tuple, argnums: int | Sequence[int]) -> Any:
    return per_arg[0] if isinstance(argnums, (int, np.integer)) else per_arg


def jacfwd(fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, chunk_size: int | None = None,
           progress: ProgressArg = None) -> Callable[P, Any]:
    """The Jacobian of ``fun`` by forward mode: ``vmap`` of ``jvp`` over the input basis.

    The result has, for each output leaf and input leaf, shape ``out.shape + in.shape``; with
    several ``argnums``, a tuple over the arguments. With ``chunk_size``, the basis is pushed
    ``chunk_size`` directions at a time (same result, peak memory scaling with it), and
    ``progress`` (as for :func:`vmap`) is told of the directions done after each chunk. Inputs
    must be real (outputs may be complex), or all complex with ``holomorphic=True`` (the
    complex derivative; outputs then must be complex).

    >>> import ftrans as ft, numpy as np
    >>> ft.jacfwd(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    check_callable(fun, "jacfwd")
    check_chunk_size(chunk_size, "jacfwd")
    check_progress(progress, "jacfwd")

    @functools.wraps(fun)
    def jac_f(*args: Any, **kwargs: Any) -> Any:
        nums, diff_args = _jac_args(args, argnums, "jacfwd", holomorphic)
        f = _partial(fun, args, nums, kwargs)
        flat, in_tree = flatten_args(diff_args, "jacfwd")
        in_avals = [get_aval(x) for x in flat]
        reporter = make_progress(progress, sum(a.size for a in in_avals), "jacfwd")
        columns = []  # per input leaf: the flat list of d(output leaf)/d(this input leaf)
        out_tree = aux = None
        for k, aval in enumerate(in_avals):
            def push(direction: Any, k: int = k) -> Any:
                tangents = [direction if i == k else np.zeros(a.shape, a.dtype)
                            for i, a in enumerate(in_avals)]
                res = jvp(f, diff_args, tree_unflatten(in_tree, tangents), has_aux=has_aux)
                return (res[1], res[2]) if has_aux else res[1]
            res = vmap_basis(push, aval, chunk_size, (-1, None) if has_aux else -1, reporter)
            if has_aux:
                res, aux = res
            out_leaves, out_tree = tree_flatten(res)
            if holomorphic:
                for j in out_leaves:
                    if get_aval(j).dtype.kind != "c":
                        raise TypeError(f"jacfwd with holomorphic=True requires outputs with "
                                        f"complex dtype, but got {get_aval(j).dtype.name}.")
            columns.append([reshape(j, get_aval(j).shape[:-1] + aval.shape)
                            for j in out_leaves])
        if not in_avals:
            raise ValueError("jacfwd: the differentiated arguments have no array leaves")
        assert out_tree is not None  # set by the loop, which ran (in_avals is non-empty)
        per_out = [_pick(tree_unflatten(in_tree, [col[o] for col in columns]), argnums)
                   for o in range(len(columns[0]))]
        jac = tree_unflatten(out_tree, per_out)
        return (jac, aux) if has_aux else jac

    return jac_f


def jacrev(fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, chunk_size: int | None = None,
           progress: ProgressArg = None) -> Callable[P, Any]:
    """The Jacobian of ``fun`` by reverse mode: ``vmap`` of the vjp over the output basis.
    With ``chunk_size``, the basis is pulled back ``chunk_size`` rows at a time (same result,
    peak memory scaling with it), and ``progress`` (as for :func:`vmap`) is told of the rows
    done after each chunk. Outputs must be real (inputs may be complex), or complex
    with ``holomorphic=True`` (inputs then must be complex too).

    >>> import ftrans as ft, numpy as np
    >>> ft.jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    check_callable(fun, "jacrev")
    check_chunk_size(chunk_size, "jacrev")
    check_progress(progress, "jacrev")

    @functools.wraps(fun)
    def jac_f(*args: Any, **kwargs: Any) -> Any:
        nums, diff_args = _jac_args(args, argnums, "jacrev", holomorphic)
        f = _partial(fun, args, nums, kwargs)
        res = vjp(f, *diff_args, has_aux=has_aux)
        out, f_vjp = res[0], res[1]
        out_flat, out_tree = tree_flatten(out)
        out_avals = [get_aval(as_leaf(o, "jacrev", "output")) for o in out_flat]
        for aval in out_avals:
            _check_real_output(aval, "jacrev", holomorphic, fun)
        reporter = make_progress(progress, sum(a.size for a in out_avals), "jacrev")
        flat_in, in_tree = tree_flatten(diff_args)
        per_out = []
        for k, aval in enumerate(out_avals):
            def pull(direction: Any, k: int = k) -> Any:
                cts = [direction if i == k else np.zeros(a.shape, a.dtype)
                       for i, a in enumerate(out_avals)]
                return f_vjp(tree_unflatten(out_tree, cts))
            rows = tree_flatten(vmap_basis(pull, aval, chunk_size, 0, reporter))[0]
            pieces = [reshape(r, aval.shape + get_aval(x).shape) for r, x in zip(rows, flat_in)]
            per_out.append(_pick(tree_unflatten(in_tree, pieces), argnums))
        jac = tree_unflatten(out_tree, per_out)
        return (jac, res[2]) if has_aux else jac

    return jac_f


def hessian(fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
            holomorphic: bool = False) -> Callable[P, Any]:
    """The Hessian of a scalar function: ``jacfwd(jacrev(fun))``.

    >>> import ftrans as ft, numpy as np
    >>> ft.hessian(lambda x: (x ** 3).sum())(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    check_callable(fun, "hessian")
    return jacfwd(jacrev(fun, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)
