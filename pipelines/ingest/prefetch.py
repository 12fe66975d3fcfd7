"""Read and type a run's source tables ahead of its ingest steps, in a process of its own (the machine's other core).

The ingest steps run one after another in Dagster's process; each reads its unit (openpyxl, SQLite, CSV), types it
with the SQL cleaning macros and has Great Expectations judge it before it checks references and loads it — ≈ 20 s
of a full run on S, on one core. None of that depends on other tables, so `zhengai run`, as soon as it knows which
units it will read (`units.units_to_read`) and before it imports Dagster, starts `python -m pipelines.ingest.prefetch
<spool> <table keys…>` (ZHENGAI_PREFETCH_PROCS of them, default 1): it claims the next unclaimed table in step
order, prepares it (`units.prepare`, the very function a step calls without it) and leaves it as a pickle in the
spool. When the run reads only a few tables it has GX judge them too (GX_AHEAD_MAX_TABLES).

A step claims its table itself when no process has (and prepares it), or waits for the pickle; it uses the pickle
only when the files it was read from are as they were (size and mtime; 教务's SQLite file too), and prepares the
table itself otherwise: when the process failed on it (the step's own read then reports the error, as always) or is
gone, or the files changed. So the prefetch can only save time, never change what a run loads or reports. Runs
started from the Dagster UI or the schedules have no prefetch and read as before.

Two processes did not make a full run faster (two cores; it is CPU-bound). A process claims no new table while the
spool holds more than ZHENGAI_PREFETCH_SPOOL_MB (default 1024). ZHENGAI_PREFETCH_PROCS=0: no prefetch.
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

SPOOL_MB_ENV = "ZHENGAI_PREFETCH_SPOOL_MB"
PROCS_ENV = "ZHENGAI_PREFETCH_PROCS"
_POLL_S = 0.01
PLAN = "plan: "  # the first line of the log
# GX judges in the process too when a run reads this few tables (a changed file or two): the process is then well
# ahead of the step, which need not import GX (≈ 2.5 s). With more, the step has GX judge: the process, reading and
# typing everything, is then the busier side (S full run: 65 s with GX in the process while the step did not wait
# for the table, 59–61 s with GX in the step)
GX_AHEAD_MAX_TABLES = 4


def _spool_limit() -> int:
    return int(float(os.environ.get(SPOOL_MB_ENV, "1024")) * 1024 * 1024)


def stamp(table, settings) -> list[tuple[str, int, int]]:
    """What a table is read from (`extract.read_from`), as (path, size, mtime_ns); a server database has no stamp:
    what the process read is as current as what the step would read a moment later."""
    from pipelines.ingest.extract import read_from

    out = []
    for p in read_from(table, settings) or []:
        try:
            st = p.stat()
        except OSError:
            return [(str(p), -1, -1)]
        out.append((str(p), st.st_size, st.st_mtime_ns))
    return out


class Prefetch:
    """The prefetch processes of one run, as the ingest steps see them."""

    def __init__(self, spool: Path, keys: list[str], log: Path, procs: int):
        self.spool, self.keys = spool, set(keys)
        shutil.rmtree(spool, ignore_errors=True)  # left by a run that was killed
        spool.mkdir(parents=True)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w", encoding="utf-8") as out:
            out.write(f"{PLAN}{' '.join(keys)}\n")  # what the run reads: the units changed since their last load
            out.flush()
            self.processes = {
                p.pid: p for p in (
                    subprocess.Popen([sys.executable, "-m", "pipelines.ingest.prefetch", str(spool), *keys],
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
                    for _ in range(procs))}

    def _claimed_by(self, key: str) -> int | None:
        """The process that claimed `key`; None: nobody had, and now this process has."""
        if claim(self.spool, key):
            return None
        try:
            return int((self.spool / f"{key}.claim").read_text() or 0)
        except (OSError, ValueError):
            return 0

    def take(self, table, settings):
        """The table prepared ahead (a `units.Prepared`), or None: the step prepares it itself."""
        key = table.key
        if key not in self.keys:
            return None
        owner = self._claimed_by(key)
        if owner is None or owner == os.getpid():
            return None
        ready, skipped = self.spool / f"{key}.pkl", self.spool / f"{key}.skip"
        process = self.processes.get(owner)
        if not ready.exists():
            (self.spool / f"{key}.wanted").touch()
        while not ready.exists():
            if skipped.exists() or process is None or process.poll() is not None:
                if not ready.exists():
                    return None
            time.sleep(_POLL_S)
        with ready.open("rb") as fh:
            read_from, prepared = pickle.load(fh)
        ready.unlink()
        return prepared if read_from == stamp(table, settings) else None

    def forget(self, tables) -> None:
        """Tables a step will not read (its unit is unchanged after all): not prepared, or their pickles go."""
        for t in tables:
            if t.key in self.keys and self._claimed_by(t.key) is not None:
                (self.spool / f"{t.key}.pkl").unlink(missing_ok=True)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.spool, ignore_errors=True)


def claim(spool: Path, key: str) -> bool:
    """Claim table `key` for this process (True), unless a process already has (False)."""
    try:
        fd = os.open(spool / f"{key}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as fh:
        fh.write(str(os.getpid()))
    return True


ACTIVE: list[Prefetch] = []  # the prefetch of the run in this process (zhengai run), if any


def take(table, settings):
    return ACTIVE[0].take(table, settings) if ACTIVE else None


def forget(tables) -> None:
    if ACTIVE:
        ACTIVE[0].forget(tables)


def start(spool: Path, keys: list[str], log: Path) -> Prefetch | None:
    """Prefetch `keys` (tables, in the order the steps will take them) into `spool`; the processes write to `log`."""
    procs = int(os.environ.get(PROCS_ENV, "1"))
    if not keys or procs <= 0:
        return None
    ACTIVE[:] = [Prefetch(spool, keys, log, procs)]
    return ACTIVE[0]


def stop() -> None:
    while ACTIVE:
        ACTIVE.pop().stop()


# ---- the process

def _spool_bytes(spool: Path) -> int:
    return sum(p.stat().st_size for p in spool.glob("*.pkl*") if p.exists())


def serve(spool: Path, keys: list[str]) -> int:
    import duckdb

    from pipelines.config import load_settings
    from pipelines.ingest.contract import load_contract
    from pipelines.ingest.memory import freeze_imports, release_memory
    from pipelines.ingest.units import prepare

    freeze_imports()  # as the run's process does: the collections after each table need not walk the modules

    parent, settings, contract = os.getppid(), load_settings(), load_contract()
    con = duckdb.connect()  # typing needs only the cleaning macros, installed by `prepare`
    limit, judge = _spool_limit(), len(keys) <= GX_AHEAD_MAX_TABLES
    for key in keys:
        while _spool_bytes(spool) > limit:
            if os.getppid() != parent:
                return 0
            time.sleep(0.05)
        if not claim(spool, key):
            continue
        table = contract[key]
        started, before = time.perf_counter(), stamp(table, settings)
        try:
            wanted = spool / f"{key}.wanted"
            prepared = prepare(table, settings, con,
                               judge=lambda: judge and not wanted.exists())  # noqa: B023 - called at once
        except Exception as exc:  # noqa: BLE001 - the step prepares the table itself and reports what is wrong
            (spool / f"{key}.skip").write_text(f"{type(exc).__name__}: {exc}", encoding="utf-8")
            print(f"{key}: not prepared ({type(exc).__name__}: {exc})", flush=True)
            continue
        if stamp(table, settings) != before:
            (spool / f"{key}.skip").write_text("changed while read", encoding="utf-8")
            continue
        part = spool / f"{key}.pkl.part"
        with part.open("wb") as fh:
            pickle.dump((before, prepared), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(part, spool / f"{key}.pkl")
        del prepared
        release_memory()  # collects: what is left is set-up, e.g. the modules the first tables imported (openpyxl,
        gc.freeze()  # SQLAlchemy…), which the next collections need not walk again
        print(f"{key}: {time.perf_counter() - started:.2f} s (process {os.getpid()})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[1]), sys.argv[2:]))
