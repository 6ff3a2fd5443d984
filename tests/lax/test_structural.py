"""Spec table of the structural primitives added to ``ftrans.lax.structural`` (squeeze,
expand_dims, concatenate, pad, rev, iota), plus their error messages and iota under every
transformation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

import ftrans as ft
from ftrans.lax.structural import (
    broadcasted_iota,
    concatenate,
    expand_dims,
    iota,
    pad,
    rev,
    squeeze,
)
from ftrans.test_util import check_grads
from tests.spec_util import OpSpec, make_family_tests, shapes, unary_shapes

F32_64 = (np.float64, np.float32)


def sides(*template: Any) -> st.SearchStrategy[tuple[int, ...]]:
    """A shape following ``template``: an int is a fixed size, a pair (lo, hi) a drawn one."""
    return st.tuples(*[st.just(t) if isinstance(t, int) else st.integers(*t)
                       for t in template])


def with_scalar(shape: st.SearchStrategy[tuple[int, ...]]) -> st.SearchStrategy[tuple]:
    """Shapes for (array, scalar) arguments, e.g. pad's operand and padding value."""
    return shape.map(lambda s: (s, ()))


@st.composite
def concat_shapes(draw: Any, n: int, rank: int, dimension: int) -> tuple:
    base = list(draw(shapes(rank, rank)))
    out = []
    for _ in range(n):
        base[dimension] = draw(st.integers(1, 3))
        out.append(tuple(base))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# NumPy references, written independently of the implementations
# ---------------------------------------------------------------------------------------------


def np_pad(x: np.ndarray, value: Any, config: Any) -> np.ndarray:
    """Place element i of each axis at lo + i * (interior + 1); keep what lands in range."""
    x = np.asarray(x)
    out_shape = tuple(lo + hi + n + max(n - 1, 0) * interior
                      for (lo, hi, interior), n in zip(config, x.shape))
    out = np.full(out_shape, value, dtype=x.dtype)
    src, dst = [], []
    for (lo, _, interior), n, m in zip(config, x.shape, out_shape):
        pos = lo + np.arange(n) * (interior + 1)
        keep = (pos >= 0) & (pos < m)
        src.append(np.arange(n)[keep])
        dst.append(pos[keep])
    if x.ndim == 0:
        return np.asarray(x)
    out[np.ix_(*dst)] = x[np.ix_(*src)]
    return out


def pad_row(name: str, config: Any, shape: Any) -> OpSpec:
    return OpSpec(name, lambda x, v: pad(x, v, config),
                  lambda x, v: np_pad(x, v, config), with_scalar(shape), F32_64)


def pad_config_from_shape(shape: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """Varied padding that depends only on the shape, so hypothesis varies it with the shape
    (and every member of a vmapped batch gets the same)."""
    return [(n % 3 - 1, (n + 1) % 3 - 1 if n > 1 else 0, n % 2) for n in shape]


SPECS = [
    OpSpec("squeeze_0_2", lambda x: squeeze(x, (0, 2)), lambda x: np.squeeze(x, (0, 2)),
           sides(1, (1, 4), 1, (1, 3)).map(lambda s: (s,)), F32_64),
    OpSpec("squeeze_neg", lambda x: squeeze(x, (-1,)), lambda x: np.squeeze(x, -1),
           sides((1, 4), (1, 4), 1).map(lambda s: (s,)), F32_64),
    OpSpec("squeeze_to_scalar", lambda x: squeeze(x, (0, 1)), lambda x: np.squeeze(x),
           sides(1, 1).map(lambda s: (s,)), F32_64),
    OpSpec("expand_dims_0", lambda x: expand_dims(x, (0,)), lambda x: np.expand_dims(x, 0),
           unary_shapes(), F32_64),
    OpSpec("expand_dims_neg", lambda x: expand_dims(x, (-1,)),
           lambda x: np.expand_dims(x, -1), unary_shapes(), F32_64),
    OpSpec("expand_dims_0_2", lambda x: expand_dims(x, (0, 2)),
           lambda x: np.expand_dims(x, (0, 2)), unary_shapes(min_rank=1), F32_64),
    OpSpec("concatenate_dim1", lambda a, b, c: concatenate([a, b, c], 1),
           lambda a, b, c: np.concatenate([a, b, c], 1), concat_shapes(3, 3, 1), F32_64),
    OpSpec("concatenate_vector", lambda a, b: concatenate([a, b], 0),
           lambda a, b: np.concatenate([a, b], 0), concat_shapes(2, 1, 0), F32_64),
    OpSpec("concatenate_neg", lambda a, b: concatenate([a, b], -1),
           lambda a, b: np.concatenate([a, b], -1), concat_shapes(2, 2, 1), F32_64),
    OpSpec("concatenate_int", lambda a, b: concatenate([a, b], 0),
           lambda a, b: np.concatenate([a, b], 0), concat_shapes(2, 2, 0), (np.int32,),
           grad_order=0),
    pad_row("pad_edges", [(1, 2, 0), (0, 3, 0)], sides((1, 3), (1, 3))),
    pad_row("pad_interior", [(0, 0, 2), (1, 0, 1)], sides((1, 3), (1, 3))),
    pad_row("pad_negative", [(-1, 2, 0), (2, -1, 0)], sides((1, 3), (1, 3))),
    pad_row("pad_negative_interior", [(-2, -1, 1)], sides((2, 5))),
    pad_row("pad_crop_past_interior", [(-3, 1, 2)], sides((2, 4))),
    pad_row("pad_scalar", [], sides()),
    OpSpec("pad_from_shape", lambda x, v: pad(x, v, pad_config_from_shape(x.shape)),
           lambda x, v: np_pad(x, v, pad_config_from_shape(x.shape)),
           with_scalar(shapes(1, 3)), F32_64),
    OpSpec("pad_int", lambda x, v: pad(x, v, [(1, -1, 1)]),
           lambda x, v: np_pad(x, v, [(1, -1, 1)]), with_scalar(sides((1, 4))),
           (np.int64,), grad_order=0),
    OpSpec("rev_0", lambda x: rev(x, (0,)), lambda x: np.flip(x, 0),
           unary_shapes(min_rank=1), F32_64),
    OpSpec("rev_0_2", lambda x: rev(x, (0, 2)), lambda x: np.flip(x, (0, 2)),
           unary_shapes(min_rank=3), F32_64),
    OpSpec("rev_neg", lambda x: rev(x, (-1,)), lambda x: np.flip(x, -1),
           unary_shapes(min_rank=1), (np.float64, np.int32)),
    OpSpec("iota_plus", lambda x: x + broadcasted_iota(x.dtype, x.shape, x.ndim - 1),
           lambda x: x + np.arange(x.shape[-1], dtype=x.dtype),
           unary_shapes(min_rank=1), (np.float64, np.int32)),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


# ---------------------------------------------------------------------------------------------
# iota under every transformation (it has no operands, so bind always takes the fast path)
# ---------------------------------------------------------------------------------------------


def test_iota_values() -> None:
    np.testing.assert_array_equal(iota(np.int32, 4), np.arange(4, dtype=np.int32))
    assert iota(np.int32, 4).dtype == np.int32
    expected = np.broadcast_to(np.arange(3.0)[None, :, None], (2, 3, 4))
    np.testing.assert_array_equal(broadcasted_iota(np.float64, (2, 3, 4), 1), expected)
    np.testing.assert_array_equal(broadcasted_iota(np.float64, (2, 3, 4), -2), expected)
    assert iota(np.float32, 0).shape == (0,)
    out = iota(np.int64, 3)
    out[0] = 7  # a fresh, writable array (not a read-only broadcast view)


def test_iota_under_transformations() -> None:
    closed = ft.make_jaxpr(lambda: iota(np.float64, 3))()
    assert "iota[dtype=f64 shape=(3,) dimension=0]" in str(closed)
    ft.ir.typecheck(closed)

    def f(x: Any) -> Any:
        return x * iota(np.float64, 3)

    x = np.array([1.0, 2.0, 3.0])
    _, out_dot = ft.jvp(f, (x,), (np.ones(3),))
    np.testing.assert_array_equal(out_dot, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(ft.grad(lambda x: f(x).sum())(x), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(ft.vmap(f)(np.ones((2, 3))), [[0, 1, 2], [0, 1, 2]])
    _, f_lin = ft.linearize(f, x)
    np.testing.assert_array_equal(f_lin(np.ones(3)), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(ft.vmap(lambda _: iota(np.int32, 2))(np.zeros(3)),
                                  np.zeros((3, 2)) + np.arange(2))
    hess = ft.hessian(lambda x: (f(x) ** 2).sum())(x)
    np.testing.assert_allclose(hess, np.diag(2 * np.arange(3.0) ** 2))


# ---------------------------------------------------------------------------------------------
# Specific derivative and batching checks
# ---------------------------------------------------------------------------------------------


def test_pad_transpose_matches_dense_matrix() -> None:
    config = [(-1, 2, 1), (1, -2, 2)]
    x = np.zeros((3, 3))
    # the matrix of x -> pad(x, 0, config), column by column
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = 1.0
        cols.append(np_pad(e.reshape(x.shape), 0.0, config).ravel())
    matrix = np.stack(cols, axis=1)
    ct = np.random.default_rng(0).normal(size=matrix.shape[0])
    transpose = ft.linear_transpose(lambda x: pad(x, 0.0, config), x)
    (ct_x,) = transpose(ct.reshape(np_pad(x, 0.0, config).shape))
    np.testing.assert_allclose(ct_x.ravel(), matrix.T @ ct)


def test_pad_padding_value_cotangent_counts_padded_positions() -> None:
    config = [(-1, 2, 1), (0, 0, 3)]
    x = np.ones((3, 2))
    grad_value = ft.grad(lambda v: pad(x, v, config).sum())(0.0)
    out = np_pad(np.zeros((3, 2)), 1.0, config)
    assert grad_value == out.sum()


def test_pad_vmap_of_grad_with_batched_padding_value() -> None:
    config = [(1, -1, 1)]
    x = np.arange(3.0)
    values = np.array([1.0, 2.0, 3.0, 4.0])
    weights = np.linspace(-1, 1, 5)

    def f(x: Any, v: Any) -> Any:
        return (pad(x, v, config) ** 2 * weights).sum()

    grads = ft.vmap(ft.grad(f, argnums=(0, 1)), in_axes=(None, 0))(x, values)
    for k, v in enumerate(values):
        gx, gv = ft.grad(f, argnums=(0, 1))(x, v)
        np.testing.assert_allclose(grads[0][k], gx)
        np.testing.assert_allclose(grads[1][k], gv)
    check_grads(lambda x, v: ft.vmap(f, in_axes=(None, 0))(x, v), (x, values), 2)


def test_concatenate_with_a_constant_operand() -> None:
    const = np.array([5.0, 6.0])
    f = lambda x: concatenate([const, x, const], 0)  # noqa: E731
    check_grads(f, (np.array([1.0, 2.0, 3.0]),), 2)
    np.testing.assert_array_equal(ft.grad(lambda x: (f(x) * np.arange(7.0)).sum())(np.ones(3)),
                                  [2.0, 3.0, 4.0])


def test_nested_vmap_of_concatenate_and_pad() -> None:
    xs = np.random.default_rng(1).normal(size=(2, 3, 4))
    f = lambda x, v: concatenate([pad(x, v, [(1, 0, 1)]), rev(x, (0,))], 0)  # noqa: E731
    out = ft.vmap(ft.vmap(f, in_axes=(0, None)), in_axes=(0, 0))(xs, np.array([7.0, 8.0]))
    for a in range(2):
        for b in range(3):
            np.testing.assert_allclose(out[a, b], f(xs[a, b], [7.0, 8.0][a]))


def test_zero_size_operands() -> None:
    empty = np.zeros((0, 2))
    out = pad(empty, 1.0, [(1, 1, 2), (0, -1, 0)])
    np.testing.assert_array_equal(out, np.ones((2, 1)))
    check_grads(lambda e, v: pad(e, v, [(1, 1, 2), (0, -1, 0)]), (empty, 0.5), 2)
    x = np.arange(6.0).reshape(3, 2)
    check_grads(lambda e, x: concatenate([e, x, e], 0), (empty, x), 2)
    check_grads(lambda e: rev(e, (0,)), (empty,), 2)
    out = ft.vmap(lambda e, v: pad(e, v, [(1, 0, 0), (0, 0, 1)]), in_axes=(None, 0))(
        empty, np.array([1.0, 2.0]))
    np.testing.assert_array_equal(out, [[[1.0, 1.0, 1.0]], [[2.0, 2.0, 2.0]]])


def test_single_operand_concatenate_is_identity() -> None:
    x = np.ones((2, 2))
    assert concatenate([x], 1) is x


# ---------------------------------------------------------------------------------------------
# Error messages
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, match", [
    (lambda: squeeze(np.zeros((1, 2)), (1,)), ValueError, r"axes \(1,\).*size 1"),
    (lambda: squeeze(np.zeros((1, 2)), (2,)), ValueError, "out of bounds for an array of rank 2"),
    (lambda: squeeze(np.zeros((1, 1)), (0, -2)), ValueError, "repeat an axis"),
    (lambda: squeeze(np.zeros((1,)), (0.0,)), TypeError, "must be ints"),
    (lambda: expand_dims(np.zeros(2), (3,)), ValueError, "out of bounds for an array of rank 2"),
    (lambda: expand_dims(np.zeros(2), (0, 0)), ValueError, "repeat an axis"),
    (lambda: concatenate([], 0), ValueError, "at least one operand"),
    (lambda: concatenate([np.zeros(2), np.zeros(3, np.float32)], 0), TypeError, "one dtype"),
    (lambda: concatenate([np.zeros((2, 2)), np.zeros((3, 3))], 0), ValueError,
     "equal shapes except along dimension 0"),
    (lambda: concatenate([np.zeros(2), np.zeros((2, 1))], 0), ValueError, "equal shapes"),
    (lambda: concatenate([np.zeros(2), np.zeros(2)], 1), ValueError,
     "dimension 1 is out of bounds"),
    (lambda: concatenate([np.zeros(()), np.zeros(())], 0), ValueError, "scalars"),
    (lambda: concatenate([np.zeros(2)], 0.5), TypeError, "must be an int"),
    (lambda: pad(np.zeros(3), 0.0, [(1, 1, 0), (0, 0, 0)]), ValueError,
     "2 entries but the operand f64\\[3\\] has 1 axes"),
    (lambda: pad(np.zeros(3), 0.0, [(1, 1, -1)]), ValueError, "interior padding must be >= 0"),
    (lambda: pad(np.zeros(3), 0.0, [(-3, -1, 0)]), ValueError, "crops more than"),
    (lambda: pad(np.zeros(3), np.zeros(2), [(1, 1, 0)]), ValueError, "must be a scalar"),
    (lambda: pad(np.zeros(3), np.float32(0), [(1, 1, 0)]), TypeError, "must have the dtype"),
    (lambda: pad(np.zeros(3), 0.0, [(1, 1)]), TypeError, "\\(lo, hi, interior\\) int triples"),
    (lambda: rev(np.zeros((2, 2)), (2,)), ValueError, "out of bounds"),
    (lambda: rev(np.zeros((2, 2)), (1, 1)), ValueError, "repeat an axis"),
    (lambda: iota(np.bool_, 3), TypeError, "dtype must be numeric"),
    (lambda: iota(np.int32, -1), ValueError, "negative size"),
    (lambda: broadcasted_iota(np.int32, (2, 3), 2), ValueError, "dimension 2 is out of bounds"),
])
def test_error_messages(call: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_errors_name_the_users_shapes_under_vmap() -> None:
    with pytest.raises(ValueError, match="dimension 1 is out of bounds for operands of rank 1"):
        ft.vmap(lambda a: concatenate([a, a], 1))(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"cannot remove axes \(0,\) of f64\[2\]"):
        ft.vmap(lambda a: squeeze(a, (0,)))(np.zeros((1, 2)))
