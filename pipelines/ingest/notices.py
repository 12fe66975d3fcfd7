"""Notes about WHICH file or sheet was read — a look-alike chosen, a renamed or hidden sheet, a platform year
without a sheet — stored as 提醒 in the gate results, so the run output, `zhengai status` and the 数据质量
dashboard say them. (Problems inside the data are the gate's business; these are about the delivery itself.)

    store_notices(audit_db, ext, run_id)        # after read_extract
    run_notices(audit_db, run_id)               # → ["学工/学生学籍_20240901.csv：文件夹中有 2 个 …", …]
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.gate import results_store
from pipelines.ingest.errors import Problem

NOTICE_RULES = ("file_choice", "sheet_renamed", "sheet_hidden", "sheet_missing")


def delivery_notices(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "warning" and p.rule in NOTICE_RULES]


def store_notices(audit_db: Path, ext, run_id: str) -> list[Problem]:
    notes = delivery_notices(ext.problems)
    if not notes:
        return []
    t = ext.table
    now = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect(str(audit_db)) as con:
        results_store.ensure_tables(con)
        con.executemany(
            "INSERT INTO audit.expectation_results (run_id, validated_at, source_system, source_table, "
            "source_file, sheet, suite_name, expectation_type, severity, success, unexpected_count, sample_values, "
            "rule_zh) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'warning', FALSE, 1, ?, ?)",
            [[run_id, now, t.system, t.table, p.file, p.sheet, t.key, p.rule,
              json.dumps([p.as_dict()], ensure_ascii=False, default=str), p.message] for p in notes])
    return notes


def run_notices(audit_db: Path, run_id: str) -> list[str]:
    """The distinct delivery notes of one run, in Chinese (one line each)."""
    if not Path(audit_db).exists():
        return []
    placeholders = ", ".join("?" for _ in NOTICE_RULES)
    with duckdb.connect(str(audit_db), read_only=True) as con:
        try:
            rows = con.execute(
                f"SELECT DISTINCT rule_zh FROM audit.expectation_results WHERE run_id = ? AND expectation_type IN "
                f"({placeholders}) ORDER BY 1", [run_id, *NOTICE_RULES]).fetchall()
        except duckdb.CatalogException:
            return []
    return [r[0] for r in rows]
