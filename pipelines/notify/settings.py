"""Where digests go — environment variables only (credentials never in the repository).

| variable | default | meaning |
|---|---|---|
| ZHENGAI_SMTP_HOST | (unset: no e-mail) | SMTP server |
| ZHENGAI_SMTP_PORT | 25 (starttls 587, ssl 465) | port |
| ZHENGAI_SMTP_TLS | none | none / starttls / ssl |
| ZHENGAI_SMTP_USER, ZHENGAI_SMTP_PASSWORD | (unset: no login) | credentials |
| ZHENGAI_SMTP_SENDER | zhengai@localhost | From address |
| ZHENGAI_WEBHOOK_URL | (unset: no robot) | 钉钉 / 企业微信 group-robot webhook |
| ZHENGAI_WEBHOOK_KIND | dingtalk | dingtalk / wecom |
| ZHENGAI_DASHBOARD_URL | (unset) | link to 「本部门诊改」 written into every digest |
"""

from __future__ import annotations

import os
from dataclasses import dataclass

_TLS_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
WEBHOOK_KINDS = ("dingtalk", "wecom")


@dataclass(frozen=True)
class NotifySettings:
    smtp_host: str | None
    smtp_port: int
    smtp_tls: str
    smtp_user: str | None
    smtp_password: str | None
    sender: str
    webhook_url: str | None
    webhook_kind: str
    dashboard_url: str | None

    @property
    def configured(self) -> bool:
        return bool(self.smtp_host or self.webhook_url)


def load_notify_settings(env: dict[str, str] | None = None) -> NotifySettings:
    env = dict(os.environ if env is None else env)
    tls = env.get("ZHENGAI_SMTP_TLS", "none").strip().lower() or "none"
    if tls not in _TLS_PORTS:
        raise ValueError(f"ZHENGAI_SMTP_TLS 只能是 none、starttls 或 ssl，现为“{tls}”")
    kind = env.get("ZHENGAI_WEBHOOK_KIND", "dingtalk").strip().lower() or "dingtalk"
    if kind not in WEBHOOK_KINDS:
        raise ValueError(f"ZHENGAI_WEBHOOK_KIND 只能是 dingtalk（钉钉）或 wecom（企业微信），现为“{kind}”")
    return NotifySettings(
        smtp_host=env.get("ZHENGAI_SMTP_HOST") or None,
        smtp_port=int(env.get("ZHENGAI_SMTP_PORT") or _TLS_PORTS[tls]),
        smtp_tls=tls,
        smtp_user=env.get("ZHENGAI_SMTP_USER") or None,
        smtp_password=env.get("ZHENGAI_SMTP_PASSWORD") or None,
        sender=env.get("ZHENGAI_SMTP_SENDER") or "zhengai@localhost",
        webhook_url=env.get("ZHENGAI_WEBHOOK_URL") or None,
        webhook_kind=kind,
        dashboard_url=env.get("ZHENGAI_DASHBOARD_URL") or None,
    )
