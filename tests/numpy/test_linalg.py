"""ftrans.numpy products (dot, matmul, inner, outer, vdot, tensordot, einsum) and
linalg.norm: the spec table over NumPy's shape rules, promotion, and errors."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import strategies as st

import ftrans as ft
import ftrans.numpy as fnp
from tests.spec_util import OpSpec, make_family_tests

F32_64 = (np.float64, np.float32)


def cases(*shape_lists: tuple) -> st.SearchStrategy:
    return st.sampled_from(shape_lists)


DOT_SHAPES = cases(((), (3,)), ((3,), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
                   ((2, 3), (3, 4)), ((2, 2, 3), (3,)), ((2, 3), (4, 3, 2)),
                   ((1, 2, 3), (2, 3, 1)))
MATMUL_SHAPES = cases(((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                      ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
                      ((2, 1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)), ((2, 4, 3), (3,)),
                      ((1, 2, 3), (4, 1, 3, 2)))
INNER_SHAPES = cases(((), (2, 3)), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)),
                     ((2, 1, 3), (2, 3)))
OUTER_SHAPES = cases(((3,), (2,)), ((2, 2), (3,)), ((), (2,)))


def both(name: str, call: Callable[..., Any], arg_shapes: Any, dtypes: tuple = F32_64,
         **kw: Any) -> OpSpec:
    """A row applying ``call(module, *arrays)`` with module ftrans.numpy and numpy."""
    kw.setdefault("rtol", 1e-6)  # float32 products accumulate in another order
    return OpSpec(name, lambda *a: call(fnp, *a), lambda *a: call(np, *a), arg_shapes, dtypes,
                  **kw)


def einsum_row(subscripts: str, *shapes: tuple) -> OpSpec:
    return both(f"einsum:{subscripts}", lambda m, *a: m.einsum(subscripts, *a),
                st.just(shapes))


def _norm_args(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    # |x| stays away from 0, where abs's kink would upset finite differences
    return tuple((rng.uniform(0.5, 2.0, s) * rng.choice([-1, 1], s)).astype(dtype)
                 for s in arg_shapes)


def _distinct_rows(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    # row i has elements in [2i + 0.5, 2i + 1]: row sums of |x| are far apart, so max's kink
    # is not crossed by finite differences
    return tuple((rng.uniform(0.5, 1.0, s) + 2 * np.arange(s[0])[:, None]).astype(dtype)
                 for s in arg_shapes)


SPECS = [
    both("dot", lambda m, a, b: m.dot(a, b), DOT_SHAPES),
    both("dot:int", lambda m, a, b: m.dot(a, b), DOT_SHAPES, (np.int32, np.int8)),
    both("matmul", lambda m, a, b: m.matmul(a, b), MATMUL_SHAPES),
    both("matmul:int", lambda m, a, b: m.matmul(a, b), MATMUL_SHAPES, (np.int64,)),
    both("inner", lambda m, a, b: m.inner(a, b), INNER_SHAPES),
    both("outer", lambda m, a, b: m.outer(a, b), OUTER_SHAPES),
    both("vdot", lambda m, a, b: m.vdot(a, b), cases(((2, 3), (3, 2)), ((4,), (2, 2)))),
    both("tensordot", lambda m, a, b: m.tensordot(a, b), cases(((2, 3, 4), (3, 4, 2)))),
    both("tensordot:1", lambda m, a, b: m.tensordot(a, b, 1), cases(((2, 3), (3, 4, 2)))),
    both("tensordot:0", lambda m, a, b: m.tensordot(a, b, 0), cases(((2,), (3, 2)))),
    both("tensordot:pairs", lambda m, a, b: m.tensordot(a, b, ([0, -1], [2, 0])),
         cases(((2, 3, 4), (4, 5, 2)))),
    einsum_row("ij,jk->ik", (2, 3), (3, 4)),
    einsum_row("ij,jk", (2, 3), (3, 4)),
    einsum_row("ij->ji", (2, 3)),
    einsum_row("ba", (2, 3)),
    einsum_row("ij->", (2, 3)),
    einsum_row("ij->j", (2, 3)),
    einsum_row("i,i->", (3,), (3,)),
    einsum_row("i,j->ij", (3,), (2,)),
    einsum_row("bij,bjk->bik", (2, 3, 4), (2, 4, 3)),
    einsum_row("bij,bjk->kb", (2, 3, 4), (2, 4, 3)),
    einsum_row("ijk,kj->i", (2, 3, 4), (4, 3)),
    einsum_row("ab,bc,cd->ad", (2, 3), (3, 4), (4, 2)),
    einsum_row("ab,bc,ca->", (2, 3), (3, 4), (4, 2)),
    einsum_row("i,i,i->i", (3,), (3,), (3,)),
    einsum_row("ii->i", (3, 3)),
    einsum_row("ii", (3, 3)),
    einsum_row("iij->ji", (3, 3, 2)),
    einsum_row("ij,ii->j", (3, 2), (3, 3)),
    einsum_row("...ij,...jk->...ik", (2, 2, 3), (3, 4)),
    einsum_row("...i,...i", (2, 3), (1, 3)),
    einsum_row("i...,i...->...", (3, 2), (3, 1)),
    einsum_row("ij,j->i", (2, 1), (3,)),
    both("linalg.norm", lambda m, x: m.linalg.norm(x), cases(((3,),), ((2, 3),), ((2, 2, 2),)),
         make_args=_norm_args),
    both("linalg.norm:axis", lambda m, x: m.linalg.norm(x, axis=-1, keepdims=True),
         cases(((2, 3),), ((3,),)), make_args=_norm_args),
    both("linalg.norm:ord1", lambda m, x: m.linalg.norm(x, 1, axis=0), cases(((4, 2),)),
         make_args=_norm_args),
    both("linalg.norm:ord3", lambda m, x: m.linalg.norm(x, 3), cases(((4,),)),
         make_args=_norm_args),
    both("linalg.norm:fro", lambda m, x: m.linalg.norm(x, "fro", axis=(0, 2)),
         cases(((2, 3, 2),)), make_args=_norm_args),
    both("linalg.norm:matrix_inf", lambda m, x: m.linalg.norm(x, np.inf), cases(((3, 4),)),
         make_args=_distinct_rows),
]


(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


# ---------------------------------------------------------------------------------------------
# Promotion and errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dot", "matmul", "inner", "outer", "vdot", "tensordot"])
def test_products_promote(name: str) -> None:
    a, b = np.ones((2, 2), np.int8), np.ones((2, 2), np.float32)
    kwargs = {"axes": 1} if name == "tensordot" else {}
    expected = getattr(np, name)(a, b, **kwargs)
    actual = getattr(fnp, name)(a, b, **kwargs)
    assert np.asarray(actual).dtype == np.asarray(expected).dtype
    np.testing.assert_allclose(actual, expected)


def test_python_scalars_are_float64_in_dot() -> None:
    f32 = np.ones(3, np.float32)
    assert np.asarray(fnp.dot(2.0, f32)).dtype == np.dot(2.0, f32).dtype


def test_einsum_interleaved_form_and_dtype() -> None:
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(fnp.einsum(a, [0, 1], b, [1, 2], [0, 2]), a @ b)
    np.testing.assert_allclose(fnp.einsum(a, [Ellipsis, 1], b, [1, 2]), a @ b)
    assert fnp.einsum("ij->", a, dtype=np.float32).dtype == np.float32


def test_matmul_gradient_through_broadcast_batch() -> None:
    a = np.random.default_rng(0).normal(size=(2, 1, 3, 4))
    b = np.random.default_rng(1).normal(size=(5, 4, 2))
    ga, gb = ft.grad(lambda x, y: fnp.sum(fnp.matmul(x, y)), argnums=(0, 1))(a, b)
    ones = np.ones((2, 5, 3, 2))
    np.testing.assert_allclose(ga, np.sum(ones @ np.swapaxes(b, -1, -2), axis=1,
                                          keepdims=True))
    np.testing.assert_allclose(gb, np.sum(np.swapaxes(a, -1, -2) @ ones, axis=0))


def test_errors_name_the_mistake() -> None:
    a = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"shapes \(2, 3\) and \(2,\) not aligned"):
        fnp.dot(a, np.ones(2))
    with pytest.raises(ValueError, match="mismatch in its core dimension 0"):
        fnp.matmul(a, np.ones((2, 3)))
    with pytest.raises(ValueError, match="does not have enough dimensions"):
        fnp.matmul(a, 2.0)
    with pytest.raises(ValueError, match="shape-mismatch for sum"):
        fnp.tensordot(a, a, ([0], [1]))
    with pytest.raises(ValueError, match="2 operand subscripts .* but 1 operands"):
        fnp.einsum("ij,jk", a)
    with pytest.raises(ValueError, match="size of label 'j' for operand 1"):
        fnp.einsum("ij,jk", a, np.ones((2, 2)))
    with pytest.raises(ValueError, match="output subscript 'k' which never appeared"):
        fnp.einsum("ij->k", a)
    with pytest.raises(ValueError, match="has 2 dimensions but its subscripts 'ijk'"):
        fnp.einsum("ijk", a)
    np.testing.assert_allclose(fnp.linalg.norm(a, 2), np.linalg.norm(a, 2))
