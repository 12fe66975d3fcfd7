"""The committed suites against the simulated college: clean extracts pass, each injected fault is caught.

Runs once `pipelines.simulator` and `seeds/source_columns.csv` exist; the extracts are read with the
ingestion readers when `pipelines.ingest` offers them, else with the plain pandas reader below.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from pipelines.gate import generate_suites
from pipelines.gate.runner import EXPECTATIONS_DIR, GateResult, validate_table

simulator = pytest.importorskip("pipelines.simulator", reason="pipelines.simulator does not exist yet")
if not generate_suites.CONTRACT.exists():
    pytest.skip("seeds/source_columns.csv does not exist yet", allow_module_level=True)

CONTRACT = generate_suites.read_contract()


@dataclass
class Extract:
    key: str
    df: pd.DataFrame
    source_file: str | None
    sheet: str | None


NUMERIC = {"int", "integer", "bigint", "decimal", "numeric", "number", "float", "double", "year"}


def _normalise(df: pd.DataFrame, table: generate_suites.Table) -> pd.DataFrame:
    """What ingestion does before the gate: text cleaned (trim, full-width), codes upper-cased, numbers and
    dates parsed by contract type. Uses `pipelines.ingest.normalize` when present."""
    try:
        from pipelines.ingest import normalize as n
    except ImportError:
        n = None
    out = df.copy()
    for col in table.columns:
        if col.id not in out.columns:
            continue
        s, kind = out[col.id], col.type.split("(")[0]
        if n is None:
            s = s.map(lambda v: unicodedata.normalize("NFKC", v).strip() or None if isinstance(v, str) else v)
            if kind in NUMERIC:
                s = pd.to_numeric(s, errors="coerce")
        elif kind in NUMERIC:
            s = n.parse_number_series(s).values
        elif kind == "date":
            s = n.parse_date_series(s).values
        elif kind == "code":
            s = n.normalize_code_series(s)
        else:
            s = n.clean_text_series(s)
        out[col.id] = s
    return out


def _read(root: Path, table: generate_suites.Table) -> Extract:
    """One contract table of the simulated college, with the ingestion readers when they exist."""
    try:
        from pipelines.ingest import contract as ic
        from pipelines.ingest import readers
    except ImportError:
        readers = ic = None
    labels = {c.zh: c.id for c in table.columns}
    source = table.source
    parts = source.replace("#", "/").replace(":", "/").replace("|", "/").split("/")
    file, sheet = parts[0], (parts[1] if len(parts) > 1 else None)
    if file.lower().endswith((".csv", ".xlsx")):
        [path] = list(root.rglob(Path(file).name))
        if readers is not None:
            raw = (readers.read_csv_export(path)[0] if file.lower().endswith(".csv")
                   else readers.read_xlsx_export(path, sheet))
            raw = ic.map_columns(raw, ic.load_contract()[table.key], file=str(path), sheet=sheet, strict=False)
        elif file.lower().endswith(".csv"):
            raw = pd.read_csv(path, dtype=str, encoding="gb18030", keep_default_na=False)
            raw["_source_row"] = range(2, len(raw) + 2)
        else:
            raw = pd.read_excel(path, sheet_name=sheet or 0, dtype=str)
            raw["_source_row"] = range(2, len(raw) + 2)
        raw = raw.rename(columns=lambda c: labels.get(str(c).strip(), c))
        return Extract(table.key, _normalise(raw, table), str(path), sheet)
    [db] = list(root.rglob("*.sqlite"))
    with sqlite3.connect(db) as con:
        raw = pd.read_sql_query(f'SELECT * FROM "{table.table}"', con)
    raw["_source_row"] = range(1, len(raw) + 1)
    return Extract(table.key, _normalise(raw, table), None, None)


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
