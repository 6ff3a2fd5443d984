"""ftrans.numpy pad, insert, delete, rot90, kron, select, choose, logspace, splits, diff,
ediff1d, gradient, trapezoid, interp, convolve, correlate, cross: spec rows and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from tests.numpy._util import ranked
from tests.spec_util import OpSpec, broadcasting_shapes, make_family_tests, shapes

F32_64 = (np.float64, np.float32)
ANY_RANK = ranked(0)
RANK1 = ranked(1)
RANK2 = ranked(2)
RANK3 = ranked(3)
VECTOR = shapes(1, 1, 1, 6).map(lambda s: (s,))


def spec(name: str, arg_shapes: Any = RANK1, dtypes: tuple = F32_64, **kw: Any) -> OpSpec:
    fn = name.split(":")[0]
    kw.setdefault("rtol", 1e-6)
    return OpSpec(name, getattr(fnp, fn), getattr(np, fn), arg_shapes, dtypes, **kw)


def two(strategy: Any) -> Any:
    return strategy.flatmap(lambda a: strategy.map(lambda b: (a[0], b[0])))


def interp_args(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    (x_shape,) = arg_shapes
    xp = np.cumsum(rng.uniform(0.5, 1.5, 5)) - 3
    fp = rng.normal(size=5)
    x = rng.uniform(-4, 4, x_shape) + 0.01  # (almost surely) not on a sample point
    return x if x_shape else x[()], xp, fp


def increasing_coordinates(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    f_shape, = arg_shapes
    return (rng.normal(size=f_shape).astype(dtype),
            np.cumsum(rng.uniform(0.5, 1.5, f_shape[-1])).astype(dtype))


LONG = shapes(1, 3, 3, 5).map(lambda s: (s,))

SPECS = [
    spec("pad", ANY_RANK, params=dict(pad_width=2)),
    spec("pad:reflect", ranked(2, 2), params=dict(pad_width=((1, 3), (2, 0)), mode="reflect")),
    spec("pad:symmetric", RANK1, params=dict(pad_width=(3, 1), mode="symmetric")),
    spec("pad:wrap", RANK2, params=dict(pad_width=5, mode="wrap")),
    spec("pad:edge", RANK1, (np.float64, np.int32), params=dict(pad_width=(0, 2), mode="edge")),
    spec("pad:values", ranked(2, 2), params=dict(pad_width=1, constant_values=((1, 2), (3, 4)))),
    spec("insert", RANK2, params=dict(obj=[0, 1, 1], values=7.0, axis=1)),
    spec("insert:flat", RANK1, params=dict(obj=-1, values=[1.0, 2.0])),
    spec("delete", RANK2, params=dict(obj=0, axis=0)),
    spec("delete:slice", RANK1, params=dict(obj=slice(None, None, 2))),
    spec("rot90", RANK2),
    spec("rot90:k3", RANK3, params=dict(k=3, axes=(2, 0))),
    spec("rot90:k2", RANK2, (np.int32,), params=dict(k=-2)),
    spec("kron", two(ANY_RANK)),
    spec("kron:int", two(RANK2), (np.int16,)),
    OpSpec("select", lambda x, y: fnp.select([x < 0, y > 1], [x, y ** 2], -1.0),
           lambda x, y: np.select([x < 0, y > 1], [x, y ** 2], -1.0),
           broadcasting_shapes(2), F32_64, rtol=1e-6),
    OpSpec("choose", lambda i, a, b: fnp.choose(i, [a, b]),
           lambda i, a, b: np.choose(i, [a, b]), broadcasting_shapes(3), F32_64,
           make_args=lambda rng, s, d: (rng.integers(0, 2, s[0]),
                                        rng.normal(size=s[1]).astype(d),
                                        rng.normal(size=s[2]).astype(d))),
    spec("diff", RANK2),
    spec("diff:n2_axis0", RANK2, params=dict(n=2, axis=0)),
    spec("diff:bool", RANK1, (np.bool_,)),
    spec("diff:prepend", RANK2, params=dict(prepend=0.0, append=1.5)),
    spec("ediff1d", ANY_RANK, params=dict(to_begin=-1.0, to_end=[2.0, 3.0])),
    spec("gradient", LONG, params=dict(axis=-1)),
    spec("gradient:edge2", LONG, params=dict(axis=0, edge_order=2)),
    spec("gradient:spacing", LONG, params=dict(axis=-1), make_args=increasing_coordinates,
         grad_tol=1e-4),
    spec("gradient:all", ranked(2, 2).filter(lambda s: min(s[0]) > 1)),
    spec("trapezoid", RANK2),
    spec("trapezoid:x", RANK2, make_args=increasing_coordinates, params=dict(axis=-1)),
    spec("interp", ANY_RANK, (np.float64,), make_args=interp_args),
    spec("convolve", two(VECTOR)),
    spec("convolve:same", two(VECTOR), params=dict(mode="same")),
    spec("convolve:valid", two(VECTOR), (np.int32, np.float64), params=dict(mode="valid")),
    spec("correlate", two(VECTOR)),
    spec("correlate:same", two(VECTOR), params=dict(mode="same")),
    spec("correlate:full", two(VECTOR), params=dict(mode="full")),
    OpSpec("cross", fnp.cross, np.cross, broadcasting_shapes(2, 2).map(
        lambda s: tuple(t + (3,) for t in s)), F32_64, rtol=1e-5),
    OpSpec("cross:axes", lambda a, b: fnp.cross(a, b, axisa=0, axisc=0),
           lambda a, b: np.cross(a, b, axisa=0, axisc=0),
           shapes(0, 1).map(lambda s: ((3,) + s, s + (3,))), F32_64, rtol=1e-5),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


def test_splits_and_logspace() -> None:
    x = np.arange(24.0).reshape(2, 3, 4)
    for name, arg in [("hsplit", 3), ("vsplit", [1]), ("dsplit", 2)]:
        for a, e in zip(getattr(fnp, name)(x, arg), getattr(np, name)(x, arg)):
            np.testing.assert_array_equal(a, e)
    np.testing.assert_array_equal(fnp.hsplit(np.arange(4), 2)[1], [2, 3])
    with pytest.raises(ValueError, match="dsplit only works on arrays of 3 or more"):
        fnp.dsplit(np.zeros((2, 2)), 2)
    np.testing.assert_allclose(fnp.logspace(0, 3, 4, base=2.0), np.logspace(0, 3, 4, base=2.0))
    np.testing.assert_allclose(ft.vmap(lambda s: fnp.logspace(s, 2.0, 3))(np.array([0., 1.])),
                               [np.logspace(0, 2, 3), np.logspace(1, 2, 3)])


def test_pad_traced_constant_values_and_gradients() -> None:
    x = np.array([1.0, 2.0])
    f = ft.vmap(lambda v, c: fnp.pad(v, (1, 2), constant_values=c))
    np.testing.assert_array_equal(f(np.stack([x, x]), np.array([5.0, 6.0]))[1],
                                  [6.0, 1.0, 2.0, 6.0, 6.0])
    g = ft.grad(lambda v: fnp.pad(v, 3, mode="reflect").sum())(np.arange(3.0))
    np.testing.assert_array_equal(g, np.bincount(np.pad(np.arange(3), 3, mode="reflect")))


def test_errors() -> None:
    with pytest.raises(NotImplementedError, match="is not supported"):
        fnp.pad(np.ones(3), 1, mode=lambda vector, width, axis, kwargs: None)
    with pytest.raises(ValueError, match="can't extend empty axis"):
        fnp.pad(np.ones(0), 1, mode="mean")
    with pytest.raises(ValueError, match="reflect_type"):
        fnp.pad(np.ones(3), 1, mode="reflect", reflect_type="neither")
    with pytest.raises(ValueError, match="can't extend empty axis"):
        fnp.pad(np.ones(0), 1, mode="edge")
    with pytest.raises(TypeError, match="indices must be concrete"):
        ft.jit(lambda i: fnp.delete(np.arange(3), i))(np.int64(1))
    with pytest.raises(IndexError):
        fnp.delete(np.arange(3), 5)
    with pytest.raises(ValueError, match="Axes must be different"):
        fnp.rot90(np.ones((2, 2)), axes=(1, 1))
    with pytest.raises(TypeError, match="invalid entry 0 in condlist"):
        fnp.select([np.ones(2)], [np.ones(2)])
    with pytest.raises(ValueError, match="invalid entry in choice array"):
        fnp.choose(np.array([2]), [np.ones(1), np.ones(1)])
    with pytest.raises(ValueError, match="order must be non-negative"):
        fnp.diff(np.ones(3), -1)
    with pytest.raises(ValueError, match="at least one dimensional"):
        fnp.diff(np.float64(1.0))
    with pytest.raises(ValueError, match="too small to calculate a numerical gradient"):
        fnp.gradient(np.ones(2), edge_order=2)
    with pytest.raises(ValueError, match="v cannot be empty"):
        fnp.convolve(np.ones(3), np.ones(0))
    with pytest.raises(ValueError, match="mode must be one of"):
        fnp.correlate(np.ones(3), np.ones(2), "circular")
    with pytest.raises(ValueError, match="incompatible dimensions for cross product"):
        fnp.cross(np.ones(4), np.ones(3))
    with pytest.raises(ValueError, match="fp and xp are not of the same length"):
        fnp.interp(0.5, np.ones(3), np.ones(2))
    with pytest.raises(np.exceptions.AxisError):
        fnp.diff(np.ones(3), axis=1)
