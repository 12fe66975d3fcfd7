"""The academic calendar the demo covers: academic years 2020-2021 … 2024-2025, cohorts entering 2018 … 2024
(three-year programmes), two terms per year. Statuses are as of the end of 2024-2025 (2025-08-31)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

YEARS = (2020, 2021, 2022, 2023, 2024)  # start year of each academic year
COHORTS = tuple(range(2018, 2025))
DURATION = 3  # years; terms 1…6, term 6 is 岗位实习
TERMS = 2 * DURATION
ATTENDANCE_FROM = 2022  # the attendance system went live in 2022-2023 (earlier terms have no 考勤)
AS_OF = date(2025, 8, 31)


def academic_year(start: int) -> str:
    return f"{start}-{start + 1}"


def _first_monday(d: date) -> date:
    return d + timedelta(days=(7 - d.weekday()) % 7)


@dataclass(frozen=True)
class Semester:
    code: str  # 2024-2025-1
    year: int  # academic-year start
    term_no: int  # 1 autumn, 2 spring
    start: date
    end: date
    teaching_weeks: int

    @property
    def index(self) -> int:
        """0-based position in the calendar (2020-2021-1 → 0)."""
        return (self.year - YEARS[0]) * 2 + self.term_no - 1


def semesters() -> list[Semester]:
    out = []
    for y in YEARS:
        s1 = _first_monday(date(y, 9, 1))
        out.append(Semester(f"{academic_year(y)}-1", y, 1, s1, s1 + timedelta(weeks=20, days=-1), 18))
        s2 = _first_monday(date(y + 1, 2, 24))
        out.append(Semester(f"{academic_year(y)}-2", y, 2, s2, s2 + timedelta(weeks=19, days=-1), 17))
    return out


def cohort_term(cohort, year, term_no):
    """Which programme term (1…6) a cohort is in; works element-wise on numpy arrays."""
    return (year - cohort) * 2 + term_no
