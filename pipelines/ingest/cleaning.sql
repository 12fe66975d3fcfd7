-- 清洗规则 / The cleaning rules: the ONE place where the spellings of exported values are interpreted.
--
-- Installed into every DuckDB connection that cleans (pipelines/ingest/cleaning.py `install`):
--   * the gate's connection: the extracted batch is typed with these macros before the expectations run;
--   * dbt (profile plugin pipelines.ingest.dbt_cleaning): every staging model calls them (macros/stage.sql).
-- They are persisted in the built warehouse, so an analyst can call them too:
--   select clean_decimal('￥1,234.50', '元'), clean_date('2023年9月1日'), unreadable_reason('int', '4千', '人');
--
-- Contract: each clean_* macro takes the text as written (raw keeps it unchanged) and returns the typed value,
-- or NULL. NULL from a non-empty cell means "cannot be read": the gate reports every such cell with
-- `unreadable_reason` (required column → 阻断, optional → 提醒). Nothing is guessed. `unit` is the column's unit
-- from the contract label (起薪(元) → 元) or expectations/rules.yml `units`; NULL when the column has none.
-- Decisions (docs/data_quality.md「值的清洗与检查」):
--   numbers  1,234.5  １２３４  (2.18) → -2.18  ￥1,234.50  1.2E+05  +5; a unit written in the cell is accepted
--            only when it is the column's unit (4500元 in 起薪(元)); 95% only in a percent column (unit '%': 95)
--            or a ratio column (unit 'ratio': 0.95); an int column takes whole numbers only (35.0 → 35, 35.5 ✗).
--            Refused: 4千, 1.2万 (in a 元 column), 4000-5000, 1,23, -, —, /, 无, 合计, #REF!.
--   dates    2023-09-01  2023/9/1  2023.9.1  2023年9月1日  20230901  2023-09-01 08:30:00  Excel serial 45170.
--            Refused: 2024年9月 (a month is not a date), 2023, 9/1/2023, 23-9-1, 2023-02-30, years outside 1900–2100.
--   codes    trimmed, full-width → ASCII, every blank removed, upper case (jn2010 0001 → JN20100001).
--   text     trimmed (incl. U+3000, NBSP, zero-width), full-width digits/letters and －／．： → ASCII.
--   bool     是/否, TRUE/FALSE, 1/0, Y/N, √/×.
--   Excel error values (#REF!, #N/A, #VALUE! …) are no value in any column; spreadsheet placeholders for an
--   empty cell (nan, None, NULL, NaT) are no code.

-- full-width ASCII forms U+FF01..U+FF5E → ASCII; U+3000, NBSP and other wide spaces → space; zero-width → removed.
-- translate() is the costly step (≈ 5 µs a value: it reads its two lists for every row): only text holding one of the
-- characters it maps goes through it — ASCII-only text (bytes = characters) and Chinese text without such a
-- character are returned as they are. The character class is the first list of translate(), character for character.
CREATE OR REPLACE MACRO zh_halfwidth(x) AS
    CASE WHEN strlen(x) = length(x)
              OR NOT regexp_matches(x, '[！-～' || chr(12288) || chr(160) || chr(8194) || chr(8195) || chr(8201)
                                       || chr(8239) || chr(8203) || chr(8204) || chr(8205) || chr(8288) || chr(65279) || ']')
         THEN x ELSE translate(x,
        '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～'
            || chr(12288) || chr(160) || chr(8194) || chr(8195) || chr(8201) || chr(8239)
            || chr(8203) || chr(8204) || chr(8205) || chr(8288) || chr(65279),
        '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~      ')
    END;

-- text: only digits, letters and the date/number punctuation －／．： are narrowed (Chinese ，（）and an inner
-- U+3000 stay as written: 「王　五」 is a question about the name, not about blanks).
CREATE OR REPLACE MACRO zh_halfwidth_text(x) AS
    CASE WHEN strlen(x) = length(x)
              OR NOT regexp_matches(x, '[０-９Ａ-Ｚａ-ｚ－／．：' || chr(8203) || chr(8204) || chr(8205) || chr(8288)
                                       || chr(65279) || ']')
         THEN x ELSE translate(x,
        '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ－／．：'
            || chr(8203) || chr(8204) || chr(8205) || chr(8288) || chr(65279),
        '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-/.:')
    END;

CREATE OR REPLACE MACRO zh_trim(x) AS
    nullif(trim(x, ' ' || chr(9) || chr(10) || chr(13) || chr(12288) || chr(160) || chr(8194) || chr(8195) || chr(8201)
                   || chr(8239)), '');

-- Speed: a value written plainly (most of them) takes a short path. A macro's argument is copied into its body
-- wherever it is named, so an argument named n times by a macro that is itself nested n times is planned (and run)
-- n×n times. `list_transform([expr], v -> body)[1]` binds expr once as v: with it clean_int plans in 6 ms instead of
-- 200 ms per column, and a column of 10 % oddly written numbers cleans 20× faster (DuckDB 1.4, 1 M rows).

-- what a spreadsheet writes when a formula fails: never a value (t: narrowed, trimmed text)
CREATE OR REPLACE MACRO zh_is_excel_error(t) AS
    upper(t) IN ('#REF!', '#N/A', '#VALUE!', '#DIV/0!', '#NAME?', '#NUM!', '#NULL!', '#SPILL!', '#CALC!', '#N/A!');

-- text a careless export writes for an empty cell
CREATE OR REPLACE MACRO zh_is_placeholder(t) AS upper(t) IN ('NAN', 'NONE', 'NULL', 'NAT', '<NA>');

-- str
CREATE OR REPLACE MACRO clean_text(x) AS
    CASE WHEN strlen(x) = length(x) AND regexp_full_match(x, '[^\s#].*[^\s]|[^\s#]') THEN x
         ELSE list_transform([zh_trim(zh_halfwidth_text(x))], t -> CASE WHEN NOT zh_is_excel_error(t) THEN t END)[1]
    END;

-- code
CREATE OR REPLACE MACRO clean_code(x) AS
    CASE WHEN regexp_full_match(x, '[0-9A-Z][0-9A-Z._/-]*') AND NOT zh_is_placeholder(x) THEN x
         ELSE list_transform([zh_halfwidth(x)], h ->
             CASE WHEN NOT (zh_is_excel_error(zh_trim(h)) OR zh_is_placeholder(zh_trim(h)))
                  THEN nullif(upper(regexp_replace(h, '\s+', '', 'g')), '') END)[1]
    END;

-- numbers: the parts of one written number (all '' when the text is not shaped like a number)
CREATE OR REPLACE MACRO zh_number_parts(t) AS
    regexp_extract(t,
        '^(\(?)([+-]?)\s*[¥￥$]?\s*((?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?(\)?)\s*((?:[^0-9.,+-][^0-9]*)?)$',
        ['open', 'sign', 'digits', 'exp', 'close', 'suffix']);

CREATE OR REPLACE MACRO zh_number_shape_ok(p) AS
    p.digits <> '' AND ((p.open = '' AND p.close = '') OR (p.open = '(' AND p.close = ')' AND p.sign = ''));

-- the factor a cell's own unit asks for in a column of `unit`: 1 when it may stand there, NULL when it may not
CREATE OR REPLACE MACRO zh_unit_factor(suffix, unit) AS
    CASE WHEN suffix = '' THEN 1
         WHEN suffix = '%' AND unit = '%' THEN 1
         WHEN suffix = '%' AND unit = 'ratio' THEN 0.01
         WHEN suffix = coalesce(unit, '') AND unit NOT IN ('%', 'ratio') THEN 1
    END;

CREATE OR REPLACE MACRO zh_number_value(p, unit) AS
    CASE WHEN zh_number_shape_ok(p) AND zh_unit_factor(p.suffix, unit) IS NOT NULL THEN
        (CASE WHEN p.open = '(' OR p.sign = '-' THEN -1 ELSE 1 END)
        * (CASE WHEN p.exp = '' THEN try_cast(replace(p.digits, ',', '') AS DECIMAL(18, 6))
                ELSE try_cast(try_cast(replace(p.digits, ',', '') || p.exp AS DOUBLE) AS DECIMAL(18, 6)) END)
        * zh_unit_factor(p.suffix, unit)
    END;

-- decimal: DECIMAL, not DOUBLE, so sums of scores and amounts are exact and do not depend on the order DuckDB's
-- threads add them in (a value exactly on a warning line is judged the same in every run)
CREATE OR REPLACE MACRO clean_decimal(x, unit) AS
    CASE WHEN regexp_full_match(x, '-?[0-9]{1,12}(\.[0-9]+)?') THEN try_cast(x AS DECIMAL(18, 6))
         -- (the cast inside the branch: an outer cast makes DuckDB evaluate the slow branch for every row)
         ELSE list_transform([zh_number_parts(zh_trim(zh_halfwidth(x)))],
                             p -> CAST(zh_number_value(p, unit) AS DECIMAL(18, 6)))[1]
    END;

CREATE OR REPLACE MACRO clean_int(x, unit) AS
    CASE WHEN regexp_full_match(x, '-?[0-9]{1,12}') THEN CAST(x AS BIGINT)
         ELSE list_transform([clean_decimal(x, unit)], d -> CASE WHEN d = trunc(d) THEN CAST(d AS BIGINT) END)[1] END;

-- dates
CREATE OR REPLACE MACRO zh_ymd(y, m, d) AS
    CASE WHEN try_cast(y AS INTEGER) BETWEEN 1900 AND 2100
         THEN CAST(try_strptime(y || '-' || m || '-' || d, '%Y-%m-%d') AS DATE) END;

CREATE OR REPLACE MACRO zh_date_parts(t) AS
    regexp_extract(t, '^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$',
                   ['y', 'm', 'd']);

CREATE OR REPLACE MACRO zh_date_text(t) AS
    CASE
        -- Excel serial (1900 system; 5 digits = 1927-05-18 … 2173-10-14; a fraction is the time of day)
        WHEN regexp_full_match(t, '[0-9]{5}(\.[0-9]+)?') THEN DATE '1899-12-30' + CAST(floor(CAST(t AS DOUBLE)) AS INTEGER)
        WHEN regexp_full_match(t, '[0-9]{8}') THEN zh_ymd(t[1:4], t[5:6], t[7:8])
        ELSE list_transform([zh_date_parts(t)], p -> zh_ymd(p.y, p.m, p.d))[1]
    END;

CREATE OR REPLACE MACRO clean_date(x) AS
    CASE WHEN regexp_full_match(x, '(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}') OR x = '2100-01-01' THEN try_cast(x AS DATE)
         ELSE list_transform([zh_trim(zh_halfwidth(x))], t -> zh_date_text(t))[1]
    END;

-- bool
CREATE OR REPLACE MACRO clean_bool(x) AS
    list_transform([clean_code(x)], c -> CASE WHEN c IN ('是', 'TRUE', '1', 'Y', 'YES', 'T', '√') THEN true
                                              WHEN c IN ('否', 'FALSE', '0', 'N', 'NO', 'F', '×') THEN false END)[1];

-- 身份证号 masked for analysts: region (6) + ******** + last 4 (320102********123X); the raw value stays in raw only.
CREATE OR REPLACE MACRO mask_id_card(x) AS
    list_transform([clean_code(x)], c -> CASE WHEN c IS NOT NULL
                                              THEN left(c, 6) || repeat('*', greatest(length(c) - 10, 0)) || right(c, 4) END)[1];

-- Why a non-empty cell could not be read (NULL when it can be, or is empty). The gate asks it only for the few cells
-- that are not empty but clean to NULL (a lambda is fine there), and quotes it after the value:
-- 第 12 行「起薪(元)」列的值「4千」用汉字写了数量级…  (t: narrowed, trimmed text; p: its number parts)
CREATE OR REPLACE MACRO zh_number_reason(t, p, unit, whole) AS
    CASE
        WHEN zh_number_shape_ok(p) AND p.suffix IN ('千', '万', '亿', '百', '千元', '百万') AND zh_unit_factor(p.suffix, unit) IS NULL
            THEN '用汉字写了数量级，请写成完整的阿拉伯数字'
                 || CASE WHEN unit IS NOT NULL AND unit NOT IN ('%', 'ratio') THEN '（单位：' || unit || '）' ELSE '' END
        WHEN zh_number_shape_ok(p) AND p.suffix = '%' AND zh_unit_factor('%', unit) IS NULL
            THEN '带百分号，但本列不是百分比' || CASE WHEN unit IS NOT NULL THEN '（单位：' || unit || '）' ELSE '' END
        WHEN zh_number_shape_ok(p) AND zh_unit_factor(p.suffix, unit) IS NULL
            THEN '带单位「' || p.suffix || '」，'
                 || CASE WHEN unit IS NULL OR unit IN ('%', 'ratio') THEN '本列只应填数字' ELSE '与本列的单位「' || unit || '」不符' END
        WHEN zh_number_shape_ok(p) AND zh_number_value(p, unit) IS NULL THEN '数值超出可存储的范围'
        WHEN whole AND zh_number_shape_ok(p) THEN '不是整数'
        WHEN regexp_full_match(t, '[0-9.,]+\s*[-~～至到]\s*[0-9.,]+\s*\S*') THEN '是一个范围，不是一个数'
        WHEN regexp_full_match(t, '[+-]?[0-9]+(,[0-9]+)+(\.[0-9]*)?') THEN '的千分位逗号位置不对（逗号应每三位一个；小数点请用“.”）'
        WHEN t IN ('-', '--', '—', '——', '/', '无', '空') THEN '不是数字（没有数据请留空，数量为零请填 0）'
        ELSE '不是数字'
    END;

CREATE OR REPLACE MACRO zh_date_reason(t) AS
    CASE
        WHEN regexp_full_match(t, '[0-9]{4}\s*([-/.年]\s*[0-9]{1,2}\s*月?|年)') THEN '只有年月，不是完整的日期（请写到日，例如 2024-09-01）'
        WHEN regexp_full_match(t, '[0-9]{4}') THEN '只有年份，不是日期（请写到日，例如 2024-09-01）'
        WHEN zh_date_parts(t).y <> '' OR regexp_full_match(t, '[0-9]{8}')
            THEN CASE WHEN try_cast(t[1:4] AS INTEGER) NOT BETWEEN 1900 AND 2100 THEN '的年份不在 1900–2100 之间'
                      ELSE '不是存在的日期' END
        WHEN regexp_full_match(t, '[0-9]+(\.[0-9]+)?') THEN '看起来是 Excel 日期序号，但不在可接受的范围（10000–99999）内'
        ELSE '不是日期（可用写法：2023-09-01、2023/9/1、2023.9.1、2023年9月1日、20230901）'
    END;

CREATE OR REPLACE MACRO zh_reason(type, x, t, unit) AS
    CASE
        WHEN t IS NULL THEN NULL
        WHEN zh_is_excel_error(t) THEN '是 Excel 的错误值（公式出错），请填写实际的值'
        WHEN type = 'code' AND zh_is_placeholder(t) THEN '是表示空值的占位文字，没有数据请留空'
        WHEN type = 'int' AND clean_int(x, unit) IS NULL THEN zh_number_reason(t, zh_number_parts(t), unit, true)
        WHEN type = 'decimal' AND clean_decimal(x, unit) IS NULL THEN zh_number_reason(t, zh_number_parts(t), unit, false)
        WHEN type = 'date' AND clean_date(x) IS NULL THEN zh_date_reason(t)
        WHEN type = 'bool' AND clean_bool(x) IS NULL THEN '不是“是/否”（可用写法：是、否）'
    END;

CREATE OR REPLACE MACRO unreadable_reason(type, x, unit) AS
    list_transform([zh_trim(zh_halfwidth(x))], t -> zh_reason(type, x, t, unit))[1];
