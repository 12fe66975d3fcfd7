"""Helpers for the report tests (a unique module name: every test folder has its own conftest)."""

from __future__ import annotations


def read_table(wb, name: str) -> tuple[object, list[str], list[dict], list[int]]:
    """(worksheet, headers, rows as {header: value}, sheet row numbers) of a defined-name table."""
    dn = wb.defined_names[name]
    (sheet, ref), = list(dn.destinations)
    ws = wb[sheet]
    cells = ws[ref.replace("$", "")]
    headers = [c.value for c in cells[0]]
    rows, numbers = [], []
    for row in cells[1:]:
        rows.append(dict(zip(headers, [c.value for c in row], strict=True)))
        numbers.append(row[0].row)
    return ws, headers, rows, numbers
