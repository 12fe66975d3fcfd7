"""Dirty values, the way hand-kept exports have them — always a small minority (≈1–3 %) of one column.
Which column gets which dirt is listed in `seeds/source_columns.csv` (column `dirty`) and docs/source_formats.md."""

from __future__ import annotations

import numpy as np
import pandas as pd

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _mask(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return rng.random(n) < share


def spaces(rng: np.random.Generator, s: pd.Series, share: float = 0.01) -> pd.Series:
    """Leading or trailing blanks (ASCII space or the full-width U+3000 a Chinese IME types)."""
    m = _mask(rng, len(s), share)
    pads = np.array([" ", "  ", "\u3000"])[rng.integers(0, 3, m.sum())]
    lead = rng.random(m.sum()) < 0.3
    vals = s[m].astype(str).to_numpy()
    s = s.copy()
    s[m] = np.where(lead, np.char.add(pads, vals.astype(str)), np.char.add(vals.astype(str), pads))
    return s


def fullwidth_digits(rng: np.random.Generator, s: pd.Series, share: float = 0.01) -> pd.Series:
    m = _mask(rng, len(s), share)
    s = s.astype(object).copy()
    s[m] = [v if pd.isna(v) else str(v).translate(FULLWIDTH) for v in s[m]]  # a blank stays blank, not 'nan'
    return s


def blanks(rng: np.random.Generator, s: pd.Series, share: float = 0.02) -> pd.Series:
    m = _mask(rng, len(s), share)
    s = s.astype(object).copy()
    s[m] = None
    return s


def lower_case(rng: np.random.Generator, s: pd.Series, share: float = 0.02) -> pd.Series:
    m = _mask(rng, len(s), share)
    s = s.astype(object).copy()
    s[m] = [str(v).lower() for v in s[m]]
    return s


def messy_dates(rng: np.random.Generator, dates: pd.Series, share: float = 0.03, *, serial_as_number: bool) -> pd.Series:
    """Mostly ISO `2023-09-01`; a few as `2023.9.1`, `2023年9月1日`, `2023/09/01` or the Excel serial number
    (a number in xlsx, its digits in CSV)."""
    d = pd.to_datetime(dates)
    out = pd.Series(d.dt.strftime("%Y-%m-%d").to_numpy(), index=dates.index, dtype=object)
    m = _mask(rng, len(d), share)
    kind = rng.integers(0, 4, m.sum())
    sub = d[m]
    variants = [
        sub.dt.year.astype(str) + "." + sub.dt.month.astype(str) + "." + sub.dt.day.astype(str),
        sub.dt.year.astype(str) + "年" + sub.dt.month.astype(str) + "月" + sub.dt.day.astype(str) + "日",
        sub.dt.strftime("%Y/%m/%d"),
        ((sub - pd.Timestamp("1899-12-30")).dt.days).astype(object),
    ]
    picked = np.select([kind == i for i in range(4)], [v.astype(object).to_numpy() for v in variants], None)
    if not serial_as_number:
        picked = np.array([str(v) for v in picked], dtype=object)
    out[m] = picked
    return out


def lower_x(rng: np.random.Generator, s: pd.Series, share: float = 0.3) -> pd.Series:
    """身份证号 ending in X typed as a lower-case x."""
    ends_x = s.astype(str).str.endswith("X").to_numpy()
    m = ends_x & _mask(rng, len(s), share)
    s = s.astype(object).copy()
    s[m] = [str(v)[:-1] + "x" for v in s[m]]
    return s
