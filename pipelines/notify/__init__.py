"""Tell the responsible people: after each publish, one digest per responsible department of its new and
escalated warnings and overdue measures (spiral.fct_digest_items), by e-mail and optionally to a group robot.

    zhengai notify [--dry-run]          # or the Dagster asset `notify/digests` after `serving/warehouse`

Nothing is sent unless configured (ZHENGAI_SMTP_HOST, ZHENGAI_WEBHOOK_URL); an item is told once (the state
is `$ZHENGAI_HOME/notifications.duckdb`), so a department gets no message when nothing changed.
"""
