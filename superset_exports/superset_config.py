"""Superset configuration for the 诊改 platform (loaded through SUPERSET_CONFIG_PATH).

Secrets come from the environment; only `make demo` sets demo values. Metadata lives in SQLite by
default; set ZHENGAI_SUPERSET_DB (e.g. postgresql+psycopg2://…) and ZHENGAI_REDIS_URL for production.
"""

import os
from pathlib import Path

_HOME = Path(os.environ.get("ZHENGAI_SUPERSET_HOME", Path(__file__).resolve().parents[1] / "warehouse" / "superset"))
_HOME.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]  # no default: refuse to start without one
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
