"""Safe code generation: no user text reaches generated source.

A corpus of adversarial strings (quotes, newlines, code, keywords, Unicode, very long names) is
placed in function names, pytree keys, primitive names and params, and static arguments. The
results are identical to the plain ones and the generated source is *exactly* the source of
the same program with plain names: names are generated, values pass through a namespace.
"""

from __future__ import annotations

import builtins
import keyword

import numpy as np
import pytest

import ftrans as ft
import ftrans.numpy as fnp
from ftrans.extend import Primitive


def _corpus() -> list[str]:
    bases = [
        '"', "'", '"""', "'''", "\\", "\\n", "\n", "\r\n", "\t", " ", "", "#", "# comment\n",
        "\x00", "\x7f", "a\nimport os", "__import__('os').system('echo pwned')",
        "'); import os; os._exit(1); ('", '"""; raise SystemExit; """', "exec('1/0')",
        "eval(input())", "lambda: 0", "{0}", "{}", "%s", "${x}", "{__import__('os')}",
        "v0", "v1 = 2", "f1", "c2", "k3", "np", "math", "program", "return [v0]", "del v0",
        "out=v0", ")\n    import sys\n(", "\\x41", "\\u0041", "ñ", "λ", "变量", "\u200b",
        "\ufeff", "🙂", "Ω", "\u202e", "e\u0301", "ǅ", "𝔣", "\ud7ff", "x" * 10_000,
        "y" * 300 + "\n" + "z" * 300, "__class__", "__dict__", "__globals__", "__builtins__",
    ]
    bases += keyword.kwlist + keyword.softkwlist
    bases += ["print", "open", "globals", "locals", "compile", "exit", "float", "object"]
    assert all(hasattr(builtins, b) for b in ["print", "open", "globals", "compile"])
    corpus: list[str] = []
    for b in bases:
        for variant in (b, f"x{b}", f"{b})\n", b * 3):
            if variant not in corpus:
                corpus.append(variant)
    return corpus


CORPUS = _corpus()


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 200


def _plain_program(name: str = "plain"):
    def f(x):
        return fnp.sin(x) * 2.0 + fnp.cos(x)
    f.__name__ = f.__qualname__ = name
    return f


def _sources(fun, *args):
    lowered = ft.jit(fun).lower(*args)
    return lowered.as_text(), lowered.compile().as_text()


X = np.linspace(0.0, 1.0, 4)
BASE_TEXT, BASE_SOURCE = _sources(_plain_program(), X)
BASE_SCALAR_TEXT, BASE_SCALAR_SOURCE = _sources(_plain_program(), 0.5)


def _assert_clean(source: str, base: str, s: str) -> None:
    assert source == base
    if s not in base:
        assert s not in source


@pytest.mark.parametrize("chunk", range(4))
def test_function_names_never_reach_the_source(chunk):
    for s in CORPUS[chunk::4]:
        f = _plain_program(s)
        text, source = _sources(f, X)
        _assert_clean(source, BASE_SOURCE, s)
        _, scalar_source = _sources(f, 0.5)
        _assert_clean(scalar_source, BASE_SCALAR_SOURCE, s)
        np.testing.assert_array_equal(ft.jit(f)(X), _plain_program()(X))
        # nested jit (its name is a param of the call primitive) and compiled derivatives
        outer = ft.jit(lambda x, f=f: ft.jit(f)(x) * 3.0)
        _, nested = _sources(outer, X)
        assert s not in nested or s in BASE_SOURCE
        np.testing.assert_allclose(ft.grad(ft.jit(f))(0.5), ft.grad(_plain_program())(0.5))


@pytest.mark.parametrize("chunk", range(4))
def test_pytree_keys_never_reach_the_source(chunk):
    def plain(d):
        return {"out": d["a"] * 2.0 + d["b"]}
    base = ft.jit(plain).lower({"a": X, "b": X}).compile().as_text()
    for s in CORPUS[chunk::4]:
        key_b = "b" if s == "a" else s

        def f(d, s=s, key_b=key_b):
            return {s: d["a"] * 2.0 + d[key_b]}
        args = {"a": X, key_b: X}
        compiled = ft.jit(f).lower(args).compile()
        source = compiled.as_text()
        assert _identifiers(source) <= _identifiers(base)  # argument order may differ
        if s not in base:
            assert s not in source
        np.testing.assert_array_equal(compiled(args)[s], X * 3.0)
        np.testing.assert_array_equal(ft.jit(f)(args)[s], X * 3.0)


def _tagged_primitive(name: str) -> Primitive:
    return Primitive(name, impl=lambda x, label, offset: x + offset,
                     abstract_eval=lambda aval, label, offset: aval)


@pytest.mark.parametrize("chunk", range(4))
def test_primitive_names_params_and_static_strings_never_reach_the_source(chunk):
    plain_p = _tagged_primitive("tag")

    def plain(x, text):
        return plain_p.bind(x, label="label", offset=1.0) * (len(text) % 7 + 2.0)
    base = ft.jit(plain, static_argnums=1).lower(X, "text").compile().as_text()
    for s in CORPUS[chunk::4]:
        p = _tagged_primitive(s)

        def f(x, text, p=p, s=s):
            return p.bind(x, label=s, offset=1.0) * (len(text) % 7 + 2.0)
        jf = ft.jit(f, static_argnums=1)
        source = jf.lower(X, s).compile().as_text()
        _assert_clean(source, base, s)
        np.testing.assert_array_equal(jf(X, s), (X + 1.0) * (len(s) % 7 + 2.0))


def _identifiers(source: str) -> set[str]:
    import re
    return set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", source))


def test_generated_names_only():
    """The generated source uses only generated identifiers (v.., f.., c.., k..) and a few
    fixed names."""
    import re
    allowed = {"def", "program", "return", "del", "out", "float", "np", "math"}
    for source in (BASE_SOURCE, BASE_SCALAR_SOURCE):
        # fixed templates: math.sin, ... (math_sin in scalar code)
        source = re.sub(r"math[._][a-z0-9]+", "math", source)
        for name in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", source):
            assert name in allowed or re.fullmatch(r"[vfck]\d+", name), name
