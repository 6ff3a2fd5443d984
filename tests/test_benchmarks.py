"""The benchmark suite's own logic, fast: its references agree with ftrans, its ratios are
paired, its targets are issue #20's, and its report renders. No timing is asserted, and no
peer is needed (a peer that is installed is checked against the reference too, cheaply)."""

from __future__ import annotations

import importlib.util
import pathlib
import sys
import types

import numpy as np
import pytest

BENCH = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    """``run`` and ``workloads`` from benchmarks/ (not a package: run.py imports workloads
    from its own folder)."""
    sys.path.insert(0, str(BENCH))
    try:
        modules = {}
        for name in ("workloads", "run"):
            spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            modules[name] = module
        yield modules["run"], modules["workloads"]
    finally:
        sys.path.remove(str(BENCH))
        for name in ("run", "workloads"):
            sys.modules.pop(name, None)


@pytest.mark.parametrize("workload", ["W1", "W3", "W4"])
def test_every_ftrans_contender_agrees_with_the_reference(bench, workload):
    run, wl = bench
    for case in wl.CASE_BUILDERS[workload](wl.Peers()):
        expected = case.reference.fn()
        for contender in case.contenders:
            if "loop" in contender.name:
                continue  # the same gradients, one example at a time: slow, and not new
            why, note = run.prepare(contender, expected, case)
            assert why is None and not note, (case.title, contender.name, why)


def test_a_wrong_result_is_reported_not_timed(bench):
    run, wl = bench
    case = wl.Case("W1", "t", wl.Contender("ref", lambda: np.float64(1.0), "numpy"), [
        wl.Contender("wrong", lambda: np.float64(2.0)),
        wl.Contender("boom", lambda: 1 / 0, "peer"),
        wl.Contender("scalar dtype", lambda: np.float32(1.0), "peer"),
        wl.Contender("right", lambda: np.float64(1.0))])
    notes: list[str] = []
    settings = run.Settings(budget=0.01, warmup=0.0, min_rounds=3, max_rounds=3,
                            min_sample=0.0, pause=0.0)
    samples, failures = run.time_case(case, settings, notes)
    assert set(samples) == {"ref", "scalar dtype", "right"}
    assert failures["wrong"].startswith("wrong result")
    assert failures["boom"].startswith("error: ZeroDivisionError")
    assert len(notes) == 1 and "scalar dtype" in notes[0]  # a peer's float32 scalar: noted
    assert all(len(s) == 3 for s in samples.values())


def test_ratios_are_medians_of_paired_ratios(bench):
    run, _ = bench
    # the reference slows down with the machine in round 3; pairing cancels it
    assert run.paired_ratio([2.0, 2.0, 20.0], [1.0, 1.0, 10.0]) == 2.0
    assert run.paired_ratio([1.0, 3.0, 2.0, 9.0], [1.0, 1.0, 1.0, 1.0]) == 2.5


def test_targets_are_issue_20s(bench):
    run, wl = bench
    found = {(case.title, c.name): (c.target, c.target_unit)
             for w in ("W1", "W2", "W3", "W4")
             for case in wl.CASE_BUILDERS[w](wl.Peers()) for c in case.contenders
             if c.target is not None}
    assert len(found) == 12

    class Targets:
        def __getitem__(self, key):
            part, name = key
            (target,) = [t for (title, n), t in found.items() if part in title and n == name]
            return target
    targets = Targets()
    assert targets[("value and grad", "ftrans value_and_grad (eager)")] == (3.0, "µs/op")
    assert targets[("value and grad", "ftrans jit(value_and_grad), cached")] == (0.20, "x")
    assert targets[("value only", "ftrans (eager)")] == (3.0, "x")
    assert targets[("value only", "ftrans jit, cached")] == (0.17, "x")
    assert targets[("float64", "ftrans jit(value_and_grad)")] == (0.90, "x")
    assert targets[("float64", "ftrans value_and_grad (eager)")] == (1.15, "x")
    assert targets[("float32", "ftrans jit(value_and_grad)")] == (1.00, "x")
    assert targets[("batch 256", "ftrans jit(vmap(grad))")] == (0.95, "x")
    assert targets[("batch 256", "ftrans vmap(grad) (eager)")] == (1.3, "x")
    assert targets[("x in R^100", "ftrans jit(hessian)")] == (1.5, "x")
    assert targets[("scalar", "ftrans jit(grad(grad(grad(sin))))")] == (3.0, "x")
    assert targets[("R^10,000", "ftrans jit(jvp(grad))")] == (1.2, "x")
    assert run.W5_MLP_TARGET == 1.1 and run.W5_CHAIN_TARGETS[1000] == 4.0
    assert run.W5_CHAIN_TARGETS[50_000] == 5.0 and run.W6_JIT_PEAK_MB == 35.0
    assert run.W5_CACHED_TARGET == (50_000, 1.5) and run.W5_RSS_TARGET == (50_000, 120.0)


def test_the_report_renders_and_round_trips(bench):
    run, _ = bench
    report = run.Report(load=[0.5, 0.7], missing=["mygrad"])
    cell = run.check_target(report, "W1", "chain: eager", 3.0, "µs/op", 4.2, "4.20 µs/op")
    assert "not met" in cell and report.checks[-1].met is False
    run.check_target(report, "W6", "peak", 35.0, "MB", 24.0, "24.0 MB")
    run.check_target(report, "W2", "mlp: jit", 0.9, "x", None)
    assert [c.met for c in report.checks] == [False, True, None]
    report.tables.append(run.Table("W5", ["primitives", "first call"], [["1,000", "1 ms"]],
                                   title="W5 growth: jit(grad) of long scalar chains"))
    report.peer_problems.append("W1 chain: torch: wrong result")
    again = run.Report.from_json(report.to_json())
    assert again == report
    text = run.render(again)
    assert "### W5 growth" in text and "| W6 | peak | ≤ 35 MB | 24.0 MB | yes |" in text
    assert "## Peers reported, not timed" in text


def test_missing_peers_are_listed(bench, monkeypatch):
    _, wl = bench

    def not_installed(name):
        raise ImportError(name)
    monkeypatch.setattr(wl, "importlib", types.SimpleNamespace(import_module=not_installed))
    peers = wl.load_peers(enabled=True)
    assert peers.missing == list(wl.PEER_PACKAGES) and peers.names() == []
    assert peers.jax is peers.torch is peers.mygrad is peers.autograd is None
    assert wl.load_peers(enabled=False).missing == []


def test_the_growth_table_carries_w5s_targets(bench, monkeypatch):
    run, _ = bench

    def measure(n, root):  # what jit_growth.measure returns, made up: linear in n
        k = n / 1000
        return {"n": n, "eqns": 2.5 * n, "first_call": 0.02 * k, "second_call": 0.04 * k,
                "cached_call": 1e-4 * k, "numpy": 2e-4 * k, "trace": 0.01 * k,
                "passes": 0.01 * k, "codegen": 0.02 * k, "compile": 0.01 * k,
                "jit_rss": 40 + 2 * k, "eager_rss": 40 + 0.5 * k}
    monkeypatch.setitem(sys.modules, "jit_growth", types.SimpleNamespace(measure=measure))
    report = run.Report()
    run.run_w5_growth((1000, 50_000, 100_000), report)
    (table,) = report.tables
    assert table.title.startswith("W5 growth") and [r[0] for r in table.rows] == [
        "1,000", "50,000", "100,000"]
    checks = {c.what: (c.target, c.measured, c.met) for c in report.checks}
    assert checks == {
        "cached call of jit(grad), chain of 50,000 ops, vs hand-written NumPy (CPU time)":
            ("≤ 1.5x", "0.50x", True),
        "peak RSS of jit(grad), chain of 50,000 ops": ("≤ 120 MB", "140 MB", False),
        "peak RSS of jit(grad) / eager grad's, chain of 100,000 ops": ("≤ 2x", "2.67x", False)}
    assert "1.00x the 1k chain's" in table.rows[1][10]


def test_a_value_just_above_its_limit_does_not_read_as_met(bench):
    run, _ = bench
    report = run.Report()
    run.check_target(report, "W2", "jit", 0.90, "x", 0.9024)
    run.check_target(report, "W1", "eager", 3.0, "µs/op", 3.004, "3.00 µs/op (15.1x)")
    run.check_target(report, "W2", "eager", 1.15, "x", 1.1496)
    assert [(c.measured, c.met) for c in report.checks] == [
        ("0.9024x", False), ("3.0040 µs/op (15.1x)", False), ("1.15x", True)]


def test_rounds_rotate_and_stay_paired(bench, monkeypatch):
    """Each interleaved round starts one contender later; every contender keeps one sample a
    round."""
    run, wl = bench
    order = []

    def contender(name):
        return wl.Contender(name, lambda: order.append(name) or 1.0,
                            "numpy" if name == "ref" else "ftrans")
    case = wl.Case("W3", "t", contender("ref"), [contender("a"), contender("b")])
    settings = run.Settings(budget=0.0, warmup=0.0, min_rounds=3, max_rounds=3,
                            min_sample=0.0, pause=0.0)
    monkeypatch.setattr(run.time, "sleep", lambda s: None)
    samples, failures = run.time_case(case, settings)
    assert failures == {}
    assert all(len(v) == 3 for v in samples.values())
    timed = order[-12:]  # warm-up round, then three timed rounds
    assert timed == ["ref", "a", "b", "a", "b", "ref", "b", "ref", "a", "ref", "a", "b"]
