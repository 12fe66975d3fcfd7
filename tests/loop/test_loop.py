"""The 诊改 loop on the XS college, end to end: warning → the department's returned workbook → 处理率 and the
lifecycle in the warehouse → digests to a local SMTP server and a local webhook; and a bad returned workbook
that is refused with a clear message and loses nothing. Real Dagster, dbt, GX, DuckDB throughout."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
from pathlib import Path

import duckdb
import pytest
from local_servers import HookServer, SMTPServer
from openpyxl import load_workbook

from pipelines import simulator
from pipelines.publish import WarehouseLayout
from pipelines.reports.department import FILL_HEADERS, IMPROVE_SHEET, KEY_HEADER, write_department

TODAY = dt.date.today()


def _run_pipeline():
    from pipelines.run import run_pipeline

    summary = run_pipeline("daily_refresh", out=io.StringIO())
    assert summary.success, summary.failures
    return summary


def _q(serving: Path, sql: str, params=()):
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("loop_home")
    simulator.simulate(size="XS", seed=3, out=home / "sources")
    return home


@pytest.fixture(scope="module")
def env(home):
    mp = pytest.MonkeyPatch()
    mp.setenv("ZHENGAI_HOME", str(home))
    mp.setenv("DAGSTER_HOME", str(home / "dagster"))
    mp.setenv("ZHENGAI_RETRY_WAIT", "0")
    for var in ("ZHENGAI_SMTP_HOST", "ZHENGAI_WEBHOOK_URL", "ZHENGAI_TODAY", "ZHENGAI_RETURNS_DIR"):
        mp.delenv(var, raising=False)
    yield home
    mp.undo()


@pytest.fixture(scope="module")
def first(env) -> Path:
    _run_pipeline()
    return WarehouseLayout(env).serving


def _fill(path: Path, n: int) -> list[str]:
    """Answer the first `n` rows still waiting for their re-check (as a department would), return their 事项编号."""
    wb = load_workbook(path)
    ws = wb[IMPROVE_SHEET]
    header_row = next(r for r in range(1, ws.max_row + 1)
                      if ws.cell(r, 1).value == KEY_HEADER)
    cols = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    answered = []
    for r in range(header_row + 1, ws.max_row + 1):
        key = ws.cell(r, cols[KEY_HEADER]).value
        if not key or ws.cell(r, cols["复核结果"]).value != "待复核" or ws.cell(r, cols["状态"]).value != "已下发":
            continue
        values = ["生源基础薄弱 过程性考核不足", "建立学业帮扶小组 每周两次辅导", "王老师",
                  TODAY + dt.timedelta(days=90), "进行中", None]
        for h, v in zip(FILL_HEADERS, values, strict=True):
            ws.cell(r, cols[h]).value = v
        answered.append(key)
        if len(answered) == n:
            break
    wb.save(path)
    return answered


@pytest.fixture(scope="module")
def returned(first, env, tmp_path_factory):
    """The department with the most open items in the latest year answers two of them and returns the workbook."""
    [(dept, year)] = _q(first, """
        SELECT responsible_dept_code, academic_year FROM spiral.fct_improvement_cases
        WHERE academic_year = (SELECT max(academic_year) FROM spiral.fct_improvement_cases) AND recheck_zh = '待复核'
        GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1""")
    before = {r[0]: r[1:] for r in _q(first, "SELECT case_id, status_zh, is_answered FROM spiral.fct_improvement_cases")}
    rates_before = {tuple(r[:3]): r[3:] for r in _q(first, "SELECT responsible_dept_code, college_code, academic_year, "
                                                           "n_issued, n_answered FROM spiral.fct_dept_response_rates")}
    path, _ = write_department(dept, year, tmp_path_factory.mktemp("workbooks"), serving=first)
    answered = _fill(path, 2)
    assert len(answered) == 2, f"{path.name} has fewer than two items waiting for their re-check"
    returns = env / "sources" / "returns"
    returns.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, returns / path.name)
    _run_pipeline()
    return {"dept": dept, "year": year, "workbook": path.name, "answered": answered, "before": before,
            "rates_before": rates_before, "serving": WarehouseLayout(env).serving}


def test_returned_workbook_moves_the_items_and_the_response_rate(returned):
    serving, answered = returned["serving"], returned["answered"]
    for case in answered:
        assert returned["before"][case] == ("已下发", False)
    rows = _q(serving, f"""SELECT case_id, status_zh, is_answered, owner, deadline, measure, is_overdue
        FROM spiral.fct_improvement_cases WHERE case_id IN ({", ".join("?" * len(answered))}) ORDER BY case_id""",
              answered)
    assert [(r[0], r[1], r[2], r[3], r[4], r[6]) for r in rows] == [
        (c, "改进中", True, "王老师", TODAY + dt.timedelta(days=90), False) for c in sorted(answered)]
    assert all(r[5] == "建立学业帮扶小组 每周两次辅导" for r in rows)
    # the measures table says where each answer came from
    got = _q(serving, "SELECT case_id, workbook, deadline FROM spiral.fct_improvement_measures ORDER BY case_id")
    assert [(c, d) for c, _, d in got] == [(c, TODAY + dt.timedelta(days=90)) for c in sorted(answered)]
    assert all(returned["workbook"] in w for _, w, _ in got)
    # 预警处理率 = answered ÷ issued, for each (dept, college, year) group the answers fall in
    groups = _q(serving, f"""SELECT responsible_dept_code, college_code, academic_year, count(*)
        FROM spiral.fct_improvement_cases WHERE case_id IN ({", ".join("?" * len(answered))}) GROUP BY ALL""", answered)
    for dept, college, year, n in groups:
        n_issued, n_answered_before = returned["rates_before"][(dept, college, year)]
        [(issued, n_answered, rate)] = _q(serving, """SELECT n_issued, n_answered, response_rate
            FROM spiral.fct_dept_response_rates WHERE responsible_dept_code = ? AND college_code IS NOT DISTINCT FROM ?
            AND academic_year = ?""", [dept, college, year])
        assert (issued, n_answered) == (n_issued, n_answered_before + n)
        assert rate == pytest.approx((n_answered_before + n) / n_issued)


def test_next_workbook_carries_the_answers_from_the_warehouse(returned, tmp_path):
    path, _ = write_department(returned["dept"], returned["year"], tmp_path, serving=returned["serving"])
    ws = load_workbook(path)[IMPROVE_SHEET]
    header_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == KEY_HEADER)
    cols = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    owners = {ws.cell(r, 1).value: ws.cell(r, cols["责任人（部门填写）"]).value
              for r in range(header_row + 1, ws.max_row + 1)}
    assert {c: owners[c] for c in returned["answered"]} == {c: "王老师" for c in returned["answered"]}


def test_bad_returned_workbook_is_refused_with_a_clear_message_and_nothing_lost(returned, env, tmp_path):
    """Unknown 事项编号, a missing 责任人 and a deadline in the past: the gate names workbook, sheet, row, column
    and value; the workbook lands in quarantine byte for byte; the answers loaded before stay in raw."""
    from pipelines.config import load_settings
    from pipelines.ingest.units import ingest_unit, source_units

    serving = returned["serving"]
    path, _ = write_department(returned["dept"], returned["year"], tmp_path / "wb", serving=serving)
    wb = load_workbook(path)
    ws = wb[IMPROVE_SHEET]
    header_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == KEY_HEADER)
    cols = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    r1, r2, r3 = header_row + 1, header_row + 2, header_row + 3
    ws.cell(r1, 1).value = "专业|999999|2099-2100"  # an item that was never issued
    ws.cell(r1, cols["责任人（部门填写）"]).value = "李老师"
    ws.cell(r1, cols["完成时限（部门填写）"]).value = TODAY + dt.timedelta(days=30)
    ws.cell(r2, cols["改进措施（部门填写）"]).value = "加强督导"  # no 责任人
    ws.cell(r2, cols["责任人（部门填写）"]).value = None
    ws.cell(r2, cols["完成时限（部门填写）"]).value = TODAY + dt.timedelta(days=30)
    ws.cell(r3, cols["责任人（部门填写）"]).value = "赵老师"
    ws.cell(r3, cols["完成时限（部门填写）"]).value = dt.date(2020, 1, 31)  # already past
    bad_dir = tmp_path / "returns"
    bad_dir.mkdir()
    bad = bad_dir / "C99_坏的反馈.xlsx"
    wb.save(bad)
    digest = hashlib.sha256(bad.read_bytes()).hexdigest()

    build = tmp_path / "build.duckdb"
    shutil.copy(serving, build)
    settings = load_settings({"ZHENGAI_HOME": str(tmp_path / "home"), "ZHENGAI_SOURCES": str(env / "sources"),
                              "ZHENGAI_RETURNS_DIR": str(bad_dir)})
    [unit] = [u for u in source_units() if u.system == "fankui"]
    with duckdb.connect(str(build)) as con:
        n_raw = con.execute("SELECT count(*) FROM raw.fankui__answer").fetchone()[0]
        outcome = ingest_unit(con, unit, settings, run_id="loop-bad", audit_db=tmp_path / "audit.duckdb")
        assert con.execute("SELECT count(*) FROM raw.fankui__answer").fetchone()[0] == n_raw == 2
    assert outcome.blocked
    report = outcome.report_zh()
    assert bad.name in report and IMPROVE_SHEET in report
    assert f"第 {r1} 行" in report and "专业|999999|2099-2100" in report and "事项编号" in report
    assert f"第 {r2} 行" in report and "责任人（部门填写）" in report
    assert f"第 {r3} 行" in report and "2020-01-31" in report and "完成时限（部门填写）" in report
    [moved] = outcome.quarantined
    assert not bad.exists() and hashlib.sha256(moved.read_bytes()).hexdigest() == digest
    assert f"{bad.name}.问题报告.txt" in {p.name for p in moved.parent.iterdir()}


def test_digest_reaches_smtp_and_webhook_once(returned, env, monkeypatch):
    from pipelines.notify.digest import notify
    from pipelines.notify.settings import load_notify_settings

    serving = returned["serving"]
    smtp, hook = SMTPServer(), HookServer()
    try:
        monkeypatch.setenv("ZHENGAI_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ZHENGAI_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("ZHENGAI_SMTP_SENDER", "zhengai@example.edu.cn")
        monkeypatch.setenv("ZHENGAI_WEBHOOK_URL", hook.url)
        monkeypatch.setenv("ZHENGAI_WEBHOOK_KIND", "dingtalk")
        expected = {d: (name, n_new, n_all) for d, name, n_new, n_all in _q(serving, """
            SELECT dept_code, any_value(dept_name), count(*) FILTER (WHERE kind = 'new'), count(*)
            FROM spiral.fct_digest_items GROUP BY dept_code""")}
        assert expected, "the XS college should have new warnings to tell"
        contacts = dict(_q(serving, "SELECT dept_code, email FROM ref.org_contacts"))

        _, digests = notify(env, settings=load_notify_settings())
        assert {d.dept_code for d in digests} == set(expected)
        assert all(d.sent_via == ["email", "dingtalk"] and not d.errors for d in digests)
        mails = {m["to"][0]: m["message"] for m in smtp.received}
        assert set(mails) == {contacts[d] for d in expected}
        dept = max(expected, key=lambda d: expected[d][1])
        name, n_new, _ = expected[dept]
        msg = mails[contacts[dept]]
        # RFC 2047 drops the blank between encoded words when a client decodes the subject: compare without blanks
        assert name in msg["Subject"] and f"新预警{n_new}项" in msg["Subject"].replace(" ", "")
        [(a_case,)] = _q(serving, "SELECT min(case_id) FROM spiral.fct_digest_items WHERE dept_code = ? AND kind = 'new'",
                         [dept])
        body = msg.get_content()
        assert f"新预警 {n_new} 项" in body and (a_case in body or n_new > 20)
        bodies = [h["json"] for h in hook.received]
        assert len(bodies) == len(expected)
        assert all(b["msgtype"] == "markdown" and b["markdown"]["title"].startswith("【诊改提醒】") for b in bodies)
        assert any(name in b["markdown"]["text"] for b in bodies)
        # a group chat never gets a student's 学号 (the e-mail to the department's own contact may)
        students = [s for (s,) in _q(serving, "SELECT entity_id FROM spiral.fct_digest_items WHERE level = '学生'")]
        assert not [s for s in students for b in bodies if s in b["markdown"]["text"]]

        # nothing changed since: no second message
        _, again = notify(env, settings=load_notify_settings())
        assert again == [] and len(smtp.received) == len(expected) and len(hook.received) == len(expected)
    finally:
        smtp.shutdown()
        hook.shutdown()
