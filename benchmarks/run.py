"""The ftrans benchmark suite: median times against hand-written NumPy, in one run.

W1 scalar chain, W2 MLP value_and_grad, W3 per-example gradients, W4 higher-order derivatives,
W7 a LeNet-sized CNN value_and_grad (each timed interleaved with its NumPy reference), W5 time to
first result of jit(grad) and its growth with the program's length (benchmarks/jit_growth.py),
W6 peak memory and import cost. Every workload runs in a fresh interpreter (``--child``), and so
does each W6 measurement. JAX (eager and jit), autograd, PyTorch and mygrad join when installed
(``pip install -e ".[bench]"``); the ones that are not are skipped, and the page says so.

Run: python benchmarks/run.py [--quick] [--only W1,W3] [--no-peers] [--no-growth] [--write-docs]
Prints a Markdown table per workload and the project's targets (issue #20's) next to what was
measured; ``--write-docs`` also rewrites docs/performance.md. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

if __package__:
    from . import workloads as wl
else:  # run as a script: benchmarks/ is on sys.path
    import workloads as wl

import ftrans as ft
import ftrans.numpy as fnp

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "performance.md"
RESULTS = ROOT / "benchmarks" / "results.json"  # the page's numbers, for docs/gen_charts.py
ALL_WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7")
TITLES = {
    "W1": "W1: scalar chain, value and grad, and value alone",
    "W2": "W2: MLP value_and_grad (tanh 784-512-512-10, softmax cross-entropy)",
    "W3": "W3: per-example gradients (MLP 100-64-10, batch 256)",
    "W4": "W4: higher-order derivatives",
    "W5": "W5: time to first result of jit(grad)",
    "W6": "W6: peak memory and import cost",
    "W7": "W7: LeNet-sized CNN value_and_grad (conv 5x5, max pool 2x2, twice; dense 120, 10)",
}


@dataclasses.dataclass
class Settings:
    """How long to measure: the default run takes about a minute on 2 cores."""

    budget: float = 8.0        # seconds of timed calls per case
    warmup: float = 1.5        # seconds of interleaved rounds run and discarded first
    min_rounds: int = 9
    max_rounds: int = 101
    min_sample: float = 0.005  # seconds: fast calls are repeated to fill one sample
    pause: float = 0.002       # seconds of sleep between two contenders' samples
    chain_sizes: tuple[int, ...] = (1000, 10_000, 50_000)
    first_call_repeats: int = 3
    w6_batch: int = 1024
    growth_sizes: tuple[int, ...] = (1000, 10_000, 50_000, 100_000)  # W5 growth table


QUICK = Settings(budget=0.5, warmup=0.2, min_rounds=3, max_rounds=15, min_sample=0.002,
                 chain_sizes=(1000, 10_000), first_call_repeats=1, growth_sizes=(1000, 10_000))


@dataclasses.dataclass
class Table:
    """One Markdown table of results."""

    workload: str
    headers: list[str]
    rows: list[list[str]]
    notes: list[str] = dataclasses.field(default_factory=list)
    title: str = ""  # the heading, when not the workload's own

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.headers) + " |",
                 "|" + "|".join("---" if i == 0 or i == 1 and self.headers[1] == "contender"
                                else "---:" for i in range(len(self.headers))) + "|"]
        previous = None
        for row in self.rows:  # a group's label is shown on its first row only
            first = "" if row[0] == previous else row[0]
            previous = row[0]
            lines.append("| " + " | ".join([first] + row[1:]) + " |")
        lines += [""] + [f"- {note}" for note in self.notes] if self.notes else []
        return "\n".join(lines)


@dataclasses.dataclass
class TargetCheck:
    """A project target next to what was measured."""

    workload: str
    what: str
    target: str
    measured: str
    met: bool | None  # None: could not be measured


@dataclasses.dataclass
class Report:
    tables: list[Table] = dataclasses.field(default_factory=list)
    checks: list[TargetCheck] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    others: float | None = None  # share of the CPUs other processes used during the run
    peers: list[str] = dataclasses.field(default_factory=list)
    missing: list[str] = dataclasses.field(default_factory=list)  # peers not installed
    peer_problems: list[str] = dataclasses.field(default_factory=list)  # reported, not timed
    load: list[float] = dataclasses.field(default_factory=list)  # load average, start and end

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        return cls([Table(**t) for t in data["tables"]],
                   [TargetCheck(**c) for c in data["checks"]], data["problems"],
                   data["others"], data["peers"], data.get("missing", []),
                   data.get("peer_problems", []), data.get("load", []))


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------


def fmt_time(seconds: float) -> str:
    unit, scale = next(((u, s) for u, s in (("s", 1.0), ("ms", 1e-3)) if seconds >= s),
                       ("µs", 1e-6))
    value = seconds / scale
    return f"{value:.{2 if value < 10 else 1 if value < 100 else 0}f} {unit}"


def fmt_ratio(ratio: float) -> str:
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:.1f}x" if ratio < 100 else f"{ratio:.0f}x"


def fmt_target(limit: float, value: float | None, unit: str = "x") -> tuple[str, bool | None]:
    if value is None:
        return f"≤ {limit:g}{unit}: not measured", None
    met = value <= limit
    return f"≤ {limit:g}{unit}: {'met' if met else '**not met**'}", met


# ---------------------------------------------------------------------------------------------
# Interleaved timing (W1-W4)
# ---------------------------------------------------------------------------------------------


def prepare(contender: wl.Contender, expected: Any, case: wl.Case) -> tuple[str | None, str]:
    """Run ``contender`` twice (warm-up, compile) and check it: why it cannot be timed, if so,
    and a note on a peer's result that agrees in value but returns a scalar in another float
    dtype (timed, and noted)."""
    try:
        contender.fn()
        result = contender.fn()
    except Exception as err:  # a benchmark reports a broken contender and goes on
        return f"error: {type(err).__name__}: {str(err).splitlines()[0][:200]}", ""
    why = wl.mismatch(result, expected, case.rtol, case.atol)
    if why and contender.kind == "peer" and wl.mismatch(result, expected, case.rtol, case.atol,
                                                        scalar_dtypes=False) is None:
        return None, f"{contender.name}: {why} (the values agree; timed as it is)"
    return (f"wrong result: {why}" if why else None), ""


def time_case(case: wl.Case, settings: Settings, notes: list[str] | None = None
              ) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Per-call times of every contender (the reference first), sampled in interleaved rounds
    whose order rotates by one contender a round; ``notes`` collects what :func:`prepare`
    noted."""
    expected = case.reference.fn()
    case.reference.fn()
    failures = {}
    runnable = [case.reference]
    for contender in case.contenders:
        why, note = prepare(contender, expected, case)
        if note and notes is not None:
            notes.append(f"{case.title}, {note}.")
        if why:
            failures[contender.name] = why
        else:
            runnable.append(contender)
    numbers, round_time = [], 0.0
    for contender in runnable:
        start = time.perf_counter()
        contender.fn()
        once = max(time.perf_counter() - start, 1e-7)
        numbers.append(max(1, int(settings.min_sample / once)))
        round_time += numbers[-1] * once + settings.pause
    rounds = int(min(settings.max_rounds, max(settings.min_rounds, settings.budget / round_time)))
    # A few warm calls are not enough: in a fresh process the first seconds of a BLAS-heavy
    # case run measurably slower for some contenders (allocator and cache state settling).
    warmup = max(1, int(settings.warmup / round_time))
    samples: dict[str, list[float]] = {c.name: [] for c in runnable}
    gc.collect()
    timed = list(zip(runnable, numbers))
    for i in range(warmup + rounds):
        # Each round starts one contender later than the last: what a sample follows (a
        # previous contender's BLAS worker still spinning, its freed memory, its caches) then
        # falls on every contender alike, instead of on whichever is always next in the list.
        start_at = i % len(timed)
        for contender, number in timed[start_at:] + timed[:start_at]:
            fn = contender.fn
            start = time.perf_counter()
            for _ in range(number):
                fn()
            if i >= warmup:
                samples[contender.name].append((time.perf_counter() - start) / number)
            time.sleep(settings.pause)
    return samples, failures


def spread(values: list[float]) -> str:
    if len(values) < 4:
        return "n/a"
    q1, _, q3 = statistics.quantiles(values, n=4)
    return f"±{50 * (q3 - q1) / statistics.median(values):.0f}%"


def paired_ratio(samples: list[float], reference: list[float]) -> float:
    """The median over rounds of a contender's time divided by the reference's in the same
    round: a change of the machine's speed during the run falls on both sides of each ratio."""
    return statistics.median(c / r for c, r in zip(samples, reference))


def check_target(report: Report, workload: str, what: str, limit: float, unit: str,
                 value: float | None, shown: str | None = None, met: bool | None = None
                 ) -> str:
    """Record a target next to what was measured; the table cell that says whether it is met.
    ``unit`` is "x" (a ratio), "µs/op" or "MB"."""
    suffix = "x" if unit == "x" else f" {unit}"
    cell, ok = fmt_target(limit, value, suffix)
    if met is not None or value is None:
        ok = met
    measured = shown or ("failed" if value is None else
                         fmt_ratio(value) if unit == "x" else f"{value:.2f}{suffix}")
    first = re.search(r"\d[\d,]*(?:\.\d+)?", measured)
    if ok is False and first and float(first[0].replace(",", "")) <= limit:
        # rounded for display to the limit itself, yet above it: show the digits that tell
        measured = f"{value:.4f}{suffix}" + measured[first.end():].split(suffix, 1)[-1]
    report.checks.append(TargetCheck(workload, what, f"≤ {limit:g}{suffix}", measured, ok))
    return cell


def run_cases(workload: str, peers: wl.Peers, settings: Settings, report: Report) -> None:
    rows = []
    table = Table(workload, ["case", "contender", "median", "IQR", "vs NumPy", "target"], rows)
    for case in wl.CASE_BUILDERS[workload](peers):
        print(f"  {case.title} ...", file=sys.stderr, flush=True)
        samples, failures = time_case(case, settings, table.notes)
        reference = samples[case.reference.name]
        for contender in [case.reference] + case.contenders:
            name = contender.name + (" (peer)" if contender.kind == "peer" else "")
            what = f"{case.title}: {contender.name}"
            if contender.name in failures:
                rows.append([case.title, name, "—", "", "—", failures[contender.name]])
                if contender.kind != "peer":
                    report.problems.append(f"{workload} {what}: {failures[contender.name]}")
                else:
                    report.peer_problems.append(f"{workload} {what}: "
                                                f"{failures[contender.name]}")
                if contender.target is not None:
                    check_target(report, workload, what, contender.target,
                                 contender.target_unit, None)
                continue
            median = statistics.median(samples[contender.name])
            ratio = paired_ratio(samples[contender.name], reference)
            shown = fmt_time(median)
            per_op = median / case.ops * 1e6 if case.ops else None
            if per_op is not None:
                shown += f" ({per_op:.2f} µs/op)"
            target = ""
            if contender.target is not None:
                if contender.target_unit == "µs/op":
                    target = check_target(report, workload, what, contender.target, "µs/op",
                                          per_op, f"{per_op:.2f} µs/op ({fmt_ratio(ratio)})")
                else:
                    target = check_target(report, workload, what, contender.target, "x", ratio)
            rows.append([case.title, name, shown, spread(samples[contender.name]),
                         fmt_ratio(ratio), target])
    for peer, why in wl.PEER_NOTES.get(workload, {}).items():
        if getattr(peers, peer) is not None:
            table.notes.append(why)
    report.tables.append(table)


# ---------------------------------------------------------------------------------------------
# W5: time to first result
# ---------------------------------------------------------------------------------------------


def first_call(make: Callable[[], Callable[[], Any]], clear: Callable[[], None]
               ) -> tuple[float, Any]:
    """Seconds from a fresh (cache-cleared) transformed function to its first result."""
    gc.collect()
    clear()
    fn = make()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def timed_median(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# W5 targets (issue #20): first result of the MLP within this multiple of one NumPy step;
# µs per primitive of a chain's first result, by length (4 for long chains, 5 at 50k)
W5_MLP_TARGET = 1.1
W5_CHAIN_TARGETS = {1000: 4.0, 10_000: 4.0, 50_000: 5.0}
W5_GROWTH_TARGET = 1.2          # µs/op of the first result, largest chain / 1k chain
W5_CACHED_TARGET = (50_000, 1.5)    # the cached call of jit(grad) at 50k, vs hand NumPy
W5_RSS_TARGET = (50_000, 120.0)     # peak RSS of jit(grad) at 50k primitives, MB
W5_RSS_RATIO_TARGET = (100_000, 2.0)  # peak RSS of jit(grad) / eager grad's at 100k


def _peer_first_calls(peers: wl.Peers, make: Callable[[Any], Callable[[], Any]],
                      expected: Any, rtol: float, atol: float, repeats: int
                      ) -> list[tuple[str, float | None, str]]:
    """(name, seconds, problem) of the first call of each eager peer's step, made fresh each
    time (median of ``repeats``, as ftrans's first calls)."""
    out = []
    for name, module in (("torch", peers.torch), ("mygrad", peers.mygrad)):
        if module is None:
            continue
        times, why = [], None
        try:
            for _ in range(repeats):
                seconds, result = first_call(lambda m=module: make(m), lambda: None)
                times.append(seconds)
                why = why or wl.mismatch(result, expected, rtol, atol)
        except Exception as err:  # a peer's failure is reported in its row
            out.append((name, None, f"error: {type(err).__name__}: {str(err)[:120]}"))
            continue
        out.append((name, None if why else statistics.median(times),
                    f"wrong result: {why}" if why else ""))
    return out


def _mlp_step(module: Any, params: Any, x: Any, y: Any) -> Callable[[], Any]:
    if module.__name__ == "torch":
        return wl.torch_value_and_grad(module, wl.make_mlp_loss(wl.TorchNumPy(module),
                                                                wl._torch_stop_gradient),
                                       params, x, y)
    return wl.mygrad_value_and_grad(module, wl.make_mlp_loss(module, wl._mygrad_stop_gradient),
                                    params, x, y)


def _chain_step(module: Any, ops: int, x: Any) -> Callable[[], Any]:
    steps = {"torch": wl.torch_value_and_grad, "mygrad": wl.mygrad_value_and_grad}
    step = steps[module.__name__](module, wl.make_chain(module, ops), x)
    return lambda: step()[1]


def run_w5(peers: wl.Peers, settings: Settings, report: Report) -> None:
    rows: list[list[str]] = []
    table = Table("W5", ["case", "contender", "first result", "per op", "vs NumPy", "target"],
                  rows)
    # Pay the one-off imports of the jit machinery (and of the peers' autograd) first.
    ft.jit(ft.grad(wl.make_chain(fnp, 4)))(np.float64(0.3))
    for module in (peers.torch, peers.mygrad):
        if module is not None:
            _chain_step(module, 4, np.float64(0.3))()
    repeats = settings.first_call_repeats

    # The W2 MLP (float64, batch 128)
    print("  MLP first result ...", file=sys.stderr, flush=True)
    rng = np.random.default_rng(0)
    params = wl.mlp_params(rng, wl.MLP_SIZES)
    x, y = wl.mlp_data(rng, wl.MLP_BATCH, wl.MLP_SIZES)
    expected = wl.mlp_numpy(params, x, y)
    loss = wl.make_mlp_loss(fnp, ft.stop_gradient)
    numpy_times, ft_times = [], []
    problem = None
    for _ in range(repeats):
        numpy_times.append(timed_median(lambda: wl.mlp_numpy(params, x, y), 3))
        seconds, result = first_call(
            lambda: lambda: ft.jit(ft.value_and_grad(loss))(params, x, y), ft.clear_caches)
        ft_times.append(seconds)
        problem = problem or wl.mismatch(result, expected, 1e-7, 1e-10)
    ref = statistics.median(numpy_times)
    t = statistics.median(ft_times)
    case = "MLP, float64, batch 128"
    what = "first result of jit(grad), MLP, vs one NumPy fwd+bwd"
    rows.append([case, "NumPy fwd+bwd, one eager call (median)", fmt_time(ref), "", "1.00x", ""])
    if problem:
        report.problems.append(f"W5 MLP: {problem}")
        target = f"wrong result: {problem}"
        check_target(report, "W5", what, W5_MLP_TARGET, "x", None, "wrong result")
    else:
        target = check_target(report, "W5", what, W5_MLP_TARGET, "x", t / ref)
    rows.append([case, "ftrans jit(value_and_grad), first call", fmt_time(t), "",
                 fmt_ratio(t / ref), target])
    if peers.jax is not None:
        jax = peers.jax
        jloss = wl.make_mlp_loss(jax.numpy, jax.lax.stop_gradient)
        jargs = jax.tree_util.tree_map(jax.numpy.asarray, (params, x, y))
        seconds, result = first_call(
            lambda: lambda: jax.block_until_ready(jax.jit(jax.value_and_grad(jloss))(*jargs)),
            jax.clear_caches)
        why = wl.mismatch(result, expected, 1e-7, 1e-10)
        rows.append([case, "jax jit(value_and_grad), first call (peer)",
                     "—" if why else fmt_time(seconds), "",
                     "—" if why else fmt_ratio(seconds / ref), f"wrong result: {why}" if why
                     else ""])
    for name, seconds, why in _peer_first_calls(
            peers, lambda m: _mlp_step(m, params, x, y), expected, 1e-7, 1e-10, repeats):
        rows.append([case, f"{name} backward(), first eager step (peer)",
                     "—" if seconds is None else fmt_time(seconds), "",
                     "—" if seconds is None else fmt_ratio(seconds / ref), why])

    # Scalar chains
    per_op = {}
    for ops in settings.chain_sizes:
        print(f"  chain of {ops:,} ops, first result ...", file=sys.stderr, flush=True)
        x0 = np.float64(0.3)
        expected = wl.chain_numpy(x0, ops)[1]
        chain = wl.make_chain(fnp, ops)
        n = repeats if ops <= 10_000 else 1
        numpy_times, ft_times, problem = [], [], None
        for _ in range(n):
            numpy_times.append(timed_median(lambda: wl.chain_numpy(x0, ops), 3))
            try:
                seconds, result = first_call(lambda: lambda: ft.jit(ft.grad(chain))(x0),
                                             ft.clear_caches)
            except RecursionError:
                problem = "RecursionError"
                break
            ft_times.append(seconds)
            problem = problem or wl.mismatch(result, expected, 1e-7, 1e-12)
        case = f"chain, {ops:,} ops"
        what = f"first result of jit(grad), chain of {ops:,} ops"
        limit = W5_CHAIN_TARGETS.get(ops, max(W5_CHAIN_TARGETS.values()))
        ref = statistics.median(numpy_times)
        rows.append([case, "NumPy scalars fwd+bwd, one call", fmt_time(ref),
                     f"{ref / ops * 1e6:.2f} µs", "1.00x", ""])
        if problem:
            report.problems.append(f"W5 chain of {ops} ops: {problem}")
            rows.append([case, "ftrans jit(grad), first call", "—", "—", "—", problem])
            check_target(report, "W5", what, limit, "µs/op", None, problem)
            continue
        t = statistics.median(ft_times)
        per_op[ops] = t / ops * 1e6
        target = check_target(report, "W5", what, limit, "µs/op", per_op[ops],
                              f"{per_op[ops]:.1f} µs/op")
        rows.append([case, "ftrans jit(grad), first call", fmt_time(t),
                     f"{per_op[ops]:.1f} µs", fmt_ratio(t / ref), target])
        if peers.jax is not None and ops <= 1000:
            jax = peers.jax
            jchain = wl.make_chain(jax.numpy, ops)
            seconds, result = first_call(
                lambda: lambda: jax.block_until_ready(jax.jit(jax.grad(jchain))(x0)),
                jax.clear_caches)
            why = wl.mismatch(result, expected, 1e-7, 1e-12)
            rows.append([case, "jax jit(grad), first call (peer)",
                         "—" if why else fmt_time(seconds),
                         "—" if why else f"{seconds / ops * 1e6:.1f} µs",
                         "—" if why else fmt_ratio(seconds / ref),
                         f"wrong result: {why}" if why else ""])
        for name, seconds, why in _peer_first_calls(
                peers, lambda m: _chain_step(m, ops, x0), expected, 1e-7, 1e-12, n):
            rows.append([case, f"{name} backward(), first eager step (peer)",
                         "—" if seconds is None else fmt_time(seconds),
                         "—" if seconds is None else f"{seconds / ops * 1e6:.1f} µs",
                         "—" if seconds is None else fmt_ratio(seconds / ref), why])
    sizes = sorted(per_op)
    if len(sizes) >= 2 and sizes[0] == 1000:
        growth = per_op[sizes[-1]] / per_op[sizes[0]]
        target = check_target(report, "W5", f"µs/op growth of the chain's first result, "
                              f"{sizes[0]:,} → {sizes[-1]:,} ops", W5_GROWTH_TARGET, "x",
                              growth)
        rows.append([f"growth {sizes[0]:,} → {sizes[-1]:,} ops", "ftrans µs/op ratio", "",
                     "", fmt_ratio(growth), target])
    table.notes.append(f"Each first call follows `ft.clear_caches()` (jax: "
                       f"`jax.clear_caches()`), so it includes tracing, optimising and code "
                       f"generation; median of {repeats} (one run at 50k ops). Python's "
                       f"recursion limit is left at {sys.getrecursionlimit()}.")
    if peers.torch is not None or peers.mygrad is not None:
        table.notes.append("PyTorch and mygrad have no compiler: their first result is one "
                           "eager step (forward and `backward()`) built fresh, after a "
                           "throwaway step has paid their one-off imports; median of as many "
                           "as ftrans's.")
    if peers.jax is not None:
        table.notes.append("JAX is measured on the 1k chain only: XLA's compile time grows "
                           "steeply with a long scalar chain (about 16 s at 10k ops when tried "
                           "on this machine).")
    report.tables.append(table)
    if settings.growth_sizes:
        run_w5_growth(settings.growth_sizes, report)


def run_w5_growth(sizes: tuple[int, ...], report: Report) -> None:
    """The W5 growth table: jit(grad) of chains of ``sizes`` primitives, each measured in
    fresh interpreters by benchmarks/jit_growth.py (CPU times, peak RSS)."""
    if __package__:
        from . import jit_growth
    else:
        import jit_growth
    rows: list[list[str]] = []
    table = Table("W5", ["primitives", "equations", "first call", "second call", "cached call",
                         "NumPy", "cached / NumPy", "peak RSS jit(grad)", "peak RSS grad",
                         "RSS ratio", "trace + passes + codegen per primitive", "target"],
                  rows, title="W5 growth: jit(grad) of long scalar chains")
    measured = {}
    for n in sizes:
        print(f"  growth: chain of {n:,} primitives ...", file=sys.stderr, flush=True)
        try:
            measured[n] = jit_growth.measure(n, str(ROOT))
        except (subprocess.SubprocessError, OSError, ValueError, KeyError) as err:
            lines = (getattr(err, "stderr", "") or str(err)).strip().splitlines()
            report.problems.append(f"W5 growth, {n:,} primitives: the measuring subprocess "
                                   f"failed: {lines[-1] if lines else err}")
    base = None
    for n, r in measured.items():
        per = (r["trace"] + r["passes"] + r["codegen"]) / n * 1e6
        base = base or per
        cells = []
        cached = r["cached_call"] / r["numpy"]
        rss_ratio = r["jit_rss"] / r["eager_rss"]
        if n == W5_CACHED_TARGET[0]:
            cells.append("cached: " + check_target(
                report, "W5", f"cached call of jit(grad), chain of {n:,} ops, vs hand-written "
                "NumPy (CPU time)", W5_CACHED_TARGET[1], "x", cached))
        if n == W5_RSS_TARGET[0]:
            cells.append("RSS: " + check_target(
                report, "W5", f"peak RSS of jit(grad), chain of {n:,} ops", W5_RSS_TARGET[1],
                "MB", r["jit_rss"], f"{r['jit_rss']:.0f} MB"))
        if n == W5_RSS_RATIO_TARGET[0]:
            cells.append("RSS ratio: " + check_target(
                report, "W5", f"peak RSS of jit(grad) / eager grad's, chain of {n:,} ops",
                W5_RSS_RATIO_TARGET[1], "x", rss_ratio))
        rows.append([f"{n:,}", f"{int(r['eqns']):,}", fmt_time(r["first_call"]),
                     fmt_time(r["second_call"]), fmt_time(r["cached_call"]),
                     fmt_time(r["numpy"]), fmt_ratio(cached), f"{r['jit_rss']:.0f} MB",
                     f"{r['eager_rss']:.0f} MB", fmt_ratio(rss_ratio),
                     f"{per:.1f} µs ({per / base:.2f}x the 1k chain's)" if n != sizes[0] else
                     f"{per:.1f} µs", "; ".join(cells)])
    table.notes += [
        "Measured by `benchmarks/jit_growth.py` (called by `run.py` for W5; "
        "`python benchmarks/jit_growth.py` alone prints the same figures with the time of "
        "each compiler stage): each length in fresh interpreters. Times are the best of a few "
        "repeats of process CPU time (one run of each of the first two calls): the first call "
        "traces and runs the plan, the second optimises, generates and compiles the code, "
        "later calls are cached. Peak RSS is the process's high-water mark over three calls "
        "of `jit(grad)`, and over one call of eager `grad` (about 38 MB of it is the "
        "interpreter with NumPy and ftrans imported)."]
    report.tables.append(table)


# ---------------------------------------------------------------------------------------------
# W6: peak memory and import cost, each in a fresh interpreter
# ---------------------------------------------------------------------------------------------


def _status_mb(field: str) -> float | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) / 1024 if match else None


def _reset_peak_rss() -> bool:
    """Reset the RSS high-water mark (Linux: write 5 to /proc/self/clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    import resource
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def w6_child(contender: str, batch: int) -> dict[str, Any]:
    """Peak memory of one W2 value-and-grad call (runs in a fresh subprocess)."""
    import tracemalloc
    rng = np.random.default_rng(0)
    params = wl.mlp_params(rng, wl.MLP_SIZES)
    x, y = wl.mlp_data(rng, batch, wl.MLP_SIZES)
    if contender == "numpy":
        def fn() -> Any:
            return wl.mlp_numpy(params, x, y)
    else:
        vg = ft.value_and_grad(wl.make_mlp_loss(fnp, ft.stop_gradient))
        if contender == "ftrans-jit":
            vg = ft.jit(vg)

        def fn() -> Any:
            return vg(params, x, y)
    # First call: RSS high-water mark growth (includes tracing and compiling under jit).
    gc.collect()
    exact = _reset_peak_rss()
    before = _status_mb("VmRSS") if exact else _peak_rss_mb()
    result = fn()
    first_rss = _peak_rss_mb() - (before or 0.0)
    del result
    # A steady-state call under tracemalloc (NumPy reports its buffers to it).
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    loss, grads = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {"peak_mb": peak / 2**20, "first_call_rss_mb": first_rss, "rss_exact": exact,
            "loss": float(loss), "grads": [float(np.linalg.norm(g)) for g in
                                           wl.float_leaves(grads)]}


IMPORT_PROBE = """
import json, re, time
def rss():
    with open('/proc/self/status') as f:
        return int(re.search(r'VmRSS:\\s+(\\d+) kB', f.read()).group(1)) / 1024
r0 = rss(); t0 = time.perf_counter()
import numpy
r1 = rss(); t1 = time.perf_counter()
import ftrans, ftrans.numpy
r2 = rss(); t2 = time.perf_counter()
print(json.dumps({'bare': r0, 'numpy_mb': r1 - r0, 'ftrans_mb': r2 - r1, 'total': r2,
                  'numpy_s': t1 - t0, 'ftrans_s': t2 - t1}))
"""


class ChildError(Exception):
    """A measuring subprocess failed; the message is the last line it wrote to stderr."""


def _subprocess_json(args: list[str], show_stderr: bool = False) -> dict[str, Any]:
    """Run ``python *args`` and parse the JSON on the last line of its output."""
    try:
        out = subprocess.run([sys.executable, *args], stdout=subprocess.PIPE,
                             stderr=None if show_stderr else subprocess.PIPE, text=True,
                             cwd=ROOT, timeout=900)
    except subprocess.SubprocessError as err:
        raise ChildError(str(err)) from None
    if out.returncode != 0:
        lines = (out.stderr or "").strip().splitlines() or [f"exit status {out.returncode}"]
        raise ChildError(lines[-1])
    return json.loads(out.stdout.strip().splitlines()[-1])


W6_JIT_PEAK_MB = 35.0  # issue #20: W6's peak above the data under jit stays at most this


def run_w6(settings: Settings, report: Report) -> None:
    batch = settings.w6_batch
    rows: list[list[str]] = []
    table = Table("W6", ["measure", "contender", "value", "vs NumPy", "target"], rows)
    results = {}
    for name in ("numpy", "ftrans-eager", "ftrans-jit"):
        print(f"  peak memory, {name} ...", file=sys.stderr, flush=True)
        try:
            results[name] = _subprocess_json([__file__, "--child", f"w6:{name}:{batch}"])
        except (ChildError, ValueError) as err:
            report.problems.append(f"W6 {name}: the subprocess failed: {err}")
    labels = {"numpy": "NumPy (hand-written backprop)",
              "ftrans-eager": "ftrans value_and_grad (eager)",
              "ftrans-jit": "ftrans jit(value_and_grad)"}
    ref = results.get("numpy")
    what = f"peak memory of one call (tracemalloc), batch {batch}"
    for name, res in results.items():
        problem = None
        if ref is not None and name != "numpy":
            if not np.allclose([res["loss"]] + res["grads"], [ref["loss"]] + ref["grads"],
                               rtol=1e-7):
                problem = "wrong result"
                report.problems.append(f"W6 {name}: loss or gradient norms differ from NumPy")
        ratio = res["peak_mb"] / ref["peak_mb"] if ref else float("nan")
        target = ""
        if name != "numpy":
            target, met = fmt_target(1.1, ratio)
            report.checks.append(TargetCheck("W6", f"{what}: {labels[name]}", "≤ 1.1x",
                                             fmt_ratio(ratio), met if not problem else None))
        if name == "ftrans-jit":  # issue #20: the peak above the data under jit
            limit = W6_JIT_PEAK_MB
            cell = check_target(report, "W6", f"{labels[name]}: peak above the data "
                                f"(tracemalloc), batch {batch}", limit, "MB", res["peak_mb"],
                                f"{res['peak_mb']:.1f} MB", None if problem else
                                res["peak_mb"] <= limit)
            target = f"{target}; {cell}"
        rows.append([what, labels[name], f"{res['peak_mb']:.1f} MB", fmt_ratio(ratio),
                     problem or target])
    rss_what = "first call: growth of the RSS high-water mark"
    for name, res in results.items():
        ratio = res["first_call_rss_mb"] / ref["first_call_rss_mb"] if ref else float("nan")
        rows.append([rss_what, labels[name], f"{res['first_call_rss_mb']:.1f} MB",
                     fmt_ratio(ratio), ""])
    print("  import cost ...", file=sys.stderr, flush=True)
    try:
        imp = _subprocess_json(["-c", IMPORT_PROBE])
    except (ChildError, ValueError) as err:
        report.problems.append(f"W6 import probe failed: {err}")
    else:
        total = imp["numpy_mb"] + imp["ftrans_mb"]
        target, met = fmt_target(35, total, " MB")
        rows.append(["import cost (RSS growth)", "`import numpy` in a fresh interpreter",
                     f"{imp['numpy_mb']:.1f} MB ({imp['numpy_s'] * 1e3:.0f} ms)", "", ""])
        rows.append(["import cost (RSS growth)", "`import ftrans` after numpy",
                     f"{imp['ftrans_mb']:.1f} MB ({imp['ftrans_s'] * 1e3:.0f} ms)", "", ""])
        rows.append(["import cost (RSS growth)", "`import ftrans` from a bare interpreter "
                     "(numpy included)", f"{total:.1f} MB", "", target])
        report.checks.append(TargetCheck("W6", "import ftrans (RSS growth from a bare "
                                         "interpreter, numpy included)", "≤ 35 MB",
                                         f"{total:.1f} MB", met))
        table.notes.append(f"A bare interpreter has {imp['bare']:.1f} MB resident; after "
                           f"`import ftrans` the process has {imp['total']:.1f} MB.")
    table.notes.append("Each contender runs in its own fresh interpreter. tracemalloc counts "
                       "Python objects and NumPy buffers allocated during one steady-state "
                       "call (outputs included, inputs excluded); the RSS row is the growth "
                       "of the resident-set high-water mark over the first call (under jit "
                       "that includes tracing and compiling). No peer is measured here: "
                       "tracemalloc does not see the buffers of PyTorch's or XLA's "
                       "allocators, so their figures would not compare.")
    report.tables.append(table)


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def machine() -> list[str]:
    return [f"- platform: `{platform.platform()}` ({platform.machine()}), "
            f"{os.cpu_count()} CPUs",
            f"- Python {platform.python_version()}, NumPy {np.__version__}, "
            f"ftrans {ft.__version__}"]


def targets_table(checks: list[TargetCheck]) -> str:
    lines = ["| workload | what | target | measured | met |", "|---|---|---:|---:|---|"]
    for c in checks:
        met = "n/a" if c.met is None else "yes" if c.met else "**no**"
        lines.append(f"| {c.workload} | {c.what} | {c.target} | {c.measured} | {met} |")
    return "\n".join(lines)


def render(report: Report) -> str:
    """The targets, a table per workload, any problems, and notes."""
    parts = ["## Targets", "", targets_table(report.checks), "",
             "![Each target: what was measured, as a multiple of the limit]"
             "(images/benchmark_targets.svg)", "",
             "(The chart is drawn from `benchmarks/results.json` by `python docs/gen_charts.py`.)",
             "", "## Results", ""]
    for table in report.tables:
        parts += [f"### {table.title or TITLES[table.workload]}", "", table.markdown(), ""]
    if report.problems:
        parts += ["## Problems", ""] + [f"- {p}" for p in report.problems] + [""]
    if report.peer_problems:
        parts += ["## Peers reported, not timed", ""] + [f"- {p}" for p in
                                                         report.peer_problems] + [""]
    parts += ["## Notes", "",
              "- The softmax cross-entropy of W2, W3, W5 and W6 is written out with `max`, `exp`, "
              "`log` and `sum` (the max under `stop_gradient`), the same program text for "
              "ftrans, JAX, autograd, PyTorch (through a small adapter of NumPy names) and "
              "mygrad, rather than with a library's `log_softmax`.",
              "- The peers share each workload's interpreter with ftrans, and their thread pools "
              "(PyTorch's, XLA's) and allocations slow the NumPy-heavy ftrans contenders measured "
              "beside them: on 2026-12-07, on a quiet machine, W3's `jit(vmap(grad))` measured "
              "1.24x among the peers and 0.92x with `--no-peers` (eager `vmap(grad)` 1.81x and "
              "1.46x). The ratios against NumPy of one run are comparable with one another; "
              "compare ftrans with itself across runs with `--no-peers`.", ""]
    return "\n".join(parts)


HOW_TO_READ = """\
## How to read this

- Every time is a **median** of per-call times. Each workload runs in a fresh interpreter;
  contenders of one case are timed in interleaved rounds (reference, contender A,
  contender B, ..., then again, each round starting one contender later), with a short pause
  between them, after warm-up rounds that are discarded; fast calls are repeated within a
  sample. IQR is the interquartile range of the samples relative to the median: a large one
  means a noisy measurement.
- **vs NumPy** is the median over rounds of a contender's time divided by the hand-written
  NumPy reference's time in the same round (the median of paired ratios): below 1.00x is
  faster than NumPy. The references are what a competent person would write: vectorised,
  BLAS matmuls, no Python loop over a batch, backpropagation by hand.
- Every contender's result, the peers' included, is checked against the reference before it
  is timed; a contender that fails or disagrees is reported instead of timed.
- "cached" jit means timed after the first call, which traces and compiles; W5 measures that
  first call on its own.
- Peers, measured when installed (`pip install -e ".[bench]"`), for context: JAX (x64, on
  the CPU) both jitted and eager (op by op), autograd, PyTorch on the CPU (eager, float64, and
  float32 where a case has a float32 variant; gradients by `backward()`, and `torch.func`
  where the case is a transformation: per-example gradients, Hessians, HVPs) and mygrad. The
  targets concern ftrans only. All contenders share the same 2 cores; BLAS uses both, so
  other processes on the machine slow the matmul-heavy cases most. The share of CPU other
  processes took is noted under each table.
- Targets are the project's performance goals (issue #20's); one not met is shown as such.
"""


KEPT_SECTION = "## Distributed: shard_map on a Dask cluster"


def write_docs(report: Report, argv: list[str], elapsed: float) -> None:
    date = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    peer_names = ", ".join(report.peers) or ("not measured (`--no-peers`)"
                                             if "--no-peers" in argv else "none installed")
    text = "\n".join([
        "# Performance",
        "",
        "ftrans against hand-written NumPy, measured by `python benchmarks/run.py`. This page "
        "is generated by `python benchmarks/run.py --write-docs`: rerun it rather than edit "
        "the numbers by hand. What each workload is, and how it is timed: "
        "`benchmarks/README.md` in the repository.",
        "",
        "## This run",
        "",
        f"- date: {date}",
        f"- command: `python benchmarks/run.py {' '.join(argv)}` ({elapsed:.0f} s)",
        *machine(),
        f"- peers: {peer_names}" + (f"; not installed, so skipped: "
                                    f"{', '.join(report.missing)} (`pip install -e "
                                    f"\".[bench]\"`)" if report.missing else ""),
        f"- load average (1 min) at the start and the end: "
        f"{' and '.join(f'{v:.2f}' for v in report.load) or 'n/a'}",
        f"- other processes used {_fmt_share(report.others)} of the CPUs during the run "
        f"(each workload's share is noted under its table)",
        "",
        HOW_TO_READ,
        render(report),
    ])
    # sections measured by other scripts (shard_map_cluster.py, jit_growth.py), from
    # KEPT_SECTION to the end, are kept as they are
    kept = ""
    if DOCS.exists():
        old = DOCS.read_text()
        at = old.find(KEPT_SECTION)
        kept = "" if at < 0 else "\n\n" + old[at:].rstrip()
    DOCS.write_text(text.rstrip() + kept + "\n")
    RESULTS.write_text(json.dumps({"date": date, "argv": argv, **report.to_json()}, indent=1,
                                  ensure_ascii=False) + "\n")
    print(f"wrote {DOCS} and {RESULTS}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------


def cpu_snapshot() -> tuple[float, float, float] | None:
    """CPU-seconds used by the whole machine and by this process (with its finished children),
    and the wall clock: two snapshots tell how much other processes took meanwhile."""
    try:
        ticks = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait
    own = os.times()
    return (busy / os.sysconf("SC_CLK_TCK"),
            own.user + own.system + own.children_user + own.children_system, time.perf_counter())


def others_share(start: tuple[float, float, float] | None,
                 end: tuple[float, float, float] | None) -> float | None:
    """The fraction of the machine's CPUs that other processes used between two snapshots."""
    if start is None or end is None or end[2] <= start[2]:
        return None
    busy, own, wall = (e - s for s, e in zip(start, end))
    return max(0.0, (busy - own) / (wall * (os.cpu_count() or 1)))


def _fmt_share(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.0f}%"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a few repeats per case, and chains up to 10k ops for W5")
    parser.add_argument("--only", default="",
                        help="comma-separated workloads to run, e.g. W1,W3 (default: all)")
    parser.add_argument("--no-peers", action="store_true",
                        help="measure no peer (JAX, autograd, PyTorch, mygrad) even when "
                             "installed")
    parser.add_argument("--no-growth", action="store_true",
                        help="W5 without its growth table (jit_growth.py at 1k-100k "
                             "primitives, about a minute and a half)")
    parser.add_argument("--write-docs", action="store_true",
                        help="rewrite docs/performance.md with this run's tables")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    chosen = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in chosen if w not in ALL_WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from "
                     f"{', '.join(ALL_WORKLOADS)}")
    args.workloads = chosen or list(ALL_WORKLOADS)
    return args


def run_workload(workload: str, settings: Settings, use_peers: bool) -> Report:
    """Measure one workload in this process."""
    report = Report()
    peers = wl.load_peers(enabled=use_peers and workload != "W6")
    report.peers = peers.names()
    report.missing = peers.missing
    if workload in wl.CASE_BUILDERS:
        run_cases(workload, peers, settings, report)
    elif workload == "W5":
        run_w5(peers, settings, report)
    else:
        run_w6(settings, report)
    return report


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    settings = QUICK if args.quick else Settings()
    if args.no_growth:
        settings = dataclasses.replace(settings, growth_sizes=())
    if args.child:
        kind, *rest = args.child.split(":")
        if kind == "w6":
            print(json.dumps(w6_child(rest[0], int(rest[1]))))
        else:
            print(json.dumps(run_workload(rest[0], settings, not args.no_peers).to_json()))
        return 0
    start = time.perf_counter()
    probe = cpu_snapshot()
    time.sleep(0.5)
    busy = others_share(probe, cpu_snapshot())
    if busy is not None and busy > 0.1:
        print(f"warning: other processes are using {_fmt_share(busy)} of the CPUs: timings "
              f"will be noisy", file=sys.stderr)
    print("\n".join(machine()), file=sys.stderr)
    report = Report(load=[os.getloadavg()[0]])
    print(f"load average {report.load[0]:.2f}", file=sys.stderr)
    run_start = cpu_snapshot()
    flags = ((["--quick"] if args.quick else []) + (["--no-peers"] if args.no_peers else [])
             + (["--no-growth"] if args.no_growth else []))
    for workload in args.workloads:
        # Each workload runs in a fresh interpreter: one workload's leftovers (a peer's thread
        # pools, the allocator's state) measurably skew the next one's ratios otherwise.
        print(f"{workload} ...", file=sys.stderr, flush=True)
        before = cpu_snapshot()
        try:
            part = Report.from_json(_subprocess_json(
                [__file__, "--child", f"workload:{workload}", *flags], show_stderr=True))
        except (ChildError, ValueError, KeyError) as err:
            report.problems.append(f"{workload}: the measuring subprocess failed: {err}")
            print(f"PROBLEM: {report.problems[-1]}", flush=True)
            continue
        report.tables += part.tables
        report.checks += part.checks
        report.problems += part.problems
        report.peer_problems += part.peer_problems
        report.peers += [p for p in part.peers if p not in report.peers]
        report.missing += [p for p in part.missing if p not in report.missing]
        share = others_share(before, cpu_snapshot())
        for table in part.tables:
            if share is not None:
                noisy = " (more than 10%: these timings are disturbed)" if share > 0.1 else ""
                table.notes.append(f"Other processes used {_fmt_share(share)} of the "
                                   f"machine's CPUs while this workload ran{noisy}.")
            print(f"### {table.title or TITLES[workload]}\n\n{table.markdown()}\n",
                  flush=True)
    elapsed = time.perf_counter() - start
    report.others = others_share(run_start, cpu_snapshot())
    report.load.append(os.getloadavg()[0])
    print(f"### Targets\n\n{targets_table(report.checks)}\n")
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    for problem in report.peer_problems:
        print(f"peer not timed: {problem}")
    print(f"peers: {', '.join(report.peers) or 'none'}"
          + (f"; not installed: {', '.join(report.missing)}" if report.missing else ""),
          file=sys.stderr)
    print(f"total {elapsed:.0f} s; other processes used {_fmt_share(report.others)} of the "
          f"CPUs meanwhile", file=sys.stderr)
    if args.write_docs:
        write_docs(report, argv, elapsed)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
