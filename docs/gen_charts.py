"""Draw the documentation's charts from the benchmark results stored as JSON.

- ``docs/images/benchmark_targets.svg`` (in docs/performance.md): every performance target of
  W1-W7 as the measured value divided by its limit, from ``benchmarks/results.json`` (written
  by ``python benchmarks/run.py --write-docs`` together with the page, so the two agree).
- ``docs/images/chunked_memory.svg`` (in docs/beyond_jax_memory.md): peak memory of chunked
  ``jacrev`` as measured next to ``ft.memory_estimate``'s prediction, from
  ``benchmarks/chunked_memory.json`` (``python benchmarks/chunked_memory.py --json ...``).

Run ``python docs/gen_charts.py`` after either file changes. Needs matplotlib (the
``examples`` extra); it draws with the Agg backend, no display needed. The SVGs keep their
text as text and carry no date, so they stay small and change only when the numbers do.
"""

from __future__ import annotations

import json
import pathlib
import re
import sys
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.json"
CHUNKED = ROOT / "benchmarks" / "chunked_memory.json"
IMAGES = ROOT / "docs" / "images"

_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")
_MAX_LABEL = 58


def _number(text: str) -> float | None:
    """The first number in a table cell (``≤ 10 µs/op`` -> 10.0), or None (``n/a``)."""
    found = _NUMBER.search(text)
    return float(found[0].replace(",", "")) if found else None


def _short_what(what: str) -> str:
    """``MLP 784-512-512-10, batch 128, float64: ftrans jit(value_and_grad)`` -> ``float64:
    jit(value_and_grad)``: the contender, and the last detail of the case that tells the rows
    of one workload apart."""
    what = what.replace("ftrans ", "")
    if ":" not in what:
        return what
    case, contender = (part.strip() for part in what.split(":", 1))
    return f"{case.split(', ')[-1]}: {contender}"


def target_ratios(results: dict[str, Any]) -> list[tuple[str, float, bool]]:
    """(label, measured / limit, met) for every target that was measured. The targets are
    all upper limits (``≤``), so a ratio at or below 1 meets its target."""
    rows = []
    for check in results["checks"]:
        limit, measured = _number(check["target"]), _number(check["measured"])
        if limit is None or measured is None or limit <= 0 or check["met"] is None:
            continue
        label = f"{check['workload']}  {_short_what(check['what'])}"
        if len(label) > _MAX_LABEL:
            label = label[:_MAX_LABEL - 3] + "..."
        rows.append((label, measured / limit, bool(check["met"])))
    return rows


def _pyplot() -> Any:
    import matplotlib
    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.fonttype": "none",  # text stays text: small files
                                "svg.hashsalt": "ftrans",  # ids do not change run to run
                                "font.size": 9})
    import matplotlib.pyplot as plt
    return plt


def _save(fig: Any, path: pathlib.Path) -> pathlib.Path:
    fig.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return path


def draw_targets(results: dict[str, Any], path: pathlib.Path) -> pathlib.Path:
    """A horizontal bar per target: measured / limit on a log axis, green where met."""
    plt = _pyplot()
    rows = target_ratios(results)
    if not rows:
        raise ValueError(f"{RESULTS.name} holds no measured targets")
    labels, ratios, met = zip(*reversed(rows))  # first target at the top
    fig, axis = plt.subplots(figsize=(7.5, 0.28 * len(rows) + 0.9))
    axis.barh(range(len(rows)), ratios, color=["#4d8a3c" if m else "#c0392b" for m in met])
    axis.axvline(1.0, color="black", linewidth=1)
    axis.set_yticks(range(len(rows)), labels)
    axis.set_xscale("log")
    ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50) if
             min(ratios) / 1.5 <= t <= max(ratios) * 1.5]
    axis.set_xticks(ticks, [f"{t:g}x" for t in ticks])
    axis.minorticks_off()
    axis.set_xlabel("measured / target limit (left of the line: target met)")
    axis.set_title(f"Performance targets ({results.get('date', 'date unknown')})")
    plt.close(fig)
    return _save(fig, path)


def draw_chunked_memory(data: dict[str, Any], path: pathlib.Path) -> pathlib.Path:
    """Peak memory against chunk_size, measured and estimated, with the Jacobian's size."""
    plt = _pyplot()
    rows = data["rows"]
    labels = ["none" if r["chunk_size"] is None else str(r["chunk_size"]) for r in rows]
    fig, axis = plt.subplots(figsize=(5.5, 3))
    axis.plot(labels, [r["peak_mib"] for r in rows], marker="o", label="measured peak")
    axis.plot(labels, [r["estimate_mib"] for r in rows], marker="s", linestyle="--",
              label="ft.memory_estimate")
    axis.axhline(data["jacobian_mib"], color="gray", linewidth=1, label="the Jacobian itself")
    axis.set_yscale("log")
    axis.set(xlabel="chunk_size", ylabel="MiB",
             title=f"jacrev of tanh(W x + b), W {data['out']} x {data['inp']}")
    axis.legend()
    plt.close(fig)
    return _save(fig, path)


def main() -> int:
    try:
        _pyplot()
    except ImportError:
        print("gen_charts needs matplotlib: pip install -e \".[examples]\"", file=sys.stderr)
        return 1
    IMAGES.mkdir(exist_ok=True)
    written = [draw_targets(json.loads(RESULTS.read_text()), IMAGES / "benchmark_targets.svg"),
               draw_chunked_memory(json.loads(CHUNKED.read_text()),
                                   IMAGES / "chunked_memory.svg")]
    for path in written:
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
