"""Long generated functions split into chunks (``ftrans.compile.chunks``): with a tiny chunk
size every program crosses many chunk boundaries, and must compute what the unsplit program
computes, free what it frees, and never hand back its arguments' memory."""

from __future__ import annotations

import weakref

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.compile import chunks, compile_jaxpr
from tests.test_fuzz_programs import SHAPES, make_program


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(chunks, "CHUNK_LINES", 2)


def _program(f, *args):
    return compile_jaxpr(ft.make_jaxpr(f)(*args))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # mean of an empty array
@pytest.mark.parametrize("seed", range(30))
def test_chunked_programs_compute_what_unsplit_ones_do(seed, monkeypatch):
    rng = np.random.default_rng((2026, seed))
    program = make_program(rng, 12)
    shape = SHAPES[seed % len(SHAPES)]
    x, y = (rng.standard_normal(shape) for _ in range(2))
    value_and_grad = ft.value_and_grad(lambda x, y: fnp.sum(program(x, y)), argnums=(0, 1))
    expected = [_program(program, x, y)(x, y), _program(value_and_grad, x, y)(x, y)]
    monkeypatch.setattr(chunks, "CHUNK_LINES", 1 + seed % 3)
    chunked = [_program(program, x, y), _program(value_and_grad, x, y)]
    assert "def chunk1(env):" in chunked[1].source
    for run, want in zip(chunked, expected):
        x0, y0 = x.copy(), y.copy()
        got = run(x, y)
        np.testing.assert_array_equal(x, x0)  # arguments are never written
        np.testing.assert_array_equal(y, y0)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-14, atol=1e-14)


def test_scalar_programs_are_chunked_too(tiny_chunks):
    def f(x):
        for _ in range(5):
            x = fnp.sin(x) * 1.5 + x
        return x, x * 2.0
    program = _program(f, 0.3)
    assert "math_sin" in program.source and "def chunk3(env):" in program.source
    x = 0.3
    for _ in range(5):
        x = np.sin(x) * 1.5 + x
    np.testing.assert_allclose(program(0.3), [x, 2 * x], rtol=1e-15)


def test_values_crossing_chunks_are_freed_after_their_last_use(tiny_chunks):
    def probe(x):
        a = fnp.exp(x)
        b = fnp.sin(a) + 1.0
        c = fnp.cos(b) * 3.0
        return fnp.tanh(c) - 1.0, c * 2.0
    program = _program(probe, np.ones(4))
    # a value dies inside the chunk that last reads it: its slot is cleared there
    assert "= None" in program.source
    out = program(np.ones(4))
    refs = [weakref.ref(o) for o in out]
    del out
    assert all(r() is None for r in refs)  # nothing (env included) keeps results alive


def test_outputs_never_alias_arguments_across_chunks(tiny_chunks):
    def f(x, y):
        return x, fnp.reshape(y, (4,)), x + 1.0
    x, y = np.ones(4), np.ones((2, 2))
    outs = _program(f, x, y)(x, y)
    assert not any(np.shares_memory(o, a) for o in outs for a in (x, y))


def test_jit_of_a_long_chain_splits_and_agrees():
    def f(x):
        for _ in range(1500):
            x = fnp.sin(x) * 0.999
        return x
    jf = ft.jit(ft.grad(f))
    x = np.float64(0.4)
    first, second = jf(x), jf(x)  # the planned first call, then generated code
    assert "def chunk1(env):" in jf.lower(x).compile().as_text()
    np.testing.assert_allclose(second, first, rtol=1e-13)
    np.testing.assert_allclose(jf(np.float32(0.4)), first, rtol=1e-4)
