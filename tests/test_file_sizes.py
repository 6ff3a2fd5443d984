"""A file holds one idea: no module of the package grows past 700 lines (split it by idea,
as lax/elementwise.py and lax/complex_parts.py are split)."""

from __future__ import annotations

import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "ftrans"
LIMIT = 700


def test_no_module_over_the_limit():
    sizes = {str(p.relative_to(PACKAGE.parent)): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    over = {p: n for p, n in sizes.items() if n > LIMIT}
    assert not over, f"modules over {LIMIT} lines: {over}"
    assert len(sizes) > 100  # the whole package was read
