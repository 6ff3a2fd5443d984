"""The machinery of the per-family spec tables.

A family's test module lists one :class:`OpSpec` per function and gets, from
:func:`make_family_tests`, four hypothesis-driven tests over the whole table: the value matches
the NumPy oracle; ``abstract_eval`` (via ``make_jaxpr``) predicts the real shape and dtype;
``check_grads`` passes in both modes to the row's order; ``vmap`` equals a Python loop for the
batch axis at the front, in the middle, at the end, and with some arguments unbatched.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftrans as ft
from ftrans.test_util import check_grads

Shapes = tuple[tuple[int, ...], ...]

# ---------------------------------------------------------------------------------------------
# Shape strategies
# ---------------------------------------------------------------------------------------------


def shapes(min_rank: int = 0, max_rank: int = 3, min_side: int = 1, max_side: int = 4
           ) -> st.SearchStrategy[tuple[int, ...]]:
    return st.lists(st.integers(min_side, max_side), min_size=min_rank,
                    max_size=max_rank).map(tuple)


def unary_shapes(**kw: int) -> st.SearchStrategy[Shapes]:
    return shapes(**kw).map(lambda s: (s,))


@st.composite
def broadcasting_shapes(draw: Any, n: int = 2, max_rank: int = 3) -> Shapes:
    """``n`` shapes that broadcast together: some drop leading axes, some have size-1 axes."""
    base = draw(shapes(0, max_rank))
    out = []
    for _ in range(n):
        drop = draw(st.integers(0, len(base)))
        s = list(base[drop:])
        for i in range(len(s)):
            if draw(st.booleans()) and draw(st.booleans()):
                s[i] = 1
        out.append(tuple(s))
    return tuple(out)


def same_shapes(n: int = 2, **kw: int) -> st.SearchStrategy[Shapes]:
    return shapes(**kw).map(lambda s: (s,) * n)


# ---------------------------------------------------------------------------------------------
# The spec row
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class OpSpec:
    """One function under test.

    ``fun`` and ``reference`` take the same positional arrays (``params`` are passed to both as
    keywords). ``arg_shapes`` draws a tuple of shapes, one per array argument. Values are
    uniform in ``domain`` (integers for integer dtypes). ``grad_order`` 0 means not
    differentiable. ``make_args(rng, shapes)`` overrides the default argument maker.
    """

    name: str
    fun: Callable[..., Any]
    reference: Callable[..., Any]
    arg_shapes: st.SearchStrategy[Shapes]
    dtypes: tuple[Any, ...] = (np.float64,)
    domain: tuple[float, float] = (-2.0, 2.0)
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    grad_order: int = 2
    grad_modes: tuple[str, ...] = ("fwd", "rev")
    rtol: float = 1e-7
    grad_tol: float | None = None
    make_args: Callable[[np.random.Generator, Shapes, Any], tuple[Any, ...]] | None = None
    vmap: bool = True
    zero_derivative: bool = False  # piecewise constant or stop_gradient: jvp must be exactly 0

    def __str__(self) -> str:
        return self.name


def _default_args(spec: OpSpec, rng: np.random.Generator, arg_shapes: Shapes,
                  dtype: Any) -> tuple[Any, ...]:
    dtype = np.dtype(dtype)
    lo, hi = spec.domain
    out = []
    for shape in arg_shapes:
        if dtype.kind == "b":
            x = rng.random(shape) < 0.5
        elif dtype.kind == "c":
            x = (rng.uniform(lo, hi, size=shape)
                 + 1j * rng.uniform(lo, hi, size=shape)).astype(dtype)
        elif dtype.kind in "iu":
            x = rng.integers(int(lo), int(hi) + 1, size=shape).astype(dtype)
        else:
            x = rng.uniform(lo, hi, size=shape).astype(dtype)
        out.append(x if shape else x[()])
    return tuple(out)


def make_args(spec: OpSpec, rng: np.random.Generator, arg_shapes: Shapes,
              dtype: Any) -> tuple[Any, ...]:
    if spec.make_args is not None:
        return tuple(spec.make_args(rng, arg_shapes, dtype))
    return _default_args(spec, rng, arg_shapes, dtype)


@st.composite
def spec_case(draw: Any, spec: OpSpec) -> tuple[tuple[Any, ...], Shapes, Any]:
    """(arguments, their shapes, the dtype they were made with)."""
    arg_shapes = draw(spec.arg_shapes)
    dtype = draw(st.sampled_from(spec.dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return make_args(spec, rng, arg_shapes, dtype), arg_shapes, dtype


def spec_args(spec: OpSpec) -> st.SearchStrategy[tuple[Any, ...]]:
    return spec_case(spec).map(lambda case: case[0])


def call(spec: OpSpec, *args: Any) -> Any:
    return spec.fun(*args, **spec.params)


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------


def assert_same(actual: Any, expected: Any, rtol: float, what: str) -> None:
    actual_leaves = ft.tree_util.tree_leaves(actual)
    expected_leaves = ft.tree_util.tree_leaves(expected)
    assert len(actual_leaves) == len(expected_leaves), what
    for a, e in zip(actual_leaves, expected_leaves):
        a, e = np.asarray(a), np.asarray(e)
        assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
        assert a.dtype == e.dtype, f"{what}: dtype {a.dtype} != {e.dtype}"
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(a, e, rtol=rtol, atol=rtol, err_msg=what)
        else:
            np.testing.assert_array_equal(a, e, err_msg=what)


def check_reference(spec: OpSpec, args: tuple[Any, ...]) -> None:
    with np.errstate(all="ignore"):
        expected = spec.reference(*args, **spec.params)
        actual = call(spec, *args)
    assert not isinstance(actual, ft.core.Tracer)
    assert_same(actual, expected, spec.rtol, f"{spec.name} vs NumPy")


def check_abstract_eval(spec: OpSpec, args: tuple[Any, ...]) -> None:
    with np.errstate(all="ignore"):
        actual = call(spec, *args)
    closed = ft.make_jaxpr(lambda *a: call(spec, *a))(*args)
    leaves = ft.tree_util.tree_leaves(actual)
    predicted = closed.out_avals
    assert len(predicted) == len(leaves)
    for aval, leaf in zip(predicted, leaves):
        leaf = np.asarray(leaf)
        assert aval.shape == leaf.shape, f"{spec.name}: abstract shape {aval} vs {leaf.shape}"
        assert aval.dtype == leaf.dtype, f"{spec.name}: abstract dtype {aval} vs {leaf.dtype}"
    ft.ir.typecheck(closed)


def _upcast(x: Any) -> Any:
    x = np.asarray(x)
    out = x.astype({"f": np.float64, "c": np.complex128}[x.dtype.kind]) \
        if x.dtype.kind in "fc" else x
    return out if out.ndim else out[()]


def check_spec_grads(spec: OpSpec, args: tuple[Any, ...]) -> None:
    """Derivatives of the float and complex arguments (others are held fixed), checked in
    float64 / complex128 so that finite differences are accurate; the tangent of a float32
    function must stay float32."""
    if spec.grad_order == 0:
        return
    float_pos = [i for i, a in enumerate(args) if np.asarray(a).dtype.kind in "fc"]
    if not float_pos:
        return

    def fun(*float_args: Any) -> Any:
        full = list(args)
        for i, a in zip(float_pos, float_args):
            full[i] = a
        return call(spec, *full)

    float_args = tuple(args[i] for i in float_pos)
    out = fun(*float_args)
    _, out_dot = ft.jvp(fun, float_args, float_args)
    for o, t in zip(ft.tree_util.tree_leaves(out), ft.tree_util.tree_leaves(out_dot)):
        o, t = np.asarray(o), np.asarray(t)
        if o.dtype.kind in "fc":
            assert t.dtype == o.dtype, f"{spec.name}: tangent dtype {t.dtype} != {o.dtype}"
        else:
            assert t.dtype == ft.float0, f"{spec.name}: tangent of a {o.dtype} output"
    if spec.zero_derivative:
        for t in ft.tree_util.tree_leaves(out_dot):
            np.testing.assert_array_equal(t, np.zeros_like(t))
        cts = ft.vjp(fun, *float_args)[1](out)
        for ct in ft.tree_util.tree_leaves(cts):
            np.testing.assert_array_equal(ct, np.zeros_like(ct))
        return
    if not all(np.asarray(o).dtype.kind in "fc" for o in ft.tree_util.tree_leaves(out)):
        return
    wide = tuple(_upcast(a) for a in float_args)
    check_grads(fun, wide, spec.grad_order, spec.grad_modes, atol=spec.grad_tol,
                rtol=spec.grad_tol)


def check_vmap(spec: OpSpec, case: tuple[tuple[Any, ...], Shapes, Any],
               rng: np.random.Generator) -> None:
    """``vmap`` over a batch of 3 equals stacking a loop; random axes, some args unbatched."""
    if not spec.vmap:
        return
    args, arg_shapes, dtype = case
    size = 3
    members = [list(make_args(spec, rng, arg_shapes, dtype)) for _ in range(size)]
    in_axes: list[int | None] = []
    batched_args = []
    for i, a in enumerate(args):
        if len(args) > 1 and rng.random() < 0.3:
            in_axes.append(None)  # unbatched: every member sees the same value
            batched_args.append(a)
            for m in members:
                m[i] = a
            continue
        axis = int(rng.integers(0, np.ndim(a) + 1))
        in_axes.append(axis if rng.random() < 0.5 else axis - np.ndim(a) - 1)
        batched_args.append(np.stack([np.asarray(m[i]) for m in members], axis=axis))
    if all(ax is None for ax in in_axes):
        return
    with np.errstate(all="ignore"):
        expected = [call(spec, *m) for m in members]
        actual = ft.vmap(lambda *a: call(spec, *a), in_axes=tuple(in_axes))(*batched_args)
    stacked = ft.tree_util.tree_map(lambda *xs: np.stack([np.asarray(x) for x in xs]),
                                    *expected)
    assert_same(actual, stacked, max(spec.rtol, 1e-12),
                f"vmap of {spec.name}, in_axes={in_axes}")


# ---------------------------------------------------------------------------------------------
# Test generation
# ---------------------------------------------------------------------------------------------

_SETTINGS = settings(max_examples=8, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def make_family_tests(specs: list[OpSpec], max_examples: int = 8) -> tuple[Callable, ...]:
    """The four table-driven tests for ``specs``: assign them to ``test_*`` names. Long
    tables of costly functions may draw fewer ``max_examples`` per test (half as many for
    the gradient checks)."""
    checks = settings(_SETTINGS, max_examples=max_examples)
    grad_checks = settings(_SETTINGS, max_examples=max(1, max_examples // 2))
    ids = [s.name for s in specs]
    assert len(set(ids)) == len(ids), "spec names must be unique"
    parametrize = pytest.mark.parametrize("spec", specs, ids=ids)

    @parametrize
    @checks
    @given(data=st.data())
    def test_matches_numpy(spec: OpSpec, data: Any) -> None:
        check_reference(spec, data.draw(spec_args(spec)))

    @parametrize
    @checks
    @given(data=st.data())
    def test_abstract_eval_matches_impl(spec: OpSpec, data: Any) -> None:
        check_abstract_eval(spec, data.draw(spec_args(spec)))

    @parametrize
    @grad_checks
    @given(data=st.data())
    def test_grads(spec: OpSpec, data: Any) -> None:
        check_spec_grads(spec, data.draw(spec_args(spec)))

    @parametrize
    @checks
    @given(data=st.data(), seed=st.integers(0, 2**32 - 1))
    def test_vmap_matches_loop(spec: OpSpec, data: Any, seed: int) -> None:
        check_vmap(spec, data.draw(spec_case(spec)), np.random.default_rng(seed))

    return test_matches_numpy, test_abstract_eval_matches_impl, test_grads, test_vmap_matches_loop
