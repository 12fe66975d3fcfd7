"""Suite-wide test configuration: which tests are slow (`make test-fast` = `pytest -m "not slow"`).

A test is slow when it simulates a college and runs the pipeline, dbt or Superset on it; those modules are
listed here, in one place, rather than marked file by file. CI runs everything (`make test`).
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
]


def pytest_collection_modifyitems(config, items):
    slow = [TESTS / s for s in SLOW]
    for item in items:
        path = Path(str(item.fspath))
        if any(path == s or s in path.parents for s in slow):
            item.add_marker(pytest.mark.slow)
