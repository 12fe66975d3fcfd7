"""人事 exports: 教职工名册, 培训记录, 科研教研成果, 校外兼职教师 — one xlsx each, as the HR system exports them
(a plain header row; dates mostly real date cells, a few typed as text or left as Excel serial numbers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.simulator import contract, dirt, reference, writers
from pipelines.simulator.academic_calendar import YEARS, academic_year
from pipelines.simulator.college import College
from pipelines.simulator.people import names

SYSTEM = "renshi"
TRAINING_TYPES = (  # type, hours low–high, share of trainings, program templates
    ("国家级培训", 40, 80, 0.08, ["职业院校教师素质提高计划国家级培训（{x}）", "全国职业院校双师型教师培训（{x}）"]),
    ("省级培训", 24, 64, 0.17, ["江苏省高职院校教师专业技能培训（{x}）", "省级骨干教师培训班（{x}）"]),
    ("校本培训", 4, 16, 0.40, ["新形态课堂教学设计工作坊", "课程思政专题培训", "教学能力比赛备赛培训", "诊改工作专题培训"]),
    ("线上研修", 8, 32, 0.35, ["国家智慧教育平台寒假研修", "国家智慧教育平台暑期研修", "职业教育数字化转型线上研修"]),
)
# 企业实践 (教师〔2016〕3号: 专业课教师 ≥ 6 months in 5 years, docs/calibration.md): every 专业课教师 has a personal
# yearly rhythm of 30–48 working days (vacations), skips about one year in twelve; a few (deliberate trouble, the
# "untrained teachers") do almost none. 1 day = 8 学时.
ENTERPRISE_DAYS = (30, 48)
ENTERPRISE_SKIP = 0.08
ENTERPRISE_UNTRAINED = 0.05
ACHIEVEMENTS = (("论文", 0.45, "基于{k}的{c}教学改革研究"), ("课题", 0.18, "{k}背景下《{c}》课程建设研究"),
                ("专利", 0.12, "一种用于{c}实训的辅助装置"), ("教材", 0.07, "《{c}》（活页式教材）"),
                ("竞赛指导", 0.18, "指导学生获职业院校技能大赛{c}赛项奖项"))
LEVELS = (("国家级", 0.06), ("省部级", 0.24), ("市厅级", 0.25), ("校级", 0.45))
KEYWORDS = ("产教融合", "岗课赛证融通", "OBE理念", "数字化转型", "1+X证书制度", "混合式教学", "课程思政", "工作过程系统化")
QUALIFICATIONS = ("高级工程师", "工程师", "高级技师", "技师", "高级会计师", "主管护师", "高级经济师", "高级工艺美术师")


def roster(seed: int, college: College) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 30])
    s = college.staff.sort_values("staff_id", kind="stable").copy()
    s["name"] = dirt.spaces(rng, s["name"], 0.01)
    s["dept_name"] = dirt.spaces(rng, s["dept_name"], 0.01)
    s["title"] = dirt.spaces(rng, s["title"].where(s["title"] != "", None), 0.02)
    s["title_level"] = s["title_level"].where(s["title_level"] != "无", None)
    s["degree"] = s["degree"].where(s["degree"] != "", None)
    s["id_card_no"] = dirt.blanks(rng, dirt.lower_x(rng, s["id_card_no"]), 0.02)
    s["birth_date"] = dirt.messy_dates(rng, s["birth_date"], 0.03, serial_as_number=True)
    s["hire_date"] = dirt.messy_dates(rng, s["hire_date"], 0.03, serial_as_number=True)
    s["birth_date"], s["hire_date"] = _as_dates(s["birth_date"]), _as_dates(s["hire_date"])
    s["major_code"] = dirt.fullwidth_digits(rng, s["major_code"].where(s["major_code"] != "", None), 0.01)
    for c in ("is_dual_qualified", "is_backbone", "is_major_leader"):
        s[c] = np.where(s[c], "是", "否")
    return s


def _as_dates(s: pd.Series) -> pd.Series:
    """ISO strings become real date cells; the dirty variants stay text (or a bare serial number)."""
    iso = s.map(lambda v: isinstance(v, str) and len(v) == 10 and v[4] == "-")
    out = s.astype(object).copy()
    out[iso] = pd.to_datetime(s[iso]).dt.date
    return out


def training(seed: int, college: College) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 31])
    s = college.staff
    rows = []
    lazy = rng.random(len(s)) < 0.04  # teachers short of training hours (many with none at all; calibration.md)
    enterprises = reference.load("enterprises").set_index("college_code")["enterprise"].str.split("|")
    for y in YEARS:
        here = (s["hire_date"].dt.year <= y).to_numpy()
        lam = np.where(lazy, 0.25, np.where(s["post_type"] == "专任教师", 2.4, 1.2))
        n = np.where(here, rng.poisson(lam), 0)
        idx = np.repeat(np.arange(len(s)), n)
        kinds = rng.choice(len(TRAINING_TYPES), len(idx), p=[t[3] for t in TRAINING_TYPES])
        for k, (kind, lo, hi, _, templates) in enumerate(TRAINING_TYPES):
            sel = idx[kinds == k]
            if not len(sel):
                continue
            dept = s["dept_code"].to_numpy()[sel]
            names = []
            for j, d in enumerate(dept):
                t = templates[rng.integers(0, len(templates))]
                ent = enterprises.get(d, enterprises.iloc[0])
                names.append(t.format(x=("第一期", "第二期", "第三期")[j % 3], e=ent[rng.integers(0, len(ent))]))
            start = (np.datetime64(f"{y}-09-01") + rng.integers(0, 330, len(sel)).astype("timedelta64[D]"))
            rows.append(pd.DataFrame({"staff_id": s["staff_id"].to_numpy()[sel], "program": names,
                                      "training_type": kind, "start_date": start,
                                      "hours": (rng.integers(lo // 2, hi // 2 + 1, len(sel)) * 2),
                                      "academic_year": academic_year(y)}))
    rows.append(_enterprise_practice(rng, s, enterprises))
    t = pd.concat(rows, ignore_index=True).drop_duplicates(["staff_id", "program", "start_date"])
    t = t.sort_values(["academic_year", "staff_id", "start_date"], kind="stable").reset_index(drop=True)
    t["staff_id"] = dirt.spaces(rng, dirt.lower_case(rng, t["staff_id"], 0.02), 0.01)
    t["start_date"] = _as_dates(dirt.messy_dates(rng, t["start_date"], 0.03, serial_as_number=True))
    return t


def _enterprise_practice(rng: np.random.Generator, s: pd.DataFrame, enterprises: pd.Series) -> pd.DataFrame:
    """One 企业实践 record per 专业课教师 and year (summer or winter vacation), from the year of hire."""
    professional = ((s["post_type"] == "专任教师") & (s["major_code"] != "")).to_numpy()
    untrained = rng.random(len(s)) < ENTERPRISE_UNTRAINED
    rate = np.where(untrained, rng.uniform(0, 8, len(s)), rng.uniform(*ENTERPRISE_DAYS, len(s)))
    rows = []
    for y in YEARS:
        here = professional & (s["hire_date"].dt.year <= y).to_numpy()
        days = np.round(rate * rng.uniform(0.8, 1.2, len(s))) * (rng.random(len(s)) > ENTERPRISE_SKIP)
        sel = np.flatnonzero(here & (days > 0))
        summer = rng.random(len(sel)) < 0.7
        start = np.where(summer, np.datetime64(f"{y + 1}-07-06"), np.datetime64(f"{y + 1}-01-15")) \
            + rng.integers(0, 10, len(sel)).astype("timedelta64[D]")
        ents = [enterprises.get(d, enterprises.iloc[0]) for d in s["dept_code"].to_numpy()[sel]]
        rows.append(pd.DataFrame({"staff_id": s["staff_id"].to_numpy()[sel],
                                  "program": [f"{e[rng.integers(0, len(e))]}企业实践" for e in ents],
                                  "training_type": "企业实践", "start_date": start,
                                  "hours": (days[sel] * 8).astype(int), "academic_year": academic_year(y)}))
    return pd.concat(rows, ignore_index=True)


def research(seed: int, college: College, courses: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 32])
    s = college.staff[college.staff["post_type"].isin(["专任教师", "辅导员"])]
    by_owner = courses.groupby("owner")["course_name"].apply(list)
    rows = []
    for y in YEARS:
        here = (s["hire_date"].dt.year <= y).to_numpy()
        n = np.where(here, rng.poisson(0.45 + 0.25 * np.clip(s["teacher_quality"].to_numpy(), 0, None)), 0)
        idx = np.repeat(np.arange(len(s)), n)
        types = rng.choice(len(ACHIEVEMENTS), len(idx), p=[a[1] for a in ACHIEVEMENTS])
        levels = rng.choice(len(LEVELS), len(idx), p=[lv[1] for lv in LEVELS])
        titles = []
        for i, t in zip(idx, types, strict=True):
            owner = s["major_code"].iloc[i] or s["dept_code"].iloc[i]
            pool = by_owner.get(owner, by_owner.get("C10"))
            titles.append(ACHIEVEMENTS[t][2].format(k=KEYWORDS[rng.integers(0, len(KEYWORDS))],
                                                    c=pool[rng.integers(0, len(pool))]))
        rows.append(pd.DataFrame({"staff_id": s["staff_id"].to_numpy()[idx], "title": titles,
                                  "achievement_type": np.array([a[0] for a in ACHIEVEMENTS])[types],
                                  "level": np.array([lv[0] for lv in LEVELS])[levels], "year": y + 1}))
    r = pd.concat(rows, ignore_index=True)
    r.insert(0, "achievement_id", "CG" + r["year"].astype(str) + (r.groupby("year").cumcount() + 1).astype(str).str.zfill(4))
    r["staff_id"] = dirt.lower_case(rng, r["staff_id"], 0.02)
    r["year"] = dirt.fullwidth_digits(rng, r["year"], 0.01)
    return r


def external_teachers(seed: int, college: College, courses: pd.DataFrame) -> pd.DataFrame:
    """校外兼职教师 per academic year; about 70 % stay on from one year to the next."""
    rng = np.random.default_rng([seed, 33])
    n = college.size.external_teachers
    enterprises = reference.load("enterprises")
    major_courses = courses[courses["owner"].str.isdigit() & (courses["course_type"] != "A")
                            & (courses["course_name"] != "岗位实习")]
    people_pool = []
    next_id = 1
    rows = []
    for y in YEARS:
        keep = [p for p in people_pool if rng.random() < 0.7]
        while len(keep) < n:
            c = major_courses.iloc[rng.integers(0, len(major_courses))]
            college_code = college.majors.set_index("major_code").loc[c["owner"], "college_code"]
            ents = enterprises.set_index("college_code").loc[college_code, "enterprise"].split("|")
            gender = "男" if rng.random() < 0.6 else "女"
            keep.append({"external_id": f"JZ{next_id:05d}", "name": names(rng, np.array([gender]))[0],
                         "employer": ents[rng.integers(0, len(ents))],
                         "qualification": QUALIFICATIONS[rng.integers(0, len(QUALIFICATIONS))]
                         if rng.random() > 0.05 else None, "course_name": c["course_name"]})
            next_id += 1
        people_pool = keep
        for p in keep:
            rows.append({**p, "academic_year": academic_year(y), "teaching_hours": int(rng.integers(8, 49) * 2)})
    return pd.DataFrame(rows)


def write(out: Path, seed: int, college: College, courses: pd.DataFrame) -> dict[str, tuple[Path, int]]:
    folder = out / SYSTEM
    frames = {"staff": roster(seed, college), "training": training(seed, college),
              "research": research(seed, college, courses), "external_teacher": external_teachers(seed, college, courses)}
    written = {}
    for table, df in frames.items():
        file = contract.source(SYSTEM, table)
        wb = writers.new_workbook()
        export = contract.to_export(df, SYSTEM, table)
        dates = [c["column_zh"] for c in contract.columns(SYSTEM, table) if c["type"] == "date"]
        writers.add_table_sheet(wb, Path(file).stem, export, date_columns=dates)
        writers.save_workbook(wb, folder / file)
        written[table] = (folder / file, len(df))
    college.extra["external_teachers"] = frames["external_teacher"]
    return written
