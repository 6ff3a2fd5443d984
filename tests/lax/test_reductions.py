"""Spec table of the reductions and cumulative reductions (lax level), plus hand cases: ties,
NaN, zeros in products, empty axes, composed transformations, error messages."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import ftrans as ft
from ftrans import lax
from ftrans.interpreters.transpose import NonLinearError
from ftrans.lax import reductions as red
from ftrans.test_util import check_grads
from tests.spec_util import OpSpec, make_family_tests, same_shapes, unary_shapes

F32_64 = (np.float64, np.float32)


# ---------------------------------------------------------------------------------------------
# Which axes a row reduces, as a function of the (logical) rank
# ---------------------------------------------------------------------------------------------

AXES: dict[str, Callable[[int], tuple[int, ...]]] = {
    "all": lambda ndim: tuple(range(ndim)),
    "first": lambda ndim: (0,),
    "last": lambda ndim: (ndim - 1,),
    "outer": lambda ndim: (0, ndim - 1),
}
MIN_RANK = {"all": 0, "first": 1, "last": 1, "outer": 2}


def _reduction(fun: Callable, which: str) -> Callable:
    return lambda x: fun(x, AXES[which](x.ndim))


def _reference(numpy_fn: Callable, which: str, **kw: Any) -> Callable:
    return lambda x: numpy_fn(x, axis=AXES[which](np.ndim(x)), **kw)


# ---------------------------------------------------------------------------------------------
# Argument makers
# ---------------------------------------------------------------------------------------------


def _distinct(rng: np.random.Generator, shapes: tuple, dtype: Any) -> tuple:
    """Values at least 0.25 apart (no ties, and finite differences never cross a kink)."""
    out = []
    for shape in shapes:
        size = int(np.prod(shape))
        x = ((rng.permutation(size) - size / 2) * 0.25).reshape(shape).astype(dtype)
        out.append(x if shape else x[()])
    return tuple(out)


def _small_ints(rng: np.random.Generator, shapes: tuple, dtype: Any) -> tuple:
    """Few distinct values: many ties, to pin down which occurrence wins."""
    out = [rng.integers(-2, 3, shape).astype(dtype) for shape in shapes]
    return tuple(x if x.ndim else x[()] for x in out)


def _with_zeros(rng: np.random.Generator, shapes: tuple, dtype: Any) -> tuple:
    """Uniform values with about a third of them exactly zero (often two or more)."""
    out = []
    for shape in shapes:
        x = rng.uniform(-1.5, 1.5, shape) * (rng.random(shape) > 0.35)
        out.append(x.astype(dtype) if shape else x.astype(dtype)[()])
    return tuple(out)


def _with_nans(rng: np.random.Generator, shapes: tuple, dtype: Any) -> tuple:
    out = []
    for shape in shapes:
        x = rng.integers(-2, 3, shape).astype(dtype)
        x[rng.random(shape) < 0.2] = np.nan
        out.append(x if shape else x[()])
    return tuple(out)


def _recurrence_args(rng: np.random.Generator, shapes: tuple, dtype: Any) -> tuple:
    a = rng.uniform(-1.2, 1.2, shapes[0]) * (rng.random(shapes[0]) > 0.25)
    b = rng.uniform(-1.5, 1.5, shapes[1])
    return a.astype(dtype), b.astype(dtype)


# ---------------------------------------------------------------------------------------------
# NumPy references for the cumulative family
# ---------------------------------------------------------------------------------------------


def _np_cumsum(x: np.ndarray, axis: int) -> np.ndarray:
    return np.cumsum(x, axis=axis, dtype=x.dtype)  # lax keeps the dtype


def _np_cumulative(numpy_fn: Callable, axis: int, reverse: bool) -> Callable:
    def reference(x: np.ndarray) -> np.ndarray:
        ax = axis % x.ndim
        if reverse:
            return np.flip(numpy_fn(np.flip(x, ax), axis=ax), ax)
        return numpy_fn(x, axis=ax)
    return reference


def _np_linear_recurrence(axis: int, reverse: bool) -> Callable:
    def reference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = np.moveaxis(a, axis, 0), np.moveaxis(b, axis, 0)
        order = range(b.shape[0] - 1, -1, -1) if reverse else range(b.shape[0])
        y, previous = np.empty_like(b), np.zeros_like(b[0])
        for i in order:
            previous = y[i] = a[i] * previous + b[i]
        return np.moveaxis(y, 0, axis)
    return reference


# ---------------------------------------------------------------------------------------------
# The spec table
# ---------------------------------------------------------------------------------------------


def _reduction_rows() -> list[OpSpec]:
    rows = []
    for which in ("all", "first", "last", "outer"):
        shapes = unary_shapes(min_rank=MIN_RANK[which])
        rows += [
            OpSpec(f"reduce_max_{which}", _reduction(red.reduce_max, which),
                   _reference(np.max, which), shapes, F32_64, make_args=_distinct),
            OpSpec(f"reduce_min_{which}", _reduction(red.reduce_min, which),
                   _reference(np.min, which), shapes, F32_64, make_args=_distinct),
            OpSpec(f"reduce_prod_{which}", _reduction(red.reduce_prod, which),
                   _reference(np.prod, which), unary_shapes(min_rank=MIN_RANK[which],
                                                            max_side=3),
                   make_args=_with_zeros),
        ]
    rows += [
        OpSpec("reduce_max_int_ties", _reduction(red.reduce_max, "last"),
               _reference(np.max, "last"), unary_shapes(min_rank=1), (np.int32, np.int64),
               make_args=_small_ints),
        OpSpec("reduce_min_nan", _reduction(red.reduce_min, "first"),
               _reference(np.min, "first"), unary_shapes(min_rank=1), make_args=_with_nans,
               grad_order=0),
        OpSpec("reduce_prod_f32", _reduction(red.reduce_prod, "all"),
               _reference(np.prod, "all"), unary_shapes(max_side=3), (np.float32,),
               rtol=1e-5, grad_order=1),
        OpSpec("reduce_prod_int", _reduction(red.reduce_prod, "first"),
               _reference(np.prod, "first"), unary_shapes(min_rank=1), (np.int64,),
               make_args=_small_ints),
        OpSpec("reduce_and", _reduction(red.reduce_and, "last"), _reference(np.all, "last"),
               unary_shapes(min_rank=1), (np.bool_,)),
        OpSpec("reduce_or", _reduction(red.reduce_or, "outer"), _reference(np.any, "outer"),
               unary_shapes(min_rank=2), (np.bool_,)),
        OpSpec("reduce_and_all", _reduction(red.reduce_and, "all"), _reference(np.all, "all"),
               unary_shapes(), (np.bool_,)),
    ]
    return rows


def _arg_rows() -> list[OpSpec]:
    rows = []
    for name, fun, numpy_fn in (("argmax", red.argmax, np.argmax),
                                ("argmin", red.argmin, np.argmin)):
        rows += [
            OpSpec(f"{name}_first_ties", lambda x, fun=fun: fun(x, 0),
                   lambda x, numpy_fn=numpy_fn: numpy_fn(x, axis=0),
                   unary_shapes(min_rank=1), (np.float64, np.int32), make_args=_small_ints),
            OpSpec(f"{name}_last_int32", lambda x, fun=fun: fun(x, -1, np.int32),
                   lambda x, numpy_fn=numpy_fn: numpy_fn(x, axis=-1).astype(np.int32),
                   unary_shapes(min_rank=1), F32_64, make_args=_distinct),
            OpSpec(f"{name}_nan", lambda x, fun=fun: fun(x, 0),
                   lambda x, numpy_fn=numpy_fn: numpy_fn(x, axis=0),
                   unary_shapes(min_rank=1), make_args=_with_nans),
        ]
    return rows


def _cumulative_rows() -> list[OpSpec]:
    rows = []
    for axis, reverse in ((0, False), (-1, True)):
        tag = f"axis{axis}{'_reverse' if reverse else ''}"
        shapes = unary_shapes(min_rank=1)
        rows += [
            OpSpec(f"cumsum_{tag}", lambda x, a=axis, r=reverse: red.cumsum(x, a, r),
                   _np_cumulative(_np_cumsum, axis, reverse), shapes, F32_64, grad_order=3,
                   rtol=1e-6),
            OpSpec(f"cumprod_{tag}", lambda x, a=axis, r=reverse: red.cumprod(x, a, r),
                   _np_cumulative(np.cumprod, axis, reverse),
                   unary_shapes(min_rank=1, max_side=3), make_args=_with_zeros),
            OpSpec(f"cummax_{tag}", lambda x, a=axis, r=reverse: red.cummax(x, a, r),
                   _np_cumulative(np.maximum.accumulate, axis, reverse), shapes, F32_64,
                   make_args=_distinct),
            OpSpec(f"cummin_{tag}", lambda x, a=axis, r=reverse: red.cummin(x, a, r),
                   _np_cumulative(np.minimum.accumulate, axis, reverse), shapes, F32_64,
                   make_args=_distinct),
            OpSpec(f"linear_recurrence_{tag}",
                   lambda a_, b_, a=axis, r=reverse: red.linear_recurrence(a_, b_, a, r),
                   _np_linear_recurrence(axis, reverse), same_shapes(2, min_rank=1),
                   make_args=_recurrence_args, rtol=1e-12),
        ]
    rows += [
        OpSpec("cumsum_int", lambda x: red.cumsum(x, 0), _np_cumulative(_np_cumsum, 0, False),
               unary_shapes(min_rank=1), (np.int32,), make_args=_small_ints),
        OpSpec("cummax_int_ties", lambda x: red.cummax(x, -1),
               _np_cumulative(np.maximum.accumulate, -1, False), unary_shapes(min_rank=1),
               (np.int64, np.bool_), make_args=_small_ints),
        OpSpec("cummin_nan", lambda x: red.cummin(x, 0),
               _np_cumulative(np.minimum.accumulate, 0, False), unary_shapes(min_rank=1),
               make_args=_with_nans, grad_order=0),
    ]
    return rows


SPECS = _reduction_rows() + _arg_rows() + _cumulative_rows()

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


# ---------------------------------------------------------------------------------------------
# max / min: ties split the derivative evenly, NaN propagates, empty axes give the identity
# ---------------------------------------------------------------------------------------------


def test_reduce_max_ties_split_gradient_evenly() -> None:
    x = np.array([1.0, 3.0, 3.0, 2.0])
    np.testing.assert_array_equal(ft.grad(lambda v: red.reduce_max(v, 0))(x),
                                  [0.0, 0.5, 0.5, 0.0])
    y = np.array([[4.0, 1.0, 4.0], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(ft.grad(lambda v: red.reduce_min(v, (0, 1)))(y),
                               [[0, 1 / 4, 0], [1 / 4, 1 / 4, 1 / 4]])
    _, t = ft.jvp(lambda v: red.reduce_max(v, 1), (y,), (np.arange(6.0).reshape(2, 3),))
    np.testing.assert_allclose(t, [(0 + 2) / 2, (3 + 4 + 5) / 3])


def test_cummax_ties_split_gradient_evenly() -> None:
    x = np.array([1.0, 3.0, 3.0, 2.0, 5.0])
    jac = ft.jacrev(lambda v: red.cummax(v))(x)
    np.testing.assert_allclose(jac, [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, .5, .5, 0, 0],
                                     [0, .5, .5, 0, 0], [0, 0, 0, 0, 1]])
    x = np.array([2.0, 3.0, 2.0, 4.0, 2.0])
    np.testing.assert_allclose(ft.jacfwd(lambda v: red.cummin(v, reverse=True))(x), [
        [1 / 3, 0, 1 / 3, 0, 1 / 3], [0, 0, .5, 0, .5], [0, 0, .5, 0, .5], [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1]])


def test_max_min_propagate_nan_like_numpy() -> None:
    x = np.array([[1.0, np.nan, 2.0], [0.0, 5.0, -1.0]])
    for fun, numpy_fn in ((red.reduce_max, np.max), (red.reduce_min, np.min)):
        np.testing.assert_array_equal(fun(x, 1), numpy_fn(x, axis=1))
    np.testing.assert_array_equal(red.cummax(x, 1), np.maximum.accumulate(x, axis=1))
    assert red.argmax(x, 1).tolist() == [1, 1] and red.argmin(x, 1).tolist() == [1, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        g = ft.grad(lambda v: red.reduce_max(v, (0, 1)))(x)
    assert np.isnan(g).all()  # nothing equals a NaN maximum: 0 / 0, as in JAX


def test_empty_reductions_give_identities() -> None:
    empty = np.zeros((0, 3))
    np.testing.assert_array_equal(red.reduce_max(empty, 0), np.full(3, -np.inf))
    np.testing.assert_array_equal(red.reduce_min(empty, 0), np.full(3, np.inf))
    np.testing.assert_array_equal(red.reduce_max(np.zeros((0,), np.int8), 0), -128)
    np.testing.assert_array_equal(red.reduce_prod(empty, 0), np.ones(3))
    assert red.reduce_and(np.zeros((0,), bool), 0) and not red.reduce_or(np.zeros(0, bool), 0)
    np.testing.assert_array_equal(ft.grad(lambda v: red.reduce_max(v, 0).sum())(empty), empty)
    assert red.reduce_max(np.zeros((3, 0)), 0).shape == (0,)
    assert red.cumprod(np.zeros((0, 2)), 0).shape == (0, 2)


# ---------------------------------------------------------------------------------------------
# Products with zeros: exact at every order
# ---------------------------------------------------------------------------------------------


def _prod_hessian(x: np.ndarray) -> np.ndarray:
    n = x.size
    return np.array([[0.0 if j == k else np.prod(np.delete(x, [j, k])) for k in range(n)]
                     for j in range(n)])


@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, -2.0], [0.0, 0.0, 0.0]])
def test_reduce_prod_derivatives_with_zeros_are_exact(x: list[float]) -> None:
    x = np.array(x)
    grad = ft.grad(lambda v: red.reduce_prod(v, 0))(x)
    np.testing.assert_array_equal(grad, [np.prod(np.delete(x, j)) for j in range(x.size)])
    np.testing.assert_allclose(ft.hessian(lambda v: red.reduce_prod(v, 0))(x), _prod_hessian(x))
    check_grads(lambda v: red.reduce_prod(v, 0), (x,), order=3)


def test_cumprod_derivatives_with_zeros() -> None:
    x = np.array([[2.0, 0.0, 3.0, 0.0, 0.5], [0.0, 1.5, -1.0, 2.0, 0.0]])
    for reverse in (False, True):
        check_grads(lambda v: red.cumprod(v, 1, reverse), (x,), order=3)
    # the last running product is the whole product
    np.testing.assert_allclose(ft.jacrev(red.cumprod)(x[0])[-1],
                               ft.grad(lambda v: red.reduce_prod(v, 0))(x[0]))


def test_linear_recurrence_is_linear_in_b_and_transposes() -> None:
    rng = np.random.default_rng(0)
    a, b, ct = rng.normal(size=(3, 2, 5))
    for reverse in (False, True):
        f = lambda v, r=reverse: red.linear_recurrence(a, v, 1, r)  # noqa: E731
        (b_ct,) = ft.linear_transpose(f, b)(ct)
        matrix = ft.jacfwd(f)(b).reshape(10, 10)
        np.testing.assert_allclose(b_ct.ravel(), matrix.T @ ct.ravel(), atol=1e-12)
    with pytest.raises(NonLinearError, match="coefficients"):
        ft.linear_transpose(lambda v: red.linear_recurrence(v, b), a)(ct)


# ---------------------------------------------------------------------------------------------
# Transformations composed
# ---------------------------------------------------------------------------------------------


def test_vmap_of_grad_and_grad_of_vmap() -> None:
    rng = np.random.default_rng(1)
    xs = rng.normal(size=(4, 3, 5))

    def f(x: Any) -> Any:
        return lax.reduce_sum(lax.mul(red.reduce_max(x, 0), red.reduce_prod(x, 0)), 0) \
            + lax.reduce_sum(red.cumprod(x, 1, True), (0, 1))

    per_example = np.stack([ft.grad(f)(x) for x in xs])
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(xs), per_example, rtol=1e-12)
    np.testing.assert_allclose(ft.vmap(ft.grad(f), in_axes=2)(np.moveaxis(xs, 0, 2)),
                               per_example, rtol=1e-12)
    total = lambda x: lax.reduce_sum(ft.vmap(f)(x), 0)  # noqa: E731
    np.testing.assert_allclose(ft.grad(total)(xs), per_example, rtol=1e-12)
    hess = ft.vmap(ft.hessian(lambda v: red.reduce_prod(v, 0)))(xs[:, 0])
    np.testing.assert_allclose(hess, np.stack([_prod_hessian(v) for v in xs[:, 0]]),
                               rtol=1e-12, atol=1e-12)


def test_argmax_and_boolean_reductions_have_zero_derivatives() -> None:
    x = np.array([[1.0, 5.0], [7.0, 2.0]])
    _, t = ft.jvp(lambda v: red.argmax(v, 1), (x,), (x,))
    assert t.dtype == ft.float0
    g = ft.grad(lambda v: lax.mul(v, lax.convert_element_type(red.reduce_or(
        lax.gt(v, 4.0), (0, 1)), v.dtype)).sum())(x)
    np.testing.assert_array_equal(g, np.ones_like(x))


def test_printed_program() -> None:
    text = str(ft.make_jaxpr(lambda x: red.argmax(red.cumsum(x, 1, True), 0, np.int32))(
        np.ones((2, 3))))
    assert "cumsum[axis=1 reverse=True]" in text.replace(",", "")
    assert "argmax" in text and "i32[3]" in text


# ---------------------------------------------------------------------------------------------
# Error messages
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, message", [
    (lambda: red.reduce_max(np.ones((2, 3)), (2,)), ValueError, "out of bounds"),
    (lambda: red.reduce_prod(np.ones((2, 3)), (0, -2)), ValueError, "repeated axis"),
    (lambda: ft.make_jaxpr(lambda x: red.reduce_max_p.bind(x, axes=(1,)))(np.ones(3)),
     ValueError, "axes .* are invalid"),
    (lambda: red.cummax(np.ones(3, complex), 0), TypeError, "real .* operand, got c128"),
    (lambda: red.reduce_prod(np.ones(3, bool), 0), TypeError, "numeric operand, got bool"),
    (lambda: red.reduce_and(np.ones(3), 0), TypeError, "boolean operand.*ne\\(x, 0\\)"),
    (lambda: red.reduce_or(np.ones(3, np.int32), 0), TypeError, "boolean operand"),
    (lambda: red.argmax(np.ones((0, 2)), 0), ValueError, "empty axis"),
    (lambda: red.argmin(np.ones(3), 0, np.float32), TypeError, "index_dtype must be an int"),
    (lambda: red.argmax(np.ones(3), 1), ValueError, "axis 1 is out of bounds"),
    (lambda: red.argmax(np.ones(3), (0,)), TypeError, "axis must be an int"),
    (lambda: red.argmax(np.float64(1.0), 0), ValueError, "out of bounds .* rank 0"),
    (lambda: red.cumsum(np.ones((2, 3)), 2), ValueError, "axis 2 is out of bounds"),
    (lambda: red.cumsum(np.float64(1.0)), ValueError, "rank 0"),
    (lambda: red.cumprod(np.ones(3, bool)), TypeError, "cumprod needs a numeric operand"),
    (lambda: red.cummax(np.ones(3), axis=None), TypeError, "axis must be an int"),
    (lambda: red.linear_recurrence(np.ones(3), np.ones(4)), TypeError,
     "one shape and dtype, got f64\\[3\\] and f64\\[4\\]"),
])
def test_errors(call: Callable, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("size", [1, 2, 3, 7, 16, 33])
def test_linear_recurrence_impl_doubling_matches_loop(size: int) -> None:
    rng = np.random.default_rng(size)
    a, b = rng.uniform(-1, 1, (2, size, 3))
    for reverse in (False, True):
        np.testing.assert_allclose(red.linear_recurrence(a, b, 0, reverse),
                                   _np_linear_recurrence(0, reverse)(a, b), rtol=1e-12,
                                   atol=1e-15)
