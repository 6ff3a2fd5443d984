"""Generate docs/api.md (the API reference) from the docstrings of the public modules.

Run ``python docs/gen_api.py`` after adding or changing a public function; the test
``tests/test_viz.py::test_api_reference_is_up_to_date`` fails while docs/api.md is stale.
Also regenerates the demo's graph picture ``docs/images/f.dot`` (and ``f.svg`` when Graphviz
is installed), shown in docs/forward_and_reverse.md.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import re
import sys
from typing import Any

DOCS = pathlib.Path(__file__).resolve().parent

# (module, how its functions are shown): "full" prints each docstring, "table" one line each.
MODULES = [
    ("ftrans", "full"),
    ("ftrans.tree_util", "full"),
    ("ftrans.flatten_util", "full"),
    ("ftrans.viz", "full"),
    ("ftrans.test_util", "full"),
    ("ftrans.distributed", "full"),  # needs the distributed extra (dask)
    ("ftrans.nn", "table"),
    ("ftrans.numpy", "table"),
    ("ftrans.numpy.linalg", "table"),
    ("ftrans.scipy.linalg", "table"),
    ("ftrans.numpy.fft", "table"),
    ("ftrans.lax", "table"),
    ("ftrans.extend", "table"),
    ("ftrans.scipy.signal", "table"),
    ("ftrans.scipy.optimize", "table"),
    ("ftrans.scipy.integrate", "table"),
    ("ftrans.scipy.interpolate", "table"),
]

HEADER = """\
# API reference

Generated from the docstrings by `python docs/gen_api.py`; a test keeps it in sync with the
code. Tutorials: [quickstart](quickstart.md), [transformations](transformations.md).
Examples in docstrings (`>>>`) are run by the test suite (`pytest --doctest-modules`).
"""


def _own(module: Any, name: str, obj: Any) -> bool:
    """Whether ``obj`` is documented under ``module``: a function or class defined there (or,
    for a package, in one of its modules; for ``ftrans``, anywhere in ftrans)."""
    if name.startswith("_") or inspect.ismodule(obj) or not callable(obj):
        return False
    defined_in = getattr(obj, "__module__", "") or ""
    home = module.__name__
    parent = home.rpartition(".")[0]
    return (defined_in == home or defined_in.startswith(home + ".")
            or (home == "ftrans" and defined_in.startswith("ftrans."))
            # a facade over private modules of its package (ftrans.numpy.linalg)
            or (bool(parent) and defined_in.startswith(parent + "._")
                and name in getattr(module, "__all__", ())))


def _listed(name: str, obj: Any) -> bool:
    """Other public objects worth naming: not submodules, not typing helpers."""
    if inspect.ismodule(obj) or name == "annotations":
        return False
    return getattr(obj, "__module__", None) != "typing"


def _public_names(module: Any) -> list[str]:
    names = getattr(module, "__all__", None) or dir(module)
    return sorted(n for n in names if not n.startswith("_"))


def _signature(obj: Any) -> str:
    try:
        text = str(inspect.signature(obj)).replace("'", '"')
    except (TypeError, ValueError):
        return "(...)"
    return re.sub(r" at 0x[0-9a-fA-F]+", "", text)  # default sentinels: no memory addresses


def _summary(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return " ".join(doc.split("\n\n")[0].split()).replace("|", "\\|")


def _module_section(mod_name: str, style: str) -> list[str]:
    try:
        module = importlib.import_module(mod_name)
    except ImportError:
        return []  # not written yet
    lines = [f"## `{mod_name}`", "", _summary(module), ""]
    names = [n for n in _public_names(module) if _own(module, n, getattr(module, n))]
    if mod_name == "ftrans.lax":  # primitives (sin_p) are documented by their wrappers
        names = [n for n in names if not n.endswith("_p")]
    if style == "table":
        lines += ["| name | summary |", "| --- | --- |"]
        lines += [f"| `{n}` | {_summary(getattr(module, n))} |" for n in names]
    else:
        for n in names:
            obj = getattr(module, n)
            kind = "class " if inspect.isclass(obj) else ""
            lines += [f"### `{mod_name}.{n}`", "", f"`{kind}{n}{_signature(obj)}`", ""]
            doc = inspect.getdoc(obj)
            if doc:
                lines += ["```text", doc, "```", ""]
    others = [n for n in _public_names(module) if n not in names and _listed(n, getattr(module, n))]
    if others:
        lines += ["", "Also exported (primitives, tables, constants, dtypes and NumPy objects): "
                  + ", ".join(f"`{n}`" for n in others) + ".", ""]
    return lines + [""]


def api_markdown() -> str:
    lines = [HEADER]
    for mod_name, style in MODULES:
        lines += _module_section(mod_name, style)
    return "\n".join(lines).rstrip() + "\n"


def demo_graph_dot() -> str:
    import ftrans as ft
    from ftrans import demo, viz
    return viz.to_dot(ft.make_jaxpr(demo.f)(3.0, 2.0), name="f", title=demo.FORMULA)


def main() -> int:
    (DOCS / "api.md").write_text(api_markdown())
    images = DOCS / "images"
    images.mkdir(exist_ok=True)
    dot = demo_graph_dot()
    (images / "f.dot").write_text(dot)
    from ftrans import viz
    if viz.graphviz_available():
        viz.render(dot, "svg", images / "f.svg")
    else:
        print("Graphviz not installed: docs/images/f.svg not regenerated", file=sys.stderr)
    print("wrote docs/api.md and docs/images/f.dot")
    return 0


if __name__ == "__main__":
    sys.exit(main())
