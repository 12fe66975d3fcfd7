"""状态数据平台 export: one workbook per collection year, `状态数据采集_<学年>.xlsx`, one sheet per platform
table named `<table id> <name>` (A1 院校基本信息 … A7-6-2 就业). Numbers agree with the other sources:
A1 普通专科生 = 学工 students in school that year; the other 学生类型 (进修, 成人脱产, 夜大, 函授, 留学生, 预科) are
small shares of it (reference/student_types.csv); A1 全日制/折合在校生 = the 教发〔2004〕2号 formula with the weights of
seeds/student_type_weights.csv, except in the first year, where 折合 leaves out the 函授 students (a clerk's slip the
reconciliation shows); A5 = 财务 (calendar year = the academic year's first year), A6-1 = 人事 专任教师 hired by 09-01, A6-3 = 人事
校外兼职教师, A7-6-1 = 学工 招生, A7-6-2 = 学工 毕业就业. School stocks (areas, equipment, books) come from
reference/school_conditions.csv scaled by size, so the 生均 lines are near the national ones and some years below."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.config import REPO_ROOT
from pipelines.simulator import contract, reference, writers
from pipelines.simulator.academic_calendar import YEARS, academic_year
from pipelines.simulator.college import College, in_school

SYSTEM = "zhuangtai"
FILE = "状态数据采集_{year}.xlsx"
WEIGHTS_CSV = REPO_ROOT / "seeds" / "student_type_weights.csv"


def _student_types(college: College, y: int, rng: np.random.Generator) -> dict[str, int]:
    """A1 counts by 学生类型: 普通专科生 from the 学工 roster, the others a small share of it."""
    regular = int(in_school(college.students, y).sum())
    shares = reference.load("student_types")
    parts = {"students_regular_junior": regular}
    for col, lo, hi in zip(shares["column"], shares["share_low"].astype(float), shares["share_high"].astype(float),
                           strict=True):
        parts[col] = int(round(regular * rng.uniform(lo, hi)))
    return parts


def _school(college: College, y: int, rng: np.random.Generator) -> pd.DataFrame:
    parts = _student_types(college, y, rng)
    w = pd.read_csv(WEIGHTS_CSV, encoding="utf-8").set_index("a1_column")
    n = pd.Series(parts).reindex(w.index).fillna(0)
    fulltime = int(n[w["counts_as_fulltime"]].sum())
    weights = w["equivalent_weight"]
    if y == YEARS[0]:  # the slip: 函授 left out of 折合在校生
        weights = weights.drop("students_correspondence")
    equivalent = round(float((n.reindex(weights.index) * weights).sum()), 1)
    return pd.DataFrame([{"school_name": reference.SCHOOL_NAME, "school_code": reference.SCHOOL_CODE,
                          "academic_year": academic_year(y), "school_type": reference.SCHOOL_TYPE,
                          "sponsor": "江苏省教育厅", "location": "江苏省常州市", "college_count": len(college.colleges),
                          **parts, "fulltime_students": fulltime, "equivalent_students": equivalent}])


def _conditions(college: College, y: int) -> pd.DataFrame:
    c = reference.load("school_conditions").set_index("academic_year").loc[[academic_year(y)]].reset_index()
    scale = college.size.scale
    for col in c.columns[1:]:
        v = c[col].astype(float) * scale
        c[col] = v.round(2) if col.endswith("_wan") else v.round().astype(int)
    return c


def _bases(college: College, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng([seed, 60])
    m = college.majors
    internal = pd.DataFrame({"base_id": "XN" + pd.Series(np.arange(1, len(m) + 1)).astype(str).str.zfill(3),
                             "base_name": m["major_name"].to_numpy() + "实训中心", "major_code": m["major_code"].to_numpy(),
                             "area_m2": np.round(rng.uniform(300, 1500, len(m)) * college.size.scale ** 0.5, 1),
                             "equipment_value_wan": np.round(rng.uniform(40, 400, len(m)) * college.size.scale, 2),
                             "workstations": np.round(rng.uniform(40, 160, len(m)) * college.size.scale).astype(int)})
    ents = reference.load("enterprises").set_index("college_code")["enterprise"].str.split("|")
    rows = []
    for mc, cc in zip(m["major_code"], m["college_code"], strict=True):
        for k in range(1 + int(rng.integers(1, 4))):
            e = ents[cc][(k + int(mc[-2:])) % 5]
            rows.append({"major_code": mc, "partner": e, "base_name": f"{e}校外实训基地"})
    external = pd.DataFrame(rows).drop_duplicates(["major_code", "partner"]).reset_index(drop=True)
    external.insert(0, "base_id", "XW" + pd.Series(np.arange(1, len(external) + 1)).astype(str).str.zfill(3))
    return internal, external


def sheets_for_year(college: College, y: int, internal: pd.DataFrame, external: pd.DataFrame,
                    rng: np.random.Generator, a1_rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    st, staff = college.students, college.staff
    here = in_school(st, y)
    counts = st[here].groupby("major_code").size()
    majors = college.majors[college.majors["established_year"] <= y].copy()
    majors["college_name"] = majors["college_code"].map(college.colleges.set_index("college_code")["college_name"])
    majors["students"] = counts.reindex(majors["major_code"]).fillna(0).astype(int).to_numpy()
    teachers = staff[(staff["post_type"] == "专任教师") & (staff["hire_date"] <= pd.Timestamp(f"{y}-09-01"))].copy()
    teachers = teachers.sort_values("staff_id", kind="stable")
    teachers["birth_month"] = teachers["birth_date"].dt.strftime("%Y-%m")
    for c in ("is_dual_qualified", "is_backbone"):
        teachers[c] = np.where(teachers[c], "是", "否")
    teachers["title"] = teachers["title"].where(teachers["title"] != "", None)
    teachers["degree"] = teachers["degree"].where(teachers["degree"] != "", None)
    ext = college.extra["external_teachers"]
    ext = ext[ext["academic_year"] == academic_year(y)]
    adm = college.admissions[college.admissions["year"] == y]
    emp = college.extra["employment"]
    emp = emp[emp["graduation_year"] == y + 1]
    employment = emp.groupby("major_code").agg(
        graduates=("student_id", "size"), employed=("destination", lambda d: int((d == "就业").sum())),
        further_study=("destination", lambda d: int((d == "升学").sum())),
        related_employed=("is_related", lambda d: int((d == "是").sum())),
        avg_salary=("starting_salary", lambda s: round(float(s.mean()), 2))).reset_index()
    employment["major_name"] = employment["major_code"].map(college.majors.set_index("major_code")["major_name"])
    ext_base = external.assign(students_received=rng.integers(5, 60, len(external)) * max(1, round(college.size.scale)))
    return {
        "a1_school": _school(college, y, a1_rng),
        "a3_conditions": _conditions(college, y),
        "a4_1_internal_base": internal[internal["major_code"].isin(majors["major_code"])],
        "a4_2_external_base": ext_base[ext_base["major_code"].isin(majors["major_code"])],
        "a5_1_income": college.extra["income"].query("year == @y"),
        "a5_2_expense": college.extra["expense"].query("year == @y").drop(columns="dept_name")
        .groupby("year", as_index=False).sum().round(2),
        "a6_1_fulltime_teacher": teachers,
        "a6_3_external_teacher": ext,
        "a7_1_1_major": majors,
        "a7_6_1_admission": adm,
        "a7_6_2_employment": employment,
    }


def write(out: Path, seed: int, college: College) -> dict[str, tuple[Path, int]]:
    internal, external = _bases(college, seed)
    rng = np.random.default_rng([seed, 61])
    a1_rng = np.random.default_rng([seed, 62])  # its own stream: the other sheets stay as they were
    written = {}
    for y in YEARS:
        wb = writers.new_workbook()
        rows = 0
        for table, df in sheets_for_year(college, y, internal, external, rng, a1_rng).items():
            writers.add_table_sheet(wb, contract.source(SYSTEM, table), contract.to_export(df, SYSTEM, table))
            rows += len(df)
        path = out / SYSTEM / FILE.format(year=academic_year(y))
        writers.save_workbook(wb, path)
        written[academic_year(y)] = (path, rows)
    return written
