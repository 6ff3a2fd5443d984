"""Suite-wide test settings.

- Hypothesis runs with a deterministic profile (derandomised, no example database), so every
  run checks the same examples.
- ``pytest --check-leaks`` (or ``FTRANS_CHECK_LEAKS=1``) runs every test under the leak
  checker: a tracer still referenced after its transformation ended fails the test. Tests that
  leak on purpose (to test escaped-tracer errors) are listed in ``_LEAKS_ON_PURPOSE`` or
  marked ``@pytest.mark.allow_leaks``.
"""

from __future__ import annotations

import os

import pytest

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis is optional for running most tests
    settings = None
else:
    settings.register_profile("ftrans-deterministic", derandomize=True, database=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("ftrans-deterministic")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--check-leaks", action="store_true", default=False,
                     help="run every test under ftrans's leak checker (also: "
                          "FTRANS_CHECK_LEAKS=1)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_leaks: the test leaks a tracer on purpose")


def _checking(config: pytest.Config) -> bool:
    return bool(config.getoption("--check-leaks")) or \
        os.environ.get("FTRANS_CHECK_LEAKS", "") not in ("", "0")


# Tests that store a tracer past its transformation on purpose, to
# check the escaped-tracer error. Matched against the end of the test's node id.
_LEAKS_ON_PURPOSE: tuple[str, ...] = (
    "test_markdown_python_blocks_run[sharp_bits.md]",  # shows the escaped-tracer error
)

_leak_counts = {"checked": 0, "leaks": 0}


@pytest.fixture(autouse=True)
def _leak_check(request: pytest.FixtureRequest):
    if not _checking(request.config) or request.node.get_closest_marker("allow_leaks") \
            or request.node.nodeid.endswith(_LEAKS_ON_PURPOSE):
        yield
        return
    from ftrans import debugging
    from ftrans.config import config
    config.update("checking_leaks", True)
    try:
        yield
        _leak_counts["checked"] += 1
        try:
            debugging.check_leaks()
        except debugging.LeakedTracerError:
            _leak_counts["leaks"] += 1
            raise
    finally:
        config.update("checking_leaks", False)
        debugging._pending.traces.clear()
        debugging._pending.deferred.clear()
        debugging._pending.running.clear()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if _checking(config):
        terminalreporter.write_line(
            f"ftrans leak checker: {_leak_counts['checked']} tests checked, "
            f"{_leak_counts['leaks']} with leaked tracers")


def pytest_collection_modifyitems(session, config, items) -> None:
    """Remember what was collected, for the meta test (tests/test_suite_size.py)."""
    config._ftrans_collected = {"count": len(items),
                                "files": {str(item.path) for item in items}}


@pytest.fixture(scope="session")
def dask_client():
    """A real Dask cluster (2 worker processes, 1 thread each), started once per test run.
    Not made the default client: tests pass it as the scheduler, so no other test's Dask use
    is routed to it."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture
def cache_size():
    """Set ``jit_cache_size`` for one test (called with the size), in an emptied cache; the
    old size and an empty cache are restored afterwards."""
    import ftrans as ft
    old = ft.config.read("jit_cache_size")
    ft.clear_caches()

    def set_size(n):
        ft.config.update("jit_cache_size", n)
    yield set_size
    ft.config.update("jit_cache_size", old)
    ft.clear_caches()
