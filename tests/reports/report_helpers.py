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


def cases_by_hand(sql) -> list[dict]:
    """Every warning case of warnings.fct_warning_cases with `is_open` worked out by hand (not read from the spiral
    models): a case stays open until the level's next cycle, where the object has no case or a lower tier."""
    rows = [dict(zip(("case_id", "level", "entity_id", "cycle", "academic_year", "tier_rank", "worst_tier",
                      "responsible_dept_code", "college_code"), r, strict=True)) for r in sql(
        "SELECT case_id, level, entity_id, cycle, academic_year, tier_rank, worst_tier, responsible_dept_code, "
        "college_code FROM warnings.fct_warning_cases")]
    rank = {(r["level"], r["entity_id"], r["cycle"]): r["tier_rank"] for r in rows}
    cycles: dict[str, list[str]] = {}
    for r in rows:
        cycles.setdefault(r["level"], []).append(r["cycle"])
    nxt = {lv: dict(zip(sorted(set(cs)), [*sorted(set(cs))[1:], None], strict=True)) for lv, cs in cycles.items()}
    for r in rows:
        n = nxt[r["level"]][r["cycle"]]
        r["is_open"] = n is None or rank.get((r["level"], r["entity_id"], n), 0) >= r["tier_rank"]
    return rows
