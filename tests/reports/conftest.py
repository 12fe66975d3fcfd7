"""One warehouse for all report tests: the XS college through the real annual job (ingest → gate → dbt → publish →
the annual report asset), built once per session. Tests only read it (reports open serving.duckdb read-only)."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pytest

from pipelines import simulator
from pipelines.publish import WarehouseLayout


@pytest.fixture(scope="session")
def warehouse_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("reports_home")
    simulator.simulate(size="XS", seed=7, out=home / "sources")
    mp = pytest.MonkeyPatch()
    mp.setenv("ZHENGAI_HOME", str(home))
    mp.setenv("DAGSTER_HOME", str(home / "dagster"))
    mp.setenv("ZHENGAI_RETRY_WAIT", "0")
    try:
        from pipelines.run import run_pipeline

        summary = run_pipeline("annual_job", out=io.StringIO())
    finally:
        mp.undo()
    assert summary.success, summary.failures
    return home


@pytest.fixture(scope="session")
def serving(warehouse_home) -> Path:
    return WarehouseLayout(warehouse_home).serving


@pytest.fixture
def env(warehouse_home, monkeypatch) -> Path:
    monkeypatch.setenv("ZHENGAI_HOME", str(warehouse_home))
    return warehouse_home


@pytest.fixture(scope="session")
def sql(serving):
    con = duckdb.connect(str(serving), read_only=True)

    def run(query: str, params=()):
        return con.execute(query, list(params)).fetchall()

    yield run
    con.close()


@pytest.fixture(scope="session")
def latest_year(sql) -> str:
    return sql("SELECT max(academic_year) FROM indicators.fct_indicator_values WHERE value IS NOT NULL")[0][0]
