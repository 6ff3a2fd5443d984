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

# The submodules covered after the top level, each with a section of its own.
SUBMODULES = ("linalg", "fft")

# Known differences from NumPy, by function name (submodule functions as "linalg.<name>"). Keep
# them short and honest; anything not listed behaves as NumPy's function (values, dtypes,
# errors) for the arguments it accepts.
NOTES: dict[str, str] = {
    "getitem": "x[i]: traced out-of-range indices clamp (no IndexError); a traced boolean mask "
               "is an error (use where, or nonzero(..., size=)); x[True] unsupported",
    "at": "not in NumPy: at(x)[i].set/add/subtract/multiply/divide/min/max/get (JAX's x.at); "
          "traced out-of-range indices are dropped",
    "at_indexer": "the hook behind Tracer.at; same as at",
    "take": "mode 'raise' checks concrete indices only; traced ones clamp",
    "take_along_axis": "traced out-of-range indices clamp",
    "nonzero": "size=, fill_value= (JAX) make it work under transformations; otherwise the "
               "input must be concrete",
    "argwhere": "size=, fill_value= as nonzero",
    "flatnonzero": "size=, fill_value= as nonzero",
    "unique": "under transformations needs a static size= (fill_value= pads, default the "
              "minimum); axis= only on concrete input",
    "sort": "every kind is stable; order= unsupported; complex unsupported",
    "argsort": "always stable; order= unsupported",
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
                 "derivative, weights are differentiable",
    "pad": "modes constant, edge, reflect, symmetric, wrap (not linear_ramp, maximum, mean, "
           "median, minimum, empty, callables); reflect_type='odd' unsupported",
    "insert": "obj must be concrete",
    "delete": "obj must be concrete",
    "choose": "mode 'raise' checks concrete indices only",
    "convolve": "direct O(n m) method (no FFT); complex unsupported",
    "correlate": "direct O(n m) method; complex unsupported",
    "cross": "2-vectors are accepted without NumPy 2's DeprecationWarning",
    "gradient": "spacings: scalars or 1-d coordinates (possibly traced)",
    "interp": "complex fp unsupported",
    "where": "where(condition) alone needs a concrete condition (use nonzero(size=))",
    "reshape": "order='C' only",
    "ravel": "order='C' only",
    "var": "complex unsupported",
    "conjugate": "complex unsupported",
    "real": "complex unsupported",
    "imag": "complex unsupported",
    "linspace": "num must be concrete",
    "fft.fftn": "an axis may not repeat in axes (JAX); more than three axes are transformed "
                "three at a time",
    "fft.rfftn": "as fftn",
    "fft.irfftn": "as fftn",
    "fft.fftfreq": "dtype= and device= keywords (JAX); d may be traced",
    "fft.rfftfreq": "as fftfreq",
}


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
