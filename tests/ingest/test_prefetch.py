"""The prefetch process (pipelines/ingest/prefetch.py): what it hands a step is what the step would have prepared
itself, and whenever it cannot be sure of that, the step prepares the table itself."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines import simulator
from pipelines.config import load_settings
from pipelines.ingest import prefetch
from pipelines.ingest.contract import load_contract
from pipelines.ingest.errors import SourceDataError
from pipelines.ingest.units import _validate, prepare

# a CSV, a workbook, a 教务 database table, a 状态数据平台 table stacked from several workbooks
KEYS = ["xuegong.student", "renshi.staff", "jiaowu.major", "zhuangtai.a1_school"]


@pytest.fixture(scope="module")
def college(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("college")
    simulator.simulate(size="XS", seed=5, out=root)
    return root


@pytest.fixture
def home(college, tmp_path, monkeypatch) -> Path:
    home = tmp_path / "warehouse"
    shutil.copytree(college, home / "sources")
    monkeypatch.setenv("ZHENGAI_HOME", str(home))  # the prefetch process reads the same settings
    return home


def _started(home: Path, keys: list[str]) -> prefetch.Prefetch:
    p = prefetch.start(home / "prefetch", keys, home / "logs" / "prefetch.log")
    assert p is not None
    return p


def _finished(p: prefetch.Prefetch) -> None:
    for process in p.processes.values():
        assert process.wait(timeout=120) == 0


def test_a_prefetched_table_is_what_the_step_would_prepare_itself(home):
    p = _started(home, KEYS)
    try:
        _finished(p)
        settings, contract = load_settings(), load_contract()
        for key in KEYS:
            ahead = prefetch.take(contract[key], settings)
            assert ahead is not None, key
            with duckdb.connect() as con:
                own = prepare(contract[key], settings, con)
            pd.testing.assert_frame_equal(ahead.ext.frame, own.ext.frame)
            assert ahead.ext.frame.attrs == own.ext.frame.attrs  # title lines, dropped rows: the unit checks read them
            assert (ahead.ext.source_file, ahead.ext.sheet, ahead.ext.content_hash, ahead.ext.problems) == (
                own.ext.source_file, own.ext.sheet, own.ext.content_hash, own.ext.problems)
            pd.testing.assert_frame_equal(ahead.typed[0], own.typed[0])
            assert ahead.typed[1].keys() == own.typed[1].keys()
            for column, bad in own.typed[1].items():
                pd.testing.assert_frame_equal(ahead.typed[1][column], bad)
            assert ahead.year_over_year == own.year_over_year
            # nobody waited for the table: GX judged it in the process, and the gate's verdicts are the same as
            # when the step has GX judge it (`own`)
            assert ahead.gx and own.gx is None
            with duckdb.connect() as con:
                mine, theirs = _validate(own, con, "run"), _validate(ahead, con, "run")
            assert [[repr(o) for o in r.outcomes] for r in theirs] == [[repr(o) for o in r.outcomes] for r in mine]
        log = (home / "logs" / "prefetch.log").read_text(encoding="utf-8")
        assert all(f"{key}: " in log for key in KEYS), log  # the process prepared each of them
        assert not list((home / "prefetch").glob("*.pkl"))  # each pickle is gone once taken
    finally:
        prefetch.stop()
    assert not (home / "prefetch").exists()


def test_a_file_changed_after_it_was_read_ahead_is_read_again(home):
    p = _started(home, ["xuegong.student"])
    try:
        _finished(p)
        with open(home / "sources" / "xuegong" / "学生学籍.csv", "ab") as fh:
            fh.write(b"\r\n")  # a clerk saves the export again: size and time change
        assert prefetch.take(load_contract()["xuegong.student"], load_settings()) is None
    finally:
        prefetch.stop()


def test_a_table_the_process_could_not_read_is_read_and_reported_by_the_step(home):
    (home / "sources" / "xuegong" / "招生.csv").unlink()
    p = _started(home, ["xuegong.admission"])
    try:
        _finished(p)
        table, settings = load_contract()["xuegong.admission"], load_settings()
        assert prefetch.take(table, settings) is None
        with duckdb.connect() as con, pytest.raises(SourceDataError, match="招生"):  # the step's own read says why
            prepare(table, settings, con)
        assert "xuegong.admission: not prepared" in (home / "logs" / "prefetch.log").read_text(encoding="utf-8")
    finally:
        prefetch.stop()


def test_a_step_prepares_a_table_the_process_has_not_claimed(home, monkeypatch):
    """The spool is full after the first table, so the process may not claim the second: the step claims it (and
    prepares it itself) instead of waiting, and the process leaves it alone."""
    monkeypatch.setenv(prefetch.SPOOL_MB_ENV, "0.000001")
    contract, settings = load_contract(), load_settings()
    p = _started(home, ["jiaowu.major", "jiaowu.college"])
    try:
        deadline = time.monotonic() + 120
        while not (home / "prefetch" / "jiaowu.major.pkl").exists():  # the first table is ready; the spool is full
            assert time.monotonic() < deadline and all(q.poll() is None for q in p.processes.values())
            time.sleep(0.05)
        assert prefetch.take(contract["jiaowu.college"], settings) is None
        assert prefetch.take(contract["jiaowu.major"], settings) is not None
        _finished(p)
        assert not (home / "prefetch" / "jiaowu.college.pkl").exists()
        assert "jiaowu.college:" not in (home / "logs" / "prefetch.log").read_text(encoding="utf-8")
    finally:
        prefetch.stop()
