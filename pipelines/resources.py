"""Dagster resources: where this run writes (its own build file) and what it reads (the configured sources)."""


import os
from pathlib import Path

import dagster as dg

from pipelines.config import Settings, load_settings
from pipelines.publish import WarehouseLayout, start_build
from pipelines.runlock import acquire


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse folder (`ZHENGAI_HOME`). Every run writes only its own build file
    `build/<run_id>/serving.duckdb`, a copy of the serving file taken when the run's first step starts."""

    home: str = ""

    def settings(self) -> Settings:
        env = dict(os.environ)
        if self.home:
            env["ZHENGAI_HOME"] = self.home
        return load_settings(env)

    def layout(self) -> WarehouseLayout:
        return WarehouseLayout(self.settings().home)

    def build_file(self, run_id: str) -> Path:
        """The run's build file; takes the run lock first (RunCollision when another run is writing)."""
        acquire(self.settings().home, run_id)
        return start_build(self.layout(), run_id)

    @property
    def audit_db(self) -> Path:
        return self.settings().home / "gate_results.duckdb"
