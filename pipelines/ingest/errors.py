"""Problems found in a source file, told the way a data clerk (数据填报员) understands them.

    raise SourceDataError("文件为空", file="学工/学生学籍.csv", rule="empty_file")

    problems = ProblemList()
    problems.add("无法识别为日期", file=..., row=1234, column="入学日期", value="2023-02-30", rule="date")
    problems.raise_if_errors()          # one SourceDataError carrying every error-level problem

Every problem carries file, sheet, row (as the user sees it: Excel row / editor line), column (the Chinese
label), value, rule (a short English id for machines) and severity (`error` stops the file, `warning` is
reported and the file is still loaded). The fields match the gate's 问题明细.csv (文件、工作表、行号、列、值、
规则、严重程度) so both lists can be concatenated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ERROR = "error"
WARNING = "warning"
SEVERITY_ZH = {ERROR: "错误", WARNING: "提醒"}

# English system folder → what a clerk calls the system
SYSTEM_ZH = {"jiaowu": "教务", "renshi": "人事", "xuegong": "学工", "caiwu": "财务", "zhuangtai": "状态数据平台",
             "fankui": "诊改反馈"}

MAX_LISTED = 20  # problems spelled out in str(SourceDataError); the rest are counted


def display_name(path: str | Path | None) -> str | None:
    """`…/sources/xuegong/学生学籍.csv` → `学工/学生学籍.csv` (system folder + file name), else the file name."""
    if path is None:
        return None
    p = Path(path)
    parent = p.parent.name
    if parent in SYSTEM_ZH:
        return f"{SYSTEM_ZH[parent]}/{p.name}"
    return f"{parent}/{p.name}" if parent in SYSTEM_ZH.values() else p.name


def _short(value: Any, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One problem at one place. `reason` is the sentence after the location, e.g. 无法识别为年份."""

    reason: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    rule: str | None = None
    severity: str = ERROR

    @property
    def location(self) -> str:
        """`学工/学生学籍.csv 工作表「…」第 1234 行「入学年份」列`"""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        loc = " ".join(parts)
        if self.column:
            loc += f"「{self.column}」列"
        return loc

    @property
    def message(self) -> str:
        """`学工/学生学籍.csv 第 1234 行「入学年份」列的值「二〇二三」无法识别为年份`"""
        loc = self.location
        if self.value is not None and self.value != "":
            return f"{loc}的值「{_short(self.value)}」{self.reason}" if loc else f"值「{_short(self.value)}」{self.reason}"
        return f"{loc}：{self.reason}" if loc else self.reason

    def as_row(self) -> dict[str, Any]:
        """The 问题明细 row (Chinese headers)."""
        return {"文件": self.file, "工作表": self.sheet, "行号": self.row, "列": self.column, "值": self.value,
                "规则": self.rule, "严重程度": SEVERITY_ZH.get(self.severity, self.severity), "说明": self.message}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return self.message


class SourceDataError(Exception):
    """A source file cannot be used as it is. `str(e)` is Chinese and names the file (and row/column)."""

    def __init__(self, reason: str | None = None, *, file: str | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None, value: Any = None,
                 rule: str | None = None, problems: Iterable[Problem] | None = None):
        probs = list(problems or [])
        if reason is not None:
            probs.insert(0, Problem(reason, file=file, sheet=sheet, row=row, column=column, value=value,
                                    rule=rule, severity=ERROR))
        if not probs:
            raise ValueError("SourceDataError needs a reason or problems")
        self.problems: list[Problem] = probs
        first = probs[0]
        self.file, self.sheet, self.row = first.file, first.sheet, first.row
        self.column, self.value, self.rule = first.column, first.value, first.rule
        super().__init__(self._text())

    def _text(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0].message
        lines = [f"共发现 {len(self.problems)} 个问题："]
        lines += [f"  {i}. {p.message}" for i, p in enumerate(self.problems[:MAX_LISTED], 1)]
        if len(self.problems) > MAX_LISTED:
            lines.append(f"  …… 其余 {len(self.problems) - MAX_LISTED} 个问题见问题明细")
        return "\n".join(lines)


class ProblemList:
    """Collects problems instead of stopping at the first; `raise_if_errors()` at the end."""

    def __init__(self, problems: Iterable[Problem] = ()):
        self.items: list[Problem] = list(problems)

    def add(self, reason: str, *, severity: str = ERROR, **where: Any) -> Problem:
        p = Problem(reason, severity=severity, **where)
        self.items.append(p)
        return p

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == WARNING]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise SourceDataError(problems=self.errors)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([p.as_row() for p in self.items],
                            columns=["文件", "工作表", "行号", "列", "值", "规则", "严重程度", "说明"])

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)
