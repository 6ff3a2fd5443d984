"""The argument table of tests/numpy/test_sweep_vs_jax.py: cases for every ftrans.numpy,
ftrans.numpy.linalg and ftrans.numpy.fft function that jax.numpy also has, by argument kind
(float arrays of several shapes, positive or bounded domains, ints, bools, axes, keepdims,
keyword options)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np



class Case(NamedTuple):
    module: str        # "", "linalg" or "fft"
    name: str
    label: str
    args: tuple
    kwargs: dict
    diff: bool = True  # the float array arguments may be differentiated


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def floats(shape: tuple, lo: float = 0.1, hi: float = 0.9, seed: int = 0) -> np.ndarray:
    """Distinct float64 values in (lo, hi), well away from each other (no ties)."""
    n = int(np.prod(shape))
    vals = lo + (hi - lo) * (np.arange(n) + 0.5) / n
    vals = _rng(seed + n).permutation(vals)
    return vals.reshape(shape)


def ints(shape: tuple, lo: int = 1, hi: int = 6, seed: int = 1) -> np.ndarray:
    return _rng(seed).integers(lo, hi, shape).astype(np.int64)


def bools(shape: tuple, seed: int = 2) -> np.ndarray:
    return _rng(seed).integers(0, 2, shape).astype(bool)


def spd(n: int = 3, seed: int = 3) -> np.ndarray:
    a = _rng(seed).normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


def mat(n: int = 3, m: int | None = None, seed: int = 4) -> np.ndarray:
    return _rng(seed).normal(size=(n, m or n)) + 2 * np.eye(n, m or n)


F = floats
SHAPES = [(), (3,), (2, 3), (2, 3, 4)]

# Domains for elementwise functions that need them.
DOMAIN = {
    "arccosh": (1.2, 3.0), "acosh": (1.2, 3.0),
    "arcsin": (-0.9, 0.9), "asin": (-0.9, 0.9), "arccos": (-0.9, 0.9), "acos": (-0.9, 0.9),
    "arctanh": (-0.9, 0.9), "atanh": (-0.9, 0.9),
    "sinc": (-2.3, 2.7), "sign": (-2.0, 2.0), "cbrt": (-2.0, 2.0), "abs": (-2.0, 2.0),
    "absolute": (-2.0, 2.0), "fabs": (-2.0, 2.0), "negative": (-2.0, 2.0),
    "i0": (-3.0, 3.0), "spacing": (-2.0, 2.0), "signbit": (-2.0, 2.0),
    "round": (-3.3, 3.3), "around": (-3.3, 3.3), "rint": (-3.3, 3.3), "floor": (-3.3, 3.3),
    "ceil": (-3.3, 3.3), "trunc": (-3.3, 3.3), "modf": (-3.3, 3.3), "frexp": (-3.0, 5.0),
    "square": (-2.0, 2.0), "tanh": (-2.0, 2.0), "sinh": (-2.0, 2.0), "cosh": (-2.0, 2.0),
    "arcsinh": (-2.0, 2.0), "asinh": (-2.0, 2.0), "arctan": (-2.0, 2.0), "atan": (-2.0, 2.0),
    "exp": (-2.0, 2.0), "expm1": (-2.0, 2.0), "exp2": (-2.0, 2.0),
    "sin": (-3.0, 3.0), "cos": (-3.0, 3.0), "tan": (-1.2, 1.2), "positive": (-2.0, 2.0),
    "reciprocal": (0.3, 2.0), "isneginf": (-2.0, 2.0), "isposinf": (-2.0, 2.0),
}

UNARY = """abs absolute acos acosh arccos arccosh arcsin arcsinh arctan arctanh asin asinh atan
atanh cbrt ceil conj conjugate cos cosh deg2rad degrees exp exp2 expm1 fabs floor frexp i0
imag isfinite isinf isnan isneginf isposinf isreal iscomplex log log10 log1p log2 modf negative
positive rad2deg radians real reciprocal rint sign signbit sin sinc sinh spacing sqrt square
tan tanh trunc angle nan_to_num round around fix logical_not""".split()

BINARY = """add arctan2 atan2 copysign divide divmod equal float_power floor_divide fmax fmin
fmod greater greater_equal heaviside hypot less less_equal logaddexp logaddexp2 maximum minimum
mod multiply nextafter not_equal power pow remainder subtract true_divide logical_and
logical_or logical_xor""".split()

INT_BINARY = """bitwise_and bitwise_or bitwise_xor gcd lcm left_shift right_shift
bitwise_left_shift bitwise_right_shift""".split()
INT_UNARY = "bitwise_not bitwise_invert invert bitwise_count".split()

REDUCTIONS = """sum prod mean std var max min amax amin all any argmax argmin ptp median
nansum nanprod nanmean nanstd nanvar nanmax nanmin nanargmax nanargmin nanmedian
count_nonzero average""".split()
CUMULATIVE = "cumsum cumprod nancumsum nancumprod cumulative_sum cumulative_prod".split()
NONDIFF_NAMES = set("""isfinite isinf isnan isneginf isposinf isreal iscomplex signbit
equal greater greater_equal less less_equal not_equal logical_and logical_or logical_xor
all any argmax argmin nanargmax nanargmin count_nonzero sign floor ceil rint trunc round around
fix spacing nextafter floor_divide heaviside argsort searchsorted digitize bincount
nonzero flatnonzero argwhere isin array_equal array_equiv isclose
allclose""".split())


def _unary(name: str) -> list[Case]:
    lo, hi = DOMAIN.get(name, (0.1, 0.9))
    lo += 0.013 * (hi - lo)  # symmetric domains would put a value at 0
    out = [Case("", name, f"f{len(s)}d", (F(s, lo, hi),), {}) for s in SHAPES]
    if name not in ("frexp", "i0", "spacing", "sinc", "modf", "angle", "nan_to_num"):
        out.append(Case("", name, "int", (ints((2, 3)),), {}, False))
    out.append(Case("", name, "pyfloat", ((lo + hi) / 2,), {}))
    return out


def _binary(name: str) -> list[Case]:
    logical = name.startswith("logical")
    a, b = F((2, 3), 0.5, 2.0), F((2, 3), 0.3, 1.7, seed=9)
    out = [Case("", name, "f2d", (a, b), {}),
           Case("", name, "bcast", (a, F((3,), 0.4, 1.9, 5)), {}),
           Case("", name, "f0d", (F((), 1.3), F((), 0.7)), {}),
           Case("", name, "pyscalar", (a, 1.5), {}),
           Case("", name, "int", (ints((2, 3)), ints((2, 3), seed=7)), {}, False),
           Case("", name, "int_float", (ints((2, 3)), b), {}),
           Case("", name, "badshape", (a, F((4,))), {}, False)]
    if logical:
        out.append(Case("", name, "bool", (bools((2, 3)), bools((2, 3), 5)), {}, False))
    return out


def _int_binary(name: str) -> list[Case]:
    return [Case("", name, "int", (ints((2, 3)), ints((2, 3), 1, 4, seed=7)), {}, False),
            Case("", name, "bcast", (ints((2, 3)), ints((3,), 1, 4, seed=8)), {}, False),
            Case("", name, "float_err", (F((3,)), F((3,))), {}, False)]


def _reduction(name: str) -> list[Case]:
    x = F((2, 3, 4), -1.0, 1.0) if name not in ("all", "any", "count_nonzero") else bools((2, 3, 4))
    axes: list[Any] = [None, 0, -1, (0, 1)]
    if name in ("argmax", "argmin", "nanargmax", "nanargmin"):
        axes = [None, 0, -1]
    out = [Case("", name, f"axis={ax}", (x,), {"axis": ax}) for ax in axes]
    out.append(Case("", name, "keepdims", (x,), {"axis": 1, "keepdims": True}))
    out.append(Case("", name, "axis_oob", (x,), {"axis": 3}, False))
    out.append(Case("", name, "f0d", (F(()),), {}))
    if name not in ("all", "any", "count_nonzero"):
        out.append(Case("", name, "int", (ints((2, 3)),), {"axis": 0}, False))
    if name in ("std", "var", "nanstd", "nanvar"):
        out.append(Case("", name, "ddof", (x,), {"axis": 0, "ddof": 1}))
    if name in ("sum", "prod", "mean", "max", "min", "nansum", "nanmax", "nanmin", "nanprod",
                "amax", "amin"):
        out.append(Case("", name, "where", (x,), {"axis": 0, "where": bools((2, 3, 4)),
                                                 **({"initial": -5.0} if "max" in name else {})
                                                 }))
        if name not in ("mean",):
            out.append(Case("", name, "initial", (x,), {"axis": 1, "initial": 0.5 if "max" in
                                                        name or "min" in name else 2.0}))
    if name in ("average",):
        out.append(Case("", name, "weights", (x,), {"axis": 1, "weights": F((3,), 0.5, 2.0)}))
        out.append(Case("", name, "returned", (x,), {"axis": 1, "weights": F((3,), 0.5, 2.0),
                                                    "returned": True}))
    if name in ("nansum", "nanmean", "nanmax", "nanmin", "nanstd", "nanvar", "nanprod",
                "nanmedian", "nanargmax", "nanargmin"):
        y = x.copy()
        y[0, 1, 2] = np.nan
        y[1, 0, 0] = np.nan
        out.append(Case("", name, "with_nan", (y,), {"axis": -1}))
    return out


def _cumulative(name: str) -> list[Case]:
    x = F((2, 3, 4), 0.5, 1.5)
    out = [Case("", name, f"axis={ax}", (x,), {"axis": ax}) for ax in (0, -1)]
    if not name.startswith("cumulative"):
        out.append(Case("", name, "flat", (x,), {}))
    else:
        out.append(Case("", name, "include_initial", (x,), {"axis": 1, "include_initial": True}))
        out.append(Case("", name, "1d", (F((5,)),), {}))
    out.append(Case("", name, "int", (ints((2, 3)),), {"axis": 0}, False))
    return out


def auto_cases() -> list[Case]:
    cases: list[Case] = []
    for n in UNARY:
        cases += _unary(n)
    for n in BINARY:
        cases += _binary(n)
    for n in INT_BINARY:
        cases += _int_binary(n)
    for n in INT_UNARY:
        cases += [Case("", n, "int", (ints((2, 3), -5, 6),), {}, False),
                  Case("", n, "bool", (bools((2, 3)),), {}, False)]
    for n in REDUCTIONS:
        cases += _reduction(n)
    for n in CUMULATIVE:
        cases += _cumulative(n)
    return cases



A = floats((2, 3, 4), -1.0, 1.0)
M = floats((2, 3), -1.0, 1.0)
V = floats((5,), -1.0, 1.0)
V4 = floats((4,), -1.0, 1.0, seed=3)
SQ = mat(3)


def C(name: str, label: str, *args: Any, diff: bool = True, module: str = "", **kw: Any) -> Case:
    return Case(module, name, label, args, kw, diff)


def manual_cases() -> list[Case]:
    c = [
        # shapes
        C("append", "flat", M, V), C("append", "axis0", M, M, axis=0),
        C("array_split", "3", V, 3), C("array_split", "axis1", M, 2, axis=1),
        C("split", "list", V, [1, 3]), C("split", "axis1", M, 3, axis=1),
        C("split", "bad", V, 3, diff=False),
        C("hsplit", "d", M, 3), C("vsplit", "d", M, 2), C("dsplit", "d", A, 2),
        C("atleast_1d", "0d", F(())), C("atleast_2d", "1d", V), C("atleast_3d", "2d", M),
        C("broadcast_to", "d", V4, (3, 4)), C("broadcast_to", "bad", V4, (3, 5), diff=False),
        C("broadcast_arrays", "d", M, F((3,))),
        C("column_stack", "d", V, V), C("hstack", "d", [M, M]), C("vstack", "d", [M, M]),
        C("dstack", "d", [M, M]), C("stack", "d", [M, M]), C("stack", "axis-1", [M, M], axis=-1),
        C("concatenate", "d", [M, M]), C("concatenate", "axis1", [M, M], axis=1),
        C("concatenate", "none", [M, A], axis=None), C("concat", "d", [M, M], axis=1),
        C("block", "d", [[M, M], [M, M]]),
        C("expand_dims", "d", M, 1), C("expand_dims", "tuple", M, (0, 2)),
        C("squeeze", "d", F((1, 3, 1))), C("squeeze", "axis", F((1, 3, 1)), axis=0),
        C("squeeze", "bad", F((1, 3, 1)), axis=1, diff=False),
        C("flip", "d", M), C("flip", "axis", A, axis=(0, 2)), C("fliplr", "d", M),
        C("flipud", "d", M), C("moveaxis", "d", A, 0, -1), C("moveaxis", "t", A, (0, 1), (2, 0)),
        C("swapaxes", "d", A, 0, 2), C("rollaxis", "d", A, 2), C("rollaxis", "start", A, 2, 1),
        C("transpose", "d", A), C("transpose", "axes", A, (1, 0, 2)),
        C("permute_dims", "d", A, (2, 0, 1)), C("matrix_transpose", "d", A),
        C("ravel", "d", A), C("reshape", "d", A, (4, 6)), C("reshape", "-1", A, (-1, 3)),
        C("reshape", "bad", A, (5, 5), diff=False),
        C("resize", "d", M, (4, 5)), C("repeat", "d", M, 2), C("repeat", "axis", M, [1, 2], axis=0),
        C("repeat", "arr", M, 2, axis=1), C("tile", "d", M, 2), C("tile", "t", M, (2, 1, 2)),
        C("roll", "d", M, 2), C("roll", "axis", A, (1, -1), axis=(0, 2)),
        C("rot90", "d", M), C("rot90", "k", A, 3, (1, 2)),
        C("unstack", "d", M), C("unstack", "axis", A, axis=1),
        C("delete", "d", V, 2), C("delete", "axis", M, [0, 2], axis=1),
        C("insert", "d", V, 2, 7.0), C("insert", "axis", M, 1, F((2,)), axis=1),
        C("diag", "1d", V), C("diag", "2d", M), C("diag", "k", SQ, k=1), C("diag", "vk", V, -2),
        C("diagflat", "d", V4), C("diagflat", "k", M, 1),
        C("diagonal", "d", SQ), C("diagonal", "3d", A, 1, 0, 2), C("trace", "d", SQ),
        C("trace", "3d", A, 1, 1, 2), C("tril", "d", SQ), C("tril", "k", A, -1), C("triu", "d", SQ),
        C("triu", "k", M, 1),
        C("pad", "d", M, 1), C("pad", "w", M, ((1, 0), (2, 1))),
        C("pad", "edge", M, 2, mode="edge"), C("pad", "reflect", M, 2, mode="reflect"),
        C("pad", "symmetric", M, 1, mode="symmetric"), C("pad", "wrap", M, 1, mode="wrap"),
        C("pad", "cval", M, 1, constant_values=3.0),
        C("pad", "max", M, 1, mode="maximum"), C("pad", "mean", M, 1, mode="mean"),
        C("pad", "lin", M, 2, mode="linear_ramp"),
        C("pad", "odd", M, 2, mode="reflect", reflect_type="odd"),
        C("pad", "odd_long", V[:3], (4, 7), mode="reflect", reflect_type="odd"),
        C("pad", "sym_odd", M, ((3, 1), (2, 4)), mode="symmetric", reflect_type="odd"),
        C("pad", "min", M, ((1, 2), (0, 1)), mode="minimum"),
        C("pad", "median", A, 1, mode="median"),
        C("pad", "stat_length", M, 2, mode="maximum", stat_length=((1, 2), (2, 1))),
        C("pad", "mean_int", ints((2, 3)), 1, mode="mean", diff=False),
        C("pad", "end_values", M, ((1, 2), (2, 1)), mode="linear_ramp",
          end_values=((1.0, -1.0), (0.5, 2.0))),
        C("pad", "empty", M, 1, mode="empty", diff=False),
        # indexing / selection
        C("take", "d", V, [0, 3]), C("take", "axis", M, [2, 0], axis=1),
        C("take", "clip", V, [0, 7], mode="clip"), C("take", "wrap", V, [-1, 7], mode="wrap"),
        C("take_along_axis", "d", M, np.argsort(M, 1), 1),
        C("take_along_axis", "none", M, np.array([1, 4]), None),
        C("choose", "d", ints((3,), 0, 2), [V[:3], V[2:]]),
        C("choose", "clip", ints((3,), 0, 4), [V[:3], V[2:]], mode="clip"),
        C("compress", "d", [True, False, True], M, axis=1),
        C("compress", "flat", [True, False, True], M),
        C("extract", "d", M > 0, M), C("select", "d", [M > 0, M < -0.5], [M, 2 * M], 0.5),
        C("where", "d", M > 0, M, -M), C("where", "bcast", M > 0, M, 1.0),
        C("where", "one", M > 0, diff=False),
        C("nonzero", "d", M > 0), C("flatnonzero", "d", M > 0), C("argwhere", "d", M > 0),
        C("nonzero", "size", M > 0, size=5), C("argwhere", "size", M > 0, size=4, fill_value=-1),
        C("piecewise", "d", V, [V < 0, V >= 0], [lambda x: x ** 2, lambda x: 2 * x]),
        C("piecewise", "const", V, [V < 0], [1.0, 2.0]),
        C("place", "d", V, V > 0, [1.0, 2.0], inplace=False, diff=False),
        C("put", "d", V, [0, 2], [9.0, 8.0], inplace=False),
        C("put_along_axis", "d", M, np.array([[0], [2]]), 9.0, 1, inplace=False),
        C("fill_diagonal", "d", SQ, 5.0, inplace=False),
        C("diag_indices", "d", 3), C("diag_indices", "nd", 3, 3), C("diag_indices_from", "d", SQ),
        C("tril_indices", "d", 3), C("tril_indices", "k", 3, 1, 4), C("triu_indices", "d", 4, -1),
        C("tril_indices_from", "d", SQ), C("triu_indices_from", "k", M, 1),
        C("mask_indices", "d", 3, np.triu), C("indices", "d", (2, 3)),
        C("indices", "sparse", (2, 3), sparse=True),
        C("ravel_multi_index", "d", (np.array([0, 1]), np.array([2, 1])), (2, 3)),
        C("ravel_multi_index", "clip", (np.array([0, 5]), np.array([2, 1])), (2, 3), mode="clip"),
        C("unravel_index", "d", np.array([0, 4, 5]), (2, 3)),
        C("ix_", "d", np.array([0, 1]), np.array([2, 0, 1])),
        # sorting / searching
        C("sort", "d", M), C("sort", "axis0", M, axis=0), C("sort", "none", M, axis=None),
        C("sort", "desc", M, descending=True), C("sort", "stable", M, stable=True),
        C("argsort", "d", M), C("argsort", "axis0", M, axis=0), C("argsort", "none", A, axis=None),
        C("argsort", "desc", V, descending=True),
        C("sort_complex", "d", V), C("partition", "d", V, 2), C("partition", "axis", M, 1, axis=0),
        C("argpartition", "d", V, 2),
        C("lexsort", "d", (ints((6,), 0, 3), ints((6,), 0, 3, 4))),
        C("searchsorted", "d", np.sort(V), V4), C("searchsorted", "right", np.sort(V), V4,
                                                    side="right"),
        C("searchsorted", "sorter", V, V4, sorter=np.argsort(V)),
        C("digitize", "d", V, np.array([-0.5, 0.0, 0.5])),
        C("digitize", "right", V, np.array([-0.5, 0.0, 0.5]), right=True),
        C("bincount", "d", ints((6,), 0, 4)), C("bincount", "w", ints((6,), 0, 4), F((6,))),
        C("bincount", "len", ints((6,), 0, 4), minlength=7),
        C("histogram", "d", V), C("histogram", "bins", V, bins=3, range=(-1, 1)),
        C("histogram", "density", V, bins=4, density=True),
        C("histogram", "w", V, bins=3, weights=F((5,))),
        C("histogram", "edges", V, bins=np.array([-1.0, 0.0, 0.3, 1.0])),
        C("histogram_bin_edges", "d", V, bins=4),
        C("histogram2d", "d", V, V[::-1], bins=3),
        C("histogramdd", "d", np.stack([V, V[::-1]], 1), bins=2),
        C("unique", "d", np.array([3.0, 1.0, 3.0, 2.0])),
        C("unique", "all", np.array([3.0, 1.0, 3.0, 2.0]), return_index=True,
          return_inverse=True, return_counts=True),
        C("unique", "axis", np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]]), axis=0),
        C("unique_values", "d", np.array([3.0, 1.0, 3.0])),
        C("unique_counts", "d", np.array([3.0, 1.0, 3.0])),
        C("unique_inverse", "d", np.array([[3.0, 1.0], [3.0, 2.0]])),
        C("unique_all", "d", np.array([3.0, 1.0, 3.0])),
        C("union1d", "d", V, V4), C("intersect1d", "d", V, V[1:3]),
        C("intersect1d", "idx", V, V[1:3], return_indices=True),
        C("setdiff1d", "d", V, V[1:3]), C("setxor1d", "d", V, V[1:3]),
        C("isin", "d", V, V[1:3]), C("isin", "invert", M, V[1:3], invert=True),
        C("trim_zeros", "d", np.array([0.0, 1.0, 2.0, 0.0])),
        C("trim_zeros", "f", np.array([0.0, 1.0, 2.0, 0.0]), "f"),
        # linear algebra-ish in numpy
        C("dot", "d", M, M.T), C("dot", "vec", V, V), C("dot", "nd", A, F((4, 2))),
        C("dot", "bad", V, V4, diff=False), C("dot", "scalar", M, 2.0),
        C("matmul", "d", M, M.T), C("matmul", "batch", A, F((4, 2))),
        C("matmul", "vec", M, F((3,))),
        C("matmul", "bad", M, M, diff=False),
        C("inner", "d", M, M), C("outer", "d", V, V4), C("vdot", "d", M, M),
        C("vecdot", "d", M, M), C("vecdot", "axis", M, M, axis=0), C("matvec", "d", M, F((3,))),
        C("vecmat", "d", F((2,)), M), C("kron", "d", M, SQ[:2, :2]),
        C("tensordot", "d", A, F((3, 4)), 2),
        C("tensordot", "axes", A, F((2, 3)), ([0, 1], [0, 1])),
        C("einsum", "mm", "ij,jk->ik", M, M.T), C("einsum", "trace", "ii", SQ),
        C("einsum", "batch", "bij,bjk->bik", A, np.swapaxes(A, 1, 2)),
        C("einsum", "implicit", "ij,jk", M, M.T), C("einsum", "ellipsis", "...i,...i->...", A, A),
        C("cross", "d", F((2, 3)), F((2, 3), seed=5)), C("cross", "2d", F((2,)), F((2,), seed=5)),
        C("cross", "axis", F((3, 2)), F((3, 2), seed=5), axis=0),
        C("convolve", "d", V, V4), C("convolve", "same", V, V4, mode="same"),
        C("convolve", "valid", V, V4, mode="valid"),
        C("correlate", "d", V, V4), C("correlate", "full", V, V4, mode="full"),
        C("correlate", "same", V, V4, mode="same"),
        # statistics
        C("cov", "d", M), C("cov", "rowvar", M, rowvar=False), C("cov", "y", V, V[::-1]),
        C("cov", "ddof", M, ddof=0), C("cov", "bias", M, bias=True),
        C("cov", "fweights", M, fweights=np.array([1, 2, 1])),
        C("cov", "aweights", M, aweights=np.array([0.5, 1.0, 2.0])),
        C("corrcoef", "d", F((3, 4), -1, 1)), C("corrcoef", "y", V, V ** 2),
        C("corrcoef", "rowvar", F((4, 3), -1, 1), rowvar=False),
        C("percentile", "d", V, 30.0), C("percentile", "axis", A, [25.0, 75.0], axis=1),
        C("percentile", "kd", A, 50.0, axis=(0, 2), keepdims=True),
        C("percentile", "lower", V, 30.0, method="lower"),
        C("percentile", "higher", V, 30.0, method="higher"),
        C("percentile", "nearest", V, 30.0, method="nearest"),
        C("percentile", "midpoint", V, 30.0, method="midpoint"),
        C("quantile", "d", M, 0.3), C("quantile", "axis", A, np.array([0.1, 0.9]), axis=-1),
        C("quantile", "bad", V, 1.5, diff=False),
        C("quantile", "ties", np.array([1.0, 2.0, 2.0, 3.0]), 0.5, method="nearest"),
        C("quantile", "nearest_half", np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 0.375, method="nearest"),
        C("nanpercentile", "d", np.where(V > 0.5, np.nan, V), 40.0),
        C("nanquantile", "d", np.where(M > 0.5, np.nan, M), 0.4, axis=1),
        C("median", "d", M), C("median", "axis", A, axis=(0, 2)),
        C("median", "kd", A, axis=1, keepdims=True),
        C("histogram", "int", ints((6,), 0, 4), diff=False),
        C("gradient", "d", V), C("gradient", "2d", M), C("gradient", "axis", M, axis=1),
        C("gradient", "spacing", V, 0.5), C("gradient", "edge2", V, edge_order=2),
        C("gradient", "coords", V, np.cumsum(F((5,), 0.5, 1.0))),
        C("diff", "d", V), C("diff", "n2", M, 2, axis=0), C("diff", "prepend", V, prepend=0.0),
        C("diff", "append", M, append=np.zeros((2, 1))), C("ediff1d", "d", M),
        C("ediff1d", "to", V, to_end=[1.0], to_begin=0.0),
        C("trapezoid", "d", V), C("trapezoid", "x", M, F((3,)).cumsum()),
        C("trapezoid", "dx", M, dx=0.5, axis=0),
        C("interp", "d", V4, np.sort(V), V ** 2),
        C("interp", "lr", np.array([-2.0, 0.0, 2.0]), np.sort(V), V ** 2, left=-1.0, right=1.0),
        C("interp", "period", V4, np.sort(V), V ** 2, period=2.0),
        C("unwrap", "d", V * 7), C("unwrap", "axis", M * 9, axis=0),
        C("unwrap", "period", V * 7, period=3.0),
        C("clip", "d", M, -0.5, 0.5), C("clip", "none", M, None, 0.5),
        C("clip", "arr", M, F((3,), -0.5, 0.0), 0.5),
        C("clip", "kw", M, min=-0.5, max=0.3),
        C("round", "decimals", M * 10, 1), C("around", "neg", M * 100, -1),
        C("nan_to_num", "d", np.array([np.nan, np.inf, -np.inf, 1.0])),
        C("nan_to_num", "kw", np.array([np.nan, np.inf, -np.inf, 1.0]), nan=1.0, posinf=2.0,
          neginf=-2.0),
        C("isclose", "d", M, M + 1e-9), C("isclose", "tol", M, M + 1e-3, atol=1e-2),
        C("allclose", "d", M, M + 1e-9), C("array_equal", "d", M, M),
        C("array_equal", "shape", M, V, diff=False), C("array_equiv", "d", M, M[0]),
        C("ldexp", "d", M, ints((2, 3), -2, 3)), C("ldexp", "bcast", M, 3),
        C("divmod", "neg", -M, 0.3), C("fmod", "neg", -M, 0.3), C("mod", "neg", -M, 0.3),
        C("float_power", "int_scalar", ints((3,)), 2),
        C("power", "neg", -M, 2.0), C("power", "int_scalar", ints((3,)), 3),
        C("logaddexp", "inf", np.array([-np.inf, 0.0]), np.array([-np.inf, 1.0]), diff=False),
        # creation
        C("zeros", "d", (2, 3)), C("ones", "d", 3), C("empty", "d", (2,), diff=False),
        C("full", "d", (2, 3), 1.5), C("full", "arr", (2, 3), F((3,))),
        C("full", "int", (2,), 3), C("zeros", "dtype", (2,), dtype=np.int32),
        C("zeros_like", "d", M), C("ones_like", "d", ints((2,))),
        C("full_like", "d", M, 2.0), C("full_like", "dt", M, 2, dtype=np.int64),
        C("empty_like", "d", M, diff=False), C("zeros_like", "shape", M, shape=(4,)),
        C("eye", "d", 3), C("eye", "k", 3, 4, 1), C("identity", "d", 3), C("tri", "d", 3, 4, -1),
        C("arange", "d", 5), C("arange", "f", 0.0, 1.0, 0.3), C("arange", "neg", 5, 0, -2),
        C("linspace", "d", 0.0, 1.0, 5), C("linspace", "ep", 0.0, 1.0, 4, endpoint=False),
        C("linspace", "retstep", 0.0, 1.0, 5, retstep=True),
        C("linspace", "arr", F((2,)), F((2,), 2.0, 3.0), 3),
        C("linspace", "axis", F((2,)), F((2,), 2.0, 3.0), 3, axis=1),
        C("logspace", "d", 0.0, 2.0, 4), C("logspace", "base", 0.0, 2.0, 4, base=2.0),
        C("geomspace", "d", 1.0, 100.0, 4), C("geomspace", "neg", -1.0, -100.0, 3),
        C("array", "d", [[1.0, 2.0], [3.0, 4.0]]), C("asarray", "d", [1, 2]),
        C("array", "ndmin", [1.0], ndmin=3), C("asarray", "dtype", [1, 2], dtype=np.float32),
        C("copy", "d", M), C("astype", "d", M, np.int32, diff=False), C("astype", "f", ints((2,)),
                                                                    np.float32),
        C("meshgrid", "d", V, V4), C("meshgrid", "ij", V, V4, indexing="ij"),
        C("meshgrid", "sparse", V, V4, sparse=True),
        C("vander", "d", V4), C("vander", "n", V4, 3), C("vander", "inc", V4, increasing=True),
        C("fromfunction", "d", lambda i, j: i + 2 * j, (2, 3)),
        C("fromfunction", "dt", lambda i, j: i * j, (2, 3), dtype=int),
        C("frombuffer", "d", np.arange(3.0).tobytes(), diff=False),
        C("fromiter", "d", iter([1.0, 2.0]), float, diff=False),
        # windows
        C("bartlett", "d", 5), C("blackman", "d", 5), C("hamming", "d", 5), C("hanning", "d", 5),
        C("kaiser", "d", 5, 2.0), C("bartlett", "1", 1), C("hanning", "0", 0),
        # polynomial
        C("poly", "d", V4), C("polyadd", "d", V, V4), C("polysub", "d", V4, V),
        C("polymul", "d", V, V4), C("polydiv", "d", V, V4 + np.array([1.0, 0, 0, 0])),
        C("polyder", "d", V), C("polyder", "m", V, 2), C("polyint", "d", V),
        C("polyint", "mk", V, 2, [1.0, 2.0]), C("polyval", "d", V4, M),
        C("polyfit", "d", V, V ** 2 + V, 2), C("polyfit", "w", V, V ** 2, 1, w=F((5,))),
        C("polyfit", "2d", V, np.stack([V, V ** 2], 1), 2),
        C("roots", "d", np.array([1.0, -3.0, 2.0])), C("roots", "cplx", np.array([1.0, 0.0, 1.0])),
        # misc
        C("apply_along_axis", "d", lambda r: r.sum() * r, 1, M),
        C("apply_over_axes", "d", lambda a, ax: (a ** 2).sum(ax), A, [0, 2]),
        C("vectorize", "d", None, diff=False),
        C("packbits", "d", bools((2, 9))), C("packbits", "axis", bools((2, 9)), axis=0),
        C("packbits", "little", bools((9,)), bitorder="little"),
        C("unpackbits", "d", np.array([3, 200], np.uint8)),
        C("unpackbits", "count", np.array([[3, 200]], np.uint8), axis=1, count=12),
        C("shape", "d", M), C("ndim", "d", A), C("size", "d", A), C("size", "axis", A, 1),
        C("isscalar", "d", 1.0), C("isscalar", "arr", M), C("iterable", "d", M),
        C("iscomplexobj", "d", M), C("isrealobj", "d", M),
        C("result_type", "d", np.float32, np.int64), C("promote_types", "d", "int8", "uint8"),
        C("can_cast", "d", np.float64, np.float32), C("issubdtype", "d", np.float32, np.floating),
        C("isdtype", "d", np.float32, "real floating"),
        C("broadcast_shapes", "d", (2, 1), (3,)), C("broadcast_shapes", "bad", (2,), (3,),
                                                     diff=False),
        C("array_repr", "d", V4), C("array_str", "d", V4),
        C("einsum_path", "d", "ij,jk,kl->il", SQ, SQ, SQ, optimize="greedy", diff=False),
        C("count_nonzero", "flat", M > 0), C("ptp", "kd", M, axis=1, keepdims=True),
        C("sinc", "zero", np.array([0.0, 1.0, -0.5])),
        # at exact multiples and integers (derivatives as JAX's)
        C("modf", "integers", np.array([0.0, -2.0, 3.0, 1.5])),
        C("remainder", "multiples", np.array([0.0, 4.0, -4.0, 3.0]),
          np.array([2.0, 2.0, 2.0, -3.0])),
        C("divmod", "multiples", np.array([0.0, 4.0, -6.0]), np.array([2.0, -2.0, 3.0])),
        C("take", "fill", M, np.array([[0, -1], [3, -4]]), axis=1, mode="fill"),
        C("take", "fill_value", V, np.array([0, 9]), mode="fill", fill_value=-1.0),
        C("take", "hints", M, np.array([0, 2]), axis=1, unique_indices=True,
          indices_are_sorted=True),
        C("sum", "no_promote", ints((2, 3)).astype(np.int8), promote_integers=False),
        C("prod", "no_promote", ints((2, 3)).astype(np.int16), axis=0, promote_integers=False),
        C("searchsorted", "method", np.sort(V), V4, method="sort"),
        C("digitize", "method", V, np.array([-0.5, 0.0, 0.5]), method="compare_all"),
        C("isin", "method", V, V[1:3], method="sort"),
        C("unique", "sorted", np.array([3.0, 1.0, 3.0]), sorted=True),
        C("dstack", "dtype", [M, M], dtype=np.float32),
        C("delete", "hint", V, np.array([1, 3]), assume_unique_indices=True),
        C("argsort", "desc_ties", np.array([2.0, 1.0, 2.0, 1.0, 3.0]), descending=True),
        C("sort", "desc_axis0", M, axis=0, descending=True),
        C("argsort", "dtype", V, dtype=np.int32),
        C("histogram_bin_edges", "grad", V, bins=3),
        C("histogram2d", "density", V, V[::-1] ** 2, bins=3, density=True),
    ]
    return [x for x in c if x.name != "vectorize"]


def linalg_cases() -> list[Case]:
    L = "linalg"
    B3 = mat(3, seed=6)
    S = spd(3)
    R = mat(3, 2, seed=7)
    c = [
        C("norm", "d", M, module=L), C("norm", "vec", V, module=L),
        C("norm", "ord1", V, 1, module=L),
        C("norm", "ordinf", V, np.inf, module=L), C("norm", "ord-inf", V, -np.inf, module=L),
        C("norm", "ord0", V, 0, module=L, diff=False), C("norm", "ord3", V, 3, module=L),
        C("norm", "fro", SQ, "fro", module=L), C("norm", "nuc", SQ, "nuc", module=L),
        C("norm", "m1", SQ, 1, module=L), C("norm", "m-1", SQ, -1, module=L),
        C("norm", "m2", SQ, 2, module=L), C("norm", "m-2", SQ, -2, module=L),
        C("norm", "minf", SQ, np.inf, module=L), C("norm", "axis", A, axis=1, module=L),
        C("norm", "axes", A, axis=(1, 2), module=L), C("norm", "kd", M, axis=1, keepdims=True,
                                                         module=L),
        C("norm", "bad", V, "fro", module=L, diff=False),
        C("vector_norm", "d", A, module=L),
        C("vector_norm", "ord", A, ord=1, axis=(0, 2), module=L),
        C("vector_norm", "kd", M, axis=0, keepdims=True, module=L),
        C("matrix_norm", "d", A[:, :, :3], module=L),
        C("matrix_norm", "nuc", SQ, ord="nuc", module=L),
        C("matrix_norm", "2", SQ, ord=2, module=L),
        C("det", "d", SQ, module=L), C("det", "batch", np.stack([SQ, B3]), module=L),
        C("slogdet", "d", SQ, module=L), C("slogdet", "neg", -SQ, module=L),
        C("inv", "d", SQ, module=L), C("inv", "batch", np.stack([SQ, B3]), module=L),
        C("inv", "bad", M, module=L, diff=False),
        C("solve", "d", SQ, F((3,)), module=L), C("solve", "mat", SQ, B3, module=L),
        C("solve", "batch", np.stack([SQ, B3]), np.ones((2, 3, 1)), module=L),
        C("lstsq", "d", R, F((3,)), module=L), C("lstsq", "mat", R, mat(3, 2, seed=1), module=L),
        C("cholesky", "d", S, module=L), C("cholesky", "upper", S, upper=True, module=L),
        C("qr", "d", R, module=L), C("qr", "complete", R, mode="complete", module=L),
        C("qr", "r", R, mode="r", module=L),
        C("eigh", "d", S, module=L), C("eigh", "U", S, UPLO="U", module=L),
        C("eigvalsh", "d", S, module=L),
        C("eig", "d", S, module=L, diff=False), C("eigvals", "d", S, module=L, diff=False),
        C("svd", "d", R, module=L), C("svd", "full", R, full_matrices=False, module=L),
        C("svd", "nouv", R, compute_uv=False, module=L), C("svdvals", "d", R, module=L),
        C("pinv", "d", R, module=L), C("pinv", "rcond", R, rcond=1e-3, module=L),
        C("matrix_power", "d", SQ, 3, module=L), C("matrix_power", "neg", SQ, -2, module=L),
        C("matrix_power", "0", SQ, 0, module=L),
        C("matrix_rank", "d", R, module=L), C("matrix_rank", "tol", R, tol=0.5, module=L),
        C("matrix_rank", "deficient", np.outer(V, V), module=L),
        C("matrix_transpose", "d", A, module=L), C("diagonal", "d", A, module=L),
        C("diagonal", "off", SQ, offset=1, module=L), C("trace", "d", A, module=L),
        C("trace", "off", SQ, offset=-1, module=L),
        C("outer", "d", V, V4, module=L), C("tensordot", "d", A, F((3, 4)), module=L),
        C("vecdot", "d", M, M, module=L), C("cross", "d", F((2, 3)), F((3,), seed=8), module=L),
        C("matmul", "d", A, F((4, 2)), module=L),
        C("multi_dot", "d", [M, SQ, M.T], module=L), C("multi_dot", "vec", [V4, F((4, 3)), V[:3]],
                                                       module=L),
        C("cond", "d", SQ, module=L), C("cond", "fro", SQ, "fro", module=L),
        C("cond", "1", SQ, 1, module=L), C("cond", "-2", SQ, -2, module=L),
        C("tensorinv", "d", mat(4).reshape(4, 2, 2), ind=1, module=L),
        C("tensorsolve", "d", mat(6).reshape(2, 3, 6), F((2, 3)), module=L),
    ]
    return c


def fft_cases() -> list[Case]:
    L = "fft"
    out = []
    for n in ("fft", "ifft", "rfft", "ihfft"):
        out += [C(n, "d", M, module=L), C(n, "n", M, 5, module=L),
                C(n, "axis", M, axis=0, module=L),
                C(n, "norm_o", V, norm="ortho", module=L), C(n, "norm_f", V, norm="forward",
                                                             module=L),
                C(n, "n_short", V, 3, module=L)]
    for n in ("irfft", "hfft"):
        out += [C(n, "d", M, module=L), C(n, "n", M, 6, module=L), C(n, "ortho", V, norm="ortho",
                                                                     module=L)]
    for n in ("fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn"):
        out += [C(n, "d", A, module=L), C(n, "s", A, (3, 4), module=L),
                C(n, "axes", A, axes=(0, 2), module=L), C(n, "ortho", A, norm="ortho", module=L)]
    out += [C("fftfreq", "d", 5, module=L), C("fftfreq", "d2", 6, 0.5, module=L),
            C("rfftfreq", "d", 6, 0.1, module=L), C("rfftfreq", "odd", 7, module=L),
            C("fftshift", "d", M, module=L), C("fftshift", "axes", A, axes=1, module=L),
            C("ifftshift", "d", V, module=L), C("ifftshift", "axes", A, axes=(0, 2), module=L)]
    return out
