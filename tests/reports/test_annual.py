"""The annual report on the XS college: every number equals the warehouse, charts read the right cells, every sheet
is print-ready, a year without data is refused, and LibreOffice renders it (PDF → PNG artifacts)."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from report_helpers import read_table, run_cli

from pipelines.cli import main
from pipelines.reports.annual import CONDITION_FIELDS, SHEETS, TEACHER_FIELDS
from pipelines.reports.queries import shift_year

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "reports"
NO_DATA = "本学年无数据"


@pytest.fixture(scope="module")
def report(warehouse_home, latest_year, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("annual") / "annual.xlsx"
    mp = pytest.MonkeyPatch()
    mp.setenv("ZHENGAI_HOME", str(warehouse_home))
    try:
        assert run_cli(["report", "annual", "--year", latest_year, "--out", str(out)]) == 0
    finally:
        mp.undo()
    return out


@pytest.fixture(scope="module")
def wb(report):
    return load_workbook(report)


def years3(year: str) -> list[str]:
    return [shift_year(year, d) for d in (-2, -1, 0)]


def close(a, b) -> bool:
    return a == b or (isinstance(a, float | int) and isinstance(b, float | int) and math.isclose(a, b, rel_tol=1e-12))


# ---------------------------------------------------------------------- the asset in the annual job
def test_annual_job_wrote_the_report_of_the_latest_year(warehouse_home, latest_year):
    written = sorted((warehouse_home / "reports").glob("*.xlsx"))
    assert [p.name for p in written] == [f"江南职业技术学院_{latest_year}学年_人才培养工作状态数据分析报告.xlsx"]
    assert load_workbook(written[0]).sheetnames == [s for s, _, _ in SHEETS]


# ---------------------------------------------------------------------- numbers equal the warehouse
def test_school_indicator_tables_equal_the_indicator_values(wb, sql, latest_year):
    name_to_code = dict(sql("SELECT name_zh, indicator_code FROM ref.indicator_catalogue WHERE level = '学校'"))
    values = {(c, y): v for c, y, v in sql(
        "SELECT indicator_code, academic_year, value FROM indicators.fct_indicator_values WHERE level = '学校'")}
    lines = {c: (s, b) for c, s, b in sql(
        "SELECT indicator_code, standard_value, baseline_value FROM warnings.fct_warnings "
        "WHERE level = '学校' AND academic_year = ?", [latest_year])}
    checked = 0
    for table in ("conditions_indicators", "finance_indicators", "teacher_indicators", "student_indicators",
                  "summary_school"):
        _, _, rows, _ = read_table(wb, table)
        assert rows, table
        for row in rows:
            code = name_to_code[row["指标"]]
            for y in years3(latest_year):
                v = values.get((code, y))
                if v is None:
                    assert row[y] == NO_DATA, (table, code, y)
                else:
                    assert close(row[y], v), (table, code, y, row[y], v)
                    checked += 1
            std, base = lines.get(code, (None, None))
            assert close(row["学校标准值"], std) or (std is None and row["学校标准值"] == "—")
            assert close(row["国家标准"], base) or (base is None and row["国家标准"] == "—")
    assert checked > 20


def test_conditions_table_lists_every_national_line_with_its_verdict(wb, sql, latest_year):
    _, _, rows, _ = read_table(wb, "conditions_indicators")
    expected = [n for n, in sql("""
        SELECT c.name_zh FROM ref.national_baselines AS b JOIN ref.indicator_catalogue AS c USING (indicator_code)
        WHERE list_contains(string_split(b.school_type, '/'), (SELECT school_type FROM ref.school_profile))
          AND b.indicator_code <> 'SCH_FUNDING_PER_STU'""")]
    assert sorted(r["指标"] for r in rows) == sorted(expected)
    tiers = dict(sql("SELECT indicator_name, tier FROM warnings.fct_warnings WHERE level = '学校' AND academic_year = ?",
                     [latest_year]))
    for r in rows:
        t = tiers.get(r["指标"])
        want = {"达标": "达标", "达到目标": "达标", "黄": "不达标", "橙": "不达标", "红": "不达标"}.get(t, NO_DATA)
        assert r["达标情况"] == want, r


def test_input_tables_equal_the_marts(wb, sql, latest_year):
    ys = years3(latest_year)
    cond = {r[0]: r for r in sql(f"SELECT academic_year, {', '.join(f for f, *_ in CONDITION_FIELDS + TEACHER_FIELDS)} "
                                 "FROM marts.fct_school_conditions")}
    fields = [f for f, *_ in CONDITION_FIELDS + TEACHER_FIELDS]
    for table, spec in (("conditions_inputs", CONDITION_FIELDS), ("teacher_counts", TEACHER_FIELDS)):
        _, _, rows, _ = read_table(wb, table)
        for row, (field, label, *_rest) in zip(rows, spec, strict=False):
            assert row["项目"] == label
            for y in ys:
                want = cond[y][1 + fields.index(field)] if y in cond else None
                assert close(row[y], float(want)) if want is not None else row[y] == NO_DATA, (table, field, y)

    for flow, table in (("收入", "finance_income"), ("支出", "finance_expense")):
        _, headers, rows, _ = read_table(wb, table)
        sums = {(c, y): v for c, y, v in sql(
            "SELECT category_name, academic_year, sum(amount_wan) FROM marts.fct_finance WHERE flow = ? GROUP BY ALL",
            [flow])}
        assert rows[-1]["项目"] == "合计"
        for h, y in zip(headers[1:], ys, strict=True):
            for row in rows[:-1]:
                assert close(row[h], float(sums[(row["项目"], y)])), (table, row["项目"], y)
            assert close(rows[-1][h], sum(float(v) for (c, yy), v in sums.items() if yy == y))

    _, _, rows, _ = read_table(wb, "student_flow")
    flow = {r["项目"]: r for r in rows}
    for y in ys:
        plan, admitted, enrolled = sql("SELECT sum(plan_count), sum(admitted_count), sum(enrolled_count) "
                                       "FROM marts.fct_admission WHERE academic_year = ?", [y])[0]
        assert (flow["招生计划数"][y], flow["录取数"][y], flow["报到数"][y]) == (plan, admitted, enrolled)
        students = sql("SELECT count(*) FILTER (WHERE is_in_school) FROM marts.fct_enrolment WHERE academic_year = ?",
                       [y])[0][0]
        assert flow["在校生数"][y] == students
        grads, placed, salary = sql("SELECT count(*), count(*) FILTER (WHERE is_placed), avg(starting_salary) "
                                    "FROM marts.fct_employment WHERE academic_year = ?", [y])[0]
        if grads:
            assert (flow["毕业生数"][y], flow["落实去向人数（就业+升学）"][y]) == (grads, placed)
            assert close(flow["平均起薪（元/月）"][y], salary)

    _, _, rows, _ = read_table(wb, "college_flow")
    for r in rows:
        grads, placed = sql("SELECT count(*), count(*) FILTER (WHERE is_placed) FROM marts.fct_employment "
                            "WHERE academic_year = ? AND college_code = ?", [latest_year, r["学院代码"]])[0]
        assert (r["毕业生"], r["落实去向"]) == (grads, placed)
        assert close(r["去向落实率"], placed / grads) if grads else r["去向落实率"] == "—"


def test_level_summary_and_major_matrix_equal_the_warnings(wb, sql, latest_year):
    _, _, rows, _ = read_table(wb, "summary_levels")
    names = dict(sql("SELECT tier, name_zh FROM ref.warning_tiers"))
    for r in rows:
        counts = dict(sql("SELECT tier, count(*) FROM warnings.fct_warnings WHERE academic_year = ? AND level = ? "
                          "GROUP BY tier", [latest_year, r["层面"]]))
        if not counts:
            assert r["对象数"] == NO_DATA
            continue
        assert r["判定数"] == sum(counts.values())
        for tier, name in names.items():
            assert r[name] == counts.get(tier, 0), (r["层面"], tier)

    # the headline: warning cases (one per object × cycle), not per-indicator judgements
    _, _, rows, _ = read_table(wb, "summary_cases")
    for r in rows:
        [(n_cases, n_warned, n_red, yellow)] = sql(
            "SELECT count(*), count(DISTINCT entity_id), count(DISTINCT entity_id) FILTER (WHERE worst_tier = '红'), "
            "count(*) FILTER (WHERE worst_tier = '黄') FROM warnings.fct_warning_cases "
            "WHERE academic_year = ? AND level = ?", [latest_year, r["层面"]])
        assert (r["预警事项"], r["有预警的对象"], r["其中红色"], r[names["黄"]]) == (n_cases, n_warned, n_red, yellow)
        assert close(r["占比"], n_warned / r["对象数"])

    _, headers, rows, _ = read_table(wb, "major_matrix")
    code_of = dict(sql("SELECT name_zh, indicator_code FROM ref.indicator_catalogue WHERE level = '专业'"))
    values = {(e, c): v for e, c, v in sql(
        "SELECT entity_id, indicator_code, value FROM indicators.fct_indicator_values "
        "WHERE level = '专业' AND academic_year = ?", [latest_year])}
    assert len(rows) == sql("SELECT count(*) FROM marts.dim_major")[0][0]
    n = 0
    for r in rows:
        for h in headers[4:]:
            v = values.get((r["专业代码"], code_of[h]))
            assert close(r[h], v) if v is not None else r[h] == "—", (r["专业代码"], h)
            n += v is not None
    assert n > 0


def test_previous_cycle_review_counts_the_warnings_of_the_previous_cycle(wb, sql):
    _, _, rows, _ = read_table(wb, "issues_review")
    assert rows
    for r in rows:
        code = sql("SELECT indicator_code FROM ref.indicator_catalogue WHERE name_zh = ? AND level = ?",
                   [r["指标"], r["层面"]])[0][0]
        prev = sql("SELECT count(*) FROM warnings.fct_warnings WHERE indicator_code = ? AND period = ? AND is_warning",
                   [code, r["上一周期"]])[0][0]
        assert r["上期预警"] == prev
        assert r["本期已达标"] + r["仍预警已改善"] + r["仍预警未改善"] + r["本期无数据"] <= prev


# ---------------------------------------------------------------------- charts, colours, print setup
def test_trend_charts_read_the_trend_table_rows(wb, latest_year):
    ws, headers, rows, numbers = read_table(wb, "conditions_trend")
    charts = [c for c in ws._charts if type(c).__name__ == "LineChart"]
    plotted = len(rows) // 2
    assert plotted >= 3 and len(charts) == plotted
    sheet = f"'{ws.title}'"
    for i, chart in enumerate(charts):
        value_row, line_row = numbers[2 * i], numbers[2 * i + 1]
        refs = [s.val.numRef.f for s in chart.series]
        assert refs == [f"{sheet}!$B${value_row}:$D${value_row}", f"{sheet}!$B${line_row}:$D${line_row}"]
        assert chart.series[0].cat.strRef.f == f"{sheet}!$B${numbers[0] - 1}:$D${numbers[0] - 1}"
    assert headers[1:] == years3(latest_year)
    # the trend table repeats the indicator table's values
    _, _, ind_rows, _ = read_table(wb, "conditions_indicators")
    by_name = {r["指标"]: r for r in ind_rows}
    for k in range(0, len(rows), 2):
        name = rows[k]["指标"].split("（")[0]
        for y in years3(latest_year):
            want = by_name[name][y]
            assert rows[k][y] == ("" if want == NO_DATA else want) or close(rows[k][y], want)


def test_bar_charts_against_standards_and_by_level(wb):
    ws, _, rows, numbers = read_table(wb, "conditions_ratio")
    bars = [c for c in ws._charts if type(c).__name__ == "BarChart"]
    assert len(bars) == 1
    assert bars[0].series[0].val.numRef.f == f"'{ws.title}'!$D${numbers[0]}:$D${numbers[-1]}"
    for r in rows:
        assert close(r["达标程度"], r["本学年值"] / r["国家标准"]) or close(r["达标程度"], r["国家标准"] / r["本学年值"])

    ws, headers, _, numbers = read_table(wb, "summary_levels")
    (chart,) = ws._charts
    assert chart.grouping == "percentStacked" and len(chart.series) == 7
    colours = {s.tx.strRef.f: getattr(s.graphicalProperties.solidFill.srgbClr, "val",
                                      s.graphicalProperties.solidFill.srgbClr) for s in chart.series}
    first = headers.index("达到目标") + 1
    assert colours[f"'{ws.title}'!${get_column_letter(first)}${numbers[0] - 1}"] == "1E8E3E"


def test_every_section_has_its_charts(wb):
    expected_min = {"二(一)办学条件": 4, "二(二)经费": 3, "二(三)师资队伍": 2, "二(四)专业与课程": 1,
                    "二(五)招生与就业": 3, "三、达标与预警汇总": 1}
    for sheet, n in expected_min.items():
        assert len(wb[sheet]._charts) >= n, sheet


def test_tier_colours_come_from_the_warning_tiers_seed(wb, sql):
    colours = {name: c.lstrip("#").upper() for name, c in sql("SELECT name_zh, colour FROM ref.warning_tiers")}
    ws = wb["三、达标与预警汇总"]
    found = {}
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            text = rule.formula[0].strip('"')
            found[text] = rule.dxf.fill.bgColor.rgb[-6:]
    for name, colour in colours.items():
        assert found[name] == colour, name


def test_every_sheet_is_print_ready(wb, latest_year):
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1, ws.title
        assert ws.page_setup.fitToHeight == 0, ws.title
        assert ws.oddHeader.left.text == "江南职业技术学院", ws.title
        assert ws.oddHeader.right.text == f"{latest_year}学年", ws.title
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        if ws.title != "封面":
            assert ws.print_title_rows, ws.title


def test_numbers_are_numbers_with_formats_not_strings(wb):
    ws, _, rows, numbers = read_table(wb, "conditions_inputs")
    for r, row in zip(rows, numbers, strict=True):
        for col in (3, 4, 5):
            c = ws.cell(row=row, column=col)
            if c.value != NO_DATA:
                assert isinstance(c.value, int | float) and c.number_format != "General", (r["项目"], c.number_format)
    ws, _, rows, numbers = read_table(wb, "conditions_indicators")
    fmts = {ws.cell(row=n, column=9).number_format for n in numbers if isinstance(ws.cell(row=n, column=9).value, float)}
    assert {'#,##0"元"', '#,##0.00"㎡"', "0.0%"} <= fmts


# ---------------------------------------------------------------------- refusals
def test_a_year_without_data_is_refused_with_a_clear_message(env, tmp_path, capsys):
    out = tmp_path / "none.xlsx"
    assert main(["report", "annual", "--year", "2035-2036", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "2035-2036 学年在已发布的数据仓库中没有数据" in err and "有数据的学年" in err
    assert not out.exists() and not list(tmp_path.iterdir())
    assert main(["report", "annual", "--year", "2024", "--out", str(out)]) == 1
    assert "学年格式不正确" in capsys.readouterr().err


def test_no_published_warehouse_is_a_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ZHENGAI_HOME", str(tmp_path))
    assert main(["report", "annual", "--out", str(tmp_path / "x.xlsx")]) == 1
    assert "没有找到已发布的数据仓库" in capsys.readouterr().err


# ---------------------------------------------------------------------- LibreOffice renders it
def test_libreoffice_renders_the_report_to_pdf_and_png(report, tmp_path):
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        pytest.skip("LibreOffice（soffice）或 poppler-utils（pdftoppm）未安装：apt-get install "
                    "libreoffice-calc-nogui poppler-utils")
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(report)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / f"{report.stem}.pdf"
    assert pdf.exists() and pdf.stat().st_size > 50_000
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout if shutil.which("pdfinfo") else ""
    if info:
        pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
        assert pages >= len(SHEETS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("annual_p*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "6", str(pdf), str(ARTIFACTS / "annual_p")],
                   check=True, timeout=120)
    pngs = sorted(ARTIFACTS.glob("annual_p*.png"))
    assert len(pngs) == 6 and all(p.stat().st_size > 10_000 for p in pngs)
    shutil.copy(pdf, ARTIFACTS / "annual.pdf")
    print(f"\n渲染结果 / rendered pages: {ARTIFACTS}")
