"""Rich display of programs in notebooks: a syntax-coloured HTML view of a Jaxpr.

Jupyter shows an object through its ``_repr_html_``; :class:`~ftrans.ir.ClosedJaxpr` and
:class:`~ftrans.ir.Jaxpr` delegate to :func:`jaxpr_html` here. The view has the same text as
``print(program)`` (the same names, types and params, from the printer in ``ir.py``), coloured
by role, and every program held in a param (``jit``, ``cond``, ``scan``, custom derivatives)
folds under a ``<details>`` element so that a large nested program stays out of the way until
it is opened. Names, params and literals can be user text, so every piece of text is escaped.
Styles are inline because notebook renderers (GitHub's, nbviewer's) drop ``<style>`` blocks.
The walk over equations is a loop; only nested programs recurse, once per nesting level.
See docs/debugging.md, "Programs in notebooks".

>>> import ftrans as ft
>>> html = jaxpr_html(ft.make_jaxpr(lambda x: x * 2.0)(1.0))
>>> html.startswith("<div") and ">mul<" in html
True
"""

from __future__ import annotations

import html as html_lib
from typing import Any

from ftrans.ir import (
    ClosedJaxpr,
    Jaxpr,
    JaxprEqn,
    Literal,
    Var,
    Namer,
    pp_param,
    pp_literal,
    programs_in_params,
)

__all__ = ["jaxpr_html", "MAX_HTML_EQUATIONS", "OPEN_NESTED_EQUATIONS"]

# A notebook cell of a 100,000-equation program would stall the browser; past this many
# equations (counted over all nesting levels) the view says how many it left out.
MAX_HTML_EQUATIONS = 2000
# Nested programs this short are shown unfolded: opening them by hand would cost more than
# reading them.
OPEN_NESTED_EQUATIONS = 8

_COLORS = {
    "keyword": "#7a3e9d",   # lambda, let, in
    "var": "#1f4e8c",       # variable names
    "type": "#2e7d32",      # f64[3,4]
    "prim": "#b35900",      # primitive names
    "param": "#555555",     # param names and values
    "literal": "#a31515",   # inline constants
}
_BOX = ("font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; "
        "font-size: 12px; line-height: 1.45; white-space: pre; overflow-x: auto;")
_SUMMARY = "cursor: pointer; color: #555555;"


def _span(role: str, text: str) -> str:
    return f'<span style="color: {_COLORS[role]}">{html_lib.escape(text)}</span>'


def _binder(v: Var, namer: Namer) -> str:
    return _span("var", namer(v)) + ":" + _span("type", v.aval.str_short())


def _atom(x: Any, namer: Namer) -> str:
    if type(x) is Literal:
        return _span("literal", pp_literal(x))
    return _span("var", namer(x))


def _nested(value: Any) -> list[Jaxpr]:
    """The programs a param value holds (one, or a tuple/list of them), else []."""
    return [v.jaxpr if isinstance(v, ClosedJaxpr) else v
            for v in programs_in_params({"value": value})]


def _line(content: str) -> str:
    # one <div> a line: line breaks then never depend on how <details> meets white-space
    return f"<div>{content}</div>"


class _HtmlWriter:
    """Accumulates lines of HTML; counts equations against :data:`MAX_HTML_EQUATIONS`."""

    def __init__(self, limit: int) -> None:
        self.parts: list[str] = []
        self.remaining = limit
        self.omitted = 0

    def program(self, jaxpr: Jaxpr, pad: str) -> None:
        namer = Namer()  # a fresh namer per program, as pp_jaxpr uses
        consts = " ".join(_binder(v, namer) for v in jaxpr.constvars)
        ins = " ".join(_binder(v, namer) for v in jaxpr.invars)
        self.parts.append(_line(f"{pad}{{ {_span('keyword', 'lambda')} "
                                f"{consts + ' ' if consts else ''}; {ins}. "
                                f"{_span('keyword', 'let')}"))
        for eqn in jaxpr.eqns:
            if self.remaining <= 0:
                self.omitted += 1
                continue
            self.remaining -= 1
            self.equation(eqn, namer, pad + "    ")
        outs = " ".join(_atom(x, namer) + "," for x in jaxpr.outvars)
        if len(jaxpr.outvars) > 1:
            outs = outs[:-1]
        self.parts.append(_line(f"{pad}  {_span('keyword', 'in')} ({outs}) }}"))

    def equation(self, eqn: JaxprEqn, namer: Namer, pad: str) -> None:
        params, nested = [], []
        for key, value in eqn.params.items():
            programs = _nested(value)
            if programs:
                nested.append((key, programs))
                shown = "{...}" if len(programs) == 1 else f"({len(programs)} programs)"
            else:
                shown = pp_param(value, namer, 0)
            params.append(_span("param", f"{key}=") + _span("param", shown))
        outs = " ".join(_binder(v, namer) for v in eqn.outvars)
        ins = " ".join(_atom(x, namer) for x in eqn.inputs)
        head = (f"{pad}{outs} = {_span('prim', eqn.primitive.name)}"
                + (f"[{' '.join(params)}]" if params else "") + (f" {ins}" if ins else ""))
        if not nested:
            self.parts.append(_line(head))
            return
        size = sum(len(p.eqns) for _, programs in nested for p in programs)
        is_open = " open" if size <= OPEN_NESTED_EQUATIONS else ""
        # <summary> is the equation itself, so a folded program still reads as one line
        self.parts.append(f'<details{is_open}><summary style="{_SUMMARY}">{head}</summary>')
        for key, programs in nested:
            for i, inner in enumerate(programs):
                label = key if len(programs) == 1 else f"{key}[{i}]"
                self.parts.append(_line(f"{pad}  {_span('param', label + ' =')}"))
                self.program(inner, pad + "    ")
        self.parts.append("</details>")


def jaxpr_html(program: ClosedJaxpr | Jaxpr, max_equations: int = MAX_HTML_EQUATIONS) -> str:
    """The program as a block of syntax-coloured HTML, nested programs foldable.

    Args:
      program: a :class:`~ftrans.ir.ClosedJaxpr` (e.g. from ``ft.make_jaxpr(f)(*args)``) or a
        :class:`~ftrans.ir.Jaxpr`.
      max_equations: show at most this many equations (over all nesting levels); the view
        ends with a note of how many it left out.

    Returns:
      An HTML fragment (a ``<div>``), what Jupyter shows for the program.

    Raises:
      TypeError: ``program`` is not a program. ValueError: ``max_equations`` is negative.

    >>> import ftrans as ft
    >>> html = jaxpr_html(ft.make_jaxpr(lambda x: x + 1.0)(1.0))
    >>> ">add<" in html and ">1.0<" in html
    True
    """
    if isinstance(program, ClosedJaxpr):
        program = program.jaxpr
    if not isinstance(program, Jaxpr):
        raise TypeError(f"jaxpr_html takes a ClosedJaxpr (e.g. ft.make_jaxpr(f)(*args)) or a "
                        f"Jaxpr, got {type(program).__name__}")
    if isinstance(max_equations, bool) or not isinstance(max_equations, int) \
            or max_equations < 0:
        raise ValueError(f"jaxpr_html: max_equations must be a non-negative int, got "
                         f"{max_equations!r}")
    writer = _HtmlWriter(max_equations)
    writer.program(program, "")
    if writer.omitted:
        writer.parts.append(_line(html_lib.escape(
            f"... {writer.omitted} more equations not shown (print the program to see all)")))
    return f'<div class="ftrans-jaxpr" style="{_BOX}">{"".join(writer.parts)}</div>'
