"""The suite files: generated from the contract + rules.yml, committed, loadable by GX, every rule in Chinese."""

from __future__ import annotations

import json
import re

import great_expectations as gx
import pytest

from pipelines.config import REPO_ROOT
from pipelines.gate import generate_suites
from pipelines.gate.runner import EXPECTATIONS_DIR, resolve_seed
from pipelines.ingest.errors import SYSTEM_ZH

COMMITTED = sorted(EXPECTATIONS_DIR.glob("*/*.json"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_committed_suites_are_what_the_generator_writes():
    if not generate_suites.CONTRACT.exists():
        pytest.skip("seeds/source_columns.csv (the simulator's contract) does not exist yet")
    wanted = generate_suites.build_all()
    differ = [str(p.relative_to(REPO_ROOT)) for p, text in wanted.items()
              if not p.exists() or p.read_text(encoding="utf-8") != text]
    stale = [str(p.relative_to(REPO_ROOT)) for p in generate_suites.stale_files(wanted)]
    assert (differ, stale) == ([], []), "run: .venv/bin/python -m pipelines.gate.generate_suites"


@pytest.mark.parametrize("path", COMMITTED, ids=[f"{p.parent.name}/{p.stem}" for p in COMMITTED])
def test_committed_suite_loads_in_gx_and_every_rule_has_severity_and_chinese_text(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    # the type checks run in the gate itself on the SQL-cleaned batch (meta.engine = sql); everything else is GX's
    ours = [e for e in data["expectations"] if e["meta"].get("engine") == "sql"]
    assert {e["type"] for e in ours} == {"expect_column_values_to_be_readable"}
    assert len(ours) == len(data["meta"]["column_types"])  # every column is checked for its type
    gx_part = [e for e in data["expectations"] if e not in ours]
    suite = gx.ExpectationSuite(**{**data, "expectations": gx_part})
    assert len(suite.expectations) == len(gx_part) > 0
    for exp in data["expectations"]:
        assert exp["meta"]["severity"] in ("blocking", "warning"), exp
        assert CHINESE.search(exp["meta"]["rule_zh"]), exp
        if ref := exp["meta"].get("value_set_from_seed"):
            assert resolve_seed(ref), f"{path.name}: seed {ref} is empty"
        if (ref := exp["meta"].get("value_set_from_table")) and ref.split(".")[0] not in SYSTEM_ZH:
            assert CHINESE.search(exp["meta"]["reference_zh"]), exp  # a published model (e.g. 事项编号): read at run time
        elif ref:
            system, table, column = ref.split(".")
            other = json.loads((EXPECTATIONS_DIR / system / f"{table}.json").read_text(encoding="utf-8"))
            assert column in other["meta"]["column_labels"], ref


def test_generated_suite_from_the_mini_contract(gate_repo):
    data = json.loads((gate_repo / "expectations/jiaowu/score.json").read_text(encoding="utf-8"))
    by_type: dict[str, list[dict]] = {}
    for exp in data["expectations"]:
        by_type.setdefault(exp["type"], []).append(exp)
    [compound] = by_type["expect_compound_columns_to_be_unique"]
    assert compound["kwargs"]["column_list"] == ["student_id", "course_code", "term"]
    assert compound["meta"] == {"severity": "blocking", "rule_zh": "学号、课程代码、学期的组合不能重复"}
    [ref] = [e for e in by_type["expect_column_values_to_be_in_set"] if e["kwargs"]["column"] == "student_id"]
    assert ref["meta"]["value_set_from_table"] == "xuegong.student.student_id"
    assert ref["kwargs"]["value_set"] == {"$PARAMETER": "table__xuegong__student__student_id"}
    assert ref["severity"] == "critical"  # GX's own severity follows ours (blocking → critical)


def test_missing_id_card_is_generated_as_a_warning(gate_repo):
    data = json.loads((gate_repo / "expectations/xuegong/student.json").read_text(encoding="utf-8"))
    id_card = [e for e in data["expectations"] if e["kwargs"].get("column") == "id_card_no"]
    assert {e["type"]: e["meta"]["severity"] for e in id_card} == {
        "expect_column_to_exist": "warning",
        "expect_column_values_to_not_be_null": "warning",
        "expect_column_values_to_match_regex": "warning",
        "expect_column_values_to_be_readable": "warning",  # optional column: an unreadable value only warns
    }


def test_label_rules_apply_to_any_table_by_chinese_column_name(tmp_path):
    (tmp_path / "c.csv").write_text(
        "system,table,file,column_zh,column,type,required,primary_key\n"
        "caiwu,expense,支出.xlsx,项目编号,project_no,str,1,1\n"
        "caiwu,expense,支出.xlsx,支出金额（万元）,amount,decimal,1,0\n", encoding="utf-8")
    (tmp_path / "r.yml").write_text(
        "by_label:\n  - match: 万元\n    checks:\n      - {min: 0, rule_zh: '{label}不能为负数'}\n",
        encoding="utf-8")
    [text] = generate_suites.build_all(tmp_path / "c.csv", tmp_path / "r.yml", tmp_path).values()
    [rng] = [e for e in json.loads(text)["expectations"] if e["type"] == "expect_column_values_to_be_between"]
    assert rng["kwargs"] == {"column": "amount", "min_value": 0}
    assert rng["meta"]["rule_zh"] == "支出金额（万元）不能为负数"


def test_rules_naming_an_unknown_column_are_refused(tmp_path):
    (tmp_path / "c.csv").write_text("system,table,column,required,primary_key\nx,t,a,1,1\n", encoding="utf-8")
    (tmp_path / "r.yml").write_text("tables:\n  x.t:\n    columns:\n      b: [{min: 0}]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="x.t.b is not in the contract"):
        generate_suites.build_all(tmp_path / "c.csv", tmp_path / "r.yml", tmp_path)
