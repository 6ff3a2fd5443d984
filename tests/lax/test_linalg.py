"""Spec table of dot_general (and its wrappers dot, batch_matmul) over many dimension_numbers
configurations, plus composed transformations, the BLAS fast path and error messages."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import strategies as st

import ftrans as ft
from ftrans import lax
from ftrans.interpreters.transpose import NonLinearError
from ftrans.lax import linalg
from ftrans.test_util import check_grads
from tests.spec_util import OpSpec, make_family_tests

F32_64 = (np.float64, np.float32)
NO_DIMS = (((), ()), ((), ()))


def einsum_reference(dimension_numbers: Any, preferred: Any = None) -> Callable:
    """dot_general written as np.einsum: batch letters, then lhs free, then rhs free."""
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers

    def reference(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
        letters = iter("abcdefghijklmnopqrstuvwxyz")
        lhs_sub, rhs_sub = [None] * np.ndim(lhs), [None] * np.ndim(rhs)
        for lhs_dims, rhs_dims in ((lhs_batch, rhs_batch), (lhs_contract, rhs_contract)):
            for l_dim, r_dim in zip(lhs_dims, rhs_dims):
                lhs_sub[l_dim] = rhs_sub[r_dim] = next(letters)
        lhs_sub = [s or next(letters) for s in lhs_sub]
        rhs_sub = [s or next(letters) for s in rhs_sub]
        out = ([lhs_sub[d] for d in lhs_batch]
               + [s for d, s in enumerate(lhs_sub) if d not in lhs_contract + lhs_batch]
               + [s for d, s in enumerate(rhs_sub) if d not in rhs_contract + rhs_batch])
        dtype = np.result_type(lhs) if preferred is None else preferred
        result = np.einsum(f"{''.join(lhs_sub)},{''.join(rhs_sub)}->{''.join(out)}",
                           np.asarray(lhs, dtype), np.asarray(rhs, dtype))
        return np.asarray(result, dtype)[()]

    return reference


def operand_shapes(lhs: str, rhs: str) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Shapes for operands described by letters ("bmk", "bkn"): one size per letter."""
    letters = sorted(set(lhs + rhs))
    return st.tuples(*[st.integers(1, 4) for _ in letters]).map(
        lambda sizes: tuple(tuple(dict(zip(letters, sizes))[c] for c in operand)
                            for operand in (lhs, rhs)))


# name, lhs letters, rhs letters, dimension_numbers
CONFIGS = [
    ("vector_dot", "k", "k", (((0,), (0,)), ((), ()))),
    ("matvec", "mk", "k", (((1,), (0,)), ((), ()))),
    ("vecmat", "k", "kn", (((0,), (0,)), ((), ()))),
    ("matmul", "mk", "kn", (((1,), (0,)), ((), ()))),
    ("matmul_lhs_transposed", "km", "kn", (((0,), (0,)), ((), ()))),
    ("matmul_rhs_transposed", "mk", "nk", (((1,), (1,)), ((), ()))),
    ("batched_matmul", "bmk", "bkn", (((2,), (1,)), ((0,), (0,)))),
    ("batch_in_middle", "mbk", "kbn", (((2,), (0,)), ((1,), (1,)))),
    ("two_batch_dims", "bmkc", "ckbn", (((2,), (1,)), ((0, 3), (2, 0)))),
    ("contract_two_dims", "abc", "cbd", (((1, 2), (1, 0)), ((), ()))),
    ("full_contraction", "ab", "ab", (((0, 1), (0, 1)), ((), ()))),
    ("outer_vectors", "m", "n", NO_DIMS),
    ("outer_matrix_vector", "ab", "c", NO_DIMS),
    ("batch_without_contraction", "bm", "bn", (((), ()), ((0,), (0,)))),
    ("scalars", "", "", NO_DIMS),
    ("scalar_matrix", "", "mn", NO_DIMS),
]


def _int_args(rng: np.random.Generator, shapes: tuple, dtype: Any) -> tuple:
    return tuple(rng.integers(-100, 100, s).astype(dtype)[()] for s in shapes)


def _rows() -> list[OpSpec]:
    rows = [OpSpec(name, lambda x, y, dn=dn: linalg.dot_general(x, y, dn), einsum_reference(dn),
                   operand_shapes(lhs, rhs), F32_64, rtol=1e-5, grad_order=3)
            for name, lhs, rhs, dn in CONFIGS]
    matmul = CONFIGS[3][3]
    batched = CONFIGS[6][3]
    rows += [
        OpSpec("matmul_int", lambda x, y: linalg.dot_general(x, y, batched),
               einsum_reference(batched), operand_shapes("bmk", "bkn"), (np.int32, np.int64)),
        OpSpec("preferred_f32_to_f64",
               lambda x, y: linalg.dot_general(x, y, batched, np.float64),
               einsum_reference(batched, np.float64), operand_shapes("bmk", "bkn"),
               (np.float32,), grad_order=2),
        OpSpec("preferred_int8_to_int32",
               lambda x, y: linalg.dot_general(x, y, matmul, np.int32),
               einsum_reference(matmul, np.int32), operand_shapes("mk", "kn"), (np.int8,),
               make_args=_int_args),
        OpSpec("dot_vv", linalg.dot, np.dot, operand_shapes("k", "k"), grad_order=3),
        OpSpec("dot_mv", linalg.dot, np.dot, operand_shapes("mk", "k"), grad_order=3),
        OpSpec("dot_vm", linalg.dot, np.dot, operand_shapes("k", "kn"), grad_order=3),
        OpSpec("dot_mm", linalg.dot, np.dot, operand_shapes("mk", "kn"), F32_64, rtol=1e-5,
               grad_order=3),
        OpSpec("batch_matmul_3d", linalg.batch_matmul, np.matmul,
               operand_shapes("bmk", "bkn"), grad_order=3),
        OpSpec("batch_matmul_4d", linalg.batch_matmul, np.matmul,
               operand_shapes("abmk", "abkn"), grad_order=2),
    ]
    return rows


SPECS = _rows()

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


# ---------------------------------------------------------------------------------------------
# Speed: plain and batched matrix products go to NumPy's matmul (BLAS) unchanged
# ---------------------------------------------------------------------------------------------


def test_matrix_products_are_numpy_matmul() -> None:
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(64, 96)), rng.normal(size=(96, 32))
    np.testing.assert_array_equal(linalg.dot(x, w), np.matmul(x, w))
    xs, ws = rng.normal(size=(5, 8, 9)), rng.normal(size=(5, 9, 7))
    np.testing.assert_array_equal(linalg.batch_matmul(xs, ws), np.matmul(xs, ws))
    # (x^T)^T: the contraction over x's first axis is matmul of the transposed view
    np.testing.assert_array_equal(
        linalg.dot_general(x, w.T, (((1,), (1,)), ((), ()))), np.matmul(x, w))


def test_zero_sizes() -> None:
    out = linalg.dot_general(np.ones((3, 0)), np.ones((0, 4)), CONFIGS[3][3])
    np.testing.assert_array_equal(out, np.zeros((3, 4)))
    assert linalg.batch_matmul(np.ones((0, 2, 3)), np.ones((0, 3, 4))).shape == (0, 2, 4)
    g = ft.grad(lambda x: lax.reduce_sum(linalg.dot(x, np.ones((0, 4))), (0, 1)))(np.ones((3, 0)))
    assert g.shape == (3, 0)


# ---------------------------------------------------------------------------------------------
# Transformations composed
# ---------------------------------------------------------------------------------------------


def _layer_loss(w: Any, x: Any) -> Any:
    hidden = lax.tanh(linalg.dot(x, w))
    return lax.reduce_sum(lax.mul(hidden, hidden), (0,))


def test_vmap_of_grad_and_grad_of_vmap() -> None:
    rng = np.random.default_rng(1)
    w, xs = rng.normal(size=(4, 3)), rng.normal(size=(6, 4))
    per_example = np.stack([ft.grad(_layer_loss)(w, x) for x in xs])
    np.testing.assert_allclose(ft.vmap(ft.grad(_layer_loss), in_axes=(None, 0))(w, xs),
                               per_example, rtol=1e-12)
    total = lambda w_: lax.reduce_sum(ft.vmap(_layer_loss, (None, 0))(w_, xs), (0,))  # noqa: E731
    np.testing.assert_allclose(ft.grad(total)(w), per_example.sum(0), rtol=1e-12)
    # per-example gradients with respect to the batched argument, and weights batched too
    ws = rng.normal(size=(6, 4, 3))
    np.testing.assert_allclose(
        ft.vmap(ft.grad(_layer_loss, argnums=1), in_axes=(0, 0))(ws, xs),
        np.stack([ft.grad(_layer_loss, argnums=1)(w_, x) for w_, x in zip(ws, xs)]),
        rtol=1e-12)


def test_nested_vmap_and_hessian() -> None:
    rng = np.random.default_rng(2)
    a, xs = rng.normal(size=(3, 3)), rng.normal(size=(2, 5, 3))

    def quadratic(x: Any) -> Any:
        return linalg.dot(x, linalg.dot(a, x))

    np.testing.assert_allclose(ft.vmap(ft.vmap(quadratic))(xs),
                               np.einsum("bni,ij,bnj->bn", xs, a, xs), rtol=1e-12)
    np.testing.assert_allclose(ft.hessian(quadratic)(xs[0, 0]), a + a.T, rtol=1e-12)
    jac = ft.vmap(ft.jacrev(lambda m: linalg.dot(m, xs[0, 0])), in_axes=0)(
        np.stack([a, 2 * a]))
    assert jac.shape == (2, 3, 3, 3)


def test_transposes_are_matrix_transposes() -> None:
    rng = np.random.default_rng(3)
    x, w, ct = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    (x_ct,) = ft.linear_transpose(lambda v: linalg.dot(v, w), x)(ct)
    (w_ct,) = ft.linear_transpose(lambda v: linalg.dot(x, v), w)(ct)
    np.testing.assert_allclose(x_ct, ct @ w.T, rtol=1e-12)
    np.testing.assert_allclose(w_ct, x.T @ ct, rtol=1e-12)
    with pytest.raises(NonLinearError):
        ft.linear_transpose(lambda v: linalg.dot(v, v), x[0])(np.float64(1.0))


def test_preferred_element_type_gradients_keep_operand_dtype() -> None:
    x, w = np.ones((2, 3), np.float32), np.full((3, 2), 0.5, np.float32)
    out = linalg.dot(x, w, preferred_element_type=np.float64)
    assert out.dtype == np.float64
    gx, gw = ft.grad(lambda a, b: lax.reduce_sum(linalg.dot(a, b, np.float64), (0, 1)),
                     argnums=(0, 1))(x, w)
    assert gx.dtype == gw.dtype == np.float32
    np.testing.assert_allclose(gx, np.ones((2, 2)) @ w.T)
    check_grads(lambda a, b: linalg.dot(a, b, np.float64), (x, w), order=2)


def test_python_scalars_and_printed_program() -> None:
    np.testing.assert_array_equal(linalg.dot_general(2.0, np.arange(3.0), NO_DIMS),
                                  [0.0, 2.0, 4.0])
    text = str(ft.make_jaxpr(linalg.dot)(np.ones((2, 3)), np.ones(3)))
    assert "dot_general" in text and "f64[2]" in text


# ---------------------------------------------------------------------------------------------
# Error messages
# ---------------------------------------------------------------------------------------------

M23, M34 = np.ones((2, 3)), np.ones((3, 4))


@pytest.mark.parametrize("call, error, message", [
    (lambda: linalg.dot_general(M23, M34.astype(np.float32), CONFIGS[3][3]), TypeError,
     "one dtype, got f64\\[2,3\\] and f32\\[3,4\\]; convert one"),
    (lambda: linalg.dot_general(M23, M23, CONFIGS[3][3]), ValueError,
     "contracting dimensions differ in size: lhs dimension 1 .* size 3 but rhs dimension 0 "
     ".* size 2"),
    (lambda: linalg.dot_general(np.ones((2, 3)), np.ones((4, 3)), (((1,), (1,)), ((0,), (0,)))),
     ValueError, "batch dimensions differ in size"),
    (lambda: linalg.dot_general(M23, M34, (((1,), ()), ((), ()))), ValueError,
     "as many contracting dimensions"),
    (lambda: linalg.dot_general(M23, M34, (((2,), (0,)), ((), ()))), ValueError,
     "lhs contracting dimension 2 is out of range"),
    (lambda: linalg.dot_general(M23, M34, (((1, 1), (0, 0)), ((), ()))), ValueError,
     "repeated lhs contracting dimension"),
    (lambda: linalg.dot_general(np.ones((3, 3)), np.ones((3, 3)), (((0,), (0,)), ((0,), (1,)))),
     ValueError, "lhs dimensions \\(0,\\) are both contracting and batch"),
    (lambda: linalg.dot_general(M23, M34, ((1,), (0,))), TypeError,
     "dimension_numbers must be \\(\\(lhs_contracting"),
    (lambda: linalg.dot_general(M23, M34, CONFIGS[3][3], np.int32), TypeError,
     "preferred_element_type int32 cannot hold results of float64"),
    (lambda: linalg.dot_general(np.ones(2, "U1"), np.ones(2, "U1"), NO_DIMS), TypeError,
     "numeric operands"),
    (lambda: linalg.dot(np.ones((2, 2, 2)), M23), TypeError,
     "dot needs operands of rank 1 or 2, got ranks 3 and 2; use dot_general"),
    (lambda: linalg.batch_matmul(np.ones((2, 2, 3)), M34), TypeError,
     "batch_matmul needs operands of one rank, at least 2"),
    (lambda: linalg.batch_matmul(np.ones((2, 2, 3)), np.ones((5, 3, 4))), ValueError,
     "batch dimensions differ in size"),
])
def test_errors(call: Callable, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call()
