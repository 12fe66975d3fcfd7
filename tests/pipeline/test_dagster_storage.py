"""The Dagster event log `zhengai run` writes (open connections, pipelines/dagster_storage.py) is the event log
Dagster's own SQLite storage reads: the UI and the daemon see every run, event and materialization."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from pipelines import dagster_storage
from pipelines.config import load_settings
from pipelines.dagster_storage import PooledSqliteEventLogStorage
from pipelines.run import instance_config, use_instance_home


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="counted")])
def counted():
    yield dg.Output(3, metadata={"行数": 3})
    yield dg.AssetCheckResult(check_name="positive", passed=True)


def _instance_home(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    return use_instance_home(load_settings({"ZHENGAI_HOME": str(tmp_path)}))


def test_runs_stored_with_open_connections_read_the_same_through_dagsters_own_storage(tmp_path, monkeypatch):
    home = _instance_home(tmp_path, monkeypatch)
    monkeypatch.setattr(dagster_storage, "MAX_OPEN_RUN_DATABASES", 2)
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        run_ids = [dg.materialize([counted], instance=instance).run_id for _ in range(5)]
        ours = {r: [e.dagster_event_type for e in instance.all_logs(r)] for r in run_ids}
        # the index and at most two run databases open, whatever the number of runs
        assert len(instance.event_log_storage._engines) <= 3
    plain = SqliteEventLogStorage(str(home / "history" / "runs"))
    for run_id, types in ours.items():
        assert [e.dagster_event_type for e in plain.get_logs_for_run(run_id)] == types
        assert dg.DagsterEventType.ASSET_MATERIALIZATION in types
        assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in types
    materialized = plain.fetch_materializations(dg.AssetKey("counted"), limit=100).records
    assert sorted(r.run_id for r in materialized) == sorted(run_ids)
    assert materialized[0].asset_materialization.metadata["行数"].value == 3


def test_wiping_the_event_log_closes_the_open_databases_first(tmp_path, monkeypatch):
    home = _instance_home(tmp_path, monkeypatch)
    with dg.DagsterInstance.get() as instance:
        first = dg.materialize([counted], instance=instance).run_id
        instance.event_log_storage.wipe()
        assert not (home / "history" / "runs" / f"{first}.db").exists()
        assert instance.all_logs(first) == []
        second = dg.materialize([counted], instance=instance)
        assert second.success and instance.all_logs(second.run_id)


def test_dagster_yaml_is_ours_to_rewrite_and_a_colleges_own_is_left_alone(tmp_path, monkeypatch):
    config = tmp_path / "dagster" / "dagster.yaml"
    config.parent.mkdir()
    config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")  # what earlier versions wrote
    _instance_home(tmp_path, monkeypatch)
    assert config.read_text(encoding="utf-8") == instance_config(tmp_path / "dagster")

    config.write_text(instance_config(tmp_path / "elsewhere"), encoding="utf-8")  # the folder was moved
    _instance_home(tmp_path, monkeypatch)
    assert config.read_text(encoding="utf-8") == instance_config(tmp_path / "dagster")

    own = "storage:\n  postgres:\n    postgres_url: postgresql://dagster@localhost/dagster\n"
    config.write_text(own, encoding="utf-8")
    _instance_home(tmp_path, monkeypatch)
    assert config.read_text(encoding="utf-8") == own
