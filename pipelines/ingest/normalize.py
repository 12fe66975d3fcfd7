"""Pure normalisers for values exported by Chinese college systems.

Each normaliser has a scalar form (one value, for tests and row-wise code) and a `*_series` form
(vectorised with pandas string methods / numpy, for millions of rows). The scalar and vector forms give the
same answer; the tests check both.

Failure is explicit, never a guess:
- scalar parsers return the parsed value, `None` for an empty input, or an `Invalid(value, reason)` marker
  (falsy, so `if not parsed` catches both empty and invalid);
- series parsers return `Parsed(values, invalid)`: `values` has NaN/NaT where the input was empty or invalid,
  `invalid` is a string Series holding the Chinese reason where the input was NOT empty but could not be
  parsed (NA elsewhere). `Parsed.problems(...)` turns those into `Problem`s with the source row numbers.

| function | accepts | gives |
|---|---|---|
| clean_text | strip spaces incl. U+3000 / NBSP / zero-width; full-width digits+letters → ASCII | str |
| parse_date | 2023-09-01, 2023/9/1, 2023.9.1, 2023年9月1日, 20230901, Excel serial 45170, ISO datetime | date |
| parse_number | 1,234.5  １２３４  85%  (1,234) ￥12.50 | float |
| normalize_code | ` zc-01 ` → `ZC-01` (clean, full-width → ASCII, upper case, no inner spaces) | str |
| validate_id_card | 18-digit GB 11643-1999 number | None if valid, else the reason |
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from pipelines.ingest.errors import ERROR, Problem

# ---------------------------------------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------------------------------------
# full-width forms U+FF01..U+FF5E map to ASCII U+0021..U+007E; U+3000 is the ideographic space
_FW_ALL = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FW_ALNUM = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp - 0xFEE0).isalnum()}
_SPACES = {0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20, 0x202F: 0x20}
_INVISIBLE = {0x200B: None, 0x200C: None, 0x200D: None, 0x2060: None, 0xFEFF: None}
_TABLES = {
    # "alnum" (default): digits, letters and the spaces; Chinese punctuation （），：is left alone because it
    # is ordinary Chinese text (江南学院（东校区）stays as written).
    "alnum": str.maketrans({**_FW_ALNUM, **_INVISIBLE}),
    # "all": every full-width ASCII form, for codes and numbers (ＺＣ－０１ → ZC-01)
    "all": str.maketrans({**_FW_ALL, **_INVISIBLE}),
    "none": str.maketrans(_INVISIBLE),
}
_EDGE_SPACE = " \t\r\n\u3000\u00a0\u2002\u2003\u2009\u202f\u200b\ufeff"


def clean_text(value: Any, *, width: str = "alnum") -> Any:
    """Strip leading/trailing spaces (incl. full-width U+3000 and NBSP), drop zero-width characters, turn
    full-width digits/letters into ASCII (`width="all"`: every full-width ASCII form; `"none"`: keep).
    Inner spaces are kept (a name padded as 「王　五」 is a name question, not a whitespace one).
    Empty result → None. Non-strings are returned unchanged (None stays None)."""
    if not isinstance(value, str):
        return value
    out = value.translate(_TABLES[width]).strip(_EDGE_SPACE)
    return out or None


def clean_text_series(s: pd.Series, *, width: str = "alnum") -> pd.Series:
    """Vectorised `clean_text`; the result has the pandas string dtype, empty → NA."""
    s = s.astype("str") if s.dtype != "str" else s
    out = s.str.translate(_TABLES[width]).str.strip(_EDGE_SPACE)
    return out.where(out.str.len() > 0)


def normalize_code(value: Any) -> Any:
    """A code as systems compare it: cleaned, full-width → ASCII, upper case, inner whitespace removed."""
    text = clean_text(value, width="all")
    if not isinstance(text, str):
        return text
    text = re.sub(r"\s+", "", text.translate(str.maketrans(_SPACES))).upper()
    return text or None


def normalize_code_series(s: pd.Series) -> pd.Series:
    out = clean_text_series(s, width="all")
    out = out.str.translate(str.maketrans(_SPACES)).str.replace(r"\s+", "", regex=True).str.upper()
    return out.where(out.str.len() > 0)


# ---------------------------------------------------------------------------------------------------------
# failure marker and vector result
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Invalid:
    """A value that could not be parsed, with the Chinese reason. Falsy."""

    value: Any
    reason: str

    def __bool__(self) -> bool:
        return False


@dataclass
class Parsed:
    """Result of a vectorised parser: `values` (NaN/NaT where empty or invalid) and `invalid` (the reason
    where a non-empty input failed, NA elsewhere)."""

    values: pd.Series
    invalid: pd.Series
    source: pd.Series

    @property
    def n_invalid(self) -> int:
        return int(self.invalid.notna().sum())

    def problems(self, *, column: str, rule: str, file: str | None = None, sheet: str | None = None,
                 rows: pd.Series | None = None, severity: str = ERROR, limit: int | None = None) -> list[Problem]:
        """One `Problem` per invalid value. `rows` is the `_source_row` column (defaults to the index)."""
        bad = self.invalid.notna()
        idx = self.invalid.index[bad]
        if limit is not None:
            idx = idx[:limit]
        row_no = rows if rows is not None else pd.Series(self.invalid.index, index=self.invalid.index)
        return [Problem(str(self.invalid[i]), file=file, sheet=sheet, row=int(row_no[i]), column=column,
                        value=self.source[i], rule=rule, severity=severity) for i in idx]


def _na_reason(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="object")


# ---------------------------------------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------------------------------------
MIN_YEAR, MAX_YEAR = 1900, 2100
# Excel serials accepted as dates: 1927-05-18 .. 2173-10-14. Smaller numbers are far more likely to be a
# count or a code than a date, so they are refused rather than guessed.
MIN_SERIAL, MAX_SERIAL = 10_000, 99_999
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 61 = 1900-03-01: Excel counts the non-existent 1900-02-29 (Lotus bug)

_DATE_ALL = re.compile(
    r"^(?:(?P<y1>\d{4})\s*[-/.年]\s*(?P<m1>\d{1,2})\s*[-/.月]\s*(?P<d1>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"|(?P<y2>\d{4})(?P<m2>\d{2})(?P<d2>\d{2})"
    r"|(?P<serial>\d{1,6})(?:\.\d+)?)$"
)
R_DATE_FORMAT = "无法识别为日期（可用格式：2023-09-01、2023/9/1、2023年9月1日、20230901）"
R_DATE_MISSING = "不是存在的日期"
R_DATE_RANGE = f"年份不在 {MIN_YEAR}–{MAX_YEAR} 之间"
R_DATE_SERIAL = f"看起来是 Excel 日期序号，但不在可接受范围（{MIN_SERIAL}–{MAX_SERIAL}）内"


def excel_serial_to_date(serial: float) -> date | Invalid:
    """Excel 1900 date system: 1 = 1900-01-01, 60 = the non-existent 1900-02-29 (refused), 61 = 1900-03-01."""
    whole = int(serial)
    if whole == 60:
        return Invalid(serial, "是 Excel 中不存在的日期 1900-02-29")
    if whole < 1:
        return Invalid(serial, R_DATE_SERIAL)
    return _EXCEL_EPOCH + timedelta(days=whole) if whole > 60 else date(1899, 12, 31) + timedelta(days=whole)


def parse_date(value: Any) -> date | Invalid | None:
    """One value → `date`, `None` (empty) or `Invalid(value, reason)`. Never guesses: 9/1/2023, 23-9-1,
    二〇二三年九月一日, 2023-9 are Invalid."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # datetime → date
    text = clean_text(str(value), width="all")
    if text is None:
        return None
    m = _DATE_ALL.match(text)
    if not m:
        return Invalid(value, R_DATE_FORMAT)
    if m["serial"] is not None:
        serial = int(m["serial"])
        if not MIN_SERIAL <= serial <= MAX_SERIAL:
            return Invalid(value, R_DATE_SERIAL if len(m["serial"]) != 4 else R_DATE_FORMAT)
        return excel_serial_to_date(serial)
    y, mo, d = (int(m["y1"]), int(m["m1"]), int(m["d1"])) if m["y1"] else (int(m["y2"]), int(m["m2"]), int(m["d2"]))
    if not MIN_YEAR <= y <= MAX_YEAR:
        return Invalid(value, R_DATE_RANGE)
    try:
        return date(y, mo, d)
    except ValueError:
        return Invalid(value, R_DATE_MISSING)


def parse_date_series(s: pd.Series) -> Parsed:
    """Vectorised `parse_date`: values as datetime64[s] (NaT where empty/invalid) + reasons."""
    text = clean_text_series(s.astype("str") if s.dtype != "str" else s, width="all")
    parts = text.str.extract(_DATE_ALL)
    y = pd.to_numeric(parts["y1"].fillna(parts["y2"]), errors="coerce")
    m = pd.to_numeric(parts["m1"].fillna(parts["m2"]), errors="coerce")
    d = pd.to_numeric(parts["d1"].fillna(parts["d2"]), errors="coerce")
    serial = pd.to_numeric(parts["serial"], errors="coerce")

    nonempty = text.notna()
    reason = _na_reason(s.index)
    reason[nonempty & y.isna() & serial.isna()] = R_DATE_FORMAT

    # calendar dates
    ymd_ok = y.between(MIN_YEAR, MAX_YEAR)
    reason[y.notna() & ~ymd_ok] = R_DATE_RANGE
    frame = pd.DataFrame({"year": y.where(ymd_ok), "month": m.where(ymd_ok), "day": d.where(ymd_ok)})
    calendar = pd.to_datetime(frame, errors="coerce")
    reason[ymd_ok & calendar.isna()] = R_DATE_MISSING

    # Excel serials (5 digits; a bare 4-digit number is a year, not a date)
    serial_digits = parts["serial"].str.len()
    ser_ok = serial.between(MIN_SERIAL, MAX_SERIAL) & (serial != 60)
    reason[serial.notna() & ~ser_ok] = np.where(serial_digits[serial.notna() & ~ser_ok] == 4,
                                                R_DATE_FORMAT, R_DATE_SERIAL)
    from_serial = pd.Timestamp(_EXCEL_EPOCH) + pd.to_timedelta(serial.where(ser_ok), unit="D")

    values = calendar.where(calendar.notna(), from_serial).astype("datetime64[s]")
    return Parsed(values=values, invalid=reason.astype("str").where(reason.notna()), source=s)


# ---------------------------------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------------------------------
_EMPTY_NUMBER = {"-", "—", "--", "——", "/", "无"}
R_NUMBER = "无法识别为数字"


def _number_text(text: str) -> tuple[str, bool, bool]:
    """Cleaned text, is-percent, is-accounting-negative."""
    t = re.sub(r"[\s¥￥$]", "", text)
    t = t.replace("，", ",")
    neg = t.startswith("(") and t.endswith(")")  # （1,234.00） in 财务 exports = -1234
    if neg:
        t = t[1:-1]
    pct = t.endswith("%")
    if pct:
        t = t[:-1]
    return t, pct, neg


_NUMBER_RE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d*)?(?:[eE][+-]?\d+)?$")


def parse_number(value: Any, *, percent: str = "fraction") -> float | Invalid | None:
    """`1,234.5` → 1234.5; `１２３` → 123; `85%` → 0.85 (`percent="number"` → 85); `(1,234)` → -1234;
    `￥12.50` → 12.5; empty, `-`, `—`, `/`, `无` → None. Thousands separators must sit every 3 digits
    (`1,23` is Invalid — it might be a decimal comma)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = clean_text(str(value), width="all")
    if text is None or text in _EMPTY_NUMBER:
        return None
    t, pct, neg = _number_text(text)
    if not t or not _NUMBER_RE.match(t) or not any(ch.isdigit() for ch in t):
        return Invalid(value, R_NUMBER)
    out = float(t.replace(",", ""))
    if neg:
        out = -out
    if pct and percent == "fraction":
        out /= 100
    return out


def parse_number_series(s: pd.Series, *, percent: str = "fraction") -> Parsed:
    text = clean_text_series(s.astype("str") if s.dtype != "str" else s, width="all")
    text = text.where(~text.isin(_EMPTY_NUMBER))
    t = text.str.replace(r"[\s¥￥$]", "", regex=True).str.replace("，", ",", regex=False)
    neg = t.str.startswith("(") & t.str.endswith(")")
    t = t.where(~neg, t.str.slice(1, -1))
    pct = t.str.endswith("%")
    t = t.where(~pct, t.str.slice(0, -1))
    shape_ok = t.str.match(_NUMBER_RE.pattern) & t.str.contains(r"\d", regex=True)
    num = pd.to_numeric(t.where(shape_ok).str.replace(",", "", regex=False), errors="coerce")
    num = num.where(~neg.fillna(False).astype(bool), -num)
    if percent == "fraction":
        num = num.where(~pct.fillna(False).astype(bool), num / 100)
    reason = _na_reason(s.index)
    reason[text.notna() & num.isna()] = R_NUMBER
    return Parsed(values=num.astype("float64"), invalid=reason.astype("str").where(reason.notna()), source=s)


# ---------------------------------------------------------------------------------------------------------
# 身份证号 (GB 11643-1999)
# ---------------------------------------------------------------------------------------------------------
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = "10X98765432"  # index = weighted sum mod 11
# 省级行政区划代码 (first two digits): 11–15 华北, 21–23 东北, 31–37 华东, 41–46 中南, 50–54 西南, 61–65 西北,
# 71 台湾, 81 香港, 82 澳门, 83 台湾居民居住证, 91 外国人永久居留证 (new 2023 format also 18 digits)
_ID_PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91}


def id_card_check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits: Σ(digit·weight) mod 11 → 1 0 X 9 8 7 6 5 4 3 2."""
    total = sum(int(c) * int(w) for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_card(value: Any) -> Any:
    """Clean, full-width → ASCII, inner spaces removed, x → X."""
    return normalize_code(value)


def validate_id_card(value: Any, *, today: date | None = None) -> str | None:
    """None when `value` is a valid 18-digit 身份证号 (after `normalize_id_card`), else the Chinese reason."""
    text = normalize_id_card(value)
    if text is None:
        return "为空"
    if len(text) == 15 and text.isdigit():
        return "是 15 位旧身份证号，请换成 18 位"
    if len(text) != 18:
        return f"长度应为 18 位（实际 {len(text)} 位）"
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        return "前 17 位应为数字，最后一位应为数字或 X"
    if int(text[:2]) not in _ID_PROVINCES:
        return f"前两位「{text[:2]}」不是有效的省级行政区划代码"
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return f"出生日期「{text[6:14]}」不存在"
    if born.year < MIN_YEAR or born > (today or date.today()):
        return f"出生日期「{text[6:14]}」不合理"
    expected = id_card_check_digit(text[:17])
    if text[17] != expected:
        return f"校验位错误（按前 17 位计算应为 {expected}，实际为 {text[17]}）"
    return None


def validate_id_card_series(s: pd.Series, *, today: date | None = None) -> pd.Series:
    """Vectorised `validate_id_card` for non-empty values: the reason per row, NA when valid OR empty
    (emptiness is the contract's `required` question, not a format one)."""
    text = normalize_code_series(s)
    reason = _na_reason(s.index)
    nonempty = text.notna()
    shaped = text.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
    # rows with a wrong shape: let the scalar function phrase the reason (they are few)
    for i in text.index[nonempty & ~shaped]:
        reason[i] = validate_id_card(text[i], today=today)
    if shaped.any():
        good = text[shaped]
        raw = np.frombuffer("".join(good.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        digits = raw[:, :17].astype(np.int64) - 48
        expected = np.frombuffer(_ID_CHECK.encode("ascii"), dtype=np.uint8)[(digits @ _ID_WEIGHTS) % 11]
        province = digits[:, 0] * 10 + digits[:, 1]
        born = pd.to_datetime(good.str.slice(6, 14), format="%Y%m%d", errors="coerce")
        limit = pd.Timestamp(today or date.today())
        bad_prov = ~np.isin(province, list(_ID_PROVINCES))
        bad_born = born.isna().to_numpy() | (born.dt.year < MIN_YEAR).to_numpy() | (born > limit).to_numpy()
        bad_check = raw[:, 17] != expected
        # same words as `validate_id_card`, built column-wise (first failing rule wins, as there)
        exp_char = pd.Series(expected.view("S1").astype(str), index=good.index)
        birth = good.str.slice(6, 14)
        check_reason = "校验位错误（按前 17 位计算应为 " + exp_char + "，实际为 " + good.str.slice(17, 18) + "）"
        born_reason = np.where(born.isna().to_numpy(), "出生日期「" + birth + "」不存在", "出生日期「" + birth + "」不合理")
        prov_reason = "前两位「" + good.str.slice(0, 2) + "」不是有效的省级行政区划代码"
        out = pd.Series(np.where(bad_prov, prov_reason, np.where(bad_born, born_reason, check_reason)),
                        index=good.index, dtype="object")
        bad = bad_prov | bad_born | bad_check
        reason[good.index[bad]] = out[bad]
    return reason.astype("str").where(reason.notna())


def problems_from_reasons(reasons: pd.Series, values: pd.Series, *, column: str, rule: str,
                          rows: pd.Series | None = None, file: str | None = None, sheet: str | None = None,
                          severity: str = ERROR) -> list[Problem]:
    """Reasons (NA = fine) → `Problem`s, e.g. for `validate_id_card_series`."""
    parsed = Parsed(values=values, invalid=reasons, source=values)
    return parsed.problems(column=column, rule=rule, rows=rows, file=file, sheet=sheet, severity=severity)

