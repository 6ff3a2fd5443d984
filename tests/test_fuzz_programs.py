"""Random-program fuzzing: programs of 1, 3 and 10 equations over the primitive set, on random
shapes (0-d and empty included), from fixed seeds. Each program is checked for: jit == eager,
jvp against central finite differences, the vjp/jvp inner-product identity
<ct, J t> == <J^T ct, t>, and vmap against a Python loop.

``FTRANS_FUZZ_PROGRAMS=<n>`` runs n programs per size instead of the CI default (100 per size,
300 in all).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp

PER_SIZE = int(os.environ.get("FTRANS_FUZZ_PROGRAMS", "100"))
BLOCK = 10  # programs per test
SHAPES = [(), (0,), (3,), (2, 3), (1, 4)]

# name -> (arity, function); smooth on the reals, so finite differences apply everywhere
OPS = {
    "sin": (1, fnp.sin), "cos": (1, fnp.cos), "tanh": (1, fnp.tanh),
    "neg": (1, lambda x: -x), "square": (1, lambda x: x * x),
    "exp_bounded": (1, lambda x: fnp.exp(fnp.tanh(x))),
    "log1p_sq": (1, lambda x: fnp.log1p(x * x)),
    "sqrt_pos": (1, lambda x: fnp.sqrt(x * x + 1.0)),
    "integer_pow": (1, lambda x: x ** 3),
    "centered": (1, lambda x: x - fnp.mean(x)),
    "scaled_sum": (1, lambda x: x * fnp.sum(x * x) * 0.1),
    "add": (2, lambda x, y: x + y), "sub": (2, lambda x, y: x - y),
    "mul": (2, lambda x, y: x * y), "div": (2, lambda x, y: x / (1.0 + y * y)),
    "atan2": (2, lambda x, y: fnp.arctan2(x, y * y + 1.0)),
    "logaddexp": (2, lambda x, y: fnp.logaddexp(x, y)),
    "hypot": (2, lambda x, y: fnp.sqrt(x * x + y * y + 1.0)),
}
OP_NAMES = sorted(OPS)


def make_program(rng: np.random.Generator, n_eqns: int):
    """A random straight-line program of two inputs: a list of (op, input indices)."""
    steps = []
    for i in range(n_eqns):
        name = OP_NAMES[rng.integers(len(OP_NAMES))]
        arity = OPS[name][0]
        steps.append((name, [int(rng.integers(2 + i)) for _ in range(arity)]))

    def program(x, y):
        values = [x, y]
        for name, ins in steps:
            values.append(OPS[name][1](*[values[j] for j in ins]))
        return values[-1] + 0.5 * values[-2]  # every program depends on its last steps
    program.steps = steps  # type: ignore[attr-defined]
    return program


def check_program(program, shape, rng: np.random.Generator) -> None:
    x, y = (rng.standard_normal(shape) for _ in range(2))
    eager = program(x, y)
    # jit == eager (twice: the planned first call and the generated code)
    jf = ft.jit(program)
    for _ in range(2):
        np.testing.assert_allclose(jf(x, y), eager, rtol=1e-12, atol=1e-12)
    # jvp against central finite differences
    tx, ty = (rng.standard_normal(shape) for _ in range(2))
    out, out_dot = ft.jvp(program, (x, y), (tx, ty))
    np.testing.assert_allclose(out, eager, rtol=1e-12, atol=1e-12)
    eps = 1e-6
    fd = (program(x + eps * tx, y + eps * ty) - program(x - eps * tx, y - eps * ty)) / (2 * eps)
    np.testing.assert_allclose(out_dot, fd, rtol=1e-4, atol=1e-5)
    # the vjp / jvp inner-product identity
    ct = rng.standard_normal(np.shape(eager))
    _, f_vjp = ft.vjp(program, x, y)
    ct_x, ct_y = f_vjp(ct)
    lhs = np.sum(ct * out_dot)
    rhs = np.sum(ct_x * tx) + np.sum(ct_y * ty)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9)
    # vmap against a loop
    xs = rng.standard_normal((3,) + shape)
    batched = ft.vmap(program, in_axes=(0, None))(xs, y)
    looped = np.stack([program(xi, y) for xi in xs])
    np.testing.assert_allclose(batched, looped, rtol=1e-12, atol=1e-12)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # mean of an empty array
@pytest.mark.parametrize("n_eqns", [1, 3, 10])
@pytest.mark.parametrize("block", range(max(1, PER_SIZE // BLOCK)))
def test_random_programs(n_eqns, block):
    for k in range(BLOCK):
        seed = (n_eqns, block * BLOCK + k)
        rng = np.random.default_rng(seed)
        program = make_program(rng, n_eqns)
        shape = SHAPES[rng.integers(len(SHAPES))]
        try:
            check_program(program, shape, rng)
        except AssertionError as err:
            raise AssertionError(f"seed {seed}, shape {shape}, program {program.steps}") \
                from err


def test_fuzzer_covers_every_op_and_shape():
    seen_ops, seen_shapes = set(), set()
    for n_eqns in (1, 3, 10):
        for k in range(max(BLOCK, (PER_SIZE // BLOCK) * BLOCK)):
            rng = np.random.default_rng((n_eqns, k))
            seen_ops.update(name for name, _ in make_program(rng, n_eqns).steps)
            seen_shapes.add(SHAPES[rng.integers(len(SHAPES))])
    assert seen_ops == set(OPS) and seen_shapes == set(SHAPES)
