"""`zhengai` — the platform's command line. Help texts are bilingual (中文 / English).

Each sub-command lives in its own small function; heavy imports happen inside them so that
`zhengai --help` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DESCRIPTION = """\
诊改数据平台命令行工具 — 高职院校内部质量保证体系诊断与改进
Command line of the quality-assurance (诊改) data platform for higher-vocational colleges.

常用命令 / common commands:
  zhengai simulate --size S --seed 2025 --out warehouse/sources
      生成示例学院的源系统数据 / write the demo college's source-system extracts
  zhengai simulate --break duplicate_keys --from warehouse/sources --out /tmp/broken
      生成一份带指定错误的数据副本（用于测试） / write a broken copy of one extract (for tests)
  zhengai run        运行整条流水线并发布 / run the pipeline and publish
  zhengai status     当前版本、数据源新鲜度、未通过的检查 / what is served, how fresh, what failed
  zhengai rollback   回滚到上一个发布的版本 / serve the previous version again
  zhengai report annual --year 2024-2025
      年度人才培养工作状态数据分析报告（Excel） / the annual status-data analysis report
  zhengai notify --dry-run
      向责任部门发送预警与逾期事项摘要 / the departments' digests of new warnings and overdue measures
"""


def _add_simulate(sub: argparse._SubParsersAction) -> None:
    from pipelines.simulator import FAULT_KINDS, SIZES

    sizes = "、".join(k for k in SIZES if not k.startswith("X"))
    faults = "\n".join(f"  {k:<16} {v}" for k, v in FAULT_KINDS.items())
    p = sub.add_parser(
        "simulate",
        help="生成示例学院的源系统数据 / write a fictional college's source extracts",
        description=(
            "生成一所虚构高职院校的源系统导出数据：教务（关系数据库）、人事（xlsx）、学工（GBK 编码 CSV）、"
            "财务（两行合并表头 xlsx）、状态数据采集平台（每张表一个工作表）。相同种子输出逐字节相同。\n"
            "Writes a fictional college's extracts in each source system's own format; "
            "the same seed gives byte-identical files."
        ),
        epilog="数据错误类型 / fault kinds (--break):\n" + faults,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--size", default="S", choices=list(SIZES),
                   help=f"规模 / size: {sizes}（S≈15,000 名学生、800 名教职工；M=3 倍；L=10 倍）")
    p.add_argument("--seed", type=int, default=2025, help="随机种子 / random seed (默认 2025)")
    p.add_argument("--out", type=Path, required=True, help="输出目录 / output folder")
    p.add_argument("--target", default=None,
                   help="教务数据库的 SQLAlchemy URL（默认写 SQLite 文件），例如 "
                        "postgresql+psycopg2://postgres@127.0.0.1:5432/test / "
                        "SQLAlchemy URL for the 教务 database (default: a SQLite file)")
    p.add_argument("--break", dest="fault", default=None, choices=list(FAULT_KINDS), metavar="KIND",
                   help="写出一份带该类错误的数据副本（见下方列表） / write a broken copy (see list below)")
    p.add_argument("--from", dest="src", type=Path, default=None,
                   help="与 --break 一起使用：已生成的源数据目录（不给则先生成） / with --break: existing extracts")
    p.set_defaults(func=_run_simulate)


def _run_simulate(args: argparse.Namespace) -> int:
    import tempfile
    import time

    from rich.console import Console
    from rich.table import Table

    from pipelines.simulator import inject_fault, simulate

    console = Console()
    if args.fault:
        src = args.src
        with tempfile.TemporaryDirectory() as tmp:
            if src is None:
                src = Path(tmp) / "college"
                simulate(size=args.size, seed=args.seed, out=src)
            result = inject_fault(args.fault, src, args.out, seed=args.seed)
        console.print(f"[bold]已写出错误数据副本[/bold]：{result}")
        return 0

    started = time.perf_counter()
    result = simulate(size=args.size, seed=args.seed, out=args.out, target=args.target)
    elapsed = time.perf_counter() - started
    table = Table(title=f"示例学院源数据（规模 {args.size}，种子 {args.seed}） → {args.out}")
    table.add_column("源系统")
    table.add_column("文件 / 表")
    table.add_column("行数", justify="right")
    for item in result.items:
        table.add_row(item.system, item.name, f"{item.rows:,}")
    console.print(table)
    console.print(f"用时 {elapsed:.1f} 秒 / took {elapsed:.1f} s")
    return 0


def _add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run", help="运行整条流水线：采集 → 检查 → 计算 → 发布 / run the whole pipeline",
        description="在本进程中执行 Dagster 作业（运行记录也会出现在 Dagster 界面中）。任何阻断性质量问题都会使本次"
                    "不发布，对外服务的仓库保持不变。\nRuns a Dagster job in this process; a blocking data problem "
                    "means nothing is published.")
    p.add_argument("--job", default="daily_refresh", choices=["daily_refresh", "semester_job", "annual_job"],
                   help="作业 / job (默认 daily_refresh)")
    p.set_defaults(func=_run_run)


def _run_run(args: argparse.Namespace) -> int:
    from pipelines.run import run_pipeline
    from pipelines.runlock import RunCollision

    try:
        summary = run_pipeline(args.job)
    except RunCollision as exc:
        print(f"未开始：{exc}。请等它结束后再运行（zhengai status 查看）。", file=sys.stderr)
        return 75
    for note in summary.notices:
        print(f"提醒：{note}")
    if summary.success:
        print(f"完成：已发布版本 {summary.published}（用时 {summary.seconds:.1f} 秒，运行 {summary.run_id}）")
        return 0
    print(f"未发布：{len(summary.failures)} 项未通过（用时 {summary.seconds:.1f} 秒，运行 {summary.run_id}）。"
          "对外服务的仓库保持不变；详情见 zhengai status 与隔离区报告。")
    for f in summary.failures:
        print(f"  - {f}")
    return 1


def _add_status(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="当前版本、各数据源新鲜度、最近一次未通过的检查 / warehouse status",
                       description="显示对外服务的仓库版本、各数据源最近加载时间与最近一次质量检查结果。\n"
                                   "Shows the serving version, source freshness and the last run's failing checks.")
    p.set_defaults(func=lambda args: print(__import__("pipelines.run", fromlist=["status_text"]).status_text()) or 0)


def _add_rollback(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rollback", help="回滚到之前发布的版本 / serve an earlier published version",
                       description="把 serving.duckdb 指回一个之前发布的版本（默认上一个）。\n"
                                   "Points serving.duckdb back at an earlier version (default: the previous one).")
    p.add_argument("version", nargs="?", default=None, help="版本名或其前缀（见 zhengai status） / version name or prefix")
    p.set_defaults(func=_run_rollback)


def _run_rollback(args: argparse.Namespace) -> int:
    from pipelines.config import load_settings
    from pipelines.publish import PublishError, WarehouseLayout, rollback

    try:
        v = rollback(WarehouseLayout(load_settings().home), args.version)
    except PublishError as exc:
        print(f"无法回滚：{exc}", file=sys.stderr)
        return 1
    print(f"已回滚：当前对外服务的版本为 {v.name}")
    return 0


from pipelines.notify.cli import add_parser as _add_notify  # noqa: E402 (light: heavy imports are lazy)
from pipelines.reports.cli import add_parser as _add_report  # noqa: E402 (light: heavy imports are lazy)
from pipelines.superset.cli import add_parser as _add_superset  # noqa: E402 (light: heavy imports are lazy)

_COMMANDS = {"simulate": _add_simulate, "run": _add_run, "status": _add_status, "rollback": _add_rollback,
             "superset": _add_superset, "report": _add_report, "notify": _add_notify}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or only `command`'s part: the simulate parser's help lists the simulator's sizes and
    fault kinds, and importing the simulator for them cost every `zhengai run` ≈ 0.4 s."""
    parser = argparse.ArgumentParser(
        prog="zhengai", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(title="子命令 / commands", dest="command", metavar="COMMAND")
    for name, add in _COMMANDS.items():
        if command in (None, name):
            add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv[0] if argv and argv[0] in _COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line with the cause, not a traceback (ZHENGAI_DEBUG=1 shows it)
        import os

        if os.environ.get("ZHENGAI_DEBUG"):
            raise
        first = (str(exc).strip().splitlines() or [""])[0]
        print(f"出错：{first or type(exc).__name__}（{type(exc).__name__}；设置 ZHENGAI_DEBUG=1 可查看详细信息）",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
