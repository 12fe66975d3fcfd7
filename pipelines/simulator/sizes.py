"""Size presets of the demo college. S ≈ 15,000 students in school and ~800 staff; M = 3×, L = 10×.

XS is for the test-suite only (a few hundred students per cohort): quick enough to load into PostgreSQL
and MariaDB inside a test run. The CLI hides sizes starting with X.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SizeParams:
    cohort_students: int  # new students per year around 2021 (≈ in-school students / 3)
    fulltime_teachers: int  # 专任教师 in the current roster
    counselors: int  # 辅导员
    admin_staff: int  # 行政
    support_staff: int  # 教辅
    external_teachers: int  # 校外兼职教师 per academic year
    class_size: int = 45

    @property
    def scale(self) -> float:
        """Factor against S, used for school-level stocks (areas, books, money)."""
        return self.cohort_students / SIZES["S"].cohort_students


SIZES: dict[str, SizeParams] = {
    "XS": SizeParams(cohort_students=300, fulltime_teachers=60, counselors=8, admin_staff=10, support_staff=4,
                     external_teachers=12),
    "S": SizeParams(cohort_students=5000, fulltime_teachers=740, counselors=66, admin_staff=60, support_staff=24,
                    external_teachers=250),
    "M": SizeParams(cohort_students=15000, fulltime_teachers=2220, counselors=198, admin_staff=180,
                    support_staff=72, external_teachers=750),
    "L": SizeParams(cohort_students=50000, fulltime_teachers=7400, counselors=660, admin_staff=600,
                    support_staff=240, external_teachers=2500),
}
