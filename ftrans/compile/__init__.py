"""jit's back end: optimise a program, then turn it into a straight-line Python function.

The pipeline, one idea a module:

1. ``passes.inline_calls``: nested jit calls become their equations;
2. ``simplify.simplify``: algebraic no-ops forwarded, double negations and inverse transposes
   cancelled, scalar multiplications merged, constant equations folded;
3. ``passes.eliminate_common_subexpressions``;
4. ``passes.reassociate_products``: the small factors of elementwise products gathered, so a
   large operand is multiplied once;
5. ``passes.eliminate_dead_code``;
6. ``fused.fuse_embeddings``: zero paddings as slice assignments, and an addition of one as an
   addition into a slice of the other operand;
7. ``codegen.generate``: NumPy code (``codegen``), or Python floats and ``math`` for
   programs on 0-d float64 values (``codegen_scalar``, falling back to NumPy when Python
   raises).

Execution is tiered (``execute``): the first call of a large program runs its plan (``plan``),
the second compiles it; jit keeps a long program meanwhile as ``plan.Compact`` (flat arrays),
which the plan runs and the compiler rebuilds (``compile_jaxpr``'s ``again``). ``buffers`` is
the buffer model shared by code generation, the plan and the memory estimator. What the
passes know about particular primitives lives in tables keyed by ``Primitive`` (``tables``),
filled in each primitive's block. Generated source never
contains user text: names are generated, and constants, callables and parameters reach the
code through a namespace dict. See docs/internals.md, "jit".
"""

from __future__ import annotations

from typing import Callable

from ftrans.compile.buffers import Program
from ftrans.compile.codegen import _generate_numpy, generate, with_numpy_fallback
from ftrans.compile.codegen_scalar import generate_scalar
from ftrans.compile.execute import Tiered
from ftrans.compile.fused import fuse_embeddings
from ftrans.compile.passes import (
    eliminate_common_subexpressions, eliminate_dead_code, inline_calls, reassociate_products,
)
from ftrans.compile import source
from ftrans.compile.simplify import simplify
from ftrans.ir import ClosedJaxpr, Jaxpr

# The optimisation passes in order: each one feeds the next.
PASSES: tuple[Callable[[ClosedJaxpr], ClosedJaxpr], ...] = (
    inline_calls,
    simplify,
    eliminate_common_subexpressions,
    reassociate_products,
    eliminate_dead_code,
    fuse_embeddings,
)


def optimize(closed: ClosedJaxpr) -> ClosedJaxpr:
    """All passes of ``PASSES``, in order."""
    for optimization_pass in PASSES:
        closed = optimization_pass(closed)
    return closed


def compile_jaxpr(closed: ClosedJaxpr, again: Callable[[], ClosedJaxpr] | None = None
                  ) -> Program:
    """Optimise ``closed`` and generate its Python function (as ``codegen.generate``): the
    scalar float form when it applies, whose NumPy fallback is generated the first time Python
    raises, from ``again()`` (``closed`` once more, e.g. rebuilt from its compact form; by
    default ``closed`` itself), so that the optimised program is not held until then. The
    scalar form is also the function's ``scalar``: a caller may run it directly and call the
    function only when it raises ArithmeticError or ValueError.

    With ``again``, ``closed`` is the caller's to give up: it is dropped after the passes, and
    the optimised program before its generated code is compiled (``source.release_program``),
    so that a long program, its optimised form and its code are never all held whole."""
    token = None
    if again is None:
        optimized = optimize(closed)
        rebuild = _returning(closed)
    else:
        rebuild = again
        optimized = closed
        del closed
        for optimization_pass in PASSES:  # each program dropped once the next is made
            optimized = optimization_pass(optimized)
        # a list of equations of our own, emptied when the source is written
        jaxpr = optimized.jaxpr
        optimized = ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars, list(jaxpr.eqns),
                                      jaxpr.outvars), optimized.consts)
        del jaxpr
        released = optimized.jaxpr.eqns
        token = source.release_program.set(released.clear)
    try:
        scalar_program = generate_scalar(optimized)
    finally:
        if token is not None:
            source.release_program.reset(token)
    if scalar_program is None:
        return _generate_numpy(optimized)
    del optimized
    return with_numpy_fallback(scalar_program, lambda: _generate_numpy(optimize(rebuild())))


def _returning(closed: ClosedJaxpr) -> Callable[[], ClosedJaxpr]:
    return lambda: closed


def compiled(closed: ClosedJaxpr) -> Program:
    """The executable form of ``closed`` (memoized on it).

    Execution is tiered: the first call runs a cheap plan of the program as traced (no
    optimisation, no code generation), so a program used once costs little; the second call
    optimises and generates code, which every later call runs.
    """
    program = closed.derived.get("compiled")
    if program is None:
        program = closed.derived["compiled"] = Tiered(closed, compile_jaxpr)
    return program


__all__ = ["compiled", "compile_jaxpr", "optimize", "inline_calls", "simplify",
           "eliminate_common_subexpressions", "reassociate_products", "eliminate_dead_code",
           "fuse_embeddings", "generate",
           "PASSES"]
