"""Public names: every public module of ftrans declares ``__all__`` naming only what exists,
``from ftrans import *`` shadows no builtin, and ``dir(ftrans)`` shows the API, not the
implementation modules."""

from __future__ import annotations

import builtins
import importlib
import pathlib

import pytest

import ftrans

PACKAGE = pathlib.Path(ftrans.__file__).resolve().parent


def _public_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1] == "__main__" or any(p.startswith("_") for p in parts):
            continue
        names.append(".".join(parts))
    return names


@pytest.mark.parametrize("name", _public_modules())
def test_public_module_declares_all(name):
    module = importlib.import_module(name)
    assert isinstance(getattr(module, "__all__", None), list), f"{name} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"
    assert len(set(module.__all__)) == len(module.__all__), f"{name}.__all__ repeats names"


def test_star_import_shadows_no_builtin():
    namespace: dict = {}
    exec("from ftrans import *", namespace)
    shadowed = sorted(n for n in namespace if n != "__builtins__" and hasattr(builtins, n))
    assert not shadowed, f"from ftrans import * shadows builtins: {shadowed}"
    assert "compile" not in namespace and "numpy" not in namespace


def test_dir_shows_the_api_not_the_implementation():
    shown = set(dir(ftrans))
    assert {"grad", "jit", "vmap", "numpy", "lax", "tree_util"} <= shown
    assert not shown & {"core", "ir", "api", "api_jit", "compile", "interpreters", "aliasing"}
    assert ftrans.core.Primitive is ftrans.extend.Primitive  # still importable
