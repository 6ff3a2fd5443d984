"""Spec table of the windowed reductions (reduce_window and its primitives, select_and_gather_add,
select_and_scatter_add) against a NumPy reference built on sliding_window_view, plus hand
cases: ties, integer dtypes, the transposes' structure, jit == eager, error messages."""

from __future__ import annotations

import itertools
from typing import Any, Callable

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax
from ftrans.test_util import check_grads
from tests.spec_util import OpSpec, call, make_args, make_family_tests, shapes

# ---------------------------------------------------------------------------------------------
# The NumPy reference: pad and dilate with a fill value, take windows, combine them
# ---------------------------------------------------------------------------------------------


def _np_padded(x: np.ndarray, fill: Any, padding, base_dilation) -> np.ndarray:
    """x with base-dilation holes and (lo, hi) padding (negative crops), holding ``fill``."""
    for axis, ((lo, hi), d) in enumerate(zip(padding, base_dilation)):
        n = x.shape[axis]
        size = (n - 1) * d + 1 if n else 0
        shape = list(x.shape)
        shape[axis] = size + max(lo, 0) + max(hi, 0)
        out = np.full(shape, fill, x.dtype)
        index = [slice(None)] * x.ndim
        index[axis] = slice(max(lo, 0), max(lo, 0) + size, d)
        out[tuple(index)] = x
        index[axis] = slice(max(-lo, 0), shape[axis] - max(-hi, 0))
        x = out[tuple(index)]
    return x


def _np_taps(x: np.ndarray, fill: Any, window, strides, padding, base_dilation,
             window_dilation) -> list[np.ndarray]:
    """One array per tap of the window (row-major), each of the output's shape."""
    padded = _np_padded(x, fill, padding, base_dilation)
    spans = [(w - 1) * d + 1 for w, d in zip(window, window_dilation)]
    if any(p < s for p, s in zip(padded.shape, spans)):
        out_shape = tuple(max(0, (p - s) // st + 1) if p >= s else 0
                          for p, s, st in zip(padded.shape, spans, strides))
        return [np.empty(out_shape, x.dtype)] * int(np.prod(window))
    view = np.lib.stride_tricks.sliding_window_view(padded, spans)
    view = view[tuple(slice(None, None, s) for s in strides)]
    return [view[(Ellipsis,) + tuple(k * d for k, d in zip(tap, window_dilation))]
            for tap in itertools.product(*(range(w) for w in window))]


def np_reduce_window(x, init, op, window, strides, padding, base_dilation=None,
                     window_dilation=None):
    """``init`` combined with every real element of each window, by the binary NumPy ``op``
    (padding and holes are skipped)."""
    x = np.asarray(x)
    ones = (1,) * x.ndim
    base_dilation = base_dilation or ones
    window_dilation = window_dilation or ones
    if isinstance(padding, str):
        padding = lax.padtype_to_pads(x.shape, [(w - 1) * d + 1 for w, d in
                                                zip(window, window_dilation)], strides,
                                      padding)
    args = (window, strides, padding, base_dilation, window_dilation)
    values = _np_taps(x, 0, *args)
    real = _np_taps(np.ones(x.shape, bool), False, *args)
    acc = np.full(values[0].shape, init, x.dtype)
    for v, r in zip(values, real):
        acc = np.where(r, op(acc, v), acc).astype(x.dtype)
    return acc


def _distinct(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    """Values at least 0.25 apart: no ties, so finite differences never cross a kink."""
    out = []
    for shape in arg_shapes:
        size = int(np.prod(shape))
        out.append(((rng.permutation(size) - size / 2) * 0.25).reshape(shape).astype(dtype))
    return tuple(out)


def _with_zeros(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
    return tuple((rng.uniform(-1.5, 1.5, s) * (rng.random(s) > 0.3)).astype(dtype)
                 for s in arg_shapes)


def _source_and_operand(window_args: tuple) -> Callable:
    """(source of the windowed shape, distinct operand) for the select_and_* rows."""
    def maker(rng: np.random.Generator, arg_shapes: tuple, dtype: Any) -> tuple:
        (operand,) = _distinct(rng, arg_shapes[1:], dtype)
        out_shape = _np_taps(operand, 0, *_explicit(operand.shape, window_args))[0].shape
        source_shape = out_shape if arg_shapes[0] == "out" else operand.shape
        return rng.uniform(-2, 2, source_shape).astype(dtype), operand
    return maker


def _explicit(shape, window_args):
    window, strides, padding, base_dilation, window_dilation = window_args
    ones = (1,) * len(shape)
    base_dilation = base_dilation or ones
    window_dilation = window_dilation or ones
    if isinstance(padding, str):
        padding = lax.padtype_to_pads(shape, [(w - 1) * d + 1 for w, d in
                                              zip(window, window_dilation)], strides, padding)
    return window, strides, padding, base_dilation, window_dilation


# ---------------------------------------------------------------------------------------------
# The spec table
# ---------------------------------------------------------------------------------------------

RANK2 = shapes(2, 2, 2, 5).map(lambda s: (s,))
RANK3 = shapes(3, 3, 2, 4).map(lambda s: (s,))
F32_64 = (np.float64, np.float32)

# (name, init, lax computation, NumPy op, window args, shapes, extra OpSpec keywords)
CASES = [
    ("sum_valid", 0.0, lax.add, np.add, ((2, 2), (1, 1), "VALID", None, None), RANK2,
     dict(dtypes=F32_64, rtol=1e-5)),
    ("sum_same_strided_dilated", 0.0, lax.add, np.add, ((3, 2), (2, 1), "SAME", None, (1, 2)),
     RANK2, {}),
    ("sum_base_dilation_negative_pad", 0.0, fnp.add, np.add,
     ((2, 3), (1, 2), ((1, -1), (2, 0)), (2, 1), None), RANK2, {}),
    ("sum_int", 0, lax.add, np.add, ((2, 1), (1, 1), "SAME", None, None), RANK2,
     dict(dtypes=(np.int32, np.int64))),
    ("max_pool_2x2", -np.inf, lax.max, np.maximum, ((1, 2, 2), (1, 2, 2), "VALID", None, None),
     RANK3, dict(dtypes=F32_64, make_args=_distinct)),
    ("max_same_window_dilation", -np.inf, lax.max, np.maximum,
     ((2, 2), (1, 2), "SAME", None, (2, 1)), RANK2, dict(make_args=_distinct)),
    ("max_base_dilation_padding", -np.inf, fnp.maximum, np.maximum,
     ((3, 2), (2, 1), ((1, 2), (0, 1)), (2, 1), None), RANK2, dict(make_args=_distinct)),
    ("min_same", np.inf, lax.min, np.minimum, ((2, 3), (2, 2), "SAME_LOWER", None, None),
     RANK2, dict(make_args=_distinct)),
    ("max_int", np.iinfo(np.int64).min, lax.max, np.maximum,
     ((2, 2), (1, 1), "VALID", None, None), RANK2, dict(dtypes=(np.int64,))),
    ("prod_with_zeros", 1.0, lax.mul, np.multiply, ((2, 2), (1, 1), "SAME", None, None), RANK2,
     dict(make_args=_with_zeros)),
    ("fold_general_init", 0.5, lambda a, b: a + 2.0 * b, lambda a, b: a + 2.0 * b,
     ((2, 2), (2, 1), ((1, 0), (0, 1)), None, None), RANK2, {}),
    ("fold_sum_nonidentity_init", 1.0, lax.add, np.add, ((2, 2), (1, 1), "SAME", None, None),
     RANK2, {}),
    ("fold_logaddexp", -np.inf, fnp.logaddexp, np.logaddexp,
     ((2, 2), (1, 1), "VALID", None, None), RANK2, dict(rtol=1e-12)),
]


def _reduce_window_row(name, init, computation, op, window_args, arg_shapes, extra) -> OpSpec:
    return OpSpec(
        f"reduce_window_{name}",
        lambda x, init=init, c=computation, a=window_args: lax.reduce_window(x, init, c, *a),
        lambda x, init=init, op=op, a=window_args: np_reduce_window(x, init, op, *a),
        arg_shapes, **extra)


def _select_rows() -> list[OpSpec]:
    rows = []
    for select, window_args in (("max", ((2, 2), (1, 2), "SAME", None, None)),
                                ("min", ((3, 2), (2, 1), ((1, 1), (0, 1)), (1, 2), (1, 1)))):
        def gather_ref(t, x, select=select, a=window_args):
            choose = np.argmax if select == "max" else np.argmin
            fill = -np.inf if select == "max" else np.inf
            taps = np.stack(_np_taps(x, fill, *_explicit(x.shape, a)), -1)
            picked = choose(taps, axis=-1)[..., None]
            return np.take_along_axis(np.stack(_np_taps(t, 0, *_explicit(x.shape, a)), -1),
                                      picked, -1)[..., 0]

        def scatter_ref(s, x, gather_ref=gather_ref):
            # the transpose of gather_ref, column by column of its matrix
            out = np.zeros(x.shape)
            for i in range(x.size):
                e = np.zeros(x.size)
                e[i] = 1.0
                out.flat[i] = np.sum(s * gather_ref(e.reshape(x.shape), x))
            return out

        rows += [
            OpSpec(f"select_and_gather_add_{select}",
                   lambda t, x, select=select, a=window_args: lax.select_and_gather_add(
                       t, x, select, *a), gather_ref, shapes(2, 2, 2, 5).map(lambda s: (s, s)),
                   make_args=_source_and_operand(window_args)),
            OpSpec(f"select_and_scatter_add_{select}",
                   lambda s, x, select=select, a=window_args: lax.select_and_scatter_add(
                       s, x, select, *a), scatter_ref, shapes(2, 2, 2, 5).map(lambda s: ("out", s)),
                   make_args=_source_and_operand(window_args), vmap=False),
        ]
    return rows


SPECS = [_reduce_window_row(*case) for case in CASES] + _select_rows()
(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_jit_matches_eager(spec: OpSpec) -> None:
    rng = np.random.default_rng(0)
    arg_shapes = ((3, 4), (3, 4)) if spec.name.startswith("select_and_gather") else (
        ("out", (3, 4)) if spec.name.startswith("select") else
        ((2, 3, 4),) if "pool" in spec.name else ((3, 4),))
    args = make_args(spec, rng, arg_shapes, spec.dtypes[0])
    eager = call(spec, *args)
    np.testing.assert_allclose(ft.jit(lambda *a: call(spec, *a))(*args), eager, rtol=1e-12)


def test_select_and_scatter_add_vmap_matches_loop() -> None:
    x = _distinct(np.random.default_rng(1), ((3, 4, 5),), np.float64)[0]
    ct = np.random.default_rng(2).normal(size=(3, 2, 3))
    f = lambda c, x: lax.select_and_scatter_add(c, x, "max", (2, 2), (2, 2), "SAME")  # noqa: E731
    for in_axes in ((0, 0), (None, 0), (0, None)):
        cs = ct if in_axes[0] == 0 else ct[0]
        xs = x if in_axes[1] == 0 else x[0]
        expected = np.stack([f(cs[i] if in_axes[0] == 0 else cs, xs[i] if in_axes[1] == 0
                               else xs) for i in range(3)])
        np.testing.assert_allclose(ft.vmap(f, in_axes=in_axes)(cs, xs), expected)


# ---------------------------------------------------------------------------------------------
# Hand cases
# ---------------------------------------------------------------------------------------------


def test_max_ties_go_to_the_first_element_of_each_window() -> None:
    x = np.array([1.0, 1.0, 1.0, 0.0, 2.0, 2.0])
    f = lambda x: lax.reduce_window(x, -np.inf, lax.max, (3,), (1,), "VALID")  # noqa: E731
    np.testing.assert_array_equal(ft.grad(lambda x: fnp.sum(f(x)))(x), [1, 1, 0, 0, 2, 0])
    _, t = ft.jvp(f, (x,), (np.arange(6.0),))
    np.testing.assert_array_equal(t, [0.0, 1.0, 4.0, 4.0])


def test_max_pooling_second_derivatives() -> None:
    x = _distinct(np.random.default_rng(3), ((2, 5, 4, 2),), np.float64)[0]
    f = lambda x: fnp.sum(fnp.sin(ft.nn.max_pool(x, (2, 2), (2, 1), "SAME")) ** 2)  # noqa: E731
    check_grads(f, (x,), order=2)
    hess = ft.hessian(f)(x[:1, :3, :3, :1])
    assert hess.shape == (1, 3, 3, 1) * 2
    np.testing.assert_allclose(ft.jit(ft.grad(f))(x), ft.grad(f)(x))
    # the backward pass is one select_and_scatter_add, whose own transpose is the gather
    program = str(ft.make_jaxpr(ft.grad(f))(x))
    assert "select_and_scatter_add" in program and "reduce_window_max" in program


def test_sum_transpose_is_a_window_sum_of_the_padded_cotangent() -> None:
    x = np.random.default_rng(4).normal(size=(5, 6))
    f = lambda x: lax.reduce_window_sum(x, (2, 3), (2, 2), ((1, 2), (0, 1)), (2, 1), (1, 2))  # noqa: E731,E501
    out = f(x)
    ct = np.random.default_rng(5).normal(size=out.shape)
    vjp = ft.vjp(f, x)[1]
    # <ct, f(x)> = <vjp(ct), x> (f is linear), and the vjp is transposable again
    np.testing.assert_allclose(np.sum(ct * out), np.sum(vjp(ct)[0] * x))
    check_grads(lambda c: vjp(c)[0], (ct,), order=1)
    program = str(ft.make_jaxpr(vjp)(ct))
    assert "reduce_window_sum" in program and "pad" in program


def test_empty_windows_and_windows_larger_than_the_input() -> None:
    x = np.arange(3.0)
    assert lax.reduce_window(x, 0.0, lax.add, (5,), (1,), "VALID").shape == (0,)
    assert ft.grad(lambda x: fnp.sum(lax.reduce_window_max(x, (5,))))(x).tolist() == [0.0] * 3
    np.testing.assert_array_equal(lax.reduce_window_max(x, (5,), (1,), "SAME"), [2.0, 2.0, 2.0])


def test_dtypes_are_kept() -> None:
    x = np.arange(12, dtype=np.int8).reshape(3, 4)
    assert lax.reduce_window(x, 0, lax.add, (2, 2), (1, 1), "VALID").dtype == np.int8
    assert lax.reduce_window_max(x.astype(np.float32), (2, 2)).dtype == np.float32
    assert lax.reduce_window(x > 5, False, lax.max, (2, 2), (1, 1), "VALID").dtype == bool


def test_pytree_operands_fold_together() -> None:
    x, y = np.arange(5.0), np.arange(5.0)[::-1].copy()
    out = lax.reduce_window((x, y), (0.0, 1.0), lambda a, b: (a[0] + b[0], a[1] * b[1]),
                            (2,), (1,), "VALID")
    np.testing.assert_array_equal(out[0], x[:-1] + x[1:])
    np.testing.assert_array_equal(out[1], y[:-1] * y[1:])


def test_shape_tuple_and_padtype_to_pads() -> None:
    assert lax.reduce_window_shape_tuple((7, 5), (3, 2), (2, 1), ((1, 1), (0, 0))) == (4, 4)
    assert lax.reduce_window_shape_tuple((4,), (2,), (1,), ((0, 0),), (2,), (2,)) == (5,)
    assert lax.padtype_to_pads((5,), (3,), (2,), "SAME") == [(1, 1)]
    assert lax.padtype_to_pads((4,), (3,), (1,), "SAME_LOWER") == [(1, 1)]
    assert lax.padtype_to_pads((4,), (2,), (1,), "SAME_LOWER") == [(1, 0)]


@pytest.mark.parametrize("call_, match", [
    (lambda x: lax.reduce_window(x, 0.0, lax.add, (2,), (1,), "VALID"),
     "window_dimensions .* 1 entries but the operand has 2 axes"),
    (lambda x: lax.reduce_window(x, 0.0, lax.add, (2, 2), (1, -1), "VALID"),
     "window_strides must be a positive int"),
    (lambda x: lax.reduce_window(x, 0.0, lax.add, (0, 2), (1, 1), "VALID"),
     "window_dimensions must be a positive int"),
    (lambda x: lax.reduce_window(x, 0.0, lax.add, (2, 2), (1, 1, 1), "VALID"),
     "window_strides .* has 3 entries"),
    (lambda x: lax.reduce_window(x, 0.0, lax.add, (2, 2), (1, 1), ((1, 1),)),
     "padding has 1 entries"),
    (lambda x: lax.reduce_window(x, 0.0, lax.add, (2, 2), (1, 1), "FULL"),
     "padding must be 'VALID', 'SAME'"),
    (lambda x: lax.reduce_window(x, np.zeros(2), lax.add, (2, 2), (1, 1), "VALID"),
     "init_value must be a scalar"),
    (lambda x: lax.reduce_window(x.astype(int), -np.inf, lax.max, (2, 2), (1, 1), "VALID"),
     "not representable"),
    (lambda x: lax.reduce_window(x, 0.0, lambda a, b: fnp.sum(a + b), (2, 2), (1, 1),
                                 "VALID"), "computation must return"),
    (lambda x: lax.reduce_window(x, 0.0, lax.add, (2, 2), (1, 1), ((-5, 0), (0, 0))),
     "crops more than the axis holds"),
    (lambda x: lax.reduce_window_max(x + 1j, (2, 2)), "real"),
    (lambda x: lax.select_and_scatter_add(x, x, "max", (2, 2), (1, 1)), "must have shape"),
    (lambda x: lax.select_and_gather_add(x, x, "mean", (2, 2), (1, 1)), "'max' or 'min'"),
])
def test_bad_arguments_raise_clear_errors(call_, match) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call_(np.ones((3, 4)))
    # the library is left in a clean state
    assert lax.reduce_window_sum(np.ones(3), (2,)).tolist() == [2.0, 2.0]
