"""ftrans.blas_threads: small products on one BLAS thread, the caller's count restored (also
when regions nest, raise, or run in several threads at once)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from ftrans import blas_threads


def _count() -> int | None:
    api = blas_threads._lookup()
    return None if api is None else api[0]()


def test_run_small_returns_the_result_and_restores_the_count() -> None:
    before = _count()
    seen = []

    def body(a: np.ndarray) -> np.ndarray:
        seen.append(_count())
        return a @ a

    a = np.ones((80, 80))
    np.testing.assert_array_equal(blas_threads.run_small(80 ** 3, body, a), a @ a)
    assert _count() == before
    if before is not None:
        assert seen == [1]
    blas_threads.run_small(blas_threads.SMALL + 1, body, a)   # large: threads left alone
    assert seen[-1] == before


def test_nested_raising_and_concurrent_regions_restore_the_count() -> None:
    before = _count()
    with pytest.raises(ZeroDivisionError):
        with blas_threads.one_thread():
            with blas_threads.one_thread():
                raise ZeroDivisionError
    assert _count() == before

    def work() -> None:
        for _ in range(50):
            blas_threads.run_small(1 << 20, lambda: np.ones((64, 64)) @ np.ones((64, 64)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _count() == before
    assert blas_threads._depth == 0


def test_disabled_by_small_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blas_threads, "SMALL", 0)
    before = _count()
    assert blas_threads.run_small(1 << 20, _count) == before
