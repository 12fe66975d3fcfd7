"""教务 tables as DataFrames with the contract's English ids (dirt: spaces in a few class and course names)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.simulator import dirt, reference
from pipelines.simulator.college import College
from pipelines.simulator.teaching import Teaching


def frames(seed: int, college: College, teaching: Teaching) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng([seed, 20])
    depts = reference.departments()
    units = depts[depts["is_teaching_unit"] == "true"].rename(columns={"dept_code": "college_code",
                                                                     "dept_name": "college_name"})
    classes = college.classes.copy()
    classes["class_name"] = dirt.spaces(rng, classes["class_name"], 0.01)
    courses = teaching.courses.copy()
    courses["course_name"] = dirt.spaces(rng, courses["course_name"], 0.01)
    return {
        "college": units.reset_index(drop=True),
        "major": college.majors,
        "class": classes,
        "course": courses,
        "semester": teaching.semesters,
        "teaching_task": teaching.tasks,
        "score": teaching.scores,
        "attendance_session": teaching.sessions,
        "attendance_record": teaching.absences,
        "student_evaluation": teaching.student_evaluations,
        "supervisor_evaluation": teaching.supervisor_evaluations,
    }

