"""The scalar form of generated code writes a value used once into the expression that uses it:
the same floating operations in the same order (bitwise the results of the form that stores
every value), each value computed once, parentheses nested within CPython's limits however
long the program."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.compile import codegen_scalar
from ftrans.compile.codegen_scalar import generate_scalar

UNARY = [fnp.sin, fnp.cos, fnp.tanh, fnp.exp, lambda x: fnp.log(x * x + 1.0), fnp.negative,
         lambda x: fnp.sqrt(fnp.abs(x)), lambda x: x ** 2, lambda x: x ** 3,
         lambda x: 1.0 / (1.0 + x * x), ft.nn.sigmoid,
         lambda x: fnp.power(fnp.abs(x) + 1.0, 0.5), fnp.arctan, fnp.sinh]
BINARY = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
          lambda a, b: a / (b * b + 1.0), fnp.maximum, fnp.minimum]


def _programs(closed):
    """The scalar program with inlining, and without (every value stored)."""
    inlined = generate_scalar(closed)
    if inlined is None:
        return None, None
    saved = codegen_scalar._MAX_NESTING
    codegen_scalar._MAX_NESTING = 0
    try:
        stored = generate_scalar(closed)
    finally:
        codegen_scalar._MAX_NESTING = saved
    assert stored is not None
    return inlined, stored


def _build(ops: list[tuple[int, int, int]]):
    """A program of unary and binary steps over a growing list of values: each step reads
    earlier values (so some are used once, some several times, some never)."""
    def f(x, y):
        values = [x, y]
        for kind, i, j in ops:
            a, b = values[i % len(values)], values[j % len(values)]
            if kind % 2:
                values.append(UNARY[kind % len(UNARY)](a))
            else:
                values.append(BINARY[kind % len(BINARY)](a, b))
        return values[-1], values[len(values) // 2]
    return f


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 60), st.integers(0, 60)),
                min_size=1, max_size=30),
       st.floats(-2.0, 2.0), st.floats(-2.0, 2.0))
def test_inlining_changes_no_bit(ops, x, y):
    f = _build(ops)
    closed = ft.make_jaxpr(f)(0.5, 0.25)
    inlined, stored = _programs(closed)
    assume(inlined is not None)  # a primitive with no scalar form: the NumPy form runs
    with np.errstate(all="ignore"):
        try:
            want = stored(x, y)
        except (ArithmeticError, ValueError):  # the caller falls back to NumPy: so may it
            with pytest.raises((ArithmeticError, ValueError)):
                inlined(x, y)
            return
        got = inlined(x, y)
    for g, w in zip(got, want):
        assert type(g) is type(w) and g.tobytes() == w.tobytes()


def test_values_used_once_are_inlined_and_shared_ones_computed_once():
    def f(x):
        s = fnp.sin(x * 2.0)  # used twice: stored
        return fnp.cos(s + 1.0) * s
    program = generate_scalar(ft.make_jaxpr(f)(0.5))
    source = program.source
    assert source.count("math_sin") == 1 and source.count("math_cos") == 1, source
    body = [line for line in source.splitlines()[1:] if not line.strip().startswith("return")]
    assert len(body) == 3, source  # the argument as a float, s, and the result
    assert program(0.5)[0] == ft.jit(f)(0.5)


@pytest.mark.parametrize("step", [fnp.sin, ft.nn.sigmoid, lambda x: fnp.log(x * x + 1.0)])
def test_long_chains_nest_within_the_parsers_limits(step):
    def chain(x):
        for _ in range(3000):
            x = step(x)
        return x
    closed = ft.make_jaxpr(chain)(0.5)
    inlined, stored = _programs(closed)
    assert inlined is not None
    assert inlined(0.3)[0].tobytes() == stored(0.3)[0].tobytes()
    assert len(inlined.source.splitlines()) < len(stored.source.splitlines()) / 2
    g = ft.jit(ft.grad(chain))(0.3)
    assert np.isfinite(g)


def test_python_errors_still_fall_back_to_numpy():
    f = ft.jit(lambda x: fnp.log(fnp.sin(x) - 2.0) * 3.0)
    with np.errstate(invalid="ignore"):
        assert np.isnan(f(0.5))
        assert np.isnan(fnp.log(fnp.sin(0.5) - 2.0) * 3.0)
