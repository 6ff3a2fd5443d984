"""The jit cache's global bound: least recently used entries go first, across functions, and
evicting one costs the same whatever the cache's size (an ordered dict, not a scan)."""

from __future__ import annotations

import gc
import weakref
import time

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import api_jit


def test_a_recent_hit_protects_an_entry_of_another_function(cache_size):
    cache_size(3)
    f, g, h = (ft.jit(lambda x, k=k: x + k) for k in range(3))
    f(1.0)
    g(1.0)
    h(1.0)
    f(1.0)  # f is now the most recent: g is the least recently used
    k = ft.jit(lambda x: x * 5)
    k(1.0)
    assert (f.cache_size(), g.cache_size(), h.cache_size(), k.cache_size()) == (1, 0, 1, 1)
    assert ft.jit_cache_info()["entries"] == 3


def test_the_per_function_bound_evicts_that_function_s_oldest(cache_size):
    cache_size(1000)
    f = ft.jit(lambda x: x + 1)
    for n in range(api_jit._MAX_ENTRIES_PER_FUNCTION):
        f(np.zeros(n))
    f(np.zeros(0))  # used again: the oldest is now np.zeros(1)'s
    f(np.zeros(1000))
    assert f.cache_size() == api_jit._MAX_ENTRIES_PER_FUNCTION
    assert len(api_jit._jit_caches.lru) == api_jit._MAX_ENTRIES_PER_FUNCTION
    table = api_jit._jit_caches.for_function(f._fun)
    shapes = {key[1][0].shape for key in table}
    assert (0,) in shapes and (1,) not in shapes


def test_a_dead_function_leaves_the_global_order(cache_size):
    cache_size(100)

    def make():
        return ft.jit(lambda x: x * 3)
    f = make()
    f(1.0)
    f(np.ones(2))
    assert len(api_jit._jit_caches.lru) == 2
    del f
    gc.collect()
    assert len(api_jit._jit_caches.lru) == 0
    assert ft.jit_cache_info()["entries"] == 0


def _entry() -> api_jit._JitEntry:
    return object.__new__(api_jit._JitEntry)  # the caches only read last_used


def _seconds_per_insertion(limit: int, inserts: int = 2000) -> float:
    caches = api_jit._JitCaches()
    tables = [api_jit._Table() for _ in range(limit // 32 + 1)]
    for i in range(limit):  # full: every further insertion evicts
        caches.insert(tables[i % len(tables)], i, _entry())
    best = float("inf")
    for repeat in range(3):
        start = time.perf_counter()
        for i in range(inserts):
            caches.insert(tables[i % len(tables)], ("new", repeat, i), _entry())
        best = min(best, time.perf_counter() - start)
    assert len(caches.lru) == limit
    return best / inserts


def test_eviction_costs_the_same_in_a_small_and_a_large_cache(cache_size):
    small, large = 64, 4096
    cache_size(small)
    t_small = _seconds_per_insertion(small)
    cache_size(large)
    t_large = _seconds_per_insertion(large)
    # a scan of every entry would make the large cache 64 times slower
    assert t_large < 4 * t_small + 5e-6, (t_small, t_large)


# ---------------------------------------------------------------------------------------------
# The remembered last signature (the cached call's shortcut) must never outlive its entry
# ---------------------------------------------------------------------------------------------


def _remembered(f):
    """The entry a cached call of ``f`` tries first (None if none)."""
    entry = getattr(f._call, "entry", None)
    table = f._fast_table
    return entry if table is not None and entry in table.values() else None


def _counting_jit():
    traces = []

    def f(x):
        traces.append(ft.numpy.asarray(x).dtype)
        return x * 2
    return ft.jit(f), traces


def test_alternating_signatures_each_find_their_own_program(cache_size):
    cache_size(100)
    f, traces = _counting_jit()
    for _ in range(3):
        for x in (np.float64(1.5), np.float32(1.5), np.ones(2), np.float64(2.0)):
            out = f(x)
            assert out.dtype == x.dtype and np.all(out == x * 2)
    assert len(traces) == 3  # float64 scalar, float32 scalar, float64 vector


def test_clear_caches_and_eviction_make_the_next_call_trace_again(cache_size):
    cache_size(100)
    f, traces = _counting_jit()
    f(1.0)
    f(1.0)
    assert len(traces) == 1
    ft.clear_caches()
    f(1.0)
    assert len(traces) == 2
    cache_size(1)
    g = ft.jit(lambda x: x + 1)
    g(1.0)  # evicts f's entry
    assert f.cache_size() == 0
    f(1.0)
    assert len(traces) == 3 and f.cache_size() == 1


def test_the_remembered_entry_does_not_keep_an_evicted_program_alive(cache_size):
    cache_size(1)
    f, _ = _counting_jit()
    f(1.0)
    f(1.0)
    entry = weakref.ref(_remembered(f))
    assert entry() is not None
    ft.jit(lambda x: x - 1)(1.0)  # evicts f's only entry
    gc.collect()
    assert entry() is None


def test_the_zero_cotangent_mode_is_part_of_the_remembered_signature(cache_size):
    cache_size(100)
    f = ft.jit(ft.grad(lambda x: ft.numpy.where(x < 100, ft.numpy.exp(x), 0.0)))
    with np.errstate(all="ignore"):
        assert np.isnan(f(1000.0))
        with ft.zero_cotangent_wins():
            assert f(1000.0) == 0.0
        assert np.isnan(f(1000.0))


def test_clear_caches_retraces_even_while_the_old_entry_lives(cache_size):
    cache_size(100)
    f, traces = _counting_jit()
    f(1.0)
    f(1.0)
    held = _remembered(f)  # something else keeps the old entry alive
    ft.clear_caches()
    assert f(1.0) == 2.0 and len(traces) == 2
    assert f(1.0) == 2.0 and len(traces) == 2
    del held


def test_remembered_entry_calls_the_generated_code_directly():
    from ftrans.compile.execute import Tiered
    f = ft.jit(lambda x: fnp.sin(x) * 2.0)
    x = np.float64(0.25)
    results = [f(x) for _ in range(4)]
    entry = _remembered(f)
    assert entry is not None and type(entry.program) is not Tiered
    assert hasattr(entry.program, "source")
    assert all(r == np.sin(x) * 2.0 for r in results)
    ft.clear_caches()
    assert f(x) == np.sin(x) * 2.0
