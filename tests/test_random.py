"""ftrans.random: threefry known answers, reproducibility, statistics, independence of split
streams, and vmap / jit equal to eager."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
from ftrans import random
from ftrans.lax.prng import threefry2x32

N = 100_000
KEY = random.key(1)


@pytest.mark.parametrize("key,count,expected", [
    ((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
    ((0xFFFFFFFF,) * 2, (0xFFFFFFFF,) * 2, (0x1CB996FC, 0xBB002BE7)),
    ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
])
def test_threefry_random123_known_answers(key: tuple, count: tuple, expected: tuple) -> None:
    out = threefry2x32(*[np.uint32(v) for v in key + count])
    assert tuple(int(v) for v in out) == expected


def test_fixed_values_are_reproducible() -> None:
    assert random.key(42).tolist() == [0, 42]
    assert random.key(-1).tolist() == [0xFFFFFFFF, 0xFFFFFFFF]
    np.testing.assert_array_equal(random.split(random.key(0)),
                                  [[1797259609, 2579123966], [928981903, 3453687069]])
    np.testing.assert_array_equal(random.fold_in(random.key(0), 1), [928981903, 3453687069])
    np.testing.assert_array_equal(random.permutation(random.key(0), 10),
                                  [9, 1, 5, 0, 4, 8, 3, 7, 6, 2])
    np.testing.assert_array_equal(random.randint(random.key(0), (5,), 0, 10), [4, 2, 9, 5, 5])
    u = random.uniform(random.key(0), (2,))
    assert u.tolist() == random.uniform(random.key(0), (2,)).tolist()
    np.testing.assert_allclose(random.normal(random.key(0), (3,)),
                               random.normal(random.key(0), (3,)), rtol=0)


def _sigma(n: int) -> float:
    return 5.0 / np.sqrt(n)  # 5 standard errors of a unit-variance mean


def test_uniform_statistics_and_range() -> None:
    for dtype in (np.float64, np.float32):
        u = random.uniform(KEY, (N,), dtype)
        assert u.dtype == dtype and u.min() >= 0 and u.max() < 1
        assert abs(u.mean() - 0.5) < _sigma(N) * np.sqrt(1 / 12)
        assert abs(u.var() - 1 / 12) < 0.01 / 12 * 5
        # Kolmogorov-Smirnov distance against U(0, 1): 1.63/sqrt(n) is the 1% critical value
        s = np.sort(u.astype(np.float64))
        d = np.max(np.maximum(np.arange(1, N + 1) / N - s, s - np.arange(N) / N))
        assert d < 1.63 / np.sqrt(N)
    u = random.uniform(KEY, (1000,), minval=-2.0, maxval=3.0)
    assert u.min() >= -2 and u.max() < 3


def test_normal_and_friends_statistics() -> None:
    x = random.normal(KEY, (N,))
    assert abs(x.mean()) < _sigma(N) and abs(x.var() - 1) < 5 * np.sqrt(2 / N)
    assert abs(np.mean(x ** 3)) < 5 * np.sqrt(15 / N)  # symmetric
    t = random.truncated_normal(KEY, -1.0, 2.0, (N,))
    assert t.min() > -1 and t.max() < 2
    expected_mean = (np.exp(-0.5) - np.exp(-2)) / np.sqrt(2 * np.pi) / 0.8185946141203637
    assert abs(t.mean() - expected_mean) < _sigma(N)
    e = random.exponential(KEY, (N,))
    assert abs(e.mean() - 1) < _sigma(N)
    g = random.gumbel(KEY, (N,))
    assert abs(g.mean() - np.euler_gamma) < _sigma(N) * 1.3


def test_discrete_statistics() -> None:
    b = random.bernoulli(KEY, 0.3, (N,))
    assert b.dtype == bool and abs(b.mean() - 0.3) < _sigma(N) * 0.46
    r = random.randint(KEY, (N,), 2, 7)
    assert r.min() == 2 and r.max() == 6
    np.testing.assert_allclose(np.bincount(r, minlength=7)[2:] / N, 0.2, atol=0.01)
    p = np.array([0.1, 0.2, 0.7])
    c = random.categorical(KEY, np.log(p), shape=(N,))
    np.testing.assert_allclose(np.bincount(c, minlength=3) / N, p, atol=0.01)
    ch = random.choice(KEY, 3, (N,), p=p)
    np.testing.assert_allclose(np.bincount(ch, minlength=3) / N, p, atol=0.01)


def test_permutation_and_choice() -> None:
    perm = random.permutation(KEY, 50)
    assert sorted(perm.tolist()) == list(range(50))
    x = np.arange(12.0).reshape(3, 4)
    px = random.permutation(KEY, x, axis=1)
    assert sorted(px[0].tolist()) == [0, 1, 2, 3]
    order = px[0].astype(int)  # x[0] is 0..3: the first row names the column order
    np.testing.assert_array_equal(px, x[:, order])
    picked = random.choice(KEY, np.arange(10) * 10, (2, 3), replace=False)
    assert picked.shape == (2, 3) and len(set(picked.ravel().tolist())) == 6
    weighted = random.choice(KEY, 5, (3,), replace=False, p=np.array([0, 0, 0.5, 0.25, 0.25]))
    assert set(weighted.tolist()) == {2, 3, 4}
    first = [int(random.permutation(random.key(s), 4)[0]) for s in range(400)]
    np.testing.assert_allclose(np.bincount(first) / 400, 0.25, atol=0.09)


def test_split_streams_are_independent() -> None:
    keys = random.split(KEY, 4)
    streams = np.stack([random.normal(k, (N // 4,)) for k in keys])
    corr = np.corrcoef(streams)
    assert np.abs(corr - np.eye(4)).max() < 5 / np.sqrt(N // 4)
    assert len({tuple(k) for k in random.split(KEY, 1000).tolist()}) == 1000
    assert not np.array_equal(random.normal(random.fold_in(KEY, 0), (5,)),
                              random.normal(random.fold_in(KEY, 1), (5,)))


def test_vmap_over_keys_equals_loop_and_jit_equals_eager() -> None:
    keys = random.split(KEY, 8)
    samplers = [lambda k: random.normal(k, (3,)),
                lambda k: random.uniform(k, (2, 2), np.float32),
                lambda k: random.randint(k, (4,), 0, 100),
                lambda k: random.permutation(k, 5),
                lambda k: random.split(k, 3),
                lambda k: random.categorical(k, np.zeros(4), shape=(2,)),
                lambda k: random.choice(k, 6, (2,), replace=False)]
    for f in samplers:
        batched = ft.vmap(f)(keys)
        looped = np.stack([f(k) for k in keys])
        np.testing.assert_array_equal(batched, looped)
        np.testing.assert_array_equal(ft.jit(f)(keys[0]), f(keys[0]))
    np.testing.assert_array_equal(ft.vmap(random.key)(np.arange(3)),
                                  np.stack([random.key(i) for i in range(3)]))
    np.testing.assert_array_equal(ft.vmap(lambda i: random.fold_in(KEY, i))(np.arange(3)),
                                  np.stack([random.fold_in(KEY, i) for i in range(3)]))


def test_samples_are_constants_to_grad() -> None:
    def f(x: float) -> float:
        return x * random.normal(KEY)
    assert float(ft.grad(f)(2.0)) == float(random.normal(KEY))


def test_errors() -> None:
    with pytest.raises(TypeError, match="key"):
        random.normal(np.zeros(3, np.uint32))
    with pytest.raises(TypeError, match="float32 or float64"):
        random.uniform(KEY, (2,), np.int32)
    with pytest.raises(TypeError, match="integer"):
        random.randint(KEY, (2,), 0, 3, np.float64)
    with pytest.raises(ValueError, match="without replacement"):
        random.choice(KEY, 3, (4,), replace=False)
    with pytest.raises(TypeError, match="seed"):
        random.key(1.5)


@pytest.mark.parametrize("module", ["ftrans.random", "ftrans.lax.prng"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib
    assert doctest.testmod(importlib.import_module(module)).failed == 0
