"""`python -m pipelines.simulator --size S --seed 1 --out DIR` — the simulator without the platform CLI."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipelines.simulator import FAULT_KINDS, SIZES, inject_fault, simulate


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipelines.simulator", description="生成示例学院的源系统数据")
    p.add_argument("--size", default="S", choices=list(SIZES))
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--target", default=None, help="教务数据库 SQLAlchemy URL（默认 SQLite 文件）")
    p.add_argument("--break", dest="fault", choices=list(FAULT_KINDS), help="写出一份带错误的副本")
    p.add_argument("--from", dest="src", type=Path, help="与 --break 一起：已生成的源数据目录")
    args = p.parse_args(argv)
    if args.fault:
        print(inject_fault(args.fault, args.src, args.out, seed=args.seed).message)
        return 0
    started = time.perf_counter()
    result = simulate(size=args.size, seed=args.seed, out=args.out, target=args.target)
    for item in result.items:
        print(f"{item.system:<8}{item.name:<40}{item.rows:>12,}")
    print(f"共 {result.total_rows:,} 行，用时 {time.perf_counter() - started:.1f} 秒")
    return 0


if __name__ == "__main__":
    sys.exit(main())
