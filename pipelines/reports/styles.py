"""openpyxl helpers shared by the reports: number formats by unit, a sheet writer that lays out titled tables
top to bottom, tier colours as conditional formatting, native charts and print setup.

Every table gets a workbook-level defined name (`name` → `'sheet'!$A$5:$H$20`, header row included) so
readers — and the tests — find it without knowing the layout.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.label import DataLabelList
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.config import REPO_ROOT

FONT_NAME = "等线"  # Excel's default CJK font; LibreOffice falls back to Noto Sans CJK
THIN = Side(style="thin", color="9E9E9E")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", start_color="1F4E79", end_color="1F4E79")
HEADER_FONT = Font(name=FONT_NAME, bold=True, color="FFFFFF", size=10)
BODY_FONT = Font(name=FONT_NAME, size=10)
TOTAL_FONT = Font(name=FONT_NAME, size=10, bold=True)
TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True, color="1F4E79")
HEADING_FONT = Font(name=FONT_NAME, size=12, bold=True, color="1F4E79")
NOTE_FONT = Font(name=FONT_NAME, size=9, italic=True, color="616161")
ZEBRA_FILL = PatternFill("solid", start_color="F3F6FA", end_color="F3F6FA")
NO_DATA = "本学年无数据"



def _tier_colour(tier: str) -> str:
    """A tier's colour from the one tier vocabulary (seeds/warning_tiers.csv)."""
    with open(REPO_ROOT / "seeds" / "warning_tiers.csv", encoding="utf-8") as f:
        return next(t["colour"] for t in csv.DictReader(f) if t["tier"] == tier)


# text results that are coloured conditionally besides the tier names: pass words take the colour of 达标,
# fail words the colour of 红 (未达成 a target: 橙), no data the colour of 未设标准
PASS_COLOURS = {"达标": _tier_colour("达标"), "是": _tier_colour("达标"), "不达标": _tier_colour("红"),
                "否": _tier_colour("红"), "达成": _tier_colour("达标"), "未达成": _tier_colour("橙"),
                NO_DATA: _tier_colour("无标准"), "无数据": _tier_colour("无标准"),
                "一致": _tier_colour("达标"), "不一致": _tier_colour("橙")}  # 跨系统对账


def unit_format(unit: str | None, decimals: int | None = None) -> str:
    """Excel number format for a catalogue unit: '%' → 0.0%, '元' → #,##0"元", '比' → 0.00":1", '㎡' → 0.00"㎡"."""
    d = 2 if decimals is None else int(decimals)
    frac = ("." + "0" * d) if d > 0 else ""
    if unit == "%":
        return f"0{frac}%"
    base = f"#,##0{frac}"
    if not unit:
        return base
    if unit == "比":
        return f'0{frac}":1"'
    return f'{base}"{unit}"'


FMT_INT = "#,##0"
FMT_PCT = "0.0%"
FMT_WAN = '#,##0.00"万元"'
FMT_YUAN = '#,##0"元"'
FMT_M2 = '#,##0.00"㎡"'
FMT_RATIO = "0.00"


def text_lines(text: str, width: float) -> int:
    """Lines a wrapped text needs in a column `width` digits wide (a CJK character is about 1.8 digits)."""
    total = 0
    for part in text.split("\n"):
        units = sum(1.8 if ord(ch) > 0x2E80 else 1.0 for ch in part)  # Excel: a 10pt CJK glyph ≈ 1.8 digits
        total += max(1, int(-(-units // max(width - 1, 1))))
    return total


def hex_colour(colour: str) -> str:
    return colour.lstrip("#").upper()


def text_colour_on(colour: str) -> str:
    """White text on dark fills, black on light ones."""
    c = hex_colour(colour)
    r, g, b = int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    return "FFFFFF" if (0.299 * r + 0.587 * g + 0.114 * b) < 150 else "000000"


@dataclass
class Col:
    header: str
    width: float = 12
    fmt: str | None = None  # number format for the whole column (a row may override with a (value, fmt) tuple)
    align: str | None = None  # left / center / right (default: numbers right, text left)


@dataclass
class TableRef:
    """Where a written table landed (1-based rows/columns; header_row is the column-header row)."""

    ws: Worksheet
    name: str | None
    header_row: int
    first_row: int
    last_row: int
    first_col: int
    last_col: int
    headers: list[str] = field(default_factory=list)

    def col(self, header: str) -> int:
        return self.first_col + self.headers.index(header)

    def ref(self, header: str, *, with_header: bool = False) -> Reference:
        c = self.col(header)
        return Reference(self.ws, min_col=c, min_row=self.header_row if with_header else self.first_row,
                         max_row=self.last_row)

    @property
    def n_rows(self) -> int:
        return self.last_row - self.first_row + 1


class SheetWriter:
    """Writes a report sheet top to bottom: title, headings, paragraphs, tables, charts."""

    def __init__(self, ws: Worksheet, *, title: str, subtitle: str | None = None, width_cols: int = 8,
                 tier_colours: dict[str, str] | None = None):
        self.ws, self.row, self.width_cols = ws, 1, width_cols
        self.tier_colours = tier_colours or {}
        self.widths: dict[int, float] = {}
        self.first_table_header: int | None = None
        self._styles: dict[tuple, Any] = {}
        self._texts: dict[int, list[tuple[int, str]]] = {}  # row → wrapped texts (row heights set in finish)
        ws.sheet_view.showGridLines = False
        self._merged_text(title, TITLE_FONT, height=30)
        if subtitle:
            self._merged_text(subtitle, NOTE_FONT, height=16)
        self.row += 1

    # ------------------------------------------------------------------ text
    def _merged_text(self, text: str, font: Font, *, height: float | None = None, wrap: bool = False,
                     cols: int | None = None) -> None:
        cols = cols or self.width_cols
        cell = self.ws.cell(row=self.row, column=1, value=text)
        cell.font = font
        cell.alignment = Alignment(vertical="center", wrap_text=wrap)
        if cols > 1:
            self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=cols)
        if height:
            self.ws.row_dimensions[self.row].height = height
        self.row += 1

    def heading(self, text: str) -> None:
        self.row += 1 if self.row > 3 else 0
        self._merged_text(text, HEADING_FONT, height=22)

    def paragraph(self, text: str, *, lines: int | None = None) -> None:
        """A wrapped paragraph over the sheet's width; `lines` sets the row height (default: by length)."""
        n = lines or max(1, min(12, len(text) // (self.width_cols * 9) + 1 + text.count("\n")))
        self._merged_text(text, BODY_FONT, height=15 * n + 3, wrap=True)

    def note(self, text: str) -> None:
        self._merged_text(text, NOTE_FONT, height=15)

    def skip(self, n: int = 1) -> None:
        self.row += n

    # ------------------------------------------------------------------ tables
    def table(self, columns: Sequence[Col], rows: Iterable[Sequence[Any]], *, name: str | None = None,
              tier_cols: Sequence[str] = (), total_row: Sequence[Any] | None = None,
              empty_text: str = NO_DATA) -> TableRef:
        """Header + rows. A cell value may be `(value, number_format)` to override the column's format.

        `tier_cols`: headers whose text (tier names, 达标/不达标 …) is coloured by conditional formatting.
        An empty `rows` writes one row saying `empty_text` (the table still exists, with its name)."""
        ws = self.ws
        header_row = self.row
        if self.first_table_header is None:
            self.first_table_header = header_row
        for j, c in enumerate(columns, start=1):
            cell = ws.cell(row=header_row, column=j, value=c.header)
            cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            self.widths[j] = max(self.widths.get(j, 0), c.width)
        ws.row_dimensions[header_row].height = 30
        r = header_row
        rows = list(rows)
        if not rows:
            r += 1
            cell = ws.cell(row=r, column=1, value=empty_text)
            cell.font, cell.alignment = BODY_FONT, Alignment(horizontal="center")
            for j in range(1, len(columns) + 1):
                ws.cell(row=r, column=j).border = BORDER
            if len(columns) > 1:
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(columns))
        for i, values in enumerate(rows):
            r += 1
            self._write_row(r, columns, values, zebra=i % 2 == 1)
        if total_row is not None:
            r += 1
            self._write_row(r, columns, total_row, zebra=False, font=TOTAL_FONT)
        ref = TableRef(ws, name, header_row, header_row + 1, r, 1, len(columns), [c.header for c in columns])
        for header in tier_cols:
            self.colour_tiers(ref, header)
        if name:
            self._define_name(name, ref)
        self.row = r + 1
        return ref

    def _write_row(self, r: int, columns: Sequence[Col], values: Sequence[Any], *, zebra: bool,
                   font: Font = BODY_FONT) -> None:
        for j, (c, v) in enumerate(zip(columns, values, strict=False), start=1):
            fmt = c.fmt
            if isinstance(v, tuple):
                v, fmt = v
            if isinstance(v, Decimal):
                v = float(v)
            if isinstance(v, bool):
                v = "是" if v else "否"
            cell = self.ws.cell(row=r, column=j, value=v)
            is_num = isinstance(v, int | float)
            horizontal = c.align or ("right" if is_num else "left")
            key = (font.b, horizontal, is_num, fmt if is_num else None, zebra)
            cached = self._styles.get(key)
            if cached is not None:  # copying the style array is ~20× faster than setting font/border/… per cell
                cell._style = copy(cached)
            else:
                cell.font, cell.border = font, BORDER
                if is_num and fmt:
                    cell.number_format = fmt
                cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=not is_num)
                if zebra:
                    cell.fill = ZEBRA_FILL
                self._styles[key] = copy(cell._style)
            if isinstance(v, str) and len(v) > 4:
                self._texts.setdefault(r, []).append((j, v))

    def _define_name(self, name: str, ref: TableRef) -> None:
        wb = self.ws.parent
        dest = (f"{quote_sheetname(self.ws.title)}!${get_column_letter(ref.first_col)}${ref.header_row}:"
                f"${get_column_letter(ref.last_col)}${ref.last_row}")
        wb.defined_names[name] = DefinedName(name, attr_text=dest)

    def colour_tiers(self, ref: TableRef, header: str) -> None:
        """Conditional fills for tier names / pass words in one column, colours from ref.warning_tiers."""
        col = get_column_letter(ref.col(header))
        rng = f"{col}{ref.first_row}:{col}{ref.last_row}"
        colours = {**PASS_COLOURS, **self.tier_colours}
        for text, colour in colours.items():
            c = hex_colour(colour)
            dxf = DifferentialStyle(fill=PatternFill(fill_type="solid", start_color=c, end_color=c, bgColor=c),
                                    font=Font(color=text_colour_on(colour), bold=True))
            rule = CellIsRule(operator="equal", formula=[f'"{text}"'])
            rule.dxf = dxf
            self.ws.conditional_formatting.add(rng, rule)

    def fill_cell(self, row: int, col: int, colour: str) -> None:
        """A static fill (pivot cells whose tier is not in the sheet)."""
        c = hex_colour(colour)
        cell = self.ws.cell(row=row, column=col)
        cell.fill = PatternFill("solid", start_color=c, end_color=c)
        cell.font = Font(name=FONT_NAME, size=10, color=text_colour_on(colour))

    # ------------------------------------------------------------------ charts
    def place_chart(self, chart, *, col: int = 1, height_rows: int = 16) -> None:
        """Anchor a chart at the current row (within the printed width) and move below it."""
        chart.height = height_rows * 0.5
        chart.width = min(24.0, max(12.0, sum(self.widths.get(j, 10) for j in range(col, self.width_cols + 1)) * 0.2))
        self.ws.add_chart(chart, f"{get_column_letter(col)}{self.row}")
        self.row += height_rows + 1

    def place_charts_side_by_side(self, charts: Sequence, *, height_rows: int = 15) -> None:
        """Two charts per row over the sheet's width."""
        total_w = sum(self.widths.get(j, 10) for j in range(1, self.width_cols + 1))
        half_cols, acc = 1, 0.0
        for j in range(1, self.width_cols + 1):
            acc += self.widths.get(j, 10)
            if acc >= total_w / 2:
                half_cols = j + 1
                break
        for i in range(0, len(charts), 2):
            for k, chart in enumerate(charts[i:i + 2]):
                chart.height = height_rows * 0.5
                chart.width = max(8.0, total_w * 0.1)
                col = 1 if k == 0 else half_cols
                self.ws.add_chart(chart, f"{get_column_letter(col)}{self.row}")
            self.row += height_rows + 1

    # ------------------------------------------------------------------ finish
    def finish(self, *, college: str, year: str, report_title: str, landscape: bool = False,
               title_rows: str | None = None) -> None:
        """Column widths and print setup; `title_rows` repeated on every page (default: the sheet's title rows)."""
        for j, w in self.widths.items():
            self.ws.column_dimensions[get_column_letter(j)].width = w
        for r, texts in self._texts.items():  # Excel and LibreOffice do not grow rows written by openpyxl
            lines = max(text_lines(t, self.widths.get(j, 10)) for j, t in texts)
            if lines > 1:
                self.ws.row_dimensions[r].height = 13.5 * lines + 3
        print_setup(self.ws, college=college, year=year, report_title=report_title, landscape=landscape,
                    title_rows=title_rows or "1:2")


def print_setup(ws: Worksheet, *, college: str, year: str, report_title: str, landscape: bool = False,
                title_rows: str | None = None) -> None:
    """A4, fit to one page wide, the table header repeated on every page, header/footer with college and year."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.8, bottom=0.8, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddHeader.left.text = college
    ws.oddHeader.left.size = 9
    ws.oddHeader.center.text = report_title
    ws.oddHeader.center.size = 9
    ws.oddHeader.right.text = f"{year}学年"
    ws.oddHeader.right.size = 9
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.left.size = 9
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
    ws.oddFooter.right.text = f"{college} · {year}学年"
    ws.oddFooter.right.size = 9


# ---------------------------------------------------------------------- chart builders
def _dress(ch, title: str, style: int, y_title: str | None, y_format: str | None):
    """What every chart of the reports shares: title, style, y axis, legend below, both axes shown."""
    ch.title = title
    ch.style = style
    ch.y_axis.title = y_title
    if y_format:
        ch.y_axis.number_format = y_format
    ch.legend.position = "b"
    ch.x_axis.delete = False
    ch.y_axis.delete = False
    return ch


def line_chart(title: str, *, y_title: str | None = None, y_format: str | None = None) -> LineChart:
    return _dress(LineChart(), title, 2, y_title, y_format)


def bar_chart(title: str, *, horizontal: bool = False, stacked: bool = False, y_title: str | None = None,
              y_format: str | None = None) -> BarChart:
    ch = BarChart()
    ch.type = "bar" if horizontal else "col"
    if stacked:
        ch.grouping = "stacked"
        ch.overlap = 100
    return _dress(ch, title, 10, y_title, y_format)


def add_series(chart, ws: Worksheet, *, values_col: int, first_row: int, last_row: int, title: str | None = None,
               title_ref: tuple[int, int] | None = None, colour: str | None = None, dashed: bool = False,
               labels: bool = False, smooth: bool = False) -> Series:
    """One series from a column range; its name is a cell (title_ref = (row, col)) or a literal."""
    ref = Reference(ws, min_col=values_col, min_row=first_row, max_row=last_row)
    if title_ref:
        from openpyxl.chart.series import SeriesLabel, StrRef

        s = Series(ref)
        s.tx = SeriesLabel(strRef=StrRef(f"{quote_sheetname(ws.title)}!${get_column_letter(title_ref[1])}"
                                          f"${title_ref[0]}"))
    else:
        s = Series(ref, title=title)
    if colour:
        c = hex_colour(colour)
        if isinstance(chart, LineChart):
            s.graphicalProperties.line.solidFill = c
            s.graphicalProperties.line.width = 28000
            if dashed:
                s.graphicalProperties.line.dashStyle = "dash"
        else:
            s.graphicalProperties.solidFill = c
            s.graphicalProperties.line.solidFill = c
    if isinstance(chart, LineChart):
        s.smooth = smooth
        s.marker.symbol = "none" if dashed else "circle"
    if labels:
        s.dLbls = DataLabelList()
        s.dLbls.showVal = True
        s.dLbls.showSerName = False
        s.dLbls.showCatName = False
        s.dLbls.showLegendKey = False
        s.dLbls.showPercent = False
    chart.series.append(s)
    return s


def set_categories(chart, ws: Worksheet, *, col: int, first_row: int, last_row: int,
                   last_col: int | None = None) -> None:
    """Text categories (names, 学年 headers) for every series already added: a column, or a row to `last_col`."""
    from openpyxl.chart.data_source import AxDataSource, StrRef

    ref = Reference(ws, min_col=col, max_col=last_col or col, min_row=first_row, max_row=last_row)
    for s in chart.series:
        s.cat = AxDataSource(strRef=StrRef(f=str(ref)))
