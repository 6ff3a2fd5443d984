"""ftrans.numpy shape manipulation and construction: the spec table, promotion when joining,
and errors."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from hypothesis import strategies as st

from tests.numpy._util import ranked
from tests.spec_util import OpSpec, broadcasting_shapes, make_family_tests, same_shapes, shapes

F64 = (np.float64,)
F32_64 = (np.float64, np.float32)
ANY = ranked(0)
RANK1 = ranked(1)
RANK2 = ranked(2)
RANK3 = ranked(3)
FIXED_234 = st.just(((2, 3, 4),))


def both(name: str, call: Callable[[Any, Any], Any], arg_shapes: Any = ANY,
         dtypes: tuple = F32_64, **kw: Any) -> OpSpec:
    """A row applying ``call(module, *arrays)`` with module ftrans.numpy and numpy."""
    return OpSpec(name, lambda *a: call(fnp, *a), lambda *a: call(np, *a), arg_shapes, dtypes,
                  **kw)


SPECS = [
    both("reshape", lambda m, x: m.reshape(x, (-1,)), grad_order=1),
    both("reshape:2d", lambda m, x: m.reshape(x, (2, -1)), FIXED_234),
    both("ravel", lambda m, x: m.ravel(x), grad_order=1),
    both("transpose", lambda m, x: m.transpose(x), grad_order=1),
    both("transpose:axes", lambda m, x: m.transpose(x, (1, -1, 0)), RANK3.map(
        lambda s: (s[0][:3],)), grad_order=1),
    both("moveaxis", lambda m, x: m.moveaxis(x, 0, -1), RANK1, grad_order=1),
    both("moveaxis:many", lambda m, x: m.moveaxis(x, (0, 1), (-1, 0)), RANK2, grad_order=1),
    both("swapaxes", lambda m, x: m.swapaxes(x, 0, -1), RANK1, grad_order=1),
    both("expand_dims", lambda m, x: m.expand_dims(x, (0, -1)), grad_order=1),
    both("squeeze", lambda m, x: m.squeeze(x), shapes(0, 3, 1, 2).map(lambda s: (s,)),
         grad_order=1),
    both("squeeze:axis", lambda m, x: m.squeeze(x, (0, 2)), st.just(((1, 3, 1),)),
         grad_order=1),
    both("broadcast_to", lambda m, x: m.broadcast_to(x, (2,) + np.shape(x)), grad_order=1),
    both("broadcast_arrays", lambda m, x, y: m.broadcast_arrays(x, y), broadcasting_shapes(2),
         grad_order=1),
    both("concatenate", lambda m, *xs: m.concatenate(xs, axis=-1), same_shapes(3, min_rank=1),
         grad_order=1),
    both("concatenate:none", lambda m, x, y: m.concatenate([x, y], axis=None),
         broadcasting_shapes(2), grad_order=1),
    both("stack", lambda m, *xs: m.stack(xs, axis=-1), same_shapes(3), grad_order=1),
    both("vstack", lambda m, x, y: m.vstack([x, y]), same_shapes(2, max_rank=2), grad_order=1),
    # NumPy 2 deprecates its row_stack (a vstack alias): vstack is the oracle
    OpSpec("row_stack", lambda x, y: fnp.row_stack([x, y]), lambda x, y: np.vstack([x, y]),
           same_shapes(2, max_rank=2), F32_64, grad_order=1),
    both("hstack", lambda m, x, y: m.hstack([x, y]), same_shapes(2, max_rank=2), grad_order=1),
    both("dstack", lambda m, x, y: m.dstack([x, y]), same_shapes(2, max_rank=3), grad_order=1),
    both("column_stack", lambda m, x, y: m.column_stack([x, y]),
         same_shapes(2, min_rank=1, max_rank=2), grad_order=1),
    both("atleast_1d", lambda m, x: m.atleast_1d(x), grad_order=1),
    both("atleast_2d", lambda m, x: m.atleast_2d(x), grad_order=1),
    both("atleast_3d", lambda m, x, y: m.atleast_3d(x, y), broadcasting_shapes(2),
         grad_order=1),
    both("flip", lambda m, x: m.flip(x), grad_order=1),
    both("flip:axis", lambda m, x: m.flip(x, -1), RANK1, grad_order=1),
    both("split", lambda m, x: m.split(x, [1, -1], axis=-1), RANK1, grad_order=1),
    both("split:sections", lambda m, x: m.split(x, 2, axis=2), FIXED_234, grad_order=1),
    both("array_split", lambda m, x: m.array_split(x, 3), RANK1, grad_order=1),
    both("roll", lambda m, x: m.roll(x, 2), grad_order=1),
    both("roll:axes", lambda m, x: m.roll(x, (1, -1), (0, -1)), RANK2, grad_order=1),
    both("tile", lambda m, x: m.tile(x, (2, 1, 3)), grad_order=1),
    both("repeat", lambda m, x: m.repeat(x, 2), grad_order=1),
    both("repeat:axis", lambda m, x: m.repeat(x, 3, axis=-1), RANK1, grad_order=1),
    both("repeat:counts", lambda m, x: m.repeat(x, [2, 0, 1], axis=1), FIXED_234,
         grad_order=1),
    both("diagonal", lambda m, x: m.diagonal(x, 1, 0, -1), RANK2, grad_order=1),
    both("diagonal:neg", lambda m, x: m.diagonal(x, -1, -1, 0), RANK2, grad_order=1),
    both("diag", lambda m, x: m.diag(x, -2), RANK1.map(lambda s: (s[0][:1],)), grad_order=1),
    both("diag:2d", lambda m, x: m.diag(x, 1), RANK2.map(lambda s: (s[0][:2],)),
         grad_order=1),
    both("tril", lambda m, x: m.tril(x, -1), RANK2, grad_order=1),
    both("triu", lambda m, x: m.triu(x, 1), RANK2, grad_order=1),
    both("take", lambda m, x: m.take(x, [0, -1, 0]), RANK1, grad_order=1),
    both("take:axis", lambda m, x: m.take(x, [[1, 0], [2, 2]], axis=-2), FIXED_234,
         grad_order=1),
    both("take:clip", lambda m, x: m.take(x, [5, -9], axis=0, mode="clip"), RANK1,
         grad_order=1),
    both("take_along_axis", lambda m, x: m.take_along_axis(x, np.array([[[2], [0], [1]]]), 2),
         FIXED_234, grad_order=1),
    both("linspace", lambda m, a, b: m.linspace(a, b, 4, axis=-1), broadcasting_shapes(2),
         grad_order=1, vmap=True),
    both("meshgrid", lambda m, x, y: m.meshgrid(x, y), same_shapes(2, min_rank=1, max_rank=1),
         grad_order=1),
    both("array", lambda m, x, y: m.array([x, y]), same_shapes(2), grad_order=1),
    both("full_like", lambda m, x: m.full_like(x, 2.5), zero_derivative=True),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


# ---------------------------------------------------------------------------------------------
# Joining promotes; construction returns NumPy arrays
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["concatenate", "stack", "vstack", "hstack"])
def test_joining_promotes(name: str) -> None:
    parts = [np.ones(2, np.int8), np.ones(2, np.float32), np.ones(2, np.uint16)]
    expected = getattr(np, name)(parts)
    actual = getattr(fnp, name)(parts)
    assert actual.dtype == expected.dtype
    (aval,) = ft.make_jaxpr(lambda *ps: getattr(fnp, name)(ps))(*parts).out_avals
    assert aval.dtype == expected.dtype and aval.shape == expected.shape
    assert fnp.concatenate(parts, dtype=np.float64).dtype == np.float64


def test_construction_outside_transformations_gives_numpy_arrays() -> None:
    cases = [
        (fnp.zeros((2, 3)), np.zeros((2, 3))), (fnp.ones(3, np.int8), np.ones(3, np.int8)),
        (fnp.full((2,), 7), np.full((2,), 7)), (fnp.arange(5), np.arange(5)),
        (fnp.arange(1.0, 2.0, 0.25), np.arange(1.0, 2.0, 0.25)),
        (fnp.linspace(0, 1, 5), np.linspace(0, 1, 5)), (fnp.eye(3, k=1), np.eye(3, k=1)),
        (fnp.identity(2), np.identity(2)), (fnp.tri(3), np.tri(3)),
        (fnp.zeros_like(np.ones(2, np.int8)), np.zeros(2, np.int8)),
        (fnp.asarray([1, 2]), np.asarray([1, 2])),
        (fnp.array([[1.0], [2.0]], ndmin=3), np.array([[1.0], [2.0]], ndmin=3)),
        (fnp.reshape(np.arange(6), (2, 3)), np.arange(6).reshape(2, 3)),
    ]
    for actual, expected in cases:
        assert type(actual) is np.ndarray
        assert actual.dtype == expected.dtype
        np.testing.assert_array_equal(actual, expected)


def test_array_of_traced_values_stacks() -> None:
    f = lambda x: fnp.array([[x, 2 * x], [x ** 2, 1.0]])  # noqa: E731
    np.testing.assert_allclose(ft.jacfwd(f)(3.0), [[1.0, 2.0], [6.0, 0.0]])


def test_traced_fill_values() -> None:
    np.testing.assert_allclose(ft.grad(lambda x: fnp.full((2, 3), x).sum())(1.0), 6.0)
    np.testing.assert_allclose(ft.grad(lambda x: fnp.full_like(np.ones(4), x).sum())(1.0), 4.0)


def test_errors_name_the_mistake() -> None:
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="cannot reshape"):
        fnp.reshape(x, (4, 2))
    with pytest.raises(NotImplementedError, match="order='C'"):
        fnp.reshape(x, (3, 2), order="F")
    with pytest.raises(ValueError, match="don't match array"):
        fnp.transpose(x, (0, 0))
    with pytest.raises(np.exceptions.AxisError, match="out of bounds for array of dimension 2"):
        fnp.swapaxes(x, 0, 2)
    with pytest.raises(ValueError, match="size not equal to one"):
        fnp.squeeze(x, 0)
    with pytest.raises(ValueError, match="along dimension 1, the array at index 0 has size 3"):
        fnp.concatenate([x, np.ones((2, 2))], axis=0)
    with pytest.raises(ValueError, match="zero-dimensional arrays cannot be concatenated"):
        fnp.concatenate([np.float64(1.0), np.float64(2.0)])
    with pytest.raises(ValueError, match="same shape"):
        fnp.stack([x, x.T])
    with pytest.raises(ValueError, match="equal division"):
        fnp.split(x, 2, axis=1)
    with pytest.raises(ValueError, match="cannot broadcast"):
        fnp.broadcast_to(x, (3, 3))
    with pytest.raises(ft.ConcretizationError, match="arange"):
        ft.vmap(lambda n: fnp.arange(n))(np.arange(3))
    with pytest.raises(ft.ConcretizationError, match="repeat"):
        ft.vmap(lambda r: fnp.repeat(x, r))(np.arange(3))
