"""Run one source table's expectation suite and say, in Chinese, what is wrong and where.

    result = validate_table(df, "xuegong/student", source_system="xuegong", source_table="student",
                            source_file="学生学籍.csv", sheet=None, batch_id="b1",
                            lookups={"jiaowu.major": major_df})
    if result.blocking_failed: ...            # do not publish; quarantine the file
    print(result.report_zh())

`df` is the batch AS EXTRACTED (text, or values a database gave) carrying `_source_row`: the row number the user
sees in Excel / the CSV editor. The runner first types every contract column with the SQL cleaning macros
(`pipelines/ingest/cleaning.sql`, the ones dbt staging uses — so what passes here is what is published), then:
- reports every cell that is not empty as written but cannot be read (expectation
  `expect_column_values_to_be_readable`, run here, not by GX): 第 12 行「起薪(元)」列的值「4千」用汉字写了数量级…;
  required column → 阻断, optional → 提醒; such a cell is never reported as 为空;
- judges the values against code lists and reference tables resolved at run time (seeds, other tables) itself,
  with GX's own rule (`_fill_membership`: GX is slow with large value sets);
- judges column presence and emptiness itself too, with GX's rules (`_fill_not_null`: GX's fixed cost per
  expectation, ≈ 500 of them a run, was most of its time);
- hands the typed frame to GX for the rest of the suite (ranges, fixed code lists, keys, patterns, row counts);
  failing values are quoted as written.

Suites are plain GX ExpectationSuite JSON. Two kinds of run-time values are resolved here, so that code
lists and reference tables stay data:
- `meta.value_set_from_seed = "code_student_status.status_name"` → the column of `seeds/<file>.csv`;
- `meta.value_set_from_table = "jiaowu.major.major_code"` → the values of that column in the validated
  DataFrame the caller passes as `lookups["jiaowu.major"]` (or directly `lookups["jiaowu.major.major_code"]`).
In the JSON the kwarg is a GX suite parameter (`{"$PARAMETER": "seed__code_student_status__status_name"}`),
so GX itself refuses to run the suite without the values. A reference whose lookup or seed is missing is
not run and is reported as 未执行 (never a silent pass).

One ephemeral GX context per process (cached); the whole suite runs in one `batch.validate(suite)` call.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import math
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.config import REPO_ROOT

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SEEDS_DIR = REPO_ROOT / "seeds"
ROW_COLUMN = "_source_row"
BLOCKING = "blocking"
READABLE = "expect_column_values_to_be_readable"  # the gate's own type check (meta.engine = "sql")
NOT_NULL = "expect_column_values_to_not_be_null"
COLUMN_EXISTS = "expect_column_to_exist"
ROW_COUNT = "expect_table_row_count_to_be_between"
BETWEEN = "expect_column_values_to_be_between"
IN_SET = "expect_column_values_to_be_in_set"  # against a code list / reference table: judged here (_fill_membership)
SHEET_UNIT = "expect_sheet_unit"  # the unit a 财务 sheet states in its title line (pipelines/ingest/units.py)
YEAR_JUMP = "expect_no_year_over_year_jump"  # 状态数据平台: the same row across 采集学年 (pipelines/ingest/units.py)
WARNING = "warning"
SEVERITY_ZH = {BLOCKING: "阻断", WARNING: "提醒"}
GX_SEVERITY = {BLOCKING: "critical", WARNING: "warning"}
SYSTEM_ZH = {"jiaowu": "教务", "renshi": "人事", "xuegong": "学工", "caiwu": "财务", "zhuangtai": "状态数据平台"}
# failing rows kept per expectation (all of them go to GX's COMPLETE result; we keep the first N)
MAX_FAILURES_KEPT = 5_000
REPORT_VALUES = 5  # distinct failing values listed per expectation in the report
REPORT_ROWS = 10  # row numbers listed per value

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------------------
# GX context (one per process)
# ---------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _batch_definition():
    """The cached ephemeral context's whole-DataFrame batch definition (no files, no analytics, no bars)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    asset = context.data_sources.add_pandas("gate").add_dataframe_asset("table")
    return asset.add_batch_definition_whole_dataframe("whole_table")


# ---------------------------------------------------------------------------------------------------------
# suites
# ---------------------------------------------------------------------------------------------------------
def suite_path(suite_path_or_name: str | Path) -> Path:
    """`"xuegong/student"`, `"xuegong.student"` or a path → the suite's JSON file."""
    p = Path(suite_path_or_name)
    if p.suffix == ".json":
        return p if p.is_absolute() or p.exists() else EXPECTATIONS_DIR / p
    name = str(suite_path_or_name).replace(".", "/", 1) if "/" not in str(suite_path_or_name) else str(p)
    return EXPECTATIONS_DIR / f"{name}.json"


@lru_cache(maxsize=256)
def _load_suite_json(path: str, mtime: float) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load_suite_json(suite_path_or_name: str | Path) -> dict:
    path = suite_path(suite_path_or_name)
    return copy.deepcopy(_load_suite_json(str(path), path.stat().st_mtime))


def suite_table_refs(suite_path_or_name: str | Path) -> list[str]:
    """The `system.table.column` references of a suite's membership checks (read from the cached suite, not a
    copy: a run asks for them ≈ 170 times)."""
    path = suite_path(suite_path_or_name)
    suite = _load_suite_json(str(path), path.stat().st_mtime)
    return [e["meta"]["value_set_from_table"] for e in suite["expectations"]
            if e.get("meta", {}).get("value_set_from_table")]


def required_lookups(suite_path_or_name: str | Path) -> set[str]:
    """Other tables ("system.table") this suite's references need in `lookups` — validate those first."""
    return {r.rpartition(".")[0] for r in suite_table_refs(suite_path_or_name)}


def today_param() -> str:
    """The validation day (`ZHENGAI_TODAY` overrides it, for reproducible runs and tests)."""
    return os.environ.get("ZHENGAI_TODAY") or date.today().isoformat()


def param_name(kind: str, ref: str) -> str:
    """GX suite-parameter name for a run-time value set (identifier-safe: GX parses `$PARAMETER`)."""
    return f"{kind}__" + ref.replace(".", "__")


@lru_cache(maxsize=128)
def _seed_values(seed_file: str, column: str, mtime: float) -> tuple[str, ...]:
    seed = pd.read_csv(seed_file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    values = [v.strip() for v in seed[column].tolist() if v.strip()]
    return tuple(dict.fromkeys(values))


def resolve_seed(ref: str, seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """`"code_student_status.status_name"` → the values of that seed column (order kept, de-duplicated)."""
    file, _, column = ref.partition(".")
    path = seeds_dir / f"{file}.csv"
    if not path.exists():
        raise LookupError(f"代码表 seeds/{file}.csv 不存在")
    try:
        return list(_seed_values(str(path), column, path.stat().st_mtime))
    except KeyError:
        raise LookupError(f"代码表 seeds/{file}.csv 中没有「{column}」列") from None


def resolve_table(ref: str, lookups: Mapping[str, Any] | None) -> list:
    """`"jiaowu.major.major_code"` → the distinct non-null values of that column of the caller's lookup."""
    lookups = lookups or {}
    if ref in lookups:
        values = lookups[ref]
    else:
        table, _, column = ref.rpartition(".")
        if table not in lookups:
            raise LookupError(f"没有提供参照表 {table}")
        frame = lookups[table]
        if column not in frame.columns:
            raise LookupError(f"参照表 {table} 中没有「{column}」列")
        values = frame[column]
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values)
    return series.dropna().drop_duplicates().tolist()


# ---------------------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Failure:
    source_row: int | None
    value: Any
    reason: str | None = None  # why the value cannot be read (type checks)


@dataclass
class ExpectationOutcome:
    index: int
    expectation_type: str
    columns: tuple[str, ...]
    columns_zh: tuple[str, ...]
    severity: str
    success: bool | None  # None: not run (see skipped_reason)
    rule_zh: str
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    failures: list[Failure] = field(default_factory=list)
    allowed: list | None = None  # resolved value set (code lists, references)
    kwargs: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    skipped_reason: str | None = None
    error: str | None = None
    positions: list[int] | None = None  # row positions of `failures` (same order), for split_by_file

    @property
    def column(self) -> str | None:
        return ",".join(self.columns) if self.columns else None

    @property
    def column_zh(self) -> str:
        return "、".join(self.columns_zh)

    @property
    def failed(self) -> bool:
        return self.success is False

    def sample(self, n: int = 20) -> list[dict]:
        return [{"row": f.source_row, "value": _plain(f.value)} for f in self.failures[:n]]


@dataclass
class GateResult:
    run_id: str
    validated_at: datetime
    suite_name: str
    source_system: str
    source_table: str
    source_file: str | None
    sheet: str | None
    batch_id: str | None
    n_rows: int
    outcomes: list[ExpectationOutcome]
    table_zh: str = ""
    seconds: float = 0.0

    @property
    def is_database(self) -> bool:
        # a database table is labelled `jiaowu.score` by ingestion (or a URL); a file has a folder and an extension
        return (not self.source_file or "://" in self.source_file
                or self.source_file.startswith(f"{self.source_system}."))

    @property
    def system_zh(self) -> str:
        return SYSTEM_ZH.get(self.source_system, self.source_system)

    @property
    def location_zh(self) -> str:
        """`学工/学生学籍.csv`, `人事/教职工.xlsx「在职」工作表`, `教务/成绩（数据库表 score）`."""
        if self.is_database:
            return f"{self.system_zh}/{self.table_zh or self.source_table}（数据库表 {self.source_table}）"
        text = f"{self.system_zh}/{Path(self.source_file).name}"
        return text + (f"「{self.sheet}」工作表" if self.sheet else "")

    def failed(self, severity: str | None = None) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.failed and (severity is None or o.severity == severity)]

    @property
    def blocking_failed(self) -> bool:
        return bool(self.failed(BLOCKING))

    @property
    def skipped(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.success is None]

    @property
    def success(self) -> bool:
        return not self.blocking_failed

    def failing_rows(self) -> list[dict]:
        """One row per failing value (文件, 工作表, 行号, 列, 值, 规则, 严重程度) — the quarantine CSV."""
        file = self.source_file if not self.is_database else f"{self.system_zh}/{self.source_table}"
        rows = []
        for o in self.failed(BLOCKING) + self.failed(WARNING):  # blocking problems first
            base = {"文件": Path(file).name if not self.is_database else file, "工作表": self.sheet or "",
                    "列": o.column_zh, "规则": o.rule_zh, "严重程度": SEVERITY_ZH[o.severity]}
            if not o.failures:
                rows.append({**base, "行号": "", "值": _problem_phrase(o, None)})
            for f in o.failures:
                rows.append({**base, "行号": "" if f.source_row is None else f.source_row,
                             "值": _display(f.value), **({"规则": f"{o.rule_zh}（{f.reason}）"} if f.reason else {})})
        cols = ["文件", "工作表", "行号", "列", "值", "规则", "严重程度"]
        return [{c: r[c] for c in cols} for r in rows]

    def report_zh(self) -> str:
        blocking, warning = self.failed(BLOCKING), self.failed(WARNING)
        head = f"数据质量检查报告：{self.location_zh}（批次 {self.batch_id or '-'}，共 {self.n_rows:,} 行，" \
               f"{len(self.outcomes)} 项检查）"
        if blocking:
            verdict = (f"结论：未通过——{len(blocking)} 项阻断问题，本批数据不发布"
                       + ("。" if self.is_database else "，文件已移入隔离区，请改正后重新提交。"))
        elif warning:
            verdict = f"结论：通过，已加载；有 {len(warning)} 项提醒（数据缺口），请尽快补齐。"
        else:
            verdict = "结论：通过，全部检查均符合。"
        lines = [head, verdict]
        for title, group in (("阻断问题（必须改正）：", blocking), ("提醒（数据缺口，已加载）：", warning)):
            if group:
                lines += ["", title]
                for i, o in enumerate(group, 1):
                    lines.append(f"{i}. {self.describe(o)}")
                    lines.append(f"   规则：{o.rule_zh}" + _count_note(o))
        if self.skipped:
            lines += ["", "未执行的检查："]
            lines += [f"- {o.rule_zh}（{o.skipped_reason}）" for o in self.skipped]
        return "\n".join(lines)

    def describe(self, o: ExpectationOutcome) -> str:
        """One sentence: where (file, sheet, rows, column), which values, what is wrong, 【阻断/提醒】."""
        tag = f"【{SEVERITY_ZH[o.severity]}】"
        unit = "条记录" if self.is_database else "行"
        if not o.failures:
            return f"{self.location_zh} {_problem_phrase(o, None)}{tag}"
        col = f"「{o.column_zh}」" + ("列" if len(o.columns) == 1 else "列组合")
        if o.expectation_type == "expect_column_values_to_not_be_null":
            return f"{self.location_zh} {_rows_text(o.failures, unit)}{col}为空{tag}"
        groups: dict[tuple[str, str | None], list[Failure]] = {}
        for f in o.failures:
            groups.setdefault((_display(f.value), f.reason), []).append(f)
        parts = [f"{_rows_text(fs, unit)}{col}的值「{value}」{reason or _problem_phrase(o, value)}"
                 for (value, reason), fs in list(groups.items())[:REPORT_VALUES]]
        more = f"；另有 {len(groups) - REPORT_VALUES} 个不同的值" if len(groups) > REPORT_VALUES else ""
        return f"{self.location_zh} " + "；".join(parts) + more + tag


def _rows_text(failures: list[Failure], unit: str) -> str:
    rows = sorted({f.source_row for f in failures if f.source_row is not None})
    if not rows:
        return ""
    shown = "、".join(str(r) for r in rows[:REPORT_ROWS])
    extra = f" 等 {len(rows)} {unit}" if len(rows) > REPORT_ROWS else f" {unit}"
    return f"第 {shown}{extra}"


def _count_note(o: ExpectationOutcome) -> str:
    if o.unexpected_count:
        pct = f"（{o.unexpected_percent:.2f}%）" if o.unexpected_percent is not None else ""
        return f"；共 {o.unexpected_count:,} 行不符合{pct}"
    return ""


def _allowed_text(values: list | None, limit: int = 12) -> str:
    values = values or []
    shown = "、".join(_display(v) for v in values[:limit])
    return shown + (f" 等 {len(values)} 个" if len(values) > limit else "")


def _problem_phrase(o: ExpectationOutcome, value: str | None) -> str:
    t, kw = o.expectation_type, o.kwargs
    if t == "expect_column_to_exist":
        return f"缺少「{o.column_zh}」列"
    if o.error:
        return (f"「{o.column_zh}」列无法按规则检查，可能含有类型不对的值（例如数字列中有文字）"
                f"（技术信息：{o.error}）")
    if t == "expect_column_values_to_be_in_set":
        if o.meta.get("value_set_from_table"):
            return f"在{o.meta.get('reference_zh') or o.meta['value_set_from_table']}中找不到"
        return f"不在允许的取值（{_allowed_text(o.allowed)}）中"
    if t == "expect_column_values_to_be_between":
        lo, hi = kw.get("min_value"), kw.get("max_value")
        if o.meta.get("min_is_today"):
            return f"早于检查当天（{today_param()}）"

        if lo is not None and hi is not None:
            return f"超出范围（{_num(lo)}–{_num(hi)}）"
        return f"小于 {_num(lo)}" if lo is not None else f"大于 {_num(hi)}"
    if t == SHEET_UNIT:
        return o.meta.get("problem_zh", "金额单位不符")
    if t == "expect_column_pair_values_a_to_be_greater_than_b":
        return f"不合理：{o.columns_zh[1]}大于{o.columns_zh[0]}"
    if t in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        return "重复"
    if t == "expect_column_values_to_match_regex":
        return "格式不正确"
    if t == "expect_column_values_to_not_be_null":
        return "为空"
    if t == READABLE:
        return "无法识别"
    if t == "expect_table_row_count_to_be_between":
        return "没有任何数据行"
    return f"不符合规则（{t}）"


def _num(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _plain(v: Any) -> Any:
    """numpy / pandas scalars → JSON-friendly Python values."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "item") and not isinstance(v, str):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, datetime | pd.Timestamp):
        return v.isoformat()
    return v


def _display(v: Any) -> str:
    v = _plain(v)
    if v is None:
        return "（空）"
    if isinstance(v, list):
        return " / ".join(_display(x) for x in v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    text = str(v)
    return text[:-9] if len(text) == 19 and text.endswith("T00:00:00") else text  # a date, not a timestamp


# ---------------------------------------------------------------------------------------------------------
# validate
# ---------------------------------------------------------------------------------------------------------
def _columns_of(exp: dict) -> tuple[str, ...]:
    kw = exp.get("kwargs", {})
    if "column" in kw:
        return (kw["column"],)
    if "column_A" in kw:
        return (kw["column_A"], kw["column_B"])
    return tuple(kw.get("column_list", ()))


def _exception_message(info: Any) -> str | None:
    if not info:
        return None
    if "raised_exception" in info:
        return info.get("exception_message") if info.get("raised_exception") else None
    for sub in info.values():  # keyed by metric id
        if isinstance(sub, dict) and sub.get("raised_exception"):
            return sub.get("exception_message") or "检查时出错"
    return None


def typed_batch(df: pd.DataFrame, suite_meta: Mapping, con) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The batch typed by the SQL cleaning macros + the unreadable cells per column ({column: [position, reason]})."""
    from pipelines.ingest.cleaning import clean_frame, specs_from_meta

    specs = specs_from_meta(suite_meta.get("column_types", {}), suite_meta.get("column_units", {}))
    cleaned = clean_frame(df, specs, con)
    typed = cleaned.frame
    # columns outside the contract (e.g. `_source_file`): blank text counts as empty
    for col in typed.columns:
        if col in suite_meta.get("column_types", {}) or col == ROW_COLUMN:
            continue
        s = typed[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            blank = s.isna() | (s.astype("string").str.strip() == "")
            if blank.any():
                typed[col] = s.mask(blank)
    return typed, {c: g for c, g in cleaned.unreadable.groupby("column")}


def validate_table(
    df: pd.DataFrame,
    suite_path_or_name: str | Path,
    *,
    source_system: str,
    source_table: str,
    source_file: str | None = None,
    sheet: str | None = None,
    batch_id: str | None = None,
    lookups: Mapping[str, pd.DataFrame | Iterable] | None = None,
    run_id: str | None = None,
    seeds_dir: Path = SEEDS_DIR,
    con=None,
    pretyped: tuple[pd.DataFrame, dict[str, pd.DataFrame]] | None = None,
    keep_all_failures: bool = False,
    gx_ahead: Mapping[int, ExpectationOutcome] | None = None,
    gx_only: bool = False,
) -> GateResult:
    """Validate one extracted table with its suite; never raises for bad data, only for a bad suite. `con`: a DuckDB
    connection to type the batch in (an in-memory one when None). `keep_all_failures`: every failing row, not
    the first MAX_FAILURES_KEPT (a stacked batch is split by file afterwards: `split_by_file`). `gx_ahead`: what GX
    judged of this batch beforehand (`gx_judgements`), taken as judged; `gx_only`: judge only what GX judges."""
    import time

    started = time.perf_counter()
    suite_json = load_suite_json(suite_path_or_name)
    suite_meta = suite_json.get("meta", {})
    labels: dict[str, str] = suite_meta.get("column_labels", {})
    if ROW_COLUMN not in df.columns:  # e.g. a database extract: number the records in extract order
        df = df.assign(**{ROW_COLUMN: range(1, len(df) + 1)})
    written = df.reset_index(drop=True)  # index = row position; failing values are quoted from here
    # `pretyped`: the caller typed a larger batch once (stacked workbooks) — typing costs a fixed planning time per call
    df, unreadable = pretyped if pretyped is not None else typed_batch(written, suite_meta, con)
    keep = None if keep_all_failures else MAX_FAILURES_KEPT
    rows = df[ROW_COLUMN].to_numpy()

    outcomes: list[ExpectationOutcome] = []
    to_run: list[dict] = []
    params: dict[str, list] = {}
    for i, exp in enumerate(suite_json.get("expectations", [])):
        meta = exp.get("meta", {})
        cols = _columns_of(exp)
        severity = meta.get("severity", BLOCKING)
        if severity not in SEVERITY_ZH:
            raise ValueError(f"{suite_path_or_name}: expectation {i} has meta.severity={severity!r}")
        outcome = ExpectationOutcome(
            index=i, expectation_type=exp["type"], columns=cols,
            columns_zh=tuple(labels.get(c, c) for c in cols), severity=severity, success=None,
            rule_zh=meta.get("rule_zh", exp["type"]), kwargs=exp.get("kwargs", {}), meta=meta,
        )
        outcomes.append(outcome)
        missing = [c for c in cols if c not in df.columns]
        if missing and exp["type"] != "expect_column_to_exist":
            outcome.skipped_reason = "缺少「" + "、".join(labels.get(c, c) for c in missing) + "」列"
            continue
        try:
            for kind, key in (("seed", "value_set_from_seed"), ("table", "value_set_from_table")):
                if meta.get(key):
                    values = (resolve_seed(meta[key], seeds_dir) if kind == "seed"
                              else resolve_table(meta[key], lookups))
                    params[param_name(kind, meta[key])] = values
                    outcome.allowed = values
        except LookupError as e:
            outcome.skipped_reason = str(e)
            continue
        if meta.get("min_is_today"):  # e.g. a deadline: not before the day the file is checked
            params["today"] = pd.Timestamp(today_param())
        if outcome.allowed is None and "value_set" in outcome.kwargs:
            outcome.allowed = list(outcome.kwargs["value_set"])
        if "{values}" in outcome.rule_zh:
            outcome.rule_zh = outcome.rule_zh.replace("{values}", _allowed_text(outcome.allowed))
        if _judged_here(exp, df):
            if not gx_only:
                _judge_here(outcome, exp, df, written, rows, unreadable, keep)
            continue
        if gx_ahead is not None and i in gx_ahead:
            _take_judgement(outcome, gx_ahead[i])
            continue
        run_exp = copy.deepcopy(exp)
        run_exp.setdefault("meta", {})["gate_index"] = i
        to_run.append(run_exp)

    if to_run:  # imported here: a batch judged by GX beforehand needs no GX in this process
        from great_expectations import ExpectationSuite

        suite = ExpectationSuite(name=suite_json.get("name", str(suite_path_or_name)), expectations=to_run)
        if len(suite.expectations) != len(to_run):
            raise ValueError(f"{suite_path_or_name}: GX refused some expectations (see log)")
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": df})
        # No `unexpected_index_column_names`: GX 1.24 builds that list row by row with `.at` (~30 µs a row:
        # 30 s for a million bad values). Its plain index list is vectorised; on our RangeIndex it is the
        # row position, which we map to `_source_row` ourselves.
        validation = batch.validate(
            suite,
            result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False},
            expectation_parameters=params,
        )
        for r in validation.results:
            _fill(outcomes[r.expectation_config.meta["gate_index"]], r, written, rows, keep=keep)

    return GateResult(
        run_id=run_id or uuid.uuid4().hex[:12], validated_at=datetime.now(UTC).replace(tzinfo=None),
        suite_name=suite_json.get("name", ""), source_system=source_system, source_table=source_table,
        source_file=str(source_file) if source_file is not None else None, sheet=sheet, batch_id=batch_id,
        n_rows=len(df), outcomes=outcomes, table_zh=suite_meta.get("table_zh", ""),
        seconds=time.perf_counter() - started,
    )


def _judged_here(exp: dict, df: pd.DataFrame) -> bool:
    """The checks the runner judges itself, as GX would (tests/gate/test_runner.py compares both): the gate's type
    check, membership of a code list or reference table, and the commonest ones — column presence and not-null
    (≈ 500 of ≈ 700 a run), plain ranges and row counts (≈ 120): GX's fixed cost per expectation (≈ 3–9 ms) was
    most of the gate's time in GX."""
    meta = exp.get("meta", {})
    return (meta.get("engine") == "sql" or exp["type"] in (COLUMN_EXISTS, NOT_NULL) or _plain_range(exp, df)
            or (exp["type"] == IN_SET and bool(meta.get("value_set_from_seed") or meta.get("value_set_from_table"))))


def _judge_here(o: ExpectationOutcome, exp: dict, df: pd.DataFrame, written: pd.DataFrame, rows,
                unreadable: dict[str, pd.DataFrame], keep: int | None) -> None:
    """Judge a check of `_judged_here` on the typed batch `df` (failing values quoted from `written`)."""
    column = o.columns[0] if o.columns else None
    if exp.get("meta", {}).get("engine") == "sql":
        _fill_readable(o, unreadable.get(column), written, len(df), keep)
    elif exp["type"] == IN_SET:
        _fill_membership(o, df[column], written, o.allowed, keep)
    elif exp["type"] == COLUMN_EXISTS:
        _fill_column_exists(o, df)
    elif exp["type"] == NOT_NULL:
        _fill_not_null(o, df[column], written, rows, _unreadable_positions(unreadable, column), keep)
    elif exp["type"] == ROW_COUNT:
        _fill_row_count(o, len(df))
    else:
        _fill_between(o, df[column], written, rows, keep)


def gx_judgements(df: pd.DataFrame, suite_path_or_name: str | Path,
                   pretyped: tuple[pd.DataFrame, dict[str, pd.DataFrame]],
                   keep_all_failures: bool = False) -> dict[int, ExpectationOutcome]:
    """What GX judges of a suite on a typed batch, by expectation index. None of it reads a reference table (those
    checks are judged here, `_fill_membership`), so it can be judged before the referenced tables are loaded, in
    the prefetch process (pipelines/ingest/prefetch.py); `validate_table(..., gx_ahead=…)` takes it as judged."""
    result = validate_table(df, suite_path_or_name, source_system="", source_table="", lookups={},
                            pretyped=pretyped, keep_all_failures=keep_all_failures, gx_only=True)
    return {o.index: o for o in result.outcomes if o.success is not None}


def _take_judgement(o: ExpectationOutcome, judged: ExpectationOutcome) -> None:
    """GX's verdict on the same expectation of the same batch, judged beforehand."""
    for name in ("success", "error", "element_count", "unexpected_count", "unexpected_percent", "failures",
                 "positions"):
        setattr(o, name, getattr(judged, name))


def _row_number(rows, p: int) -> int | None:
    """The `_source_row` of position p, as the user sees it."""
    v = _plain(rows[p])
    return None if v is None else int(v)


def _fill_readable(o: ExpectationOutcome, bad: pd.DataFrame | None, written: pd.DataFrame, n_rows: int,
                   keep: int | None = MAX_FAILURES_KEPT) -> None:
    o.element_count = n_rows
    o.unexpected_count = 0 if bad is None else len(bad)
    o.unexpected_percent = 100.0 * o.unexpected_count / n_rows if n_rows else 0.0
    o.success = not o.unexpected_count
    o.positions = []
    if bad is None:
        return
    values, rows = written[o.columns[0]].to_numpy(), written[ROW_COLUMN].to_numpy()
    o.positions = bad["position"].tolist()[:keep]
    o.failures = [Failure(_row_number(rows, p), values[p], reason)
                  for p, reason in zip(o.positions, bad["reason"].tolist()[:keep], strict=True)]


def _fill_membership(o: ExpectationOutcome, column: pd.Series, written: pd.DataFrame, allowed: list,
                     keep: int | None = MAX_FAILURES_KEPT) -> None:
    """`expect_column_values_to_be_in_set` against a run-time code list or reference table, as GX's pandas engine
    judges it (`isin`; empty cells are not judged; the percentage is of the filled cells), without GX: GX copies
    the whole value set each time it reads the expectation's configuration (≈ 1,000 times a suite), which cost
    seconds per table once the set is every student's 学号. tests/gate/test_runner.py compares both on the same
    frames."""
    filled = column.notna()
    bad = filled & ~_isin(column, allowed)
    n_filled, n_bad = int(filled.sum()), int(bad.sum())
    o.element_count = len(column)
    o.unexpected_count = n_bad
    o.unexpected_percent = 100.0 * n_bad / n_filled if n_filled else None
    o.success = not n_bad
    o.positions = bad.to_numpy().nonzero()[0][:keep].tolist()
    values, rows = written[o.columns[0]].to_numpy(), written[ROW_COLUMN].to_numpy()
    o.failures = [Failure(_row_number(rows, p), values[p]) for p in o.positions]


def _isin(column: pd.Series, allowed: list) -> pd.Series:
    """`column.isin(allowed)`; for Arrow-backed text (the typed batches) by Arrow at once: pandas turns each allowed
    value into an Arrow scalar first, ≈ 20 ms a call for every student's 学号."""
    if not (isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"):
        return column.isin(allowed)
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pa.array([v for v in allowed if isinstance(v, str)], type=pa.large_string())
    found = pc.is_in(pa.array(column.array).cast(pa.large_string()), value_set=texts).fill_null(False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=column.index)


def _unreadable_positions(unreadable: dict[str, pd.DataFrame], column: str) -> set[int]:
    """The rows of `column` whose cell is there but unreadable: reported once, by the type check — never as 为空."""
    return set(unreadable[column]["position"].tolist()) if column in unreadable else set()


def _fill_column_exists(o: ExpectationOutcome, df: pd.DataFrame) -> None:
    """`expect_column_to_exist` as GX judges it: the column is in the batch; a table-level check, no counts."""
    o.success = o.columns[0] in df.columns


def _fill_not_null(o: ExpectationOutcome, column: pd.Series, df: pd.DataFrame, rows, skip: set[int],
                   keep: int | None = MAX_FAILURES_KEPT) -> None:
    """`expect_column_values_to_not_be_null` as GX's pandas engine judges it (`isnull()`; the percentage is of all
    rows), without GX. tests/gate/test_runner.py compares both on the same frames."""
    n = len(column)
    positions = column.isna().to_numpy().nonzero()[0].tolist()
    o.success, o.element_count, o.unexpected_count = not positions, n, len(positions)
    o.unexpected_percent = 100.0 * len(positions) / n if n else None
    _place_failures(o, positions, df, rows, skip, keep)


def _plain_range(exp: dict, df: pd.DataFrame) -> bool:
    """A row count, or a numeric column's values, between plain number bounds (inclusive; no parameters, no
    `strict_*`, no `mostly`): judged here as GX judges it (`_fill_row_count`, `_fill_between`)."""
    kw = exp.get("kwargs", {})
    bounds = [kw.get("min_value"), kw.get("max_value")]
    if not all(b is None or (isinstance(b, int | float) and not isinstance(b, bool)) for b in bounds):
        return False
    if exp["type"] == ROW_COUNT:
        return set(kw) <= {"min_value", "max_value"}
    if exp["type"] != BETWEEN or not set(kw) <= {"column", "min_value", "max_value"} or kw.get("column") not in df:
        return False
    dtype = df[kw["column"]].dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _fill_row_count(o: ExpectationOutcome, n: int) -> None:
    """`expect_table_row_count_to_be_between` as GX judges it: a table-level verdict, no counts."""
    lo, hi = o.kwargs.get("min_value"), o.kwargs.get("max_value")
    o.success = (lo is None or n >= lo) and (hi is None or n <= hi)


def _fill_between(o: ExpectationOutcome, column: pd.Series, written: pd.DataFrame, rows,
                  keep: int | None = MAX_FAILURES_KEPT) -> None:
    """`expect_column_values_to_be_between` (inclusive bounds) on a numeric column as GX's pandas engine judges it:
    empty cells are not judged; the percentage is of the filled cells. tests/gate/test_runner.py compares both."""
    import numpy as np

    lo, hi = o.kwargs.get("min_value"), o.kwargs.get("max_value")
    filled = column.notna().to_numpy()
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    inside = np.ones(len(values), dtype=bool)
    with np.errstate(invalid="ignore"):
        if lo is not None:
            inside &= values >= lo
        if hi is not None:
            inside &= values <= hi
    positions = (filled & ~inside).nonzero()[0].tolist()
    n_filled = int(filled.sum())
    o.success, o.element_count, o.unexpected_count = not positions, len(column), len(positions)
    o.unexpected_percent = len(positions) / n_filled * 100 if n_filled else None  # in GX's order of operations
    _place_failures(o, positions, written, rows, set(), keep)


def _fill(o: ExpectationOutcome, r, df: pd.DataFrame, rows, keep: int | None = MAX_FAILURES_KEPT) -> None:
    res = r.result or {}
    o.error = _exception_message(r.exception_info)
    o.success = bool(r.success) and not o.error
    o.element_count = res.get("element_count")
    o.unexpected_count = res.get("unexpected_count")
    pct = res.get("unexpected_percent")
    o.unexpected_percent = None if pct is None else float(pct)
    if "unexpected_index_list" not in res:  # a table-level expectation (columns exist, row count)
        return
    positions = [int(i) for i in (res.get("unexpected_index_list") or []) if not isinstance(i, dict)]
    _place_failures(o, positions, df, rows, set(), keep)


def _place_failures(o: ExpectationOutcome, positions: list[int], df: pd.DataFrame, rows, skip: set[int],
                    keep: int | None) -> None:
    """The failing rows of `o`: row number and the value as written; `skip`: positions reported by another check."""
    if skip:
        positions = [p for p in positions if p not in skip]
        o.unexpected_count = max((o.unexpected_count or 0) - len(skip), 0)
        o.unexpected_percent = 100.0 * o.unexpected_count / o.element_count if o.element_count else 0.0
        o.success = o.success or (not positions and not o.error)
    o.positions = positions[:keep]
    if not o.positions:
        o.failures = []
        return
    values = [df[c].to_numpy()[o.positions] for c in o.columns]
    o.failures = [
        Failure(_row_number(rows, p), values[0][k] if len(values) == 1 else [v[k] for v in values])
        for k, p in enumerate(o.positions)
    ]


# ---------------------------------------------------------------------------------------------------------
# a batch stacked from several files (状态数据平台: one workbook per 采集学年), checked once, reported per file
# ---------------------------------------------------------------------------------------------------------


def split_by_file(result: GateResult, files, typed: pd.DataFrame) -> list[GateResult]:
    """The result of one `validate_table(..., keep_all_failures=True)` over a stacked batch, as the results of
    validating each file on its own (`files[i]`: the file of row position i), in file order. Checking once
    matters: GX's cost is per expectation and per call, and the suites are written for the stack (keys include
    `_source_file`). tests/gate/test_simulated_college.py compares both ways on real workbooks."""
    import numpy as np

    files = np.asarray(files)
    out = []
    for file in sorted(set(files.tolist())):
        in_file = files == file
        n = int(in_file.sum())
        mine = typed[in_file]
        outcomes = [_outcome_for_file(o, in_file, n, mine) for o in result.outcomes]
        out.append(dataclasses.replace(result, source_file=file, n_rows=n, outcomes=outcomes,
                                       seconds=result.seconds * n / max(len(files), 1)))
    return out


def _outcome_for_file(o: ExpectationOutcome, in_file, n: int, typed: pd.DataFrame) -> ExpectationOutcome:
    part = dataclasses.replace(o)
    if o.success is None or o.error:  # not run, or GX failed: the same for every file
        return part
    if o.positions is None:  # table level: the columns exist in the stack as in each file; rows are counted per file
        if o.expectation_type == ROW_COUNT:
            lo, hi = o.kwargs.get("min_value"), o.kwargs.get("max_value")
            part.success = (lo is None or n >= lo) and (hi is None or n <= hi)
        return part
    mine = [k for k, p in enumerate(o.positions) if in_file[p]]
    part.positions = [o.positions[k] for k in mine][:MAX_FAILURES_KEPT]
    part.failures = [o.failures[k] for k in mine][:MAX_FAILURES_KEPT]
    part.element_count, part.unexpected_count, part.success = n, len(mine), not mine
    judged = _judged_rows(o, typed, n)
    part.unexpected_percent = 100.0 * len(mine) / judged if judged else None
    return part


def _judged_rows(o: ExpectationOutcome, typed: pd.DataFrame, n: int) -> int:
    """The rows a percentage is of, as GX counts them: all rows for 为空 and 无法识别, else the rows with a value
    (pairs and compound keys: with a value in any of their columns)."""
    if o.expectation_type in (NOT_NULL, READABLE):
        return n
    cols = [c for c in o.columns if c in typed.columns]
    if not cols:
        return n
    return int(typed[cols].notna().any(axis=1).sum())
