"""The import graph: every ftrans module imports on its own in a fresh interpreter (in random
order), and the module-level imports form no cycle (docs/internals.md, "Layers").

The static check reads each module's module-level imports (not those inside functions, not
those under ``if TYPE_CHECKING:``) and follows them; an import of a package waits for its
``__init__``, an import from inside a package does not wait for that package's own ``__init__``
(it is already running).
"""

from __future__ import annotations

import ast
import os
import pathlib
import random
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "ftrans"


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


FILES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _source_module(importer: str, node: ast.ImportFrom) -> str | None:
    if not node.level:
        return node.module
    base = importer.split(".")
    if FILES[importer].name != "__init__.py":
        base = base[:-1]
    base = base[:len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(importer: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The ftrans modules whose execution the import statement waits for."""
    if isinstance(node, ast.Import):
        sources, names = [a.name for a in node.names], []
    else:
        sources, names = [_source_module(importer, node) or ""], [a.name for a in node.names]
    out = set()
    for source in sources:
        parts = source.split(".")
        out |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
        out |= {f"{source}.{name}" for name in names}
    parts = importer.split(".")
    running = {".".join(parts[:i]) for i in range(1, len(parts))}  # its own packages
    return {t for t in out if t in FILES and t != importer and t not in running}


def _module_level_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found = []
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in FILES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = set().union(*(_targets(name, n) for n in _module_level_imports(tree)))
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of modules, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(graph):
        if root in state:
            continue
        path, iters = [root], [iter(sorted(graph[root]))]
        state[root] = 1
        while path:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                iters.append(iter(sorted(graph[nxt])))
    return None


def test_module_level_imports_are_acyclic():
    cycle = find_cycle(import_graph())
    assert cycle is None, "module-level import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_modules_import_alone_in_a_fresh_interpreter():
    """A sample of 8 modules (``FTRANS_IMPORT_SEED`` chooses it), each first in its own
    interpreter; ``FTRANS_IMPORT_ALL=1`` imports every module (minutes: one interpreter each)."""
    names = [n for n in FILES if n != "ftrans.__main__"]  # __main__ runs the demo
    random.Random(os.environ.get("FTRANS_IMPORT_SEED", "0")).shuffle(names)
    if not os.environ.get("FTRANS_IMPORT_ALL"):
        names = names[:8]
    env = dict(os.environ, PYTHONPATH=str(PACKAGE.parent))
    failures = []
    for start in range(0, len(names), 8):  # a few interpreters at a time
        batch = names[start:start + 8]
        procs = [(n, subprocess.Popen([sys.executable, "-c", f"import {n}"], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True)) for n in batch]
        for name, proc in procs:
            _, err = proc.communicate(timeout=300)
            if proc.returncode:
                failures.append(f"{name}:\n{err[-2000:]}")
    if failures:
        pytest.fail("modules that do not import on their own:\n" + "\n".join(failures))


def _imports_inside_functions() -> list[tuple[str, int, str]]:
    """(file, line, source line) of every import statement inside a function body."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        seen: set[int] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)) and id(inner) not in seen:
                        seen.add(id(inner))
                        found.append((str(path.relative_to(PACKAGE.parent)), inner.lineno,
                                      lines[inner.end_lineno - 1]))
    return found


def test_few_imports_inside_functions_each_with_its_reason():
    """Imports sit at module level; the few inside functions (a real cycle, an optional
    dependency, startup cost) say why on the same line (docs/internals.md, "Layers")."""
    found = _imports_inside_functions()
    assert len(found) < 40, f"{len(found)} imports inside functions (fewer than 40 expected)"
    unexplained = [f"{f}:{n}: {line.strip()}" for f, n, line in found if "#" not in line]
    assert not unexplained, "imports inside functions without a reason:\n" + "\n".join(
        unexplained)
