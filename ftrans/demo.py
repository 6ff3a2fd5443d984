"""The tour printed by ``python -m ftrans demo``: one function through every transformation."""

from __future__ import annotations

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp


def f(x, y):
    return (x + y) * (x - y)


def _printer(color: bool):
    def heading(text: str) -> None:
        line = f"== {text} "
        line += "=" * max(0, 72 - len(line))
        print(f"\n\033[1m{line}\033[0m" if color else f"\n{line}")
    return heading


def run(color: bool = False) -> None:
    """Print the tour. Every number shown is computed, none is typed in."""
    heading = _printer(color)
    x, y = 3.0, 2.0
    print("ftrans: composable function transformations on NumPy")
    print("f(x, y) = (x + y) * (x - y)        at x = 3, y = 2")

    heading("value")
    print(f"f(3, 2) = {f(x, y)}")

    heading("forward mode: one jvp per input direction")
    _, dfdx = ft.jvp(f, (x, y), (1.0, 0.0))
    _, dfdy = ft.jvp(f, (x, y), (0.0, 1.0))
    print(f"jvp along (1, 0): df/dx = {dfdx}    (closed form 2x = {2 * x})")
    print(f"jvp along (0, 1): df/dy = {dfdy}   (closed form -2y = {-2 * y})")

    heading("reverse mode: one vjp gives the whole gradient")
    value, f_vjp = ft.vjp(f, x, y)
    gx, gy = f_vjp(1.0)
    print(f"vjp(1.0) = ({gx}, {gy})")

    heading("the program of f (make_jaxpr)")
    print(ft.make_jaxpr(f)(x, y))

    heading("the program of its jvp")
    print(ft.make_jaxpr(lambda x, y, tx, ty: ft.jvp(f, (x, y), (tx, ty)))(x, y, 1.0, 0.0))

    heading("linearize: primal work done now, a linear program for the tangents")
    _, f_lin = ft.linearize(f, x, y)
    print(f_lin.jaxpr)

    heading("transpose of that linear program: the vjp")
    print(ft.make_jaxpr(lambda ct: ft.vjp(f, x, y)[1](ct))(1.0))

    heading("per-example gradients: vmap(grad(loss))")
    w = np.array([0.5, -1.0])
    xs = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    ys = np.array([1.0, 0.0, -1.0])

    def loss(w, x, y):
        return (fnp.dot(x, w) - y) ** 2

    per_example = ft.vmap(ft.grad(loss), in_axes=(None, 0, 0))(w, xs, ys)
    print("loss(w, x, y) = (x . w - y)^2, three examples:")
    print(np.array2string(per_example, precision=3))

    heading("higher derivatives are nesting")
    d2 = ft.grad(ft.grad(lambda x: f(x, y)))(x)
    print(f"d2f/dx2 = grad(grad(f))(3) = {d2}    (closed form 2)")
    print(f"d4/dx4 sin(0.5) = {ft.grad(ft.grad(ft.grad(ft.grad(fnp.sin))))(0.5):.6f}"
          f"    (sin(0.5) = {np.sin(0.5):.6f})")
