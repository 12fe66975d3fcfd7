"""Reports written straight from the published warehouse (`$ZHENGAI_HOME/serving.duckdb`, opened read-only).

- `annual`: the yearly 人才培养工作状态数据分析报告 (DOMAIN.md §8) — one sheet per section, native charts,
  print-ready (A4, titles repeated, fit to width, header/footer with the college name and year);
- `department`: the per-department / per-level 自我诊断 workbooks (基本情况, 诊改现状, 问题诊断, 改进措施与成效),
  with the department's own column carried over from the previous cycle's workbook (`--previous`).

Modules: `queries` (all SQL, read-only), `styles` (openpyxl helpers), `annual`, `department`, `cli`.
Numbers are written raw with number formats, never pre-rounded into strings, so every figure equals the
warehouse's value exactly. See docs/reports.md.
"""

from __future__ import annotations


class ReportError(RuntimeError):
    """A report cannot be written (no warehouse, no data for the year, unknown department); message in Chinese."""
