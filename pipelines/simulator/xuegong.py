"""学工 exports: CSV in GBK with CRLF (as a Windows system exports them) — 学生学籍, 奖助贷, 违纪处分, 心理测评,
招生, 毕业就业."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.simulator import contract, dirt, reference, writers
from pipelines.simulator.academic_calendar import YEARS, academic_year
from pipelines.simulator.college import College, in_school

SYSTEM = "xuegong"
AID = (  # name, category, share of students in school, amount before / from 2024-2025 (元)
    ("国家奖学金", "奖学金", 0.001, 8000, 10000),
    ("国家励志奖学金", "奖学金", 0.03, 5000, 6000),
    ("校级奖学金", "奖学金", 0.10, 1000, 1000),
    ("国家助学金", "助学金", 0.20, 3300, 3700),
    ("生源地信用助学贷款", "助学贷款", 0.08, 12000, 12000),
    ("勤工助学", "勤工助学", 0.05, 2000, 2000),
)
VIOLATIONS = (("考试作弊", "记过"), ("旷课", "警告"), ("夜不归宿", "警告"), ("违规使用电器", "警告"),
              ("打架斗殴", "严重警告"), ("盗窃", "留校察看"))
PSYCH_LEVELS = (("正常", 0.88), ("一般关注", 0.08), ("重点关注", 0.035), ("危机干预", 0.005))


def students(seed: int, college: College) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 40])
    s = college.students.copy()
    s["student_id"] = dirt.spaces(rng, s["student_id"], 0.01)
    s["name"] = dirt.spaces(rng, s["name"], 0.01)
    s["id_card_no"] = dirt.blanks(rng, dirt.lower_x(rng, s["id_card_no"]), 0.02)
    s["birth_date"] = dirt.messy_dates(rng, s["birth_date"], 0.03, serial_as_number=False)
    s["entry_year"] = dirt.fullwidth_digits(rng, s["entry_year"], 0.01)
    s["major_code"] = dirt.spaces(rng, dirt.fullwidth_digits(rng, s["major_code"], 0.005), 0.005)
    s["phone"] = dirt.blanks(rng, s["phone"], 0.02)
    return s


def aid(seed: int, college: College) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 41])
    st = college.students
    rows = []
    for y in YEARS:
        here = np.flatnonzero(in_school(st, y))
        for name, cat, share, before, after in AID:
            # merit awards go to the able, need-based ones to anybody
            weight = np.exp(st["ability"].to_numpy()[here] / 6) if cat == "奖学金" else np.ones(len(here))
            k = max(1, int(round(len(here) * share)))
            pick = np.sort(rng.choice(here, size=min(k, len(here)), replace=False, p=weight / weight.sum()))
            amount = after if y >= 2024 else before
            if name == "校级奖学金":
                amounts = rng.choice([500, 1000, 2000], len(pick), p=[0.5, 0.35, 0.15])
            elif name == "勤工助学":
                amounts = rng.integers(10, 31, len(pick)) * 100
            else:
                amounts = np.full(len(pick), amount)
            rows.append(pd.DataFrame({"student_id": st["student_id"].to_numpy()[pick], "academic_year": academic_year(y),
                                      "aid_category": cat, "aid_name": name, "amount_yuan": amounts.astype(float)}))
    return pd.concat(rows, ignore_index=True)


def discipline(seed: int, college: College) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 42])
    st = college.students
    rows = []
    for y in YEARS:
        here = np.flatnonzero(in_school(st, y))
        p = 0.008 + st["absence_rate"].to_numpy()[here] * 0.15  # truants are the usual cases
        pick = here[rng.random(len(here)) < p]
        v = rng.integers(0, len(VIOLATIONS), len(pick))
        v = np.where(st["absence_rate"].to_numpy()[pick] > 0.09, np.where(rng.random(len(pick)) < 0.7, 1, v), v)
        day = np.datetime64(f"{y}-09-10") + rng.integers(0, 290, len(pick)).astype("timedelta64[D]")
        rows.append(pd.DataFrame({"student_id": st["student_id"].to_numpy()[pick], "incident_date": day,
                                  "violation_type": np.array([x[0] for x in VIOLATIONS])[v],
                                  "sanction": np.array([x[1] for x in VIOLATIONS])[v],
                                  "is_lifted": np.where(rng.random(len(pick)) < 0.6, "是", "否")}))
    d = pd.concat(rows, ignore_index=True).sort_values("incident_date", kind="stable").reset_index(drop=True)
    d.insert(0, "case_id", "CF" + d["incident_date"].dt.year.astype(str)
             + (d.groupby(d["incident_date"].dt.year).cumcount() + 1).astype(str).str.zfill(4))
    d["incident_date"] = dirt.messy_dates(rng, d["incident_date"], 0.03, serial_as_number=False)
    return d


def psych(seed: int, college: College) -> pd.DataFrame:
    """心理测评 of every new student in the first month (cohorts 2020 on)."""
    rng = np.random.default_rng([seed, 43])
    st = college.students[college.students["entry_year"] >= YEARS[0]]
    levels, p = zip(*PSYCH_LEVELS, strict=True)
    day = (pd.to_datetime(st["entry_year"].astype(str) + "-09-20")
           + pd.to_timedelta(rng.integers(0, 20, len(st)), unit="D"))
    return pd.DataFrame({"student_id": st["student_id"].to_numpy(),
                         "academic_year": (st["entry_year"].astype(str) + "-" + (st["entry_year"] + 1).astype(str)).to_numpy(),
                         "test_date": day.to_numpy(), "level": np.array(levels)[rng.choice(len(levels), len(st), p=p)]})


def employment(seed: int, college: College) -> pd.DataFrame:
    """毕业就业 of every graduate 2021–2025 (cohorts 2018–2022)."""
    rng = np.random.default_rng([seed, 44])
    st = college.students[college.students["status"] == "毕业"]
    prof = college.majors.set_index("major_code")
    year = st["entry_year"].to_numpy() + 3
    trend = prof.loc[st["major_code"], "score_trend"].to_numpy() / 100 * (year - 2023)
    employ = np.clip(prof.loc[st["major_code"], "employ_rate"].to_numpy() + trend, 0.5, 0.99)
    related = np.clip(prof.loc[st["major_code"], "related_rate"].to_numpy() + trend, 0.2, 0.95)
    u = rng.random(len(st))
    further = u < 0.12
    employed = ~further & (u < 0.12 + (1 - 0.12) * employ)
    dest = np.select([further, employed], ["升学", "就业"], "未就业")
    ents = reference.load("enterprises").set_index("college_code")["enterprise"].str.split("|")
    college_code = st["college_code"].to_numpy()
    employer = np.array([ents[c][i % 5] for c, i in zip(college_code, rng.integers(0, 5, len(st)), strict=True)],
                        dtype=object)
    regions = reference.load("regions")
    cities = regions["city"].to_numpy()[:13]
    salary = np.round(rng.normal(4200 + (year - 2021) * 160 + trend * 3000, 650, len(st)) / 10) * 10
    return pd.DataFrame({
        "student_id": st["student_id"].to_numpy(), "graduation_year": year, "major_code": st["major_code"].to_numpy(),
        "destination": dest,
        "is_related": np.where(employed, np.where(rng.random(len(st)) < related, "是", "否"), None),
        "starting_salary": np.where(employed, salary, np.nan),
        "employer": np.where(employed, employer, np.where(further, "江苏理工学院（专转本）", None)),
        "employer_city": np.where(employed, cities[rng.integers(0, len(cities), len(st))], None)})


def write(out: Path, seed: int, college: College) -> dict[str, tuple[Path, int]]:
    folder = out / SYSTEM
    adm = college.admissions.copy()
    frames = {"student": students(seed, college), "aid": aid(seed, college), "discipline": discipline(seed, college),
              "psych": psych(seed, college), "admission": adm, "employment": employment(seed, college)}
    frames["psych"]["test_date"] = pd.to_datetime(frames["psych"]["test_date"]).dt.strftime("%Y-%m-%d")
    college.extra["employment"] = frames["employment"]
    written = {}
    for table, df in frames.items():
        path = folder / contract.source(SYSTEM, table)
        export = contract.to_export(df, SYSTEM, table)
        for col in export.columns:
            if pd.api.types.is_datetime64_any_dtype(export[col]):
                export[col] = export[col].dt.strftime("%Y-%m-%d")
        writers.write_gbk_csv(export, path)
        written[table] = (path, len(df))
    return written
