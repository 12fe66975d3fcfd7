"""The cleaning rules (SQL macros of pipelines/ingest/cleaning.sql) on the spellings real exports have, and the
身份证号 check digit (the one Python-only value check)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from pipelines.ingest import cleaning
from pipelines.ingest.normalize import id_card_check_digit, validate_id_card, validate_id_card_series


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    cleaning.install(c)
    yield c
    c.close()


def one(con, sql: str, *params):
    return con.execute(f"SELECT {sql}", list(params)).fetchone()[0]


DATES = ["2023-09-01", "2023/9/1", "2023.9.1", "2023年9月1日", "20230901", "45170", "２０２３－０９－０１",
         " 2023-09-01 ", "2023-09-01 00:00:00", "2023-09-01T08:30:00", "2023 年 9 月 1 日", "45170.75", "\u30002023-9-1"]
BAD_DATES = {"2023-02-30": "不是存在的日期", "二〇二三": "不是日期", "9/1/2023": "不是日期", "23-9-1": "不是日期",
             "2023-9": "只有年月", "2024年9月": "只有年月", "2023": "只有年份", "60": "Excel 日期序号",
             "1899-12-31": "年份不在 1900–2100", "abc": "不是日期", "2023-13-01": "不是存在的日期",
             "#REF!": "Excel 的错误值"}


@pytest.mark.parametrize("text", DATES)
def test_clean_date_reads_every_export_spelling(con, text):
    assert one(con, "clean_date(?)", text) == date(2023, 9, 1)
    assert one(con, "unreadable_reason('date', ?, NULL)", text) is None


@pytest.mark.parametrize("text, reason", BAD_DATES.items())
def test_clean_date_refuses_rather_than_guesses_and_says_why(con, text, reason):
    assert one(con, "clean_date(?)", text) is None
    assert reason in one(con, "unreadable_reason('date', ?, NULL)", text)


def test_excel_serials_use_the_1900_system(con):
    assert one(con, "clean_date('45170')") == date(2023, 9, 1)
    assert one(con, "clean_date('10000')") == date(1927, 5, 18)


@pytest.mark.parametrize("text, unit, value", [
    ("1,234.5", None, "1234.5"), ("１２３４", None, "1234"), ("(2.18)", None, "-2.18"), ("（2.18）", None, "-2.18"),
    ("￥1,234.50", "元", "1234.5"), ("¥12.50", None, "12.5"), ("1.2E+05", None, "120000"), ("+5", None, "5"),
    ("4500元", "元", "4500"), ("35.0人", "人", "35"), ("95%", "%", "95"), ("95%", "ratio", "0.95"),
    ("８５％", "ratio", "0.85"), (" 7 ", None, "7"), ("-0.5", None, "-0.5"), ("１，２３４．５", None, "1234.5"),
])
def test_clean_decimal(con, text, unit, value):
    assert one(con, "clean_decimal(?, ?)", text, unit) == Decimal(value)
    assert one(con, "unreadable_reason('decimal', ?, ?)", text, unit) is None


@pytest.mark.parametrize("text, unit, reason", [
    ("4千", "元", "用汉字写了数量级"), ("1.2万", "元", "用汉字写了数量级"), ("4000-5000", "元", "是一个范围"),
    ("12.5万元", "元", "带单位「万元」，与本列的单位「元」不符"), ("35.0人", "元", "带单位「人」，与本列的单位「元」不符"),
    ("95%", None, "带百分号，但本列不是百分比"), ("95%", "元", "带百分号"), ("1,23", None, "千分位逗号位置不对"),
    ("-", None, "没有数据请留空"), ("—", None, "没有数据请留空"), ("无", None, "没有数据请留空"),
    ("合计", None, "不是数字"), ("优秀", None, "不是数字"), ("#REF!", None, "Excel 的错误值"),
    ("2.18)", None, "不是数字"), ("4500元", None, "本列只应填数字"),
])
def test_clean_decimal_refuses_and_says_why(con, text, unit, reason):
    assert one(con, "clean_decimal(?, ?)", text, unit) is None
    assert reason in one(con, "unreadable_reason('decimal', ?, ?)", text, unit)


def test_int_columns_take_whole_numbers_only(con):
    assert one(con, "clean_int('35.0', NULL)") == 35
    assert one(con, "clean_int('２０２３', NULL)") == 2023
    assert one(con, "clean_int('35.5', NULL)") is None
    assert one(con, "unreadable_reason('int', '35.5', NULL)") == "不是整数"


def test_empty_is_not_unreadable(con):
    for text in (None, "", "  ", "\u3000"):
        assert one(con, "clean_decimal(?, NULL)", text) is None
        assert one(con, "unreadable_reason('decimal', ?, NULL)", text) is None


def test_text_codes_and_flags(con):
    assert one(con, "clean_text(?)", "  江南（东校区），A１ \u3000") == "江南（东校区），A1"
    assert one(con, "clean_text(?)", "王\u3000五") == "王\u3000五"  # an inner blank is a name question
    assert one(con, "clean_text(?)", "2024－2025") == "2024-2025"
    assert one(con, "clean_text(?)", "#N/A") is None
    assert one(con, "clean_code(?)", " jn2010 0001 ") == "JN20100001"
    assert one(con, "clean_code(?)", "ＺＣ－０１\u200b") == "ZC-01"
    assert one(con, "clean_code(?)", "nan") is None
    assert "占位文字" in one(con, "unreadable_reason('code', 'nan', NULL)")
    assert [one(con, "clean_bool(?)", v) for v in ("是", "否", " Y ", "×", "优秀")] == [True, False, True, False, None]
    assert one(con, "mask_id_card(?)", "32010219990101123x") == "320102********123X"


def test_column_units_come_from_the_label_or_rules_yml():
    assert cleaning.column_unit("起薪(元)", "decimal") == "元"
    assert cleaning.column_unit("占地面积（㎡）", "decimal") == "㎡"
    assert cleaning.column_unit("完成率(%)", "decimal") == "%"
    assert cleaning.column_unit("报到数", "int") == "人"
    assert cleaning.column_unit("总学时", "int") == "学时"
    assert cleaning.column_unit("姓名", "str") is None


def test_id_card_check_digit_by_hand():
    # 11010519491231002X (the example in GB 11643-1999):
    # 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → "X"
    assert id_card_check_digit("11010519491231002") == "X"
    # 440524188001010014: 4·7+4·9+0·10+5·5+2·8+4·4+1·2+8·1+8·6+0·3+0·7+1·9+0·10+1·5+0·8+0·4+1·2
    #   = 28+36+0+25+16+16+2+8+48+0+0+9+0+5+0+0+2 = 195; 195 mod 11 = 8 → "4"
    assert id_card_check_digit("44052418800101001") == "4"


def test_validate_id_card():
    assert validate_id_card("11010519491231002X") is None
    assert validate_id_card("11010519491231002x ") is None  # lower-case x and a trailing space are cleaned
    assert validate_id_card("440524188001010014") == "出生日期「18800101」不合理"  # 1880 < 1900
    assert "校验位错误" in validate_id_card("110105194912310021")
    assert "应为 X" in validate_id_card("110105194912310021")
    assert "长度" in validate_id_card("11010519491231002")
    assert "15 位" in validate_id_card("110105491231002")
    assert "出生日期" in validate_id_card("110105194902300027")
    assert "行政区划" in validate_id_card("990105194912310021")
    assert "前 17 位" in validate_id_card("11010519491231002Y")


def test_validate_id_card_series_matches_scalar():
    values = ["11010519491231002X", "11010519491231002x", "110105194912310021", "123", None, "",
              "110105194902300027", "990105194912310021"]
    reasons = validate_id_card_series(pd.Series(values, dtype="str"))
    assert pd.isna(reasons[0]) and pd.isna(reasons[1]) and pd.isna(reasons[4]) and pd.isna(reasons[5])
    for i in (2, 3, 6, 7):
        assert reasons[i] == validate_id_card(values[i])


def test_half_width_maps_every_full_width_form_even_inside_chinese_text(con):
    """zh_halfwidth skips translate() for text without a character it maps: every mapped character, alone or inside
    Chinese text, must still be mapped (U+FF01..U+FF5E → ASCII, wide spaces → space, zero-width → removed)."""
    mapped = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
    mapped |= {chr(c): " " for c in (0x3000, 0xA0, 0x2002, 0x2003, 0x2009, 0x202F)}
    mapped |= {chr(c): "" for c in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)}
    texts = [t for ch in mapped for t in (ch, f"学生{ch}名", f"a{ch}")]
    want = [t.translate(str.maketrans({k: v or None for k, v in mapped.items()})) for t in texts]
    got = con.execute("SELECT list_transform(?, t -> zh_halfwidth(t))", [texts]).fetchone()[0]
    assert got == want
    # text narrowing: digits, letters and －／．： only; Chinese punctuation stays
    assert one(con, "zh_halfwidth_text(?)", "二〇二四学年（２０２４－２０２５）") == "二〇二四学年（2024-2025）"
    assert one(con, "zh_halfwidth_text(?)", "计算机应用技术") == "计算机应用技术"
