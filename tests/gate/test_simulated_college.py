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


def _key(o):
    return (o.index, o.expectation_type, o.columns, o.success, o.element_count, o.unexpected_count,
            None if o.unexpected_percent is None else round(o.unexpected_percent, 9),
            [(f.source_row, str(f.value), f.reason) for f in o.failures])


def test_stacked_workbooks_checked_once_report_as_if_checked_one_by_one(college):
    """状态数据平台: each table's workbooks are checked in one GX call and the result split by file
    (runner.split_by_file); every file's outcomes — counts, percentages, rows, values — equal a check of that
    file alone. Dirty cells in every file make the failing paths count."""
    from pipelines.gate.runner import split_by_file, typed_batch
    from pipelines.ingest.raw_store import FILE_COLUMN

    settings = load_settings({"ZHENGAI_SOURCES": str(college)})
    platform = [t for t in CONTRACT.values() if t.system == "zhuangtai"]
    compared = failing = 0
    for t in platform:
        frame = read_extract(t, settings).frame.reset_index(drop=True)
        data = [c.id for c in t.columns if c.id in frame.columns]
        for i, (_, rows) in enumerate(frame.groupby(FILE_COLUMN, sort=True).groups.items()):
            first, last = rows[0], rows[-1]
            frame.loc[first, data[(i + 1) % len(data)]] = None  # 为空
            frame.loc[last, data[-1]] = "-7"  # out of range, or text in a code column
            if i == 1 and len(rows) > 1:
                frame.loc[rows[1], data] = frame.loc[first, data].to_numpy()  # a duplicate key
        suite = EXPECTATIONS_DIR / t.system / f"{t.table}.json"
        args = dict(source_system=t.system, source_table=t.table, sheet=None, batch_id="t")
        from pipelines.gate.runner import load_suite_json

        typed = typed_batch(frame, load_suite_json(suite)["meta"], None)
        stacked = validate_table(frame, suite, source_file=None, pretyped=typed, keep_all_failures=True, **args)
        split = split_by_file(stacked, frame[FILE_COLUMN].to_numpy(), typed[0])
        alone = [validate_table(part.reset_index(drop=True), suite, source_file=file, **args)
                 for file, part in frame.groupby(FILE_COLUMN, sort=True)]
        assert [r.source_file for r in split] == [r.source_file for r in alone]
        for a, b in zip(split, alone, strict=True):
            assert a.n_rows == b.n_rows
            assert [_key(o) for o in a.outcomes] == [_key(o) for o in b.outcomes], (t.key, a.source_file)
            compared += len(a.outcomes)
            failing += sum(o.failed for o in b.outcomes)
    assert compared > 500 and failing > 30
