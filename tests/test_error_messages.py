"""The errors catalogue: bad inputs across the API, each raising a specific exception class
whose message names the function (or the API), the argument or value, and the fix; after each,
an ordinary call works. docs/debugging.md shows each message."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.core import ConcretizationError, EscapedTracerError
from ftrans.custom_derivatives import CustomDerivativeError


def branchy(x):
    if x > 0:
        return x
    return -x


def sized(x):
    return fnp.ones(int(x))


def to_float(x):
    return float(x)


def indexes(x):
    return [1.0, 2.0, 3.0][x]


def to_numpy(x):
    return np.asarray(x) + 1.0


_saved: list = []


def saves(x):
    _saved.append(x)
    return x * 2.0


def _use_escaped():
    _saved.clear()
    ft.jit(saves)(1.0)
    return fnp.sin(_saved[0])


@ft.custom_vjp
def bad_bwd(x):
    return x * 2.0


bad_bwd.defvjp(lambda x: (x * 2.0, None), lambda res, g: (g, g))


@ft.custom_vjp
def bad_fwd(x):
    return x * 2.0


bad_fwd.defvjp(lambda x: x * 2.0, lambda res, g: (g,))


@ft.custom_jvp
def bad_jvp(x):
    return x * 2.0


bad_jvp.defjvp(lambda primals, tangents: (primals[0] * 2.0,))

V = np.ones(3)

# (case id, call, exception class, regexes the message must match: what, where/which, fix)
CASES = [
    ("bool under jit", lambda: ft.jit(branchy)(1.0), ConcretizationError,
     ["bool\\(\\)", "inside jit", "branchy", "ftrans.numpy.where|lax.cond"]),
    ("bool under vmap", lambda: ft.vmap(branchy)(V), ConcretizationError,
     ["bool\\(\\)", "inside vmap", "branchy", "where"]),
    ("bool under grad of jit", lambda: ft.grad(ft.jit(branchy))(1.0), ConcretizationError,
     ["bool\\(\\)", "jit", "branchy", "static_argnums"]),
    ("int under jit", lambda: ft.jit(sized)(3.0), ConcretizationError,
     ["int\\(\\)", "sized", "static_argnums"]),
    ("int under vmap", lambda: ft.vmap(sized)(V), ConcretizationError,
     ["int\\(\\)", "vmap", "sized", "static"]),
    ("float under jit", lambda: ft.jit(to_float)(1.0), ConcretizationError,
     ["float\\(\\)", "to_float", "static_argnums"]),
    ("float under vmap", lambda: ft.vmap(to_float)(V), ConcretizationError,
     ["float\\(\\)", "vmap", "to_float"]),
    ("index under jit", lambda: ft.jit(indexes)(1), ConcretizationError,
     ["__index__", "indexes", "static_argnums"]),
    ("index under vmap", lambda: ft.vmap(indexes)(np.array([0, 1])), ConcretizationError,
     ["__index__", "vmap", "indexes"]),
    ("numpy array under jit", lambda: ft.jit(to_numpy)(1.0), ConcretizationError,
     ["numpy.asarray", "inside jit", "to_numpy", "ftrans.numpy function"]),
    ("numpy array under grad", lambda: ft.grad(to_numpy)(1.0), ConcretizationError,
     ["numpy.asarray", "grad", "to_numpy", "ftrans.numpy"]),
    ("numpy array under vmap", lambda: ft.vmap(to_numpy)(V), ConcretizationError,
     ["numpy.asarray", "vmap", "to_numpy", "ftrans.numpy"]),
    ("escaped tracer", _use_escaped, EscapedTracerError,
     ["escaped tracer", "jit transformation has already finished", "must be returned"]),
    ("grad of an int input", lambda: ft.grad(lambda x: x * 2.0)(1), TypeError,
     ["grad requires real", "int64", "allow_int"]),
    ("grad of a non-scalar output", lambda: ft.grad(lambda x: x * 2.0)(V), TypeError,
     ["scalar output", "<lambda>", "shape \\(3,\\)", "\\.sum\\(\\)|jacrev"]),
    ("grad of an integer output", lambda: ft.grad(lambda x: fnp.argmax(x))(V), TypeError,
     ["real floating-point output", "int64", "vjp"]),
    ("grad argnums out of range", lambda: ft.grad(lambda x: x, argnums=3)(1.0), ValueError,
     ["argnums 3", "out of range", "1 positional"]),
    ("grad has_aux without a pair", lambda: ft.grad(lambda x: x, has_aux=True)(1.0),
     TypeError, ["has_aux=True", "pair \\(output, aux\\)"]),
    ("vmap mismatched sizes", lambda: ft.vmap(lambda a, b: a + b)(np.ones(2), np.ones(3)),
     ValueError, ["inconsistent sizes", "args\\[0\\]", "args\\[1\\]", "same size"]),
    ("vmap axis out of range", lambda: ft.vmap(lambda a: a, in_axes=2)(np.ones(2)),
     ValueError, ["axis 2", "rank 1", "args\\[0\\]", "within its rank"]),
    ("vmap in_axes structure", lambda: ft.vmap(lambda a, b: a, in_axes=(0, 0, 0))(V, V),
     ValueError, ["in_axes", "one entry per", "2 argument"]),
    ("vmap nothing mapped", lambda: ft.vmap(lambda a: a, in_axes=None)(V), ValueError,
     ["at least one non-None", "axis_size"]),
    ("vmap out_axes None for a mapped output",
     lambda: ft.vmap(lambda a: a, out_axes=None)(V), ValueError,
     ["out_axes=None", "depends on the mapped", "integer out_axes"]),
    ("invalid pytree leaf (str)", lambda: ft.jit(lambda x: x)("hello"), TypeError,
     ["jit", "argument 0", "type str", "static_argnums"]),
    ("invalid pytree leaf (object)", lambda: ft.grad(lambda x: x)(object()), TypeError,
     ["grad", "argument 0", "type object", "close over"]),
    ("returns a non-array", lambda: ft.jit(lambda x: "s")(1.0), TypeError,
     ["jit", "<lambda>", "type str", "must return arrays"]),
    ("object dtype", lambda: ft.jit(lambda x: x)(np.array([1, "a"], dtype=object)),
     TypeError, ["jit", "argument 0", "object array", "numeric dtype"]),
    ("unhashable static argument",
     lambda: ft.jit(lambda x, s: x, static_argnums=1)(1.0, [1]), ValueError,
     ["static arguments must be hashable", "<lambda>", "list", "tuple instead"]),
    ("jvp tangent shape", lambda: ft.jvp(lambda x: x, (V,), (np.ones(2),)), ValueError,
     ["jvp", "tangent 0", "shape \\(2,\\)", "must match"]),
    ("jvp tangent structure", lambda: ft.jvp(lambda x: x, (1.0,), ((1.0, 2.0),)), TypeError,
     ["jvp", "different structures", "primals", "tangents"]),
    ("jvp tangent dtype", lambda: ft.jvp(lambda x: x, (1.0,), (np.float32(1.0),)), TypeError,
     ["jvp", "tangent 0", "float32", "must match"]),
    ("vjp cotangent shape", lambda: ft.vjp(lambda x: x, V)[1](np.ones(2)), ValueError,
     ["vjp function", "cotangent 0", "shape \\(2,\\)", "\\(3,\\)"]),
    ("custom_vjp bwd structure", lambda: ft.grad(bad_bwd)(1.0), CustomDerivativeError,
     ["bwd rule", "bad_bwd", "one cotangent per differentiable argument"]),
    ("custom_vjp fwd structure", lambda: ft.grad(bad_fwd)(1.0), CustomDerivativeError,
     ["fwd", "bad_fwd"]),
    ("custom_jvp rule structure", lambda: ft.jvp(bad_jvp, (1.0,), (1.0,)),
     CustomDerivativeError, ["jvp rule", "bad_jvp", "pair \\(primal_out, tangent_out\\)"]),
    ("unknown config setting", lambda: ft.config.update("debug_nan", True), AttributeError,
     ["no setting 'debug_nan'", "debug_nans"]),
    ("bad config value", lambda: ft.config.update("jit_cache_size", -1), ValueError,
     ["jit_cache_size", "positive int", "-1"]),
    ("unknown dtype", lambda: ft.ShapedArray((3,), "float33"), TypeError, ["float33"]),
    ("lowered program called with other types",
     lambda: ft.jit(lambda x: x + 1.0).lower(1.0).compile()(V), TypeError,
     ["compiled <lambda>", "f64\\[3\\]", "lowered program"]),
]


def test_catalogue_is_large_enough():
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_error(case):
    _, call, exc_type, patterns = case
    with pytest.raises(exc_type) as info:
        call()
    assert type(info.value) is exc_type or isinstance(info.value, exc_type)
    message = str(info.value)
    for pattern in patterns:
        assert __import__("re").search(pattern, message), (pattern, message)
    # and the next ordinary call works
    _saved.clear()
    assert ft.jit(lambda x: fnp.sin(x) * 2.0)(0.5) == pytest.approx(2 * np.sin(0.5))
    assert ft.grad(lambda x: x ** 2)(3.0) == pytest.approx(6.0)
    np.testing.assert_allclose(ft.vmap(lambda x: x * 2.0)(V), 2 * V)
