"""Stored results (append-only audit tables) and the quarantine folder a clerk opens."""

from __future__ import annotations

import csv
import json
from datetime import datetime

import duckdb

from pipelines.gate.quarantine import quarantine
from pipelines.gate.results_store import store_result
from pipelines.gate.runner import validate_table


def _bad_students(gate_repo, students, majors, run_id="r1"):
    students.loc[[0, 3], "status"] = "在校"
    students.loc[2, "id_card_no"] = None
    return validate_table(
        students, gate_repo / "expectations/xuegong/student.json", source_system="xuegong",
        source_table="student", source_file="/drop/xuegong/学生学籍.csv", sheet=None, batch_id="b1",
        lookups={"jiaowu.major": majors}, run_id=run_id, seeds_dir=gate_repo / "seeds",
    )


def test_results_are_appended_per_expectation_and_per_run(gate_repo, students, majors, tmp_path):
    db = tmp_path / "audit.duckdb"
    result = _bad_students(gate_repo, students.copy(), majors, run_id="r1")
    store_result(db, result)
    store_result(db, _bad_students(gate_repo, students.copy(), majors, run_id="r2"))
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.sql("SELECT run_id, blocking_failed, n_expectations, n_failed_blocking, n_failed_warning "
                       "FROM audit.audit.validation_runs ORDER BY run_id").fetchall()
        assert runs == [("r1", True, len(result.outcomes), 1, 1), ("r2", True, len(result.outcomes), 1, 1)]
        row = con.sql("SELECT severity, success, element_count, unexpected_count, sample_values, rule_zh "
                      "FROM audit.audit.expectation_results WHERE run_id = 'r1' AND column_name = 'status' "
                      "AND NOT success").fetchone()
    severity, success, elements, unexpected, sample, rule = row
    assert (severity, success, elements, unexpected) == ("blocking", False, 5, 2)
    assert json.loads(sample) == [{"row": 2, "value": "在校"}, {"row": 5, "value": "在校"}]
    assert rule.startswith("学籍状态只能是")


def test_quarantine_moves_the_file_and_writes_a_notepad_readable_report(gate_repo, students, majors, tmp_path):
    source = tmp_path / "drop" / "学生学籍.csv"
    source.parent.mkdir()
    source.write_bytes(b"original bytes")
    result = _bad_students(gate_repo, students, majors)
    folder = quarantine(source, result, tmp_path / "quarantine", "r1", now=datetime(2026, 11, 24, 9, 30))
    assert folder == tmp_path / "quarantine" / "20261124_r1" / "xuegong"
    assert not source.exists() and (folder / "学生学籍.csv").read_bytes() == b"original bytes"
    report = (folder / "学生学籍.csv.问题报告.txt").read_bytes()
    assert report.startswith(b"\xef\xbb\xbf")  # BOM: Windows Notepad shows the Chinese
    assert "第 2、5 行「学籍状态」列的值「在校」" in report.decode("utf-8-sig")
    with (folder / "学生学籍.csv.问题明细.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["行号"], r["列"], r["值"], r["严重程度"]) for r in rows] == [
        ("2", "学籍状态", "在校", "阻断"), ("5", "学籍状态", "在校", "阻断"), ("4", "身份证号", "（空）", "提醒")]


def test_quarantine_never_overwrites_and_leaves_databases_alone(tmp_path):
    root = tmp_path / "q"
    for content in (b"first", b"second"):
        f = tmp_path / "财务.xlsx"
        f.write_bytes(content)
        folder = quarantine(f, "报告", root, "r9", system="caiwu", now=datetime(2026, 1, 2))
    assert (folder / "财务.xlsx").read_bytes() == b"first"
    assert (folder / "财务 (2).xlsx").read_bytes() == b"second"
    db_folder = quarantine("postgresql+psycopg2://u@h/db", "成绩表有问题", root, "r9", system="jiaowu",
                           now=datetime(2026, 1, 2))
    assert {p.name for p in db_folder.iterdir()} == {
        "database（数据库表）.问题明细.csv", "database（数据库表）.问题报告.txt"}
