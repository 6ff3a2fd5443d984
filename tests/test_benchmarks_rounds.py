"""The benchmark runner's interleaved rounds: each starts one contender later, and every
contender keeps one sample a round (nothing is timed here: no timing is asserted)."""

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
