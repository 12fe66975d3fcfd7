"""Ingestion building blocks: read real exports, map them to the source contract, keep every batch in raw.

- `readers.read_csv_export(path) -> (df, encoding)` / `readers.read_xlsx_export(path, sheet, …) -> df`:
  text DataFrames with `_source_row`, Chinese `SourceDataError` naming the file when a file is refused.
- `normalize`: `clean_text`, `parse_date`, `parse_number`, `normalize_code`, `validate_id_card` (+ `*_series`).
- `contract.load_contract()` / `contract.map_columns(df, table)`: Chinese headers → English ids.
- `raw_store.load_batch(con, df, …) -> BatchResult`: append-only `raw.<system>__<table>` + `raw._batches`.
- `errors`: `SourceDataError`, `Problem`, `ProblemList`.
"""
