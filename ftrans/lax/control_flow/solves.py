"""Solves with implicit derivatives: ``custom_linear_solve`` and ``custom_root``.

Both run a user's solver (any code: an iterative loop, a factorization, a callback) to get a
value, and differentiate it from the equation it solves instead of through the solver:

- ``custom_linear_solve(matvec, b, solve, transpose_solve)`` is the primitive
  ``linear_solve``, whose params hold the linear system (``matvec`` with its closed-over values
  hoisted into operands, ``solve``, ``transpose_solve``). Its jvp solves again for
  ``b_dot - matvec_dot(x)``; it is linear in ``b``, and its transpose is a solve of the
  transposed system (``transpose_solve`` with ``vecmat``, the transpose of ``matvec``).
  Batching maps the user's functions with ``vmap``.
- ``custom_root(f, x0, solve, tangent_solve)`` is a ``custom_jvp`` whose jvp applies the
  implicit function theorem to ``f(x, params) = 0``: ``x_dot = -(df/dx)^-1 df/dparams
  params_dot``, the inverse applied by ``tangent_solve``.

See docs/control_flow.md, "Solves with implicit derivatives".
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import Primitive, ShapedArray, get_aval
from ftrans.interpreters.batching import batching_rules, move_batch_axis, not_mapped
from ftrans.interpreters.jvp import Zero, instantiate_zeros, jvp_rules
from ftrans.interpreters.transpose import NonLinearError, is_undefined, transpose_rules
from ftrans.lax.elementwise import neg, sub
from ftrans.tree_util import PyTreeDef, tree_flatten, tree_map, tree_unflatten

__all__ = ["custom_linear_solve", "custom_root", "linear_solve_p"]


class _LinearSystem:
    """A linear system on flat lists. Operands are three groups of values, then ``b``:
    ``matvec``'s closed-over values ``cm``, ``solve``'s ``cs`` and ``transpose_solve``'s
    ``ct``; ``matvec(cm, x)``, ``solve(cm, cs, b)``, ``transpose_solve(cm, ct, b)`` and, if
    known, ``vecmat(cm, y)``. A primitive param, compared by identity."""

    __slots__ = ("matvec", "solve", "transpose_solve", "vecmat", "avals", "name")

    def __init__(self, matvec: Callable, solve: Callable, transpose_solve: Callable | None,
                 vecmat: Callable | None, avals: tuple, name: str):
        self.matvec, self.solve, self.transpose_solve = matvec, solve, transpose_solve
        self.vecmat, self.avals, self.name = vecmat, avals, name

    def transposed(self) -> _LinearSystem:
        """The system of the transpose (its operands: cm, ct, cs, then b)."""
        if self.transpose_solve is None:
            raise NonLinearError(
                "custom_linear_solve: reverse-mode differentiation needs transpose_solve (or "
                "symmetric=True when matvec is symmetric)")
        return _LinearSystem(self._vecmat(), self.transpose_solve, self.solve, self.matvec,
                             self.avals, f"transpose({self.name})")

    def _vecmat(self) -> Callable:
        if self.vecmat is not None:
            return self.vecmat
        from ftrans.api_linear_transpose import linear_transpose  # cycle: api imports lax
        matvec, avals = self.matvec, self.avals

        def vecmat(cm: Sequence[Any], y: Sequence[Any]) -> list[Any]:
            examples = [np.zeros(a.shape, a.dtype) for a in avals]
            return list(linear_transpose(lambda *x: matvec(cm, list(x)), *examples)(list(y)))
        return vecmat

    def __repr__(self) -> str:
        return self.name


def _split(args: Sequence[Any], num_consts: tuple[int, int, int]) -> tuple[list[Any], ...]:
    n_m, n_s, n_t = num_consts
    return (list(args[:n_m]), list(args[n_m:n_m + n_s]), list(args[n_m + n_s:n_m + n_s + n_t]),
            list(args[n_m + n_s + n_t:]))


def _linear_solve_impl(*args: Any, system: _LinearSystem,
                       num_consts: tuple[int, int, int]) -> list[Any]:
    cm, cs, _, b = _split(args, num_consts)
    x = system.solve(cm, cs, b)
    for i, (xi, aval) in enumerate(zip(x, system.avals)):
        if get_aval(xi) != aval:
            raise ValueError(f"custom_linear_solve: solve returned {get_aval(xi).str_short()} "
                             f"for leaf {i} of b, which is {aval.str_short()}")
    return list(x)


def _linear_solve_abstract_eval(*avals: ShapedArray, system: _LinearSystem,
                                num_consts: tuple[int, int, int]) -> list[ShapedArray]:
    return list(avals[sum(num_consts):])


linear_solve_p = Primitive("linear_solve", impl=_linear_solve_impl,
                           abstract_eval=_linear_solve_abstract_eval, multiple_results=True)


def _converted_solver(user_solve: Callable, linear_map: Callable, b: Any, cm: list[Any],
                      b_tree: PyTreeDef) -> tuple[Callable, list[Any]]:
    """``user_solve`` as ``solver(cm, cs, b_flat)`` with its own closed-over values ``cs``
    hoisted (``matvec``'s values ``cm`` are explicit, so they are not hoisted twice).
    ``linear_map(cm)`` is the map handed to ``user_solve`` (matvec, or its transpose)."""
    from ftrans.custom_gradient import closure_convert  # cycle: it imports lax

    def with_cm(cm_: list[Any], b_: Any) -> Any:
        out = user_solve(linear_map(cm_), b_)
        tree = tree_flatten(out)[1]
        if tree != b_tree:
            raise ValueError(f"custom_linear_solve: solve must return a pytree like b "
                             f"({b_tree}), got {tree}")
        return out
    converted, cs = closure_convert(with_cm, cm, b)

    def solver(cm_: Sequence[Any], cs_: Sequence[Any], b_flat: Sequence[Any]) -> list[Any]:
        return tree_flatten(converted(list(cm_), tree_unflatten(b_tree, list(b_flat)),
                                      *cs_))[0]
    return solver, cs


def custom_linear_solve(matvec: Callable, b: Any, solve: Callable,
                        transpose_solve: Callable | None = None, symmetric: bool = False,
                        has_aux: bool = False) -> Any:
    """``solve(matvec, b)``, differentiated as the solution ``x`` of ``matvec(x) = b`` rather
    than through ``solve``'s own code.

    ``solve`` and ``transpose_solve`` are traced (like a ``jit`` body): they may use ``lax``
    control flow and close over arrays, which are not differentiated.

    Args:
      matvec: the linear map ``x -> A x`` (a pytree like ``b`` in and out); it may close over
        arrays, and ``x`` is differentiated with respect to them too.
      b: the right-hand side, a pytree of arrays.
      solve: ``solve(matvec, b) -> x``, any traceable code (it is never differentiated).
      transpose_solve: ``transpose_solve(vecmat, b) -> x`` solving the transposed system,
        needed for reverse mode unless ``symmetric``.
      symmetric: ``matvec`` is symmetric: ``solve`` serves as ``transpose_solve``.
      has_aux: not supported (``solve`` must return the solution only).

    Returns:
      The solution, a pytree like ``b``.

    Raises:
      ValueError: ``solve`` returns values not shaped like ``b``. NotImplementedError:
        ``has_aux=True``.

    >>> import numpy as np, ftrans as ft, ftrans.numpy as fnp
    >>> from ftrans import lax
    >>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> def solve_with(m):
    ...     return lax.custom_linear_solve(lambda x: m @ x, np.array([1.0, 2.0]),
    ...                                    lambda mv, b: fnp.linalg.solve(m, b), symmetric=True)
    >>> np.round(solve_with(a), 6)
    array([0.2, 0.6])
    >>> np.allclose(ft.grad(lambda m: solve_with(m).sum())(a),
    ...             ft.grad(lambda m: fnp.linalg.solve(m, np.array([1.0, 2.0])).sum())(a))
    True
    """
    if has_aux:
        raise NotImplementedError("custom_linear_solve: has_aux=True is not supported; return "
                                  "auxiliary values from outside the solve")
    from ftrans.custom_gradient import closure_convert  # cycle: it imports lax
    b_flat, b_tree = tree_flatten(b)
    if not b_flat:
        return b
    avals = tuple(get_aval(x) for x in b_flat)
    hoisted_matvec, cm = closure_convert(matvec, b)
    out = tree_flatten(hoisted_matvec(b, *cm))[1]
    if out != b_tree:
        raise ValueError(f"custom_linear_solve: matvec must return a pytree like b ({b_tree}), "
                         f"got {out}")

    def matvec_flat(cm_: Sequence[Any], x: Sequence[Any]) -> list[Any]:
        return tree_flatten(hoisted_matvec(tree_unflatten(b_tree, list(x)), *cm_))[0]

    def matvec_of(cm_: list[Any]) -> Callable:
        return lambda x: hoisted_matvec(x, *cm_)

    def vecmat_of(cm_: list[Any]) -> Callable:
        if symmetric:
            return matvec_of(cm_)
        from ftrans.api_linear_transpose import linear_transpose  # cycle: api imports lax
        transposed = linear_transpose(matvec_of(cm_), b)
        return lambda y: transposed(y)[0]

    solver, cs = _converted_solver(solve, matvec_of, b, cm, b_tree)
    if transpose_solve is None and symmetric:
        transpose_solve = solve
    t_solver, ct = (None, []) if transpose_solve is None else _converted_solver(
        transpose_solve, vecmat_of, b, cm, b_tree)
    system = _LinearSystem(matvec_flat, solver, t_solver, matvec_flat if symmetric else None,
                           avals, getattr(solve, "__name__", "solve"))
    x = linear_solve_p.bind(*cm, *cs, *ct, *b_flat, system=system,
                            num_consts=(len(cm), len(cs), len(ct)))
    return tree_unflatten(b_tree, list(x))


def _linear_solve_jvp(primals: Sequence[Any], tangents: Sequence[Any], *,
                      system: _LinearSystem, num_consts: tuple[int, int, int]
                      ) -> tuple[list[Any], list[Any]]:
    x = linear_solve_p.bind(*primals, system=system, num_consts=num_consts)
    n = sum(num_consts)
    cm = list(primals[:num_consts[0]])
    cm_dots, b_dots = tangents[:num_consts[0]], tangents[n:]
    # only matvec's values and b carry derivatives; the solvers' own values do not
    if all(type(t) is Zero for t in (*cm_dots, *b_dots)):
        return x, [Zero(get_aval(xi)) for xi in x]
    rhs = [instantiate_zeros(t) for t in b_dots]
    if any(type(t) is not Zero for t in cm_dots):
        from ftrans.api import jvp  # cycle: api imports lax
        _, matvec_dot = jvp(lambda *c: system.matvec(list(c), x), cm,
                            [instantiate_zeros(t) for t in cm_dots])
        rhs = [sub(r, m) for r, m in zip(rhs, matvec_dot)]
    x_dot = linear_solve_p.bind(*primals[:n], *rhs, system=system, num_consts=num_consts)
    return x, list(x_dot)


jvp_rules[linear_solve_p] = _linear_solve_jvp


def _linear_solve_transpose(cts: Sequence[Any], *args: Any, system: _LinearSystem,
                            num_consts: tuple[int, int, int]) -> list[Any]:
    n = sum(num_consts)
    if any(is_undefined(c) for c in args[:n]):
        raise NonLinearError("custom_linear_solve is linear in b only, not in matvec's values")
    if all(type(ct) is Zero for ct in cts):
        return [None] * len(args)
    cm, cs, ct, _ = _split(args, num_consts)
    cts = [instantiate_zeros(c) for c in cts]
    ct_b = linear_solve_p.bind(*cm, *ct, *cs, *cts, system=system.transposed(),
                               num_consts=(num_consts[0], num_consts[2], num_consts[1]))
    return [None] * n + list(ct_b)


transpose_rules[linear_solve_p] = _linear_solve_transpose


def _linear_solve_batch(axis_data: Any, args: Sequence[Any],
                        bdims: Sequence[Any], *, system: _LinearSystem,
                        num_consts: tuple[int, int, int]) -> tuple[list[Any], list[int]]:
    from ftrans.api import vmap  # cycle: api imports lax
    n = sum(num_consts)
    size = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not not_mapped)
    dims = [None if d is not_mapped else 0 for d in bdims[:n]]
    consts = [a if d is not_mapped else move_batch_axis(a, d, 0)
              for a, d in zip(args[:n], bdims[:n])]
    bs = [move_batch_axis(a, d, 0, size) for a, d in zip(args[n:], bdims[n:])]
    n_m, n_s, n_t = num_consts
    dm, ds, dt = dims[:n_m], dims[n_m:n_m + n_s], dims[n_m + n_s:]

    def batched_map(fun: Callable | None) -> Callable | None:
        if fun is None:
            return None
        return lambda cm, v: list(vmap(lambda c, vv: fun(list(c), list(vv)),
                                       in_axes=(dm, 0))(list(cm), list(v)))

    def batched_solver(fun: Callable | None, d_own: list[Any]) -> Callable | None:
        if fun is None:
            return None
        return lambda cm, c, v: list(vmap(lambda a, cc, vv: fun(list(a), list(cc), list(vv)),
                                          in_axes=(dm, d_own, 0))(list(cm), list(c), list(v)))

    batched_avals = tuple(a.update(shape=(size,) + a.shape) for a in system.avals)
    matvec, solve = batched_map(system.matvec), batched_solver(system.solve, ds)
    assert matvec is not None and solve is not None  # (the system's are never None)
    new_system = _LinearSystem(matvec, solve,
                               batched_solver(system.transpose_solve, dt),
                               batched_map(system.vecmat), batched_avals,
                               f"vmap({system.name})")
    outs = linear_solve_p.bind(*consts, *bs, system=new_system, num_consts=num_consts)
    return list(outs), [0] * len(outs)


batching_rules[linear_solve_p] = _linear_solve_batch


# ---------------------------------------------------------------------------------------------
# custom_root
# ---------------------------------------------------------------------------------------------


def custom_root(f: Callable, initial_guess: Any, solve: Callable, tangent_solve: Callable,
                has_aux: bool = False) -> Any:
    """A root of ``f`` found by ``solve``, differentiated by the implicit function theorem.

    ``f`` may close over arrays (its parameters); the root is differentiated with respect to
    them, never through ``solve``'s iterations.

    Args:
      f: the function whose root is sought, a pytree like ``initial_guess`` in and out.
      initial_guess: where ``solve`` starts (not differentiated).
      solve: ``solve(f, initial_guess) -> root`` (or ``(root, aux)`` with ``has_aux``).
      tangent_solve: ``tangent_solve(g, y) -> x`` solving ``g(x) = y`` for the linear map
        ``g`` (the derivative of ``f`` at the root): e.g. ``lambda g, y: y / g(1.0)`` for a
        scalar, or ``fnp.linalg.solve(ft.jacobian(g)(y), y)``.
      has_aux: ``solve`` also returns auxiliary values (not differentiated).

    Returns:
      The root (and aux with ``has_aux``).

    >>> import ftrans as ft
    >>> def sqrt_newton(a):
    ...     def solve(f, x):
    ...         for _ in range(30):
    ...             x = x - f(x) / ft.grad(f)(x)
    ...         return x
    ...     return ft.lax.custom_root(lambda x: x * x - a, 1.0, solve,
    ...                               lambda g, y: y / g(1.0))
    >>> round(float(sqrt_newton(2.0)), 8), round(float(ft.grad(sqrt_newton)(2.0)), 8)
    (1.41421356, 0.35355339)
    """
    from ftrans.api import jvp  # cycle: api imports lax
    from ftrans.custom_derivatives import custom_jvp  # cycle: it imports lax
    from ftrans.custom_gradient import closure_convert  # cycle: it imports lax
    hoisted_fun, consts = closure_convert(f, initial_guess)

    def run_solve(consts: list[Any], guess: Any) -> Any:
        out = solve(lambda x: hoisted_fun(x, *consts), guess)
        if has_aux:
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise TypeError("custom_root: with has_aux=True, solve must return a pair "
                                "(root, aux)")
            return tuple(out)
        return out

    @custom_jvp
    def root(consts: list[Any], guess: Any) -> Any:
        return run_solve(consts, guess)

    @root.defjvp
    def root_jvp(primals: tuple, tangents: tuple) -> tuple[Any, Any]:
        consts, guess = primals
        consts_dot, _ = tangents
        out = root(consts, guess)
        sol = out[0] if has_aux else out
        _, f_dot = jvp(lambda c: hoisted_fun(sol, *c), (list(consts),), (list(consts_dot),))

        def linear_f(v: Any) -> Any:
            return jvp(lambda x: hoisted_fun(x, *consts), (sol,), (v,))[1]
        sol_dot = tangent_solve(linear_f, tree_map(neg, f_dot))
        if has_aux:
            aux_dot = tree_map(lambda a: np.zeros(get_aval(a).shape, get_aval(a).dtype),
                               out[1])
            return out, (sol_dot, aux_dot)
        return out, sol_dot

    return root(list(consts), initial_guess)
