"""Superset configuration for the 诊改 platform (loaded through SUPERSET_CONFIG_PATH).

Secrets come from the environment; only `make demo` sets demo values. Metadata lives in SQLite by
default; set ZHENGAI_SUPERSET_DB (e.g. postgresql+psycopg2://…) and ZHENGAI_REDIS_URL for production.
"""

import os
from pathlib import Path

_HOME = Path(os.environ.get("ZHENGAI_SUPERSET_HOME", Path(__file__).resolve().parents[1] / "warehouse" / "superset"))
_HOME.mkdir(parents=True, exist_ok=True)

# No built-in default: the environment's SUPERSET_SECRET_KEY, else the random key that
# `zhengai superset provision` wrote once into $ZHENGAI_SUPERSET_HOME/secret_key (mode 0600, never in git).
_KEY_FILE = _HOME / "secret_key"
SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY") or (_KEY_FILE.read_text().strip() if _KEY_FILE.exists() else "")
if not SECRET_KEY:
    raise RuntimeError("SUPERSET_SECRET_KEY 未设置，且没有 secret_key 文件：请先运行 zhengai superset provision")
SQLALCHEMY_DATABASE_URI = os.environ.get("ZHENGAI_SUPERSET_DB", f"sqlite:///{_HOME / 'superset.db'}")

# Chinese first, English available
BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {"zh": {"flag": "cn", "name": "简体中文"}, "en": {"flag": "us", "name": "English"}}

# SQL Lab never writes to the warehouse (the connection itself is read-only too)
PREVENT_UNSAFE_DB_CONNECTIONS = True
FEATURE_FLAGS = {"DASHBOARD_RBAC": True, "ENABLE_TEMPLATE_PROCESSING": False}

_REDIS_URL = os.environ.get("ZHENGAI_REDIS_URL")
if _REDIS_URL:
    _cache = {"CACHE_TYPE": "RedisCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_REDIS_URL": _REDIS_URL}
    CACHE_CONFIG = {**_cache, "CACHE_KEY_PREFIX": "zhengai_"}
    DATA_CACHE_CONFIG = {**_cache, "CACHE_KEY_PREFIX": "zhengai_data_"}

# Log-in throttling per process (memory); the demo and the tests log several users in quickly.
AUTH_RATE_LIMIT = os.environ.get("ZHENGAI_SUPERSET_AUTH_RATE_LIMIT", "20 per second")
RATELIMIT_STORAGE_URI = os.environ.get("ZHENGAI_REDIS_URL", "memory://")

# The serving warehouse is replaced atomically on every publish (pipelines/publish.py): every query opens
# the file anew (Superset's NullPool), so a chart never sees a half-written file. No async SQL Lab
# workers: the warehouse is small and read-only.
SQLLAB_TIMEOUT = 60
SUPERSET_WEBSERVER_TIMEOUT = 120
ROW_LIMIT = 50000
