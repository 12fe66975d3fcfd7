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

.PHONY: help setup uv pipeline-env superset-env demo simulate test lint clean

help:
	@echo "make demo  — 安装全部环境并在内置示例学院上运行主流程 / install everything and run the demo college"
	@echo "make test  — 运行全部测试 / run all tests"
	@echo "make lint  — ruff 代码检查 / lint"
	@echo "make clean — 删除运行时数据（warehouse/ 下的文件） / remove run-time data"

# --- environments (idempotent: a second run only verifies) ---------------------------------------
uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==0.13.9"
	@$(UV) --version >/dev/null 2>&1 || { echo "无法安装 uv / could not install uv with $(PYTHON) -m pip"; exit 1; }

pipeline-env: uv
	$(UV) sync --frozen --python 3.11

superset-env: uv
	@[ -x $(SUPERSET_VENV)/bin/python ] || $(UV) venv --quiet --python 3.11 $(SUPERSET_VENV)
	VIRTUAL_ENV=$(SUPERSET_VENV) $(UV) pip install --quiet \
	    -r superset_exports/requirements.txt -c superset_exports/constraints.txt

setup: pipeline-env superset-env

# --- the demo college ---------------------------------------------------------------------------
simulate: pipeline-env
	$(VENV)/bin/zhengai simulate --size $(DEMO_SIZE) --seed $(DEMO_SEED) --out $(DEMO_SOURCES)

demo: setup simulate

# --- quality ---------------------------------------------------------------------------------------
test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

lint: pipeline-env
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(DEMO_SOURCES) warehouse/*.duckdb warehouse/*.duckdb.wal warehouse/serving warehouse/quarantine
