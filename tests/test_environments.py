"""The two environments a newcomer gets from `make demo`: pipeline (.venv) and Superset (.venv-superset)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
SUPERSET_PY = ROOT / ".venv-superset" / "bin" / "python"
needs_superset_env = pytest.mark.skipif(
    not SUPERSET_PY.exists(), reason="Superset 环境 .venv-superset 未安装：先运行 make setup"
)


def _pin(text: str, package: str) -> str:
    match = re.search(rf"^{package}==([\w.]+)", text, re.M)
    assert match, f"{package} is not pinned"
    return match.group(1)


def test_both_environments_pin_the_same_duckdb():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pipeline_pin = _pin("\n".join(deps), "duckdb")
    superset_dir = ROOT / "superset_exports"
    assert _pin((superset_dir / "requirements.txt").read_text(), "duckdb") == pipeline_pin
    assert _pin((superset_dir / "constraints.txt").read_text(), "duckdb") == pipeline_pin
    assert duckdb.__version__ == pipeline_pin


@needs_superset_env
def test_superset_env_has_the_pinned_duckdb_and_sqlalchemy_1_4():
    out = subprocess.run(
        [str(SUPERSET_PY), "-c", "import duckdb, sqlalchemy, duckdb_engine; "
         "print(duckdb.__version__, sqlalchemy.__version__)"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert out[0] == duckdb.__version__
    assert out[1].startswith("1.4.")


@needs_superset_env
def test_superset_starts_its_metadata_database(tmp_path):
    """`superset db upgrade` is the first thing that breaks when the pins are wrong (STACK_NOTES)."""
    env = {
        **os.environ,
        "SUPERSET_CONFIG_PATH": str(ROOT / "superset_exports" / "superset_config.py"),
        "SUPERSET_SECRET_KEY": "test-only-secret",
        "ZHENGAI_SUPERSET_HOME": str(tmp_path),
        "FLASK_APP": "superset",
    }
    result = subprocess.run(
        [str(ROOT / ".venv-superset" / "bin" / "superset"), "db", "upgrade"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "superset.db").stat().st_size > 100_000


def test_cli_help_is_bilingual():
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "--help"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert "诊改数据平台" in out and "data platform" in out


def test_simulate_help_is_bilingual():
    sim = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "simulate", "--help"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout
    assert "规模" in sim and "size" in sim and "--break" in sim
