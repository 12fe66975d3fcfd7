"""The dbt project as Dagster assets (dagster-dbt): staging → marts → indicators → warnings.

dbt writes into the same per-run build file as ingestion, through a hard link with a fixed name
(`build/dbt/serving.duckdb`, read by `dbt_project/profiles.yml` from `ZHENGAI_WORK_DB`): the profile, the catalog
name in the compiled SQL and the dbt target folder (`$ZHENGAI_HOME/dbt/target`) stay the same from run to run,
so dbt parses the project partially, and views built in an earlier run still resolve in the next build file.

Work proportional to the change: `raw._dbt_builds` remembers, per published build, the last raw batch it saw
and a hash of the dbt project and seeds. The next run builds
- nothing, when no batch was loaded since and the project is unchanged (the models in the build file — a copy
  of the serving warehouse — are already current);
- the descendants of the changed source tables (`dbt build --select source:raw.<table>+ …`), when some source
  tables got a new batch: every other model is in the build file as the last published run left it, from the
  same inputs, and is reported as carried over;
- everything, when the project or the seeds changed, or no build was recorded.
dbt tests run in the same `dbt build` and stop it (and publishing) when one of severity error fails; they
are counted, not recorded as Dagster asset checks (a run wrote ~900 events, one SQLite commit each, for them).
Sources `raw.<system>__<table>` map to the ingestion assets' keys, so the UI
shows one lineage from each source table to each warning. The full dbt log goes to
`$ZHENGAI_HOME/logs/dbt-<run>.log` (`zhengai run` shows a progress bar instead).
"""


import contextlib
import hashlib
import os
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtCliRuntimeError,
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging import version

from pipelines.config import REPO_ROOT, dbt_file_log_level, dbt_threads, duckdb_memory_limit
from pipelines.dbt_worker import (
    DBT_DIR,
    HAS_DBT,
    PARSE_STATE,
    SHARED_PARSE,
    WORK_DB_ENV,
    WORK_DB_NAME,
    client_path,
    dbt_target,
    real_dbt,
    work_db_link,
)
from pipelines.resources import WarehouseResource, close_build_connection, size_bytes

SEEDS_DIR = REPO_ROOT / "seeds"
PROJECT = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR) if HAS_DBT else None
BUILDS = "raw._dbt_builds"


def _project_files() -> list[Path]:
    files = [p for p in DBT_DIR.rglob("*") if p.suffix in {".sql", ".yml", ".csv"}
             and not {"target", "dbt_packages", "logs"} & set(p.relative_to(DBT_DIR).parts)]
    return sorted(files) + sorted(SEEDS_DIR.glob("*.csv"))


def ensure_manifest() -> Path:
    """`dbt parse` when the manifest is missing or older than the project files (a fresh checkout).

    Several processes import the definitions at once (the test workers, the Dagster UI beside a run): one parses
    under a lock, in a folder of its own, and moves the finished manifest into place, so no reader ever sees
    half a file (CI once read a manifest another worker was still writing)."""
    import fcntl

    manifest = PROJECT.manifest_path
    if not _stale(manifest):
        return manifest
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with (manifest.parent / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _stale(manifest):  # not already parsed by the process that held the lock before us
            from dbt.cli.main import dbtRunner

            # the work file's name as the pipeline's dbt reads it (pipelines/dbt_worker.relative_work_db): the
            # parse state left in SHARED_PARSE then serves a new home's first run (seed_parse_state)
            from pipelines.dbt_build import env_set

            with env_set(WORK_DB_ENV, WORK_DB_NAME):
                res = dbtRunner().invoke(["parse", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
                                          "--target-path", str(SHARED_PARSE), "--quiet"])
            if not res.success:
                raise RuntimeError(f"dbt parse failed: {res.exception}")
            os.replace(SHARED_PARSE / "manifest.json", manifest)
    return manifest


def _stale(manifest: Path) -> bool:
    newest = max((p.stat().st_mtime for p in _project_files()), default=0)
    return (not manifest.exists() or manifest.stat().st_mtime < newest
            or not (SHARED_PARSE / PARSE_STATE).exists())


def project_hash() -> str:
    """What the dbt build depends on besides the raw data: models, macros, tests, project files, seeds."""
    h = hashlib.sha256()
    for p in _project_files():
        h.update(str(p.relative_to(REPO_ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def plan_build(con: duckdb.DuckDBPyConnection, current_hash: str) -> tuple[list[str] | None, int, int]:
    """(dbt selection — None = everything, [] = nothing —, the last raw batch seq, dbt threads) for the build file
    `con` is connected to."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {BUILDS} (built_at TIMESTAMP, batch_seq BIGINT, "
                "project_hash VARCHAR, selection VARCHAR)")
    largest = con.execute("SELECT coalesce(max(estimated_size), 0) FROM duckdb_tables() "
                          "WHERE schema_name = 'raw'").fetchone()[0]
    limit = size_bytes(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
    return (*_plan(con, current_hash), dbt_threads(largest, limit))


def _plan(con: duckdb.DuckDBPyConnection, current_hash: str) -> tuple[list[str] | None, int]:
    seq = con.execute("SELECT coalesce(max(seq), 0) FROM raw._batches").fetchone()[0]
    last = con.execute(f"SELECT batch_seq, project_hash FROM {BUILDS} ORDER BY built_at DESC, batch_seq DESC "
                       "LIMIT 1").fetchone()
    if last is None or last[1] != current_hash:
        return None, seq
    changed = con.execute("SELECT DISTINCT raw_table FROM raw._batches WHERE status = 'loaded' AND seq > ? "
                          "ORDER BY 1", [last[0]]).fetchall()
    if not changed:
        return [], seq
    return [f"source:raw.{t.removeprefix('raw.')}+" for (t,) in changed], seq


def models_are_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the warehouse's last recorded dbt build saw its latest raw batch, with the dbt project and seeds as
    they are now: dbt has nothing to build (and the models may be published with the raw data beside them)."""
    return not HAS_DBT or _current_plan(con) == []


def _current_plan(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """`_plan`'s selection for the dbt project and seeds as they are now; None (everything) when no build is recorded
    or there is no raw layer."""
    try:
        return _plan(con, project_hash())[0]
    except duckdb.CatalogException:
        return None


def record_build(con: duckdb.DuckDBPyConnection, seq: int, current_hash: str, selection: list[str] | None) -> None:
    """What the dbt build of this build file covers: the raw batches up to `seq`, this project, `selection`."""
    con.execute(f"INSERT INTO {BUILDS} VALUES (now()::TIMESTAMP, ?, ?, ?)",
                [seq, current_hash, "全部" if selection is None else " ".join(selection)])


def build_args(threads: int) -> list[str]:
    """`dbt build` as the dbt step runs it (a selection may follow). `--cache-selected-only`: dbt lists the relations
    of the schemas it builds in, not of every schema, before it starts."""
    return ["build", "--threads", str(threads), "--log-level-file", dbt_file_log_level(), "--cache-selected-only"]


def link_work_db(build: Path) -> Path:
    """`build/dbt/serving.duckdb`: a hard link to this run's build file `build/<run>/serving.duckdb` (same inode, so
    dbt writes the build)."""
    link = work_db_link(build.parent.parent)
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.exists() and not link.samefile(build):
        link.unlink()
    if not link.exists():
        os.link(build, link)
    return link


class Translator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "rules"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


# dbt tests are not Dagster asset checks (see _as_outputs); the gate's checks on the raw tables are
TRANSLATOR = Translator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=False))


class ZhengaiDbt(DbtCliResource):
    """dagster-dbt's resource without its `dbt --version` subprocess (dbt-core runs from this environment) and
    without the dbt adapter it builds in this process before each command: that adapter (profile, project and
    all 537 macros loaded: ≈ 1.5–2 s a dbt step) serves only `fetch_row_counts` / `fetch_column_metadata`, which
    this project does not call; dbt's own process builds its own."""

    @property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args):
        return None


def build_dbt_assets() -> list[dg.AssetsDefinition]:
    if not HAS_DBT:
        return []

    @dbt_assets(manifest=ensure_manifest(), project=PROJECT, dagster_dbt_translator=TRANSLATOR,
                pool="warehouse_writer")
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        build = warehouse.build_file(context.run.run_id)
        current = project_hash()
        # planned and recorded on the ingest steps' connection (opening the file again reads its catalog, closing it
        # checkpoints), which then closes: dbt's own process opens the build file
        con = warehouse.build_connection(context.run.run_id)
        selection, seq, threads = plan_build(con, current)
        selected = set(context.selected_asset_keys)
        planned = planned_nodes(selection) if selection != [] else set()
        # `zhengai run` selects what changed sources feed (pipelines/run.py run_selection): it holds what dbt must
        # build. Short of that, models picked by hand in the Dagster UI: dagster-dbt builds exactly those, and the
        # build is not recorded (the next run still builds all this plan wanted)
        needed = (set(context.assets_def.keys) if selection is None
                  else {_asset_key(u) for u in planned if not u.startswith("test.")})
        by_hand = not needed <= selected
        if by_hand:
            selection = None
        elif selection != []:  # before dbt runs: a build that fails is never published (its build file is discarded)
            record_build(con, seq, current, selection)
        close_build_connection()
        if selection == []:
            PLANNED[0] = 0
            context.log.info("dbt：数据源与 dbt 项目均未变化，模型沿用上次发布的结果，本次不运行 dbt")
            yield from _carried_over_models(context, set())
            return
        work_db = link_work_db(build)
        os.environ[WORK_DB_ENV] = str(work_db)
        home = warehouse.settings().home
        log = home / "logs" / f"dbt-{context.run.run_id}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        PLANNED[0] = len(selected) if by_hand else sum(1 for u in planned if not u.startswith("test."))
        what = ("所选模型" if by_hand else "全部模型" if selection is None
                else f"变化的数据源下游（{' '.join(selection)}）")
        context.log.info(f"dbt：本次构建{what}，共 {PLANNED[0]} 个模型/种子表；完整日志：{log}")
        target = dbt_target(home)
        tests = TestTally()
        try:
            with log.open("a", encoding="utf-8") as fh, contextlib.redirect_stdout(fh):  # dagster-dbt echoes its log
                if selection is None:
                    invocation = dbt.cli(build_args(threads), context=context, target_path=target)
                else:  # without the context: given it, dagster-dbt appends a `--select` of every selected asset
                    # after ours (dbt keeps the last one), which would rebuild everything
                    invocation = dbt.cli([*build_args(threads), "--select", *selection],
                                         manifest=_manifest(),
                                         dagster_dbt_translator=TRANSLATOR, target_path=target)
                    # what no changed source feeds, first (it is upstream of what dbt rebuilds): reported while
                    # dbt, already started, connects and builds its first models
                    yield from _carried_over_models(context, {_asset_key(u) for u in planned})
                yield from _as_outputs(context, invocation.stream(), tests)
        except DagsterDbtCliRuntimeError as exc:  # say which models failed and why, in the step's first line
            raise dg.Failure(description=failed_nodes_zh(target / "run_results.json", threads) or str(exc)) from exc
        finally:  # no stray link, whether dbt succeeded or not
            work_db.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                work_db.parent.rmdir()
            if tests.failed():  # printed by `zhengai run` (an error line of the step)
                context.log.error(tests.summary_zh())
            else:
                context.log.info(tests.summary_zh())

    return [dbt_models]


class TestTally:
    """The dbt tests of one build, counted as dbt reports them (pass / warn / fail / error / skipped)."""

    def __init__(self):
        self.status: dict[str, str] = {}

    FAILED = ("fail", "error")  # dbt's statuses of a test that did not pass (a warn-severity rule says "warn")

    def add(self, unique_id: str, status: str) -> None:
        if unique_id not in self.status:
            self.status[unique_id] = status
            for listen in TEST_LISTENERS:
                listen("fail" if status in self.FAILED else status)

    def failed(self) -> list[str]:
        """The tests dbt reported as failed or in error, by name (`not_null_stg_x_col`)."""
        return sorted(u.split(".")[2] for u, v in self.status.items() if v in self.FAILED)

    def summary_zh(self) -> str:
        counts = {s: sum(1 for v in self.status.values() if v == s) for s in set(self.status.values())}
        failed = self.failed()
        text = (f"dbt 测试：运行 {len(self.status)} 个，通过 {counts.get('pass', 0)} 个，警告 {counts.get('warn', 0)} 个，"
                f"未通过 {len(failed)} 个")
        return text + (f"：{'、'.join(failed)}（详见 dbt 日志）" if failed else "")


def failed_nodes_zh(run_results: Path, threads: int = 1) -> str:
    """The models and seeds dbt could not build in its last invocation, with dbt's reason, in one line (the first
    line is what `zhengai run` prints); a memory error names the setting that raises the limit."""
    import json

    try:
        results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return ""
    failed = [(r["unique_id"].split(".")[-1], _reason(r.get("message") or ""))
              for r in results if r.get("status") == "error" and not r["unique_id"].startswith("test.")]
    if not failed:
        return ""
    text = f"dbt 有 {len(failed)} 个模型/种子表未能构建：" + "；".join(f"{name}（{why[:160]}）" for name, why in failed[:5])
    if any("Out of Memory" in why for _, why in failed):
        text += f"。DuckDB 内存不足：可调大 ZHENGAI_DUCKDB_MEMORY（当前 {duckdb_memory_limit()}）"
        if threads > 1:  # threads share the one memory limit
            text += f"，或设 ZHENGAI_DBT_THREADS=1（本次 {threads}）"
    return text


def _reason(message: str) -> str:
    """dbt's error without its first line when that only repeats the node ("Runtime Error in model x (path)")."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    if len(lines) > 1 and lines[0].endswith(")") and " in " in lines[0]:
        lines = lines[1:]
    return " ".join(" ".join(lines).split())


def _as_outputs(context: dg.AssetExecutionContext, events, tests: TestTally):
    """dagster-dbt's events as this multi-asset's outputs. A dbt test is not a Dagster asset check (Dagster writes
    each check's plan and result as events, one SQLite commit each: ~900 a run for 300 tests); its verdict is
    counted, and a failing test of severity error still fails dbt and this step, so nothing is published."""
    for event in events:
        # a test: observations (one per tested node) under the context, a check evaluation without it
        if isinstance(event, dg.AssetObservation | dg.AssetCheckEvaluation):
            uid, status = (_meta_text(event.metadata, k) for k in ("unique_id", "status"))
            if uid.startswith("test."):
                tests.add(uid, status)
                continue
            yield event
        elif isinstance(event, dg.AssetMaterialization):  # the build without the context (a subset)
            yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_key(event.asset_key),
                            metadata=event.metadata)
        else:
            yield event


def _meta_text(metadata: dict, key: str) -> str:
    """A metadata entry as text (dagster wraps values in MetadataValue)."""
    v = metadata.get(key)
    return str(getattr(v, "value", v) or "")


TEST_LISTENERS: list = []  # called per dbt test with pass / warn / fail / skipped (the progress bar of `zhengai run`)
_NOTE = "沿用上次发布的结果（输入未变化，本次未重建）"
CARRIED_OVER_KEY = "本次运行"  # `zhengai run` counts a dbt output with this metadata as carried over, not built


def _carried_over_models(context: dg.AssetExecutionContext, rebuilt: set[dg.AssetKey]):
    """The models this run does not rebuild are in the build file as the last published run left them (their
    inputs did not change). Those the publish step waits for (`PUBLISHED_MODELS`) are reported as carried over —
    never as freshly built — so publishing goes on; the others are not reported (in the UI their last
    materialization stays the run that built them)."""
    from graphlib import TopologicalSorter

    from pipelines.publish import published_model_keys

    deps = context.assets_def.asset_deps
    keys = (set(context.selected_asset_keys) - rebuilt) & set(published_model_keys([context.assets_def]))
    order = TopologicalSorter({k: {d for d in deps.get(k, ()) if d in keys} for k in keys}).static_order()
    for key in order:  # Dagster wants a multi-asset's outputs in dependency order
        yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_key(key),
                        metadata={CARRIED_OVER_KEY: _NOTE})


def _asset_key(unique_id: str) -> dg.AssetKey:
    return TRANSLATOR.get_asset_key(_manifest()["nodes"][unique_id])


_MANIFEST: list[dict] = []


def _manifest() -> dict:
    import json

    if not _MANIFEST:
        _MANIFEST.append(json.loads(PROJECT.manifest_path.read_text(encoding="utf-8")))
    return _MANIFEST[0]


PLANNED: list[int | None] = [None]  # models + seeds the running dbt step builds (for the progress bar)


def planned_nodes(selection: list[str] | None) -> set[str]:
    """Unique ids of the models, seeds and tests `dbt build --select <selection>` runs (None = all)."""
    manifest = _manifest()
    nodes = manifest["nodes"]
    if selection is None:
        return {u for u, n in nodes.items() if n["resource_type"] in ("model", "seed", "test")}
    todo = [f"source.zhengai.raw.{s.removeprefix('source:raw.').removesuffix('+')}" for s in selection]
    seen: set[str] = set()
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return {u for u in seen if nodes.get(u, {}).get("resource_type") in ("model", "seed", "test")}


def models_to_build(con: duckdb.DuckDBPyConnection, raw_tables: list[str]) -> set[dg.AssetKey]:
    """The models and seeds a run must build when it loads new batches of `raw_tables` (`system__table`) into the
    warehouse `con` holds (the served one): their descendants and whatever that warehouse's last build left unbuilt;
    all of them when the dbt project or seeds changed since, or no build is recorded."""
    plan = _current_plan(con)
    if plan is None:
        return {k for a in DBT_ASSETS for k in a.keys}
    selection = sorted({*plan, *(f"source:raw.{t}+" for t in raw_tables)})
    return {_asset_key(u) for u in planned_nodes(selection) if not u.startswith("test.")} if selection else set()


DBT_ASSETS = build_dbt_assets()
# the dbt installed in this environment through `zhengai-dbt`: a dbt process `zhengai run` started early when there
# is one (pipelines/dbt_worker.py), else dbt
DBT_EXECUTABLE = str(client_path()) if client_path().exists() else real_dbt()


RESOURCES = ({"dbt": ZhengaiDbt(project_dir=PROJECT, profiles_dir=str(DBT_DIR), dbt_executable=DBT_EXECUTABLE)}
             if HAS_DBT else {})
