"""Fault corpus, source level: the deliveries real colleges send — re-saved CSVs, look-alike file names,
hand-edited platform workbooks, broken 教务 databases, a huge field, two runs at once. Every case is built by
code from the simulated college and asserts its class: read correctly (with a 提醒 naming what was chosen), or
refused with a Chinese message naming file, sheet and column where they apply, or retried as transient."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import simulator
from pipelines.config import REPO_ROOT
from pipelines.ingest.errors import SourceDataError
from pipelines.ingest.extract import SourceUnavailable, read_extract
from pipelines.ingest.readers import read_csv_export

from .source_cases import (
    CONTRACT,
    NEW,
    OLD,
    csv_lines,
    drop_table,
    edit_workbook,
    jiaowu_url,
    platform_book,
    settings,
    sources,
    touch,
)


@pytest.fixture(scope="module")
def college(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("college")
    simulator.simulate(size="XS", seed=3, out=root)
    return root


def _notices(ext, rule: str) -> list[str]:
    return [p.message for p in ext.problems if p.severity == "warning" and p.rule == rule]


def _student(root: Path):
    return read_extract(CONTRACT["xuegong.student"], settings(root))


# ------------------------------------------------------------------------------------------ drop folders
def test_upper_case_extension_is_the_same_export(college, tmp_path):
    root = sources(college, tmp_path, "xuegong")
    (root / "xuegong/学生学籍.csv").rename(root / "xuegong/学生学籍.CSV")
    ext = _student(root)
    assert ext.source_file == "学工/学生学籍.CSV"
    assert len(ext.frame) == len(csv_lines(college / "xuegong/学生学籍.csv")) - 1
    assert _notices(ext, "file_choice") == []  # one candidate: nothing to say


def test_dated_reexport_next_to_last_years_file_is_used_and_the_old_one_named(college, tmp_path):
    root = sources(college, tmp_path, "xuegong")
    old = touch(root / "xuegong/学生学籍.csv", OLD)
    lines = csv_lines(old)
    (root / "xuegong/学生学籍_20250901.csv").write_bytes(b"\r\n".join(lines[:-2]) + b"\r\n")
    ext = _student(root)
    assert ext.source_file == "学工/学生学籍_20250901.csv" and len(ext.frame) == len(lines) - 3
    [note] = _notices(ext, "file_choice")
    assert "使用「学生学籍_20250901.csv」" in note and "忽略 「学生学籍.csv」" in note


def test_numbered_download_copy_newer_than_the_original_is_used(college, tmp_path):
    root = sources(college, tmp_path, "xuegong")
    touch(root / "xuegong/学生学籍.csv", OLD)
    copy = root / "xuegong/学生学籍(1).csv"
    shutil.copyfile(root / "xuegong/学生学籍.csv", copy)
    touch(copy, NEW)
    ext = _student(root)
    assert ext.source_file == "学工/学生学籍(1).csv"
    assert "忽略 「学生学籍.csv」" in _notices(ext, "file_choice")[0]


def test_an_older_fuben_copy_is_ignored_and_named(college, tmp_path):
    root = sources(college, tmp_path, "xuegong")
    touch(root / "xuegong/学生学籍.csv", NEW)
    stale = root / "xuegong/学生学籍 - 副本.csv"
    stale.write_bytes(b"\r\n".join(csv_lines(root / "xuegong/学生学籍.csv")[:5]) + b"\r\n")
    touch(stale, OLD)
    ext = _student(root)
    assert ext.source_file == "学工/学生学籍.csv" and len(ext.frame) > 4
    assert "忽略 「学生学籍 - 副本.csv」" in _notices(ext, "file_choice")[0]


def test_file_not_found_lists_look_alike_names(college, tmp_path):
    root = sources(college, tmp_path, "xuegong")
    (root / "xuegong/学生学籍.csv").rename(root / "xuegong/学生学籍表.csv")
    (root / "xuegong/学生学籍.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(SourceDataError) as err:
        _student(root)
    text = str(err.value)
    assert "找不到学工导出文件（学生学籍）" in text and "「学生学籍表.csv」" in text and "「学生学籍.xls」" in text
    assert "请改名为「学生学籍.csv」" in text and err.value.file == "学工/学生学籍.csv"


# ------------------------------------------------------------------------------------------ re-saved CSVs
def test_csv_resaved_as_utf8_with_bom_reads_the_same_values(college, tmp_path):
    root = sources(college, tmp_path, "xuegong")
    path = root / "xuegong/学生学籍.csv"
    before = _student(root).frame
    path.write_bytes(path.read_bytes().decode("gbk").encode("utf-8-sig"))
    after = _student(root).frame
    assert after.drop(columns="_source_row").equals(before.drop(columns="_source_row"))


def test_a_200000_character_field_is_read_not_a_crash(college, tmp_path):
    root = sources(college, tmp_path, "xuegong")
    path = root / "xuegong/学生学籍.csv"
    text = path.read_bytes().decode("gbk").split("\r\n")
    huge = "江苏省" * 66_667 + "\n第二行"  # > 200,000 characters with a line break: the csv-module path
    fields = text[1].split(",")
    fields[6] = f'"{huge}"'
    text[1] = ",".join(fields)
    path.write_bytes("\r\n".join(text).encode("gbk"))
    df, _ = read_csv_export(path)
    assert df.loc[0, "生源地"] == huge and df.loc[1, "_source_row"] == 4  # row numbers as the editor shows
    assert len(_student(root).frame) == len(text) - 2


# ------------------------------------------------------------------------------------------ platform workbooks
def _platform(root: Path, table: str):
    return read_extract(CONTRACT[f"zhuangtai.{table}"], settings(root))


def _rename(old: str, new: str):
    def edit(wb):
        wb[old].title = new
    return edit


@pytest.mark.parametrize("edited", ["A6-1  校内专任教师 ", "Ａ６－１　校内专任教师", "A6-1 校内专任教师。"])
def test_sheet_name_differing_in_spaces_width_or_punctuation_is_read_with_a_notice(college, tmp_path, edited):
    root = sources(college, tmp_path, "zhuangtai")
    clean = _platform(root, "a6_1_fulltime_teacher")
    edit_workbook(platform_book(root), _rename("A6-1 校内专任教师", edited))
    ext = _platform(root, "a6_1_fulltime_teacher")
    assert len(ext.frame) == len(clean.frame)
    [note] = _notices(ext, "sheet_renamed")
    assert f"工作表名「{edited}」与标准名「A6-1 校内专任教师」" in note and "状态数据采集_2024-2025.xlsx" in note


def test_hidden_old_sheet_next_to_its_visible_fix_reads_the_visible_one(college, tmp_path):
    root = sources(college, tmp_path, "zhuangtai")
    book = platform_book(root)

    def edit(wb):
        fixed = wb.copy_worksheet(wb["A7-6-1 招生"])
        fixed.title = "A7-6-1招生"
        old = wb["A7-6-1 招生"]
        for row in old.iter_rows(min_row=2):
            for c in row[3:]:
                c.value = 0
        old.sheet_state = "hidden"
    clean = _platform(root, "a7_6_1_admission").frame
    edit_workbook(book, edit)
    ext = _platform(root, "a7_6_1_admission")
    assert ext.frame.drop(columns="_source_row").equals(clean.drop(columns="_source_row"))  # not the zeros
    assert any("隐藏的工作表「A7-6-1 招生」未读取" in n for n in _notices(ext, "sheet_hidden"))


def test_a_sheet_that_is_only_there_hidden_is_refused(college, tmp_path):
    root = sources(college, tmp_path, "zhuangtai")

    def hide(wb):
        wb["A7-6-1 招生"].sheet_state = "hidden"
    edit_workbook(platform_book(root), hide)
    with pytest.raises(SourceDataError) as err:
        _platform(root, "a7_6_1_admission")
    assert err.value.rule == "sheet_hidden" and err.value.sheet == "A7-6-1 招生"
    assert err.value.file == "状态数据平台/状态数据采集_2024-2025.xlsx" and "取消隐藏" in str(err.value)


def test_workbook_whose_sheets_say_another_year_is_refused_naming_both(college, tmp_path):
    root = sources(college, tmp_path, "zhuangtai")

    def wrong_year(wb):
        ws = wb["A1 院校基本信息"]
        col = [c.value for c in ws[1]].index("采集学年") + 1
        ws.cell(2, col).value = "2023-2024"
    edit_workbook(platform_book(root), wrong_year)
    with pytest.raises(SourceDataError) as err:
        _platform(root, "a7_1_1_major")  # every platform table refuses, not only A1
    e = err.value
    assert (e.file, e.sheet, e.column, e.value) == ("状态数据平台/状态数据采集_2024-2025.xlsx", "A1 院校基本信息",
                                                    "采集学年", "2023-2024")
    assert "文件名中的采集学年「2024-2025」" in str(e)


def test_a_sheet_missing_from_one_year_names_the_workbook_and_the_indicators_left_without_data(college, tmp_path):
    root = sources(college, tmp_path, "zhuangtai")
    full = _platform(root, "a6_3_external_teacher").frame

    def remove(wb):
        del wb["A6-3 校外兼职教师"]
    edit_workbook(platform_book(root), remove)
    ext = _platform(root, "a6_3_external_teacher")
    assert "状态数据平台/状态数据采集_2024-2025.xlsx" not in set(ext.frame["_source_file"])
    assert len(ext.frame) < len(full)
    [note] = _notices(ext, "sheet_missing")
    assert note.startswith("状态数据平台/状态数据采集_2024-2025.xlsx 工作表「A6-3 校外兼职教师」")
    assert "数据缺失" in note and "生师比" in note  # seeds/indicator_catalogue.csv: 状态数据平台 A1、A6-1、A6-3


def test_two_workbooks_for_one_year_use_the_newest_once(college, tmp_path):
    root = sources(college, tmp_path, "zhuangtai")
    before = _platform(root, "a7_1_1_major").frame
    book = touch(platform_book(root), OLD)
    touch(Path(shutil.copyfile(book, book.with_name("状态数据采集_2024-2025(1).xlsx"))), NEW)
    ext = _platform(root, "a7_1_1_major")
    assert len(ext.frame) == len(before)  # the year is not stacked twice
    assert "状态数据平台/状态数据采集_2024-2025(1).xlsx" in set(ext.frame["_source_file"])
    [note] = _notices(ext, "file_choice")
    assert "忽略 「状态数据采集_2024-2025.xlsx」" in note


# ------------------------------------------------------------------------------------------ 教务 database
@pytest.fixture
def jiaowu_db(college, tmp_path) -> Path:
    db = tmp_path / "jiaowu.sqlite"
    shutil.copyfile(college / "jiaowu/jiaowu.sqlite", db)
    return db


def _course(db_url: str, root: Path):
    return read_extract(CONTRACT["jiaowu.course"], settings(root, ZHENGAI_JIAOWU_URL=db_url))


def test_jiaowu_missing_table_names_the_table(jiaowu_db, tmp_path):
    drop_table(jiaowu_db, "course")
    with pytest.raises(SourceDataError, match=r"教务数据库中没有表 course（课程）") as err:
        _course(jiaowu_url(jiaowu_db), tmp_path)
    assert err.value.file == "jiaowu.course" and err.value.rule == "table_missing"


def test_jiaowu_locked_is_transient_and_says_locked(jiaowu_db, tmp_path):
    holder = sqlite3.connect(jiaowu_db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(SourceUnavailable, match="正被其他程序锁定"):
            _course(jiaowu_url(jiaowu_db, timeout="0.2"), tmp_path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(_course(jiaowu_url(jiaowu_db), tmp_path).frame) > 0  # released: the retry reads it


def test_jiaowu_corrupt_file_is_refused_and_left_as_it_was(jiaowu_db, tmp_path):
    data = bytearray(jiaowu_db.read_bytes())
    data[:4096] = bytes(range(256)) * 16
    jiaowu_db.write_bytes(bytes(data))
    with pytest.raises(SourceDataError, match="已损坏或不是 SQLite 数据库") as err:
        _course(jiaowu_url(jiaowu_db), tmp_path)
    assert err.value.rule == "db_corrupt" and str(jiaowu_db) in str(err.value)
    assert jiaowu_db.read_bytes() == bytes(data)


def test_jiaowu_missing_file_is_reported_and_never_created(tmp_path):
    missing = tmp_path / "jiaowu" / "jiaowu.sqlite"
    missing.parent.mkdir()
    with pytest.raises(SourceDataError, match="找不到教务数据库文件") as err:
        _course(jiaowu_url(missing), tmp_path)
    assert str(missing) in str(err.value) and not missing.exists()
    assert list(missing.parent.iterdir()) == []


def test_jiaowu_unreachable_server_is_transient(tmp_path):
    with pytest.raises(SourceUnavailable, match="无法连接教务数据库 127.0.0.1"):
        _course("postgresql+psycopg2://nobody@127.0.0.1:1/jiaowu", tmp_path)


# ------------------------------------------------------------------------------------------ runs
def test_a_second_run_stops_at_once_naming_the_run_in_progress(tmp_path):
    from pipelines.runlock import acquire

    home = tmp_path / "warehouse"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        acquire(home, "first-run", pid=sleeper.pid)
        env = {**os.environ, "ZHENGAI_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
        done = subprocess.run([sys.executable, "-m", "pipelines.cli", "run"], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert done.returncode == 75, done.stderr
    assert "另一个运行正在进行（运行 first-run，开始于 " in done.stderr
    assert not (home / "build").exists() and not (home / "gate_results.duckdb").exists()


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path):
    from pipelines.runlock import acquire, current, release

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    acquire(tmp_path, "killed-run", pid=dead.pid)
    acquire(tmp_path, "next-run")
    assert current(tmp_path).run_id == "next-run"
    release(tmp_path, "next-run")
    assert current(tmp_path) is None


def test_a_failed_step_reaches_the_user_as_one_chinese_line_and_status_says_failed(tmp_path, monkeypatch):
    import dagster as dg

    from pipelines.run import run_failures, status_text

    home = tmp_path / "warehouse"
    (home / "dagster").mkdir(parents=True)
    (home / "dagster" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))

    @dg.op
    def read_jiaowu():
        raise sqlite3.OperationalError("disk I/O error")

    @dg.op
    def gate():
        raise dg.Failure(description="教务/课程（数据库表 course）：无法连接教务数据库（已重试 3 次）")

    @dg.job
    def broken():
        read_jiaowu()
        gate()

    with dg.DagsterInstance.get() as instance:
        result = broken.execute_in_process(instance=instance, raise_on_error=False)
    lines = run_failures(result.all_events)
    assert sorted(lines) == sorted([
        "步骤「gate」失败：教务/课程（数据库表 course）：无法连接教务数据库（已重试 3 次）",
        "步骤「read_jiaowu」失败：程序错误（OperationalError：disk I/O error），请把这一行和 Dagster 运行日志交给平台管理员",
    ])
    status = status_text(settings(tmp_path / "src", ZHENGAI_HOME=str(home)))
    assert f"最近一次运行（{result.run_id}" in status and "失败，未发布" in status
    assert "全部阻断项通过" not in status and "无法连接教务数据库（已重试 3 次）" in status


def test_status_during_a_run_that_writes_the_gate_results_says_so(tmp_path, monkeypatch):
    """A run's ingest steps keep the audit file open for writing: `zhengai status` meanwhile says the results come
    after the run instead of failing on DuckDB's lock."""
    import duckdb

    from pipelines.gate import results_store
    from pipelines.run import AUDIT_BUSY_ZH, status_text

    home = tmp_path / "warehouse"
    (home / "dagster").mkdir(parents=True)
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    audit = home / "gate_results.duckdb"
    with duckdb.connect(str(audit)) as con:
        results_store.ensure_tables(con)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); time.sleep(120)", str(audit)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        status = status_text(settings(tmp_path / "src", ZHENGAI_HOME=str(home)))
    finally:
        holder.kill()
        holder.wait()
    assert AUDIT_BUSY_ZH in status
    assert AUDIT_BUSY_ZH not in status_text(settings(tmp_path / "src", ZHENGAI_HOME=str(home)))


def test_a_wrong_year_workbook_alone_goes_to_quarantine_with_both_years_in_the_report(college, tmp_path):
    import duckdb

    from pipelines.ingest.units import ingest_unit, source_units

    root = sources(college, tmp_path, "zhuangtai")

    def wrong_year(wb):
        ws = wb["A1 院校基本信息"]
        ws.cell(2, [c.value for c in ws[1]].index("采集学年") + 1).value = "2023-2024"
    edit_workbook(platform_book(root), wrong_year)
    home = tmp_path / "home"
    home.mkdir()
    s = settings(root, ZHENGAI_HOME=str(home))
    [unit] = [u for u in source_units() if u.system == "zhuangtai"]
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        outcome = ingest_unit(con, unit, s, "run-1", home / "gate_results.duckdb")
        loaded = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                             "AND table_name LIKE 'zhuangtai%'").fetchone()[0]
    assert outcome.blocked and loaded == 0  # nothing of the platform is loaded from this delivery
    assert [p.name for p in outcome.quarantined] == ["状态数据采集_2024-2025.xlsx"]
    assert not platform_book(root).exists() and len(list((root / "zhuangtai").glob("*.xlsx"))) == 4
    report = next((home / "quarantine").rglob("*问题报告.txt")).read_text(encoding="utf-8-sig")
    assert "「采集学年」列的值「2023-2024」与文件名中的采集学年「2024-2025」不一致" in report


def test_the_file_choice_is_stored_with_the_gate_results_and_listed_for_the_run(college, tmp_path):
    from pipelines.ingest.notices import run_notices, store_notices

    root = sources(college, tmp_path, "xuegong")
    touch(root / "xuegong/学生学籍.csv", OLD)
    shutil.copyfile(root / "xuegong/学生学籍.csv", root / "xuegong/学生学籍_20250901.csv")
    ext = _student(root)
    audit = tmp_path / "gate_results.duckdb"
    store_notices(audit, ext, "run-7")
    [line] = run_notices(audit, "run-7")
    assert line.startswith("学工/学生学籍_20250901.csv：文件夹中有 2 个可能是同一份导出（学生学籍.csv）的文件")
    assert run_notices(audit, "another-run") == []
