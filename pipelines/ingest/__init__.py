"""Ingestion building blocks: read real exports, map them to the source contract, keep every batch in raw.

- `readers.read_csv_export(path) -> (df, encoding)` / `readers.read_xlsx_export(path, sheet, …) -> df`:
  text DataFrames with `_source_row`, Chinese `SourceDataError` naming the file when a file is refused.
- `cleaning.sql` + `cleaning`: THE cleaning rules as DuckDB SQL macros (clean_text, clean_code, clean_int, clean_decimal,
  clean_date, clean_bool, unreadable_reason), used by the gate and by dbt staging; `normalize`: 身份证号 check digits.
- `contract.load_contract()` / `contract.map_columns(df, table)`: Chinese headers → English ids.
- `raw_store.load_batch(con, df, …) -> BatchResult`: append-only `raw.<system>__<table>` + `raw._batches`.
- `errors`: `SourceDataError`, `Problem`, `ProblemList`.
"""
