"""The per-call paths every transformation takes before and after tracing (argument
flattening, argnums, the trace scope, the output cotangent of grad) give the general paths'
results and errors."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.api_util import flatten_args
from ftrans.core import EvalTrace, current_trace, eval_trace, new_trace
from ftrans.interpreters.jvp import JVPTrace
from ftrans.tree_util import tree_flatten

LEAVES = [np.float64(1.5), np.float32(2.0), np.int64(3), np.bool_(True), np.complex128(1j),
          np.zeros(3), np.ones((2, 2), np.float32), np.zeros(0)]


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_flat_arguments_flatten_as_the_general_path(n):
    args = tuple(LEAVES[i % len(LEAVES)] for i in range(n))
    leaves, tree = flatten_args(args, "grad")
    expected_leaves, expected_tree = tree_flatten(args)
    assert tree == expected_tree
    assert all(a is b for a, b in zip(leaves, expected_leaves)) and len(leaves) == n


def test_mixed_arguments_still_convert_and_check():
    leaves, tree = flatten_args((1.0, np.zeros(2), (np.float64(3.0), 2)), "grad")
    assert [type(x) for x in leaves] == [np.float64, np.ndarray, np.float64, np.int64]
    assert tree == tree_flatten((1.0, np.zeros(2), (np.float64(3.0), 2)))[1]
    with pytest.raises(TypeError, match="object array"):
        flatten_args((np.zeros(2), np.array([None])), "grad")
    with pytest.raises(TypeError, match="grad: argument 1"):
        flatten_args((np.zeros(2), "text"), "grad")


@pytest.mark.parametrize("argnums, expected", [(0, 3.0), (1, 2.0), (-1, 2.0), (-2, 3.0),
                                               (np.int64(1), 2.0), ((1,), (2.0,))])
def test_argnums_of_every_form(argnums, expected):
    g = ft.grad(lambda x, y: x * y, argnums=argnums)(np.float64(2.0), np.float64(3.0))
    assert g == expected
    if isinstance(expected, tuple):
        assert type(g) is tuple and type(g[0]) is np.float64
    else:
        assert type(g) is np.float64


@pytest.mark.parametrize("argnums, error", [(2, "out of range"), (True, "must be ints"),
                                            ((), "empty")])
def test_bad_argnums_are_named(argnums, error):
    with pytest.raises((TypeError, ValueError), match=error):
        ft.grad(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.complex128])
def test_the_output_cotangent_has_the_outputs_dtype(dtype):
    g = ft.grad(lambda x: x, holomorphic=dtype is np.complex128)(dtype(2.0))
    assert type(g) is dtype and g == 1
    assert ft.grad(lambda x: 3.0 * x)(np.float32(1.0)) == 3.0  # the shared one is not mutated
    assert ft.grad(lambda x: x)(np.float32(5.0)) == 1.0


def test_a_trace_scope_makes_its_trace_on_entry_and_finishes_it_on_error():
    scope = new_trace(JVPTrace, "test")
    assert current_trace() is eval_trace
    with pytest.raises(ZeroDivisionError):
        with scope as trace:
            assert current_trace() is trace and trace.parent is eval_trace
            assert not gc.isenabled()  # paused while it runs
            raise ZeroDivisionError("inside the block")
    assert current_trace() is eval_trace and not trace.is_alive
    assert gc.isenabled()
    with new_trace(JVPTrace, "outer") as outer, new_trace(JVPTrace, "inner") as inner:
        assert inner.parent is outer and isinstance(outer.parent, EvalTrace)
    assert ft.grad(fnp.sin)(0.0) == 1.0  # the next call works


def _take(a, ax, i):
    return a if ax is None else np.take(a, i, axis=ax)


@pytest.mark.parametrize("in_axes", [0, 1, -1, (0, None), (1, 0), (None, -2), [0, 1]])
def test_vmap_of_flat_array_arguments_maps_the_axes_a_loop_does(in_axes):
    x, y = np.arange(9.0).reshape(3, 3), np.arange(9.0).reshape(3, 3).T + 1.0
    axes = tuple(in_axes) if isinstance(in_axes, (tuple, list)) else (in_axes, in_axes)
    out = ft.vmap(lambda a, b: a * b + fnp.sin(a), in_axes=in_axes)(x, y)
    loop = np.stack([_take(x, axes[0], i) * _take(y, axes[1], i) + np.sin(_take(x, axes[0], i))
                     for i in range(3)])
    np.testing.assert_array_equal(out, loop)


@pytest.mark.parametrize("out_axes", [0, 1, -1])
def test_vmap_out_axes_of_one_output(out_axes):
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(ft.vmap(fnp.sin, out_axes=out_axes)(x),
                                  np.moveaxis(np.sin(x), 0, out_axes))
    assert ft.vmap(lambda a: None)(x) is None
    with pytest.raises(ValueError, match="out_axes=None"):
        ft.vmap(fnp.sin, out_axes=None)(x)
    np.testing.assert_array_equal(ft.vmap(lambda a: a * 0.0 + 1.0, in_axes=None, out_axes=None,
                                          axis_size=2)(x), np.ones((2, 3)))


def test_vmap_keeps_its_errors_for_bad_axes():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="in_axes"):
        ft.vmap(lambda a, b: a + b, in_axes=(0, 0, 0))(x, x)
    with pytest.raises(ValueError, match="rank"):
        ft.vmap(fnp.sin, in_axes=2)(x)
    with pytest.raises(ValueError, match="out_axes"):
        ft.vmap(lambda a: (a, a), out_axes=(0, 0, 0))(x)
    with pytest.raises(TypeError, match="in_axes"):
        ft.vmap(fnp.sin, in_axes=1.5)(x)
