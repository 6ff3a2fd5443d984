"""The generated code's buffers: what a program holds while it runs, checked on the generated
source (and, where that is the point, on the memory one call allocates)."""

from __future__ import annotations

import re
import tracemalloc

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.compile import compile_jaxpr


def _in_place_statements(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s+(\w+) = \w+\(.*out=(\w+)\)$", source, re.M)


def test_a_result_written_in_place_takes_the_buffer_name():
    program = compile_jaxpr(ft.make_jaxpr(
        lambda x: fnp.exp(fnp.sin(x) * 2.0) + 1.0)(np.ones(4)))
    in_place = _in_place_statements(program.source)
    assert len(in_place) == 3
    assert all(target == out for target, out in in_place), program.source


def test_a_dead_in_place_chain_is_freed_before_the_next_buffer():
    # exp(x) * 2 is one buffer under two values; after the sum reads it, nothing may keep it
    # alive while sin(x) * s is computed
    def f(x):
        s = fnp.sum(fnp.exp(x) * 2.0)
        return fnp.sin(x) * s

    n = 1 << 18
    x = np.linspace(0.0, 1.0, n)
    program = compile_jaxpr(ft.make_jaxpr(f)(x))
    program(x)
    tracemalloc.start()
    try:
        out = program(x)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(out[0], np.sin(x) * np.sum(np.exp(x) * 2.0))
    assert peak < 1.5 * x.nbytes, peak  # one buffer at a time (and the result)


def test_a_reshaped_dead_buffer_is_overwritten_through_its_view():
    # sin(x) * 2 is ours; reshaped, the reshape is its only reference: the product writes there
    # (y as large as the result, so that no factor is gathered into a smaller product)
    def f(x, y):
        return fnp.reshape(fnp.sin(x) * 2.0, (4, 1, 5)) * y

    x, y = np.linspace(0.0, 1.0, 20).reshape(4, 5), np.arange(20.0).reshape(4, 1, 5)
    program = compile_jaxpr(ft.make_jaxpr(f)(x, y))
    assert len(_in_place_statements(program.source)) == 2, program.source
    np.testing.assert_array_equal(program(x, y)[0], f(x, y))
    # a reshape of an argument, or of a buffer still used later, is not written into
    def g(x, y):
        s = fnp.sin(x)
        return fnp.reshape(s, (4, 1, 5)) * y, s

    program = compile_jaxpr(ft.make_jaxpr(g)(x, y))
    assert len(_in_place_statements(program.source)) == 0, program.source
    for got, want in zip(program(x, y), g(x, y)):
        np.testing.assert_array_equal(got, want)
