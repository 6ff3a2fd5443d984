"""Per-example gradients and DP-SGD: clip each example's gradient, add noise, then average.

Differentially private SGD (Abadi et al., 2016) needs the gradient of every example separately,
to bound each one's influence. With ftrans that is ``vmap`` of a function that computes and
clips one example's gradient: no loop over the batch, and the whole step is one ``jit``.

With matplotlib (``pip install -e ".[examples]"``) the script saves a histogram of the
per-example gradient norms before and after clipping as ``gradient_norms.png``; in a terminal
training shows a progress bar when tqdm is installed.

Run:  python examples/per_example_gradients.py     (a few seconds)
      FTRANS_EXAMPLES_QUICK=1 python examples/per_example_gradients.py   (fewer steps)
"""

import os
import sys

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.progress import track
from ftrans.tree_util import tree_leaves, tree_map

QUICK = os.environ.get("FTRANS_EXAMPLES_QUICK") == "1"
STEPS = 60 if QUICK else 400
BATCH = 64
LEARNING_RATE = 0.5
CLIP_NORM = 1.0  # C: the largest gradient norm one example may have
NOISE_MULTIPLIER = 1.0  # sigma: noise standard deviation is sigma * C


def make_data(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A linearly separable-ish binary problem with a few outliers (large gradients)."""
    rng = np.random.default_rng(seed)
    w_true = rng.normal(size=d)
    x = rng.normal(size=(n, d))
    y = (x @ w_true + 0.5 * rng.normal(size=n) > 0).astype(float)
    x[:10] *= 20.0  # outliers: their unclipped gradients would dominate a batch
    return x, y


def loss(params, x, y):
    """Logistic loss of one example, written stably: log(1 + exp(-s)) with s = +-logit."""
    logit = fnp.dot(x, params["w"]) + params["b"]
    signed = (2.0 * y - 1.0) * logit
    return fnp.logaddexp(0.0, -signed)


def global_norm(tree):
    return fnp.sqrt(sum(fnp.sum(leaf ** 2) for leaf in tree_leaves(tree)))


def clipped_grad(params, x, y):
    """One example's gradient, scaled down to norm at most CLIP_NORM."""
    g = ft.grad(loss)(params, x, y)
    scale = fnp.minimum(1.0, CLIP_NORM / (global_norm(g) + 1e-12))
    return tree_map(lambda leaf: leaf * scale, g)


per_example_grads = ft.vmap(ft.grad(loss), in_axes=(None, 0, 0))
per_example_clipped = ft.vmap(clipped_grad, in_axes=(None, 0, 0))


@ft.jit
def dp_sgd_step(params, x, y, noise):
    """Clip per example, sum, add Gaussian noise of std sigma * C, average, step."""
    clipped = per_example_clipped(params, x, y)
    noisy_mean = tree_map(
        lambda g, z: (fnp.sum(g, axis=0) + NOISE_MULTIPLIER * CLIP_NORM * z) / x.shape[0],
        clipped, noise)
    return tree_map(lambda p, g: p - LEARNING_RATE * g, params, noisy_mean)


@ft.jit
def sgd_step(params, x, y):
    g = ft.grad(lambda p: fnp.mean(ft.vmap(loss, in_axes=(None, 0, 0))(p, x, y)))(params)
    return tree_map(lambda p, g: p - LEARNING_RATE * g, params, g)


def accuracy(params, x, y) -> float:
    return float(np.mean(((x @ params["w"] + params["b"]) > 0) == y))


def main() -> None:
    d = 20
    x, y = make_data(4000, d)
    x_train, y_train, x_test, y_test = x[:3000], y[:3000], x[3000:], y[3000:]
    rng = np.random.default_rng(1)
    params = {"w": np.zeros(d), "b": np.array(0.0)}

    # 1. per-example gradients are vmap(grad): check against a Python loop
    xb, yb = x_train[:8], y_train[:8]
    batched = per_example_grads(params, xb, yb)
    looped = [ft.grad(loss)(params, xb[i], yb[i]) for i in range(8)]
    assert np.allclose(batched["w"], np.stack([g["w"] for g in looped]))
    print(f"per-example gradients: vmap(grad(loss)) gives w-gradients of shape "
          f"{batched['w'].shape}, equal to a loop over 8 examples")

    # 2. clipping bounds every example's influence
    norms = ft.vmap(global_norm)(per_example_grads(params, x_train[:BATCH], y_train[:BATCH]))
    clipped_norms = ft.vmap(global_norm)(per_example_clipped(params, x_train[:BATCH],
                                                             y_train[:BATCH]))
    print(f"gradient norms in a batch of {BATCH}: max {norms.max():.2f} (an outlier), "
          f"median {np.median(norms):.2f}; after clipping to C = {CLIP_NORM}: max "
          f"{clipped_norms.max():.2f}")
    assert clipped_norms.max() <= CLIP_NORM + 1e-9
    save_norm_histogram(norms, clipped_norms, "gradient_norms.png")

    # 3. train with plain SGD and with DP-SGD (clip + noise)
    print(f"\ntraining logistic regression, {STEPS} steps of batch {BATCH}"
          f"{' (quick mode)' if QUICK else ''}; noise std sigma*C = "
          f"{NOISE_MULTIPLIER * CLIP_NORM}")
    plain, private = params, params
    for step in track(range(1, STEPS + 1), desc="training", enabled=sys.stderr.isatty()):
        batch = rng.choice(len(x_train), BATCH, replace=False)
        noise = tree_map(lambda p: rng.normal(size=np.shape(p)), params)
        plain = sgd_step(plain, x_train[batch], y_train[batch])
        private = dp_sgd_step(private, x_train[batch], y_train[batch], noise)
        if step % (STEPS // 4) == 0:
            print(f"step {step:4d}   test accuracy: SGD {accuracy(plain, x_test, y_test):6.2%}"
                  f"   DP-SGD {accuracy(private, x_test, y_test):6.2%}")
    print("DP-SGD pays a little accuracy for a bound on what any one example can change.")


def save_norm_histogram(norms: np.ndarray, clipped: np.ndarray, path: str) -> None:
    """Histograms of the per-example gradient norms, raw and clipped (needs matplotlib)."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no figure (pip install -e \".[examples]\")")
        return
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt
    bins = np.linspace(0.0, float(np.max(norms)) * 1.02, 40)  # shared, so the two compare
    fig, axis = plt.subplots(figsize=(5.5, 3), dpi=100)
    axis.hist(norms, bins=bins, color="tab:red", alpha=0.6, label="per-example gradients")
    axis.hist(clipped, bins=bins, color="tab:blue", alpha=0.6, label="after clipping")
    axis.axvline(CLIP_NORM, color="black", linestyle="--", label=f"C = {CLIP_NORM}")
    axis.set(title="gradient norms in one batch", xlabel="norm", ylabel="examples",
             yscale="log")
    axis.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
