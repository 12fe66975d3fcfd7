"""Give memory the process no longer uses back to the system between the big steps of ingestion.

Arrow's allocator (mimalloc) and glibc keep freed memory for reuse: after a 教务 table of 6.5 M rows was read in
chunks, ≈ 1 GB stayed resident that nothing used, and the gate and dbt that follow came on top of it (the peak of
an L run is what `bench/bench_pipeline.py --size L` reports)."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc


def freeze_imports() -> None:
    """Move every object alive now — after importing Dagster, dbt, pandas and the definitions — out of the garbage
    collector's sight (`gc.freeze`; they are still freed when nothing refers to them). A full collection walks every
    tracked object: ≈ 490,000 after those imports, ≈ 0.35 s, and `release_memory` runs one after every unit that read
    something (34 a full run: ≈ 12 s). Called once, at the end of `pipelines/definitions.py`."""
    gc.freeze()


def settle_long_lived() -> None:
    """Collect, then freeze what survived. Called between units, when no unit's data is held: what is alive then is
    set-up that lives on (Great Expectations' modules and context, after the first unit imported them), so the
    collections after the next units need not walk it again. Cheap when little was made since the last call."""
    gc.collect()
    gc.freeze()


def release_memory() -> None:
    """Collect garbage, then let Arrow's pool and glibc return what they hold unused (where they can)."""
    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, or None on a libc without it (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
