"""Beyond one machine: ``shard_map`` over Dask arrays, with collectives across shards.

Each chunk of a Dask array along a mapped axis is a shard; the function is traced once per
shard shape, split into stages at its collectives over the shard axis (``stages``), and run as
one Dask graph (``graph``) on the active Dask client, or on Dask's local scheduler when there
is none. Needs the optional dependencies: ``pip install "ftrans[distributed]"``. See
docs/distributed.md.
"""

from __future__ import annotations

try:
    import dask.array  # noqa: F401
except ImportError as err:  # pragma: no cover - exercised only without dask
    raise ImportError(
        "ftrans.distributed needs Dask: pip install \"ftrans[distributed]\" (dask[array] and "
        "distributed of the same release)") from err

from ftrans.distributed.shard_map import shard_map

__all__ = ["shard_map"]
