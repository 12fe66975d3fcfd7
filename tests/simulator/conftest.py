"""The demo college is generated once per test session (size S into tmp) — every test reads that folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.simulator import simulate


@pytest.fixture(scope="session")
def college_s(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("college_s")
    return out, simulate(size="S", seed=7, out=out)


@pytest.fixture(scope="session")
def college_xs(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("college_xs")
    return out, simulate(size="XS", seed=3, out=out)
