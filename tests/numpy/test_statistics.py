"""ftrans.numpy order statistics, nan- reductions and counting: spec rows against NumPy, result
dtypes, NaN handling, and errors."""

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
RANK1 = ranked(1)
RANK2 = ranked(2)


def _quiet(fn: Any) -> Any:
    def quiet(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(*args, **kwargs)
    return quiet


def spec(name: str, arg_shapes: Any = RANK1, dtypes: tuple = F32_64, **kw: Any) -> OpSpec:
    fn = name.split(":")[0]
    kw.setdefault("rtol", 1e-5)
    return OpSpec(name, getattr(fnp, fn), _quiet(getattr(np, fn)), arg_shapes, dtypes, **kw)


def with_nans(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """Distinct values with about a quarter replaced by NaN (never a whole slice along the
    last axis, whose first two elements are kept)."""
    (x,) = distinct_values(rng, arg_shapes, dtype)
    x = np.array(x)
    if x.ndim:
        mask = rng.random(x.shape) < 0.25
        mask[..., :2] = False
        x[mask] = np.nan
    return (x if x.ndim else x[()],)


def quantile_args(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    (x,) = distinct_values(rng, arg_shapes[:1], dtype)
    q = rng.uniform(0.05, 0.95, arg_shapes[1]).astype(dtype)
    return x, (q if arg_shapes[1] else q[()])


Q_SHAPES = RANK2.map(lambda s: (s[0], ())) | RANK1.map(lambda s: (s[0], (2,)))

SPECS = [
    spec("median", make_args=distinct_values),
    spec("median:axis", RANK2, make_args=distinct_values, params=dict(axis=0, keepdims=True)),
    spec("median:int", RANK2, (np.int32,), grad_order=0, params=dict(axis=-1)),
    spec("quantile", Q_SHAPES, make_args=quantile_args),
    spec("quantile:axis", Q_SHAPES, make_args=quantile_args, params=dict(axis=-1)),
    spec("quantile:lower", Q_SHAPES, make_args=quantile_args,
         params=dict(method="lower"), grad_modes=("rev",)),
    spec("quantile:nearest", Q_SHAPES, make_args=quantile_args, params=dict(method="nearest")),
    spec("quantile:midpoint", Q_SHAPES, make_args=quantile_args,
         params=dict(method="midpoint", keepdims=True)),
    spec("quantile:hazen", Q_SHAPES, make_args=quantile_args, params=dict(method="hazen")),
    spec("percentile", RANK2, make_args=distinct_values, params=dict(q=30.0, axis=1)),
    spec("nanmedian", RANK2, make_args=with_nans, params=dict(axis=-1)),
    spec("nanpercentile", RANK2, make_args=with_nans, params=dict(q=(10.0, 80.0), axis=1)),
    spec("nansum", RANK2, make_args=with_nans, params=dict(axis=0)),
    spec("nansum:int", RANK2, (np.int32,), params=dict(axis=1)),
    spec("nanprod", RANK2, make_args=with_nans, params=dict(axis=-1)),
    spec("nanmean", RANK2, make_args=with_nans, params=dict(axis=-1)),
    spec("nanvar", RANK2, make_args=with_nans, params=dict(axis=-1)),
    spec("nanstd", RANK2.filter(lambda s: s[0][-1] > 1), make_args=with_nans,
         params=dict(axis=-1, keepdims=True)),
    spec("nanmax", RANK2, make_args=with_nans, params=dict(axis=-1)),
    spec("nanmin", RANK2, make_args=with_nans, params=dict(axis=-1)),
    spec("nanargmax", RANK2, make_args=with_nans, params=dict(axis=-1)),
    spec("nanargmin", RANK2, make_args=with_nans, params=dict(axis=-1)),
    spec("nancumsum", RANK2, make_args=with_nans, params=dict(axis=0)),
    spec("nancumprod", RANK2, make_args=with_nans, params=dict(axis=1)),
    OpSpec("bincount:length", lambda x: fnp.bincount(x, length=4),
           lambda x: np.bincount(x, minlength=4)[:4], RANK1.map(lambda s: (s[0][:1],)),
           (np.int64,), domain=(0, 5)),
    OpSpec("bincount:weights", lambda w: fnp.bincount(np.array([0, 2, 2, 1]), w, length=3),
           lambda w: np.bincount(np.array([0, 2, 2, 1]), w, minlength=3),
           ranked(1, 1).map(lambda s: ((4,),)), F32_64),
    OpSpec("histogram", lambda x: fnp.histogram(x, 4)[0], lambda x: np.histogram(x, 4)[0],
           RANK2, F32_64, vmap=False, zero_derivative=True),  # the edges: test_sweep_vs_jax
    OpSpec("histogram:range", lambda x: fnp.histogram(x, 3, range=(-1.0, 1.5))[0],
           lambda x: np.histogram(x, 3, range=(-1.0, 1.5))[0], RANK2, F32_64,
           zero_derivative=True),
    OpSpec("histogram:edges_weights",
           lambda x, w: fnp.histogram(x, np.array([-2.0, -0.5, 0.0, 2.0]), weights=w)[0],
           lambda x, w: np.histogram(x, np.array([-2.0, -0.5, 0.0, 2.0]), weights=w)[0],
           RANK1.map(lambda s: (s[0], s[0])), (np.float64,)),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "nearest", "midpoint",
                                    "weibull", "hazen", "median_unbiased", "normal_unbiased",
                                    "interpolated_inverted_cdf"])
def test_quantile_methods_and_dtypes(method: str) -> None:
    x = np.random.default_rng(3).normal(size=(3, 5))
    for a in (x, x.astype(np.float32), (x * 10).astype(np.int8)):
        for q in (0.3, [0.0, 0.5, 1.0], np.float32(0.9), np.array([0.25])):
            expected = np.quantile(a, q, axis=1, method=method)
            got = fnp.quantile(a, q, axis=1, method=method)
            assert np.asarray(got).dtype == expected.dtype, (a.dtype, q)
            np.testing.assert_allclose(got, expected, rtol=1e-5 if a.dtype == np.float32 else 1e-6)


def test_nan_handling() -> None:
    x = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name in ("nanmax", "nanmin", "nanmean", "nanmedian", "nanvar", "nansum"):
            np.testing.assert_array_equal(getattr(fnp, name)(x, axis=1),
                                          getattr(np, name)(x, axis=1))
        np.testing.assert_array_equal(fnp.median(x, axis=1), np.median(x, axis=1))
    with pytest.raises(ValueError, match="All-NaN slice"):
        fnp.nanargmax(x, axis=1)
    np.testing.assert_array_equal(ft.jit(lambda v: fnp.nanargmax(v, axis=1))(x), [2, -1])
    # NaNs never reach a derivative
    g = ft.grad(lambda v: fnp.nanmean(v) + fnp.nanstd(v) + fnp.nanmax(v))(x[0])
    assert np.isfinite(g).all() and g[1] == 0.0


def test_quantile_gradient_in_q() -> None:
    x = np.array([1.0, 2.0, 4.0, 8.0])
    # linear interpolation between the sorted neighbours: d/dq = (n - 1) (x[j+1] - x[j])
    np.testing.assert_allclose(ft.grad(lambda q: fnp.quantile(x, q))(0.5), 3 * 2.0)


def test_bincount_concrete_length() -> None:
    for x in (np.array([0, 3, 3, 1], np.uint8), np.array([], np.int64), np.array([2])):
        np.testing.assert_array_equal(fnp.bincount(x), np.bincount(x))
        np.testing.assert_array_equal(fnp.bincount(x, minlength=5), np.bincount(x, minlength=5))
    w = np.array([0.5, 1.0, 2.0, 4.0])
    np.testing.assert_array_equal(fnp.bincount(np.array([0, 3, 3, 1]), w),
                                  np.bincount(np.array([0, 3, 3, 1]), w))


def test_bincount_and_histogram_errors() -> None:
    with pytest.raises(ValueError, match="negative"):
        fnp.bincount(np.array([1, -1]))
    with pytest.raises(ft.ConcretizationError, match="length="):
        ft.jit(fnp.bincount)(np.array([1, 2]))
    with pytest.raises(TypeError, match="Cannot cast"):
        fnp.bincount(np.array([1.0]))
    with pytest.raises(ValueError, match="monotonically"):
        fnp.histogram(np.ones(3), np.array([0.0, 2.0, 1.0]))
    with pytest.raises(NotImplementedError, match="estimator"):
        fnp.histogram(np.ones(3), "auto")
    with pytest.raises(ValueError, match="not finite"):
        fnp.histogram(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="Quantiles must be in the range"):
        fnp.quantile(np.ones(3), 1.5)
    with pytest.raises(ValueError, match="method"):
        fnp.quantile(np.ones(3), 0.5, method="inverted_cdf")
    with pytest.raises(np.exceptions.AxisError):
        fnp.median(np.ones(3), axis=2)
    # under jit the range of the data is computed, not read
    x = np.random.default_rng(0).normal(size=30)
    np.testing.assert_array_equal(ft.jit(lambda v: fnp.histogram(v, 5)[0])(x),
                                  np.histogram(x, 5)[0])
