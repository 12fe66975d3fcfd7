"""Superset for the 诊改 platform: provisioning, start/stop and export, driven from the pipeline env.

Superset lives in its own environment (`.venv-superset`: SQLAlchemy 1.4 / pandas 2.1) and cannot be
imported here. Everything that needs Superset runs as a subprocess of that environment:
`.venv-superset/bin/superset …` for `db upgrade` / `init`, and `.venv-superset/bin/python
pipelines/superset/superset_side.py …` (a plain script, never imported by the pipeline) for the rest.
See docs/superset.md.
"""
