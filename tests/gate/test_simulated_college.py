"""The committed suites against the simulated college: clean extracts pass, each injected fault is caught.

The extracts are read exactly as ingestion reads them (`pipelines.ingest.extract`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from pipelines import simulator
from pipelines.config import load_settings
from pipelines.gate.runner import EXPECTATIONS_DIR, GateResult, validate_table
from pipelines.ingest.contract import load_contract
from pipelines.ingest.extract import OPTIONAL_SYSTEMS, gate_frame, read_extract

# the simulated college's sources (诊改反馈 are returned later by the departments: tests/loop)
CONTRACT = {k: t for k, t in load_contract().items() if t.system not in OPTIONAL_SYSTEMS}


@dataclass
class Extract:
    key: str
    df: pd.DataFrame
    source_file: str | None
    sheet: str | None


def _read(root: Path, table) -> Extract:
    ext = read_extract(table, load_settings({"ZHENGAI_SOURCES": str(root)}))
    return Extract(table.key, gate_frame(ext), ext.source_file, ext.sheet)


def _validate_all(root: Path) -> dict[str, GateResult]:
    extracts = {key: _read(root, t) for key, t in CONTRACT.items()}
    lookups = {key: e.df for key, e in extracts.items()}
    results = {}
    for key, e in extracts.items():
        t = CONTRACT[key]
        results[key] = validate_table(
            e.df, EXPECTATIONS_DIR / t.system / f"{t.table}.json", source_system=t.system,
            source_table=t.table, source_file=e.source_file, sheet=e.sheet, batch_id="test", lookups=lookups,
        )
    return results


@pytest.fixture(scope="module")
def college(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("college")
    simulator.simulate(size="XS", seed=1, out=root)
    return root


@pytest.fixture(scope="module")
def clean_results(college) -> dict[str, GateResult]:
    return _validate_all(college)


def test_clean_college_has_no_blocking_failure_in_any_table(clean_results):
    blocking = {k: r.report_zh() for k, r in clean_results.items() if r.blocking_failed}
    assert blocking == {}, "\n\n".join(blocking.values())
    assert not any(r.skipped for r in clean_results.values())  # every reference had its lookup


@pytest.mark.parametrize("kind, expectation_types", [
    ("duplicate_keys", {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}),
    ("out_of_range", {"expect_column_values_to_be_between"}),
    ("orphan_fk", {"expect_column_values_to_be_in_set"}),
    ("missing_column", {"expect_column_to_exist"}),
])
def test_each_fault_makes_the_right_suite_block_naming_file_row_and_column(college, tmp_path, kind,
                                                                            expectation_types):
    broken = tmp_path / "broken"
    simulator.inject_fault(kind, college, broken, seed=1)
    results = _validate_all(broken)
    failed = {k: r for k, r in results.items() if r.blocking_failed}
    assert failed, f"fault {kind} was not caught"
    for key, r in failed.items():
        hits = [o for o in r.failed("blocking") if o.expectation_type in expectation_types]
        assert hits, f"{key}: blocked, but not by {expectation_types}:\n{r.report_zh()}"
        report = r.report_zh()
        assert r.location_zh in report and f"「{hits[0].column_zh}」" in report
        if kind != "missing_column":
            assert all(f.source_row is not None for f in hits[0].failures)
            assert f"第 {min(f.source_row for f in hits[0].failures)}" in report
