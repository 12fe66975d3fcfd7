"""Readers for the files Chinese college systems export: CSV in UTF-8 / GBK / GB18030, xlsx with title rows,
multi-row merged headers and 合计 rows.

    df, encoding = read_csv_export(path)               # every cell a string, `_source_row` = editor line
    df = read_xlsx_export(path, sheet="经费支出")       # `_source_row` = Excel row number

Both return text only (no type inference — typing is staging's job), empty cells as NA, header names cleaned
(spaces and in-cell line breaks removed), and a `_source_row` column (int) with the row number the user sees
(Excel row; the line in a text editor for CSV, header line = 1 when there is no title line).
`df.attrs` carries: `source_file`, `sheet`, `encoding`, `title_lines` (text of skipped title rows, e.g.
「2024年度经费支出明细表（单位：万元）」 — the unit lives there), `header_rows` (Excel row numbers),
`dropped_rows` ([(row, text), …] 合计/总计/footer rows removed) and `problems` (warnings as `Problem`s).
Every refusal is a `SourceDataError` whose message names the file.

Decisions (documented in the report and the tests):
- Encodings: BOM → strict UTF-8 → strict GBK → strict GB18030, each decoded text then checked for
  plausibility (see `_implausible`); anything else (UTF-16, Big5, Latin-1, binary) is refused, never loaded
  as mojibake. GB18030 is reported only when the bytes are not valid GBK.
- Title rows: rows above the header whose non-empty cell count is below half of the table's width (a merged
  title counts once) are skipped and kept in `attrs["title_lines"]`.
- Multi-row headers (xlsx, `header_rows="auto"`): a header cell merged across several columns with
  sub-headers below makes the header one row deeper; a cell merged vertically keeps its single name. Names
  are joined top→bottom with `_` (`支出项目` over `日常教学经费` → `支出项目_日常教学经费`), repeated parts once.
- Merged cells inside the data area (e.g. 部门 merged over its projects) are filled with the merged value.
- 合计/总计/小计 rows at the bottom (and footer lines such as 制表人：…) are dropped and listed in
  `attrs["dropped_rows"]`; a 小计/合计 row in the middle is kept and reported as a warning (it would double
  count in sums).
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd

from pipelines.ingest.errors import WARNING, Problem, SourceDataError, display_name

ROW_COLUMN = "_source_row"
# The csv module refuses fields over 131,072 characters by default; a pasted 简介 or a whole document in one cell
# is still text, and a clerk must get a data message about it, not a crash. (Raised process-wide, once.)
csv.field_size_limit(2**31 - 1)

# ---------------------------------------------------------------------------------------------------------
# encodings
# ---------------------------------------------------------------------------------------------------------
UTF8, UTF8_SIG, GBK, GB18030 = "utf-8", "utf-8-sig", "gbk", "gb18030"
# A decoded text is implausible when more than this share of its non-ASCII characters are "unusual"
# (see `_unusual_table`) and there are at least MIN_UNUSUAL of them. Real Simplified-Chinese exports
# are > 99 % GB2312 characters (rare name characters such as 喆 堃 玥 are a fraction of a percent);
# Big5 or Latin-1 bytes read as GBK/GB18030 give 30–100 % unusual characters.
MAX_UNUSUAL_SHARE = 0.10
MIN_UNUSUAL = 3
_CHUNK = 4_000_000  # characters checked per numpy pass


@lru_cache(maxsize=1)
def _unusual_table() -> np.ndarray:
    """Boolean per BMP code point: True = unusual in a Simplified-Chinese export decoded from GBK/GB18030.

    Usual: ASCII printable + \\t\\r\\n, every GB2312 character except kana and box drawing, CJK punctuation
    (U+3000–303F), full-width forms (U+FF00–FFEF), and a few GBK symbols used in names and text (· — … ‘’“”).
    Unusual: C0/C1 controls, private-use area, kana, box drawing, and every character outside GB2312
    (traditional characters, GBK-only rare characters, GB18030 4-byte characters)."""
    table = np.ones(0x10000, dtype=bool)
    table[0x20:0x7F] = False
    table[[0x09, 0x0A, 0x0D]] = False
    for lead in range(0xA1, 0xF8):  # every GB2312 code (EUC-CN: both bytes in A1–FE)
        for trail in range(0xA1, 0xFF):
            try:
                table[ord(bytes((lead, trail)).decode("gb2312"))] = False
            except UnicodeDecodeError:
                continue
    table[0x3040:0x3100] = True  # hiragana / katakana
    table[0x2500:0x2580] = True  # box drawing
    table[0x3000:0x3040] = False
    table[0xFF00:0xFFF0] = False
    for ch in "·•—–…‘’“”、。《》【】〔〕℃№×÷±≤≥≠≈‰￥€":
        table[ord(ch)] = False
    return table


def _implausible(text: str, *, chinese_codepage: bool) -> tuple[int, str] | None:
    """None if `text` looks like a real export, else (index of the first suspicious character, reason).

    Every encoding: C0 control characters other than tab/CR/LF (binary files, UTF-16 without BOM read as
    bytes) and U+FFFD are refused. GBK/GB18030 (`chinese_codepage=True`): too many unusual characters
    (see `_unusual_table`) means the bytes were in another encoding (Big5, Latin-1, …)."""
    table = _unusual_table()
    n_nonascii = n_unusual = 0
    first_unusual = -1
    for start in range(0, len(text), _CHUNK):
        cps = np.frombuffer(text[start:start + _CHUNK].encode("utf-32-le", "surrogatepass"), dtype="<u4")
        control = ((cps < 0x20) & (cps != 0x09) & (cps != 0x0A) & (cps != 0x0D)) | (cps == 0x7F) | (cps == 0xFFFD)
        if control.any():
            return start + int(np.argmax(control)), "含有控制字符（可能是二进制文件或 UTF-16 编码）"
        if not chinese_codepage:
            continue
        nonascii = cps >= 0x80
        if not nonascii.any():
            continue
        n_nonascii += int(nonascii.sum())
        unusual = np.zeros(len(cps), dtype=bool)
        unusual[nonascii] = (cps[nonascii] > 0xFFFF) | table[np.minimum(cps[nonascii], 0xFFFF)]
        count = int(unusual.sum())
        if count and first_unusual < 0:
            first_unusual = start + int(np.argmax(unusual))
        n_unusual += count
    if chinese_codepage and n_unusual >= MIN_UNUSUAL and n_unusual > MAX_UNUSUAL_SHARE * n_nonascii:
        return first_unusual, (f"解码后 {n_unusual}/{n_nonascii} 个非英文字符是生僻字、繁体字或符号，"
                               "像是用错了编码（例如 Big5 或西文编码）")
    return None


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _line_of_byte(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


HINT = "请在 Excel/WPS 中“另存为”CSV UTF-8（逗号分隔）或 GBK 编码的 CSV 后重新提交。"


def decode_export(data: bytes, file: str | None = None) -> tuple[str, str]:
    """Bytes of a text export → (text, encoding name: utf-8 | utf-8-sig | gbk | gb18030)."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise SourceDataError("文件为空（没有任何内容）", file=file, rule="empty_file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceDataError(f"是 UTF-16 编码（Unicode 文本），本平台只接受 UTF-8、GBK 或 GB18030。{HINT}",
                              file=file, rule="encoding")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceDataError("实际是 Excel 工作簿，不是 CSV 文本文件；请按 xlsx 提交或另存为 CSV", file=file,
                              rule="encoding")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise SourceDataError(f"含有空字节 0x00（文件第 {nul + 1} 字节）：可能是 UTF-16 编码或二进制文件，"
                              f"不是 CSV 文本。{HINT}", file=file, row=_line_of_byte(data, nul), rule="encoding")
    candidates = [(UTF8_SIG, False)] if data.startswith(b"\xef\xbb\xbf") else \
        [(UTF8, False), (GBK, True), (GB18030, True)]
    furthest: UnicodeDecodeError | None = None
    for enc, chinese in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as exc:
            if furthest is None or exc.start > furthest.start:
                furthest = exc
            continue
        bad = _implausible(text, chinese_codepage=chinese)
        if bad is None:
            return text, enc
        index, reason = bad
        line = _line_of(text, index)
        snippet = text[max(0, index - 8): index + 8].replace("\n", " ").replace("\r", " ")
        if enc == UTF8_SIG or enc == UTF8:
            raise SourceDataError(f"按 {enc.upper()} 解码后{reason}（附近内容「{snippet}」）。{HINT}",
                                  file=file, row=line, rule="encoding")
        furthest_reason = (f"不是可识别的中文编码：按 {enc.upper()} 读出的内容不像正常文本——{reason}"
                           f"（附近内容「{snippet}」）。{HINT}")
        # GBK failed plausibility: GB18030 decodes the same bytes the same way, no point trying it
        raise SourceDataError(furthest_reason, file=file, row=line, rule="encoding")
    assert furthest is not None
    offset = furthest.start
    line = _line_of_byte(data, offset)
    byte = data[offset: offset + 2].hex(" ").upper()
    raise SourceDataError(f"编码无法识别：既不是 UTF-8，也不是 GBK/GB18030（文件第 {offset + 1} 字节起的 0x{byte} "
                          f"无法解码）。{HINT}", file=file, row=line, rule="encoding")


# ---------------------------------------------------------------------------------------------------------
# shared table shaping: header detection, totals
# ---------------------------------------------------------------------------------------------------------
_TOTAL_RE = re.compile(r"^(?:总\s*计|合\s*计|小\s*计|全校合计|总合计|合计[:：]?.*|总计[:：]?.*)$")
_FOOTER_RE = re.compile(r"^(?:制表|填表|填报|审核|审批|复核|负责人|单位负责人|分管|经办|说明|备注|注)\S{0,4}[:：]")
_SUBTOTAL_RE = re.compile(r"^(?:小\s*计|合\s*计|总\s*计)")
_HEADER_SPACE = re.compile(r"\s+")
_TITLE_SCAN = 30  # rows looked at for the header
_WIDTH_SCAN = 200  # rows looked at for the table's width


def clean_header(name: Any) -> str | None:
    """Header cell → name: spaces and in-cell line breaks removed (「入学\\n年份」→「入学年份」)."""
    if name is None:
        return None
    text = _HEADER_SPACE.sub("", str(name).replace("\u3000", " ").replace("\u00a0", " "))
    return text.strip("\ufeff\u200b") or None


def _nonempty(row: Sequence[Any]) -> int:
    return sum(1 for v in row if v is not None and str(v).strip() != "")


def _find_header(rows: Sequence[Sequence[Any]], title_rows: int | str) -> int:
    """Index (0-based) of the first header row."""
    if title_rows != "auto":
        return int(title_rows)
    counts = [_nonempty(r) for r in rows[:_WIDTH_SCAN]]
    width = max(counts, default=0)
    need = max(min(2, width), math.ceil(width / 2))
    for i, c in enumerate(counts[:_TITLE_SCAN]):
        if c >= need and c > 0:
            return i
    return next((i for i, c in enumerate(counts) if c > 0), 0)


def _first_text(row: Sequence[Any]) -> str | None:
    for v in row:
        if v is not None and str(v).strip():
            return re.sub(r"\s+", "", str(v))
    return None


def _trim_totals(rows: list[list[Any]], row_numbers: list[int]) -> tuple[int, list[tuple[int, str]]]:
    """How many data rows to keep, and the dropped trailing 合计/footer rows as (row number, text)."""
    end = len(rows)
    dropped: list[tuple[int, str]] = []
    while end > 0:
        row = rows[end - 1]
        first = _first_text(row)
        if first is None:  # empty row at the bottom: just skip it (dropped anyway)
            end -= 1
            continue
        if _TOTAL_RE.match(first) or (_FOOTER_RE.match(first) and _nonempty(row) <= 3):
            dropped.append((row_numbers[end - 1], " ".join(str(v) for v in row if v not in (None, ""))))
            end -= 1
            continue
        break
    return end, dropped[::-1]


def _unique_names(names: list[str | None], file: str | None, sheet: str | None) -> tuple[list[str], list[Problem]]:
    out: list[str] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, n in enumerate(names, 1):
        if n is None:
            n = f"未命名列{i}"
            problems.append(Problem(f"第 {i} 列没有列名，已命名为「{n}」", file=file, sheet=sheet,
                                    rule="header_missing", severity=WARNING))
        if n in seen:
            seen[n] += 1
            new = f"{n}_{seen[n]}"
            problems.append(Problem(f"列名「{n}」重复出现，第 {i} 列已改名为「{new}」", file=file, sheet=sheet,
                                    column=n, rule="header_duplicate", severity=WARNING))
            n = new
        else:
            seen[n] = 1
        out.append(n)
    return out, problems


def _frame(data: list[list[Any]], names: list[str], row_numbers: list[int]) -> pd.DataFrame:
    """Rows (already sliced to the kept columns) → text DataFrame with `_source_row`."""
    df = pd.DataFrame(data, columns=range(len(names)), dtype="object") if data else \
        pd.DataFrame({i: pd.Series([], dtype="object") for i in range(len(names))})
    df.columns = names
    df = df.astype("str").where(df.notna())
    df[ROW_COLUMN] = np.asarray(row_numbers, dtype="int64")
    return df


def _shape(rows: list[list[Any]], row_numbers: list[int], header_names: list[str | None], *,
           file: str | None, sheet: str | None, drop_total_rows: bool, problems: list[Problem],
           ) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Data rows + flattened header → DataFrame: empty rows/cols dropped, totals trimmed, interior 小计 reported."""
    dropped: list[tuple[int, str]] = []
    if drop_total_rows:
        end, dropped = _trim_totals(rows, row_numbers)
        rows, row_numbers = rows[:end], row_numbers[:end]
    keep_rows = [i for i, r in enumerate(rows) if _nonempty(r)]
    rows = [rows[i] for i in keep_rows]
    row_numbers = [row_numbers[i] for i in keep_rows]
    width = max([len(header_names)] + [len(r) for r in rows])
    header_names = list(header_names) + [None] * (width - len(header_names))
    has_data = [False] * width
    for r in rows:
        for j, v in enumerate(r):
            if not has_data[j] and v is not None and str(v).strip() != "":
                has_data[j] = True
    keep_cols = [j for j in range(width) if header_names[j] is not None or has_data[j]]
    names, name_problems = _unique_names([header_names[j] for j in keep_cols], file, sheet)
    problems.extend(name_problems)
    data = [[r[j] if j < len(r) else None for j in keep_cols] for r in rows]
    for r, n in zip(rows, row_numbers, strict=True):
        first = _first_text(r)
        if first and _SUBTOTAL_RE.match(first):
            problems.append(Problem(f"第 {n} 行是「{first}」行，已保留；汇总时可能重复计算", file=file, sheet=sheet,
                                    row=n, value=first, rule="subtotal_row", severity=WARNING))
    return _frame(data, names, row_numbers), dropped


# ---------------------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------------------
_DELIMITERS = (",", "\t", ";", "|")


def _sniff_delimiter(lines: list[str]) -> str:
    best, best_score = ",", -1
    for d in _DELIMITERS:
        score = max((ln.count(d) for ln in lines), default=0)
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv_export(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
                    title_rows: int | str = "auto", drop_total_rows: bool = True,
                    file_label: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read a CSV export → (text DataFrame with `_source_row`, detected encoding).

    `encoding=None` detects (utf-8 / utf-8-sig / gbk / gb18030, see module doc); `delimiter=None` picks the
    most frequent of , TAB ; | in the first lines. `file_label` is the name used in messages (default
    `学工/学生学籍.csv`-style, see `display_name`)."""
    path = Path(path)
    file = file_label or display_name(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceDataError(f"无法读取文件（{exc.strerror or exc}）", file=file, rule="io") from exc
    if encoding is None:
        text, encoding = decode_export(data, file)
    else:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise SourceDataError(f"按指定编码 {encoding} 无法解码：第 {_line_of_byte(data, exc.start)} 行"
                                  f"（文件第 {exc.start + 1} 字节）", file=file, rule="encoding") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\n" not in text and "\r" in text:  # classic Mac line ends
        text = text.replace("\r", "\n")

    head_lines = text[:200_000].split("\n")[:_WIDTH_SCAN]
    delimiter = delimiter or _sniff_delimiter(head_lines)
    head = list(csv.reader(io.StringIO("\n".join(head_lines[:_TITLE_SCAN])), delimiter=delimiter))
    header_idx = _find_header([[v if v.strip() else None for v in r] for r in head], title_rows)
    # physical line of the header (the csv module counts lines, including quoted line breaks)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    title_lines: list[str] = []
    header: list[str] = []
    for i, rec in enumerate(reader):
        if i < header_idx:
            if any(v.strip() for v in rec):
                title_lines.append(" ".join(v.strip() for v in rec if v.strip()))
            continue
        header = rec
        break
    header_line = reader.line_num  # 1-based line where the header record ends
    if not header:
        raise SourceDataError("文件没有表头行（没有任何数据）", file=file, rule="empty_file")
    header_names = [clean_header(h) for h in header]
    ncols = len(header_names)

    body_start = _offset_after_lines(text, header_line)
    body = text[body_start:]
    problems: list[Problem] = []
    raw = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # UTF-8 bytes are the C parser's native input (a StringIO is re-encoded chunk by chunk);
            # only an empty field is missing ("NA", "null" … stay text)
            raw = pd.read_csv(io.BytesIO(body.encode("utf-8")), encoding="utf-8", sep=delimiter, header=None,
                              names=range(ncols), dtype=str, keep_default_na=False, na_values=[""],
                              skip_blank_lines=False, engine="c", index_col=False)
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            raw = None  # some record has more fields than the header: pandas truncated it
    except pd.errors.ParserError:
        raw = None
    except pd.errors.EmptyDataError:
        raw = pd.DataFrame({j: pd.Series([], dtype="str") for j in range(ncols)})
    if raw is None:  # slow path: the csv module, refusing records with non-empty values beyond the header
        raw = _read_ragged(body, delimiter, ncols, header_line, file)

    n = len(raw)
    physical = body.count("\n") + (0 if body.endswith("\n") or not body else 1)
    if n == physical:  # one record per line: line numbers are a simple offset
        row_numbers = list(range(header_line + 1, header_line + 1 + n))
    else:  # quoted line breaks inside values: count record starts with the csv module
        row_numbers = []
        rd = csv.reader(io.StringIO(body), delimiter=delimiter)
        start = 1
        for _ in rd:
            row_numbers.append(header_line + start)
            start = rd.line_num + 1
        if len(row_numbers) != n:  # pandas and csv disagree: trust the csv module's reading
            raw = _read_ragged(body, delimiter, ncols, header_line, file)
            n = len(raw)

    # vectorised path: empty string → NA, drop empty rows, then the shared shaping on the (few) tail rows
    raw = raw.replace("", None) if n else raw  # the csv-module path gives "" for empty fields
    nonempty = raw.notna()  # a cell holding only spaces is content here (kept as text)
    keep = nonempty.any(axis=1).to_numpy()
    rows_kept = np.asarray(row_numbers, dtype="int64")[keep]
    raw = raw.loc[keep].reset_index(drop=True)
    dropped: list[tuple[int, str]] = []
    if drop_total_rows and len(raw):
        tail = raw.tail(10)
        tail_rows = [[None if pd.isna(v) else v for v in r] for r in tail.itertuples(index=False)]
        end, dropped = _trim_totals(tail_rows, rows_kept[-len(tail_rows):].tolist())
        cut = len(tail_rows) - end
        if cut:
            raw = raw.iloc[: len(raw) - cut]
            rows_kept = rows_kept[: len(rows_kept) - cut]
    has_data = nonempty.loc[keep].any(axis=0).to_numpy() if n else np.zeros(ncols, dtype=bool)
    keep_cols = [j for j in range(ncols) if header_names[j] is not None or has_data[j]]
    names, name_problems = _unique_names([header_names[j] for j in keep_cols], file, None)
    problems.extend(name_problems)
    df = raw[keep_cols].copy()
    df.columns = names
    df[ROW_COLUMN] = rows_kept
    first = df[names[0]] if names else None
    if first is not None:
        for idx in df.index[first.str.match(r"\s*(?:小\s*计|合\s*计|总\s*计)").fillna(False).astype(bool)]:
            problems.append(Problem(f"第 {df.at[idx, ROW_COLUMN]} 行是「{first[idx]}」行，已保留；汇总时可能重复计算",
                                    file=file, row=int(df.at[idx, ROW_COLUMN]), value=first[idx],
                                    rule="subtotal_row", severity=WARNING))
    df.attrs.update(source_file=file, sheet=None, encoding=encoding, title_lines=title_lines,
                    header_rows=[header_line], dropped_rows=dropped, problems=problems)
    return df, encoding


def _read_ragged(body: str, delimiter: str, ncols: int, header_line: int, file: str | None) -> pd.DataFrame:
    rows = []
    rd = csv.reader(io.StringIO(body), delimiter=delimiter)
    start = 1
    for rec in rd:
        if len(rec) > ncols and any(v.strip() for v in rec[ncols:]):
            line = header_line + start
            raise SourceDataError(f"有 {len(rec)} 个字段，比表头的 {ncols} 列多；可能是某个值里含有未加引号的"
                                  f"分隔符「{delimiter}」", file=file, row=line, rule="csv_fields")
        rows.append((rec + [""] * ncols)[:ncols])
        start = rd.line_num + 1
    return pd.DataFrame(rows, columns=range(ncols), dtype="str") if rows else \
        pd.DataFrame({j: pd.Series([], dtype="str") for j in range(ncols)})


def _offset_after_lines(text: str, n_lines: int) -> int:
    pos = 0
    for _ in range(n_lines):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return len(text)
        pos = nxt + 1
    return pos


# ---------------------------------------------------------------------------------------------------------
# xlsx
# ---------------------------------------------------------------------------------------------------------
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _read_merges(ws) -> list[tuple[int, int, int, int]]:
    """Merged ranges (min_row, min_col, max_row, max_col), 1-based, read from the sheet XML directly:
    read-only worksheets do not expose `merged_cells`, and full (non-read-only) loading is several times
    slower on large sheets."""
    with ws._get_source() as src:
        xml = src.read()
    tail_at = xml.rfind(b"</sheetData>")
    tail = xml[tail_at:] if tail_at >= 0 else xml
    out = []
    for c1, r1, c2, r2 in _MERGE_RE.findall(tail):
        a, b = int(r1), _col_index(c1)
        out.append((a, b, int(r2 or r1), _col_index(c2 or c1)))
    return out


WHOLE_FLOAT_LIMIT = 1e16  # a float below this that is a whole number is written without `.0` (2023.0 → 2023)


def cell_text(value: Any) -> str | None:
    """An openpyxl cell value → the text a clerk would recognise: integers without `.0`, dates as ISO
    (`2023-09-01`, `2023-09-01 08:30:00`), booleans TRUE/FALSE, strings unchanged."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        if value.is_integer() and abs(value) < WHOLE_FLOAT_LIMIT:
            return str(int(value))
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text or "E" in text else text
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if not value.microsecond else "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        total = int(value.total_seconds())
        return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"
    return str(value)


def _open_workbook(path: Path, file: str | None):
    import openpyxl

    try:
        head = path.open("rb").read(8)
    except OSError as exc:
        raise SourceDataError(f"无法读取文件（{exc.strerror or exc}）", file=file, rule="io") from exc
    if not head:
        raise SourceDataError("文件为空（0 字节）", file=file, rule="empty_file")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceDataError("是旧版 Excel 97-2003（.xls）格式或加了密码的工作簿，请在 Excel/WPS 中"
                              "“另存为”.xlsx 后重新提交", file=file, rule="xlsx_format")
    if not head.startswith(b"PK"):
        kind = "HTML/XML 网页表格" if head.lstrip().startswith(b"<") else "文本或其他格式"
        raise SourceDataError(f"不是有效的 xlsx 文件（实际是{kind}），请在 Excel/WPS 中“另存为”.xlsx 后重新提交",
                              file=file, rule="xlsx_format")
    try:
        fh = path.open("rb")
        return openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ParseError, OSError, ValueError) as exc:
        raise SourceDataError("文件已损坏或不完整（不是有效的 xlsx 压缩包），请重新导出或重新上传",
                              file=file, rule="xlsx_corrupt") from exc


def _flatten_header(band: list[list[Any]], band_top: int, merges: list[tuple[int, int, int, int]],
                    width: int) -> list[str | None]:
    """Header rows → one name per column: parts from top to bottom, merged cells give their value to the
    whole range, a repeated part (a vertically merged cell) is kept once, joined with `_`."""
    grid = [[clean_header(v) for v in (r + [None] * (width - len(r)))[:width]] for r in band]
    band_bottom = band_top + len(band) - 1
    for r1, c1, r2, c2 in merges:
        if r2 < band_top or r1 > band_bottom or r1 < band_top:
            continue
        value = grid[r1 - band_top][c1 - 1] if c1 <= width else None
        for r in range(r1, min(r2, band_bottom) + 1):
            for c in range(c1, min(c2, width) + 1):
                grid[r - band_top][c - 1] = value
    names: list[str | None] = []
    for j in range(width):
        parts: list[str] = []
        for r in range(len(grid)):
            v = grid[r][j]
            if v and (not parts or parts[-1] != v):
                parts.append(v)
        names.append("_".join(parts) or None)
    return names


def _extend_header_up(header_idx: int, merges: list[tuple[int, int, int, int]]) -> int:
    """The fullest row is often the LOWER row of a two-row header (年度 merged A2:A3 over 学费/中央专项 …):
    a cell merged down into it from above means the header starts at that cell's row."""
    while True:
        top = header_idx + 1
        above = [r1 for r1, _c1, r2, _c2 in merges if r1 < top <= r2]
        if not above:
            return header_idx
        header_idx = min(above) - 1


def _header_depth(rows: list[list[Any]], header_idx: int, merges: list[tuple[int, int, int, int]]) -> int:
    """How many rows the header has, from the merges that start in it (see module doc)."""
    top = header_idx + 1  # Excel row number of the first header row
    depth = 1
    for _ in range(4):
        last = top + depth - 1
        need = depth
        for r1, c1, r2, c2 in merges:
            if not top <= r1 <= last:
                continue
            if r2 > last:  # merged downwards: the header reaches at least that row
                need = max(need, r2 - top + 1)
            elif c2 > c1 and r2 == last:  # a group over several columns: sub-headers must follow
                below = rows[last] if last < len(rows) else []
                under = [below[c - 1] if c - 1 < len(below) else None for c in range(c1, c2 + 1)]
                if under and all(isinstance(v, str) and v.strip() for v in under):
                    need = max(need, depth + 1)
        if need == depth:
            break
        depth = need
    return depth


def sheet_key(name: str) -> str:
    """A sheet name without what a hand edit changes unnoticed: spaces, full-width forms, punctuation, case."""
    import unicodedata

    text = unicodedata.normalize("NFKC", name)
    return "".join(ch for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("P")).lower()


def pick_sheet(wb, sheet: str, file: str | None):
    """The worksheet to read for the expected name `sheet`, and the notes on how it was found.

    Decisions (docs/source_formats.md 「工作表名称与隐藏工作表」): a hidden sheet is never read. The visible sheet
    of that name is read; one whose name differs only in spaces, full-width characters or punctuation is
    read too, with a 提醒. A hidden sheet with the expected name next to a visible match is a 提醒 (not read);
    a hidden match with no visible one is refused (阻断): the clerk must unhide it or delete it."""
    key = sheet_key(sheet)
    visible = [w for w in wb.worksheets if w.sheet_state == "visible"]
    hidden = [w for w in wb.worksheets if w.sheet_state != "visible" and sheet_key(w.title) == key]
    exact = [w for w in visible if w.title == sheet]
    near = exact or [w for w in visible if sheet_key(w.title) == key]
    if len(near) > 1:
        raise SourceDataError(f"有 {len(near)} 个工作表都像「{sheet}」：{'、'.join(f'「{w.title}」' for w in near)}，"
                              "无法确定读哪一个；请删除或改名多余的工作表", file=file, rule="sheet_ambiguous")
    notes = []
    if not near:
        if hidden:
            raise SourceDataError(f"工作表「{hidden[0].title}」被隐藏，隐藏的工作表不会被读取；如果它是要提交的数据，"
                                  "请在 Excel/WPS 中取消隐藏后重新提交，否则请删除它", file=file,
                                  sheet=hidden[0].title, rule="sheet_hidden")
        shown = "、".join(w.title for w in visible)
        raise SourceDataError(f"没有名为「{sheet}」的工作表（现有：{shown}）", file=file, rule="sheet_missing")
    ws = near[0]
    if ws.title != sheet:
        notes.append(Problem(f"工作表名「{ws.title}」与标准名「{sheet}」只差空格、全角字符或标点，已按同一张表读取；"
                             "请在下次导出时改回标准名", file=file, sheet=ws.title, rule="sheet_renamed",
                             severity=WARNING))
    for h in hidden:
        notes.append(Problem(f"隐藏的工作表「{h.title}」未读取（读取的是可见的「{ws.title}」）；请删除不用的隐藏工作表",
                             file=file, sheet=h.title, rule="sheet_hidden", severity=WARNING))
    return ws, notes


def read_xlsx_export(path: str | Path, sheet: str | int | None = None, header_rows: int | str = "auto",
                     title_rows: int | str = "auto", *, drop_total_rows: bool = True,
                     fill_merged: bool = True, file_label: str | None = None) -> pd.DataFrame:
    """Read one sheet of an xlsx export → text DataFrame with `_source_row` = Excel row number.

    `sheet`: name or 0-based index (None = first sheet). `title_rows`: rows above the header ("auto" or a
    count). `header_rows`: "auto" (from merged cells) or a count. See the module doc for the rules."""
    path = Path(path)
    file = file_label or display_name(path)
    wb = _open_workbook(path, file)
    try:
        names = wb.sheetnames
        sheet_problems: list[Problem] = []
        if sheet is None:
            visible = [w for w in wb.worksheets if w.sheet_state == "visible"] or wb.worksheets
            ws = visible[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise SourceDataError(f"没有第 {sheet + 1} 个工作表（共 {len(names)} 个：{'、'.join(names)}）",
                                      file=file, rule="sheet_missing")
            ws = wb[names[sheet]]
        else:
            ws, sheet_problems = pick_sheet(wb, sheet, file)
        sheet_name = ws.title
        ws.reset_dimensions()  # some exporters write a wrong <dimension>; read every row that exists
        rows = [[cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
        merges = _read_merges(ws)
    except SourceDataError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ParseError, OSError, ValueError) as exc:
        raise SourceDataError("文件已损坏或不完整（不是有效的 xlsx 压缩包），请重新导出或重新上传",
                              file=file, sheet=None, rule="xlsx_corrupt") from exc
    finally:
        wb.close()

    while rows and not _nonempty(rows[-1]):
        rows.pop()
    if not rows:
        raise SourceDataError("工作表是空的（没有表头也没有数据）", file=file, sheet=sheet_name, rule="empty_sheet")
    header_idx = _find_header(rows, title_rows)
    if title_rows == "auto":
        header_idx = _extend_header_up(header_idx, merges)
    depth = _header_depth(rows, header_idx, merges) if header_rows == "auto" else int(header_rows)
    width = max(len(r) for r in rows)
    band = rows[header_idx: header_idx + depth]
    header_names = _flatten_header(band, header_idx + 1, merges, width)
    title_lines = [" ".join(v for v in r if v and v.strip()) for r in rows[:header_idx] if _nonempty(r)]

    first_data = header_idx + depth  # 0-based index of the first data row
    data = [r + [None] * (width - len(r)) for r in rows[first_data:]]
    row_numbers = list(range(first_data + 1, first_data + 1 + len(data)))
    if fill_merged:
        for r1, c1, r2, c2 in merges:
            if r1 <= first_data:  # title / header merges handled above
                continue
            value = data[r1 - first_data - 1][c1 - 1] if r1 - first_data - 1 < len(data) else None
            for r in range(r1, min(r2, first_data + len(data)) + 1):
                for c in range(c1, min(c2, width) + 1):
                    data[r - first_data - 1][c - 1] = value
    problems: list[Problem] = list(sheet_problems)
    df, dropped = _shape(data, row_numbers, header_names, file=file, sheet=sheet_name,
                         drop_total_rows=drop_total_rows, problems=problems)
    df.attrs.update(source_file=file, sheet=sheet_name, encoding=None, title_lines=title_lines,
                    header_rows=list(range(header_idx + 1, header_idx + depth + 1)), dropped_rows=dropped,
                    problems=problems)
    return df
