"""The documentation site: the mkdocstrings reference names every public function, and the
site builds with ``mkdocs build --strict`` (broken links, missing references and docstrings
out of step with their signatures fail), notebooks executed and rendered as pages.

The build needs the ``docs`` extra (mkdocs-material, mkdocstrings[python], mkdocs-jupyter);
without it that test is skipped.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import pathlib
import re
import subprocess
import sys

import pytest

import ftrans as ft

ROOT = pathlib.Path(__file__).resolve().parent.parent
SITE_PACKAGES = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python",
                 "mkdocs_jupyter")


def public_callables() -> list[str]:
    return sorted(n for n in dir(ft) if not n.startswith("_")
                  and not inspect.ismodule(getattr(ft, n)) and callable(getattr(ft, n))
                  and (getattr(getattr(ft, n), "__module__", "") or "").startswith("ftrans"))


def test_reference_lists_every_public_callable():
    listed = set(re.findall(r"^::: ftrans\.(\w+)$", (ROOT / "docs" / "reference" / "ftrans.md")
                            .read_text(), re.M))
    missing = [n for n in public_callables() if n not in listed]
    assert not missing, f"docs/reference/ftrans.md does not document {missing}"


def test_every_reference_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in sorted((ROOT / "docs" / "reference").glob("*.md")):
        assert f"reference/{page.name}" in nav, page.name
    for notebook in sorted((ROOT / "examples" / "notebooks").glob("*.py")):
        assert f"notebooks/{notebook.name}" in nav, notebook.name


def test_site_builds_strictly(tmp_path):
    missing = [m for m in SITE_PACKAGES if importlib.util.find_spec(m.split(".")[0]) is None
               or importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the docs extra is not installed ({', '.join(missing)})")
    home = str(pathlib.Path(ft.__file__).resolve().parent.parent)  # the notebooks' kernel too
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [home, *filter(None, [os.environ.get("PYTHONPATH")])]), "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(tmp_path / "site")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    warnings = [line for line in done.stderr.splitlines() if line.startswith(("WARNING",
                                                                              "ERROR"))]
    assert done.returncode == 0, "\n".join(warnings) or done.stderr[-3000:]
    site = tmp_path / "site"
    reference = (site / "reference" / "ftrans" / "index.html").read_text()
    assert 'id="ftrans.grad"' in reference and 'id="ftrans.vmap"' in reference
    # docstring examples are highlighted code, not Markdown quotations (">" lines)
    assert "&gt;&gt;&gt; </span>" in reference and "<blockquote>" not in reference
    tour = (site / "notebooks" / "forward_and_reverse" / "index.html").read_text()
    assert "ftrans-jaxpr" in tour  # executed: the programs' HTML views are in the page
    assert (site / "search" / "search_index.json").exists()
