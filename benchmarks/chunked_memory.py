"""Peak memory against chunk_size for jacrev of a wide layer, next to ft.memory_estimate.

``jacrev(f)`` pulls back every row of the output's standard basis at once: for an output of
size m it builds the m x m identity and its images, so the working set is m times the output,
however small the Jacobian (m x n) is. ``jacrev(f, chunk_size=k)`` pulls back k rows at a
time into a preallocated Jacobian: the peak is the Jacobian plus a few k x m buffers. The
estimate column is ``ft.memory_estimate`` of the same call (traced, nothing run). Peak memory
is measured with ``tracemalloc`` (NumPy reports its buffers to it), plus the
arguments and weights held during the call.

Run: ``python benchmarks/chunked_memory.py [--out 4096] [--inp 256] [--json PATH]``; with
``--json benchmarks/chunked_memory.json`` the rows are also saved for ``docs/gen_charts.py``.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import time
import tracemalloc

import numpy as np

import ftrans as ft
import ftrans.numpy as fnp


def measure(fn, x, held: int) -> tuple[float, float]:
    """Peak MiB of one call plus ``held`` bytes allocated before it (arguments, weights),
    and its time in seconds."""
    fn(x)  # warm up
    tracemalloc.start()
    start = time.perf_counter()
    jac = fn(x)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del jac
    return (peak + held) / 2 ** 20, seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=int, default=4096, help="the layer's output width")
    parser.add_argument("--inp", type=int, default=256, help="the layer's input width")
    parser.add_argument("--json", type=pathlib.Path, help="also write the rows to this file")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    w = rng.standard_normal((args.out, args.inp)) / np.sqrt(args.inp)
    b = rng.standard_normal(args.out)

    def layer(x):
        return fnp.tanh(w @ x + b)

    x = rng.standard_normal(args.inp)
    jacobian_mb = args.out * args.inp * 8 / 2 ** 20
    print(f"jacrev of tanh(W x + b), W {args.out} x {args.inp} float64: the Jacobian is "
          f"{jacobian_mb:.1f} MiB, the layer's weights {w.nbytes / 2 ** 20:.1f} MiB")
    print()
    print("| chunk_size | peak MiB | peak / Jacobian | estimate MiB | estimate / peak | time s |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    reference = ft.jacrev(layer)(x)
    rows = []
    for chunk in (None, 2048, 1024, 256, 64, 16):
        if chunk is not None and chunk >= args.out:
            continue
        fn = ft.jacrev(layer, chunk_size=chunk)
        peak, seconds = measure(fn, x, w.nbytes + b.nbytes + x.nbytes)
        estimate = ft.memory_estimate(fn)(x).peak_bytes / 2 ** 20
        assert np.allclose(fn(x), reference)
        label = "none" if chunk is None else str(chunk)
        print(f"| {label} | {peak:.1f} | {peak / jacobian_mb:.2f} | {estimate:.1f} | "
              f"{estimate / peak:.2f} | {seconds:.3f} |")
        rows.append({"chunk_size": chunk, "peak_mib": round(peak, 2),
                     "estimate_mib": round(estimate, 2), "seconds": round(seconds, 4)})
    if args.json is not None:
        args.json.write_text(json.dumps({"out": args.out, "inp": args.inp,
                                         "jacobian_mib": round(jacobian_mb, 2), "rows": rows},
                                        indent=1) + "\n")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
