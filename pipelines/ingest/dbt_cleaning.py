"""dbt-duckdb profile plugin: installs the cleaning macros (`pipelines/ingest/cleaning.sql`) in every connection
dbt opens, so staging (`dbt_project/macros/stage.sql`) calls the same SQL the gate checked with.
Configured in `dbt_project/profiles.yml` (`plugins: [{module: pipelines.ingest.dbt_cleaning}]`)."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from pipelines.ingest import cleaning


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        cleaning.install(conn)
