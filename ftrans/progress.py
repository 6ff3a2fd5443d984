"""Progress reports for long work: chunked ``vmap`` / ``jacfwd`` / ``jacrev``, ``lax.map``, and
training loops.

The transformations take ``progress=``: ``None`` or ``False`` (the default: silent), ``True`` (a
`tqdm <https://tqdm.github.io>`_ bar when tqdm is installed, silent when it is not: tqdm is never
required), or a callable ``progress(done, total)`` called after each piece of work with the
number of members done so far. :func:`track` wraps a training loop's iterable the same way.
Under ``jit`` the reports are made by a callback in the compiled program, so they happen each
time it runs, not once when it is traced. See docs/beyond_jax_memory.md, "Progress".

>>> seen = []
>>> reporter = Progress(lambda done, total: seen.append((done, total)), 5, "demo")
>>> reporter.advance(2); reporter.advance(3)
>>> seen
[(2, 5), (5, 5)]
"""

from __future__ import annotations

import importlib.util
from typing import Any, Callable, Iterable, Iterator, TypeVar

from ftrans.core import current_trace, eval_trace

__all__ = ["ProgressArg", "Progress", "advance_when_run", "check_progress", "make_progress",
           "track", "tqdm_available"]

# progress=None / False (silent), True (tqdm if installed), or progress(done, total)
ProgressArg = bool | None | Callable[[int, int], Any]
T = TypeVar("T")


def tqdm_available() -> bool:
    """Whether the optional ``tqdm`` package can be imported."""
    return importlib.util.find_spec("tqdm") is not None


def check_progress(progress: Any, api: str) -> None:
    """A clear error for a ``progress=`` value that is none of the accepted kinds."""
    if progress is None or isinstance(progress, bool) or callable(progress):
        return
    raise TypeError(f"{api}: progress must be True, False, None or a callable "
                    f"progress(done, total), got {type(progress).__name__} {progress!r}")


class Progress:
    """Counts the members done out of ``total`` and reports each step to ``report(done,
    total)``. Reusable: once ``total`` is reached the count starts again, so a compiled
    program that reports as it runs reports afresh each time it is called."""

    def __init__(self, report: Callable[[int, int], Any], total: int, desc: str,
                 close: Callable[[], Any] | None = None) -> None:
        self.report = report
        self.total = total
        self.desc = desc
        self.done = 0
        self._close = close

    def advance(self, n: int) -> None:
        """``n`` more members are done."""
        self.done += int(n)
        self.report(self.done, self.total)
        if self.done >= self.total:
            self.done = 0
            if self._close is not None:
                self._close()


def advance_when_run(progress: Progress | None, n: int) -> None:
    """Report ``n`` more members done when the work actually runs: now when it runs eagerly,
    through a callback in the program when it is being traced (so a jitted function reports
    each time it is called)."""
    if progress is None:
        return
    if current_trace() is eval_trace:
        progress.advance(n)
    else:
        from ftrans.debug import callback  # debug imports api, which imports this module
        callback(lambda: progress.advance(n))


def _tqdm_class() -> Any:
    """tqdm's notebook widget where it can be drawn (ipywidgets installed; tqdm picks it only
    inside Jupyter), else the text bar: ``tqdm.auto`` without ipywidgets warns on import."""
    if importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm  # tqdm is optional: imported when a bar is drawn
    else:
        from tqdm.std import tqdm  # tqdm is optional: imported when a bar is drawn
    return tqdm


def _tqdm_progress(total: int, desc: str) -> Progress:
    tqdm = _tqdm_class()
    bar: list[Any] = []  # opened at the first report, closed when the total is reached

    def report(done: int, total: int) -> None:
        if not bar:
            bar.append(tqdm(total=total, desc=desc, leave=False))
        bar[0].update(done - bar[0].n)

    def close() -> None:
        if bar:
            bar.pop().close()
    return Progress(report, total, desc, close)


def make_progress(progress: ProgressArg, total: int, desc: str) -> Progress | None:
    """The reporter for one piece of chunked work of ``total`` members, or None (silent)."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return _tqdm_progress(total, desc) if tqdm_available() else None
    return Progress(progress, total, desc)


def track(iterable: Iterable[T], total: int | None = None, desc: str | None = None,
          enabled: bool = True, leave: bool = True) -> Iterator[T]:
    """``iterable`` with a tqdm progress bar when tqdm is installed (and ``enabled``), else
    as it is: for training loops that should show progress without requiring tqdm.
    ``leave=False`` clears the bar when the loop ends (one bar per epoch, say).

    >>> sum(track(range(4), enabled=False))
    6
    """
    if not enabled or not tqdm_available():
        return iter(iterable)
    return iter(_tqdm_class()(iterable, total=total, desc=desc, leave=leave))
