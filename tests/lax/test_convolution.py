"""Spec table of conv_general_dilated (and conv, conv_with_general_padding, conv_transpose) over
layouts, strides, padding, dilations and groups, checked against a loop-per-output reference
written here from the definition; plus hypothesis-drawn configurations (values, the adjoint
identity of both transposes, jit), every algorithm, and the error messages."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftrans as ft
from ftrans import lax
from ftrans.lax import convolution
from ftrans.test_util import check_grads
from tests.spec_util import OpSpec, make_family_tests

# ---------------------------------------------------------------------------------------------
# The reference: the definition, one output position at a time
# ---------------------------------------------------------------------------------------------


def _canonical_order(layout: str, roles: str, kernel_layout: str) -> list[int]:
    """Axes of ``layout`` in the order (role 0, role 1, spatial in the kernel's order)."""
    spatial = [c for c in kernel_layout if c not in "OI"]
    return [layout.index(roles[0]), layout.index(roles[1])] + [layout.index(c) for c in spatial]


def _dilate_array(x: np.ndarray, dilation: tuple[int, ...]) -> np.ndarray:
    sizes = [(s - 1) * d + 1 if s else 0 for s, d in zip(x.shape[2:], dilation)]
    out = np.zeros(x.shape[:2] + tuple(sizes), x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(None, None, d) for d in dilation)] = x
    return out


def _pad_array(x: np.ndarray, padding: list[tuple[int, int]]) -> np.ndarray:
    for axis, (lo, hi) in enumerate(padding, start=2):
        widths = [(0, 0)] * x.ndim
        widths[axis] = (max(lo, 0), max(hi, 0))
        x = np.pad(x, widths)
        stop = x.shape[axis] - max(-hi, 0)
        x = np.take(x, np.arange(max(-lo, 0), stop), axis=axis)
    return x


def reference_conv(lhs: np.ndarray, rhs: np.ndarray, strides: tuple[int, ...], padding: Any,
                   lhs_dilation: Any = None, rhs_dilation: Any = None,
                   layouts: tuple[str, str, str] | None = None, feature_groups: int = 1,
                   batch_groups: int = 1) -> np.ndarray:
    n = lhs.ndim - 2
    if layouts is None:
        spatial = "".join("DHWXYZ"[:n])
        layouts = ("NC" + spatial, "OI" + spatial, "NC" + spatial)
    lhs_layout, rhs_layout, out_layout = layouts
    x = np.transpose(lhs, _canonical_order(lhs_layout, "NC", rhs_layout))
    w = np.transpose(rhs, _canonical_order(rhs_layout, "OI", rhs_layout))
    lhs_dilation = lhs_dilation or (1,) * n
    rhs_dilation = rhs_dilation or (1,) * n
    windows = [(k - 1) * d + 1 for k, d in zip(w.shape[2:], rhs_dilation)]
    if isinstance(padding, str):
        pads = []
        for size, window, stride in zip(x.shape[2:], windows, strides):
            total = max((-(-size // stride) - 1) * stride + window - size, 0) if padding != \
                "VALID" else 0
            lo = total // 2 if padding in ("SAME", "VALID") else total - total // 2
            pads.append((lo, total - lo))
        padding = pads
    xp = _pad_array(_dilate_array(x, lhs_dilation), list(padding))
    wd = _dilate_array(w, rhs_dilation)
    out_sizes = [max(0, (p - k) // s + 1) for p, k, s in zip(xp.shape[2:], windows, strides)]
    batch, out_features = x.shape[0] // batch_groups, w.shape[0]
    out = np.zeros((batch, out_features) + tuple(out_sizes), np.result_type(lhs, rhs))
    in_per_group = x.shape[1] // feature_groups
    out_per_group = out_features // max(feature_groups, batch_groups)
    for position in np.ndindex(*out_sizes):
        window = xp[(slice(None), slice(None)) + tuple(
            slice(y * s, y * s + k) for y, s, k in zip(position, strides, windows))]
        for g in range(max(feature_groups, batch_groups)):
            outs = slice(g * out_per_group, (g + 1) * out_per_group)
            if batch_groups > 1:
                part = window[g * batch:(g + 1) * batch]
            else:
                part = window[:, g * in_per_group:(g + 1) * in_per_group]
            value = np.tensordot(part, wd[outs], axes=(range(1, n + 2), range(1, n + 2)))
            out[(slice(None), outs) + position] = value
    return np.transpose(out, np.argsort(_canonical_order(out_layout, "NC", rhs_layout)))


def test_reference_against_plain_loops() -> None:
    """The reference itself, on a plain 2-d correlation, against the textbook sum."""
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2))
    expected = np.zeros((2, 4, 5, 5))
    for n, o, i, j in np.ndindex(*expected.shape):
        expected[n, o, i, j] = sum(x[n, c, i + a, j + b] * w[o, c, a, b]
                                   for c in range(3) for a in range(3) for b in range(2))
    np.testing.assert_allclose(reference_conv(x, w, (1, 1), "VALID"), expected, rtol=1e-12)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 1)))
    np.testing.assert_allclose(reference_conv(x, w, (2, 1), [(1, 1), (0, 1)]),
                               reference_conv(padded, w, (1, 1), "VALID")[:, :, ::2],
                               rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# The spec table
# ---------------------------------------------------------------------------------------------

F32_64 = (np.float64, np.float32)


def _shapes(lhs: tuple[int, ...], rhs: tuple[int, ...], axis: int) -> st.SearchStrategy:
    """Fixed operand shapes, the input's spatial ``axis`` longer by up to 2."""
    return st.integers(0, 2).map(
        lambda extra: (lhs[:axis] + (lhs[axis] + extra,) + lhs[axis + 1:], rhs))


def _row(name: str, lhs: tuple[int, ...], rhs: tuple[int, ...], strides: tuple[int, ...],
         padding: Any, dtypes: tuple = (np.float64,), **kw: Any) -> OpSpec:
    layouts = kw.pop("layouts", None)

    def fun(x: Any, w: Any) -> Any:
        return lax.conv_general_dilated(x, w, strides, padding, dimension_numbers=layouts,
                                        **kw)

    def reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return reference_conv(x, w, strides, padding, kw.get("lhs_dilation"),
                              kw.get("rhs_dilation"), layouts, kw.get("feature_group_count", 1),
                              kw.get("batch_group_count", 1))

    spatial_axis = 2 if layouts is None else min(
        i for i, c in enumerate(layouts[0]) if c not in "NC")
    return OpSpec(name, fun, reference, _shapes(lhs, rhs, spatial_axis), dtypes,
                  rtol=1e-4 if np.float32 in dtypes else 1e-10)


SPECS = [
    _row("1d_valid", (2, 3, 6), (4, 3, 3), (1,), "VALID", F32_64),
    _row("1d_same_strided", (2, 2, 7), (3, 2, 3), (2,), "SAME"),
    _row("1d_same_lower_dilated", (1, 2, 7), (2, 2, 2), (1,), "SAME_LOWER", rhs_dilation=(2,)),
    _row("1d_lhs_dilation_negative_pad", (2, 2, 5), (2, 2, 3), (1,), [(-1, 2)],
         lhs_dilation=(2,)),
    _row("2d_nchw_same", (2, 3, 5, 4), (4, 3, 3, 3), (2, 1), "SAME", F32_64),
    _row("2d_nhwc_hwio", (2, 5, 4, 3), (3, 2, 3, 2), (1, 2), "VALID",
         layouts=("NHWC", "HWIO", "NHWC")),
    _row("2d_mixed_layouts", (2, 4, 3, 5), (2, 3, 2, 3), (1, 1), [(1, 0), (0, 1)],
         layouts=("NWCH", "OHWI", "HCNW")),
    _row("2d_dilations", (1, 2, 5, 5), (2, 2, 2, 3), (2, 1), [(1, 1), (2, 0)],
         lhs_dilation=(1, 2), rhs_dilation=(2, 1)),
    _row("2d_feature_groups", (2, 4, 4, 4), (6, 2, 2, 2), (1, 1), "SAME", feature_group_count=2),
    _row("2d_depthwise", (2, 3, 4, 4), (6, 1, 3, 3), (1, 1), "SAME", feature_group_count=3),
    _row("2d_batch_groups", (4, 3, 4, 4), (4, 3, 2, 2), (1, 2), "VALID", batch_group_count=2),
    _row("3d", (1, 2, 3, 4, 3), (2, 2, 2, 2, 2), (1, 2, 1), [(0, 1), (1, 0), (1, 1)],
         rhs_dilation=(1, 1, 2)),
    _row("3d_ndhwc_groups", (2, 3, 3, 3, 4), (2, 2, 2, 2, 4), (1, 1, 1), "SAME",
         layouts=("NDHWC", "DHWIO", "NDHWC"), feature_group_count=2),
]

(test_matches_numpy, test_abstract_eval_matches_impl, test_grads,
 test_vmap_matches_loop) = make_family_tests(SPECS)


# ---------------------------------------------------------------------------------------------
# Drawn configurations: value, the adjoint identity of both transposes, jit
# ---------------------------------------------------------------------------------------------


@st.composite
def configurations(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 2))
    spatial = "HW"[:n]
    layouts = tuple("".join(draw(st.permutations(roles + spatial))) for roles in ("NC", "OI", "NC"))
    groups = draw(st.sampled_from([(1, 1), (2, 1), (1, 2)]))
    feature_groups, batch_groups = groups
    batch = draw(st.integers(1, 2)) * batch_groups
    in_per_group = draw(st.integers(1, 2))
    out_features = draw(st.integers(1, 2)) * max(groups)
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(n))
    sizes = tuple(draw(st.integers(1, 5)) for _ in range(n))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(n))
    lhs_dilation = tuple(draw(st.integers(1, 2)) for _ in range(n))
    rhs_dilation = tuple(draw(st.integers(1, 2)) for _ in range(n))
    if all(d == 1 for d in lhs_dilation) and draw(st.booleans()):
        padding: Any = draw(st.sampled_from(["SAME", "VALID", "SAME_LOWER"]))
    else:
        padding = tuple((draw(st.integers(-1, 2)), draw(st.integers(-1, 2))) for _ in range(n))
        for size, d, (lo, hi) in zip(sizes, lhs_dilation, padding):
            if (size - 1) * d + 1 + lo + hi < 0:
                padding = tuple((0, 0) for _ in range(n))
    canonical_lhs = (batch, in_per_group * feature_groups) + sizes
    canonical_rhs = (out_features, in_per_group) + kernel
    lhs_order = _canonical_order(layouts[0], "NC", layouts[1])
    rhs_order = _canonical_order(layouts[1], "OI", layouts[1])
    lhs_shape = [0] * (n + 2)
    rhs_shape = [0] * (n + 2)
    for i, axis in enumerate(lhs_order):
        lhs_shape[axis] = canonical_lhs[i]
    for i, axis in enumerate(rhs_order):
        rhs_shape[axis] = canonical_rhs[i]
    return dict(lhs_shape=tuple(lhs_shape), rhs_shape=tuple(rhs_shape), strides=strides,
                padding=padding, lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation,
                layouts=layouts, feature_groups=feature_groups, batch_groups=batch_groups,
                seed=draw(st.integers(0, 2**16)))


def _apply(config: dict[str, Any], x: Any, w: Any) -> Any:
    return lax.conv_general_dilated(
        x, w, config["strides"], config["padding"], config["lhs_dilation"],
        config["rhs_dilation"], config["layouts"], config["feature_groups"],
        config["batch_groups"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configurations())
def test_drawn_configurations(config: dict[str, Any]) -> None:
    rng = np.random.default_rng(config["seed"])
    x, w = rng.normal(size=config["lhs_shape"]), rng.normal(size=config["rhs_shape"])
    out = _apply(config, x, w)
    expected = reference_conv(x, w, config["strides"], config["padding"],
                              config["lhs_dilation"], config["rhs_dilation"],
                              config["layouts"], config["feature_groups"],
                              config["batch_groups"])
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ft.jit(lambda x, w: _apply(config, x, w))(x, w), out,
                               rtol=1e-12, atol=1e-12)
    # bilinear: <conv(x, w), g> = <x, vjp_x(g)> = <w, vjp_w(g)>, so each transpose is exact
    g = rng.normal(size=np.shape(out))
    _, vjp_x = ft.vjp(lambda x: _apply(config, x, w), x)
    _, vjp_w = ft.vjp(lambda w: _apply(config, x, w), w)
    (ct_x,), (ct_w,) = vjp_x(g), vjp_w(g)
    assert ct_x.shape == x.shape and ct_w.shape == w.shape
    inner = float(np.sum(out * g))
    np.testing.assert_allclose(float(np.sum(x * ct_x)), inner, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(float(np.sum(w * ct_w)), inner, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Wrappers
# ---------------------------------------------------------------------------------------------


def test_conv_and_general_padding_wrappers() -> None:
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(4, 3, 3, 2))
    np.testing.assert_allclose(lax.conv(x, w, (1, 2), "SAME"),
                               reference_conv(x, w, (1, 2), "SAME"), rtol=1e-12)
    np.testing.assert_allclose(
        lax.conv_with_general_padding(x, w, (2, 1), [(1, 2), (0, 1)], (1, 2), (2, 1)),
        reference_conv(x, w, (2, 1), [(1, 2), (0, 1)], (1, 2), (2, 1)), rtol=1e-12)


@pytest.mark.parametrize("padding, expected_size", [("SAME", 10), ("VALID", 11)])
def test_conv_transpose_upsamples(padding: str, expected_size: int) -> None:
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(1, 5, 5, 2)), rng.normal(size=(3, 3, 2, 4))
    out = lax.conv_transpose(x, w, (2, 2), padding)
    assert out.shape == (1, expected_size, expected_size, 4)
    # the definition: every input element scatters a copy of the (flipped, as the kernel is
    # not transposed) kernel, strided by 2; SAME keeps the first 10 of the 11 positions
    flipped = w[::-1, ::-1]
    full = np.zeros((1, 11, 11, 4))
    for i, j in np.ndindex(5, 5):
        full[0, 2 * i:2 * i + 3, 2 * j:2 * j + 3] += np.einsum("c,hwco->hwo", x[0, i, j],
                                                               flipped)
    np.testing.assert_allclose(out, full[:, :expected_size, :expected_size], rtol=1e-12)


def test_conv_transpose_is_the_gradient_of_conv() -> None:
    """With transpose_kernel and consistent padding, conv_transpose is conv's lhs vjp."""
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(2, 7, 7, 3)), rng.normal(size=(3, 3, 3, 4))
    dn = ("NHWC", "HWIO", "NHWC")
    pads = [(1, 1), (1, 1)]
    out = lax.conv_general_dilated(x, w, (2, 2), pads, dimension_numbers=dn)
    g = rng.normal(size=out.shape)
    (expected,) = ft.vjp(lambda x: lax.conv_general_dilated(x, w, (2, 2), pads,
                                                           dimension_numbers=dn), x)[1](g)
    got = lax.conv_transpose(g, w, (2, 2), pads, dimension_numbers=dn, transpose_kernel=True,
                             use_consistent_padding=True)
    np.testing.assert_allclose(got[:, :7, :7], expected, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Transformations beyond the table
# ---------------------------------------------------------------------------------------------


def test_transposes_are_convolutions() -> None:
    """grad w.r.t. both operands stays one convolution each (what makes HVPs cheap)."""
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(2, 4, 6, 6)), rng.normal(size=(6, 2, 3, 3))

    def loss(x: Any, w: Any) -> Any:
        return (lax.conv_general_dilated(x, w, (2, 1), "SAME", feature_group_count=2) ** 2).sum()

    closed = ft.make_jaxpr(ft.grad(loss, argnums=(0, 1)))(x, w)
    names = [eqn.primitive.name for eqn in closed.jaxpr.eqns]
    assert names.count("conv_general_dilated") == 3
    assert not {"gather", "scatter_add", "dot_general"} & set(names)
    check_grads(loss, (x, w), order=2, modes=("rev",))


def test_vmap_of_grad_and_hessian_vector_product() -> None:
    rng = np.random.default_rng(5)
    xs, w = rng.normal(size=(3, 2, 2, 5, 5)), rng.normal(size=(3, 2, 2, 2))

    def loss(w: Any, x: Any) -> Any:
        return (lax.conv(x, w, (1, 1), "VALID") ** 3).sum()

    per_example = ft.vmap(ft.grad(loss), in_axes=(None, 0))(w, xs)
    for i in range(3):
        np.testing.assert_allclose(per_example[i], ft.grad(loss)(w, xs[i]), rtol=1e-12)
    v = rng.normal(size=w.shape)
    hvp = ft.jvp(lambda w: ft.grad(loss)(w, xs[0]), (w,), (v,))[1]
    hessian = ft.hessian(loss)(w, xs[0]).reshape(w.size, w.size)
    np.testing.assert_allclose(hvp.ravel(), hessian @ v.ravel(), rtol=1e-10)
    np.testing.assert_allclose(ft.jit(ft.grad(loss))(w, xs[0]), ft.grad(loss)(w, xs[0]),
                               rtol=1e-12)


def test_vmap_batch_positions_of_both_operands() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 2, 4, 5, 5))
    for groups in ((2, 1), (1, 2)):
        w = rng.normal(size=(4, 6, 4 // groups[0], 2, 2))
        f = lambda x, w: lax.conv_general_dilated(  # noqa: E731
            x, w, (1, 2), "SAME", feature_group_count=groups[0], batch_group_count=groups[1])
        for x_axis, w_axis in ((0, 0), (2, 4), (4, None), (None, 1), (-1, -1)):
            xb = x[0] if x_axis is None else np.moveaxis(x, 0, x_axis)
            wb = w[0] if w_axis is None else np.moveaxis(w, 0, w_axis)
            got = ft.vmap(f, in_axes=(x_axis, w_axis))(xb, wb)
            expected = np.stack([f(x[0 if x_axis is None else i], w[0 if w_axis is None else i])
                                 for i in range(4)])
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("algorithm", ["im2col", "shifted", "fft"])
def test_every_algorithm_matches_the_reference(algorithm: str, monkeypatch: Any) -> None:
    rng = np.random.default_rng(7)
    monkeypatch.setattr(convolution, "forced_algorithm", algorithm)
    monkeypatch.setattr(convolution, "_IM2COL_CHUNK", 64)   # exercise the batch chunks
    cases = [((3, 4, 9, 8), (6, 2, 4, 3), (1, 1), "SAME", None, dict(feature_group_count=2)),
             ((4, 3, 7, 7), (4, 3, 3, 3), (2, 1), [(1, 0), (0, 2)], (1, 2), {}),
             ((4, 2, 6), (4, 2, 3), (1,), "VALID", None, dict(batch_group_count=2))]
    for lhs_shape, rhs_shape, strides, padding, rhs_dilation, kw in cases:
        for dtype, rtol in ((np.float64, 1e-10), (np.float32, 1e-4)):
            x = rng.normal(size=lhs_shape).astype(dtype)
            w = rng.normal(size=rhs_shape).astype(dtype)
            got = lax.conv_general_dilated(x, w, strides, padding, rhs_dilation=rhs_dilation,
                                           **kw)
            assert got.dtype == dtype
            expected = reference_conv(x.astype(np.float64), w.astype(np.float64), strides,
                                      padding, None, rhs_dilation,
                                      feature_groups=kw.get("feature_group_count", 1),
                                      batch_groups=kw.get("batch_group_count", 1))
            np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)


def test_dilated_input_by_phases() -> None:
    """Unit-stride convolutions of a dilated input run as one undilated convolution per output
    phase (never multiplying the inserted zeros); every phase, tap and crop must line up."""
    rng = np.random.default_rng(8)
    x, w = rng.normal(size=(2, 4, 5, 4)), rng.normal(size=(6, 2, 4, 3))
    for dilation, padding in [((2, 3), [(-1, 2), (2, -1)]), ((3, 2), [(3, 3), (0, 0)]),
                              ((2, 2), [(0, -2), (1, 4)]), ((4, 1), [(-3, 1), (2, 2)])]:
        got = lax.conv_general_dilated(x, w, (1, 1), padding, lhs_dilation=dilation,
                                       feature_group_count=2)
        expected = reference_conv(x, w, (1, 1), padding, dilation, None, feature_groups=2)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_algorithm_choice_by_shape() -> None:
    def choose(x_shape: tuple, w_shape: tuple, strides: tuple = (1, 1), dtype: Any = float
               ) -> str:
        return convolution._choose_algorithm(np.zeros(x_shape, dtype), np.zeros(w_shape, dtype),
                                             strides, (1, 1))

    # grouped operands (G, N, C, spatial...), (G, O, I, spatial...) of LeNet's layers
    assert choose((1, 128, 1, 28, 28), (1, 32, 1, 5, 5)) == "im2col"        # conv1
    assert choose((1, 128, 32, 32, 32), (1, 1, 32, 5, 5)) == "fft"          # its lhs gradient
    assert choose((1, 128, 64, 14, 14), (1, 32, 64, 3, 3)) == "shifted"     # conv2's lhs grad
    big_kernel = ((1, 16, 8, 78, 78), (1, 8, 8, 15, 15))
    assert choose(*big_kernel) == "fft"
    assert choose(*big_kernel, strides=(2, 2)) != "fft"   # FFT needs unit strides
    assert choose(*big_kernel, dtype=int) != "fft"        # and inexact dtypes


def test_dtypes_integers_and_preferred_element_type() -> None:
    x = np.arange(12, dtype=np.int32).reshape(1, 2, 6)
    w = np.array([1, -1, 2, 0, 1, 1], dtype=np.int32).reshape(1, 2, 3)
    out = lax.conv(x, w, (1,), "VALID")
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, reference_conv(x, w, (1,), "VALID"))
    wide = lax.conv(x.astype(np.float32), w.astype(np.float32), (1,), "VALID",
                    preferred_element_type=np.float64)
    assert wide.dtype == np.float64
    grad = ft.grad(lambda w: lax.conv(x.astype(np.float32), w, (1,), "VALID",
                                      preferred_element_type=np.float64).sum())
    assert grad(w.astype(np.float32)).dtype == np.float32


def test_empty_outputs() -> None:
    x, w = np.ones((2, 1, 2)), np.ones((3, 1, 4))
    out = lax.conv(x, w, (1,), "VALID")
    assert out.shape == (2, 3, 0)
    gx, gw = ft.grad(lambda x, w: lax.conv(x, w, (1,), "VALID").sum(), argnums=(0, 1))(x, w)
    np.testing.assert_array_equal(gx, np.zeros_like(x))
    np.testing.assert_array_equal(gw, np.zeros_like(w))


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

X, W = np.ones((2, 4, 5, 5)), np.ones((6, 4, 3, 3))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(rhs=np.ones((6, 4, 3))), ValueError, r"one rank .*\(2, 4, 5, 5\) and \(6, 4, 3\)"),
    (dict(rhs=np.ones((6, 3, 3, 3))), ValueError,
     r"lhs feature size 4 .* rhs input-feature size 3"),
    (dict(dimension_numbers=("NCHH", "OIHW", "NCHW")), TypeError, r"repeats 'H'"),
    (dict(dimension_numbers=("NCHW", "OIHX", "NCHW")), TypeError, r"same spatial letters"),
    (dict(dimension_numbers=("NHW", "OIHW", "NCHW")), TypeError, r"3 letters .* rank 4"),
    (dict(dimension_numbers=("NXHW", "OIHW", "NCHW")), TypeError, r"'N' and 'C' exactly once"),
    (dict(dimension_numbers="NCHW"), TypeError, r"three layout strings"),
    (dict(feature_group_count=3), ValueError,
     r"feature_group_count=3 must divide the lhs feature size 4"),
    (dict(rhs=np.ones((5, 2, 3, 3)), feature_group_count=2), ValueError,
     r"feature_group_count=2 must divide the rhs output-feature size 5"),
    (dict(batch_group_count=3), ValueError, r"batch_group_count=3 must divide the lhs batch"),
    (dict(feature_group_count=0), ValueError, r"feature_group_count must be a positive"),
    (dict(window_strides=(0, 1)), ValueError, r"window_strides must be positive"),
    (dict(window_strides=(-1, 1)), ValueError, r"window_strides must be positive"),
    (dict(window_strides=(1,)), ValueError, r"window_strides must have one entry per spatial"),
    (dict(rhs_dilation=(1, 0)), ValueError, r"rhs_dilation must be positive"),
    (dict(padding="FULL"), ValueError, r"padding must be 'SAME', 'SAME_LOWER', 'VALID'"),
    (dict(padding=[(1, 1)]), ValueError, r"one \(low, high\) pair per spatial dimension"),
    (dict(padding=[1, 2]), TypeError, r"\(low, high\) integer pairs"),
    (dict(padding=[(-4, -3), (0, 0)]), ValueError, r"negative padding \(-4, -3\) is larger"),
    (dict(padding="SAME", lhs_dilation=(2, 1)), ValueError, r"explicit \(low, high\) pairs"),
    (dict(rhs=np.ones((6, 4, 3, 3), np.float32)), TypeError, r"operands of one dtype"),
])
def test_errors(kwargs: dict[str, Any], error: type, message: str) -> None:
    args = dict(lhs=X, rhs=W, window_strides=(1, 1), padding="VALID")
    args.update(kwargs)
    with pytest.raises(error, match=message):
        lax.conv_general_dilated(**args)
    # the library is usable afterwards
    assert lax.conv(X, W, (1, 1), "VALID").shape == (2, 6, 3, 3)


def test_conv_dimension_numbers() -> None:
    dn = lax.conv_dimension_numbers((1, 5, 5, 3), (2, 2, 3, 4), ("NHWC", "HWIO", "NHWC"))
    assert dn == lax.ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    assert lax.conv_dimension_numbers((1, 3, 5), (2, 3, 2), None) == ((0, 1, 2),) * 3
    assert lax.conv_dimension_numbers((1,) * 4, (1,) * 4, dn) == dn
    as_lists = lax.ConvDimensionNumbers([0, 3, 1, 2], [3, 2, 0, 1], [0, 3, 1, 2])
    assert lax.conv_dimension_numbers((1,) * 4, (1,) * 4, as_lists) == dn
    # spatial axes follow the kernel's order of its spatial letters
    swapped = lax.conv_dimension_numbers((1,) * 4, (1,) * 4, ("NCHW", "OIWH", "NCHW"))
    assert swapped.lhs_spec == (0, 1, 3, 2) and swapped.rhs_spec == (0, 1, 2, 3)
    with pytest.raises(TypeError, match="one rank"):
        lax.conv_dimension_numbers((1, 2, 3), (1, 2), None)


def test_docstring_examples() -> None:
    import doctest
    assert doctest.testmod(convolution).failed == 0
