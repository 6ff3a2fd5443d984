"""ftrans.numpy reductions: the spec table over axis / keepdims / dtype / ddof variants, and
NumPy's result dtypes."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from tests.numpy._util import distinct_values, ranked
from tests.spec_util import OpSpec, make_family_tests

F32_64 = (np.float64, np.float32)
ANY_RANK = ranked(0)
RANK1 = ranked(1)
RANK2 = ranked(2)


def spec(name: str, shapes: Any = ANY_RANK, dtypes: tuple = F32_64, **kw: Any) -> OpSpec:
    """A row for ``fnp.<fn>`` against ``np.<fn>``; ``name`` is ``fn`` or ``fn:variant``.
    float32 sums round differently in another order (vmap), hence rtol 1e-6."""
    fn = name.split(":")[0]
    kw.setdefault("rtol", 1e-6)
    return OpSpec(name, getattr(fnp, fn), getattr(np, fn), shapes, dtypes, **kw)


SPECS = [
    spec("sum"),
    spec("sum:axis0", RANK1, params=dict(axis=0)),
    spec("sum:axis-1_keepdims", RANK1, params=dict(axis=-1, keepdims=True)),
    spec("sum:axes", RANK2, params=dict(axis=(0, -1))),
    spec("sum:keepdims", params=dict(keepdims=True)),
    spec("sum:bool", dtypes=(np.bool_,)),
    spec("sum:int8_axis", RANK1, dtypes=(np.int8, np.uint8, np.int32), params=dict(axis=0)),
    spec("sum:dtype_f64", dtypes=(np.float32,), params=dict(dtype=np.float64)),
    spec("sum:initial", RANK1, params=dict(axis=0, initial=2.0)),
    spec("prod", RANK1, domain=(0.5, 1.5), params=dict(axis=-1)),
    spec("prod:all", domain=(0.5, 1.5)),
    spec("prod:int", RANK2, dtypes=(np.int16, np.int64), params=dict(axis=(0, 1))),
    spec("mean"),
    spec("mean:axis_keepdims", RANK2, params=dict(axis=1, keepdims=True)),
    spec("mean:int", dtypes=(np.int32, np.int8, np.bool_)),
    spec("mean:f16", dtypes=(np.float16,), rtol=1e-3),
    spec("max", make_args=distinct_values),
    spec("max:axis", RANK2, make_args=distinct_values, params=dict(axis=(-1, 0))),
    spec("min:keepdims", RANK1, make_args=distinct_values, params=dict(axis=0, keepdims=True)),
    spec("amax:int", dtypes=(np.int32, np.uint8, np.bool_), domain=(0, 9)),
    spec("max:initial", RANK1, make_args=distinct_values, params=dict(axis=0, initial=0.0)),
    spec("ptp", RANK1, make_args=distinct_values, params=dict(axis=0)),
    spec("var"),
    spec("var:ddof", RANK1.filter(lambda s: s[0][-1] > 1), params=dict(axis=-1, ddof=1)),
    spec("var:keepdims", RANK2, params=dict(axis=(0, 1), keepdims=True)),
    spec("var:int", dtypes=(np.int64, np.bool_)),
    # (a standard deviation of one element is the constant 0, with derivative 0)
    spec("std", RANK1, params=dict(axis=0)),
    spec("std:correction", RANK2, params=dict(axis=0, correction=0.5)),
    spec("argmax", make_args=distinct_values),
    spec("argmax:axis", RANK2, make_args=distinct_values, params=dict(axis=-2)),
    spec("argmin:keepdims", RANK1, make_args=distinct_values, params=dict(keepdims=True)),
    spec("argmin:axis_keepdims", RANK2, make_args=distinct_values,
         params=dict(axis=1, keepdims=True)),
    spec("all", dtypes=(np.bool_, np.float64), domain=(-1, 1)),
    spec("all:axis", RANK2, dtypes=(np.bool_,), params=dict(axis=0, keepdims=True)),
    spec("any:axis", RANK2, dtypes=(np.bool_, np.int32), domain=(0, 1), params=dict(axis=-1)),
    spec("count_nonzero", RANK1, dtypes=(np.int32,), domain=(0, 1), params=dict(axis=0)),
    spec("average", RANK1, params=dict(axis=0)),
    spec("cumsum"),
    spec("cumsum:axis", RANK2, params=dict(axis=-1)),
    spec("cumsum:int", RANK1, dtypes=(np.int8, np.bool_), params=dict(axis=0)),
    spec("cumprod", RANK2, domain=(0.5, 1.5), params=dict(axis=0)),
    spec("trace", RANK2),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


# ---------------------------------------------------------------------------------------------
# Result dtypes: NumPy's platform-integer sums, float64 means of integers, dtype=
# ---------------------------------------------------------------------------------------------

DTYPE_CASES = [
    ("sum", np.bool_, {}), ("sum", np.int8, {}), ("sum", np.uint16, {}), ("sum", np.int64, {}),
    ("sum", np.float32, {}), ("sum", np.int8, {"dtype": np.int8}),
    ("sum", np.float64, {"dtype": np.float32}), ("prod", np.int32, {}), ("prod", np.bool_, {}),
    ("mean", np.int32, {}), ("mean", np.bool_, {}), ("mean", np.float16, {}),
    ("mean", np.float32, {}), ("mean", np.int64, {"dtype": np.float32}),
    ("mean", np.int64, {"dtype": np.int64}), ("var", np.int8, {}), ("var", np.float32, {}),
    ("std", np.bool_, {}), ("max", np.int8, {}), ("max", np.bool_, {}), ("argmax", np.float32, {}),
    ("all", np.float64, {}), ("any", np.int8, {}), ("cumsum", np.int16, {}),
    ("cumsum", np.bool_, {}), ("cumprod", np.uint8, {}), ("cumsum", np.float32, {}),
    ("count_nonzero", np.float32, {}), ("average", np.int32, {}), ("ptp", np.int16, {}),
    ("trace", np.int8, {}),
]


@pytest.mark.parametrize("name, dtype, kwargs", DTYPE_CASES,
                         ids=[f"{n}-{np.dtype(d).name}-{'-'.join(k)}" for n, d, k in DTYPE_CASES])
def test_result_dtype_matches_numpy(name: str, dtype: Any, kwargs: dict) -> None:
    x = (np.arange(12).reshape(3, 4) % 5).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = np.asarray(getattr(np, name)(x, **kwargs))
        actual = np.asarray(getattr(fnp, name)(x, **kwargs))
    assert actual.dtype == expected.dtype
    np.testing.assert_allclose(actual, expected, rtol=1e-3 if dtype == np.float16 else 1e-7)
    (aval,) = ft.make_jaxpr(lambda v: getattr(fnp, name)(v, **kwargs))(x).out_avals
    assert aval.dtype == expected.dtype and aval.shape == expected.shape


def test_zero_d_inputs() -> None:
    for name in ["sum", "prod", "mean", "max", "min", "var", "std", "argmax", "all", "any",
                 "cumsum"]:
        x = np.float64(2.5)
        expected = np.asarray(getattr(np, name)(x))
        actual = np.asarray(getattr(fnp, name)(x))
        assert actual.shape == expected.shape and actual.dtype == expected.dtype, name
        np.testing.assert_allclose(actual, expected)
    assert np.asarray(fnp.sum(3)).dtype == np.int64  # a Python int sums as int64


def test_where_mask() -> None:
    x = np.arange(6.0).reshape(2, 3)
    mask = np.array([True, False, True])
    np.testing.assert_allclose(fnp.sum(x, axis=1, where=mask), np.sum(x, axis=1, where=mask))
    np.testing.assert_allclose(fnp.mean(x, axis=0, where=x > 1), np.mean(x, 0, where=x > 1))
    np.testing.assert_allclose(fnp.max(x, where=mask, initial=-1.0),
                               np.max(x, where=mask, initial=-1.0))
    g = ft.grad(lambda v: fnp.sum(v, where=mask))(x)
    np.testing.assert_array_equal(g, np.broadcast_to(mask, x.shape).astype(float))


def test_max_gradient_splits_ties() -> None:
    g = ft.grad(fnp.max)(np.array([1.0, 3.0, 3.0]))
    np.testing.assert_allclose(g, [0.0, 0.5, 0.5])


def test_errors_name_the_mistake() -> None:
    x = np.ones((2, 3))
    with pytest.raises(np.exceptions.AxisError,
                       match="axis 3 is out of bounds for array of dimension 2"):
        fnp.sum(x, axis=3)
    with pytest.raises(np.exceptions.AxisError, match="axis -3 is out of bounds"):
        ft.vmap(lambda v: fnp.mean(v, axis=-3))(np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match="repeated axis"):
        fnp.sum(x, axis=(0, -2))
    with pytest.raises(ValueError, match="zero-size array to reduction operation maximum"):
        fnp.max(np.ones((2, 0)), axis=1)
    with pytest.raises(ValueError, match="attempt to get argmin of an empty sequence"):
        fnp.argmin(np.ones(0))
    with pytest.raises(NotImplementedError, match="out= argument is not supported"):
        fnp.sum(x, out=np.zeros(3))
    with pytest.raises(TypeError, match="axis must be an integer"):
        fnp.sum(x, axis=1.0)


@pytest.mark.parametrize("x,axis", [(3.5, None), (np.array([[1.0], [2.0]]), 1),
                                    (np.array([[1.0, -2.0]]), 0), (0.5 + 2.0j, None)])
def test_std_of_one_element_is_flat(x: Any, axis: Any) -> None:
    # with one element per reduction std is identically 0: the derivative is 0, not NaN
    g = ft.grad(lambda v: fnp.sum(fnp.std(v, axis=axis)))(x)
    np.testing.assert_array_equal(g, np.zeros_like(x))
    jac = ft.jacfwd(lambda v: fnp.std(v, axis=axis))(np.real(x))
    np.testing.assert_array_equal(jac, np.zeros_like(jac))
    np.testing.assert_array_equal(fnp.std(x, axis=axis), np.std(x, axis=axis))
    # more than one element: the ordinary derivative (x - mean) / (n std)
    np.testing.assert_allclose(ft.grad(fnp.std)(np.array([1.0, 3.0])), [-0.5, 0.5])
