"""Train a small convolutional network with Adam on the 8x8 handwritten digits.

Two 3x3 convolutions (``lax.conv_general_dilated``, channels last), each followed by ReLU and
2x2 max pooling (``nn.max_pool``, the ``reduce_window`` primitive), then a dense layer; the
loss and its gradient come from one ``jit(value_and_grad(...))`` and Adam is a few lines of
``tree_map``. The data is scikit-learn's bundled digits set (1797 images, no download):
``pip install -e ".[examples]"``. Without scikit-learn the script says so and trains on a
synthetic 10-class problem of the same shape instead. A progress bar is shown when ``tqdm``
is installed.

Run:  python examples/cnn_digits.py          (about 15 s on 2 cores; 98-99% test accuracy)
      FTRANS_EXAMPLES_QUICK=1 python examples/cnn_digits.py   (10 steps, as the tests run it)
"""

import os
import time

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax, nn

QUICK = os.environ.get("FTRANS_EXAMPLES_QUICK") == "1"
EPOCHS = 1 if QUICK else 15
BATCH = 32
LEARNING_RATE = 3e-3
CHANNELS = (1, 16, 32)  # input, first and second convolution


# ------------------------------------------------------------------------------------ data


def load_digits() -> tuple[np.ndarray, np.ndarray, str]:
    """Images of shape (n, 8, 8, 1) in [0, 1], integer labels, and the data set's name."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        print("scikit-learn is not installed, so the digits data set is unavailable.\n"
              "Install it with: pip install -e \".[examples]\"   (or: pip install scikit-learn)\n"
              "Training on a synthetic 10-class data set of 8x8 'images' instead.\n")
        images, labels = synthetic_digits()
        return images, labels, "synthetic digits"
    digits = sklearn_digits()
    return digits.images[..., None] / 16.0, digits.target, "scikit-learn digits"


def synthetic_digits(n: int = 1800, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ten random 8x8 black-and-white prototypes; each example is a copy of one with a fifth
    of its pixels flipped and random brightness."""
    rng = np.random.default_rng(seed)
    prototypes = (rng.random((10, 8, 8)) < 0.3).astype(float)
    labels = rng.integers(0, 10, n)
    images = np.abs(prototypes[labels] - (rng.random((n, 8, 8)) < 0.2))
    return (images * rng.uniform(0.5, 1.0, (n, 1, 1)))[..., None], labels


def split(x: np.ndarray, y: np.ndarray, test_fraction: float = 0.2, seed: int = 0):
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


# ----------------------------------------------------------------------------------- model


def init_params(rng: np.random.Generator) -> dict:
    """He-initialised 3x3 kernels (HWIO) and a dense layer over the 2x2x32 features."""
    params = {}
    for i, (c_in, c_out) in enumerate(zip(CHANNELS[:-1], CHANNELS[1:])):
        params[f"conv{i}"] = {"w": rng.normal(0.0, np.sqrt(2.0 / (9 * c_in)), (3, 3, c_in, c_out)),
                              "b": np.zeros(c_out)}
    features = 2 * 2 * CHANNELS[-1]
    params["dense"] = {"w": rng.normal(0.0, np.sqrt(1.0 / features), (features, 10)),
                       "b": np.zeros(10)}
    return params


def predict(params: dict, images):
    """Logits: (conv 3x3 -> ReLU -> max pool 2x2) twice, then dense. 8x8 -> 4x4 -> 2x2."""
    x = images
    for i in range(len(CHANNELS) - 1):
        layer = params[f"conv{i}"]
        x = lax.conv_general_dilated(x, layer["w"], (1, 1), "SAME",
                                     dimension_numbers=("NHWC", "HWIO", "NHWC"))
        x = nn.relu(x + layer["b"])
        x = nn.max_pool(x, (2, 2), strides=(2, 2))
    x = fnp.reshape(x, (x.shape[0], -1))
    return fnp.dot(x, params["dense"]["w"]) + params["dense"]["b"]


def loss(params: dict, images, labels):
    """Mean cross-entropy."""
    return fnp.mean(nn.softmax_cross_entropy_with_integer_labels(predict(params, images), labels))


loss_and_grad = ft.jit(ft.value_and_grad(loss))


@ft.jit
def accuracy(params: dict, images, labels):
    return fnp.mean(fnp.argmax(predict(params, images), axis=-1) == labels)


# ------------------------------------------------------------------------------- optimiser


def adam_init(params: dict) -> dict:
    zeros = ft.tree_util.tree_map(np.zeros_like, params)
    return {"m": zeros, "v": zeros, "t": 0}


@ft.jit
def adam_update(params, grads, state, b1=0.9, b2=0.999, eps=1e-8):
    """One Adam step: moving averages of the gradient and its square, bias-corrected."""
    t = state["t"] + 1
    m = ft.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, state["m"], grads)
    v = ft.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, state["v"], grads)
    step = LEARNING_RATE * fnp.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    new = ft.tree_util.tree_map(lambda p, m, v: p - step * m / (fnp.sqrt(v) + eps), params, m, v)
    return new, {"m": m, "v": v, "t": t}


# -------------------------------------------------------------------------------- training


def batches(n_examples: int, epochs: int, rng: np.random.Generator):
    """The indices of every minibatch of every epoch, with a tqdm bar when installed."""
    steps = [order[i:i + BATCH]
             for order in [rng.permutation(n_examples) for _ in range(epochs)]
             for i in range(0, n_examples - BATCH + 1, BATCH)]
    if QUICK:
        steps = steps[:10]
    try:
        from tqdm import tqdm
    except ImportError:
        return steps
    return tqdm(steps, desc="training", unit="step", leave=False)


def main() -> None:
    images, labels, name = load_digits()
    x_train, y_train, x_test, y_test = split(images, labels)
    print(f"{name}: {len(x_train)} training and {len(x_test)} test images of 8x8 pixels")
    print(f"CNN conv3x3({CHANNELS[1]}) -> pool -> conv3x3({CHANNELS[2]}) -> pool -> dense(10), "
          f"Adam (batch {BATCH}, learning rate {LEARNING_RATE}), "
          f"{'10 steps (quick mode)' if QUICK else f'{EPOCHS} epochs'}")
    rng = np.random.default_rng(0)
    params = init_params(rng)
    state = adam_init(params)
    start = time.perf_counter()
    for batch in batches(len(x_train), EPOCHS, rng):
        value, grads = loss_and_grad(params, x_train[batch], y_train[batch])
        params, state = adam_update(params, grads, state)
    seconds = time.perf_counter() - start
    train_acc = float(accuracy(params, x_train, y_train))
    test_acc = float(accuracy(params, x_test, y_test))
    print(f"trained in {seconds:.1f} s; last loss {float(value):.4f}, train accuracy "
          f"{train_acc:.4f}")
    print(f"test accuracy: {test_acc:.4f}")
    if not QUICK and name == "scikit-learn digits":
        assert test_acc >= 0.97, "expected at least 97% test accuracy on the digits"


if __name__ == "__main__":
    main()
