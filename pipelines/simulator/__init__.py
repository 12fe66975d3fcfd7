"""Demo-college simulator: writes a fictional 高职 college's source-system extracts (教务 database, 人事 xlsx,
学工 GBK CSV, 财务 xlsx with a merged header, 状态数据平台 workbooks) — deterministic per seed and size.

    from pipelines.simulator import simulate, inject_fault
    result = simulate(size="S", seed=2025, out=Path("warehouse/sources"))
    for item in result.items: print(item.system, item.name, item.rows)
    inject_fault("duplicate_keys", Path("warehouse/sources"), Path("/tmp/broken"))

Formats, columns and dirty values: docs/source_formats.md; column names: seeds/source_columns.csv.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.simulator.faults import FAULT_KINDS, FaultResult, inject_fault
from pipelines.simulator.sizes import SIZES, SizeParams

SYSTEM_ZH = {"jiaowu": "教务", "renshi": "人事", "xuegong": "学工", "caiwu": "财务", "zhuangtai": "状态数据平台"}


@dataclass(frozen=True)
class WrittenItem:
    system: str  # 教务 / 人事 / 学工 / 财务 / 状态数据平台
    name: str  # file, or `file: table` for tables inside one file / database
    rows: int
    path: Path


@dataclass
class SimulationResult:
    size: str
    seed: int
    out: Path
    target: str  # SQLAlchemy URL the 教务 tables went to
    items: list[WrittenItem] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(i.rows for i in self.items)


def simulate(size: str = "S", seed: int = 2025, out: Path | None = None, target: str | None = None) -> SimulationResult:
    """Generate the demo college into `out` (jiaowu/, renshi/, xuegong/, caiwu/, zhuangtai/). `target`: a
    SQLAlchemy URL for the 教务 tables instead of `out/jiaowu/jiaowu.sqlite` (the tables are re-created)."""
    from pipelines.simulator import caiwu, jiaowu, jiaowu_db, reference, renshi, xuegong, zhuangtai
    from pipelines.simulator.college import build_college
    from pipelines.simulator.teaching import build_teaching

    if out is None:
        raise ValueError("simulate() needs an output folder: out=Path(...)")
    if size not in SIZES:
        raise ValueError(f"未知规模 {size!r}，可选：{'、'.join(SIZES)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    college = build_college(seed, SIZES[size])
    college.extra["departments"] = reference.departments().set_index("dept_code")["dept_name"].to_dict()
    teaching = build_teaching(seed, college)

    result = SimulationResult(size, seed, out, target or "")
    if target is None:
        db = out / "jiaowu" / "jiaowu.sqlite"
        db.parent.mkdir(parents=True, exist_ok=True)
        db.unlink(missing_ok=True)
        target = f"sqlite:///{db}"
        result.target = target
    counts = jiaowu_db.load(target, jiaowu.frames(seed, college, teaching))
    location = out / "jiaowu" / "jiaowu.sqlite" if target.startswith("sqlite") else Path(target.split("@")[-1])
    for table, n in counts.items():
        result.items.append(WrittenItem(SYSTEM_ZH["jiaowu"], f"{location.name}: {table}", n, location))
    for system, written in (("renshi", renshi.write(out, seed, college, teaching.courses)),
                            ("xuegong", xuegong.write(out, seed, college)),
                            ("caiwu", caiwu.write(out, seed, college)),
                            ("zhuangtai", zhuangtai.write(out, seed, college))):
        for table, (path, n) in written.items():
            name = path.name if system in ("renshi", "xuegong", "zhuangtai") else f"{path.name}: {table}"
            result.items.append(WrittenItem(SYSTEM_ZH[system], name, n, path))
    return result


__all__ = ["simulate", "inject_fault", "SimulationResult", "FaultResult", "WrittenItem", "FAULT_KINDS", "SIZES",
           "SizeParams"]
