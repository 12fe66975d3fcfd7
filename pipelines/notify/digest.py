"""Compose and send the per-department digests; remember what was told.

    results = notify(home, dry_run=False)   # one DeptDigest per department that has something new to hear

The candidates are `spiral.fct_digest_items` of the served warehouse (new / escalated warnings of the latest
cycle, overdue measures); an item (事项编号 × 类别) already told is left out, and a department with nothing left
gets no message. Recipients: `ref.org_contacts` (seeds/org_contacts.csv). An item counts as told only when a
channel took the message; with nothing configured nothing is sent and nothing is recorded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.notify import channels
from pipelines.notify.settings import NotifySettings, load_notify_settings

STATE_FILE = "notifications.duckdb"
LISTED_PER_KIND = 20  # lines per kind in one message; the rest is counted and found on the dashboard


@dataclass
class DeptDigest:
    dept_code: str
    dept_name: str
    items: list[dict[str, Any]]
    recipients: list[str] = field(default_factory=list)
    sent_via: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for i in self.items if i["kind"] == kind)

    @property
    def subject(self) -> str:
        parts = [f"{label} {self.count(k)} 项" for k, label in (("new", "新预警"), ("escalated", "升级"),
                                                              ("overdue", "逾期"))
                 if self.count(k)]
        return f"【诊改提醒】{self.dept_name}：" + "，".join(parts)

    def body(self, version: str, dashboard_url: str | None, markdown: bool = False) -> str:
        h = "### " if markdown else ""
        lines = [f"{h}{self.dept_name}：诊改数据平台（数据版本 {version}）有以下需要本部门处理的诊改事项", ""]
        by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for i in self.items:
            by_kind[i["kind_zh"]].append(i)
        for n, (kind_zh, items) in enumerate(by_kind.items(), start=1):
            lines.append(f"{'#### ' if markdown else ''}{'一二三'[n - 1]}、{kind_zh} {len(items)} 项")
            for k, i in enumerate(items[:LISTED_PER_KIND], start=1):
                due = i["deadline"] or (i["answer_due"].date() if i["answer_due"] else None)
                tail = (f"；{i['overdue_reason_zh']}" if i["kind"] == "overdue" and i["overdue_reason_zh"] else "")
                # a group chat is no place for a student's name: the robot message says 某同学, the e-mail
                # (to the department's own contact) names the student
                anonymous = markdown and i["level"] == "学生"
                who = "某同学" if anonymous else (i["entity_name"] or i["entity_id"])
                why = "学生预警（详见本部门自我诊断报告）" if anonymous else i["reasons_zh"]
                lines.append(f"{'- ' if markdown else f'  {k}. '}[{i['tier_name']}] {i['level']} "
                             f"{who}（{i['cycle']}）：{why}"
                             f"；期限 {due or '—'}{tail}" + ("" if anonymous else f"；事项编号 {i['case_id']}"))
            if len(items) > LISTED_PER_KIND:
                lines.append(f"  ……另有 {len(items) - LISTED_PER_KIND} 项，请在「本部门诊改」看板查看")
            lines.append("")
        lines.append("请在本部门的自我诊断报告（“改进措施与成效”工作表）中按事项编号填写原因分析、改进措施、责任人和完成时限，"
                     "交回诊改反馈目录；下一周期的数据将自动复核。")
        if dashboard_url:
            lines.append(f"「本部门诊改」看板：{dashboard_url}")
        return "\n".join(lines)


def _state(home: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(home / STATE_FILE))
    con.execute("""CREATE TABLE IF NOT EXISTS sent_items (
        case_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, dept_code VARCHAR NOT NULL, sent_at TIMESTAMP NOT NULL,
        version VARCHAR, channels VARCHAR, PRIMARY KEY (case_id, kind))""")
    return con


def pending_digests(serving: Path, home: Path) -> tuple[str, list[DeptDigest]]:
    """(served version, one digest per department with items not told yet)."""
    from pipelines.reports.queries import Warehouse

    with Warehouse.open(serving) as w:
        version = w.version()
        items = w.rows("SELECT * FROM spiral.fct_digest_items ORDER BY dept_code, kind_order, priority, level, "
                       "cycle DESC, entity_id")
        contacts = w.rows("SELECT dept_code, email FROM ref.org_contacts WHERE email IS NOT NULL")
    with _state(home) as con:
        told = set(con.execute("SELECT case_id, kind FROM sent_items").fetchall())
    emails: dict[str, list[str]] = defaultdict(list)
    for c in contacts:
        emails[c["dept_code"]] += [e.strip() for e in c["email"].replace("；", ";").split(";") if e.strip()]
    by_dept: dict[str, DeptDigest] = {}
    for i in items:
        if (i["case_id"], i["kind"]) in told:
            continue
        d = by_dept.setdefault(i["dept_code"], DeptDigest(i["dept_code"], i["dept_name"], [],
                                                           emails.get(i["dept_code"], [])))
        d.items.append(i)
    return version, list(by_dept.values())


def notify(home: Path | None = None, *, dry_run: bool = False, settings: NotifySettings | None = None,
           serving: Path | None = None) -> tuple[str, list[DeptDigest]]:
    from pipelines.config import load_settings

    home = Path(home) if home else load_settings().home
    s = settings or load_notify_settings()
    version, digests = pending_digests(serving or home / "serving.duckdb", home)
    if dry_run or not s.configured:
        return version, digests
    for d in digests:
        if s.smtp_host and d.recipients:
            try:
                channels.send_email(s, d.recipients, d.subject, d.body(version, s.dashboard_url))
                d.sent_via.append("email")
            except (OSError, ValueError) as exc:  # smtplib errors are OSErrors
                d.errors.append(f"邮件发送失败：{exc}")
        if s.webhook_url:
            try:
                channels.post_webhook(s, d.subject, d.body(version, s.dashboard_url, markdown=True))
                d.sent_via.append(s.webhook_kind)
            except (OSError, RuntimeError) as exc:
                d.errors.append(f"群机器人发送失败：{exc}")
        if d.sent_via:
            _remember(home, d, version)
    return version, digests


def _remember(home: Path, d: DeptDigest, version: str) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with _state(home) as con:
        con.executemany("INSERT OR IGNORE INTO sent_items VALUES (?, ?, ?, ?, ?, ?)",
                        [(i["case_id"], i["kind"], d.dept_code, now, version, ",".join(d.sent_via)) for i in d.items])


def summary_zh(version: str, digests: list[DeptDigest], *, dry_run: bool, settings: NotifySettings) -> str:
    if not digests:
        return f"没有新的预警、升级或逾期事项需要通知（数据版本 {version}）。"
    lines = []
    if dry_run:
        lines.append(f"试运行（--dry-run）：以下 {len(digests)} 个部门有待通知的事项，未发送。")
    elif not settings.configured:
        lines.append("未配置发送渠道（ZHENGAI_SMTP_HOST 或 ZHENGAI_WEBHOOK_URL），未发送任何消息；"
                     f"{len(digests)} 个部门有待通知的事项。")
    for d in digests:
        how = "、".join(d.sent_via) if d.sent_via else "未发送"
        to = "、".join(d.recipients) if d.recipients else "无联系人（seeds/org_contacts.csv）"
        lines.append(f"{d.dept_code} {d.dept_name}：新预警 {d.count('new')}，升级 {d.count('escalated')}，"
                     f"逾期 {d.count('overdue')} → {to}（{how}）")
        lines += [f"  {e}" for e in d.errors]
    return "\n".join(lines)
