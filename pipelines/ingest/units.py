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

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.config import Settings
from pipelines.gate import results_store
from pipelines.gate.quarantine import quarantine
from pipelines.gate.runner import EXPECTATIONS_DIR, GateResult, load_suite_json, validate_table
from pipelines.ingest import normalize as n
from pipelines.ingest.contract import TableContract, load_contract
from pipelines.ingest.errors import SYSTEM_ZH, SourceDataError, display_name
from pipelines.ingest.extract import (
    DATABASE_SYSTEMS,
    STACKED_SYSTEMS,
    Extract,
    gate_frame,
    read_extract,
    source_paths,
    split_source,
)
from pipelines.ingest.raw_store import (
    FILE_COLUMN,
    UNCHANGED,
    BatchResult,
    file_sha256,
    load_batch,
    qident,
    raw_table_name,
)


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
    return {r.rpartition(".")[0] for r in _table_refs(table)}


def _table_refs(table: TableContract) -> list[str]:
    suite = load_suite_json(EXPECTATIONS_DIR / table.system / f"{table.table}.json")
    return [e["meta"]["value_set_from_table"] for e in suite["expectations"]
            if e.get("meta", {}).get("value_set_from_table")]


_FILE_UNIT_NAMES = {"经费收支.xlsx": "finance"}


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
            name, label = f"{system}__platform", f"{SYSTEM_ZH[system]}/状态数据采集表"
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
    """`jiaowu.major.major_code` → the codes of the latest loaded batch of that table (cleaned like the gate
    cleans its own columns). A table never loaded yet gives no entry (the check is then skipped, and says so)."""
    out: dict[str, list] = {}
    for ref in refs:
        key, _, column = ref.rpartition(".")
        system, _, table = key.partition(".")
        raw = f"raw.{qident(raw_table_name(system, table))}"
        try:
            values = con.execute(
                f"SELECT DISTINCT t.{qident(column)} FROM {raw} t JOIN raw._latest_batches b "
                "ON t._batch_id = b.batch_id").df().iloc[:, 0]
        except duckdb.CatalogException:
            continue
        out[ref] = n.normalize_code_series(values.astype("str")).dropna().unique().tolist()
    return out


def _validate(ext: Extract, con, run_id: str) -> list[GateResult]:
    t = ext.table
    suite = EXPECTATIONS_DIR / t.system / f"{t.table}.json"
    lookups = _lookups(con, _table_refs(t))
    frame = gate_frame(ext)
    if FILE_COLUMN in frame.columns:  # stacked workbooks: each is its own submission
        groups = [(file, part) for file, part in frame.groupby(FILE_COLUMN, sort=True)]
    else:
        groups = [(ext.source_file, frame)]
    return [validate_table(part.reset_index(drop=True), suite, source_system=t.system, source_table=t.table,
                           source_file=file, sheet=ext.sheet, batch_id=run_id, lookups=lookups, run_id=run_id)
            for file, part in groups]


def _files_at_fault(unit: SourceUnit, outcome: UnitOutcome, extracts: dict[str, Extract],
                    settings: Settings) -> list[Path]:
    if unit.system in DATABASE_SYSTEMS:
        return []
    by_label = {display_name(p): p for ext in extracts.values() for p in ext.paths}
    files: list[Path] = []
    for key, t in outcome.tables.items():
        if t.read_error is not None:
            paths = extracts[key].paths if key in extracts else source_paths(t.table, settings)
            files += [p for p in paths if p.exists()]
        for r in t.results:
            if r.blocking_failed and r.source_file in by_label:
                files.append(by_label[r.source_file])
    if unit.system not in STACKED_SYSTEMS and files:  # one file holds every table of the unit
        files = [p for p in source_paths(unit.tables[0], settings) if p.exists()]
    return list(dict.fromkeys(files))


def ingest_unit(con: duckdb.DuckDBPyConnection, unit: SourceUnit, settings: Settings, run_id: str,
                audit_db: Path | None = None) -> UnitOutcome:
    """Read, check and (when nothing blocks) load one unit into `raw`. Raises `SourceUnavailable` when the
    source cannot be reached (worth a retry); everything wrong with the data itself ends in the outcome."""
    started = time.perf_counter()
    audit_db = audit_db or settings.home / "gate_results.duckdb"
    outcome = UnitOutcome(unit)
    fingerprint = unit_fingerprint(con, unit, settings)
    if fingerprint is not None and _skip_unchanged(con, unit, fingerprint, outcome):
        outcome.seconds = time.perf_counter() - started
        return outcome
    extracts: dict[str, Extract] = {}
    for t in unit.tables:
        to = outcome.tables[t.key] = TableOutcome(t)
        try:
            ext = read_extract(t, settings)
        except SourceDataError as exc:
            to.read_error = exc
            continue
        extracts[t.key] = ext
        to.rows = len(ext.frame)
        to.results = _validate(ext, con, run_id)
    for to in outcome.tables.values():
        for r in to.results:
            results_store.store_result(audit_db, r)
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
    outcome.seconds = time.perf_counter() - started
    return outcome


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
    if unit.system in DATABASE_SYSTEMS:
        url = settings.jiaowu_url
        if not url.startswith("sqlite:///"):
            return None  # a server database: its content is known only by reading it
        paths = [Path(url.removeprefix("sqlite:///"))]
    else:
        paths = sorted({p for t in unit.tables for p in source_paths(t, settings)})
    if not paths or not all(p.is_file() for p in paths):
        return None
    for p in paths:
        h.update(f"{p.name}\0{_cached_sha256(p)}\0".encode())
    for t in unit.tables:
        h.update(repr(t).encode())
        h.update((EXPECTATIONS_DIR / t.system / f"{t.table}.json").read_bytes())
    deps = sorted(unit.depends_on())
    if deps:
        try:
            rows = con.execute("SELECT source_system || '.' || source_table, batch_id FROM raw._latest_batches "
                               "ORDER BY 1").fetchall()
        except duckdb.CatalogException:
            return None
        latest = dict(rows)
        h.update(repr([(d, latest.get(d)) for d in deps]).encode())
    for folder in _CODE_DIRS:
        for f in sorted(folder.glob("*.py")):
            h.update(f.read_bytes())
    return h.hexdigest()


def _skip_unchanged(con: duckdb.DuckDBPyConnection, unit: SourceUnit, fingerprint: str,
                    outcome: UnitOutcome) -> bool:
    """True (and `outcome` filled with the latest batches) when the unit's last load had this fingerprint."""
    try:
        last = con.execute(f"SELECT fingerprint FROM {FINGERPRINTS} WHERE unit = ? ORDER BY recorded_at DESC "
                           "LIMIT 1", [unit.name]).fetchone()
        batches = {f"{r[1]}.{r[2]}": r for r in con.execute(
            "SELECT batch_id, source_system, source_table, raw_table, source_file, sheet, file_sha256, "
            "row_count, loaded_at FROM raw._latest_batches").fetchall()}
    except duckdb.CatalogException:
        return False
    if last is None or last[0] != fingerprint or any(t.key not in batches for t in unit.tables):
        return False
    for t in unit.tables:
        b = batches[t.key]
        outcome.tables[t.key] = TableOutcome(t, rows=b[7], batch=BatchResult(
            UNCHANGED, b[0], b[1], b[2], b[3], b[4], b[5], b[6], 0, b[8],
            message=f"来源未变化（与批次 {b[0]} 相同），本次未重新读取与检查"))
    return True


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
