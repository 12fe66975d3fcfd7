"""Generate `expectations/<system>/<table>.json` from the source contract plus the hand-written rules.

    python -m pipelines.gate.generate_suites           # write / update the suites
    python -m pipelines.gate.generate_suites --check   # exit 1 if the committed suites are out of date

Inputs (both reviewed in git):
- `seeds/source_columns.csv` — the contract shared with the simulator and the ingestion: per column its
  system, table, file/sheet, Chinese label, English id, type, required, primary key. Gives: columns must
  exist (required → blocking, optional → warning), primary keys not null + unique (compound keys with
  `expect_compound_columns_to_be_unique`), required columns not null.
- `expectations/rules.yml` — what the contract cannot say: ranges, code lists (inline, or from a
  `seeds/code_*.csv` resolved at run time), references to other tables, formats, severities, Chinese text.

Why generate and commit: the contract is the one place keys and required columns are declared, so suites
cannot drift from it; committing the output makes every rule change a readable JSON diff, and GX (or a
reviewer) reads the suite without running Python. `tests/gate/test_suites.py` fails when the committed
JSON differs from what this script would write — edit rules.yml / the contract, never the JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipelines.config import REPO_ROOT
from pipelines.gate.runner import (
    BLOCKING,
    EXPECTATIONS_DIR,
    GX_SEVERITY,
    READABLE,
    SEVERITY_ZH,
    SYSTEM_ZH,
    param_name,
)
from pipelines.ingest.cleaning import column_unit, unit_rules
from pipelines.ingest.extract import STACKED_SYSTEMS
from pipelines.ingest.raw_store import FILE_COLUMN

CONTRACT = REPO_ROOT / "seeds" / "source_columns.csv"
RULES = EXPECTATIONS_DIR / "rules.yml"
GENERATOR = "pipelines/gate/generate_suites.py"

@dataclass
class Column:
    id: str
    zh: str
    type: str
    required: bool
    pk: bool


@dataclass
class Table:
    system: str
    table: str
    source: str
    table_zh: str
    columns: list[Column] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.system}.{self.table}"

    def col(self, cid: str) -> Column | None:
        return next((c for c in self.columns if c.id == cid), None)


def read_contract(path: Path = CONTRACT) -> dict[str, Table]:
    """The contract as {"system.table": Table}, columns in contract order — parsed by the ingestion's own
    `load_contract` (one parser for the whole platform), reduced to what the suites need."""
    from pipelines.ingest.contract import load_contract

    return {
        key: Table(t.system, t.table, t.source, t.table_zh,
                   [Column(c.id, c.label, c.type, c.required, c.primary_key) for c in t.columns])
        for key, t in load_contract(path).items()
    }


def _readable_rule(zh: str, kind: str, unit: str | None) -> str:
    unit_zh = {"%": "%", "ratio": "比例，0–1"}.get(unit or "", unit)
    suffix = f"（单位：{unit_zh}）" if unit_zh else ""
    return {"int": f"{zh}应为整数{suffix}", "decimal": f"{zh}应为数字{suffix}",
            "date": f"{zh}应为日期（如 2023-09-01、2023年9月1日）", "bool": f"{zh}应为“是”或“否”"}.get(
        kind, f"{zh}不能是 Excel 错误值" + ("或占位文字" if kind == "code" else ""))


def _exp(etype: str, kwargs: dict, severity: str, rule_zh: str, **meta) -> dict:
    if severity not in SEVERITY_ZH:
        raise ValueError(f"severity must be one of {list(SEVERITY_ZH)}, got {severity!r} ({rule_zh})")
    return {"type": etype, "kwargs": kwargs,
            "meta": {"severity": severity, "rule_zh": rule_zh, **meta},
            "severity": GX_SEVERITY[severity]}


def _fmt(v) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _check_expectations(check: dict, col: Column, t: Table, contract: dict[str, Table]) -> list[dict]:
    """One rules.yml check on one column → expectation(s)."""
    sev = check.get("severity", BLOCKING)
    zh = col.zh
    text = check.get("rule_zh", "").replace("{label}", col.zh) or None
    c = {"column": col.id}
    kinds = [k for k in ("between", "min", "max", "in_set", "in_seed", "in_table", "in_model", "not_before_today",
                         "regex", "unique", "not_null") if k in check]
    if len(kinds) != 1 and not (set(kinds) == {"min", "max"}):
        raise ValueError(f"{t.key}.{col.id}: each check needs exactly one rule, got {check}")
    kind = kinds[0]
    if kind in ("between", "min", "max"):
        lo, hi = check["between"] if kind == "between" else (check.get("min"), check.get("max"))
        kw = {**c, **({"min_value": lo} if lo is not None else {}), **({"max_value": hi} if hi is not None else {})}
        default = (f"{zh}应在 {_fmt(lo)}–{_fmt(hi)} 之间" if lo is not None and hi is not None
                   else f"{zh}不能小于 {_fmt(lo)}" if lo is not None else f"{zh}不能大于 {_fmt(hi)}")
        return [_exp("expect_column_values_to_be_between", kw, sev, text or default)]
    if kind == "in_set":
        values = list(check["in_set"])
        return [_exp("expect_column_values_to_be_in_set", {**c, "value_set": values}, sev,
                     text or f"{zh}只能是{'、'.join(map(str, values))}之一")]
    if kind == "in_seed":
        ref = check["in_seed"]
        return [_exp("expect_column_values_to_be_in_set",
                     {**c, "value_set": {"$PARAMETER": param_name("seed", ref)}}, sev,
                     text or f"{zh}只能是代码表中的取值：{{values}}", value_set_from_seed=ref)]
    if kind == "in_table":
        ref = check["in_table"]
        rsys_table, _, rcol = ref.rpartition(".")
        other = contract.get(rsys_table)
        if other is None or other.col(rcol) is None:
            raise ValueError(f"{t.key}.{col.id}: in_table {ref} is not a column of the contract")
        other_zh = f"{SYSTEM_ZH.get(other.system, other.system)}「{other.table_zh or other.source or other.table}」"
        ref_zh = f"{other_zh}的{other.col(rcol).zh}"
        return [_exp("expect_column_values_to_be_in_set",
                     {**c, "value_set": {"$PARAMETER": param_name("table", ref)}}, sev,
                     text or f"{zh}必须是{other_zh}中已有的{other.col(rcol).zh}",
                     value_set_from_table=ref, reference_zh=ref_zh)]
    if kind == "in_model":  # a column of a published warehouse model (read from the run's build file)
        ref = check["in_model"]
        return [_exp("expect_column_values_to_be_in_set",
                     {**c, "value_set": {"$PARAMETER": param_name("table", ref)}}, sev,
                     text or f"{zh}必须是已发布的{ref}中已有的值", value_set_from_table=ref,
                     reference_zh=check.get("reference_zh", ref))]
    if kind == "not_before_today":
        return [_exp("expect_column_values_to_be_between", {**c, "min_value": {"$PARAMETER": "today"}}, sev,
                     text or f"{zh}不能早于检查当天", min_is_today=True)]
    if kind == "regex":
        re.compile(check["regex"])
        return [_exp("expect_column_values_to_match_regex", {**c, "regex": check["regex"]}, sev,
                     text or f"{zh}格式不正确")]
    if kind == "unique":
        return [_exp("expect_column_values_to_be_unique", c, sev, text or f"{zh}不能重复")]
    return [_exp("expect_column_values_to_not_be_null", c, sev, text or f"{zh}不能为空")]


def build_suite(t: Table, rules: dict, contract: dict[str, Table]) -> dict:
    global_rules: dict = rules.get("columns") or {}
    trules: dict = (rules.get("tables") or {}).get(t.key) or {}
    col_rules: dict = trules.get("columns") or {}
    for cid in col_rules:
        if t.col(cid) is None:
            raise ValueError(f"rules.yml: {t.key}.{cid} is not in the contract")
    # column id → blocking / warning / null: how serious an empty value is (default: required → blocking)
    nn_severity: dict = {**(rules.get("not_null_severity") or {}), **(trules.get("not_null_severity") or {})}
    exps: list[dict] = []
    # 1. the columns must be there
    for col in t.columns:
        sev = BLOCKING if col.required else "warning"
        exps.append(_exp("expect_column_to_exist", {"column": col.id}, sev,
                         f"{'必须' if col.required else '应'}有「{col.zh}」列"))
    # 1b. an export with a header and no rows is a failed export, not an empty college
    exps.append(_exp("expect_table_row_count_to_be_between", {"min_value": 1, "max_value": None}, BLOCKING,
                     "至少应有一行数据（只有表头的导出视为导出失败）"))
    # 2. keys
    pks = [c for c in t.columns if c.pk]
    if t.system in STACKED_SYSTEMS and pks and not any(c.id == "academic_year" for c in pks):
        # one workbook per collection year, stacked: the key holds within each workbook
        exps.append(_exp("expect_compound_columns_to_be_unique", {"column_list": [FILE_COLUMN] + [c.id for c in pks]},
                         BLOCKING, f"同一采集表中，{'、'.join(c.zh for c in pks)}不能重复"))
    elif len(pks) == 1:
        exps.append(_exp("expect_column_values_to_be_unique", {"column": pks[0].id}, BLOCKING,
                         f"{pks[0].zh}不能重复"))
    elif len(pks) > 1:
        exps.append(_exp("expect_compound_columns_to_be_unique", {"column_list": [c.id for c in pks]},
                         BLOCKING, f"{'、'.join(c.zh for c in pks)}的组合不能重复"))
    # 2b. part ≤ whole within a row (报到 ≤ 录取, 就业 ≤ 毕业 …): rules.yml tables.<t>.part_of
    for pair in trules.get("part_of") or []:
        whole, part = t.col(pair["whole"]), t.col(pair["part"])
        if whole is None or part is None:
            raise ValueError(f"rules.yml: {t.key} part_of {pair} names a column not in the contract")
        exps.append(_exp("expect_column_pair_values_a_to_be_greater_than_b",
                         {"column_A": whole.id, "column_B": part.id, "or_equal": True,
                          "ignore_row_if": "either_value_is_missing"},
                         pair.get("severity", BLOCKING), pair.get("rule_zh") or f"{part.zh}不能大于{whole.zh}"))
    for keys in trules.get("compound_unique") or []:
        cols = [t.col(k) for k in keys]
        if None in cols:
            raise ValueError(f"rules.yml: {t.key} compound_unique {keys} names a column not in the contract")
        exps.append(_exp("expect_compound_columns_to_be_unique", {"column_list": list(keys)}, BLOCKING,
                         f"{'、'.join(c.zh for c in cols)}的组合不能重复"))
    # 3. required columns not null (rules may turn one into a warning: a data gap, not a reason to stop)
    for col in t.columns:
        sev = BLOCKING if col.pk else nn_severity.get(col.id, BLOCKING if col.required else None)
        if sev:
            exps.append(_exp("expect_column_values_to_not_be_null", {"column": col.id}, sev,
                             f"{col.zh}不能为空" if sev == BLOCKING else f"{col.zh}应填写（缺失记为数据缺口，不阻断）"))
    # 3b. every value must be readable as its column's type (the SQL cleaning macros decide, pipelines/ingest/
    #     cleaning.sql): a non-empty cell that cleans to NULL is reported with the cell as written — required
    #     column → blocking, optional → warning. Run by the gate itself (meta.engine = sql), not by GX.
    units = {c.id: column_unit(c.zh, c.type.split("(")[0], unit_rules(rules)) for c in t.columns}
    for col in t.columns:
        kind = col.type.split("(")[0]
        exps.append(_exp(READABLE, {"column": col.id, "type": kind, "unit": units[col.id]},
                         BLOCKING if col.required else "warning", _readable_rule(col.zh, kind, units[col.id]),
                         engine="sql"))
    # 4. per-column rules: by Chinese label (any table), by column id (any table), then the table's own
    label_rules = [(re.compile(r["match"]), r.get("checks") or []) for r in rules.get("by_label") or []]
    seen: set[str] = set()
    for col in t.columns:
        checks = [c for rx, cs in label_rules if rx.search(col.zh) for c in cs]
        checks += list(global_rules.get(col.id) or []) + list(col_rules.get(col.id) or [])
        for check in checks:
            for exp in _check_expectations(check, col, t, contract):
                signature = json.dumps([exp["type"], exp["kwargs"]], ensure_ascii=False, sort_keys=True)
                if signature not in seen:  # the same check from a label rule and an id rule: keep the first
                    seen.add(signature)
                    exps.append(exp)
    return {
        "name": t.key,
        "expectations": exps,
        "meta": {
            "source_system": t.system,
            "source_table": t.table,
            "system_zh": SYSTEM_ZH.get(t.system, t.system),
            "table_zh": t.table_zh or Path(t.source).stem or t.table,
            "source": t.source,
            "column_labels": {c.id: c.zh for c in t.columns}
            | ({FILE_COLUMN: "采集表文件"} if t.system in STACKED_SYSTEMS else {}),
            "column_types": {c.id: c.type for c in t.columns},
            "column_units": {c.id: u for c in t.columns if (u := units[c.id])},
            "generated_by": GENERATOR,
        },
        "notes": "由 pipelines/gate/generate_suites.py 根据 seeds/source_columns.csv 与 expectations/rules.yml "
                 "生成，请勿手工修改；改规则请改 rules.yml 后重新生成。",
    }


def build_all(contract_path: Path = CONTRACT, rules_path: Path = RULES,
              out_dir: Path = EXPECTATIONS_DIR) -> dict[Path, str]:
    """{suite path: file text} for every table of the contract."""
    contract = read_contract(contract_path)
    rules = yaml.safe_load(rules_path.read_text(encoding="utf-8")) or {}
    unknown = set(rules.get("tables") or {}) - set(contract)
    if unknown:
        raise ValueError(f"rules.yml names tables not in the contract: {sorted(unknown)}")
    return {
        out_dir / t.system / f"{t.table}.json":
            json.dumps(build_suite(t, rules, contract), ensure_ascii=False, indent=2) + "\n"
        for t in contract.values()
    }


def stale_files(wanted: dict[Path, str], out_dir: Path = EXPECTATIONS_DIR) -> list[Path]:
    """Generated suites on disk whose table left the contract."""
    found = []
    for p in out_dir.glob("*/*.json"):
        if p not in wanted and GENERATOR in p.read_text(encoding="utf-8"):
            found.append(p)
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="生成期望套件 / generate the expectation suites")
    ap.add_argument("--check", action="store_true", help="只检查是否最新 / only check they are up to date")
    args = ap.parse_args(argv)
    wanted = build_all()
    differ = [p for p, text in wanted.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    stale = stale_files(wanted)
    if args.check:
        for p in differ:
            print(f"out of date: {p.relative_to(REPO_ROOT)}")
        for p in stale:
            print(f"no longer in the contract: {p.relative_to(REPO_ROOT)}")
        return 1 if differ or stale else 0
    for p in differ:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(wanted[p], encoding="utf-8")
        print(f"wrote {p.relative_to(REPO_ROOT)}")
    for p in stale:
        p.unlink()
        print(f"removed {p.relative_to(REPO_ROOT)} (table left the contract)")
    print(f"{len(wanted)} suites, {len(differ)} changed, {len(stale)} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
