# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Forward and reverse mode, in pictures
#
# One small function, `f(x, y) = (x + y) * (x - y)`, taken through ftrans's transformations.
# Every program a transformation records is shown as the notebook shows it (coloured, nested
# programs foldable), and as a computational graph drawn inline when Graphviz is installed
# (otherwise the program's text, with a hint). The text version of this tour is
# `python -m ftrans demo`.

# %%
import numpy as np

import ftrans as ft


def f(x, y):
    return (x + y) * (x - y)


x, y = 3.0, 2.0
print("f(3, 2) =", f(x, y))

# %% [markdown]
# ## The program of `f`
#
# `make_jaxpr` records the primitive operations `f` applies: typed inputs, one equation per
# primitive, outputs. A `ClosedJaxpr` as the last value of a cell displays as HTML.

# %%
program = ft.make_jaxpr(f)(x, y)
program

# %% [markdown]
# `ft.viz.graph` draws the same program as a dataflow graph: inputs in blue, one box per
# equation, edges named like the variables above.

# %%
ft.viz.graph(f, title="f(x, y) = (x + y) * (x - y)")(x, y)

# %% [markdown]
# ## Forward mode: `jvp`
#
# `jvp` pushes a tangent through the program along with the values. Its program interleaves
# each primitive with its derivative rule applied to the tangents.

# %%
value, tangent = ft.jvp(f, (x, y), (1.0, 0.0))
print("f =", value, " df/dx =", tangent)
assert tangent == 2 * x

jvp_graph = ft.viz.graph(lambda x, y, tx, ty: ft.jvp(f, (x, y), (tx, ty)))(x, y, 1.0, 0.0)
jvp_graph

# %% [markdown]
# ## The linear part: `linearize`
#
# `linearize` computes the primal values now and keeps only the tangent work: a program that
# is linear in the tangents, whose constants are the primal intermediates (`x + y = 5`,
# `x - y = 1`).

# %%
_, f_lin = ft.linearize(f, x, y)
print(f_lin.jaxpr)
ft.viz.Graph(f_lin.jaxpr, title="the linearized program")

# %% [markdown]
# ## Reverse mode: transpose the linear program
#
# Walking the linear program backwards, each linear primitive replaced by its transpose, maps
# one output cotangent to both input cotangents. That is `vjp`, and `grad` is `vjp` with a
# cotangent of 1.

# %%
reverse = ft.make_jaxpr(ft.linear_transpose(f_lin, x, y))(1.0)
reverse

# %%
gx, gy = ft.grad(f, argnums=(0, 1))(x, y)
print("grad f(3, 2) =", (float(gx), float(gy)))
assert (gx, gy) == (2 * x, -2 * y)
ft.viz.graph(ft.grad(f, argnums=(0, 1)), title="grad(f)")(x, y)

# %% [markdown]
# ## Nested programs fold
#
# A `jit` inside a transformation shows up as one equation holding a program; in the HTML view
# it is a `<details>` element, unfolded when it is short. Its graph draws it as a cluster.

# %%
nested = ft.make_jaxpr(ft.grad(ft.jit(lambda v: ft.numpy.sum(ft.numpy.sin(v) ** 2))))(
    np.ones(3))
nested

# %%
ft.viz.Graph(nested, title="grad of a jitted function")
