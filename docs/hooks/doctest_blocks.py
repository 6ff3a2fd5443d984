"""Griffe extension for the API reference: docstring examples (``>>>`` blocks) as code.

ftrans's docstrings carry doctests written as bare ``>>>`` lines (pytest runs them). In
Markdown a line starting with ``>`` is a quotation and ``[0]`` in an output can read as a
link reference, so before mkdocstrings renders a docstring each run of doctest lines (prompts,
continuation lines and the expected output, up to a blank line) is fenced as ``pycon`` code.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """``text`` with every doctest block wrapped in a fenced ``pycon`` code block."""
    out: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if not stripped.startswith(">>>"):
            out.append(line)
            i += 1
            continue
        indent = line[:len(line) - len(stripped)]
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip():  # the block ends at a blank line
            out.append(lines[i])
            i += 1
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence the doctests of every docstring griffe loads."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
