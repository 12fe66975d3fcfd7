"""`zhengai superset provision|start|stop|export` — registered by pipelines/cli.py (`add_parser`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "superset", help="Superset 看板：配置、启动、停止、导出 / Superset dashboards: provision, start, stop, export",
        description="Superset 运行在独立环境 .venv-superset 中；本命令从流水线环境驱动它。详见 docs/superset.md。\n"
                    "Superset runs in its own environment (.venv-superset); these commands drive it.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ss = p.add_subparsers(title="子命令 / commands", dest="superset_command", metavar="COMMAND")

    pv = ss.add_parser(
        "provision", help="初始化/更新 Superset（可重复运行） / set Superset up (idempotent)",
        description="元数据库迁移、内置角色、管理员（密码取自 ZHENGAI_SUPERSET_ADMIN_PASSWORD）、五个业务角色与行级权限、"
                    "只读的数据仓库连接、导入 superset_exports/assets/ 中的数据集/图表/看板。重复运行不产生任何变化。\n"
                    "Runs db upgrade and init, creates the admin (ZHENGAI_SUPERSET_ADMIN_PASSWORD), the roles and RLS, "
                    "the read-only warehouse connection, and imports superset_exports/assets/. Running it again "
                    "changes nothing.")
    pv.add_argument("--demo", action="store_true",
                    help="演示模式：管理员与各角色演示用户使用文档中的演示密码 / demo users with the documented demo password")
    pv.add_argument("--skip-upgrade", action="store_true",
                    help="跳过 db upgrade 与 init（只同步角色、看板与行级权限） / skip db upgrade and init")
    pv.set_defaults(func=_provision)

    st = ss.add_parser("start", help="在后台启动 Superset / start Superset in the background",
                       description="用 gunicorn 在后台启动 Superset；pid 与日志在 $ZHENGAI_SUPERSET_HOME 下。")
    st.add_argument("--port", type=int, default=8088, help="端口 / port (默认 8088)")
    st.add_argument("--host", default="127.0.0.1", help="监听地址 / bind address (默认 127.0.0.1)")
    st.add_argument("--workers", type=int, default=2, help="gunicorn 进程数 / workers (默认 2)")
    st.set_defaults(func=_start)

    sp = ss.add_parser("stop", help="停止后台的 Superset / stop it")
    sp.set_defaults(func=_stop)

    ex = ss.add_parser(
        "export", help="把看板导出回 superset_exports/assets/ / export dashboards back into the repository",
        description="把 Superset 中的全部看板（含图表、数据集、数据库连接）以 YAML 写回 superset_exports/assets/，"
                    "数据库文件路径替换为占位符，read_only 保留。在界面中修改看板后运行，再提交。")
    ex.add_argument("--out", type=Path, default=None, help="输出目录 / output folder (默认 superset_exports/assets)")
    ex.set_defaults(func=_export)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _provision(args: argparse.Namespace) -> int:
    from pipelines.superset.manage import DEMO_PASSWORD, SupersetError, provision

    try:
        result = provision(demo=args.demo, skip_upgrade=args.skip_upgrade)
    except SupersetError as exc:
        print(f"Superset 配置失败：{exc}", file=sys.stderr)
        return 1
    c = result["counts"]
    for line in result["changes"] or ["没有变化（已是最新） / nothing changed"]:
        print(f"  - {line}")
    print(f"完成：{c['dashboards']} 个看板、{c['charts']} 个图表、{c['datasets']} 个数据集、{c['roles']} 个角色、"
          f"{c['rls_filters']} 条行级权限、{c['users']} 个用户")
    if args.demo:
        print(f"演示账号（仅演示）：admin、leader、college_c01、college_c02、dept_d08、dept_d10、analyst、qa，"
              f"密码 {DEMO_PASSWORD}")
    return 0


def _start(args: argparse.Namespace) -> int:
    from pipelines.superset.manage import SupersetError, start

    try:
        start(port=args.port, host=args.host, workers=args.workers)
    except SupersetError as exc:
        print(f"Superset 启动失败：{exc}", file=sys.stderr)
        return 1
    return 0


def _stop(args: argparse.Namespace) -> int:
    from pipelines.superset.manage import stop

    stop()
    return 0


def _export(args: argparse.Namespace) -> int:
    from pipelines.superset.manage import ASSETS_DIR, SupersetError, export

    try:
        files = export(args.out or ASSETS_DIR)
    except SupersetError as exc:
        print(f"导出失败：{exc}", file=sys.stderr)
        return 1
    print(f"已导出 {len(files)} 个文件到 {args.out or ASSETS_DIR}")
    return 0
