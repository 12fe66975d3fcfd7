"""Append every gate result to DuckDB, for the data-quality dashboard (coverage, completeness, gaps over time).

- `audit.expectation_results`: one row per expectation per validated table;
- `audit.validation_runs`: one row per validated table (with its Chinese report).

Append-only: rows are never updated or deleted; the tables are created when missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.gate.runner import BLOCKING, WARNING, GateResult

SAMPLE_SIZE = 20

DDL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.expectation_results (
    run_id             VARCHAR NOT NULL,
    validated_at       TIMESTAMP NOT NULL,
    source_system      VARCHAR NOT NULL,
    source_table       VARCHAR NOT NULL,
    source_file        VARCHAR,
    sheet              VARCHAR,
    batch_id           VARCHAR,
    suite_name         VARCHAR,
    expectation_index  INTEGER,
    expectation_type   VARCHAR NOT NULL,
    column_name        VARCHAR,
    column_label_zh    VARCHAR,
    severity           VARCHAR NOT NULL,   -- blocking / warning
    success            BOOLEAN,            -- NULL: not run (skipped_reason says why)
    element_count      BIGINT,
    unexpected_count   BIGINT,
    unexpected_percent DOUBLE,
    sample_values      JSON,               -- [{"row": 12, "value": "在校"}, ...] (first 20)
    rule_zh            VARCHAR,
    skipped_reason     VARCHAR,
    error              VARCHAR
);
CREATE TABLE IF NOT EXISTS audit.validation_runs (
    run_id             VARCHAR NOT NULL,
    validated_at       TIMESTAMP NOT NULL,
    source_system      VARCHAR NOT NULL,
    source_table       VARCHAR NOT NULL,
    source_file        VARCHAR,
    sheet              VARCHAR,
    batch_id           VARCHAR,
    suite_name         VARCHAR,
    n_rows             BIGINT,
    blocking_failed    BOOLEAN NOT NULL,
    n_expectations     INTEGER NOT NULL,
    n_failed_blocking  INTEGER NOT NULL,
    n_failed_warning   INTEGER NOT NULL,
    n_skipped          INTEGER NOT NULL,
    seconds            DOUBLE,
    report_zh          VARCHAR
);
"""


def _schema(con: duckdb.DuckDBPyConnection) -> str:
    """`"<catalog>".audit`: fully qualified, so a file itself named gate_results.duckdb is not ambiguous."""
    catalog = con.sql("SELECT current_database()").fetchone()[0]
    return '"' + catalog.replace('"', '""') + '".audit'


def ensure_tables(con: duckdb.DuckDBPyConnection) -> str:
    """Create the audit schema and tables when missing; return the qualified schema name."""
    schema = _schema(con)
    con.execute(DDL.replace("audit.", schema + ".").replace("SCHEMA IF NOT EXISTS audit", f"SCHEMA IF NOT EXISTS {schema}"))
    return schema


def store_result(target: duckdb.DuckDBPyConnection | str | Path, result: GateResult) -> None:
    """Append one GateResult (its expectations and its run row) in one transaction."""
    if isinstance(target, str | Path):
        with duckdb.connect(str(target)) as con:
            store_result(con, result)
        return
    con = target
    schema = ensure_tables(con)
    r = result
    common = (r.run_id, r.validated_at, r.source_system, r.source_table, r.source_file, r.sheet, r.batch_id,
              r.suite_name)
    rows = [
        (*common, o.index, o.expectation_type, o.column, o.column_zh, o.severity, o.success,
         o.element_count, o.unexpected_count, o.unexpected_percent,
         json.dumps(o.sample(SAMPLE_SIZE), ensure_ascii=False, default=str) if o.failures else None,
         o.rule_zh, o.skipped_reason, o.error)
        for o in r.outcomes
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        if rows:  # one columnar insert: executemany costs ~1 ms a row in DuckDB
            batch = pa.table({f"c{i}": list(col) for i, col in enumerate(zip(*rows, strict=True))})
            con.register("__gate_outcomes", batch)
            try:
                con.execute(f"INSERT INTO {schema}.expectation_results SELECT * FROM __gate_outcomes")
            finally:
                con.unregister("__gate_outcomes")
        con.execute(
            f"INSERT INTO {schema}.validation_runs VALUES ({', '.join(['?'] * 16)})",
            [*common, r.n_rows, r.blocking_failed, len(r.outcomes), len(r.failed(BLOCKING)),
             len(r.failed(WARNING)), len(r.skipped), r.seconds, r.report_zh()],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
