"""`zhengai report annual|department` — registered by pipelines/cli.py (`add_parser`)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="生成报告（Excel）：年度状态数据分析报告、部门自我诊断报告 / write the reports (Excel)",
        description="从已发布的数据仓库（$ZHENGAI_HOME/serving.duckdb，只读打开）生成报告，流水线运行时也可生成。"
                    "详见 docs/reports.md。\nWrites the reports from the published warehouse, opened read-only "
                    "(they can run while the pipeline works).",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    rs = p.add_subparsers(title="子命令 / commands", dest="report_command", metavar="COMMAND")

    a = rs.add_parser(
        "annual", help="人才培养工作状态数据分析报告（年度） / the annual status-data analysis report",
        description="封面与目录；一、数据采集工作情况；二、数据分析（办学条件、经费、师资、专业与课程、招生就业、社会服务）；"
                    "三、五个层面达标与预警汇总；四、问题与改进建议。A4 打印就绪。\n"
                    "Cover, contents, data collection, analysis, five-level summary, issues and advice; print-ready.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("--year", default=None,
                   help="学年，如 2024-2025（默认：有数据的最近学年） / academic year (default: the latest with data)")
    a.add_argument("--out", type=Path, default=None,
                   help="输出 .xlsx 文件或目录（默认 $ZHENGAI_HOME/reports/） / output file or folder")
    a.set_defaults(func=_annual)

    d = rs.add_parser(
        "department", help="部门/层面自我诊断报告 / per-department self-diagnosis workbooks",
        description="基本情况、诊改现状（目标值/标准值/当前值/是否达标、目标链完成）、问题诊断（每项预警及原因）、"
                    "改进措施与成效（部门填写的列；用 --previous 传入上一周期的工作簿可沿用已填写内容）。\n"
                    "Basic facts, status, diagnosis (every warning with its reason) and improvement measures; "
                    "--previous carries over what the department filled in last cycle.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    who = d.add_mutually_exclusive_group(required=True)
    who.add_argument("--dept", help="部门代码或名称，如 D08 或 教务处 / department code or name")
    who.add_argument("--all", action="store_true", help="全部部门（每个部门一个工作簿） / every department")
    d.add_argument("--year", default=None, help="学年（默认：有数据的最近学年） / academic year (default: latest)")
    d.add_argument("--out", type=Path, default=None,
                   help="输出目录（默认 $ZHENGAI_HOME/reports/departments/<学年>/）；单个部门时也可给 .xlsx 文件 / "
                        "output folder (or a .xlsx file with --dept)")
    d.add_argument("--previous", type=Path, default=None,
                   help="上一周期的工作簿（--all 时为其所在目录），沿用“部门填写”的列 / last cycle's workbook "
                        "(a folder with --all) whose filled-in columns are kept")
    d.set_defaults(func=_department)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _annual(args: argparse.Namespace) -> int:
    from pipelines.reports import ReportError
    from pipelines.reports.annual import write_annual

    started = time.perf_counter()
    try:
        path = write_annual(args.year, args.out)
    except ReportError as exc:
        print(f"未生成报告：{exc}", file=sys.stderr)
        return 1
    print(f"已生成 / written: {path}（用时 {time.perf_counter() - started:.1f} 秒）")
    return 0


def _department(args: argparse.Namespace) -> int:
    from pipelines.reports import ReportError
    from pipelines.reports.department import write_department, write_departments

    started = time.perf_counter()
    try:
        if args.all:
            if args.out is not None and args.out.suffix.lower() == ".xlsx":
                raise ReportError("--all 时 --out 应为目录，不是 .xlsx 文件。")
            results = write_departments(args.year, args.out, previous=args.previous)
        else:
            results = [write_department(args.dept, args.year, args.out, previous=args.previous)]
    except ReportError as exc:
        print(f"未生成报告：{exc}", file=sys.stderr)
        return 1
    for path, carry in results:
        extra = ""
        if carry.previous is not None:
            extra = f"（沿用上一周期填写 {carry.carried} 项" + (
                f"，另有 {len(carry.orphaned)} 项本周期已无对应事项，保留在表末" if carry.orphaned else "") + "）"
        print(f"已生成 / written: {path}{extra}")
    print(f"共 {len(results)} 个工作簿，用时 {time.perf_counter() - started:.1f} 秒")
    return 0
