"""The gate on hand-built DataFrames: what a data clerk reads in the report, which rows, which severity."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.gate.runner import validate_table


def _validate(gate_repo, df, table="student", system="xuegong", lookups=None, source_file="学生学籍.csv"):
    return validate_table(
        df, gate_repo / "expectations" / system / f"{table}.json", source_system=system, source_table=table,
        source_file=source_file, sheet=None, batch_id="b1", lookups=lookups, seeds_dir=gate_repo / "seeds",
    )


def test_clean_students_pass_with_no_failure(gate_repo, students, majors):
    result = _validate(gate_repo, students, lookups={"jiaowu.major": majors})
    assert not result.blocking_failed
    assert result.failed() == []
    assert result.skipped == []
    assert "结论：通过，全部检查均符合" in result.report_zh()


def test_status_not_in_seed_code_list_is_blocking_with_rows_and_values(gate_repo, students, majors):
    students.loc[[0, 3], "status"] = "在校"  # _source_row 2 and 5
    result = _validate(gate_repo, students, lookups={"jiaowu.major": majors})
    assert result.blocking_failed
    [o] = result.failed()
    assert (o.column, o.severity, o.unexpected_count) == ("status", "blocking", 2)
    assert [(f.source_row, f.value) for f in o.failures] == [(2, "在校"), (5, "在校")]
    assert o.rule_zh == "学籍状态只能是代码表中的取值：在读、休学、退学、毕业"  # resolved from the seed
    assert ("学工/学生学籍.csv 第 2、5 行「学籍状态」列的值「在校」不在允许的取值（在读、休学、退学、毕业）中【阻断】"
            in result.report_zh())


def test_missing_id_card_is_only_a_warning(gate_repo, students, majors):
    students.loc[2, "id_card_no"] = None  # row 4
    result = _validate(gate_repo, students, lookups={"jiaowu.major": majors})
    assert not result.blocking_failed
    [o] = result.failed()
    assert (o.column, o.severity, [f.source_row for f in o.failures]) == ("id_card_no", "warning", [4])
    report = result.report_zh()
    assert "学工/学生学籍.csv 第 4 行「身份证号」列为空【提醒】" in report
    assert "结论：通过，已加载；有 1 项提醒" in report


def test_bad_id_card_format_is_a_warning_and_id_regex_is_blocking(gate_repo, students, majors):
    students.loc[1, "id_card_no"] = "3201021999"
    students.loc[4, "student_id"] = "S2023"
    result = _validate(gate_repo, students, lookups={"jiaowu.major": majors})
    by_col = {o.column: o for o in result.failed()}
    assert by_col["id_card_no"].severity == "warning"
    assert by_col["student_id"].severity == "blocking"
    assert "第 6 行「学号」列的值「S2023」格式不正确【阻断】" in result.report_zh()
    assert "规则：学号应为 10 位数字" in result.report_zh()


def test_duplicate_key_names_both_rows(gate_repo, students, majors):
    students.loc[3, "student_id"] = "2023000002"  # rows 3 and 5 now share a 学号
    result = _validate(gate_repo, students, lookups={"jiaowu.major": majors})
    [o] = result.failed()
    assert o.expectation_type == "expect_column_values_to_be_unique"
    assert sorted(f.source_row for f in o.failures) == [3, 5]
    assert "第 3、5 行「学号」列的值「2023000002」重复【阻断】" in result.report_zh()


def test_compound_key_duplicates_and_score_range(gate_repo):
    scores = pd.DataFrame({
        "student_id": ["2023000001", "2023000001", "2023000002", "2023000003"],
        "course_code": ["C01", "C01", "C01", "C02"],
        "term": ["2024-1", "2024-1", "2024-1", "2024-1"],
        "score": [88.0, 90.0, 101.0, -3.0],
        "_source_row": [2, 3, 4, 5],
    })
    result = _validate(gate_repo, scores, table="score", system="jiaowu", source_file=None,
                       lookups={"xuegong.student.student_id": ["2023000001", "2023000002", "2023000003"]})
    by_type = {o.expectation_type: o for o in result.failed()}
    dup = by_type["expect_compound_columns_to_be_unique"]
    assert [f.source_row for f in dup.failures] == [2, 3]
    assert dup.rule_zh == "学号、课程代码、学期的组合不能重复"
    rng = by_type["expect_column_values_to_be_between"]
    assert [(f.source_row, f.value) for f in rng.failures] == [(4, 101.0), (5, -3.0)]
    report = result.report_zh()
    assert "教务/成绩（数据库表 score） 第 4 条记录「总评成绩」列的值「101」超出范围（0–100）" in report
    assert "规则：成绩应在 0–100 之间" in report
    assert "文件已移入隔离区" not in report  # nothing is moved for a database source


def test_orphan_reference_is_blocking_and_names_the_lookup(gate_repo, students, majors):
    students.loc[1, "major_code"] = "999999"  # row 3
    result = _validate(gate_repo, students, lookups={"jiaowu.major": majors})
    [o] = result.failed()
    assert o.meta["value_set_from_table"] == "jiaowu.major.major_code"
    assert [(f.source_row, f.value) for f in o.failures] == [(3, "999999")]
    assert o.rule_zh == "专业代码必须是教务「专业」中已有的专业代码"
    assert "第 3 行「专业代码」列的值「999999」在教务「专业」的专业代码中找不到【阻断】" in result.report_zh()


def test_missing_lookup_is_reported_as_not_run_never_as_passed(gate_repo, students):
    result = _validate(gate_repo, students, lookups=None)
    [o] = result.skipped
    assert o.success is None and o.column == "major_code"
    assert "没有提供参照表 jiaowu.major" in result.report_zh()
    assert not result.blocking_failed


def test_missing_column_blocks_once_and_skips_its_other_checks(gate_repo, students, majors):
    result = _validate(gate_repo, students.drop(columns=["status"]), lookups={"jiaowu.major": majors})
    [o] = result.failed()
    assert (o.expectation_type, o.column, o.severity) == ("expect_column_to_exist", "status", "blocking")
    assert "学工/学生学籍.csv 缺少「学籍状态」列【阻断】" in result.report_zh()
    assert {s.skipped_reason for s in result.skipped} == {"缺少「学籍状态」列"}


def test_entry_year_range_and_failing_rows_table(gate_repo, students, majors):
    students.loc[0, "entry_year"] = 1999
    result = _validate(gate_repo, students, lookups={"jiaowu.major": majors})
    assert result.failing_rows() == [{
        "文件": "学生学籍.csv", "工作表": "", "行号": 2, "列": "入学年份", "值": "1999",
        "规则": "入学年份应在 2000–2030 之间", "严重程度": "阻断",
    }]


def test_rows_without_source_row_are_numbered_in_extract_order(gate_repo, majors):
    df = pd.DataFrame({"major_code": ["460103", "510101"], "major_name": ["甲", None]})
    result = _validate(gate_repo, df, table="major", system="jiaowu", source_file=None)
    [o] = result.failed()
    assert [f.source_row for f in o.failures] == [2]


def test_text_in_a_number_column_blocks_quoting_the_cell_never_as_empty(gate_repo):
    scores = pd.DataFrame({"student_id": ["2023000001"], "course_code": ["C01"], "term": ["2024-1"],
                           "score": ["缺考"], "_source_row": [2]})
    result = _validate(gate_repo, scores, table="score", system="jiaowu", source_file=None,
                       lookups={"xuegong.student.student_id": ["2023000001"]})
    [o] = result.failed()  # the type check only: not also 「为空」 from the required-column check
    assert (o.column, o.severity, o.expectation_type) == ("score", "blocking", "expect_column_values_to_be_readable")
    assert "教务/成绩（数据库表 score） 第 2 条记录「总评成绩」列的值「缺考」不是数字【阻断】" in result.report_zh()
    assert "为空" not in result.report_zh()


def test_unreadable_values_are_quoted_as_written_and_only_a_truly_empty_cell_is_empty(gate_repo, students, majors):
    students["entry_year"] = ["2023", "#REF!", "2022", None, "2021年"]
    result = _validate(gate_repo, students, lookups={"jiaowu.major": majors})
    report = result.report_zh()
    assert "第 3 行「入学年份」列的值「#REF!」是 Excel 的错误值（公式出错），请填写实际的值；" in report
    assert "第 6 行「入学年份」列的值「2021年」带单位「年」，本列只应填数字【阻断】" in report
    assert "第 5 行「入学年份」列为空【阻断】" in report
    rows = {(r["行号"], r["值"]) for r in result.failing_rows()}
    assert {(3, "#REF!"), (6, "2021年"), (5, "（空）")} <= rows


def test_text_extract_numbers_are_range_checked_and_blank_text_counts_as_empty(gate_repo, students, majors):
    students["entry_year"] = ["2023", "2023", "2031", "2020", "2021"]  # as a CSV reader gives them
    students.loc[4, "name"] = "  "
    result = _validate(gate_repo, students, lookups={"jiaowu.major": majors})
    by_col = {o.column: o for o in result.failed()}
    assert [(f.source_row, f.value) for f in by_col["entry_year"].failures] == [(4, "2031")]  # quoted as written
    assert [f.source_row for f in by_col["name"].failures] == [6]


@pytest.mark.parametrize("dtype", ["string[python]", "string[pyarrow]", "object"])
def test_reference_membership_is_judged_as_gx_judges_it(dtype):
    """Code lists and reference tables are checked by the runner itself (GX is slow with large value sets):
    the same counts, percentage and failing rows as GX's own expect_column_values_to_be_in_set."""
    import great_expectations as gx

    from pipelines.gate.runner import ExpectationOutcome, _batch_definition, _fill_membership

    column = pd.Series(["A1", "b2", None, "A1 ", "Z9", pd.NA, "C3", "Z9", "", "A1"], dtype="string").astype(dtype)
    frame = pd.DataFrame({"code": column, "_source_row": range(2, 12)})
    allowed = ["A1", "C3", ""]
    mine = ExpectationOutcome(index=0, expectation_type="expect_column_values_to_be_in_set", columns=("code",),
                              columns_zh=("代码",), severity="blocking", success=None, rule_zh="", kwargs={})
    _fill_membership(mine, frame["code"], frame, allowed)
    suite = gx.ExpectationSuite(name="parity", expectations=[
        gx.expectations.ExpectColumnValuesToBeInSet(column="code", value_set=allowed)])
    [r] = _batch_definition().get_batch(batch_parameters={"dataframe": frame}).validate(
        suite, result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False}).results
    assert (mine.success, mine.element_count, mine.unexpected_count) == (
        r.success, r.result["element_count"], r.result["unexpected_count"]) == (False, 10, 4)
    assert mine.unexpected_percent == r.result["unexpected_percent"]
    assert [f.source_row for f in mine.failures] == [int(i) + 2 for i in r.result["unexpected_index_list"]]
    assert [f.value for f in mine.failures] == ["b2", "A1 ", "Z9", "Z9"]


@pytest.mark.parametrize("rows", [5, 0])
def test_presence_and_emptiness_are_judged_as_gx_judges_them(rows):
    """Column presence and not-null are checked by the runner itself (GX's fixed cost per expectation): the same
    verdict, counts, percentage and failing rows as GX's own expectations, for every kind of empty a typed batch
    holds (pandas NA, None, NaN, NaT) and for an empty batch."""
    import great_expectations as gx
    import numpy as np

    from pipelines.gate.runner import (
        ExpectationOutcome,
        _batch_definition,
        _fill_column_exists,
        _fill_not_null,
    )

    frame = pd.DataFrame({
        "code": pd.Series(["A", None, "", pd.NA, "B"], dtype="string"),
        "num": [1.0, np.nan, 2.0, None, 3.0],
        "obj": pd.Series(["x", None, np.nan, "", pd.NaT], dtype=object),
        "day": pd.to_datetime(["2020-01-01", None, "2020-01-02", None, None]),
        "_source_row": range(2, 7)}).head(rows)
    columns = ["code", "num", "obj", "day"]
    suite = gx.ExpectationSuite(name="parity", expectations=[
        *(gx.expectations.ExpectColumnValuesToNotBeNull(column=c) for c in columns),
        gx.expectations.ExpectColumnToExist(column="code"), gx.expectations.ExpectColumnToExist(column="absent")])
    results = _batch_definition().get_batch(batch_parameters={"dataframe": frame}).validate(
        suite, result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False}).results
    theirs = {(r.expectation_config.type, r.expectation_config.kwargs["column"]): r for r in results}
    for c in columns:
        r = theirs["expect_column_values_to_not_be_null", c]
        mine = ExpectationOutcome(index=0, expectation_type="expect_column_values_to_not_be_null", columns=(c,),
                                  columns_zh=(c,), severity="blocking", success=None, rule_zh="")
        _fill_not_null(mine, frame[c], frame, frame["_source_row"].to_numpy(), set())
        assert (mine.success, mine.element_count, mine.unexpected_count, mine.unexpected_percent) == (
            r.success, r.result["element_count"], r.result["unexpected_count"], r.result["unexpected_percent"]), c
        assert mine.positions == r.result["unexpected_index_list"], c
        assert [f.source_row for f in mine.failures] == [p + 2 for p in r.result["unexpected_index_list"]], c
    for c, present in (("code", True), ("absent", False)):
        mine = ExpectationOutcome(index=0, expectation_type="expect_column_to_exist", columns=(c,), columns_zh=(c,),
                                  severity="blocking", success=None, rule_zh="")
        _fill_column_exists(mine, frame)
        assert (mine.success, mine.element_count, mine.positions) == (present, None, None)
        assert theirs["expect_column_to_exist", c].success is present
        assert theirs["expect_column_to_exist", c].result == {}  # GX gives no counts either
    if rows:
        assert [theirs["expect_column_values_to_not_be_null", c].result["unexpected_count"] for c in columns] == [
            2, 2, 3, 3]


@pytest.mark.parametrize("rows", [7, 0])
def test_ranges_and_row_counts_are_judged_as_gx_judges_them(rows):
    """Numeric ranges with plain bounds and row counts are checked by the runner itself (≈ 120 expectations a run,
    GX's fixed cost each): the same verdict, counts, percentage and failing rows as GX's own expectations — bounds
    inclusive, empty cells not judged — on the kinds of numeric column a typed batch holds."""
    import great_expectations as gx
    import numpy as np

    from pipelines.gate.runner import ExpectationOutcome, _batch_definition, _fill_between, _fill_row_count

    frame = pd.DataFrame({
        "int": [0, 5, 10, -1, 11, 10, 3],
        "float": [0.0, np.nan, 10.0, 10.000001, -0.5, 2.5, np.nan],
        "nullable": pd.Series([1, None, 120, 0, None, 100, 101], dtype="Int64"),
        "empty": [np.nan] * 7,
        "_source_row": range(2, 9)}).head(rows)
    cases = [("int", 0, 10), ("float", 0, 10), ("nullable", 1, 100), ("empty", 0, 1), ("int", None, 5),
             ("float", 3, None)]
    counts = [(0, 7), (7, None), (3, 5), (None, 6)]
    suite = gx.ExpectationSuite(name="parity", expectations=[
        *(gx.expectations.ExpectColumnValuesToBeBetween(column=c, min_value=lo, max_value=hi) for c, lo, hi in cases),
        *(gx.expectations.ExpectTableRowCountToBeBetween(min_value=lo, max_value=hi) for lo, hi in counts)])
    results = _batch_definition().get_batch(batch_parameters={"dataframe": frame}).validate(
        suite, result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False}).results
    theirs = {(r.expectation_config.kwargs.get("column"), r.expectation_config.kwargs.get("min_value"),
               r.expectation_config.kwargs.get("max_value")): r for r in results}  # GX reorders its results
    for c, lo, hi in cases:
        r = theirs[c, lo, hi]
        mine = ExpectationOutcome(index=0, expectation_type="expect_column_values_to_be_between", columns=(c,),
                                  columns_zh=(c,), severity="blocking", success=None, rule_zh="",
                                  kwargs={"column": c, "min_value": lo, "max_value": hi})
        _fill_between(mine, frame[c], frame, frame["_source_row"].to_numpy())
        assert (mine.success, mine.element_count, mine.unexpected_count, mine.unexpected_percent) == (
            r.success, r.result["element_count"], r.result["unexpected_count"], r.result["unexpected_percent"]), c
        assert mine.positions == r.result["unexpected_index_list"], (c, lo, hi)
        assert [f.source_row for f in mine.failures] == [p + 2 for p in r.result["unexpected_index_list"]]
    for lo, hi in counts:
        r = theirs[None, lo, hi]
        mine = ExpectationOutcome(index=0, expectation_type="expect_table_row_count_to_be_between", columns=(),
                                  columns_zh=(), severity="blocking", success=None, rule_zh="",
                                  kwargs={"min_value": lo, "max_value": hi})
        _fill_row_count(mine, len(frame))
        assert mine.success == r.success, (lo, hi)
        assert "unexpected_index_list" not in r.result  # table level: GX gives no counts either
    if rows:
        assert [theirs[case].result["unexpected_count"] for case in cases] == [2, 2, 3, 0, 3, 3]
