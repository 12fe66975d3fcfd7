"""Jobs, schedules and the drop-folder sensor — the 诊改 spirals' cycles.

| job | when | why |
|---|---|---|
| `daily_refresh` | every day 06:00 | 监测: sources refreshed, warnings up to date each morning |
| `semester_job` | 1 Mar and 1 Sep, 06:30 | 课程/学生 levels close a semester (scores, attendance, 学业预警) |
| `annual_job` | 15 Sep, 07:00 | 学校/专业/教师 levels close a 学年; the annual report is written after it |
| `drop_folder_sensor` | a new or changed export in a drop folder | collect at the source, not at the deadline |
| `status_after_failed_run` | a run of these jobs failed (on by default) | dashboards show the held-back sources |

Every job rebuilds the whole warehouse into a fresh build file and publishes it atomically: reloading
an unchanged source is a no-op in raw, dbt rebuilds the marts in well under the daily window, and one
code path means one thing to trust. The jobs differ in when they run and what follows them.
"""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from pipelines.config import load_settings

ALL = dg.AssetSelection.all()
PIPELINE = ALL - dg.AssetSelection.groups("reports")  # the reports are written by the annual job only

daily_refresh = dg.define_asset_job("daily_refresh", selection=PIPELINE, description="每日监测刷新：采集、检查、计算、发布")
semester_job = dg.define_asset_job("semester_job", selection=PIPELINE, description="学期诊改：课程与学生层面（学期末）")
annual_job = dg.define_asset_job("annual_job", selection=ALL, description="学年诊改：学校、专业、教师层面与年度报告")

def _schedule(job, cron: str, description: str) -> dg.ScheduleDefinition:
    """A schedule of `job` that, like `zhengai run`, leaves out of the run the units with unchanged sources and the
    dbt models no changed source feeds (`pipelines.run.run_selection`)."""

    @dg.schedule(name=f"{job.name}_schedule", job=job, cron_schedule=cron, execution_timezone="Asia/Shanghai",
                 description=description)
    def _tick(context: dg.ScheduleEvaluationContext):
        from pipelines.definitions import defs
        from pipelines.run import run_selection, selection_notes

        job_def = defs.resolve_job_def(job.name)
        selection = run_selection(job_def, load_settings())
        if selection is None:
            return dg.RunRequest()
        return dg.RunRequest(asset_selection=selection,
                             tags={"zhengai/selection": "；".join(selection_notes(job_def, selection))})

    return _tick


SCHEDULES = [
    _schedule(daily_refresh, "0 6 * * *", "每天 06:00"),
    _schedule(semester_job, "30 6 1 3,9 *", "每年 3 月 1 日与 9 月 1 日 06:30（学期结束后）"),
    _schedule(annual_job, "0 7 15 9 *", "每年 9 月 15 日 07:00（学年结束后）"),
]


def drop_folder_state() -> dict[str, list[int]]:
    """{file: [size, mtime_ns]} of every export in the drop folders (the 教务 database is polled by schedule)."""
    settings = load_settings()
    state = {}
    for folder in settings.drop_dirs.values():
        if folder.exists():
            for p in sorted(folder.iterdir()):
                if p.is_file() and p.suffix.lower() in {".csv", ".xlsx"} and not p.name.startswith("~$"):
                    st = p.stat()
                    state[str(p)] = [st.st_size, st.st_mtime_ns]
    return state


@dg.sensor(job=daily_refresh, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="导出目录中出现新的或更新的文件时启动采集")
def drop_folder_sensor(context: dg.SensorEvaluationContext):
    from pipelines.runlock import held_by_other

    running = held_by_other(load_settings().home)
    if running is not None:  # cursor unchanged: the files are looked at again once that run has ended
        return dg.SkipReason(f"{running.message}，结束后再检查导出目录")
    state = drop_folder_state()
    cursor = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(p for p, v in state.items() if cursor.get(p) != v)
    context.update_cursor(json.dumps(state))
    if not changed or not cursor and not state:
        return dg.SkipReason("导出目录没有新文件")
    key = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=key, tags={"trigger": "drop_folder", "changed": ";".join(changed)[:900]})


@dg.run_failure_sensor(monitored_jobs=[daily_refresh, semester_job, annual_job],
                       default_status=dg.DefaultSensorStatus.RUNNING,
                       description="运行失败（数据源被拦截或步骤出错）后，看板的「数据新鲜度提示」标出被拦截的数据源")
def status_after_failed_run(context: dg.RunFailureSensorContext):
    """A scheduled or sensor-started run that published nothing: the same as `zhengai run` does after it
    (pipelines/freshness.py `republish_status`). A CLI run has done it already; the status is then unchanged."""
    from pipelines.freshness import republish_status
    from pipelines.runlock import RunCollision, acquire, release

    settings = load_settings()
    lock_id = f"{context.dagster_run.run_id}-status"
    try:
        acquire(settings.home, lock_id)
    except RunCollision as exc:  # a new run is writing: it publishes the status itself when it ends
        return dg.SkipReason(str(exc))
    try:
        version = republish_status(settings, context.dagster_run.run_id)
    finally:
        release(settings.home, lock_id)
    return dg.SkipReason("数据源状态未变化" if version is None else f"已发布状态版本 {version.name}")
