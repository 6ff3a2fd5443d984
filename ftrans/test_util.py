"""Derivative checks for users and for ftrans's own tests.

``check_jvp`` compares forward mode with central finite differences; ``check_vjp`` checks that
reverse mode is the transpose of forward mode (``<u, J v> == <J^T u, v>``) as well as finite
differences; ``check_grads`` repeats both on the derivative functions up to any order.

Complex values are perturbed in a random complex direction and in that direction times ``1j``
(so both real directions of each complex number are exercised), and the pairing is
``<a, b> = real(sum(a * b))`` with no conjugation: the convention under which reverse mode
transposes real-linear maps (``real``, ``conj``, ``abs``'s derivative) plainly.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ftrans.api import jvp, vjp
from ftrans.custom_derivatives import CustomVJPForwardModeError
from ftrans.tree_util import tree_flatten, tree_map

__all__ = [
    "check_grads", "check_jvp", "check_vjp",
]

_DEFAULT_EPS = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 1e-2,
                np.dtype(np.float16): 1e-1, np.dtype(np.complex128): 1e-5,
                np.dtype(np.complex64): 1e-2}
_DEFAULT_TOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 2e-2,
                np.dtype(np.float16): 1e-1, np.dtype(np.complex128): 1e-5,
                np.dtype(np.complex64): 2e-2}


def _dtype_of(tree: Any) -> np.dtype:
    leaves = [np.asarray(x) for x in tree_flatten(tree)[0]]
    floats = [x.dtype for x in leaves if x.dtype.kind in "fc"]
    return min(floats, key=lambda d: d.itemsize) if floats else np.dtype(np.float64)


def _random_like(tree: Any, rng: np.random.Generator) -> Any:
    def one(x: Any) -> Any:
        x = np.asarray(x)
        if x.dtype.kind not in "fc":
            return np.zeros(x.shape, x.dtype)
        value = rng.standard_normal(x.shape)
        if x.dtype.kind == "c":  # a direction in the whole complex plane
            value = value + 1j * rng.standard_normal(x.shape)
        value = value.astype(x.dtype)
        return value[()] if x.ndim == 0 else value
    return tree_map(one, tree)


def _axpy(a: float, x: Any, y: Any) -> Any:
    return tree_map(lambda xi, yi: (np.asarray(yi) + a * np.asarray(xi)).astype(
        np.asarray(yi).dtype) if np.asarray(yi).dtype.kind in "fc" else yi, x, y)


def _inner(x: Any, y: Any) -> float:
    xs, ys = tree_flatten(x)[0], tree_flatten(y)[0]
    total = 0.0
    for a, b in zip(xs, ys):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype.kind in "fc" and b.dtype.kind in "fc":
            total += float(np.real(np.sum(a.astype(np.complex128) * b)))
    return total


def _assert_close(actual: Any, expected: Any, atol: float, rtol: float, what: str) -> None:
    a_leaves, a_tree = tree_flatten(actual)
    e_leaves, e_tree = tree_flatten(expected)
    if a_tree != e_tree:
        raise AssertionError(f"{what}: structures differ: {a_tree} vs {e_tree}")
    for i, (a, e) in enumerate(zip(a_leaves, e_leaves)):
        a, e = np.asarray(a), np.asarray(e)
        if a.dtype.kind not in "fc" and e.dtype.kind not in "fc":
            continue
        if a.shape != e.shape:
            raise AssertionError(f"{what}: output {i} has shape {a.shape}, expected {e.shape}")
        np.testing.assert_allclose(a.astype(np.complex128 if a.dtype.kind == "c" else
                                            np.float64), e, atol=atol, rtol=rtol,
                                   err_msg=f"{what} (output {i})")


def _numerical_jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any],
                   eps: float) -> Any:
    plus = f(*_axpy(eps, tangents, tuple(primals)))
    minus = f(*_axpy(-eps, tangents, tuple(primals)))
    def difference(p: Any, m: Any) -> Any:
        wide = np.complex128 if np.asarray(p).dtype.kind == "c" else np.float64
        return (np.asarray(p, wide) - np.asarray(m, wide)) / (2 * eps)
    return tree_map(difference, plus, minus)


def check_jvp(f: Callable, args: Sequence[Any], *, eps: float | None = None,
              atol: float | None = None, rtol: float | None = None, seed: int = 0) -> None:
    """Assert that ``jvp(f)`` matches central finite differences along a random direction.

    Raises:
      AssertionError: describing the mismatch.

    >>> import ftrans.numpy as fnp
    >>> check_jvp(fnp.sin, (0.5,))
    """
    args = tuple(args)
    dtype = _dtype_of(args)
    eps = eps or _DEFAULT_EPS.get(dtype, 1e-5)
    atol = atol if atol is not None else _DEFAULT_TOL.get(dtype, 1e-5)
    rtol = rtol if rtol is not None else atol
    tangents = _random_like(args, np.random.default_rng(seed))
    directions = [tangents]
    if _has_complex(args):  # and the direction rotated by i: the other real direction
        directions.append(tree_map(
            lambda t: (t * 1j).astype(t.dtype) if np.asarray(t).dtype.kind == "c" else t,
            tangents))
    for direction in directions:
        _, out_dot = jvp(f, args, direction)
        expected = _numerical_jvp(f, args, direction, eps)
        _assert_close(out_dot, expected, atol, rtol, "jvp vs finite differences")


def _has_complex(tree: Any) -> bool:
    return any(np.asarray(x).dtype.kind == "c" for x in tree_flatten(tree)[0])


def check_vjp(f: Callable, args: Sequence[Any], *, eps: float | None = None,
              atol: float | None = None, rtol: float | None = None, seed: int = 0) -> None:
    """Assert that ``vjp(f)`` is the transpose of ``jvp(f)``: for random ``u`` and ``v``,
    ``<u, jvp(v)> == <vjp(u), v>``, and that ``<u, finite differences along v>`` agrees.
    A function with no forward mode (a ``custom_vjp`` one) is checked against the finite
    differences alone, as reverse-mode checks need no forward mode.

    >>> import ftrans.numpy as fnp
    >>> check_vjp(lambda x, y: fnp.sin(x) * y, (0.5, 2.0))
    """
    args = tuple(args)
    dtype = _dtype_of(args)
    eps = eps or _DEFAULT_EPS.get(dtype, 1e-5)
    atol = atol if atol is not None else _DEFAULT_TOL.get(dtype, 1e-5)
    rtol = rtol if rtol is not None else atol
    rng = np.random.default_rng(seed + 1)
    out, f_vjp = vjp(f, *args)
    cotangent = _random_like(out, rng)
    tangents = _random_like(args, rng)
    ct_in = f_vjp(cotangent)
    rhs = _inner(ct_in, tangents)
    numerical = _inner(cotangent, _numerical_jvp(f, args, tangents, eps))
    try:
        _, out_dot = jvp(f, args, tangents)
    except CustomVJPForwardModeError:
        lhs = None
    else:
        lhs = _inner(cotangent, out_dot)
    scale = max(1.0, abs(rhs), abs(numerical) if lhs is None else abs(lhs))
    if lhs is not None and abs(lhs - rhs) > atol * scale + rtol * scale:
        raise AssertionError(f"vjp is not the transpose of jvp: <u, J v> = {lhs!r} but "
                             f"<J^T u, v> = {rhs!r}")
    if abs(numerical - rhs) > atol * scale + rtol * scale:
        raise AssertionError(f"vjp disagrees with finite differences: <J^T u, v> = {rhs!r} but "
                             f"<u, (f(x + eps v) - f(x - eps v)) / 2 eps> = {numerical!r}")


def check_grads(f: Callable, args: Sequence[Any], order: int,
                modes: Sequence[str] = ("fwd", "rev"), *, eps: float | None = None,
                atol: float | None = None, rtol: float | None = None, seed: int = 0) -> None:
    """Check derivatives of ``f`` at ``args`` up to ``order``, in forward ("fwd") and/or
    reverse ("rev") mode, against finite differences and the jvp/vjp transpose identity.

    Higher orders check the derivative functions themselves (a jvp along a fixed direction,
    a vjp against a fixed cotangent), so every mixture of modes is exercised.

    Raises:
      AssertionError: describing the first mismatch.

    >>> import ftrans.numpy as fnp
    >>> check_grads(fnp.tanh, (0.3,), order=3)
    """
    args = tuple(args)
    for mode in modes:
        if mode not in ("fwd", "rev"):
            raise ValueError(f"check_grads: unknown mode {mode!r}; use 'fwd' and/or 'rev'")
    _check_grads(f, args, order, tuple(modes), eps, atol, rtol, seed)


def _check_grads(f: Callable, args: tuple, order: int, modes: tuple[str, ...],
                 eps: float | None, atol: float | None, rtol: float | None, seed: int) -> None:
    if order < 1:
        return
    rng = np.random.default_rng(seed + 7 * order)
    if "fwd" in modes:
        check_jvp(f, args, eps=eps, atol=atol, rtol=rtol, seed=seed)
        if order > 1:
            tangents = _random_like(args, rng)

            def f_jvp(*primals: Any) -> Any:
                return jvp(f, primals, tangents)[1]
            _check_grads(f_jvp, args, order - 1, modes, eps, atol, rtol, seed + 1)
    if "rev" in modes:
        check_vjp(f, args, eps=eps, atol=atol, rtol=rtol, seed=seed)
        if order > 1:
            cotangent = _random_like(f(*args), rng)

            def f_vjp(*primals: Any) -> Any:
                return vjp(f, *primals)[1](cotangent)
            _check_grads(f_vjp, args, order - 1, modes, eps, atol, rtol, seed + 2)


