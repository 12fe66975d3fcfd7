"""`zhengai notify [--dry-run]`."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("notify", help="向责任部门发送新预警、升级预警与逾期事项摘要 / send the departments' digests",
                       description="按责任部门汇总新预警、升级预警和逾期的改进措施，通过邮件（ZHENGAI_SMTP_*）和钉钉/企业微信"
                                   "群机器人（ZHENGAI_WEBHOOK_URL）发送；已通知过的事项不再重复发送。\n"
                                   "Sends each responsible department a digest of its new and escalated warnings and "
                                   "overdue measures; nothing is sent twice, nothing unless configured.")
    p.add_argument("--dry-run", action="store_true", help="只显示将要发送的内容，不发送 / show, do not send")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from pipelines.notify.digest import notify, summary_zh
    from pipelines.notify.settings import load_notify_settings

    try:
        settings = load_notify_settings()
    except ValueError as exc:
        print(f"通知配置有误：{exc}", file=sys.stderr)
        return 2
    version, digests = notify(dry_run=args.dry_run, settings=settings)
    print(summary_zh(version, digests, dry_run=args.dry_run, settings=settings))
    if args.dry_run:
        for d in digests:
            print("\n" + "=" * 60 + f"\n主题：{d.subject}\n收件人：{'、'.join(d.recipients) or '—'}\n")
            print(d.body(version, settings.dashboard_url))
    return 1 if any(d.errors for d in digests) else 0
