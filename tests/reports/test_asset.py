"""The annual report asset is in the annual job only, downstream of the publish step."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import defs

REPORT = dg.AssetKey(["reports", "annual"])


def test_report_asset_follows_publish_and_runs_in_the_annual_job_only():
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey(["serving", "warehouse"]) in graph.get(REPORT).parent_keys
    assert graph.get(REPORT).group_name == "reports"
    in_job = {name: REPORT in defs.resolve_job_def(name).asset_layer.asset_graph.get_all_asset_keys()
              for name in ("daily_refresh", "semester_job", "annual_job")}
    assert in_job == {"daily_refresh": False, "semester_job": False, "annual_job": True}
