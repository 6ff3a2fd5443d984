"""W5 growth: how jit(grad) of the scalar chain scales with the program's length.

For chains of 1k, 10k, 50k and 100k primitives (``workloads.make_chain``), each in a fresh
interpreter: the time of every stage of the compiler (trace, passes, code generation and the
part of it spent in Python's ``compile()``), the first call of ``jit(grad(f))`` (trace and the
planned run), the second (optimise and generate code), the cached call against the hand-written
NumPy reference, and the peak RSS of ``jit(grad)`` (three calls) and of eager ``grad`` (one
call). Times are the best of a few repeats of process CPU time, which a loaded machine disturbs
less than wall time.

Run: ``python benchmarks/jit_growth.py [--sizes 1000,10000,50000,100000] [--ftrans DIR]``
(``--ftrans`` measures another checkout, e.g. to compare before and after a change; by
default the one holding this script).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SIZES = (1000, 10_000, 50_000, 100_000)


def _best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.process_time()
        result = fn()
        best = min(best, time.process_time() - start)
    return best, result


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def _child(what: str, n: int, root: str) -> dict[str, float]:
    """One measurement in this (fresh) interpreter, of the ftrans found in ``root``."""
    sys.path[:0] = [root, HERE]
    import numpy as np
    import workloads as wl

    import ftrans as ft
    import ftrans.numpy as fnp
    x = np.float64(0.3)
    chain = wl.make_chain(fnp, n)
    if what == "eager_rss":
        ft.grad(chain)(x)
        return {"eager_rss": _peak_rss_mb()}
    if what == "jit_rss":
        f = ft.jit(ft.grad(chain))
        for _ in range(3):
            f(x)
        return {"jit_rss": _peak_rss_mb()}
    # stages, each timed on its own
    from ftrans.api import trace_to_jaxpr
    from ftrans.compile import PASSES, generate, source
    from ftrans.core import pause_gc, resume_gc
    repeats = 3 if n <= 10_000 else 1
    out: dict[str, float] = {}
    f = ft.jit(ft.grad(chain))
    out["first_call"], _ = _best(lambda: f(x), 1)
    out["second_call"], _ = _best(lambda: f(x), 1)
    out["cached_call"], _ = _best(lambda: f(x), 7)
    out["numpy"], _ = _best(lambda: wl.chain_numpy(x, n), 7)
    pause_gc()  # as jit's own stages run
    try:
        out["trace"], (closed, _) = _best(
            lambda: trace_to_jaxpr(ft.grad(chain), (x,), {}, (), "jit"), repeats)
        out["passes"] = 0.0
        for optimization_pass in PASSES:
            seconds, closed = _best(lambda c=closed: optimization_pass(c), repeats)
            out["passes"] += seconds
        compile_time = [0.0]

        def timed_compile(*args: Any) -> Any:
            start = time.process_time()
            code = compile(*args)
            compile_time[0] += time.process_time() - start
            return code
        source.compile = timed_compile  # type: ignore[attr-defined]  # shadows the builtin
        out["codegen"], _ = _best(lambda: generate(closed), 1)
        out["compile"] = compile_time[0]
        del source.compile  # type: ignore[attr-defined]
    finally:
        resume_gc()
    out["eqns"] = len(closed.jaxpr.eqns)
    return out


def measure(n: int, root: str) -> dict[str, float]:
    row: dict[str, float] = {"n": n}
    for what in ("stages", "jit_rss", "eager_rss"):
        done = subprocess.run([sys.executable, __file__, "--ftrans", root, "--child", what,
                               str(n)],
                              capture_output=True, text=True, check=True)
        row.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return row


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1e3:.2f} ms"


def tables(rows: list[dict[str, float]]) -> str:
    first = rows[0]
    lines = [
        "| primitives | equations | first call | second call | cached call | NumPy | cached / "
        "NumPy | peak RSS jit(grad) | peak RSS grad | RSS ratio |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {int(r['n']):,} | {int(r['eqns']):,} | {_ms(r['first_call'])} | "
            f"{_ms(r['second_call'])} | {_ms(r['cached_call'])} | {_ms(r['numpy'])} | "
            f"{r['cached_call'] / r['numpy']:.2f}x | {r['jit_rss']:.0f} MB | "
            f"{r['eager_rss']:.0f} MB | {r['jit_rss'] / r['eager_rss']:.2f}x |")
    lines += [
        "",
        "| primitives | trace | passes | code generation | of which compile() | µs per "
        "primitive (trace + passes + codegen) | vs 1k |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    base = (first["trace"] + first["passes"] + first["codegen"]) / first["n"]
    for r in rows:
        per = (r["trace"] + r["passes"] + r["codegen"]) / r["n"]
        lines.append(f"| {int(r['n']):,} | {_ms(r['trace'])} | {_ms(r['passes'])} | "
                     f"{_ms(r['codegen'])} | {_ms(r['compile'])} | {per * 1e6:.1f} | "
                     f"{per / base:.2f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--ftrans", default=ROOT, help="the checkout whose ftrans to measure")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]), args.ftrans)))
        return
    load = os.getloadavg()[0]
    rows = []
    for n in map(int, args.sizes.split(",")):
        print(f"  chain of {n:,} primitives ...", file=sys.stderr, flush=True)
        rows.append(measure(n, args.ftrans))
    print(tables(rows))
    print(f"\nftrans from {args.ftrans}; Python {platform.python_version()}, "
          f"{os.cpu_count()} cores; load average {load:.1f} before the run, "
          f"{os.getloadavg()[0]:.1f} after.")


if __name__ == "__main__":
    main()
