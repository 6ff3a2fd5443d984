"""Rich display in notebooks: programs as coloured HTML and text, graphs as inline SVG, and
user text (names, params, titles) escaped on the way into HTML and DOT."""

from __future__ import annotations

import html
import re
import shutil

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import display, viz
from ftrans.core import Primitive

requires_dot = pytest.mark.skipif(shutil.which("dot") is None,
                                  reason="Graphviz `dot` is not installed")
NASTY = 'we"ird <b>&{x}</b>\nline2 \\l\\N'  # quotes, markup, braces, newline, DOT escapes


def f(x, y):
    return (x + y) * (x - y)


def nasty_program():
    """A program whose primitive name and param are user text full of special characters."""
    prim = Primitive(NASTY, impl=lambda x, **params: x,
                     abstract_eval=lambda aval, **params: aval)
    return ft.make_jaxpr(lambda x: prim.bind(x, note=NASTY) * 2.0)(1.0)


def visible_text(fragment: str) -> str:
    """What a browser shows for an HTML fragment: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment.replace("</div>", "\n")))


class FakePrinter:
    """IPython's pretty printer, as far as ``_repr_pretty_`` uses it."""

    def __init__(self) -> None:
        self.out = ""

    def text(self, text: str) -> None:
        self.out += text


# ---------------------------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------------------------


def test_html_shows_the_printed_program_coloured():
    closed = ft.make_jaxpr(f)(3.0, 2.0)
    view = closed._repr_html_()
    assert view == display.jaxpr_html(closed) == closed.jaxpr._repr_html_()
    assert visible_text(view).split() == str(closed).split()
    assert '<span style="color: #b35900">mul</span>' in view     # primitives coloured
    assert '<span style="color: #2e7d32">f64[]</span>' in view   # types coloured
    assert "<details" not in view                                # nothing to fold


def test_pretty_text_is_the_printed_program():
    closed = ft.make_jaxpr(f)(3.0, 2.0)
    for program in (closed, closed.jaxpr):
        printer = FakePrinter()
        program._repr_pretty_(printer, False)
        assert printer.out == str(closed)


def test_nested_programs_fold():
    small = ft.make_jaxpr(ft.grad(ft.jit(lambda x: fnp.sum(fnp.sin(x)))))(np.ones(3))
    view = small._repr_html_()
    assert view.count("<details open>") == 2 and view.count("</details>") == 2
    assert "jaxpr=</span>" in view and "{...}" in view  # the equation line, folded form

    def long_body(x):
        for _ in range(display.OPEN_NESTED_EQUATIONS + 1):
            x = fnp.sin(x)
        return x
    big = ft.make_jaxpr(ft.jit(long_body))(1.0)._repr_html_()
    assert "<details>" in big and "<details open>" not in big
    assert big.count(">sin<") == display.OPEN_NESTED_EQUATIONS + 1  # folded, not dropped


def test_html_escapes_user_text():
    view = nasty_program()._repr_html_()
    assert "<b>" not in view and "&lt;b&gt;" in view
    # the name survives intact (a newline in it is shown, never interpreted as markup)
    assert NASTY.split("\n")[0] in visible_text(view)


def test_long_programs_are_cut_with_a_note():
    def chain(x):
        for _ in range(30):
            x = fnp.sin(x)
        return x
    view = display.jaxpr_html(ft.make_jaxpr(chain)(1.0), max_equations=10)
    assert view.count(">sin<") == 10 and "20 more equations not shown" in view
    with pytest.raises(ValueError, match="max_equations"):
        display.jaxpr_html(ft.make_jaxpr(chain)(1.0), max_equations=-1)
    with pytest.raises(TypeError, match="ClosedJaxpr"):
        display.jaxpr_html(chain)


# ---------------------------------------------------------------------------------------------
# Graphs
# ---------------------------------------------------------------------------------------------


def test_graph_of_a_function():
    g = ft.viz.graph(f, title="f")(3.0, 2.0)
    assert isinstance(g, viz.Graph)
    assert g.dot == viz.to_dot(ft.make_jaxpr(f)(3.0, 2.0), title="f")
    assert str(g) == str(ft.make_jaxpr(f)(3.0, 2.0))
    with pytest.raises(TypeError, match="viz.graph"):
        ft.viz.graph(f(3.0, 2.0))
    with pytest.raises(TypeError, match="ClosedJaxpr"):
        viz.Graph(f)


def test_graph_without_graphviz_falls_back_to_text_with_a_hint(monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    g = ft.viz.graph(f)(3.0, 2.0)
    assert g._repr_svg_() is None  # IPython then shows the text form
    printer = FakePrinter()
    g._repr_pretty_(printer, False)
    text, hint = printer.out.rsplit("\n", 1)
    assert text == str(ft.make_jaxpr(f)(3.0, 2.0))
    assert "Graphviz" in hint and "apt-get install graphviz" in hint


def test_save(tmp_path, monkeypatch):
    g = ft.viz.graph(f)(3.0, 2.0)
    assert g.save(tmp_path / "g.dot").read_text() == g.dot
    with pytest.raises(ValueError, match=r"\.dot"):
        g.save(tmp_path / "g.jpeg")
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    with pytest.raises(viz.GraphvizNotFoundError):
        g.save(tmp_path / "g.svg")


@requires_dot
def test_graph_renders_inline_svg(tmp_path):
    g = ft.viz.graph(ft.grad(f))(3.0, 2.0)
    svg = g._repr_svg_()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    assert ">mul<" in svg
    printer = FakePrinter()
    g._repr_pretty_(printer, False)
    assert "Graphviz" not in printer.out  # no hint where the picture shows
    assert g.save(tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")


def test_dot_labels_escape_user_text():
    dot = viz.to_dot(nasty_program(), name=NASTY, title=NASTY + "\r\nend\x01")
    # every string literal is closed where it should be: no raw quote or newline inside one
    for literal in re.findall(r'"((?:[^"\\]|\\.)*)"', dot):
        assert "\n" not in literal and "\x01" not in literal
    escaped = 'we\\"ird <b>&{x}</b>\\nline2 \\\\l\\\\N'
    assert f'label="{escaped}' in dot        # the primitive's node
    assert f'digraph "{escaped}" {{' in dot   # the graph's name
    assert "\\nend\\\\x01" in dot               # \r\n is one line break; \x01 shown, not sent


@requires_dot
def test_dot_renders_user_text_verbatim():
    svg = viz.Graph(nasty_program(), title=NASTY).render("svg").decode()
    shown = html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))
    assert 'we"ird <b>&{x}</b>' in shown     # quotes, markup and braces drawn as typed
    assert "line2 \\l\\N" in shown            # Graphviz escapes in user text drawn, not run
