"""A long jitted program is kept in compact form (``plan.Compact``): the plan runs it there, the
compiler rebuilds it, and transformations of the jitted function get it rebuilt. Rebuilt, it
must be the same program: same text, same results, same transformations."""

from __future__ import annotations

import gc
import math

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import api_jit, lax
from ftrans.api import trace_to_jaxpr
from ftrans.compile import compile_jaxpr, optimize, source
from ftrans.compile.plan import Compact, run_plan
from ftrans.ir import ClosedJaxpr, Jaxpr


@pytest.fixture(autouse=True)
def _short_programs_kept_compact(monkeypatch):
    """Programs of this module's length kept compact, as long ones are."""
    monkeypatch.setattr(api_jit, "_KEEP_COMPACT_ABOVE", 50)


def chain(n):
    def f(x):
        for _ in range(n):
            x = fnp.sin(x * 1.0001)
        return x
    return f


def _with_consts(x, y):
    w = np.arange(3.0) + 0.5
    a = fnp.sin(x) * w + y
    return fnp.sum(a ** 2), a[0], 3.0, lax.max(x, -0.0)


def _mixed_literals(x):
    i = fnp.asarray(x > 0, np.int32) + 3  # an int32 literal
    single = fnp.asarray(x, np.float32) * np.float32(2.5)  # a float32 literal
    return fnp.where(x > 0.5, x * np.nan, x - np.inf), i * 2, single


PROGRAMS = [
    (ft.grad(chain(40)), (np.float64(0.3),)),
    (_with_consts, (np.ones(3), np.float64(2.0))),
    (ft.grad(lambda x: lax.scan(lambda c, t: (c * t, c), x, np.arange(3.0))[0]),
     (np.float64(0.5),)),
    (lambda x: fnp.concatenate([x] * 300), (np.ones(2),)),  # an equation of 300 inputs
    (_mixed_literals, (np.float64(0.7),)),
    (lambda x, y: fnp.split(x * y, 2), (np.ones(4), np.float64(3.0))),  # multiple results
    (lambda: fnp.ones(2) * 2.0, ()),
]


def _same(a, b):
    assert type(a) is type(b) and np.shape(a) == np.shape(b)
    assert np.asarray(a).dtype == np.asarray(b).dtype
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fn, args", PROGRAMS)
def test_rebuilt_program_prints_and_runs_as_the_original(fn, args):
    closed, _ = trace_to_jaxpr(fn, args, {}, (), "jit")
    text = str(closed)
    with np.errstate(all="ignore"):
        expected = run_plan(closed, list(args))
        compact = Compact(closed)
        for got, want in zip(run_plan(compact, list(args)), expected):
            _same(got, want)
        rebuilt = compact.rebuild()
        assert str(rebuilt) == text
        assert rebuilt.consts == closed.consts or all(
            a is b for a, b in zip(rebuilt.consts, closed.consts))
        for got, want in zip(run_plan(rebuilt, list(args)), expected):
            _same(got, want)
        # its equations hold tuples (read only), and every pass and the code generator take
        # them as they take the traced program's lists
        assert all(type(e.inputs) is tuple and type(e.outvars) is tuple for e in rebuilt.eqns)
        assert str(optimize(rebuilt)) == str(optimize(closed))
        for got, want in zip(compile_jaxpr(rebuilt)(*args), compile_jaxpr(closed)(*args)):
            _same(got, want)
        # consumed while encoded: the same compact form, the original emptied
        consumed = Compact(closed, consume=True)
        assert str(consumed.rebuild()) == text and closed.jaxpr.eqns == []


def test_literal_bits_survive():
    closed, _ = trace_to_jaxpr(lambda x: (x + -0.0, x * np.float64(np.nan), x + 1e-308), (1.0,),
                               {}, (), "jit")
    values = Compact(closed).literal_values()
    original = [x.val for e in closed.jaxpr.eqns for x in e.inputs if not hasattr(x, "count")
                and type(x).__name__ == "Literal"]
    assert [v.tobytes() for v in values] == [v.tobytes() for v in original]
    assert all(type(v) is type(w) for v, w in zip(values, original))


def _entry(f):
    (entry,) = f._fast_table.values()
    return entry


def _long_programs():
    gc.collect()
    return [o for o in gc.get_objects() if type(o) is Jaxpr and len(o.eqns) > 100]


def test_a_long_jitted_program_runs_from_its_compact_form_and_compiles():
    before = {id(o) for o in _long_programs()}  # other tests' (held by their caches)
    f = ft.jit(ft.grad(chain(40)))
    x = np.float64(0.3)
    with ft.disable_jit():
        expected = ft.grad(chain(40))(x)
    first = f(x)  # the plan, on the compact form
    entry = _entry(f)
    assert entry.compact is not None and entry._jaxpr is None
    second, third = f(x), f(x)  # compiled, then the cached call
    assert entry._jaxpr is None  # nothing needed the program whole
    for out in (first, second, third):
        assert out == pytest.approx(expected, rel=1e-12)
    # neither the traced nor the optimised program is held
    assert [o for o in _long_programs() if id(o) not in before] == []


def test_transformations_of_a_compact_jitted_function_see_the_same_program():
    body = ft.grad(chain(30))
    f = ft.jit(body)
    x = np.float64(0.4)
    fresh = ft.jit(ft.grad(chain(30)))  # another function: a cache table of its own
    text = str(ft.make_jaxpr(fresh)(x))  # traced in a transformation: never made compact
    f(x)
    f(x)
    assert _entry(f)._jaxpr is None
    assert str(ft.make_jaxpr(f)(x)) == text
    assert _entry(f)._jaxpr is not None  # rebuilt once, then kept
    with ft.disable_jit():
        want = ft.grad(body)(x)
    assert ft.grad(f)(x) == pytest.approx(want, rel=1e-12)
    assert ft.vmap(f)(np.full(3, 0.4)) == pytest.approx(np.full(3, f(x)), rel=1e-12)
    assert f(x) == pytest.approx(fresh(x), rel=1e-12)


def test_the_scalar_fallback_of_a_compact_program_is_generated_from_it():
    def f(x):
        for _ in range(30):
            x = fnp.sin(x) + 1.0
        return fnp.log(x - x) + fnp.exp(x * 1000.0)  # Python's math raises, NumPy gives inf
    jf = ft.jit(f)
    with np.errstate(all="ignore"):
        with ft.disable_jit():
            want = f(np.float64(0.5))
        outs = [jf(np.float64(0.5)) for _ in range(4)]
    assert all(type(o) is type(want) and (o == want or (np.isnan(o) and np.isnan(want)))
               for o in outs)


def test_compile_jaxpr_releases_the_optimised_program_and_rebuilds_it_for_the_fallback():
    closed, _ = trace_to_jaxpr(lambda x: fnp.log(x) * 2.0, (np.float64(1.0),), {}, (), "jit")
    compact = Compact(closed)
    released, rebuilt = [], []
    original_build = source.build

    def spying_build(lines, namespace, free_slots=True):
        release = source.release_program.get()
        released.append(release is not None)
        return original_build(lines, namespace, free_slots)

    def again():
        rebuilt.append(1)
        return compact.rebuild()
    source.build, saved = spying_build, source.build
    try:
        import ftrans.compile.codegen_scalar as codegen_scalar
        codegen_scalar.build, saved_scalar = spying_build, codegen_scalar.build
        try:
            program = compile_jaxpr(compact.rebuild(), again)
        finally:
            codegen_scalar.build = saved_scalar
    finally:
        source.build = saved
    assert released == [True] and source.release_program.get() is None
    assert program(np.float64(math.e))[0] == pytest.approx(2.0) and rebuilt == []
    assert program.scalar(math.e)[0] == pytest.approx(2.0)
    with np.errstate(all="ignore"):
        assert program(np.float64(0.0))[0] == -np.inf  # the NumPy fallback
    assert rebuilt == [1]
    assert program(np.float64(0.0))[0] == -np.inf and rebuilt == [1]


def test_a_short_program_is_kept_whole():
    f = ft.jit(lambda x: fnp.sin(x) * 2.0)
    f(1.0)
    entry = _entry(f)
    assert entry.compact is None and isinstance(entry.jaxpr, ClosedJaxpr)
    assert api_jit._KEEP_COMPACT_ABOVE >= 1
