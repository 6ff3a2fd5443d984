"""dot_general's cotangents come out in their operand's layout when swapping the product's
operands allows it (no transpose, no strided view), and jit overwrites a dead buffer with a
square in place: the per-example gradient norms of a dense layer then allocate one array of
the per-example weight gradients' size, not three."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.test_util import check_grads

# (lhs shape, rhs shape, dimension numbers): plain, transposed, batched, several contracting
# dimensions in either order, outer products, contractions to a scalar
CASES = [
    ((5, 4), (4, 3), (((1,), (0,)), ((), ()))),
    ((4, 5), (4, 3), (((0,), (0,)), ((), ()))),
    ((5, 4), (3, 4), (((1,), (1,)), ((), ()))),
    ((4, 5), (3, 4), (((0,), (1,)), ((), ()))),
    ((5, 4), (4,), (((1,), (0,)), ((), ()))),
    ((4,), (4, 3), (((0,), (0,)), ((), ()))),
    ((4,), (4,), (((0,), (0,)), ((), ()))),
    ((2, 5, 4), (2, 4, 3), (((2,), (1,)), ((0,), (0,)))),
    ((2, 4, 5), (3, 2, 4), (((1,), (2,)), ((0,), (1,)))),
    ((2, 5), (2, 3), (((), ()), ((0,), (0,)))),
    ((5,), (3,), (((), ()), ((), ()))),
    ((2, 3, 4), (4, 3, 5), (((1, 2), (1, 0)), ((), ()))),
    ((2, 3, 4), (3, 4, 5), (((2, 1), (1, 0)), ((), ()))),
    ((6, 2, 3), (6, 3, 2), (((1, 2), (2, 1)), ((0,), (0,)))),
]


def _product(dimension_numbers):
    def f(a, b):
        return lax.dot_general(a, b, dimension_numbers)
    return f


@pytest.mark.parametrize("lhs_shape, rhs_shape, dimension_numbers", CASES)
def test_cotangents_of_every_layout_are_right(lhs_shape, rhs_shape, dimension_numbers):
    rng = np.random.default_rng(0)
    lhs, rhs = rng.normal(size=lhs_shape), rng.normal(size=rhs_shape)
    f = _product(dimension_numbers)
    check_grads(f, (lhs, rhs), order=2, modes=("rev",))
    out, f_vjp = ft.vjp(f, lhs, rhs)
    ct = rng.normal(size=np.shape(out))
    eager = f_vjp(ct)
    jitted = ft.jit(lambda a, b, c: ft.vjp(f, a, b)[1](c))(lhs, rhs, ct)
    for e, j, operand in zip(eager, jitted, (lhs, rhs)):
        assert e.shape == operand.shape and j.shape == operand.shape
        np.testing.assert_allclose(j, e, rtol=1e-12, atol=1e-12)


def _primitives(closed):
    return [eqn.primitive.name for eqn in closed.eqns]


def test_weight_gradient_of_a_matrix_product_needs_no_transpose():
    x, w = np.ones((8, 5)), np.ones((5, 3))
    closed = ft.make_jaxpr(ft.grad(lambda w: fnp.sum(fnp.dot(x, w) ** 2)))(w)
    assert "transpose" not in _primitives(closed), closed
    g = ft.grad(lambda w: fnp.sum(fnp.dot(x, w) ** 2))(w)
    assert g.flags.c_contiguous
    np.testing.assert_allclose(g, 2 * x.T @ (x @ w))


def test_per_example_weight_gradients_need_no_transpose():
    rng = np.random.default_rng(1)
    w, xs = rng.normal(size=(4, 6)), rng.normal(size=(7, 4))

    def loss(w, x):
        return fnp.sum(fnp.tanh(fnp.dot(x, w)))

    per_example = ft.vmap(ft.grad(loss), in_axes=(None, 0))
    closed = ft.make_jaxpr(per_example)(w, xs)
    assert "transpose" not in _primitives(closed), closed
    got = per_example(w, xs)
    want = np.stack([np.outer(x, 1 - np.tanh(x @ w) ** 2) for x in xs])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got.flags.c_contiguous


def _gradient_norms(w, xs):
    grads = ft.vmap(ft.grad(lambda w, x: fnp.sum(fnp.tanh(fnp.dot(x, w)))),
                    in_axes=(None, 0))(w, xs)
    return fnp.sqrt(fnp.sum(grads.reshape(grads.shape[0], -1) ** 2, axis=1))


def test_square_of_a_dead_buffer_is_written_in_place():
    rng = np.random.default_rng(2)
    w, xs = rng.normal(size=(4, 6)), rng.normal(size=(7, 4))
    compiled = ft.jit(_gradient_norms).lower(w, xs).compile()
    source = compiled.as_text()
    names = [k for k, v in compiled.program.__globals__.items() if v is np.square]
    squares = [line.strip() for line in source.splitlines()
               if any(f"= {name}(" in line for name in names)]
    assert len(squares) == 1, source  # the per-example weight gradients', not the bias's
    assert "out=" in squares[0], source
    want = np.sqrt(np.sum(ft.vmap(ft.grad(lambda w, x: fnp.sum(fnp.tanh(fnp.dot(x, w)))),
                                  in_axes=(None, 0))(w, xs).reshape(7, -1) ** 2, axis=1))
    np.testing.assert_allclose(ft.jit(_gradient_norms)(w, xs), want, rtol=1e-12)


def test_square_never_overwrites_an_argument_or_a_live_value():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()

    def f(x):
        y = x.reshape(3, 2) ** 2  # a view of the argument: squared into a new array
        z = (x + 1.0).reshape(3, 2)
        return y, z ** 2, z  # z stays alive: its square is a new array too

    y, z2, z = ft.jit(f)(x)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(y, before.reshape(3, 2) ** 2)
    np.testing.assert_array_equal(z, (before + 1.0).reshape(3, 2))
    np.testing.assert_array_equal(z2, ((before + 1.0).reshape(3, 2)) ** 2)


def test_in_place_square_keeps_integer_and_complex_powers_exact():
    # only real squares lower to np.square; other powers keep their implementation
    for x in (np.arange(6).reshape(2, 3), np.arange(6.0).reshape(2, 3) * (1 + 1j)):
        f = ft.jit(lambda x: ((x + x) ** 2).reshape(3, 2) ** 3)
        np.testing.assert_array_equal(f(x), (((x + x) ** 2).reshape(3, 2)) ** 3)


# batched outer products (contracted size 1, or nothing contracted): the einsum path, its
# dimensions in any order, and its fallback beyond einsum's 52 letters
OUTER_CASES = [
    ((6, 3, 1), (6, 1, 4), (((2,), (1,)), ((0,), (0,)))),
    ((3, 6), (4, 6), (((), ()), ((1,), (1,)))),
    ((1, 3, 6), (6, 4, 1), (((0,), (2,)), ((2,), (0,)))),
    ((2, 6, 3), (4, 2, 6), (((), ()), ((1, 0), (2, 1)))),
    ((6,), (6, 5), (((), ()), ((0,), (0,)))),
    ((1,) * 30 + (2,), (1,) * 30 + (2,), (((0,), (0,)), ((30,), (30,)))),
]


def _outer_by_loop(lhs, rhs, dimension_numbers):
    """The batched product by hand: each batch member's operands contracted with tensordot."""
    (lc, rc), (lb, rb) = dimension_numbers
    lf = [d for d in range(lhs.ndim) if d not in lc + lb]
    rf = [d for d in range(rhs.ndim) if d not in rc + rb]
    lhs_t = np.transpose(lhs, lb + tuple(lf) + lc)
    rhs_t = np.transpose(rhs, rb + tuple(rc) + tuple(rf))
    batch = lhs_t.shape[:len(lb)]
    out = np.empty(batch + lhs_t.shape[len(lb):len(lb) + len(lf)] + rhs_t.shape[len(rb) + len(rc):],
                   np.result_type(lhs, rhs))
    for index in np.ndindex(*batch):
        out[index] = np.tensordot(lhs_t[index], rhs_t[index], axes=len(lc))
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.bool_])
@pytest.mark.parametrize("lhs_shape,rhs_shape,dimension_numbers", OUTER_CASES)
def test_batched_outer_products(lhs_shape, rhs_shape, dimension_numbers, dtype):
    rng = np.random.default_rng(0)
    lhs = (rng.standard_normal(lhs_shape) * 3).astype(dtype)
    rhs = (rng.standard_normal(rhs_shape) * 3).astype(dtype)
    expected = _outer_by_loop(lhs, rhs, dimension_numbers)
    for f in (lax.dot_general, ft.jit(lax.dot_general, static_argnums=2)):
        got = f(lhs, rhs, dimension_numbers)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
    if dtype == np.float64 and lhs.ndim + rhs.ndim < 20:
        check_grads(lambda a, b: lax.dot_general(a, b, dimension_numbers), (lhs, rhs), order=2)


def _reshaped_product(lhs, rhs, dimension_numbers):
    """The general layout (operands transposed and reshaped to matrices): what a product with
    a vector operand computed before it took the vector as it is."""
    (lc, rc), _ = dimension_numbers
    lf = [d for d in range(lhs.ndim) if d not in lc]
    rf = [d for d in range(rhs.ndim) if d not in rc]
    k = lhs.shape[lc[0]]
    out_shape = tuple(lhs.shape[d] for d in lf) + tuple(rhs.shape[d] for d in rf)
    lm = np.transpose(lhs, lf + list(lc)).reshape(-1, k)
    rm = np.transpose(rhs, list(rc) + rf).reshape(k, -1)
    return np.matmul(lm, rm).reshape(out_shape)[()]


VECTOR_PRODUCTS = [((5,), (5, 3), (((0,), (0,)), ((), ()))),
                   ((5,), (3, 5), (((0,), (1,)), ((), ()))),
                   ((4, 5), (5,), (((1,), (0,)), ((), ()))),
                   ((5, 4), (5,), (((0,), (0,)), ((), ()))),
                   ((5,), (5,), (((0,), (0,)), ((), ()))),
                   ((1,), (1, 7), (((0,), (0,)), ((), ())))]


@pytest.mark.parametrize("lhs_shape, rhs_shape, dimension_numbers", VECTOR_PRODUCTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.complex128])
def test_vector_products_take_the_vector_as_it_is(lhs_shape, rhs_shape, dimension_numbers,
                                                  dtype):
    rng = np.random.default_rng(0)
    lhs = (rng.normal(size=lhs_shape) * 10).astype(dtype)
    rhs = (rng.normal(size=rhs_shape) * 10).astype(dtype)
    if dtype is np.complex128:
        lhs = lhs + 1j * rng.normal(size=lhs_shape)
    expected = _reshaped_product(lhs, rhs, dimension_numbers)
    eager = lax.dot_general(lhs, rhs, dimension_numbers)
    jitted = ft.jit(lambda a, b: lax.dot_general(a, b, dimension_numbers))(lhs, rhs)
    for out in (eager, jitted):
        assert type(out) is type(expected) and np.asarray(out).dtype == np.dtype(dtype)
        np.testing.assert_array_equal(out, expected)  # the same bits
    if dtype is np.float64:
        check_grads(lambda a, b: lax.dot_general(a, b, dimension_numbers), (lhs, rhs), order=2)
        looped = np.stack([lax.dot_general(lhs, rhs * s, dimension_numbers) for s in (1.0, 2.0)])
        np.testing.assert_allclose(  # batched, a matrix product: BLAS may sum in another order
            ft.vmap(lambda s: lax.dot_general(lhs, rhs * s, dimension_numbers))(
                np.array([1.0, 2.0])), looped, rtol=1e-13)
