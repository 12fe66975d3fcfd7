"""Per-department self-diagnosis workbooks (各部门/各层面 自我诊断报告; DOMAIN.md §8, plan 表9 自主诊改阶段).

    write_department("D08", "2024-2025", out_dir)                    # one department (code or name)
    write_departments("2024-2025", out_dir)                          # every department in ref.org_departments
    write_department("C01", "2025-2026", out_dir, previous=last_year) # keep what C01 filled in last cycle

A department's scope: everything it is responsible for (fct_warnings.responsible_dept) plus, for a 二级学院,
every object it owns (college_code). Sheets: 基本情况 · 诊改现状 · 问题诊断 · 改进措施与成效.

改进措施与成效 has one row per 诊改事项 (spiral.fct_improvement_cases: one consolidated warning of an object and
cycle) keyed by 事项编号 (case_id). The columns marked （部门填写） are the department's answer (原因、措施、责任人、
完成时限 …; their labels are the 诊改反馈 source contract, seeds/source_columns.csv system fankui): the workbook
goes back into the returns folder (ZHENGAI_RETURNS_DIR) and the next run loads the answers into the warehouse.
Answers already in the warehouse are written into the new workbook; pass last cycle's workbook with `previous=`
and every value typed there is carried over to the row with the same 事项编号 (values whose 事项 no longer
exists are kept in a table at the bottom, so nothing typed is ever lost).
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pipelines.ingest.contract import load_contract
from pipelines.reports import ReportError
from pipelines.reports import queries as q
from pipelines.reports.annual import cell, fmt_of, save_atomically
from pipelines.reports.styles import FMT_INT, FMT_PCT, FONT_NAME, Col, SheetWriter

REPORT_TITLE = "自我诊断报告"
IMPROVE_SHEET = "改进措施与成效"
_ANSWER = load_contract()["fankui.answer"]  # the returned workbook is a source: its columns are the contract
KEY_HEADER = next(c.label for c in _ANSWER.columns if c.primary_key)  # 事项编号
FILL_HEADERS = [c.label for c in _ANSWER.columns if not c.primary_key]  # 原因分析（部门填写）…
ANSWER_FIELDS = {c.label: c.id for c in _ANSWER.columns if not c.primary_key}  # header → fct_improvement_cases column
DEADLINE_HEADER = next(c.label for c in _ANSWER.columns if c.type == "date")
STATUS_CHOICES = ["已完成", "进行中", "未开始", "无需整改"]
FILL_COLOUR = "FFF8E1"
DIAGNOSIS_LEVELS = ("学校", "专业", "课程", "教师")  # warnings listed one by one; 学生: grouped (and listed for a 学院)
PASS_WORD = {"达到目标": "是", "达标": "是", "黄": "否", "橙": "否", "红": "否", "数据缺失": "无数据", "无标准": "未设标准"}


@dataclass
class Carry:
    """What came over from the previous workbook."""

    previous: Path | None = None
    carried: int = 0  # rows whose filled-in values were carried over
    orphaned: list[dict[str, Any]] = field(default_factory=list)  # filled rows with no 事项 this cycle


def resolve_dept(w: q.Warehouse, dept: str) -> dict[str, Any]:
    depts = q.departments(w)
    for d in depts:
        if dept in (d["dept_code"], d["dept_name"]) or dept.upper() == d["dept_code"]:
            return d
    listing = "、".join(f"{d['dept_code']} {d['dept_name']}" for d in depts)
    raise ReportError(f"未知部门：“{dept}”。可用的部门代码或名称：{listing}")


def default_name(d: dict[str, Any], year: str) -> str:
    return f"{d['dept_code']}_{d['dept_name']}_{year}学年_{REPORT_TITLE}.xlsx"


def default_out_dir(year: str) -> Path:
    return q.serving_path().parent / "reports" / "departments" / year


# ---------------------------------------------------------------------- previous workbook
def read_filled(previous: Path) -> dict[str, dict[str, Any]]:
    """事项编号 → {fill header: value} for every row of the previous workbook's 改进措施 sheet with a value typed in."""
    try:
        wb = load_workbook(previous, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same clear message
        raise ReportError(f"无法读取上一周期的工作簿 {previous}：{exc}") from exc
    if IMPROVE_SHEET not in wb.sheetnames:
        raise ReportError(f"{previous} 中没有“{IMPROVE_SHEET}”工作表，无法沿用上一周期填写的内容。")
    ws = wb[IMPROVE_SHEET]
    filled: dict[str, dict[str, Any]] = {}
    header: dict[str, int] | None = None
    for row in ws.iter_rows(values_only=True):
        values = list(row)
        if KEY_HEADER in values and any(h in values for h in FILL_HEADERS):
            header = {str(v): i for i, v in enumerate(values) if v is not None}
            continue
        if header is None or not values:
            continue
        key = values[header[KEY_HEADER]] if header[KEY_HEADER] < len(values) else None
        if not key:
            continue
        got = {h: values[header[h]] for h in FILL_HEADERS
               if h in header and header[h] < len(values) and values[header[h]] not in (None, "")}
        if got:
            filled[str(key)] = filled.get(str(key), {}) | got
    return filled


# ---------------------------------------------------------------------- queries (scope of one department)
def _scope_sql(alias: str = "w") -> str:
    return f"({alias}.responsible_dept = ? OR {alias}.college_code = ?)"


def scope_warnings(w: q.Warehouse, code: str, year: str, levels: Sequence[str]) -> list[dict[str, Any]]:
    marks = ", ".join("?" for _ in levels)
    return w.rows(f"""
        SELECT w.* FROM warnings.fct_warnings AS w
        WHERE w.academic_year = ? AND {_scope_sql()} AND w.level IN ({marks})
        ORDER BY list_position(['学校', '专业', '课程', '教师', '学生'], w.level), w.entity_id, w.indicator_code,
                 w.period""", [year, code, code, *levels])


def scope_level_summary(w: q.Warehouse, code: str, year: str) -> list[dict[str, Any]]:
    cols = ", ".join(f"count(*) FILTER (WHERE w.tier = '{t}') AS \"{t}\"" for t in q.TIER_ORDER)
    return w.rows(f"""
        WITH cat AS (SELECT indicator_code, row_number() OVER () AS o FROM ref.indicator_catalogue)
        SELECT w.level, w.indicator_code, any_value(w.indicator_name) AS indicator_name, any_value(w.unit) AS unit,
               count(DISTINCT w.entity_id) AS n_entities, count(*) AS n_judged, {cols},
               count(*) FILTER (WHERE w.is_warning) AS n_warnings
        FROM warnings.fct_warnings AS w LEFT JOIN cat USING (indicator_code)
        WHERE w.academic_year = ? AND {_scope_sql()}
        GROUP BY w.level, w.indicator_code
        ORDER BY list_position(['学校', '专业', '课程', '教师', '学生'], w.level), min(cat.o)""",
                  [year, code, code])


def scope_warning_rows(w: q.Warehouse, code: str, year: str, levels: Sequence[str],
                       scope: str | None = None) -> list[dict[str, Any]]:
    """Every warning (indicator over a line) of the year in the department's scope (`scope` overrides the SQL
    condition), with the 诊改事项 (case of its object and cycle) it belongs to."""
    marks = ", ".join("?" for _ in levels)
    cond, params = (scope, [code]) if scope else (_scope_sql(), [code, code])
    return w.rows(f"""
        SELECT w.level, w.entity_id, w.entity_name, w.period, w.indicator_code, w.indicator_name, w.unit, w.value,
               w.standard_value, w.baseline_value, w.target_value, w.tier, w.tier_name, w.severity_rank,
               w.reason_zh, w.responsible_dept_name, w.assisting_dept_names, c.case_id, c.status_zh
        FROM warnings.fct_warnings AS w
        LEFT JOIN spiral.fct_improvement_cases AS c
          ON c.level = w.level AND c.entity_id = w.entity_id AND c.cycle = w.period
        WHERE w.academic_year = ? AND w.is_warning AND {cond} AND w.level IN ({marks})
        ORDER BY list_position(['学校', '专业', '课程', '教师', '学生'], w.level), w.severity_rank DESC,
                 w.indicator_code, w.entity_id, w.period""", [year, *params, *levels])


def scope_student_warning_groups(w: q.Warehouse, code: str, year: str) -> list[dict[str, Any]]:
    """Student warnings (the student warning rules, not per indicator) grouped by 类别 × tier."""
    return w.rows(f"""
        SELECT w.warning_type AS indicator_name, w.tier, any_value(w.tier_name) AS tier_name, count(*) AS n,
               count(DISTINCT w.student_id) AS n_entities, any_value(w.assisting_dept_names) AS assisting_dept_names,
               arg_max(w.reason_zh, coalesce(w.failed_credits, w.truant_hours, 0)) AS example_reason
        FROM warnings.fct_student_warnings AS w
        WHERE w.academic_year = ? AND {_scope_sql()}
        GROUP BY w.warning_type, w.tier
        ORDER BY w.warning_type, max(w.severity_rank) DESC""", [year, code, code])


def college_student_warning_rows(w: q.Warehouse, code: str, year: str) -> list[dict[str, Any]]:
    """The student warnings of a 二级学院's students, in the columns of the warning list."""
    return w.rows("""
        SELECT '学生' AS level, w.student_name AS entity_name, w.warning_name_zh AS indicator_name,
               w.semester_code AS period, 'STU' AS indicator_code, NULL AS unit, NULL AS standard_value,
               NULL AS baseline_value, coalesce(w.failed_courses, w.truant_hours) AS value, w.tier_name,
               w.reason_zh, NULL AS status_zh, w.assisting_dept_names
        FROM warnings.fct_student_warnings AS w
        WHERE w.academic_year = ? AND w.college_code = ?
        ORDER BY w.severity_rank DESC, w.warning_type, w.student_id, w.semester_code""", [year, code])


def scope_case_counts(w: q.Warehouse, code: str, year: str) -> dict[str, int]:
    """The department's headline numbers, counted in 诊改事项 (one per object × cycle, spiral.fct_improvement_cases):
    the year's cases, the red ones, and the cases still open (this year and earlier)."""
    [row] = w.rows("""
        SELECT count(*) FILTER (WHERE i.academic_year = ?) AS n_cases,
               count(*) FILTER (WHERE i.academic_year = ? AND i.worst_tier = '红') AS n_red,
               count(*) FILTER (WHERE i.is_open) AS n_open
        FROM spiral.fct_improvement_cases AS i
        WHERE (i.responsible_dept_code = ? OR i.college_code = ?) AND i.academic_year <= ?""",
                   [year, year, code, code, year])
    return row


def scope_items(w: q.Warehouse, code: str, year: str) -> list[dict[str, Any]]:
    """诊改事项 of the department: the year's cases plus earlier ones still open, most urgent first."""
    return w.rows("""
        SELECT i.* FROM spiral.fct_improvement_cases AS i
        WHERE (i.responsible_dept_code = ? OR i.college_code = ?)
          AND (i.academic_year = ? OR (i.academic_year < ? AND i.is_open))
        ORDER BY i.priority, list_position(['学校', '专业', '课程', '教师', '学生'], i.level), i.cycle DESC,
                 i.entity_id""", [code, code, year, year])


def scope_targets(w: q.Warehouse, code: str, year: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    items = w.rows("""
        SELECT t.*, c.decimals FROM spiral.fct_target_achievement_items AS t
        LEFT JOIN ref.indicator_catalogue AS c USING (indicator_code)
        WHERE t.dept_code = ? AND t.academic_year = ?
        ORDER BY t.target_kind, t.plan_item_id, t.indicator_code""", [code, year])
    total = w.rows("SELECT * FROM spiral.fct_target_achievement WHERE dept_code = ? AND academic_year = ?",
                   [code, year])
    return items, (total[0] if total else None)


def dept_facts(w: q.Warehouse, d: dict[str, Any], year: str) -> list[tuple[str, Any]]:
    code = d["dept_code"]
    facts: list[tuple[str, Any]] = []
    if d["dept_type"] in ("二级学院", "公共教学部门"):
        majors = w.scalar("SELECT count(*) FROM marts.dim_major WHERE college_code = ?", [code])
        students = w.scalar("SELECT count(*) FROM marts.fct_enrolment WHERE college_code = ? AND academic_year = ? "
                            "AND is_in_school", [code, year])
        teachers = w.scalar("SELECT count(*) FROM marts.dim_teacher WHERE dept_code = ?", [code])
        courses = w.scalar("SELECT count(DISTINCT course_code) FROM marts.fct_teaching_task AS t "
                           "JOIN marts.dim_course AS c USING (course_code) WHERE c.dept_code = ? AND t.academic_year = ?",
                           [code, year])
        facts += [("专业数", (majors, FMT_INT)), (f"{year}学年在校生", (students, FMT_INT)),
                  ("专任教师（人事名册）", (teachers, FMT_INT)), (f"{year}学年开设课程", (courses, FMT_INT))]
    staff = w.scalar("SELECT count(*) FROM marts.dim_staff WHERE dept_code = ?", [code])
    facts.append(("教职工（人事名册）", (staff, FMT_INT)))
    n_resp = w.scalar("SELECT count(*) FROM ref.indicator_catalogue WHERE responsible_dept = ?", [code])
    facts.append(("牵头负责的指标（指标目录）", (n_resp, FMT_INT)))
    return facts


# ---------------------------------------------------------------------- the workbook
def build_department(w: q.Warehouse, dept: str, year: str, *, previous: Path | None = None) -> tuple[Workbook, Carry]:
    q.require_year(w, year)
    d = resolve_dept(w, dept)
    code = d["dept_code"]
    college = q.profile(w)["school_name"]
    tiers = q.tiers(w)
    tier_names = {t["tier"]: t["name_zh"] for t in tiers}
    colours = {t["name_zh"]: t["colour"] for t in tiers}
    cat = {c["indicator_code"]: c for c in q.catalogue(w)}
    carry = Carry(previous=previous)
    is_college = d["dept_type"] in ("二级学院", "公共教学部门")
    filled = read_filled(previous) if previous else {}
    title = f"{d['dept_name']}{REPORT_TITLE}"
    version = w.version()

    def sheet(wb: Workbook, name: str, heading: str, width_cols: int) -> SheetWriter:
        return SheetWriter(wb.create_sheet(name), title=heading, width_cols=width_cols, tier_colours=colours,
                           subtitle=f"{college} · {d['dept_name']} · {year}学年 · 数据版本 {version}")

    def finish(sw: SheetWriter, landscape: bool = True, title_rows: str | None = "table") -> None:
        """Long lists repeat their table header on every page; other sheets their title rows."""
        rows = f"{sw.first_table_header}:{sw.first_table_header}" if title_rows == "table" else None
        sw.finish(college=college, year=year, report_title=title, landscape=landscape, title_rows=rows)

    wb = Workbook()
    wb.remove(wb.active)

    # ---- 一、基本情况
    sw = sheet(wb, "基本情况", f"一、基本情况 — {d['dept_name']}", 6)
    start, end = int(year[:4]), int(year[5:])
    info = [("部门代码", code), ("部门名称", d["dept_name"]), ("部门类型", d["dept_type"]),
            ("诊改学年", f"{year}（{start}年9月1日至{end}年8月31日）"), *dept_facts(w, d, year)]
    summary = scope_level_summary(w, code, year)
    counts = scope_case_counts(w, code, year)
    info += [("本学年预警事项（责任或所属对象）", (counts["n_cases"], FMT_INT)),
             (f"其中{tier_names['红']}事项", (counts["n_red"], FMT_INT)),
             ("未关闭的诊改事项（含往年）", (counts["n_open"], FMT_INT))]
    sw.table([Col("项目", 28), Col("内容", 44)], info, name="dept_info")
    sw.heading("牵头负责的指标")
    resp = [c for c in cat.values() if c["responsible_dept"] == code]
    sw.table([Col("层面", 8), Col("指标", 22), Col("单位", 8), Col("周期", 8), Col("计算方法", 44),
              Col("数据来源", 30)],
             [(c["level"], c["name_zh"], c["unit"], c["cycle"], c["formula_zh"], c["data_source_zh"]) for c in resp],
             name="dept_indicators", empty_text="本部门不牵头负责指标目录中的指标")
    finish(sw, title_rows=None)

    # ---- 二、诊改现状
    sw = sheet(wb, "诊改现状", "二、诊改现状", 10)
    sw.heading("（一）目标链任务完成情况")
    titems, ttotal = scope_targets(w, code, year)
    trows = []
    for t in titems:
        f = fmt_of({"unit": t["unit"], "decimals": t["decimals"]})
        trows.append((t["target_kind"], t["plan_item_id"] or "—", t["indicator_name"] or t["target_text_zh"] or "—",
                      t["indicator_level"] or "—", cell(t["target_value"], f, empty=t["target_text_zh"] or "—"),
                      cell(t["actual_value"], f, empty="—"), cell(t["achievement_ratio"], FMT_PCT, empty="—"),
                      t["status_zh"]))
    sw.table([Col("目标类别", 12), Col("规划事项", 9), Col("目标（指标）", 24), Col("层面", 8), Col("目标值", 12),
              Col("实际值", 12), Col("达成比", 10), Col("状态", 10)], trows, name="dept_targets",
             tier_cols=("状态",), empty_text="本学年没有分解到本部门的目标")
    if ttotal:
        sw.note(f"目标达成度：量化且有数据的目标 {ttotal['n_measured']} 项，达成 {ttotal['n_achieved']} 项"
                + (f"，达成度 {ttotal['achievement_rate']:.1%}" if ttotal["achievement_rate"] is not None else "")
                + f"；定性目标 {ttotal['n_qualitative']} 项需人工确认。")
    sw.heading("（二）指标达标情况（学校、专业层面逐项）")
    rows = []
    for r in scope_warnings(w, code, year, ("学校", "专业")):
        ind = cat.get(r["indicator_code"], {"unit": r["unit"], "decimals": None})
        f = fmt_of(ind)
        rows.append((r["level"], r["entity_name"], r["indicator_name"], r["period"],
                     cell(r["target_value"], f, empty="—"), cell(r["standard_value"], f, empty="—"),
                     cell(r["baseline_value"], f, empty="—"), cell(r["value"], f),
                     PASS_WORD.get(r["tier"], r["tier"]), tier_names.get(r["tier"], r["tier"])))
    sw.table([Col("层面", 8), Col("对象", 18), Col("指标", 20), Col("周期", 12), Col("目标值", 11), Col("标准值", 11),
              Col("国家标准", 11), Col("当前值", 11), Col("是否达标", 9, align="center"),
              Col("等级", 10, align="center")], rows, name="dept_indicator_status",
             tier_cols=("是否达标", "等级"), empty_text="本学年没有本部门负责的学校、专业层面指标")
    sw.heading("（三）各层面指标判定汇总")
    tier_headers = [tier_names.get(t, t) for t in q.TIER_ORDER]
    sw.table([Col("层面", 8), Col("指标", 20), Col("对象数", 9), Col("判定数", 9),
              *(Col(h, 9) for h in tier_headers)],
             [(r["level"], r["indicator_name"], (r["n_entities"], FMT_INT), (r["n_judged"], FMT_INT),
               *((r[t], FMT_INT) for t in q.TIER_ORDER)) for r in summary], name="dept_level_summary")
    finish(sw, title_rows=None)

    # ---- 三、问题诊断
    sw = sheet(wb, "问题诊断", "三、问题诊断", 10)
    warns = scope_warning_rows(w, code, year, DIAGNOSIS_LEVELS)
    groups = scope_student_warning_groups(w, code, year)
    n_students = sum(g["n"] for g in groups)
    n_cases = len({r["case_id"] for r in warns})
    sw.paragraph(f"本学年本部门负责或所属对象的预警：学校、专业、课程、教师层面越线指标 {len(warns):,} 条（属于 {n_cases:,} 个"
                 f"预警事项），逐条列出并附原因说明（对象、周期、指标、当前值、越过的标准线）；学生层面 {n_students:,} 次，"
                 f"按类别与等级汇总"
                 + ("，名单见“附：学生预警名单”。" if is_college else "，学生名单由各二级学院的自我诊断报告列出。"))
    sw.table(WARNING_COLS, [_warning_row(r, cat) for r in warns], name="dept_warnings", tier_cols=("等级",),
             empty_text="本学年没有预警")
    sw.heading("学生层面预警（学生预警规则，按类别与等级汇总）")
    sw.table([Col("预警类别", 16), Col("等级", 9, align="center"), Col("预警次数", 10), Col("学生数", 10),
              Col("典型原因", 60), Col("协助部门", 20)],
             [(g["indicator_name"], g["tier_name"], (g["n"], FMT_INT), (g["n_entities"], FMT_INT),
               g["example_reason"], g["assisting_dept_names"] or "—") for g in groups],
             name="dept_student_warning_groups", tier_cols=("等级",), empty_text="本学年没有学生层面预警")
    finish(sw)
    if is_college:
        sw = sheet(wb, "附：学生预警名单", "附：学生预警名单", 10)
        students = college_student_warning_rows(w, code, year)
        sw.table(WARNING_COLS, [_warning_row(r, cat) for r in students], name="dept_student_warnings",
                 tier_cols=("等级",), empty_text="本学年没有学生预警")
        finish(sw)

    # ---- 四、改进措施与成效
    sw = sheet(wb, IMPROVE_SHEET, "四、改进措施与成效", 15)
    sw.paragraph("黄色底纹的列（部门填写）由本部门填写：原因分析、改进措施、责任人、完成时限（不早于交回当天）；"
                 "填好后把本工作簿放回诊改反馈目录（ZHENGAI_RETURNS_DIR），下一次运行即载入数据仓库。请勿修改事项编号。"
                 "“状态”由数据自动判定：已下发 → 诊断中 → 改进中 → 复核（下一周期）→ 已关闭；过期未答复或未改善为逾期。",
                 lines=3)
    items = scope_items(w, code, year)
    rows, keys = _improvement_rows(items, tier_names)
    cols = [Col(KEY_HEADER, 24), Col("层面", 7), Col("对象", 16), Col("周期", 11), Col("等级", 8, align="center"),
            Col("优先级", 7), Col("预警原因", 40), Col("答复期限", 11), Col("状态", 9), Col("复核结果", 9),
            *(Col(h, 30 if "措施" in h or "成效" in h or "原因" in h else 14) for h in FILL_HEADERS)]
    full_rows = []
    for key, r, item in zip(keys, rows, items, strict=True):
        got = filled.get(key, {})
        if got:
            carry.carried += 1
        answered = {h: item.get(f) for h, f in ANSWER_FIELDS.items()}  # what the warehouse already knows
        full_rows.append((*r, *(_answer_cell(h, got.get(h, answered[h])) for h in FILL_HEADERS)))
    t = sw.table(cols, full_rows, name="dept_improvements", tier_cols=("等级",),
                 empty_text="本学年没有需要改进的事项")
    _style_fill_columns(sw, t, has_rows=bool(full_rows))
    orphans = [(k, *(v.get(h) for h in FILL_HEADERS)) for k, v in filled.items() if k not in set(keys)]
    carry.orphaned = [{"key": o[0], **dict(zip(FILL_HEADERS, o[1:], strict=True))} for o in orphans]
    if orphans:
        sw.heading("上一周期填写、本周期已无对应事项的内容（保留备查）")
        sw.table([Col(KEY_HEADER, 22), *(Col(h, 20) for h in FILL_HEADERS)], orphans, name="dept_improvements_previous")
    finish(sw)
    appendix = "附：学生预警名单"
    if appendix in wb.sheetnames:  # the appendix goes last
        wb.move_sheet(appendix, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(appendix))
    wb.properties.title = f"{college}{d['dept_name']}{year}学年{REPORT_TITLE}"
    wb.properties.creator = "诊改数据平台"
    return wb, carry


WARNING_COLS = [Col("层面", 7), Col("对象", 16), Col("指标", 16), Col("周期", 12), Col("标准值", 10),
                Col("当前值", 10), Col("等级", 9, align="center"), Col("原因", 56), Col("事项状态", 9),
                Col("协助部门", 18)]


def _warning_row(r: dict[str, Any], cat: dict[str, dict[str, Any]]) -> tuple:
    f = fmt_of(cat.get(r["indicator_code"], {"unit": r["unit"], "decimals": None}))
    line = r["baseline_value"] if r["standard_value"] is None else r["standard_value"]
    return (r["level"], r["entity_name"], r["indicator_name"], r["period"], cell(line, f, empty="—"),
            cell(r["value"], f), r["tier_name"], r["reason_zh"], r["status_zh"] or "—",
            r["assisting_dept_names"] or "—")


def _improvement_rows(items: list[dict[str, Any]], tier_names: dict[str, str]) -> tuple[list[tuple], list[str]]:
    rows = [(i["case_id"], i["level"], i["entity_name"] or i["entity_id"], i["cycle"],
             tier_names.get(i["worst_tier"], i["worst_tier"]), i["priority"], i["reasons_zh"],
             i["answer_due"].date() if i["answer_due"] else None, i["status_zh"], i["recheck_zh"]) for i in items]
    return rows, [i["case_id"] for i in items]


def _answer_cell(header: str, value: Any) -> Any:
    if header == DEADLINE_HEADER and value not in (None, ""):
        return (value, "yyyy-mm-dd")
    return value


def _style_fill_columns(sw: SheetWriter, t, *, has_rows: bool) -> None:
    if not has_rows:
        return
    fill = PatternFill("solid", start_color=FILL_COLOUR, end_color=FILL_COLOUR)
    style = None
    for h in FILL_HEADERS:
        c = t.col(h)
        for r in range(t.first_row, t.last_row + 1):
            x = sw.ws.cell(row=r, column=c)
            if style is not None:
                x._style = copy(style)
                continue
            x.fill = fill
            x.protection = Protection(locked=False)
            x.alignment = Alignment(wrap_text=True, vertical="top")
            x.font = Font(name=FONT_NAME, size=10)
            style = copy(x._style)
    dv = DataValidation(type="list", formula1='"' + ",".join(STATUS_CHOICES) + '"', allow_blank=True,
                        showErrorMessage=False)
    col = t.col("完成情况（部门填写）")
    dv.add(f"{get_column_letter(col)}{t.first_row}:{get_column_letter(col)}{t.last_row}")
    sw.ws.add_data_validation(dv)


# ---------------------------------------------------------------------- entry points
def write_department(dept: str, year: str | None, out_dir: Path | None = None, *, previous: Path | None = None,
                     serving: Path | None = None) -> tuple[Path, Carry]:
    with q.Warehouse.open(serving) as w:
        year = year or q.latest_year(w)
        d = resolve_dept(w, dept)
        if previous is not None and Path(previous).is_dir():
            previous = _previous_in(Path(previous), d)
        wb, carry = build_department(w, d["dept_code"], year, previous=previous)
    out = Path(out_dir) if out_dir else default_out_dir(year)
    path = out if out.suffix.lower() == ".xlsx" else out / default_name(d, year)
    save_atomically(wb, path)
    return path, carry


def write_departments(year: str | None, out_dir: Path | None = None, *, previous: Path | None = None,
                      serving: Path | None = None) -> list[tuple[Path, Carry]]:
    """Every department of ref.org_departments; `previous` a folder of last cycle's workbooks (matched by code)."""
    with q.Warehouse.open(serving) as w:
        year = year or q.latest_year(w)
        q.require_year(w, year)
        depts = q.departments(w)
        out = Path(out_dir) if out_dir else default_out_dir(year)
        results = []
        for d in depts:
            prev = _previous_in(Path(previous), d) if previous else None
            wb, carry = build_department(w, d["dept_code"], year, previous=prev)
            path = out / default_name(d, year)
            save_atomically(wb, path)
            results.append((path, carry))
    return results


def _previous_in(folder: Path, d: dict[str, Any]) -> Path | None:
    found = sorted(folder.glob(f"{d['dept_code']}_*.xlsx"))
    return found[-1] if found else None
