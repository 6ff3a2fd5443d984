"""Random structured programs: indexing, ``.at[]`` updates, control flow nested inside itself
(cond, scan, fori_loop, while_loop), complex intermediates, FFTs, convolutions and pooling,
on vectors of a few lengths and from fixed seeds. Each program is checked three ways: jit
equals eager, vmap equals a Python loop, and the derivative equals central finite
differences and satisfies the vjp/jvp inner-product identity ``<ct, J t> == <J^T ct, t>``.
A failing program is shrunk (steps replaced by the identity while it still fails) before it
is reported.

``FTRANS_FUZZ_PROGRAMS=<n>`` runs n programs per depth instead of the CI default.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax

PER_DEPTH = int(os.environ.get("FTRANS_FUZZ_PROGRAMS", "30"))
BLOCK = 10
LENGTHS = [1, 4, 5]
INDEX = np.array([2, 0, 1, 1, 3])  # taken modulo the length: repeated indices accumulate


def _idx(n: int) -> np.ndarray:
    return INDEX[:n] % n


def _smooth(x: Any) -> Any:
    return fnp.tanh(x) * 1.5  # keeps values in range, so loops and exponentials stay tame


# name -> (arity, function of vectors of one length to a vector of that length)
LEAF_OPS: dict[str, tuple[int, Callable[..., Any]]] = {
    "identity": (1, lambda x: x),
    "sin": (1, fnp.sin),
    "mul": (2, lambda x, y: x * y),
    "add_scaled": (2, lambda x, y: x + 0.5 * y),
    "div": (2, lambda x, y: x / (1.0 + y * y)),
    "reverse": (1, lambda x: x[::-1]),
    "roll": (1, lambda x: fnp.concatenate([x[1:], x[:1]])),
    "gather": (1, lambda x: x[_idx(x.shape[0])]),
    "take_mul": (2, lambda x, y: fnp.take(x, _idx(x.shape[0])) * y),
    "at_add": (2, lambda x, y: fnp.at(x)[_idx(x.shape[0])].add(y)),
    "at_set": (2, lambda x, y: fnp.at(x)[0].set(y[-1] * 2.0)),
    "at_multiply": (2, lambda x, y: fnp.at(x)[_idx(x.shape[0])].multiply(_smooth(y))),
    "cumsum": (1, lambda x: fnp.cumsum(x) * 0.5),
    "where": (2, lambda x, y: fnp.where(y > 0.1, x * y, x - y)),
    "max": (2, lambda x, y: fnp.maximum(x, y + 0.05)),
    "complex_rotate": (2, lambda x, y: fnp.real(fnp.exp(1j * _smooth(x)) * (y + 2.0j))),
    "complex_abs": (2, lambda x, y: fnp.abs(x + 1j * y + (0.5 + 0.5j))),
    "fft_filter": (2, lambda x, y: fnp.real(fnp.fft.ifft(fnp.fft.fft(x) * (1.0 + 0.5j * y)))),
    "rfft_power": (1, lambda x: fnp.fft.irfft(fnp.abs(fnp.fft.rfft(x)) ** 2 * 0.1,
                                              n=x.shape[0])),
    "convolve": (2, lambda x, y: fnp.convolve(x, _smooth(y), mode="same")),
    "max_pool": (1, lambda x: lax.reduce_window(x, -np.inf, lax.max, (2,), (1,),
                                                [(0, 1)])),
}

CONTROL = ["cond", "scan", "fori", "while"]


def make_program(rng: np.random.Generator, depth: int, n_steps: int) -> list:
    """A random program: a list of steps, each (op, input indices) or (control, input
    indices, nested programs)."""
    steps: list = []
    for i in range(n_steps):
        available = 2 + i
        if depth > 0 and rng.random() < 0.35:
            kind = CONTROL[rng.integers(len(CONTROL))]
            subs = [make_program(rng, depth - 1, int(rng.integers(1, 3))) for _ in range(2)]
            steps.append((kind, [int(rng.integers(available)) for _ in range(2)], subs))
        else:
            name = sorted(LEAF_OPS)[rng.integers(len(LEAF_OPS))]
            arity = LEAF_OPS[name][0]
            steps.append((name, [int(rng.integers(available)) for _ in range(arity)]))
    return steps


def run(steps: list, x: Any, y: Any) -> Any:
    values = [x, y]
    for step in steps:
        name, ins = step[0], [values[j] for j in step[1]]
        if name in LEAF_OPS:
            arity = LEAF_OPS[name][0]
            values.append(LEAF_OPS[name][1](*ins[:arity]))
            continue
        a, b = ins
        first, second = step[2]
        if name == "cond":
            out = lax.cond(fnp.sum(b) > 0.0, lambda u, v: run(first, u, v),
                           lambda u, v: run(second, u, v), a, b)
        elif name == "scan":  # the carry runs through one program, the rows through another
            def body(carry, row):
                new = _smooth(run(first, carry, row[None] * fnp.ones_like(carry)))
                return new, fnp.sum(run(second, row[None] * fnp.ones_like(carry), carry))
            carry, ys = lax.scan(body, a, b)
            out = carry + ys
        elif name == "fori":
            out = lax.fori_loop(0, 2, lambda i, u: _smooth(run(first, u, b)), a)
        else:  # while with a trip count carried as an integer: reverse mode works on it
            def cond_fun(state):
                return state[0] < 2

            def body_fun(state):
                return state[0] + 1, _smooth(run(second, state[1], b))
            out = lax.while_loop(cond_fun, body_fun, (0, a))[1]
        values.append(out)
    return values[-1] + 0.25 * values[-2]


def describe(steps: list) -> str:
    parts = []
    for step in steps:
        if step[0] in LEAF_OPS:
            parts.append(f"{step[0]}{tuple(step[1])}")
        else:
            parts.append(f"{step[0]}{tuple(step[1])}[{describe(step[2][0])} | "
                         f"{describe(step[2][1])}]")
    return "; ".join(parts)


def check(steps: list, n: int, rng: np.random.Generator) -> None:
    def f(x, y):
        return run(steps, x, y)
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    eager = f(x, y)
    jf = ft.jit(f)
    for _ in range(2):
        np.testing.assert_allclose(jf(x, y), eager, rtol=1e-10, atol=1e-10)
    xs = rng.standard_normal((3, n))
    np.testing.assert_allclose(ft.vmap(f, in_axes=(0, None))(xs, y),
                               np.stack([f(xi, y) for xi in xs]), rtol=1e-10, atol=1e-10)
    tx, ty = rng.standard_normal(n), rng.standard_normal(n)
    _, out_dot = ft.jvp(f, (x, y), (tx, ty))
    eps = 1e-6
    fd = (f(x + eps * tx, y + eps * ty) - f(x - eps * tx, y - eps * ty)) / (2 * eps)
    np.testing.assert_allclose(out_dot, fd, rtol=1e-4, atol=1e-5)
    ct = rng.standard_normal(np.shape(eager))
    ct_x, ct_y = ft.vjp(f, x, y)[1](ct)
    np.testing.assert_allclose(np.sum(ct * out_dot), np.sum(ct_x * tx) + np.sum(ct_y * ty),
                               rtol=1e-8, atol=1e-8)
    # the same through jit(grad): the backward program compiled
    g = ft.jit(ft.grad(lambda u, v: fnp.sum(f(u, v) * ct), argnums=(0, 1)))(x, y)
    np.testing.assert_allclose(g[0], ct_x, rtol=1e-8, atol=1e-8)


def _fails(steps: list, n: int, seed: tuple) -> bool:
    try:
        with np.errstate(all="ignore"):
            check(steps, n, np.random.default_rng(seed + (1,)))
        return False
    except AssertionError:
        return True


def _simpler(steps: list):
    """Programs one step simpler: a step replaced by the identity, or a control step by one
    of its nested programs' leaf steps."""
    for i, step in enumerate(steps):
        if step[0] != "identity":
            yield steps[:i] + [("identity", [step[1][0]])] + steps[i + 1:]
        if step[0] not in LEAF_OPS:
            for k, sub in enumerate(step[2]):
                for simpler in _simpler(sub):
                    subs = list(step[2])
                    subs[k] = simpler
                    yield steps[:i] + [(step[0], step[1], subs)] + steps[i + 1:]


def shrink(steps: list, n: int, seed: tuple) -> list:
    """The failing program made as simple as it goes while it still fails."""
    improved = True
    while improved:
        improved = False
        for candidate in _simpler(steps):
            if _fails(candidate, n, seed):
                steps, improved = candidate, True
                break
    return steps


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("depth", [0, 1, 2])
@pytest.mark.parametrize("block", range(max(1, PER_DEPTH // BLOCK)))
def test_random_structured_programs(depth, block):
    for k in range(BLOCK):
        seed = (depth, block * BLOCK + k)
        rng = np.random.default_rng(seed)
        steps = make_program(rng, depth, int(rng.integers(1, 4)))
        n = LENGTHS[rng.integers(len(LENGTHS))]
        if _fails(steps, n, seed):
            small = shrink(steps, n, seed)
            try:
                check(small, n, np.random.default_rng(seed + (1,)))
            except AssertionError as err:
                raise AssertionError(f"seed {seed}, length {n}, shrunk program: "
                                     f"{describe(small)}") from err


def test_structured_fuzzer_covers_every_op_and_control_flow():
    seen = set()

    def collect(steps):
        for step in steps:
            seen.add(step[0])
            if step[0] not in LEAF_OPS:
                for sub in step[2]:
                    collect(sub)
    for depth in (0, 1, 2):
        for k in range(max(BLOCK, (PER_DEPTH // BLOCK) * BLOCK)):
            rng = np.random.default_rng((depth, k))
            collect(make_program(rng, depth, int(rng.integers(1, 4))))
    assert seen >= set(LEAF_OPS) | set(CONTROL)


def test_shrinking_finds_the_step_that_breaks():
    """The shrinker itself: a program whose only wrong step is kept, the rest simplified."""
    broken = dict(LEAF_OPS)
    LEAF_OPS["wrong_derivative"] = (1, lambda x: x + lax.stop_gradient(fnp.sin(x)))
    try:
        steps = [("sin", [0]), ("mul", [2, 1]), ("wrong_derivative", [3]), ("roll", [4])]
        assert _fails(steps, 4, (9,))
        small = shrink(steps, 4, (9,))
        assert [s[0] for s in small].count("wrong_derivative") == 1
        assert sum(s[0] != "identity" for s in small) == 1
    finally:
        LEAF_OPS.clear()
        LEAF_OPS.update(broken)
