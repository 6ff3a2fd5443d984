"""The benchmark runner's split of a timed workload into ftrans's interpreter and the peers'
own: the peers' rows join each case after ftrans's, timing rounds rotate, and nothing is
timed here (no timing is asserted)."""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import pytest

BENCH = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def run():
    sys.path.insert(0, str(BENCH))
    try:
        modules = {}
        for name in ("workloads", "run"):
            spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            modules[name] = module
        yield modules["run"]
    finally:
        sys.path.remove(str(BENCH))
        for name in ("run", "workloads"):
            sys.modules.pop(name, None)


def _row(case, name):
    return [case, name, "1 ms", "±1%", "1.00x", ""]


def test_peer_rows_follow_each_cases_ftrans_rows(run):
    own = run.Report(tables=[run.Table("W2", ["case", "contender", "median", "IQR", "vs NumPy",
                                              "target"],
                                       [_row("a", "NumPy"), _row("a", "ftrans eager"),
                                        _row("b", "NumPy"), _row("b", "ftrans jit")],
                                       notes=["own note"])],
                     checks=[run.TargetCheck("W2", "a: ftrans eager", "≤ 1.15x", "1.00x", True)])
    peers = run.Report(tables=[run.Table("W2", list(own.tables[0].headers),
                                         [_row("a", "NumPy"), _row("a", "jax jit (peer)"),
                                          _row("b", "NumPy"), _row("b", "torch (peer)"),
                                          _row("b", "mygrad (peer)")],
                                         notes=["own note", "a peer's note"])],
                       peers=["jax 0.1"], missing=["autograd"],
                       peer_problems=["W2 b: mygrad: error"])
    merged = run.merge_peers(own, peers)
    table = merged.tables[0]
    assert [(r[0], r[1]) for r in table.rows] == [
        ("a", "NumPy"), ("a", "ftrans eager"), ("a", "jax jit (peer)"),
        ("b", "NumPy"), ("b", "ftrans jit"), ("b", "torch (peer)"), ("b", "mygrad (peer)")]
    assert table.notes == ["own note", "a peer's note", run.PEERS_APART]
    assert [c.what for c in merged.checks] == ["a: ftrans eager"]  # targets: ftrans's only
    assert merged.peers == ["jax 0.1"] and merged.missing == ["autograd"]
    assert merged.peer_problems == ["W2 b: mygrad: error"]


def test_without_peers_the_tables_are_unchanged(run):
    rows = [_row("a", "NumPy"), _row("a", "ftrans eager")]
    own = run.Report(tables=[run.Table("W3", ["case", "contender", "median", "IQR",
                                              "vs NumPy", "target"], list(rows))])
    peers = run.Report(tables=[run.Table("W3", list(own.tables[0].headers), [rows[0]])])
    table = run.merge_peers(own, peers).tables[0]
    assert table.rows == rows and table.notes == []


def test_rounds_rotate_and_stay_paired(run, monkeypatch):
    import workloads as wl
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
