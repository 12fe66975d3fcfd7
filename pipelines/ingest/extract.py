"""Read one contract table from where the college keeps it — the single entry point ingestion uses.

    settings = load_settings()
    ext = read_extract(contract["xuegong.student"], settings)   # raises SourceDataError on unreadable input
    ext.frame        # text columns under English ids + `_source_row` (+ `_source_file` for multi-file tables)
    gate_frame(ext)  # the same rows typed by the SQL cleaning macros, as the gate checks and staging publishes them

Where each system's tables come from (`seeds/source_columns.csv`, column `file`):
- 教务: a database table of `settings.jiaowu_url` (SQLite / PostgreSQL / MariaDB through SQLAlchemy);
- 人事, 财务: an xlsx file in the system's drop folder (`file.xlsx` or `file.xlsx/sheet`);
- 学工: a CSV file in the drop folder (encoding detected);
- 状态数据平台: a sheet name; every workbook in the drop folder that has that sheet (one per 采集学年) is read
  and the rows are stacked, each row keeping its workbook in `_source_file`.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.config import Settings
from pipelines.ingest import cleaning
from pipelines.ingest.contract import TableContract, map_columns
from pipelines.ingest.errors import SYSTEM_ZH, Problem, SourceDataError, display_name
from pipelines.ingest.memory import release_memory
from pipelines.ingest.raw_store import FILE_COLUMN, file_sha256, text_array, text_sha256
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
    """The files a file-based table is read from (what the drop-folder sensor watches): the chosen export
    among look-alike candidates (see `choose_export`), one workbook per 采集学年 for the platform."""
    if table.system in DATABASE_SYSTEMS:
        return []
    folder = settings.drop_dirs[table.system]
    if table.system in STACKED_SYSTEMS:
        if table.system == "zhuangtai":
            return [c.chosen for c in platform_choices(folder)]
        return sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith("~$")) if folder.exists() else []
    file, _ = split_source(table.source)
    choice = choose_export(folder, file)
    return [choice.chosen if choice else folder / file]


# ------------------------------------------------------------------------------------ drop-folder candidates
# A clerk re-exports and the folder ends up with `学生学籍.csv`, `学生学籍.CSV`, `学生学籍_20240901.csv`,
# `学生学籍(1).csv`, `学生学籍 - 副本.csv`. All are candidates for the same export. The rule (docs/source_formats.md,
# 「同一导出的多个文件」): the newest wins — the date written in the name (`_20240901`, `2024-09-01`), else the
# file's modification date; on the same day the later modification time. The run names the file used and
# the ones ignored (a 提醒 in the gate results and in `zhengai run`'s output); nothing is ignored silently.
_DATE_IN_NAME = re.compile(r"(?<!\d)(20\d{2})[-_.年]?(0[1-9]|1[0-2])[-_.月]?(0[1-9]|[12]\d|3[01])日?(?!\d)")
_COPY_MARKS = re.compile(r"[(（]\s*\d{1,3}\s*[)）]|[-_ ]*副本\d*|[-_ ]*copy\d*|[-_ ]*复制", re.IGNORECASE)
_YEAR_IN_NAME = re.compile(r"(20\d{2})\s*[-－—–~～至]\s*(20\d{2})")


def export_key(name: str) -> str:
    """What stays of a file name when case, dates, `(1)` and 副本 marks, spaces and separators are taken away:
    `学生学籍_20240901 (1).CSV` → `学生学籍.csv`."""
    import unicodedata

    text = unicodedata.normalize("NFKC", name).lower()
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    stem = _COPY_MARKS.sub("", _DATE_IN_NAME.sub("", stem))
    stem = re.sub(r"[\s_\-.·]+", "", stem)
    return f"{stem}.{ext}" if ext else stem


def name_date(name: str):
    """The date written in a file name (`_20240901`, `2024-09-01`), else None."""
    from datetime import date

    m = _DATE_IN_NAME.search(name)
    return date(int(m[1]), int(m[2]), int(m[3])) if m else None


@dataclass(frozen=True)
class ExportChoice:
    chosen: Path
    ignored: tuple[Path, ...]
    expected: str  # the name the contract expects (or the 学年 a platform workbook stands for)

    @property
    def notice(self) -> Problem | None:
        if not self.ignored:
            return None
        names = "、".join(f"「{p.name}」" for p in self.ignored)
        return Problem(f"文件夹中有 {1 + len(self.ignored)} 个可能是同一份导出（{self.expected}）的文件：本次使用"
                       f"「{self.chosen.name}」（文件名中的日期最新，没有日期时按修改时间最新），忽略 {names}；"
                       "如果用错了，请删除或移走多余的文件",
                       file=display_name(self.chosen), rule="file_choice", severity="warning")


def _newest_first(paths: list[Path]) -> list[Path]:
    def key(p: Path):
        mtime = p.stat().st_mtime
        from datetime import date

        return (name_date(p.name) or date.fromtimestamp(mtime), mtime, p.name == p.name.lower(), p.name)
    return sorted(paths, key=key, reverse=True)


def _visible_files(folder: Path) -> list[Path]:
    if not folder.exists():
        return []
    return [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", ".", "~"))]


def choose_export(folder: Path, file: str) -> ExportChoice | None:
    """The export used for the contract file name `file` among its look-alikes (None: no candidate)."""
    key = export_key(file)
    candidates = [p for p in _visible_files(folder) if export_key(p.name) == key]
    if not candidates:
        return None
    ranked = _newest_first(candidates)
    return ExportChoice(ranked[0], tuple(ranked[1:]), file)


def platform_choices(folder: Path) -> list[ExportChoice]:
    """One workbook per 采集学年 (from the file name) — the newest by the same rule when there are several."""
    groups: dict[str, list[Path]] = {}
    for p in _visible_files(folder):
        if p.suffix.lower() != ".xlsx":
            continue
        m = _YEAR_IN_NAME.search(p.name)
        year = f"{m[1]}-{m[2]}" if m else export_key(p.name)
        groups.setdefault(year, []).append(p)
    out = []
    for year, paths in sorted(groups.items()):
        ranked = _newest_first(paths)
        out.append(ExportChoice(ranked[0], tuple(ranked[1:]), f"{year} 学年采集表"))
    return sorted(out, key=lambda c: c.chosen.name)


def look_alikes(folder: Path, file: str, limit: int = 6) -> list[str]:
    """Names in the folder a clerk may have meant instead of `file` (other extension, a typo, extra words)."""
    import difflib

    names = [p.name for p in _visible_files(folder)]
    stem = export_key(file).rpartition(".")[0] or export_key(file)
    keyed = {export_key(n).rpartition(".")[0] or export_key(n): n for n in names}
    close = difflib.get_close_matches(stem, list(keyed), n=limit, cutoff=0.5)
    similar = [keyed[k] for k in close] + [n for k, n in keyed.items() if stem in k or (k and k in stem)]
    return list(dict.fromkeys(similar))[:limit]


def _missing_file(path: Path, table: TableContract) -> SourceDataError:
    near = look_alikes(path.parent, path.name)
    hint = (f"；文件夹中有相近的文件：{'、'.join(f'「{n}」' for n in near)}——如果是其中之一，请改名为「{path.name}」"
            if near else "")
    return SourceDataError(
        f"找不到{SYSTEM_ZH.get(table.system, table.system)}导出文件（{table.table_zh}），请把导出文件放到 {path.parent}"
        f"{hint}", file=display_name(path), rule="file_missing")


def read_extract(table: TableContract, settings: Settings) -> Extract:
    if table.system in DATABASE_SYSTEMS:
        return _read_database(table, settings.jiaowu_url)
    if table.system in STACKED_SYSTEMS:
        return _read_platform(table, settings)
    folder = settings.drop_dirs[table.system]
    file, sheet = split_source(table.source)
    if not folder.exists():
        raise SourceUnavailable(f"找不到{SYSTEM_ZH[table.system]}数据目录 {folder}")
    choice = choose_export(folder, file)
    if choice is None:
        raise _missing_file(folder / file, table)
    path = choice.chosen
    label = display_name(path)
    if file.lower().endswith(".csv"):
        raw, _encoding = read_csv_export(path)
    else:
        raw = read_xlsx_export(path, sheet)
    mapped = map_columns(raw, table, file=label, sheet=sheet, strict=False)
    notices = [choice.notice] if choice.notice else []
    notices += sheet_notices(raw)
    return Extract(table, mapped, label, raw.attrs.get("sheet") or sheet, [path], file_sha256(path),
                   mapped.attrs.get("column_problems", []) + notices)


SHEET_RULES = {"sheet_renamed", "sheet_hidden"}


def sheet_notices(raw: pd.DataFrame) -> list[Problem]:
    """The reader's notes about which sheet it read (a look-alike name, a hidden sheet left unread)."""
    return [p for p in raw.attrs.get("problems", []) if p.rule in SHEET_RULES]


# ------------------------------------------------------------------------------------ 状态数据平台 workbooks
PLATFORM_YEAR_SHEET = "A1 院校基本信息"  # its 采集学年 column says which year a workbook holds
PLATFORM_YEAR_COLUMN = "采集学年"


def workbook_year(path: Path) -> tuple[str | None, str | None]:
    """(采集学年 from the file name, 采集学年 written in the A1 sheet) — either None when absent."""
    m = _YEAR_IN_NAME.search(path.name)
    return (f"{m[1]}-{m[2]}" if m else None), _sheet_year(path, path.stat().st_mtime_ns, path.stat().st_size)


@functools.lru_cache(maxsize=64)
def _sheet_year(path: Path, _mtime_ns: int, _size: int) -> str | None:
    try:
        a1 = read_xlsx_export(path, PLATFORM_YEAR_SHEET)
    except SourceDataError:
        return None  # no A1 sheet: the table reads report that on their own
    if PLATFORM_YEAR_COLUMN not in a1.columns:
        return None
    years = a1[PLATFORM_YEAR_COLUMN].dropna().astype(str).str.strip()
    years = years[years != ""]
    if years.empty:
        return None
    m = _YEAR_IN_NAME.search(years.iloc[0].replace(" ", ""))
    return f"{m[1]}-{m[2]}" if m else years.iloc[0]


def check_workbook_year(path: Path) -> None:
    """阻断 when the file name and the A1 sheet name different 采集学年: loading it under the name's year would
    overwrite the other year's numbers."""
    from_name, from_sheet = workbook_year(path)
    if from_name and from_sheet and from_name != from_sheet:
        raise SourceDataError(
            f"与文件名中的采集学年「{from_name}」不一致（照此载入会覆盖另一学年的数据）；"
            "请确认这是哪一学年的采集表，改正文件名或表中的学年后重新提交",
            file=display_name(path), sheet=PLATFORM_YEAR_SHEET, column=PLATFORM_YEAR_COLUMN, value=from_sheet,
            rule="year_mismatch")


def indicators_reading(sheet: str) -> list[str]:
    """Indicators whose data source (seeds/indicator_catalogue.csv, 数据来源) names this platform table:
    `状态数据平台 A1、A6-1、A6-3` → A1, A6-1, A6-3 (the table id is the sheet name's first word)."""
    import csv

    from pipelines.config import REPO_ROOT

    table_id = sheet.split()[0] if sheet.split() else sheet
    out = []
    with (REPO_ROOT / "seeds" / "indicator_catalogue.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for part in (row.get("data_source_zh") or "").split("；"):
                if part.strip().startswith("状态数据平台"):
                    ids = re.split(r"[、,，\s]+", part.strip().removeprefix("状态数据平台").strip())
                    if table_id in ids:
                        out.append(row["name_zh"])
    return out


def _sheet_missing_notice(path: Path, sheet: str) -> Problem:
    names = indicators_reading(sheet)
    gap = (f"依赖它的指标本学年将显示为数据缺失：{'、'.join(names)}" if names else "没有指标直接依赖这张表")
    return Problem(f"没有工作表「{sheet}」；{gap}", file=display_name(path), sheet=sheet, rule="sheet_missing",
                   severity="warning")


def _read_platform(table: TableContract, settings: Settings) -> Extract:
    sheet = table.source
    folder = settings.drop_dirs[table.system]
    system_zh = SYSTEM_ZH[table.system]
    optional = table.system in OPTIONAL_SYSTEMS
    platform = table.system == "zhuangtai"
    if not folder.exists() and not optional:
        raise SourceUnavailable(f"找不到{system_zh}数据目录 {folder}")
    choices = platform_choices(folder) if platform else []
    paths = [c.chosen for c in choices] if platform else (source_paths(table, settings) if folder.exists() else [])
    frames, used, digest = [], [], hashlib.sha256()
    problems: list[Problem] = [c.notice for c in choices if c.notice]
    for path in paths:
        label = display_name(path)
        if platform:
            check_workbook_year(path)
        try:
            raw = read_xlsx_export(path, sheet)
        except SourceDataError as exc:
            if all(p.rule == "sheet_missing" for p in exc.problems):
                problems.append(_sheet_missing_notice(path, sheet))  # a 提醒, never a silent skip
                continue
            raise
        mapped = map_columns(raw, table, file=label, sheet=sheet, strict=False)
        problems += mapped.attrs.get("column_problems", []) + sheet_notices(raw)
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


DATABASE_CHUNK_ROWS = 100_000  # rows fetched at a time: a table of millions of rows never exists as Python objects


def _read_database(table: TableContract, url: str) -> Extract:
    """The whole table, fetched in chunks (a server-side cursor where the driver has one); each chunk's columns
    become Arrow text (`text_array`, the one rule for a cell's text) at once, so memory holds the text, not a
    Python object per cell (成绩 of a large college: 6.5 M rows × 7 columns)."""
    import pyarrow as pa
    import sqlalchemy as sa

    label = f"jiaowu.{table.table}"
    engine = sa.create_engine(_read_only_url(url, table))
    try:
        with engine.connect() as con:
            result = con.execution_options(stream_results=True).execute(sa.text(f"SELECT * FROM {table.table}"))
            names = [str(k) for k in result.keys()]
            chunks: list[list[pa.Array]] = [[] for _ in names]
            for rows in result.partitions(DATABASE_CHUNK_ROWS):
                for i, values in enumerate(zip(*rows, strict=True)):
                    chunks[i].append(text_array(pd.Series(values, dtype=object)))
    except sa.exc.DBAPIError as exc:
        raise _database_fault(exc, table, url) from exc
    finally:
        engine.dispose()
    columns = [pa.concat_arrays(c) if c else pa.array([], type=pa.large_string()) for c in chunks]
    del chunks
    release_memory()
    content_hash = text_sha256(names, columns)
    frame = pd.DataFrame({n: pd.arrays.ArrowStringArray(a) for n, a in zip(names, columns, strict=True)},
                         columns=names)
    mapped = map_columns(frame, table, file=label, strict=False)
    mapped[ROW_COLUMN] = range(1, len(mapped) + 1)
    return Extract(table, mapped, label, None, [], content_hash, mapped.attrs.get("column_problems", []))


def read_from(table: TableContract, settings: Settings) -> list[Path] | None:
    """The files a table is read from: its export files, or 教务's SQLite file; None for a server database (its
    content is known only by reading it)."""
    if table.system in DATABASE_SYSTEMS:
        path = _sqlite_file(settings.jiaowu_url)
        return None if path is None else [path]
    return source_paths(table, settings)


@functools.lru_cache(maxsize=8)
def _sqlite_file(url: str) -> Path | None:
    """The file of a `sqlite:///…` URL (None for other databases and in-memory SQLite); asked for by every 教务
    table's fingerprint and prefetch stamp."""
    import sqlalchemy as sa

    u = sa.engine.make_url(url)
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:":
        return None
    return Path(u.database.removeprefix("file:").split("?")[0])


def _read_only_url(url: str, table: TableContract) -> str:
    """SQLite is opened read-only (`mode=ro`): a missing file is reported, never created empty."""
    path = _sqlite_file(url)
    if path is None:
        return url
    if not path.exists():
        if not path.parent.exists():
            raise SourceUnavailable(f"找不到教务数据库所在目录 {path.parent}（可能是共享目录未挂载）")
        raise SourceDataError(f"找不到教务数据库文件 {path}（ZHENGAI_JIAOWU_URL），请检查路径或重新导出数据库",
                              file=f"jiaowu.{table.table}", rule="db_missing")
    import sqlalchemy as sa

    extra = "".join(f"&{k}={v}" for k, v in sa.engine.make_url(url).query.items() if k not in ("mode", "uri"))
    return f"sqlite:///file:{path}?mode=ro&uri=true{extra}"


def _database_fault(exc: Exception, table: TableContract, url: str) -> Exception:
    """A database error → SourceUnavailable (retried: locked, server unreachable) or SourceDataError (the
    clerk or administrator must act: no such table, corrupt file, wrong password)."""
    if isinstance(exc, pd.errors.DatabaseError) and exc.__cause__ is not None:
        exc = exc.__cause__
    orig = getattr(exc, "orig", None) or exc
    msg = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    low = msg.lower()
    label = f"jiaowu.{table.table}"
    where = _sqlite_file(url) or _server_of(url)
    if "no such table" in low or "doesn't exist" in low or ("relation" in low and "does not exist" in low):
        return SourceDataError(f"教务数据库中没有表 {table.table}（{table.table_zh}）", file=label,
                               rule="table_missing")
    if "locked" in low or "busy" in low:
        return SourceUnavailable(f"教务数据库 {where} 正被其他程序锁定（{msg}），稍后重试")
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return SourceDataError(f"教务数据库文件 {where} 已损坏或不是 SQLite 数据库（{msg}），请重新导出",
                               file=label, rule="db_corrupt")
    if "password" in low or "access denied" in low or "authentication" in low:
        return SourceDataError(f"教务数据库 {where} 拒绝登录（{msg}），请检查 ZHENGAI_JIAOWU_URL 中的用户名和密码",
                               file=label, rule="db_login")
    if "unable to open" in low:
        return SourceUnavailable(f"无法打开教务数据库文件 {where}（{msg}）")
    return SourceUnavailable(f"无法连接教务数据库 {where}：{msg}")


def _server_of(url: str) -> str:
    import sqlalchemy as sa

    u = sa.engine.make_url(url)
    return f"{u.host or 'localhost'}:{u.port or ''}/{u.database or ''}".replace(":/", "/")


def gate_frame(ext: Extract, con=None) -> pd.DataFrame:
    """The extract as the gate checks it and staging publishes it: every contract column typed by the SQL cleaning
    macros (`pipelines/ingest/cleaning.sql`). A value that cannot be read is NULL here — the gate reports it with
    the cell as written (`pipelines/gate/runner.py`); `Extract.frame` itself is not changed."""
    return cleaning.clean_frame(ext.frame, cleaning.column_specs(ext.table), con).frame
