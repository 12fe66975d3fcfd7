"""The next day's export: a small, ordinary change to one source file (what a refresh mostly sees).

    from pipelines.simulator.changes import append_discipline_rows
    append_discipline_rows(Path("warehouse/sources"), n=20)

20 new 违纪处分 records in 学工/违纪处分.csv (new 处分编号, students and dates of the latest year's records),
written in the file's own encoding and line ends. 违纪处分 feeds the student-level indicators and warnings, so a
refresh must recompute what depends on it — and only that.
"""

from __future__ import annotations

from pathlib import Path

DISCIPLINE = Path("xuegong") / "违纪处分.csv"


def append_discipline_rows(sources: Path, n: int = 20, encoding: str = "gbk", first: int = 0) -> list[str]:
    """Append `n` records numbered from `first` (another call: another `first`); returns their 处分编号."""
    path = sources / DISCIPLINE
    data = path.read_bytes()
    newline = "\r\n" if b"\r\n" in data else "\n"
    lines = [ln for ln in data.decode(encoding).split(newline) if ln]
    rows = [ln.split(",") for ln in lines[1:]]
    latest = max(r[0][2:6] for r in rows)  # 处分编号 CF<year><n>
    source = [r for r in rows if r[0][2:6] == latest]
    ids = []
    for i in range(n):
        r = list(source[i % len(source)])
        r[0] = f"CF{latest}9{first + i:03d}"  # 处分编号: never used by the simulator's own numbering (CF<year>0001 …)
        r[5] = "否"  # 是否解除: a new sanction is in force
        ids.append(r[0])
        lines.append(",".join(r))
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return ids
