"""The documentation's charts: drawn from the benchmark JSON, small, referenced by the pages."""

from __future__ import annotations

import html
import importlib.util
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
CHARTS = {"benchmark_targets.svg": "performance.md", "chunked_memory.svg": "beyond_jax_memory.md"}


def gen_charts():
    spec = importlib.util.spec_from_file_location("gen_charts", ROOT / "docs" / "gen_charts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_charts_are_small_and_shown():
    for name, page in CHARTS.items():
        path = IMAGES / name
        assert path.exists(), f"{name} is missing: run `python docs/gen_charts.py`"
        assert path.stat().st_size < 100_000, f"{name} is larger than 100 KB"
        assert f"(images/{name})" in (ROOT / "docs" / page).read_text()
    for png in IMAGES.glob("*.png"):
        assert png.stat().st_size < 100_000, f"{png.name} is larger than 100 KB"


def test_target_ratios_agree_with_met():
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    rows = gen_charts().target_ratios(results)
    measured = [c for c in results["checks"] if c["met"] is not None]
    assert len(rows) == len(measured) > 0
    for (label, ratio, met), check in zip(rows, measured):
        assert label.startswith(check["workload"])
        # a target is an upper limit: met exactly when the ratio is at most 1 (the page
        # rounds the measured value, so allow its last digit)
        assert met == check["met"] and (ratio <= 1.005) == met, (label, ratio, met)


def test_charts_are_drawn_from_the_json(tmp_path):
    pytest.importorskip("matplotlib")
    charts = gen_charts()
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    targets = charts.draw_targets(results, tmp_path / "t.svg").read_text()
    for label, _, _ in charts.target_ratios(results):  # every target is a labelled bar
        assert html.escape(label, quote=False) in targets, label
    chunked = json.loads((ROOT / "benchmarks" / "chunked_memory.json").read_text())
    memory = charts.draw_chunked_memory(chunked, tmp_path / "m.svg").read_text()
    assert "ft.memory_estimate" in memory and "chunk_size" in memory
    assert "<dc:date>" not in targets  # no date: the file changes only with the numbers
    with pytest.raises(ValueError, match="no measured targets"):
        charts.draw_targets({"checks": []}, tmp_path / "empty.svg")
