"""预警中心 in Chromium: the charts by tier are drawn in the colours of seeds/warning_tiers.csv (红色预警 red) and
their legends list the tiers in the seed's order (by severity_rank). Read from the ECharts option each chart was
drawn with (browser_check.py --echarts), not from the YAML we wrote.

Slow (starts Superset on an XS warehouse, see conftest.py): `pytest tests/superset -k tier_colours`.
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
from conftest import DEMO_PASSWORD

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "superset" / "tier_colours"
TIER_CHARTS = ["各层面预警事项（按等级）", "各责任部门预警事项（按等级）", "各二级学院预警事项（按等级）"]

pytestmark = pytest.mark.slow


def _seed_tiers() -> list[dict]:
    with open(REPO / "seeds" / "warning_tiers.csv", encoding="utf-8") as f:
        return sorted(csv.DictReader(f), key=lambda t: int(t["severity_rank"]))


def _rgb(colour: str) -> tuple[int, int, int]:
    c = colour.strip().lower()
    if c.startswith("#"):
        c = c[1:]
        if len(c) == 3:
            c = "".join(ch * 2 for ch in c)
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    if c.startswith("rgb"):
        r, g, b = (int(float(x)) for x in c[c.index("(") + 1:c.index(")")].split(",")[:3])
        return r, g, b
    raise AssertionError(f"unexpected colour {colour!r}")


def test_warning_center_tier_colours_and_legend_order_in_the_browser(superset_env, chromium):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [str(superset_env["paths"].python), str(Path(__file__).with_name("browser_check.py")), "--url",
         superset_env["url"], "--user", "qa", "--password", DEMO_PASSWORD, "--out-dir", str(ARTIFACTS),
         "--timeout", "90", "--echarts", "--dashboard", "warning-center"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["login"], out
    drawn = {c["title"]: c["option"] for c in out["dashboards"]["warning-center"]["echarts"]}

    tiers = _seed_tiers()
    colour_of = {f"{t['severity_rank']} {t['name_zh']}": t["colour"] for t in tiers}  # legend label → seed colour
    seed_order = [f"{t['severity_rank']} {t['name_zh']}" for t in tiers]
    red = next(f"{t['severity_rank']} {t['name_zh']}" for t in tiers if t["tier"] == "红")
    for title in TIER_CHARTS:
        option = drawn.get(title)
        assert option and option["series"], (title, drawn.get(title))
        names = [s["name"] for s in option["series"]]
        assert set(names) <= set(seed_order), (title, names)
        assert red in names, (title, names)  # the demo college has red cases on every axis
        for s in option["series"]:
            assert s["colour"] and _rgb(s["colour"]) == _rgb(colour_of[s["name"]]), (title, s)
        r, g, b = _rgb(next(s["colour"] for s in option["series"] if s["name"] == red))
        assert r > 150 and r > g + 80 and r > b + 80, (title, "红色预警 is not red", (r, g, b))
        legend = option["legend"] or names  # no explicit legend data: ECharts lists the series in order
        assert legend == [n for n in seed_order if n in legend], (title, legend)
        assert names == [n for n in seed_order if n in names], (title, names)
