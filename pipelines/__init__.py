"""诊改数据平台 — sources → raw → staging → marts → indicators → warnings."""
