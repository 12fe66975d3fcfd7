"""The raw history store: every batch of every source table, append-only, as text, with lineage.

    with duckdb.connect("warehouse/build/<run>/serving.duckdb") as con:
        result = load_batch(con, df, source_system="xuegong", source_table="student",
                            source_file="学工/学生学籍.csv", source_path=path)
        print(result.message)     # 已加载 … / 内容与上次相同，未重复加载

Layout (schema `raw`):
- `raw.<system>__<table>` (e.g. `raw.xuegong__student`): lineage columns `_source_system`, `_source_file`
  (file name, or the database table for database sources), `_sheet`, `_source_row` (Excel row / CSV line /
  row ordinal), `_batch_id`, `_row_hash` (md5 of the row's data values, NULL-aware, columns in name order),
  `_loaded_at` (UTC), then the data columns, all VARCHAR (typing is staging's job).
- `raw._batches`: one row per batch attempt — batch_id, seq (load order, 1, 2, …), source_system, source_table, raw_table, source_file,
  sheet, file_sha256, row_count, new_columns, loaded_at, status (`loaded` / `failed`), message.
- `raw._latest_batches` (view): the latest `loaded` batch per (source_system, source_table) — the one
  loaded last (highest `seq`), whatever `loaded_at` a caller passed.

Rules:
- Append-only: nothing loaded is updated or deleted. A batch goes in one transaction (table DDL, ALTER TABLE
  for new columns, rows, its `_batches` row) — all or nothing.
- Unchanged: if the file's sha256 equals the LATEST loaded batch's of the same source table, nothing is
  written and the result says so. A file equal to an older batch (A → B → A) is loaded again as a new
  batch, because the source really went back to A and "latest batch" must show it.
- Schema drift: a column the table does not have yet is added (`ALTER TABLE … ADD COLUMN … VARCHAR`),
  rows of older batches read NULL there; a column missing from the new batch is NULL in its rows.
- Batch id: `<loaded_at UTC %Y%m%dT%H%M%S>_<8 hex of sha256(system|table|sheet|file hash)>`, sortable by
  time; `loaded_at` comes from the argument or the `clock` so tests are deterministic.

How staging picks the latest batch (dbt, one model per source table):

    select t.* from {{ source('raw', 'xuegong__student') }} as t
    join raw._latest_batches as b on t._batch_id = b.batch_id

or the per-table view `create_latest_view(con, "xuegong", "student")` → `raw.xuegong__student__latest`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines.ingest.readers import ROW_COLUMN, WHOLE_FLOAT_LIMIT, cell_text

SCHEMA = "raw"
BATCHES = "_batches"
LATEST_BATCHES = "_latest_batches"
LINEAGE = ["_source_system", "_source_file", "_sheet", "_source_row", "_batch_id", "_row_hash", "_loaded_at"]
_LINEAGE_TYPES = {"_source_system": "VARCHAR", "_source_file": "VARCHAR", "_sheet": "VARCHAR",
                  "_source_row": "BIGINT", "_batch_id": "VARCHAR", "_row_hash": "VARCHAR", "_loaded_at": "TIMESTAMP"}
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_NULL_MARK = "\x1e"  # stands for NULL inside the row hash (so NULL ≠ '')
_SEP = "\x1f"

LOADED, UNCHANGED, FAILED = "loaded", "unchanged", "failed"
FILE_COLUMN = "_source_file"  # optional per-row source file in the incoming frame


@dataclass(frozen=True)
class BatchResult:
    status: str  # loaded | unchanged
    batch_id: str  # the new batch, or the existing one an unchanged file matched
    source_system: str
    source_table: str
    raw_table: str  # raw.xuegong__student
    source_file: str
    sheet: str | None
    file_sha256: str
    rows: int  # rows written by THIS call (0 when unchanged)
    loaded_at: datetime
    new_columns: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def changed(self) -> bool:
        return self.status == LOADED


def qident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def frame_sha256(df: pd.DataFrame) -> str:
    """Content hash of a DataFrame (for database sources, which have no file): column names + cell text."""
    return text_sha256(list(map(str, df.columns)), [text_array(df[c]) for c in df.columns])


def text_sha256(columns: list[str], arrays: list[pa.Array]) -> str:
    """sha256 of column names and their text (`text_array`'s Arrow strings): every cell's text and whether it is
    empty, read from the Arrow buffers — no Python object per cell (a 教务 table can have millions of rows)."""
    h = hashlib.sha256("\x1f".join(columns).encode())
    for a in arrays:
        a = a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
        a = pa.concat_arrays([a.cast(pa.large_string())])  # offsets from 0, whatever slice or chunk it came from
        offsets = np.frombuffer(a.buffers()[1], dtype=np.int64, count=len(a) + 1)
        h.update(np.packbits(a.is_null().to_numpy(zero_copy_only=False)).tobytes())
        h.update(offsets.tobytes())
        if a.buffers()[2] is not None:
            h.update(memoryview(a.buffers()[2])[:int(offsets[-1])])
    return h.hexdigest()


def raw_table_name(source_system: str, source_table: str) -> str:
    for part, what in ((source_system, "source_system"), (source_table, "source_table")):
        if not _NAME_RE.match(part) or "__" in part:
            raise ValueError(f"{what} must be lower snake_case without '__', got {part!r}")
    return f"{source_system}__{source_table}"


def make_batch_id(loaded_at: datetime, source_system: str, source_table: str, sheet: str | None,
                  content_hash: str) -> str:
    digest = hashlib.sha256(f"{source_system}|{source_table}|{sheet or ''}|{content_hash}".encode()).hexdigest()
    return f"{loaded_at.strftime('%Y%m%dT%H%M%S')}_{digest[:8]}"


def _utc_naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def ensure_schema(con) -> None:
    """Create schema `raw`, `raw._batches` and the `raw._latest_batches` view if missing."""
    if con.execute("SELECT current_database()").fetchone()[0].lower() == SCHEMA:
        # DuckDB names the catalog after the file: in raw.duckdb, `raw.x` is ambiguous (catalog or schema)
        raise ValueError("the DuckDB file must not be named raw.duckdb (catalog 'raw' clashes with schema 'raw')")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(f"""
        CREATE TABLE IF NOT EXISTS {SCHEMA}.{BATCHES} (
            batch_id VARCHAR PRIMARY KEY,
            seq BIGINT NOT NULL,
            source_system VARCHAR NOT NULL,
            source_table VARCHAR NOT NULL,
            raw_table VARCHAR NOT NULL,
            source_file VARCHAR,
            sheet VARCHAR,
            file_sha256 VARCHAR NOT NULL,
            row_count BIGINT,
            new_columns VARCHAR[],
            loaded_at TIMESTAMP NOT NULL,
            status VARCHAR NOT NULL,
            message VARCHAR
        )""")
    con.execute(f"""
        CREATE VIEW IF NOT EXISTS {SCHEMA}.{LATEST_BATCHES} AS
        SELECT * FROM {SCHEMA}.{BATCHES} WHERE status = '{LOADED}'
        QUALIFY row_number() OVER (PARTITION BY source_system, source_table
                                   ORDER BY seq DESC) = 1""")


def _existing_columns(con, table: str) -> list[str] | None:
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND "
                       "table_name = ? ORDER BY ordinal_position", [SCHEMA, table]).fetchall()
    return [r[0] for r in rows] or None


def text_array(s: pd.Series) -> pa.Array:
    """Any column → Arrow strings; text stays as is, other types as `cell_text` writes them (no 2023.0).

    Whole columns of text, of integers, or the whole numbers of a float column are converted by Arrow (the same
    text `cell_text` writes: a 教务 extract is mostly such columns, ≈ 2 M cells on S); any other value goes
    through `cell_text`, the one rule."""
    kind = "string" if isinstance(s.dtype, pd.StringDtype) else pd.api.types.infer_dtype(s, skipna=True)
    if kind in ("string", "empty"):
        return pa.array(s, type=pa.large_string(), from_pandas=True)
    if kind == "integer":
        try:
            return pa.array(s, type=pa.int64(), from_pandas=True).cast(pa.large_string())
        except (pa.ArrowInvalid, OverflowError):  # beyond 64 bits: cell_text below
            pass
    if kind == "floating":
        x = s.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(x) & (np.trunc(x) == x) & (np.abs(x) < WHOLE_FLOAT_LIMIT)
        out = np.full(len(x), None, dtype=object)
        out[whole] = pa.array(x[whole].astype(np.int64)).cast(pa.large_string()).to_numpy(zero_copy_only=False)
        rest = np.isfinite(x) & ~whole
        out[rest] = [cell_text(float(v)) for v in x[rest]]
        return pa.array(out, type=pa.large_string())
    values = [v if isinstance(v, str) else None if v is None or pd.isna(v) else cell_text(v) for v in s.tolist()]
    return pa.array(values, type=pa.large_string())


def _arrow(df: pd.DataFrame, data_cols: list[str], source_rows: np.ndarray) -> pa.Table:
    arrays = {f"c{i}": text_array(df[c]) for i, c in enumerate(data_cols)}
    arrays["_source_row"] = pa.array(source_rows, type=pa.int64())
    return pa.table(arrays)


def load_batch(con, df: pd.DataFrame, *, source_system: str, source_table: str, source_file: str,
               sheet: str | None = None, source_path: str | Path | None = None,
               content_hash: str | None = None, loaded_at: datetime | None = None,
               clock: Callable[[], datetime] | None = None) -> BatchResult:
    """Append `df` (text columns + optional `_source_row`) as one batch of `raw.<system>__<table>`.

    The content hash is `content_hash` if given, else the sha256 of `source_path`'s bytes, else
    `frame_sha256(df)` (database sources). `_source_row` defaults to the 1-based row ordinal. A
    `_source_file` column (a batch stacked from several files) overrides `source_file` row by row."""
    raw_table = raw_table_name(source_system, source_table)
    ts = _utc_naive(loaded_at or (clock or (lambda: datetime.now(UTC)))())
    if content_hash is None:
        content_hash = file_sha256(source_path) if source_path is not None else frame_sha256(df)

    data_cols = [c for c in df.columns if c not in (ROW_COLUMN, FILE_COLUMN)]
    reserved = [c for c in data_cols if str(c).startswith("_")]
    if reserved:
        raise ValueError(f"data columns may not start with '_' (reserved for lineage): {reserved}")
    lowered = [str(c).lower() for c in data_cols]
    if len(set(lowered)) != len(lowered):
        raise ValueError(f"column names differ only by case (DuckDB is case-insensitive): {data_cols}")
    source_rows = (df[ROW_COLUMN].to_numpy(dtype="int64") if ROW_COLUMN in df.columns
                   else np.arange(1, len(df) + 1, dtype="int64"))

    ensure_schema(con)
    latest = con.execute(
        f"SELECT batch_id, file_sha256, loaded_at FROM {SCHEMA}.{LATEST_BATCHES} "
        "WHERE source_system = ? AND source_table = ?", [source_system, source_table]).fetchone()
    if latest is not None and latest[1] == content_hash:
        return BatchResult(
            UNCHANGED, latest[0], source_system, source_table, f"{SCHEMA}.{raw_table}", source_file, sheet,
            content_hash, 0, ts,
            message=f"「{source_file}」内容与最近一批（{latest[0]}，{latest[2]:%Y-%m-%d %H:%M:%S} 加载）完全相同，"
                    "未重复加载")

    batch_id = make_batch_id(ts, source_system, source_table, sheet, content_hash)
    taken = {r[0] for r in con.execute(f"SELECT batch_id FROM {SCHEMA}.{BATCHES} WHERE batch_id LIKE ?",
                                       [batch_id + "%"]).fetchall()}
    base, n = batch_id, 1
    while batch_id in taken:  # same second, same content, same table (A → B → A under a fixed clock)
        n += 1
        batch_id = f"{base}_{n}"

    arrow = _arrow(df, data_cols, source_rows)
    if FILE_COLUMN in df.columns:
        arrow = arrow.append_column(FILE_COLUMN, text_array(df[FILE_COLUMN]))
    file_expr = f"coalesce({FILE_COLUMN}, ?)" if FILE_COLUMN in df.columns else "?"
    view = f"__incoming_{batch_id}"
    target = f"{SCHEMA}.{qident(raw_table)}"
    new_columns: list[str] = []
    con.execute("BEGIN TRANSACTION")
    try:
        existing = _existing_columns(con, raw_table)
        if existing is None:
            cols = [f"{qident(c)} {_LINEAGE_TYPES[c]}" for c in LINEAGE] + [f"{qident(c)} VARCHAR" for c in data_cols]
            con.execute(f"CREATE TABLE {target} ({', '.join(cols)})")
            new_columns = list(data_cols)
        else:
            have = {c.lower() for c in existing}
            new_columns = [c for c in data_cols if c.lower() not in have]
            for c in new_columns:
                con.execute(f"ALTER TABLE {target} ADD COLUMN {qident(c)} VARCHAR")
        con.register(view, arrow)
        hash_parts = ", ".join(f"coalesce(c{i}, '{_NULL_MARK}')" for i, _ in
                               sorted(enumerate(data_cols), key=lambda ic: str(ic[1])))
        row_hash = f"md5(concat_ws('{_SEP}', {hash_parts}))" if data_cols else "md5('')"
        select = ", ".join(
            ["? AS _source_system", f"{file_expr} AS _source_file", "? AS _sheet", "_source_row", "? AS _batch_id",
             f"{row_hash} AS _row_hash", "?::TIMESTAMP AS _loaded_at"]
            + [f"c{i} AS {qident(c)}" for i, c in enumerate(data_cols)])
        con.execute(f"INSERT INTO {target} BY NAME SELECT {select} FROM {qident(view)}",
                    [source_system, source_file, sheet, batch_id, ts])
        message = f"已加载「{source_file}」{len(df)} 行到 {SCHEMA}.{raw_table}（批次 {batch_id}）"
        if existing is not None and new_columns:
            message += f"；新增列：{'、'.join(new_columns)}（此前批次中为空）"
        con.execute(f"INSERT INTO {SCHEMA}.{BATCHES} SELECT ?, coalesce(max(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, "
                    f"?, ?, ? FROM {SCHEMA}.{BATCHES}",
                    [batch_id, source_system, source_table, f"{SCHEMA}.{raw_table}", source_file, sheet,
                     content_hash, len(df), new_columns, ts, LOADED, message])
        con.execute("COMMIT")
    except Exception as exc:
        con.execute("ROLLBACK")
        _record_failure(con, batch_id, source_system, source_table, raw_table, source_file, sheet,
                        content_hash, ts, exc)
        raise
    finally:
        try:
            con.unregister(view)
        except Exception:  # noqa: BLE001 - the view may not exist if the failure came first
            pass
    return BatchResult(LOADED, batch_id, source_system, source_table, f"{SCHEMA}.{raw_table}", source_file,
                       sheet, content_hash, len(df), ts, new_columns, message)


def _record_failure(con, batch_id, source_system, source_table, raw_table, source_file, sheet, content_hash,
                    ts, exc) -> None:
    """Best effort: a `failed` row in `_batches` (never counted as the latest batch)."""
    try:
        con.execute(f"INSERT INTO {SCHEMA}.{BATCHES} SELECT ?, coalesce(max(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, "
                    f"?, ?, ? FROM {SCHEMA}.{BATCHES}",
                    [batch_id, source_system, source_table, f"{SCHEMA}.{raw_table}", source_file, sheet,
                     content_hash, 0, [], ts, FAILED, f"加载失败：{exc}"[:2000]])
    except Exception:  # noqa: BLE001 - reporting the original error matters more
        pass


def latest_batch_sql(source_system: str, source_table: str) -> str:
    """SELECT of the rows of the latest loaded batch of one source table (what dbt staging uses)."""
    t = raw_table_name(source_system, source_table)
    return (f"SELECT t.* FROM {SCHEMA}.{qident(t)} AS t JOIN {SCHEMA}.{LATEST_BATCHES} AS b "
            f"ON t._batch_id = b.batch_id")


def create_latest_view(con, source_system: str, source_table: str) -> str:
    """`raw.<system>__<table>__latest`: the rows of the latest loaded batch. Returns the view name."""
    t = raw_table_name(source_system, source_table)
    name = f"{SCHEMA}.{qident(t + '__latest')}"
    con.execute(f"CREATE OR REPLACE VIEW {name} AS {latest_batch_sql(source_system, source_table)}")
    return f"{SCHEMA}.{t}__latest"


def list_batches(con, source_system: str | None = None, source_table: str | None = None) -> pd.DataFrame:
    ensure_schema(con)
    where, params = [], []
    if source_system:
        where.append("source_system = ?")
        params.append(source_system)
    if source_table:
        where.append("source_table = ?")
        params.append(source_table)
    sql = f"SELECT * FROM {SCHEMA}.{BATCHES}" + (f" WHERE {' AND '.join(where)}" if where else "")
    return con.execute(sql + " ORDER BY seq", params).df()
