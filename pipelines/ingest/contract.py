"""The source contract (`seeds/source_columns.csv`) and the mapping of Chinese export headers to English ids.

    contract = load_contract()                                   # {"xuegong.student": TableContract, …}
    table = contract["xuegong.student"]                          # or find_table(contract, "xuegong", "学生学籍.csv")
    df = map_columns(df, table)                                  # 学号 → student_id, …; raises SourceDataError

The contract has one row per column: system, table id, file/sheet, Chinese label as exported, English
snake_case id, type, required, primary key (header spellings accepted: see `_ALIASES`; an optional
`aliases` column lists other labels the same column has been exported under, separated by `|`, `;` or `、`).

Header matching is tolerant to what does not change the meaning: spaces anywhere (incl. U+3000, NBSP,
in-cell line breaks), full-width vs half-width forms (NFKC: （万元） = (万元), ＩＤ = ID), letter case, and the
English id itself as a header. A flattened multi-row header also matches by its last part
(`支出项目_日常教学经费` ↔ `日常教学经费`) when that is unambiguous. Nothing else is guessed: a header that
only looks like a contract label (身份证 vs 身份证号) is reported, never silently mapped.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.config import REPO_ROOT
from pipelines.ingest.errors import ERROR, WARNING, Problem, SourceDataError

CONTRACT_PATH = REPO_ROOT / "seeds" / "source_columns.csv"

_ALIASES = {
    "system": ("system", "source_system", "系统"),
    "table": ("table", "table_id", "source_table", "表"),
    "table_zh": ("table_zh", "table_label", "table_name_zh", "表名"),
    "source": ("file", "file_or_sheet", "file_sheet", "source", "location", "sheet", "文件"),
    "column_zh": ("column_zh", "label_zh", "column_label", "header_zh", "chinese", "label", "中文列名"),
    "column": ("column", "column_id", "id", "english_id", "column_en", "name", "英文标识"),
    "type": ("type", "dtype", "data_type", "类型"),
    "required": ("required", "not_null", "必填"),
    "primary_key": ("primary_key", "pk", "is_pk", "key", "主键"),
    "aliases": ("aliases", "alias", "other_labels", "别名"),
}
_TRUE = {"1", "true", "yes", "y", "t", "是", "x", "pk", "✓", "required"}


@dataclass(frozen=True)
class ColumnContract:
    id: str
    label: str
    type: str = "str"
    required: bool = False
    primary_key: bool = False
    aliases: tuple[str, ...] = ()


@dataclass
class TableContract:
    system: str
    table: str
    source: str = ""
    table_zh: str = ""
    columns: list[ColumnContract] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.system}.{self.table}"

    @property
    def raw_name(self) -> str:
        """Table name in the raw schema: `xuegong__student`."""
        return f"{self.system}__{self.table}"

    @property
    def primary_key(self) -> list[str]:
        return [c.id for c in self.columns if c.primary_key]

    def column(self, cid: str) -> ColumnContract | None:
        return next((c for c in self.columns if c.id == cid), None)


def header_key(name: object) -> str:
    """What two headers must share to be the same column: NFKC, no whitespace at all, lower case."""
    text = unicodedata.normalize("NFKC", str(name))
    return re.sub(r"\s+", "", text).strip("\ufeff\u200b").lower()


def _split_aliases(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in re.split(r"[|;；、]", text) if a.strip())


def load_contract(path: str | Path = CONTRACT_PATH) -> dict[str, TableContract]:
    """The contract as {"system.table": TableContract}, columns in contract order."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = {h.strip().lower(): h for h in reader.fieldnames or []}
        pick = {name: next((header[s] for s in spellings if s in header), None) for name, spellings in _ALIASES.items()}
        missing = [n for n in ("system", "table", "column") if pick[n] is None]
        if missing:
            raise ValueError(f"{path}: contract header {reader.fieldnames} has no column for {missing}")
        tables: dict[str, TableContract] = {}
        for row in reader:
            def get(name: str, row=row) -> str:
                return (row.get(pick[name]) or "").strip() if pick[name] else ""

            if not get("system") or not get("column"):
                continue
            t = tables.setdefault(f"{get('system')}.{get('table')}",
                                  TableContract(get("system"), get("table"), get("source"), get("table_zh")))
            pk = get("primary_key").lower() in _TRUE
            t.columns.append(ColumnContract(
                id=get("column"), label=get("column_zh") or get("column"), type=get("type").lower() or "str",
                required=pk or get("required").lower() in _TRUE, primary_key=pk,
                aliases=_split_aliases(get("aliases"))))
    return tables


def find_table(contract: dict[str, TableContract], system: str, file_or_sheet: str,
               sheet: str | None = None) -> TableContract | None:
    """The contract table of `system` whose file/sheet matches: the file name, its stem, the sheet name, or a
    combined `file/sheet`, `file:sheet`, `file#sheet`, `file|sheet` entry. None when nothing matches."""
    wanted = {header_key(file_or_sheet), header_key(Path(file_or_sheet).name), header_key(Path(file_or_sheet).stem)}
    for t in contract.values():
        if t.system != system or not t.source:
            continue
        parts = re.split(r"[/:#|]", t.source)
        src_file, src_sheet = parts[0], (parts[1] if len(parts) > 1 else None)
        names = {header_key(src_file), header_key(Path(src_file).stem)}
        if names & wanted and (src_sheet is None or sheet is None or header_key(src_sheet) == header_key(sheet)):
            return t
        if sheet is not None and src_sheet is None and header_key(src_file) == header_key(sheet):
            return t
    return None


@dataclass
class ColumnMapping:
    rename: dict[str, str]  # df header → English id
    missing: list[ColumnContract]
    unknown: list[str]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]


def _leaf(key: str) -> str:
    return key.rsplit("_", 1)[-1]


def plan_mapping(headers: list[str], table: TableContract, *, file: str | None = None,
                 sheet: str | None = None) -> ColumnMapping:
    """Which header becomes which id, and the problems (missing required → error, missing optional,
    unknown, duplicate → warning / error)."""
    by_key: dict[str, ColumnContract] = {}
    for c in table.columns:
        for name in (c.label, c.id, *c.aliases):
            by_key.setdefault(header_key(name), c)
    rename: dict[str, str] = {}
    taken: dict[str, str] = {}  # id → header
    problems: list[Problem] = []
    data_headers = [h for h in headers if not str(h).startswith("_")]
    pending: list[str] = []
    for h in data_headers:
        c = by_key.get(header_key(h))
        if c is None:
            pending.append(h)
            continue
        if c.id in taken:
            problems.append(Problem(f"列「{taken[c.id]}」和「{h}」都对应「{c.label}」，无法确定用哪一列", file=file,
                                    sheet=sheet, column=h, rule="column_duplicate", severity=ERROR))
            continue
        rename[h], taken[c.id] = c.id, h
    # flattened multi-row headers: match by the last part when exactly one contract column fits
    unknown: list[str] = []
    for h in pending:
        k = header_key(h)
        cands = {c.id: c for c in table.columns if c.id not in taken
                 and (header_key(c.label) == _leaf(k) or _leaf(header_key(c.label)) == k)}
        if len(cands) == 1:
            c = next(iter(cands.values()))
            rename[h], taken[c.id] = c.id, h
        else:
            unknown.append(h)
    missing = [c for c in table.columns if c.id not in taken]
    unknown_keys = {h: header_key(h) for h in unknown}
    suggested: set[str] = set()
    for c in missing:
        ck = header_key(c.label)
        similar = [h for h, k in unknown_keys.items()
                   if k and (k in ck or ck in k or difflib.SequenceMatcher(None, k, ck).ratio() >= 0.6)]
        what = "必需" if c.required else "可选"
        reason = f"缺少{what}列「{c.label}」"
        if similar:
            reason += f"；发现未知列「{'」「'.join(similar)}」，是否改了列名？"
            suggested.update(similar)
        problems.append(Problem(reason, file=file, sheet=sheet, column=c.label,
                                rule="column_missing", severity=ERROR if c.required else WARNING))
    for h in unknown:
        if h not in suggested:
            problems.append(Problem(f"发现未知列「{h}」（源数据约定中没有这一列）", file=file, sheet=sheet, column=h,
                                    rule="column_unknown", severity=WARNING))
    return ColumnMapping(rename=rename, missing=missing, unknown=unknown, problems=problems)


def map_columns(df: pd.DataFrame, table: TableContract, *, file: str | None = None, sheet: str | None = None,
                unknown: str = "keep", strict: bool = True) -> pd.DataFrame:
    """Rename the export's Chinese headers to the contract's English ids.

    Raises `SourceDataError` (all column problems in one Chinese message) when a required column is missing
    or two headers claim the same column and `strict`. Unknown columns: `keep` (default — raw keeps
    everything the source sent, under its Chinese header), `drop`, or `error`. Columns starting with `_`
    (lineage such as `_source_row`) pass through. Problems are also left in `attrs["column_problems"]`."""
    file = file if file is not None else df.attrs.get("source_file")
    sheet = sheet if sheet is not None else df.attrs.get("sheet")
    plan = plan_mapping(list(df.columns), table, file=file, sheet=sheet)
    problems = plan.problems
    if unknown == "error":
        problems = [Problem(p.reason, file=p.file, sheet=p.sheet, column=p.column, rule=p.rule, severity=ERROR)
                    if p.rule == "column_unknown" else p for p in problems]
    if strict and any(p.severity == ERROR for p in problems):
        raise SourceDataError(problems=sorted(problems, key=lambda p: p.severity != ERROR))
    out = df.rename(columns=plan.rename)
    if unknown == "drop" and plan.unknown:
        out = out.drop(columns=plan.unknown)
    out.attrs = {**df.attrs, "column_problems": problems, "column_map": dict(plan.rename)}
    return out
