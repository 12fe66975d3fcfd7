"""身份证号 (GB 11643-1999) validation — the one value check that needs Python (a weighted check digit).

Every other cleaning rule (text, codes, numbers, dates, 是/否) is SQL, in `pipelines/ingest/cleaning.sql`, used by
both the gate and dbt staging; there is deliberately no Python copy of them.

| function | gives |
|---|---|
| validate_id_card | None if `value` is a valid 18-digit 身份证号, else the Chinese reason |
| validate_id_card_series | the reason per row (NA when valid or empty) |
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from pipelines.ingest.errors import ERROR, Problem

MIN_YEAR = 1900


def normalize_id_card(value: Any) -> Any:
    """NFKC (full-width → ASCII), every blank removed, upper case (x → X); empty → None."""
    if not isinstance(value, str):
        return value
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).strip("\u200b\ufeff").upper()
    return text or None


def _na_reason(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="object")


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
    text = s.map(normalize_id_card, na_action="ignore").astype("str")
    text = text.where(text.str.len() > 0)
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
    row_no = rows if rows is not None else pd.Series(reasons.index, index=reasons.index)
    return [Problem(str(reasons[i]), file=file, sheet=sheet, row=int(row_no[i]), column=column, value=values[i],
                    rule=rule, severity=severity) for i in reasons.index[reasons.notna()]]
