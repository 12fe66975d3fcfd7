"""Every query the reports run, against the published serving warehouse opened read-only.

The reports are written on the columns of the indicator long table and the catalogue (seed
ref.indicator_catalogue), never on a list of indicator codes: a new indicator in the catalogue shows up
in the level tables by itself. Sections that pick indicators by theme (办学条件, 师资 …) take them from the
catalogue and the national lines (ref.national_baselines), and show “本学年无数据” when a value is missing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipelines.config import REPO_ROOT
from pipelines.reports import ReportError

YEAR_RE = re.compile(r"^(\d{4})-(\d{4})$")
LEVELS = ["学校", "专业", "课程", "教师", "学生"]


def _seed_tiers() -> list[dict[str, str]]:
    """The tier vocabulary, in severity order, from its one place (seeds/warning_tiers.csv)."""
    with open(REPO_ROOT / "seeds" / "warning_tiers.csv", encoding="utf-8") as f:
        return sorted(csv.DictReader(f), key=lambda t: int(t["severity_rank"]))


TIER_ORDER = [t["tier"] for t in _seed_tiers()]
WARNING_TIERS = [t["tier"] for t in _seed_tiers() if t["is_warning"] == "true"]


def serving_path(home: str | Path | None = None) -> Path:
    from pipelines.config import load_settings

    return Path(home if home is not None else load_settings().home) / "serving.duckdb"


def check_year(year: str) -> str:
    m = YEAR_RE.match(year or "")
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        raise ReportError(f"学年格式不正确：“{year}”。请写成 2024-2025 这样的形式（起始年-结束年）。")
    return year


def shift_year(year: str, delta: int) -> str:
    start = int(year[:4]) + delta
    return f"{start}-{start + 1}"


@dataclass
class Warehouse:
    """A read-only connection to the serving warehouse with small row helpers."""

    con: duckdb.DuckDBPyConnection
    path: Path

    @classmethod
    def open(cls, path: str | Path | None = None) -> Warehouse:
        p = Path(path) if path else serving_path()
        if not p.exists():
            raise ReportError(f"没有找到已发布的数据仓库：{p}。请先运行 zhengai run（或检查 ZHENGAI_HOME）。")
        try:
            con = duckdb.connect(str(p), read_only=True)
        except duckdb.Error as exc:
            raise ReportError(f"无法以只读方式打开数据仓库 {p}：{exc}") from exc
        return cls(con, p)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        r = self.con.execute(sql, list(params)).fetchone()
        return r[0] if r else None

    def has(self, qualified: str) -> bool:
        schema, table = qualified.split(".")
        return bool(self.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                                "AND table_name = ?", [schema, table]))

    def version(self) -> str:
        """The published version's name (the serving file is a hard link to versions/<name>.duckdb)."""
        try:
            ino = self.path.stat().st_ino
            for v in sorted((self.path.parent / "versions").glob("*.duckdb")):
                if v.stat().st_ino == ino:
                    return v.stem
        except OSError:
            pass
        return self.path.name


# ---------------------------------------------------------------------- reference data
def profile(w: Warehouse) -> dict[str, Any]:
    r = w.rows("SELECT * FROM ref.school_profile LIMIT 1")
    return r[0] if r else {"school_name": "（未配置学校名称）", "school_type": None}


def tiers(w: Warehouse) -> list[dict[str, Any]]:
    return w.rows("SELECT tier, name_zh, severity_rank, colour, is_warning FROM ref.warning_tiers ORDER BY severity_rank")


def tier_name_colours(w: Warehouse) -> dict[str, str]:
    """Displayed tier name → colour (the conditional formatting matches the names the sheets show)."""
    return {t["name_zh"]: t["colour"] for t in tiers(w)}


def departments(w: Warehouse) -> list[dict[str, Any]]:
    return w.rows("SELECT dept_code, dept_name, dept_type, is_teaching_unit, sort_order FROM ref.org_departments "
                  "ORDER BY sort_order, dept_code")


def catalogue(w: Warehouse) -> list[dict[str, Any]]:
    return w.rows("SELECT c.*, row_number() OVER () AS catalogue_order FROM ref.indicator_catalogue AS c")


def baselines(w: Warehouse) -> list[dict[str, Any]]:
    """The national lines of this school's type (the same matching rule as fct_warnings), in catalogue order."""
    return w.rows("""
        WITH p AS (SELECT school_type FROM ref.school_profile LIMIT 1),
        cat AS (SELECT *, row_number() OVER () AS catalogue_order FROM ref.indicator_catalogue)
        SELECT b.indicator_code, c.name_zh, c.unit, c.decimals, c.direction, b.qualified_value,
               b.restricted_value, b.source_zh, b.verified, c.catalogue_order
        FROM ref.national_baselines AS b
        CROSS JOIN p
        JOIN cat AS c USING (indicator_code)
        WHERE list_contains(string_split(b.school_type, '/'), p.school_type)
        ORDER BY c.catalogue_order""")


# ---------------------------------------------------------------------- years
def years_with_data(w: Warehouse) -> list[str]:
    parts = ["SELECT academic_year FROM indicators.fct_indicator_values WHERE value IS NOT NULL"]
    if w.has("marts.fct_school_conditions"):
        parts.append("SELECT academic_year FROM marts.fct_school_conditions")
    sql = " UNION ".join(parts)
    return [r[0] for r in w.con.execute(f"SELECT DISTINCT academic_year FROM ({sql}) WHERE academic_year IS NOT NULL "
                                        "ORDER BY 1").fetchall()]


def latest_year(w: Warehouse) -> str:
    years = years_with_data(w)
    if not years:
        raise ReportError("已发布的数据仓库中还没有任何学年的指标数据。请先采集数据并运行 zhengai run。")
    return years[-1]


def require_year(w: Warehouse, year: str) -> list[str]:
    check_year(year)
    years = years_with_data(w)
    if year not in years:
        have = "、".join(years) if years else "无"
        raise ReportError(f"{year} 学年在已发布的数据仓库中没有数据（有数据的学年：{have}）。"
                          "请先采集该学年的数据并运行 zhengai run，或换一个学年。")
    return years


# ---------------------------------------------------------------------- indicators and warnings
def school_rows(w: Warehouse, years: Sequence[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(indicator_code, academic_year) → the school-level warning row (value, lines, target, tier …)."""
    if not years:
        return {}
    marks = ", ".join("?" for _ in years)
    rows = w.rows(f"""
        SELECT * FROM warnings.fct_warnings
        WHERE level = '学校' AND academic_year IN ({marks})
        QUALIFY row_number() OVER (PARTITION BY indicator_code, academic_year ORDER BY period DESC) = 1""", years)
    return {(r["indicator_code"], r["academic_year"]): r for r in rows}


def level_tier_counts(w: Warehouse, year: str) -> list[dict[str, Any]]:
    """Per level: judgements (object × period × indicator) of the year by tier."""
    cols = ", ".join(f"count(*) FILTER (WHERE tier = '{t}') AS \"{t}\"" for t in TIER_ORDER)
    return w.rows(f"""
        SELECT level, count(DISTINCT entity_id) AS n_entities, count(DISTINCT indicator_code) AS n_indicators,
               count(*) AS n_judged, {cols}, count(*) FILTER (WHERE is_warning) AS n_warnings
        FROM warnings.fct_warnings WHERE academic_year = ?
        GROUP BY level""", [year])


def level_case_counts(w: Warehouse, year: str) -> list[dict[str, Any]]:
    """Per level: objects, warning cases (one per object × cycle, warnings.fct_warning_cases) by worst tier, and
    the objects warned (warnings.agg_warning_shares) — the headline numbers of the report."""
    cols = ", ".join(f"count(c.case_id) FILTER (WHERE c.worst_tier = '{t}') AS \"{t}\"" for t in WARNING_TIERS)
    return w.rows(f"""
        SELECT * FROM (
            SELECT s.level, s.n_entities, s.n_warned, s.warned_share, s.n_orange_red, s.n_red, s.red_share,
                   count(c.case_id) AS n_cases, {cols}
            FROM warnings.agg_warning_shares AS s
            LEFT JOIN warnings.fct_warning_cases AS c ON c.level = s.level AND c.academic_year = s.academic_year
            WHERE s.academic_year = ?
            GROUP BY ALL)
        ORDER BY list_position({LEVELS}, level)""", [year])


def level_indicator_summary(w: Warehouse, level: str, year: str) -> list[dict[str, Any]]:
    """Per catalogue indicator of a level: objects judged, values, mean/min/max and the tier counts of the year."""
    cols = ", ".join(f"count(v.tier) FILTER (WHERE v.tier = '{t}') AS \"{t}\"" for t in TIER_ORDER)
    return w.rows(f"""
        WITH cat AS (SELECT *, row_number() OVER () AS catalogue_order FROM ref.indicator_catalogue)
        SELECT c.indicator_code, c.name_zh, c.unit, c.decimals, c.direction, c.cycle, c.responsible_dept,
               count(v.tier) AS n_judged, count(v.value) AS n_values,
               avg(v.value) AS avg_value, min(v.value) AS min_value, max(v.value) AS max_value, {cols},
               count(v.tier) FILTER (WHERE v.is_warning) AS n_warnings
        FROM cat AS c
        LEFT JOIN warnings.fct_warnings AS v
          ON v.indicator_code = c.indicator_code AND v.academic_year = ?
        WHERE c.level = ?
        GROUP BY ALL
        ORDER BY min(c.catalogue_order)""", [year, level])


def previous_cycle_review(w: Warehouse, year: str) -> list[dict[str, Any]]:
    """Per indicator: the objects warned in the cycle before the year's last cycle, and how they stand now.

    For an annual indicator the previous cycle is the previous 学年; for a semester one, the previous semester.
    """
    return w.rows("""
        WITH cur AS (
            SELECT indicator_code, max(period) AS cur_period FROM warnings.fct_warnings
            WHERE academic_year = ? GROUP BY indicator_code),
        prev AS (
            SELECT c.indicator_code, c.cur_period, max(w.period) AS prev_period
            FROM cur AS c JOIN warnings.fct_warnings AS w
              ON w.indicator_code = c.indicator_code AND w.period < c.cur_period
            GROUP BY ALL),
        pairs AS (
            SELECT p.indicator_code, p.prev_period, p.cur_period, a.level, a.indicator_name, a.direction,
                   a.entity_id, a.value AS prev_value, b.value AS cur_value, b.tier AS cur_tier,
                   b.is_warning AS cur_warning, a.responsible_dept_name,
                   CASE WHEN a.value IS NULL OR b.value IS NULL THEN NULL
                        WHEN a.direction = 'lower' THEN b.value < a.value ELSE b.value > a.value END AS better
            FROM prev AS p
            JOIN warnings.fct_warnings AS a ON a.indicator_code = p.indicator_code AND a.period = p.prev_period
                                           AND a.is_warning
            LEFT JOIN warnings.fct_warnings AS b
              ON b.indicator_code = a.indicator_code AND b.period = p.cur_period
             AND b.level = a.level AND b.entity_type = a.entity_type AND b.entity_id = a.entity_id)
        SELECT level, indicator_code, any_value(indicator_name) AS indicator_name, prev_period, cur_period,
               any_value(responsible_dept_name) AS responsible_dept_name,
               count(*) AS n_prev_warned,
               count(*) FILTER (WHERE cur_tier IN ('达标', '达到目标')) AS n_now_pass,
               count(*) FILTER (WHERE cur_warning AND better) AS n_better_still_warned,
               count(*) FILTER (WHERE cur_warning AND NOT better) AS n_not_better,
               count(*) FILTER (WHERE cur_tier IS NULL OR cur_tier IN ('数据缺失', '无标准')) AS n_no_data
        FROM pairs
        GROUP BY level, indicator_code, prev_period, cur_period
        ORDER BY list_position(['学校', '专业', '课程', '教师', '学生'], level), indicator_code""", [year])


def year_warnings_by_indicator(w: Warehouse, year: str) -> list[dict[str, Any]]:
    """Per level × indicator: warnings of the year by tier (the issues of 四、问题与改进建议)."""
    return w.rows("""
        SELECT level, indicator_code, any_value(indicator_name) AS indicator_name, any_value(unit) AS unit,
               any_value(responsible_dept_name) AS responsible_dept_name,
               any_value(assisting_dept_names) AS assisting_dept_names,
               count(*) AS n_judged,
               count(*) FILTER (WHERE is_warning) AS n_warnings,
               count(*) FILTER (WHERE tier = '红') AS n_red,
               count(*) FILTER (WHERE tier = '橙') AS n_orange,
               count(*) FILTER (WHERE tier = '黄') AS n_yellow,
               max(severity_rank) FILTER (WHERE is_warning) AS worst_rank,
               arg_max(reason_zh, severity_rank * 1e9 + coalesce(abs(value), 0)) FILTER (WHERE is_warning)
                   AS example_reason
        FROM warnings.fct_warnings
        WHERE academic_year = ?
        GROUP BY level, indicator_code
        HAVING count(*) FILTER (WHERE is_warning) > 0
        ORDER BY max(severity_rank) FILTER (WHERE is_warning) DESC, count(*) FILTER (WHERE tier = '红') DESC,
                 count(*) FILTER (WHERE is_warning) DESC, level, indicator_code""", [year])


def improvement_loop(w: Warehouse, year: str) -> list[dict[str, Any]]:
    """Per level: the year's 诊改事项 (spiral.fct_improvement_cases — one per warning case, so `n_cases` equals the
    warning cases of the year) through the loop, and the earlier years' cases still open."""
    return w.rows(f"""
        SELECT level,
               count(*) FILTER (WHERE academic_year = ?) AS n_cases,
               count(*) FILTER (WHERE academic_year = ? AND is_answered) AS n_answered,
               count(*) FILTER (WHERE academic_year = ? AND measure IS NOT NULL) AS n_with_measure,
               count(*) FILTER (WHERE academic_year = ? AND is_overdue) AS n_overdue,
               count(*) FILTER (WHERE academic_year = ? AND is_improved IS NOT NULL) AS n_rechecked,
               count(*) FILTER (WHERE academic_year = ? AND is_improved) AS n_improved,
               count(*) FILTER (WHERE academic_year = ? AND is_open) AS n_open,
               count(*) FILTER (WHERE academic_year < ? AND is_open) AS n_open_earlier
        FROM spiral.fct_improvement_cases
        WHERE academic_year <= ?
        GROUP BY level
        ORDER BY list_position({LEVELS}, level)""", [year] * 9)


def rechecked_in_year(w: Warehouse, year: str) -> dict[str, int]:
    """The 诊改事项 whose re-check cycle (the level's next cycle) falls in the year: how many, and how they stand —
    cleared (no longer warned), better (lower tier), not improved."""
    [row] = w.rows("""
        SELECT count(*) AS n_rechecked,
               count(*) FILTER (WHERE is_improved AND next_tier IS NULL) AS n_cleared,
               count(*) FILTER (WHERE is_improved AND next_tier IS NOT NULL) AS n_better,
               count(*) FILTER (WHERE NOT is_improved) AS n_not_improved
        FROM spiral.fct_improvement_cases
        WHERE substr(next_cycle, 1, 9) = ?""", [year])
    return row


def target_achievement(w: Warehouse, year: str) -> list[dict[str, Any]]:
    return w.rows("""
        SELECT t.*, d.sort_order FROM spiral.fct_target_achievement AS t
        LEFT JOIN ref.org_departments AS d USING (dept_code)
        WHERE t.academic_year = ?
        ORDER BY t.dept_code = '全校' DESC, d.sort_order, t.dept_code""", [year])


def student_warning_counts(w: Warehouse, year: str) -> list[dict[str, Any]]:
    if not w.has("warnings.fct_student_warnings"):
        return []
    return w.rows("""
        SELECT semester_code, warning_type, count(*) FILTER (WHERE tier = '黄') AS n_yellow,
               count(*) FILTER (WHERE tier = '橙') AS n_orange, count(*) FILTER (WHERE tier = '红') AS n_red,
               count(*) AS n
        FROM warnings.fct_student_warnings WHERE academic_year = ?
        GROUP BY ALL ORDER BY ALL""", [year])


# ---------------------------------------------------------------------- data collection (gate results)
def source_batches(w: Warehouse) -> list[dict[str, Any]]:
    """The batch each source table is served from, with its latest gate result."""
    has_audit = w.has("audit.validation_runs")
    audit_cols = ("v.n_rows, v.n_expectations, v.n_failed_blocking, v.n_failed_warning, v.n_skipped, v.validated_at"
                  if has_audit else "NULL AS n_rows, NULL AS n_expectations, NULL AS n_failed_blocking, "
                                    "NULL AS n_failed_warning, NULL AS n_skipped, NULL AS validated_at")
    audit_join = ("""LEFT JOIN (SELECT * FROM audit.validation_runs
                      QUALIFY row_number() OVER (PARTITION BY source_system, source_table ORDER BY validated_at DESC) = 1)
                 AS v USING (source_system, source_table)""" if has_audit else "")
    return w.rows(f"""
        SELECT b.source_system, b.source_table, b.source_file, b.sheet, b.row_count, b.loaded_at, b.batch_id,
               {audit_cols}
        FROM raw._latest_batches AS b
        {audit_join}
        ORDER BY list_position(['jiaowu', 'renshi', 'xuegong', 'caiwu', 'zhuangtai'], b.source_system), b.source_table""")


def column_completeness(w: Warehouse) -> dict[tuple[str, str], dict[str, Any]]:
    """(system, table) → non-null share over the not-null expectations of its latest validation."""
    if not w.has("audit.expectation_results"):
        return {}
    rows = w.rows("""
        WITH latest AS (
            SELECT source_system, source_table, run_id FROM audit.validation_runs
            QUALIFY row_number() OVER (PARTITION BY source_system, source_table ORDER BY validated_at DESC) = 1)
        SELECT e.source_system, e.source_table, count(*) AS n_checked_columns,
               sum(e.element_count) AS n_cells, sum(e.unexpected_count) AS n_missing
        FROM audit.expectation_results AS e JOIN latest AS l USING (source_system, source_table, run_id)
        WHERE e.expectation_type = 'expect_column_values_to_not_be_null' AND e.success IS NOT NULL
        GROUP BY ALL""")
    return {(r["source_system"], r["source_table"]): r for r in rows}


def gate_gaps(w: Warehouse) -> list[dict[str, Any]]:
    """Expectations that did not pass (warnings — blocking ones never reach a published warehouse) or were skipped."""
    if not w.has("audit.expectation_results"):
        return []
    return w.rows("""
        WITH latest AS (
            SELECT source_system, source_table, run_id FROM audit.validation_runs
            QUALIFY row_number() OVER (PARTITION BY source_system, source_table ORDER BY validated_at DESC) = 1)
        SELECT e.source_system, e.source_table, e.source_file, e.column_label_zh, e.column_name, e.rule_zh,
               e.severity, e.success, e.element_count, e.unexpected_count, e.unexpected_percent, e.skipped_reason
        FROM audit.expectation_results AS e JOIN latest AS l USING (source_system, source_table, run_id)
        WHERE e.success = FALSE OR e.success IS NULL
        ORDER BY list_position(['jiaowu', 'renshi', 'xuegong', 'caiwu', 'zhuangtai'], e.source_system),
                 e.source_table, e.expectation_index""")


def indicator_coverage(w: Warehouse, year: str) -> list[dict[str, Any]]:
    """Per level: catalogue indicators, indicators computed this year, values present vs missing."""
    return w.rows("""
        WITH cat AS (SELECT level, count(*) AS n_catalogue FROM ref.indicator_catalogue GROUP BY level),
        v AS (SELECT level, count(DISTINCT indicator_code) AS n_computed, count(*) AS n_rows,
                     count(value) AS n_values FROM indicators.fct_indicator_values
              WHERE academic_year = ? GROUP BY level)
        SELECT cat.level, cat.n_catalogue, coalesce(v.n_computed, 0) AS n_computed,
               coalesce(v.n_rows, 0) AS n_rows, coalesce(v.n_values, 0) AS n_values
        FROM cat LEFT JOIN v USING (level)
        ORDER BY list_position(['学校', '专业', '课程', '教师', '学生'], cat.level)""", [year])


# ---------------------------------------------------------------------- marts
def school_conditions(w: Warehouse, years: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not w.has("marts.fct_school_conditions"):
        return {}
    marks = ", ".join("?" for _ in years)
    return {r["academic_year"]: r for r in
            w.rows(f"SELECT * FROM marts.fct_school_conditions WHERE academic_year IN ({marks})", years)}


def finance(w: Warehouse, years: Sequence[str]) -> list[dict[str, Any]]:
    """Income and expense by item and academic year (万元), with each item's first row order."""
    if not w.has("marts.fct_finance"):
        return []
    marks = ", ".join("?" for _ in years)
    return w.rows(f"""
        SELECT flow, category, category_name, academic_year, any_value(fiscal_year) AS fiscal_year,
               sum(amount_wan) AS amount_wan
        FROM marts.fct_finance WHERE academic_year IN ({marks})
        GROUP BY ALL ORDER BY flow DESC, category, academic_year""", years)


def staff_by_post(w: Warehouse) -> list[dict[str, Any]]:
    return w.rows("SELECT post_type, count(*) AS n FROM marts.dim_staff GROUP BY post_type ORDER BY n DESC")


def teacher_structure(w: Warehouse, year: str) -> list[dict[str, Any]]:
    """专任教师 employed by the end of the year (hired by 31 Aug), by title level / degree / 双师 / 骨干."""
    end = int(year[5:])
    return w.rows("""
        WITH t AS (SELECT * FROM marts.dim_teacher WHERE hire_date IS NULL OR hire_date <= make_date(?, 8, 31))
        SELECT '职称' AS dimension, coalesce(title_level, '未评定') AS category, count(*) AS n,
               coalesce(max(title_rank), 0) AS sort_key FROM t GROUP BY 2
        UNION ALL
        SELECT '学位/学历', CASE WHEN has_postgraduate_degree THEN '研究生学历或硕士及以上学位' ELSE '本科及以下' END,
               count(*), CASE WHEN has_postgraduate_degree THEN 2 ELSE 1 END FROM t GROUP BY 2, 4
        UNION ALL
        SELECT '双师素质', CASE WHEN is_dual_qualified THEN '双师素质教师' ELSE '非双师素质' END, count(*),
               CASE WHEN is_dual_qualified THEN 2 ELSE 1 END FROM t GROUP BY 2, 4
        UNION ALL
        SELECT '骨干与带头人', '骨干教师', count(*) FILTER (WHERE is_backbone), 2 FROM t
        UNION ALL
        SELECT '骨干与带头人', '专业带头人', count(*) FILTER (WHERE is_major_leader), 1 FROM t
        ORDER BY 1, 4 DESC, 2""", [end])


def training_by_year(w: Warehouse, years: Sequence[str]) -> list[dict[str, Any]]:
    if not w.has("marts.fct_training"):
        return []
    marks = ", ".join("?" for _ in years)
    return w.rows(f"""
        SELECT academic_year, count(*) AS n_staff, sum(training_hours) AS hours, avg(training_hours) AS avg_hours,
               sum(enterprise_hours) AS enterprise_hours
        FROM marts.fct_training WHERE post_type = '专任教师' AND academic_year IN ({marks})
        GROUP BY academic_year ORDER BY academic_year""", years)


def majors_by_tier(w: Warehouse) -> list[dict[str, Any]]:
    return w.rows("SELECT major_tier, min(major_tier_rank) AS r, count(*) AS n FROM marts.dim_major "
                  "GROUP BY major_tier ORDER BY r")


def majors_by_college(w: Warehouse, year: str) -> list[dict[str, Any]]:
    return w.rows("""
        WITH s AS (SELECT college_code, count(*) AS students FROM marts.fct_enrolment
                   WHERE academic_year = ? AND is_in_school GROUP BY college_code)
        SELECT m.college_code, any_value(m.college_name) AS college_name, count(*) AS n_majors,
               any_value(coalesce(s.students, 0)) AS students
        FROM marts.dim_major AS m LEFT JOIN s USING (college_code)
        GROUP BY m.college_code ORDER BY m.college_code""", [year])


def major_matrix(w: Warehouse, year: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(majors, cells): every major with its tier, and its 专业-level indicator values and tiers of the year."""
    majors = w.rows("SELECT major_code, major_name, college_name, major_tier FROM marts.dim_major "
                    "ORDER BY college_code, major_tier_rank, major_code")
    cells = w.rows("""
        SELECT entity_id AS major_code, indicator_code, value, tier, tier_name
        FROM warnings.fct_warnings WHERE level = '专业' AND academic_year = ?
        QUALIFY row_number() OVER (PARTITION BY entity_id, indicator_code ORDER BY period DESC) = 1""", [year])
    return majors, cells


def courses_by_level(w: Warehouse, year: str) -> list[dict[str, Any]]:
    return w.rows("""
        WITH t AS (SELECT DISTINCT course_code FROM marts.fct_teaching_task WHERE academic_year = ?)
        SELECT c.course_level, min(c.course_level_rank) AS r, count(*) AS n_courses,
               count(t.course_code) AS n_taught
        FROM marts.dim_course AS c LEFT JOIN t USING (course_code)
        GROUP BY c.course_level ORDER BY r""", [year])


def courses_by_type(w: Warehouse, year: str) -> list[dict[str, Any]]:
    return w.rows("""
        SELECT course_type, any_value(course_type_name) AS course_type_name, count(*) AS n_tasks,
               count(DISTINCT course_code) AS n_courses, sum(workload_hours) AS workload_hours,
               sum(students) AS students
        FROM marts.fct_teaching_task AS t
        LEFT JOIN (SELECT course_code, course_type_name FROM marts.dim_course) USING (course_code)
        WHERE academic_year = ? GROUP BY course_type ORDER BY course_type""", [year])


def admission_by_year(w: Warehouse, years: Sequence[str]) -> list[dict[str, Any]]:
    marks = ", ".join("?" for _ in years)
    return w.rows(f"""
        SELECT academic_year, sum(plan_count) AS plan_count, sum(admitted_count) AS admitted_count,
               sum(first_choice_count) AS first_choice_count, sum(enrolled_count) AS enrolled_count
        FROM marts.fct_admission WHERE academic_year IN ({marks}) GROUP BY academic_year ORDER BY academic_year""",
                  years)


def enrolment_by_year(w: Warehouse, years: Sequence[str]) -> dict[str, int]:
    marks = ", ".join("?" for _ in years)
    return dict(w.con.execute(f"""
        SELECT academic_year, count(*) FILTER (WHERE is_in_school) FROM marts.fct_enrolment
        WHERE academic_year IN ({marks}) GROUP BY academic_year""", list(years)).fetchall())


def employment_by_year(w: Warehouse, years: Sequence[str]) -> list[dict[str, Any]]:
    marks = ", ".join("?" for _ in years)
    return w.rows(f"""
        SELECT academic_year, count(*) AS graduates, count(*) FILTER (WHERE is_employed) AS employed,
               count(*) FILTER (WHERE is_further_study) AS further_study,
               count(*) FILTER (WHERE is_placed) AS placed,
               count(*) FILTER (WHERE is_related_employed) AS related,
               avg(starting_salary) AS avg_salary
        FROM marts.fct_employment WHERE academic_year IN ({marks})
        GROUP BY academic_year ORDER BY academic_year""", years)


def college_flow(w: Warehouse, year: str) -> list[dict[str, Any]]:
    """Per 二级学院 in the year: admission, students in school, graduates and their placement."""
    return w.rows("""
        WITH a AS (SELECT college_code, sum(plan_count) AS plan_count, sum(admitted_count) AS admitted_count,
                          sum(enrolled_count) AS enrolled_count
                   FROM marts.fct_admission WHERE academic_year = ? GROUP BY 1),
        s AS (SELECT college_code, count(*) FILTER (WHERE is_in_school) AS students FROM marts.fct_enrolment
              WHERE academic_year = ? GROUP BY 1),
        e AS (SELECT college_code, count(*) AS graduates, count(*) FILTER (WHERE is_placed) AS placed,
                     count(*) FILTER (WHERE is_related_employed) AS related,
                     count(*) FILTER (WHERE is_employed) AS employed
              FROM marts.fct_employment WHERE academic_year = ? GROUP BY 1)
        SELECT c.college_code, c.college_name, coalesce(a.plan_count, 0) AS plan_count,
               coalesce(a.admitted_count, 0) AS admitted_count, coalesce(a.enrolled_count, 0) AS enrolled_count,
               coalesce(s.students, 0) AS students, coalesce(e.graduates, 0) AS graduates,
               coalesce(e.placed, 0) AS placed, coalesce(e.employed, 0) AS employed,
               coalesce(e.related, 0) AS related,
               CASE WHEN e.graduates > 0 THEN e.placed::DOUBLE / e.graduates END AS placement_rate
        FROM marts.dim_college AS c
        LEFT JOIN a USING (college_code) LEFT JOIN s USING (college_code) LEFT JOIN e USING (college_code)
        WHERE c.is_secondary_college
        ORDER BY c.sort_order, c.college_code""", [year, year, year])


def research_by_type(w: Warehouse, year: str) -> list[dict[str, Any]]:
    """Achievements of the calendar year in which the academic year ends, by type × level."""
    if not w.has("marts.fct_research"):
        return []
    return w.rows("""
        SELECT achievement_type, level, count(*) AS n FROM marts.fct_research
        WHERE research_year = ? GROUP BY achievement_type, level
        ORDER BY achievement_type, list_position(['国家级', '省部级', '市厅级', '校级'], level)""", [int(year[5:])])


def training_by_type(w: Warehouse, year: str) -> list[dict[str, Any]]:
    if not w.has("marts.fct_training"):
        return []
    return w.rows("""
        SELECT sum(national_hours) AS national_hours, sum(provincial_hours) AS provincial_hours,
               sum(school_hours) AS school_hours, sum(enterprise_hours) AS enterprise_hours,
               sum(online_hours) AS online_hours, sum(training_hours) AS training_hours,
               count(*) FILTER (WHERE training_hours > 0) AS n_trained, count(*) AS n_staff
        FROM marts.fct_training WHERE academic_year = ?""", [year])


# ---------------------------------------------------------------------- 跨系统对账 (audit.fct_reconciliation)
def reconciliation(w: Warehouse, year: str) -> list[dict[str, Any]]:
    """One row per reconciliation rule for `year`: the school-level values, or for a rule compared per 专业 the
    sums over the majors with how many majors disagree; the disagreeing items' messages (empty when all agree)."""
    if not w.has("audit.fct_reconciliation"):
        return []
    return w.rows("""
        SELECT rule_id, any_value(rule_name_zh) AS rule_name_zh, any_value(grain) AS grain,
               any_value(left_label_zh) AS left_label_zh, sum(left_value) AS left_value,
               any_value(right_label_zh) AS right_label_zh, sum(right_value) AS right_value,
               sum(difference) AS difference, sum(difference) / nullif(sum(right_value), 0) AS relative_difference,
               count(*) AS n_items, count(*) FILTER (WHERE verdict = '不一致') AS n_mismatch,
               any_value(severity) AS severity, any_value(responsible_dept_name) AS responsible_dept_name,
               list(CASE WHEN entity_id = '全校' THEN message_zh ELSE entity_name || '：' || message_zh END
                    ORDER BY entity_id) FILTER (WHERE verdict = '不一致') AS messages
        FROM audit.fct_reconciliation
        WHERE academic_year = ?
        GROUP BY rule_id
        ORDER BY rule_id""", [year])
