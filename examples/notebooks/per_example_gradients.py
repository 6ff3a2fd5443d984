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
# # Per-example gradients and DP-SGD
#
# Differentially private SGD clips the gradient of *each* example to a norm of at most `C`,
# averages, and adds Gaussian noise of standard deviation `sigma * C`. With ftrans the
# per-example gradients are `vmap(grad(loss))`: no loop over the batch. This notebook looks at
# the gradient norms before and after clipping, then trains plain SGD and DP-SGD side by side
# (the script version is `examples/per_example_gradients.py`).

# %%
import matplotlib.pyplot as plt
import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.tree_util import tree_leaves, tree_map

CLIP_NORM = 1.0
NOISE_MULTIPLIER = 1.0
rng = np.random.default_rng(0)

# %% [markdown]
# A binary problem in 10 dimensions with a few outliers: inputs scaled up 20 times, whose
# gradients would dominate any batch they are in.

# %%
d, n = 10, 1200
w_true = rng.normal(size=d)
x = rng.normal(size=(n, d))
y = (x @ w_true + 0.5 * rng.normal(size=n) > 0).astype(float)
x[:8] *= 20.0
x_train, y_train, x_test, y_test = x[:1000], y[:1000], x[1000:], y[1000:]


def loss(params, xi, yi):
    """Logistic loss of one example, stable for large logits."""
    signed = (2.0 * yi - 1.0) * (fnp.dot(xi, params["w"]) + params["b"])
    return fnp.logaddexp(0.0, -signed)


def global_norm(tree):
    return fnp.sqrt(sum(fnp.sum(leaf ** 2) for leaf in tree_leaves(tree)))


def clipped_grad(params, xi, yi):
    g = ft.grad(loss)(params, xi, yi)
    scale = fnp.minimum(1.0, CLIP_NORM / (global_norm(g) + 1e-12))
    return tree_map(lambda leaf: leaf * scale, g)


params = {"w": np.zeros(d), "b": np.array(0.0)}

# %% [markdown]
# ## Every example's gradient
#
# `vmap` maps over the examples (axis 0 of `x` and `y`) and not over the parameters
# (`None`). `chunk_size` bounds the memory (here 250 examples at a time) and `progress=True`
# shows a bar while the chunks run (tqdm, when it is installed; silent otherwise).

# %%
per_example = ft.vmap(ft.grad(loss), in_axes=(None, 0, 0), chunk_size=250, progress=True)
grads = per_example(params, x_train, y_train)
print("w-gradients:", grads["w"].shape)
looped = np.stack([ft.grad(loss)(params, x_train[i], y_train[i])["w"] for i in range(5)])
assert np.allclose(grads["w"][:5], looped)

norms = ft.vmap(global_norm)(grads)
clipped = ft.vmap(clipped_grad, in_axes=(None, 0, 0))(params, x_train, y_train)
clipped_norms = ft.vmap(global_norm)(clipped)
assert clipped_norms.max() <= CLIP_NORM + 1e-9
print(f"largest norm {norms.max():.1f}, median {np.median(norms):.2f}; "
      f"after clipping at most {clipped_norms.max():.2f}")

# %% [markdown]
# ## The norms, before and after clipping
#
# The outliers' gradients are tens of times larger than the rest; clipping puts every
# example's influence under `C`.

# %%
bins = np.linspace(0.0, norms.max() * 1.02, 40)
fig, axis = plt.subplots(figsize=(6, 3))
axis.hist(norms, bins=bins, alpha=0.6, color="tab:red", label="per-example gradients")
axis.hist(clipped_norms, bins=bins, alpha=0.6, color="tab:blue", label="after clipping")
axis.axvline(CLIP_NORM, color="black", linestyle="--", label=f"C = {CLIP_NORM}")
axis.set(xlabel="gradient norm", ylabel="examples", yscale="log")
axis.legend()
plt.show()

# %% [markdown]
# ## Training: SGD and DP-SGD
#
# Each step is one `jit`: per-example clipped gradients, their mean, and noise scaled to the
# batch.

# %%
BATCH, STEPS, LEARNING_RATE = 64, 40, 0.5


@ft.jit
def sgd_step(params, xb, yb):
    g = ft.grad(lambda p: fnp.mean(ft.vmap(loss, in_axes=(None, 0, 0))(p, xb, yb)))(params)
    return tree_map(lambda p, gi: p - LEARNING_RATE * gi, params, g)


@ft.jit
def dp_sgd_step(params, xb, yb, noise):
    g = ft.vmap(clipped_grad, in_axes=(None, 0, 0))(params, xb, yb)
    mean = tree_map(lambda leaf, z: (fnp.sum(leaf, axis=0) + NOISE_MULTIPLIER * CLIP_NORM * z)
                    / BATCH, g, noise)
    return tree_map(lambda p, gi: p - LEARNING_RATE * gi, params, mean)


def accuracy(params, xs, ys):
    return float(np.mean(((xs @ params["w"] + params["b"]) > 0) == ys))


plain, private = params, params
for _ in ft.progress.track(range(STEPS), desc="training"):
    batch = rng.choice(len(x_train), BATCH, replace=False)
    noise = tree_map(lambda p: rng.normal(size=np.shape(p)), params)
    plain = sgd_step(plain, x_train[batch], y_train[batch])
    private = dp_sgd_step(private, x_train[batch], y_train[batch], noise)
print(f"test accuracy: SGD {accuracy(plain, x_test, y_test):.1%}, "
      f"DP-SGD {accuracy(private, x_test, y_test):.1%}")
assert accuracy(private, x_test, y_test) > 0.7
