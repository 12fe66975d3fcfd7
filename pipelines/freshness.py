"""How current each source table is in the served warehouse — and which ones are held back, since when.

Blocking stays whole-run (write-audit-publish, docs/data_quality.md 「被拦截的数据源与数据新鲜度」): one blocked
source stops the publish, so the served version keeps every source's last good data. That is safe, but the
served numbers are then older than the sources; this module says so, per source table:

    rows = source_freshness(serving_con, audit_db, published_at)      # list of dicts, one per source table
    write_freshness_table(build_con, audit_db)                       # → audit.source_freshness (at publish)

| column | meaning |
|---|---|
| data_as_of | when the served data of the table was read (its latest loaded batch; an unchanged file keeps it) |
| last_attempt_at | the last time any run checked the table |
| last_passed_at | the last time it passed the gate |
| blocked_since | first blocked check after the last pass (NULL: not blocked now) |
| status_zh | 被拦截 (blocked now) · 待发布 (newer data passed but the run did not publish) · 当前 · 从未加载 |
| data_published_at | when the served data was published (a status-only republish keeps it) |

A run that publishes no data (a source blocked, a step failed) republishes the served data unchanged with a new
audit.source_freshness and the gate results (`republish_status`), so every dashboard — not only `zhengai status`
and the report — says which sources are held back and since when. Only when that status changed.

Times are UTC like the rest of the audit; readers add eight hours for Beijing time.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

COLUMNS = ["source_system", "source_table", "table_zh", "source_file", "row_count", "data_as_of",
           "last_attempt_at", "last_passed_at", "blocked_since", "blocked_reason", "status_zh", "data_published_at"]
_TYPES = {"row_count": "BIGINT", "data_as_of": "TIMESTAMP", "last_attempt_at": "TIMESTAMP",
          "last_passed_at": "TIMESTAMP", "blocked_since": "TIMESTAMP", "data_published_at": "TIMESTAMP"}
STORED = COLUMNS[:-1]  # what every published audit.source_freshness has (data_published_at came later)
BLOCKED, PENDING, CURRENT, NEVER = "被拦截", "待发布", "当前", "从未加载"


def _served_batches(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict[str, Any]]:
    try:
        rows = con.execute("SELECT source_system, source_table, source_file, row_count, loaded_at "
                           "FROM raw._latest_batches").fetchall()
    except duckdb.CatalogException:
        return {}
    return {(s, t): {"source_file": f, "row_count": n, "data_as_of": at} for s, t, f, n, at in rows}


def _checks(audit_db: Path | None) -> dict[tuple[str, str], dict[str, Any]]:
    if audit_db is None or not Path(audit_db).exists():
        return {}
    with duckdb.connect(str(audit_db), read_only=True) as con:
        try:
            rows = con.execute("""
                WITH v AS (SELECT source_system, source_table, validated_at, blocking_failed, report_zh
                           FROM audit.validation_runs),
                last_pass AS (SELECT source_system, source_table, max(validated_at) AS at FROM v
                              WHERE NOT blocking_failed GROUP BY ALL)
                SELECT v.source_system, v.source_table, max(v.validated_at),
                       any_value(p.at),
                       min(v.validated_at) FILTER (WHERE v.blocking_failed AND v.validated_at > coalesce(p.at, '-infinity'::TIMESTAMP)),
                       arg_max(v.report_zh, v.validated_at) FILTER (WHERE v.blocking_failed),
                       arg_max(v.blocking_failed, v.validated_at)
                FROM v LEFT JOIN last_pass p USING (source_system, source_table)
                GROUP BY ALL""").fetchall()
        except duckdb.CatalogException:
            return {}
    return {(s, t): {"last_attempt_at": last, "last_passed_at": passed,
                     "blocked_since": since if blocked_now else None,
                     "blocked_reason": (reason or "").splitlines()[0] if blocked_now else None}
            for s, t, last, passed, since, reason, blocked_now in rows}


def source_freshness(con: duckdb.DuckDBPyConnection, audit_db: Path | None,
                     published_at: datetime | None) -> list[dict[str, Any]]:
    """One row per source table of the contract (see the module doc). `published_at` (UTC) is when the served
    version was published; a pass after it that was not published is 待发布."""
    from pipelines.ingest.contract import load_contract

    served, checks = _served_batches(con), _checks(audit_db)
    out = []
    for t in load_contract().values():
        key = (t.system, t.table)
        row = {"source_system": t.system, "source_table": t.table, "table_zh": t.table_zh, "source_file": None,
               "row_count": None, "data_as_of": None, "last_attempt_at": None, "last_passed_at": None,
               "blocked_since": None, "blocked_reason": None}
        row |= served.get(key, {}) | checks.get(key, {})
        if row["blocked_since"] is not None:
            row["status_zh"] = BLOCKED
        elif row["data_as_of"] is None:
            row["status_zh"] = NEVER
        elif published_at and row["last_passed_at"] and row["last_passed_at"] > published_at:
            row["status_zh"] = PENDING
        else:
            row["status_zh"] = CURRENT
        out.append(row)
    return out


def write_freshness_table(con: duckdb.DuckDBPyConnection, audit_db: Path | None,
                          published_at: datetime | None = None) -> int:
    """`audit.source_freshness` in the build about to be published (the dashboards and the report read it)."""
    import pandas as pd

    rows = [r | {"data_published_at": published_at} for r in source_freshness(con, audit_db, published_at)]
    frame = pd.DataFrame(rows, columns=COLUMNS)  # noqa: F841 - read by DuckDB below
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    # typed here: a column NULL in every row would otherwise come out as INTEGER
    typed = ", ".join(f"CAST({c} AS {_TYPES.get(c, 'VARCHAR')}) AS {c}" for c in COLUMNS)
    con.execute(f"CREATE OR REPLACE TABLE audit.source_freshness AS SELECT {typed} FROM frame")
    return len(rows)


def stale_summary(rows: list[dict[str, Any]]) -> str | None:
    """One Chinese sentence when any source is held back, e.g. for the top of a report; None when all current."""
    blocked = [r for r in rows if r["status_zh"] == BLOCKED]
    pending = [r for r in rows if r["status_zh"] == PENDING]
    if not blocked and not pending:
        return None
    from pipelines.ingest.errors import SYSTEM_ZH

    parts = []
    if blocked:
        since = min(r["blocked_since"] for r in blocked)
        names = "、".join(f"{SYSTEM_ZH.get(r['source_system'], r['source_system'])}·{r['table_zh']}" for r in blocked)
        parts.append(f"{len(blocked)} 张源表自 {_beijing(since)} 起未通过质量闸门（{names}），仍显示其上次通过的数据")
    if pending:
        parts.append(f"{len(pending)} 张源表已有通过检查的新数据，但因整次运行未发布而尚未生效")
    return "；".join(parts) + "。"


def _beijing(ts: datetime | None) -> str:
    from datetime import timedelta

    return (ts + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M") if ts else "—"


def freshness_for_report(con: duckdb.DuckDBPyConnection, serving_path: Path) -> list[dict[str, Any]]:
    """Live when the gate results sit next to the served file (`$ZHENGAI_HOME`), else the table stored at publish."""

    from pipelines.publish import WarehouseLayout

    home = Path(serving_path).parent
    audit = home / "gate_results.duckdb"
    served = [v for v in WarehouseLayout(home).versions() if v.is_serving]
    if audit.exists() and served:
        return source_freshness(con, audit, data_published_at(served[0]))
    try:
        cur = con.execute(f"SELECT {', '.join(STORED)} FROM audit.source_freshness")
    except duckdb.CatalogException:
        return source_freshness(con, None, None)
    return [dict(zip(STORED, r, strict=True)) for r in cur.fetchall()]


def data_published_at(version) -> datetime:
    """When the data of a published version was published (UTC): a status-only republish keeps the data's time."""
    from datetime import UTC

    try:
        with duckdb.connect(str(version.path), read_only=True) as con:
            at = con.execute("SELECT max(data_published_at) FROM audit.source_freshness").fetchone()[0]
    except duckdb.Error:  # published before the column existed, or no freshness table
        at = None
    return at or version.published_at.astimezone(UTC).replace(tzinfo=None)


def _status_key(rows) -> set[tuple]:
    return {(r["source_system"], r["source_table"], r["status_zh"], r["blocked_since"]) for r in rows}


def republish_status(settings, run_id: str):
    """After a run that published nothing: serve the same data again with a fresh audit.source_freshness and the
    gate results, so the dashboards show what is held back. Returns the new version, or None when there is no
    served version or the sources' status did not change."""
    import shutil

    from pipelines.assets.publish import copy_audit
    from pipelines.publish import WarehouseLayout, publish, start_build

    layout = WarehouseLayout(settings.home)
    served = next((v for v in layout.versions() if v.is_serving), None)
    audit_db = settings.home / "gate_results.duckdb"
    if served is None or not audit_db.exists():
        return None
    data_at = data_published_at(served)
    with duckdb.connect(str(served.path), read_only=True) as con:
        try:
            before = _status_key(dict(zip(STORED, r, strict=True)) for r in con.execute(
                f"SELECT {', '.join(STORED)} FROM audit.source_freshness").fetchall())
        except duckdb.Error:
            before = set()
        now = _status_key(source_freshness(con, audit_db, data_at))
    if now == before:
        return None
    build = start_build(layout, f"{run_id}-status")
    try:
        with duckdb.connect(str(build)) as con:
            copy_audit(con, str(audit_db))
            write_freshness_table(con, audit_db, data_at)
            con.execute("CHECKPOINT")
        return publish(layout, build, keep=settings.keep_versions)
    finally:
        shutil.rmtree(build.parent, ignore_errors=True)
