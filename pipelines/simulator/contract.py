"""Column names come from ONE place, the source contract `seeds/source_columns.csv` (shared with the ingestion
and dbt): every export selects its columns by English id and writes the Chinese labels found there."""

from __future__ import annotations

import csv
from functools import lru_cache

import pandas as pd

from pipelines.config import REPO_ROOT

CONTRACT_PATH = REPO_ROOT / "seeds" / "source_columns.csv"


@lru_cache(maxsize=1)
def _rows() -> tuple[dict, ...]:
    with CONTRACT_PATH.open(encoding="utf-8-sig", newline="") as fh:
        return tuple(csv.DictReader(fh))


def columns(system: str, table: str) -> list[dict]:
    cols = [r for r in _rows() if r["system"] == system and r["table"] == table]
    if not cols:
        raise KeyError(f"{system}.{table} is not in {CONTRACT_PATH}")
    return cols


def labels(system: str, table: str) -> list[str]:
    return [c["column_zh"] for c in columns(system, table)]


def ids(system: str, table: str) -> list[str]:
    return [c["column"] for c in columns(system, table)]


def primary_key(system: str, table: str) -> list[str]:
    return [c["column"] for c in columns(system, table) if c["primary_key"] == "1"]


def source(system: str, table: str) -> str:
    return columns(system, table)[0]["file"]


def tables(system: str) -> list[str]:
    return list(dict.fromkeys(r["table"] for r in _rows() if r["system"] == system))


def to_export(df: pd.DataFrame, system: str, table: str) -> pd.DataFrame:
    """The contract's columns in contract order, headed with their Chinese labels."""
    cols = columns(system, table)
    out = df[[c["column"] for c in cols]].copy()
    out.columns = [c["column_zh"] for c in cols]
    return out
