"""Pausing Python's cyclic garbage collector while transformations run.

Tracing allocates many small, acyclic objects, which reference counting frees; the cyclic
collector's full passes over a heap that grows with the program made tracing time grow faster
than the program's length. ``ftrans.core.new_trace`` pauses it for the duration of every
transformation; jit's compiler and plan pause it too.
"""

from __future__ import annotations

import gc
import threading

__all__ = ["pause_gc", "resume_gc"]

_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_paused_by_us = False


def pause_gc() -> None:
    """Pause the cyclic garbage collector until the matching :func:`resume_gc`.

    Tracing allocates many small, acyclic objects (reference counting frees them); the cyclic
    collector's full passes over a heap that grows with the program made tracing time grow
    faster than the program's length. Nested pauses (and pauses from several threads) count;
    a collector the user disabled stays disabled.
    """
    global _gc_pauses, _gc_paused_by_us
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_paused_by_us = gc.isenabled()
            if _gc_paused_by_us:
                gc.disable()
        _gc_pauses += 1


def resume_gc() -> None:
    global _gc_pauses
    with _gc_lock:
        _gc_pauses -= 1
        if _gc_pauses == 0 and _gc_paused_by_us:
            gc.enable()
