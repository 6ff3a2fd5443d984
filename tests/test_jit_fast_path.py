"""The cached call's shortcut (a jitted function's remembered entry and its generated call) must
honour everything that can change between two calls: disable_jit, the zero-cotangent mode, an
enclosing transformation, debug_nans / debug_infs, clear_caches, eviction and the death of the
function; and must return what the general path returns, for every kind of argument."""

from __future__ import annotations

import functools
import gc
import weakref

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import api_jit
from ftrans.zero_cotangent import set_zero_cotangent_wins, zero_cotangent_enabled


def _remembered(f):
    """The cached entry whose generated call ``f`` calls directly (None if none)."""
    entry = getattr(f._call, "entry", None)
    table = f._fast_table
    return entry if table is not None and entry in table.values() else None


def _counting(body=lambda x: x * 2.0):
    traces, runs = [], []

    def f(*args):
        runs.append(1)
        if not isinstance(args[0], (np.ndarray, np.generic, float, int)):
            traces.append(1)
        return body(*args)
    return ft.jit(f), traces, runs


def _warm(f, *args):
    for _ in range(3):
        f(*args)
    assert _remembered(f) is not None


def test_disable_jit_after_the_entry_is_remembered_runs_python():
    f, traces, runs = _counting()
    x = np.float64(1.5)
    _warm(f, x)
    before = len(runs)
    with ft.disable_jit():
        assert f(x) == 3.0
        assert len(runs) == before + 1  # the Python function ran, on the concrete value
    assert f(x) == 3.0 and len(runs) == before + 1  # compiled again, not traced again
    assert len(traces) == 1


def test_zero_cotangent_default_changed_between_calls():
    f = ft.jit(ft.grad(lambda x: fnp.where(x < 100, fnp.exp(x), 0.0)))
    x = np.float64(1000.0)
    old = zero_cotangent_enabled()
    try:
        set_zero_cotangent_wins(False)
        with np.errstate(all="ignore"):
            _warm(f, x)
            assert np.isnan(f(x))
            set_zero_cotangent_wins(True)  # the process-wide default, no context block
            assert f(x) == 0.0
            assert f(x) == 0.0
            set_zero_cotangent_wins(False)
            assert np.isnan(f(x))
    finally:
        set_zero_cotangent_wins(old)


def test_inside_another_transformation_the_call_is_staged():
    f, traces, _ = _counting(lambda x: fnp.sin(x) * 2.0)
    x = np.float64(0.5)
    _warm(f, x)
    # a concrete argument inside a trace: still one jit equation of the outer program
    jaxpr = ft.make_jaxpr(lambda y: f(x) * y)(1.0)
    assert "jit" in str(jaxpr)
    assert ft.grad(lambda y: f(y))(x) == pytest.approx(2.0 * np.cos(0.5))
    assert ft.grad(lambda y: f(x) * y)(1.0) == pytest.approx(2.0 * np.sin(0.5))
    assert ft.vmap(f)(np.full(3, 0.5)) == pytest.approx(np.full(3, 2.0 * np.sin(0.5)))
    assert f(x) == 2.0 * np.sin(x)


def test_debug_nans_and_infs_switched_on_after_the_entry_is_remembered():
    f = ft.jit(lambda x: fnp.log(x))
    with np.errstate(all="ignore"):
        _warm(f, np.float64(-1.0))
        with ft.debug_nans(True):
            with pytest.raises(FloatingPointError):
                f(np.float64(-1.0))
        assert np.isnan(f(np.float64(-1.0)))
        _warm(f, np.float64(0.0))
        with ft.debug_infs(True):
            with pytest.raises(FloatingPointError):
                f(np.float64(0.0))
        assert f(np.float64(0.0)) == -np.inf


def test_clear_caches_forgets_the_remembered_entry(cache_size):
    cache_size(100)
    f, traces, _ = _counting()
    _warm(f, 1.0)
    held = _remembered(f)
    ft.clear_caches()
    assert _remembered(f) is None
    assert f(1.0) == 2.0 and len(traces) == 2
    assert _remembered(f) is not held
    assert f(1.0) == 2.0 and len(traces) == 2


def test_eviction_forgets_the_remembered_entry_and_frees_it(cache_size):
    cache_size(1)
    f, traces, _ = _counting()
    _warm(f, 1.0)
    entry = weakref.ref(_remembered(f))
    ft.jit(lambda x: x - 1)(1.0)  # evicts f's entry
    assert _remembered(f) is None
    gc.collect()
    assert entry() is None
    assert f(1.0) == 2.0 and len(traces) == 2


def test_per_function_eviction_forgets_the_remembered_entry(cache_size, monkeypatch):
    cache_size(100)
    monkeypatch.setattr(api_jit, "_MAX_ENTRIES_PER_FUNCTION", 2)
    f, traces, _ = _counting()
    _warm(f, np.float64(1.0))
    entry = weakref.ref(_remembered(f))
    f(np.float32(1.0))
    f(np.ones(2))  # the float64 entry is this function's oldest: evicted
    assert f.cache_size() == 2
    gc.collect()
    assert entry() is None
    assert f(np.float64(1.0)) == 2.0 and len(traces) == 4


def test_the_order_of_entries_stays_least_recently_used_first(cache_size):
    cache_size(2)
    f, f_traces, _ = _counting()
    g, g_traces, _ = _counting(lambda x: x + 1.0)
    _warm(f, 1.0)
    _warm(g, 1.0)
    f(1.0)  # the shortcut: f is now the most recently used
    ft.jit(lambda x: x - 1.0)(1.0)  # evicts the least recently used: g
    assert f.cache_size() == 1 and g.cache_size() == 0
    f(1.0)
    assert len(f_traces) == 1
    g(1.0)  # traced again; evicts the jit(x - 1), then f stays
    assert len(g_traces) == 2 and f.cache_size() == 1


def test_a_dead_function_frees_its_entries():
    def make():
        return ft.jit(lambda x: x * 3.0)
    f = make()
    _warm(f, 1.0)
    entry = weakref.ref(_remembered(f))
    del f
    gc.collect()
    assert entry() is None


def test_every_kind_of_argument_gives_the_general_paths_result():
    f, traces, _ = _counting(lambda x: x * 2)
    cases = [np.float64(1.5), 1.5, np.array(1.5), np.float32(1.5), np.ones(3),
             np.ones((2, 3), np.float32), np.ones(3, np.int64), 3, True, 1 + 2j,
             np.int32(4), np.bool_(True), np.complex128(1j)]
    expected = [ft.jit(lambda x: x * 2)(x) for x in cases]  # each a first call: traced
    for _ in range(3):
        for x, want in zip(cases, expected):
            got = f(x)
            assert type(got) is type(want) and got.dtype == want.dtype
            assert np.all(got == want)
            if isinstance(got, np.ndarray):
                assert got.flags.writeable


def test_an_array_of_another_shape_or_dtype_finds_its_own_entry():
    f, traces, _ = _counting(lambda x: x.sum())
    _warm(f, np.ones(3))
    assert f(np.ones(4)) == 4.0
    assert f(np.ones(3, np.float32)).dtype == np.float32
    assert f(np.ones(3)) == 3.0
    assert len(traces) == 3


def test_an_int_too_large_for_int64_raises_as_before():
    f = ft.jit(lambda x: x + 1)
    _warm(f, 3)
    with pytest.raises(Exception) as remembered:
        f(2 ** 70)
    g = ft.jit(lambda x: x + 1)
    with pytest.raises(Exception) as fresh:
        g(2 ** 70)
    assert type(remembered.value) is type(fresh.value)
    assert str(remembered.value) == str(fresh.value)


def test_another_number_of_arguments_is_not_taken_for_the_remembered_one():
    f = ft.jit(lambda *xs: xs[0] + xs[-1])
    _warm(f, 1.0, 2.0)
    assert f(1.0, 2.0, 4.0) == 5.0
    assert f(1.0) == 2.0
    assert f(1.0, 2.0) == 3.0
    with pytest.raises(Exception) as remembered:
        f()
    with pytest.raises(Exception) as fresh:
        ft.jit(lambda *xs: xs[0] + xs[-1])()
    assert str(remembered.value) == str(fresh.value)


def test_keyword_arguments_take_the_general_path():
    f = ft.jit(lambda x, y=1.0: x * y)
    _warm(f, 2.0)
    assert f(2.0, y=3.0) == 6.0
    assert f(2.0) == 2.0


def test_static_arguments_never_use_another_jit_of_the_same_functions_entry():
    def scale(x, n):
        return x * n
    dynamic = ft.jit(scale)
    static = ft.jit(scale, static_argnums=1)
    _warm(dynamic, np.float64(2.0), np.float64(3.0))
    assert static(np.float64(2.0), 5) == 10.0
    assert static(np.float64(2.0), 7) == 14.0
    assert dynamic(np.float64(2.0), np.float64(3.0)) == 6.0


def test_read_only_outputs_are_returned_writable_and_pytrees_rebuilt():
    const = np.arange(3.0)
    const.flags.writeable = False
    single = ft.jit(lambda x: fnp.broadcast_to(x, (3,)))
    tree = ft.jit(lambda x: {"a": (x, fnp.broadcast_to(x, (2,))), "b": [x * 2.0]})
    for _ in range(3):
        out = single(np.float64(1.0))
        assert out.flags.writeable and np.all(out == 1.0)
        out[0] = 5.0
        t = tree(np.float64(1.0))
        assert set(t) == {"a", "b"} and isinstance(t["a"], tuple) and isinstance(t["b"], list)
        assert t["a"][1].flags.writeable and t["b"][0] == 2.0
    assert np.all(single(np.float64(1.0)) == 1.0)


def test_errors_of_a_remembered_function_are_the_general_paths():
    f = ft.jit(lambda x: x.reshape(2, 2))
    _warm(f, np.ones(4))
    with pytest.raises(Exception) as remembered:
        f(np.ones(3))
    with pytest.raises(Exception) as fresh:
        ft.jit(lambda x: x.reshape(2, 2))(np.ones(3))
    assert type(remembered.value) is type(fresh.value)
    assert str(remembered.value) == str(fresh.value)


def test_one_scalar_output_is_returned_bare_and_the_program_still_returns_lists():
    from ftrans.compile import compile_jaxpr
    one = compile_jaxpr(ft.make_jaxpr(lambda x: fnp.sin(x) * 3.0)(0.5))
    two = compile_jaxpr(ft.make_jaxpr(lambda x: (fnp.sin(x), fnp.cos(x)))(0.5))
    assert one.scalar_value(0.5) == np.sin(0.5) * 3.0
    assert type(one.scalar_value(0.5)) is np.float64
    assert one(0.5) == [np.sin(0.5) * 3.0] and one.scalar(0.5) == [np.sin(0.5) * 3.0]
    assert two.scalar_value is None and two(0.5) == [np.sin(0.5), np.cos(0.5)]
    assert "return [" not in one.source  # the value function is the one written out


@pytest.mark.parametrize("x, expected", [(0.0, -np.inf), (-1.0, np.nan), (np.e, 1.0)])
def test_a_bare_scalar_output_falls_back_to_numpy_when_python_raises(x, expected):
    f = ft.jit(lambda x: fnp.log(x))  # math.log raises where np.log gives -inf / nan
    with np.errstate(all="ignore"):
        _warm(f, np.float64(2.0))
        out = f(np.float64(x))
        again = f(np.float64(x))  # the fallback, made once, serves the next call too
    assert type(out) is np.float64 and type(again) is np.float64
    np.testing.assert_equal([out, again], [expected, expected])
    assert f(np.float64(4.0)) == np.log(4.0)  # the scalar form again after a fallback


def test_the_cached_call_marks_its_entry_most_recently_used(cache_size):
    f, g = ft.jit(lambda x: x + 1.0), ft.jit(lambda x: x + 2.0)
    x = np.float64(1.0)
    _warm(f, x)
    _warm(g, x)
    assert api_jit._jit_caches.mru is _remembered(g)
    f(x)  # the generated call itself does the bookkeeping
    assert api_jit._jit_caches.mru is _remembered(f)
    assert list(api_jit._jit_caches.lru)[-1] is _remembered(f)


def _params():
    return [(np.ones((3, 2)), np.zeros(2)), (np.full((2, 1), 2.0), np.ones(1))]


def _pytree_loss(params, batch):
    h = batch["x"]
    for w, b in params:
        h = fnp.tanh(h @ w + b)
    return fnp.sum(h * batch["scale"])


def test_pytree_arguments_get_a_generated_call_with_the_general_paths_results():
    f, traces, runs = _counting(_pytree_loss)
    params, batch = _params(), {"x": np.arange(6.0).reshape(2, 3), "scale": 0.5}
    expected = _pytree_loss(params, batch)
    _warm(f, params, batch)
    assert _remembered(f) is not None and len(traces) == 1
    for _ in range(3):
        assert f(params, batch) == expected
    # the same keys in another order, fresh containers, a NumPy scalar for the Python float:
    # the same entry
    assert f([tuple(p) for p in params], {"scale": 0.5, "x": batch["x"].copy()}) == expected
    assert len(traces) == 1
    assert f(params, {"x": batch["x"], "scale": np.float64(0.5)}) == expected
    assert len(traces) == 1
    grads = ft.jit(ft.grad(_pytree_loss))
    _warm(grads, params, batch)
    g = grads(params, batch)
    assert type(g) is list and type(g[0]) is tuple
    g[0][0][0, 0] = 99.0  # the caller's own arrays: a later call is not affected
    np.testing.assert_array_equal(grads(params, batch)[0][0],
                                  ft.grad(_pytree_loss)(params, batch)[0][0])


@pytest.mark.parametrize("change", [
    lambda p, b: (p, {"x": b["x"], "scale": 0.5, "extra": 1.0}),   # another key
    lambda p, b: (p, {"x": b["x"]}),                                 # a missing key
    lambda p, b: (tuple(p), b),                                      # a tuple for the list
    lambda p, b: ([list(q) for q in p], b),                          # lists for the tuples
    lambda p, b: (p[:1], b),                                         # a shorter list
    lambda p, b: (p, {"x": b["x"][:1], "scale": 0.5}),               # another shape
    lambda p, b: (p, {"x": b["x"].astype(np.float32), "scale": 0.5}),  # another dtype
    lambda p, b: (p, {"x": b["x"], "scale": None}),                  # None for a leaf
])
def test_another_structure_or_leaf_type_takes_the_general_path(change):
    calls = []

    def f(params, batch):
        calls.append(1)
        total = 0.0
        for leaf in ft.tree_util.tree_leaves((params, batch)):
            total = total + fnp.sum(leaf)
        return total
    jf = ft.jit(f)
    params, batch = _params(), {"x": np.arange(6.0).reshape(2, 3), "scale": 0.5}
    _warm(jf, params, batch)
    traced = len(calls)
    args = change(params, batch)
    assert jf(*args) == f(*args)  # f itself appends once more
    assert len(calls) == traced + 2  # traced again: a new entry, never the remembered one
    assert jf(params, batch) == f(params, batch)


def test_structures_the_generated_call_does_not_unpack_still_work():
    from collections import OrderedDict, namedtuple
    Pair = namedtuple("Pair", "a b")
    deep = np.ones(2)
    for _ in range(40):  # deeper than a generated call unpacks
        deep = [deep]
    for arg in (Pair(np.ones(2), np.zeros(2)), OrderedDict(a=np.ones(2)), deep):
        f = ft.jit(lambda t: sum(fnp.sum(x) for x in ft.tree_util.tree_leaves(t)))
        for _ in range(3):
            assert f(arg) == sum(np.sum(x) for x in ft.tree_util.tree_leaves(arg))


def test_pytree_calls_with_static_arguments_or_keywords_never_use_the_memo():
    f = ft.jit(lambda p, n: p[0] * n, static_argnums=1)
    p = (np.ones(2),)
    for n in (1.0, 2.0, 3.0, 2.0):
        np.testing.assert_array_equal(f(p, n), p[0] * n)
    assert f._fast_table is None
    g = ft.jit(lambda p, scale=1.0: p[0] * scale)
    for s in (1.0, 2.0, 2.0):
        np.testing.assert_array_equal(g(p, scale=s), p[0] * s)
    np.testing.assert_array_equal(g(p), p[0])


# ---------------------------------------------------------------------------------------------
# The direct call: a jitted function's call runs its generated call with no frame in between
# ---------------------------------------------------------------------------------------------


def test_a_warm_function_calls_its_entry_s_generated_call_directly(cache_size):
    cache_size(100)
    f, traces, _ = _counting()
    _warm(f, 1.0)
    assert f._call is not f._general and f._call.entry is _remembered(f)
    ft.clear_caches()
    assert f._call is f._general  # no stale program held until the next call
    assert f(1.0) == 2.0 and len(traces) == 2


def test_eviction_and_debug_switches_send_direct_calls_back_to_the_general_path(cache_size):
    cache_size(1)
    f, traces, _ = _counting()
    _warm(f, 1.0)
    ft.jit(lambda x: x - 1)(1.0)  # evicts f's entry
    assert f._call is f._general
    _warm(f, 1.0)
    log = ft.jit(fnp.log)
    with np.errstate(all="ignore"):
        _warm(log, np.float64(-1.0))
        with ft.debug_nans(True):
            assert log._call is log._general and f._call is f._general
            with pytest.raises(FloatingPointError):
                log(np.float64(-1.0))
            assert log._call is log._general  # not installed while outputs are checked
        assert log._call is log._general
        assert np.isnan(log(np.float64(-1.0))) and log._call is not log._general
    _warm(f, 1.0)  # evicted by log's entry (a cache of one): traced again
    assert f(1.0) == 2.0 and f._call is not f._general


def test_two_jits_of_one_function_each_keep_their_direct_call():
    def double(x):
        return x * 2.0
    f, g = ft.jit(double), ft.jit(double)
    _warm(f, 1.0)
    _warm(g, np.ones(2))
    assert f._call is not f._general and g._call is not g._general
    for _ in range(3):
        assert f(1.0) == 2.0
        np.testing.assert_array_equal(g(np.ones(2)), 2.0 * np.ones(2))
    assert f.cache_size() == g.cache_size() == 2


def test_a_jitted_function_is_freed_without_the_garbage_collector():
    f = ft.jit(lambda x: x * 3.0)
    _warm(f, 1.0)
    held = weakref.ref(f)
    gc.disable()
    try:
        del f  # no reference cycle through its call slot: freed by reference counting
        assert held() is None
    finally:
        gc.enable()


def test_methods_keywords_and_other_types_after_the_direct_call_is_installed():
    class Scaled:
        factor = 3.0

        @functools.partial(ft.jit, static_argnums=0)
        def apply(self, x, y=1.0):
            return x * y * self.factor

    s = Scaled()
    for _ in range(3):
        assert s.apply(2.0) == 6.0
    assert s.apply(2.0, y=4.0) == 24.0 and s.apply(2.0, 5.0) == 30.0
    f = ft.jit(lambda x: x + 1)
    _warm(f, 1.0)
    assert f(2) == 3 and f(np.int32(2)).dtype == np.int32 and f(1.0) == 2.0
    with pytest.raises(TypeError, match="positional"):
        f()


def test_a_kept_call_slot_outliving_its_function_says_so():
    f = ft.jit(lambda x: x * 3.0)
    call = f.__call__
    assert call(1.0) == 3.0
    del f
    gc.collect()
    with pytest.raises(ReferenceError, match="deleted"):
        call(1.0)
