"""ftrans.viz (the graph of a program as DOT, rendering), the demo, and the docs' generated
parts: the API reference and the demo's picture."""

from __future__ import annotations

import importlib.util
import pathlib
import re
import shutil

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import viz

ROOT = pathlib.Path(__file__).resolve().parent.parent
NODE = re.compile(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)", ([^\]]*)\];$')
EDGE = re.compile(r'^\s*(n\d+) -> (n\d+)(?: \[(.*)\])?;$')
requires_dot = pytest.mark.skipif(shutil.which("dot") is None,
                                  reason="Graphviz `dot` is not installed")


def f(x, y):
    return (x + y) * (x - y)


def parse(dot: str) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str | None]]]:
    """Nodes {id: (label, attrs)} and edges [(src, dst, label)] of to_dot's output."""
    nodes, edges = {}, []
    for line in dot.splitlines():
        if m := NODE.match(line):
            nodes[m[1]] = (m[2], m[3])
        elif m := EDGE.match(line):
            label = re.search(r'label="((?:[^"\\]|\\.)*)"', m[3] or "")
            edges.append((m[1], m[2], label[1] if label else None))
    return nodes, edges


def by_label(nodes, label):
    return [i for i, (lab, _) in nodes.items() if lab == label]


def test_graph_of_the_seed_function():
    dot = viz.to_dot(ft.make_jaxpr(f)(3.0, 2.0))
    assert dot.startswith("digraph jaxpr {") and dot.rstrip().endswith("}")
    assert dot.count("{") == dot.count("}")
    nodes, edges = parse(dot)
    assert sorted(lab for lab, _ in nodes.values()) == sorted(
        ["a:f64[]", "b:f64[]", "add", "sub", "mul", "out"])
    (a,), (b,) = by_label(nodes, "a:f64[]"), by_label(nodes, "b:f64[]")
    (add,), (sub,), (mul,), (out,) = (by_label(nodes, n) for n in ("add", "sub", "mul", "out"))
    # edges carry the printed program's variable names and types
    assert sorted(edges) == sorted([
        (a, add, "a:f64[]"), (b, add, "b:f64[]"), (a, sub, "a:f64[]"), (b, sub, "b:f64[]"),
        (add, mul, "c:f64[]"), (sub, mul, "d:f64[]"), (mul, out, "e:f64[]")])
    assert "ellipse" in nodes[a][1] and "box" in nodes[mul][1]


def test_params_literals_constants_and_multiple_outputs():
    c = np.array([1.0, 2.0])

    def g(x):
        return fnp.sum(x * c, axis=0) + 1.5, x.reshape(1, 2)

    nodes, edges = parse(viz.to_dot(ft.make_jaxpr(g)(np.ones(2))))
    labels = [lab for lab, _ in nodes.values()]
    assert any(lab.startswith("reduce_sum\\naxes=(0,)") for lab in labels)
    assert any(lab.startswith("reshape\\n") and "(1, 2)" in lab for lab in labels)
    assert "1.5" in labels and "out 0" in labels and "out 1" in labels
    (const,) = [lab for lab in labels if lab.startswith("const ")]
    assert "f64[2]" in const and "[1.,2.]" in const
    literal = by_label(nodes, "1.5")[0]
    assert [e for e in edges if e[0] == literal][0][2] is None
    assert "plaintext" in nodes[literal][1]


def test_nested_programs_are_clusters():
    closed = ft.make_jaxpr(ft.grad(ft.jit(lambda x: fnp.sum(fnp.sin(x)))))(np.ones(3))
    dot = viz.to_dot(closed)
    assert dot.count("subgraph cluster_") == 2
    assert dot.count("{") == dot.count("}")
    nodes, edges = parse(dot)
    calls = [i for i, (lab, _) in nodes.items() if lab.startswith("jit\\n")]
    assert len(calls) == 2
    cluster_links = [line for line in dot.splitlines() if "lhead=cluster_" in line]
    assert len(cluster_links) == 2 and all("style=dotted" in line for line in cluster_links)
    inner = dot[dot.index("subgraph cluster_0"):]
    assert 'label="sin"' in inner and 'label="cos"' in inner


def test_quoting_and_titles():
    dot = viz.to_dot(ft.make_jaxpr(f)(3.0, 2.0), name="my graph", title='say "hi"\\there')
    assert dot.startswith('digraph "my graph" {')
    assert 'label="say \\"hi\\"\\\\there"' in dot


def test_accepts_jaxpr_and_rejects_other_values():
    closed = ft.make_jaxpr(f)(3.0, 2.0)
    assert viz.to_dot(closed.jaxpr) == viz.to_dot(closed)
    with pytest.raises(TypeError, match="ClosedJaxpr"):
        viz.to_dot(f)


def test_long_programs_need_no_recursion():
    def chain(x):
        for _ in range(3000):
            x = fnp.sin(x)
        return x
    nodes, edges = parse(viz.to_dot(ft.make_jaxpr(chain)(1.0)))
    assert len(nodes) == 3002 and len(edges) == 3001


def test_closed_jaxpr_to_dot_method():
    closed = ft.make_jaxpr(f)(3.0, 2.0)
    if not hasattr(closed, "to_dot"):
        pytest.skip("ClosedJaxpr.to_dot is added in ftrans/ir.py (shared file)")
    assert closed.to_dot() == viz.to_dot(closed)


def test_render_without_graphviz_says_how_to_install(monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    assert not viz.graphviz_available()
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz"):
        viz.render(ft.make_jaxpr(f)(3.0, 2.0))
    with pytest.raises(ValueError, match="svg"):
        viz.render(ft.make_jaxpr(f)(3.0, 2.0), "jpeg-2000")


@requires_dot
def test_render_svg_and_png(tmp_path):
    closed = ft.make_jaxpr(ft.grad(ft.jit(lambda x: fnp.sum(fnp.sin(x)))))(np.ones(3))
    svg = viz.render(closed, "svg", tmp_path / "g.svg")
    assert b"<svg" in svg and (tmp_path / "g.svg").read_bytes() == svg
    assert b">mul<" in viz.render(ft.make_jaxpr(f)(3.0, 2.0), "svg")
    png = viz.render(viz.to_dot(closed), "png")
    assert png.startswith(b"\x89PNG")
    with pytest.raises(RuntimeError, match="dot failed"):
        viz.render("digraph { this is not dot", "svg")


# ---------------------------------------------------------------------------------------------
# The demo
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("graphviz", [True, False], ids=["with-graphviz", "without-graphviz"])
def test_demo_output_and_files(tmp_path, capsys, monkeypatch, graphviz):
    """The demo's text is the same with and without Graphviz (the machine's own is hidden for
    the second case, and the first skips where there is none)."""
    from ftrans.__main__ import main
    if graphviz and not viz.graphviz_available():
        pytest.skip("Graphviz (the `dot` program) is not installed")
    if not graphviz:
        monkeypatch.setattr(viz, "graphviz_available", lambda: False)
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--no-color"]) == 0
    out = capsys.readouterr().out
    for text in ("f(3, 2) = 5.0", "df/dx = 6.0", "df/dy = -4.0", "vjp(1.0) = (6.0, -4.0)",
                 "e:f64[] = mul c d", "add_any", "wrote f.dot", "[[ -5. -10.]",
                 "grad(grad(f))(3)       = 2.0"):
        assert text in out, text
    assert "\033[" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    dot = (tmp_path / "f.dot").read_text()
    assert dot == viz.to_dot(ft.make_jaxpr(f)(3.0, 2.0), name="f",
                             title="f(x, y) = (x + y) * (x - y)")
    assert (tmp_path / "f.svg").exists() == graphviz
    if not graphviz:
        assert "Graphviz is not installed" in out and "dot -Tsvg f.dot -o f.svg" in out


def test_demo_options(tmp_path, capsys):
    from ftrans.__main__ import main
    assert main(["demo", "--no-color", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "f.dot").exists()
    assert main(["demo", "--out", str(tmp_path / "missing")]) == 2
    assert main([]) == 2 and main(["frobnicate"]) == 2
    assert "usage" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# Generated documentation
# ---------------------------------------------------------------------------------------------


def _gen_api():
    spec = importlib.util.spec_from_file_location("gen_api", ROOT / "docs" / "gen_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_names_every_public_function():
    api = (ROOT / "docs" / "api.md").read_text()
    public = [f"`ftrans.{n}`" for n in dir(ft) if not n.startswith("_")
              and callable(getattr(ft, n)) and not isinstance(getattr(ft, n), type(ft))]
    public += [f"`{n}`" for n in dir(fnp) if not n.startswith("_") and callable(getattr(fnp, n))]
    public += [f"`ftrans.viz.{n}`" for n in viz.__all__]
    missing = [n for n in public if n not in api]
    assert not missing, (f"docs/api.md does not document {missing}: run "
                         f"`python docs/gen_api.py` to regenerate it")


def test_demo_picture_in_docs_is_current():
    expected = _gen_api().demo_graph_dot()
    assert (ROOT / "docs" / "images" / "f.dot").read_text() == expected, \
        "docs/images/f.dot is stale: run `python docs/gen_api.py`"
    assert (ROOT / "docs" / "images" / "f.svg").exists()


def test_mkdocs_nav_lists_every_page():
    nav = set(re.findall(r":\s*(\S+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), re.M))
    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    assert pages <= nav, f"pages missing from mkdocs.yml nav: {sorted(pages - nav)}"
