"""Collection settings for the whole repository (tests/conftest.py holds the test fixtures)."""

import importlib.util

# ftrans.distributed needs the optional Dask dependencies: without them its doctests are not
# collected (tests/test_distributed*.py skip themselves through pytest.importorskip)
collect_ignore_glob = [] if importlib.util.find_spec("distributed") else ["ftrans/distributed/*"]
