"""glibc's allocator on Dask workers: let a shard's temporaries reuse memory.

A program allocates its intermediates afresh on every call, and frees them by its end. glibc
serves a request at or above its *mmap threshold* with a fresh ``mmap`` (zeroed pages, a page
fault each on first touch, ``munmap`` on free) and smaller ones from its heaps, whose free top
it returns to the system above its *trim threshold*. By default both thresholds adapt: freeing
an mmapped block raises the mmap threshold to its size (up to 32 MiB) and the trim threshold to
twice that, so a process that allocates and frees the same large arrays again and again soon
serves them from memory it already has.

Dask's nanny starts every worker process with ``MALLOC_TRIM_THRESHOLD_=65536`` (its
``distributed.nanny.pre-spawn-environ``), and setting any threshold turns the adaptation off:
on a worker, every intermediate above 128 KiB is a new mapping, on every call. A shard of the
benchmark's per-example gradients (2,000 examples) then takes about 2,800 page faults and half
as much CPU time again as without them (42 ms against 28 ms; benchmarks/shard_map_cluster.py).

:func:`fit_program` does for a program arriving on such a worker what glibc's adaptation would
have done after its first call: it raises the mmap threshold above the program's largest array
(capped at glibc's own ceiling, 32 MiB; larger arrays stay mappings, as in any process) and the
trim threshold to twice that (never below the one in the environment). Thresholds only grow,
and only as far as the programs the worker has received need: a worker that runs small
programs is left as Dask configured it. Nothing is done off glibc, without
``MALLOC_TRIM_THRESHOLD_`` in the environment (the adaptation is then on), or when
``MALLOC_MMAP_THRESHOLD_`` is set (someone chose a threshold: set it to keep Dask's behaviour).
See docs/distributed.md, "What is shipped, and cached where".
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from typing import Any

from ftrans.ir import ClosedJaxpr, Jaxpr, programs_in_params

__all__ = ["fit_program", "largest_array_bytes"]

_M_TRIM_THRESHOLD = -1  # mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
_DEFAULT_MMAP_THRESHOLD = 128 * 1024
_MAX_MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's ceiling on 64-bit (HEAP_MAX_SIZE / 2)
_PAGE = 4096

_lock = threading.Lock()
_mmap_threshold = _DEFAULT_MMAP_THRESHOLD  # as set by this module, in this process
_mallopt: Any = None  # libc's mallopt, or False where this module does nothing


def _libc_mallopt() -> Any:
    """glibc's ``mallopt`` when this process's thresholds are fixed by Dask's environment
    variable (and not chosen by hand), else False."""
    if not sys.platform.startswith("linux") or not _glibc_version():
        return False
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - glibc always has it
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt


def _glibc_version() -> str:
    try:
        version = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):  # not a GNU C library
        return ""
    return version if version.startswith("glibc") else ""


def _environment_trim_threshold() -> int:
    try:
        return int(os.environ.get("MALLOC_TRIM_THRESHOLD_", "0"))
    except ValueError:
        return 0


def largest_array_bytes(closed: ClosedJaxpr) -> int:
    """The size of the largest array ``closed`` reads or computes, nested programs included."""
    largest = 0
    stack: list[Jaxpr] = [closed.jaxpr]
    while stack:
        jaxpr = stack.pop()
        for v in jaxpr.invars:
            largest = max(largest, _nbytes(v.aval))
        for eqn in jaxpr.eqns:
            for v in eqn.outvars:
                largest = max(largest, _nbytes(v.aval))
            stack.extend(p.jaxpr if isinstance(p, ClosedJaxpr) else p
                         for p in programs_in_params(eqn.params))
    return largest


def _nbytes(aval: Any) -> int:
    size = getattr(aval, "size", None)
    dtype = getattr(aval, "dtype", None)
    if not isinstance(size, int) or dtype is None:
        return 0
    return size * getattr(dtype, "itemsize", 0)


def fit_program(closed: ClosedJaxpr) -> int:
    """Raise glibc's thresholds (see the module docstring) so that ``closed``'s arrays come
    from reused memory; returns this process's mmap threshold as this module set it (128 KiB,
    glibc's default, while nothing was changed)."""
    global _mallopt, _mmap_threshold
    if _mallopt is False:
        return _mmap_threshold
    wanted = min(_MAX_MMAP_THRESHOLD, -(-(largest_array_bytes(closed) + _PAGE) // _PAGE) * _PAGE)
    with _lock:
        if wanted <= _mmap_threshold:
            return _mmap_threshold
        if _mallopt is None:
            _mallopt = _libc_mallopt()
            if _mallopt is False:
                return _mmap_threshold
        trim = max(2 * wanted, _environment_trim_threshold())
        # the trim threshold first: between the calls, blocks served from the heap are not
        # handed back at once
        if _mallopt(_M_TRIM_THRESHOLD, trim) and _mallopt(_M_MMAP_THRESHOLD, wanted):
            _mmap_threshold = wanted
        return _mmap_threshold
