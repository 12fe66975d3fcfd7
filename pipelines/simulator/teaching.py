"""教务 data: courses, calendar, teaching tasks, grades (with 补考 / 重修), attendance exceptions and
evaluations — vectorised with numpy, one row per student only where the source system has one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.simulator import reference
from pipelines.simulator.academic_calendar import ATTENDANCE_FROM, TERMS, semesters
from pipelines.simulator.college import College

COURSE_LEVELS = (("国家级", 0.01), ("省级", 0.04), ("市级", 0.05), ("校级", 0.15), ("一般", 0.75))
HOURS_PER_CREDIT = 16
PRACTICE_HOURS_PER_CREDIT = 24  # 岗位实习 and other whole-week practice
ABSENCE_STATUSES = np.array(["迟到", "早退", "旷课", "请假"])
PERIODS = np.array(["1-2", "3-4", "5-6", "7-8"])


@dataclass
class Teaching:
    courses: pd.DataFrame
    semesters: pd.DataFrame
    tasks: pd.DataFrame
    scores: pd.DataFrame
    sessions: pd.DataFrame
    absences: pd.DataFrame
    student_evaluations: pd.DataFrame
    supervisor_evaluations: pd.DataFrame


def build_courses(rng: np.random.Generator, college: College) -> pd.DataFrame:
    ref = reference.load("courses")
    each = ref[ref["owner"] == "EACH_MAJOR"]
    per_major = pd.concat([each.assign(owner=m) for m in college.majors["major_code"]], ignore_index=True)
    c = pd.concat([ref[ref["owner"] != "EACH_MAJOR"], per_major], ignore_index=True)
    c["term_no"] = c["term_no"].astype(int)
    c["credits"] = c["credits"].astype(float)
    c = c.sort_values(["owner", "term_no"], kind="stable").reset_index(drop=True)
    c["course_code"] = "K" + c["owner"] + (c.groupby("owner").cumcount() + 1).astype(str).str.zfill(2)
    major_college = college.majors.set_index("major_code")["college_code"]
    c["dept_code"] = c["owner"].map(major_college).fillna(c["owner"])
    internship = c["course_name"] == "岗位实习"
    c["total_hours"] = (c["credits"] * np.where(internship, PRACTICE_HOURS_PER_CREDIT, HOURS_PER_CREDIT)).astype(int)
    share = np.select([c["course_type"] == "A", c["course_type"] == "B"],
                      [rng.uniform(0, 0.1, len(c)), rng.uniform(0.3, 0.6, len(c))], 1.0)
    c["practice_hours"] = (np.round(c["total_hours"] * share / 2) * 2).astype(int).clip(upper=c["total_hours"])
    levels, p = zip(*COURSE_LEVELS, strict=True)
    c["course_level"] = np.array(levels)[rng.choice(len(levels), len(c), p=p)]
    c["weekly_hours"] = np.where(internship, 0, np.round(c["credits"]).astype(int))
    c["difficulty"] = rng.normal(0, 3.5, len(c)) - np.where(c["course_name"] == "高等数学", 6, 0)
    return c


def build_semesters() -> pd.DataFrame:
    return pd.DataFrame([{"semester_code": s.code, "academic_year": f"{s.year}-{s.year + 1}", "term_no": s.term_no,
                          "start_date": s.start, "end_date": s.end, "teaching_weeks": s.teaching_weeks,
                          "year": s.year, "index": s.index} for s in semesters()])


def build_tasks(rng: np.random.Generator, college: College, courses: pd.DataFrame,
                sems: pd.DataFrame) -> pd.DataFrame:
    """One task per class × course of the class's programme term, in every semester of the calendar."""
    cls = college.classes
    major_college = college.majors.set_index("major_code")["college_code"]
    parts = []
    for sem in sems.itertuples():
        term = (sem.year - cls["year"].to_numpy()) * 2 + sem.term_no
        live = cls[(term >= 1) & (term <= TERMS)].assign(prog_term=term[(term >= 1) & (term <= TERMS)])
        # courses a class takes: public (C09/C10), its college's group courses, its major's courses
        owners = pd.concat([
            live.assign(owner="C09"), live.assign(owner="C10"),
            live.assign(owner=live["major_code"].map(major_college)), live.assign(owner=live["major_code"])])
        t = owners.merge(courses, left_on=["owner", "prog_term"], right_on=["owner", "term_no"], how="inner")
        t = t.sort_values(["class_code", "course_code"], kind="stable")
        t["semester_code"], t["sem_index"], t["sem_year"] = sem.semester_code, sem.index, sem.year
        t["teaching_weeks"], t["start_date"] = sem.teaching_weeks, sem.start_date
        parts.append(t)
    tasks = pd.concat(parts, ignore_index=True)
    tasks["task_id"] = ("T" + (tasks["sem_year"] % 100).astype(str) + tasks["semester_code"].str[-1]
                        + (tasks.groupby("semester_code").cumcount() + 1).astype(str).str.zfill(5))
    tasks["teacher_id"] = _pick_teachers(rng, college, tasks)
    return tasks[["task_id", "semester_code", "sem_index", "sem_year", "course_code", "course_name", "course_type",
                  "class_code", "major_code", "prog_term", "teacher_id", "weekly_hours", "teaching_weeks",
                  "start_date", "difficulty"]]


def _pick_teachers(rng: np.random.Generator, college: College, tasks: pd.DataFrame) -> pd.Series:
    """Major courses → a teacher of that major; group courses → the college; public → C09/C10. Only teachers
    hired before the semester started."""
    staff = college.staff[college.staff["post_type"] == "专任教师"]
    major_college = college.majors.set_index("major_code")["college_code"]
    owner_dept = tasks["course_code"].str[1:-2]
    is_major = owner_dept.str.isdigit()
    pool_key = owner_dept.to_numpy()
    dept_of_owner = pd.Series(np.where(is_major, owner_dept.map(major_college), owner_dept), index=tasks.index)
    out = pd.Series("", index=tasks.index, dtype=object)
    hired_year = staff["hire_date"].dt.year.to_numpy()
    frame = pd.DataFrame({"key": pool_key, "dept": dept_of_owner, "year": tasks["sem_year"].to_numpy()})
    for (key, dept, year), idx in frame.groupby(["key", "dept", "year"], sort=True).groups.items():
        by_major = (staff["major_code"].to_numpy() == key) if key.isdigit() else (staff["dept_code"].to_numpy() == dept)
        pool = staff["staff_id"].to_numpy()[by_major & (hired_year <= year)]
        if len(pool) == 0:
            pool = staff["staff_id"].to_numpy()[staff["dept_code"].to_numpy() == dept]
        # the 教研室 shares its tasks out evenly (a shuffled round robin), as colleges plan 工作量; random picks
        # left some teachers with no class at all and others with three times the norm
        order = rng.permutation(len(idx))
        out.loc[np.asarray(idx)[order]] = rng.permutation(pool)[np.arange(len(idx)) % len(pool)]
    return out


def _expand_enrolments(college: College, tasks: pd.DataFrame) -> pd.DataFrame:
    """Task × student of the task's class still attending in that programme term."""
    st = college.students
    class_pos = pd.Series(np.arange(len(college.classes)), index=college.classes["class_code"])
    size = college.classes["size"].to_numpy()
    start = np.cumsum(size) - size
    ci = class_pos.loc[tasks["class_code"]].to_numpy()
    n = size[ci]
    row_task = np.repeat(np.arange(len(tasks)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    row_student = np.repeat(start[ci], n) + offset
    keep = st["leave_term"].to_numpy()[row_student] > tasks["prog_term"].to_numpy()[row_task]
    return pd.DataFrame({"task": row_task[keep], "student": row_student[keep]})


def build_scores(rng: np.random.Generator, college: College, tasks: pd.DataFrame,
                 enr: pd.DataFrame) -> pd.DataFrame:
    st = college.students
    staff_q = college.staff.set_index("staff_id")["teacher_quality"]
    t, s = enr["task"].to_numpy(), enr["student"].to_numpy()
    year = tasks["sem_year"].to_numpy()[t]
    mu = (73 + st["ability"].to_numpy()[s] + st["score_offset"].to_numpy()[s]
          + st["score_trend"].to_numpy()[s] * (year - 2022) + tasks["difficulty"].to_numpy()[t]
          + 1.5 * staff_q.loc[tasks["teacher_id"]].to_numpy()[t]
          + np.where(tasks["course_type"].to_numpy()[t] == "C", 6, 0))
    score = np.clip(np.round(rng.normal(mu, 9)), 0, 100)
    score[rng.random(len(score)) < 0.002] = 0  # 缺考
    passed = score >= 60
    # 补考: most who fail pass the resit (docs/calibration.md: 学业预警 is for the few still failing after it)
    makeup = np.where(passed, np.nan, np.clip(np.round(rng.normal(mu + 9, 9)), 0, 100))
    scores = pd.DataFrame({"student_id": st["student_id"].to_numpy()[s], "task_id": tasks["task_id"].to_numpy()[t],
                           "exam_type": "正考", "total_score": score, "is_passed": passed, "makeup_score": makeup,
                           "is_retake": False})
    # 重修: still failed after 补考 → retake with the next cohort (same course, one year later) when it exists
    failed = ~passed & ~(makeup >= 60)
    key = tasks["course_code"] + "|" + tasks["major_code"] + "|" + tasks["sem_index"].astype(str)
    first_task = pd.Series(tasks["task_id"].to_numpy(), index=key).groupby(level=0).first()
    later = (tasks["course_code"] + "|" + tasks["major_code"] + "|" + (tasks["sem_index"] + 2).astype(str)).to_numpy()
    retake_task = first_task.reindex(later[t[failed]]).to_numpy()
    still_here = st["leave_term"].to_numpy()[s[failed]] > tasks["prog_term"].to_numpy()[t[failed]] + 2
    ok = pd.notna(retake_task) & still_here & (rng.random(failed.sum()) < 0.8)
    r_mu = mu[failed][ok] + 6
    r_score = np.clip(np.round(rng.normal(r_mu, 9)), 0, 100)
    retakes = pd.DataFrame({"student_id": scores["student_id"].to_numpy()[failed][ok], "task_id": retake_task[ok],
                            "exam_type": "重修", "total_score": r_score, "is_passed": r_score >= 60,
                            "makeup_score": np.nan, "is_retake": True})
    return pd.concat([scores, retakes], ignore_index=True).drop_duplicates(["student_id", "task_id"])


def build_attendance(rng: np.random.Generator, college: College, tasks: pd.DataFrame,
                     enr: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sessions of classroom tasks from 2022-2023 on, and one record per NON-出勤 student × session."""
    st = college.students
    live = (tasks["sem_year"].to_numpy() >= ATTENDANCE_FROM) & (tasks["weekly_hours"].to_numpy() > 0)
    per_week = np.maximum(1, tasks["weekly_hours"].to_numpy() // 2)
    n_sessions = np.where(live, per_week * tasks["teaching_weeks"].to_numpy(), 0)
    expected = np.bincount(enr["task"].to_numpy(), minlength=len(tasks))
    ti = np.repeat(np.arange(len(tasks)), n_sessions)
    k = np.arange(n_sessions.sum()) - np.repeat(np.cumsum(n_sessions) - n_sessions, n_sessions)
    week, slot = k // per_week[ti], k % per_week[ti]
    weekday = (np.arange(len(tasks)) * 7 + 3) % 5  # a fixed weekday per task, then +2 days per extra slot
    day = week * 7 + (weekday[ti] + slot * 2) % 5
    start = pd.to_datetime(tasks["start_date"]).to_numpy().astype("datetime64[D]")
    sessions = pd.DataFrame({
        "session_id": tasks["task_id"].to_numpy()[ti] + np.char.zfill(k.astype(str), 3).astype(object),
        "task_id": tasks["task_id"].to_numpy()[ti],
        "session_date": start[ti] + day.astype("timedelta64[D]"),
        "periods": PERIODS[(np.arange(len(tasks))[ti] + slot) % 4],
        "expected_count": expected[ti]})
    # exceptions: per enrolment a binomial count of missed sessions, then which ones
    e = enr[live[enr["task"].to_numpy()]]
    t, s = e["task"].to_numpy(), e["student"].to_numpy()
    rate = np.clip(st["absence_rate"].to_numpy()[s] * st["absence_factor"].to_numpy()[s], 0, 0.6)
    count = rng.binomial(n_sessions[t], rate)
    rt, rs = np.repeat(t, count), np.repeat(s, count)
    pick = np.floor(rng.random(len(rt)) * n_sessions[rt]).astype(int)
    session_start = np.cumsum(n_sessions) - n_sessions
    rows = pd.DataFrame({"session": session_start[rt] + pick, "student": rs}).drop_duplicates()
    rows = rows.sort_values(["session", "student"], kind="stable")
    truant = st["absence_rate"].to_numpy()[rows["student"].to_numpy()] > 0.09
    p_normal, p_truant = [0.36, 0.10, 0.22, 0.32], [0.12, 0.08, 0.70, 0.10]
    status = np.where(truant, rng.choice(4, len(rows), p=p_truant), rng.choice(4, len(rows), p=p_normal))
    records = pd.DataFrame({"session_id": sessions["session_id"].to_numpy()[rows["session"].to_numpy()],
                            "student_id": st["student_id"].to_numpy()[rows["student"].to_numpy()],
                            "status": ABSENCE_STATUSES[status], "hours": 2})
    return sessions, records


def build_evaluations(rng: np.random.Generator, college: College, tasks: pd.DataFrame, enr: pd.DataFrame,
                      sems: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """学生评教 as one averaged row per task (as the 评教 system exports it); 督导评价 for about a quarter of the
    teachers each semester."""
    q = college.staff.set_index("staff_id")["teacher_quality"]
    count = np.bincount(enr["task"].to_numpy(), minlength=len(tasks))
    has = (count > 0) & (tasks["weekly_hours"].to_numpy() > 0)
    tq = q.loc[tasks["teacher_id"]].to_numpy()
    students = pd.DataFrame({
        "task_id": tasks["task_id"][has],
        "evaluator_count": np.round(count[has] * rng.uniform(0.75, 0.98, has.sum())).astype(int),
        "avg_score": np.clip(np.round(rng.normal(89 + 2.5 * tq[has], 2.2), 2), 60, 99.5)})
    staff = college.staff
    supervisors = staff[staff["dept_code"].isin(["D07", "D08"]) | ((staff["title_rank"] >= 3)
                                                                   & (staff["post_type"] == "专任教师"))]
    sup_ids = supervisors["staff_id"].to_numpy()
    rows = []
    for sem in sems.itertuples():
        mine = tasks[tasks["semester_code"] == sem.semester_code].drop_duplicates("teacher_id")
        mine = mine[rng.random(len(mine)) < 0.25]
        quality = q.loc[mine["teacher_id"]].to_numpy()
        score = np.clip(np.round(rng.normal(83 + 4.5 * quality, 5), 1), 50, 99)
        sup = sup_ids[rng.integers(0, len(sup_ids), len(mine))]
        same = sup == mine["teacher_id"].to_numpy()
        sup[same] = sup_ids[(rng.integers(0, len(sup_ids), same.sum()))]
        day = np.datetime64(sem.start_date) + rng.integers(7, 7 * sem.teaching_weeks, len(mine)).astype("timedelta64[D]")
        rows.append(pd.DataFrame({"semester_code": sem.semester_code, "teacher_id": mine["teacher_id"].to_numpy(),
                                  "course_code": mine["course_code"].to_numpy(), "supervisor_id": sup,
                                  "eval_date": day, "score": score}))
    sup_df = pd.concat(rows, ignore_index=True)
    sup_df.insert(0, "eval_id", "DD" + pd.Series(np.arange(1, len(sup_df) + 1)).astype(str).str.zfill(6))
    sup_df["grade"] = np.select([sup_df["score"] >= 90, sup_df["score"] >= 80, sup_df["score"] >= 60],
                                ["优秀", "良好", "合格"], "不合格")
    return students, sup_df


def build_teaching(seed: int, college: College) -> Teaching:
    rng = np.random.default_rng([seed, 10])
    courses = build_courses(rng, college)
    sems = build_semesters()
    tasks = build_tasks(rng, college, courses, sems)
    enr = _expand_enrolments(college, tasks)
    scores = build_scores(np.random.default_rng([seed, 11]), college, tasks, enr)
    sessions, absences = build_attendance(np.random.default_rng([seed, 12]), college, tasks, enr)
    stu_eval, sup_eval = build_evaluations(np.random.default_rng([seed, 13]), college, tasks, enr, sems)
    return Teaching(courses, sems, tasks, scores, sessions, absences, stu_eval, sup_eval)
