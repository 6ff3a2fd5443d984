"""Pictures of programs: the computational graph of a Jaxpr as Graphviz DOT, and rendering.

:func:`to_dot` draws a program as a dataflow graph: its inputs and constants, one node per
equation labelled with the primitive and its params, edges labelled with the variable and its
aval (named as the printed program names them, ``c:f64[3]``), and programs held in params
(``jit``, control flow) as nested clusters. :func:`render` runs Graphviz's ``dot`` on it.
:func:`graph` (``ft.viz.graph(f)(x)``) returns a :class:`Graph`, which Jupyter draws inline as
SVG (or shows as the program's text, with a hint, where Graphviz is missing). The
walk over equations is a loop; only nested programs recurse, once per nesting level. See
docs/forward_and_reverse.md for a picture.

>>> import ftrans as ft
>>> from ftrans.viz import to_dot
>>> dot = to_dot(ft.make_jaxpr(lambda x, y: (x + y) * (x - y))(3.0, 2.0))
>>> dot.splitlines()[0]
'digraph jaxpr {'
>>> sum('label="mul"' in line for line in dot.splitlines())
1
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
from typing import Any, Callable, Sequence

import numpy as np

from ftrans.core import FtransError
from ftrans.ir import (
    ClosedJaxpr,
    Jaxpr,
    Literal,
    Var,
    Namer,
    pp_param,
    pp_literal,
    programs_in_params,
)

__all__ = ["Graph", "GraphvizNotFoundError", "graph", "graphviz_available", "render", "to_dot"]

FORMATS = ("svg", "png", "pdf")
_MAX_PARAM_CHARS = 40
_MAX_CONST_ELEMENTS = 4

_GRAPH_HEADER = [
    'rankdir=TB; fontname="Helvetica"; fontsize=11; compound=true; nodesep=0.3;',
    'node [fontname="Helvetica", fontsize=11];',
    'edge [fontname="Helvetica", fontsize=9, color="#555555", fontcolor="#333333"];',
]
_INPUT = 'shape=ellipse, style=filled, fillcolor="#dbe9f6", color="#4a78a8"'
_CONST = 'shape=note, style=filled, fillcolor="#eeeeee", color="#888888"'
_LITERAL = 'shape=plaintext, fontcolor="#555555"'
_EQN = 'shape=box, style="rounded,filled", fillcolor="#ffffff", color="#333333"'
_CALL = 'shape=box, style="rounded,filled,bold", fillcolor="#fff4d6", color="#a8862b"'
_OUTPUT = 'shape=ellipse, style=filled, fillcolor="#dff0d8", color="#4d8a3c"'


class GraphvizNotFoundError(FtransError, RuntimeError):
    """Graphviz's ``dot`` program is needed to render a picture but is not installed."""


def _quote(text: str) -> str:
    """A DOT string literal of user text: backslashes and quotes escaped (so a ``\\l`` or
    ``\\N`` in a name is shown, not taken as a Graphviz escape), line breaks of any kind
    centred (``\\n``), other control characters shown as escapes rather than sent raw."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c if c == "\n" or c >= " " else repr(c)[1:-1] for c in text)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _short(text: str, limit: int = _MAX_PARAM_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _programs_in(value: Any) -> list[tuple[Jaxpr, list[Any] | None]]:
    """The programs held by one param value (a program, or a tuple/list of them), each with
    its constants when known."""
    return [(v.jaxpr, list(v.consts)) if isinstance(v, ClosedJaxpr) else (v, None)
            for v in programs_in_params({"value": value})]


def _const_label(name: str, value: Any, var: Var, known: bool) -> str:
    """``const b:f64[2]``, with the value when it is known and small."""
    label = f"const {name}:{var.aval.str_short()}"
    if known and isinstance(value, (np.ndarray, np.generic, float, int)) and np.size(value) <= \
            _MAX_CONST_ELEMENTS:
        arr = np.asarray(value)
        shown = repr(arr.item()) if arr.ndim == 0 else np.array2string(arr, separator=",")
        label += "\n= " + _short(shown)
    return label


class _DotWriter:
    """Accumulates DOT lines; gives every node a graph-wide unique id."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.count = 0
        self.clusters = 0

    def node(self, label: str, style: str, pad: str) -> str:
        node_id = f"n{self.count}"
        self.count += 1
        self.lines.append(f"{pad}{node_id} [label={_quote(label)}, {style}];")
        return node_id

    def edge(self, src: str, dst: str, label: str | None, pad: str, extra: str = "") -> None:
        attrs = [f"label={_quote(label)}"] if label is not None else []
        if extra:
            attrs.append(extra)
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        self.lines.append(f"{pad}{src} -> {dst}{suffix};")

    def program(self, jaxpr: Jaxpr, consts: list[Any] | None, pad: str) -> str:
        """Draw ``jaxpr``; return the id of one of its nodes (for an edge into its cluster)."""
        namer = Namer()  # the same names, in the same order, as the printed program
        producer: dict[Var, tuple[str, str]] = {}  # var -> (node id, edge label)

        def define(v: Var, node_id: str) -> None:
            producer[v] = (node_id, f"{namer(v)}:{v.aval.str_short()}")

        first: str | None = None
        const_values = consts if consts is not None else [None] * len(jaxpr.constvars)
        for v, c in zip(jaxpr.constvars, const_values):
            define(v, self.node(_const_label(namer(v), c, v, consts is not None), _CONST, pad))
        for v in jaxpr.invars:
            define(v, self.node(f"{namer(v)}:{v.aval.str_short()}", _INPUT, pad))
            first = first or producer[v][0]

        def connect(x: Any, dst: str) -> None:
            if type(x) is Literal:
                self.edge(self.node(pp_literal(x), _LITERAL, pad), dst, None, pad)
            else:
                src, label = producer[x]
                self.edge(src, dst, label, pad)

        for eqn in jaxpr.eqns:
            params, nested = [], []
            for key, value in eqn.params.items():
                programs = _programs_in(value)
                if len(programs) == 1:
                    nested.append((key, programs[0]))
                else:
                    nested.extend((f"{key}[{i}]", p) for i, p in enumerate(programs))
                if programs:
                    continue
                params.append(f"{key}={_short(pp_param(value, namer, 0))}")
            label = "\n".join([eqn.primitive.name, *params])
            eqn_id = self.node(label, _CALL if nested else _EQN, pad)
            first = first or eqn_id
            for x in eqn.inputs:
                connect(x, eqn_id)
            for v in eqn.outvars:
                define(v, eqn_id)
            for key, (inner, inner_consts) in nested:
                self.cluster(eqn_id, f"{eqn.primitive.name} {key}", inner, inner_consts, pad)

        for i, x in enumerate(jaxpr.outvars):
            connect(x, self.node(f"out {i}" if len(jaxpr.outvars) > 1 else "out", _OUTPUT, pad))
        return first or f"n{self.count - 1}"

    def cluster(self, owner: str, label: str, inner: Jaxpr, consts: list[Any] | None,
                pad: str) -> None:
        name = f"cluster_{self.clusters}"
        self.clusters += 1
        self.lines.append(f"{pad}subgraph {name} {{")
        inner_pad = pad + "  "
        self.lines.append(f'{inner_pad}label={_quote(label)}; style="rounded,dashed"; '
                          f'color="#a8862b"; fontcolor="#a8862b";')
        anchor = self.program(inner, consts, inner_pad)
        self.lines.append(f"{pad}}}")
        self.edge(owner, anchor, None, pad,
                  f'style=dotted, arrowhead=none, color="#a8862b", lhead={name}')


def to_dot(program: ClosedJaxpr | Jaxpr, name: str = "jaxpr", title: str | None = None) -> str:
    """The computational graph of a program, as Graphviz DOT text.

    Inputs are blue ellipses, constants grey notes, each equation a box labelled with its
    primitive and params, outputs green ellipses. Edges carry the variable's printed name and
    aval (``c:f64[3]``), so the picture matches ``print(closed)``. Programs held in params
    (``jit``, control flow) are drawn as dashed clusters joined to their equation by a dotted
    line. Also available as ``ClosedJaxpr.to_dot()``.

    Args:
      program: a :class:`ClosedJaxpr` (e.g. from ``ft.make_jaxpr(f)(*args)``) or a Jaxpr.
      name: the graph's name in the DOT text.
      title: a caption drawn above the graph (e.g. the function's formula).

    Returns:
      The DOT source: write it to a ``.dot`` file, or pass it to :func:`render`.

    >>> import ftrans as ft, ftrans.numpy as fnp
    >>> dot = to_dot(ft.make_jaxpr(fnp.sin)(1.0))
    >>> for line in dot.splitlines():
    ...     if "->" in line:  # the edges
    ...         print(line)
      n0 -> n1 [label="a:f64[]"];
      n1 -> n2 [label="b:f64[]"];
    """
    if isinstance(program, ClosedJaxpr):
        jaxpr, consts = program.jaxpr, list(program.consts)
    elif isinstance(program, Jaxpr):
        jaxpr, consts = program, None
    else:
        raise TypeError(f"to_dot takes a ClosedJaxpr (e.g. ft.make_jaxpr(f)(*args)) or a "
                        f"Jaxpr, got {type(program).__name__}")
    writer = _DotWriter()
    writer.program(jaxpr, consts, "  ")
    header = [f"  {line}" for line in _GRAPH_HEADER]
    if title is not None:
        header.append(f"  label={_quote(title)}; labelloc=t; fontsize=14;")
    return "\n".join([f"digraph {_quote(name) if not name.isidentifier() else name} {{",
                      *header, *writer.lines, "}"]) + "\n"


def graphviz_available() -> bool:
    """Whether Graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def render(program: ClosedJaxpr | Jaxpr | str, fmt: str = "svg",
           path: str | pathlib.Path | None = None) -> bytes:
    """Render a program's graph (or DOT text) to an image with Graphviz's ``dot``.

    Args:
      program: a ClosedJaxpr or Jaxpr (drawn with :func:`to_dot`), or DOT text.
      fmt: ``"svg"``, ``"png"`` or ``"pdf"``.
      path: when given, the image is also written there.

    Returns:
      The image bytes.

    Raises:
      GraphvizNotFoundError: ``dot`` is not installed (the message says how to install it).
      ValueError: an unknown format. RuntimeError: ``dot`` failed.
    """
    if fmt not in FORMATS:
        raise ValueError(f"render: format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    dot_text = program if isinstance(program, str) else to_dot(program)
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFoundError(
            "render needs Graphviz's `dot` program, which is not on the PATH. Install Graphviz "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; conda: "
            "conda install graphviz), or save ftrans.viz.to_dot(...) to a .dot file and open it "
            "with any Graphviz viewer.")
    done = subprocess.run([exe, f"-T{fmt}"], input=dot_text.encode(), capture_output=True,
                          timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"render: dot failed (exit {done.returncode}): "
                           f"{done.stderr.decode(errors='replace').strip()}")
    if path is not None:
        pathlib.Path(path).write_bytes(done.stdout)
    return done.stdout


# ---------------------------------------------------------------------------------------------
# Graphs as values: inline pictures in Jupyter
# ---------------------------------------------------------------------------------------------

_NO_GRAPHVIZ_HINT = ("(the program as text: install Graphviz's `dot` to see its graph here, "
                     "e.g. apt-get install graphviz)")


class Graph:
    """The computational graph of a program, as a value that notebooks display.

    In Jupyter it renders inline as SVG (``_repr_svg_``) when Graphviz's ``dot`` is on the
    PATH; without it the display falls back to the printed program with a one-line hint, so a
    notebook still runs and shows something true. ``str(graph)`` is the program's text.

    Args:
      program: a :class:`ClosedJaxpr` or :class:`Jaxpr`.
      title: a caption drawn above the graph.
      name: the graph's name in the DOT text.

    Raises:
      TypeError: ``program`` is not a program.

    >>> import ftrans as ft
    >>> g = Graph(ft.make_jaxpr(lambda x: x * 2.0)(1.0), title="double")
    >>> g.dot.splitlines()[0]
    'digraph jaxpr {'
    """

    def __init__(self, program: ClosedJaxpr | Jaxpr, title: str | None = None,
                 name: str = "jaxpr") -> None:
        if not isinstance(program, (ClosedJaxpr, Jaxpr)):
            raise TypeError(f"Graph takes a ClosedJaxpr (e.g. ft.make_jaxpr(f)(*args)) or a "
                            f"Jaxpr, got {type(program).__name__}")
        self.program = program
        self.title = title
        self.name = name
        self._dot: str | None = None
        self._svg: str | None = None

    @property
    def dot(self) -> str:
        """The graph as Graphviz DOT text (see :func:`to_dot`)."""
        if self._dot is None:
            self._dot = to_dot(self.program, name=self.name, title=self.title)
        return self._dot

    def render(self, fmt: str = "svg", path: str | pathlib.Path | None = None) -> bytes:
        """The picture as image bytes (see :func:`render`), also written to ``path``."""
        return render(self.dot, fmt, path)

    def save(self, path: str | pathlib.Path) -> pathlib.Path:
        """Write the graph to ``path``; the suffix picks the format: ``.dot`` (the DOT text,
        needs nothing), ``.svg``, ``.png`` or ``.pdf`` (need Graphviz).

        Raises:
          ValueError: an unknown suffix. GraphvizNotFoundError: an image without Graphviz.
        """
        path = pathlib.Path(path)
        fmt = path.suffix.lstrip(".").lower()
        if fmt == "dot":
            path.write_text(self.dot)
        elif fmt in FORMATS:
            self.render(fmt, path)
        else:
            raise ValueError(f"Graph.save: the file name must end in .dot, "
                             f"{', '.join('.' + f for f in FORMATS)}; got {path.name!r}")
        return path

    def _repr_svg_(self) -> str | None:
        # None tells IPython to use the next representation (the text form with the hint)
        if not graphviz_available():
            return None
        if self._svg is None:
            self._svg = self.render("svg").decode()
        return self._svg

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def __str__(self) -> str:
        return str(self.program)

    def __repr__(self) -> str:
        if graphviz_available():
            return str(self.program)
        return f"{self.program}\n{_NO_GRAPHVIZ_HINT}"


def graph(fun: Callable[..., Any], static_argnums: int | Sequence[int] = (),
          title: str | None = None) -> Callable[..., Graph]:
    """``make_jaxpr`` that returns the program's :class:`Graph`: ``ft.viz.graph(f)(x)`` in a
    notebook cell draws ``f``'s computational graph at ``x``'s shapes and dtypes.

    Args:
      fun: the function to trace.
      static_argnums: positions of arguments that are not traced (as for ``make_jaxpr``).
      title: a caption drawn above the graph.

    Returns:
      A function taking ``fun``'s arguments and returning a :class:`Graph`.

    Raises:
      TypeError: ``fun`` is not callable.

    >>> import ftrans as ft
    >>> g = ft.viz.graph(lambda x, y: (x + y) * (x - y))(3.0, 2.0)
    >>> print(g)
    { lambda ; a:f64[] b:f64[]. let
        c:f64[] = add a b
        d:f64[] = sub a b
        e:f64[] = mul c d
      in (e,) }
    """
    from ftrans.api import check_callable, make_jaxpr  # api is heavy; viz stays light
    check_callable(fun, "viz.graph")
    traced = make_jaxpr(fun, static_argnums)

    def graph_of(*args: Any, **kwargs: Any) -> Graph:
        return Graph(traced(*args, **kwargs), title=title)
    return graph_of
