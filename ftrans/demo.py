"""The tour printed by ``python -m ftrans demo``: one function through every transformation.

Every number printed is computed, none is typed in. The tour writes the computational graph
of the function as ``f.dot`` (and ``f.svg`` when Graphviz is installed) into a directory
chosen by the caller. docs/forward_and_reverse.md is the same tour as a tutorial.
"""

from __future__ import annotations

import os
import pathlib
import textwrap

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import viz

__all__ = [
    "FORMULA", "WIDTH", "f", "run",
]

WIDTH = 76
FORMULA = "f(x, y) = (x + y) * (x - y)"


def f(x, y):
    return (x + y) * (x - y)


class _Printer:
    """Headings, wrapped prose and indented blocks; ANSI bold only when ``color``."""

    def __init__(self, color: bool):
        self.color = color
        self.step = 0

    def heading(self, text: str) -> None:
        self.step += 1
        line = f"{self.step}. {text} "
        line += "-" * max(3, WIDTH - len(line))
        print(f"\n\033[1m{line}\033[0m" if self.color else f"\n{line}")

    def say(self, text: str) -> None:
        print(textwrap.fill(" ".join(text.split()), WIDTH))

    def show(self, text: object) -> None:
        print(textwrap.indent(str(text), "    "))


def _write_graph(out_dir: pathlib.Path, p: _Printer) -> None:
    closed = ft.make_jaxpr(f)(3.0, 2.0)
    dot_path = out_dir / "f.dot"
    dot_path.write_text(viz.to_dot(closed, name="f", title=FORMULA))
    p.say("The same program as a picture: inputs (blue) flow through one box per primitive to "
          "the output (green); each edge is labelled with the variable it carries and its "
          "type, as in the printed program.")
    p.show(f"wrote {dot_path}")
    if viz.graphviz_available():
        svg_path = out_dir / "f.svg"
        viz.render(viz.to_dot(closed, name="f", title=FORMULA), "svg", svg_path)
        p.show(f"wrote {svg_path}    (open it in a browser)")
    else:
        p.show("Graphviz is not installed, so no f.svg. To draw it, install Graphviz\n"
               "(e.g. apt-get install graphviz) and run: dot -Tsvg f.dot -o f.svg")


def run(color: bool = False, out_dir: str | os.PathLike = ".") -> None:
    """Print the tour and write the graph files into ``out_dir``."""
    p = _Printer(color)
    x, y = 3.0, 2.0
    print("ftrans demo: composable function transformations on NumPy")
    print(f"We follow one function, {FORMULA}, at x = 3, y = 2.")

    p.heading("value")
    p.say("Called directly, f is ordinary NumPy code:")
    p.show(f"f(3, 2) = {f(x, y)}")

    p.heading("forward mode: jvp")
    p.say("jvp(f, primals, tangents) runs f once, carrying a tangent (a direction) alongside "
          "every value. It returns f's value and its derivative along that direction, so one "
          "jvp per input direction gives one column of the Jacobian:")
    _, dfdx = ft.jvp(f, (x, y), (1.0, 0.0))
    _, dfdy = ft.jvp(f, (x, y), (0.0, 1.0))
    p.show(f"jvp(f, (3, 2), (1, 0)) -> df/dx = {dfdx}    (by hand: 2x = {2 * x})\n"
           f"jvp(f, (3, 2), (0, 1)) -> df/dy = {dfdy}   (by hand: -2y = {-2 * y})")

    p.heading("reverse mode: vjp")
    p.say("vjp(f, x, y) runs f once and returns a function that pulls a cotangent of the "
          "output back to every input. For a scalar output, one call gives the whole "
          "gradient; grad is this with the cotangent 1.0:")
    _, f_vjp = ft.vjp(f, x, y)
    gx, gy = f_vjp(1.0)
    p.show(f"vjp(1.0) = ({gx}, {gy})\n"
           f"grad(f, argnums=(0, 1))(3, 2) = {tuple(map(float, ft.grad(f, (0, 1))(x, y)))}")

    p.heading("the program of f: make_jaxpr")
    p.say("Every transformation is an interpreter of primitive operations. make_jaxpr records "
          "them as a program (a 'jaxpr'): typed inputs, one equation per primitive, outputs.")
    closed = ft.make_jaxpr(f)(x, y)
    p.show(closed)

    p.heading("the program of the jvp")
    p.say("Tracing the jvp shows what forward mode does: each primitive is followed by its "
          "derivative rule, applied to the tangents c and d (add_any adds tangents).")
    p.show(ft.make_jaxpr(lambda x, y, tx, ty: ft.jvp(f, (x, y), (tx, ty)))(x, y, 1.0, 0.0))

    p.heading("linearize: the linear part alone")
    p.say("linearize runs the primal work now (x + y = 5, x - y = 1 become constants) and "
          "keeps only the tangent work, a program that is linear in its inputs:")
    _, f_lin = ft.linearize(f, x, y)
    p.show(f_lin.jaxpr)

    p.heading("transpose: reverse mode from the linear program")
    p.say("Transposing that linear program (walking it backwards, each linear primitive "
          "replaced by its transpose) maps one output cotangent to both input cotangents. "
          "This is how vjp and grad work; no separate reverse-mode rules exist:")
    p.show(ft.make_jaxpr(ft.linear_transpose(f_lin, x, y))(1.0))

    p.heading("the computational graph")
    _write_graph(pathlib.Path(out_dir), p)

    p.heading("per-example gradients: vmap(grad(loss))")
    p.say("Transformations compose. grad differentiates a loss for one example; vmap maps it "
          "over a batch, giving one gradient per example (the rows), in one vectorized call:")
    w = np.array([0.5, -1.0])
    xs = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    ys = np.array([1.0, 0.0, -1.0])

    def loss(w, x, y):
        return (fnp.dot(x, w) - y) ** 2

    per_example = ft.vmap(ft.grad(loss), in_axes=(None, 0, 0))(w, xs, ys)
    p.show("loss(w, x, y) = (x . w - y)^2      w = [0.5, -1], three examples\n"
           + np.array2string(per_example, precision=3))

    p.heading("higher derivatives: nesting")
    p.say("grad of grad is a second derivative; any depth works, in any mix of modes:")
    d2 = ft.grad(ft.grad(lambda x: f(x, y)))(x)
    h = ft.hessian(f, argnums=(0, 1))(x, y)
    d4 = ft.grad(ft.grad(ft.grad(ft.grad(fnp.sin))))(0.5)
    p.show(f"grad(grad(f))(3)       = {d2}    (by hand: 2)\n"
           f"hessian(f)(3, 2)       = [[{float(h[0][0])}, {float(h[0][1])}], "
           f"[{float(h[1][0])}, {float(h[1][1])}]]\n"
           f"4th derivative of sin at 0.5 = {d4:.6f}    (sin(0.5) = {np.sin(0.5):.6f})")

    print("\nNext: docs/quickstart.md, docs/forward_and_reverse.md, and examples/.")
