"""How long the expectations gate takes on 1,000,000 rows × ~12 expectations (not asserted in tests).

    .venv/bin/python bench/bench_gate.py [rows] [bad_fraction]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "gate"))

from conftest import CONTRACT, RULES, SEED  # noqa: E402

from pipelines.gate import generate_suites  # noqa: E402
from pipelines.gate.runner import validate_table  # noqa: E402


def main(rows: int = 1_000_000, bad: float = 0.01) -> None:
    root = Path(tempfile.mkdtemp())
    (root / "seeds").mkdir()
    (root / "seeds" / "code_student_status.csv").write_text(SEED, encoding="utf-8")
    (root / "c.csv").write_text(CONTRACT, encoding="utf-8")
    (root / "r.yml").write_text(RULES, encoding="utf-8")
    for p, text in generate_suites.build_all(root / "c.csv", root / "r.yml", root).items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    rng = np.random.default_rng(1)
    status = np.array(["在读", "休学", "退学", "毕业"])[rng.integers(0, 4, rows)].astype(object)
    ids = pd.Series(np.arange(2023000000, 2023000000 + rows)).astype(str)
    majors = pd.DataFrame({"major_code": [f"{460000 + i}" for i in range(80)]})
    df = pd.DataFrame({
        "student_id": ids, "name": "张三", "id_card_no": "32010219990101123X",
        "major_code": majors.major_code.to_numpy()[rng.integers(0, 80, rows)],
        "status": status, "entry_year": rng.integers(2018, 2026, rows),
        "_source_row": np.arange(2, rows + 2),
    })
    n_bad = int(rows * bad)
    if n_bad:
        idx = rng.choice(rows, n_bad, replace=False)
        df.loc[idx, "status"] = "在校"
        df.loc[idx[: n_bad // 2], "id_card_no"] = None
    suite = root / "xuegong" / "student.json"
    for label in ("first call (context start)", "second call"):
        t = time.perf_counter()
        r = validate_table(df, suite, source_system="xuegong", source_table="student",
                           source_file="学生学籍.csv", batch_id="bench", lookups={"jiaowu.major": majors},
                           seeds_dir=root / "seeds")
        print(f"{label}: {time.perf_counter() - t:.2f} s for {rows:,} rows × {len(r.outcomes)} expectations "
              f"({len(r.failed())} failed, {sum(o.unexpected_count or 0 for o in r.failed()):,} bad values)")
    t = time.perf_counter()
    r.report_zh()
    print(f"report_zh: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, float(sys.argv[2]) if len(sys.argv) > 2 else 0.01)
