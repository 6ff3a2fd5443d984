"""Generate docs/numpy-coverage.md: which NumPy functions ``ftrans.numpy`` provides, which spec
rows test them, how they differ from NumPy, and which NumPy functions are missing.

The lists are read at generation time (``dir(ftrans.numpy)``, ``dir(ftrans.numpy.linalg)``,
``dir(ftrans.numpy.fft)``, the ``SPECS`` tables of ``tests/numpy/test_*.py``), so functions
added later appear when the script is re-run; ``tests/numpy/test_coverage_doc.py`` fails
when the page is stale.

    python docs/gen_numpy_coverage.py          # rewrite docs/numpy-coverage.md
"""

from __future__ import annotations

import importlib
import pathlib
import sys
from types import ModuleType
from typing import Any

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "numpy-coverage.md"
if str(ROOT) not in sys.path:  # this tree's ftrans, not an installed one
    sys.path.insert(0, str(ROOT))

# The submodules covered after the top level, each with a section of its own.
SUBMODULES = ("linalg", "fft")

# Known differences from NumPy, by function name (submodule functions as "linalg.<name>"). Keep
# them short and honest; anything not listed behaves as NumPy's function (values, dtypes,
# errors) for the arguments it accepts.
NOTES: dict[str, str] = {
    "linalg.eig": "always complex (NumPy returns real arrays for real spectra); eigenvector "
                  "derivatives are LAPACK's normalisation's (unit norm, real largest "
                  "component) and need distinct eigenvalues",
    "linalg.eigvals": "always complex, as eig",
    "linalg.cond": "p other than None, 2, -2 needs an invertible matrix (LinAlgError)",
    "linalg.lstsq": "residuals always sum(|b - a x|**2, axis=0), as JAX",
    "linalg.eigh": "factors (a + a^H) / 2 by default (symmetrize_input, as JAX)",
    "linalg.cholesky": "factors (a + a^H) / 2, as JAX",
    "linalg.qr": "mode 'raw' unsupported",
    "linalg.pinv": "hermitian accepted and ignored",
    "linalg.svd": "hermitian accepted and ignored",
    "getitem": "x[i]: traced out-of-range indices clamp (no IndexError); a traced boolean mask "
               "is an error (use where, or nonzero(..., size=)); x[True] unsupported",
    "at": "not in NumPy: at(x)[i].set/add/subtract/multiply/divide/min/max/get (JAX's x.at); "
          "traced out-of-range indices are dropped",
    "at_indexer": "the hook behind Tracer.at; same as at",
    "take": "mode 'raise' checks concrete indices only; traced ones clamp; JAX's mode='fill' "
            "(fill_value=, default NaN)",
    "log1p": "complex values near 0 are accurate (NumPy computes log(1 + x) there)",
    "real_if_close": "needs a concrete input (the result's dtype depends on the values)",
    "take_along_axis": "traced out-of-range indices clamp",
    "nonzero": "size=, fill_value= (JAX) make it work under transformations; otherwise the "
               "input must be concrete",
    "argwhere": "size=, fill_value= as nonzero",
    "flatnonzero": "size=, fill_value= as nonzero",
    "unique": "under transformations needs a static size= (fill_value= pads, default the "
              "minimum); axis= only on concrete input",
    "sort": ("every kind is stable; order= unsupported; complex values sort by real part, then "
             "imaginary, as in NumPy; descending= (JAX)"),
    "argsort": "always stable (also with JAX's descending=); order= unsupported",
    "lexsort": "keys must share a broadcastable shape",
    "searchsorted": "binary search by gathers; zero derivative",
    "quantile": "methods: linear, lower, higher, nearest, midpoint, weibull, hazen, "
                "median_unbiased, normal_unbiased, interpolated_inverted_cdf (not "
                "inverted_cdf, averaged_inverted_cdf, closest_observation); weights= "
                "unsupported; overwrite_input ignored",
    "percentile": "as quantile",
    "nanquantile": "as quantile",
    "nanpercentile": "as quantile",
    "median": "overwrite_input ignored",
    "nanargmax": "an abstract all-NaN slice gives -1 (a concrete one raises, as NumPy)",
    "nanargmin": "an abstract all-NaN slice gives -1 (a concrete one raises, as NumPy)",
    "bincount": "under transformations needs a static length= (JAX); values >= length are "
                "ignored",
    "histogram": "bins: an int or concrete edges (no estimator strings); counts have a zero "
                 "derivative, weights are differentiable, and edges from the data's range "
                 "follow its min and max (JAX)",
    "pad": "every mode but callables; 'empty' pads with zeros (JAX)",
    "insert": "obj must be concrete",
    "delete": "obj must be concrete",
    "choose": "mode 'raise' checks concrete indices only",
    "convolve": "one lax.conv_general_dilated (direct, or FFT for long inputs)",
    "correlate": "one lax.conv_general_dilated (direct, or FFT for long inputs)",
    "cross": "2-vectors are accepted without NumPy 2's DeprecationWarning",
    "gradient": "spacings: scalars or 1-d coordinates (possibly traced)",
    "interp": "complex fp unsupported",
    "reshape": "order='C' only",
    "ravel": "order='C' only",
    "linspace": "num must be concrete",
    "partition": "a full stable sort (it satisfies NumPy's contract; the order within each "
                 "side is unspecified in NumPy)",
    "argpartition": "a full stable argsort (see partition)",
    "union1d": "under transformations needs a static size= (fill_value= pads, default the "
               "smallest value)",
    "intersect1d": "size=, fill_value= as union1d; with return_indices the padded indices are 0",
    "setdiff1d": "size=, fill_value= as union1d (fill_value defaults to 0, as in JAX)",
    "setxor1d": "size=, fill_value= as union1d",
    "isin": "an O(n m) comparison; kind= only selects NumPy's algorithm, the result is the same",
    "unique_values": "sorted (NumPy >= 2.3 leaves the order unspecified); size=, fill_value= "
                     "as unique",
    "unique_counts": "size=, fill_value= as unique",
    "unique_inverse": "size=, fill_value= as unique",
    "unique_all": "indices are first occurrences; size=, fill_value= as unique",
    "compress": "a traced condition needs a static size= (fill_value= pads)",
    "extract": "size=, fill_value= as compress",
    "trim_zeros": "the input must be concrete (the output length depends on it)",
    "polydiv": "the remainder keeps the dividend's length (JAX) unless trim_leading_zeros=True "
               "(concrete input), which gives NumPy's",
    "polymul": "trim_leading_zeros= (JAX) needs concrete input",
    "roots": "complex roots always, as JAX (NumPy returns real roots when all are real); "
             "strip_zeros=True (the default) needs concrete coefficients",
    "poly": "a matrix argument gives complex coefficients, as JAX",
    "polyval": "unroll= accepted and ignored",
    "fill_diagonal": "returns a new array: inplace=False is required (JAX)",
    "place": "returns a new array: inplace=False is required (JAX); works with traced masks",
    "put": "returns a new array: inplace=False is required (JAX); traced indices wrap once "
           "when negative, mode='raise' needs concrete ones",
    "put_along_axis": "returns a new array: inplace=False is required (JAX)",
    "nextafter": "zero derivative",
    "spacing": "zero derivative; float16 follows IEEE for negative values (NumPy's float16 "
               "spacing of a negative number is positive)",
    "frexp": "the mantissa is differentiable (d/dx = 2**-exponent)",
    "i0": "float32 input stays float32; a power series below |x| = 20 and the asymptotic "
          "expansion beyond (rel. error < 1e-14); finite up to |x| ~ 713 where NumPy overflows",
    "piecewise": "every piece is evaluated on the whole input (so pieces must accept all of it)",
    "vectorize": "vmap over the broadcast loop axes: the function is traced once, with traced "
                 "scalars (or core arrays), not called per element",
    "fromfunction": "the function is vmapped over each coordinate (called with traced scalars), "
                    "so the result always has the requested shape (JAX)",
    "apply_along_axis": "vmap over the other axes (the function is traced once)",
    "isscalar": "0-d arrays (and 0-d traced values) count as scalars (JAX)",
    "unravel_index": "traced indices wrap once when negative and clamp into range (JAX)",
    "ravel_multi_index": "traced coordinates need mode='clip' or 'wrap'",
    "histogramdd": "bins: ints or concrete edges (no estimator strings)",
    "histogram2d": "bins: ints or concrete edges (no estimator strings)",
    "histogram_bin_edges": "no estimator strings for bins",
    "digitize": "traced bins: monotonicity is not checked (the direction is read from the ends)",
    "geomspace": "end points of opposite signs (a complex sequence) unsupported",
    "gcd": "Euclid's algorithm in a while_loop (batched: runs until every element is done)",
    "lcm": "wraps on overflow as NumPy's fixed-width product",
    "where": "where(condition) alone needs a concrete condition or a static size= "
             "(fill_value= pads); x= and y= may be passed by keyword",
    "fft.fftn": "an axis may not repeat in axes (JAX); more than three axes are transformed "
                "three at a time",
    "fft.rfftn": "as fftn",
    "fft.irfftn": "as fftn",
    "fft.fftfreq": "dtype= and device= keywords (JAX); d may be traced",
    "fft.rfftfreq": "as fftfreq",
}

# The public names of jax.numpy (JAX 0.10.2), for the coverage figure at the top of the page.
JAX_NUMPY_NAMES = """
ComplexWarning abs absolute acos acosh add all allclose amax amin angle any append
apply_along_axis apply_over_axes arange arccos arccosh arcsin arcsinh arctan arctan2 arctanh
argmax argmin argpartition argsort argwhere around array array_equal array_equiv array_repr
array_split array_str asarray asin asinh astype atan atan2 atanh atleast_1d atleast_2d
atleast_3d average bartlett bfloat16 bincount bitwise_and bitwise_count bitwise_invert
bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift bitwise_xor blackman block bool
bool_ broadcast_arrays broadcast_shapes broadcast_to c_ can_cast cbrt cdouble ceil character
choose clip column_stack complex128 complex64 complex_ complexfloating compress concat
concatenate conj conjugate convolve copy copysign corrcoef correlate cos cosh count_nonzero
cov cross csingle cumprod cumsum cumulative_prod cumulative_sum deg2rad degrees delete diag
diag_indices diag_indices_from diagflat diagonal diff digitize divide divmod dot double dsplit
dstack dtype e ediff1d einsum einsum_path empty empty_like equal euler_gamma exp exp2
expand_dims expm1 extract eye fabs fft fill_diagonal finfo flatnonzero flexible flip fliplr
flipud float16 float32 float4_e2m1fn float64 float6_e2m3fn float6_e3m2fn float8_e3m4
float8_e4m3 float8_e4m3b11fnuz float8_e4m3fn float8_e4m3fnuz float8_e5m2 float8_e5m2fnuz
float8_e8m0fnu float_ float_power floating floor floor_divide fmax fmin fmod frexp from_dlpack
frombuffer fromfile fromfunction fromiter frompyfunc fromstring full full_like gcd generic
geomspace get_printoptions gradient greater greater_equal hamming hanning heaviside histogram
histogram2d histogram_bin_edges histogramdd hsplit hstack hypot i0 identity iinfo imag
index_exp indices inexact inf inner insert int1 int16 int2 int32 int4 int64 int8 int_ integer
interp intersect1d invert isclose iscomplex iscomplexobj isdtype isfinite isin isinf isnan
isneginf isposinf isreal isrealobj isscalar issubdtype iterable ix_ kaiser kron lcm ldexp
left_shift less less_equal lexsort linalg linspace load log log10 log1p log2 logaddexp
logaddexp2 logical_and logical_not logical_or logical_xor logspace mask_indices matmul
matrix_transpose matvec max maximum mean median meshgrid mgrid min minimum mod modf moveaxis
multiply nan nan_to_num nanargmax nanargmin nancumprod nancumsum nanmax nanmean nanmedian
nanmin nanpercentile nanprod nanquantile nanstd nansum nanvar ndarray ndim negative newaxis
nextafter nonzero not_equal number object_ ogrid ones ones_like outer packbits pad partition
percentile permute_dims pi piecewise place poly polyadd polyder polydiv polyfit polyint
polymul polysub polyval positive pow power printoptions prod promote_types ptp put
put_along_axis quantile r_ rad2deg radians ravel ravel_multi_index real reciprocal remainder
repeat reshape resize result_type right_shift rint roll rollaxis roots rot90 round s_ save
savez searchsorted select set_printoptions setdiff1d setxor1d shape sign signbit signedinteger
sin sinc single sinh size sort sort_complex spacing split sqrt square squeeze stack std
subtract sum swapaxes take take_along_axis tan tanh tensordot tile trace transpose trapezoid
tri tril tril_indices tril_indices_from trim_zeros triu triu_indices triu_indices_from
true_divide trunc ufunc uint uint1 uint16 uint2 uint32 uint4 uint64 uint8 union1d unique
unique_all unique_counts unique_inverse unique_values unpackbits unravel_index unsignedinteger
unstack unwrap vander var vdot vecdot vecmat vectorize vsplit vstack where zeros zeros_like
""".split()


def _public_functions(module: ModuleType) -> dict[str, Any]:
    out = {}
    for name in getattr(module, "__all__", None) or dir(module):  # __all__ skips imports
        if name.startswith("_"):
            continue
        value = getattr(module, name)
        if isinstance(value, (type, ModuleType, np.dtype)) or not callable(value):
            continue
        out[name] = value
    return out


def _spec_rows() -> dict[str, list[str]]:
    """Spec-table row names per tested name (the part before ':'), from tests/numpy."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    rows: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests" / "numpy").glob("test_*.py")):
        try:
            module = importlib.import_module(f"tests.numpy.{path.stem}")
        except Exception:  # a module under construction elsewhere must not break the page
            continue
        for spec in getattr(module, "SPECS", []):
            base, _, variant = spec.name.partition(":")
            rows.setdefault(base, []).append(variant or "default")
    return rows


def _row(name: str, value: Any, rows: dict[str, list[str]], qualified: str) -> str:
    short = qualified.split(".")[-1]
    variants = rows.get(qualified) or rows.get(short, [])
    if getattr(np, short, None) is value or any(
            getattr(getattr(np, sub), short, None) is value for sub in SUBMODULES):
        tested = "NumPy's own (re-exported)"
    elif variants:
        tested = f"{len(variants)}: {', '.join(sorted(set(variants)))}"
    else:
        tested = "no spec row"
    note = NOTES.get(qualified, "")
    return f"| `{qualified}` | {tested} | {note} |"


def _numpy_names(module: ModuleType) -> set[str]:
    return {n for n, v in _public_functions(module).items()
            if not getattr(v, "__module__", "").startswith("numpy.testing")}


def render() -> str:
    import ftrans.numpy as fnp

    rows = _spec_rows()
    functions = _public_functions(fnp)
    subs = {sub: _public_functions(getattr(fnp, sub)) for sub in SUBMODULES}
    missing = sorted(_numpy_names(np) - set(functions))
    missing_subs = {sub: sorted(_numpy_names(getattr(np, sub)) - set(subs[sub]))
                    for sub in SUBMODULES}
    present = [n for n in JAX_NUMPY_NAMES if hasattr(fnp, n)]
    absent = [n for n in JAX_NUMPY_NAMES if not hasattr(fnp, n)]
    lines = [
        "# NumPy coverage of `ftrans.numpy`",
        "",
        "Generated by `python docs/gen_numpy_coverage.py` from `dir(ftrans.numpy)`, "
        + ", ".join(f"`dir(ftrans.numpy.{sub})`" for sub in SUBMODULES)
        + " and the spec tables of `tests/numpy/` "
        f"(NumPy {np.__version__}); `tests/numpy/test_coverage_doc.py` fails when this page is "
        "stale. Do not edit by hand: add notes to `NOTES` in the script.",
        "",
        "Every function listed is differentiable (where NumPy's is) and batchable, and follows "
        "NumPy's broadcasting, dtype rules and errors unless a difference is noted. The *spec "
        "rows* column counts the rows of the spec tables (values vs NumPy on hypothesis shapes, "
        "abstract evaluation, `check_grads`, vmap vs a loop) that exercise the function.",
        "",
        f"Provided: {len(functions)} functions in `ftrans.numpy`, "
        + ", ".join(f"{len(subs[sub])} in `ftrans.numpy.{sub}`" for sub in SUBMODULES)
        + f". Missing: {len(missing)} NumPy top-level callables, "
        + ", ".join(f"{len(missing_subs[sub])} in `numpy.{sub}`" for sub in SUBMODULES)
        + " (listed at the end).",
        "",
        f"Of the {len(JAX_NUMPY_NAMES)} public names of `jax.numpy` (JAX 0.10.2: functions, "
        f"dtypes, constants and submodules), `ftrans.numpy` has {len(present)} "
        f"({100 * len(present) / len(JAX_NUMPY_NAMES):.1f}%); absent: "
        + ", ".join(f"`{n}`" for n in absent) + ".",
        "",
        "## `ftrans.numpy`",
        "",
        "| function | spec rows | differences from NumPy |",
        "| --- | --- | --- |",
    ]
    lines += [_row(n, v, rows, n) for n, v in sorted(functions.items())]
    for sub in SUBMODULES:
        lines += ["", f"## `ftrans.numpy.{sub}`", "", "| function | spec rows | differences "
                  "from NumPy |", "| --- | --- | --- |"]
        lines += [_row(n, v, rows, f"{sub}.{n}") for n, v in sorted(subs[sub].items())]
    lines += ["", "## Missing", "",
              "NumPy callables without an `ftrans.numpy` counterpart (many are I/O, printing, "
              "string, datetime or configuration functions that have no place in a "
              "transformation library):", ""]
    lines.append(", ".join(f"`{n}`" for n in missing) + ".")
    for sub in SUBMODULES:
        lines += ["", f"`numpy.{sub}`: "
                  + (", ".join(f"`{n}`" for n in missing_subs[sub]) or "none") + "."]
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    OUTPUT.write_text(render())
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
