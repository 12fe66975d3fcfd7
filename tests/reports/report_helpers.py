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


def run_cli(argv: list[str]) -> int:
    """`zhengai …` in this process for a fixture. A SystemExit (argparse, sys.exit) escaping a module
    fixture is not cached by pytest and turns every later test into an opaque internal AssertionError;
    re-raised as a plain failure it names the command and the cause once."""
    from pipelines.cli import main

    try:
        return main(argv)
    except BaseException as exc:
        if isinstance(exc, Exception | KeyboardInterrupt):
            raise
        raise AssertionError(f"zhengai {' '.join(argv)} stopped with {exc!r}") from exc
