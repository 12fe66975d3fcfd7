"""The cleaning rules as SQL (`cleaning.sql`), and what ties them to the contract.

    install(con)                               # CREATE OR REPLACE the macros in this DuckDB connection
    spec = column_specs(table)                 # [(id, label, type, unit, required)] of a contract table
    typed_sql("decimal", '"starting_salary"', "元")   # → clean_decimal("starting_salary", '元')

The macros are the only implementation of the rules: the gate types each extracted batch with them
(`pipelines/ingest/extract.py` `clean_extract`) and dbt staging calls them (`dbt_project/macros/stage.sql`,
installed by the profile plugin `pipelines.ingest.dbt_cleaning`). A column's unit — what a cell may carry
after its number, and how `95%` reads — comes from the contract label (`起薪(元)` → 元) or, failing that,
from `expectations/rules.yml` `units`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from pipelines.config import REPO_ROOT

SQL_FILE = Path(__file__).with_name("cleaning.sql")
RULES_FILE = REPO_ROOT / "expectations" / "rules.yml"
_LABEL_UNIT = re.compile(r"[(（]\s*([^()（）]+?)\s*[)）]\s*$")
# contract type → the macro that types it (str → clean_text)
_MACROS = {"code": "clean_code", "int": "clean_int", "decimal": "clean_decimal", "date": "clean_date",
           "bool": "clean_bool"}
_WITH_UNIT = {"int", "decimal"}
SQL_TYPES = {"int": "BIGINT", "decimal": "DECIMAL(18, 6)", "date": "DATE", "bool": "BOOLEAN"}


_INSTALLED: list = []  # the last connections this process installed the macros in (held: an id is not reused)


def install(con) -> None:
    """Create (or replace) the cleaning macros in `con`'s default database — once per connection (≈ 20 ms each time;
    the gate types and looks up 34 tables a full run in the same connection)."""
    if any(c is con for c in _INSTALLED):
        return
    con.execute(SQL_FILE.read_text(encoding="utf-8"))
    _INSTALLED.append(con)
    del _INSTALLED[:-4]


@lru_cache(maxsize=4)
def _unit_rules_of_file(path: str, mtime: float) -> tuple[tuple[re.Pattern, str], ...]:
    return unit_rules(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})


def unit_rules(rules: dict) -> tuple[tuple[re.Pattern, str], ...]:
    """rules.yml `units` → ((label pattern, unit), …)."""
    return tuple((re.compile(r["match"]), str(r["unit"])) for r in rules.get("units") or [])


def _default_unit_rules(rules_path: Path) -> tuple[tuple[re.Pattern, str], ...]:
    return _unit_rules_of_file(str(rules_path), rules_path.stat().st_mtime) if rules_path.exists() else ()


def column_unit(label: str, type_: str, rules: tuple[tuple[re.Pattern, str], ...] | None = None) -> str | None:
    """The unit of a number column: from its label's trailing (…), else the first `units` rule matching it."""
    if type_ not in _WITH_UNIT:
        return None
    m = _LABEL_UNIT.search(label)
    if m:
        unit = m.group(1)
        return "%" if unit in ("%", "％") else unit
    for rx, unit in (rules if rules is not None else _default_unit_rules(RULES_FILE)):
        if rx.search(label):
            return unit
    return None


@dataclass(frozen=True)
class ColumnSpec:
    id: str
    label: str
    type: str
    unit: str | None
    required: bool


def column_specs(table, rules: tuple[tuple[re.Pattern, str], ...] | None = None) -> list[ColumnSpec]:
    """Every contract column of `table` (a `TableContract`) with its cleaning type and unit."""
    out = []
    for c in table.columns:
        kind = c.type.split("(")[0]
        out.append(ColumnSpec(c.id, c.label, kind, column_unit(c.label, kind, rules), c.required))
    return out


def sql_literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def typed_sql(type_: str, expr: str, unit: str | None = None) -> str:
    """The SQL that types `expr` (a text column) by contract type — the same call dbt's `typed_column` makes."""
    macro = _MACROS.get(type_, "clean_text")
    return f"{macro}({expr}, {sql_literal(unit)})" if type_ in _WITH_UNIT else f"{macro}({expr})"


def reason_sql(type_: str, expr: str, unit: str | None = None) -> str:
    """Why a non-empty cell of `expr` cannot be read as `type_` (NULL when it can)."""
    return f"unreadable_reason({sql_literal(type_)}, {expr}, {sql_literal(unit)})"


# ---------------------------------------------------------------------------------------------------------
# the gate's side: type one extracted batch with the macros
# ---------------------------------------------------------------------------------------------------------
ROW = "_source_row"
_ORDINAL = "__ordinal"


@dataclass
class Cleaned:
    """`frame`: the batch with every contract column typed (other columns as they came); `unreadable`: one row per
    cell that is not empty as written but NULL after cleaning — column, position (index into frame), reason."""

    frame: pd.DataFrame
    unreadable: pd.DataFrame


def clean_frame(df, specs: list[ColumnSpec], con=None) -> Cleaned:
    """Type `df` (text as extracted, or already typed values) column by column with the SQL macros, exactly as
    staging will type the same text after it has been loaded into raw."""
    import duckdb
    import pandas as pd
    import pyarrow as pa

    from pipelines.ingest.raw_store import text_array

    own = con is None
    con = con or duckdb.connect()
    try:
        install(con)
        specs = [s for s in specs if s.id in df.columns]
        view = "__gate_batch"
        arrays = {f"c{i}": text_array(df[s.id]) for i, s in enumerate(specs)}
        arrays[_ORDINAL] = pa.array(range(len(df)), type=pa.int64())
        con.register(view, pa.table(arrays))
        try:
            out = _typed_columns(con, view, specs)
        finally:
            con.unregister(view)
        bad = []
        for i, s in enumerate(specs):
            # unreadable: not empty as written, NULL after cleaning. Judged only for the cells that came out NULL
            # (few): a per-row flag beside every typed value made DuckDB run the whole cleaning twice (≈ 8 s of
            # the 9 s the gate took to type 650,000 成绩 rows)
            text = arrays[f"c{i}"]
            candidates = (out[f"c{i}"].isna().to_numpy() & text.is_valid().to_numpy(zero_copy_only=False)).nonzero()[0]
            if not len(candidates):
                continue
            texts = text.take(pa.array(candidates)).to_pylist()
            judged = con.execute(f"SELECT zh_trim(zh_halfwidth(v)) IS NOT NULL, {reason_sql(s.type, 'v', s.unit)} "
                                 "FROM unnest(?) AS u(v)", [texts]).fetchall()
            hits = [(int(k), r[1]) for k, r in zip(candidates, judged, strict=True) if r[0]]
            if hits:
                bad.append(pd.DataFrame({"column": s.id, "position": [k for k, _ in hits],
                                         "reason": [why or "无法识别" for _, why in hits]}))
    finally:
        if own:
            con.close()
    typed = df.reset_index(drop=True)  # copy-on-write (pandas 3): the columns set below do not touch `df`
    for i, s in enumerate(specs):
        typed[s.id] = out[f"c{i}"].array
    unreadable = (pd.concat(bad, ignore_index=True) if bad
                  else pd.DataFrame({"column": pd.Series(dtype=str), "position": pd.Series(dtype=int),
                                     "reason": pd.Series(dtype=str)}))
    return Cleaned(typed, unreadable)


def _typed_columns(con, view: str, specs: list[ColumnSpec]):
    """The typed columns `c0, c1, …` of the registered batch, in row order. Text stays Arrow-backed (pandas `str`):
    as Python objects the 3 text columns of 6.5 M 成绩 rows took ≈ 2 GB more; numbers, dates and booleans come
    through DuckDB's own pandas conversion."""
    text = [i for i, s in enumerate(specs) if s.type in ("str", "code")]
    other = [i for i, s in enumerate(specs) if s.type not in ("str", "code")]
    columns: dict = {}  # name → pandas Series

    def typed(ids: list[int]) -> str:
        select = ", ".join(f"{typed_sql(specs[i].type, f'c{i}', specs[i].unit)} AS c{i}" for i in ids)
        # ORDER BY: without it a stacked batch (columns chunked differently) came back out of order
        return f"SELECT {select} FROM {view} ORDER BY {_ORDINAL}"

    if text:
        table = con.execute(typed(text)).fetch_arrow_table()
        columns.update({name: table.column(name).to_pandas() for name in table.column_names})
    if other:
        frame = con.execute(typed(other)).df()
        columns.update({name: frame[name] for name in frame.columns})
    return columns


def specs_from_meta(column_types: dict[str, str], column_units: dict[str, str | None],
                    required: dict[str, bool] | None = None) -> list[ColumnSpec]:
    """Specs from a suite's meta (what the gate runner has at hand)."""
    return [ColumnSpec(cid, cid, t.split("(")[0], column_units.get(cid), bool((required or {}).get(cid)))
            for cid, t in column_types.items()]
