"""A tiny contract + rules of our own, so the gate's tests do not depend on the simulator's tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.gate import generate_suites

CONTRACT = """\
system,table,table_zh,file,column_zh,column,type,required,primary_key
xuegong,student,学生学籍,学生学籍.csv,学号,student_id,str,1,1
xuegong,student,学生学籍,学生学籍.csv,姓名,name,str,1,0
xuegong,student,学生学籍,学生学籍.csv,身份证号,id_card_no,str,0,0
xuegong,student,学生学籍,学生学籍.csv,专业代码,major_code,str,1,0
xuegong,student,学生学籍,学生学籍.csv,学籍状态,status,str,1,0
xuegong,student,学生学籍,学生学籍.csv,入学年份,entry_year,int,1,0
jiaowu,major,专业,major,专业代码,major_code,str,1,1
jiaowu,major,专业,major,专业名称,major_name,str,1,0
jiaowu,score,成绩,score,学号,student_id,str,1,1
jiaowu,score,成绩,score,课程代码,course_code,str,1,1
jiaowu,score,成绩,score,学期,term,str,1,1
jiaowu,score,成绩,score,总评成绩,score,decimal,1,0
"""

RULES = """\
not_null_severity:
  id_card_no: warning
columns:
  id_card_no:
    - {regex: '^[0-9]{17}[0-9X]$', severity: warning, rule_zh: 身份证号应为 18 位（最后一位可为 X）}
  entry_year:
    - {between: [2000, 2030]}
tables:
  xuegong.student:
    columns:
      status:
        - {in_seed: code_student_status.status_name}
      major_code:
        - {in_table: jiaowu.major.major_code}
      student_id:
        - {regex: '^[0-9]{10}$', rule_zh: 学号应为 10 位数字}
  jiaowu.score:
    columns:
      score:
        - {between: [0, 100], rule_zh: 成绩应在 0–100 之间}
      student_id:
        - {in_table: xuegong.student.student_id}
"""

SEED = "status_code,status_name\n01,在读\n02,休学\n03,退学\n04,毕业\n"


@pytest.fixture(scope="session")
def gate_repo(tmp_path_factory) -> Path:
    """expectations/ + seeds/ generated from the mini contract, in a temp folder."""
    root = tmp_path_factory.mktemp("gate_repo")
    (root / "seeds").mkdir()
    (root / "seeds" / "source_columns.csv").write_text(CONTRACT, encoding="utf-8")
    (root / "seeds" / "code_student_status.csv").write_text(SEED, encoding="utf-8")
    (root / "expectations").mkdir()
    (root / "expectations" / "rules.yml").write_text(RULES, encoding="utf-8")
    for path, text in generate_suites.build_all(
        root / "seeds" / "source_columns.csv", root / "expectations" / "rules.yml", root / "expectations"
    ).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture()
def students() -> pd.DataFrame:
    """Five clean students; `_source_row` = the CSV line a clerk sees (header is line 1)."""
    return pd.DataFrame({
        "student_id": ["2023000001", "2023000002", "2023000003", "2023000004", "2023000005"],
        "name": ["张三", "李四", "王五", "赵六", "钱七"],
        "id_card_no": ["32010219990101123X", "320102199901011234", "320102199901011235",
                       "320102199901011236", "320102199901011237"],
        "major_code": ["460103", "460103", "510101", "510101", "460103"],
        "status": ["在读", "在读", "休学", "毕业", "退学"],
        "entry_year": [2023, 2023, 2022, 2020, 2021],
        "_source_row": [2, 3, 4, 5, 6],
        "_batch_id": "b1",
    })


@pytest.fixture()
def majors() -> pd.DataFrame:
    return pd.DataFrame({"major_code": ["460103", "510101"], "major_name": ["机电一体化技术", "计算机应用技术"]})
