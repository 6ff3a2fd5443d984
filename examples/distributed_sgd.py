"""Data-parallel SGD: the digits MLP trained on a Dask cluster, gradients averaged with pmean.

Each step splits the minibatch into one shard per worker. ``shard_map`` runs the gradient of
the shard's mean loss on every worker and averages the shards' gradients with ``lax.pmean``
(a tree reduction in the Dask graph); the parameters are updated on the client. The same
steps are also taken in one process with ``jit(grad)`` of the whole minibatch's loss: since
the shards are equal, the mean of their mean gradients is the minibatch's gradient, so both
runs reach the same parameters and the same accuracy.

Needs ``pip install -e ".[distributed]"`` (and ``.[examples]`` for the digits data and a tqdm
progress bar). Without scikit-learn it trains on a synthetic 10-class problem of the same shape.

Run:  python examples/distributed_sgd.py [--workers 2] [--epochs 20]
      FTRANS_EXAMPLES_QUICK=1 python examples/distributed_sgd.py   (1 epoch, as the tests run it)
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax

QUICK = os.environ.get("FTRANS_EXAMPLES_QUICK") == "1"
BATCH = 128
LEARNING_RATE = 0.2
LAYERS = [64, 128, 10]


def load_digits() -> tuple[np.ndarray, np.ndarray, str]:
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        rng = np.random.default_rng(0)
        prototypes = (rng.random((10, 64)) < 0.3).astype(float)
        labels = rng.integers(0, 10, 1800)
        flipped = rng.random((1800, 64)) < 0.25
        return np.abs(prototypes[labels] - flipped), labels, "synthetic digits"
    digits = sklearn_digits()
    return digits.data / 16.0, digits.target, "scikit-learn digits"


def init_params(rng: np.random.Generator) -> list[dict[str, np.ndarray]]:
    return [{"w": rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out)), "b": np.zeros(n_out)}
            for n_in, n_out in zip(LAYERS[:-1], LAYERS[1:])]


def predict(params, x):
    for layer in params[:-1]:
        x = fnp.maximum(fnp.dot(x, layer["w"]) + layer["b"], 0.0)
    return fnp.dot(x, params[-1]["w"]) + params[-1]["b"]


def loss(params, x, one_hot):
    logits = predict(params, x)
    shifted = logits - fnp.max(logits, axis=-1, keepdims=True)
    log_probs = shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=-1, keepdims=True))
    return -fnp.mean(fnp.sum(one_hot * log_probs, axis=-1))


def shard_gradient(params, x, one_hot):
    """One shard's body: its gradient, averaged over all shards (the same on every shard)."""
    return lax.pmean(ft.grad(loss)(params, x, one_hot), "batch")


def update(params, grads):
    return ft.tree_util.tree_map(lambda p, g: p - LEARNING_RATE * g, params, grads)


def accuracy(params, x, labels) -> float:
    return float(np.mean(np.argmax(predict(params, x), axis=-1) == labels))


def progress(total: int, description: str):
    """A tqdm progress bar when tqdm is installed, else a plain counter printed at the end."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=description, leave=False, mininterval=0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1 if QUICK else 20)
    args = parser.parse_args()
    # quick mode (the test suite's) uses in-process workers: the same scheduler and graph, without
    # the seconds it takes to start worker processes (tests/test_distributed*.py use processes)
    try:
        import dask
        import dask.array as da
        from distributed import Client, LocalCluster
    except ImportError:
        print("This example needs Dask: pip install -e \".[distributed]\"")
        return
    from ftrans.distributed import shard_map

    images, labels, name = load_digits()
    order = np.random.default_rng(1).permutation(len(images))
    n_test = len(images) // 5
    x_test, y_test = images[order[:n_test]], labels[order[:n_test]]
    x_train, y_train = images[order[n_test:]], labels[order[n_test:]]
    one_hot = np.eye(10)[y_train]
    steps = len(x_train) // BATCH  # whole minibatches only, so the shards are equal
    shard = BATCH // args.workers
    print(f"{name}: {len(x_train)} training images; MLP {' -> '.join(map(str, LAYERS))}; "
          f"{args.epochs} epochs of {steps} steps, minibatch {BATCH} split into "
          f"{args.workers} shards{' (quick mode)' if QUICK else ''}")

    distributed_gradient = shard_map(shard_gradient, in_axes=(None, 0, 0), out_axes=None,
                                     axis_name="batch")
    single_gradient = ft.jit(ft.grad(loss))
    initial = init_params(np.random.default_rng(0))
    batches = [np.random.default_rng(2 + e).permutation(len(x_train))
               for e in range(args.epochs)]

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=not QUICK,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        print(f"cluster: {len(client.scheduler_info()['workers'])} workers"
              f"{' (threads of this process)' if QUICK else ' (processes)'}")
        params = initial
        bar = progress(args.epochs * steps, "distributed SGD")
        start = time.perf_counter()
        for epoch in range(args.epochs):
            for step in range(steps):
                batch = batches[epoch][step * BATCH:(step + 1) * BATCH]
                xs = da.from_array(x_train[batch], chunks=(shard, 64))
                ys = da.from_array(one_hot[batch], chunks=(shard, 10))
                (grads,) = dask.compute(distributed_gradient(params, xs, ys))  # a pytree
                params = update(params, grads)
                if bar is not None:
                    bar.update()
        if bar is not None:
            bar.close()
        elapsed = time.perf_counter() - start
    distributed_acc = accuracy(params, x_test, y_test)

    reference = initial
    for epoch in range(args.epochs):
        for step in range(steps):
            batch = batches[epoch][step * BATCH:(step + 1) * BATCH]
            reference = update(reference, single_gradient(reference, x_train[batch],
                                                          one_hot[batch]))
    single_acc = accuracy(reference, x_test, y_test)
    drift = max(float(np.max(np.abs(p[k] - r[k])))
                for p, r in zip(params, reference) for k in p)
    print(f"distributed: test accuracy {distributed_acc:.2%} ({elapsed:.1f} s, "
          f"{args.epochs * steps} steps)")
    print(f"one process: test accuracy {single_acc:.2%}; largest parameter difference "
          f"{drift:.1e}")
    assert distributed_acc == single_acc and drift < 1e-9


if __name__ == "__main__":
    main()
