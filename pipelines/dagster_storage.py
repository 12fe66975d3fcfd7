"""Dagster's SQLite event log with one open connection per database, not one engine per statement.

Dagster's `SqliteEventLogStorage` creates a SQLAlchemy engine, connects, commits and disposes it for every write:
about seven times per event (the run's database, then the index database for asset and check events). A
`zhengai run` stores 280–600 events, and that set-up cost 3.2–6.6 s of a 33–37 s one-file run on this machine;
with the engines kept open, 1.1–1.4 s (docs/performance.md). Same files, same schema, same journal, same
commits: the Dagster UI, the daemon and a plain `SqliteEventLogStorage` read them as before.

`pipelines/run.py` names this class in `$DAGSTER_HOME/dagster.yaml` (`event_log_storage`).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator

from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.pool import StaticPool

# run databases kept open besides the index: a long-lived process (the UI over years of runs) must not hold a
# file handle for every run it ever showed
MAX_OPEN_RUN_DATABASES = 8


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` whose engines stay open (one connection each, used under the storage's lock)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # the parent's returns its own class
        return cls(inst_data=inst_data, **config_value)

    @contextlib.contextmanager
    def _connect(self, shard: str) -> Iterator:
        # the parent holds `_db_lock` for the whole transaction too, so one connection per database is enough
        with self._db_lock:
            engine = self._engine(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str):
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(self.conn_string_for_shard(shard), poolclass=StaticPool,
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
        for oldest in runs[:max(0, len(runs) - MAX_OPEN_RUN_DATABASES)]:
            self._engines.pop(oldest).dispose()
        return engine

    def _close_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:  # the run databases are deleted: no connection may keep the old files
        self._close_engines()
        super().wipe()

    def upgrade(self) -> None:
        self._close_engines()
        super().upgrade()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()
