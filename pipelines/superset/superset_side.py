"""Superset's side of provisioning/export. Run ONLY by `.venv-superset/bin/python` (it imports Superset);
the pipeline environment calls it through pipelines/superset/manage.py. Prints one JSON line at the end.

    python superset_side.py provision --serving PATH --assets DIR --org-seed CSV [--demo --demo-password PW]
    python superset_side.py export --out DIR --serving PATH
    python superset_side.py counts
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import shutil
import sys
from pathlib import Path

SERVING_PLACEHOLDER = "__ZHENGAI_SERVING__"
DB_NAME = "诊改数据仓库"

# role → (built-in roles whose permissions it copies, extra permissions (permission, view))
LEADER, COLLEGE, DEPT, ANALYST, QA = "校领导", "二级学院负责人", "职能部门", "数据分析员", "质量办"
# Roles without all_datasource_access get `datasource_access` on every dataset that is NOT personal (see
# PERSONAL_COLUMNS), re-synced at every provisioning: they never see 学号/姓名 of students.
NO_PERSONAL_DATA = (LEADER, DEPT)
ROLE_SPECS = {
    LEADER: (["Gamma"], []),
    COLLEGE: (["Gamma"], [("all_datasource_access", "all_datasource_access")]),
    DEPT: (["Gamma"], []),
    ANALYST: (["Gamma", "sql_lab"], [("all_datasource_access", "all_datasource_access"),
                                     ("all_database_access", "all_database_access")]),
    QA: (["Alpha", "sql_lab"], [("all_datasource_access", "all_datasource_access"),
                                ("all_database_access", "all_database_access")]),
}
COLLEGE_SCOPE_PREFIX = "二级学院-"  # + college code, e.g. 二级学院-C01: carries only the RLS filter
DEPT_SCOPE_PREFIX = "职能部门-"  # + department code, e.g. 职能部门-D08
RLS_COLLEGE_COLUMN = "college_code"
RLS_DEPT_COLUMN = "responsible_dept"
# a dataset with one of these columns identifies students: only roles that act on individual students
# (二级学院负责人 for their own college through RLS, 质量办, admin) may query it
PERSONAL_COLUMNS = ("student_id", "student_name")
# dashboards (by slug) only these roles may open (DASHBOARD_RBAC; admin always can)
RESTRICTED_DASHBOARDS = {"student-warning-list": [COLLEGE, QA]}

# demo users (only with --demo): username, first name, last name, roles (scope roles by code)
DEMO_USERS = [
    ("leader", "校领导", "演示", [LEADER]),
    ("college_c01", "机电工程学院负责人", "演示", [COLLEGE, COLLEGE_SCOPE_PREFIX + "C01"]),
    ("college_c02", "信息工程学院负责人", "演示", [COLLEGE, COLLEGE_SCOPE_PREFIX + "C02"]),
    ("dept_d08", "教务处", "演示", [DEPT, DEPT_SCOPE_PREFIX + "D08"]),
    ("dept_d10", "学生工作处", "演示", [DEPT, DEPT_SCOPE_PREFIX + "D10"]),
    ("analyst", "数据分析员", "演示", [ANALYST]),
    ("qa", "质量办", "演示", [QA]),
]


def _app():
    logging.disable(logging.WARNING)
    from superset.app import create_app

    return create_app()


def _sm():
    from superset import security_manager

    return security_manager


def _db():
    from superset import db

    return db


# --- admin and users ------------------------------------------------------------------------------
def ensure_user(username, first, last, role_names, password, changes):
    from werkzeug.security import check_password_hash

    sm = _sm()
    roles = [sm.find_role(r) for r in role_names]
    if any(r is None for r in roles):
        raise SystemExit(f"角色不存在：{role_names}")
    user = sm.find_user(username=username)
    if user is None:
        user = sm.add_user(username, first, last, f"{username}@zhengai.local", roles, password=password)
        if not user:
            raise SystemExit(f"无法创建用户 {username}")
        changes.append(f"新建用户 {username}")
        return user
    if not check_password_hash(user.password, password):
        sm.reset_password(user.id, password)
        changes.append(f"更新用户 {username} 的密码")
    if {r.name for r in user.roles} != set(role_names) or not user.active:
        user.roles = roles
        user.active = True
        _db().session.commit()
        changes.append(f"更新用户 {username} 的角色")
    return user


# --- roles ----------------------------------------------------------------------------------------
def _set_role_permissions(role, perms, changes):
    if {p.id for p in role.permissions} != {p.id for p in perms}:
        role.permissions = sorted(perms, key=lambda p: p.id)
        changes.append(f"更新角色 {role.name} 的权限（{len(perms)} 项）")


def _is_personal(dataset) -> bool:
    return any(c.column_name in PERSONAL_COLUMNS for c in dataset.columns)


def ensure_roles(org_seed: Path, changes) -> dict:
    from superset.connectors.sqla.models import SqlaTable

    sm = _sm()
    db = _db()
    open_datasets = [d for d in db.session.query(SqlaTable).order_by(SqlaTable.id).all() if not _is_personal(d)]
    for name, (bases, extras) in ROLE_SPECS.items():
        if name in NO_PERSONAL_DATA:
            extras = extras + [("datasource_access", d.get_perm()) for d in open_datasets]
        role = sm.find_role(name) or sm.add_role(name)
        perms = {}
        for base in bases:
            base_role = sm.find_role(base)
            if base_role is None:
                raise SystemExit(f"内置角色 {base} 不存在：先运行 superset init")
            for p in base_role.permissions:
                perms[p.id] = p
        for perm_name, view_name in extras:
            pv = sm.add_permission_view_menu(perm_name, view_name)
            perms[pv.id] = pv
        _set_role_permissions(role, list(perms.values()), changes)
    colleges, depts = {}, {}
    with open(org_seed, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            (colleges if row["is_teaching_unit"].strip().lower() == "true" else depts)[row["dept_code"]] = row["dept_name"]
    for code in colleges:
        if sm.find_role(COLLEGE_SCOPE_PREFIX + code) is None:
            sm.add_role(COLLEGE_SCOPE_PREFIX + code)
            changes.append(f"新建角色 {COLLEGE_SCOPE_PREFIX + code}")
    for code in depts:
        if sm.find_role(DEPT_SCOPE_PREFIX + code) is None:
            sm.add_role(DEPT_SCOPE_PREFIX + code)
            changes.append(f"新建角色 {DEPT_SCOPE_PREFIX + code}")
    db.session.commit()
    return {"colleges": colleges, "depts": depts}


def ensure_dashboard_roles(changes) -> None:
    """Dashboards showing personal data open only for the roles that need them (DASHBOARD_RBAC)."""
    from superset.models.dashboard import Dashboard

    sm = _sm()
    for slug, role_names in RESTRICTED_DASHBOARDS.items():
        dash = _db().session.query(Dashboard).filter_by(slug=slug).one_or_none()
        if dash is None:
            continue
        roles = [sm.find_role(r) for r in role_names]
        if {r.id for r in dash.roles} != {r.id for r in roles}:
            dash.roles = roles
            changes.append(f"看板 {dash.dashboard_title} 仅限角色：{'、'.join(role_names)}")
    _db().session.commit()


# --- row-level security ---------------------------------------------------------------------------
def _ensure_rls(name, description, clause, group_key, roles, tables, changes):
    from superset.connectors.sqla.models import RowLevelSecurityFilter
    from superset.utils.core import RowLevelSecurityFilterType

    db = _db()
    f = db.session.query(RowLevelSecurityFilter).filter_by(name=name).one_or_none()
    if f is None:
        f = RowLevelSecurityFilter(name=name)
        db.session.add(f)
        changes.append(f"新建行级权限 {name}")
    want = (description, RowLevelSecurityFilterType.REGULAR, clause, group_key)
    have = (f.description, f.filter_type, f.clause, f.group_key)
    if want != have:
        f.description, f.filter_type, f.clause, f.group_key = want
        changes.append(f"更新行级权限 {name}")
    if {r.id for r in f.roles} != {r.id for r in roles}:
        f.roles = roles
    if {t.id for t in f.tables} != {t.id for t in tables}:
        f.tables = tables
        changes.append(f"行级权限 {name} 作用于 {len(tables)} 个数据集")


def ensure_rls(org: dict, changes) -> dict:
    """For every dataset with a college_code (responsible_dept) column: a 二级学院负责人 sees only rows of
    the college of his scope role 二级学院-<code>; without a scope role, none (1 = 0). Same group key, so
    Superset ORs them: (college_code = 'C01' OR 1 = 0)."""
    from superset.connectors.sqla.models import SqlaTable

    sm = _sm()
    datasets = _db().session.query(SqlaTable).all()

    def with_column(col):
        return sorted((d for d in datasets if any(c.column_name == col for c in d.columns)), key=lambda d: d.id)

    college_tables, dept_tables = with_column(RLS_COLLEGE_COLUMN), with_column(RLS_DEPT_COLUMN)
    for code, cname in org["colleges"].items():
        _ensure_rls(f"二级学院范围 {code}", f"{cname}：只看本学院的行", f"{RLS_COLLEGE_COLUMN} = '{code}'",
                    RLS_COLLEGE_COLUMN, [sm.find_role(COLLEGE_SCOPE_PREFIX + code)], college_tables, changes)
    _ensure_rls("二级学院负责人：未指定学院则无数据", "没有 二级学院-<代码> 角色的二级学院负责人看不到任何行", "1 = 0",
                RLS_COLLEGE_COLUMN, [sm.find_role(COLLEGE)], college_tables, changes)
    for code, dname in org["depts"].items():
        _ensure_rls(f"职能部门范围 {code}", f"{dname}：只看本部门负责的行", f"{RLS_DEPT_COLUMN} = '{code}'",
                    RLS_DEPT_COLUMN, [sm.find_role(DEPT_SCOPE_PREFIX + code)], dept_tables, changes)
    _ensure_rls("职能部门：未指定部门则无数据", "没有 职能部门-<代码> 角色的职能部门用户看不到任何行", "1 = 0",
                RLS_DEPT_COLUMN, [sm.find_role(DEPT)], dept_tables, changes)
    _db().session.commit()
    return {"college_datasets": [d.table_name for d in college_tables],
            "dept_datasets": [d.table_name for d in dept_tables]}


# --- assets ---------------------------------------------------------------------------------------
def _render_database(text: str, serving: Path) -> str:
    import yaml

    cfg = yaml.safe_load(text)
    cfg["sqlalchemy_uri"] = cfg["sqlalchemy_uri"].replace(SERVING_PLACEHOLDER, str(serving))
    _force_read_only(cfg)
    return yaml.safe_dump(cfg, allow_unicode=True, sort_keys=True)


def _force_read_only(cfg: dict) -> None:
    """The warehouse is opened read-only and SQL Lab cannot write, whatever the YAML says."""
    extra = cfg.get("extra") or {}
    if isinstance(extra, str):
        extra = json.loads(extra)
    extra.setdefault("engine_params", {}).setdefault("connect_args", {})["read_only"] = True
    cfg["extra"] = extra
    cfg["allow_dml"] = False
    cfg["allow_ctas"] = False
    cfg["allow_cvas"] = False
    cfg["allow_file_upload"] = False


def import_assets(assets: Path, serving: Path) -> dict:
    import yaml
    from superset.commands.importers.v1.assets import ImportAssetsCommand

    contents = {}
    for path in sorted(assets.rglob("*")):
        if path.suffix.lower() not in (".yaml", ".yml"):
            continue
        rel = path.relative_to(assets).as_posix()
        text = path.read_text(encoding="utf-8")
        if rel.startswith("databases/"):
            text = _render_database(text, serving)
        elif rel == "metadata.yaml":
            meta = yaml.safe_load(text)
            meta.pop("type", None)  # an export of any kind imports as "assets" (like import-directory)
            text = yaml.safe_dump(meta)
        contents[rel] = text
    ImportAssetsCommand(contents).run()
    return {"files": len(contents)}


def _warehouse_db():
    from superset.models.core import Database

    return _db().session.query(Database).filter_by(database_name=DB_NAME).one_or_none()


def counts() -> dict:
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
    from superset.models.core import Database
    from superset.models.dashboard import Dashboard
    from superset.models.slice import Slice

    sm = _sm()
    s = _db().session
    wdb = _warehouse_db()
    return {
        "databases": s.query(Database).count(), "datasets": s.query(SqlaTable).count(),
        "charts": s.query(Slice).count(), "dashboards": s.query(Dashboard).count(),
        "roles": s.query(sm.role_model).count(), "users": s.query(sm.user_model).count(),
        "rls_filters": s.query(RowLevelSecurityFilter).count(),
        "permission_views": s.query(sm.permissionview_model).count(),
        "warehouse_uri": wdb.sqlalchemy_uri if wdb else None,
        "warehouse_extra": json.loads(wdb.extra or "{}") if wdb else None,
        "warehouse_allow_dml": wdb.allow_dml if wdb else None,
    }


def provision(args) -> dict:
    from superset.utils.core import override_user

    changes: list[str] = []
    password = os.environ["ZHENGAI_SUPERSET_ADMIN_PASSWORD"]
    admin = ensure_user("admin", "管理员", "系统", ["Admin"], password, changes)
    before = counts()
    with override_user(admin):
        imported = import_assets(Path(args.assets), Path(args.serving).resolve())
    after = counts()
    if before != after:
        changes.append(f"导入 {imported['files']} 个文件：{ {k: after[k] for k in ('datasets', 'charts', 'dashboards')} }")
    org = ensure_roles(Path(args.org_seed), changes)  # after the import: per-dataset access needs the datasets
    ensure_dashboard_roles(changes)
    rls = ensure_rls(org, changes)
    if args.demo:
        for username, first, last, roles in DEMO_USERS:
            ensure_user(username, first, last, roles, args.demo_password, changes)
    return {"changes": changes, "rls": rls, "counts": counts()}


def export(args) -> dict:
    import yaml
    from superset.commands.dashboard.export import ExportDashboardsCommand
    from superset.models.dashboard import Dashboard
    from superset.utils.core import override_user

    out = Path(args.out)
    serving_uri = f"duckdb:///{Path(args.serving).resolve()}"
    files = {}
    admin = _sm().find_user(username="admin")
    with override_user(admin):
        ids = [i for (i,) in _db().session.query(Dashboard.id).order_by(Dashboard.id).all()]
        for name, content in ExportDashboardsCommand(ids).run():
            files[name] = content()
    # keep the file names already in the repository (Superset names files after titles, which for
    # Chinese titles degenerate to ids): same uuid → same path, new objects → <kind>/<uuid>.yaml
    known = {}
    for path in out.rglob("*.yaml"):
        try:
            uid = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("uuid")
        except yaml.YAMLError:
            continue
        if uid:
            known[uid] = path.relative_to(out).as_posix()
    for sub in ("databases", "datasets", "charts", "dashboards"):
        shutil.rmtree(out / sub, ignore_errors=True)
    written = []
    for name, text in files.items():
        uid = (yaml.safe_load(text) or {}).get("uuid") if name != "metadata.yaml" else None
        if uid:
            kind = name.split("/", 1)[0]
            name = known.get(uid) or (f"datasets/zhengai_warehouse/{uid}.yaml" if kind == "datasets"
                                      else f"{kind}/{uid}.yaml")
        if name.startswith("databases/"):
            cfg = yaml.safe_load(text)
            cfg["sqlalchemy_uri"] = cfg["sqlalchemy_uri"].replace(serving_uri, f"duckdb:///{SERVING_PLACEHOLDER}")
            _force_read_only(cfg)
            text = yaml.safe_dump(cfg, allow_unicode=True, sort_keys=True)
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(name)
    return {"files": sorted(written)}


def main() -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("provision")
    pp.add_argument("--serving", required=True)
    pp.add_argument("--assets", required=True)
    pp.add_argument("--org-seed", required=True)
    pp.add_argument("--demo", action="store_true")
    pp.add_argument("--demo-password", default=None)
    pe = sub.add_parser("export")
    pe.add_argument("--out", required=True)
    pe.add_argument("--serving", required=True)
    sub.add_parser("counts")
    args = p.parse_args()
    app = _app()
    with app.app_context():
        result = {"provision": provision, "export": export, "counts": lambda a: counts()}[args.cmd](args)
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
