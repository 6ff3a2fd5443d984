"""shard_map under faults and bad input: a killed worker, an exception in a shard, a NaN
check on the workers, and the argument errors raised on the client before any task runs."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans import lax

da = pytest.importorskip("dask.array")
pytest.importorskip("distributed")
from ftrans.distributed import shard_map  # noqa: E402

X = np.arange(48.0).reshape(24, 2) + 1.0


def slow_double(x):
    time.sleep(0.25)  # long enough that a worker can be killed while it runs shards
    return 2.0 * x


def fail_on_negative(x):
    if (x < 0).any():
        raise KeyError("negative input")
    return x


def slow_body(x):
    y = ft.pure_callback(slow_double, ft.ShapeDtypeStruct(x.shape, x.dtype), x)
    return y + lax.psum(fnp.sum(y), "b")


def test_a_killed_worker_loses_nothing(dask_client):
    out = shard_map(slow_body, axis_name="b")(da.from_array(X, chunks=2))
    future = dask_client.compute(out)
    deadline = time.monotonic() + 60
    busy = []
    while not busy and time.monotonic() < deadline:
        busy = [w for w, keys in dask_client.processing().items() if keys]
        time.sleep(0.02)
    pids = dask_client.run(os.getpid)
    victim = pids[busy[0]]
    os.kill(victim, signal.SIGKILL)
    got = future.result(timeout=120)
    np.testing.assert_allclose(got, 2.0 * X + 2.0 * X.sum(), rtol=1e-12)
    with pytest.raises(ProcessLookupError):
        os.kill(victim, 0)
    dask_client.wait_for_workers(2, timeout=120)  # the nanny restarts it for the next tests


def test_an_exception_names_its_shard_and_keeps_its_type(dask_client):
    data = X.copy()
    data[9, 1] = -1.0  # in shard 2 of chunks of 4
    f = shard_map(lambda x: ft.pure_callback(
        fail_on_negative, ft.ShapeDtypeStruct(x.shape, x.dtype), x) * 2.0)
    with pytest.raises(KeyError) as info:
        dask_client.compute(f(da.from_array(data, chunks=(4, 2)))).result()
    assert info.value.shard_index == 2
    assert any("shard 2" in note for note in getattr(info.value, "__notes__", ["shard 2"]))
    # the cluster stays usable
    np.testing.assert_allclose(dask_client.compute(f(da.from_array(X, chunks=4))).result(),
                               2.0 * X)


def test_debug_nans_runs_on_the_workers(dask_client):
    data = X.copy()
    data[5, 0] = -1.0  # in shard 1 of chunks of 4
    with ft.debug_nans(True):
        out = shard_map(lambda x: fnp.log(x) + 1.0)(da.from_array(data, chunks=(4, 2)))
    with pytest.raises(FloatingPointError, match="log") as info:
        dask_client.compute(out).result()
    assert info.value.shard_index == 1


@pytest.mark.parametrize("make, message", [
    (lambda: shard_map(lambda x, y: x + y)(da.from_array(X, chunks=4),
                                           da.from_array(X[:20], chunks=4)),
     r"different lengths: args\[0\] has 24 along axis 0, args\[1\] has 20"),
    (lambda: shard_map(lambda x: x)(da.from_array(X, chunks=(4, 1))),
     r"args\[0\] is chunked along axis 1.*x.rechunk\(\{1: -1\}\)"),
    (lambda: shard_map(lambda x, y: x + y)(da.from_array(X, chunks=4),
                                           da.from_array(X, chunks=6)),
     r"args\[1\] is split into chunks \(6, 6, 6, 6\).*rechunk"),
    (lambda: shard_map(lambda x: lax.psum(x, "b"))(da.from_array(X, chunks=4)),
     r"no axis_name; pass shard_map\(..., axis_name='b'\)"),
    (lambda: shard_map(lambda x: lax.psum(x, "c"), axis_name="b")(da.from_array(X, chunks=4)),
     r"axis 'c', which neither shard_map \(axis_name='b'\)"),
    (lambda: shard_map(lambda x: fnp.sum(x), out_axes=None)(da.from_array(X, chunks=4)),
     r"output has out_axes=None, but it differs between shards"),
    (lambda: shard_map(lambda x: fnp.sum(x))(da.from_array(X, chunks=4)),
     r"out_axes 0 for output is out of range for its rank 0"),
    (lambda: shard_map(lambda x: x, in_axes=2)(da.from_array(X, chunks=4)),
     r"in_axes 2 for args\[0\] is out of range"),
    (lambda: shard_map(lambda x: x)(X),
     r"no argument is a mapped Dask array"),
    (lambda: shard_map(lambda x: fnp.sum(lax.all_gather(x, "b"), axis=0), axis_name="b")(
        da.from_array(X, chunks=5)),
     r"reach different collectives.*Rechunk"),
], ids=["lengths", "chunked-unmapped-axis", "chunk-boundaries", "no-axis-name", "wrong-name",
        "not-replicated", "rank-0-mapped-output", "in-axes-range", "no-dask", "ragged-gather"])
def test_bad_input_is_a_value_error_before_any_task(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_not_inside_another_transformation():
    f = shard_map(lambda x: x * 2.0)
    with pytest.raises(TypeError, match="inside another transformation"):
        ft.grad(lambda w: fnp.sum(f(da.from_array(X, chunks=4)) * w))(1.0)
