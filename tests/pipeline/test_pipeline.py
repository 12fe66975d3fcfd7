"""The whole pipeline through Dagster on a simulated college: publish, no-op reload, bad input, kill, retry."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines import simulator
from pipelines.config import REPO_ROOT
from pipelines.freshness import data_published_at
from pipelines.publish import WarehouseLayout

FAULT_FILES = {  # fault kind → (asset that must fail its gate or read, file that must land in quarantine)
    "wrong_encoding": ("raw/xuegong__student", "学生学籍.csv"),
    "missing_column": ("raw/xuegong__student", "学生学籍.csv"),
    "renamed_column": ("raw/xuegong__student", "学生学籍.csv"),
    "duplicate_keys": ("raw/xuegong__student", "学生学籍.csv"),
    "orphan_fk": ("raw/xuegong__student", "学生学籍.csv"),
    "truncated_xlsx": ("raw/renshi__staff", "教职工名册.xlsx"),
    "empty_file": ("raw/xuegong__admission", "招生.csv"),
    "header_only": ("raw/xuegong__employment", "毕业就业.csv"),
    "out_of_range": ("raw/jiaowu__score", None),  # a database table: nothing to move, a report is written
}


@pytest.fixture(scope="module")
def college(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("college")
    simulator.simulate(size="XS", seed=11, out=root)
    return root


def _home(tmp: Path, sources: Path) -> Path:
    home = tmp / "warehouse"
    home.mkdir()
    shutil.copytree(sources, home / "sources")
    return home


@pytest.fixture
def env(monkeypatch, tmp_path):
    def use(home: Path):
        monkeypatch.setenv("ZHENGAI_HOME", str(home))
        monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
        monkeypatch.setenv("ZHENGAI_RETRY_WAIT", "0")
        return home
    return use


def _run(job: str = "daily_refresh"):
    from pipelines.run import run_pipeline

    out = io.StringIO()
    summary = run_pipeline(job, out=out)
    return summary, out.getvalue()


def _table_counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables "
                             "WHERE table_schema NOT IN ('audit') AND table_type = 'BASE TABLE'").fetchall()
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for (t,) in tables
                  if not t.startswith("raw.")}
        counts |= {f"latest:{s}.{t}": n for s, t, n in con.execute(
            "SELECT source_system, source_table, row_count FROM raw._latest_batches").fetchall()}
    return counts


@pytest.fixture(scope="module")
def published(college, tmp_path_factory):
    """A warehouse home with one successful run published (shared, read-only for the tests below)."""
    tmp = tmp_path_factory.mktemp("published")
    home = _home(tmp, college)
    mp = pytest.MonkeyPatch()
    mp.setenv("ZHENGAI_HOME", str(home))
    mp.setenv("DAGSTER_HOME", str(home / "dagster"))
    try:
        summary, progress = _run()
    finally:
        mp.undo()
    return home, summary, progress


def test_clean_run_publishes_every_source_with_progress_and_audit(published):
    home, summary, progress = published
    assert summary.success, summary.failures
    assert "✔ 发布 serving.duckdb" in progress and "▶ 采集 学工/学生学籍.csv" in progress
    layout = WarehouseLayout(home)
    assert layout.serving.exists() and [v.is_serving for v in layout.versions()] == [True]
    with duckdb.connect(str(layout.serving), read_only=True) as con:
        n_tables = con.execute("SELECT count(*) FROM raw._latest_batches").fetchone()[0]
        students = con.execute("SELECT count(*) FROM raw.xuegong__student").fetchone()[0]
        audit_runs = con.execute("SELECT count(DISTINCT source_table) FROM audit.validation_runs").fetchone()[0]
    assert n_tables == 34 and audit_runs == 34
    with open(home / "sources" / "xuegong" / "学生学籍.csv", encoding="gbk") as fh:
        assert students == sum(1 for line in fh if line.strip()) - 1  # every CSV record, header excluded
    # dbt's output is in the run's log; dbt's own file log is off (ZHENGAI_DBT_FILE_LOG)
    assert "Done. PASS=" in next((home / "logs").glob("dbt-*.log")).read_text(encoding="utf-8")
    assert not (home / "dbt" / "target" / "dbt.log").exists()


def _dbt_reports(run_id: str) -> list:
    """The materializations the dbt step reported in run `run_id`."""
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        return [e.dagster_event for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
                if e.dagster_event.step_key == "dbt_models"]


def test_second_run_of_unchanged_sources_adds_no_batch_and_publishes_same_tables(published, tmp_path, env,
                                                                                monkeypatch):
    import pipelines.run
    from pipelines.assets.dbt import DBT_ASSETS
    from pipelines.publish import PUBLISHED_MODELS, published_model_keys

    home, _, _ = published
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy, symlinks=True)
    env(copy)
    layout = WarehouseLayout(copy)
    before = _table_counts(layout.serving)
    # `zhengai run` sees that nothing changed and leaves the units and dbt out of the run
    summary, progress = _run()
    assert summary.success, summary.failures
    assert pipelines.run.NOTHING_CHANGED_ZH in progress and "▶ dbt" not in progress
    assert pipelines.run.UNCHANGED_UNITS_ZH.format(n=24) in progress and "▶ 采集" not in progress
    assert _dbt_reports(summary.run_id) == []
    # a run of the whole job (the Dagster UI's) gets to every step: the units report their last batches, dbt does not
    # run, and its step reports as carried over just the models the publish step waits for, none as built
    monkeypatch.setattr(pipelines.run, "run_selection", lambda job, settings, to_read=None: None)
    summary, progress = _run()
    assert summary.success, summary.failures
    reported = _dbt_reports(summary.run_id)
    assert sorted(e.asset_key.to_user_string() for e in reported) == sorted(m.replace(".", "/") for m in PUBLISHED_MODELS)
    assert len(published_model_keys(DBT_ASSETS)) == len(PUBLISHED_MODELS)
    assert all("沿用上次发布的结果" in str(e.event_specific_data.materialization.metadata) for e in reported)
    assert "本次构建" not in progress.split("dbt 计算")[1].split("\n✔")[0]  # no bar line: nothing was built
    assert progress.count("▶ 采集") == 24
    with duckdb.connect(str(layout.serving), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw._batches").fetchone()[0] == 34  # no new batch
    assert _table_counts(layout.serving) == before
    assert len(layout.versions()) == 3
    # and the same judgements to the last bit: a value on a warning line must not flip between runs
    first, *_, last = (str(v.path) for v in layout.versions())
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{first}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{last}' AS b (READ_ONLY)")
        for t in ("indicators.fct_indicator_values", "warnings.fct_warnings", "warnings.fct_student_warnings"):
            diff = con.execute(f"SELECT count(*) FROM (SELECT * FROM a.{t} EXCEPT ALL SELECT * FROM b.{t})").fetchone()
            assert diff == (0,), t


def test_raw_data_newer_than_the_models_is_not_published(published, tmp_path, env, monkeypatch):
    """A source that changes after `zhengai run` decided to leave dbt out (nothing had changed then) is loaded by
    its unit; the publish step then refuses: the served models would not match the served raw data."""
    import pipelines.run
    from pipelines.assets.dbt import DBT_ASSETS
    from pipelines.simulator.changes import append_discipline_rows

    home, _, _ = published
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy, symlinks=True)
    env(copy)
    dbt_keys = {k for a in DBT_ASSETS for k in a.keys}
    monkeypatch.setattr(pipelines.run, "run_selection", lambda job, settings, to_read=None: [
        k for k in job.asset_layer.executable_asset_keys if k not in dbt_keys])
    append_discipline_rows(copy / "sources")
    summary, _ = _run()
    assert not summary.success
    assert any("发布" in f and "dbt 尚未计算的新批次" in f for f in summary.failures), summary.failures
    with duckdb.connect(str(WarehouseLayout(copy).serving), read_only=True) as con:  # the served data is as before
        assert con.execute("SELECT count(*) FROM raw._batches").fetchone()[0] == 34
        assert con.execute("SELECT count(*) FROM raw.xuegong__discipline WHERE case_id LIKE 'CF____9%'").fetchone() == (0,)


def test_models_picked_by_hand_are_not_taken_for_the_whole_plan(published, tmp_path, env, monkeypatch):
    """A run that builds only some of the models a changed source feeds (picked by hand in the Dagster UI) records no
    dbt build: publishing then refuses, as the other models it feeds were not rebuilt."""
    import dagster as dg

    import pipelines.run
    from pipelines.simulator.changes import append_discipline_rows

    home, _, _ = published
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy, symlinks=True)
    env(copy)
    append_discipline_rows(copy / "sources")
    picked = {dg.AssetKey(["raw", "xuegong__discipline"]), dg.AssetKey(["staging", "stg_xuegong__discipline"]),
              dg.AssetKey(["serving", "warehouse"])}
    monkeypatch.setattr(pipelines.run, "run_selection", lambda job, settings, to_read=None: sorted(
        picked, key=lambda k: k.to_user_string()))
    summary, progress = _run()
    assert "dbt：本次构建所选模型" in progress
    assert {e.asset_key.to_user_string() for e in _dbt_reports(summary.run_id)} == {"staging/stg_xuegong__discipline"}
    assert not summary.success
    assert any("dbt 尚未计算的新批次" in f for f in summary.failures), summary.failures
    with duckdb.connect(str(WarehouseLayout(copy).serving), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw._batches").fetchone()[0] == 34


def _model_tables(db: Path) -> list[str]:
    """The tables dbt materialises (models built as table or incremental), as `schema.name`."""
    import json

    manifest = json.loads((REPO_ROOT / "dbt_project" / "target" / "manifest.json").read_text(encoding="utf-8"))
    wanted = {(n["schema"], n["alias"]) for n in manifest["nodes"].values()
              if n["resource_type"] in ("model", "seed") and n["config"]["materialized"] in ("table", "incremental", "seed")}
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                            "WHERE table_type = 'BASE TABLE'").fetchall()
    return sorted(f"{s}.{t}" for s, t in found if (s, t) in wanted)


def test_one_changed_file_rebuilds_only_what_it_feeds_and_equals_a_full_build(published, tmp_path, env):
    """20 new 违纪处分 records: dbt builds the descendants of raw.xuegong__discipline only, and every model table
    then equals what a full `dbt build` of the same raw data gives."""
    from pipelines.simulator.changes import append_discipline_rows

    home, _, _ = published
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy, symlinks=True)
    append_discipline_rows(copy / "sources")
    env(copy)
    summary, progress = _run()
    assert summary.success, summary.failures
    assert "source:raw.xuegong__discipline+" in progress
    assert re.search(r"运行 [1-9][0-9]* 个测试", progress), progress  # the descendants' dbt tests ran and were counted
    # the run reads the one changed unit; Dagster plans and reports just the models it feeds
    assert re.findall(r"▶ 采集 (\S+)", progress) == ["学工/违纪处分.csv"]
    assert "23 个数据源自上次加载以来未变化" in progress
    reported = {e.asset_key.to_user_string() for e in _dbt_reports(summary.run_id)}
    assert "warnings/fct_warnings" in reported and "staging/stg_xuegong__discipline" in reported
    assert not reported & {"staging/stg_jiaowu__score", "marts/fct_score", "ref/warning_tiers"}
    served = WarehouseLayout(copy).serving
    with duckdb.connect(str(served), read_only=True) as con:
        [(selection,)] = con.execute("SELECT selection FROM raw._dbt_builds ORDER BY built_at DESC LIMIT 1").fetchall()
        new = con.execute("SELECT count(*) FROM staging.stg_xuegong__discipline WHERE case_id LIKE 'CF____9%'").fetchone()
    assert selection == "source:raw.xuegong__discipline+"
    assert new == (20,)
    # dbt ran in the process `zhengai run` started early, on the project it had parsed meanwhile
    assert "on the manifest parsed in advance" in (copy / "dbt" / "worker.log").read_text(encoding="utf-8")
    # the one changed file, and nothing else, was read ahead (nothing references 违纪处分)
    plan = (copy / "logs" / "prefetch.log").read_text(encoding="utf-8").splitlines()[0]
    assert plan == "plan: xuegong.discipline"
    # the reference: the same raw data, every model rebuilt by a plain `dbt build`; the table written by
    # difference (macros/row_sync.sql) is built from nothing there
    full = tmp_path / "full.duckdb"
    shutil.copyfile(served, full)
    with duckdb.connect(str(full)) as con:
        con.execute("DROP TABLE warnings.fct_warnings")
    code = ("import sys; from pathlib import Path; from pipelines.dbt_build import dbt_build; "
            "dbt_build(Path(sys.argv[1]), target_path=Path(sys.argv[2]))")
    proc = subprocess.run([sys.executable, "-c", code, str(full), str(tmp_path / "dbt_target")], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    tables = _model_tables(served)
    assert len(tables) > 40 and tables == _model_tables(full)
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{served}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{full}' AS b (READ_ONLY)")
        differ = [t for t in tables if con.execute(
            f"SELECT (SELECT count(*) FROM (SELECT * FROM a.{t} EXCEPT ALL SELECT * FROM b.{t})) + "
            f"(SELECT count(*) FROM (SELECT * FROM b.{t} EXCEPT ALL SELECT * FROM a.{t}))").fetchone()[0]]
    assert differ == []


def test_a_run_reads_ahead_the_changed_units_and_those_checked_against_them(published, tmp_path, env):
    """`units_to_read` on the served warehouse, as the prefetch of `zhengai run` asks it: nothing when nothing
    changed; a new 学生学籍 export is read, and so is every unit whose 学号 check reads the students again."""
    from pipelines.config import load_settings
    from pipelines.ingest.units import units_to_read

    home, _, _ = published
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy, symlinks=True)
    env(copy)
    serving = WarehouseLayout(copy).serving
    with duckdb.connect(str(serving), read_only=True) as con:
        assert units_to_read(con, load_settings()) == []
    with open(copy / "sources" / "xuegong" / "学生学籍.csv", "ab") as fh:
        fh.write(b"\r\n")
    with duckdb.connect(str(serving), read_only=True) as con:
        names = [u.name for u in units_to_read(con, load_settings())]
    assert names == ["xuegong__student", "jiaowu__attendance_record", "jiaowu__score", "xuegong__aid",
                     "xuegong__discipline", "xuegong__employment", "xuegong__psych"]  # in the order the steps run


def test_every_table_and_view_of_a_copied_serving_file_opens_read_only(published, tmp_path):
    """An analyst copies serving.duckdb anywhere: views must not name the run's build catalog."""
    home, summary, _ = published
    assert summary.success, summary.failures
    copy = tmp_path / "analyst" / "serving.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(home / "serving.duckdb", copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        objects = con.execute("SELECT table_schema, table_name, table_type FROM information_schema.tables "
                              "ORDER BY 1, 2").fetchall()
        failed = []
        for schema, name, _kind in objects:
            try:
                con.execute(f'SELECT * FROM "{schema}"."{name}" LIMIT 1').fetchall()
            except duckdb.Error as exc:
                failed.append(f"{schema}.{name}: {str(exc).splitlines()[0]}")
    assert sum(k == "VIEW" for *_, k in objects) >= 10 and not failed, failed
    assert ("audit", "source_freshness", "BASE TABLE") in objects


@pytest.mark.parametrize("kind", sorted(FAULT_FILES))
def test_bad_input_is_reported_quarantined_and_served_data_unchanged(published, tmp_path, env, kind):
    home, _, _ = published
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy, symlinks=True)
    broken = tmp_path / "broken"
    fault = simulator.inject_fault(kind, copy / "sources", broken, seed=3)
    shutil.rmtree(copy / "sources")
    shutil.copytree(broken, copy / "sources")
    env(copy)
    layout = WarehouseLayout(copy)
    served_before = layout.versions()[-1]
    layout.serving.unlink()  # as in a real home, serving.duckdb is a link to the served version (copytree copied it)
    os.link(served_before.path, layout.serving)
    with duckdb.connect(str(layout.serving), read_only=True) as con:
        data_before = con.execute("SELECT * FROM raw._batches ORDER BY ALL").fetchall()

    summary, progress = _run()

    assert not summary.success
    assert not any((copy / "build").rglob("*")) and not (copy / "run.lock").exists()  # nothing stray left
    # the same data is served, in a status-only version that names the held-back source (for the dashboards)
    [served] = [v for v in layout.versions() if v.is_serving]
    assert served.name != served_before.name and any("状态版本" in n for n in summary.notices), summary.notices
    with duckdb.connect(str(layout.serving), read_only=True) as con:
        assert con.execute("SELECT * FROM raw._batches ORDER BY ALL").fetchall() == data_before
        blocked = con.execute("SELECT count(*) FROM audit.source_freshness WHERE status_zh = '被拦截' "
                              "AND blocked_since IS NOT NULL").fetchone()[0]
    assert blocked >= 1
    assert data_published_at(served) == data_published_at(served_before)
    asset, file = FAULT_FILES[kind]
    bad_name = Path(fault.path).name
    asset = asset or next(f for f in summary.failures if "raw/" in f)
    assert any(asset in f for f in summary.failures), summary.failures
    assert "质量闸门未通过" in progress
    reports = list((copy / "quarantine").rglob("*.问题报告.txt"))
    assert reports, "no quarantine report written"
    text = "\n".join(r.read_text(encoding="utf-8-sig") for r in reports)
    if file:  # a file source: moved aside, named in the report, gone from the drop folder
        assert bad_name == file
        assert list((copy / "quarantine").rglob(file)), f"{file} not in quarantine"
        assert not list((copy / "sources").rglob(file))
        assert file in text
    else:
        assert "数据库" in text
    if file:  # the other sources did not change: the run did not read them again
        assert "个数据源自上次加载以来未变化，本次不重新读取与检查" in progress
    else:  # the whole 教务 database file changed: its other tables were read, and loaded
        assert "✔ 采集 教务/专业（数据库表 major）" in progress


def test_killed_run_leaves_serving_readable_and_next_run_matches(published, tmp_path, env):
    home, _, _ = published
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy, symlinks=True)
    # a changed source, so the killed run has something new to build
    (copy / "sources" / "xuegong" / "招生.csv").write_bytes((home / "sources" / "xuegong" / "招生.csv").read_bytes()
                                                             + "\r\n".encode("gbk"))
    env(copy)
    layout = WarehouseLayout(copy)
    before = layout.serving.stat().st_ino
    proc = subprocess.Popen([str(Path(sys.executable).with_name("zhengai")), "run"], cwd=REPO_ROOT,
                            env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    seen = ""
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        seen += line
        if "▶ 采集" in line or not line:  # killed in its first step (the changed 招生.csv)
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert "▶ 采集" in seen, seen
    assert layout.serving.stat().st_ino == before
    with duckdb.connect(str(layout.serving), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw._latest_batches").fetchone()[0] == 34

    summary, _ = _run()
    assert summary.success, summary.failures
    # the same tables as an uninterrupted run on the same sources
    clean = tmp_path / "clean"
    shutil.copytree(home, clean, symlinks=True)
    shutil.copyfile(copy / "sources" / "xuegong" / "招生.csv", clean / "sources" / "xuegong" / "招生.csv")
    env(clean)
    summary2, _ = _run()
    assert summary2.success
    assert _table_counts(WarehouseLayout(copy).serving) == _table_counts(WarehouseLayout(clean).serving)
    assert not any((copy / "build").rglob("*.duckdb"))  # the killed run's build folder was cleared
    assert not (copy / "run.lock").exists()  # the killed run's lock was stale, taken over and released


def test_unreachable_database_is_retried_then_fails_with_a_clear_message(published, tmp_path, env, monkeypatch):
    home, _, _ = published
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy, symlinks=True)
    env(copy)
    monkeypatch.setenv("ZHENGAI_JIAOWU_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    summary, progress = _run()
    assert not summary.success
    assert "↻ 采集 教务/专业（数据库表 major） 数据源暂时不可用，稍后重试" in progress
    assert any("无法连接教务数据库" in f for f in summary.failures), summary.failures


def test_a_schedule_leaves_out_what_no_changed_source_feeds(published, tmp_path, env):
    """The daily schedule decides as `zhengai run` does: publishing alone when nothing changed; the changed unit and
    the models it feeds once a source changed."""
    import dagster as dg

    from pipelines.assets.dbt import DBT_ASSETS
    from pipelines.schedules import SCHEDULES
    from pipelines.simulator.changes import append_discipline_rows

    home, _, _ = published
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy, symlinks=True)
    env(copy)
    daily = next(s for s in SCHEDULES if s.name == "daily_refresh_schedule")
    dbt_keys = {k for a in DBT_ASSETS for k in a.keys}
    [request] = daily.evaluate_tick(dg.build_schedule_context()).run_requests
    assert set(request.asset_selection) == {dg.AssetKey(["serving", "warehouse"]), dg.AssetKey(["notify", "digests"])}
    assert "数据源与 dbt 项目均未变化" in request.tags["zhengai/selection"]
    append_discipline_rows(copy / "sources")
    [request] = daily.evaluate_tick(dg.build_schedule_context()).run_requests
    selected = set(request.asset_selection)
    assert {dg.AssetKey(["raw", "xuegong__discipline"]), dg.AssetKey(["warnings", "fct_warnings"]),
            dg.AssetKey(["serving", "warehouse"])} <= selected
    assert not {k for k in selected if k.path[0] == "raw"} - {dg.AssetKey(["raw", "xuegong__discipline"])}
    assert dbt_keys - selected  # the models no changed source feeds are left out
