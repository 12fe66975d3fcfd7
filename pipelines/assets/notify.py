"""The digests as a Dagster asset: after each publish, every responsible department hears of its new and
escalated warnings and overdue measures (pipelines.notify). Reads only the served file; sends nothing unless
ZHENGAI_SMTP_HOST or ZHENGAI_WEBHOOK_URL is set, and never the same item twice."""

import dagster as dg

from pipelines.assets.publish import serving_warehouse
from pipelines.resources import WarehouseResource


@dg.asset(key=["notify", "digests"], deps=[serving_warehouse], group_name="notify", kinds={"email"},
          description="发布后向各责任部门发送新预警、升级预警与逾期事项摘要（邮件 / 钉钉 / 企业微信；未配置则不发送）")
def notify_digests(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from pipelines.notify.digest import notify, summary_zh
    from pipelines.notify.settings import load_notify_settings

    settings = load_notify_settings()
    layout = warehouse.layout()
    version, digests = notify(layout.root, settings=settings, serving=layout.serving)
    text = summary_zh(version, digests, dry_run=False, settings=settings)
    context.log.info(text)
    errors = [e for d in digests for e in d.errors]
    if errors:
        raise dg.Failure(description="部分通知未发出：" + "；".join(errors[:5]))
    return dg.MaterializeResult(metadata={
        "部门数": len(digests), "已发送": sum(1 for d in digests if d.sent_via),
        "事项数": sum(len(d.items) for d in digests), "摘要": dg.MetadataValue.md(f"```\n{text[:5000]}\n```")})
