from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipelines.ingest.normalize import (
    Invalid,
    clean_text,
    clean_text_series,
    excel_serial_to_date,
    id_card_check_digit,
    normalize_code,
    normalize_code_series,
    parse_date,
    parse_date_series,
    parse_number,
    parse_number_series,
    validate_id_card,
    validate_id_card_series,
)

DATES = ["2023-09-01", "2023/9/1", "2023.9.1", "2023年9月1日", "20230901", "45170", "２０２３－０９－０１",
         " 2023-09-01 ", "2023-09-01 00:00:00", "2023-09-01T08:30:00", "2023 年 9 月 1 日"]
BAD_DATES = ["2023-02-30", "二〇二三", "9/1/2023", "23-9-1", "2023-9", "2023", "60", "1899-12-31", "abc",
             "2023-13-01"]


@pytest.mark.parametrize("text", DATES)
def test_parse_date_formats(text):
    assert parse_date(text) == date(2023, 9, 1)


@pytest.mark.parametrize("text", BAD_DATES)
def test_parse_date_refuses_rather_than_guesses(text):
    out = parse_date(text)
    assert isinstance(out, Invalid) and not out and out.reason


def test_excel_serial_1900_system():
    assert excel_serial_to_date(45170) == date(2023, 9, 1)
    assert excel_serial_to_date(1) == date(1900, 1, 1)
    assert excel_serial_to_date(59) == date(1900, 2, 28)
    assert isinstance(excel_serial_to_date(60), Invalid)  # the Lotus 1900-02-29 that never existed
    assert excel_serial_to_date(61) == date(1900, 3, 1)


def test_parse_date_empty_and_native():
    assert parse_date(None) is None and parse_date("  ") is None and parse_date("\u3000") is None
    assert parse_date(date(2023, 9, 1)) == date(2023, 9, 1)


def test_parse_date_series_matches_scalar():
    s = pd.Series(DATES + BAD_DATES + [None, ""], dtype="str")
    parsed = parse_date_series(s)
    for i, text in enumerate(s):
        scalar = parse_date(text)
        if isinstance(scalar, date):
            assert parsed.values[i].date() == scalar, text
            assert pd.isna(parsed.invalid[i])
        elif scalar is None:
            assert pd.isna(parsed.values[i]) and pd.isna(parsed.invalid[i])
        else:
            assert pd.isna(parsed.values[i]), text
            assert parsed.invalid[i] == scalar.reason, text
    assert parsed.n_invalid == len(BAD_DATES)


def test_invalid_date_becomes_problem_with_source_row():
    df = pd.DataFrame({"入学日期": ["2023-09-01", "2023-02-30"], "_source_row": [2, 1234]})
    parsed = parse_date_series(df["入学日期"])
    [p] = parsed.problems(column="入学日期", rule="date", file="学工/学生学籍.csv", rows=df["_source_row"])
    assert p.message == "学工/学生学籍.csv 第 1234 行「入学日期」列的值「2023-02-30」不是存在的日期"


def test_clean_text():
    assert clean_text("\u3000 ２０２３ \u00a0") == "2023"
    assert clean_text("Ａｂ１") == "Ab1"
    assert clean_text("江南学院（东校区）") == "江南学院（东校区）"  # Chinese punctuation is text
    assert clean_text("王　五 ") == "王　五"  # inner padding kept
    assert clean_text("\u200b学号\ufeff") == "学号"
    assert clean_text("   ") is None and clean_text(None) is None
    assert clean_text("ＺＣ－０１", width="all") == "ZC-01"
    s = pd.Series(["\u3000 ２０２３ \u00a0", "李四 ", None, " "], dtype="str")
    assert clean_text_series(s).tolist()[:2] == ["2023", "李四"]
    assert clean_text_series(s).isna().tolist() == [False, False, True, True]


def test_normalize_code():
    assert normalize_code(" zc-01 ") == "ZC-01"
    assert normalize_code("ｚｃ－０１") == "ZC-01"
    assert normalize_code("js 01") == "JS01"
    assert normalize_code_series(pd.Series([" zc-01 ", "ｚｃ－０１", None], dtype="str")).tolist()[:2] == ["ZC-01"] * 2


@pytest.mark.parametrize("text, value", [("1,234.5", 1234.5), ("１２３４", 1234.0), ("85%", 0.85), ("８５％", 0.85),
                                         ("(1,234.00)", -1234.0), ("（1,234）", -1234.0), ("￥12.50", 12.5),
                                         (" 3 ", 3.0), ("-5", -5.0), ("1 234", 1234.0), ("12.", 12.0)])
def test_parse_number(text, value):
    assert parse_number(text) == pytest.approx(value)


def test_parse_number_refuses_and_empties():
    assert isinstance(parse_number("1,23"), Invalid)  # a decimal comma? don't guess
    assert isinstance(parse_number("abc"), Invalid)
    assert isinstance(parse_number("十二"), Invalid)
    assert parse_number("-") is None and parse_number("") is None and parse_number(None) is None
    assert parse_number("85%", percent="number") == 85


def test_parse_number_series_matches_scalar():
    texts = ["1,234.5", "１２３４", "85%", "(1,234.00)", "￥12.50", "-", "abc", "1,23", None, "12."]
    parsed = parse_number_series(pd.Series(texts, dtype="str"))
    for i, text in enumerate(texts):
        scalar = parse_number(text)
        if isinstance(scalar, float):
            assert parsed.values[i] == pytest.approx(scalar)
        else:
            assert pd.isna(parsed.values[i])
            assert pd.isna(parsed.invalid[i]) == (scalar is None)


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
