"""The 教务 database: one SQLAlchemy Core schema (from the contract's column ids and types, plus the foreign
keys below) created in SQLite, PostgreSQL or MariaDB/MySQL, and dialect-specific bulk loads:
SQLite executemany, PostgreSQL COPY (psycopg2 copy_expert), MySQL executemany in batches (pymysql turns it
into multi-row INSERTs). Tables are dropped and re-created on every run, so loading is idempotent."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa

from pipelines.simulator import contract

SYSTEM = "jiaowu"
TABLE_ORDER = ("college", "major", "class", "course", "semester", "teaching_task", "score", "attendance_session",
               "attendance_record", "student_evaluation", "supervisor_evaluation")
FOREIGN_KEYS = {  # (table, column) → "table.column"
    ("major", "college_code"): "college.college_code",
    ("class", "major_code"): "major.major_code",
    ("course", "dept_code"): "college.college_code",
    ("teaching_task", "semester_code"): "semester.semester_code",
    ("teaching_task", "course_code"): "course.course_code",
    ("teaching_task", "class_code"): "class.class_code",
    ("score", "task_id"): "teaching_task.task_id",
    ("attendance_session", "task_id"): "teaching_task.task_id",
    ("attendance_record", "session_id"): "attendance_session.session_id",
    ("student_evaluation", "task_id"): "teaching_task.task_id",
    ("supervisor_evaluation", "semester_code"): "semester.semester_code",
    ("supervisor_evaluation", "course_code"): "course.course_code",
}
LONG_TEXT = {"course_name", "class_name", "college_name", "major_name"}
BATCH = 5000


def _type(kind: str, column: str) -> sa.types.TypeEngine:
    if kind == "int":
        return sa.Integer()
    if kind == "decimal":
        return sa.Numeric(8, 2)
    if kind == "date":
        return sa.Date()
    if kind == "bool":
        return sa.Boolean()
    return sa.String(100 if column in LONG_TEXT else 32)


def build_metadata() -> sa.MetaData:
    md = sa.MetaData()
    for table in TABLE_ORDER:
        cols = []
        for c in contract.columns(SYSTEM, table):
            args = [sa.ForeignKey(FOREIGN_KEYS[(table, c["column"])])] if (table, c["column"]) in FOREIGN_KEYS else []
            cols.append(sa.Column(c["column"], _type(c["type"], c["column"]), *args,
                                  primary_key=c["primary_key"] == "1",
                                  nullable=c["required"] != "1" and c["primary_key"] != "1",
                                  comment=c["column_zh"]))
        sa.Table(table, md, *cols, comment=contract.columns(SYSTEM, table)[0]["table_zh"])
    return md


def _records(df: pd.DataFrame, bool_as: Sequence = (0, 1)) -> list[tuple]:
    cols = []
    for name in df.columns:
        s = df[name]
        if pd.api.types.is_bool_dtype(s):
            arr = np.where(s.to_numpy(), bool_as[1], bool_as[0]).astype(object)
        elif pd.api.types.is_datetime64_any_dtype(s):
            arr = s.dt.strftime("%Y-%m-%d").astype(object).to_numpy()
        else:
            arr = s.astype(object).to_numpy()
            if pd.api.types.is_float_dtype(s):
                arr = np.where(pd.isna(s.to_numpy()), None, arr)
            elif isinstance(arr[0] if len(arr) else None, np.generic):
                arr = np.array([v.item() for v in arr], dtype=object)
        if len(arr) and hasattr(arr[0], "isoformat"):
            arr = np.array([v.isoformat() for v in arr], dtype=object)
        cols.append(arr.tolist())
    return list(zip(*cols, strict=True))


def load(url: str, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Drop and re-create the schema at `url`, then bulk-load `frames` (English column ids). Row counts back."""
    engine = sa.create_engine(url)
    md = build_metadata()
    try:
        md.drop_all(engine)
        md.create_all(engine)
        dialect = engine.dialect.name
        counts = {}
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            for table in TABLE_ORDER:
                df = frames[table][contract.ids(SYSTEM, table)]
                if dialect == "postgresql":
                    _copy_postgres(cur, table, df)
                else:
                    mark = "?" if dialect == "sqlite" else "%s"
                    quote = '"' if dialect == "sqlite" else "`"
                    cols = ", ".join(f"{quote}{c}{quote}" for c in df.columns)
                    sql = f"INSERT INTO {quote}{table}{quote} ({cols}) VALUES ({', '.join([mark] * len(df.columns))})"
                    rows = _records(df)
                    step = max(1, len(rows)) if dialect == "sqlite" else BATCH  # MySQL: bounded packets
                    for i in range(0, len(rows), step):
                        cur.executemany(sql, rows[i:i + step])
                counts[table] = len(df)
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()
    return counts


def _copy_postgres(cur, table: str, df: pd.DataFrame) -> None:
    out = df.copy()
    for name in out.columns:
        if pd.api.types.is_bool_dtype(out[name]):
            out[name] = np.where(out[name], "t", "f")
    buf = io.StringIO()
    out.to_csv(buf, index=False, header=False, date_format="%Y-%m-%d")
    buf.seek(0)
    cols = ", ".join(f'"{c}"' for c in out.columns)
    cur.copy_expert(f'COPY "{table}" ({cols}) FROM STDIN WITH (FORMAT csv)', buf)


def row_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as con:
            return {t: con.execute(sa.text(f"SELECT COUNT(*) FROM {engine.dialect.identifier_preparer.quote(t)}"))
                    .scalar_one() for t in TABLE_ORDER}
    finally:
        engine.dispose()
