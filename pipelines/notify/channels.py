"""The two ways a digest leaves: e-mail over SMTP (smtplib) and a group-robot webhook (钉钉 / 企业微信).

Robot bodies (markdown messages): 钉钉 `{"msgtype": "markdown", "markdown": {"title": …, "text": …}}`,
企业微信 `{"msgtype": "markdown", "markdown": {"content": …}}` (content at most 4096 bytes).
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.request
from email.message import EmailMessage
from email.utils import formataddr

from pipelines.notify.settings import NotifySettings

WECOM_MAX_BYTES = 4096


def send_email(s: NotifySettings, to: list[str], subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = formataddr(("诊改数据平台", s.sender))
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg.set_content(body, charset="utf-8")
    if s.smtp_tls == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, context=ssl.create_default_context(),
                                                timeout=30)
    else:
        server = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
    with server:
        if s.smtp_tls == "starttls":
            server.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            server.login(s.smtp_user, s.smtp_password or "")
        server.send_message(msg)


def webhook_body(kind: str, title: str, markdown: str) -> dict:
    if kind == "wecom":
        data = markdown.encode("utf-8")
        if len(data) > WECOM_MAX_BYTES:
            markdown = data[:WECOM_MAX_BYTES - 12].decode("utf-8", errors="ignore") + "\n……（略）"
        return {"msgtype": "markdown", "markdown": {"content": markdown}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}


def post_webhook(s: NotifySettings, title: str, markdown: str) -> None:
    body = json.dumps(webhook_body(s.webhook_kind, title, markdown), ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(s.webhook_url, data=body, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - the URL is the operator's own setting
        reply = resp.read().decode("utf-8", errors="replace")
    try:
        errcode = json.loads(reply).get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        raise RuntimeError(f"群机器人拒绝了消息：{reply[:200]}")
