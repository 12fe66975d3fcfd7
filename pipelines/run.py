"""Run the pipeline from the command line (`zhengai run`), and say how the warehouse stands (`zhengai status`).

`run` executes a Dagster job in this process against the persistent Dagster instance in
`$ZHENGAI_HOME/dagster`, so every run started here also appears in the Dagster UI. Progress is printed one
line per step, in Chinese; a failed quality gate prints its report.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.config import Settings, load_settings
from pipelines.ingest.notices import run_notices
from pipelines.publish import WarehouseLayout

DAGSTER_DIR = "dagster"


INSTANCE_MARK = "# written by zhengai"
OLD_INSTANCE_CONFIGS = ("telemetry:\n  enabled: false\n",)  # what earlier versions wrote


def instance_config(home: Path) -> str:
    """Dagster's SQLite storage in `home` with the event log that keeps its connections open
    (pipelines/dagster_storage.py); no telemetry from a college's network."""
    return (f"{INSTANCE_MARK}; a college's own dagster.yaml (without this line) is left as it is\n"
            "telemetry:\n  enabled: false\n"
            "event_log_storage:\n  module: pipelines.dagster_storage\n  class: PooledSqliteEventLogStorage\n"
            f"  config:\n    base_dir: {json.dumps(str(home.resolve() / 'history' / 'runs'))}\n")


def use_instance_home(settings: Settings) -> Path:
    home = settings.home / DAGSTER_DIR
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = instance_config(home)
    current = config.read_text(encoding="utf-8") if config.exists() else None
    if current != wanted and (current is None or current in OLD_INSTANCE_CONFIGS or current.startswith(INSTANCE_MARK)):
        config.write_text(wanted, encoding="utf-8")
    os.environ.setdefault("DAGSTER_HOME", str(home))
    return Path(os.environ["DAGSTER_HOME"])


def _step_labels() -> dict[str, str]:
    from pipelines.ingest.units import source_units

    labels = {f"ingest__{u.name}": f"采集 {u.label_zh}" for u in source_units()}
    labels["dbt_models"] = "dbt 计算（staging → marts → 指标 → 预警）"
    labels["serving__warehouse"] = "发布 serving.duckdb"
    labels["reports__annual"] = "生成年度报告"
    labels["notify__digests"] = "发送通知摘要"
    return labels


class _DbtBar:
    """A progress bar with counts for the dbt step (models and seeds built, tests run); plain lines when the
    output is not a terminal (a log file, a test)."""

    def __init__(self, out):
        from rich.console import Console

        self.console = Console(file=out, highlight=False)
        self.progress = None
        self.task = None
        self.models = self.tests = self.failed = self.warned = 0

    def set_total(self, total: int | None) -> None:
        if self.progress is not None and total:
            self.progress.update(self.task, total=total)

    def start(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        if not self.console.is_terminal:
            return
        self.progress = Progress(TextColumn("  dbt 模型"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("测试 {task.fields[tests]}"), TimeElapsedColumn(),
                                 console=self.console, transient=True)
        self.task = self.progress.add_task("dbt", total=None, tests=0)
        self.progress.start()

    def model(self) -> None:
        self.models += 1
        if self.progress is not None:
            self.progress.update(self.task, advance=1)

    def test(self, verdict: str) -> None:
        """One dbt test's verdict (TestTally): pass, warn (a rule of severity warn), fail, skipped."""
        self.tests += 1
        self.failed += verdict == "fail"
        self.warned += verdict == "warn"
        if self.progress is not None:
            self.progress.update(self.task, tests=self.tests)

    def stop(self) -> str:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        verdicts = []
        if self.failed:
            verdicts.append(f"{self.failed} 个未通过")
        if self.warned:  # a rule of severity warn (e.g. a 对账 reminder): reported, it does not stop publishing
            verdicts.append(f"{self.warned} 个警告")
        return f"  dbt：本次构建 {self.models} 个模型/种子表、运行 {self.tests} 个测试" + (
            f"（{'，'.join(verdicts)}）" if verdicts else "")


class _ProgressHandler(logging.Handler):
    def __init__(self, out, labels: dict[str, str]):
        super().__init__()
        self.out, self.labels, self.started = out, labels, {}
        self.dbt = _DbtBar(out)
        from pipelines.assets import dbt

        dbt.TEST_LISTENERS[:] = [self.dbt.test]  # dbt tests are counted in the step, not sent as Dagster events
        self.carried_over_key = dbt.CARRIED_OVER_KEY

    def _say(self, text: str) -> None:
        if self.dbt.progress is not None:
            self.dbt.progress.console.print(text, markup=False)
            return
        print(text, file=self.out, flush=True)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._emit(record)
        except Exception:  # noqa: BLE001 - a progress line must never break a run
            self.handleError(record)

    def _emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        label = self.labels.get(step, step)
        if event is None:
            msg = record.getMessage()
            if record.levelno >= logging.ERROR and step and "Not executing" not in msg:  # the gate's report
                self._say(f"    {record.getMessage().split(' - ', 4)[-1]}".replace("\n", "\n    "))
            elif step == DBT_STEP and DBT_NOTE in msg:  # what dbt builds this time, where its log is
                self._say("  " + msg[msg.index(DBT_NOTE):])
                self.dbt.set_total(_dbt_total())
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[step] = time.perf_counter()
            self._say(f"▶ {label} …")
            if step == DBT_STEP:
                self.dbt.start()
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and step == DBT_STEP:
            summary = self.dbt.stop()
            if self.dbt.models or self.dbt.tests:
                self._say(summary)
        if kind == "STEP_SUCCESS":
            self._say(f"✔ {label}（{time.perf_counter() - self.started.get(step, time.perf_counter()):.1f} 秒）")
        elif kind == "STEP_FAILURE":
            self._say(f"✘ {label} 失败")
        elif kind == "STEP_SKIPPED":
            self._say(f"– {label} 已跳过（上游未通过）")
        elif kind == "ASSET_MATERIALIZATION" and step == DBT_STEP:
            if self.carried_over_key not in event.event_specific_data.materialization.metadata:  # built now
                self.dbt.model()
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed and data.check_name == "gate":
                self._say(f"  ✘ 质量闸门未通过：{data.asset_key.to_user_string()}")
        elif kind == "STEP_UP_FOR_RETRY":
            self._say(f"↻ {label} 数据源暂时不可用，稍后重试")


DBT_STEP = "dbt_models"
DBT_NOTE = "dbt："  # the dbt step's own notes start so (pipelines/assets/dbt.py)


def _dbt_total() -> int | None:
    """Models and seeds the dbt step plans to build this run (set by the step before it starts dbt)."""
    from pipelines.assets import dbt

    return dbt.PLANNED[0]


def progress_logger_def():
    import dagster as dg

    @dg.logger(description="每步一行的中文进度（zhengai run 使用）")
    def progress(_init_context):
        log = logging.Logger("zhengai.progress", level=logging.DEBUG)
        log.addHandler(_ProgressHandler(PROGRESS_OUT[0] or sys.stdout, _step_labels()))
        return log

    return progress


PROGRESS_OUT: list = [None]  # where the progress logger prints (tests redirect it)


@dataclass
class RunSummary:
    run_id: str
    success: bool
    seconds: float
    published: str | None
    failures: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # which files/sheets were read, and what was left (提醒)


def run_pipeline(job_name: str = "daily_refresh", *, out=None) -> RunSummary:
    """Run one job in this process. Raises RunCollision at once when another run holds the warehouse."""
    import uuid

    import dagster as dg

    from pipelines.runlock import acquire, release

    settings = load_settings()
    use_instance_home(settings)
    run_id = str(uuid.uuid4())
    worker = None
    acquire(settings.home, run_id)  # before loading the definitions: a second run stops at once
    try:
        to_read = start_prefetch(settings)  # first: it reads while this process imports Dagster and the definitions
        from pipelines.definitions import defs

        job = defs.resolve_job_def(job_name)
        started = time.perf_counter()
        PROGRESS_OUT[0] = out
        selection = run_selection(job, settings, to_read)
        notes = selection_notes(job, selection)
        for note in notes:
            print(note, file=out or sys.stdout, flush=True)
        if NOTHING_CHANGED_ZH not in notes:  # dbt will run: it imports and parses on the other core meanwhile
            from pipelines.dbt_worker import start_for_run

            worker = start_for_run(settings.home, WarehouseLayout(settings.home).build_dir)
        with dg.DagsterInstance.get() as instance:
            result = job.execute_in_process(instance=instance, raise_on_error=False, run_id=run_id,
                                            run_config={"loggers": {"progress": {}}}, asset_selection=selection)
        status_note = None if result.success else _republish_status(settings, run_id)
    finally:
        from pipelines.ingest import prefetch

        prefetch.stop()
        if worker is not None:
            worker.stop()
        discard_build(settings, run_id)  # a run that did not publish leaves no build folder behind
        release(settings.home, run_id)
    failures = run_failures(result.all_events)
    published = None
    if result.success:
        serving = [v for v in WarehouseLayout(settings.home).versions() if v.is_serving]
        published = serving[0].name if serving else None
    notices = run_notices(settings.home / "gate_results.duckdb", result.run_id)
    return RunSummary(result.run_id, result.success, time.perf_counter() - started, published, failures,
                      notices + ([status_note] if status_note else []))


NOTHING_CHANGED_ZH = "数据源与 dbt 项目均未变化：本次运行不含 dbt 计算，模型沿用已发布的版本"
UNCHANGED_UNITS_ZH = "{n} 个数据源自上次加载以来未变化，本次不重新读取与检查"
SOME_MODELS_ZH = "dbt 只计算变化的数据源下游的 {n} 个模型/种子表，其余沿用已发布的版本"


def run_selection(job, settings: Settings, to_read: list | None = None) -> list | None:
    """The job's assets a run needs, judged on the served warehouse; None: the whole job.

    - the ingest steps of the units it reads (`units.units_to_read`: changed since their last load, or checked
      against a table of a unit read). An unchanged unit's step would only report its last batch again;
    - the dbt models those units' tables feed (`assets.dbt.models_to_build`; all of them when the dbt project or
      seeds changed), none when no unit is read: the others stay as the last published run built them;
    - everything else of the job (publishing, the digests).
    What is left out costs Dagster no events (≈ 8 a unit, 2 a model, one SQLite commit each): a run on unchanged
    sources stored 277 of them. In the UI an asset left out keeps the run that last loaded or built it. A source
    that changes after this look is the next run's. `to_read`: the units the run reads, when already known
    (`start_prefetch`)."""
    from pipelines.assets.dbt import DBT_ASSETS, models_to_build
    from pipelines.assets.ingest import RAW_KEYS, raw_key
    from pipelines.ingest.units import units_to_read

    serving = WarehouseLayout(settings.home).serving
    if not serving.exists():
        return None
    try:
        with duckdb.connect(str(serving), read_only=True) as con:
            units = to_read if to_read is not None else units_to_read(con, settings)
            dbt_keys = models_to_build(con, [t.raw_name for u in units for t in u.tables]) if DBT_ASSETS else set()
    except (duckdb.Error, OSError):  # cannot tell: run everything (the steps report what is wrong)
        return None
    left_out = set(RAW_KEYS) - {raw_key(t.system, t.table) for u in units for t in u.tables}
    left_out |= {k for a in DBT_ASSETS for k in a.keys} - dbt_keys
    keys = job.asset_layer.executable_asset_keys
    if not left_out & keys:
        return None
    return sorted((k for k in keys if k not in left_out), key=lambda k: k.to_user_string())


def selection_notes(job, selection: list | None) -> list[str]:
    """What a run leaves out (`run_selection`), in a line or two of Chinese."""
    from pipelines.assets.dbt import DBT_ASSETS
    from pipelines.assets.ingest import INGEST_ASSETS

    if selection is None:
        return []
    chosen, keys = set(selection), job.asset_layer.executable_asset_keys
    units = [a for a in INGEST_ASSETS if set(a.keys) & keys]
    notes = []
    unchanged = sum(1 for a in units if not set(a.keys) & chosen)
    if unchanged:
        notes.append(UNCHANGED_UNITS_ZH.format(n=unchanged))
    models = [k for a in DBT_ASSETS for k in a.keys if k in keys]
    built = sum(1 for k in models if k in chosen)
    if models and not built:
        notes.append(NOTHING_CHANGED_ZH)
    elif built < len(models):
        notes.append(SOME_MODELS_ZH.format(n=built))
    return notes


def start_prefetch(settings: Settings) -> list | None:
    """Read the tables of the units this run will read (judged on the served warehouse) in a process of its own,
    ahead of the ingest steps (pipelines/ingest/prefetch.py). One run at a time (the run lock): one spool folder.
    Returns those units (None: could not tell)."""
    from pipelines.ingest import prefetch
    from pipelines.ingest.units import units_to_read

    serving = WarehouseLayout(settings.home).serving
    try:
        if serving.exists():
            with duckdb.connect(str(serving), read_only=True) as con:
                units = units_to_read(con, settings)
        else:
            units = units_to_read(None, settings)
    except (duckdb.Error, OSError):  # cannot tell: the steps read everything themselves
        return None
    prefetch.start(settings.home / "prefetch", [t.key for u in units for t in u.tables],
                   settings.home / "logs" / "prefetch.log")
    return units


def _republish_status(settings: Settings, run_id: str) -> str | None:
    """A run that published no data still tells the dashboards which sources are held back (pipelines/freshness.py)."""
    from pipelines.freshness import republish_status

    try:
        version = republish_status(settings, run_id)
    except Exception as exc:  # noqa: BLE001 - the run's own failure is what the user must see first
        return f"未能更新看板上的数据新鲜度提示：{exc}"
    if version is None:
        return None
    return f"数据未更新；看板仍显示上次发布的数据，并已标出被拦截的数据源（状态版本 {version.name}）"


def discard_build(settings: Settings, run_id: str) -> None:
    import shutil

    shutil.rmtree(WarehouseLayout(settings.home).build_dir / run_id, ignore_errors=True)


# ------------------------------------------------------------------------------------------------ failures
def run_failures(events) -> list[str]:
    """One Chinese line per failed gate or step of a run's events (from a result or the instance's log)."""
    labels = _step_labels()
    failures = []
    for ev in events:
        kind = ev.event_type_value
        if kind == "ASSET_CHECK_EVALUATION":
            data = ev.event_specific_data
            if not data.passed:
                failures.append(f"质量闸门未通过：{data.asset_key.to_user_string()}")
        elif kind == "STEP_FAILURE":
            failures.append(failure_line(labels.get(ev.step_key, ev.step_key), ev.event_specific_data.error))
    return failures


def failure_line(label: str, error) -> str:
    """`步骤「采集 教务/…」失败：<cause>` — the cause is the innermost exception's own message, first line only
    (a dg.Failure's description, a SourceDataError's sentence, else the exception type and message)."""
    cause = error
    while cause is not None and getattr(cause, "cause", None) is not None and _is_wrapper(cause):
        cause = cause.cause
    text = _error_text(cause) if cause is not None else "未知原因"
    return f"步骤「{label}」失败：{text}"


def _is_wrapper(err) -> bool:
    """Dagster wraps a user exception in 'Error occurred while executing op …' / 'DagsterExecutionStepExecutionError'."""
    return (err.cls_name or "").startswith("Dagster") or "Error occurred while" in (err.message or "")


def _error_text(err) -> str:
    message = (err.message or "").strip()
    name = err.cls_name or ""
    if message.startswith(f"{name}:"):  # 'Failure: …', 'RunCollision: …'
        message = message[len(name) + 1:].strip()
    elif "." in message.split(":", 1)[0] and ":" in message:  # 'sqlite3.OperationalError: …'
        message = message.split(":", 1)[1].strip()
    first = next((line for line in message.splitlines() if line.strip()), "")
    if any("\u4e00" <= ch <= "\u9fff" for ch in first):
        return first
    return f"程序错误（{name}：{first}），请把这一行和 Dagster 运行日志交给平台管理员"


# -------------------------------------------------------------------------------------------------- status
def _ro(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def status_text(settings: Settings | None = None) -> str:
    """Last publish, freshness of every source, the last run's failing checks in plain Chinese."""
    from pipelines.freshness import data_published_at

    settings = settings or load_settings()
    layout = WarehouseLayout(settings.home)
    lines = []
    versions = layout.versions()
    serving = next((v for v in versions if v.is_serving), None)
    if serving is None:
        lines.append("尚未发布过仓库（先运行 zhengai run）。")
    else:
        lines.append(f"当前对外服务的版本：{serving.name}（发布于 {serving.published_at:%Y-%m-%d %H:%M:%S}）")
        data_utc = data_published_at(serving)
        data_at = _data_published_local(serving, data_utc)
        if data_at is not None:
            lines.append(f"  其中的数据发布于 {data_at:%Y-%m-%d %H:%M:%S}（之后的运行未发布数据，只更新了数据新鲜度提示）")
        lines.append(f"可回滚的版本：{'、'.join(v.name for v in versions if not v.is_serving) or '无'}")
        lines += freshness_lines(settings, serving, data_utc)
    last_run = last_run_lines(settings)
    lines += last_run
    audit = settings.home / "gate_results.duckdb"
    if audit.exists() and not audit_readable(audit):
        lines += ["", AUDIT_BUSY_ZH]
    elif audit.exists():
        with _ro(audit) as con:
            last = con.execute("SELECT run_id, max(validated_at) FROM audit.validation_runs GROUP BY run_id "
                               "ORDER BY 2 DESC LIMIT 1").fetchone()
            if last:
                bad = con.execute(
                    "SELECT source_system, source_table, report_zh FROM audit.validation_runs "
                    "WHERE run_id = ? AND blocking_failed ORDER BY source_system, source_table", [last[0]]).fetchall()
                gaps = con.execute(
                    "SELECT count(*) FROM audit.expectation_results WHERE run_id = ? AND severity = 'warning' "
                    "AND success = FALSE", [last[0]]).fetchone()[0]
                lines.append("")
                run_failed = any("：失败，未发布" in line for line in last_run)
                verdict = (f"{len(bad)} 张表未通过，本次未发布" if bad else
                           "质量闸门的阻断项通过，但运行在其他步骤失败（见上），本次未发布" if run_failed else
                           "全部阻断项通过")
                lines.append(f"最近一次检查（运行 {last[0]}，{last[1]:%Y-%m-%d %H:%M}）：{verdict}；"
                             f"提醒类数据缺口 {gaps} 项")
                for note in run_notices(audit, last[0]):
                    lines.append(f"  提醒：{note}")
                for _s, _t, report in bad:
                    lines.append("  " + (report or "").replace("\n", "\n  "))
    quarantine = settings.quarantine_dir
    if quarantine.exists():
        folders = sorted(p for p in quarantine.iterdir() if p.is_dir())
        if folders:
            lines.append("")
            lines.append(f"隔离区：{quarantine}（最近：{folders[-1].name}，共 {len(folders)} 次）")
    return "\n".join(lines)


AUDIT_BUSY_ZH = "质量检查结果正由进行中的运行写入：被拦截的数据源与最近一次检查的结果在运行结束后可见（再运行 zhengai status）"


def audit_readable(audit: Path) -> bool:
    """False while a run holds the gate's audit file open for writing (its ingest steps keep it open)."""
    try:
        _ro(audit).close()
    except (duckdb.IOException, duckdb.ConnectionException):  # another process's lock; this process's own connection
        return False
    return True


def freshness_lines(settings: Settings, serving, published_utc) -> list[str]:
    """Per source table: when its served data was read (its data published at `published_utc`), and whether newer
    data is held back (since when)."""
    from pipelines.freshness import BLOCKED, CURRENT, source_freshness, stale_summary
    from pipelines.ingest.errors import SYSTEM_ZH

    audit = settings.home / "gate_results.duckdb"
    with _ro(serving.path) as con:  # without the gate's results while a run writes them (AUDIT_BUSY_ZH)
        rows = source_freshness(con, audit if audit_readable(audit) else None, published_utc)
    lines = ["", "各数据源当前发布的数据（新鲜度）："]
    summary = stale_summary(rows)
    if summary:
        lines.append(f"  注意：{summary}")
    for r in rows:
        name = f"{SYSTEM_ZH.get(r['source_system'], r['source_system'])}·{r['source_table']}"
        if r["data_as_of"] is None:
            lines.append(f"  {name:<28} 从未加载")
            continue
        state = "" if r["status_zh"] == CURRENT else f"  【{r['status_zh']}"
        if r["status_zh"] == BLOCKED:
            state += f"，自 {r['blocked_since']:%Y-%m-%d %H:%M} 起：{r['blocked_reason'] or ''}"
        lines.append(f"  {name:<28} {r['data_as_of']:%Y-%m-%d %H:%M}（{_age(r['data_as_of'])}）"
                     f" {r['row_count'] or 0:>9,} 行  {r['source_file'] or ''}{state + '】' if state else ''}")
    return lines


def last_run_lines(settings: Settings) -> list[str]:
    """The newest Dagster run (CLI, schedule or sensor) with its outcome and, when it failed, each cause in one
    Chinese line — a failed run is never summarised by its gate results alone."""
    from pipelines.runlock import held_by_other

    lines = []
    lock = held_by_other(settings.home)
    if lock is not None:
        lines += ["", f"{lock.message}。"]
    dagster_home = settings.home / DAGSTER_DIR
    if not (dagster_home / "dagster.yaml").exists():
        return lines
    try:
        import dagster as dg

        os.environ.setdefault("DAGSTER_HOME", str(dagster_home))
        with dg.DagsterInstance.get() as instance:
            runs = instance.get_runs(limit=1)
            if not runs:
                return lines
            run = runs[0]
            record = instance.get_run_record_by_id(run.run_id)
            when = record.create_timestamp.astimezone().strftime("%Y-%m-%d %H:%M") if record else ""
            status = run.status.value
            if status == "SUCCESS":
                lines += ["", f"最近一次运行（{run.run_id}，{when}，作业 {run.job_name}）：成功"]
            elif run.is_finished:
                causes = run_failures(e.dagster_event for e in instance.all_logs(run.run_id) if e.dagster_event)
                lines += ["", f"最近一次运行（{run.run_id}，{when}，作业 {run.job_name}）：失败，未发布"]
                lines += [f"  - {c}" for c in causes] or ["  - 原因未记录（见 Dagster 界面中的运行日志）"]
            else:
                lines += ["", f"最近一次运行（{run.run_id}，{when}，作业 {run.job_name}）：进行中（{status}）"]
    except Exception as exc:  # noqa: BLE001 - status must always print what it can
        lines += ["", f"（无法读取运行记录：{exc}）"]
    return lines


def _age(ts) -> str:
    from datetime import UTC, datetime

    hours = (datetime.now(UTC).replace(tzinfo=None) - ts).total_seconds() / 3600
    return f"{hours:.0f} 小时前" if hours < 48 else f"{hours / 24:.0f} 天前"


def _data_published_local(serving, data_utc):
    """The data's publish time (local) when it is earlier than the version's (a status-only republish), else None."""
    from datetime import UTC

    data_at = data_utc.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)
    return data_at if (serving.published_at - data_at).total_seconds() > 60 else None
