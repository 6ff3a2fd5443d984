"""Operators and array methods of traced values: each expression, written once as plain
Python, gives under vmap / grad / make_jaxpr what it gives on NumPy arrays."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.test_util import check_grads

# x is traced; Y is a NumPy constant that broadcasts against x's shape (2, 3)
X = np.array([[0.3, -1.2, 2.1], [1.6, -0.4, 0.9]])
Y = np.array([0.7, -1.3, 1.9])

EXPRESSIONS: list[tuple[str, Callable[[Any], Any]]] = [
    ("x + Y", lambda x: x + Y), ("Y + x", lambda x: Y + x), ("2 + x", lambda x: 2 + x),
    ("x - Y", lambda x: x - Y), ("1.5 - x", lambda x: 1.5 - x), ("x * Y", lambda x: x * Y),
    ("x / Y", lambda x: x / Y), ("3 / x", lambda x: 3 / x), ("x ** 2", lambda x: x ** 2),
    ("x ** Y", lambda x: abs(x) ** Y), ("2.0 ** x", lambda x: 2.0 ** x),
    ("x // Y", lambda x: x // Y), ("7.0 // x", lambda x: 7.0 // x), ("x % Y", lambda x: x % Y),
    ("5.0 % x", lambda x: 5.0 % x), ("divmod", lambda x: divmod(x, Y)),
    ("rdivmod", lambda x: divmod(Y, x)), ("x @ Y", lambda x: x @ Y),
    ("Y @ x.T", lambda x: Y @ x.T), ("x @ x.T", lambda x: x @ x.T), ("-x", lambda x: -x),
    ("+x", lambda x: +x), ("abs", lambda x: abs(x)), ("x < Y", lambda x: x < Y),
    ("x <= 0.9", lambda x: x <= 0.9), ("x > Y", lambda x: x > Y), ("x >= Y", lambda x: x >= Y),
    ("x == Y", lambda x: x == Y), ("x != x", lambda x: x != x),
    ("~(x > 0)", lambda x: ~(x > 0)), ("&", lambda x: (x > 0) & (Y > 0)),
    ("|", lambda x: (x > 0) | (x < -1)), ("^", lambda x: (x > 0) ^ (Y > 0)),
    ("x[1]", lambda x: x[1]), ("x[:, ::-1]", lambda x: x[:, ::-1]),
    ("x[[1, 0, 1]]", lambda x: x[[1, 0, 1]]),
    ("x.T", lambda x: x.T), ("x.mT", lambda x: x.mT), ("reshape(-1)", lambda x: x.reshape(-1)),
    ("reshape(3, 2)", lambda x: x.reshape(3, 2)), ("reshape((1, 6))", lambda x: x.reshape((1, 6))),
    ("sum", lambda x: x.sum()), ("sum(axis=0)", lambda x: x.sum(axis=0)),
    ("mean", lambda x: x.mean(1)), ("max", lambda x: x.max(1)),
    ("min(keepdims)", lambda x: x.min(0, keepdims=True)), ("prod", lambda x: x.prod()),
    ("var(ddof=1)", lambda x: x.var(ddof=1)), ("std", lambda x: x.std(0)),
    ("argmax", lambda x: x.argmax(1)), ("argmin", lambda x: x.argmin()),
    ("all", lambda x: (x > -2).all()), ("any", lambda x: (x > 1).any(0)),
    ("cumsum", lambda x: x.cumsum(1)), ("cumprod", lambda x: x.cumprod()),
    ("astype", lambda x: x.astype(np.float32)), ("astype(int)", lambda x: x.astype(np.int32)),
    ("squeeze", lambda x: x[None].squeeze()), ("swapaxes", lambda x: x.swapaxes(0, 1)),
    ("clip", lambda x: x.clip(-0.5, 0.5)), ("round", lambda x: x.round(1)),
    ("dot", lambda x: x.dot(Y)), ("flatten", lambda x: x.flatten()),
    ("ravel", lambda x: x.ravel()), ("transpose(1, 0)", lambda x: x.transpose(1, 0)),
    ("transpose()", lambda x: x.transpose()), ("transpose((1, 0))", lambda x: x.transpose((1, 0))),
    ("repeat", lambda x: x.repeat(2, axis=0)), ("take", lambda x: x.take([2, 0], axis=1)),
    ("diagonal", lambda x: x.diagonal()), ("trace", lambda x: x.trace()),
    ("conj", lambda x: x.conj()), ("real", lambda x: x.real), ("imag", lambda x: x.imag),
    ("len", lambda x: x * len(x)), ("iteration", lambda x: [row * 2 for row in x]),
    ("shape/ndim/size", lambda x: x.reshape(x.shape[::-1]) * (x.ndim + x.size)),
    ("numpy ufunc", lambda x: np.sin(x) + np.maximum(x, Y)),
    ("numpy ufunc on ndarray", lambda x: np.add(Y, x) * np.float64(2)),
    ("numpy sum", lambda x: np.sum(x, axis=0)), ("numpy mean", lambda x: np.mean(x)),
    ("numpy concatenate", lambda x: np.concatenate([x, x * 2], axis=1)),
    ("numpy where", lambda x: np.where(x > 0, x, Y)), ("numpy clip", lambda x: np.clip(x, 0, 1)),
    ("numpy einsum", lambda x: np.einsum("ij,j->i", x, Y)),
    ("numpy linalg.norm", lambda x: np.linalg.norm(x, axis=1)),
]
IDS = [name for name, _ in EXPRESSIONS]


def _float_leaves(tree: Any) -> bool:
    return all(np.asarray(t).dtype.kind == "f" for t in ft.tree_util.tree_leaves(tree))


@pytest.mark.parametrize("name, expr", EXPRESSIONS, ids=IDS)
def test_under_vmap(name: str, expr: Callable) -> None:
    batch = np.stack([X, X[::-1], 2 * X + 0.1])
    expected = ft.tree_util.tree_map(lambda *o: np.stack(o), *[expr(b) for b in batch])
    actual = ft.vmap(expr)(batch)
    for a, e in zip(ft.tree_util.tree_leaves(actual), ft.tree_util.tree_leaves(expected)):
        assert np.asarray(a).dtype == e.dtype
        np.testing.assert_allclose(a, e, rtol=1e-6)


STAGED = [pytest.param(name, fn, id=name) for name, fn in EXPRESSIONS]


@pytest.mark.parametrize("name, expr", STAGED)
def test_under_make_jaxpr(name: str, expr: Callable) -> None:
    expected = ft.tree_util.tree_leaves(expr(X))
    avals = ft.make_jaxpr(expr)(X).out_avals
    assert [(a.shape, a.dtype) for a in avals] == [(np.shape(e), np.asarray(e).dtype)
                                                   for e in expected]


@pytest.mark.parametrize("name, expr", EXPRESSIONS, ids=IDS)
def test_under_grad(name: str, expr: Callable) -> None:
    expected = expr(X)
    if not _float_leaves(expected):
        return
    value, _ = ft.value_and_grad(lambda x: sum(fnp.sum(o) for o in
                                               ft.tree_util.tree_leaves(expr(x))))(X)
    np.testing.assert_allclose(value, sum(np.sum(o) for o in ft.tree_util.tree_leaves(expected)))
    # floor division and rounding are piecewise constant; float32 needs looser tolerances
    if name not in ("x // Y", "7.0 // x", "round", "astype"):
        check_grads(expr, (X,), order=1)


def test_concrete_only_methods() -> None:
    # under grad the value is concrete, but a Python number would drop its derivative
    with pytest.raises(ft.ConcretizationError, match=r"item\(\) was called .* differentiated"):
        ft.grad(lambda x: x * x.item())(3.0)
    assert ft.grad(lambda x: x * ft.lax.stop_gradient(x).item())(3.0) == 3.0
    with pytest.raises(ft.ConcretizationError, match="item"):
        ft.vmap(lambda x: x.item())(X)
    assert ft.grad(lambda x: x[x > 0].sum())(X).tolist() == (X > 0).astype(float).tolist()
    with pytest.raises(ft.ConcretizationError):
        ft.vmap(lambda x: x.tolist())(X)


def test_unsupported_numpy_functions_say_so() -> None:
    with pytest.raises(TypeError, match="numpy.putmask has no ftrans.numpy counterpart"):
        ft.vmap(lambda x: np.putmask(x, x > 0, 1.0))(X)
    with pytest.raises(TypeError, match="numpy.add.reduce is not supported on traced values"):
        ft.vmap(np.add.reduce)(X)
    np.testing.assert_allclose(ft.vmap(lambda x: x.at[0].set(1.0))(X)[:, 0], 1.0)
