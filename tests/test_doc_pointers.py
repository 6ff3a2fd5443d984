"""Pointers from the package into the documentation resolve: every ``docs/<page>.md`` named
in ftrans's source (docstrings, comments, error messages) exists, and every section it names
(``docs/internals.md, "The trace contract"``) is a heading of that page."""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent

# docs/page.md, optionally followed by a section in quotes: `, "Section"`, ` ("Section")`,
# `, section "Section"`; the text may wrap onto the next line (of a comment, too).
POINTER = re.compile(r"""docs/([\w./-]+\.md)(?:[,:]?\s*(?:section\s+|\(\s*)?(["'])(.+?)\2)?""")


def _headings(page: pathlib.Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)  # no code
    return {re.sub(r"[`*]", "", h).strip() for h in re.findall(r"^#+\s+(.*?)\s*$", text, re.M)}


def pointers() -> list[tuple[str, str, str | None]]:
    """(source file, page, section or None) for every pointer in ftrans's source."""
    found = []
    for path in sorted((ROOT / "ftrans").rglob("*.py")):
        text = re.sub(r"\s*\n\s*(?:#\s*)?", " ", path.read_text(encoding="utf-8"))
        for match in POINTER.finditer(text):
            found.append((str(path.relative_to(ROOT)), match.group(1), match.group(3)))
    return found


def test_the_package_points_into_the_docs():
    assert len(pointers()) > 50
    assert any(section for _, _, section in pointers())


def test_every_docs_pointer_resolves():
    broken = []
    for source, page, section in pointers():
        path = ROOT / "docs" / page
        if not path.exists():
            broken.append(f"{source}: docs/{page} does not exist")
        elif section is not None and section not in _headings(path):
            broken.append(f'{source}: docs/{page} has no section "{section}"')
    assert not broken, "\n".join(broken)
