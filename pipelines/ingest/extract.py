"""Read one contract table from where the college keeps it — the single entry point ingestion uses.

    settings = load_settings()
    ext = read_extract(contract["xuegong.student"], settings)   # raises SourceDataError on unreadable input
    ext.frame        # text columns under English ids + `_source_row` (+ `_source_file` for multi-file tables)
    gate_frame(ext)  # the same rows normalised by contract type, what the expectations gate checks

Where each system's tables come from (`seeds/source_columns.csv`, column `file`):
- 教务: a database table of `settings.jiaowu_url` (SQLite / PostgreSQL / MariaDB through SQLAlchemy);
- 人事, 财务: an xlsx file in the system's drop folder (`file.xlsx` or `file.xlsx/sheet`);
- 学工: a CSV file in the drop folder (encoding detected);
- 状态数据平台: a sheet name; every workbook in the drop folder that has that sheet (one per 采集学年) is read
  and the rows are stacked, each row keeping its workbook in `_source_file`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.config import Settings
from pipelines.ingest import normalize as n
from pipelines.ingest.contract import TableContract, map_columns
from pipelines.ingest.errors import SYSTEM_ZH, Problem, SourceDataError, display_name
from pipelines.ingest.raw_store import FILE_COLUMN, file_sha256, frame_sha256
from pipelines.ingest.readers import ROW_COLUMN, read_csv_export, read_xlsx_export
from pipelines.ingest.returns import answered_rows

DATABASE_SYSTEMS = {"jiaowu"}
STACKED_SYSTEMS = {"zhuangtai", "fankui"}  # one workbook per collection year / department; rows stacked from all
# sources that may deliver nothing yet (no department has returned its workbook): an empty extract, not an error
OPTIONAL_SYSTEMS = {"fankui"}


class SourceUnavailable(Exception):
    """The source could not be reached (database down, drop folder not mounted) — worth retrying."""


@dataclass
class Extract:
    table: TableContract
    frame: pd.DataFrame
    source_file: str  # label for messages and raw lineage: `学工/学生学籍.csv`, `jiaowu.score`, …
    sheet: str | None
    paths: list[Path] = field(default_factory=list)  # the files read (empty for a database table)
    content_hash: str = ""
    # column-mapping problems: missing/renamed columns (errors — the gate blocks on them too), unknown columns
    problems: list[Problem] = field(default_factory=list)

    @property
    def column_errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def split_source(source: str) -> tuple[str, str | None]:
    """`经费收支.xlsx/支出` → (`经费收支.xlsx`, `支出`); `学生学籍.csv` → (`学生学籍.csv`, None)."""
    parts = re.split(r"[/:#|]", source, maxsplit=1)
    return parts[0], (parts[1] if len(parts) > 1 else None)


def source_paths(table: TableContract, settings: Settings) -> list[Path]:
    """The files a file-based table is read from (what the drop-folder sensor watches)."""
    if table.system in DATABASE_SYSTEMS:
        return []
    folder = settings.drop_dirs[table.system]
    if table.system in STACKED_SYSTEMS:
        return sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith("~$")) if folder.exists() else []
    file, _ = split_source(table.source)
    return [folder / file]


def _missing_file(path: Path, table: TableContract) -> SourceDataError:
    return SourceDataError(
        f"找不到{SYSTEM_ZH.get(table.system, table.system)}导出文件（{table.table_zh}），请把导出文件放到 {path.parent}",
        file=display_name(path), rule="file_missing")


def read_extract(table: TableContract, settings: Settings) -> Extract:
    if table.system in DATABASE_SYSTEMS:
        return _read_database(table, settings.jiaowu_url)
    if table.system in STACKED_SYSTEMS:
        return _read_platform(table, settings)
    [path] = source_paths(table, settings)
    if not path.exists():
        if not path.parent.exists():
            raise SourceUnavailable(f"找不到{SYSTEM_ZH[table.system]}数据目录 {path.parent}")
        raise _missing_file(path, table)
    file, sheet = split_source(table.source)
    label = display_name(path)
    if file.lower().endswith(".csv"):
        raw, _encoding = read_csv_export(path)
    else:
        raw = read_xlsx_export(path, sheet)
    mapped = map_columns(raw, table, file=label, sheet=sheet, strict=False)
    return Extract(table, mapped, label, sheet, [path], file_sha256(path), mapped.attrs.get("column_problems", []))


def _read_platform(table: TableContract, settings: Settings) -> Extract:
    sheet = table.source
    folder = settings.drop_dirs[table.system]
    system_zh = SYSTEM_ZH[table.system]
    optional = table.system in OPTIONAL_SYSTEMS
    if not folder.exists() and not optional:
        raise SourceUnavailable(f"找不到{system_zh}数据目录 {folder}")
    paths = source_paths(table, settings) if folder.exists() else []
    frames, problems, used, digest = [], [], [], hashlib.sha256()
    for path in paths:
        label = display_name(path)
        try:
            raw = read_xlsx_export(path, sheet)
        except SourceDataError as exc:
            if all(p.rule == "sheet_missing" for p in exc.problems):
                continue  # an older collection year without this table
            raise
        mapped = map_columns(raw, table, file=label, sheet=sheet, strict=False)
        problems += mapped.attrs.get("column_problems", [])
        if table.system == "fankui":
            mapped = answered_rows(mapped, table)
        frames.append(mapped.assign(**{FILE_COLUMN: label}))
        used.append(path)
        digest.update(path.name.encode() + b"\0" + file_sha256(path).encode())
    if not frames and optional:
        return Extract(table, pd.DataFrame(), display_name(folder) or str(folder), sheet, [], "", problems)
    if not frames:
        raise SourceDataError(f"{system_zh}目录 {folder} 中没有含工作表「{sheet}」的采集表",
                              file=display_name(folder), sheet=sheet, rule="file_missing")
    frame = pd.concat(frames, ignore_index=True)
    label = display_name(used[0]) if len(used) == 1 else f"{display_name(folder)}/状态数据采集_*.xlsx"
    return Extract(table, frame, label, sheet, used, digest.hexdigest(), problems)


def _read_database(table: TableContract, url: str) -> Extract:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url)
        with engine.connect() as con:
            frame = pd.read_sql_query(sa.text(f"SELECT * FROM {table.table}"), con, dtype=object)
    except sa.exc.OperationalError as exc:
        msg = str(exc.orig if getattr(exc, "orig", None) else exc)
        if "no such table" in msg or "doesn't exist" in msg:
            raise SourceDataError(f"教务数据库中没有表 {table.table}（{table.table_zh}）", file=f"jiaowu.{table.table}",
                                  rule="table_missing") from exc
        raise SourceUnavailable(f"无法连接教务数据库：{msg.splitlines()[0]}") from exc
    except sa.exc.ProgrammingError as exc:  # PostgreSQL: relation does not exist
        raise SourceDataError(f"教务数据库中没有表 {table.table}（{table.table_zh}）", file=f"jiaowu.{table.table}",
                              rule="table_missing") from exc
    finally:
        if "engine" in locals():
            engine.dispose()
    label = f"jiaowu.{table.table}"
    mapped = map_columns(frame, table, file=label, strict=False)
    mapped[ROW_COLUMN] = range(1, len(mapped) + 1)
    return Extract(table, mapped, label, None, [], frame_sha256(frame), mapped.attrs.get("column_problems", []))


def gate_frame(ext: Extract) -> pd.DataFrame:
    """The extract as the gate checks it: text cleaned (trim, full-width), codes upper-cased, numbers and
    dates parsed by contract type. A value that does not parse becomes empty here (and the raw text stays
    in raw); `Extract.frame` itself is not changed."""
    out = ext.frame.copy()
    for col in ext.table.columns:
        if col.id not in out.columns:
            continue
        s, kind = out[col.id], col.type.split("(")[0]
        if kind in ("int", "decimal"):
            out[col.id] = n.parse_number_series(s).values
        elif kind == "date":
            out[col.id] = n.parse_date_series(s).values
        elif kind == "code":
            out[col.id] = n.normalize_code_series(s)
        elif s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            out[col.id] = n.clean_text_series(s)
    return out
