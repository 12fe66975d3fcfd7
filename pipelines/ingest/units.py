"""Source units: what is read, checked, quarantined and loaded together — and the function that does it.

A unit is what a clerk submits as one thing: one 教务 database table, one export file (`经费收支.xlsx`
holds two tables), or the 状态数据平台 folder (one workbook per 采集学年, eleven tables each). A unit is
all-or-nothing: when any of its tables has a blocking problem, none of them is loaded in this run, the
files at fault are moved to quarantine with a report, and the run does not publish.

    outcome = ingest_unit(con, unit, settings, run_id="…")   # con: the run's build DuckDB (raw schema)
    outcome.blocked, outcome.report_zh(), outcome.tables["xuegong.student"].batch

Gate results are appended to the audit file (`$ZHENGAI_HOME/gate_results.duckdb`), which outlives blocked runs
and is copied into every published warehouse for the data-quality dashboard.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.config import Settings
from pipelines.gate import results_store
from pipelines.gate.quarantine import quarantine
from pipelines.gate.runner import (
    EXPECTATIONS_DIR,
    SHEET_UNIT,
    YEAR_JUMP,
    ExpectationOutcome,
    Failure,
    GateResult,
    gx_judgements,
    load_suite_json,
    split_by_file,
    suite_table_refs,
    typed_batch,
    validate_table,
)
from pipelines.ingest import cleaning, prefetch
from pipelines.ingest.contract import TableContract, load_contract
from pipelines.ingest.errors import SYSTEM_ZH, SourceDataError, display_name
from pipelines.ingest.extract import (
    DATABASE_SYSTEMS,
    OPTIONAL_SYSTEMS,
    STACKED_SYSTEMS,
    Extract,
    read_extract,
    read_from,
    source_paths,
    split_source,
)
from pipelines.ingest.memory import release_memory, settle_long_lived
from pipelines.ingest.notices import store_notices
from pipelines.ingest.raw_store import (
    FILE_COLUMN,
    UNCHANGED,
    BatchResult,
    file_sha256,
    load_batch,
    qident,
    raw_table_name,
)
from pipelines.ingest.readers import ROW_COLUMN


@dataclass(frozen=True)
class SourceUnit:
    name: str  # asset-safe id: `jiaowu__score`, `caiwu__经费收支` → `caiwu__finance`, `zhuangtai__platform`
    system: str
    label_zh: str  # 教务/选课与成绩（数据库表 score）, 财务/经费收支.xlsx, 状态数据平台/采集表
    tables: tuple[TableContract, ...]

    def depends_on(self) -> set[str]:
        """Keys (`system.table`) of tables outside this unit whose values the gate checks references against."""
        mine = {t.key for t in self.tables}
        return {ref for t in self.tables for ref in referenced_tables(t)} - mine


def referenced_tables(table: TableContract) -> set[str]:
    """Source tables (`system.table`) referenced; references to published models (`warnings.…`) are not sources."""
    return {r.rpartition(".")[0] for r in _table_refs(table) if r.partition(".")[0] in SYSTEM_ZH}


def _table_refs(table: TableContract) -> list[str]:
    return suite_table_refs(_suite_path(table))


_FILE_UNIT_NAMES = {"经费收支.xlsx": "finance"}
_STACKED_UNITS = {"zhuangtai": ("zhuangtai__platform", "状态数据平台/状态数据采集表"),
                  "fankui": ("fankui__returns", "诊改反馈/各部门交回的自我诊断报告")}


def source_units(contract: dict[str, TableContract] | None = None) -> list[SourceUnit]:
    contract = contract or load_contract()
    groups: dict[tuple[str, str], list[TableContract]] = {}
    for t in contract.values():
        if t.system in DATABASE_SYSTEMS:
            key = (t.system, t.table)
        elif t.system in STACKED_SYSTEMS:
            key = (t.system, "platform")
        else:
            key = (t.system, split_source(t.source)[0])
        groups.setdefault(key, []).append(t)
    units = []
    for (system, what), tables in groups.items():
        if system in DATABASE_SYSTEMS:
            name, label = f"{system}__{what}", f"{SYSTEM_ZH[system]}/{tables[0].table_zh}（数据库表 {what}）"
        elif system in STACKED_SYSTEMS:
            name, label = _STACKED_UNITS[system]
        else:
            short = _FILE_UNIT_NAMES.get(what) or (tables[0].table if len(tables) == 1 else what)
            name, label = f"{system}__{short}", f"{SYSTEM_ZH[system]}/{what}"
        units.append(SourceUnit(name, system, label, tuple(tables)))
    return units


@dataclass
class TableOutcome:
    table: TableContract
    results: list[GateResult] = field(default_factory=list)
    read_error: SourceDataError | None = None
    batch: BatchResult | None = None
    rows: int = 0

    @property
    def blocked(self) -> bool:
        return self.read_error is not None or any(r.blocking_failed for r in self.results)

    @property
    def n_warnings(self) -> int:
        return sum(len(r.failed("warning")) for r in self.results)

    def report_zh(self) -> str:
        if self.read_error is not None:
            return f"{self.table.table_zh}：无法读取——{self.read_error}"
        return "\n\n".join(r.report_zh() for r in self.results)


@dataclass
class UnitOutcome:
    unit: SourceUnit
    tables: dict[str, TableOutcome] = field(default_factory=dict)
    quarantined: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def blocked(self) -> bool:
        return any(t.blocked for t in self.tables.values())

    def report_zh(self) -> str:
        parts = [t.report_zh() for t in self.tables.values() if t.blocked]
        if self.quarantined:
            parts.append("已移入隔离区：" + "、".join(str(p) for p in self.quarantined))
        return "\n\n".join(parts)


def _lookups(con: duckdb.DuckDBPyConnection, refs: list[str]) -> dict[str, list]:
    """`jiaowu.major.major_code` → the codes of the latest loaded batch of that table, cleaned by the same SQL
    macro staging uses. A table never loaded yet gives no entry (the check is then skipped, and says so)."""
    cleaning.install(con)
    out: dict[str, list] = {}
    for ref in refs:
        key, _, column = ref.rpartition(".")
        system, _, table = key.partition(".")
        raw = f"raw.{qident(raw_table_name(system, table))}"
        if system in SYSTEM_ZH:  # codes cleaned by the same SQL macro as the checked column
            sql = (f"SELECT DISTINCT clean_code(t.{qident(column)}) FROM {raw} t JOIN raw._latest_batches b "
                   f"ON t._batch_id = b.batch_id WHERE clean_code(t.{qident(column)}) IS NOT NULL")
        else:  # a published model (the build file starts as a copy of the served warehouse), e.g. 事项编号
            sql = (f"SELECT DISTINCT {qident(column)} FROM {qident(system)}.{qident(table)} "
                   f"WHERE {qident(column)} IS NOT NULL")
        try:
            rows = con.execute(sql).fetchall()
        except duckdb.CatalogException:
            continue
        out[ref] = [r[0] for r in rows]
    return out


@dataclass
class Prepared:
    """A table read and typed, ready for its checks (`prepare`; the prefetch process hands these over)."""
    ext: Extract
    typed: tuple[pd.DataFrame, dict[str, pd.DataFrame]] | None  # None: nothing delivered yet (an optional source)
    year_over_year: list[tuple[str, ExpectationOutcome]] = field(default_factory=list)  # stacked workbooks only
    gx: dict[int, ExpectationOutcome] | None = None  # what GX judged (`gx_judgements`); None: the step has GX judge


def _suite_path(t: TableContract) -> Path:
    return EXPECTATIONS_DIR / t.system / f"{t.table}.json"


def checked_frame(ext: Extract) -> pd.DataFrame:
    """The batch the suite runs on: in extract order, records numbered when the source numbers none (a database)."""
    frame = ext.frame.reset_index(drop=True)
    if ROW_COLUMN not in frame.columns:
        frame[ROW_COLUMN] = range(1, len(frame) + 1)
    return frame


def prepare(t: TableContract, settings: Settings, con: duckdb.DuckDBPyConnection,
            judge: Callable[[], bool] = lambda: False) -> Prepared:
    """Read table `t`, type it with the SQL cleaning macros in `con` (typing costs a fixed planning time per call: a
    stacked batch is typed once), compare consecutive 采集学年 workbooks and — when `judge()` says so after typing —
    have GX judge its suite. Raises what `read_extract` raises. Depends on the sources, the contract, the suites and
    the rules only (not on other tables), so `pipelines/ingest/prefetch.py` may do it ahead in another process."""
    ext = read_extract(t, settings)
    if not ext.paths and t.system in OPTIONAL_SYSTEMS:
        return Prepared(ext, None)
    suite, checked = _suite_path(t), checked_frame(ext)
    typed = typed_batch(checked, load_suite_json(suite).get("meta", {}), con)
    stacked = FILE_COLUMN in checked.columns
    gx = gx_judgements(checked, suite, typed, keep_all_failures=stacked) if judge() else None
    return Prepared(ext, typed, year_over_year_outcomes(ext, con, typed[0]) if stacked else [], gx)


def _validate(prepared: Prepared, con, run_id: str) -> list[GateResult]:
    """The suite of the table on the batch as `prepare` typed it (and as GX judged it, when it did): the runner
    reports unreadable cells and runs the rest of the suite on the typed values."""
    ext, typed = prepared.ext, prepared.typed
    t = ext.table
    suite = _suite_path(t)
    lookups = _lookups(con, _table_refs(t))
    whole = checked_frame(ext)
    common = dict(source_system=t.system, source_table=t.table, sheet=ext.sheet, batch_id=run_id, lookups=lookups,
                  run_id=run_id, con=con, pretyped=typed, gx_ahead=prepared.gx)
    if FILE_COLUMN in whole.columns:  # stacked workbooks: each is its own submission, checked at once
        stacked = validate_table(whole, suite, source_file=None, keep_all_failures=True, **common)
        results = split_by_file(stacked, whole[FILE_COLUMN].to_numpy(), typed[0])  # none when no workbook has rows
    else:
        results = [validate_table(whole, suite, source_file=ext.source_file, **common)]
    unit_check = sheet_unit_outcome(ext, len(results[0].outcomes) if results else 0)
    if unit_check is not None and results:
        results[0].outcomes.append(unit_check)
    if FILE_COLUMN in whole.columns and len(results) > 1:
        by_file = {r.source_file: r for r in results}
        for file, outcome in prepared.year_over_year:
            outcome.index = len(by_file[file].outcomes)
            by_file[file].outcomes.append(outcome)
    return results


_YEAR_RE = re.compile(r"(20[0-9]{2}-20[0-9]{2})")


def year_over_year_outcomes(ext: Extract, con, typed: pd.DataFrame | None = None) -> list[tuple[str, ExpectationOutcome]]:
    """状态数据平台: the same row key in consecutive 采集学年 workbooks; a number that grows or shrinks by more than
    rules.yml `year_over_year.factor` is a 提醒 on the later workbook (a unit slip, a typo, a copied-over sheet)."""
    conf = _rules().get("year_over_year") or {}
    factor, floor = float(conf.get("factor") or 0), float(conf.get("min_value") or 0)
    if factor <= 1:
        return []
    keys = [c.id for c in ext.table.columns if c.primary_key and c.id != "academic_year" and c.id in ext.frame.columns]
    specs = [s for s in cleaning.column_specs(ext.table)
             if s.type in ("int", "decimal") and s.id in ext.frame.columns and s.id not in keys]
    if not specs:
        return []
    if typed is None:
        typed = cleaning.clean_frame(ext.frame, cleaning.column_specs(ext.table), con).frame
    typed = typed.copy()
    typed["__year"] = typed[FILE_COLUMN].astype(str).str.extract(_YEAR_RE, expand=False)
    typed = typed.dropna(subset=["__year"])
    years = sorted(typed["__year"].unique())
    out = []
    for prev, year in zip(years, years[1:], strict=False):
        a = typed[typed["__year"] == prev].drop_duplicates(keys or ["__year"]).set_index(keys or ["__year"])
        b = typed[typed["__year"] == year].drop_duplicates(keys or ["__year"]).set_index(keys or ["__year"])
        if not keys:
            a.index, b.index = [0] * len(a), [0] * len(b)
        common = a.index.intersection(b.index)
        file = str(b[FILE_COLUMN].iloc[0])
        for spec in specs:
            old, new = (pd.to_numeric(a.loc[common, spec.id], errors="coerce").astype(float),
                        pd.to_numeric(b.loc[common, spec.id], errors="coerce").astype(float))
            jump = ((old > 0) & (new > 0) & ((new / old > factor) | (old / new > factor))
                    & (pd.concat([old, new], axis=1).max(axis=1) >= floor))
            if not jump.any():
                continue
            rows = b.loc[common][jump.to_numpy()]
            failures = [Failure(int(r[ROW_COLUMN]) if ROW_COLUMN in rows.columns else None, new[i],
                                f"与上一采集学年（{prev}：{old[i]:g}）相比变化超过 {factor:g} 倍，请核对单位与数值")
                        for i, (_, r) in zip(rows.index, rows.iterrows(), strict=True)]
            out.append((file, ExpectationOutcome(
                index=0, expectation_type=YEAR_JUMP, columns=(spec.id,), columns_zh=(spec.label,),
                severity="warning", success=False, rule_zh=f"{spec.label}与上一采集学年相比变化不应超过 {factor:g} 倍",
                element_count=len(common), unexpected_count=len(failures), failures=failures)))
    return out


_UNIT_RE = re.compile(r"单位\s*[:：]\s*([^\s)）,，;；]+)")


def sheet_unit_outcome(ext: Extract, index: int) -> ExpectationOutcome | None:
    """The unit a sheet states in its title or footer line (「（单位：万元）」) against rules.yml `sheet_units`:
    another unit blocks (元 instead of 万元 multiplies every amount by 10,000); no stated unit is a warning."""
    expected = (_rules().get("sheet_units") or {}).get(ext.table.key)
    if not expected:
        return None
    lines = list(ext.frame.attrs.get("title_lines") or []) + [text for _, text in ext.frame.attrs.get("dropped_rows") or []]
    stated = [m.group(1) for line in lines for m in _UNIT_RE.finditer(str(line))]
    rule = f"{ext.table.table_zh}的金额单位应为{expected}（在表头或表尾写明「单位：{expected}」）"
    outcome = ExpectationOutcome(index=index, expectation_type=SHEET_UNIT, columns=(), columns_zh=(),
                                 severity="blocking", success=True, rule_zh=rule, meta={"expected_unit": expected})
    wrong = [u for u in stated if u != expected]
    if wrong:
        outcome.success = False
        outcome.meta["problem_zh"] = (f"写明的金额单位是「{wrong[0]}」，本系统按「{expected}」读取；"
                                      f"请按{expected}重新导出，或把金额换算成{expected}")
    elif not stated:
        outcome.success, outcome.severity = False, "warning"
        outcome.meta["problem_zh"] = f"没有写明金额单位，按「{expected}」读取，请核对"
    return outcome


def _rules() -> dict:
    """expectations/rules.yml, parsed once per version of the file (it is asked twice per table)."""
    path = EXPECTATIONS_DIR / "rules.yml"
    return _rules_at(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=1)
def _rules_at(path: str, mtime_ns: int) -> dict:
    import yaml

    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def _files_at_fault(unit: SourceUnit, outcome: UnitOutcome, extracts: dict[str, Extract],
                    settings: Settings) -> list[Path]:
    if unit.system in DATABASE_SYSTEMS:
        return []
    by_label = {display_name(p): p for ext in extracts.values() for p in ext.paths}
    files: list[Path] = []
    for key, t in outcome.tables.items():
        if t.read_error is not None:
            paths = extracts[key].paths if key in extracts else source_paths(t.table, settings)
            named = {p.file for p in t.read_error.problems}  # e.g. the one workbook whose 采集学年 is wrong
            files += [p for p in ([p for p in paths if display_name(p) in named] or paths) if p.exists()]
        for r in t.results:
            if r.blocking_failed and r.source_file in by_label:
                files.append(by_label[r.source_file])
    if unit.system not in STACKED_SYSTEMS and files:  # one file holds every table of the unit
        files = [p for p in source_paths(unit.tables[0], settings) if p.exists()]
    return list(dict.fromkeys(files))


def ingest_unit(con: duckdb.DuckDBPyConnection, unit: SourceUnit, settings: Settings, run_id: str,
                audit_db: Path | None = None, keep_audit_open: bool = False) -> UnitOutcome:
    """Read, check and (when nothing blocks) load one unit into `raw`. Raises `SourceUnavailable` when the
    source cannot be reached (worth a retry); everything wrong with the data itself ends in the outcome.
    `keep_audit_open`: the results go through the run's open audit connection (`resources.audit_connection`; the
    ingest steps), not a connection of their own."""
    started = time.perf_counter()
    audit_db = audit_db or settings.home / "gate_results.duckdb"
    outcome = UnitOutcome(unit)
    fingerprint = unit_fingerprint(con, unit, settings)
    if fingerprint is not None and _skip_unchanged(con, unit, fingerprint, outcome):
        prefetch.forget(unit.tables)
        outcome.seconds = time.perf_counter() - started
        return outcome
    settle_long_lived()  # no unit's data is held here: what lives now lives on (GX, once the first unit imported it)
    extracts: dict[str, Extract] = {}
    for t in unit.tables:
        to = outcome.tables[t.key] = TableOutcome(t)
        try:
            prepared = prefetch.take(t, settings) or prepare(t, settings, con)
        except SourceDataError as exc:
            to.read_error = exc
            continue
        ext = prepared.ext
        if prepared.typed is None:  # nothing returned yet: nothing to check or load
            continue
        extracts[t.key] = ext
        store_notices(audit_db, ext, run_id)
        to.rows = len(ext.frame)
        to.results = _validate(prepared, con, run_id)
        del prepared
    if any(to.results for to in outcome.tables.values()):
        # one connection for the unit's results: opening and closing (a checkpoint) the audit file per result cost
        # ≈ 30 ms each, and 状态数据平台 stores 55 (11 tables × 5 workbooks)
        with _results_connection(audit_db, keep_audit_open) as audit:
            for to in outcome.tables.values():
                for r in to.results:
                    results_store.store_result(audit, r)
    for to in outcome.tables.values():
        if to.read_error is not None:
            _store_read_error(audit_db, to, run_id)
    if outcome.blocked:
        outcome.quarantined = _quarantine(unit, outcome, extracts, settings, run_id)
    else:
        for key, ext in extracts.items():
            t = ext.table
            outcome.tables[key].batch = load_batch(
                con, ext.frame, source_system=t.system, source_table=t.table, source_file=ext.source_file,
                sheet=ext.sheet, content_hash=ext.content_hash)
        if fingerprint is not None and len(extracts) == len(unit.tables):
            _record_fingerprint(con, unit, fingerprint)
    if extracts:  # the next unit, and dbt after the last one, start from what is really in use
        del extracts
        release_memory()
    outcome.seconds = time.perf_counter() - started
    return outcome


@contextlib.contextmanager
def _results_connection(audit_db: Path, keep_open: bool):
    """The audit file for a unit's results: the run's open connection (`resources.audit_connection`), or one of its
    own, closed after."""
    if keep_open:
        from pipelines.resources import audit_connection

        yield audit_connection(audit_db)
        return
    with duckdb.connect(str(audit_db)) as con:
        yield con


# ---------------------------------------------------------------------------------------------------------
# an unchanged unit is not read, checked or loaded again

FINGERPRINTS = "raw._unit_fingerprints"
_CODE_DIRS = [Path(__file__).parent, Path(__file__).parents[1] / "gate"]
_file_hashes: dict[tuple[str, int, int], str] = {}


def _cached_sha256(path: Path) -> str:
    """sha256 of a file, computed once per process per (path, size, mtime) — the 教务 SQLite file is read
    by every 教务 unit."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _file_hashes:
        _file_hashes[key] = file_sha256(path)
    return _file_hashes[key]


def unit_fingerprint(con: duckdb.DuckDBPyConnection, unit: SourceUnit, settings: Settings) -> str | None:
    """What the unit's outcome depends on: its source bytes, its contract and suites, the latest batches of
    the tables its membership checks read, and the reading/checking code. None when it cannot be known
    without reading (a missing file, a server database): then the unit is read and checked as always."""
    import hashlib

    h = hashlib.sha256()
    files = [read_from(t, settings) for t in unit.tables]
    if any(f is None for f in files):
        return None
    paths = sorted({p for f in files for p in f})
    if not paths or not all(p.is_file() for p in paths):
        return None
    for p in paths:
        h.update(f"{p.name}\0{_cached_sha256(p)}\0".encode())
    for t in unit.tables:
        h.update(repr(t).encode())
        h.update(_suite_path(t).read_bytes())
    deps = sorted(unit.depends_on())
    if deps:
        try:
            rows = con.execute("SELECT source_system || '.' || source_table, batch_id FROM raw._latest_batches "
                               "ORDER BY 1").fetchall()
        except duckdb.CatalogException:
            return None
        latest = dict(rows)
        h.update(repr([(d, latest.get(d)) for d in deps]).encode())
    h.update(_code_hash(tuple((str(f), f.stat().st_mtime_ns) for folder in _CODE_DIRS
                              for f in sorted([*folder.glob("*.py"), *folder.glob("*.sql")]))))
    return h.hexdigest()


@functools.lru_cache(maxsize=4)
def _code_hash(files: tuple[tuple[str, int], ...]) -> bytes:
    """The reading and checking code, hashed once per version of its files (asked for every unit, twice a run)."""
    import hashlib

    h = hashlib.sha256()
    for f, _mtime in files:
        h.update(Path(f).read_bytes())
    return h.digest()


def _skip_unchanged(con: duckdb.DuckDBPyConnection, unit: SourceUnit, fingerprint: str,
                    outcome: UnitOutcome) -> bool:
    """True (and `outcome` filled with the latest batches) when the unit's last load had this fingerprint."""
    batches = _batches_if_unchanged(con, unit, fingerprint)
    if batches is None:
        return False
    for t in unit.tables:
        b = batches[t.key]
        outcome.tables[t.key] = TableOutcome(t, rows=b[7], batch=BatchResult(
            UNCHANGED, b[0], b[1], b[2], b[3], b[4], b[5], b[6], 0, b[8],
            message=f"来源未变化（与批次 {b[0]} 相同），本次未重新读取与检查"))
    return True


def _batches_if_unchanged(con: duckdb.DuckDBPyConnection, unit: SourceUnit, fingerprint: str) -> dict | None:
    """The latest batches (`system.table` → row of raw._latest_batches) when the unit's last load had this
    fingerprint; None when it did not, or a table of the unit has no batch."""
    try:
        last = con.execute(f"SELECT fingerprint FROM {FINGERPRINTS} WHERE unit = ? ORDER BY recorded_at DESC "
                           "LIMIT 1", [unit.name]).fetchone()
        batches = {f"{r[1]}.{r[2]}": r for r in con.execute(
            "SELECT batch_id, source_system, source_table, raw_table, source_file, sheet, file_sha256, "
            "row_count, loaded_at FROM raw._latest_batches").fetchall()}
    except duckdb.CatalogException:
        return None
    if last is None or last[0] != fingerprint or any(t.key not in batches for t in unit.tables):
        return None
    return batches


def units_to_read(con: duckdb.DuckDBPyConnection | None, settings: Settings) -> list[SourceUnit]:
    """The units a run will read, as `ingest_unit` judges them on the served warehouse `con` (None: nothing served
    yet, every unit): changed since their last load, or checked against a table of a unit read (its new batch
    changes their fingerprint). Optional sources with nothing delivered are read by nobody."""
    units, read = source_units(), set()
    for unit in units:
        if unit.system in OPTIONAL_SYSTEMS and not any(source_paths(t, settings) for t in unit.tables):
            continue  # e.g. no department has returned its workbook: ingest_unit reads and loads nothing
        fingerprint = unit_fingerprint(con, unit, settings) if con is not None else None
        if fingerprint is None or _batches_if_unchanged(con, unit, fingerprint) is None:
            read.add(unit.name)
    ordered = in_step_order(units)
    loaded = {t.key for u in units if u.name in read for t in u.tables}
    for unit in ordered:  # a unit comes after the units it references
        if unit.name not in read and unit.depends_on() & loaded:
            read.add(unit.name)
            loaded |= {t.key for t in unit.tables}
    return [u for u in ordered if u.name in read]


def in_step_order(units: list[SourceUnit]) -> list[SourceUnit]:
    """Units in the order Dagster's in-process executor runs their steps: first those that reference no other unit,
    by name; each finished step queues, by name, the steps it made ready (the prefetch reads in this order)."""
    owner = {t.key: u.name for u in units for t in u.tables}
    needs = {u.name: {owner[d] for d in u.depends_on() if d in owner} for u in units}
    by_name = {u.name: u for u in units}
    queue = sorted(n for n, deps in needs.items() if not deps)
    done: list[str] = []
    while queue:
        name = queue.pop(0)
        done.append(name)
        queue += sorted(n for n, deps in needs.items()
                        if n not in done and n not in queue and deps <= set(done))
    return [by_name[n] for n in done]


def _record_fingerprint(con: duckdb.DuckDBPyConnection, unit: SourceUnit, fingerprint: str) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {FINGERPRINTS} (unit VARCHAR, fingerprint VARCHAR, "
                "recorded_at TIMESTAMP)")
    con.execute(f"INSERT INTO {FINGERPRINTS} VALUES (?, ?, now()::TIMESTAMP)", [unit.name, fingerprint])


def _quarantine(unit: SourceUnit, outcome: UnitOutcome, extracts: dict[str, Extract], settings: Settings,
                run_id: str) -> list[Path]:
    files = _files_at_fault(unit, outcome, extracts, settings)
    report = f"{unit.label_zh} 未通过数据质量检查，本单元的数据本次均未加载。\n\n" + outcome.report_zh()
    rows = [row for to in outcome.tables.values() for r in to.results for row in r.failing_rows()]
    rows += [p.as_row() for to in outcome.tables.values() if to.read_error for p in to.read_error.problems]
    moved = []
    if not files:  # a database table: report only, nothing to move
        quarantine(None, report, settings.quarantine_dir, run_id, system=unit.system, failing_rows=rows)
        return []
    for f in files:
        folder = quarantine(f, report, settings.quarantine_dir, run_id, system=unit.system, failing_rows=rows)
        moved.append(folder / f.name)
    return moved


def _store_read_error(audit_db: Path, to: TableOutcome, run_id: str) -> None:
    """An unreadable file is a failed validation too: the data-quality dashboard must show it."""
    from datetime import UTC, datetime

    t, err = to.table, to.read_error
    with duckdb.connect(str(audit_db)) as con:
        results_store.ensure_tables(con)
        con.execute(
            "INSERT INTO audit.validation_runs VALUES (?, ?, ?, ?, ?, ?, NULL, ?, 0, TRUE, 1, 1, 0, 0, 0, ?)",
            [run_id, datetime.now(UTC).replace(tzinfo=None), t.system, t.table, err.file, err.sheet, t.key,
             f"{t.table_zh}：无法读取——{err}"])
        con.execute(
            "INSERT INTO audit.expectation_results (run_id, validated_at, source_system, source_table, "
            "source_file, sheet, suite_name, expectation_type, column_name, column_label_zh, severity, success, "
            "unexpected_count, sample_values, rule_zh) VALUES (?, ?, ?, ?, ?, ?, ?, 'file_readable', ?, ?, "
            "'blocking', FALSE, NULL, ?, ?)",
            [run_id, datetime.now(UTC).replace(tzinfo=None), t.system, t.table, err.file, err.sheet, t.key,
             err.column, err.column, json.dumps([p.as_dict() for p in err.problems[:20]], ensure_ascii=False,
                                                default=str), str(err)])


def latest_frame(con: duckdb.DuckDBPyConnection, table: TableContract) -> pd.DataFrame:
    """The rows of the latest loaded batch (for tests and tools)."""
    raw = f"raw.{qident(raw_table_name(table.system, table.table))}"
    return con.execute(f"SELECT t.* FROM {raw} t JOIN raw._latest_batches b ON t._batch_id = b.batch_id").df()
