"""Write-audit-publish: readers only ever see a complete, published warehouse."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta

import duckdb
import pytest

from pipelines.publish import PublishError, WarehouseLayout, publish, rollback, start_build

T0 = datetime(2026, 9, 1, 8, 0, 0)


def _build_with(layout: WarehouseLayout, run: str, value: int):
    build = start_build(layout, run)
    con = duckdb.connect(str(build))
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.answer as select ? as v", [value])
    con.close()
    return build


def _serving_value(layout: WarehouseLayout) -> int:
    con = duckdb.connect(str(layout.serving), read_only=True)
    try:
        return con.execute("select v from marts.answer").fetchone()[0]
    finally:
        con.close()


def test_publish_makes_the_build_the_serving_file(tmp_path):
    layout = WarehouseLayout(tmp_path)
    publish(layout, _build_with(layout, "r1", 1), now=T0)
    assert _serving_value(layout) == 1
    assert not list(layout.build_dir.glob("*")), "the build file is moved, not left behind"


def test_next_build_starts_from_serving_and_failed_run_changes_nothing(tmp_path):
    layout = WarehouseLayout(tmp_path)
    publish(layout, _build_with(layout, "r1", 1), now=T0)
    # a run that crashes after writing: it never publishes
    build = start_build(layout, "r2")
    con = duckdb.connect(str(build))
    assert con.execute("select v from marts.answer").fetchone()[0] == 1  # carried over
    con.execute("update marts.answer set v = 99")
    con.close()
    assert _serving_value(layout) == 1
    # the next run discards the stray build and starts again from the serving file
    build3 = start_build(layout, "r3")
    assert not build.exists()
    con = duckdb.connect(str(build3), read_only=True)
    assert con.execute("select v from marts.answer").fetchone()[0] == 1
    con.close()


def test_publish_refuses_incomplete_build_and_keeps_serving(tmp_path):
    layout = WarehouseLayout(tmp_path)
    publish(layout, _build_with(layout, "r1", 1), now=T0)
    build = _build_with(layout, "r2", 2)
    with pytest.raises(PublishError, match="缺少必需的表：marts.warnings"):
        publish(layout, build, required_tables=["marts.answer", "marts.warnings"], now=T0 + timedelta(1))
    assert _serving_value(layout) == 1


# what readers run: the Superset datasets' SQL, the reports' and the digest's queries
_READ = re.compile(r"\b(?:FROM|JOIN)\s+((?:indicators|warnings|spiral|serve|marts|audit|ref|raw)\.[a-z_][a-z0-9_]*)",
                   re.IGNORECASE)


def _relations_read() -> dict[str, str]:
    """{schema.relation: a file that reads it}"""
    import yaml

    from pipelines.config import REPO_ROOT

    found: dict[str, str] = {}
    for path in sorted((REPO_ROOT / "superset_exports" / "assets" / "datasets").rglob("*.yaml")):
        for rel in _READ.findall(yaml.safe_load(path.read_text(encoding="utf-8")).get("sql") or ""):
            found.setdefault(rel, path.name)
    for folder in ("pipelines/reports", "pipelines/notify"):
        for path in sorted((REPO_ROOT / folder).glob("*.py")):
            for rel in _READ.findall(path.read_text(encoding="utf-8")):
                found.setdefault(rel, path.name)
    return found


def test_the_publish_step_requires_every_relation_the_dashboards_reports_and_digest_read():
    from pipelines.assets.publish import required_tables

    read = _relations_read()
    assert {"audit.fct_reconciliation", "audit.source_freshness", "warnings.fct_warning_cases",
            "warnings.agg_warning_shares", "serve.srv_indicator_judgements"} <= set(read)  # the scan finds them
    required = set(required_tables(with_audit=True))
    assert {rel: f for rel, f in read.items() if rel not in required} == {}


def test_every_required_model_is_a_dbt_model_or_seed():
    """A misspelt name would refuse every build: each entry is a node of the dbt project, under its schema."""
    import json

    from pipelines.assets.dbt import ensure_manifest
    from pipelines.assets.publish import PUBLISHED_MODELS

    nodes = json.loads(ensure_manifest().read_text(encoding="utf-8"))["nodes"].values()
    built = {f"{n['schema']}.{n.get('alias') or n['name']}" for n in nodes if n["resource_type"] in ("model", "seed")}
    assert [m for m in PUBLISHED_MODELS if m not in built] == []


def test_a_build_missing_a_relation_readers_rely_on_is_not_published(tmp_path):
    from pipelines.assets.publish import required_tables

    layout = WarehouseLayout(tmp_path)
    publish(layout, _build_with(layout, "r1", 1), now=T0)
    required = required_tables(with_audit=True)
    build = _build_with(layout, "r2", 2)
    with duckdb.connect(str(build)) as con:
        for rel in required:
            if rel != "audit.fct_reconciliation":
                con.execute(f"create schema if not exists {rel.split('.')[0]}")
                con.execute(f"create table {rel} (v integer)")
    with pytest.raises(PublishError, match="缺少必需的表：audit.fct_reconciliation，"):
        publish(layout, build, required_tables=required, now=T0 + timedelta(1))
    assert _serving_value(layout) == 1
    with duckdb.connect(str(build)) as con:
        con.execute("create table audit.fct_reconciliation (v integer)")
    publish(layout, build, required_tables=required, now=T0 + timedelta(2))
    assert _serving_value(layout) == 2


def test_publish_refuses_a_build_still_open_for_writing(tmp_path):
    layout = WarehouseLayout(tmp_path)
    build = _build_with(layout, "r1", 1)
    writer = duckdb.connect(str(build))
    writer.execute("insert into marts.answer values (2)")
    try:
        with pytest.raises(PublishError):
            publish(layout, build, required_tables=["marts.answer"], now=T0)
    finally:
        writer.close()
    assert not layout.serving.exists()


def test_reader_holding_old_file_keeps_reading_during_publish(tmp_path):
    layout = WarehouseLayout(tmp_path)
    publish(layout, _build_with(layout, "r1", 1), now=T0)
    reader = duckdb.connect(str(layout.serving), read_only=True)
    publish(layout, _build_with(layout, "r2", 2), now=T0 + timedelta(1))
    assert reader.execute("select v from marts.answer").fetchone()[0] == 1
    reader.close()
    assert _serving_value(layout) == 2


def test_keeps_last_versions_and_rolls_back(tmp_path):
    layout = WarehouseLayout(tmp_path)
    for i in range(1, 5):
        publish(layout, _build_with(layout, f"r{i}", i), keep=3, now=T0 + timedelta(days=i))
    versions = layout.versions()
    assert [v.name.split("_")[1] for v in versions] == ["r2", "r3", "r4"]
    assert versions[-1].is_serving

    rollback(layout)  # to the previous one
    assert _serving_value(layout) == 3
    rollback(layout, versions[0].name[:15])  # by timestamp prefix
    assert _serving_value(layout) == 2
    with pytest.raises(PublishError, match="当前版本之前没有更早的已发布版本"):
        rollback(layout)
    with pytest.raises(PublishError, match="找不到唯一的版本"):
        rollback(layout, "1999")
    # publishing again serves the new build and prunes down to `keep`
    publish(layout, _build_with(layout, "r5", 5), keep=1, now=T0 + timedelta(days=9))
    assert [v.name.split("_")[1] for v in layout.versions()] == ["r5"]


def _entries(layout: WarehouseLayout) -> set[str]:
    return {str(p.relative_to(layout.root)) for p in layout.root.rglob("*")}


def test_rollback_to_the_version_already_served_leaves_no_stray_link(tmp_path):
    layout = WarehouseLayout(tmp_path)
    publish(layout, _build_with(layout, "r1", 1), now=T0)
    publish(layout, _build_with(layout, "r2", 2), now=T0 + timedelta(1))
    before = _entries(layout)
    served = next(v for v in layout.versions() if v.is_serving)
    for _ in range(3):
        rollback(layout, served.name)
    assert _entries(layout) == before, "each rollback to the served version left a file behind"
    assert layout.serving.stat().st_nlink == 2  # the version file and serving.duckdb, nothing else
    rollback(layout)
    assert _serving_value(layout) == 1 and _entries(layout) == before


def test_a_published_build_folder_is_removed_and_nothing_stray_remains(tmp_path):
    layout = WarehouseLayout(tmp_path)
    publish(layout, _build_with(layout, "r1", 1), now=T0)
    assert list(layout.build_dir.iterdir()) == []
    assert sorted(_entries(layout)) == ["build", "serving.duckdb", "versions", "versions/20260901T080000_r1",
                                        "versions/20260901T080000_r1/serving.duckdb"]


def test_views_of_the_served_file_open_from_a_copy_in_another_folder(tmp_path):
    """dbt qualifies view bodies with the build file's catalog: the build must be named like the served file."""
    layout = WarehouseLayout(tmp_path / "wh")
    build = _build_with(layout, "r1", 7)
    con = duckdb.connect(str(build))
    catalog = con.execute("select current_database()").fetchone()[0]
    con.execute(f"create view marts.answer_view as select v from {catalog}.marts.answer")  # as dbt writes it
    con.close()
    publish(layout, build, now=T0)
    elsewhere = tmp_path / "analyst" / "serving.duckdb"
    elsewhere.parent.mkdir()
    shutil.copyfile(layout.serving, elsewhere)
    for path in (layout.serving, elsewhere):
        with duckdb.connect(str(path), read_only=True) as ro:
            assert ro.execute("select v from marts.answer_view").fetchone()[0] == 7
