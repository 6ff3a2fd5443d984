"""Bad input, systematically: every case raises a specific exception whose message names the
argument (and the fix where there is one), never a bare NumPy or Python internals message, and
leaves no state behind (the next call works, no trace is left current).

Three tables: hand-written cases over the transformations and the surface (their ftrans
column is also printed in docs/sharp_bits.md next to what JAX does, and checked from there);
and two sweeps that call every public ``ftrans.numpy`` and ``ftrans.lax`` function with a
string, None, a dict, an arbitrary object and an object whose ``__array__`` raises, in each
position.
"""

from __future__ import annotations

import inspect
import math
import pathlib
import re
import warnings

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax, random
from ftrans.core import current_trace, eval_trace

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Messages that come from NumPy's or Python's internals rather than from ftrans.
BARE = re.compile(
    r"not iterable|not subscriptable|has no attribute|unsupported operand|iteration over a "
    r"0-d|C long|<U\d|dtype\('O'\)|object array|'NoneType' object|cannot be interpreted as|"
    r"argument must be a string or a|only integer scalar arrays|not supported between "
    r"instances|float\(\) argument|int\(\) argument")

NAMESPACE = {"ft": ft, "fnp": fnp, "lax": lax, "random": random, "np": np, "math": math}


def _sanity() -> None:
    assert current_trace() is eval_trace
    assert ft.grad(lambda x: x * x)(3.0) == 6.0
    assert float(ft.jit(lambda x: x + 1.0)(1.0)) == 2.0


# (code, exception class, words the message must contain)
HAND = [
    ("ft.grad(3)", TypeError, r"grad: expected a callable value.*got int 3"),
    ("ft.vmap(None)", TypeError, r"vmap: expected a callable.*NoneType"),
    ("ft.jit('f')", TypeError, r"jit: expected a callable.*str 'f'"),
    ("ft.jacfwd([1, 2])", TypeError, r"jacfwd: expected a callable.*list"),
    ("ft.jacrev(1.0)", TypeError, r"jacrev: expected a callable"),
    ("ft.hessian(None)", TypeError, r"hessian: expected a callable"),
    ("ft.value_and_grad(0)", TypeError, r"value_and_grad: expected a callable"),
    ("ft.linearize(2, 1.0)", TypeError, r"linearize: expected a callable"),
    ("ft.vjp(2, 1.0)", TypeError, r"vjp: expected a callable"),
    ("ft.jvp(2, (1.0,), (1.0,))", TypeError, r"jvp: expected a callable"),
    ("ft.make_jaxpr('x')", TypeError, r"make_jaxpr: expected a callable"),
    ("ft.checkpoint(3)", TypeError, r"checkpoint: expected a callable"),
    ("ft.jit(lambda x: x, static_argnums=3)", ValueError,
     r"static_argnums=\(3,\).*takes only 1 positional"),
    ("ft.jit(lambda x: x, static_argnames='n')", ValueError,
     r"static_argnames 'n' is not a parameter.*parameters are x"),
    ("ft.jit(lambda x: x, static_argnums='0')", TypeError, r"static_argnums must be ints"),
    ("ft.grad(lambda x: x)(np.ones(3))", TypeError, r"scalar output.*\(3,\)"),
    ("ft.grad(lambda x: x.sum())(np.arange(3))", TypeError, r"int64"),
    ("ft.grad(lambda x: x, argnums=2)(1.0)", TypeError, r"argnums 2 is out of range"),
    ("ft.grad(lambda x: x, argnums=2)(1.0)", ValueError, r"argnums 2 is out of range"),
    ("ft.jvp(lambda x: x, (1.0,), (np.ones(2),))", ValueError, r"tangent 0 has shape \(2,\)"),
    ("ft.jvp(lambda x: x, (1.0,), (1,))", TypeError, r"tangent 0 has dtype int64"),
    ("ft.jvp(lambda x: x, [1.0], 1.0)", TypeError, r"tuples or lists"),
    ("ft.vjp(lambda x: x * 2, 1.0)[1](1)", TypeError, r"cotangent 0 has dtype int64.*f64"),
    ("ft.vjp(lambda x: x * 2, 1.0)[1](1)", ValueError, r"cotangent 0 has dtype int64"),
    ("ft.vjp(lambda x: x * 2, np.ones(3))[1](np.ones(3, np.float32))", ValueError,
     r"dtype float32 but the output has dtype float64"),
    ("ft.vjp(lambda x: x * 2, np.ones(3))[1](np.ones(2))", ValueError,
     r"cotangent 0 has shape \(2,\).*f64\[3\]"),
    ("ft.vjp(lambda x: (x, x), 1.0)[1](1.0)", TypeError, r"cotangent has structure"),
    ("ft.linear_transpose(lambda x: 2.0 * x, 1.0)(np.ones(2))", ValueError,
     r"cotangent 0 has shape"),
    ("ft.vmap(lambda x: x, in_axes=2)(np.ones(3))", ValueError, r"axis 2 of an argument of rank 1"),
    ("ft.vmap(lambda x, y: x + y, in_axes=(0, 0, 0))(np.ones(3), np.ones(3))", ValueError,
     r"in_axes must be"),
    ("ft.vmap(lambda x, y: x + y)(np.ones(3), np.ones(4))", ValueError, r"inconsistent sizes"),
    ("ft.vmap(lambda x: x, out_axes=3)(np.ones(3))", ValueError, r"out_axes 3 is out of bounds"),
    ("ft.vmap(lambda x: x, in_axes='0')(np.ones(3))", TypeError, r"in_axes must contain only"),
    ("ft.vmap(lambda x: x)(np.float64(1.0))", ValueError, r"rank"),
    ("ft.jit(lambda n: fnp.zeros(n))(3)", ft.ConcretizationError,
     r"shape must be known.*static_argnums"),
    ("ft.jit(lambda n: fnp.ones((n, 2)))(3)", ft.ConcretizationError, r"shape must be known"),
    ("ft.jit(lambda x, n: fnp.reshape(x, n))(np.ones(3), 3)", ft.ConcretizationError,
     r"shape must be known"),
    ("ft.jit(lambda x, a: fnp.sum(x, axis=a))(np.ones((2, 2)), 0)", ft.ConcretizationError,
     r"axis must be known.*static_argnums"),
    ("ft.jit(lambda x, a: fnp.mean(x, axis=a))(np.ones((2, 2)), 0)", ft.ConcretizationError,
     r"axis must be known"),
    ("ft.jit(lambda x: x)(2 ** 70)", OverflowError, r"argument 0 is the Python int.*int64"),
    ("ft.grad(lambda x: math.sin(x))(1.0)", ft.ConcretizationError,
     r"float\(\) was called on f64\[\], a value being differentiated by grad.*fnp.sin"),
    ("ft.jit(lambda x: float(x))(1.0)", ft.ConcretizationError, r"float\(\).*inside jit"),
    ("ft.jit(lambda x: x if x > 0 else -x)(1.0)", ft.ConcretizationError, r"bool\(\)"),
    ("fnp.sin('abc')", TypeError, r"sin: expected an array or a number, got str 'abc'"),
    ("fnp.add(np.ones(2), None)", TypeError, r"add: expected an array.*NoneType"),
    ("fnp.add(np.ones(2), np.ones(3))", ValueError, r"broadcast.*\(2,\).*\(3,\)"),
    ("fnp.sum(np.ones(3), axis=1)", ValueError, r"axis 1 is out of bounds"),
    ("fnp.zeros(2.5)", TypeError, r"shape must be an int or a sequence of ints, got float"),
    ("fnp.zeros((2, 'a'))", TypeError, r"shape must be an integer, got str"),
    ("fnp.zeros(-1)", ValueError, r"negative dimension"),
    ("fnp.full(3, 'x')", TypeError, r"full: fill_value: expected an array"),
    ("fnp.reshape(np.ones(6), (4, 2))", ValueError, r"cannot reshape array of size 6"),
    ("fnp.concatenate([np.ones((2, 2)), np.ones(3)])", ValueError, r"dimensions"),
    ("fnp.stack(None)", TypeError, r"stack: the arrays to join must be a sequence"),
    ("fnp.dot(np.ones(3), np.ones(4))", ValueError, r"\(3,\).*\(4,\)"),
    ("fnp.linalg.inv(np.ones((2, 3)))", ValueError, r"square"),
    ("fnp.roll(np.ones(3), None)", TypeError, r"roll: shift must be an integer"),
    ("fnp.split(np.ones(4), None)", TypeError, r"split: indices_or_sections"),
    ("fnp.asarray('abc')", TypeError, r"asarray: expected an array or a number, got str"),
    ("fnp.zeros_like(None)", TypeError, r"zeros_like: expected an array"),
    ("lax.cond('yes', lambda: 1.0, lambda: 2.0)", TypeError,
     r"cond: the predicate must be a scalar bool or number, got str"),
    ("lax.cond(True, lambda: 1.0, lambda: np.ones(2))", TypeError, r"cond: .*same structure"),
    ("lax.while_loop(lambda x: x, lambda x: x + 1.0, 0.0)", TypeError,
     r"while_loop: cond_fun must return a bool scalar"),
    ("lax.scan(lambda c, x: (c, x), 0.0, np.ones((0, 2)), length=3)", ValueError,
     r"scan: .*disagree"),
    ("lax.add(np.ones(2, np.float32), np.ones(2))", TypeError,
     r"add needs operands of one dtype.*convert_element_type"),
    ("lax.reduce_sum(np.ones(3), (1,))", ValueError, r"out of bounds"),
    ("random.split(random.PRNGKey(0), -1)", ValueError, r"random.split: num has a negative"),
    ("random.PRNGKey(2 ** 64)", OverflowError, r"seed .* does not fit in 64 bits"),
    ("random.normal(random.PRNGKey(0), (-1,))", ValueError, r"random.normal: shape"),
    ("random.uniform(random.PRNGKey(0), 2.5)", TypeError, r"random.uniform: shape must be"),
    ("random.categorical(random.PRNGKey(0), np.ones((2, 3)), axis=2)", ValueError,
     r"axis 2 is out of bounds"),
    ("random.uniform(np.ones(3), (2,))", TypeError, r"expected a key"),
    ("random.PRNGKey('seed')", TypeError, r"seed must be an integer"),
]


@pytest.mark.parametrize("code, exc, words", HAND, ids=[c for c, _, _ in HAND])
def test_hand_written_bad_input(code, exc, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc) as info:
            eval(code, dict(NAMESPACE))
    message = str(info.value)
    assert re.search(words, message, re.S), message
    assert not BARE.search(message), message
    _sanity()


def test_nan_inf_and_empty_arrays_are_values_not_errors():
    """NaN, Inf and zero-size arrays are valid input: they compute as NumPy does."""
    with np.errstate(all="ignore"):
        assert np.isnan(ft.grad(lambda x: fnp.sqrt(x))(np.nan))
        assert ft.jit(lambda x: x * 2.0)(np.inf) == np.inf
        assert ft.vmap(lambda x: fnp.sum(x))(np.ones((0, 3))).shape == (0,)
        assert ft.grad(lambda x: fnp.sum(x))(np.ones(0)).shape == (0,)
        assert ft.jit(lambda x: fnp.sum(x))(np.ones((2, 0))) == 0.0
    _sanity()


# ---------------------------------------------------------------------------------------------
# Sweeps over the public surface
# ---------------------------------------------------------------------------------------------


class _BrokenArray:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("this object's __array__ is broken")


BAD_VALUES = {"str": "abc", "None": None, "dict": {"a": 1}, "object": object(),
              "broken __array__": _BrokenArray()}


def _required_positional(fun) -> int | None:
    try:
        params = inspect.signature(fun).parameters.values()
    except (TypeError, ValueError):
        return None
    return sum(1 for p in params if p.default is p.empty
               and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _sweep_targets(module, filler) -> list[tuple[str, int]]:
    """(function name, number of array arguments) for the functions that work on fillers."""
    targets = []
    for name in sorted(dir(module)):
        fun = getattr(module, name)
        if name.startswith("_") or not callable(fun) or isinstance(fun, type):
            continue
        n = _required_positional(fun)
        if not n:
            continue
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                fun(*[filler] * n)
        except Exception:  # needs arguments of another kind (shapes, functions, keys)
            continue
        targets.append((name, n))
    return targets


def _check_refused(fun, n, filler, name):
    failures = []
    for position in range(n):
        for label, bad in BAD_VALUES.items():
            args = [filler] * n
            args[position] = bad
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    fun(*args)
            except (TypeError, ValueError) as err:
                if BARE.search(str(err)):
                    failures.append(f"{name}(arg {position} = {label}): bare message: {err}")
            except Exception as err:  # noqa: BLE001 - the class itself is the failure
                failures.append(f"{name}(arg {position} = {label}): {type(err).__name__}: {err}")
            else:
                failures.append(f"{name}(arg {position} = {label}): accepted")
    return failures


# stop_gradient maps over a pytree (None and dicts are pytrees), as JAX's does
PYTREE_FUNCTIONS = {"stop_gradient"}
# predicates about any Python object answer False for non-arrays, as NumPy's and JAX's do
OBJECT_PREDICATES = {"isscalar", "iterable"}
NUMPY_TARGETS = [t for t in _sweep_targets(fnp, np.ones(3)) if t[0] not in OBJECT_PREDICATES]
LAX_TARGETS = [t for t in _sweep_targets(lax, np.ones(3)) if t[0] not in PYTREE_FUNCTIONS]


def test_sweeps_cover_the_surface():
    assert len(NUMPY_TARGETS) >= 170 and len(LAX_TARGETS) >= 40


@pytest.mark.parametrize("name, n", NUMPY_TARGETS, ids=[t[0] for t in NUMPY_TARGETS])
def test_every_numpy_function_refuses_non_arrays(name, n):
    failures = _check_refused(getattr(fnp, name), n, np.ones(3), f"fnp.{name}")
    assert not failures, "\n".join(failures)
    _sanity()


@pytest.mark.parametrize("name, n", LAX_TARGETS, ids=[t[0] for t in LAX_TARGETS])
def test_every_lax_function_refuses_non_arrays(name, n):
    failures = _check_refused(getattr(lax, name), n, np.ones(3), f"lax.{name}")
    assert not failures, "\n".join(failures)
    _sanity()


# ---------------------------------------------------------------------------------------------
# The table in docs/sharp_bits.md
# ---------------------------------------------------------------------------------------------

ROW = re.compile(r"^\| `(?P<code>[^`]+)` \| `(?P<ftrans>\w+)` \| (?P<jax>[^|]+) \|$", re.M)


def test_sharp_bits_table_shows_what_ftrans_raises():
    text = (ROOT / "docs" / "sharp_bits.md").read_text()
    rows = ROW.findall(text)
    assert len(rows) >= 20
    for code, expected, _ in rows:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                eval(code, dict(NAMESPACE))
            except Exception as err:  # noqa: BLE001 - compared by name below
                assert type(err).__name__ == expected, (code, err)
            else:
                raise AssertionError(f"{code} raised nothing; the page says {expected}")
    counts = re.search(r"(\d+) hand-written cases and (\d+) sweep cases", text)
    assert counts and int(counts.group(1)) == len(HAND)
    sweep = 5 * sum(n for _, n in NUMPY_TARGETS + LAX_TARGETS)
    assert abs(int(counts.group(2)) - sweep) <= 0.1 * sweep
