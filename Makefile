# 诊改数据平台 — the two newcomer commands are `make demo` and `make test` (see README).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON      ?= python3
# uv from PATH if present, else the copy pip installs into $(PYTHON) (run as a module)
UV          ?= $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV        := .venv
SUPERSET_VENV := .venv-superset
DEMO_SIZE   ?= S
DEMO_SEED   ?= 2025
DEMO_SOURCES := warehouse/sources

.PHONY: help setup uv pipeline-env superset-env system-packages demo simulate dagster-ui superset stop test test-fast lint clean docs generate

help:
	@echo "make demo  — 安装全部环境并在内置示例学院上运行主流程 / install everything and run the demo college"
	@echo "make test  — 运行全部测试 / run all tests"
	@echo "make test-fast — 开发时运行快速测试（不含 slow） / the quick tests while developing"
	@echo "make generate — 重新生成期望套件、staging 模型、看板 YAML / regenerate generated files"
	@echo "make lint  — ruff 代码检查 / lint"
	@echo "make stop  — 停止 make demo 启动的服务 / stop the servers make demo started"
	@echo "make docs  — 生成数据字典（dbt docs）/ the analysts' data dictionary"
	@echo "make clean — 删除运行时数据（warehouse/ 下的文件） / remove run-time data"

# --- environments (idempotent: a second run only verifies) ---------------------------------------
uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==0.13.9"
	@$(UV) --version >/dev/null 2>&1 || { echo "无法安装 uv / could not install uv with $(PYTHON) -m pip"; exit 1; }

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (as on this machine kind) Python never caches the
# bytecode it compiles, and every process — each run, dbt, each test subprocess — recompiled GX, scipy,
# Dagster and dbt from source: ≈ 20 CPU-s per process. Compiled once here (≈ 30 s; a no-op later).
pipeline-env: uv
	$(UV) sync --frozen --python 3.11 --compile-bytecode
	@# and the platform's own modules (≈ 0.1 s a process; a file edited later is compiled in memory again)
	$(VENV)/bin/python -m compileall -q pipelines >/dev/null

superset-env: uv
	@[ -x $(SUPERSET_VENV)/bin/python ] || $(UV) venv --quiet --python 3.11 $(SUPERSET_VENV)
	VIRTUAL_ENV=$(SUPERSET_VENV) $(UV) pip install --quiet \
	    -r superset_exports/requirements.txt -c superset_exports/constraints.txt
	@# bytecode compiled once (see pipeline-env); files already compiled are skipped
	$(SUPERSET_VENV)/bin/python -m compileall -q -j 2 $(SUPERSET_VENV)/lib >/dev/null || true

# Debian packages for the browser checks of the dashboards and the report rendering (tests skip without them)
SYSTEM_PACKAGES := chromium chromium-driver fonts-noto-cjk libreoffice-calc-nogui poppler-utils
system-packages:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v soffice >/dev/null \
	    && command -v pdftoppm >/dev/null && fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "安装系统软件包 / installing $(SYSTEM_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	        $(SYSTEM_PACKAGES) >/dev/null; \
	else \
	    echo "提示：缺少 $(SYSTEM_PACKAGES) 中的部分软件包（需 root 用 apt-get 安装），看板截图与报告渲染的测试将跳过"; \
	fi

setup: pipeline-env superset-env system-packages

# --- the demo college ---------------------------------------------------------------------------
simulate: pipeline-env
	$(VENV)/bin/zhengai simulate --size $(DEMO_SIZE) --seed $(DEMO_SEED) --out $(DEMO_SOURCES)

DAGSTER_PORT ?= 3000
DAGSTER_HOME_DIR := warehouse/dagster

demo: setup simulate
	$(VENV)/bin/zhengai run
	$(VENV)/bin/zhengai report annual --out warehouse/reports/
	@$(MAKE) --no-print-directory dagster-ui
	@$(MAKE) --no-print-directory superset

SUPERSET_PORT ?= 8088
# Superset: provisioned with the demo users, then started in the background; `make stop` ends it
superset:
	$(VENV)/bin/zhengai superset provision --demo
	$(VENV)/bin/zhengai superset start --port $(SUPERSET_PORT)

# Dagster UI in the background (pid in warehouse/dagster.pid); `make stop` ends it
dagster-ui:
	@mkdir -p $(DAGSTER_HOME_DIR) warehouse/logs
	@if [ -f warehouse/dagster.pid ] && kill -0 $$(cat warehouse/dagster.pid) 2>/dev/null; then \
	    echo "Dagster 界面已在运行 / already running: http://127.0.0.1:$(DAGSTER_PORT)"; \
	else \
	    DAGSTER_HOME=$(CURDIR)/$(DAGSTER_HOME_DIR) nohup $(VENV)/bin/dagster-webserver -m pipelines.definitions \
	        -h 127.0.0.1 -p $(DAGSTER_PORT) > warehouse/logs/dagster.log 2>&1 & echo $$! > warehouse/dagster.pid; \
	    for i in $$(seq 1 60); do curl -sf http://127.0.0.1:$(DAGSTER_PORT)/server_info >/dev/null && break; sleep 1; done; \
	    echo "Dagster 界面 / Dagster UI: http://127.0.0.1:$(DAGSTER_PORT)  （停止 / stop: make stop）"; \
	fi

stop:
	@if [ -f warehouse/dagster.pid ]; then kill $$(cat warehouse/dagster.pid) 2>/dev/null || true; rm -f warehouse/dagster.pid; \
	    echo "Dagster 界面已停止 / Dagster UI stopped"; fi
	@if [ -x $(VENV)/bin/zhengai ]; then $(VENV)/bin/zhengai superset stop; fi

# --- the analysts' data dictionary ------------------------------------------------------------------
# dbt docs read the catalog from a COPY of the served warehouse: dbt opens its database read-write, and the
# published file (hard-linked into versions/) must never be written in place.
DOCS_DIR := dbt_project/target/docs
docs: pipeline-env
	@[ -f warehouse/serving.duckdb ] || { echo "没有已发布的数据仓库：先运行 make demo / no published warehouse yet"; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cp warehouse/serving.duckdb "$$tmp/serving.duckdb" && \
	    cd dbt_project && ZHENGAI_WORK_DB="$$tmp/serving.duckdb" ../$(VENV)/bin/dbt docs generate --quiet \
	        --profiles-dir . --target-path target/docs && \
	    echo "数据字典 / data dictionary: $(DOCS_DIR)/index.html（浏览 / browse: $(VENV)/bin/python -m http.server 8081 -b 127.0.0.1 -d $(DOCS_DIR) → http://127.0.0.1:8081）"

# --- quality ---------------------------------------------------------------------------------------
# two workers (pytest-xdist) on this 2-core machine kind: much of a test's time is spent waiting on a subprocess,
# a server or a browser; TEST_WORKERS=0 runs everything in one process. Grouping: tests/conftest.py.
TEST_WORKERS ?= 2
test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup

# while developing: everything not marked slow (CI runs `make test`)
test-fast: pipeline-env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -m "not slow" -n $(TEST_WORKERS) --dist loadgroup

generate: pipeline-env
	$(VENV)/bin/python -m pipelines.generate

lint: pipeline-env
	$(VENV)/bin/ruff check .

clean: stop
	rm -rf $(DEMO_SOURCES) warehouse/*.duckdb warehouse/*.duckdb.wal warehouse/build warehouse/run.lock warehouse/versions warehouse/quarantine warehouse/dagster warehouse/logs
