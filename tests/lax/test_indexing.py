"""Spec table of the indexing primitives (``ftrans.lax.indexing``): slice, slice_in_dim,
index_in_dim, dynamic_slice, dynamic_update_slice; plus the batched-start-index path under
composed transformations, and the error messages."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

import ftrans as ft
from ftrans.lax.indexing import dynamic_slice, dynamic_update_slice, index_in_dim, slice_in_dim
from ftrans.lax.indexing import slice as lax_slice
from ftrans.test_util import check_grads
from tests.spec_util import OpSpec, make_family_tests, shapes

F32_64 = (np.float64, np.float32)


def sides(*template: Any) -> st.SearchStrategy[tuple[int, ...]]:
    """A shape following ``template``: an int is a fixed size, a pair (lo, hi) a drawn one."""
    return st.tuples(*[st.just(t) if isinstance(t, int) else st.integers(*t)
                       for t in template])


def one(shape: st.SearchStrategy[tuple[int, ...]]) -> st.SearchStrategy[tuple]:
    return shape.map(lambda s: (s,))


# ---------------------------------------------------------------------------------------------
# NumPy references (JAX semantics: negative starts count from the end, then clamp)
# ---------------------------------------------------------------------------------------------


def np_starts(starts: Any, shape: tuple[int, ...], sizes: tuple[int, ...]) -> list[int]:
    out = []
    for s, n, k in zip(starts, shape, sizes):
        s = int(s)
        s = s + n if s < 0 else s
        out.append(min(max(s, 0), n - k))
    return out


def np_dynamic_slice(x: np.ndarray, starts: Any, sizes: tuple[int, ...]) -> np.ndarray:
    starts = np_starts(starts, x.shape, sizes)
    return x[np.ix_(*[np.arange(s, s + k) for s, k in zip(starts, sizes)])]


def np_dynamic_update_slice(x: np.ndarray, update: np.ndarray, starts: Any) -> np.ndarray:
    starts = np_starts(starts, x.shape, update.shape)
    out = np.array(x)
    out[np.ix_(*[np.arange(s, s + k) for s, k in zip(starts, update.shape)])] = update
    return out


def slice_params_from_shape(shape: tuple[int, ...]) -> tuple[list[int], list[int], list[int]]:
    """Varied slice bounds depending only on the shape (so hypothesis varies them)."""
    starts = [n // 3 for n in shape]
    limits = [n - n // 4 for n in shape]
    strides = [1 + n % 3 for n in shape]
    return starts, limits, strides


def np_slice_from_shape(x: np.ndarray) -> np.ndarray:
    starts, limits, strides = slice_params_from_shape(x.shape)
    return x[tuple(slice(a, b, c) for a, b, c in zip(starts, limits, strides))]


def index_args(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """An operand and integer start indices: some negative, some past the end (clamped)."""
    x_shape = arg_shapes[0]
    x = rng.uniform(-2, 2, x_shape).astype(dtype)
    index_dtypes = (np.int32, np.int64)
    starts = [index_dtypes[i % 2](rng.integers(-n - 1, n + 2))
              for i, n in enumerate(x_shape)]
    return (x, *starts)


def update_args(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    x, *starts = index_args(rng, arg_shapes[:1], dtype)
    update = rng.uniform(-2, 2, arg_shapes[1]).astype(dtype)
    return (x, update, *starts)


SPECS = [
    OpSpec("slice_unit_strides", lambda x: lax_slice(x, (1, 0), (3, 2)),
           lambda x: x[1:3, 0:2], one(sides((3, 5), (2, 4))), F32_64),
    OpSpec("slice_strided", lambda x: lax_slice(x, (0, 1), (5, 4), (2, 3)),
           lambda x: x[0:5:2, 1:4:3], one(sides((5, 6), (4, 6))), F32_64),
    OpSpec("slice_empty", lambda x: lax_slice(x, (1, 0), (1, 2), (1, 2)),
           lambda x: x[1:1, 0:2:2], one(sides((1, 3), (2, 3))), F32_64),
    OpSpec("slice_from_shape",
           lambda x: lax_slice(x, *slice_params_from_shape(x.shape)), np_slice_from_shape,
           one(shapes(1, 3, 1, 6)), F32_64),
    OpSpec("slice_int", lambda x: lax_slice(x, (1,), (4,), (2,)), lambda x: x[1:4:2],
           one(sides((4, 6))), (np.int32,), grad_order=0),
    OpSpec("slice_in_dim_neg", lambda x: slice_in_dim(x, -3, None, 2, axis=-1),
           lambda x: x[..., -3::2], one(sides((1, 3), (3, 5))), F32_64),
    OpSpec("index_in_dim_keep", lambda x: index_in_dim(x, 1, axis=1),
           lambda x: x[:, 1:2], one(sides((1, 3), (2, 4), (1, 3))), F32_64),
    OpSpec("index_in_dim_drop", lambda x: index_in_dim(x, -1, axis=0, keepdims=False),
           lambda x: x[-1], one(shapes(1, 3)), F32_64),
    # Start indices as operands: vmap batches them (and sometimes not), so both batching paths
    # run; the derivative rows below close over the starts, since grads need float arguments.
    OpSpec("dynamic_slice_traced_starts",
           lambda x, i, j: dynamic_slice(x, (i, j), (2, 3)),
           lambda x, i, j: np_dynamic_slice(x, (i, j), (2, 3)),
           one(sides((2, 5), (3, 6))), F32_64, make_args=index_args),
    OpSpec("dynamic_slice_traced_starts_3d",
           lambda x, i, j, k: dynamic_slice(x, (i, j, k), (1, 2, 0)),
           lambda x, i, j, k: np_dynamic_slice(x, (i, j, k), (1, 2, 0)),
           one(sides((1, 4), (2, 5), (1, 3))), F32_64, make_args=index_args),
    OpSpec("dynamic_slice_fixed_starts", lambda x: dynamic_slice(x, (1, -2), (2, 2)),
           lambda x: np_dynamic_slice(x, (1, -2), (2, 2)), one(sides((2, 5), (2, 5))),
           F32_64),
    OpSpec("dynamic_slice_clamped", lambda x: dynamic_slice(x, (7, -9), (2, 1)),
           lambda x: np_dynamic_slice(x, (7, -9), (2, 1)), one(sides((2, 5), (1, 5))),
           F32_64),
    OpSpec("dynamic_update_slice_traced_starts",
           lambda x, u, i, j: dynamic_update_slice(x, u, (i, j)),
           lambda x, u, i, j: np_dynamic_update_slice(x, u, (i, j)),
           st.tuples(sides((3, 5), (2, 5)), sides((1, 3), (1, 2))), F32_64,
           make_args=update_args),
    OpSpec("dynamic_update_slice_fixed_starts",
           lambda x, u: dynamic_update_slice(x, u, (2, -1)),
           lambda x, u: np_dynamic_update_slice(x, u, (2, -1)),
           st.tuples(sides((3, 5), (2, 5)), sides((1, 3), (1, 2))), F32_64),
    OpSpec("dynamic_update_slice_clamped",
           lambda x, u: dynamic_update_slice(x, u, (9,)),
           lambda x, u: np_dynamic_update_slice(x, u, (9,)),
           st.tuples(sides((2, 5)), sides((0, 2))), F32_64),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


# ---------------------------------------------------------------------------------------------
# Per-member start indices under composed transformations (the barrel-shifter path)
# ---------------------------------------------------------------------------------------------

RNG = np.random.default_rng(0)
XS = RNG.normal(size=(5, 4, 6))
UPDATES = RNG.normal(size=(5, 2, 3))
I = np.array([0, 3, -1, 9, 2])  # noqa: E741  (a negative and an out-of-range start)
J = np.array([5, 0, 2, -7, 1], dtype=np.int32)


def window(x: Any, i: Any, j: Any) -> Any:
    return dynamic_slice(x, (i, j), (2, 3))


def update(x: Any, u: Any, i: Any, j: Any) -> Any:
    return dynamic_update_slice(x, u, (i, j))


def test_vmap_of_grad_with_batched_starts() -> None:
    def loss(x: Any, u: Any, i: Any, j: Any) -> Any:
        return (window(update(x, u * u, j, i), i, j) ** 2).sum() + (update(x, u, i, j) ** 3).sum()

    grads = ft.vmap(ft.grad(loss, argnums=(0, 1)))(XS, UPDATES, I, J)
    for b in range(5):
        expected = ft.grad(loss, argnums=(0, 1))(XS[b], UPDATES[b], int(I[b]), int(J[b]))
        np.testing.assert_allclose(grads[0][b], expected[0], rtol=1e-12)
        np.testing.assert_allclose(grads[1][b], expected[1], rtol=1e-12)


def test_grads_through_batched_starts() -> None:
    check_grads(lambda xs: ft.vmap(window)(xs, I, J), (XS,), 2)
    check_grads(lambda xs, us: ft.vmap(update)(xs, us, I, J), (XS, UPDATES), 2)
    check_grads(lambda x, us: ft.vmap(update, in_axes=(None, 0, 0, None))(x, us, I, 1),
                (XS[0], UPDATES), 2)
    check_grads(lambda x: ft.vmap(window, in_axes=(None, 0, 0))(x, I, J), (XS[0],), 2)


def test_jacobians_with_batched_starts() -> None:
    jac_fwd = ft.vmap(ft.jacfwd(window), in_axes=(0, 0, 0))(XS, I, J)
    jac_rev = ft.vmap(ft.jacrev(window), in_axes=(0, 0, 0))(XS, I, J)
    np.testing.assert_allclose(jac_fwd, jac_rev)
    for b in range(5):
        np.testing.assert_allclose(jac_fwd[b], ft.jacfwd(window)(XS[b], int(I[b]), int(J[b])))


def test_nested_vmap_with_batched_starts() -> None:
    xs = RNG.normal(size=(3, 5, 4, 6))
    starts = np.array([[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [-1, -2, -3, 7, 8]])
    out = ft.vmap(ft.vmap(window, in_axes=(0, 0, None)), in_axes=(0, 0, None))(xs, starts, 2)
    ups = ft.vmap(ft.vmap(update, in_axes=(0, None, 0, 0)),
                  in_axes=(0, None, 0, None))(xs, UPDATES[0], starts, J)
    for a in range(3):
        for b in range(5):
            np.testing.assert_array_equal(out[a, b], np_dynamic_slice(xs[a, b],
                                                                      (starts[a, b], 2), (2, 3)))
            np.testing.assert_array_equal(ups[a, b], np_dynamic_update_slice(
                xs[a, b], UPDATES[0], (starts[a, b], J[b])))


def test_batched_starts_are_exact_with_inf_and_nan() -> None:
    xs = np.array(XS)
    xs[:, 0, 0] = np.inf
    xs[:, 1, 1] = np.nan
    out = ft.vmap(window)(xs, I, J)
    ups = ft.vmap(update)(xs, UPDATES, I, J)
    for b in range(5):
        np.testing.assert_array_equal(out[b], np_dynamic_slice(xs[b], (I[b], J[b]), (2, 3)))
        np.testing.assert_array_equal(ups[b], np_dynamic_update_slice(xs[b], UPDATES[b],
                                                                      (I[b], J[b])))


def test_batched_starts_of_other_integer_dtypes() -> None:
    starts = np.array([0, 3, 200, 1, 255], dtype=np.uint8)
    out = ft.vmap(window, in_axes=(0, 0, None))(XS, starts, np.int8(-3))
    for b in range(5):
        np.testing.assert_array_equal(out[b], np_dynamic_slice(XS[b], (starts[b], -3), (2, 3)))


def test_traced_small_integer_start_on_a_long_axis() -> None:
    x = np.arange(300.0)
    out = ft.vmap(lambda i: dynamic_slice(x, (i,), (2,)))(np.array([-1, -128, 127], np.int8))
    np.testing.assert_array_equal(out, [[298, 299], [172, 173], [127, 128]])


def test_zero_size_windows_and_operands() -> None:
    x = RNG.normal(size=(3, 4))
    check_grads(lambda x: dynamic_slice(x, (1, 2), (0, 2)), (x,), 2)
    check_grads(lambda x: lax_slice(x, (1, 4), (3, 4)), (x,), 2)
    check_grads(lambda x, u: dynamic_update_slice(x, u, (1, 1)), (x, np.zeros((2, 0))), 2)
    out = ft.vmap(lambda x, i: dynamic_slice(x, (i, i), (0, 2)))(XS, I)
    assert out.shape == (5, 0, 2)
    empty = np.zeros((0, 3))
    assert dynamic_slice(empty, (2, 1), (0, 2)).shape == (0, 2)
    np.testing.assert_array_equal(ft.vmap(lambda u, i: dynamic_update_slice(x, u, (i, 0)),
                                          in_axes=(None, 0))(np.zeros((0, 4)), I),
                                  np.broadcast_to(x, (5, 3, 4)))


def test_batched_starts_program_typechecks() -> None:
    closed = ft.make_jaxpr(ft.vmap(ft.grad(lambda x, i, j: window(x, i, j).sum())))(XS, I, J)
    ft.ir.typecheck(closed)
    assert "dynamic" not in str(closed)  # per-member starts never reach the primitives


def test_traced_negative_start_under_make_jaxpr() -> None:
    closed = ft.make_jaxpr(lambda x, i: dynamic_slice(x, (i,), (2,)))(np.arange(5.0), -1)
    ft.ir.typecheck(closed)
    for i in range(-6, 7):
        (out,) = ft.ir.jaxpr_as_fun(closed)(np.arange(5.0), i)
        np.testing.assert_array_equal(out, np_dynamic_slice(np.arange(5.0), (i,), (2,)))


def test_slice_transpose_is_a_zero_pad() -> None:
    x = np.zeros((7, 5))
    transpose = ft.linear_transpose(lambda x: lax_slice(x, (1, 0), (6, 4), (2, 3)), x)
    ct = np.arange(1.0, 7.0).reshape(3, 2)
    (ct_x,) = transpose(ct)
    expected = np.zeros((7, 5))
    expected[1:6:2, 0:4:3] = ct
    np.testing.assert_array_equal(ct_x, expected)


def test_dynamic_update_slice_does_not_write_into_its_operand() -> None:
    x = np.zeros(4)
    dynamic_update_slice(x, np.ones(2), (1,))
    np.testing.assert_array_equal(x, np.zeros(4))


# ---------------------------------------------------------------------------------------------
# Error messages
# ---------------------------------------------------------------------------------------------

X = np.zeros((3, 4))


@pytest.mark.parametrize("call, error, match", [
    (lambda: lax_slice(X, (0,), (1, 1)), ValueError,
     r"start_indices \(0,\) has 1 entries but the operand f64\[3,4\] has 2 axes"),
    (lambda: lax_slice(X, (0, 0), (4, 1)), ValueError,
     "axis 0 of f64\\[3,4\\] cannot be sliced from 0 to 4"),
    (lambda: lax_slice(X, (2, 0), (1, 1)), ValueError, "need 0 <= start <= limit"),
    (lambda: lax_slice(X, (-1, 0), (1, 1)), ValueError, "need 0 <= start"),
    (lambda: lax_slice(X, (0, 0), (1, 1), (1, 0)), ValueError, "strides must be >= 1"),
    (lambda: lax_slice(X, (0, 0), (1, 1), (1,)), ValueError, "strides \\(1,\\) has 1 entries"),
    (lambda: lax_slice(X, 0, (1, 1)), TypeError, "start_indices must be a sequence of ints"),
    (lambda: slice_in_dim(X, 0, 1, axis=2), ValueError, "axis 2 is out of bounds"),
    (lambda: slice_in_dim(X, 0, 9, axis=1), ValueError, "cannot be sliced from 0 to 9"),
    (lambda: index_in_dim(X, 3), IndexError, "index 3 is out of bounds for axis 0 with size 3"),
    (lambda: index_in_dim(X, -5, axis=1), IndexError, "index -5 is out of bounds"),
    (lambda: dynamic_slice(X, (0,), (1, 1)), ValueError, "got 1 start indices"),
    (lambda: dynamic_slice(X, (0, 0), (1,)), ValueError, "slice_sizes \\(1,\\) has 1 entries"),
    (lambda: dynamic_slice(X, (0, 0), (4, 1)), ValueError,
     "slice size 4 of axis 0 must be between 0 and the operand's size 3"),
    (lambda: dynamic_slice(X, (0.0, 0), (1, 1)), TypeError,
     "start index 0 must be an integer scalar, got f64\\[\\]"),
    (lambda: dynamic_slice(X, (np.zeros(2, int), 0), (1, 1)), TypeError,
     "start index 0 must be an integer scalar"),
    (lambda: dynamic_update_slice(X, np.zeros((1, 1), np.float32), (0, 0)), TypeError,
     "must have the dtype of the operand"),
    (lambda: dynamic_update_slice(X, np.zeros((4, 1)), (0, 0)), ValueError, "fit inside it"),
    (lambda: dynamic_update_slice(X, np.zeros(2), (0, 0)), ValueError, "rank of the operand"),
    (lambda: dynamic_update_slice(X, np.zeros((1, 1)), (0,)), ValueError,
     "got 1 start indices"),
    (lambda: dynamic_update_slice(X, np.zeros((1, 1)), (0, True)), TypeError,
     "start index 1 must be an integer scalar, got bool"),
])
def test_error_messages(call: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_errors_under_vmap_name_the_users_shapes() -> None:
    with pytest.raises(ValueError, match="slice size 5 of axis 0 .* size 4"):
        ft.vmap(lambda x, i: dynamic_slice(x, (i,), (5,)))(np.zeros((2, 4)), np.arange(2))
