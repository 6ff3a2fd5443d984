"""Splitting a long generated function into chunks: CPython compiles a function whole,
holding its syntax tree meanwhile (about 3 kB a statement: a 250,000-statement program peaked
near 700 MB), so a function of more than ``CHUNK_LINES`` statements becomes a driver calling
chunk functions in turn, each compiled on its own. Values that cross a chunk boundary live in
one list, ``env``, one slot each: a chunk loads a value from its slot at the chunk's start (and
clears the slot if the value dies in the chunk, so ``del`` still frees it), and stores the
values it defines that later chunks use. See docs/internals.md, "jit".
"""

from __future__ import annotations

import re

__all__ = [
    "CHUNK_LINES", "needs_split", "split",
]

# Statements per generated function: small enough for CPython's compiler to stay fast and
# light, large enough that the calls between chunks cost nothing measurable. A statement longer
# than _STATEMENT_CHARS (an expression holding several equations) counts as that many.
CHUNK_LINES = 1000
_STATEMENT_CHARS = 48


def needs_split(lines: list[str]) -> bool:
    """Whether the function ``lines`` is more than one chunk's worth of statements."""
    if len(lines) - 1 > CHUNK_LINES:
        return True
    total = 0
    for line in lines[1:]:
        total += 1 + len(line) // _STATEMENT_CHARS
    return total > CHUNK_LINES

_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
_INDENT = "    "


def _parse(statement: str) -> tuple[list[str], list[str]]:
    """(names assigned, names read) of one generated statement (``del`` reads its names)."""
    if statement.startswith("del "):
        return [], statement[4:].split(", ")
    if statement.startswith("return "):
        return [], _IDENTIFIER.findall(statement, 7)
    target, _, expression = statement.partition(" = ")
    assigned = [target] if "," not in target else [
        t for t in (t.strip() for t in target.split(",")) if t]
    return assigned, _IDENTIFIER.findall(expression)


def split(lines: list[str], free_slots: bool = True) -> list[list[str]]:
    """``lines`` (``def program(...):`` and one statement a line, the last a ``return``) as
    chunk functions and the driver ``program`` that calls them, each a list of lines. Without
    ``free_slots`` a value's slot keeps it until the call ends (for programs on Python floats,
    where freeing early saves nothing worth a statement)."""
    header = lines[0]
    params = [p.strip() for p in header[header.index("(") + 1:header.rindex(")")].split(",")
              if p.strip()]
    slots = {p: i for i, p in enumerate(params)}  # each value crossing a boundary: a slot
    last_use: dict[str, int] = {}  # of every name read, globals included
    for i, line in enumerate(lines[1:]):
        for name in _parse(line[len(_INDENT):])[1]:
            last_use[name] = i
    functions = []
    driver = []
    statements = len(lines) - 1
    bounds = []
    start = total = 0
    for i, line in enumerate(lines[1:]):
        total += 1 + len(line) // _STATEMENT_CHARS
        if total >= CHUNK_LINES:
            bounds.append((start, i + 1))
            start, total = i + 1, 0
    if start < statements:
        bounds.append((start, statements))
    for start, end in bounds:
        loads = []
        known: set[str] = set()  # loaded or assigned in this chunk so far
        assigned_here: list[str] = []
        for line in lines[start + 1:end + 1]:  # parsed again: lighter than keeping it all
            assigned, read = _parse(line[len(_INDENT):])
            for name in read:
                if name not in known and name in slots:
                    slot = slots[name]  # defined by an earlier chunk: loaded at the start
                    loads.append(f"{_INDENT}{name} = env[{slot}]")
                    if free_slots and last_use[name] < end:  # it dies here: del frees it
                        loads.append(f"{_INDENT}env[{slot}] = None")
                known.add(name)
            known.update(assigned)
            assigned_here += assigned
        stores = []
        for name in dict.fromkeys(assigned_here):
            if last_use.get(name, -1) >= end:
                slot = slots.setdefault(name, len(slots))
                stores.append(f"{_INDENT}env[{slot}] = {name}")
        chunk = f"chunk{len(functions)}"
        functions.append([f"def {chunk}(env):", *loads, *lines[start + 1:end + 1], *stores])
        driver.append(f"{_INDENT}{'return ' if end == statements else ''}{chunk}(env)")
    listed = "".join(p + ", " for p in params)
    driver.insert(0, f"{_INDENT}env = [{listed}] + [None] * {len(slots) - len(params)}")
    functions.append([header, *driver])
    return functions
