"""The rest of NumPy's top-level names: float and integer functions, polynomials, set
operations, histograms, index tricks, functional helpers and array utilities. Spec rows against
NumPy (values, abstract evaluation, check_grads, vmap vs a loop), jit == eager, the size= rule
for data-dependent shapes, and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.core import ConcretizationError
from tests.numpy._util import distinct_values, positive, ranked
from tests.spec_util import OpSpec, broadcasting_shapes, make_family_tests, same_shapes

F32_64 = (np.float64, np.float32)
F64 = (np.float64,)
INTS = (np.int64, np.int32, np.int8, np.uint8)
RANK1 = ranked(1, 1, 5)
RANK2 = ranked(2, 2)


def spec(name: str, arg_shapes: Any, dtypes: tuple = F32_64, **kw: Any) -> OpSpec:
    fn = name.split(":")[0]
    kw.setdefault("rtol", 1e-5)
    return OpSpec(name, getattr(fnp, fn), getattr(np, fn), arg_shapes, dtypes, **kw)


def fixed(*shapes: tuple[int, ...]) -> Any:
    return ranked(0, 0).map(lambda _: shapes)


def poly_args(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    return tuple(rng.uniform(0.5, 2.0, s).astype(dtype) * rng.choice([-1, 1], s)
                 for s in arg_shapes)


def small_ints(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    return tuple(rng.integers(0, 4, s).astype(dtype) for s in arg_shapes)


def shift_args(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, arg_shapes[0], endpoint=True, dtype=dtype)
    s = rng.integers(0, np.dtype(dtype).itemsize * 8 + 2, arg_shapes[1]).astype(dtype)
    return (x if arg_shapes[0] else x[()], s if arg_shapes[1] else s[()])


def fit_args(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    n = arg_shapes[0][0]
    x = np.linspace(-1, 1, n) + rng.uniform(-0.05, 0.05, n)
    return x.astype(dtype), rng.normal(size=n).astype(dtype)


def _np_polydiv_q(u: Any, v: Any) -> Any:
    return np.polydiv(u, v)[0]


_HYPOT = fnp.ufunc(lambda a, b: fnp.sqrt(a * a + b * b), 2, 1, identity=0.0)

SPECS = [
    # floating-point functions
    spec("fmax", broadcasting_shapes(), make_args=distinct_values),
    spec("fmin", broadcasting_shapes(), make_args=distinct_values),
    spec("sinc", ranked(0), domain=(-3.0, 3.0)),
    spec("i0", ranked(0), domain=(-25.0, 25.0), rtol=1e-5, grad_modes=("rev",)),
    spec("ldexp", same_shapes(1), make_args=lambda r, s, d: (
        r.normal(size=s[0]).astype(d), r.integers(-20, 20, s[0]).astype(np.int32))),
    OpSpec("frexp", fnp.frexp, np.frexp, ranked(0), F32_64, domain=(-50.0, 50.0)),
    OpSpec("modf", fnp.modf, np.modf, ranked(0), F32_64, domain=(-5.0, 5.0),
           make_args=lambda r, s, d: tuple(
               (r.integers(-3, 3, x) + r.uniform(0.1, 0.9, x)).astype(d) for x in s)),
    spec("nextafter", broadcasting_shapes(), zero_derivative=True),
    spec("spacing", ranked(0), zero_derivative=True),
    spec("isposinf", ranked(0), grad_order=0),
    # integer functions
    spec("gcd", broadcasting_shapes(), INTS, domain=(-50, 50)),
    spec("lcm", broadcasting_shapes(), (np.int64, np.int32), domain=(-50, 50)),
    spec("left_shift", broadcasting_shapes(), INTS, make_args=shift_args),
    spec("right_shift", broadcasting_shapes(), INTS, make_args=shift_args),
    spec("bitwise_count", ranked(0), INTS, domain=(-100, 100)),
    OpSpec("packbits", lambda a: fnp.packbits(a, axis=-1), lambda a: np.packbits(a, axis=-1),
           ranked(1, 3, 11), (np.bool_, np.uint8)),
    OpSpec("unpackbits", lambda a: fnp.unpackbits(a, axis=0, count=5),
           lambda a: np.unpackbits(a, axis=0, count=5), ranked(1), (np.uint8,),
           domain=(0, 255)),
    # polynomials
    spec("polyval", ranked(1, 1).map(lambda s: (s[0], (3,))), make_args=poly_args),
    spec("polyadd", same_shapes(2, min_rank=1, max_rank=1) | fixed((2,), (4,))),
    spec("polysub", fixed((4,), (2,)) | fixed((1,), (3,))),
    spec("polymul", fixed((3,), (2,)) | fixed((1,), (4,))),
    OpSpec("polydiv", lambda u, v: fnp.polydiv(u, v)[0], _np_polydiv_q,
           fixed((5,), (2,)) | fixed((4,), (3,)), F64, make_args=poly_args),
    spec("polyder", RANK1.filter(lambda s: s[0][0] > 2), params=dict(m=2)),
    OpSpec("polyint", lambda p, k: fnp.polyint(p, 2, k), lambda p, k: np.polyint(p, 2, k),
           RANK1.map(lambda s: (s[0], (2,))), F32_64, rtol=1e-5),
    OpSpec("polyfit", lambda x, y: fnp.polyfit(x, y, 2), lambda x, y: np.polyfit(x, y, 2),
           fixed((6,), (6,)), F64, make_args=fit_args, rtol=1e-6, grad_tol=1e-4,
           grad_order=1),
    OpSpec("poly", fnp.poly, np.poly, RANK1, F32_64, rtol=1e-5),
    spec("vander", RANK1, params=dict(N=4)),
    # set operations (concrete here; the size= forms are checked below)
    spec("isin", broadcasting_shapes(), (np.int64,), domain=(0, 4)),
    OpSpec("union1d:size", lambda a, b: fnp.union1d(a, b, size=12, fill_value=-1),
           lambda a, b: np.pad(np.union1d(a, b), (0, 12 - len(np.union1d(a, b))),
                               constant_values=-1),
           same_shapes(2, min_rank=1, max_rank=1), F64, make_args=small_ints, grad_order=0),
    OpSpec("setdiff1d:size", lambda a, b: fnp.setdiff1d(a, b, size=6, fill_value=9),
           lambda a, b: np.pad(np.setdiff1d(a, b), (0, 6 - len(np.setdiff1d(a, b))),
                               constant_values=9),
           same_shapes(2, min_rank=1, max_rank=1), F64, make_args=small_ints, grad_order=0),
    OpSpec("intersect1d:size", lambda a, b: fnp.intersect1d(a, b, size=6, fill_value=9),
           lambda a, b: np.pad(np.intersect1d(a, b), (0, 6 - len(np.intersect1d(a, b))),
                               constant_values=9),
           same_shapes(2, min_rank=1, max_rank=1), F64, make_args=small_ints, grad_order=0),
    OpSpec("setxor1d:size", lambda a, b: fnp.setxor1d(a, b, size=10, fill_value=9),
           lambda a, b: np.pad(np.setxor1d(a, b), (0, 10 - len(np.setxor1d(a, b))),
                               constant_values=9),
           same_shapes(2, min_rank=1, max_rank=1), (np.int64,), make_args=small_ints),
    OpSpec("unique_counts:size", lambda x: tuple(fnp.unique_counts(x, size=4, fill_value=-1)),
           lambda x: tuple(np.pad(v, (0, 4 - len(v)), constant_values=c) for v, c in
                           zip(np.unique_counts(x), (-1, 0))), ranked(1, 1, 5), (np.int64,),
           domain=(0, 3)),
    # histograms
    OpSpec("digitize", lambda x: fnp.digitize(x, np.array([-1.0, 0.0, 0.5, 1.5])),
           lambda x: np.digitize(x, np.array([-1.0, 0.0, 0.5, 1.5])), ranked(0), F32_64,
           zero_derivative=True),
    OpSpec("digitize:decreasing_right",
           lambda x: fnp.digitize(x, np.array([1.5, 0.5, 0.0, -1.0]), right=True),
           lambda x: np.digitize(x, np.array([1.5, 0.5, 0.0, -1.0]), right=True), ranked(0),
           F64, zero_derivative=True),
    OpSpec("histogram2d", lambda x, y: fnp.histogram2d(x, y, 3, range=[(-2, 2), (-1, 1)]),
           lambda x, y: np.histogram2d(x, y, 3, range=[(-2, 2), (-1, 1)]),
           same_shapes(2, min_rank=1, max_rank=1), F64, zero_derivative=True),
    OpSpec("histogram2d:weights", lambda x, y, w: fnp.histogram2d(
        np.linspace(-1, 1, 4), np.linspace(1, -1, 4), [2, 3], weights=w, density=True)[0],
        lambda x, y, w: np.histogram2d(np.linspace(-1, 1, 4), np.linspace(1, -1, 4), [2, 3],
                                       weights=w, density=True)[0],
        fixed((1,), (1,), (4,)), F64, make_args=lambda r, s, d: tuple(
            r.uniform(0.5, 2, x) for x in s), vmap=False),
    OpSpec("histogramdd", lambda s: fnp.histogramdd(s, bins=(2, 3), range=[(-2, 2)] * 2)[0],
           lambda s: np.histogramdd(s, bins=(2, 3), range=[(-2, 2)] * 2)[0],
           ranked(1, 1).map(lambda s: ((s[0][0], 2),)), F64, zero_derivative=True),
    OpSpec("histogram_bin_edges", lambda x: fnp.histogram_bin_edges(x, 4),
           lambda x: np.histogram_bin_edges(x, 4), RANK2, F64, vmap=False,
           zero_derivative=False, grad_order=0),
    # statistics
    spec("cov", RANK2.filter(lambda s: s[0][1] > 1), F64),
    OpSpec("cov:weights", lambda m, w: fnp.cov(m, aweights=w, fweights=np.array([1, 2, 1, 3])),
           lambda m, w: np.cov(m, aweights=w, fweights=np.array([1, 2, 1, 3])),
           ranked(1, 1, 3).map(lambda s: ((s[0][0], 4), (4,))), F64,
           make_args=lambda r, s, d: (r.normal(size=s[0]), r.uniform(0.5, 2, s[1]))),
    OpSpec("corrcoef", fnp.corrcoef, np.corrcoef,
           ranked(1, 1).map(lambda s: ((s[0][0] + 1, 5),)), F64, rtol=1e-6),
    # functional helpers
    OpSpec("apply_along_axis", lambda a: fnp.apply_along_axis(lambda v: v[0] * v[-1], 1, a),
           lambda a: np.apply_along_axis(lambda v: v[0] * v[-1], 1, a), ranked(2), F64),
    OpSpec("vectorize", fnp.vectorize(lambda a, b: fnp.sum(a * b), signature="(n),(n)->()"),
           np.vectorize(lambda a, b: np.sum(a * b), signature="(n),(n)->()"),
           broadcasting_shapes().filter(lambda s: all(len(x) for x in s)).map(
               lambda s: tuple(x[:-1] + (3,) for x in s)), F64),
    OpSpec("piecewise", lambda x: fnp.piecewise(x, [x < 0, x > 1],
                                                [lambda v: v ** 2, lambda v: 3 * v, 0.5]),
           lambda x: np.piecewise(x, [x < 0, x > 1], [lambda v: v ** 2, lambda v: 3 * v, 0.5]),
           ranked(0), F64, make_args=lambda r, s, d: tuple(
               (r.integers(-3, 3, x) + r.uniform(0.1, 0.9, x)) for x in s)),
    OpSpec("ufunc:reduce", lambda a: _HYPOT.reduce(a, axis=1), lambda a: np.sqrt(
        np.sum(a * a, axis=1)), RANK2, F64, make_args=positive, grad_order=1),
    OpSpec("ufunc:accumulate", lambda a: _HYPOT.accumulate(a, axis=0), lambda a: np.sqrt(
        np.cumsum(a * a, axis=0)), RANK2, F64, make_args=positive, grad_order=1),
    OpSpec("ufunc:outer", lambda a, b: _HYPOT.outer(a, b), lambda a, b: np.hypot.outer(a, b),
           same_shapes(2, min_rank=1, max_rank=1), F64, make_args=positive),
    # array utilities
    spec("append", same_shapes(2, max_rank=2)),
    OpSpec("block", lambda a, b, c: fnp.block([[a, b], [c]]),
           lambda a, b, c: np.block([[a, b], [c]]), fixed((2, 2), (2, 1), (1, 3)), F64),
    spec("resize", ranked(1, 2), params=dict(new_shape=(3, 5))),
    spec("matvec", ranked(2, 3).map(lambda s: (s[0], s[0][:-2] + s[0][-1:]))),
    spec("vecmat", ranked(2, 3).map(lambda s: (s[0][:-2] + s[0][-2:-1], s[0]))),
    spec("vecdot", broadcasting_shapes().filter(lambda s: all(len(x) for x in s)).map(
        lambda s: tuple(x[:-1] + (3,) for x in s))),
    spec("cumulative_sum", RANK1, params=dict(include_initial=True)),
    spec("cumulative_prod", RANK2, params=dict(axis=1)),
    OpSpec("place", lambda a, v: fnp.place(a, a > 0, v, inplace=False),
           lambda a, v: _np_inplace(np.place, a, a > 0, v), RANK1.map(lambda s: (s[0], (2,))),
           F64),
    OpSpec("put", lambda a, v: fnp.put(a, np.array([0, -1, 2]), v, mode="clip", inplace=False),
           lambda a, v: _np_inplace(np.put, a, np.array([0, -1, 2]), v, mode="clip"),
           RANK2.map(lambda s: (s[0], (3,))), F64),
    OpSpec("put_along_axis", lambda a, v: fnp.put_along_axis(a, np.argsort(a, 1)[:, :1], v, 1,
                                                             inplace=False),
           lambda a, v: _np_inplace(np.put_along_axis, a, np.argsort(a, 1)[:, :1], v, 1),
           RANK2.map(lambda s: (s[0], (s[0][0], 1))), F64, make_args=distinct_values),
    OpSpec("compress", lambda a: fnp.compress(np.array([True, False, True]), a, axis=0),
           lambda a: np.compress(np.array([True, False, True]), a, axis=0),
           RANK2.map(lambda s: ((3,) + s[0][1:],)), F64),
    spec("unwrap", RANK2, F64, domain=(-8.0, 8.0), params=dict(axis=-1)),
    OpSpec("geomspace", lambda a, b: fnp.geomspace(a, b, 5), lambda a, b: np.geomspace(a, b, 5),
           fixed((), ()), F64, make_args=positive),
    OpSpec("kaiser", lambda b: fnp.kaiser(7, b), lambda b: np.kaiser(7, b), fixed(()), F64,
           make_args=positive, grad_order=1),
    spec("rollaxis", ranked(3, 3), params=dict(axis=2, start=1)),
    spec("diagflat", ranked(1, 2), params=dict(k=-1)),
    OpSpec("r_", lambda a, b: fnp.r_[a, 0.5, b], lambda a, b: np.r_[a, 0.5, b],
           same_shapes(2, min_rank=1, max_rank=1), F64),
    OpSpec("c_", lambda a, b: fnp.c_[a, b], lambda a, b: np.c_[a, b],
           same_shapes(2, min_rank=1, max_rank=2), F64),
    OpSpec("fill_diagonal", lambda a, v: fnp.fill_diagonal(a, v, inplace=False),
           lambda a, v: _np_inplace(np.fill_diagonal, a, v), RANK2.map(lambda s: (s[0], (2,))),
           F64),
]


def _np_inplace(fn: Any, a: Any, *args: Any, **kwargs: Any) -> Any:
    out = np.array(a, copy=True)
    fn(out, *args, **kwargs)
    return out


(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)

JIT_CASES = [
    ("fmax", (np.array([1.0, np.nan]), np.array([np.nan, 2.0]))),
    ("frexp", (np.array([8.0, 3e-320, -0.75]),)),
    ("nextafter", (np.array([1.0, 0.0]), np.array([2.0, -1.0]))),
    ("gcd", (np.array([12, -18]), np.array([8, 12]))),
    ("right_shift", (np.array([-16, 5]), np.array([2, 70]))),
    ("bitwise_count", (np.array([-1, 255], np.int16),)),
    ("polyval", (np.array([1.0, -2.0, 3.0]), np.array([0.5, 2.0]))),
    ("isin", (np.arange(5), np.array([1, 3]))),
    ("unwrap", (np.array([0.0, 3.0, 6.5, 0.2]),)),
    ("cov", (np.random.default_rng(0).normal(size=(2, 5)),)),
    ("unravel_index", (np.array([5, 7]), (2, 4))),
    ("sinc", (np.array([0.0, 0.5]),)),
]


@pytest.mark.parametrize("name,args", JIT_CASES, ids=[c[0] for c in JIT_CASES])
def test_jit_matches_eager(name: str, args: tuple) -> None:
    fn = getattr(fnp, name)
    static = tuple(a for a in args if isinstance(a, tuple))
    arrays = tuple(a for a in args if not isinstance(a, tuple))
    expected = fn(*args)
    actual = ft.jit(lambda *a: fn(*a, *static))(*arrays)
    for e, a in zip(ft.tree_util.tree_leaves(expected), ft.tree_util.tree_leaves(actual)):
        np.testing.assert_array_equal(a, e)


def test_float_ops_bitwise_against_numpy() -> None:
    f = np.finfo(np.float64)
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, f.tiny, f.smallest_subnormal, f.max,
                  -f.max, 1.0, 0.5, -1.0, 3e-310, 1e300, -2.5e-7])
    for dtype in (np.float64, np.float32):
        with np.errstate(all="ignore"):
            v = x.astype(dtype)
            for ours, theirs in zip(fnp.frexp(v), np.frexp(v)):
                np.testing.assert_array_equal(ours, theirs)
            for target in (np.inf, -np.inf, 0.0, 1.0):
                np.testing.assert_array_equal(fnp.nextafter(v, dtype(target)),
                                              np.nextafter(v, dtype(target)))
            np.testing.assert_array_equal(fnp.spacing(v), np.spacing(v))
            frac, whole = fnp.modf(v)
            np.testing.assert_array_equal(np.signbit(frac), np.signbit(np.modf(v)[0]))
            np.testing.assert_array_equal(whole, np.modf(v)[1])
    k = np.array([-1074, -1100, 1023, 2000, 0])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(fnp.ldexp(np.ones(5), k), np.ldexp(np.ones(5), k))


def test_integer_ops_wrap_like_numpy() -> None:
    for dtype in (np.int8, np.int64, np.uint16):
        info = np.iinfo(dtype)
        x = np.array([info.min, info.max, 0, 1, -1 if info.min else 7], dtype)
        s = np.array([1, 3, 8, info.bits - 1, info.bits], dtype)
        np.testing.assert_array_equal(fnp.left_shift(x, s), np.left_shift(x, s))
        np.testing.assert_array_equal(fnp.right_shift(x, s), np.right_shift(x, s))
        np.testing.assert_array_equal(fnp.bitwise_count(x), np.bitwise_count(x))
        np.testing.assert_array_equal(fnp.gcd(x, x[::-1]), np.gcd(x, x[::-1]))
    with pytest.raises(TypeError, match="gcd"):
        fnp.gcd(1.5, 2)


def test_set_operations_on_concrete_input_are_numpys() -> None:
    rng = np.random.default_rng(1)
    for _ in range(5):
        a, b = rng.integers(0, 6, 7), rng.integers(0, 6, (2, 3))
        for name in ("union1d", "setdiff1d", "setxor1d", "intersect1d"):
            np.testing.assert_array_equal(getattr(fnp, name)(a, b), getattr(np, name)(a, b))
        for o, t in zip(fnp.intersect1d(a, b, return_indices=True),
                        np.intersect1d(a, b, return_indices=True)):
            np.testing.assert_array_equal(o, t)
        np.testing.assert_array_equal(fnp.setdiff1d(np.unique(a), b, assume_unique=True),
                                      np.setdiff1d(np.unique(a), b, assume_unique=True))
        for name in ("unique_values", "unique_counts", "unique_inverse", "unique_all"):
            ours, theirs = getattr(fnp, name)(a), getattr(np, name)(a)
            if name == "unique_values":  # NumPy >= 2.3 leaves these unsorted; ours are sorted
                ours, theirs = (ours,), (np.sort(theirs),)
            if name == "unique_all":  # NumPy's indices are any occurrence; ours the first
                np.testing.assert_array_equal(a[ours.indices], ours.values)
                assert all(a[i] not in a[:i] for i in ours.indices)
                ours, theirs = ours[::2], theirs[::2]
            for o, t in zip(ours, theirs):
                np.testing.assert_array_equal(o, t)
    np.testing.assert_array_equal(fnp.trim_zeros(np.array([0, 0, 1, 2, 0]), "f"), [1, 2, 0])
    assert ft.grad(lambda x: fnp.sum(fnp.trim_zeros(x) ** 2))(np.array([0.0, 2.0, 0.0]))[1] == 4


def test_data_dependent_sizes_need_size_under_jit() -> None:
    a, b = np.array([5.0, 1.0, 3.0, 1.0]), np.array([3.0, 4.0])
    for name in ("union1d", "intersect1d", "setdiff1d", "setxor1d"):
        fn = getattr(fnp, name)
        with pytest.raises(ConcretizationError, match="size="):
            ft.jit(fn)(a, b)
        padded = ft.jit(lambda x, y: fn(x, y, size=7, fill_value=-1.0))(a, b)
        exact = getattr(np, name)(a, b)
        np.testing.assert_array_equal(padded[:len(exact)], exact)
        assert (padded[len(exact):] == -1).all()
        # grad holds concrete values: no size needed, and the picked values are differentiable
        g = ft.grad(lambda x: fnp.sum(fn(x, b)))(a)
        assert g.shape == a.shape
    for name in ("unique_values", "unique_counts", "unique_inverse", "unique_all"):
        with pytest.raises(ConcretizationError, match="size="):
            ft.jit(getattr(fnp, name))(a)
    with pytest.raises(ConcretizationError, match="size="):
        ft.jit(lambda c, x: fnp.compress(c, x))(a > 2, a)
    with pytest.raises(ConcretizationError, match="size="):
        ft.jit(lambda c, x: fnp.extract(c, x))(a > 2, a)
    out = ft.jit(lambda c: fnp.where(c, size=3, fill_value=-1))(a > 2)
    np.testing.assert_array_equal(out[0], [0, 2, -1])
    res = ft.jit(lambda x: fnp.unique_all(x, size=4, fill_value=0.0))(a)
    np.testing.assert_array_equal(res.values, [1.0, 3.0, 5.0, 0.0])
    np.testing.assert_array_equal(res.counts, [2, 1, 1, 0])
    np.testing.assert_array_equal(ft.vmap(lambda x: fnp.union1d(x, b, size=6))(
        np.stack([a, a + 1])), [[1, 3, 4, 5, 1, 1], [2, 3, 4, 6, 2, 2]])


def test_keyword_forms() -> None:
    x = np.arange(5.0)
    np.testing.assert_array_equal(fnp.clip(x, a_min=1, a_max=3), np.clip(x, a_min=1, a_max=3))
    np.testing.assert_array_equal(fnp.clip(x, min=1), np.clip(x, min=1))
    np.testing.assert_array_equal(fnp.where(x > 2, x=x, y=-x), np.where(x > 2, x, -x))
    with pytest.raises(TypeError, match="a_min or min"):
        fnp.clip(x, 1, min=2)


def test_index_tricks() -> None:
    assert fnp.r_[1:4, [7, 8], 0].tolist() == np.r_[1:4, [7, 8], 0].tolist()
    np.testing.assert_array_equal(fnp.r_["0,2", [1, 2], [3, 4]], np.r_["0,2", [1, 2], [3, 4]])
    np.testing.assert_array_equal(fnp.r_["-1,2,0", [1, 2]], np.r_["-1,2,0", [1, 2]])
    np.testing.assert_array_equal(fnp.r_[0:1:5j], np.r_[0:1:5j])
    np.testing.assert_array_equal(fnp.mgrid[0:2, 0:3], np.mgrid[0:2, 0:3])
    assert fnp.s_[1:2] == np.s_[1:2] and fnp.index_exp[1] == (1,)
    x = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(x[fnp.ix_([0, 2], [1, 3])], x[np.ix_([0, 2], [1, 3])])
    for fn in ("tril_indices_from", "triu_indices_from", "diag_indices_from"):
        for o, t in zip(getattr(fnp, fn)(np.zeros((3, 3))), getattr(np, fn)(np.zeros((3, 3)))):
            np.testing.assert_array_equal(o, t)
    traced = ft.jit(lambda i: fnp.unravel_index(i, (3, 4)))(np.array([5, -1, 13]))
    np.testing.assert_array_equal(np.stack(traced), [[1, 2, 2], [1, 3, 3]])  # clamped
    with pytest.raises(ValueError):
        fnp.unravel_index(np.array([13]), (3, 4))
    idx = (np.array([1, 5]), np.array([2, -1]))
    for mode in ("clip", "wrap"):
        got = ft.jit(lambda i, j: fnp.ravel_multi_index((i, j), (3, 4), mode=mode))(*idx)
        np.testing.assert_array_equal(got, np.ravel_multi_index(idx, (3, 4), mode=mode))
    with pytest.raises(ConcretizationError, match="mode="):
        ft.jit(lambda i, j: fnp.ravel_multi_index((i, j), (3, 4)))(*idx)
    with pytest.raises(ValueError, match="inplace=False"):
        fnp.fill_diagonal(np.zeros((2, 2)), 1.0)
    for shape, wrap in (((5, 2), True), ((2, 5), False), ((3, 3, 3), False)):
        expected = np.zeros(shape)
        np.fill_diagonal(expected, [1.0, 2.0], wrap=wrap)
        np.testing.assert_array_equal(
            fnp.fill_diagonal(np.zeros(shape), np.array([1.0, 2.0]), wrap, inplace=False),
            expected)


def test_functional_helpers_and_errors() -> None:
    a = np.arange(24.0).reshape(2, 3, 4)
    for axis in (0, 1, 2, -1):
        np.testing.assert_allclose(
            fnp.apply_along_axis(lambda v: fnp.outer(v, v), axis, a),
            np.apply_along_axis(lambda v: np.outer(v, v), axis, a))
    np.testing.assert_allclose(fnp.apply_over_axes(fnp.sum, a, [0, 2]),
                               np.apply_over_axes(np.sum, a, [0, 2]))
    f = fnp.vectorize(lambda x, y, p: x ** p + y, excluded={2})
    np.testing.assert_allclose(f(np.arange(3.0), np.ones((2, 1)), 2),
                               np.arange(3.0) ** 2 + np.ones((2, 1)))
    two = fnp.vectorize(lambda x: (x + 1, fnp.stack([x, 2 * x])), signature="()->(),(k)")
    plus, pair = two(np.arange(3.0))
    np.testing.assert_allclose(pair, np.stack([np.arange(3.0), 2 * np.arange(3.0)], 1))
    with pytest.raises(ValueError, match="signature"):
        fnp.vectorize(lambda x: x, signature="(n)->(")
    with pytest.raises(ValueError, match="core dimension"):
        fnp.vectorize(lambda a, b: a, signature="(n),(n)->()")(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="functions"):
        fnp.piecewise(np.ones(3), [np.ones(3, bool)], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="monotonically"):
        fnp.digitize(np.ones(2), np.array([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="depths"):
        fnp.block([[np.ones(2)], np.ones(2)])
    with pytest.raises(ValueError, match="axis"):
        fnp.cumulative_sum(np.ones((2, 2)))
    with pytest.raises(ConcretizationError):
        ft.jit(fnp.trim_zeros)(np.ones(3))
    with pytest.raises(ValueError, match="inplace=False"):
        fnp.put(np.zeros(3), [0], [1.0])
    with pytest.raises(ValueError, match="zero"):
        fnp.geomspace(0.0, 1.0)
    with pytest.raises(TypeError, match="unsigned byte"):
        fnp.unpackbits(np.ones(2, np.int32))


def test_polynomial_extras() -> None:
    q, r = fnp.polydiv(np.array([1.0, -3.0, 2.0]), np.array([1.0, -1.0]),
                       trim_leading_zeros=True)
    np.testing.assert_allclose(q, [1.0, -2.0])
    np.testing.assert_allclose(r, [0.0])
    np.testing.assert_allclose(np.sort(fnp.roots(np.array([0.0, 1.0, -3.0, 2.0, 0.0]))),
                               [0.0, 1.0, 2.0])
    x = np.linspace(0, 1, 7)
    y = np.stack([np.sin(x), np.cos(x)], 1)
    for cov in (True, "unscaled"):
        for ours, theirs in zip(fnp.polyfit(x, y, 2, cov=cov), np.polyfit(x, y, 2, cov=cov)):
            np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-12)
    for ours, theirs in zip(fnp.polyfit(x, np.sin(x), 2, full=True, w=x + 1),
                            np.polyfit(x, np.sin(x), 2, full=True, w=x + 1)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-12)
    with pytest.raises(ValueError, match="deg"):
        fnp.polyfit(x, x, -1)
    with pytest.raises(ConcretizationError):
        ft.jit(fnp.roots)(np.array([1.0, 2.0]))


def test_names_and_predicates() -> None:
    assert fnp.isscalar(1.5) and fnp.isscalar(np.float32(1)) and not fnp.isscalar("a")
    assert ft.jit(lambda x: np.asarray(fnp.isscalar(x)) * x)(2.0) == 2.0
    assert fnp.isdtype(np.float32, "real floating") and not fnp.isdtype(np.int8, "bool")
    assert fnp.issubdtype(fnp.float_, fnp.floating) and fnp.int_ is np.int64
    assert fnp.iterable([1]) and not fnp.iterable(1)
    assert fnp.array_equal(np.array([1.0, np.nan]), np.array([1.0, np.nan]), equal_nan=True)
    assert not fnp.array_equal(np.ones(2), np.ones(3))
    assert fnp.array_equiv(np.ones(2), np.ones((3, 2)))
    assert fnp.astype(np.array([1.7]), np.int32).dtype == np.int32
    assert fnp.partition(np.array([3, 1, 2]), 1)[1] == 2
    np.testing.assert_array_equal(fnp.hanning(5), np.hanning(5))
    assert fnp.einsum_path("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4)))[0] == \
        ["einsum_path", (0, 1)]
    np.testing.assert_array_equal(fnp.fromfunction(lambda i, j: i + 10 * j, (2, 3), dtype=int),
                                  np.fromfunction(lambda i, j: i + 10 * j, (2, 3), dtype=int))



def test_ufunc_methods() -> None:
    digits = fnp.frompyfunc(lambda a, b: a * 10 + b, 2, 1)
    reference = np.frompyfunc(lambda a, b: a * 10 + b, 2, 1)
    x = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(digits.accumulate(x, axis=1),
                                  reference.accumulate(x, axis=1).astype(np.int64))
    np.testing.assert_array_equal(digits.reduce(x, axis=None, keepdims=True), [[12345]])
    assert int(digits.reduce(np.arange(3), initial=7)) == 7012
    np.testing.assert_array_equal(digits.outer(np.arange(2), np.arange(3)),
                                  reference.outer(np.arange(2), np.arange(3)).astype(np.int64))
    add = fnp.frompyfunc(lambda a, b: a + b, 2, 1, identity=0)
    expected = np.zeros(4)
    np.add.at(expected, [0, 0, 2], 1.0)
    np.testing.assert_array_equal(add.at(np.zeros(4), np.array([0, 0, 2]), 1.0, inplace=False),
                                  expected)
    assert add.reduce(np.zeros(0)) == 0 and add.nin == 2 and add.nargs == 3
    with pytest.raises(ValueError, match="identity"):
        digits.reduce(np.zeros(0))
    with pytest.raises(ValueError, match="inplace=False"):
        add.at(np.zeros(2), np.array([0]), 1.0)
    pair = fnp.frompyfunc(lambda v: (v + 1, v * 2), 1, 2)
    plus, times = ft.jit(pair)(np.arange(3.0))
    np.testing.assert_array_equal(times, [0.0, 2.0, 4.0])
    with pytest.raises(ValueError, match="binary"):
        pair.reduce(np.ones(2))


def test_complex_statistics_and_vector_products() -> None:
    rng = np.random.default_rng(4)
    z = rng.normal(size=(3, 5)) + 1j * rng.normal(size=(3, 5))
    w = rng.uniform(1, 2, 5)
    np.testing.assert_allclose(fnp.cov(z, aweights=w), np.cov(z, aweights=w))
    np.testing.assert_allclose(fnp.corrcoef(z), np.corrcoef(z))
    a, b = z[:2, :3], z[1:, 2:]
    np.testing.assert_allclose(fnp.vecdot(a, b), np.vecdot(a, b))
    np.testing.assert_allclose(fnp.vecmat(a[0], b.T), np.vecmat(a[0], b.T))
