"""诊改反馈 (source `fankui`): the self-diagnosis workbooks the departments return with their answers.

Every workbook in the returns folder (`ZHENGAI_RETURNS_DIR`) is read on its sheet 改进措施与成效 and stacked,
each row keeping its workbook. A row is an answer only when the department typed something into one of the
（部门填写） columns: the rows left blank are items not answered yet, not errors. Which answer columns exist,
and which are required (责任人, 完成时限), is the contract (`seeds/source_columns.csv`, system fankui).
"""

from __future__ import annotations

import pandas as pd

from pipelines.ingest.contract import TableContract


def answered_rows(frame: pd.DataFrame, table: TableContract) -> pd.DataFrame:
    """The rows with at least one answer column filled in (a repeated header row is not an answer)."""
    keys = [c for c in table.columns if c.primary_key]
    answers = [c.id for c in table.columns if not c.primary_key and c.id in frame.columns]
    if not answers:
        return frame
    filled = frame[answers].apply(lambda s: s.notna() & (s.astype("string").str.strip() != "")).any(axis=1)
    for k in keys:  # the workbook may hold a second table (last cycle's orphaned answers) with its own header
        if k.id in frame.columns:
            filled &= frame[k.id].astype("string").str.strip().fillna("") != k.label
    return frame[filled.fillna(False)].reset_index(drop=True)
