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
# # Training an MLP, with a live loss curve
#
# A small ReLU network trained with minibatch SGD, the step compiled with `jit`. The figure
# below the training cell is redrawn as training goes (one `display` handle, updated), and a
# progress bar runs over the epochs when tqdm is installed. The data are the 8x8 digits of
# scikit-learn when it is installed, else a synthetic problem of the same shape (the script
# version, `examples/mlp_sgd.py`, trains longer).

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

import ftrans as ft
import ftrans.numpy as fnp

rng = np.random.default_rng(0)
try:
    from sklearn.datasets import load_digits
    digits = load_digits()
    images, labels, source = digits.data / 16.0, digits.target, "scikit-learn digits"
except ImportError:  # ten noisy prototypes of 8x8 pixels
    prototypes = (rng.random((10, 64)) < 0.3).astype(float)
    labels = rng.integers(0, 10, 1500)
    images = np.abs(prototypes[labels] - (rng.random((1500, 64)) < 0.2))
    source = "synthetic digits"
order = rng.permutation(len(images))
test, train = order[:300], order[300:]
x_train, y_train, x_test, y_test = images[train], labels[train], images[test], labels[test]
print(f"{source}: {len(train)} training and {len(test)} test images")

# %%
LAYERS, BATCH, LEARNING_RATE, EPOCHS = [64, 64, 10], 64, 0.2, 8


def init(rng):
    return [{"w": rng.normal(0.0, np.sqrt(2.0 / a), (a, b)), "b": np.zeros(b)}
            for a, b in zip(LAYERS[:-1], LAYERS[1:])]


def predict(params, x):
    for layer in params[:-1]:
        x = fnp.maximum(fnp.dot(x, layer["w"]) + layer["b"], 0.0)
    return fnp.dot(x, params[-1]["w"]) + params[-1]["b"]


def loss(params, x, labels):
    logits = predict(params, x)
    log_probs = logits - fnp.log(fnp.sum(fnp.exp(logits), axis=-1, keepdims=True))
    return -fnp.mean(fnp.take_along_axis(log_probs, labels[:, None], axis=1))


@ft.jit
def step(params, x, labels):
    value, grads = ft.value_and_grad(loss)(params, x, labels)
    return ft.tree_util.tree_map(lambda p, g: p - LEARNING_RATE * g, params, grads), value


def accuracy(params, x, labels):
    return float(np.mean(np.argmax(predict(params, x), axis=-1) == labels))


# %% [markdown]
# ## The training loop
#
# The curve shows the mean training loss of each epoch and the test accuracy.

# %%
params = init(rng)
fig, loss_axis = plt.subplots(figsize=(6, 3))
accuracy_axis = loss_axis.twinx()
handle = display(fig, display_id=True)
plt.close(fig)  # shown through the handle only
losses, accuracies = [], []
for _ in ft.progress.track(range(EPOCHS), desc="epochs"):
    shuffled = rng.permutation(len(x_train))
    total = 0.0
    steps = len(x_train) // BATCH
    for i in range(steps):
        batch = shuffled[i * BATCH:(i + 1) * BATCH]
        params, value = step(params, x_train[batch], y_train[batch])
        total += float(value)
    losses.append(total / steps)
    accuracies.append(accuracy(params, x_test, y_test))
    loss_axis.clear()
    accuracy_axis.clear()
    loss_axis.plot(range(1, len(losses) + 1), losses, "o-", color="tab:blue")
    accuracy_axis.plot(range(1, len(accuracies) + 1), accuracies, "s-", color="tab:green")
    loss_axis.set(xlabel="epoch", ylabel="training loss")
    accuracy_axis.set_ylabel("test accuracy")
    handle.update(fig)
print(f"final test accuracy: {accuracies[-1]:.1%}")
assert losses[-1] < losses[0] and accuracies[-1] > 0.8

# %% [markdown]
# ## The compiled step
#
# The program `jit` compiled for one training step: the forward pass, the backward pass and
# the update, as one straight-line program.

# %%
ft.make_jaxpr(step)(params, x_train[:BATCH], y_train[:BATCH])
