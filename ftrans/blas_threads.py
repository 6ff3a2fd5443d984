"""Small matrix products on one BLAS thread.

OpenBLAS splits every product above about 2^18 multiply-adds over all its threads. For the
products of a LeNet-sized network (a few million multiply-adds: per-offset and per-chunk
GEMMs of the convolutions, dense layers of batch 128) the hand-off costs about what it saves on
an idle machine, and on a busy one far more: a worker thread that is not scheduled stalls the
product, and one that spins waiting for work takes CPU from the thread doing the rest. Measured
on the shared 2-core development machine (load 10), the jitted W7 step took 554 ms with two
BLAS threads and 117 ms with one. So the convolution and dot_general implementations run
products below :data:`SMALL` multiply-adds (dot_general: from :data:`SWITCH`) through
:func:`run_small`, which sets OpenBLAS to one thread and restores the count it found when the
outermost such region ends (a lock and a depth count keep concurrent callers consistent).

Only OpenBLAS (NumPy's wheels bundle it) is recognised, found among the libraries the process
has loaded (Linux ``/proc/self/maps``); with any other BLAS, or none found, :func:`one_thread`
does nothing. ``ftrans.blas_threads.SMALL = 0`` turns the behaviour off.
"""

from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy  # noqa: F401  (the BLAS that _find looks for is loaded with NumPy)

__all__ = [
    "SMALL", "SWITCH", "one_thread", "run_small",
]

# Products of at most this many multiply-adds run on one BLAS thread.
SMALL = 1 << 24
# dot_general leaves products below this alone: OpenBLAS runs the smallest on one thread by
# itself, and up to about here threads cost little; switching the count costs a few
# microseconds (and wakes the workers), more than it saves on such a product.
SWITCH = 1 << 21

_NAMES = ("scipy_openblas_{}_num_threads64_", "scipy_openblas_{}_num_threads",
          "openblas_{}_num_threads64_", "openblas_{}_num_threads")
_lock = threading.Lock()
_depth = 0
_saved = 1
_api: tuple[Callable[[], int], Callable[[int], Any]] | None | bool = False  # False: not looked up


def _find() -> tuple[Callable[[], int], Callable[[int], Any]] | None:
    """OpenBLAS's get / set of its thread count, from a library the process has loaded."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps
                            if "openblas" in line.lower() and ".so" in line})
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _NAMES:
            getter = getattr(lib, name.format("get"), None)
            setter = getattr(lib, name.format("set"), None)
            if getter is not None and setter is not None:
                getter.restype = ctypes.c_int
                setter.argtypes = [ctypes.c_int]
                return getter, setter
    return None


def _lookup() -> tuple[Callable[[], int], Callable[[int], Any]] | None:
    global _api
    if _api is False:
        _api = _find()
    return _api  # type: ignore[return-value]


def run_small(macs: int, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, on one BLAS thread if ``macs`` (the multiply-adds of its
    products) is at most :data:`SMALL`; otherwise, or without a recognised OpenBLAS, with
    threading left alone."""
    if not 0 < macs <= SMALL:
        return fn(*args, **kwargs)
    api = _lookup()
    if api is None:
        return fn(*args, **kwargs)
    with one_thread(api):
        return fn(*args, **kwargs)


@contextmanager
def one_thread(api: tuple[Callable[[], int], Callable[[int], Any]] | None = None
               ) -> Iterator[None]:
    """The body on one BLAS thread; the count found is restored when the outermost region
    ends. Does nothing without a recognised OpenBLAS."""
    api = api or _lookup()
    if api is None:
        yield
        return
    global _depth, _saved
    get, set_ = api
    with _lock:
        if _depth == 0:
            _saved = get()
            if _saved != 1:
                set_(1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved != 1:
                set_(_saved)
