"""Reference lists (majors, courses, names, regions, titles …) kept as CSV under `reference/`: editable data,
not literals in code. `load("majors")` returns the CSV as a DataFrame of strings (numbers converted by the
caller), cached because every generator reads them."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from pipelines.config import REPO_ROOT

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
DEPARTMENTS_CSV = REPO_ROOT / "seeds" / "org_departments.csv"

SCHOOL_NAME = "江南职业技术学院"
SCHOOL_CODE = "4132013999"  # fictional 10-digit 学校标识码 (real 江苏 高职 codes start with 41320)
SCHOOL_TYPE = "工科"


@cache
def load(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")


@lru_cache(maxsize=1)
def departments() -> pd.DataFrame:
    return pd.read_csv(DEPARTMENTS_CSV, dtype=str, keep_default_na=False, encoding="utf-8")


def weights(df: pd.DataFrame, column: str = "weight"):
    w = df[column].astype(float).to_numpy()
    return w / w.sum()
