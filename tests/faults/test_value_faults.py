"""Value-level fault corpus: every case in `value_cases.CASES` is either rejected with a message naming file, sheet,
row, column and the value as written, or cleaned to the right number — which is then asserted in the warehouse
(dbt staging built on the same batch). One simulated XS college and one staging build for the whole module."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines import simulator
from pipelines.config import load_settings
from pipelines.dbt_build import dbt_build
from pipelines.ingest.contract import load_contract
from pipelines.ingest.raw_store import load_batch
from pipelines.ingest.units import _validate, prepare
from tests.faults.value_cases import CASES, apply_all

CONTRACT = load_contract()
TABLES = sorted({c.table for c in CASES})


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("value_faults") / "sources"
    simulator.simulate(size="XS", seed=4, out=root)
    return root, apply_all(root)


@pytest.fixture(scope="module")
def gate(broken, tmp_path_factory):
    """{table: (extract, [GateResult])} — the gate on each broken table, as ingestion runs it."""
    root, _ = broken
    settings = load_settings({"ZHENGAI_SOURCES": str(root)})
    out = {}
    with duckdb.connect(str(tmp_path_factory.mktemp("gate") / "gate.duckdb")) as con:
        for key in TABLES:
            prepared = prepare(CONTRACT[key], settings, con)
            out[key] = (prepared.ext, _validate(prepared, con, "faults"))
    return out


# parity: dirty spellings (the list, plus what real exports do) in one 教务 table with a code, a date and a
# number column (评分: unit 分)
PARITY_NUMBERS = ["1,234.5", "１２３４", "(2.18)", "（2.18）", "￥1,234.50", "1.2E+05", "+5", "85分", "35.0人", "95%",
                  "4千", "4000-5000", "1,23", "-", "—", "/", "无", "#REF!", "#DIV/0!", "合计", "优秀", "12.5万元", " 7 ",
                  "1 234", "0.5", "１，２３４．５", "\u22125", "5-", "3.14.15", "Infinity", "NaN", "1e400", "0x1F",
                  "12345678901234567", "12,345,678.90", "2.5E3分", "\u300088\u3000", "88.", ".5", None, ""]
PARITY_DATES = ["2023-09-01", "2023/9/1", "2023.9.1", "2023年9月1日", "20230901", "45170", "45170.0",
                "２０２３－０９－０１", "2023-09-01 00:00:00", "2023-09-01T08:30:00", "2023 年 9 月 1 日", "2024年9月",
                "2024-09", "2023", "9/1/2023", "01/09/2024", "23-9-1", "2023-02-30", "1899-12-31", "2024.09.01.",
                "2024年09月01号", "60", "#N/A", "合计", "nan", None, ""]
PARITY_CODES = [" jn2010 0001 ", "ｚｃ－０１", "2024-2025-1", "nan", "None", "#N/A", "\u200bC01", "c 01", None, ""]
PARITY_TABLE = "jiaowu.supervisor_evaluation"


def _parity_frame():
    import pandas as pd

    n = max(len(PARITY_NUMBERS), len(PARITY_DATES), len(PARITY_CODES))
    return pd.DataFrame({
        "eval_id": [f"E{i:03d}" for i in range(n)],
        "semester_code": [PARITY_CODES[i % len(PARITY_CODES)] for i in range(n)],
        "teacher_id": "JN20100001", "course_code": "K460103", "supervisor_id": "JN20100002",
        "eval_date": [PARITY_DATES[i % len(PARITY_DATES)] for i in range(n)],
        "score": [PARITY_NUMBERS[i % len(PARITY_NUMBERS)] for i in range(n)],
        "grade": "优秀", "_source_row": range(1, n + 1)})


@pytest.fixture(scope="module")
def warehouse(broken, gate, tmp_path_factory) -> Path:
    """The broken tables (and the parity batch) loaded into raw as they are and staged by dbt: what would be
    published."""
    db = tmp_path_factory.mktemp("wh") / "work.duckdb"
    with duckdb.connect(str(db)) as con:
        for ext, _ in gate.values():
            t = ext.table
            load_batch(con, ext.frame, source_system=t.system, source_table=t.table, source_file=ext.source_file,
                       sheet=ext.sheet, content_hash=ext.content_hash)
        load_batch(con, _parity_frame(), source_system="jiaowu", source_table="supervisor_evaluation",
                   source_file="jiaowu.supervisor_evaluation")
    dbt_build(db, select=" ".join(f"stg_{k.replace('.', '__')}" for k in [*TABLES, PARITY_TABLE]))
    return db


def test_parity_a_value_the_gate_accepts_is_never_null_after_staging_and_one_it_cannot_read_is_reported(warehouse):
    import pandas as pd

    from pipelines.gate.runner import EXPECTATIONS_DIR, READABLE, validate_table

    frame = _parity_frame()
    result = validate_table(frame, EXPECTATIONS_DIR / "jiaowu" / "supervisor_evaluation.json", source_system="jiaowu",
                            source_table="supervisor_evaluation", source_file="jiaowu.supervisor_evaluation",
                            batch_id="parity")
    reported = {(o.columns[0], f.source_row): f for o in result.outcomes if o.expectation_type == READABLE
                for f in o.failures}
    # not read_only: dbt keeps its in-process connection to the file open
    with duckdb.connect(str(warehouse)) as con:
        staged = con.execute("SELECT _source_row, semester_code, eval_date, score "
                             "FROM staging.stg_jiaowu__supervisor_evaluation").fetchall()
    assert len(staged) == len(frame)
    checked = 0
    for row, *values in staged:
        for column, value in zip(("semester_code", "eval_date", "score"), values, strict=True):
            written = frame.loc[frame["_source_row"] == row, column].iloc[0]
            # an empty cell is missing in the frame (pandas ≥ 3 keeps it as NaN in a str column, which prints as
            # 'nan' — not to be confused with the text 'nan' a careless export writes)
            empty = pd.isna(written) or str(written).strip(" \u3000\u200b") == ""
            if (column, row) in reported:
                assert value is None, f"{column} 「{written}」 reported by the gate but published as {value!r}"
                assert reported[(column, row)].value == written and reported[(column, row)].reason
            elif not empty:
                assert value is not None, f"{column} 「{written}」 accepted by the gate but NULL after staging"
                checked += 1
            else:
                assert value is None
    assert checked >= 30 and len(reported) >= 30
    # the placeholders an export writes for an empty cell are reported as such, not passed as codes nor as 为空
    for row, written in frame[["_source_row", "semester_code"]].itertuples(index=False):
        if isinstance(written, str) and written in ("nan", "None"):
            assert "是表示空值的占位文字" in reported[("semester_code", row)].reason, written


@pytest.mark.parametrize("case", [c for c in CASES if c.expect == "reject"], ids=lambda c: c.id)
def test_unreadable_value_is_reported_with_file_sheet_row_column_and_value(case, broken, gate):
    _, rows = broken
    ext, results = gate[case.table]
    row = rows[case.id]
    hits = [(r, o, f) for r in results for o in r.failed() for f in o.failures
            if f.source_row == row and case.column_zh in (o.column_zh, o.column) and f.reason]
    assert hits, f"{case.id}: no problem reported for row {row}\n" + "\n".join(r.report_zh() for r in results)
    r, o, f = hits[0]
    assert str(f.value) == case.written
    assert case.reason in f.reason
    assert {"阻断": "blocking", "提醒": "warning"}[case.severity] == o.severity
    report = r.report_zh()
    line = f"第 {row} " + ("条记录" if case.system == "jiaowu" else "行")
    assert r.location_zh in report and line in report and f"「{o.column_zh}」列的值「{case.written}」" in report
    if case.sheet:
        assert f"「{case.sheet}」工作表" in report
    assert "为空" not in r.describe(o)
    if case.severity == "阻断":
        assert r.blocking_failed


@pytest.mark.parametrize("case", [c for c in CASES if c.expect == "clean"], ids=lambda c: c.id)
def test_odd_but_readable_value_is_accepted_and_published_as_the_right_number(case, broken, gate, warehouse):
    _, rows = broken
    _, results = gate[case.table]
    row = rows[case.id]
    flagged = [(o.rule_zh, f.value) for r in results for o in r.failed() for f in o.failures
               if f.source_row == row and o.expectation_type == "expect_column_values_to_be_readable"
               and case.column_zh in (o.column_zh, o.column)]
    assert flagged == [], f"{case.id}: the gate refused a readable value"
    model = f"stg_{case.table.replace('.', '__')}"
    where = "_source_row = ?" + (" AND _source_file LIKE '%2024-2025%'" if case.system == "zhuangtai" else "")
    # not read_only: dbt keeps its in-process connection to the file open
    with duckdb.connect(str(warehouse)) as con:
        got = con.execute(f"SELECT {case.column} FROM staging.{model} WHERE {where}", [row]).fetchall()
    assert len(got) == 1, f"{case.id}: row {row} not in {model}"
    value = got[0][0]
    expected = case.expected
    if isinstance(expected, str):
        expected = date.fromisoformat(expected)
    elif isinstance(expected, float):
        expected = Decimal(str(expected))
    assert value == expected, f"{case.id}: 「{case.written}」 published as {value!r}"


def test_corpus_covers_every_system_and_both_outcomes():
    assert len(CASES) >= 25
    assert {c.system for c in CASES} == {"jiaowu", "renshi", "xuegong", "caiwu", "zhuangtai"}
    assert {c.expect for c in CASES} == {"reject", "clean"}
    assert len({(c.path, c.sheet, c.column_zh, c.data_index) for c in CASES}) == len(CASES)  # distinct cells


@pytest.fixture(scope="module")
def clean_college(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("plausible") / "sources"
    simulator.simulate(size="XS", seed=4, out=root)
    return root


def _gate(root: Path, key: str):
    with duckdb.connect() as con:
        return _validate(prepare(CONTRACT[key], load_settings({"ZHENGAI_SOURCES": str(root)}), con), con, "faults")


@pytest.mark.parametrize("kind, key, text", [
    ("finance_in_yuan", "caiwu.income", "写明的金额单位是「元」，本系统按「万元」读取"),
    ("negative_counts", "xuegong.admission", "「报到数」列的值「-12」小于 0【阻断】"),
    ("part_exceeds_whole", "xuegong.admission", "不合理：报到数大于录取数【阻断】"),
    ("unit_in_cells", "xuegong.employment", "「起薪(元)」列的值「4千」用汉字写了数量级"),
])
def test_simulator_value_faults_are_caught_by_the_gate(clean_college, tmp_path, kind, key, text):
    assert not any(r.blocking_failed for r in _gate(clean_college, key))
    broken_root = tmp_path / kind
    fault = simulator.inject_fault(kind, clean_college, broken_root, seed=2)
    results = _gate(broken_root, key)
    report = "\n".join(r.report_zh() for r in results)
    assert text in report, report
    if kind == "unit_in_cells":  # optional column: a 提醒, and 4500元 is read as 4500
        assert not any(r.blocking_failed for r in results)
        assert "4500元" not in report
    else:
        assert any(r.blocking_failed for r in results)
    for line in fault.details.get("lines", [])[:1]:
        assert f"第 {line}" in report


def test_platform_year_over_year_jump_is_a_warning_naming_both_years(clean_college, tmp_path):
    import openpyxl

    root = tmp_path / "yoy"
    shutil.copytree(clean_college, root)
    book = root / "zhuangtai" / "状态数据采集_2024-2025.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["A3 基本办学条件"]
    col = [c.value for c in ws[1]].index("纸质图书(册)") + 1
    before = ws.cell(2, col).value
    ws.cell(2, col).value = before * 10  # a copy-paste slip: one digit too many
    wb.save(book)
    assert not any(o.failed for r in _gate(clean_college, "zhuangtai.a3_conditions") for o in r.outcomes
                   if o.expectation_type == "expect_no_year_over_year_jump")
    results = _gate(root, "zhuangtai.a3_conditions")
    report = "\n".join(r.report_zh() for r in results)
    assert (f"状态数据采集_2024-2025.xlsx「A3 基本办学条件」工作表 第 2 行「纸质图书(册)」列的值「{int(before * 10)}」"
            f"与上一采集学年（2023-2024：") in report
    assert "【提醒】" in report and not any(r.blocking_failed for r in results)
