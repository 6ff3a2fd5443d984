"""Per-example gradient norms over a data set larger than one worker's memory.

The data is a lazy ``dask.array`` (generated chunk by chunk with ``da.random``; ``da.from_zarr``
reads one from disk the same way): it never exists whole anywhere. ``shard_map`` runs
``vmap(grad)`` of a 2-layer network's loss on each chunk and keeps only each example's
gradient norm, so a worker holds a few chunks at a time while the cluster streams through the
whole set. The largest norms are the examples a clipping threshold (as in DP-SGD) would cut.

Run:  python examples/distributed_grad_norms.py [--examples 4000000] [--chunk 20000]
      (full size: 640 MB of data through 2 workers limited to 400 MB each; about a minute)
      FTRANS_EXAMPLES_QUICK=1 python examples/distributed_grad_norms.py   (as the tests run it)
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp

QUICK = os.environ.get("FTRANS_EXAMPLES_QUICK") == "1"
FEATURES, HIDDEN = 20, 16


def loss(params, x, y):
    hidden = fnp.tanh(fnp.dot(x, params["w1"]) + params["b1"])
    return (fnp.dot(hidden, params["w2"]) - y) ** 2


def gradient_norms(params, x, y):
    """One shard's body: the norm of every example's gradient (all parameters together)."""
    grads = ft.vmap(ft.grad(loss), in_axes=(None, 0, 0))(params, x, y)
    squares = [fnp.sum(g.reshape(g.shape[0], -1) ** 2, axis=1) for g in grads.values()]
    return fnp.sqrt(sum(squares))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=40_000 if QUICK else 4_000_000)
    parser.add_argument("--chunk", type=int, default=10_000 if QUICK else 20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="400MB", help="per worker")
    args = parser.parse_args()
    # quick mode (the test suite's) uses in-process workers: the same scheduler and graph, without
    # the seconds it takes to start worker processes (tests/test_distributed*.py use processes)
    try:
        import dask.array as da
        from distributed import Client, LocalCluster
    except ImportError:
        print("This example needs Dask: pip install -e \".[distributed]\"")
        return
    from ftrans.distributed import shard_map

    rng = np.random.default_rng(0)
    params = {"w1": rng.normal(0.0, 0.3, (FEATURES, HIDDEN)), "b1": np.zeros(HIDDEN),
              "w2": rng.normal(0.0, 0.3, HIDDEN)}
    generator = da.random.default_rng(1)
    x = generator.normal(size=(args.examples, FEATURES), chunks=(args.chunk, FEATURES))
    y = generator.normal(size=args.examples, chunks=args.chunk)
    print(f"{args.examples:,} examples of {FEATURES} features: {x.nbytes / 1e6:,.0f} MB in "
          f"{x.npartitions} chunks, on {args.workers} workers"
          f"{'' if QUICK else f' of {args.memory_limit} each'}"
          f"{' (quick mode)' if QUICK else ''}")

    norms = shard_map(gradient_norms, in_axes=(None, 0, 0))(params, x, y)  # lazy: nothing ran
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=not QUICK,
                      memory_limit=0 if QUICK else args.memory_limit,
                      dashboard_address=None) as cluster, \
            Client(cluster):
        start = time.perf_counter()
        values = norms.compute()
        elapsed = time.perf_counter() - start
    print(f"computed {values.size:,} gradient norms in {elapsed:.1f} s: median "
          f"{np.median(values):.3f}, 99th percentile {np.percentile(values, 99):.3f}, "
          f"max {values.max():.3f}")

    # the first chunk again, in this process, as a check
    first_x, first_y = x[:args.chunk].compute(), y[:args.chunk].compute()
    np.testing.assert_allclose(values[:args.chunk], gradient_norms(params, first_x, first_y),
                               rtol=1e-12)
    print("first chunk matches single-process vmap(grad)")


if __name__ == "__main__":
    main()
