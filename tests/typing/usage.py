"""A typed user program: the type checker must accept it as written (tests/test_typing.py).

It exercises the public API the way a researcher's script does, with annotations, so that a
change that breaks the published types (``py.typed``) fails the check.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import viz


def loss(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> Any:
    return fnp.mean((fnp.tanh(fnp.dot(x, w)) - y) ** 2)


grad_loss: Callable[..., Any] = ft.grad(loss)
per_example: Callable[..., Any] = ft.vmap(grad_loss, in_axes=(None, 0, 0), chunk_size=2)
fast: Callable[..., Any] = ft.jit(grad_loss)
jac: Callable[..., Any] = ft.jacrev(fnp.sin, chunk_size=1)

w, xs, ys = np.ones(3), np.ones((4, 3)), np.zeros(4)
grads = per_example(w, xs, ys)
value, g = ft.value_and_grad(loss)(w, xs, ys)
out, tangent = ft.jvp(fnp.sin, (1.0,), (1.0,))

program: ft.ClosedJaxpr = ft.make_jaxpr(loss)(w, xs, ys)
text: str = str(program)
view: str = program._repr_html_()
picture: viz.Graph = viz.graph(loss, title="loss")(w, xs, ys)
dot: str = picture.dot
svg: str | None = picture._repr_svg_()
ys_mapped = ft.lax.map(fnp.cos, np.arange(3.0), batch_size=2)


# Transformations keep the parameters of the function they transform (ParamSpec): an editor
# shows grad(scaled)'s parameters as scaled's, and a checker sees a wrong keyword.
def scaled(w: np.ndarray, k: float = 1.0) -> Any:
    return fnp.sum(w * k)


grad_scaled = ft.grad(scaled)
slope = grad_scaled(w, k=2.0)
batched = ft.vmap(scaled, in_axes=(0, None))(xs, 3.0)
traced_program: ft.ClosedJaxpr = ft.make_jaxpr(scaled)(w, k=0.5)


@ft.jit(static_argnames="n")
def power_sum(x: np.ndarray, n: int) -> Any:
    return fnp.sum(x ** n)


cubes = power_sum(w, n=3)
lowered = ft.jit(scaled).lower(w, k=2.0)
