"""The demo college itself: majors, admissions, classes, students and staff, as DataFrames with English
column names (the contract ids). Exports pick and rename columns later; this module knows nothing of files.

Performance profiles (reference/profiles.csv) give some majors trouble on purpose — low 报到率, low 双师
share, low pass rates, falling or rising trends — so that warnings downstream have something to find.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from pipelines.simulator import people, reference
from pipelines.simulator.academic_calendar import AS_OF, COHORTS, DURATION, TERMS, YEARS
from pipelines.simulator.sizes import SizeParams

TIER_WEIGHT = {"省品牌": 1.6, "省特色": 1.4, "市品牌": 1.3, "市特色": 1.1, "校品牌": 1.0, "校特色": 0.9,
               "校潜力": 0.7, "校一般": 0.8}
FEMALE_SHARE = {"C01": 0.10, "C02": 0.25, "C03": 0.08, "C04": 0.28, "C05": 0.68, "C06": 0.60, "C07": 0.62,
                "C08": 0.88}
ADMISSION_TYPES = (("普通高考", 0.58), ("提前招生", 0.22), ("注册入学", 0.08), ("中职注册", 0.08), ("3+2转段", 0.04))
COHORT_GROWTH = 0.03  # new students grow about 3 % a year


@dataclass
class College:
    size: SizeParams
    colleges: pd.DataFrame
    majors: pd.DataFrame
    admissions: pd.DataFrame
    classes: pd.DataFrame
    students: pd.DataFrame
    staff: pd.DataFrame
    extra: dict = field(default_factory=dict)


def _profiles() -> pd.DataFrame:
    p = reference.load("profiles").set_index("profile")
    return p.drop(columns="description").astype(float)


def build_majors() -> tuple[pd.DataFrame, pd.DataFrame]:
    depts = reference.departments()
    colleges = depts[depts["dept_type"] == "二级学院"][["dept_code", "dept_name"]]
    colleges = colleges.rename(columns={"dept_code": "college_code", "dept_name": "college_name"})
    majors = reference.load("majors").copy()
    majors["established_year"] = majors["established_year"].astype(int)
    majors["duration_years"] = DURATION
    majors = majors.rename(columns={"tier": "major_tier"}).join(_profiles(), on="profile")
    majors["seq_in_college"] = majors.groupby("college_code").cumcount() + 1
    return colleges.reset_index(drop=True), majors


def build_admissions(rng: np.random.Generator, majors: pd.DataFrame, size: SizeParams) -> pd.DataFrame:
    """招生: plan, admitted, first-choice and enrolled (报到) per major and year."""
    rows = []
    share = majors["major_tier"].map(TIER_WEIGHT).to_numpy()
    share = share / share.sum()
    for year in COHORTS:
        total = size.cohort_students * 1.08 * (1 + COHORT_GROWTH) ** (year - 2021)  # 1.08: not all admitted enrol
        open_ = majors["established_year"].to_numpy() <= year
        s = np.where(open_, share, 0)
        plan = np.round(total * s / s.sum() / 5) * 5 / majors["enrol_rate"].clip(upper=0.93).to_numpy() * 0.93
        plan = np.maximum(np.round(plan / 5) * 5, np.where(open_, 10, 0))
        trend = majors["score_trend"].to_numpy() / 100 * (year - 2021)
        admitted = np.round(plan * np.clip(rng.normal(0.985, 0.03, len(plan)) + trend, 0.6, 1.05))
        enrolled = np.round(admitted * np.clip(majors["enrol_rate"].to_numpy() + trend
                                               + rng.normal(0, 0.02, len(plan)), 0.5, 0.99))
        first = np.round(admitted * np.clip(rng.normal(0.72, 0.1, len(plan)) + trend, 0.2, 0.98))
        rows.append(pd.DataFrame({"year": year, "major_code": majors["major_code"], "major_name": majors["major_name"],
                                  "plan_count": plan, "admitted_count": admitted, "first_choice_count": first,
                                  "enrolled_count": enrolled})[open_])
    adm = pd.concat(rows, ignore_index=True)
    for c in ("plan_count", "admitted_count", "first_choice_count", "enrolled_count"):
        adm[c] = adm[c].astype(int)
    return adm


def build_classes_and_students(rng: np.random.Generator, majors: pd.DataFrame, admissions: pd.DataFrame,
                               size: SizeParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    m = majors.set_index("major_code")
    adm = admissions.join(m[["college_code", "short_name", "seq_in_college", "profile", "score_offset",
                             "score_trend", "absence_factor"]], on="major_code")
    n_classes = np.maximum(1, np.round(adm["enrolled_count"] / size.class_size)).astype(int).to_numpy()
    classes = adm.loc[adm.index.repeat(n_classes)].reset_index(drop=True)
    classes["class_no"] = classes.groupby(["year", "major_code"]).cumcount() + 1
    yy = (classes["year"] % 100).astype(str).str.zfill(2)
    no = classes["class_no"].astype(str).str.zfill(2)
    classes["class_code"] = yy + classes["major_code"] + no
    classes["class_name"] = classes["short_name"] + yy + no + "班"
    classes["entry_year"] = classes["year"]
    # students: spread each major-year's enrolled count over its classes
    per_class = np.zeros(len(classes), dtype=int)
    first_class = np.concatenate([[0], np.cumsum(n_classes)[:-1]])
    for start, k, total in zip(first_class, n_classes, adm["enrolled_count"].to_numpy(), strict=True):
        per_class[start:start + k] = total // k + (np.arange(k) < total % k)
    classes["size"] = per_class
    n = int(per_class.sum())
    cls_idx = np.repeat(np.arange(len(classes)), per_class)
    seq = np.arange(n) - np.repeat(np.cumsum(per_class) - per_class, per_class) + 1
    c = classes.iloc[cls_idx].reset_index(drop=True)
    st = pd.DataFrame({"class_idx": cls_idx, "class_code": c["class_code"], "major_code": c["major_code"],
                       "major_name": c["major_name"], "college_code": c["college_code"], "entry_year": c["year"],
                       "profile": c["profile"], "score_offset": c["score_offset"], "score_trend": c["score_trend"],
                       "absence_factor": c["absence_factor"]})
    st["student_id"] = (c["year"].astype(str) + c["college_code"].str[1:].str.zfill(2)
                        + c["seq_in_college"].astype(str).str.zfill(2) + c["class_no"].astype(str).str.zfill(2)
                        + pd.Series(seq).astype(str).str.zfill(2))
    female = rng.random(n) < st["college_code"].map(FEMALE_SHARE).to_numpy()
    st["gender"] = np.where(female, "女", "男")
    st["name"] = people.names(rng, st["gender"].to_numpy())
    entry = people.days_of(date(2000, 9, 1)) + (st["entry_year"].to_numpy() - 2000) * 365.25
    age_days = 18 * 365.25 + rng.gamma(2.0, 120, n)  # most 18, a tail of older 中职/社会 students
    st["birth_date"] = people.to_dates(np.round(entry - age_days))
    reg = people.regions(rng, n)
    st["origin"] = reg["origin"].to_numpy()
    eth = reference.load("ethnic_groups")
    st["ethnic_group"] = eth["ethnic_group"].to_numpy()[rng.choice(len(eth), n, p=reference.weights(eth))]
    st["id_card_no"] = people.id_cards(rng, reg["region_code"].to_numpy(), st["birth_date"].to_numpy(),
                                       st["gender"].to_numpy())
    kinds, p = zip(*ADMISSION_TYPES, strict=True)
    st["admission_type"] = np.array(kinds)[rng.choice(len(kinds), n, p=np.array(p) / sum(p))]
    st["phone"] = people.phones(rng, n)
    st["ability"] = rng.normal(0, 7, n)  # sd 7 (was 9): few students still fail 4+ courses after 补考 (calibration.md)
    truant = rng.random(n) < 0.04 * st["absence_factor"].to_numpy()
    st["absence_rate"] = np.where(truant, rng.uniform(0.10, 0.35, n), rng.gamma(1.5, 0.012, n))
    st.loc[truant, "ability"] -= 6
    _assign_status(rng, st)
    return classes, st


def _assign_status(rng: np.random.Generator, st: pd.DataFrame) -> None:
    """学籍状态 as of 2025-08-31 and `leave_term`, the first programme term a student no longer attends
    (7 = completed all six)."""
    n = len(st)
    reached = np.minimum(TERMS, (AS_OF.year - 1 - st["entry_year"].to_numpy()) * 2 + 2)  # terms started
    weak = st["profile"].isin(["weak_pass", "weak_enrol"]).to_numpy()
    u = rng.random(n)
    drop_p = np.where(weak, 0.06, 0.025) + np.clip(-st["ability"].to_numpy(), 0, None) / 400
    dropped = u < drop_p
    suspended = (~dropped) & (u < drop_p + 0.008)
    leave = np.full(n, TERMS + 1)
    left = dropped | suspended
    leave[left] = 2 + np.floor(rng.random(left.sum()) * (reached[left] - 1)).astype(int)
    st["leave_term"] = leave
    graduated = reached >= TERMS
    st["status"] = np.select([dropped, suspended, graduated], ["退学", "休学", "毕业"], "在读")


def active_in_term(st: pd.DataFrame, term_no: np.ndarray | int) -> np.ndarray:
    return st["leave_term"].to_numpy() > term_no


def build_staff(rng: np.random.Generator, majors: pd.DataFrame, students: pd.DataFrame,
                size: SizeParams) -> pd.DataFrame:
    """Current roster: 专任教师 (per major / public departments), 辅导员, 行政, 教辅."""
    depts = reference.departments().set_index("dept_code")
    by_major = students[students["entry_year"] >= 2022].groupby("major_code").size()
    share = by_major.reindex(majors["major_code"]).fillna(0).to_numpy() + 30
    n_public = int(size.fulltime_teachers * 0.16)
    n_major = size.fulltime_teachers - n_public
    per_major = np.maximum(3, np.round(n_major * share / share.sum())).astype(int)
    teach = pd.DataFrame({"major_code": np.repeat(majors["major_code"].to_numpy(), per_major),
                          "dept_code": np.repeat(majors["college_code"].to_numpy(), per_major),
                          "dual_share": np.repeat(majors["dual_share"].to_numpy(), per_major),
                          "post_type": "专任教师"})
    public = pd.DataFrame({"major_code": "", "dept_code": np.where(np.arange(n_public) < n_public * 0.3, "C09", "C10"),
                           "dual_share": 0.12, "post_type": "专任教师"})
    college_codes = majors["college_code"].unique()
    counselors = pd.DataFrame({"major_code": "", "dept_code": college_codes[np.arange(size.counselors) % len(college_codes)],
                               "dual_share": 0.0, "post_type": "辅导员"})
    admin_depts = [c for c in depts.index if c.startswith("D") and c != "D19"]
    admin = pd.DataFrame({"major_code": "", "dept_code": np.array(admin_depts)[np.arange(size.admin_staff) % len(admin_depts)],
                          "dual_share": 0.0, "post_type": "行政"})
    support_depts = np.array(["D19", "D14", "D16", *college_codes])
    support = pd.DataFrame({"major_code": "", "dept_code": support_depts[np.arange(size.support_staff) % len(support_depts)],
                            "dual_share": 0.0, "post_type": "教辅"})
    s = pd.concat([teach, public, counselors, admin, support], ignore_index=True)
    n = len(s)
    s["dept_name"] = depts.loc[s["dept_code"], "dept_name"].to_numpy()
    # hire years: the college kept growing, so recent years hire more; counselors are young
    years = np.arange(1988, 2025)
    w = np.exp((years - 1988) / 24.0)
    hire_year = years[rng.choice(len(years), n, p=w / w.sum())]
    hire_year = np.where(s["post_type"] == "辅导员", rng.integers(2012, 2025, n), hire_year)
    hire_day = people.days_of(date(1988, 1, 1)) + (hire_year - 1988) * 365.25
    hire = np.where(rng.random(n) < 0.85, hire_day + 243.6, hire_day + rng.integers(60, 330, n))  # mostly 9-01
    s["hire_date"] = people.to_dates(np.round(hire))
    age_at_hire = rng.uniform(23.5, 31, n) * 365.25
    s["birth_date"] = people.to_dates(np.round(hire - age_at_hire))
    s["gender"] = np.where(rng.random(n) < 0.52, "女", "男")
    s["name"] = people.names(rng, s["gender"].to_numpy())
    reg = people.regions(rng, n)
    s["id_card_no"] = people.id_cards(rng, reg["region_code"].to_numpy(), s["birth_date"].to_numpy(),
                                      s["gender"].to_numpy())
    s = s.sort_values(["hire_date", "dept_code"], kind="stable").reset_index(drop=True)
    s["staff_id"] = "JN" + s["hire_date"].dt.year.astype(str) + (s.groupby(s["hire_date"].dt.year).cumcount() + 1
                                                                 ).astype(str).str.zfill(4)
    _education_and_titles(rng, s)
    s["teacher_quality"] = rng.normal(0, 1, len(s))
    return s


def _education_and_titles(rng: np.random.Generator, s: pd.DataFrame) -> None:
    n = len(s)
    edu = reference.load("education")
    is_teacher = (s["post_type"] == "专任教师").to_numpy()
    pick_t = rng.choice(len(edu), n, p=reference.weights(edu, "teacher_weight"))
    pick_s = rng.choice(len(edu), n, p=reference.weights(edu, "staff_weight"))
    pick = np.where(is_teacher | (s["post_type"] == "辅导员").to_numpy(), pick_t, pick_s)
    s["education"] = edu["education"].to_numpy()[pick]
    s["degree"] = edu["degree"].to_numpy()[pick]
    years = (AS_OF.year - s["hire_date"].dt.year).to_numpy()
    score = years * 0.17 + rng.normal(0, 1.0, n) + np.where(s["degree"] == "博士", 1.5, 0)
    rank = np.select([score > 5.2, score > 3.0, score > 0.9], [4, 3, 2], 1)
    rank = np.where(years < 1, 0, rank)  # first-year staff have no 职称 yet
    series = np.select([is_teacher | (s["post_type"] == "辅导员").to_numpy(), (s["post_type"] == "教辅").to_numpy()],
                       ["teacher", "lab"], "research")
    titles = reference.load("titles")
    lookup = {(r.title_series, int(r.rank)): (r.title_name, r.title_level) for r in titles.itertuples()}
    pairs = [lookup.get((se, int(r)), ("", "无")) for se, r in zip(series, rank, strict=True)]
    s["title"] = [p[0] for p in pairs]
    s["title_level"] = [p[1] for p in pairs]
    s["title_rank"] = rank
    industry = np.where(rng.random(n) < 0.45, rng.integers(1, 12, n), 0)
    s["industry_years"] = np.where(is_teacher, industry, 0)
    dual = is_teacher & (rng.random(n) < s["dual_share"].to_numpy() * np.where(industry > 0, 1.35, 0.7))
    s["is_dual_qualified"] = dual
    s["is_backbone"] = is_teacher & (rank >= 2) & (rng.random(n) < 0.2)
    # one 专业带头人 per major: its most senior teacher — except majors whose profile is weak in teaching
    senior = s[is_teacher & (s["major_code"] != "")].sort_values(["major_code", "title_rank", "hire_date"],
                                                                  ascending=[True, False, True], kind="stable")
    leaders = senior.groupby("major_code").head(1)
    weak = reference.load("majors").query("profile == 'weak_teaching'")["major_code"]
    s["is_major_leader"] = s.index.isin(leaders[~leaders["major_code"].isin(weak)].index)
    s["staffing_type"] = np.select([s["hire_date"].dt.year.to_numpy() < 2012, rng.random(n) < 0.6],
                                   ["事业编制", "人事代理"], "合同制")
    old_contract = (s["staffing_type"] == "事业编制") & (s["hire_date"].dt.year >= 2000) & (rng.random(n) < 0.08)
    s.loc[old_contract, "staffing_type"] = "人事代理"


def build_college(seed: int, size: SizeParams) -> College:
    rng = np.random.default_rng([seed, 1])
    colleges, majors = build_majors()
    admissions = build_admissions(rng, majors, size)
    classes, students = build_classes_and_students(rng, majors, admissions, size)
    staff = build_staff(np.random.default_rng([seed, 2]), majors, students, size)
    _assign_class_staff(np.random.default_rng([seed, 3]), classes, staff)
    return College(size, colleges, majors, admissions, classes, students, staff)


def _assign_class_staff(rng: np.random.Generator, classes: pd.DataFrame, staff: pd.DataFrame) -> None:
    """辅导员 from the class's college, 班主任 a teacher of its major; both hired before the class started."""
    counselor_ids, head_ids = [], []
    for key, group in classes.groupby(["college_code", "year"], sort=True):
        college, year = key
        pool = staff[(staff["post_type"] == "辅导员") & (staff["dept_code"] == college)
                     & (staff["hire_date"].dt.year <= year)]
        if pool.empty:
            pool = staff[(staff["post_type"] == "辅导员") & (staff["dept_code"] == college)]
        counselor_ids.append(pd.Series(pool["staff_id"].to_numpy()[rng.integers(0, len(pool), len(group))],
                                       index=group.index))
    for key, group in classes.groupby(["major_code", "year"], sort=True):
        major, year = key
        pool = staff[(staff["major_code"] == major) & (staff["hire_date"].dt.year <= year)]
        if pool.empty:
            pool = staff[staff["major_code"] == major]
        head_ids.append(pd.Series(pool["staff_id"].to_numpy()[rng.integers(0, len(pool), len(group))],
                                  index=group.index))
    classes["counselor_id"] = pd.concat(counselor_ids).sort_index()
    classes["head_teacher_id"] = pd.concat(head_ids).sort_index()


def in_school(students: pd.DataFrame, year: int) -> np.ndarray:
    """Students in school during academic year `year` (cohorts year-2…year, not left before its first term)."""
    term = (year - students["entry_year"].to_numpy()) * 2 + 1
    return (term >= 1) & (term <= TERMS) & (students["leave_term"].to_numpy() > term)


__all__ = ["College", "build_college", "in_school", "active_in_term", "YEARS"]
