"""Tiered execution: the first call of a large program runs its plan; the second optimises it
and generates code, which every later call runs. See docs/internals.md, "jit".
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from ftrans.compile.buffers import Program
from ftrans.compile.plan import Compact, run_plan
from ftrans.core import pause_gc, resume_gc
from ftrans.ir import ClosedJaxpr

__all__ = [
    "Tiered",
]


class Tiered:
    """Runs the plan on the first call and generated code from the second on. Threads may make
    the first calls together: the hand-over from one tier to the next happens under a lock,
    and each call works on its own reference to the program it runs."""

    __slots__ = ("closed", "compile_program", "calls", "program", "lock")

    def __init__(self, closed: ClosedJaxpr | Compact,
                 compile_program: Callable[..., Program]):
        # dropped once the code is generated; a compact program is run as it is by the plan
        # and rebuilt to be compiled (and again for a scalar program's NumPy fallback)
        self.closed: ClosedJaxpr | Compact | None = closed
        self.compile_program = compile_program  # optimise and generate (the pipeline)
        self.calls = 0
        self.program: Program | None = None
        self.lock = threading.Lock()

    def __call__(self, *args: Any) -> list[Any]:
        program = self.program
        if program is None:
            with self.lock:
                program = self.program
                if program is None:
                    closed = self.closed
                    assert closed is not None  # dropped only after self.program is set
                    self.calls += 1
                    eqns = closed.num_eqns if isinstance(closed, Compact) \
                        else len(closed.jaxpr.eqns)
                    if self.calls > 1 or eqns <= _INTERPRET_FIRST_CALL_ABOVE:
                        program = self._compile()
            if program is None:
                pause_gc()
                try:
                    return run_plan(closed, args)
                finally:
                    resume_gc()
        return program(*args)

    def _compile(self) -> Program:
        """Generate the code (the caller holds the lock); the program text is then dropped,
        since the generated code holds all it needs."""
        pause_gc()
        try:
            source = self.closed
            assert source is not None  # dropped only after self.program is set
            if isinstance(source, Compact):
                program = self.compile_program(source.rebuild(), source.rebuild)
            else:
                program = self.compile_program(source)
            self.program = program
        finally:
            resume_gc()
        self.closed = None
        return program

    @property
    def source(self) -> str:
        program = self.program
        if program is None:
            with self.lock:
                program = self.program if self.program is not None else self._compile()
        return program.source  # type: ignore[attr-defined]


# Small programs compile at once (cheap); large ones run as a plan on their first call.
_INTERPRET_FIRST_CALL_ABOVE = 50
