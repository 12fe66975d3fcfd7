"""The annual 人才培养工作状态数据分析报告 (DOMAIN.md §8; plan §五(五)2, §六(二) 表9).

    from pipelines.reports.annual import write_annual
    write_annual("2024-2025", Path("报告.xlsx"))          # reads $ZHENGAI_HOME/serving.duckdb read-only

Sheets: 封面, 目录, 一、数据采集, 二(一)办学条件 … 二(六)社会服务, 三、达标与预警汇总, 四、问题与改进建议.
Tables carry workbook-level defined names (see `TABLE_NAMES`), charts read those tables' cells.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import Reference, Series
from openpyxl.chart.series import SeriesLabel, StrRef
from openpyxl.styles import Alignment, Font

from pipelines.reports import queries as q
from pipelines.reports.styles import (
    FMT_INT,
    FMT_PCT,
    FMT_WAN,
    FONT_NAME,
    NO_DATA,
    Col,
    SheetWriter,
    TableRef,
    add_series,
    bar_chart,
    line_chart,
    print_setup,
    set_categories,
    text_lines,
    unit_format,
)

REPORT_TITLE = "人才培养工作状态数据分析报告"
BEIJING = timedelta(hours=8)  # the warehouse stores UTC

# 学校层面指标按主题归入各节（目录中的新指标不在这些清单中时，仍出现在“三、达标与预警汇总”的学校层面总表中）
THEMES = {
    "finance": ["SCH_FUNDING_PER_STU"],
    "teachers": ["SCH_STU_TEACHER_RATIO", "SCH_COUNSELOR_RATIO", "SCH_DUAL_TEACHER_RATIO", "SCH_SENIOR_TITLE_RATIO",
                 "SCH_PG_DEGREE_RATIO", "SCH_PARTTIME_TEACHER_RATIO"],
    "students": ["SCH_ENROL_PLAN_RATE", "SCH_REGISTER_RATE", "SCH_GRADUATION_RATE", "SCH_EMPLOY_RATE",
                 "SCH_RELATED_EMPLOY_RATE"],
}

# 状态数据平台 A1/A3/A6 的办学条件输入（marts.fct_school_conditions 的列 → 名称、单位格式）
CONDITION_FIELDS = [
    ("fulltime_students", "全日制在校生数", "人", FMT_INT),
    ("equivalent_students", "折合在校生数", "人", "#,##0.0"),
    ("land_area_m2", "占地面积", "㎡", '#,##0"㎡"'),
    ("teaching_rooms_m2", "教学科研及辅助用房", "㎡", '#,##0"㎡"'),
    ("admin_rooms_m2", "行政办公用房", "㎡", '#,##0"㎡"'),
    ("dormitory_m2", "学生宿舍", "㎡", '#,##0"㎡"'),
    ("fixed_assets_wan", "固定资产总值", "万元", FMT_WAN),
    ("equipment_value_wan", "教学科研仪器设备总值", "万元", FMT_WAN),
    ("equipment_new_wan", "其中：当年新增", "万元", FMT_WAN),
    ("books", "纸质图书", "册", '#,##0"册"'),
    ("books_new", "其中：当年新增", "册", '#,##0"册"'),
    ("ebooks", "电子图书", "种", '#,##0"种"'),
    ("teaching_computers", "教学用计算机", "台", '#,##0"台"'),
    ("classrooms", "教室", "间", '#,##0"间"'),
    ("multimedia_classrooms", "其中：多媒体教室", "间", '#,##0"间"'),
]

TEACHER_FIELDS = [
    ("fulltime_teachers", "校内专任教师", "人"),
    ("dual_qualified_teachers", "其中：双师素质教师", "人"),
    ("senior_title_teachers", "其中：副高及以上职称", "人"),
    ("postgraduate_degree_teachers", "其中：研究生学历或硕士及以上学位", "人"),
    ("external_teachers", "校外兼职教师", "人"),
    ("external_teaching_hours", "校外兼职教师授课学时", "学时"),
]

SHEETS = [  # (sheet title, section heading shown in 目录, what it holds)
    ("封面", "封面", "学校、学年、数据版本"),
    ("目录", "目录", "各部分与工作表"),
    ("一、数据采集", "一、数据采集工作情况", "数据来源、完整性与缺口（质量闸门检查结果）"),
    ("二(一)办学条件", "二、数据分析（一）办学条件", "基本办学条件指标与国家标准对照、近三年趋势"),
    ("二(二)经费", "二、数据分析（二）经费", "经费收入与支出、生均财政拨款"),
    ("二(三)师资队伍", "二、数据分析（三）师资队伍", "教师数量与结构、生师比、双师、职称、学位、培训"),
    ("二(四)专业与课程", "二、数据分析（四）专业与课程", "专业布局与层次、专业指标矩阵、课程结构"),
    ("二(五)招生与就业", "二、数据分析（五）招生、在校生、毕业与就业", "招生、在校生、毕业就业及各二级学院情况"),
    ("二(六)社会服务", "二、数据分析（六）社会服务", "科研教研成果、教师培训与企业实践"),
    ("三、达标与预警汇总", "三、五个层面的达标与预警汇总", "学校、专业、课程、教师、学生五个层面的判定与目标达成"),
    ("四、问题与改进建议", "四、问题与改进建议", "上一周期预警的改进情况、本学年主要问题与改进建议"),
]


@dataclass
class Ctx:
    w: q.Warehouse
    year: str
    years3: list[str]
    college: str
    school_type: str | None
    tier_names: dict[str, str]  # tier code → displayed name
    tier_colours: dict[str, str]  # displayed name → colour
    code_colours: dict[str, str]  # tier code → colour
    catalogue: dict[str, dict[str, Any]]
    school: dict[tuple[str, str], dict[str, Any]]
    baselines: list[dict[str, Any]]
    version: str

    def sheet(self, wb: Workbook, title: str, *, width_cols: int, subtitle: str | None = None) -> SheetWriter:
        ws = wb.create_sheet(title)
        heading = next(h for t, h, _ in SHEETS if t == title)
        return SheetWriter(ws, title=heading, width_cols=width_cols, tier_colours=self.tier_colours,
                           subtitle=subtitle or f"{self.college} · {self.year}学年 · 数据版本 {self.version}")

    def finish(self, sw: SheetWriter, *, landscape: bool = False) -> None:
        sw.finish(college=self.college, year=self.year, report_title=REPORT_TITLE, landscape=landscape)

    def tier_name(self, tier: str | None) -> str:
        return NO_DATA if tier is None else self.tier_names.get(tier, tier)


def num(v: Any) -> Any:
    return float(v) if isinstance(v, Decimal) else v


def cell(v: Any, fmt: str | None, *, empty: str = NO_DATA) -> Any:
    """A value with its number format, or the no-data text."""
    return empty if v is None else (num(v), fmt)


def fmt_of(ind: dict[str, Any]) -> str:
    return unit_format(ind.get("unit"), ind.get("decimals"))


# ---------------------------------------------------------------------- entry points
def build_annual(w: q.Warehouse, year: str) -> Workbook:
    """The workbook for `year` (raises ReportError when the year has no data)."""
    years = q.require_year(w, year)
    del years
    prof = q.profile(w)
    tiers = q.tiers(w)
    years3 = [q.shift_year(year, d) for d in (-2, -1, 0)]
    cat = {c["indicator_code"]: c for c in q.catalogue(w)}
    ctx = Ctx(w=w, year=year, years3=years3, college=prof["school_name"], school_type=prof.get("school_type"),
              tier_names={t["tier"]: t["name_zh"] for t in tiers},
              tier_colours={t["name_zh"]: t["colour"] for t in tiers},
              code_colours={t["tier"]: t["colour"] for t in tiers},
              catalogue=cat, school=q.school_rows(w, years3), baselines=q.baselines(w), version=w.version())
    wb = Workbook()
    wb.remove(wb.active)
    _cover(wb, ctx)
    _contents(wb, ctx)
    _collection(wb, ctx)
    _conditions(wb, ctx)
    _finance(wb, ctx)
    _teachers(wb, ctx)
    _majors_courses(wb, ctx)
    _students(wb, ctx)
    _service(wb, ctx)
    _summary(wb, ctx)
    _issues(wb, ctx)
    wb.properties.title = f"{ctx.college}{year}学年{REPORT_TITLE}"
    wb.properties.creator = "诊改数据平台"
    return wb


def default_annual_name(college: str, year: str) -> str:
    return f"{college}_{year}学年_{REPORT_TITLE}.xlsx"


def write_annual(year: str | None, out: Path | None = None, *, serving: Path | None = None) -> Path:
    """Write the annual report; `year=None` → the latest year with data; `out` a file or a folder."""
    with q.Warehouse.open(serving) as w:
        year = year or q.latest_year(w)
        wb = build_annual(w, year)
        college = q.profile(w)["school_name"]
    if out is None:
        out = q.serving_path().parent / "reports"
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        out = out / default_annual_name(college, year)
    save_atomically(wb, out)
    return out


def save_atomically(wb: Workbook, out: Path) -> None:
    """Write next to the target and rename: a reader never sees half a workbook."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", prefix=".tmp_", dir=out.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# ---------------------------------------------------------------------- 封面 / 目录
def _cover(wb: Workbook, ctx: Ctx) -> None:
    ws = wb.create_sheet("封面")
    ws.sheet_view.showGridLines = False
    for col, width in zip("ABCD", (6, 22, 46, 6), strict=True):
        ws.column_dimensions[col].width = width
    ws.merge_cells("B6:C6")
    ws["B6"] = ctx.college
    ws["B6"].font = Font(name=FONT_NAME, size=20, bold=True, color="1F4E79")
    ws["B6"].alignment = Alignment(horizontal="center")
    ws.merge_cells("B8:C9")
    ws["B8"] = f"{ctx.year}学年\n{REPORT_TITLE}"
    ws["B8"].font = Font(name=FONT_NAME, size=24, bold=True)
    ws["B8"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[8].height = 45
    ws.row_dimensions[9].height = 45
    start, end = int(ctx.year[:4]), int(ctx.year[5:])
    cond = q.school_conditions(ctx.w, [ctx.year]).get(ctx.year, {})
    facts = [
        ("学校名称", ctx.college),
        ("院校类型", f"{ctx.school_type or '未配置'}（国家基本办学条件按此类型对照）"),
        ("统计时段", f"{start}年9月1日至{end}年8月31日（经费按{start}自然年）"),
        ("全日制在校生", cell(cond.get("fulltime_students"), '#,##0"人"')),
        ("校内专任教师", cell(cond.get("fulltime_teachers"), '#,##0"人"')),
        ("数据来源", "诊改数据平台已发布数据仓库（serving.duckdb，只读）"),
        ("数据版本", ctx.version),
        ("生成时间", datetime.now().strftime("%Y-%m-%d %H:%M")),
        ("编制", "质量监督与评估处（诊改办）"),
    ]
    r = 13
    _cover_rows(ws, r, facts)
    r += len(facts) + 1
    ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
    ws.cell(row=r, column=2, value="本学年要点").font = Font(name=FONT_NAME, size=14, bold=True, color="1F4E79")
    ws.row_dimensions[r].height = 28
    _cover_rows(ws, r + 1, _highlights(ctx))
    print_setup(ws, college=ctx.college, year=ctx.year, report_title=REPORT_TITLE)


def _highlights(ctx: Ctx) -> list[tuple[str, Any]]:
    """Key figures of the year for the cover (each also in its section)."""
    base = [b["indicator_code"] for b in ctx.baselines]
    tiers = [(ctx.school.get((c, ctx.year)) or {}).get("baseline_tier") for c in base]
    n_pass = sum(t == "达标" for t in tiers)
    n_fail = sum(t in ("黄", "橙", "红") for t in tiers)
    cases = q.level_case_counts(ctx.w, ctx.year)
    by = {t: sum(c[t] for c in cases) for t in reversed(q.WARNING_TIERS)}
    shares = "、".join(f"{c['level']} {c['warned_share']:.1%}" for c in cases if c["n_entities"])
    school = next((t for t in q.target_achievement(ctx.w, ctx.year) if t["dept_code"] == "全校"), None)
    review = q.previous_cycle_review(ctx.w, ctx.year)
    n_prev = sum(r["n_prev_warned"] for r in review)
    improved = sum(r["n_now_pass"] + r["n_better_still_warned"] for r in review)
    return [
        ("对照国家标准的指标", f"{len(base)} 项中达标 {n_pass} 项、不达标 {n_fail} 项、无数据 {len(base) - n_pass - n_fail} 项"
                         "（见 二(一)、二(二)）"),
        ("预警事项（五个层面）", f"{sum(by.values()):,} 项（每个对象每个周期一项）："
                              + "、".join(f"{ctx.tier_names.get(t, t)} {n:,}" for t, n in by.items())
                              + f"；有预警的对象占比 {shares}（见 三）"),
        ("目标任务完成率（全校）", cell(school and school["achievement_rate"], "0.0%", empty="无数据")),
        ("上一周期预警改进率", cell(improved / n_prev if n_prev else None, "0.0%", empty="上一周期无预警")),
    ]


def _cover_rows(ws, r: int, facts: Sequence[tuple[str, Any]]) -> None:
    for label, value in facts:
        a, b = ws.cell(row=r, column=2, value=label), ws.cell(row=r, column=3)
        if isinstance(value, tuple):
            b.value, b.number_format = value
        else:
            b.value = value
        a.font = Font(name=FONT_NAME, size=12, bold=True)
        b.font = Font(name=FONT_NAME, size=12)
        a.alignment = Alignment(vertical="center")
        b.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        ws.row_dimensions[r].height = 24 if not isinstance(b.value, str) else max(24, 17 * text_lines(b.value, 46))
        r += 1


def _contents(wb: Workbook, ctx: Ctx) -> None:
    sw = ctx.sheet(wb, "目录", width_cols=3)
    ref = sw.table([Col("部分", 34), Col("工作表", 20), Col("内容", 50)],
                   [(h, t, d) for t, h, d in SHEETS[2:]], name="contents")
    for i, (t, _h, _d) in enumerate(SHEETS[2:]):
        c = sw.ws.cell(row=ref.first_row + i, column=2)
        c.hyperlink = f"#'{t}'!A1"
        c.font = Font(name=FONT_NAME, size=10, color="1F4E79", underline="single")
    sw.skip()
    sw.note("说明：表中数值直接取自数据仓库，未经四舍五入（单元格格式只决定显示的小数位）；"
            "等级颜色取自预警等级配置（ref.warning_tiers）。")
    ctx.finish(sw)


# ---------------------------------------------------------------------- 一、数据采集
def _collection(wb: Workbook, ctx: Ctx) -> None:
    from pipelines.ingest.contract import load_contract
    from pipelines.ingest.errors import SYSTEM_ZH

    sw = ctx.sheet(wb, "一、数据采集", width_cols=10)
    batches = q.source_batches(ctx.w)
    completeness = q.column_completeness(ctx.w)
    gaps = q.gate_gaps(ctx.w)
    coverage = q.indicator_coverage(ctx.w, ctx.year)
    systems = sorted({b["source_system"] for b in batches}, key=list(SYSTEM_ZH).index)
    labels = {(t.system, t.table): t.table_zh for t in load_contract().values()}
    n_rows = sum(b["row_count"] or 0 for b in batches)
    sw.paragraph(
        f"本学年数据从 {len(systems)} 个源系统（{'、'.join(SYSTEM_ZH.get(s, s) for s in systems)}）的 {len(batches)} 张源表"
        f"源头采集，当前发布版本共 {n_rows:,} 行原始记录。每张表加载前均经质量闸门检查：阻断性问题不发布，"
        f"提醒类问题（数据缺口）列于下表，请各数据责任部门核实补报。")
    sw.heading("（一）数据来源与检查结果")
    rows = []
    for b in batches:
        c = completeness.get((b["source_system"], b["source_table"]))
        complete = None
        if c and c["n_cells"]:
            complete = 1 - (c["n_missing"] or 0) / c["n_cells"]
        label = labels.get((b["source_system"], b["source_table"]))
        rows.append((SYSTEM_ZH.get(b["source_system"], b["source_system"]),
                     f"{label}（{b['source_table']}）" if label else b["source_table"],
                     b["source_file"] or "", cell(b["row_count"], FMT_INT, empty="—"),
                     (b["loaded_at"] + BEIJING).strftime("%Y-%m-%d %H:%M") if b["loaded_at"] else "—",
                     cell(b["n_expectations"], FMT_INT, empty="—"),
                     cell(b["n_failed_blocking"], FMT_INT, empty="—"),
                     cell(b["n_failed_warning"], FMT_INT, empty="—"),
                     cell(complete, "0.00%", empty="—"),
                     "通过" if b["n_failed_blocking"] == 0 and not b["n_failed_warning"] else
                     ("有提醒" if b["n_failed_blocking"] == 0 else "未通过")))
    sw.table([Col("源系统", 10), Col("源表", 22), Col("来源文件", 26), Col("行数", 11), Col("加载时间（北京）", 16),
              Col("检查项", 8), Col("阻断未通过", 9), Col("提醒未通过", 9), Col("必填字段完整率", 12),
              Col("结论", 9)], rows, name="collection_sources")
    sw.heading("（二）指标数据覆盖（本学年）")
    cov_rows = []
    for c in coverage:
        share = c["n_values"] / c["n_rows"] if c["n_rows"] else None
        cov_rows.append((c["level"], (c["n_catalogue"], FMT_INT), (c["n_computed"], FMT_INT),
                         (c["n_rows"], FMT_INT), (c["n_values"], FMT_INT),
                         (c["n_rows"] - c["n_values"], FMT_INT), cell(share, "0.00%")))
    sw.table([Col("层面"), Col("目录指标数"), Col("已计算指标数"), Col("判定行数"), Col("有值行数"),
              Col("数据缺失行数"), Col("有值比例")], cov_rows, name="collection_coverage")
    sw.note("有值比例 = 有值行数 ÷ 判定行数；数据缺失不按 0 计，在“三、达标与预警汇总”中单列。")
    sw.heading("（三）数据缺口（质量闸门提醒项）")
    gap_rows = [(SYSTEM_ZH.get(g["source_system"], g["source_system"]),
                 labels.get((g["source_system"], g["source_table"])) or g["source_table"], g["rule_zh"] or "",
                 g["column_label_zh"] or g["column_name"] or "（整表）",
                 "阻断" if g["severity"] == "blocking" else "提醒",
                 cell(g["unexpected_count"], FMT_INT, empty="—"),
                 cell(None if g["unexpected_percent"] is None else g["unexpected_percent"] / 100, "0.00%",
                      empty="—"),
                 g["skipped_reason"] or ("未通过" if g["success"] is False else "未运行"))
                for g in gaps]
    sw.table([Col("源系统"), Col("源表"), Col("检查规则", 26), Col("字段"), Col("性质"), Col("问题行数"),
              Col("问题比例"), Col("说明", 20)], gap_rows, name="collection_gaps",
             empty_text="最近一次检查没有未通过的检查项")
    _collection_reconciliation(sw, ctx)
    _freshness_section(sw, ctx)
    ctx.finish(sw, landscape=True)


def _collection_reconciliation(sw: SheetWriter, ctx: Ctx) -> None:
    """（四）跨系统对账: the platform's numbers against the business systems' (audit.fct_reconciliation)."""
    rules = q.reconciliation(ctx.w, ctx.year)
    sw.heading("（四）跨系统对账（状态数据平台与各业务系统）")
    rows = []
    for r in rules:
        name = r["rule_name_zh"]
        if r["grain"] != "学年":  # compared per 专业: the values are sums over the majors
            name += f"（按专业比对 {r['n_items']} 项，不一致 {r['n_mismatch']} 项）"
        verdict = "一致" if r["n_mismatch"] == 0 else "不一致"
        fmt = FMT_INT if all(float(v or 0).is_integer() for v in (r["left_value"], r["right_value"])) else "#,##0.00"
        rows.append((name, r["left_label_zh"], cell(r["left_value"], fmt, empty="—"),
                     r["right_label_zh"], cell(r["right_value"], fmt, empty="—"), cell(r["difference"], fmt, empty="—"),
                     cell(r["relative_difference"], "0.0%", empty="—"), verdict, r["severity"],
                     r["responsible_dept_name"] or ""))
    sw.table([Col("对账规则", 24), Col("一方数据项", 22), Col("一方的值", 11), Col("对照数据项（业务系统）", 22),
              Col("对照的值", 11), Col("差值", 9), Col("相对差", 8), Col("结论", 8), Col("性质", 6),
              Col("负责核实部门", 12)], rows, name="collection_reconciliation", tier_cols=["结论"],
             empty_text="本学年没有对账结果（两方都有数据的学年才比对）")
    for r in rules:
        for m in (r["messages"] or [])[:5]:
            sw.note(f"{r['rule_id']} {r['rule_name_zh']}：{m}")
        if len(r["messages"] or []) > 5:
            sw.note(f"{r['rule_id']} 另有 {len(r['messages']) - 5} 项不一致，见数据质量看板「跨系统对账」。")
    sw.note("按专业比对的规则，值为各专业之和。不一致的「提醒」请负责部门核实后在源系统或平台更正；"
            "「阻断」规则不一致时本次数据不发布。规则与容差见 seeds/reconciliation_rules.csv。")


def _freshness_section(sw: SheetWriter, ctx: Ctx) -> None:
    """（五）数据新鲜度: which sources are held back by the gate and since when (pipelines/freshness.py). Read live
    from the gate results next to the served file when they are there, else from audit.source_freshness."""
    from pipelines.freshness import BLOCKED, CURRENT, freshness_for_report, stale_summary
    from pipelines.ingest.errors import SYSTEM_ZH

    rows = freshness_for_report(ctx.w.con, ctx.w.path)
    sw.heading("（五）数据新鲜度（被拦截的数据源）")
    summary = stale_summary(rows)
    sw.paragraph(("注意：" + summary + "本报告中这些来源的数字是其上次通过检查时的数据，不是最新提交的数据。")
                 if summary else "各数据源当前发布的数据均为最近一次通过质量闸门的数据，没有被拦截的数据源。")

    def t(ts):
        return (ts + BEIJING).strftime("%Y-%m-%d %H:%M") if ts else "—"
    held = [r for r in rows if r["status_zh"] not in (CURRENT,)]
    sw.table([Col("源系统", 10), Col("源表", 22), Col("状态", 9), Col("发布数据读取于（北京）", 18),
              Col("最近检查（北京）", 16), Col("被拦截自（北京）", 16), Col("原因", 40)],
             [(SYSTEM_ZH.get(r["source_system"], r["source_system"]), r["table_zh"], r["status_zh"], t(r["data_as_of"]),
               t(r["last_attempt_at"]), t(r["blocked_since"]) if r["status_zh"] == BLOCKED else "—",
               r["blocked_reason"] or "") for r in held],
             name="collection_freshness", empty_text="没有被拦截或待发布的数据源")


# ---------------------------------------------------------------------- school indicator tables (shared)
def _school_indicator_table(sw: SheetWriter, ctx: Ctx, codes: Sequence[str], *, name: str,
                            trend_name: str | None = None, chart_title: str | None = None) -> TableRef:
    """Indicator × three years with standard / national line / target and the year's 达标 and tier."""
    y1, y2, y3 = ctx.years3
    rows = []
    for i, code in enumerate(codes, start=1):
        ind = ctx.catalogue.get(code)
        if ind is None:
            continue
        f = fmt_of(ind)
        cur = ctx.school.get((code, ctx.year))
        verdict = NO_DATA
        if cur and cur["value"] is not None:
            if cur["tier"] in ("达标", "达到目标"):
                verdict = "达标"
            elif cur["tier"] in ("黄", "橙", "红"):
                verdict = "不达标"
            else:
                verdict = ctx.tier_name(cur["tier"])
        rows.append((
            i, ind["name_zh"], ind["unit"],
            cell(cur and cur["target_value"], f, empty="—"),
            cell(cur and cur["standard_value"], f, empty="—"),
            cell(cur and cur["baseline_value"], f, empty="—"),
            *(cell((ctx.school.get((code, y)) or {}).get("value"), f) for y in (y1, y2, y3)),
            verdict, ctx.tier_name(cur["tier"]) if cur else NO_DATA,
            (cur or {}).get("responsible_dept_name") or ind["responsible_dept"],
        ))
    ref = sw.table([Col("序号", 5, align="center"), Col("指标", 22), Col("单位", 6, align="center"),
                    Col(f"{y3}目标值", 11), Col("学校标准值", 11), Col("国家标准", 11),
                    Col(y1, 11), Col(y2, 11), Col(y3, 11), Col("达标情况", 9, align="center"),
                    Col("预警等级", 10, align="center"), Col("责任部门", 14)],
                   rows, name=name, tier_cols=("达标情况", "预警等级"))
    sw.note("达标情况：当前值对照学校标准与国家标准中较严者；“本学年无数据”表示该指标本学年尚未采集或无法计算。")
    if trend_name:
        _trend_charts(sw, ctx, codes, name=trend_name, title=chart_title)
    return ref


def _trend_charts(sw: SheetWriter, ctx: Ctx, codes: Sequence[str], *, name: str, title: str | None) -> None:
    """Trend table (value row + line row per indicator over three years) and one line chart per indicator."""
    y1, y2, y3 = ctx.years3
    rows, plotted = [], []
    for code in codes:
        ind = ctx.catalogue.get(code)
        if ind is None:
            continue
        vals = [(ctx.school.get((code, y)) or {}).get("value") for y in ctx.years3]
        if all(v is None for v in vals):
            continue
        f = fmt_of(ind)
        lines = []
        for y in ctx.years3:
            r = ctx.school.get((code, y)) or {}
            lines.append(r.get("baseline_value") if r.get("baseline_value") is not None else r.get("standard_value"))
        label = "国家标准" if any((ctx.school.get((code, y)) or {}).get("baseline_value") is not None
                                  for y in ctx.years3) else "学校标准"
        rows.append((f"{ind['name_zh']}（{ind['unit']}）", *(cell(v, f, empty="") for v in vals)))
        rows.append((f"{ind['name_zh']}·{label}", *(cell(v, f, empty="") for v in lines)))
        plotted.append((ind, f, label))
    if not rows:
        return
    sw.heading(title or "近三年趋势")
    ref = sw.table([Col("指标", 30), Col(y1, 11), Col(y2, 11), Col(y3, 11)], rows, name=name)
    charts = []
    for i, (ind, f, label) in enumerate(plotted):
        r = ref.first_row + 2 * i
        ch = line_chart(f"{ind['name_zh']}：近三年与{label}", y_format=f)
        for k, (colour, dashed) in enumerate((("1F4E79", False), ("C62828", True))):
            s = Series(Reference(sw.ws, min_col=2, max_col=4, min_row=r + k, max_row=r + k),
                       title_from_data=False)
            s.tx = SeriesLabel(strRef=StrRef(f"'{sw.ws.title}'!$A${r + k}"))
            s.graphicalProperties.line.solidFill = colour
            s.graphicalProperties.line.width = 28000
            if dashed:
                s.graphicalProperties.line.dashStyle = "dash"
                s.marker.symbol = "none"
            else:
                s.marker.symbol = "circle"
            s.smooth = False
            ch.series.append(s)
        set_categories(ch, sw.ws, col=2, last_col=4, first_row=ref.header_row, last_row=ref.header_row)
        charts.append(ch)
    sw.place_charts_side_by_side(charts)


# ---------------------------------------------------------------------- 二(一) 办学条件
def _conditions(wb: Workbook, ctx: Ctx) -> None:
    sw = ctx.sheet(wb, "二(一)办学条件", width_cols=12)
    # every national line of this school type (生均财政拨款 is in 经费)
    codes = [b["indicator_code"] for b in ctx.baselines if b["indicator_code"] not in THEMES["finance"]]
    n_pass = sum(1 for c in codes if (ctx.school.get((c, ctx.year)) or {}).get("baseline_tier") == "达标")
    n_fail = sum(1 for c in codes if (ctx.school.get((c, ctx.year)) or {}).get("baseline_tier") in ("黄", "橙", "红"))
    n_none = len(codes) - n_pass - n_fail
    sw.paragraph(f"对照教发〔2004〕2号《普通高等学校基本办学条件指标》（{ctx.school_type or '—'}类高职高专合格标准），"
                 f"本学年 {len(codes)} 项基本（监测）办学条件指标中：达标 {n_pass} 项，不达标 {n_fail} 项，"
                 f"本学年无数据 {n_none} 项。")
    sw.heading("（一）基本办学条件指标与国家标准对照")
    _school_indicator_table(sw, ctx, codes, name="conditions_indicators")
    _ratio_bar(sw, ctx, codes)
    _trend_charts(sw, ctx, codes, name="conditions_trend", title="（三）近三年趋势（指标值与国家标准）")
    sw.heading("（四）办学条件基础数据（状态数据平台 A1、A3）")
    cond = q.school_conditions(ctx.w, ctx.years3)
    rows = [(label, unit, *(cell(cond.get(y, {}).get(field), fmt) for y in ctx.years3))
            for field, label, unit, fmt in CONDITION_FIELDS]
    sw.table([Col("项目", 30), Col("单位", 8), *(Col(y, 14) for y in ctx.years3)], rows, name="conditions_inputs")
    ctx.finish(sw)


def _ratio_bar(sw: SheetWriter, ctx: Ctx, codes: Sequence[str]) -> None:
    """(二) 本学年值 ÷ 国家标准 (100% = the line; for 越低越好 indicators 标准 ÷ 值) as a bar chart."""
    rows = []
    for code in codes:
        r = ctx.school.get((code, ctx.year))
        ind = ctx.catalogue[code]
        if not r or r["value"] is None or not r["baseline_value"]:
            continue
        v, b = float(r["value"]), float(r["baseline_value"])
        ratio = b / v if ind["direction"] == "lower" else v / b
        rows.append((ind["name_zh"], (v, fmt_of(ind)), (b, fmt_of(ind)), (ratio, "0.0%")))
    if not rows:
        return
    sw.heading("（二）本学年达标程度（当前值 ÷ 国家标准，100% 为合格线）")
    t = sw.table([Col("指标", 30), Col("本学年值", 12), Col("国家标准", 12), Col("达标程度", 12)], rows,
                 name="conditions_ratio")
    sw.note("达标程度 = 当前值 ÷ 国家标准；生师比等越低越好的指标为 国家标准 ÷ 当前值。低于 100% 即不达标。")
    ch = bar_chart("本学年基本办学条件达标程度", horizontal=True, y_format="0%")
    add_series(ch, sw.ws, values_col=t.col("达标程度"), first_row=t.first_row, last_row=t.last_row,
               title="达标程度", colour="1F4E79", labels=True)
    set_categories(ch, sw.ws, col=t.col("指标"), first_row=t.first_row, last_row=t.last_row)
    ch.legend = None
    sw.place_chart(ch, height_rows=max(10, t.n_rows + 6))


# ---------------------------------------------------------------------- 二(二) 经费
def _finance(wb: Workbook, ctx: Ctx) -> None:
    sw = ctx.sheet(wb, "二(二)经费", width_cols=12)
    fin = q.finance(ctx.w, ctx.years3)
    sw.paragraph("经费数据取自财务系统经费收支表（按自然年，单位万元），与学年的对应：学年起始的自然年"
                 f"（如 {ctx.year} 学年对应 {ctx.year[:4]} 年）。生均财政拨款对照财教〔2014〕352号 12000 元的要求。")
    sw.heading("（一）生均财政拨款")
    _school_indicator_table(sw, ctx, THEMES["finance"], name="finance_indicators",
                            trend_name="finance_trend", chart_title="生均财政拨款近三年趋势")
    for flow, title, name in (("收入", "（二）经费收入", "finance_income"), ("支出", "（三）经费支出", "finance_expense")):
        items: dict[str, dict[str, Any]] = defaultdict(dict)
        order: list[str] = []
        fiscal = {}
        for r in fin:
            if r["flow"] != flow:
                continue
            if r["category_name"] not in items:
                order.append(r["category_name"])
            items[r["category_name"]][r["academic_year"]] = r["amount_wan"]
            fiscal[r["academic_year"]] = r["fiscal_year"]
        sw.heading(title)
        headers = [f"{y}（{fiscal.get(y, int(y[:4]))}年）" for y in ctx.years3]
        rows = [(k, *(cell(items[k].get(y), FMT_WAN) for y in ctx.years3)) for k in order]
        totals = ("合计", *(cell(sum(num(items[k][y]) for k in order if items[k].get(y) is not None)
                                 if any(items[k].get(y) is not None for k in order) else None, FMT_WAN)
                           for y in ctx.years3))
        t = sw.table([Col("项目", 30), *(Col(h, 16) for h in headers)], rows, name=name,
                     total_row=totals if rows else None)
        if rows:
            ch = bar_chart(f"经费{flow}构成（万元）", stacked=True, y_format="#,##0")
            for i, _k in enumerate(order):
                r = t.first_row + i
                s = Series(Reference(sw.ws, min_col=2, max_col=4, min_row=r, max_row=r))
                s.tx = SeriesLabel(strRef=StrRef(f"'{sw.ws.title}'!$A${r}"))
                ch.series.append(s)
            set_categories(ch, sw.ws, col=2, last_col=4, first_row=t.header_row, last_row=t.header_row)
            sw.place_chart(ch, height_rows=16)
    ctx.finish(sw)


# ---------------------------------------------------------------------- 二(三) 师资队伍
def _teachers(wb: Workbook, ctx: Ctx) -> None:
    sw = ctx.sheet(wb, "二(三)师资队伍", width_cols=12)
    cond = q.school_conditions(ctx.w, ctx.years3)
    sw.heading("（一）教师数量（状态数据平台 A6）")
    rows = [(label, unit, *(cell(cond.get(y, {}).get(field), FMT_INT) for y in ctx.years3))
            for field, label, unit in TEACHER_FIELDS]
    rows.append(("校内兼课人员（A6-2）、校外兼课教师（A6-4）", "人", *(["未采集"] * 3)))
    t = sw.table([Col("项目", 34), Col("单位", 8), *(Col(y, 14) for y in ctx.years3)], rows, name="teacher_counts")
    ch = bar_chart("专任教师与校外兼职教师（人）", y_format="#,##0")
    for i in (0, 4):  # 校内专任教师, 校外兼职教师 rows
        r = t.first_row + i
        s = Series(Reference(sw.ws, min_col=3, max_col=5, min_row=r, max_row=r))
        s.tx = SeriesLabel(strRef=StrRef(f"'{sw.ws.title}'!$A${r}"))
        ch.series.append(s)
    set_categories(ch, sw.ws, col=3, last_col=5, first_row=t.header_row, last_row=t.header_row)
    sw.place_chart(ch, height_rows=14)
    sw.heading("（二）师资队伍指标")
    _school_indicator_table(sw, ctx, THEMES["teachers"], name="teacher_indicators",
                            trend_name="teacher_trend", chart_title="（三）师资指标近三年趋势")
    sw.heading(f"（四）专任教师结构（人事名册，{ctx.year[5:]}年8月31日前入职）")
    struct = q.teacher_structure(ctx.w, ctx.year)
    totals: dict[str, int] = defaultdict(int)
    for r in struct:
        if r["dimension"] != "骨干与带头人":
            totals[r["dimension"]] += r["n"]
    srows = [(r["dimension"], r["category"], (r["n"], FMT_INT),
              cell(r["n"] / totals[r["dimension"]] if totals.get(r["dimension"]) else
                   (r["n"] / max(totals.values()) if totals else None), FMT_PCT, empty="—"))
             for r in struct]
    sw.table([Col("维度", 14), Col("类别", 30), Col("人数", 10), Col("占专任教师比例", 14)], srows,
             name="teacher_structure")
    sw.heading("（五）专任教师培训")
    tr = q.training_by_year(ctx.w, ctx.years3)
    trows = [(r["academic_year"], (r["n_staff"], FMT_INT), (num(r["hours"]), "#,##0.0"),
              (num(r["avg_hours"]), "0.0"), (num(r["enterprise_hours"]), "#,##0.0")) for r in tr]
    sw.table([Col("学年", 14), Col("专任教师数", 12), Col("培训学时合计", 14), Col("人均培训学时", 14),
              Col("企业实践学时", 14)], trows, name="teacher_training")
    ctx.finish(sw)


# ---------------------------------------------------------------------- 二(四) 专业与课程
def _majors_courses(wb: Workbook, ctx: Ctx) -> None:
    sw = ctx.sheet(wb, "二(四)专业与课程", width_cols=14)
    sw.heading("（一）专业层次")
    tiers = q.majors_by_tier(ctx.w)
    total = sum(r["n"] for r in tiers)
    sw.table([Col("专业层次", 16), Col("专业数", 10), Col("占比", 10)],
             [(r["major_tier"], (r["n"], FMT_INT), (r["n"] / total, FMT_PCT)) for r in tiers], name="major_tiers",
             total_row=("合计", (total, FMT_INT), (1.0, FMT_PCT)) if tiers else None)
    sw.heading("（二）各二级学院专业与在校生")
    mc = q.majors_by_college(ctx.w, ctx.year)
    t = sw.table([Col("学院代码", 10), Col("二级学院", 18), Col("专业数", 10), Col(f"{ctx.year}在校生", 12)],
                 [(r["college_code"], r["college_name"], (r["n_majors"], FMT_INT), (r["students"], FMT_INT))
                  for r in mc], name="major_colleges")
    if mc:
        ch = bar_chart(f"{ctx.year}学年各二级学院在校生（人）", y_format="#,##0")
        add_series(ch, sw.ws, values_col=t.col(f"{ctx.year}在校生"), first_row=t.first_row, last_row=t.last_row,
                   title="在校生", colour="1F4E79", labels=True)
        set_categories(ch, sw.ws, col=t.col("二级学院"), first_row=t.first_row, last_row=t.last_row)
        ch.legend = None
        sw.place_chart(ch, height_rows=14)
    sw.heading("（三）专业层面指标矩阵（单元格颜色为预警等级）")
    majors, cells = q.major_matrix(ctx.w, ctx.year)
    maj_codes = [c for c, ind in ctx.catalogue.items() if ind["level"] == "专业"]
    present = {c["indicator_code"] for c in cells}
    maj_codes = [c for c in maj_codes if c in present]
    by = {(c["major_code"], c["indicator_code"]): c for c in cells}
    cols = [Col("专业代码", 9), Col("专业名称", 18), Col("二级学院", 14), Col("专业层次", 8)]
    cols += [Col(ctx.catalogue[c]["name_zh"], 10) for c in maj_codes]
    rows = []
    for m in majors:
        vals = []
        for c in maj_codes:
            x = by.get((m["major_code"], c))
            vals.append(cell(x and x["value"], fmt_of(ctx.catalogue[c]), empty="—"))
        rows.append((m["major_code"], m["major_name"], m["college_name"], m["major_tier"], *vals))
    t = sw.table(cols, rows, name="major_matrix", empty_text="本学年无专业层面指标数据")
    for i, m in enumerate(majors if rows else []):
        for j, c in enumerate(maj_codes):
            x = by.get((m["major_code"], c))
            if x and x["tier"] in ("黄", "橙", "红"):
                sw.fill_cell(t.first_row + i, 5 + j, ctx.code_colours[x["tier"]])
    legend = "、".join(f"{ctx.tier_names[k]}" for k in ("黄", "橙", "红"))
    sw.note(f"着色：{legend}（颜色同预警等级配置）；未着色为达标、达到目标或未设标准；“—”为无数据。")
    sw.heading("（四）课程级别与本学年开课")
    cl = q.courses_by_level(ctx.w, ctx.year)
    sw.table([Col("课程级别", 16), Col("课程数", 10), Col("本学年开课", 12)],
             [(r["course_level"], (r["n_courses"], FMT_INT), (r["n_taught"], FMT_INT)) for r in cl],
             name="course_levels")
    sw.heading("（五）本学年教学任务（按课程类型）")
    ct = q.courses_by_type(ctx.w, ctx.year)
    sw.table([Col("课程类型", 10), Col("类型名称", 16), Col("教学任务数", 12), Col("课程数", 10),
              Col("教学工作量（学时）", 16), Col("选课人次", 12)],
             [(r["course_type"], r["course_type_name"], (r["n_tasks"], FMT_INT), (r["n_courses"], FMT_INT),
               (num(r["workload_hours"]), "#,##0"), (num(r["students"]), FMT_INT)) for r in ct],
             name="course_types")
    ctx.finish(sw, landscape=True)


# ---------------------------------------------------------------------- 二(五) 招生与就业
def _students(wb: Workbook, ctx: Ctx) -> None:
    sw = ctx.sheet(wb, "二(五)招生与就业", width_cols=11)
    sw.heading("（一）招生、在校生、毕业与就业（近三年）")
    adm = {r["academic_year"]: r for r in q.admission_by_year(ctx.w, ctx.years3)}
    enr = q.enrolment_by_year(ctx.w, ctx.years3)
    emp = {r["academic_year"]: r for r in q.employment_by_year(ctx.w, ctx.years3)}
    items = [
        ("招生计划数", lambda y: (adm.get(y) or {}).get("plan_count"), FMT_INT),
        ("录取数", lambda y: (adm.get(y) or {}).get("admitted_count"), FMT_INT),
        ("第一志愿录取数", lambda y: (adm.get(y) or {}).get("first_choice_count"), FMT_INT),
        ("报到数", lambda y: (adm.get(y) or {}).get("enrolled_count"), FMT_INT),
        ("在校生数", lambda y: enr.get(y), FMT_INT),
        ("毕业生数", lambda y: (emp.get(y) or {}).get("graduates"), FMT_INT),
        ("就业人数", lambda y: (emp.get(y) or {}).get("employed"), FMT_INT),
        ("升学人数", lambda y: (emp.get(y) or {}).get("further_study"), FMT_INT),
        ("落实去向人数（就业+升学）", lambda y: (emp.get(y) or {}).get("placed"), FMT_INT),
        ("对口就业人数", lambda y: (emp.get(y) or {}).get("related"), FMT_INT),
        ("平均起薪（元/月）", lambda y: (emp.get(y) or {}).get("avg_salary"), '#,##0.00"元"'),
    ]
    rows = [(label, *(cell(num(get(y)), fmt) for y in ctx.years3)) for label, get, fmt in items]
    t = sw.table([Col("项目", 30), *(Col(y, 14) for y in ctx.years3)], rows, name="student_flow")
    ch = line_chart("招生计划、录取与报到（人）", y_format="#,##0")
    for i in (0, 1, 3):
        r = t.first_row + i
        s = Series(Reference(sw.ws, min_col=2, max_col=4, min_row=r, max_row=r))
        s.tx = SeriesLabel(strRef=StrRef(f"'{sw.ws.title}'!$A${r}"))
        s.marker.symbol = "circle"
        s.smooth = False
        ch.series.append(s)
    set_categories(ch, sw.ws, col=2, last_col=4, first_row=t.header_row, last_row=t.header_row)
    sw.place_chart(ch, height_rows=14)
    sw.heading("（二）招生与就业指标")
    _school_indicator_table(sw, ctx, THEMES["students"], name="student_indicators",
                            trend_name="student_trend", chart_title="（三）招生与就业指标近三年趋势")
    sw.heading(f"（四）{ctx.year}学年各二级学院招生、在校生与就业")
    cf = q.college_flow(ctx.w, ctx.year)
    t = sw.table([Col("学院代码", 9), Col("二级学院", 16), Col("招生计划", 10), Col("录取", 10), Col("报到", 10),
                  Col("在校生", 10), Col("毕业生", 10), Col("落实去向", 10), Col("就业", 10), Col("对口就业", 10),
                  Col("去向落实率", 11)],
                 [(r["college_code"], r["college_name"], (r["plan_count"], FMT_INT), (r["admitted_count"], FMT_INT),
                   (r["enrolled_count"], FMT_INT), (r["students"], FMT_INT), (r["graduates"], FMT_INT),
                   (r["placed"], FMT_INT), (r["employed"], FMT_INT), (r["related"], FMT_INT),
                   cell(r["placement_rate"], FMT_PCT, empty="—")) for r in cf], name="college_flow")
    if any(r["placement_rate"] is not None for r in cf):
        ch = bar_chart(f"{ctx.year}学年各二级学院毕业生去向落实率", y_format="0%")
        add_series(ch, sw.ws, values_col=t.col("去向落实率"), first_row=t.first_row, last_row=t.last_row,
                   title="去向落实率", colour="2E7D32", labels=True)
        set_categories(ch, sw.ws, col=t.col("二级学院"), first_row=t.first_row, last_row=t.last_row)
        ch.legend = None
        sw.place_chart(ch, height_rows=14)
    ctx.finish(sw, landscape=True)


# ---------------------------------------------------------------------- 二(六) 社会服务
def _service(wb: Workbook, ctx: Ctx) -> None:
    sw = ctx.sheet(wb, "二(六)社会服务", width_cols=8)
    end = ctx.year[5:]
    sw.heading(f"（一）科研教研与社会服务成果（{end}年）")
    res = q.research_by_type(ctx.w, ctx.year)
    levels = ["国家级", "省部级", "市厅级", "校级"]
    levels += sorted({r["level"] for r in res} - set(levels))
    types = list(dict.fromkeys(r["achievement_type"] for r in res))
    by = {(r["achievement_type"], r["level"]): r["n"] for r in res}
    rows = [(t, *((by.get((t, lv), 0), FMT_INT) for lv in levels),
             (sum(by.get((t, lv), 0) for lv in levels), FMT_INT)) for t in types]
    totals = ("合计", *((sum(by.get((t, lv), 0) for t in types), FMT_INT) for lv in levels),
              (sum(by.values()), FMT_INT)) if rows else None
    t = sw.table([Col("成果类型", 14), *(Col(lv, 10) for lv in levels), Col("合计", 10)], rows,
                 name="service_research", total_row=totals)
    if rows:
        ch = bar_chart(f"{end}年科研教研成果（项）", stacked=True, y_format="#,##0")
        palette = ["C62828", "EF6C00", "1F4E79", "7CB342", "757575", "8E24AA"]
        for j, lv in enumerate(levels):
            add_series(ch, sw.ws, values_col=t.col(lv), first_row=t.first_row, last_row=t.last_row,
                       title_ref=(t.header_row, t.col(lv)), colour=palette[j % len(palette)])
        set_categories(ch, sw.ws, col=1, first_row=t.first_row, last_row=t.last_row)
        sw.place_chart(ch, height_rows=14)
    sw.heading(f"（二）{ctx.year}学年教职工培训与企业实践")
    tr = q.training_by_type(ctx.w, ctx.year)
    r = tr[0] if tr else {}
    items = [("国家级培训", "national_hours"), ("省级培训", "provincial_hours"), ("校本培训", "school_hours"),
             ("企业实践", "enterprise_hours"), ("线上研修", "online_hours"), ("合计", "training_hours")]
    sw.table([Col("培训类型", 16), Col("学时", 12)],
             [(label, cell(num(r.get(k)), "#,##0.0")) for label, k in items], name="service_training")
    sw.note(f"参加培训的教职工 {r.get('n_trained') or 0} 人（共 {r.get('n_staff') or 0} 人）。"
            "社会培训（A7-3-2）、技术服务到款额等社会服务数据尚未接入源头采集，待后续补充。")
    ctx.finish(sw)


# ---------------------------------------------------------------------- 三、达标与预警汇总
def _summary(wb: Workbook, ctx: Ctx) -> None:
    sw = ctx.sheet(wb, "三、达标与预警汇总", width_cols=14)
    sw.heading("（一）五个层面预警事项")
    warn_headers = [ctx.tier_names.get(t, t) for t in q.WARNING_TIERS]
    sw.table([Col("层面", 8), Col("对象数", 9), Col("有预警的对象", 12), Col("占比", 9), Col("其中红色", 9),
              Col("预警事项", 10), *(Col(h, 10) for h in warn_headers)],
             [(c["level"], (c["n_entities"], FMT_INT), (c["n_warned"], FMT_INT), cell(c["warned_share"], FMT_PCT),
               (c["n_red"], FMT_INT), (c["n_cases"], FMT_INT), *((c[t], FMT_INT) for t in q.WARNING_TIERS))
              for c in q.level_case_counts(ctx.w, ctx.year)], name="summary_cases")
    sw.note("预警事项 = 一个对象（学校、专业、课程、教师、学生）一个诊改周期一项，等级取最严重的原因；课程、学生按学期，"
            "一个对象一学年最多两项。学生层面按学生预警规则（学业、考勤）判定，不按单个学生指标。")
    counts = {r["level"]: r for r in q.level_tier_counts(ctx.w, ctx.year)}
    sw.heading("（二）五个层面指标判定结果（分析用）")
    tier_headers = [ctx.tier_names.get(t, t) for t in q.TIER_ORDER]
    rows = []
    for lv in q.LEVELS:
        c = counts.get(lv)
        if c is None:
            rows.append((lv, *([NO_DATA] + [""] * (len(q.TIER_ORDER) + 2))))
            continue
        rows.append((lv, (c["n_entities"], FMT_INT), (c["n_indicators"], FMT_INT), (c["n_judged"], FMT_INT),
                     *((c[t], FMT_INT) for t in q.TIER_ORDER)))
    t = sw.table([Col("层面", 8), Col("对象数", 9), Col("指标数", 8), Col("判定数", 10),
                  *(Col(h, 9) for h in tier_headers)], rows, name="summary_levels")
    sw.note("判定数 = 对象 × 周期 × 指标（学期指标一个学年两次判定）；预警数以上表“预警事项”为准"
            "（学生层面的单项指标越线只供分析，不算预警）。")
    ch = bar_chart(f"{ctx.year}学年五个层面判定结果构成", stacked=True, y_format="#,##0")
    ch.grouping = "percentStacked"
    for tcode, h in zip(q.TIER_ORDER, tier_headers, strict=True):
        add_series(ch, sw.ws, values_col=t.col(h), first_row=t.first_row, last_row=t.last_row,
                   title_ref=(t.header_row, t.col(h)), colour=ctx.code_colours.get(tcode))
    set_categories(ch, sw.ws, col=1, first_row=t.first_row, last_row=t.last_row)
    ch.y_axis.number_format = "0%"
    sw.place_chart(ch, height_rows=15)
    sw.heading("（三）学校层面全部指标")
    school_codes = [c for c, ind in ctx.catalogue.items() if ind["level"] == "学校"]
    _school_indicator_table(sw, ctx, school_codes, name="summary_school")
    for i, lv in enumerate(q.LEVELS[1:], start=3):
        sw.heading(f"（{'四五六七'[i - 3]}）{lv}层面指标")
        rows = []
        for r in q.level_indicator_summary(ctx.w, lv, ctx.year):
            f = fmt_of(r)
            rows.append((r["name_zh"], r["unit"], r["cycle"], (r["n_judged"], FMT_INT),
                         cell(r["avg_value"], f), cell(r["min_value"], f), cell(r["max_value"], f),
                         *((r[tc], FMT_INT) for tc in q.TIER_ORDER)))
        sw.table([Col("指标", 22), Col("单位", 6), Col("周期", 6), Col("判定数", 10), Col("平均值", 10),
                  Col("最小值", 10), Col("最大值", 10), *(Col(h, 9) for h in tier_headers)], rows,
                 name=f"summary_level_{['major', 'course', 'teacher', 'student'][i - 3]}")
    sw.note("平均值为各对象指标值的简单平均（不加权）。")
    sw.heading("（八）学生学业与考勤预警（按学期）")
    sws = q.student_warning_counts(ctx.w, ctx.year)
    sw.table([Col("学期", 14), Col("预警类别", 12), Col(ctx.tier_names["黄"], 10), Col(ctx.tier_names["橙"], 10),
              Col(ctx.tier_names["红"], 10), Col("合计", 10)],
             [(r["semester_code"], r["warning_type"], (r["n_yellow"], FMT_INT), (r["n_orange"], FMT_INT),
               (r["n_red"], FMT_INT), (r["n"], FMT_INT)) for r in sws], name="summary_student_warnings")
    sw.heading("（九）目标链：各部门年度目标达成")
    ta = q.target_achievement(ctx.w, ctx.year)
    sw.table([Col("部门", 18), Col("类型", 10), Col("目标数", 8), Col("量化且有数据", 10), Col("达成", 8),
              Col("未达成", 8), Col("无数据", 8), Col("定性目标", 8), Col("达成度", 10), Col("等级", 10)],
             [(r["dept_name"], r["dept_type"], (r["n_targets"], FMT_INT), (r["n_measured"], FMT_INT),
               (r["n_achieved"], FMT_INT), (r["n_not_achieved"], FMT_INT), (r["n_no_data"], FMT_INT),
               (r["n_qualitative"], FMT_INT), cell(r["achievement_rate"], FMT_PCT, empty="—"),
               ctx.tier_name(r["tier"])) for r in ta], name="summary_targets", tier_cols=("等级",))
    ctx.finish(sw, landscape=True)


# ---------------------------------------------------------------------- 四、问题与改进建议
def _issues(wb: Workbook, ctx: Ctx) -> None:
    sw = ctx.sheet(wb, "四、问题与改进建议", width_cols=10)
    review = q.previous_cycle_review(ctx.w, ctx.year)
    issues = q.year_warnings_by_indicator(ctx.w, ctx.year)
    loop = q.improvement_loop(ctx.w, ctx.year)
    rc = q.rechecked_in_year(ctx.w, ctx.year)
    n_now = sum(r["n_cases"] for r in loop)
    n_open_earlier = sum(r["n_open_earlier"] for r in loop)
    n_improved = rc["n_cleared"] + rc["n_better"]
    sw.paragraph(
        f"本学年五个层面共有预警事项 {n_now:,} 项（每个对象每个周期一项；学校、专业、课程、教师层面涉及 {len(issues)} 个"
        f"指标，学生按学业、考勤预警规则），往年未关闭的诊改事项 {n_open_earlier:,} 项。本学年复核上一周期的诊改事项 "
        f"{rc['n_rechecked']:,} 项：已消除 {rc['n_cleared']:,} 项，等级降低 {rc['n_better']:,} 项，"
        f"未改善 {rc['n_not_improved']:,} 项"
        + (f"，改进成效 {n_improved / rc['n_rechecked']:.1%}。" if rc["n_rechecked"] else "。")
        + "以下按“监测—预警—改进”小循环与“目标—标准—诊断—改进”大循环列出问题与建议，"
          "由责任部门牵头、协助部门配合，在下一周期复核。")
    sw.heading("（一）上一周期预警的改进情况（按指标，分析用）")
    rows = []
    for r in review:
        improved = r["n_now_pass"] + r["n_better_still_warned"]
        rows.append((r["level"], r["indicator_name"], r["prev_period"], r["cur_period"],
                     (r["n_prev_warned"], FMT_INT), (r["n_now_pass"], FMT_INT),
                     (r["n_better_still_warned"], FMT_INT), (r["n_not_better"], FMT_INT), (r["n_no_data"], FMT_INT),
                     cell(improved / r["n_prev_warned"] if r["n_prev_warned"] else None, FMT_PCT)))
    sw.table([Col("层面", 8), Col("指标", 22), Col("上一周期", 13), Col("本周期", 13), Col("上期预警", 10),
              Col("本期已达标", 10), Col("仍预警已改善", 11), Col("仍预警未改善", 11), Col("本期无数据", 10),
              Col("改进率", 9)], rows, name="issues_review", empty_text="上一周期没有预警")
    sw.note("按指标逐项对照（一条 = 一个对象一个周期的一个指标，不是预警事项数）。改进率 = （本期已达标 + 仍预警但已改善）"
            "÷ 上期预警；学期指标的上一周期为上一学期。")
    sw.heading("（二）诊改事项闭环（预警 → 诊断 → 改进 → 复核）")
    sw.table([Col("层面", 8), Col("本学年预警事项", 12), Col("已答复", 9), Col("已填措施", 9), Col("逾期", 9),
              Col("已复核", 9), Col("复核已改善", 10), Col("未关闭", 9), Col("往年未关闭", 10)],
             [(r["level"], *((r[k], FMT_INT) for k in ("n_cases", "n_answered", "n_with_measure", "n_overdue",
                                                       "n_rechecked", "n_improved", "n_open", "n_open_earlier")))
              for r in loop], name="issues_items", empty_text="没有诊改事项")
    sw.note("诊改事项即预警事项（每个对象每个周期一项），各部门在自我诊断报告中答复原因与措施；复核 = 该层面下一周期，"
            "不再预警或等级降低为已改善（事项关闭）；逾期 = 过了答复期限仍无措施，或过了完成时限仍未改善。状态为截至最新数据。")
    sw.heading("（三）本学年主要问题与改进建议")
    rev = {(r["level"], r["indicator_code"]): r for r in review}
    irows = []
    for i, r in enumerate(issues, start=1):
        p = rev.get((r["level"], r["indicator_code"]))
        trend = ""
        if p:
            delta = r["n_warnings"] - p["n_prev_warned"]
            trend = (f"；较上一周期（{p['prev_period']}，{p['n_prev_warned']} 次）"
                     f"{'增加' if delta > 0 else '减少' if delta < 0 else '持平'}{abs(delta) if delta else ''}"
                     f"{' 次' if delta else ''}，其中 {p['n_now_pass']} 次已达标、{p['n_better_still_warned']} 次有改善")
        else:
            trend = "；上一周期无预警，为新出现的问题"
        assist = r["assisting_dept_names"] or "相关部门"
        advice = (f"由{r['responsible_dept_name']}牵头，会同{assist}逐一分析预警对象的原因，对照标准链制定改进措施，"
                  f"纳入下一周期目标任务并在下一周期复核"
                  + ("；红色预警须限期整改并报质量监督与评估处" if r["n_red"] else "") + "。")
        irows.append((i, r["level"], r["indicator_name"], (r["n_warnings"], FMT_INT), (r["n_red"], FMT_INT),
                      (r["n_orange"], FMT_INT), (r["n_yellow"], FMT_INT),
                      f"本学年越线 {r['n_warnings']} 次（判定 {r['n_judged']} 次）{trend}。典型：{r['example_reason']}",
                      r["responsible_dept_name"], advice))
    sw.table([Col("序号", 5, align="center"), Col("层面", 8), Col("指标", 16), Col("越线判定", 8),
              Col(ctx.tier_names["红"], 8), Col(ctx.tier_names["橙"], 8), Col(ctx.tier_names["黄"], 8),
              Col("问题诊断", 50), Col("责任部门", 12), Col("改进建议", 44)], irows, name="issues_list",
             empty_text="本学年没有预警")
    ctx.finish(sw, landscape=True)
