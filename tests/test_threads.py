"""Threads and the jit cache: concurrent tracing, transforming and running give the serial
results; the cache is bounded (LRU, ``jit_cache_size``) and holds functions weakly."""

from __future__ import annotations

import gc
import sys
import threading
import weakref

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp

THREADS = 8
CALLS = 200


def _work(i: int) -> list:
    """A mixed sequence of jit / grad / vmap calls, fresh traces included."""
    results = []
    x = np.linspace(-1.0, 1.0, 5) + i % 3
    shared = _SHARED
    for k in range(CALLS // 8):
        s = 0.1 * (k % 5)
        results.append(shared["jit"](x + s))
        results.append(shared["grad"](float(s)))
        results.append(shared["vmap"](x))
        results.append(ft.jit(lambda v, k=k: fnp.cos(v) * k)(x))  # a fresh trace each time
        results.append(ft.grad(lambda v: fnp.sum(fnp.tanh(v * s)))(x))
        results.append(ft.jit(ft.grad(lambda v: fnp.sin(v) ** 2))(s))
        results.append(ft.vmap(ft.grad(lambda v: v ** 3))(x))
        results.append(ft.jvp(fnp.exp, (x,), (x,))[1])
    return results


_SHARED = {
    "jit": ft.jit(lambda v: fnp.sum(fnp.sin(v) * v)),
    "grad": ft.grad(lambda v: fnp.sin(v) * v),
    "vmap": ft.vmap(lambda v: fnp.exp(-v * v)),
}


def test_many_threads_give_the_serial_results():
    serial = [_work(i) for i in range(THREADS)]
    got: dict[int, list] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def run(i: int) -> None:
        try:
            barrier.wait()
            got[i] = _work(i)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for i in range(THREADS):
        assert len(got[i]) == len(serial[i]) == CALLS
        for a, b in zip(got[i], serial[i]):
            np.testing.assert_array_equal(a, b)


def test_jit_cache_is_bounded_lru():
    old = ft.config.read("jit_cache_size")
    ft.clear_caches()
    try:
        ft.config.update("jit_cache_size", 5)
        f = ft.jit(lambda x: x + 1)
        for n in range(12):
            f(np.zeros(n))
        assert ft.jit_cache_info()["entries"] == 5
        assert f.cache_size() == 5
        f(np.zeros(11))  # most recent: still cached
        assert f.cache_size() == 5
        g = ft.jit(lambda x: x * 2)
        g(1.0)
        assert ft.jit_cache_info()["entries"] == 5  # the oldest of f's went out
        np.testing.assert_array_equal(f(np.zeros(0)), np.zeros(0))  # evicted: traced again
    finally:
        ft.config.update("jit_cache_size", old)
        ft.clear_caches()


def test_unreferenced_jitted_function_is_freed_with_its_entries():
    ft.clear_caches()

    def make():
        def f(x):
            return fnp.sin(x) * 2.0
        return f

    f = make()
    ref = weakref.ref(f)
    jf = ft.jit(f)
    jf(1.0)
    jf(np.ones(3))
    assert ft.jit_cache_info() == {"functions": 1, "entries": 2}
    del f, jf
    gc.collect()
    assert ref() is None
    assert ft.jit_cache_info() == {"functions": 0, "entries": 0}


def test_config_rejects_bad_values():
    import pytest
    with pytest.raises(ValueError, match="positive int"):
        ft.config.update("jit_cache_size", 0)
    with pytest.raises(AttributeError, match="no setting 'debug_nan'"):
        ft.config.update("debug_nan", True)
    with pytest.raises(TypeError, match="True or False"):
        ft.config.update("debug_nans", "yes")
    assert ft.config.read("debug_nans") is False


def _long_program(scale: float):
    """A fresh jitted function of more than 50 equations: its first call runs the plan tier,
    a later one compiles, so threads calling it first race on the hand-over."""
    def f(v):
        for _ in range(30):
            v = fnp.sin(v) * scale + v
        return v
    return ft.jit(f)


def test_threads_making_the_first_calls_of_fresh_jitted_functions():
    x = np.linspace(-1.0, 1.0, 7)
    rounds = 40
    functions = [_long_program(0.01 * (r + 1)) for r in range(rounds)]
    expected = []
    for r in range(rounds):
        with ft.disable_jit():
            expected.append(functions[r](x))
    errors: list[BaseException] = []
    results: dict[tuple[int, int], np.ndarray] = {}
    barrier = threading.Barrier(THREADS)

    def worker(t: int) -> None:
        try:
            for r in range(rounds):
                barrier.wait()  # every thread makes the first calls of the same function
                for k in range(3):
                    results[t, r, k] = functions[r](x)
        except BaseException as err:  # noqa: BLE001 - collected and re-raised below
            errors.append(err)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so that the hand-over is contended
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors[0]
    for (_, r, _), value in results.items():
        np.testing.assert_allclose(value, expected[r], rtol=1e-12)
    assert len(results) == THREADS * rounds * 3


def test_direct_calls_while_another_thread_clears_and_evicts():
    """Threads calling one jitted function with alternating signatures (each call installs
    its entry's generated call in the function's slot) while another clears the caches and
    evicts: every call gives the serial result, and no slot runs a dropped entry's program
    afterwards."""
    f = ft.jit(lambda v: v * 2.0 + 1.0)
    inputs = [np.float64(0.5), np.arange(3.0), np.ones((2, 2)), 1.5]
    expected = [np.asarray(v) * 2.0 + 1.0 for v in inputs]
    stop = threading.Event()
    errors: list[BaseException] = []

    def call(i: int) -> None:
        try:
            for k in range(300):
                j = (i + k) % len(inputs)
                np.testing.assert_array_equal(f(inputs[j]), expected[j])
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    def churn() -> None:
        while not stop.is_set():
            ft.clear_caches()
            ft.jit(lambda v: v - 1.0)(np.float64(1.0))  # another function's entry

    callers = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    churner = threading.Thread(target=churn)
    churner.start()
    for t in callers:
        t.start()
    for t in callers:
        t.join()
    stop.set()
    churner.join()
    assert not errors, errors
    ft.clear_caches()
    assert f._call is f._general
    assert f(2.0) == 5.0
