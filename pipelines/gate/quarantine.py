"""Move a rejected source file aside (never delete it) and leave a problem report a clerk can open.

    quarantine/<YYYYMMDD>_<run_id>/<system>/<file name>
    quarantine/<YYYYMMDD>_<run_id>/<system>/<file name>.问题报告.txt   (UTF-8 with BOM: Notepad shows Chinese)
    quarantine/<YYYYMMDD>_<run_id>/<system>/<file name>.问题明细.csv   (文件, 工作表, 行号, 列, 值, 规则, 严重程度;
                                                                   UTF-8 with BOM: Excel opens it correctly)

A database source (教务 tables) has no file to move: pass `file_path=None` (or its SQLAlchemy URL);
the report and the CSV are still written, named after the table.
"""

from __future__ import annotations

import csv
import shutil
from datetime import datetime
from pathlib import Path

from pipelines.gate.runner import GateResult

CSV_COLUMNS = ["文件", "工作表", "行号", "列", "值", "规则", "严重程度"]


def _free_name(path: Path) -> Path:
    """`x.csv` → `x (2).csv` when x.csv is already in the folder (never overwrite a quarantined file)."""
    if not path.exists():
        return path
    n = 2
    while (candidate := path.with_name(f"{path.stem} ({n}){path.suffix}")).exists():
        n += 1
    return candidate


def quarantine(
    file_path: str | Path | None,
    report_zh: str | GateResult,
    quarantine_root: str | Path,
    run_id: str,
    *,
    system: str | None = None,
    failing_rows: list[dict] | None = None,
    now: datetime | None = None,
) -> Path:
    """Move `file_path` into the quarantine folder with its report; return the folder holding both.

    `report_zh` is the report text or the GateResult itself (then the system, the report and the failing
    rows come from it). For a database source (`file_path` None or a URL) nothing is moved.
    """
    result = report_zh if isinstance(report_zh, GateResult) else None
    text = result.report_zh() if result else str(report_zh)
    system = system or (result.source_system if result else "unknown")
    rows = failing_rows if failing_rows is not None else (result.failing_rows() if result else [])
    folder = Path(quarantine_root) / f"{(now or datetime.now()):%Y%m%d}_{run_id}" / system
    folder.mkdir(parents=True, exist_ok=True)

    is_database = file_path is None or "://" in str(file_path)
    if is_database:
        name = (result.source_table if result else "database") + "（数据库表）"
    else:
        source = Path(file_path)
        target = _free_name(folder / source.name)
        shutil.move(str(source), target)
        name = target.name

    header = (f"本文件未通过数据质量检查，已于 {(now or datetime.now()):%Y-%m-%d %H:%M} 移入隔离区（运行 {run_id}）。\n"
              if not is_database else
              f"数据库表未通过数据质量检查（运行 {run_id}），本批数据未发布；源数据库未做任何改动。\n")
    (folder / f"{name}.问题报告.txt").write_text(header + "\n" + text + "\n", encoding="utf-8-sig")
    with (folder / f"{name}.问题明细.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return folder
