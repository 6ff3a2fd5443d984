"""shard_map over Dask arrays: values against single-process vmap / grad, stages and
collectives, on Dask's local scheduler and on a real 2-process LocalCluster."""

from __future__ import annotations

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
pytest.importorskip("distributed")
from ftrans.distributed import shard_map  # noqa: E402
from ftrans.distributed import graph as dgraph  # noqa: E402
from ftrans.distributed import stages as dstages  # noqa: E402

rng = np.random.default_rng(0)
X = rng.normal(size=(48, 5))
Y = rng.normal(size=48)
W = {"w1": rng.normal(size=(5, 7)), "w2": rng.normal(size=7)}


def loss(params, x, y):
    hidden = fnp.tanh(fnp.dot(x, params["w1"]))
    return (fnp.dot(hidden, params["w2"]) - y) ** 2


def per_example_norms(params, x, y):
    grads = ft.vmap(ft.grad(loss), in_axes=(None, 0, 0))(params, x, y)
    return fnp.sqrt(sum(fnp.sum(g.reshape(g.shape[0], -1) ** 2, axis=1)
                        for g in grads.values()))


def mean_grad(params, x, y):
    g = ft.grad(lambda p: fnp.mean(ft.vmap(loss, in_axes=(None, 0, 0))(p, x, y)))(params)
    return lax.pmean(g, "batch")


def as_vmap_of_shards(f, n, *args):
    """The oracle: the same body under vmap(axis_name="batch") over n equal shards."""
    split = [a.reshape(n, a.shape[0] // n, *a.shape[1:]) for a in args]
    return ft.vmap(f, in_axes=(None,) + (0,) * len(args), axis_name="batch")(W, *split)


def compute(*arrays, scheduler=None):
    return dask.compute(*arrays, scheduler=scheduler)


@pytest.fixture(params=["local", "cluster"])
def scheduler(request):
    return None if request.param == "local" else request.getfixturevalue("dask_client")


def test_per_example_gradient_norms_equal_vmap(scheduler):
    f = shard_map(per_example_norms, in_axes=(None, 0, 0))
    out = f(W, da.from_array(X, chunks=(10, 5)), da.from_array(Y, chunks=10))
    assert out.chunks == ((10, 10, 10, 10, 8),)
    (got,) = compute(out, scheduler=scheduler)
    np.testing.assert_allclose(got, per_example_norms(W, X, Y), rtol=1e-12, atol=0)


def test_pmean_of_gradients_equals_the_full_batch_gradient(scheduler):
    f = shard_map(mean_grad, in_axes=(None, 0, 0), out_axes=None, axis_name="batch")
    out = f(W, da.from_array(X, chunks=12), da.from_array(Y, chunks=12))
    (got,) = compute(out, scheduler=scheduler)
    want = ft.grad(lambda p: fnp.mean(ft.vmap(loss, in_axes=(None, 0, 0))(p, X, Y)))(W)
    for k in W:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-15)


def standardise(params, x):
    # two rounds of collectives in a row: the mean, then the variance about it
    mean = lax.pmean(fnp.mean(x, axis=0), "batch")
    var = lax.pmean(fnp.mean((x - mean) ** 2, axis=0), "batch")
    return (x - mean) / fnp.sqrt(var) * lax.axis_size("batch") + lax.axis_index("batch")


def test_two_collectives_in_a_row_are_two_rounds(scheduler):
    closed = ft.make_jaxpr(lambda x: _bound(lambda v: standardise(W, v), x, "batch"))(X[:12])
    plan = dstages.split(closed, [True], "batch")
    assert [len(r) for r in plan.rounds] == [1, 1] and len(plan.stages) == 3
    f = shard_map(standardise, in_axes=(None, 0), axis_name="batch")
    (got,) = compute(f(W, da.from_array(X, chunks=12)), scheduler=scheduler)
    want = as_vmap_of_shards(standardise, 4, X).reshape(X.shape)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def gather_and_extremes(x):
    total = fnp.sum(x, axis=0)
    return (lax.all_gather(total, "batch"), lax.all_gather(x, "batch", tiled=True),
            lax.pmax(fnp.max(x), "batch"), lax.pmin(fnp.min(x), "batch"),
            x * lax.psum(1.0, "batch"))


def test_collectives_equal_vmap_over_shards(dask_client):
    f = shard_map(gather_and_extremes, out_axes=(None, None, None, None, 0), axis_name="batch")
    outs = compute(*f(da.from_array(X, chunks=(8, 5))), scheduler=dask_client)
    want = ft.vmap(gather_and_extremes, axis_name="batch")(X.reshape(6, 8, 5))
    for got, w, replicated in zip(outs, want, [True] * 4 + [False]):
        w = w[0] if replicated else w.reshape(-1, *w.shape[2:])
        np.testing.assert_allclose(got, w, rtol=1e-12)


def test_inner_vmap_collectives_stay_local():
    def body(x):
        centred = ft.vmap(lambda row: row - lax.pmean(row, "row"), axis_name="row")(x)
        return centred, lax.psum(fnp.sum(centred ** 2), "batch")
    f = shard_map(body, out_axes=(0, None), axis_name="batch")
    centred, total = compute(*f(da.from_array(X, chunks=12)))
    shards = X.reshape(4, 12, 5)
    want = (shards - shards.mean(axis=1, keepdims=True)).reshape(X.shape)
    np.testing.assert_allclose(centred, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(total, np.sum(want ** 2), rtol=1e-12)


def test_grad_through_a_shard_collective_and_jit_inside():
    # psum's transpose is a psum: the derivative of a normalisation across all shards
    @ft.jit
    def normalised(x):
        return x / lax.psum(fnp.sum(x), "batch")
    body = ft.grad(lambda x: fnp.sum(normalised(x) * fnp.arange(x.shape[0])))
    x = np.abs(X[:, 0]) + 1.0
    (got,) = compute(shard_map(body, axis_name="batch")(da.from_array(x, chunks=12)))
    want = ft.vmap(body, axis_name="batch")(x.reshape(4, 12)).reshape(-1)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_ragged_last_shard_traces_a_second_program():
    f = shard_map(lambda x: fnp.cumsum(x, axis=0) + lax.psum(fnp.sum(x), "b"), axis_name="b")
    (got,) = compute(f(da.from_array(X[:, 0], chunks=10)))
    want = np.concatenate([np.cumsum(X[i:i + 10, 0]) for i in range(0, 48, 10)]) + X[:, 0].sum()
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_same_shapes_reuse_the_traced_programs():
    calls = []

    def body(x):
        calls.append(1)
        return x * 2.0
    f = shard_map(body)
    for _ in range(2):
        (got,) = compute(f(da.from_array(X, chunks=12)))
    assert len(calls) == 1
    np.testing.assert_allclose(got, 2 * X)


def _optimized(*arrays):
    keys = [k for x in arrays for k in x.__dask_keys__()]
    graph = dask.highlevelgraph.HighLevelGraph.merge(*[x.__dask_graph__() for x in arrays])
    return dict(arrays[0].__dask_optimize__(graph, keys))


def test_unmapped_arguments_and_programs_are_one_shared_key():
    big = rng.normal(size=(5, 5))
    out = shard_map(lambda m, x: fnp.dot(x, m), in_axes=(None, 0))(big, da.from_array(X, 8))
    graph = dict(out.__dask_graph__())
    shared = [k for k in graph if isinstance(k, str) and k.endswith("-shared")]
    assert len(shared) == 1  # one key every shard task reads: the program and `big`
    value = graph[shared[0]]
    value = getattr(value, "value", value)  # a DataNode holding it
    assert isinstance(value, dgraph.Shared) and value.args[0] is big
    assert len(value.tasks) == 1  # one program for the six shard tasks
    # the input blocks are fused into the shard tasks: six tasks and the shared key
    assert len(_optimized(out)) == 7
    np.testing.assert_allclose(out.compute(), X @ big, rtol=1e-12)


def test_generated_inputs_fuse_into_the_shard_tasks(scheduler):
    # da.random's layer (root tasks) joins the shard tasks: one task per shard
    gen = da.random.default_rng(3)
    x = gen.normal(size=(48, 5), chunks=(8, 5))
    y = gen.normal(size=48, chunks=8)
    out = shard_map(per_example_norms, in_axes=(None, 0, 0))(W, x, y)
    assert len(_optimized(out)) == 6 + 1
    X2, Y2 = compute(x, y)
    (got,) = compute(out, scheduler=scheduler)
    np.testing.assert_allclose(got, per_example_norms(W, X2, Y2), rtol=1e-12, atol=0)
    # an input computed as well is not fused away (nor computed twice), and stays equal
    assert len(_optimized(out, x)) == 6 + 1 + 6
    got, got_x = compute(out, x, scheduler=scheduler)
    np.testing.assert_allclose(got, per_example_norms(W, X2, Y2), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(got_x, X2)


def test_programs_pickle_by_token_and_are_cached_on_arrival():
    import pickle
    f = shard_map(lambda x: fnp.sin(x) * 2.0)
    graph = dict(f(da.from_array(X, 12)).__dask_graph__())
    shared = next(v for k, v in graph.items() if isinstance(k, str) and k.endswith("-shared"))
    task = getattr(shared, "value", shared).tasks[(0, "shard", 0)]
    dgraph._worker_tasks.clear()
    first = pickle.loads(pickle.dumps(task))
    assert pickle.loads(pickle.dumps(task)) is first  # a worker keeps what it compiled
    np.testing.assert_allclose(first.run(0, [X[:12]]), 2 * np.sin(X[:12]))


def test_workers_serve_a_programs_arrays_from_reused_memory(dask_client):
    # Dask starts workers with MALLOC_TRIM_THRESHOLD_ set, which fixes glibc's mmap threshold
    # at 128 KiB; a program arriving raises it above its largest array (1.6 MB here)
    from ftrans.distributed import malloc
    wide = rng.normal(size=(4000, 50))
    f = shard_map(lambda x: fnp.tanh(x) * 2.0)
    out = f(da.from_array(wide, chunks=(4000, 50))).compute(scheduler=dask_client)
    np.testing.assert_allclose(out, 2 * np.tanh(wide), rtol=1e-12)
    if not all(dask_client.run(lambda: malloc._libc_mallopt() is not False).values()):
        pytest.skip("not glibc, or the workers' environment leaves glibc adaptive")
    thresholds = dask_client.run(lambda: malloc._mmap_threshold)
    assert max(thresholds.values()) > wide.nbytes  # on the worker that ran the shard


def test_allocator_tuning_only_where_dask_fixed_the_thresholds():
    import os
    import subprocess
    import sys
    code = ("import numpy as np, ftrans.numpy as fnp, ftrans as ft\n"
            "from ftrans.distributed import malloc\n"
            "c = ft.make_jaxpr(lambda x: fnp.sin(x))(np.ones((1000, 1000)))\n"
            "assert malloc.largest_array_bytes(c) == 8_000_000\n"
            "print(malloc.fit_program(c))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    root = os.path.dirname(os.path.dirname(os.path.abspath(ft.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
    runs = {}
    for name, extra in (("adaptive", {}), ("dask", {"MALLOC_TRIM_THRESHOLD_": "65536"}),
                        ("chosen", {"MALLOC_TRIM_THRESHOLD_": "65536",
                                    "MALLOC_MMAP_THRESHOLD_": "131072"})):
        done = subprocess.run([sys.executable, "-c", code], env={**env, **extra},
                              capture_output=True, text=True, check=True)
        runs[name] = int(done.stdout)
    assert runs["adaptive"] == runs["chosen"] == 128 * 1024  # left alone
    from ftrans.distributed import malloc
    if sys.platform.startswith("linux") and malloc._glibc_version():
        assert runs["dask"] > 8_000_000 and runs["dask"] % 4096 == 0  # above it, in pages


def test_control_flow_holding_a_shard_collective_is_rejected():
    def body(x):
        return lax.cond(True, lambda v: lax.psum(v, "b"), lambda v: v, x)
    with pytest.raises(NotImplementedError, match=r"psum over the shard axis 'b' inside cond"):
        shard_map(body, axis_name="b")(da.from_array(X[:, 0], chunks=12))


def test_stage_split_of_a_program():
    def body(x):
        s = lax.psum(fnp.sum(x), "b")
        return x / s, s * 2.0
    closed = ft.make_jaxpr(lambda x: _bound(body, x, "b"))(np.ones(4))
    plan = dstages.split(closed, [True], "b")
    assert [len(r) for r in plan.rounds] == [1]
    assert plan.replicated == [False, True]
    assert plan.outputs[1][0] == "rep"  # computed once, not on every shard


def _bound(body, x, name):
    with lax.parallel.shard_axis(name, 4):
        return body(x)
