"""Suite-wide test configuration: which tests are slow (`make test-fast` = `pytest -m "not slow"`), and how
`make test` shares them between its two workers (pytest-xdist, `--dist loadgroup`).

A test is slow when it simulates a college and runs the pipeline, dbt or Superset on it; those modules are
listed here, in one place, rather than marked file by file. CI runs everything (`make test`).

Workers: a module's tests stay on one worker (module fixtures build a college once), and so do the folders
whose fixtures are session-wide (one Superset, one report warehouse, one simulated S college). The longest
groups are handed out first, so that no worker is left alone with a long one at the end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
SLOW = [  # folders or files under tests/
    "pipeline/test_pipeline.py",
    "reports",
    "dbt",
    "superset",
    "simulator/test_simulator_output.py",
    "simulator/test_simulator_faults.py",
    "gate/test_simulated_college.py",
    "ingest/test_prefetch.py",
]


# folders whose session fixtures their modules share: one xdist group each
SESSION_FOLDERS = ["superset", "reports", "simulator"]
# the groups that take longest (minutes, measured by `--durations`), started first
LONGEST_FIRST = ["superset", "loop/test_loop.py", "pipeline/test_pipeline.py", "reports", "faults/test_source_faults.py",
                 "dbt/test_warnings.py", "simulator"]


def _group(path: Path) -> str:
    rel = path.relative_to(TESTS).as_posix()
    folder = rel.split("/", 1)[0]
    return folder if folder in SESSION_FOLDERS else rel


def pytest_itemcollected(item):
    # as each test is collected: xdist reads the groups in its own pytest_collection_modifyitems
    item.add_marker(pytest.mark.xdist_group(_group(Path(str(item.fspath)))))


def pytest_collection_modifyitems(config, items):
    slow = [TESTS / s for s in SLOW]
    for item in items:
        path = Path(str(item.fspath))
        if any(path == s or s in path.parents for s in slow):
            item.add_marker(pytest.mark.slow)
    rank = {g: i for i, g in enumerate(LONGEST_FIRST)}
    # stable: within a group the order of collection is kept
    items.sort(key=lambda item: rank.get(_group(Path(str(item.fspath))), len(rank)))
