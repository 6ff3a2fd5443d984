"""MkDocs hook: the notebooks of examples/notebooks/ become pages of the site.

The notebooks live beside the examples (they are examples, run by the test suite), outside
``docs/``; this hook adds them to the site's files as ``notebooks/<name>.py`` before
mkdocs-jupyter turns notebook files into pages (it runs first: a higher event priority), so
mkdocs-jupyter executes and renders them like files of ``docs/``.
"""

from __future__ import annotations

import pathlib
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


@event_priority(100)
def on_files(files: Files, config: Any) -> Files:
    for path in sorted((EXAMPLES / "notebooks").glob("*.py")):
        files.append(File(f"notebooks/{path.name}", src_dir=str(EXAMPLES),
                          dest_dir=config["site_dir"],
                          use_directory_urls=config["use_directory_urls"]))
    return files
